"""Tests for sim.core.calibration: relationship and membership values by revealed preference.

Expected values come from hand calculations and from the definition in the module docstring:
with the relationship value ``rho`` (per unit of commitment weight), moving a tie up one level
gains ``g_up + dw_up * rho - change_cost`` and moving it down gains
``g_down - dw_down * rho - change_cost``; at the rest point both are at most ``-margin``, with
``rho`` the smallest such value in magnitude, and where no value does it (``short``) the two moves
gain the same. The gains here are hand-built functions of the commitment weight (concave like
security, linear, convex), never the code under test.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import SEEDS, contexts, random_levels

from sim.core import calibration, payoffs

PROPERTY = settings(deadline=None, max_examples=50)

LW = np.array([0.0, 0.15, 0.4, 0.85])  # the default level weights


def table_gains(levels: np.ndarray, up: dict, down: dict):
    """gains for hand cases: ``up[(i, j)]`` for a move to ``levels[i, j] + 1`` and ``down[(i, j)]``
    for a move to ``levels[i, j] - 1`` (0 for pairs not listed)."""

    def gains(i, partners, new_levels):
        out = []
        for j, new in zip(partners, new_levels, strict=True):
            assert abs(int(new) - int(levels[i, j])) == 1  # one-level moves only
            table = up if new > levels[i, j] else down
            out.append(table.get((int(i), int(j)), 0.0))
        return np.array(out, dtype=float)

    return gains


def weight_gains(levels: np.ndarray, value, level_weight: np.ndarray = LW):
    """gains from a value of the commitment weight per pair, ``value(i, j, w)``: what state i
    gains by moving its tie with j from its level to a new one."""

    def gains(i, partners, new_levels):
        return np.array(
            [
                value(i, j, level_weight[new]) - value(i, j, level_weight[levels[i, j]])
                for j, new in zip(partners, new_levels, strict=True)
            ]
        )

    return gains


def move_gains(gains, levels, floor, rho, level_weight, change_cost):
    """For every ordered pair (i, j), i != j: the gain of moving up and of moving down one level
    at relationship value rho (None where the move is not allowed), from the definition."""
    n = levels.shape[0]
    top = len(level_weight) - 1
    out = {}
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            lv = int(levels[i, j])
            up = down = None
            if lv < top:
                dw = level_weight[lv + 1] - level_weight[lv]
                up = float(gains(i, np.array([j]), np.array([lv + 1]))[0]) + dw * rho[i, j]
                up -= change_cost
            if lv > floor[i, j]:
                dw = level_weight[lv] - level_weight[lv - 1]
                down = float(gains(i, np.array([j]), np.array([lv - 1]))[0]) - dw * rho[i, j]
                down -= change_cost
            out[(i, j)] = (up, down)
    return out


def check_rest_point(gains, levels, floor, level_weight, change_cost, margin, tol=1e-10):
    """Run relationship_values and check the rest point against the definition; returns
    (rho, short)."""
    n = levels.shape[0]
    rho, short = calibration.relationship_values(
        gains, levels, floor, level_weight, change_cost, margin
    )
    assert rho.shape == short.shape == (n, n)
    np.testing.assert_array_equal(np.diag(rho), 0.0)
    assert not np.diag(short).any()
    assert np.isfinite(rho).all()
    at_rho = move_gains(gains, levels, floor, rho, level_weight, change_cost)
    at_zero = move_gains(gains, levels, floor, np.zeros((n, n)), level_weight, change_cost)
    for (i, j), (up, down) in at_rho.items():
        if not short[i, j]:
            # both moves lose at least the margin
            assert up is None or up <= -margin + tol, (i, j, up)
            assert down is None or down <= -margin + tol, (i, j, down)
            zero_up, zero_down = at_zero[(i, j)]
            holds = (zero_up is None or zero_up < -margin - tol) and (
                zero_down is None or zero_down < -margin - tol
            )
            if holds:
                assert rho[i, j] == 0.0  # the payoff terms already hold the tie
            elif rho[i, j] > 0:  # the smallest value: the move down just loses the margin
                assert down == pytest.approx(-margin, abs=tol)
            elif rho[i, j] < 0:  # ... or the move up does
                assert up == pytest.approx(-margin, abs=tol)
        elif up is not None and down is not None:
            # no value gives both moves the margin: they gain the same, more than -margin
            assert up == pytest.approx(down, abs=tol)
            assert up > -margin - tol
    return rho, short


# --------------------------------------------------------------------------------------------
# relationship_values: hand cases
# --------------------------------------------------------------------------------------------


def two_states(level: int) -> np.ndarray:
    return np.array([[0, level], [level, 0]])


def test_docstring_case_is_short_and_equalised():
    """A partnership worth 0.3 to loosen and 0.1 to deepen (change cost 0.1, margin 0.05): rho
    would need to be >= 0.25 / 0.25 = 1 and <= -0.05 / 0.45; the two moves are equalised at
    (0.3 - 0.1) / (0.25 + 0.45) = 2 / 7."""
    levels = two_states(2)
    gains = table_gains(levels, {(0, 1): 0.1, (1, 0): 0.1}, {(0, 1): 0.3, (1, 0): 0.3})
    rho, short = check_rest_point(gains, levels, np.zeros((2, 2), int), LW, 0.1, 0.05)
    assert rho[0, 1] == pytest.approx(2 / 7)
    assert short[0, 1] and short[1, 0]


def test_deepening_pays_negative_value():
    """An alignment (level 1) whose deepening would gain 0.2 and whose loosening would lose 0.1
    (change cost 0.1, margin 0.05): up 0.2 + 0.25 rho - 0.1 <= -0.05 needs rho <= -0.6, down
    -0.1 - 0.15 rho - 0.1 <= -0.05 needs rho >= -1: rho = -0.6."""
    levels = two_states(1)
    gains = table_gains(levels, {(0, 1): 0.2}, {(0, 1): -0.1, (1, 0): -0.5})
    rho, short = check_rest_point(gains, levels, np.zeros((2, 2), int), LW, 0.1, 0.05)
    assert rho[0, 1] == pytest.approx(-0.6)
    assert not short[0, 1]
    # state 1 gains nothing by deepening (0 - 0.1 <= -0.05) and loses by loosening: rho 0
    assert rho[1, 0] == 0.0 and not short[1, 0]


def test_loosening_pays_positive_value():
    """A formal tie (level 3, the top) that would gain 0.3 by loosening: only the move down,
    0.3 - 0.45 rho - 0.1 <= -0.05, rho = 0.25 / 0.45."""
    levels = two_states(3)
    gains = table_gains(levels, {}, {(0, 1): 0.3, (1, 0): -1.0})
    rho, short = check_rest_point(gains, levels, np.zeros((2, 2), int), LW, 0.1, 0.05)
    assert rho[0, 1] == pytest.approx(0.25 / 0.45)
    assert rho[1, 0] == 0.0
    assert not short.any()


def test_treaty_floor_and_absent_pair():
    """A partnership held by a treaty (floor 2) cannot be loosened: only the move up counts
    (gain 0.3: rho = (0.1 - 0.05 - 0.3) / 0.45); an absent pair (level 0) can only be formed
    (gain 0.2: rho = (0.1 - 0.05 - 0.2) / 0.15 = -1)."""
    levels = np.array([[0, 2, 0], [2, 0, 0], [0, 0, 0]])
    floor = np.array([[0, 2, 0], [2, 0, 0], [0, 0, 0]])
    gains = table_gains(
        levels,
        {(0, 1): 0.3, (0, 2): 0.2},
        {(0, 1): 5.0},  # loosening would pay, but is barred
    )
    rho, short = check_rest_point(gains, levels, floor, LW, 0.1, 0.05)
    assert rho[0, 1] == pytest.approx(-0.25 / 0.45)
    assert rho[0, 2] == pytest.approx(-1.0)
    assert not short.any()
    # without the floor the loosening gain of 5 must be held too: rho >= 5.05 / 0.25 but
    # <= -0.25 / 0.45: short, equalised at (5 - 0.3) / (0.25 + 0.45)
    rho, short = check_rest_point(gains, levels, np.zeros((3, 3), int), LW, 0.1, 0.05)
    assert short[0, 1]
    assert rho[0, 1] == pytest.approx(4.7 / 0.7)


def test_rest_point_already_holds():
    """Gains that already lose the margin after the change cost: no relationship value."""
    rng = np.random.default_rng(40)
    n = 5
    levels = random_levels(rng, n)
    gains = table_gains(
        levels,
        {(i, j): rng.uniform(-1, 0.05) for i in range(n) for j in range(n)},
        {(i, j): rng.uniform(-1, 0.05) for i in range(n) for j in range(n)},
    )
    rho, short = check_rest_point(gains, levels, np.zeros((n, n), int), LW, 0.1, 0.05)
    np.testing.assert_array_equal(rho, 0.0)
    assert not short.any()


# --------------------------------------------------------------------------------------------
# relationship_values: random gains shaped like the payoff terms
# --------------------------------------------------------------------------------------------


def random_value(rng: np.random.Generator, n: int, shape: str):
    """A value of the commitment weight per ordered pair: ``concave`` like security
    (a log(1 + b w), a > 0: each level adds less), ``linear`` (a w, any sign, like affinity and
    upkeep), ``convex`` (a w^2) or ``mixed`` (a concave gain less a linear cost)."""
    a = rng.uniform(-0.05, 0.05, size=(n, n))
    b = 10 ** rng.uniform(-1, 2, size=(n, n))
    cost = rng.uniform(0.0, 0.05, size=(n, n))

    def value(i, j, w):
        if shape == "concave":
            return abs(a[i, j]) * np.log1p(b[i, j] * w)
        if shape == "linear":
            return a[i, j] * w
        if shape == "convex":
            return a[i, j] * w * w
        return abs(a[i, j]) * np.log1p(b[i, j] * w) - cost[i, j] * w

    return value


@PROPERTY
@given(
    SEEDS,
    st.integers(2, 7),
    st.sampled_from(["concave", "linear", "convex", "mixed"]),
    st.floats(0.0, 0.02),
    st.floats(0.0, 0.02),
    st.booleans(),
)
def test_relationship_values_make_a_rest_point(seed, n, shape, change_cost, margin, floors):
    rng = np.random.default_rng(seed)
    levels = random_levels(rng, n)
    level_weight = LW if rng.random() < 0.5 else np.sort(rng.uniform(0, 1, size=4))
    floor = np.where(rng.random((n, n)) < 0.3, levels, 0) if floors else np.zeros((n, n), int)
    floor = np.minimum(floor, floor.T)  # treaties bind both sides
    gains = weight_gains(levels, random_value(rng, n, shape), level_weight)
    _, short = check_rest_point(gains, levels, floor, level_weight, change_cost, margin)
    # theory: with a concave value (gain per unit weight of deepening at most the loss per unit
    # weight of loosening) and a change cost above the margin, the bounds on rho overlap
    if shape in ("concave", "linear", "mixed") and change_cost > margin + 1e-9:
        assert not short.any()


def test_linear_gains_with_margin_above_change_cost_are_short():
    """Linear gains a w: moving up gains a dw_up + rho dw_up and down loses the same per unit
    weight, so both moves lose the margin only if change_cost >= margin. With a margin above the
    change cost every pair that can move both ways is short, and the equalising value is -a."""
    rng = np.random.default_rng(41)
    n = 6
    levels = random_levels(rng, n)
    levels[0, 1] = levels[1, 0] = 2  # at least one pair that can move both ways
    a = rng.uniform(-0.05, 0.05, size=(n, n))
    gains = weight_gains(levels, lambda i, j, w: a[i, j] * w)
    rho, short = check_rest_point(gains, levels, np.zeros((n, n), int), LW, 0.01, 0.02)
    both = (levels > 0) & (levels < 3)
    np.testing.assert_array_equal(short, both)
    np.testing.assert_allclose(rho[both], -a[both], rtol=1e-12)


@PROPERTY
@given(contexts(max_n=6), st.floats(0.0, 1e-3), st.floats(0.0, 1e-3))
def test_relationship_values_hold_the_model_ties(case, change_cost, margin):
    """With the model's own alignment terms as the gains (relationship values left out), the
    calibrated values put back into the context make every 2024 tie a rest point: the
    relationship term is linear in the weight, so each move gains exactly dw * rho more."""
    ctx, levels, _ = case
    n = levels.shape[0]
    linear = ctx.linear.copy()
    linear[:, :, 2] = 0.0
    ctx = replace(ctx, linear=linear)
    floor = np.zeros((n, n), dtype=int)

    def gains(i, partners, new_levels):
        d = payoffs.tie_change_deltas(i, levels[i], partners, new_levels, ctx)
        return d.sum(axis=1)

    rho, short = check_rest_point(gains, levels, floor, ctx.level_weight, change_cost, margin)
    linear[:, :, 2] = rho
    calibrated = replace(ctx, linear=linear)
    for i in range(n):
        for j in range(n):
            if i == j or short[i, j]:
                continue
            for new in (levels[i, j] - 1, levels[i, j] + 1):
                if not 0 <= new <= 3:
                    continue
                d = payoffs.tie_change_deltas(
                    i, levels[i], np.array([j]), np.array([new]), calibrated
                )
                assert d.sum() - change_cost <= -margin + 1e-10


# --------------------------------------------------------------------------------------------
# membership_values
# --------------------------------------------------------------------------------------------


def test_membership_values_hand_values():
    # gains 0.02 by leaving: 0.021 makes leaving lose 0.001; -0.5 already loses; non-member 0
    got = calibration.membership_values(np.array([0.02, -0.5, -np.inf, -0.001, 0.0]), 0.001)
    np.testing.assert_allclose(got, [0.021, 0.0, 0.0, 0.0, 0.001], atol=1e-15)


@PROPERTY
@given(SEEDS, st.floats(0.0, 0.05))
def test_membership_values_make_leaving_lose_the_margin(seed, margin):
    rng = np.random.default_rng(seed)
    n = 12
    gain = rng.uniform(-0.1, 0.1, size=n)
    gain[rng.random(n) < 0.3] = -np.inf  # non-members
    value = calibration.membership_values(gain, margin)
    for i in range(n):
        assert value[i] >= 0.0
        if not np.isfinite(gain[i]):
            assert value[i] == 0.0
        elif gain[i] <= -margin:
            assert value[i] == 0.0  # leaving already loses the margin
        else:
            assert gain[i] - value[i] == pytest.approx(-margin, abs=1e-15)  # the smallest value
