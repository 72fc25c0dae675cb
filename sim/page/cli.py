"""``alliance-sim-page``: serve the classroom page (sim/page/app.py) with solara.

The page is served on 127.0.0.1 by default and works without internet: solara's front end
(Vue, Vuetify, fonts, the grid layout, require.js) comes from the ``solara-assets`` package
installed with the ``page`` extra, through solara's local asset route. The launcher turns off
what would reach the network: solara's version check and its usage telemetry; and it points
solara's CDN setting at an unused local address, so an asset missing from the install fails
at once instead of being fetched from the internet.

Before solara starts, the launcher resolves ``--host`` and binds ``--port`` on it once: an
unknown host name, an address this computer does not have or a port in use is refused with one
line (exit status 2). It says it is serving only once the server answers on the port, and at an
address a browser can reach: the host given, or for ``0.0.0.0`` (every interface) this
computer's address on the local network (:func:`lan_address`), which students can type.
``--projector`` starts the page in its projector mode (large type, controls folded).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from pathlib import Path

from sim.cli.args import OneLineParser, fail, run_main
from sim.cli.net import bind, reachable_url
from sim.errors import UserError

PROG = "alliance-sim-page"
PROJECTOR_ENV = "ALLIANCE_SIM_PAGE_PROJECTOR"  # read by sim/page/app.py
APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8765
# Settings of solara 1.58 (solara.settings / solara.server.settings), as environment variables.
OFFLINE_ENV = {
    "SOLARA_ASSETS_PROXY": "true",  # serve assets from the local install ...
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",  # ... and never fetch a missing one
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_THEME_VARIANT": "light",
    "MPLBACKEND": "Agg",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The launcher's options (``--help`` lists them)."""
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Serve the interactive classroom page of alliance-sim (Mesa SolaraViz): choose the "
            "world and the scenario, move the sliders, step or play the model, and read the "
            "alignment network, the budgets and the event log with each decision's reasons. "
            "Works offline; open the address it prints in a browser."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0 serves the "
        "local network, e.g. a classroom)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--open", action="store_true", help="open the page in the default browser when ready"
    )
    parser.add_argument(
        "--projector",
        action="store_true",
        help="start the page in projector mode: type of 20 px and more for a hall, controls "
        "folded (a switch on the page turns it off)",
    )
    return parser.parse_args(argv)


def parse_error(message: str) -> None:
    """One line on stderr and exit status 2, like the other commands."""
    fail(PROG, message)


def free_port(host: str) -> int:
    """A port that is free on ``host`` now."""
    with socket.socket(_family(host)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _family(host: str) -> socket.AddressFamily:
    """The address family of ``host``'s first address (IPv4 or IPv6)."""
    return socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][0]


def check_address(host: str, port: int) -> None:
    """Refuse, before solara starts, a host that does not resolve to an address of this
    computer or a port that is in use there: bind it once, as the server will.

    Raises:
        UserError: what is wrong, in one line.
    """
    bind(host, port, "0.0.0.0 (the local network)").close()


def announce_when_up(host: str, port: int, timeout: float = 120.0) -> threading.Thread:
    """Print the page's address once the server accepts connections on it (a daemon thread)."""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    url = reachable_url(host, port)

    def wait() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((target, port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            return
        print(f"{PROG}: serving the classroom page at {url} (Ctrl+C stops it)", flush=True)

    thread = threading.Thread(target=wait, name="announce", daemon=True)
    thread.start()
    return thread


def solara_args(args: argparse.Namespace) -> list[str]:
    """The ``solara run`` command line for the page."""
    return [
        "run",
        str(APP),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-check-version",
        "--open" if args.open else "--no-open",
        "--theme-variant",
        "light",
    ]


def _main(argv: list[str] | None) -> int | None:
    args = parse_args(argv)
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0-65535 (got {args.port})")
    check_address(args.host, args.port)
    os.environ.update(OFFLINE_ENV)
    os.environ[PROJECTOR_ENV] = "1" if args.projector else "0"
    if args.port == 0:
        args.port = free_port(args.host)
    # solara reads its settings when it is first imported: after the environment is set.
    try:
        from solara.__main__ import cli
    except ModuleNotFoundError as exc:
        raise UserError(
            f"the page needs the 'page' extra ({exc.name} is not installed): run "
            "scripts/bootstrap.sh page (or pip install -e '.[page]')"
        ) from None
    announce_when_up(args.host, args.port)
    return cli(solara_args(args), prog_name="solara", standalone_mode=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: serves until Ctrl+C; exits 2 with one line on a user error."""
    sys.exit(run_main(PROG, _main, argv))


if __name__ == "__main__":
    main()
