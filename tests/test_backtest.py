"""The NATO back-test (experiments/backtest_nato, sim.study.backtest): its arithmetic on a tiny
fixture, the in-sample/out-of-sample split, and a --quick smoke run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from experiment_scripts import run_quick

from sim.study import backtest as bt


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


def test_drift_forecast_uses_in_sample_figures_only(actual):
    years = range(2014, 2025)
    drift = bt.drift_forecast(actual, 2014, 2019, years).set_index(["iso3", "year"])
    # the common in-sample trend is 0.1 a year
    assert drift.loc[("AAA", 2024), "share_pct"] == pytest.approx(1.0 + 0.1 * 10)
    poisoned = actual.copy()
    poisoned.loc[poisoned["year"] >= 2020, "share_pct"] = -5.0
    again = bt.drift_forecast(poisoned, 2014, 2019, years).set_index(["iso3", "year"])
    pd.testing.assert_frame_equal(drift, again)


def test_in_sample_cut(actual):
    seen = bt.in_sample(actual, 2019)
    assert seen["year"].max() == 2019
    assert len(seen) == 3 * 6


def test_calibration_never_sees_out_of_sample(actual):
    """The grid search asks the model only for years up to 2019 and scores only on them: wiping
    every 2020+ figure changes nothing, and it picks the in-sample slope (0.1), not the later
    one."""
    asked = []

    def simulate_fn(params, last_year):
        asked.append(last_year)
        start = actual[actual["year"] == 2014].set_index("iso3")["share_pct"]
        return pd.DataFrame(
            [
                (c, y, s + params["slope"] * (y - 2014))
                for c, s in start.items()
                for y in range(2014, last_year + 1)
            ],
            columns=["iso3", "year", "share_pct"],
        )

    grid = {"slope": [0.0, 0.1, 0.3, 0.5]}
    best, table = bt.calibrate(grid, simulate_fn, actual, 2014, 2019)
    assert best == {"slope": 0.1}
    assert table.loc[table["slope"] == 0.1, "in_mae"].iloc[0] == pytest.approx(0.0)
    assert set(asked) == {2019}

    poisoned = actual.copy()
    late = poisoned["year"] >= 2020
    poisoned.loc[late, "share_pct"] = 1e6
    best2, table2 = bt.calibrate(grid, simulate_fn, poisoned, 2014, 2019)
    assert best2 == best
    pd.testing.assert_frame_equal(table, table2)


@pytest.mark.slow
def test_quick_run(tmp_path):
    run_quick("backtest_nato", tmp_path)
    results = tmp_path / "results"
    summary = pd.read_csv(results / "summary.csv")
    assert set(zip(summary["forecast"], summary["period"], strict=True)) == {
        (who, period) for who in ("model", "naive", "drift") for period in ("in", "out")
    }
    assert summary["mae"].notna().all()
    for name in (
        "allies.png",
        "error_by_year.png",
        "manifest.json",
        "config_resolved.yaml",
        "robustness.csv",
        "seeds.csv",
    ):
        assert (results / name).is_file(), name
    simulated = pd.read_csv(results / "simulated.csv")
    first = simulated[simulated["year"] == 2014]
    # the 2014 world starts every ally at its actual share: step 0 equals the naive forecast
    assert np.allclose(first["model"], first["actual"], atol=1e-9)
    report = (tmp_path / "report.md").read_text()
    assert "quick mode" in report and "results/allies.png" in report
