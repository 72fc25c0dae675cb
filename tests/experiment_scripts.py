"""End-to-end runs of the experiments' scripts (``experiments/*/run.py``) in their quick mode.
Their logic is tested through the package (``sim.study``), not by loading the scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_quick(name: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run ``experiments/<name>/run.py --quick --out OUT`` and check that it succeeded.

    The script imports this source tree's ``sim`` (``PYTHONPATH``), installed or not. The
    timeout only stops a hung run; speed is measured by the benchmarks, not here.
    """
    path = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
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
        env={**os.environ, "PYTHONPATH": path},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc
