"""Tests for sim.core.alignment: nested-logit choice, consent, and the option set.

Expected probabilities are computed independently from the docstring's definition:
P(act) = sigmoid(V / tau), V = tau * log(mean(exp(gain / tau))) over the available options, then
a multinomial logit among the options.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import SEEDS

from sim.core import alignment

PROPERTY = settings(deadline=None, max_examples=50)

GAINS = st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=12)
TAUS = st.floats(0.01, 5.0)


def reference_probabilities(gains, tau: float) -> list[float]:
    """Nested logit in plain Python floats (math module only)."""
    avail = [(i, g) for i, g in enumerate(gains) if not math.isnan(g)]
    out = [0.0] * (len(gains) + 1)
    if not avail:
        out[0] = 1.0
        return out
    top = max(g for _, g in avail) / tau
    w = {i: math.exp(g / tau - top) for i, g in avail}
    total = sum(w.values())
    inclusive = top + math.log(total / len(avail))
    p_act = 1.0 / (1.0 + math.exp(-inclusive)) if inclusive > -700 else 0.0
    out[0] = 1.0 - p_act
    for i, wi in w.items():
        out[i + 1] = p_act * wi / total
    return out


def chi_square_critical(df: int, z: float = 3.719) -> float:
    """Upper quantile of chi-square (Wilson-Hilferty); z = 3.719 is the 0.9999 normal quantile,
    so a correct sampler fails a seeded test with probability about 1e-4."""
    return df * (1.0 - 2.0 / (9.0 * df) + z * math.sqrt(2.0 / (9.0 * df))) ** 3


# --------------------------------------------------------------------------------------------
# logit_probabilities
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(GAINS, TAUS)
def test_probabilities_sum_to_one_and_match_reference(gains, tau):
    p = alignment.logit_probabilities(np.array(gains), tau)
    assert p.shape == (len(gains) + 1,)
    assert (p >= 0).all()
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(p, reference_probabilities(gains, tau), rtol=1e-9, atol=1e-15)


def test_status_quo_is_first():
    p = alignment.logit_probabilities(np.array([-3.0, -4.0]), 0.1)
    assert p[0] > 0.999  # only bad options: keep
    p = alignment.logit_probabilities(np.array([3.0, -4.0]), 0.1)
    assert p[0] < 1e-9  # a very good option: act, and choose it
    assert p[1] == pytest.approx(1.0, abs=1e-9)


def test_single_option_is_binary_logit():
    # one option of gain g: P(act) = 1 / (1 + exp(-g / tau))
    for g, tau in [(0.0, 1.0), (0.3, 0.1), (-0.2, 0.5)]:
        p = alignment.logit_probabilities(np.array([g]), tau)
        assert p[1] == pytest.approx(1.0 / (1.0 + math.exp(-g / tau)), rel=1e-12)


def test_many_useless_options_rarely_act():
    """80 options of gain -1 at tau 0.1: the nested logit acts with sigmoid(-10) ~ 4.5e-5. A
    plain multinomial logit would act with 80 e^-10 / (1 + 80 e^-10) ~ 3.6e-3, 80 times more."""
    p = alignment.logit_probabilities(np.full(80, -1.0), 0.1)
    p_act = 1.0 - p[0]
    assert p_act == pytest.approx(1.0 / (1.0 + math.exp(10.0)), rel=1e-9)
    assert p_act < 1e-4
    one = alignment.logit_probabilities(np.array([-1.0]), 0.1)
    assert p_act == pytest.approx(1.0 - one[0], rel=1e-9)
    np.testing.assert_allclose(p[1:], 1.0 / (1.0 + math.exp(10.0)) / 80, rtol=1e-9)


@PROPERTY
@given(GAINS, TAUS, st.integers(2, 20))
def test_copies_of_options_do_not_change_probability_of_acting(gains, tau, copies):
    p_once = alignment.logit_probabilities(np.array(gains), tau)
    p_many = alignment.logit_probabilities(np.array(gains * copies), tau)
    assert p_many[0] == pytest.approx(p_once[0], rel=1e-9, abs=1e-12)


@PROPERTY
@given(GAINS, TAUS, st.lists(st.floats(0.0, 10.0), min_size=1, max_size=40))
def test_worse_options_never_raise_probability_of_acting(gains, tau, shortfalls):
    worst = min(gains)
    extra = [worst - s for s in shortfalls]
    p_before = alignment.logit_probabilities(np.array(gains), tau)
    p_after = alignment.logit_probabilities(np.array(gains + extra), tau)
    assert 1.0 - p_after[0] <= 1.0 - p_before[0] + 1e-12


def test_nan_options_are_unavailable():
    p = alignment.logit_probabilities(np.array([0.2, np.nan, -0.1]), 0.3)
    assert p[2] == 0.0
    np.testing.assert_allclose(
        p[[0, 1, 3]], alignment.logit_probabilities(np.array([0.2, -0.1]), 0.3)
    )
    for tau in (0.0, 0.5):
        p = alignment.logit_probabilities(np.array([np.nan, np.nan]), tau)
        np.testing.assert_array_equal(p, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(alignment.logit_probabilities(np.array([]), 0.5), [1.0])


def test_extreme_gains_stay_finite():
    p = alignment.logit_probabilities(np.array([1000.0, 999.0, -1000.0]), 0.01)
    assert np.isfinite(p).all()
    assert p[1] == pytest.approx(1.0)
    p = alignment.logit_probabilities(np.array([-1000.0, -999.0]), 0.01)
    assert np.isfinite(p).all()
    assert p[0] == pytest.approx(1.0)


def test_temperature_zero_is_best_response():
    np.testing.assert_array_equal(
        alignment.logit_probabilities(np.array([0.1, 0.3, 0.3, np.nan]), 0.0),
        [0.0, 0.0, 0.5, 0.5, 0.0],
    )
    np.testing.assert_array_equal(
        alignment.logit_probabilities(np.array([0.1, 0.4, -0.2]), 0.0), [0.0, 0.0, 1.0, 0.0]
    )
    # no strictly positive gain: keep
    np.testing.assert_array_equal(
        alignment.logit_probabilities(np.array([-0.1, 0.0, np.nan]), 0.0), [1.0, 0.0, 0.0, 0.0]
    )


# --------------------------------------------------------------------------------------------
# logit_choice
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gains", "tau"),
    [
        ([0.1, -0.2, 0.3, 0.0], 0.2),  # fast path
        ([0.1, np.nan, 0.3, -0.5], 0.2),  # unavailable option: through logit_probabilities
        ([-0.1, -0.3], 0.2),  # mostly keep
        ([0.5, 0.5, 0.1], 0.0),  # best response with a tie
    ],
)
def test_choice_frequencies_match_probabilities(gains, tau):
    rng = np.random.default_rng(1234)
    draws = 6_000
    g = np.array(gains)
    counts = np.zeros(len(gains) + 1)
    for _ in range(draws):
        counts[alignment.logit_choice(g, tau, rng) + 1] += 1  # KEEP (-1) -> column 0
    p = np.array(reference_probabilities(gains, tau)) if tau > 0 else None
    if p is None:
        p = np.array([0.0, 0.5, 0.5, 0.0])
    assert counts[p == 0].sum() == 0  # impossible options are never drawn
    expected = draws * p[p > 0]
    stat = ((counts[p > 0] - expected) ** 2 / expected).sum()
    df = int((p > 0).sum()) - 1
    assert stat < chi_square_critical(df)


@pytest.mark.parametrize(
    ("gains", "tau"), [([0.1, 0.2], 0.3), ([0.1, np.nan], 0.3), ([0.1, 0.2], 0.0), ([], 0.0)]
)
def test_choice_uses_exactly_one_uniform(gains, tau):
    rng, twin = np.random.default_rng(99), np.random.default_rng(99)
    alignment.logit_choice(np.array(gains), tau, rng)
    twin.random()
    assert rng.random() == twin.random()


def test_choice_without_options_keeps():
    rng = np.random.default_rng(0)
    assert alignment.logit_choice(np.array([]), 0.3, rng) == alignment.KEEP


def test_choice_returns_keep_or_valid_index():
    rng = np.random.default_rng(5)
    for _ in range(200):
        g = rng.normal(0, 0.3, size=int(rng.integers(1, 6)))
        c = alignment.logit_choice(g, 0.1, rng)
        assert c == alignment.KEEP or 0 <= c < g.size


# --------------------------------------------------------------------------------------------
# accept_probability
# --------------------------------------------------------------------------------------------


def test_accept_probability_values():
    assert alignment.accept_probability(0.0, 0.3) == pytest.approx(0.5)
    for g, tau in [(0.2, 0.1), (-0.5, 1.0), (3.0, 0.5)]:
        expected = 1.0 / (1.0 + math.exp(-g / tau))
        assert alignment.accept_probability(g, tau) == pytest.approx(expected, rel=1e-12)


@PROPERTY
@given(st.floats(-10, 10), st.floats(0.0, 5.0), TAUS)
def test_accept_probability_monotone_and_symmetric(g, step, tau):
    p = float(alignment.accept_probability(g, tau))
    assert 0.0 <= p <= 1.0
    assert float(alignment.accept_probability(g + step, tau)) >= p
    assert p + float(alignment.accept_probability(-g, tau)) == pytest.approx(1.0)


def test_accept_probability_temperature_zero_is_step():
    got = alignment.accept_probability(np.array([-1.0, -1e-12, 0.0, 1e-12, 2.0]), 0.0)
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0, 1.0, 1.0])


# --------------------------------------------------------------------------------------------
# candidate_changes
# --------------------------------------------------------------------------------------------


def brute_force_changes(row, me, floor, max_level):
    up, down = [], []
    for j, level in enumerate(row):
        if j == me:
            continue
        if level + 1 <= max_level:
            up.append((j, level + 1))
        if level - 1 >= floor[j] and level - 1 >= 0:
            down.append((j, level - 1))
    return up, down


@PROPERTY
@given(SEEDS, st.integers(1, 10))
def test_candidate_changes_lists_every_legal_single_step(seed, n):
    rng = np.random.default_rng(seed)
    floor = rng.integers(0, 4, size=n) * (rng.random(n) < 0.4)
    row = np.maximum(floor, rng.integers(0, 4, size=n))  # effective level never below floor
    me = int(rng.integers(0, n))
    partners, levels = alignment.candidate_changes(row, me, floor)
    pairs = list(zip(partners.tolist(), levels.tolist(), strict=True))
    up, down = brute_force_changes(row.tolist(), me, floor.tolist(), 3)
    assert len(pairs) == len(set(pairs))
    # deepening options first, then loosening ones
    assert set(pairs[: len(up)]) == set(up)
    assert set(pairs[len(up) :]) == set(down)
    assert me not in partners
    assert (levels <= 3).all()
    assert (levels >= floor[partners]).all()
    assert (np.abs(levels - row[partners]) == 1).all()


def test_candidate_changes_hand_case():
    row = np.array([0, 3, 1, 2, 3])
    floor = np.array([0, 0, 1, 0, 3])  # 2 held at 1 by a treaty, 4 at 3
    partners, levels = alignment.candidate_changes(row, 0, floor)
    # deepen: 2 -> 2, 3 -> 3 (1 already at 3, 4 at 3); loosen: 1 -> 2, 3 -> 1 (2, 4 at floor)
    assert list(zip(partners.tolist(), levels.tolist(), strict=True)) == [
        (2, 2),
        (3, 3),
        (1, 2),
        (3, 1),
    ]
    partners, levels = alignment.candidate_changes(np.array([0, 1]), 0, np.zeros(2), max_level=1)
    assert partners.tolist() == [1] and levels.tolist() == [0]
