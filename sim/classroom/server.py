"""The class session's web server (Starlette): a JSON API and three small pages.

Pages (``sim/classroom/static``, no external assets, work offline):

- ``/``: the student's page: join with the code and a nickname, then the seat's card for the
  open year, refreshed by polling;
- ``/teacher?key=...``: the teacher's dashboard for the projector (join code and QR code, who
  has submitted, the timer, Advance, the board);
- ``/debrief?key=...``: the session folder's ``debrief.html``.

API (JSON in and out; every refusal is ``{"error": one line}`` with status 400, 403, 404, 409 or
413):

- ``POST /api/join`` ``{"code", "nickname"}`` -> ``{"token", "student", "seat", "seat_name"}``;
- ``GET /api/me`` and ``POST /api/submit`` ``{"turn", "decision"}``, with the student's token in
  the ``X-Student-Token`` header: the seat is always the token's, never the request's;
- ``GET /api/teacher/status``, ``GET /api/teacher/join``, ``POST /api/teacher/advance``,
  ``POST /api/teacher/timer`` ``{"seconds"}``, with the teacher's key in ``X-Teacher-Key``.

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
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
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
    """The QR code of ``url`` as inline SVG (segno)."""
    return segno.make(url, error="m").svg_inline(scale=8, border=2, dark="#000", light="#fff")


def create_app(session: Session, student_url: str) -> Starlette:
    """The web application of ``session``; ``student_url`` is the address students type (shown
    with the join code and encoded in the QR code)."""
    join_url = f"{student_url}?code={session.code}"
    join_info = {"code": session.code, "url": student_url, "qr_svg": qr_svg(join_url)}

    def json_ok(data: object) -> JSONResponse:
        return JSONResponse(data, headers=NO_STORE)

    def page(name: str) -> FileResponse:
        return FileResponse(STATIC / name, headers=NO_STORE)

    def teacher(request: Request) -> None:
        session.check_teacher(
            request.headers.get("x-teacher-key") or request.query_params.get("key")
        )

    async def student_page(request: Request) -> Response:
        return page("student.html")

    async def teacher_page(request: Request) -> Response:
        teacher(request)
        return page("teacher.html")

    async def debrief_page(request: Request) -> Response:
        teacher(request)
        path = session.folder / "debrief.html"
        if not path.is_file():
            return HTMLResponse("<p>No year has been played yet.</p>", headers=NO_STORE)
        return page_file(path)

    def page_file(path: Path) -> Response:
        return HTMLResponse(path.read_text(encoding="utf-8"), headers=NO_STORE)

    async def join(request: Request) -> Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            raise RefusedError(400, 'send a JSON object {"code": ..., "nickname": ...}')
        student = await run_in_threadpool(session.join, body.get("code"), body.get("nickname"))
        seat_name = session.game.seat_name(student.seat)
        answer = {"token": student.token, "student": student.id, "seat": student.seat}
        return json_ok({**answer, "seat_name": seat_name})

    async def me(request: Request) -> Response:
        token = request.headers.get("x-student-token")
        return json_ok(await run_in_threadpool(session.student_view, token))

    async def submit(request: Request) -> Response:
        token = request.headers.get("x-student-token")
        session.student(token)  # an unknown token is refused before the body is read
        body = await read_json(request)
        checked = await run_in_threadpool(session.submit, token, body)
        return json_ok({"ok": True, "decision": checked})

    async def status(request: Request) -> Response:
        teacher(request)
        return json_ok(await run_in_threadpool(session.dashboard))

    async def join_details(request: Request) -> Response:
        teacher(request)
        return json_ok(join_info)

    async def advance(request: Request) -> Response:
        teacher(request)
        records = await run_in_threadpool(session.advance)
        return json_ok({"ok": True, "records": len(records), "turn": session.game.turn})

    async def timer(request: Request) -> Response:
        teacher(request)
        body = await read_json(request)
        seconds = body.get("seconds") if isinstance(body, dict) else None
        await run_in_threadpool(session.set_timer, seconds)
        return json_ok({"ok": True})

    routes = [
        Route("/", guarded(student_page)),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/teacher", guarded(teacher_page)),
        Route("/debrief", guarded(debrief_page)),
        Route("/api/join", guarded(join), methods=["POST"]),
        Route("/api/me", guarded(me)),
        Route("/api/submit", guarded(submit), methods=["POST"]),
        Route("/api/teacher/status", guarded(status)),
        Route("/api/teacher/join", guarded(join_details)),
        Route("/api/teacher/advance", guarded(advance), methods=["POST"]),
        Route("/api/teacher/timer", guarded(timer), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes)


def serve_debrief_app(folder: Path) -> Starlette:
    """An application that serves a reopened session folder's ``debrief.html`` at ``/``."""

    async def debrief(request: Request) -> Response:
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
