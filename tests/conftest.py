"""Shared helpers: compose configs and run the model as the command line would."""

from __future__ import annotations

import os

import pytest

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
