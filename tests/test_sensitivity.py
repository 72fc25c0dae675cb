"""The global sensitivity analysis (experiments/sensitivity, sim.study.sensitivity): the problem
definition, the SALib wiring on known functions, and a --quick run end to end."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from experiment_scripts import ROOT, run_quick
from omegaconf import OmegaConf

from sim.study import sensitivity as sa
from sim.study.config import load_config

CFG = load_config(ROOT / "experiments" / "sensitivity")


def test_problem_definition():
    """The parameters and ranges are the priors group's: every prior, its range, and the
    model's default (read from the composed config, not written down here) inside it."""
    from sim.runner.priors import load_priors

    base = sa.base_config(CFG)
    priors = sa.study_priors(CFG, base)
    assert [p.path for p in priors] == [p.path for p in load_priors(base)]  # every prior
    prob = sa.problem(priors)
    defaults = sa.defaults(base, priors)
    sa.check_problem(prob, defaults)
    assert prob["num_vars"] == len(priors) >= 8
    assert prob["bounds"] == [[p.low, p.high] for p in priors]
    assert all(p.note for p in priors)
    for name in prob["names"]:
        assert float(OmegaConf.select(base, name)) == pytest.approx(defaults[name]), name
    assert defaults["world.coercion_propensity.CHN"] == pytest.approx(
        float(base.world.coercion_propensity.CHN)
    )
    assert "parameters" not in CFG or list(CFG.parameters) == []  # no second list of ranges


def test_designs_are_mapped_onto_the_priors():
    """A design on the unit cube becomes values as the priors map their draws: the middle of a
    linear range, the geometric middle of a log-uniform one, the ends at 0 and 1."""
    priors = sa.study_priors(CFG)
    prob = sa.problem(priors)
    u = np.array([[0.0] * len(priors), [0.5] * len(priors), [1.0] * len(priors)])
    x = sa.to_values(priors, prob, u)
    for j, p in enumerate(priors):
        assert x[0, j] == pytest.approx(p.low) and x[2, j] == pytest.approx(p.high)
        middle = math.sqrt(p.low * p.high) if p.scale == "log" else (p.low + p.high) / 2
        assert x[1, j] == pytest.approx(middle), p.path
    assert sa.unit(prob)["bounds"] == [[0.0, 1.0]] * len(priors)
    assert any(p.scale == "log" for p in priors)


def test_parameters_must_be_priors():
    cfg = CFG.copy()
    cfg.parameters = ["model.alignment.no_such_weight"]
    with pytest.raises(ValueError, match="not priors"):
        sa.study_priors(cfg)


def test_check_problem_rejects_bad_ranges():
    with pytest.raises(ValueError):
        sa.check_problem({"num_vars": 1, "names": ["a"], "bounds": [[1.0, 1.0]]})
    with pytest.raises(ValueError):
        sa.check_problem({"num_vars": 2, "names": ["a", "a"], "bounds": [[0, 1], [0, 1]]})
    with pytest.raises(ValueError):
        sa.check_problem({"num_vars": 1, "names": ["a"], "bounds": [[0, 1]]}, {"a": 2.0})


def test_sobol_wiring_on_ishigami():
    """Ishigami (a = 7, b = 0.1): analytic S1 = 0.314, 0.442, 0 and ST = 0.558, 0.442, 0.244.
    Tolerance 0.05 at N = 2048 (the bootstrap half-widths there are about 0.03)."""
    from SALib.test_functions import Ishigami

    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sa.sobol_design(prob, 2048, seed=1)
    assert x.shape == (2048 * 5, 3)
    table = sa.sobol_indices(prob, Ishigami.evaluate(x), seed=1)
    assert np.allclose(table["S1"], [0.314, 0.442, 0.0], atol=0.05)
    assert np.allclose(table["ST"], [0.558, 0.442, 0.244], atol=0.05)
    # a constant output has no variance to share out
    assert sa.sobol_indices(prob, np.ones(len(x)), seed=1)["S1"].isna().all()


def test_morris_wiring_on_a_linear_function():
    """y = 3 x1 + 0 x2 on the unit square: mu* = 3 for x1 (effects per unit of the range),
    0 for x2, and sigma 0 for both."""
    prob = {"num_vars": 2, "names": ["x1", "x2"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    x = sa.morris_design(prob, 10, 4, seed=3)
    table = sa.morris_indices(prob, x, 3 * x[:, 0], 4, seed=3).set_index("parameter")
    assert table.loc["x1", "mu_star"] == pytest.approx(3.0)
    assert table.loc["x2", "mu_star"] == pytest.approx(0.0)
    assert np.allclose(table["sigma"], 0.0, atol=1e-12)


def test_top_parameters_takes_the_largest_on_any_outcome():
    morris = pd.DataFrame(
        {
            "outcome": ["a"] * 3 + ["b"] * 3,
            "parameter": ["p", "q", "r"] * 2,
            "mu_star": [1.0, 0.1, 0.0, 0.0, 0.0, 5.0],
        }
    )
    assert sa.top_parameters(morris, ["p", "q", "r"], 2) == ["p", "r"]


@pytest.mark.slow
def test_quick_run(tmp_path):
    run_quick("sensitivity", tmp_path)
    results = tmp_path / "results"
    morris = pd.read_csv(results / "morris.csv")
    sobol = pd.read_csv(results / "sobol.csv")
    assert set(morris["outcome"]) == set(CFG.outcomes) == set(sobol["outcome"])
    for name in ("morris.png", "sobol.png", "runs.parquet", "manifest.json", "seeds.csv"):
        assert (results / name).is_file(), name
    runs = pd.read_parquet(results / "runs.parquet")
    assert runs["seed"].nunique() == 1  # one replicate seed in quick mode, shared by all points
    assert "quick mode" in (tmp_path / "report.md").read_text()


def test_outcomes_are_the_registrys():
    """The study's outcomes are named in config.yaml and found in sim.outcomes, with labels."""
    from sim.outcomes import label
    from sim.study.metrics import study_outcomes

    found = study_outcomes(CFG.outcomes)
    assert [o.name for o in found] == list(CFG.outcomes)
    assert found[0].kind == "probability"
    assert all(label(o.name) != o.name for o in found)


def test_quick_config_replaces_whole_values():
    quick = load_config(ROOT / "experiments" / "sensitivity", quick=True)
    chosen = [p.path for p in sa.study_priors(quick)]
    assert chosen == sorted(quick.parameters) and len(chosen) == 4
    assert quick.morris.levels == CFG.morris.levels  # not named in quick.yaml: kept
    assert quick.sobol.top_k == 2


def test_saved_results_must_hold_the_same_design():
    """--report-only refuses tables made with another Morris or Sobol design."""
    prob = {"num_vars": 2, "names": ["p", "q"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    x = sa.sobol_design(prob, 4, seed=1)
    points = pd.DataFrame(x, columns=prob["names"]).assign(outcome=1.0)
    sa.check_design(points, prob, x)
    for other in (sa.sobol_design(prob, 8, seed=1), x + 0.01):
        with pytest.raises(ValueError, match="another design"):
            sa.check_design(points, prob, other)


def test_the_report_says_whether_the_total_indices_reach_the_aimed_precision():
    """The precision bullet counts the total indices within the aimed half-width and names each
    one that is not, with its interval."""
    from sim.study.sensitivity_report import TARGET_HALF_WIDTH, _precision

    def table(st_conf: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "parameter": ["a.x", "a.y"],
                "outcome": ["o1", "o2"],
                "S1_conf": [0.02, 0.07],
                "ST": [0.3, 0.8],
                "ST_conf": [0.01, st_conf],
            }
        )

    tight = _precision(CFG, table(TARGET_HALF_WIDTH - 0.001))
    wide = _precision(CFG, table(TARGET_HALF_WIDTH + 0.001))
    assert "2 of the 2 total indices" in tight and "second digit of ST is meaningful" in tight
    assert f"+-{TARGET_HALF_WIDTH - 0.001:.3f}" in tight and "+-0.070" in tight
    assert "1 of the 2 total indices" in wide
    assert f"`a.y` on o2 (ST 0.80 +-{TARGET_HALF_WIDTH + 0.001:.3f})" in wide
    assert "`a.x`" not in wide and f"base sample of {CFG.sobol.n}" in wide


def test_a_points_values_are_set_for_its_runs_and_the_base_config_is_left_as_it_was():
    """``point_config`` sets a point's values in the process's base config for the point's
    runs and puts them back however the block ends (an error included); a key whose value is
    an interpolation is set in a copy. The runs are those of a copy with the values set."""
    from omegaconf import OmegaConf

    from sim.runner.config import compose
    from sim.runner.simulate import prepare, simulate
    from sim.study.sensitivity import point_config

    base = compose(["world=classroom5", "model.horizon=3"])
    before = OmegaConf.to_yaml(base)
    values = [
        ("model.budget.private_benefit_share", 0.11),
        ("model.alignment.tie_change_cost", 0.002),
    ]
    copy = base.copy()
    for key, value in values:
        OmegaConf.update(copy, key, value, merge=False)
    expected = simulate(copy, 1, prepare(copy))["states"]
    with point_config(base, values) as cfg:
        assert cfg is base and cfg.model.budget.private_benefit_share == 0.11
        got = simulate(cfg, 1, prepare(cfg))["states"]
    pd.testing.assert_frame_equal(got, expected)
    assert OmegaConf.to_yaml(base) == before
    with pytest.raises(RuntimeError), point_config(base, values):
        raise RuntimeError("a run failed")
    assert OmegaConf.to_yaml(base) == before
    OmegaConf.update(
        base, "model.alignment.tie_change_cost", "${model.budget.private_benefit_share}"
    )
    with point_config(base, values[1:]) as cfg:
        assert cfg is not base and cfg.model.alignment.tie_change_cost == 0.002
    assert OmegaConf.is_interpolation(base.model.alignment, "tie_change_cost")
