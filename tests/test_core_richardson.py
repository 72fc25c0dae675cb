"""Tests for sim.core.richardson: Richardson's (1960) arms-race model.

dx/dt = k y - a x + g, dy/dt = l x - b y + h; stable when a b > k l, with equilibrium
x* = (b g + k h) / (a b - k l), y* = (a h + l g) / (a b - k l).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import SEEDS

from sim.core import richardson

PROPERTY = settings(deadline=None, max_examples=50)
POSITIVE = st.floats(0.05, 3.0)


def two_state(a, b, k, l):  # noqa: E741 - Richardson's notation
    return np.array([[0.0, k], [l, 0.0]]), np.array([a, b])


def test_fixed_point_two_hand_case():
    # a=2, b=3, k=1, l=1, g=1, h=2: det 5, x* = (3 + 2) / 5 = 1, y* = (4 + 1) / 5 = 1
    x, y = richardson.fixed_point_two(2.0, 3.0, 1.0, 1.0, 1.0, 2.0)
    assert (x, y) == pytest.approx((1.0, 1.0))
    # and the derivatives vanish there: k y - a x + g = 0, l x - b y + h = 0
    assert 1.0 * y - 2.0 * x + 1.0 == pytest.approx(0.0)
    assert 1.0 * x - 3.0 * y + 2.0 == pytest.approx(0.0)


@PROPERTY
@given(POSITIVE, POSITIVE, POSITIVE, POSITIVE, st.floats(0, 5), st.floats(0, 5))
def test_fixed_point_two_formula_and_n_state_agree(a, b, k, l, g, h):  # noqa: E741
    det = a * b - k * l
    if abs(det) < 1e-3:
        return  # near-singular: the formula itself is ill-conditioned
    x, y = richardson.fixed_point_two(a, b, k, l, g, h)
    assert x == pytest.approx((b * g + k * h) / det, rel=1e-12, abs=1e-12)
    assert y == pytest.approx((a * h + l * g) / det, rel=1e-12, abs=1e-12)
    reaction, fatigue = two_state(a, b, k, l)
    np.testing.assert_allclose(
        richardson.fixed_point(reaction, fatigue, np.array([g, h])), [x, y], rtol=1e-9, atol=1e-9
    )


def test_fixed_point_two_singular_raises():
    with pytest.raises(ValueError):
        richardson.fixed_point_two(2.0, 2.0, 1.0, 4.0, 1.0, 1.0)


def test_system_matrix_ignores_reaction_diagonal():
    reaction = np.array([[9.0, 0.5], [0.25, 9.0]])
    m = richardson.system_matrix(reaction, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(m, [[-1.0, 0.5], [0.25, -2.0]])
    assert reaction[0, 0] == 9.0  # input not modified


@PROPERTY
@given(SEEDS, st.integers(1, 6))
def test_n_state_fixed_point_is_stationary(seed, n):
    rng = np.random.default_rng(seed)
    reaction = rng.uniform(0, 0.3, size=(n, n))
    fatigue = rng.uniform(0.5, 2.0, size=n) + reaction.sum(axis=1)  # diagonally dominant
    grievance = rng.uniform(0, 10, size=n)
    x = richardson.fixed_point(reaction, fatigue, grievance)
    np.fill_diagonal(reaction, 0.0)
    np.testing.assert_allclose(reaction @ x - fatigue * x + grievance, 0.0, atol=1e-9)


def test_simulate_returns_path_with_initial_values():
    reaction, fatigue = two_state(2.0, 3.0, 1.0, 1.0)
    path = richardson.simulate(
        np.array([5.0, 0.0]), reaction, fatigue, np.array([1.0, 2.0]), 3, 0.1
    )
    assert path.shape == (4, 2)
    np.testing.assert_array_equal(path[0], [5.0, 0.0])
    # one Euler step by hand: x' = 5 + 0.1 (1 * 0 - 2 * 5 + 1) = 4.1, y' = 0 + 0.1 (5 - 0 + 2) = 0.7
    np.testing.assert_allclose(path[1], [4.1, 0.7])


def test_simulate_converges_when_fatigue_outweighs_reaction():
    a, b, k, l, g, h = 2.0, 3.0, 1.0, 1.0, 1.0, 2.0  # noqa: E741 - a b = 6 > k l = 1
    reaction, fatigue = two_state(a, b, k, l)
    assert richardson.is_stable(reaction, fatigue)
    path = richardson.simulate(np.array([10.0, 0.0]), reaction, fatigue, np.array([g, h]), 400, 0.1)
    np.testing.assert_allclose(path[-1], richardson.fixed_point_two(a, b, k, l, g, h), atol=1e-9)


def test_simulate_runs_away_when_reaction_outweighs_fatigue():
    a, b, k, l = 1.0, 1.0, 2.0, 2.0  # noqa: E741 - a b = 1 < k l = 4: eigenvalues 1 and -3
    reaction, fatigue = two_state(a, b, k, l)
    assert not richardson.is_stable(reaction, fatigue)
    path = richardson.simulate(
        np.array([1.0, 1.0]), reaction, fatigue, np.array([1.0, 1.0]), 200, 0.1
    )
    total = path.sum(axis=1)
    assert (np.diff(total) > 0).all()  # both budgets keep rising
    # growth rate of the unstable mode: (1 + 0.1 * 1) per step
    assert total[-1] / total[-2] == pytest.approx(1.1, rel=1e-6)
    assert total[-1] > 1e8


@PROPERTY
@given(POSITIVE, POSITIVE, POSITIVE, POSITIVE)
def test_is_stable_matches_two_state_condition(a, b, k, l):  # noqa: E741
    # trace -(a + b) < 0, so the 2 x 2 system is stable exactly when the determinant a b - k l > 0
    if abs(a * b - k * l) < 1e-9:
        return
    reaction, fatigue = two_state(a, b, k, l)
    assert richardson.is_stable(reaction, fatigue) == (a * b > k * l)


def test_discrete_step_stability():
    # a = b = 2, k = l = 1: eigenvalues of M are -1 and -3 (stable). Euler's factors are
    # 1 - dt and 1 - 3 dt: stable iff dt < 2/3.
    reaction, fatigue = two_state(2.0, 2.0, 1.0, 1.0)
    assert richardson.is_stable(reaction, fatigue)
    assert richardson.discrete_step_is_stable(reaction, fatigue, 0.1)
    assert richardson.discrete_step_is_stable(reaction, fatigue, 0.6)
    assert not richardson.discrete_step_is_stable(reaction, fatigue, 0.7)
    assert not richardson.discrete_step_is_stable(reaction, fatigue, 1.0)


def test_too_large_a_step_oscillates_with_growing_amplitude():
    reaction, fatigue = two_state(2.0, 2.0, 1.0, 1.0)
    grievance = np.array([1.0, 1.0])
    star = richardson.fixed_point(reaction, fatigue, grievance)  # (1, 1)
    x0 = np.array([1.5, 0.5])  # deviation along the fast mode (1, -1)
    path = richardson.simulate(x0, reaction, fatigue, grievance, 30, dt=1.0)
    dev = path[:, 0] - star[0]
    assert (np.sign(dev[1:]) == -np.sign(dev[:-1])).all()  # alternates in sign
    assert (np.abs(dev[1:]) > np.abs(dev[:-1])).all()  # and grows: factor 1 - 3 = -2
    np.testing.assert_allclose(dev[1:] / dev[:-1], -2.0)
    # the same system with a small step converges
    path = richardson.simulate(x0, reaction, fatigue, grievance, 300, dt=0.1)
    np.testing.assert_allclose(path[-1], star, atol=1e-9)


@PROPERTY
@given(SEEDS, st.floats(0.01, 2.0))
def test_discrete_stability_predicts_simulation(seed, dt):
    rng = np.random.default_rng(seed)
    n = 3
    reaction = rng.uniform(0, 1, size=(n, n))
    fatigue = rng.uniform(0.2, 3.0, size=n)
    m = richardson.system_matrix(reaction, fatigue)
    radius = np.max(np.abs(np.linalg.eigvals(np.eye(n) + dt * m)))
    if abs(radius - 1) < 0.05:
        return  # too close to the boundary to tell in a few hundred steps
    grievance = rng.uniform(0, 1, size=n)
    star = np.linalg.solve(-m, grievance)
    x0 = star + rng.normal(size=n)
    with np.errstate(over="ignore", invalid="ignore"):  # divergent paths may overflow
        path = richardson.simulate(x0, reaction, fatigue, grievance, 400, dt)
        gap = np.linalg.norm(path[-1] - star) / np.linalg.norm(x0 - star)
    if richardson.discrete_step_is_stable(reaction, fatigue, dt):
        assert gap < 1e-3
    else:
        assert not gap < 1e3  # grew by a factor of at least 1000 (or overflowed)


def test_simulate_floor():
    reaction, fatigue = two_state(1.0, 1.0, 0.0, 0.0)
    path = richardson.simulate(
        np.array([1.0, 1.0]), reaction, fatigue, np.array([-5.0, -5.0]), 10, 0.5, floor=0.0
    )
    assert (path >= 0).all()
    np.testing.assert_array_equal(path[1:], 0.0)  # 1 + 0.5 (-1 - 5) = -2 -> floored to 0
