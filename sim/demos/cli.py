"""``alliance-sim-demo NAME``: run one classroom demo, print its explanation and its figures.

Errors in the user's input (an unknown demo, a bad option, an unreadable CSV, an ``--out`` that
cannot be written) print one line, ``alliance-sim-demo: error: ...``, and exit with status 2,
having written nothing; Ctrl-C prints one line and exits with 130, leaving no figure of the
interrupted run. A demo writes its figures (PNG files named after what they show) into
``--out`` (``--projector``: one 16:9 figure per panel, in large type), replacing figures of the
same names that an earlier run wrote there (each figure carries ``Software: alliance-sim``); a
file of the user's with such a name stops the demo with one line, and other files in the folder
are never touched.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sim.cli.args import OneLineParser, check_writable, outputs_or_nothing, run_main
from sim.errors import UserError

PROG = "alliance-sim-demo"


def _parser() -> argparse.ArgumentParser:
    from sim.demos.registry import DEMOS

    listing = "\n".join(f"  {name:<18}{summary}" for name, summary in DEMOS.items())
    parser = OneLineParser(
        prog=PROG,
        description="Classroom game-theory demos: each prints a plain-words explanation and "
        "saves its figures.",
        epilog=f"demos:\n{listing}\n\nexamples:\n  {PROG} security_dilemma\n"
        f"  {PROG} landscape --actors A.csv --propensity P.csv --midpoint 3\n"
        f"  {PROG} asian_nato --seeds 40 --out figures/\n"
        f"  {PROG} burden_sharing --projector",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", nargs="?", help="the demo to run (omit, or --list, to list them)")
    parser.add_argument("--list", action="store_true", help="list the demos and exit")
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for the figures (default outputs/demos/NAME/); figures of the same names "
        "from an earlier run are replaced; a file of yours with such a name stops the demo; "
        "other files are left alone",
    )
    parser.add_argument(
        "--projector",
        action="store_true",
        help="for a lecture hall: one 16:9 figure per panel (NAME_a.png, NAME_b.png, ...), no "
        "text under 16 pt, legends outside the plots",
    )
    group = parser.add_argument_group("landscape options")
    group.add_argument("--actors", type=Path, help="CSV of actors with columns name,size")
    group.add_argument(
        "--propensity",
        type=Path,
        help="labelled square CSV of propensities (names as header and first column)",
    )
    group.add_argument(
        "--midpoint",
        type=float,
        help="subtracted from every propensity (e.g. 3 for a 1-5 scale; default 0)",
    )
    group.add_argument(
        "--start",
        help="comma-separated actors on side B at the start of the "
        "descent (default: everyone together)",
    )
    group = parser.add_argument_group("asian_nato options")
    group.add_argument("--seeds", type=int, help="seeds per scenario (default 20)")
    return parser


def list_demos() -> str:
    """One line per demo: its name and what it shows."""
    from sim.demos.registry import DEMOS

    return "\n".join(f"{name:<18}{summary}" for name, summary in DEMOS.items())


def run_demo(args: argparse.Namespace):
    """Check the options against the chosen demo and run it; returns its ``DemoResult``."""
    from sim.demos.registry import DEMOS, OPTIONS, load

    if args.name not in DEMOS:
        raise UserError(
            f"unknown demo '{args.name}'; choose one of {', '.join(DEMOS)} ({PROG} --list)"
        )
    allowed = OPTIONS.get(args.name, ())
    given = [o for demo in OPTIONS.values() for o in demo if getattr(args, o) is not None]
    stray = [o for o in given if o not in allowed]
    if stray:
        raise UserError(
            f"option --{stray[0]} does not apply to the {args.name} demo"
            + (f" (its options: {', '.join('--' + o for o in allowed)})" if allowed else "")
        )
    out = args.out if args.out is not None else Path("outputs") / "demos" / args.name
    check_writable(out, "--out", folder=True)
    module = load(args.name)
    if args.name == "landscape":
        from sim.demos.landscape import read_actors

        if (args.actors is None) != (args.propensity is None):
            raise UserError("give both --actors A.csv and --propensity P.csv, or neither")
        if args.midpoint is not None and args.actors is None:
            raise UserError("--midpoint applies to --propensity P.csv; give both CSV files")
        if args.midpoint is not None and not math.isfinite(args.midpoint):
            raise UserError(f"--midpoint must be a finite number (got {args.midpoint})")
        actors = None
        if args.actors is not None:
            actors = read_actors(args.actors, args.propensity, args.midpoint or 0.0)
        start = [s.strip() for s in args.start.split(",") if s.strip()] if args.start else None
        with outputs_or_nothing(out):
            return module.run(out, actors=actors, start=start, projector=args.projector)
    with outputs_or_nothing(out):
        if args.name == "asian_nato":
            seeds = 20 if args.seeds is None else args.seeds
            return module.run(out, seeds=seeds, projector=args.projector)
        return module.run(out, projector=args.projector)


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.list or args.name is None:
        print(list_demos())
        return 0
    result = run_demo(args)
    print(result.text())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``alliance-sim-demo``; returns the exit status (0; 2: a user error, one
    line on stderr; 130: Ctrl-C)."""
    return run_main(PROG, _main, argv)


if __name__ == "__main__":
    sys.exit(main())
