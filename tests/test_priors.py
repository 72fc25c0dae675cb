"""Uncertainty over judgement parameters: the priors group and run.uncertainty=priors.

Replicate r of a run seeded S draws point r of a scrambled Sobol design seeded from S
(sim/runner/priors.py), whatever the split of replicates over jobs; draws lie in their ranges,
log-uniform where asked; bad priors are one line through the command line; runs without
priors are unchanged; the drawn values are recorded and used; sweeps and compare report the
spread over the draws beside the Monte Carlo interval.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import UserError
from sim.runner.config import compose
from sim.runner.priors import (
    COLUMN,
    apply,
    draw,
    draw_ids,
    load_priors,
    required_priors,
    uses_priors,
)
from sim.runner.run import run_to_folder
from sim.runner.simulate import drawn, prepare, replicate_seed, simulate
from sim.stats import draw_spread

BIN = Path(sys.executable).parent
SMALL = ["world=classroom5", "model.horizon=3"]
PRIORS = [*SMALL, "run.uncertainty=priors"]


def summary(cfg, replicates) -> pd.DataFrame:
    return pd.concat([simulate(cfg, r)["summary"] for r in replicates], ignore_index=True)


def prior_values(table: pd.DataFrame) -> pd.DataFrame:
    return table[[c for c in table.columns if c.startswith(COLUMN)]]


# --------------------------------------------------------------------------- the draws


def test_replicate_r_draws_the_same_however_replicates_are_split(tmp_path):
    """One job of replicates 0-3 and two jobs of two (run.first_replicate=0, 2) write the same
    draws, the same model seeds and the same outcomes."""
    one = run_to_folder(compose([*PRIORS, "run.replicates=4", "run.plots=false"]), tmp_path / "a")
    halves = [
        run_to_folder(
            compose([*PRIORS, "run.replicates=2", f"run.first_replicate={k}", "run.plots=false"]),
            tmp_path / f"b{k}",
        )["summary"]
        for k in (0, 2)
    ]
    split = pd.concat(halves, ignore_index=True)
    assert list(one["summary"]["replicate"]) == [0, 1, 2, 3] == list(split["replicate"])
    pd.testing.assert_frame_equal(one["summary"], split)
    assert prior_values(split).shape == (4, 14)
    assert prior_values(split).drop_duplicates().shape[0] == 4  # four different draws
    # priors.json of the second half holds replicates 2 and 3, as drawn in the single job
    record = json.loads((tmp_path / "b2" / "priors.json").read_text())
    assert [d["replicate"] for d in record["draws"]] == [2, 3]
    for d, (_, row) in zip(record["draws"], one["summary"].iloc[2:].iterrows(), strict=True):
        assert {f"{COLUMN}{k}": v for k, v in d["values"].items()} == {
            c: row[c] for c in prior_values(one["summary"]).columns
        }
    manifest = json.loads((tmp_path / "b2" / "manifest.json").read_text())
    assert "priors.json" in manifest["files"] and manifest["uncertainty"] == "priors"


def test_a_design_is_deterministic_and_row_i_depends_only_on_i():
    """What a study uses: draw(priors, seed, range(D)) is a design of D draws; each row equals
    the draw of that index alone, and another seed gives another design."""
    priors = load_priors(compose(SMALL))
    design = draw(priors, 7, range(200))
    assert design.shape == (200, len(priors)) == (200, 14)
    np.testing.assert_array_equal(design, draw(priors, 7, range(200)))
    for i in (0, 1, 37, 199):
        np.testing.assert_array_equal(design[i], draw(priors, 7, [i])[0])
    np.testing.assert_array_equal(design[[5, 3, 5]], draw(priors, 7, [5, 3, 5]))
    assert not np.allclose(design, draw(priors, 8, range(200)))


def test_draws_lie_in_their_ranges_and_are_log_uniform_where_asked():
    """512 draws (a power of 2: each one-dimensional projection of a scrambled Sobol design then
    puts one point in each of 512 equal slices). Tolerance: an empirical quantile of the
    uniform coordinate (the value, or its logarithm for scale: log) within 2/512 of nominal."""
    priors = load_priors(compose(SMALL))
    values = draw(priors, 0, range(512))
    probs = np.linspace(0.05, 0.95, 19)
    log_priors = {p.path for p in priors if p.scale == "log"}
    assert log_priors == {
        "model.alignment.temperature_pct_gdp",
        "model.alignment.tie_change_cost",
        "model.budget.adjustment_speed",
    }
    for j, p in enumerate(priors):
        x = values[:, j]
        assert (x >= p.low).all() and (x <= p.high).all(), p.path
        if p.scale == "log":
            u = (np.log(x) - math.log(p.low)) / (math.log(p.high) - math.log(p.low))
        else:
            u = (x - p.low) / (p.high - p.low)
        assert np.abs(np.quantile(u, probs) - probs).max() < 2 / 512, p.path
    # log-uniform, not uniform: the median is the geometric, not the arithmetic, midpoint
    j = [p.path for p in priors].index("model.alignment.temperature_pct_gdp")
    median = np.median(values[:, j])
    assert median == pytest.approx(math.sqrt(0.005 * 0.03), rel=0.01)
    assert median < 0.8 * (0.005 + 0.03) / 2


def test_priors_written_nested_or_dotted_are_the_same():
    nested = load_priors(
        compose([*SMALL, "priors=none", "+priors.model.security.publicness={low: 0.6, high: 1.0}"])
    )
    dotted = load_priors(
        compose(
            [*SMALL, "priors=none", "+priors={model.security.publicness: {low: 0.6, high: 1.0}}"]
        )
    )
    assert nested == dotted and [p.path for p in nested] == ["model.security.publicness"]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        (["+priors.model.alignment.nope={low:0,high:1}"], "priors.model.alignment.nope"),
        (["priors.model.alignment.coercion_weight.low=2"], "exceeds high"),
        (["+priors.model.alignment.rule={low:0,high:1}"], "not a number"),
        (["+priors.model.horizon={low:1,high:5}"], "whole numbers"),
        (["priors.model.security.publicness.high=1.5"], "outside the range"),
        (["priors=none"], "priors group is empty"),
    ],
    ids=["unknown-path", "low-above-high", "non-numeric", "integer", "out-of-range", "empty"],
)
def test_bad_priors_are_one_line_through_the_command_line(tmp_path, overrides, fragment):
    proc = subprocess.run(
        [str(BIN / "alliance-sim"), *SMALL, "run.uncertainty=priors", *overrides],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2, (proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.startswith("alliance-sim: error: "), proc.stderr
    assert proc.stderr.count("\n") == 1 and fragment in proc.stderr, proc.stderr
    assert list(tmp_path.iterdir()) == []  # no output folder left behind


def test_bad_priors_are_user_errors_in_process():
    with pytest.raises(UserError, match="log scale needs low > 0"):
        load_priors(compose([*SMALL, "priors.model.alignment.tie_change_cost.low=0"]))
    with pytest.raises(UserError, match="scale must be one of"):
        load_priors(compose([*SMALL, "+priors.model.security.publicness.scale=cubic"]))
    with pytest.raises(UserError, match="exceeds high"):  # unused priors are still checked
        prepare(compose([*SMALL, "priors.model.security.publicness.low=1.2"]))
    with pytest.raises(UserError, match="must be a mapping"):
        compose_and_check([*SMALL, "+priors.model.x=3"])
    with pytest.raises(UserError, match=r"run\.uncertainty must be one of"):
        uses_priors(compose([*SMALL, "run.uncertainty=always"]))


def compose_and_check(overrides):
    from sim.validate import check_config

    check_config(compose(overrides))


# --------------------------------------------------------------------------- runs


def test_runs_without_priors_are_unchanged():
    """run.uncertainty=none (the default) gives the same tables with the priors group, without
    it (~priors) and with it empty (priors=none); priors on keeps the model's seeds."""
    tables = [
        simulate(compose([*SMALL, *extra]), 1) for extra in ([], ["~priors"], ["priors=none"])
    ]
    for other in tables[1:]:
        for name in ("summary", "states", "ties", "events"):
            pd.testing.assert_frame_equal(tables[0][name], other[name])
    assert not prior_values(tables[0]["summary"]).columns.size
    assert tables[0]["summary"].to_csv(index=False) == tables[1]["summary"].to_csv(index=False)
    with_priors = simulate(compose(PRIORS), 1)["summary"]
    assert with_priors["seed"].iloc[0] == tables[0]["summary"]["seed"].iloc[0]
    assert with_priors["seed"].iloc[0] == replicate_seed(0, 1)


def test_the_run_uses_the_values_its_summary_records():
    """The summary's prior.* columns are the draw; the model ran with exactly those values: the
    same config run with the values set explicitly (run.uncertainty=none) gives the same
    tables, and the run differs from one at the configured defaults."""
    cfg = compose([*PRIORS, "seed=3"])
    tables = simulate(cfg, 2)
    row = tables["summary"].iloc[0]
    priors = required_priors(cfg)
    expected = draw(priors, 3, [2])[0]
    assert [row[p.column] for p in priors] == list(expected)
    _, prepared, _ = drawn(cfg, 2)
    assert (
        prepared.params.alignment.temperature_pct_gdp
        == row["prior.model.alignment.temperature_pct_gdp"]
    )
    assert prepared.params.budget.adjustment_speed == row["prior.model.budget.adjustment_speed"]
    explicit = [*SMALL, "seed=3", *(f"{p.path}={float(row[p.column])!r}" for p in priors)]
    by_hand = simulate(compose(explicit), 2)
    pd.testing.assert_frame_equal(tables["states"], by_hand["states"])
    outcomes = [c for c in by_hand["summary"].columns]
    pd.testing.assert_frame_equal(tables["summary"][outcomes], by_hand["summary"])
    defaults = simulate(compose([*SMALL, "seed=3"]), 2)
    assert not tables["states"]["defence_usd_bn"].equals(defaults["states"]["defence_usd_bn"])


def test_apply_leaves_the_config_alone():
    cfg = compose(PRIORS)
    priors = required_priors(cfg)
    values = draw(priors, 0, [0])[0]
    out = apply(cfg, priors, values)
    assert cfg.model.alignment.coercion_weight == 1.0
    j = [p.path for p in priors].index("world.coercion_propensity.CHN")
    assert out.world.coercion_propensity.CHN == values[j] != cfg.world.coercion_propensity.CHN


# --------------------------------------------------------------------------- the spread


def test_draw_spread_separates_draws_only_with_several_seeds_per_draw():
    # two seeds per draw: quantiles of the per-draw means
    values = [0, 1, 1, 1, 0, 0, 1, 1]
    draws = [0, 0, 1, 1, 2, 2, 3, 3]
    s = draw_spread(values, draws, binary=True)
    means = np.array([0.5, 1, 0, 1])
    assert (s["n_draws"], s["seeds_per_draw"]) == (4, 2)
    assert s["low"] == pytest.approx(np.quantile(means, 0.05))
    assert s["high"] == pytest.approx(np.quantile(means, 0.95))
    # one seed per draw: a probability is not separable, a mean uses the runs
    s = draw_spread(values, range(8), binary=True)
    assert math.isnan(s["low"]) and s["n_draws"] == 8 and s["seeds_per_draw"] == 1
    x = np.arange(8.0)
    s = draw_spread(x, range(8), binary=False)
    assert (s["low"], s["high"]) == pytest.approx(tuple(np.quantile(x, [0.05, 0.95])))


def test_draw_ids_group_rows_that_drew_the_same_parameters():
    table = pd.DataFrame({"prior.a": [0.1, 0.2, 0.1, np.nan], "prior.b": [1.0, 1.0, 1.0, np.nan]})
    ids = draw_ids(table)
    assert ids[0] == ids[2] != ids[1] and math.isnan(ids[3])
    assert draw_ids(pd.DataFrame({"x": [1]})) is None


@pytest.mark.slow
def test_a_sweep_and_compare_report_the_spread_over_draws(tmp_path):
    """alliance-sim -m ... run.uncertainty=priors seed=0,1: summary.csv gets each outcome's
    spread over the 8 draws beside its Monte Carlo interval (p05 <= mean <= p95; empty for
    probabilities, one seed per draw), and alliance-sim-compare prints both, labelled."""
    folder = tmp_path / "sweep"
    proc = subprocess.run(
        [
            str(BIN / "alliance-sim"),
            "-m",
            f"hydra.sweep.dir={folder}",
            *PRIORS,
            "run.replicates=4",
            "run.plots=false",
            "seed=0,1",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "spread over parameter draws (5-95 %)" in proc.stdout
    assert "Monte Carlo 95 % CI" in proc.stdout and "not separable" in proc.stdout
    runs = pd.read_parquet(folder / "runs.parquet")
    assert len(runs) == 8 and prior_values(runs).drop_duplicates().shape[0] == 8
    s = pd.read_csv(folder / "summary.csv").iloc[0]
    assert (s["n"], s["n_draws"], s["seeds_per_draw"]) == (8, 8, 1)
    for o in ("us_burden_share_end", "china_budget_change_pct", "polarisation_end"):
        assert s[f"{o}_draws_p05"] <= s[o] <= s[f"{o}_draws_p95"], o
        assert s[f"{o}_draws_p95"] > s[f"{o}_draws_p05"] or o == "polarisation_end"
    assert math.isnan(s["asian_nato_formed_draws_p05"])  # 0/1 per run, one seed per draw
    assert json.loads((folder / "sweep.json").read_text())["priors"][0].startswith("model.")

    out = tmp_path / "cmp"
    proc = subprocess.run(
        [
            str(BIN / "alliance-sim-compare"),
            str(folder),
            "--run",
            " ".join(SMALL),
            "--replicates",
            "3",
            "--out",
            str(out),
            "--no-plot",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Monte Carlo 95 % CI" in proc.stdout
    assert "spread over parameter draws (5-95 %): [" in proc.stdout
    table = pd.read_csv(out / "comparison.csv")
    mine = table[(table["arm"] == folder.name) & (table["outcome"] == "us_burden_share_end")]
    assert (mine["draws_p05"] <= mine["mean"]).all() and (mine["mean"] <= mine["draws_p95"]).all()
    assert table.loc[table["arm"] != folder.name, "draws_p05"].isna().all()
