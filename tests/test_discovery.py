"""Scenario discovery (sim/study/discovery.py, experiments/scenario_discovery): PRIM finds a box
planted in synthetic data, the box statistics are what they say, bad input is refused, and the
experiment's script writes its results and a report that agrees with them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from experiment_scripts import run_quick

from sim.study import discovery

pytest.importorskip("ema_workbench")


def planted(n: int = 2000, seed: int = 11) -> tuple[pd.DataFrame, np.ndarray]:
    """Five uniform parameters; formation with probability 0.9 where a < 0.3 and c > 0.6,
    0.05 elsewhere."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.random((n, 5)), columns=list("abcde"))
    inside = (x["a"] < 0.3) & (x["c"] > 0.6)
    y = rng.random(n) < np.where(inside, 0.9, 0.05)
    return x, y


def test_prim_recovers_a_planted_box():
    """The box of largest coverage at density 0.8 is a little looser than the planted one
    (density 0.9 inside it): its limits within 0.08 of the planted limits."""
    x, y = planted()
    box, screen = discovery.find_box(x, y, dose=1.0, min_density=0.8)
    lim = box.limits.set_index("parameter")
    assert set(lim.index) == {"a", "c"}, box.limits
    assert lim.loc["a", "low"] == pytest.approx(x["a"].min())  # only the upper side of a
    assert lim.loc["a", "high"] == pytest.approx(0.3, abs=0.08)
    assert lim.loc["c", "low"] == pytest.approx(0.6, abs=0.08)
    assert lim.loc["c", "high"] == pytest.approx(x["c"].max())
    assert box.density >= 0.8
    assert box.coverage > 0.7  # the true box holds about 0.108/(0.108+0.044) = 0.71 ... and more
    assert set(screen.loc[screen["significant"], "parameter"]) == {"a", "c"}


def test_box_stats_count_what_they_say():
    x = pd.DataFrame({"p": [0.1, 0.2, 0.5, 0.9], "q": [1.0, 2.0, 3.0, 4.0]})
    y = np.array([True, False, True, True])
    limits = pd.DataFrame([{"parameter": "p", "low": 0.0, "high": 0.5}])
    stats = discovery.box_stats(x, y, limits)
    assert stats == {"coverage": 2 / 3, "density": 2 / 3, "mass": 0.75, "n": 3, "k": 2}
    assert discovery.in_box(x, limits[:0]).all()  # no restriction: every run


def test_design_and_find_box_refuse_what_cannot_be_analysed():
    runs = pd.DataFrame(
        {"dose_usd_bn": [1.5, 1.5], "formed_20": [True, False], "prior.model.x": [0.1, 0.2]}
    )
    with pytest.raises(ValueError, match=r"no run at dose 15 .*1\.5"):
        discovery.design(runs, 15.0, "formed_20")
    with pytest.raises(ValueError, match="no prior"):
        discovery.design(runs.drop(columns="prior.model.x"), 1.5, "formed_20")
    with pytest.raises(ValueError, match=r"1 runs at dose 1\.5 have no formed_20"):
        discovery.design(runs.assign(formed_20=[True, None]), 1.5, "formed_20")
    x, _ = discovery.design(runs, 1.5, "formed_20")
    assert list(x.columns) == ["model.x"]
    with pytest.raises(ValueError, match=r"formed in 0% .*no box"):
        discovery.find_box(x, np.zeros(2, dtype=bool), 1.5)


def test_experiment_script_writes_boxes_and_a_report_that_agrees(tmp_path):
    x, y = planted(n=600, seed=3)
    runs = pd.concat([x.add_prefix("prior."), pd.DataFrame({"formed_20": y})], axis=1).assign(
        dose_usd_bn=30.0
    )
    path = tmp_path / "runs.parquet"
    runs.to_parquet(path)
    out = tmp_path / "out"
    run_quick("scenario_discovery", out, "--runs", str(path))
    boxes = pd.read_csv(out / "results" / "boxes.csv")
    assert set(boxes["parameter"]) == {"a", "c"}
    text = (out / "report.md").read_text(encoding="utf-8")
    density = boxes["density"].iloc[0]
    assert f"| 30 | {y.mean():.2f} | {density:.2f} |" in text
    for name in ("boxes.png", "tradeoff.png", "manifest.json", "config_resolved.yaml"):
        assert (out / "results" / name).is_file()
    first = (out / "report.md").read_text(encoding="utf-8")
    run_quick("scenario_discovery", out, "--runs", str(path))  # its own outputs: rewritten
    assert (out / "report.md").read_text(encoding="utf-8") == first
    pd.testing.assert_frame_equal(pd.read_csv(out / "results" / "boxes.csv"), boxes)
