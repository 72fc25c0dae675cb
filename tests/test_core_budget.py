"""Tests for sim.core.budget: the guns-versus-butter best response, calibration, adjustment.

The objective is written out independently below from the module docstring:

    U(x) = theta * log(S(x)) + psi * log(x) + log(1 - x) - target_weight * max(0, target - x)

with S(x) = D / (D + threat), D = max(allied + x c, 1e-9) and c = capability per unit share.
Its security part has derivative theta * threat * c / (D * (D + threat)), which rises with the
threat at every level (it tends to theta * c / D) and falls with allied capability.

When allies may not come (``sim.core.payoffs.security_lottery``) the security part is the
expectation over the allied outcomes s, ``theta * sum_s p_s log(S_s(x))`` with
``D_s = max(allied_s + x c, 1e-9)``; its derivative ``theta * sum_s p_s T c / (D_s (D_s + T))``
falls with the probability of the outcomes with more allies (f(D) = T c / (D (D + T)) falls in
D): a less reliable ally makes one's own forces worth more.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from property import SEEDS

from sim.core import budget

PROPERTY = settings(deadline=None, max_examples=50)


def objective(x, theta, allied, threat, c, target=0.0, target_weight=0.0, private=0.0, probs=None):
    """The budget objective of the module docstring (independent of the code under test).

    ``allied`` is one allied capability, or with ``probs`` a list of the allied capability in
    each outcome (each broadcasting with x) and a list of their probabilities."""
    x = np.asarray(x, dtype=float)
    outcomes = [(1.0, allied)] if probs is None else list(zip(probs, allied, strict=True))
    security = 0.0
    for p, a in outcomes:
        defence = np.maximum(a + x * c, 1e-9)  # the documented floor: no capability, not -inf
        security = security + p * np.log(defence / (defence + threat))
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(np.asarray(private) > 0, private * np.log(x), 0.0)
    return theta * security + own + np.log1p(-x) - target_weight * np.maximum(0.0, target - x)


def random_inputs(rng: np.random.Generator, n: int, *, private: bool) -> dict:
    """Valid inputs spanning interior solutions, both bounds binding and target kinks."""
    gdp = rng.uniform(100.0, 25_000.0, size=n)
    c = gdp / rng.uniform(0.05, 0.1, size=n)
    has_target = rng.random(n) < 0.5
    return {
        "theta": 10 ** rng.uniform(-3, 0.5, size=n),
        "allied": c * rng.uniform(0, 0.05, size=n) * (rng.random(n) < 0.7),
        "threat": c * rng.uniform(0.001, 0.1, size=n),
        "capability_per_share": c,
        "lower": rng.uniform(0.0, 0.01, size=n) * (rng.random(n) < 0.7),
        "upper": rng.uniform(0.05, 0.3, size=n),
        "target": rng.uniform(0.01, 0.06, size=n) * has_target,
        "target_weight": rng.uniform(0.0, 1.0, size=n) * has_target,
        "private": 10 ** rng.uniform(-4, -2, size=n) if private else np.zeros(n),
    }


def random_lottery(rng: np.random.Generator, inputs: dict, outcomes: int = 2) -> dict:
    """The same inputs with allies that may not come: with 2 outcomes, the allied capability
    comes with a random reliability (``security_lottery``'s two outcomes, allies first); with
    more, random allied capabilities with random probabilities (a general lottery)."""
    n = inputs["theta"].size
    a = inputs["allied"]
    if outcomes == 2:
        c = rng.uniform(0.0, 1.0, size=n) * (rng.random(n) < 0.9)
        allied = np.stack([a, np.zeros(n)], axis=1)
        probs = np.stack([c, 1.0 - c], axis=1)
    else:
        allied = a[:, None] * rng.uniform(0.0, 2.0, size=(n, outcomes))
        probs = rng.dirichlet(np.ones(outcomes), size=n)
    return {**inputs, "allied": allied, "probs": probs}


def scalar_all(inputs: dict) -> np.ndarray:
    """best_response_scalar state by state (allied outcomes and probabilities as tuples)."""
    n = inputs["theta"].size
    out = []
    for i in range(n):
        args = {k: float(v[i]) for k, v in inputs.items() if k not in ("allied", "probs")}
        if "probs" in inputs:
            args["allied"] = tuple(float(a) for a in inputs["allied"][i])
            args["probs"] = tuple(float(p) for p in inputs["probs"][i])
        else:
            args["allied"] = float(inputs["allied"][i])
        out.append(budget.best_response_scalar(**args))
    return np.array(out)


# --------------------------------------------------------------------------------------------
# Marginal utility
# --------------------------------------------------------------------------------------------


def test_marginal_utility_is_derivative_of_objective():
    rng = np.random.default_rng(20)
    inp = random_inputs(rng, 200, private=True)
    x = rng.uniform(0.005, 0.2, size=200)
    # keep away from the target kink for the finite difference
    x = np.where(np.abs(x - inp["target"]) < 1e-4, x + 2e-4, x)
    args = (
        inp["theta"],
        inp["allied"],
        inp["threat"],
        inp["capability_per_share"],
        inp["target"],
        inp["target_weight"],
        inp["private"],
    )
    h = 1e-7
    numeric = (objective(x + h, *args) - objective(x - h, *args)) / (2 * h)
    got = budget.marginal_utility(x, *args)
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("outcomes", [2, 3])
def test_marginal_utility_is_derivative_of_expected_objective(outcomes):
    """With allied outcomes and their probabilities: the derivative of the expected objective."""
    rng = np.random.default_rng(28)
    inp = random_lottery(rng, random_inputs(rng, 200, private=True), outcomes)
    x = rng.uniform(0.005, 0.2, size=200)
    x = np.where(np.abs(x - inp["target"]) < 1e-4, x + 2e-4, x)
    rest = {k: inp[k] for k in ("theta", "threat", "target", "target_weight", "private")}
    lottery = {
        "allied": [inp["allied"][:, s] for s in range(outcomes)],
        "probs": [inp["probs"][:, s] for s in range(outcomes)],
    }
    c = inp["capability_per_share"]
    h = 1e-7
    numeric = (
        objective(x + h, c=c, **rest, **lottery) - objective(x - h, c=c, **rest, **lottery)
    ) / (2 * h)
    got = budget.marginal_utility(
        x,
        inp["theta"],
        inp["allied"],
        inp["threat"],
        c,
        inp["target"],
        inp["target_weight"],
        inp["private"],
        probs=inp["probs"],
    )
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-6)


@PROPERTY
@given(SEEDS, st.integers(1, 4))
def test_security_slope_matches_formula(seed, outcomes):
    """sum_s p_s T c / (D_s (D_s + T)), D_s = max(allied_s + x c, 1e-9), state by state; with
    no probabilities, the one outcome ``allied`` with probability 1."""
    rng = np.random.default_rng(seed)
    n = 10
    share = rng.uniform(0.0, 0.3, size=n)
    c = rng.uniform(1e3, 5e5, size=n)
    threat = c * rng.uniform(0.0, 0.1, size=n)
    allied = c[:, None] * rng.uniform(0.0, 0.05, size=(n, outcomes))
    allied[rng.random((n, outcomes)) < 0.3] = 0.0
    probs = rng.dirichlet(np.ones(outcomes), size=n)
    got = budget.security_slope(share, allied, threat, c, probs)
    plain = budget.security_slope(share, allied[:, 0], threat, c)
    for i in range(n):
        total = 0.0
        for s in range(outcomes):
            d = max(allied[i, s] + share[i] * c[i], 1e-9)
            total += probs[i, s] * threat[i] * c[i] / (d * (d + threat[i]))
        assert got[i] == pytest.approx(total, rel=1e-12)
        d = max(allied[i, 0] + share[i] * c[i], 1e-9)
        assert plain[i] == pytest.approx(threat[i] * c[i] / (d * (d + threat[i])), rel=1e-12)


# --------------------------------------------------------------------------------------------
# Best response: hand cases
# --------------------------------------------------------------------------------------------

# Interior case by hand: c = 1000, allied 0, threat 20. At x = 0.02 defence is D = 20, so
# d log(S)/dx = T c / (D (D + T)) = 20 * 1000 / (20 * 40) = 25 and the first-order condition
# theta * 25 = 1 / 0.98 holds for theta = 1 / (0.98 * 25) = 1 / 24.5.
HAND = {"theta": 1 / (0.98 * 25.0), "allied": 0.0, "threat": 20.0, "c": 1000.0}


def vector(theta, allied, threat, c, lower, upper, target=0.0, weight=0.0, private=0.0, probs=None):
    """``best_response`` for one state, called as ``best_response_scalar`` is (allied outcomes
    and their probabilities as tuples)."""
    out = budget.best_response(
        np.array([theta]),
        np.array([allied]),
        np.array([threat]),
        np.array([c]),
        np.array([lower]),
        np.array([upper]),
        np.array([target]),
        np.array([weight]),
        np.array([private]),
        probs=None if probs is None else np.array([probs]),
    )
    return float(out[0])


SOLVERS = [
    pytest.param(budget.best_response_scalar, id="scalar"),
    pytest.param(vector, id="vector"),
]


@pytest.mark.parametrize("solve", SOLVERS)
def test_best_response_hand_interior(solve):
    h = HAND
    assert solve(h["theta"], h["allied"], h["threat"], h["c"], 0.0, 0.5) == pytest.approx(
        0.02, abs=1e-10
    )


@pytest.mark.parametrize("solve", SOLVERS)
def test_best_response_bounds_bind(solve):
    h = HAND
    # no value of security: spend the minimum (derivative -1 / (1 - x) < 0 everywhere)
    assert solve(0.0, 0.0, 20.0, 1000.0, 0.013, 0.5) == 0.013
    # the interior optimum 0.02 lies below the floor / above the ceiling
    assert solve(h["theta"], 0.0, 20.0, 1000.0, 0.03, 0.5) == 0.03
    assert solve(h["theta"], 0.0, 20.0, 1000.0, 0.0, 0.015) == 0.015
    # security worth a fortune: spend the maximum (at x = 0.25, D = 250:
    # 1e6 * 20 * 1000 / (250 * 270) = 296296 > 1 / 0.75)
    assert solve(1e6, 0.0, 20.0, 1000.0, 0.0, 0.25) == 0.25


@pytest.mark.parametrize("solve", SOLVERS)
def test_best_response_target_kink(solve):
    h = HAND
    args = (h["theta"], h["allied"], h["threat"], h["c"], 0.0, 0.5)
    # Free optimum 0.02 < target 0.03. Just below 0.03 (D = 30) the derivative without the pull
    # is theta * 20 * 1000 / (30 * 50) - 1 / 0.97 = 13.333 / 24.5 - 1.0309 = 0.5442 - 1.0309
    # = -0.4867: a pull of 0.5 makes it positive (+0.0133), so the state stops exactly at the
    # target; a pull of 0.1 leaves it negative (-0.3867), so it stops short.
    assert solve(*args, 0.03, 0.5) == pytest.approx(0.03, abs=1e-12)
    short = solve(*args, 0.03, 0.1)
    assert 0.02 < short < 0.03
    mu = budget.marginal_utility(
        *(np.array([v]) for v in (short, h["theta"], 0.0, 20.0, 1000.0, 0.03, 0.1))
    )
    assert mu[0] == pytest.approx(0.0, abs=1e-8)
    # a target already met changes nothing
    assert solve(*args, 0.01, 5.0) == pytest.approx(0.02, abs=1e-10)


# Under a lottery by hand: the same state, with an ally of 20 that comes with probability 1/2.
# At x = 0.02 the outcomes' defences are 40 and 20: the slope is
# 0.5 * 20 * 1000 / (40 * 60) + 0.5 * 25 = 4.1667 + 12.5 = 50 / 3, and the first-order condition
# theta * 50 / 3 = 1 / 0.98 holds for theta = 3 / (0.98 * 50) = 0.0612245.
HAND_LOTTERY = 3.0 / (0.98 * 50.0)


@pytest.mark.parametrize("solve", SOLVERS)
def test_best_response_hand_lottery(solve):
    h = HAND
    x = solve(HAND_LOTTERY, (20.0, 0.0), 20.0, h["c"], 0.0, 0.5, probs=(0.5, 0.5))
    assert x == pytest.approx(0.02, abs=1e-10)
    # the ally surely coming: at 0.02 the slope is theta * 20 * 1000 / (40 * 60) = 0.5102 < 1.02,
    # so the state spends less; the ally never coming: theta * 25 = 1.5306 > 1.02, more
    sure = solve(HAND_LOTTERY, (20.0, 0.0), 20.0, h["c"], 0.0, 0.5, probs=(1.0, 0.0))
    never = solve(HAND_LOTTERY, (20.0, 0.0), 20.0, h["c"], 0.0, 0.5, probs=(0.0, 1.0))
    assert sure < 0.02 < never
    # ... and they are the plain problem with and without the ally
    assert sure == pytest.approx(solve(HAND_LOTTERY, 20.0, 20.0, h["c"], 0.0, 0.5), abs=1e-10)
    assert never == pytest.approx(solve(HAND_LOTTERY, 0.0, 20.0, h["c"], 0.0, 0.5), abs=1e-10)


# --------------------------------------------------------------------------------------------
# Best response: vectorised against scalar, and optimality
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcomes", [0, 2, 3])
@pytest.mark.parametrize("private", [False, True])
@pytest.mark.parametrize("seed", [21, 22, 23])
def test_vectorised_and_scalar_best_response_agree(seed, private, outcomes):
    """Also for allies that may not come: the lottery's two outcomes (``outcomes`` 2) and a
    general lottery of three."""
    rng = np.random.default_rng(seed)
    inp = random_inputs(rng, 300, private=private)
    if outcomes:
        inp = random_lottery(rng, inp, outcomes)
    vec = budget.best_response(**inp)
    np.testing.assert_allclose(vec, scalar_all(inp), rtol=0, atol=1e-9)


@PROPERTY
@given(SEEDS, st.booleans(), st.sampled_from([2, 3]))
def test_vectorised_and_scalar_best_response_agree_under_lottery(seed, private, outcomes):
    rng = np.random.default_rng(seed)
    inp = random_lottery(rng, random_inputs(rng, 20, private=private), outcomes)
    np.testing.assert_allclose(budget.best_response(**inp), scalar_all(inp), rtol=0, atol=1e-9)


def test_lottery_with_sure_or_absent_allies_is_the_plain_problem():
    """A sure ally (probability 1) is the plain problem with that ally; an ally that never comes
    (probability 0) is the plain problem alone; outcomes of probability 0 do not count."""
    inp = random_inputs(np.random.default_rng(27), 100, private=True)
    n = 100
    alone = {**inp, "allied": np.zeros(n)}
    sure = {**inp, "allied": np.stack([inp["allied"], np.zeros(n)], axis=1)}
    for probs, plain in ((np.array([1.0, 0.0]), inp), (np.array([0.0, 1.0]), alone)):
        lottery = {**sure, "probs": np.tile(probs, (n, 1))}
        np.testing.assert_allclose(
            budget.best_response(**lottery), budget.best_response(**plain), rtol=0, atol=1e-12
        )
        np.testing.assert_allclose(scalar_all(lottery), scalar_all(plain), rtol=0, atol=1e-9)


@pytest.mark.parametrize("outcomes", [0, 2])
def test_random_inputs_cover_bounds_and_kinks(outcomes):
    """Guard: the random inputs above do exercise both bounds, targets and interior answers."""
    rng = np.random.default_rng(21)
    inp = random_inputs(rng, 300, private=False)
    if outcomes:
        inp = random_lottery(rng, inp, outcomes)
    x = scalar_all(inp)
    at_lower = x == inp["lower"]
    at_upper = x == inp["upper"]
    at_target = (inp["target"] > 0) & np.isclose(x, inp["target"], rtol=0, atol=1e-12)
    assert at_lower.sum() >= 5
    assert at_upper.sum() >= 5
    assert at_target.sum() >= 3
    assert (~at_lower & ~at_upper & ~at_target).sum() >= 50


def check_grid_optimal(x: np.ndarray, inp: dict) -> None:
    col = {k: inp[k][:, None] for k in inp if k not in ("lower", "upper", "allied", "probs")}
    if "probs" in inp:
        outcomes = range(inp["probs"].shape[1])
        lottery = {
            "allied": [inp["allied"][:, s, None] for s in outcomes],
            "probs": [inp["probs"][:, s, None] for s in outcomes],
        }
    else:
        lottery = {"allied": inp["allied"][:, None]}
    assert ((x >= inp["lower"]) & (x <= inp["upper"])).all()
    frac = np.linspace(0.0, 1.0, 20_001)[None, :]
    lo = np.where((inp["lower"] <= 0) & (inp["private"] > 0), 1e-9, inp["lower"])[:, None]
    grid = lo + frac * (inp["upper"][:, None] - lo)
    rest = {
        "theta": col["theta"],
        "threat": col["threat"],
        "c": col["capability_per_share"],
        "target": col["target"],
        "target_weight": col["target_weight"],
        "private": col["private"],
        **lottery,
    }
    best_on_grid = objective(grid, **rest).max(axis=1)
    at_x = objective(x[:, None], **rest)[:, 0]
    assert (at_x >= best_on_grid - 1e-12).all()


@pytest.mark.parametrize("outcomes", [0, 2, 3])
@pytest.mark.parametrize("private", [False, True])
def test_scalar_best_response_maximises_objective(private, outcomes):
    rng = np.random.default_rng(24)
    inp = random_inputs(rng, 100, private=private)
    if outcomes:
        inp = random_lottery(rng, inp, outcomes)
    check_grid_optimal(scalar_all(inp), inp)


@pytest.mark.parametrize("outcomes", [0, 2, 3])
@pytest.mark.parametrize("private", [False, True])
def test_vectorised_best_response_maximises_objective(private, outcomes):
    rng = np.random.default_rng(25)
    inp = random_inputs(rng, 100, private=private)
    if outcomes:
        inp = random_lottery(rng, inp, outcomes)
    check_grid_optimal(budget.best_response(**inp), inp)


# --------------------------------------------------------------------------------------------
# Calibration by revealed preference
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("private_share", [0.0, 0.3, 0.5])
def test_calibration_round_trip(private_share):
    rng = np.random.default_rng(26)
    n = 200
    share = rng.uniform(0.005, 0.08, size=n)
    c = rng.uniform(1e3, 5e5, size=n)
    allied = c * rng.uniform(0, 0.05, size=n)
    threat = c * rng.uniform(0.001, 0.1, size=n)
    # targets above the share (with a pull weaker than the marginal cost) and below it
    target = np.where(rng.random(n) < 0.5, share + rng.uniform(0.001, 0.02, size=n), 0.01)
    weight = rng.uniform(0.0, 0.9, size=n)
    theta, psi = budget.calibrate_preferences(
        share, allied, threat, c, target, weight, private_share
    )
    assert (theta > 1e-6).all()  # not floored: the share is a genuine interior optimum
    if private_share == 0:
        np.testing.assert_array_equal(psi, 0.0)
    mu = budget.marginal_utility(share, theta, allied, threat, c, target, weight, psi)
    np.testing.assert_allclose(mu, 0.0, atol=1e-9)
    lower, upper = np.zeros(n), np.full(n, 0.5)
    back = [
        budget.best_response_scalar(
            theta[i], allied[i], threat[i], c[i], 0.0, 0.5, target[i], weight[i], psi[i]
        )
        for i in range(n)
    ]
    np.testing.assert_allclose(back, share, rtol=0, atol=1e-9)
    vec = budget.best_response(theta, allied, threat, c, lower, upper, target, weight, psi)
    np.testing.assert_allclose(vec, share, rtol=0, atol=1e-9)


@pytest.mark.parametrize("outcomes", [2, 3])
@pytest.mark.parametrize("private_share", [0.0, 0.4])
def test_calibration_round_trip_under_lottery(private_share, outcomes):
    """The calibrated preferences make the observed share the best response when allies may not
    come (the lottery's outcomes and probabilities passed to both)."""
    rng = np.random.default_rng(29)
    n = 150
    share = rng.uniform(0.005, 0.08, size=n)
    c = rng.uniform(1e3, 5e5, size=n)
    threat = c * rng.uniform(0.001, 0.1, size=n)
    target = np.where(rng.random(n) < 0.5, share + rng.uniform(0.001, 0.02, size=n), 0.01)
    weight = rng.uniform(0.0, 0.9, size=n)
    inp = random_lottery(
        rng, {"theta": np.ones(n), "allied": c * rng.uniform(0, 0.05, size=n)}, outcomes
    )
    allied, probs = inp["allied"], inp["probs"]
    theta, psi = budget.calibrate_preferences(
        share, allied, threat, c, target, weight, private_share, probs=probs
    )
    assert (theta > 1e-6).all()
    mu = budget.marginal_utility(share, theta, allied, threat, c, target, weight, psi, probs)
    np.testing.assert_allclose(mu, 0.0, atol=1e-9)
    lower, upper = np.zeros(n), np.full(n, 0.5)
    vec = budget.best_response(
        theta, allied, threat, c, lower, upper, target, weight, psi, probs=probs
    )
    np.testing.assert_allclose(vec, share, rtol=0, atol=1e-9)
    back = scalar_all(
        {
            "theta": theta,
            "allied": allied,
            "threat": threat,
            "capability_per_share": c,
            "lower": lower,
            "upper": upper,
            "target": target,
            "target_weight": weight,
            "private": psi,
            "probs": probs,
        }
    )
    np.testing.assert_allclose(back, share, rtol=0, atol=1e-9)


def test_calibration_hand_lottery():
    """HAND_LOTTERY: share 0.02, an ally of 20 coming with probability 1/2, half of the marginal
    cost 1 / 0.98 private: psi = 0.5 / 0.98 * 0.02 and theta * 50 / 3 = 0.5 / 0.98."""
    theta, psi = budget.calibrate_preferences(
        np.array([0.02]),
        np.array([[20.0, 0.0]]),
        np.array([20.0]),
        np.array([1000.0]),
        np.array([0.0]),
        np.array([0.0]),
        0.5,
        probs=np.array([[0.5, 0.5]]),
    )
    assert psi[0] == pytest.approx(0.5 / 0.98 * 0.02)
    assert theta[0] == pytest.approx(0.5 / 0.98 / (50.0 / 3.0))
    # with no private benefit, the theta of HAND_LOTTERY
    theta, _ = budget.calibrate_preferences(
        np.array([0.02]),
        np.array([[20.0, 0.0]]),
        np.array([20.0]),
        np.array([1000.0]),
        np.array([0.0]),
        np.array([0.0]),
        probs=np.array([[0.5, 0.5]]),
    )
    assert theta[0] == pytest.approx(HAND_LOTTERY)


def test_calibration_split_between_private_and_security():
    # share 0.02, no target: marginal cost 1 / 0.98; half private: psi / 0.02 = 0.5 / 0.98
    theta, psi = budget.calibrate_preferences(
        np.array([0.02]),
        np.array([0.0]),
        np.array([20.0]),
        np.array([1000.0]),
        np.array([0.0]),
        np.array([0.0]),
        0.5,
    )
    assert psi[0] == pytest.approx(0.5 / 0.98 * 0.02)
    # d log(S)/dx = 20 * 1000 / (20 * 40) = 25 (see HAND); theta * 25 = 0.5 / 0.98
    assert theta[0] == pytest.approx(0.5 / 0.98 / 25.0)


def test_calibration_floors_theta_when_target_alone_justifies_share():
    # share below a target whose pull (2.0) exceeds the marginal cost 1 / 0.98
    theta, psi = budget.calibrate_preferences(
        np.array([0.02]),
        np.array([0.0]),
        np.array([20.0]),
        np.array([1000.0]),
        np.array([0.03]),
        np.array([2.0]),
        0.5,
        floor=1e-6,
    )
    assert theta[0] == 1e-6
    assert psi[0] == 0.0


# --------------------------------------------------------------------------------------------
# Comparative statics
# --------------------------------------------------------------------------------------------

CASE = st.tuples(
    st.floats(1e-3, 1.0),  # theta
    st.floats(0.0, 0.05),  # allied, share of c
    st.floats(0.001, 0.1),  # threat, share of c
    st.floats(1e3, 5e5),  # c
    st.one_of(st.just(0.0), st.floats(1e-6, 0.01)),  # lower (no subnormal floors)
    st.floats(0.05, 0.3),  # upper
    st.sampled_from([0.0, 0.02, 0.035]),  # target
    st.floats(0.0, 1.0),  # target weight
    st.sampled_from([0.0, 1e-4, 3e-3]),  # private
)


@PROPERTY
@given(CASE, st.floats(1e-3, 2.0))
def test_more_allied_capability_never_raises_best_response(case, more):
    """Free riding: allies' capability lowers the marginal value of one's own (Olson &
    Zeckhauser 1966): d log(S)/dx = T c / (D (D + T)) with D = A + x c falls in A."""
    theta, a, t, c, lower, upper, target, weight, private = case
    base = budget.best_response_scalar(
        theta, a * c, t * c, c, lower, upper, target, weight, private
    )
    richer = budget.best_response_scalar(
        theta, (a + more) * c, t * c, c, lower, upper, target, weight, private
    )
    assert richer <= base + 1e-10
    vec = vector(theta, a * c, t * c, c, lower, upper, target, weight, private)
    vec_richer = vector(theta, (a + more) * c, t * c, c, lower, upper, target, weight, private)
    assert vec_richer <= vec + 1e-10


@PROPERTY
@given(CASE, st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(1e-3, 2.0))
def test_more_allied_capability_never_raises_best_response_under_lottery(case, rel, up, more):
    """Free riding survives the lottery: more capability in the outcome in which allies come
    lowers the slope of that outcome and leaves the other unchanged."""
    theta, a, t, c, lower, upper, target, weight, private = case
    probs = (rel, 1.0 - rel)
    rest = (t * c, c, lower, upper, target, weight, private)
    for solve in (budget.best_response_scalar, vector):
        base = solve(theta, (a * c, 0.0), *rest, probs=probs)
        richer = solve(theta, ((a + more) * c, 0.0), *rest, probs=probs)
        assert richer <= base + 1e-10


@PROPERTY
@given(CASE, st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_lower_reliability_never_lowers_best_response(case, rel, down):
    """Fear of abandonment arms: the slope c f(A + x c) + (1 - c) f(x c), with
    f(D) = T c / (D (D + T)) falling in D, falls with the reliability c (its derivative in c is
    f(A + x c) - f(x c) <= 0), so a less reliable ally never lowers the best response."""
    theta, a, t, c, lower, upper, target, weight, private = case
    rest = (t * c, c, lower, upper, target, weight, private)
    less = rel * (1.0 - down)
    for solve in (budget.best_response_scalar, vector):
        trusted = solve(theta, (a * c, 0.0), *rest, probs=(rel, 1.0 - rel))
        doubted = solve(theta, (a * c, 0.0), *rest, probs=(less, 1.0 - less))
        assert doubted >= trusted - 1e-10


@pytest.mark.parametrize("solve", SOLVERS)
def test_lower_reliability_raises_interior_best_response(solve):
    """HAND_LOTTERY (x* = 0.02 at reliability 1/2): at reliability 1/4 the slope at 0.02 is
    theta * (0.25 * 8.3333 + 0.75 * 25) = 0.0612245 * 20.8333 = 1.2755 > 1 / 0.98 = 1.0204: the
    state arms; at 3/4 it is 0.0612245 * 12.5 = 0.7653 < 1.0204: it spends less."""
    args = (20.0, HAND["c"], 0.0, 0.5)
    half = solve(HAND_LOTTERY, (20.0, 0.0), *args, probs=(0.5, 0.5))
    quarter = solve(HAND_LOTTERY, (20.0, 0.0), *args, probs=(0.25, 0.75))
    three_quarters = solve(HAND_LOTTERY, (20.0, 0.0), *args, probs=(0.75, 0.25))
    assert three_quarters < half - 1e-4
    assert quarter > half + 1e-4


def log_uniform(low: int, high: int) -> st.SearchStrategy[float]:
    """10 ** e for e uniform in [low, high]: wide ranges that still reach the middle."""
    return st.floats(float(low), float(high)).map(lambda e: 10.0**e)


WIDE = st.tuples(
    log_uniform(-4, 2),  # theta
    st.one_of(st.just(0.0), log_uniform(-6, 1)),  # allied, share of c
    st.one_of(st.just(0.0), log_uniform(-6, 4)),  # threat, share of c: up to 1e4 c, overwhelming
    log_uniform(1, 6),  # c
    st.one_of(st.just(0.0), st.floats(1e-6, 0.01)),  # lower
    st.floats(0.05, 0.3),  # upper
    st.sampled_from([0.0, 0.02, 0.035]),  # target
    st.floats(0.0, 1.0),  # target weight
    st.sampled_from([0.0, 1e-4, 3e-3]),  # private
)

OUTMATCHED = (1.0, 0.0, 1e4, 1000.0, 0.0, 0.3, 0.0, 0.0, 0.0)  # threat 1e7 against at most 300


@PROPERTY
@given(WIDE, log_uniform(-6, 6))
@example(OUTMATCHED, 1e6)
@example((1e-3, 0.01, 0.001, 1e5, 0.0, 0.2, 0.02, 0.5, 1e-4), 1e4)  # from modest to overwhelming
def test_more_threat_never_lowers_best_response(case, more):
    """d log(S)/dx = T c / (D (D + T)) = (c / D) * T / (D + T) rises with T at every level of the
    threat (D = allied + x c), however outmatched the state: more threat raises the marginal
    value of defence, so the best response never falls (balancing, Walt 1987)."""
    theta, a, t, c, lower, upper, target, weight, private = case
    rest = (lower, upper, target, weight, private)
    for solve in (budget.best_response_scalar, vector):
        base = solve(theta, a * c, t * c, c, *rest)
        higher = solve(theta, a * c, (t + more) * c, c, *rest)
        assert higher >= base - 1e-10


@PROPERTY
@given(WIDE, st.floats(0.0, 1.0), log_uniform(-6, 6))
def test_more_threat_never_lowers_best_response_under_lottery(case, rel, more):
    """Balancing survives the lottery: each outcome's slope T c / (D_s (D_s + T)) rises with T,
    and so does their expectation."""
    theta, a, t, c, lower, upper, target, weight, private = case
    rest = (c, lower, upper, target, weight, private)
    probs = (rel, 1.0 - rel)
    for solve in (budget.best_response_scalar, vector):
        base = solve(theta, (a * c, 0.0), t * c, *rest, probs=probs)
        higher = solve(theta, (a * c, 0.0), (t + more) * c, *rest, probs=probs)
        assert higher >= base - 1e-10


@pytest.mark.parametrize("solve", SOLVERS)
def test_more_threat_raises_best_response_even_when_outmatched(solve):
    """The numbers of the old test of theta * S (theta 1000, c 1000, no allies, bounds [0, 0.5]),
    under which a state facing a threat of 1e6 gave up (x* = 0). With theta * log(S), at x = 0.5
    (D = 500) theta * T c / (D (D + T)) is
        T = 1e4: 1000 * 1e4 * 1000 / (500 * 10_500)    = 1e10 / 5.25e6    = 1904.8
        T = 1e6: 1000 * 1e6 * 1000 / (500 * 1_000_500) = 1e12 / 5.0025e8 = 1999.0
    both above the marginal cost 1 / (1 - 0.5) = 2: the ceiling binds for both."""
    theta, c = 1000.0, 1000.0
    assert solve(theta, 0.0, 1e4, c, 0.0, 0.5) == 0.5
    assert solve(theta, 0.0, 1e6, c, 0.0, 0.5) == 0.5


@pytest.mark.parametrize("solve", SOLVERS)
def test_more_threat_raises_interior_best_response(solve):
    """HAND (theta = 1 / 24.5, c 1000, no allies): x* = 0.02 against T = 20. Against T = 1e6 the
    security part theta * T c / (D (D + T)) = (theta / x) * T / (x c + T) is below theta / x,
    which equals 1 / (1 - x) at x = theta / (1 + theta) = 1 / 25.5 = 0.039216, so x* < 1 / 25.5;
    at x = 0.039 (D = 39) it is (1000 / 39 / 24.5) * 1e6 / 1_000_039 = 1.046573 * 0.999961
    = 1.046532 > 1 / 0.961 = 1.040583, so x* > 0.039. (Under theta * S it was
    theta * T c / (D + T)^2 <= theta * c / T = 4.1e-5 < 1: x* = 0.)"""
    h = HAND
    modest = solve(h["theta"], 0.0, 20.0, h["c"], 0.0, 0.5)
    middling = solve(h["theta"], 0.0, 180.0, h["c"], 0.0, 0.5)
    overwhelming = solve(h["theta"], 0.0, 1e6, h["c"], 0.0, 0.5)
    assert modest == pytest.approx(0.02, abs=1e-10)
    assert 0.039 < overwhelming < 1 / 25.5
    assert modest < middling < overwhelming


def test_marginal_value_of_capability_rises_with_threat():
    """theta = 1, c = 1000 and defence D = 20 (x = 0.02 without allies, or x = 0.01 with 10 of
    allied capability): the security part of the derivative, T c / (D (D + T)), is
        T = 0:    0
        T = 20:   20 * 1000 / (20 * 40)     = 25
        T = 180:  180 * 1000 / (20 * 200)   = 45
        T = 1980: 1980 * 1000 / (20 * 2000) = 49.5
    rising towards c / D = 50. (Under theta * S, T c / (D + T)^2 = 0, 12.5, 4.5, 0.495: falling.)"""
    threat = np.array([0.0, 20.0, 180.0, 1980.0])
    n = threat.size
    security_part = [0.0, 25.0, 45.0, 49.5]
    for share, allied in ((0.02, 0.0), (0.01, 10.0)):
        mu = budget.marginal_utility(
            np.full(n, share),
            np.ones(n),
            np.full(n, allied),
            threat,
            np.full(n, 1000.0),
            np.zeros(n),
            np.zeros(n),
        )
        np.testing.assert_allclose(mu + 1 / (1 - share), security_part, rtol=1e-12, atol=1e-12)


@PROPERTY
@given(WIDE, st.floats(0.0, 1.0), log_uniform(-6, 6))
def test_marginal_utility_never_falls_with_threat(case, frac, more):
    """The property behind the test above, at any share and any threat."""
    theta, a, t, c, lower, upper, target, weight, private = case
    x = max(lower + frac * (upper - lower), 1e-6)
    args = [np.array([v]) for v in (theta, a * c, t * c, c, target, weight, private)]
    base = budget.marginal_utility(np.array([x]), *args)[0]
    args[2] = np.array([(t + more) * c])
    higher = budget.marginal_utility(np.array([x]), *args)[0]
    assert higher >= base - 1e-12 * max(1.0, abs(base))


# --------------------------------------------------------------------------------------------
# Partial adjustment
# --------------------------------------------------------------------------------------------


def test_adjust_share_hand_cases():
    current = np.array([0.02, 0.02, 0.02, 0.02, 0.02])
    desired = np.array([0.04, 0.04, 0.00, 0.10, 0.02])
    lower = np.array([0.0, 0.0, 0.0, 0.0, 0.0])
    upper = np.array([0.2, 0.2, 0.2, 0.025, 0.2])
    got = budget.adjust_share(current, desired, 0.5, 0.005, lower, upper)
    # gap 0.02 * 0.5 = 0.01 capped at 0.005; cut of 0.01 capped; capped at the ceiling; no gap
    np.testing.assert_allclose(got, [0.025, 0.025, 0.015, 0.025, 0.02])
    got = budget.adjust_share(current, desired, 0.25, 0.05, lower, upper)
    np.testing.assert_allclose(got, [0.025, 0.025, 0.015, 0.025, 0.02])  # 0.25 * gap, uncapped
    got = budget.adjust_share(
        np.array([0.011]), np.array([0.0]), 1.0, 0.05, np.array([0.01]), np.array([0.2])
    )
    assert got[0] == pytest.approx(0.01)  # floor binds


@PROPERTY
@given(
    SEEDS,
    st.floats(0.0, 1.0),
    st.floats(1e-4, 0.05),
)
def test_adjust_share_properties(seed, speed, max_change):
    rng = np.random.default_rng(seed)
    n = 20
    lower = rng.uniform(0.0, 0.01, size=n)
    upper = rng.uniform(0.05, 0.3, size=n)
    current = rng.uniform(lower, upper)
    desired = rng.uniform(lower, upper)
    new = budget.adjust_share(current, desired, speed, max_change, lower, upper)
    step = new - current
    assert (np.abs(step) <= max_change + 1e-15).all()
    assert ((new >= lower) & (new <= upper)).all()
    assert (step * (desired - current) >= 0).all()  # towards the desired share
    assert (np.abs(step) <= np.abs(desired - current) * speed + 1e-15).all()  # never overshoots
    uncapped = np.abs(speed * (desired - current)) <= max_change
    np.testing.assert_allclose(step[uncapped], speed * (desired - current)[uncapped], atol=1e-15)


@pytest.mark.parametrize("solve", SOLVERS)
def test_private_benefit_raises_best_response(solve):
    """psi / x > 0 adds to the marginal value of own defence, so at an interior optimum a
    private benefit must raise the best response (here: theta 2, allied 100 bn, threat 500 bn,
    c = 20000 bn, bounds [0, 0.2], psi 0.01). Regression: best_response once ignored psi."""
    without = solve(2.0, 100.0, 500.0, 20_000.0, 0.0, 0.2)
    with_private = solve(2.0, 100.0, 500.0, 20_000.0, 0.0, 0.2, private=0.01)
    assert 0.0 < without < 0.2
    assert with_private > without + 1e-4
