"""Shared helpers: compose configs and run the model as the command line would."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from chromium import browser  # noqa: F401 (the browser tests' fixture, tests/chromium.py)

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def compose_cfg():
    """Compose a config from command-line style overrides."""
    from sim.runner.config import compose

    return lambda *overrides: compose(list(overrides))


@pytest.fixture(scope="session")
def run_tables():
    """Run one replicate of a composed config and return its tables."""
    from sim.runner.simulate import simulate

    return simulate


# --- fuzz cases per command (tests/fuzz): printed at the end of the run. Under pytest-xdist each
# worker writes its counts to a file when it finishes and the controlling process, which
# collects no tests (so these hooks live in this top conftest), adds them up.


COUNTS_ENV = "ALLIANCE_SIM_FUZZ_COUNTS"


def pytest_configure(config) -> None:
    """The controlling process names the folder; the workers it starts inherit the name."""
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        os.environ[COUNTS_ENV] = tempfile.mkdtemp(prefix="alliance-sim-fuzz-counts-")


def _folder(config) -> Path:
    return Path(os.environ[COUNTS_ENV])


def pytest_sessionfinish(session) -> None:
    from fuzz.contract import COUNTS

    worker = (
        session.config.workerinput["workerid"] if hasattr(session.config, "workerinput") else None
    )
    if worker and COUNTS.cases:
        folder = _folder(session.config)
        folder.mkdir(exist_ok=True)
        data = {"cases": dict(COUNTS.cases), "kept": dict(COUNTS.kept)}
        (folder / f"{worker}.json").write_text(json.dumps(data))


def pytest_terminal_summary(terminalreporter) -> None:
    from fuzz.contract import COUNTS

    if hasattr(terminalreporter.config, "workerinput"):
        return  # a worker: its counts went to the controller's folder at the session's end
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
