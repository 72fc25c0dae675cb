"""Print how many fuzz cases each command was given, and how many kept the contract.

Under pytest-xdist each worker writes its counts to a file when it finishes; the controlling
process adds them up in its summary.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def _folder(config) -> Path:
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
    return Path(tempfile.gettempdir()) / f"alliance-sim-fuzz-counts-{run_id}"


def pytest_sessionfinish(session) -> None:
    from fuzz.contract import COUNTS

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and COUNTS.cases:
        folder = _folder(session.config)
        folder.mkdir(exist_ok=True)
        data = {"cases": dict(COUNTS.cases), "kept": dict(COUNTS.kept)}
        (folder / f"{worker}.json").write_text(json.dumps(data))


def pytest_terminal_summary(terminalreporter) -> None:
    from fuzz.contract import COUNTS

    folder = _folder(terminalreporter.config)
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text())
            for command, n in data["cases"].items():
                COUNTS.cases[command] += n
                COUNTS.kept[command] += data["kept"].get(command, 0)
            path.unlink()
        folder.rmdir()
    lines = COUNTS.lines()
    if lines:
        terminalreporter.section("fuzz cases")
        for line in lines:
            terminalreporter.write_line(line)
