"""Interval and effect-size arithmetic (sim/stats.py) against published or hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import stats


def test_z_value_is_the_normal_quantile():
    assert stats.z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert stats.z_value(0.90) == pytest.approx(1.644854, abs=1e-6)


@pytest.mark.parametrize(
    "s, n, low, high",
    [
        # Newcombe (1998), table I: 81/263 -> 0.2553-0.3662; 15/148 -> 0.0624-0.1605;
        # 0/20 -> 0-0.1611; 1/29 -> 0.0061-0.1718.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_1998(s, n, low, high):
    p, lo, hi = stats.wilson(s, n)
    assert p == pytest.approx(s / n)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_wilson_of_nothing_is_nan():
    assert all(math.isnan(x) for x in stats.wilson(0, 0))


def test_mean_ci_student_t_on_known_data():
    # mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445
    m, lo, hi = stats.mean_ci([1, 2, 3, 4, 5])
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert m == 3
    assert (lo, hi) == pytest.approx((3 - half, 3 + half), abs=1e-6)
    m, lo, hi = stats.mean_ci([1, 2, 3, 4, 5], dist="normal")
    assert hi - m == pytest.approx(1.959964 * math.sqrt(2.5) / math.sqrt(5), abs=1e-6)


def test_mean_ci_of_one_value_has_no_interval():
    m, lo, hi = stats.mean_ci([4.0, float("nan")])
    assert m == 4.0 and math.isnan(lo) and math.isnan(hi)


def test_welch_interval_on_known_data():
    a = [19.1, 20.5, 18.2, 21.7, 20.0]
    b = [22.4, 24.1, 21.9, 25.3, 23.8, 22.0]
    d, lo, hi = stats.welch_diff(a, b)
    # By hand: means 19.9 and 23.25; variances 1.785 and 1.867; Welch-Satterthwaite df 8.72
    va, vb = np.var(a, ddof=1) / 5, np.var(b, ddof=1) / 6
    df = (va + vb) ** 2 / (va**2 / 4 + vb**2 / 5)
    assert d == pytest.approx(23.25 - 19.9)
    assert df == pytest.approx(8.715, abs=0.001)
    from scipy import stats as sst

    half = sst.t.ppf(0.975, df) * math.sqrt(va + vb)
    assert (lo, hi) == pytest.approx((d - half, d + half))
    res = sst.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert (lo, hi) == pytest.approx((ci.low, ci.high))


def test_newcombe_difference_matches_newcombe_1998():
    # Newcombe (1998b), example (a): 56/70 vs 48/80, difference 0.2, interval 0.0524-0.3339
    d, lo, hi = stats.newcombe_diff(48, 80, 56, 70)
    assert d == pytest.approx(0.2)
    assert lo == pytest.approx(0.0524, abs=1e-4)
    assert hi == pytest.approx(0.3339, abs=1e-4)


def test_cohens_h_and_d():
    assert stats.cohens_h(0.5, 0.5) == 0
    assert stats.cohens_h(0.25, 0.5) == pytest.approx(
        2 * math.asin(math.sqrt(0.5)) - 2 * math.asin(0.5)
    )
    assert stats.cohens_d([1, 2, 3], [2, 3, 4]) == pytest.approx(1.0)
    assert stats.cohens_d([1, 1], [1, 1]) == 0.0
    assert stats.cohens_d([1, 1], [2, 2]) == math.inf
    assert math.isnan(stats.cohens_d([1], [2, 3]))


def test_describe_and_compare_choose_the_method_by_outcome_kind():
    counts = [0, 0, 0, 0]
    assert stats.describe(counts, binary=False)["high"] == 0  # a constant count: no spread
    assert stats.describe(counts)["high"] > 0  # guessed binary: Wilson upper bound
    c = stats.compare([0, 0, 1, 1], [1, 1, 1, 1])
    assert c["effect_kind"] == "h" and c["diff"] == pytest.approx(0.5)
    c = stats.compare([1.5, 2.5], [2.5, 3.5])
    assert c["effect_kind"] == "d" and c["diff"] == pytest.approx(1.0)


@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_wilson_interval_holds_its_estimate_and_stays_in_zero_one(sn):
    s, n = sn
    p, lo, hi = stats.wilson(s, n)
    assert 0 <= lo <= p <= hi <= 1


@given(
    st.lists(st.integers(0, 6), min_size=2, max_size=8),
    st.sampled_from([(0.0, math.inf), (0.0, 10.0), None]),
)
def test_a_mean_interval_is_cut_to_the_support_and_only_there(counts, support):
    """``mean_ci(support=...)``: the t interval intersected with the values' range; the mean is
    inside; nothing changes where the interval was already inside."""
    mean, low, high = stats.mean_ci(counts, support=support)
    _, raw_low, raw_high = stats.mean_ci(counts)
    a, b = support if support is not None else (-math.inf, math.inf)
    assert (low, high) == (max(raw_low, a), min(raw_high, b))
    assert low <= mean <= high


def test_every_mean_outcome_has_a_range_or_is_declared_unbounded():
    """``sim.outcomes.SUPPORT`` is looked up by unit: a new unit must be given a range or be
    declared unbounded, so that no outcome silently loses its cut."""
    from sim import outcomes as oc

    units = {o.unit for o in oc.outcomes() if o.kind == "mean"}
    assert units <= set(oc.SUPPORT) | set(oc.UNBOUNDED_UNITS), units
    assert not set(oc.SUPPORT) & set(oc.UNBOUNDED_UNITS)
    assert oc.support("n_formal_blocs_end") == (0.0, math.inf)
    assert oc.support("us_burden_share_end") == (0.0, 1.0)
    assert oc.support("no_such_outcome") is None
