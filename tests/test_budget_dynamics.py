"""The budget dynamics: a smooth target, pledges that pull harder near their deadline and on
those who depend most on their allies, adjustment that is faster for large gaps, and a threat
that answers what rivals spend and where they are (docs/ODD.md 7.21).

Each mechanism is checked against a formula written out here, and for its sign in the model.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_core_budget import objective, random_inputs, scalar_all

from sim.abm.model import AllianceModel
from sim.core import budget, payoffs
from sim.runner.simulate import prepare, simulate

SMOOTH = 0.0025  # a quarter of a point


def smooth_objective(x, inp, smoothing):
    """The budget objective with the smooth target written out (softplus)."""
    rest = {k: inp[k] for k in ("theta", "threat", "target", "private")}
    plain = objective(
        x, rest["theta"], inp["allied"], rest["threat"], inp["capability_per_share"],
        private=rest["private"],
    )  # fmt: skip
    on = (rest["target"] > 0) * inp["target_weight"]
    return plain - on * smoothing * np.logaddexp(0.0, (rest["target"] - x) / smoothing)


# --------------------------------------------------------------------------------------------
# The smooth target
# --------------------------------------------------------------------------------------------


def test_target_pull_is_the_derivative_of_the_penalty_term():
    """``target_penalty`` is the utility term (<= 0); raising the share raises it by the pull."""
    x = np.linspace(0.0, 0.05, 501)
    h = 1e-7
    for smoothing in (0.0005, SMOOTH, 0.01):
        numeric = (
            budget.target_penalty(x + h, 0.02, 0.4, smoothing)
            - budget.target_penalty(x - h, 0.02, 0.4, smoothing)
        ) / (2 * h)
        np.testing.assert_allclose(budget.target_pull(x, 0.02, 0.4, smoothing), numeric, atol=1e-6)


def test_smooth_target_has_no_kink_and_tends_to_the_kinked_one():
    x = np.linspace(0.0, 0.05, 2001)
    pull = budget.target_pull(x, 0.02, 0.4, SMOOTH)
    assert np.all(np.diff(pull) <= 0)  # the pull falls as the share rises: concave penalty
    assert np.max(np.abs(np.diff(pull))) < 0.01  # no jump anywhere (0.4 at a kink)
    assert budget.target_pull(0.02, 0.02, 0.4, SMOOTH) == pytest.approx(0.2)
    kinked = budget.target_penalty(x, 0.02, 0.4)
    for smoothing in (1e-3, 1e-4, 1e-5):
        gap = np.abs(budget.target_penalty(x, 0.02, 0.4, smoothing) - kinked).max()
        assert gap <= 0.4 * smoothing * np.log(2) + 1e-15  # the largest gap is at the target
    # no target, no pull, however small the share
    assert budget.target_pull(np.array([0.0, 0.01]), 0.0, 0.4, SMOOTH).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_scalar_and_vectorised_best_responses_agree_with_a_smooth_target(seed):
    inp = random_inputs(np.random.default_rng(seed), 300, private=seed % 2 == 1)
    vec = budget.best_response(**inp, smoothing=SMOOTH)
    scal = scalar_all({**inp, "smoothing": np.full(300, SMOOTH)})
    np.testing.assert_allclose(vec, scal, rtol=0, atol=1e-9)
    # each is the maximum of the objective written out above, on a fine grid
    frac = np.linspace(0.0, 1.0, 20_001)[None, :]
    lo = np.where((inp["lower"] <= 0) & (inp["private"] > 0), 1e-9, inp["lower"])[:, None]
    grid = lo + frac * (inp["upper"][:, None] - lo)
    col = {k: (v[:, None] if k not in ("lower", "upper") else v) for k, v in inp.items()}
    best = smooth_objective(grid, col, SMOOTH).max(axis=1)
    at = smooth_objective(scal[:, None], col, SMOOTH)[:, 0]
    assert (at >= best - 1e-12).all()


def test_a_smooth_target_does_not_hold_the_share_at_the_target():
    """With the kink, a state whose unconstrained best response lies just below the target
    stays exactly at the target for a range of threats; the smooth target lets the threat
    through (Latvia and Lithuania sat at exactly 2.000 in the old back-test)."""
    args = dict(theta=0.02, allied=0.0, capability_per_share=1000.0, lower=0.0, upper=0.2)
    kinked = [
        budget.best_response_scalar(**args, threat=t, target=0.02, target_weight=0.3)
        for t in (60.0, 70.0, 80.0)
    ]
    smooth = [
        budget.best_response_scalar(
            **args, threat=t, target=0.02, target_weight=0.3, smoothing=SMOOTH
        )
        for t in (60.0, 70.0, 80.0)
    ]
    assert kinked == [0.02, 0.02, 0.02]
    assert smooth[0] < smooth[1] < smooth[2]


@pytest.mark.parametrize("private_share", [0.0, 0.5, 0.8])
def test_calibration_with_a_weight_that_grows_with_theta_is_a_rest_point(private_share):
    """Revealed preference when the target's weight is ``w + theta * k`` (the abandonment risk
    of a shortfall): the observed share is the best response at the calibrated theta."""
    rng = np.random.default_rng(7)
    n = 200
    inp = random_inputs(rng, n, private=False)
    share = rng.uniform(0.005, 0.04, size=n)
    k = rng.uniform(0.0, 20.0, size=n) * (inp["target"] > 0)
    theta, psi = budget.calibrate_preferences(
        share, inp["allied"], inp["threat"], inp["capability_per_share"], inp["target"],
        inp["target_weight"], private_share, smoothing=SMOOTH, weight_per_theta=k,
    )  # fmt: skip
    weight = inp["target_weight"] + theta * k
    mu = budget.marginal_utility(
        share, theta, inp["allied"], inp["threat"], inp["capability_per_share"], inp["target"],
        weight, psi, smoothing=SMOOTH,
    )  # fmt: skip
    interior = theta > 1e-6  # where the target alone would justify the share, theta is floored
    assert interior.mean() > 0.5
    np.testing.assert_allclose(mu[interior], 0.0, atol=1e-9)


# --------------------------------------------------------------------------------------------
# Adjustment that depends on the gap
# --------------------------------------------------------------------------------------------


def test_adjustment_speed_rises_with_the_gap():
    gaps = np.array([0.0, 0.001, 0.005, 0.01, 0.02, 0.05, -0.02])
    rate = budget.adjustment_speed_for_gap(gaps, 0.1, 0.01)
    np.testing.assert_allclose(rate, 0.1 + 0.9 * gaps**2 / (gaps**2 + 0.01**2))
    assert rate[0] == 0.1 and rate[3] == pytest.approx(0.55)
    assert np.all(np.diff(rate[:6]) > 0) and rate[6] == rate[4]
    assert np.all(budget.adjustment_speed_for_gap(gaps, 0.1, 0.0) == 0.1)


def test_gap_dependent_adjustment_never_overshoots_and_shocks_close_faster():
    current = np.full(5, 0.02)
    desired = np.array([0.0, 0.015, 0.021, 0.03, 0.06])
    new = budget.adjust_share(current, desired, 0.1, 1.0, 0.0, 0.2, gap_half=0.01)
    lo, hi = np.minimum(current, desired), np.maximum(current, desired)
    assert np.all((new >= lo) & (new <= hi))
    closed = (new - current) / (desired - current)
    assert closed[2] < closed[3] < closed[4]  # a larger gap closes a larger fraction


# --------------------------------------------------------------------------------------------
# Threat: what rivals spend, how likely a crisis is, and where the aggressor is
# --------------------------------------------------------------------------------------------


def test_crisis_factor_is_one_in_the_base_year_and_rises_with_threat():
    base = np.array([100.0, 50.0])
    assert payoffs.crisis_factor(base, base, 1.0).tolist() == [1.0, 1.0]
    np.testing.assert_allclose(payoffs.crisis_factor(base * 2, base, 0.5), np.sqrt(2.0))
    assert payoffs.crisis_factor(base * 3, base, 0.0).tolist() == [1.0, 1.0]


def test_an_outmatched_state_answers_a_rise_in_threat_only_through_the_crisis_factor():
    """Alone against a threat five times its forces, the log ratio saturates: the best response
    barely moves with the threat. With the crisis factor (theta scaled by T / T0) it does."""
    args = dict(allied=0.0, capability_per_share=5000.0, lower=0.0, upper=0.2, private=0.01)
    t0 = 2000.0
    flat = [budget.best_response_scalar(theta=0.02, threat=t, **args) for t in (t0, 2 * t0)]
    scaled = [
        budget.best_response_scalar(
            theta=0.02 * float(payoffs.crisis_factor(t, t0, 1.0)), threat=t, **args
        )
        for t in (t0, 2 * t0)
    ]
    assert flat[1] / flat[0] < 1.05
    assert scaled[1] / scaled[0] > 1.4


@pytest.fixture(scope="module")
def default_model(request):
    from sim.runner.config import compose

    prepared = prepare(compose([]))
    return prepared, AllianceModel(prepared.world, prepared.params, [], rng=0)


def test_step_zero_is_unchanged_by_the_dynamics(default_model):
    """The perceived power and the crisis factor agree with the stock in the base year, so the
    calibrated preferences and the threat do not depend on their parameters."""
    prepared, m = default_model
    from dataclasses import replace

    sec = replace(prepared.params.security, threat_flow_weight=0.0, crisis_threat_elasticity=0.0)
    other = AllianceModel(prepared.world, replace(prepared.params, security=sec), [], rng=0)
    np.testing.assert_allclose(other.ctx.threat, m.ctx.threat, rtol=1e-12)
    np.testing.assert_allclose(other.theta, m.theta, rtol=1e-12)
    np.testing.assert_allclose(m.ctx.theta, m.theta, rtol=1e-12)


def test_dependence_raises_the_pull_of_a_target(default_model):
    """The part of a member's target weight that is abandonment risk is proportional to what
    its allies are worth to it (theta times ``payoffs.allies_value``, fraction of GDP)."""
    prepared, m = default_model
    risk = prepared.params.budget.target_abandonment_risk
    assert risk > 0
    n = prepared.world.n
    value = m.ctx.theta * payoffs.allies_value(m.ctx, np.arange(n), m.levels)
    bound = m.state.target_share > 0
    extra = m.target_weight_now - m.state.target_weight
    np.testing.assert_allclose(extra[bound], 100 * risk * value[bound], rtol=1e-12)
    assert np.all(extra[~bound] == 0)
    iso = prepared.world.iso3
    assert extra[iso.index("EST")] > extra[iso.index("PRT")]


def test_aggression_raises_frontline_budgets_more_than_distant_ones(compose_cfg):
    """An affinity shift with a distance gradient (Russia's aggression, fading over 1,500 km)
    raises Estonia's and Poland's budgets more than Portugal's and Spain's."""
    key = "+scenario.events.aggression"
    cfg = compose_cfg(
        f"{key}.kind=affinity_shift",
        f"{key}.state=RUS",
        f"{key}.change=-0.3",
        f"{key}.gradient_km=1500",
        f"{key}.start_year=2025",
        "model.horizon=5",
    )
    base = compose_cfg("model.horizon=5")
    shocked = simulate(cfg, 0)["states"].set_index(["iso3", "year"])["defence_pct_gdp"]
    calm = simulate(base, 0)["states"].set_index(["iso3", "year"])["defence_pct_gdp"]
    rise = {c: shocked[(c, 2029)] - calm[(c, 2029)] for c in ("EST", "POL", "PRT", "ESP")}
    assert min(rise["EST"], rise["POL"]) > 0.1
    assert max(rise["PRT"], rise["ESP"]) < 0.5 * min(rise["EST"], rise["POL"])


# --------------------------------------------------------------------------------------------
# Events: aggression that fades with distance, pledges with deadlines on a treaty's members
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    from sim.runner.config import compose
    from sim.world.builder import build_world

    return build_world(compose([]).world)


def test_an_aggression_fades_with_distance_and_reaches_bordering_states_in_full(world):
    from sim.world.events import build_event
    from sim.world.state import WorldState

    spec = {
        "kind": "affinity_shift",
        "state": "RUS",
        "change": -0.2,
        "gradient_km": 1000.0,
        "borders": ["POL"],
    }
    ev = build_event("aggression", spec, world)
    s = WorldState.initial(world, 0.1)
    before = s.affinity.copy()
    s.year = ev.start_year
    ev.post(s)
    iso = world.iso3
    rus = iso.index("RUS")
    for code in ("DEU", "PRT", "EST", "POL", "USA"):
        i = iso.index(code)
        d = 0.0 if code == "POL" else world.distance[rus, i]
        expected = max(-1.0, before[rus, i] - 0.2 * np.exp(-((d / 1000.0) ** 2)))
        assert s.affinity[rus, i] == s.affinity[i, rus] == pytest.approx(expected, abs=1e-15)
    moved = before[rus] - s.affinity[rus]
    assert moved[iso.index("POL")] == pytest.approx(0.2)
    assert moved[iso.index("EST")] > moved[iso.index("DEU")] > moved[iso.index("PRT")] > 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"gradient_km": -5.0}, "gradient_km must be positive"),
        ({"borders": ["POL"]}, "borders needs gradient_km"),
        ({"gradient_km": 900.0, "borders": ["XXX"]}, "unknown"),
    ],
)
def test_an_aggression_refuses_bad_fields(world, fields, message):
    from sim.errors import UserError
    from sim.world.events import build_event

    spec = {"kind": "affinity_shift", "state": "RUS", "change": -0.2, **fields}
    with pytest.raises(UserError, match=message):
        build_event("aggression", spec, world)


def test_a_pledge_on_a_treaty_binds_its_members_of_each_year_and_tightens_to_its_deadline(world):
    from sim.errors import UserError
    from sim.world.events import build_event
    from sim.world.state import WorldState

    spec = {
        "kind": "spending_target",
        "treaty": "NATO",
        "target_pct_gdp": 3.5,
        "start_year": 2025,
        "weight": 0.2,
        "abandonment_risk": 0.1,
        "deadline_year": 2035,
        "deadline_gain": 1.5,
    }
    ev = build_event("hague", spec, world)
    s = WorldState.initial(world, 0.1)
    iso = world.iso3
    nato = s.treaty("NATO")
    aus = iso.index("AUS")
    assert aus not in nato.members
    for year, factor in ((2025, 1.0), (2030, 1.75), (2035, 2.5), (2040, 2.5)):
        s.year = year
        s.reset_year()
        ev.post(s)
        m = np.array(nato.members)
        assert np.all(s.target_share[m] == 0.035) and s.target_share[aus] == 0.0
        np.testing.assert_allclose(s.target_weight[m], 0.2 * factor)
        np.testing.assert_allclose(s.target_risk[m], 0.1 * factor)
    nato.members = sorted({*nato.members, aus})  # an accession: bound from that year
    s.reset_year()
    ev.post(s)
    assert s.target_share[aus] == 0.035
    with pytest.raises(UserError, match="not both"):
        build_event("hague", {**spec, "members": ["USA"]}, world)
    with pytest.raises(UserError, match="not a treaty"):
        build_event("hague", {**spec, "treaty": "SEATO"}, world)
    with pytest.raises(UserError, match="deadline_year is before start_year"):
        build_event("hague", {**spec, "deadline_year": 2020}, world)


def test_the_baseline_stays_near_the_2024_budgets(compose_cfg, run_tables):
    """Nothing happens after 2024 in the baseline; what moves is GDP (nominal growth at each
    state's judgement rate). The dynamics are neutral to nominal growth (unmodelled threats grow
    with GDP, a guarantor's credibility follows its share, the crisis factor its hostility), so
    over twenty years budgets stay close to 2024's: no state moves by more than a point of GDP
    and the median by under a tenth. (With a credibility that followed the capability stock,
    allies' budgets fell by up to 1.3 points by 2044; with a crisis factor that followed power,
    Russia's rose to 14 % of GDP.)"""
    states = run_tables(compose_cfg("model.horizon=20"), 0)["states"]
    shares = states.pivot(index="iso3", columns="year", values="defence_pct_gdp")
    move = (shares[2044] - shares[2024]).abs()
    assert move.max() < 1.0, move.sort_values().tail(3).to_dict()
    assert move.median() < 0.1


def test_the_defaults_are_the_back_test_s_full_sample_estimate():
    """configs/model/default.yaml holds the estimate on NATO's budgets of 2015-2024
    (experiments/backtest_nato/results/full_sample.csv), rounded to three figures."""
    from pathlib import Path

    import pandas as pd
    from omegaconf import OmegaConf

    from sim.runner.config import compose

    root = Path(__file__).resolve().parents[1]
    table = pd.read_csv(root / "experiments/backtest_nato/results/full_sample.csv")
    model = table[table["parameter"].str.startswith("model.")]
    assert len(model) >= 8
    defaults = compose([])
    for key, estimate in zip(model["parameter"], model["estimate"], strict=True):
        assert OmegaConf.select(defaults, key) == pytest.approx(estimate, rel=0.01), key


def test_the_crisis_factor_follows_hostility_not_power(compose_cfg):
    """A rival that doubles its spending leaves the value of security unchanged (it acts through
    the outcome of a crisis); an aggression raises it for the states near the aggressor."""
    from sim.runner.simulate import prepare

    rus = "+scenario.events.e"
    armed = compose_cfg(f"{rus}.kind=budget_shock", f"{rus}.state=RUS", f"{rus}.pct_gdp=14")
    hostile = compose_cfg(
        f"{rus}.kind=affinity_shift", f"{rus}.state=RUS", f"{rus}.change=-0.2",
        f"{rus}.gradient_km=1500",
    )  # fmt: skip
    factors = {}
    for name, cfg in (("armed", armed), ("hostile", hostile)):
        prepared = prepare(cfg)
        m = AllianceModel(prepared.world, prepared.params, prepared.events, rng=0)
        m.step()
        m.step()  # the shock's spending is in the capability stocks by now
        factors[name] = m.ctx.theta / m.theta
        iso = prepared.world.iso3
    np.testing.assert_allclose(factors["armed"], 1.0, rtol=1e-12)
    assert factors["hostile"][iso.index("EST")] > 1.5
    assert factors["hostile"][iso.index("EST")] > factors["hostile"][iso.index("PRT")] >= 1.0
