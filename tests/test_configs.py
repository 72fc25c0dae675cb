"""Every config composes and runs: each world, each scenario, each alignment rule, a few years."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.core import landscape
from sim.rules import RULES
from sim.runner.config import config_dir
from sim.runner.simulate import prepare, run_model

WORLDS = sorted(p.stem for p in (config_dir() / "world").glob("*.yaml") if p.stem != "csv")
SCENARIOS = sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml"))


def test_config_groups_are_found():
    assert {"default", "classroom5", "default_taiwan"} <= set(WORLDS)
    assert {"baseline", "injection_1p5b"} <= set(SCENARIOS)


@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_world_and_scenario_runs(compose_cfg, run_tables, world, scenario):
    cfg = compose_cfg(f"world={world}", f"scenario={scenario}", "model.horizon=3")
    tables = run_tables(cfg)
    states = tables["states"]
    n = tables["actors"].shape[0]
    assert len(states) == 4 * n
    assert np.isfinite(states.select_dtypes("number").to_numpy()).all()
    assert ((states["defence_pct_gdp"] >= 0) & (states["defence_pct_gdp"] < 100)).all()
    assert ((states["security"] > 0) & (states["security"] <= 1)).all()
    assert tables["summary"]["scenario"].iloc[0] == scenario


@pytest.mark.parametrize("rule", RULES)
def test_every_alignment_rule_runs(compose_cfg, rule):
    prepared = prepare(
        compose_cfg("world=classroom5", f"model.alignment.rule={rule}", "model.horizon=5")
    )
    model = run_model(prepared, seed=1)
    tables = model.recorder.tables(seed=1)
    assert tables["states"]["step"].max() == 5
    assert (model.levels == model.levels.T).all()


def test_landscape_rule_lowers_the_energy(compose_cfg):
    """Under the landscape rule a state switches sides only if that lowers the energy of the
    two-sided configuration (sizes: capability; propensities: affinity). Starting from everyone
    on one side, the first year's switches happen and lower the energy, measured with the
    sizes the states saw (capability moves only at the end of the year)."""
    prepared = prepare(compose_cfg("model.alignment.rule=landscape", "model.horizon=1"))
    from sim.abm.model import AllianceModel

    model = AllianceModel(prepared.world, prepared.params, prepared.events, rng=3)
    model.sides[:] = 0
    sizes, propensity = model.state.capability.copy(), model.propensity().copy()
    before = landscape.energy(model.sides, sizes, propensity)
    model.step()
    after = landscape.energy(model.sides, sizes, propensity)
    switches = [e for e in model.recorder.events if e["kind"] == "side_switch"]
    assert switches and after < before
    assert (
        landscape.is_local_minimum(model.sides, sizes, propensity) or len(switches) < model.world.n
    )


def test_configs_folder_is_the_projects():
    assert config_dir() == (Path(__file__).resolve().parents[1] / "sim" / "configs").resolve()
    assert (Path(__file__).resolve().parents[1] / "configs").resolve() == config_dir()
