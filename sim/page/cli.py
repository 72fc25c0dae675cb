"""``alliance-sim-page``: serve the classroom page (sim/page/app.py) with solara.

The page is served on 127.0.0.1 by default and works without internet: solara's front end
(Vue, Vuetify, fonts, the grid layout, require.js) comes from the ``solara-assets`` package
installed with the ``page`` extra, through solara's local asset route. The launcher turns off
what would reach the network: solara's version check and its usage telemetry; and it points
solara's CDN setting at an unused local address, so an asset missing from the install fails
at once instead of being fetched from the internet.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

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
    parser = argparse.ArgumentParser(
        prog="alliance-sim-page",
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
    return parser.parse_args(argv)


def parse_error(message: str) -> None:
    """One line on stderr and exit status 2, like the other commands."""
    print(f"alliance-sim-page: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def free_port(host: str) -> int:
    """A port that is free on ``host`` now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not 0 <= args.port <= 65535:
        parse_error(f"--port must be 0-65535 (got {args.port})")
    os.environ.update(OFFLINE_ENV)
    if args.port == 0:
        args.port = free_port(args.host)
    # solara reads its settings when it is first imported: after the environment is set.
    try:
        from solara.__main__ import cli
    except ModuleNotFoundError as exc:
        parse_error(
            f"the page needs the 'page' extra ({exc.name} is not installed): run "
            "scripts/bootstrap.sh page (or pip install -e '.[page]')"
        )

    print(
        f"alliance-sim-page: serving the classroom page at http://{args.host}:{args.port}/ "
        "(Ctrl+C stops it)",
        flush=True,
    )
    cli(solara_args(args), prog_name="solara", standalone_mode=True)


if __name__ == "__main__":
    main()
