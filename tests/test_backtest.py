"""The NATO back-test (experiments/backtest_nato, sim.study.backtest): its arithmetic on a tiny
fixture, the estimation and the bootstrap with fake models, the guarantee that no figure after a
split's last in-sample year reaches the estimate (fakes, and the real model for each split of
the config), and --quick smoke runs (the same tables for any number of processes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from experiment_scripts import ROOT, run_quick
from omegaconf import OmegaConf

from sim.study import backtest as bt
from sim.study.config import load_config

HERE = ROOT / "experiments" / "backtest_nato"


@pytest.fixture
def actual() -> pd.DataFrame:
    """Three allies, 2014-2024: shares rise by 0.1 a year to 2019, then by 0.5 a year."""
    rows = []
    for code, start in (("AAA", 1.0), ("BBB", 2.0), ("CCC", 1.5)):
        for year in range(2014, 2025):
            early = min(year, 2019) - 2014
            late = max(0, year - 2019)
            rows.append((code, year, start + 0.1 * early + 0.5 * late, 100.0))
    return pd.DataFrame(rows, columns=["iso3", "year", "share_pct", "gdp_usd_bn"])


def slope_model(actual: pd.DataFrame, asked: list | None = None):
    """A fake model: every ally's first-year share plus ``slope`` a year (times ``scale`` for
    AAA, when given); records the last years it was asked for."""
    start = actual[actual["year"] == 2014].set_index("iso3")["share_pct"].to_dict()

    def simulate_fn(params, last_year):
        if asked is not None:
            asked.append(last_year)
        rows = [
            (
                c,
                y,
                s + params["slope"] * (y - 2014) * (params.get("scale", 1.0) if c == "AAA" else 1),
            )
            for c, s in start.items()
            for y in range(2014, last_year + 1)
        ]
        return pd.DataFrame(rows, columns=["iso3", "year", "share_pct"])

    return simulate_fn


SLOPE = bt.Space(keys=("slope",), lower=(0.0,), upper=(1.0,), start=(0.3,))
OPT = bt.Optimiser(max_evaluations=60, step=0.25, xatol=0.001, fatol=1e-9)


def poison(actual: pd.DataFrame, last_in_sample: int) -> pd.DataFrame:
    """Every figure after ``last_in_sample`` replaced by garbage."""
    bad = actual.copy()
    late = bad["year"] > last_in_sample
    bad.loc[late, "share_pct"] = 1e6
    bad.loc[late, "gdp_usd_bn"] = -1.0
    return bad


def test_naive_forecast(actual):
    naive = bt.naive_forecast(actual, 2014, range(2014, 2025))
    assert len(naive) == 3 * 11
    assert naive.groupby("iso3")["share_pct"].nunique().eq(1).all()
    assert naive.set_index(["iso3", "year"]).loc[("BBB", 2024), "share_pct"] == 2.0
    by_year = bt.score_by_year(naive, actual).set_index("year")
    # every ally rises by the same amount: the naive error is that amount, ranks are kept
    assert by_year.loc[2014, "mae"] == pytest.approx(0.0)
    assert by_year.loc[2019, "mae"] == pytest.approx(0.5)
    assert by_year.loc[2024, "mae"] == pytest.approx(0.5 + 2.5)
    assert by_year["spearman"].eq(1.0).all()
    s = bt.score(naive, actual, range(2015, 2020))
    assert s["mae"] == pytest.approx(np.mean([0.1, 0.2, 0.3, 0.4, 0.5]))


@pytest.mark.parametrize(("last_in", "trend"), [(2019, 0.1), (2021, (0.5 + 1.0) / 7)])
def test_drift_forecast_uses_in_sample_figures_only(actual, last_in, trend):
    years = range(2014, 2025)
    drift = bt.drift_forecast(actual, 2014, last_in, years).set_index(["iso3", "year"])
    # the common in-sample trend: 0.1 a year to 2019; to 2021 also the 2020-2021 rise of 1.0
    assert drift.loc[("AAA", 2024), "share_pct"] == pytest.approx(1.0 + trend * 10)
    again = bt.drift_forecast(poison(actual, last_in), 2014, last_in, years)
    pd.testing.assert_frame_equal(drift, again.set_index(["iso3", "year"]))


def test_drift_trend_weights(actual):
    """A bootstrap draw's counts weight each ally's change; uneven changes show it."""
    uneven = actual.copy()
    aaa = uneven["iso3"] == "AAA"
    uneven.loc[aaa, "share_pct"] += 0.2 * (uneven.loc[aaa, "year"] - 2014)  # AAA: 0.3 a year
    assert bt.drift_trend(uneven, 2014, 2019) == pytest.approx((0.3 + 0.1 + 0.1) / 3)
    assert bt.drift_trend(uneven, 2014, 2019, {"AAA": 2, "CCC": 1}) == pytest.approx(
        (2 * 0.3 + 0.1) / 3
    )


def test_weighted_mae_counts_allies_as_drawn(actual):
    fake = actual.assign(share_pct=actual["share_pct"] + np.where(actual["iso3"] == "AAA", 1, 0.1))
    years = range(2015, 2020)
    assert bt.weighted_mae(fake, actual, years) == pytest.approx((1 + 0.1 + 0.1) / 3)
    twice = pd.concat([actual, actual[actual["iso3"] == "AAA"].assign(iso3="AAA2")])
    fake2 = pd.concat([fake, fake[fake["iso3"] == "AAA"].assign(iso3="AAA2")])
    weighted = bt.weighted_mae(fake, actual, years, {"AAA": 2, "BBB": 1})
    assert weighted == pytest.approx(bt.weighted_mae(fake2, twice[twice["iso3"] != "CCC"], years))
    assert weighted == pytest.approx((2 * 1 + 0.1) / 3)


def test_in_sample_cut(actual):
    seen = bt.in_sample(actual, 2019)
    assert seen["year"].max() == 2019
    assert len(seen) == 3 * 6


def test_parameter_space():
    cfg = OmegaConf.create(
        {
            "estimate": {
                "model.budget.adjustment_speed": {"lower": 0.01, "upper": 1.0, "start": 0.1},
                "threat_change": {"lower": 0.0, "upper": 5.0, "start": 1.0, "note": "why"},
            },
            "fixed": {"pledge_weight": 0.3},
        }
    )
    space = bt.parameter_space(cfg)
    assert space.keys == ("model.budget.adjustment_speed", "threat_change")
    assert space.notes == {"threat_change": "why"}
    start = space.start_values()
    assert space.values(space.unit(start)) == pytest.approx(start)
    assert space.params(start) == {**start, "pledge_weight": 0.3}
    assert space.values([2.0, -1.0]) == {"model.budget.adjustment_speed": 1.0, "threat_change": 0.0}
    for bad in (
        {"fixed": {"threat_change": 1.0}},  # estimated and fixed at once
        {"estimate": {"threat_change": {"lower": 1.0, "upper": 1.0, "start": 1.0}}},
        {"estimate": {"threat_change": {"lower": 0.0, "upper": 1.0, "start": 2.0}}},
        {"estimate": {}},
    ):
        with pytest.raises(ValueError):
            bt.parameter_space(
                OmegaConf.merge(cfg, bad) if "fixed" in bad else OmegaConf.create(bad)
            )


def test_start_points_and_draws_are_seeded():
    space = bt.Space(keys=("a", "b"), lower=(0.0, 0.0), upper=(2.0, 4.0), start=(1.0, 1.0))
    points = bt.start_points(space, 3, 2014)
    assert np.allclose(points[0], [0.5, 0.25])
    assert all(((p >= 0) & (p <= 1)).all() for p in points)
    assert np.allclose(np.vstack(points), np.vstack(bt.start_points(space, 3, 2014)))
    allies = [f"A{i:02d}" for i in range(31)]
    draw = bt.resample(allies, 2014, 0, 5)
    assert sum(draw.values()) == 31 and set(draw) <= set(allies)
    assert draw == bt.resample(allies, 2014, 0, 5)  # from the seed and its place only
    assert draw != bt.resample(allies, 2014, 1, 5) and draw != bt.resample(allies, 2014, 0, 6)


def test_estimate_finds_the_in_sample_slope(actual):
    """The optimiser finds the in-sample slope (0.1), not the later one (0.5); every evaluation
    is recorded, none twice, and the model is asked only for the last in-sample year."""
    asked = []
    est = bt.estimate(SLOPE, slope_model(actual, asked), actual, 2014, 2019, OPT)
    assert est.values["slope"] == pytest.approx(0.1, abs=2e-3)
    assert est.in_mae == pytest.approx(est.evaluations["in_mae"].min())
    assert est.in_mae < 1e-3
    assert set(asked) == {2019}
    assert len(asked) == est.runs == len(est.evaluations) <= OPT.max_evaluations
    assert est.evaluations["slope"].is_unique
    assert list(est.evaluations.columns) == ["evaluation", "slope", "in_mae"]
    # fixed parameters reach the model, not the optimiser
    fixed = bt.Space(keys=("slope",), lower=(0.0,), upper=(1.0,), start=(0.3,), fixed={"scale": 3})
    est3 = bt.estimate(fixed, slope_model(actual), actual, 2014, 2019, OPT)
    assert list(est3.evaluations.columns) == ["evaluation", "slope", "in_mae"]
    assert est3.values["slope"] != pytest.approx(0.1, abs=2e-3)  # AAA's slope is tripled


@pytest.mark.parametrize("method", ["Nelder-Mead", "Powell"])
def test_estimate_two_parameters(actual, method):
    space = bt.Space(keys=("slope", "scale"), lower=(0.0, 0.0), upper=(1.0, 4.0), start=(0.5, 3.0))
    opt = bt.Optimiser(method=method, max_evaluations=300, step=0.2, xatol=1e-4, fatol=1e-9)
    est = bt.estimate(space, slope_model(actual), actual, 2014, 2019, opt)
    assert est.values == pytest.approx({"slope": 0.1, "scale": 1.0}, abs=0.02)


def test_estimate_respects_the_evaluation_budget(actual):
    opt = bt.Optimiser(max_evaluations=4, step=0.25)
    est = bt.estimate(SLOPE, slope_model(actual), actual, 2014, 2019, opt)
    assert est.runs <= 4


@pytest.mark.parametrize("last_in", [2019, 2021])
@pytest.mark.parametrize("weights", [None, {"AAA": 2, "CCC": 1}])
def test_estimation_never_sees_out_of_sample(actual, last_in, weights):
    """For each split of the config: wiping every later figure changes nothing (the estimate
    and every evaluation), and the model is asked only for the last in-sample year."""
    asked = []
    est = bt.estimate(SLOPE, slope_model(actual, asked), actual, 2014, last_in, OPT, None, weights)
    again = bt.estimate(
        SLOPE, slope_model(actual), poison(actual, last_in), 2014, last_in, OPT, None, weights
    )
    assert again.values == est.values
    pd.testing.assert_frame_equal(est.evaluations, again.evaluations)
    assert set(asked) == {last_in}


def test_bootstrap_fit_warm_starts_and_scores(actual):
    point = {"slope": 0.1}
    weights = {"AAA": 2, "BBB": 1}
    asked = []
    opt = bt.Optimiser(max_evaluations=10, step=0.05)
    fit = bt.bootstrap_fit(
        SLOPE,
        slope_model(actual, asked),
        actual,
        (2014, 2019, 2024),
        opt,
        point,
        weights,
        7,
        change=(2021, 2024),
    )
    assert fit.replicate == 7 and fit.weights == weights
    assert fit.estimate.evaluations.loc[0, "slope"] == pytest.approx(0.1)  # from the point
    assert fit.estimate.runs <= 10
    assert asked[:-1] == [2019] * fit.estimate.runs and asked[-1] == 2024
    assert fit.shares["year"].max() == 2024
    s = fit.scores
    # after 2019 the fake grows 0.1 a year, the allies 0.5: out of sample it misses 0.4 a year
    assert s["out_mae"] == pytest.approx(0.4 * np.mean(range(1, 6)), abs=0.02)
    assert s["naive_out_mae_drawn"] == pytest.approx(np.mean([0.5 + 0.5 * k for k in range(1, 6)]))
    assert np.isnan(s["change_rho"])  # every ally changes alike: no ranks


def test_change_rho(actual):
    sim = actual[["iso3", "year", "share_pct"]].copy()
    assert np.isnan(bt.change_rho(sim, actual, 2021, 2024))  # every ally changes alike
    later = actual.assign(
        share_pct=actual["share_pct"]
        + (actual["year"] == 2024) * actual["iso3"].map({"AAA": 1, "BBB": 2, "CCC": 3})
    )
    assert bt.change_rho(
        sim.assign(share_pct=later["share_pct"]), later, 2021, 2024
    ) == pytest.approx(1.0)


def test_interval():
    assert bt.interval(range(101), 0.9) == pytest.approx((5.0, 95.0))
    assert all(np.isnan(bt.interval([np.nan], 0.9)))


@pytest.fixture(scope="module")
def quick_cfg():
    return load_config(HERE, quick=True)


@pytest.fixture(scope="module")
def nato(quick_cfg) -> pd.DataFrame:
    return bt.load_actual(HERE / quick_cfg.data, list(quick_cfg.exclude))


def test_config_splits_and_checks(quick_cfg, nato):
    full = load_config(HERE)
    splits = bt.splits_of(full)
    assert [(s.name, s.last_in_sample) for s in splits] == [
        ("pre_pandemic", 2019),
        ("shock_out_of_sample", 2021),
    ]
    space = bt.parameter_space(full)
    assert set(space.keys) >= {
        "model.budget.adjustment_speed",
        "model.security.crisis_threat_elasticity",
        "aggression_shift",
        "pledge_deadline_gain",
    }
    assert [s.name for s in bt.full_split(full, 2)] == ["full_sample"]
    assert bt.full_split(OmegaConf.merge(full, {"full_sample": False}), 2) == []
    assert set(full.checks.frontline) <= set(nato["iso3"])
    bad = OmegaConf.merge(full, {"splits": [{"name": "x", "last_in_sample": 2024}]})
    with pytest.raises(ValueError):
        bt.splits_of(bad)


def test_the_gdp_path_stops_at_the_run_s_last_year(quick_cfg, nato):
    """Each run is given the allies' actual GDP only up to its own last year."""
    for last in (2019, 2024):
        path = bt.base_config(quick_cfg, nato, last).world.gdp_path
        years = {int(y) for code in path for y in path[code]}
        assert years == set(range(2015, last + 1))
        pol = nato[(nato["iso3"] == "POL") & (nato["year"] == 2016)]["gdp_usd_bn"].iloc[0]
        assert path["POL"][2016] == pytest.approx(pol)


def test_the_scenario_holds_the_pledge_aggressions_and_accessions(quick_cfg, nato):
    base = bt.base_config(quick_cfg, nato)
    space = bt.parameter_space(quick_cfg)
    params = {**space.params(space.start_values()), "aggression_shift": 0.2}
    run = bt.with_params(base, quick_cfg, params, 10)
    ev = run.scenario.events
    assert ev.wales_pledge.treaty == "NATO" and ev.wales_pledge.deadline_year == 2024
    assert ev.wales_pledge.weight == pytest.approx(run.model.budget.target_weight)
    shifts = [e for e in ev.values() if e.kind == "affinity_shift"]
    assert sorted(int(e.start_year) for e in shifts) == [2015, 2022]
    assert all(e.change == pytest.approx(-0.2) and "POL" in e.borders for e in shifts)
    joins = {e.state: int(e.start_year) for e in ev.values() if e.kind == "accession"}
    assert joins == {"MNE": 2017, "MKD": 2020, "FIN": 2023, "SWE": 2024}
    early = bt.with_params(base, quick_cfg, params, 2019 - 2014).scenario.events
    assert {e.state for e in early.values() if e.kind == "accession"} == {"MNE"}


def test_with_params_builds_nothing_after_the_horizon(quick_cfg, nato):
    base = bt.base_config(quick_cfg, nato)
    space = bt.parameter_space(quick_cfg)
    bt.check_model_keys(base, space)
    params = space.params(space.start_values())
    first = int(quick_cfg.first_year)
    for last in (2019, 2021, 2024):
        run = bt.with_params(base, quick_cfg, params, last - first)
        assert run.model.horizon == last - first
        assert all(int(e.start_year) <= last for e in run.scenario.events.values())
    for key in space.keys:
        if key.startswith(bt.MODEL_KEYS):
            assert OmegaConf.select(run, key) == pytest.approx(params[key])
    with pytest.raises(ValueError, match="not settings"):
        bt.check_model_keys(base, bt.Space(("model.budget.no_such",), (0.0,), (1.0,), (0.5,)))


@pytest.mark.parametrize("split", [0, 1])
def test_real_model_estimate_ignores_later_figures(quick_cfg, nato, split, monkeypatch):
    """The guarantee with the real model, for each split of the config: the first-year world,
    the scenario and the estimate are identical when every later figure is garbage, the table's
    and Russia's 2024 spending (which sizes the 2022 event)."""
    last_in = bt.splits_of(quick_cfg)[split].last_in_sample
    space = bt.parameter_space(quick_cfg)
    opt = bt.Optimiser(max_evaluations=3, step=0.2)
    runs = []
    for table in (nato, poison(nato, last_in)):
        if len(runs):
            monkeypatch.setattr(bt, "russia_2024", lambda: 1e6)
        sim = bt.model_simulator(quick_cfg, table)
        runs.append(bt.estimate(space, sim, table, int(quick_cfg.first_year), last_in, opt))
    assert runs[0].values == runs[1].values
    pd.testing.assert_frame_equal(runs[0].evaluations, runs[1].evaluations)


@pytest.mark.slow
def test_quick_run(tmp_path):
    """The quick mode end to end, over two processes and over one: the same tables."""
    run_quick("backtest_nato", tmp_path / "two", "--jobs", "2")
    results = tmp_path / "two" / "results"
    summary = pd.read_csv(results / "summary.csv")
    splits = {"pre_pandemic", "shock_out_of_sample"}
    assert set(zip(summary["split"], summary["forecast"], summary["period"], strict=True)) == {
        (s, who, period)
        for s in splits
        for who in ("model", "naive", "drift")
        for period in ("in", "out")
    }
    assert summary["mae"].notna().all()
    for name in (
        "allies.png",
        "error_by_year.png",
        "frontline.png",
        "manifest.json",
        "config_resolved.yaml",
        "seeds.csv",
        "evaluations.csv",
        "estimates.csv",
        "bootstrap.csv",
    ):
        assert (results / name).is_file(), name
    simulated = pd.read_csv(results / "simulated.csv")
    first = simulated[simulated["year"] == 2014]
    # the 2014 world starts every ally at its actual share: step 0 equals the naive forecast
    assert np.allclose(first["model"], first["actual"], atol=1e-9)
    verdict = pd.read_csv(results / "verdict.csv")
    assert set(verdict["split"]) == splits
    front = verdict[verdict["check"].str.contains("within")]
    assert sorted(front["subject"].unique()) == sorted(["POL", "EST", "LVA", "LTU", "FIN"])
    assert verdict["pass"].isin([True, False]).all()
    boot = pd.read_csv(results / "bootstrap.csv")
    assert len(boot) == 2 * 3  # quick: three replicates a split
    evaluations = pd.read_csv(results / "evaluations.csv")
    assert set(evaluations["stage"]) == {"estimate", "bootstrap"}
    assert evaluations["in_mae"].notna().all()
    report = (tmp_path / "two" / "report.md").read_text()
    assert "quick mode" in report and "results/frontline.png" in report
    assert "## Verdict" in report and "model runs" in report

    run_quick("backtest_nato", tmp_path / "one", "--jobs", "1")
    for path in sorted(Path(results).glob("*.csv")):
        other = tmp_path / "one" / "results" / path.name
        assert path.read_bytes() == other.read_bytes(), path.name
