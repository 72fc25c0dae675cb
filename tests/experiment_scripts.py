"""Helpers for the tests of the experiments' scripts (``experiments/*/run.py``), which are files,
not modules of the package: load one as a module, or run its ``--quick`` mode end to end."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    """Import ``experiments/<name>/run.py`` as the module ``<name>_run``."""
    spec = importlib.util.spec_from_file_location(
        f"{name}_run", ROOT / "experiments" / name / "run.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_quick(name: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run ``experiments/<name>/run.py --quick --out OUT`` and check that it succeeded.

    The timeout only stops a hung run; speed is measured by the benchmarks, not here.
    """
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "experiments" / name / "run.py"),
            "--quick",
            "--out",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc
