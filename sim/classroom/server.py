"""The class session's web server (Starlette): a JSON API and three small pages.

Pages (``sim/classroom/static``, no external assets, work offline):

- ``/``: the student's page: join with the code and a nickname, then the seat's card for the
  open year, refreshed by polling;
- ``/teacher?key=...``: the teacher's dashboard for the projector (join code and QR code, who
  has submitted, the timer, Advance, the board). The address with the key answers with a
  cookie that holds it (HttpOnly, SameSite=Strict) and sends the browser on to ``/teacher``,
  so that the key is not in the address bar of a dashboard on the projector; the dashboard, its
  API calls and the debrief then go by the cookie;
- ``/debrief``: the session folder's ``debrief.html`` (teacher only, as the dashboard).

API (JSON in and out; every refusal is ``{"error": one line}`` with status 400, 403, 404, 409 or
413):

- ``POST /api/join`` ``{"code", "nickname"}`` -> ``{"token", "student", "seat", "seat_name"}``;
- ``GET /api/me`` and ``POST /api/submit`` ``{"turn", "decision"}``, with the student's token in
  the ``X-Student-Token`` header: the seat is always the token's, never the request's;
- ``GET /api/teacher/status``, ``GET /api/teacher/join``, ``POST /api/teacher/advance``,
  ``POST /api/teacher/timer`` ``{"seconds"}``, with the teacher's key in ``X-Teacher-Key`` or
  in the dashboard's cookie.

Session calls run in worker threads, so a turn the game takes long to resolve does not hold up
the answers to polls.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

import segno
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim.classroom.session import RefusedError, Session
from sim.errors import UserError

STATIC = Path(__file__).with_name("static")
MAX_BODY_BYTES = 16 * 1024
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
)
NO_STORE = {"Cache-Control": "no-store", "Content-Security-Policy": CSP}


def error(status: int, message: str) -> JSONResponse:
    """A refusal: ``{"error": message}`` with ``status``."""
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


async def read_json(request: Request) -> object:
    """The request's JSON body.

    Raises:
        RefusedError: 413 above :data:`MAX_BODY_BYTES`, 400 for a body that is not JSON.
    """
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        raise RefusedError(413, f"the request is too large (at most {MAX_BODY_BYTES} bytes)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise RefusedError(413, f"the request is too large (at most {MAX_BODY_BYTES} bytes)")
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RefusedError(400, "the request is not JSON; send a JSON object") from None


Handler = Callable[[Request], Awaitable[Response]]


def guarded(handler: Handler) -> Handler:
    """``handler`` with a session's refusals (and any user error) turned into JSON errors."""

    async def endpoint(request: Request) -> Response:
        """The handler's answer, or ``{"error": one line}`` with the refusal's status."""
        try:
            return await handler(request)
        except RefusedError as exc:
            return error(exc.status, str(exc))
        except UserError as exc:
            return error(400, str(exc))
        except Exception as exc:  # a bug: the traceback for the teacher's terminal, a line here
            traceback.print_exc()
            name = type(exc).__name__
            return error(500, f"the session's server failed ({name}); tell the teacher")

    return endpoint


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (segno), with the standard quiet zone of 4 modules
    and a ``viewBox`` instead of a fixed size, so that the page scales it whole into its box."""
    code = segno.make(url, error="m")
    return code.svg_inline(scale=8, border=4, dark="#000", light="#fff", omitsize=True)


def json_ok(data: object) -> JSONResponse:
    """An answer of JSON data, never cached."""
    return JSONResponse(data, headers=NO_STORE)


def static_page(name: str) -> FileResponse:
    """One of the static HTML pages, never cached."""
    return FileResponse(STATIC / name, headers=NO_STORE)


class Endpoints:
    """The server's endpoints for one session; ``student_url`` is the address students type
    (shown with the join code and encoded in the QR code)."""

    def __init__(self, session: Session, student_url: str):
        """The endpoints of ``session``, with its join details drawn once."""
        self.session = session
        join_url = f"{student_url}?code={session.code}"
        self.join_info = {"code": session.code, "url": student_url, "qr_svg": qr_svg(join_url)}

    @property
    def cookie(self) -> str:
        """The name of the cookie that holds the teacher's key: the session's own (cookies are
        shared by every port of a host, and two class sessions may run on one computer)."""
        return f"alliance_sim_teacher_{self.session.code}"

    def teacher(self, request: Request) -> None:
        """Refuse (403) a request without the teacher's key (``X-Teacher-Key``, the dashboard's
        cookie, or ``?key=`` on pages), and a POST a browser sent from another page's origin
        (another port of the same host counts as the same site for SameSite cookies, so the
        cookie alone would let a page there advance the year)."""
        origin = request.headers.get("origin")
        if request.method == "POST" and origin is not None:
            host = request.headers.get("host", "")
            if origin.split("://", 1)[-1] != host:
                raise RefusedError(403, "a teacher's request from another page is refused")
        key = (
            request.headers.get("x-teacher-key")
            or request.cookies.get(self.cookie)
            or request.query_params.get("key")
        )
        self.session.check_teacher(key)

    def page_with_key(self, request: Request, page: Callable[[], Response]) -> Response:
        """A teacher's page: with ``?key=`` (the address the command printed) the key is checked,
        kept in a cookie and the browser sent on to the address without it (the projector then
        never shows the key); otherwise ``page()`` for a request with the key."""
        if "key" not in request.query_params:
            self.teacher(request)
            return page()
        # the address's own key, checked alone: a wrong one never replaces a good cookie
        self.session.check_teacher(request.query_params["key"])
        answer = RedirectResponse(request.url.path, status_code=303, headers=NO_STORE)
        answer.set_cookie(
            self.cookie, request.query_params["key"], httponly=True, samesite="strict"
        )
        return answer

    async def student_page(self, request: Request) -> Response:
        """The student's page."""
        return static_page("student.html")

    async def teacher_page(self, request: Request) -> Response:
        """The teacher's dashboard (with the key)."""
        return self.page_with_key(request, lambda: static_page("teacher.html"))

    async def debrief_page(self, request: Request) -> Response:
        """The session folder's debrief (with the key)."""
        return self.page_with_key(request, self.debrief)

    def debrief(self) -> Response:
        """The session folder's ``debrief.html`` as it is now."""
        path = self.session.folder / "debrief.html"
        if not path.is_file():
            return HTMLResponse("<p>No year has been played yet.</p>", headers=NO_STORE)
        return HTMLResponse(path.read_text(encoding="utf-8"), headers=NO_STORE)

    async def join(self, request: Request) -> Response:
        """A student joins: the token, the student's id and seat."""
        body = await read_json(request)
        if not isinstance(body, dict):
            raise RefusedError(400, 'send a JSON object {"code": ..., "nickname": ...}')
        student = await run_in_threadpool(self.session.join, body.get("code"), body.get("nickname"))
        seat_name = self.session.game.seat_name(student.seat)
        answer = {"token": student.token, "student": student.id, "seat": student.seat}
        return json_ok({**answer, "seat_name": seat_name})

    async def me(self, request: Request) -> Response:
        """What the token's student sees now."""
        token = request.headers.get("x-student-token")
        return json_ok(await run_in_threadpool(self.session.student_view, token))

    async def submit(self, request: Request) -> Response:
        """The token's student submits a decision for their own seat."""
        token = request.headers.get("x-student-token")
        self.session.student(token)  # an unknown token is refused before the body is read
        body = await read_json(request)
        checked = await run_in_threadpool(self.session.submit, token, body)
        return json_ok({"ok": True, "decision": checked})

    async def status(self, request: Request) -> Response:
        """The dashboard's data."""
        self.teacher(request)
        return json_ok(await run_in_threadpool(self.session.dashboard))

    async def join_details(self, request: Request) -> Response:
        """The join code, the students' address and its QR code."""
        self.teacher(request)
        return json_ok(self.join_info)

    async def advance(self, request: Request) -> Response:
        """Close the open year (the game resolves it in a worker thread)."""
        self.teacher(request)
        records = await run_in_threadpool(self.session.advance)
        return json_ok({"ok": True, "records": len(records), "turn": self.session.game.turn})

    async def timer(self, request: Request) -> Response:
        """Start (or stop, with 0) the timer."""
        self.teacher(request)
        body = await read_json(request)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        await run_in_threadpool(self.session.set_timer, seconds)
        return json_ok({"ok": True})


async def no_icon(request: Request) -> Response:
    """No favicon (an empty answer, so that browsers do not log a missing file)."""
    return Response(status_code=204)


def create_app(session: Session, student_url: str) -> Starlette:
    """The web application of ``session``; ``student_url`` is the address students type."""
    e = Endpoints(session, student_url)
    routes = [
        Route("/", guarded(e.student_page)),
        Route("/favicon.ico", no_icon),
        Route("/teacher", guarded(e.teacher_page)),
        Route("/debrief", guarded(e.debrief_page)),
        Route("/api/join", guarded(e.join), methods=["POST"]),
        Route("/api/me", guarded(e.me)),
        Route("/api/submit", guarded(e.submit), methods=["POST"]),
        Route("/api/teacher/status", guarded(e.status)),
        Route("/api/teacher/join", guarded(e.join_details)),
        Route("/api/teacher/advance", guarded(e.advance), methods=["POST"]),
        Route("/api/teacher/timer", guarded(e.timer), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes)


def serve_debrief_app(folder: Path) -> Starlette:
    """An application that serves a reopened session folder's ``debrief.html`` at ``/``."""

    async def debrief(request: Request) -> Response:
        """The folder's debrief.html."""
        text = (Path(folder) / "debrief.html").read_text(encoding="utf-8")
        return HTMLResponse(text, headers=NO_STORE)

    return Starlette(routes=[Route("/", debrief)])


def uvicorn_server(app: Starlette) -> uvicorn.Server:
    """A uvicorn server of ``app`` that logs only warnings (the command prints the addresses)."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


def run_server(app: Starlette, sock: socket.socket) -> None:
    """Serve ``app`` on the bound socket ``sock`` until Ctrl+C."""
    uvicorn_server(app).run(sockets=[sock])


def start_in_thread(app: Starlette, sock: socket.socket) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve ``app`` on ``sock`` from a background thread (tests); returns the server (set its
    ``should_exit`` to stop it) and the thread, once the server accepts connections."""
    server = uvicorn_server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the class server did not start")
        time.sleep(0.05)
    return server, thread
