"""Where a local server listens, for the commands that start one (``alliance-sim-page``,
``alliance-sim-class``): bind the address once before the server starts, so that a bad host or a
busy port is one line, and the address people can type (never ``0.0.0.0``)."""

from __future__ import annotations

import contextlib
import errno
import socket

from sim.errors import UserError

ANY_HOST = ("0.0.0.0", "", "::")
"""Hosts that mean every interface of this computer."""


def bind(host: str, port: int, network_hint: str) -> socket.socket:
    """A socket bound to ``host``:``port``, as the server will bind it (``SO_REUSEADDR``, as
    uvicorn does); close it or hand it to the server.

    Args:
        network_hint: how this command serves the local network, for the message (e.g.
            "0.0.0.0 (the local network)" or "--lan for the room's network").

    Raises:
        UserError: an unknown host, an address this computer does not have, a port in use.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UserError(
            f"--host {host}: unknown host ({reason}); give an address of this computer, e.g. "
            f"127.0.0.1 (this computer only), or {network_hint}"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            raise UserError(
                f"--port {port}: the port is in use on {host} ({reason}); stop what uses it, "
                "or give another --port (0 picks a free one)"
            ) from None
        raise UserError(
            f"--host {host} --port {port}: cannot listen there ({reason}); give an address of "
            "this computer (e.g. 127.0.0.1) and a port above 1023"
        ) from None
    return sock


def lan_address() -> str | None:
    """This computer's IPv4 address on the local network, or ``None`` when it has none.

    Connecting a UDP socket sends nothing: it only asks the system which interface would carry
    traffic to that address (a private one, so no route to the internet is needed); the host
    name's address is the fallback.
    """
    candidates = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.254.254.254", 1))
            candidates.append(sock.getsockname()[0])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(socket.gethostbyname(socket.gethostname()))
    return next((a for a in candidates if a and not a.startswith(("0.", "127."))), None)


def reachable_url(host: str, port: int) -> str:
    """The address as a browser types it: the host given, or for every interface
    (:data:`ANY_HOST`) this computer's address on the local network (127.0.0.1 when it has
    none)."""
    if host in ANY_HOST:
        host = lan_address() or "127.0.0.1"
    if ":" in host:  # an IPv6 address goes in brackets
        host = f"[{host}]"
    return f"http://{host}:{port}/"
