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


# --- a config's entries are checked once a process (sim.schema.typed_entry) ------------------
def _merges(monkeypatch) -> list:
    """Count OmegaConf's merges from now on: what checking an entry afresh costs."""
    from omegaconf import OmegaConf

    calls, merge = [], OmegaConf.merge

    def counted(*args, **kwargs):
        calls.append(args)
        return merge(*args, **kwargs)

    monkeypatch.setattr(OmegaConf, "merge", counted)
    return calls


def test_an_entry_checked_before_is_not_merged_again_and_each_caller_gets_its_own(monkeypatch):
    from omegaconf import OmegaConf

    from sim.schema import EventConfig, typed_entry

    node = OmegaConf.create({"kind": "budget_shock", "state": "JPN", "pct_gdp": 2.25})
    first = typed_entry(node, EventConfig, "scenario.events.x")
    first.members.append("AUS")  # what the first caller got is its own too
    merges = _merges(monkeypatch)
    again = typed_entry(OmegaConf.create(OmegaConf.to_container(node)), EventConfig, "e.y")
    assert merges == []
    assert again is not first
    assert again.members == [] and again.pct_gdp == first.pct_gdp and again.state == first.state
    again.members.append("KOR")  # a caller's changes stay its own
    assert typed_entry(node, EventConfig, "scenario.events.x").members == []
    # a different value, or the same value of another type, is checked afresh
    typed_entry({"kind": "budget_shock", "state": "JPN", "pct_gdp": 2.5}, EventConfig, "e")
    assert len(merges) == 1


def test_a_bad_entry_is_refused_even_after_a_good_one_like_it(monkeypatch):
    from sim.errors import UserError
    from sim.schema import EventConfig, typed_entry

    good = {"kind": "budget_shock", "state": "JPN", "pct_gdp": 2.0}
    typed_entry(good, EventConfig, "scenario.events.x")
    with pytest.raises(
        UserError, match=r"scenario\.events\.x\.pct_gdp: 'two' is not a valid float$"
    ):
        typed_entry({**good, "pct_gdp": "two"}, EventConfig, "scenario.events.x")
    with pytest.raises(UserError, match=r"scenario\.events\.x\.pct_gdpp.*valid fields"):
        typed_entry({**good, "pct_gdpp": 2.0}, EventConfig, "scenario.events.x")


def test_an_entry_keyed_by_numbers_is_not_taken_for_one_keyed_by_their_text():
    """JSON writes the key 1 as "1": such an entry is checked afresh, and refused."""
    from sim.errors import UserError
    from sim.schema import EventConfig, typed_entry

    typed_entry({"kind": "side_payment", "channels": {"1": 0.5}}, EventConfig, "e")
    with pytest.raises(UserError, match="channels"):
        typed_entry({"kind": "side_payment", "channels": {1: 0.5}}, EventConfig, "e")


def test_an_entry_with_an_interpolation_is_checked_each_time(monkeypatch):
    from omegaconf import OmegaConf

    from sim.schema import EventConfig, typed_entry

    root = OmegaConf.create({"e": {"kind": "budget_shock", "note": "${.kind}"}})
    assert typed_entry(root.e, EventConfig, "e").note == "budget_shock"
    merges = _merges(monkeypatch)
    typed_entry(root.e, EventConfig, "e")
    assert len(merges) == 1


def test_the_shipped_tables_are_read_once_and_handed_out_as_copies(monkeypatch):
    import pandas as pd

    from sim.world import tables

    tables.builtin_states()  # both its tables read
    spending = tables._package_csv(tables.SPENDING_FILE)
    spending.loc[spending["iso3"] == "JPN", "gdp_usd_bn"] = -1.0
    spending.loc[spending["iso3"] == "KOR", "iso3"] = "XXX"
    reads = []
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: reads.append(a) or pd.DataFrame())
    assert tables.builtin_states().loc["JPN", "gdp_usd_bn"] > 0
    assert {"JPN", "KOR", "EUR"} <= tables.known_codes()
    assert reads == []
