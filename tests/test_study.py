"""The experiments' harness (sim.study): the pool's order, the quick config, the results folder
(claim, tables, figures, manifest last) and the metrics."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest

from sim.errors import UserError
from sim.study import results as out
from sim.study.config import load_config
from sim.study.metrics import mae, spearman, study_outcomes
from sim.study.pool import run_tasks


def slow_square(x: int) -> int:
    time.sleep(0.05 * (3 - x % 3))  # later tasks finish first
    return x * x


def test_pool_keeps_task_order():
    tasks = list(range(7))
    assert run_tasks(slow_square, tasks, workers=1) == [x * x for x in tasks]
    assert run_tasks(slow_square, tasks, workers=2) == [x * x for x in tasks]
    assert run_tasks(slow_square, [], workers=2) == []


def test_quick_yaml_replaces_values_by_path(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "seeds: 100\ngrid: {a: [1, 2, 3], b: [4, 5]}\nnested: {x: 1, y: 2}\n"
    )
    (tmp_path / "quick.yaml").write_text("seeds: 2\ngrid: {a: [1]}\nnested.y: 3\n")
    assert load_config(tmp_path).seeds == 100
    quick = load_config(tmp_path, quick=True)
    assert quick.seeds == 2
    assert dict(quick.grid) == {"a": [1]}  # replaced whole, not merged
    assert dict(quick.nested) == {"x": 1, "y": 3}
    (tmp_path / "quick.yaml").write_text("seedz: 2\n")
    with pytest.raises(KeyError, match="seedz"):
        load_config(tmp_path, quick=True)


def test_claim_new_legacy_and_foreign_folders(tmp_path):
    new = out.claim(tmp_path / "new" / "results", "s", ["a.csv"])
    assert (new / ".alliance-sim").is_file()
    # a folder of an earlier version: only the study's own files, no manifest; it is adopted
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "a.csv").write_text("x\n1\n")
    out.claim(legacy, "s", ["a.csv", "f.png"])
    assert (legacy / ".alliance-sim").is_file()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("mine")
    with pytest.raises(UserError, match=r"thesis\.docx"):
        out.claim(foreign, "s", ["a.csv"])
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.docx"]


def test_figures_replace_a_legacy_png_only_once_adopted(tmp_path):
    """A PNG plain matplotlib wrote (the experiments' figures before the harness) is replaced
    once the folder is the study's; a PNG in a folder that is not is left alone."""
    folder = tmp_path / "results"
    folder.mkdir()
    from sim.plots._common import new_figure, save_figure

    fig = new_figure(2, 2, layout=None)
    fig.savefig(folder / "f.png", format="png")  # Software: Matplotlib, as before
    with pytest.raises(UserError):
        save_figure(fig, folder / "f.png")
    out.claim(folder, "s", ["f.png", "g.png"])  # adopted: f.png recorded by name and hash
    out.save(fig, folder, "f.png")
    assert b"alliance-sim" in (folder / "f.png").read_bytes()[:4096]
    # a plain matplotlib PNG put there after the adoption is the user's: left alone
    fig.savefig(folder / "g.png", format="png")
    with pytest.raises(UserError, match="was not written by alliance-sim"):
        out.save(fig, folder, "g.png")


def test_tables_seeds_and_manifest(tmp_path):
    folder = out.claim(tmp_path / "r", "s", [])
    table = pd.DataFrame({"name": ["=cmd", "ok"], "value": [1.5, -2.0]})
    written = out.write_tables(folder, {"t": table, "runs.parquet": table})
    assert written == ["t.csv", "runs.parquet"]
    assert pd.read_csv(folder / "t.csv")["name"].tolist() == ["'=cmd", "ok"]
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "runs.parquet"), table)
    out.write_seeds(folder, [(1, 20), (0, 10), (1, 20)])
    assert pd.read_csv(folder / "seeds.csv").values.tolist() == [[0, 10], [1, 20]]
    out.write_manifest(folder, "s", True, {"runs": 3})
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["experiment"] == "s" and manifest["quick"] and manifest["complete"]
    out.note_rebuild(folder)
    assert "report_rebuilt" in json.loads((folder / "manifest.json").read_text())


def test_spearman_is_scipys():
    from scipy.stats import spearmanr

    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    a, b = [1, 2, 2, 3, 5], [2, 1, 4, 4, 6]
    assert spearman(a, b) == spearmanr(a, b).statistic
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert mae([1.0, 2.0, 4.0], [1.5, 2.0, 3.0]) == pytest.approx(0.5)


def test_study_outcomes_come_from_the_registry():
    found = study_outcomes(["nato_asia_link", "japan_share_change_pp"], {"japan": "JPN"})
    assert [o.kind for o in found] == ["probability", "mean"]
    assert found[1].label.startswith("Japan")
    with pytest.raises(KeyError):
        study_outcomes(["no_such_outcome"])
    states = pd.DataFrame({"iso3": ["JPN", "JPN"], "defence_pct_gdp": [1.0, 1.5]})
    from sim.outcomes import RunResult

    run = RunResult(states, pd.DataFrame(), {"us_burden_share": [], "polarisation": [0.0]})
    assert found[1].compute(run) == pytest.approx(0.5)
    assert np.isnan(study_outcomes(["korea_share_change_pp"], {"korea": "KOR"})[0].compute(run))


# --------------------------------------------------------------- the Asian NATO priors part


def test_crossing_interpolates_in_log_dose():
    from sim.study.asian_nato_priors import crossing

    doses = [0.0, 1.5, 15.0, 150.0]
    assert crossing(doses, [0, 0, 1, 1]) == pytest.approx(math.sqrt(1.5 * 15))  # log midpoint
    assert crossing(doses, [0, 0, 0.5, 1]) == pytest.approx(15.0)  # reached on a grid dose
    assert crossing(doses, [0, 0.25, 0.75, 1]) == pytest.approx(math.sqrt(1.5 * 15))
    assert crossing(doses, [0.6, 1, 1, 1]) == 0.0
    assert crossing(doses, [0, 1, 1, 1]) == pytest.approx(0.75)  # linear in dose from 0
    assert math.isnan(crossing(doses, [0, 0.2, 0.4, 0.49]))
    assert crossing(doses, [0, 0.5, 0, 1]) == pytest.approx(1.5)  # the first time it reaches


def test_crossed_interval_counts_shared_seed_luck():
    """The same seeds in every draw: luck shared by every draw is not averaged away."""
    from sim.study.asian_nato_priors import crossed_interval

    none = np.zeros((200, 2))
    m, lo, hi, n_eff = crossed_interval(none)
    assert (m, lo, n_eff) == (0.0, 0.0, 200.0)
    assert hi == pytest.approx(stats_wilson_hi(0, 200))
    seed_luck = np.column_stack([np.ones(200), np.zeros(200)])  # seed 1 forms, seed 2 never
    m, lo, hi, n_eff = crossed_interval(seed_luck)
    assert m == 0.5 and n_eff == pytest.approx(1.0) and hi - lo > 0.85  # one run's worth
    rng = np.random.default_rng(1)
    draws = rng.random(400) < 0.3  # draws decide, seeds do not: each row 0 or 1
    m, lo, hi, n_eff = crossed_interval(np.column_stack([draws, draws]).astype(float))
    assert n_eff == pytest.approx(400, rel=0.05)  # 400 independent draws, 2 runs each
    independent = (rng.random((400, 2)) < 0.3).astype(float)
    assert crossed_interval(independent)[3] > 400


def stats_wilson_hi(k: int, n: int) -> float:
    from sim import stats

    return stats.wilson(k, n)[2]


def test_spread_parts_split_seed_noise_from_parameters():
    from sim.study.asian_nato_priors import spread_parts

    total, noise, params = spread_parts(np.full(100, 0.5), seeds=2)  # every draw one of two
    assert total == 0.0 and noise == pytest.approx(0.5) and params == 0.0
    total, noise, params = spread_parts(np.repeat([0.0, 1.0], 50), seeds=2)  # draws decide
    assert noise == 0.0 and params == pytest.approx(total) and total == pytest.approx(0.5025, 1e-3)


def test_threshold_quantiles_put_never_beyond_the_grid():
    from sim.study.asian_nato_priors import quantiles

    assert quantiles([1.0, 2.0, 3.0, math.nan], (0.25, 0.5, 1.0)) == [1.0, 2.0, math.inf]


def test_a_priors_run_stops_when_an_asian_nato_forms_with_the_full_runs_answer():
    """until_formed gives the year and members of the full run (asian_nato_year/members)."""
    from sim.runner.config import compose
    from sim.runner.simulate import prepare, replicate_seed, run_model
    from sim.study.asian_nato_priors import until_formed

    amount = "scenario.events.us_indo_pacific_injection.amount_usd_bn"
    prepared = prepare(compose(["scenario=injection_1p5b", f"{amount}=150", "model.horizon=6"]))
    year_of, members_of = study_outcomes(["asian_nato_year", "asian_nato_members"])
    formed = 0
    for r in range(4):
        seed = replicate_seed(2024, r)
        year, members, steps = until_formed(prepared, seed)
        model = run_model(prepared, seed)
        model.recorder.tables(seed=seed)
        full_year = year_of.compute(model.recorder.result)
        assert (None if pd.isna(full_year) else int(full_year)) == year
        assert members == members_of.compute(model.recorder.result)
        assert steps == (6 if year is None else year - prepared.world.base_year)
        formed += year is not None
    assert formed > 0  # the check saw a run that stopped early


def test_priors_design_is_the_priors_draws_and_saved_runs_are_checked():
    from pathlib import Path

    from sim.runner.priors import draw
    from sim.study import asian_nato_priors as ap

    folder = Path(__file__).resolve().parents[1] / "experiments" / "asian_nato_question"
    cfg = load_config(folder, quick=True)
    d = ap.design(cfg)
    assert d.values.shape == (int(cfg.priors.draws), len(d.priors))
    np.testing.assert_array_equal(
        d.values, draw(d.priors, int(cfg.base_seed), range(len(d.values)))
    )
    assert [dose for dose, _ in d.cases] == [float(x) for x in cfg.priors.doses_usd_bn]
    rows = [
        {"draw": i, "dose_usd_bn": dose, "replicate": r, **dict(zip(d.columns, v, strict=True))}
        for i, v in enumerate(d.values)
        for dose in d.doses
        for r in range(d.seeds)
    ]
    runs = pd.DataFrame(rows)
    ap.check_saved(runs, d)
    runs[d.columns[0]] *= 1.01
    with pytest.raises(ValueError, match="other parameter values"):
        ap.check_saved(runs, d)
    with pytest.raises(ValueError, match="other draws"):
        ap.check_saved(runs.iloc[:-1], d)
