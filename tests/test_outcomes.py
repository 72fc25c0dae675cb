"""The outcome registry: every reporter reads outcomes from one place (sim/outcomes.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import outcomes as oc

FAST = ("world=classroom5", "model.horizon=3", "seed=4")


@pytest.fixture
def toy_outcome():
    """The worked example of docs/extending.md, registered for one test."""
    before = list(oc.REGISTRY)
    # set aside an n_formal_ties_end added to the package by following docs/extending.md
    oc.REGISTRY[:] = [e for e in before if e.name != "n_formal_ties_end"]

    @oc.outcome("n_formal_ties_end", "Formal ties, last year", "count", "mean", report=True)
    def n_formal_ties_end(run: oc.RunResult) -> int:
        last = run.states[run.states["step"] == run.states["step"].max()]
        return int(last["n_formal_ties"].sum() // 2)

    yield n_formal_ties_end
    oc.REGISTRY[:] = before


def test_a_registered_outcome_reaches_the_summary_and_the_sweep_reports(
    toy_outcome, compose_cfg, run_tables
):
    tables = run_tables(compose_cfg(*FAST))
    summary, states = tables["summary"], tables["states"]
    last = states[states["step"] == states["step"].max()]
    assert summary["n_formal_ties_end"].iloc[0] == last["n_formal_ties"].sum() // 2
    assert list(summary.columns)[-1] == "n_formal_ties_end"
    assert "n_formal_ties_end" in [o.name for o in oc.reported(summary.columns)]
    assert oc.label("n_formal_ties_end") == "Formal ties, last year"


def test_families_take_their_states_from_config(compose_cfg, run_tables):
    cfg = compose_cfg(*FAST, "+model.predicates.budget_states.usa=USA")
    tables = run_tables(cfg)
    summary, states = tables["summary"], tables["states"]
    usa = states[states["iso3"] == "USA"]["defence_usd_bn"]
    expected = 100 * (usa.iloc[-1] / usa.iloc[0] - 1)
    assert summary["usa_budget_change_pct"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert oc.label("usa_budget_change_pct") == "USA's defence spending, % change"
    assert oc.label("korea_budget_change_pct") == "Korea's defence spending, % change"
    assert oc.is_probability("asian_nato_formed") and not oc.is_probability("usa_budget_change_pct")


def test_a_state_unknown_to_the_package_is_refused(compose_cfg):
    from sim.errors import UserError
    from sim.runner.simulate import prepare

    with pytest.raises(UserError, match=r"unknown state 'XXX' in model\.predicates"):
        prepare(compose_cfg(*FAST, "+model.predicates.budget_states.x=XXX"))


def test_the_summary_columns_are_the_registry_in_order(compose_cfg, run_tables):
    summary = run_tables(compose_cfg(*FAST))["summary"]
    identity = ["scenario", "world", "base_seed", "replicate", "seed", "horizon"]
    names = [o.name for o in oc.outcomes()]
    assert list(summary.columns) == identity + names
    assert {"china_budget_change_pct", "japan_budget_change_pct", "korea_budget_change_pct"} <= set(
        names
    )


def test_reported_outcomes_follow_the_registry_whatever_the_column_order():
    columns = ["polarisation_end", "scenario", "asian_nato_formed", "korea_budget_change_pct"]
    assert [o.name for o in oc.reported(columns)] == [
        "asian_nato_formed",
        "korea_budget_change_pct",
        "polarisation_end",
    ]


def test_mesas_datacollector_records_the_yearly_outcomes(compose_cfg):
    from sim.runner.simulate import prepare, run_model

    model = run_model(prepare(compose_cfg(*FAST)), seed=1)
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(oc.data_collector_reporters())
    assert len(frame) == 3 + 1  # step 0 and each year
    assert frame["polarisation_end"].tolist() == pytest.approx(model.recorder.polarisation)
    assert frame["asian_nato_formed"].dtype == bool


def test_an_outcome_needs_a_known_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        oc.Outcome("x", "x", "", "median", lambda run: 0)


def test_sweep_summaries_use_the_registry():
    from sim.runner.sweep import summarise

    table = pd.DataFrame(
        {"p": [1, 1, 2, 2], "asian_nato_formed": [1, 0, 1, 1], "polarisation_end": [0.1] * 4}
    )
    out = summarise(table, ["p"])
    assert {"asian_nato_formed_low", "polarisation_end_high"} <= set(out.columns)
    assert out["asian_nato_formed"].tolist() == [0.5, 1.0]


def test_a_state_added_to_a_family_from_the_command_line(tmp_path):
    """The documented way to add a per-state outcome works through the command's checks."""
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("alliance-sim")
    result = subprocess.run(
        [
            str(exe),
            *FAST,
            "run.plots=false",
            "+model.predicates.budget_states.usa=USA",
            "hydra.run.dir=r",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "usa_budget_change_pct" in pd.read_parquet(tmp_path / "r" / "summary.parquet")
