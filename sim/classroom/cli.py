"""``alliance-sim-class``: run a class session on the teacher's laptop, or reopen one's folder.

    alliance-sim-class                        # the full model on the class world, 5 years
    alliance-sim-class --game stag_hunt --lan # a textbook game, served on the room's network
    alliance-sim-class world.affinity.JPN-KOR=1   # model overrides, as alliance-sim takes them
    alliance-sim-class --reopen outputs/class/20261130-101500-123456 [--no-serve]

It binds 127.0.0.1 (this computer only) unless ``--lan`` asks for the room's network (0.0.0.0);
then it prints the computer's address on that network, found without sending anything. It
prints the address students type, the join code and the teacher's dashboard address (with its
secret key); the dashboard shows the code in large type and a QR code of the address.

Before anything is built the host is resolved and the port bound once (the server then listens
on that very socket): an unknown host or a port in use is one line and exit status 2, as every
other mistake (``sim.cli.args``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from sim.cli.args import OneLineParser, check_writable, run_main
from sim.cli.net import ANY_HOST, bind, reachable_url
from sim.errors import UserError

PROG = "alliance-sim-class"
DEFAULT_PORT = 8770
GAME_KEYS = ("model", "security_dilemma", "stag_hunt", "burden_sharing")
MAX_YEARS = 50


LAN_HINT = "--lan for the room's network"
"""How this command serves the room's network, for the one-line errors of ``bind``."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (overrides for the model game may stand anywhere among the options)."""
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Run a class session: students join from their phones with a code, take the seats "
            "of states (or play textbook games in pairs), the agents play the other seats, the "
            "teacher advances the years from a dashboard, and every decision is recorded with "
            "a debrief in the session folder."
        ),
    )
    parser.add_argument("--game", choices=GAME_KEYS, default="model", help="default: model")
    parser.add_argument("--years", type=int, default=5, help="turns to play (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--host", default=None, help="address to listen on (default 127.0.0.1: this computer)"
    )
    parser.add_argument(
        "--lan", action="store_true", help="serve the room's network (binds 0.0.0.0)"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0: any free"
    )
    parser.add_argument(
        "--out", type=Path, help="session folder, new or empty (default outputs/class/<time-code>)"
    )
    parser.add_argument("--reopen", type=Path, help="redraw a session folder's debrief, serve it")
    parser.add_argument(
        "--no-serve", action="store_true", help="with --reopen: rewrite debrief.html and stop"
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides for the model game")
    return parser.parse_intermixed_args(argv)


def check_args(args: argparse.Namespace) -> None:
    """Refuse options that do not go together or lie out of range (one line each)."""
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0-65535 (got {args.port})")
    if args.lan and args.host not in (None, "0.0.0.0"):
        raise UserError("give --lan or --host, not both (--lan listens on 0.0.0.0)")
    if args.no_serve and args.reopen is None:
        raise UserError("--no-serve goes with --reopen FOLDER")
    if args.reopen is not None:
        if args.out is not None or args.overrides:
            raise UserError("--reopen redraws a folder; it takes no --out or overrides")
        return
    if not 1 <= args.years <= MAX_YEARS:
        raise UserError(f"--years must be 1-{MAX_YEARS} (got {args.years})")
    if args.seed < 0:
        raise UserError(f"--seed must be 0 or more (got {args.seed})")
    if args.overrides and args.game != "model":
        raise UserError(
            f"overrides ({args.overrides[0]} ...) apply to --game model only; remove them"
        )


def build_game(key: str, years: int, seed: int, overrides: list[str]):
    """The game of ``key`` (``sim.classroom.model_game`` or ``sim.classroom.rounds``)."""
    if key == "model":
        from sim.classroom.model_game import ModelGame

        return ModelGame(overrides=overrides or None, turns=years, seed=seed)
    from sim.classroom.rounds import GAMES

    return GAMES[key](turns=years, seed=seed)


def addresses(host: str, lan: bool, port: int) -> tuple[str, str]:
    """The address students type and the one the teacher's laptop opens (never 0.0.0.0)."""
    if lan or host in ANY_HOST:
        return reachable_url("0.0.0.0", port), f"http://127.0.0.1:{port}/"
    return reachable_url(host, port), reachable_url(host, port)


def reopen(args: argparse.Namespace, host: str) -> None:
    """Redraw a session folder's ``debrief.html`` and, unless ``--no-serve``, serve it."""
    from sim.classroom.debrief import write_debrief
    from sim.classroom.session import check_session_folder

    folder = check_session_folder(args.reopen)
    path = write_debrief(folder)
    print(path, flush=True)
    if args.no_serve:
        return
    sock = bind(host, args.port, LAN_HINT)
    from sim.classroom.server import run_server, serve_debrief_app

    _, local = addresses(host, args.lan, sock.getsockname()[1])
    print(f"{PROG}: serving the debrief at {local} (Ctrl+C stops it)", flush=True)
    run_server(serve_debrief_app(folder), sock)


def start_session(args: argparse.Namespace, host: str) -> None:
    """Build the game and the session folder, print the addresses, serve until Ctrl+C."""
    from sim.classroom.debrief import write_debrief
    from sim.classroom.server import create_app, run_server
    from sim.classroom.session import (
        Session,
        check_new_folder,
        new_join_code,
        prepare_folder,
        turns_text,
    )

    sock = bind(host, args.port, LAN_HINT)
    code = new_join_code()
    folder = args.out or Path("outputs", "class", f"{datetime.now():%Y%m%d-%H%M%S}-{code}")
    check_new_folder(folder)
    check_writable(folder, "--out", folder=True)
    game = build_game(args.game, args.years, args.seed, args.overrides)
    session = Session(
        game,
        prepare_folder(folder),
        seed=args.seed,
        years=args.years,
        on_turn=write_debrief,
        code=code,
    )
    port = sock.getsockname()[1]
    student, local = addresses(host, args.lan, port)
    print(
        f"{PROG}: {game.title}, {turns_text(game, game.turns)}, seed {args.seed}\n"
        f"  students open  {student}  and type the join code  {code}\n"
        f"  teacher's dashboard (keep the key private): {local}teacher?key={session.teacher_key}"
        f"\n  session folder: {folder}\n"
        + ("" if host != "127.0.0.1" else "  (this computer only: --lan serves the room)\n")
        + f"  Ctrl+C ends the session; every {game.turn_name} played is saved",
        flush=True,
    )
    run_server(create_app(session, student), sock)


def _main(argv: list[str] | None) -> int | None:
    """Parse, check, then reopen a folder or run a session."""
    args = parse_args(argv)
    check_args(args)
    host = "0.0.0.0" if args.lan else (args.host or "127.0.0.1")
    try:
        if args.reopen is not None:
            reopen(args, host)
        else:
            start_session(args, host)
    except ModuleNotFoundError as exc:
        if exc.name in ("starlette", "uvicorn", "segno"):
            raise UserError(
                f"the class session needs the 'classroom' extra ({exc.name} is not installed):"
                " run scripts/bootstrap.sh classroom (or pip install -e '.[classroom]')"
            ) from None
        raise
    return 0


def main(argv: list[str] | None = None) -> None:
    """Console entry point: serves until Ctrl+C; exits 2 with one line on a user error."""
    sys.exit(run_main(PROG, _main, argv))


if __name__ == "__main__":
    main()
