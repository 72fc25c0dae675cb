"""The console scripts' entry points: each takes Ctrl-C from its first line.

A command's modules (Hydra, pandas, Mesa) take up to a second to import; a Ctrl-C in that
second would otherwise end in a Python traceback. Each entry point here first makes SIGINT end
the process with one line and status 130, then imports its command and hands over (the
commands restore Python's own handling and deal with Ctrl-C themselves from then on). A Ctrl-C
while Python itself is still starting, before the console script's first line, gets Python's
own handling: no program's code runs yet.
"""

from __future__ import annotations

import importlib
import signal
import sys

EXIT_INTERRUPTED = 130


def _run(prog: str, target: str):
    def interrupted(signum, frame):
        print(f"{prog}: interrupted", file=sys.stderr, flush=True)
        sys.exit(EXIT_INTERRUPTED)

    signal.signal(signal.SIGINT, interrupted)
    module, _, function = target.partition(":")
    main = getattr(importlib.import_module(module), function)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return main()


def alliance_sim():
    return _run("alliance-sim", "sim.cli.main:main")


def compare():
    return _run("alliance-sim-compare", "sim.cli.compare:main")


def demo():
    return _run("alliance-sim-demo", "sim.demos.cli:main")


def page():
    return _run("alliance-sim-page", "sim.page.cli:main")


def landscape():
    return _run("alliance-sim-landscape", "sim.cli.landscape:main")
