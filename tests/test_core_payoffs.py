"""Tests for sim.core.geography and sim.core.payoffs.

Expected values come from hand calculations, from the formulas in the docstrings written out as
plain Python loops, or from theory; never from running the code under test.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import (
    SEEDS,
    contexts,
    off_diagonal,
    random_context,
    random_hostility,
    random_levels,
    random_reach,
    symmetric,
)

from sim.core import geography, payoffs

PROPERTY = settings(deadline=None, max_examples=50)


def one_minus_exp(x: float) -> float:
    """1 - exp(-x), computed without cancellation for small x."""
    return -math.expm1(-x)


def log_security(defence: float, threat: float) -> float:
    """log(D / (D + T)) with the documented floor D >= 1e-9 (``security_value``)."""
    d = max(defence, 1e-9)
    return math.log(d / (d + threat))


# --------------------------------------------------------------------------------------------
# Independent implementations (plain loops over the docstring formulas)
# --------------------------------------------------------------------------------------------


def loop_fraction(d: int, i: int, row_i: np.ndarray, ctx: payoffs.AlignmentContext) -> float:
    """Share of donor d's offer that recipient i's ties (its row ``row_i``) with d's other
    recipients earn: ``min(1, partners / aid_min_partners)``, 1 when none are asked for."""
    n = row_i.size
    level = ctx.aid_min_level[d]
    partners = sum(1 for j in range(n) if j != i and ctx.aid_offer[d, j] > 0 and row_i[j] >= level)
    need = ctx.aid_min_partners[d]
    return min(1.0, partners / need) if need > 0 else 1.0


def loop_aid_by_donor(
    agent: int, row: np.ndarray, ctx: payoffs.AlignmentContext, tie_to_donor: bool = True
) -> np.ndarray:
    """aid_by_donor's conditions for one candidate, written out donor by donor."""
    n = ctx.aid_offer.shape[0]
    out = np.zeros(n)
    for d in range(n):
        offer = ctx.aid_offer[d, agent]
        if offer <= 0:
            continue
        fraction = loop_fraction(d, agent, row, ctx)  # pro rata
        if not tie_to_donor:
            out[d] = fraction
        elif row[d] >= ctx.aid_min_level[d]:
            out[d] = offer * fraction
    return out


def loop_aid_flows(agent: int, row: np.ndarray, ctx: payoffs.AlignmentContext):
    """(capability_in, cash_in, paid) of aid_flows for one candidate row."""
    by_donor = loop_aid_by_donor(agent, row, ctx)
    n = by_donor.size
    capability_in = sum(by_donor[d] * ctx.aid_capability[d] for d in range(n))
    cash_in = sum(by_donor[d] * ctx.aid_cash[d] for d in range(n))
    paid = 0.0
    for i in range(n):  # the agent as a donor; its recipients' other ties as in ctx.levels
        offer = ctx.aid_offer[agent, i]
        if offer > 0 and row[i] >= ctx.aid_min_level[agent]:
            paid += offer * loop_fraction(agent, i, ctx.levels[i], ctx)
    return capability_in, cash_in, paid


def loop_alignment_terms(agent: int, row: np.ndarray, ctx: payoffs.AlignmentContext) -> list:
    """The seven alignment terms of one candidate row, term by term from the docstrings of
    ``alignment_terms``, ``security_lottery``, ``allies_and_reliability``,
    ``entrapment_exposure``, ``saturating``, ``dependence``, ``coercion_exposure`` and
    ``AlignmentContext``."""
    n = row.size
    a = agent
    w = [float(ctx.level_weight[row[j]]) for j in range(n)]

    # side payments: capability aid raises own capability by the change in its flow over the
    # depreciation; a donor pays out of its defence (less capability) or out of consumption
    cap_in, cash_in, paid = loop_aid_flows(a, row, ctx)
    now_cap, _, now_paid = loop_aid_flows(a, ctx.levels[a], ctx)
    own = ctx.own[a] + (cap_in - now_cap) / ctx.depreciation
    if ctx.aid_from_defence[a]:
        own -= (paid - now_paid) / ctx.depreciation
        side = ctx.side_payment_weight * cash_in / ctx.gdp[a]
    else:
        side = (ctx.side_payment_weight * cash_in - paid) / ctx.gdp[a]
    own = max(own, 0.0)

    # security: allies come together, with their contribution-weighted credibility
    allied = sum(w[j] * ctx.base[a, j] for j in range(n))
    weighted = sum(ctx.credibility[a, j] * w[j] * ctx.base[a, j] for j in range(n))
    c = min(1.0, weighted / allied) if allied > 0 else 0.0
    t = ctx.threat[a]
    security = ctx.theta[a] * (c * log_security(own + allied, t) + (1 - c) * log_security(own, t))

    # entrapment: exposure to each k, saturating at the stakes of a conflict with k
    entrapment = 0.0
    for k in range(n):
        exposure = sum(w[j] * max(0.0, ctx.hostility[j, k] - ctx.hostility[a, k]) for j in range(n))
        entrapment -= ctx.stakes[a, k] * one_minus_exp(exposure)

    # autonomy: saturating in the weighted dependence, plus the upkeep of each tie
    depends = sum(w[j] * ctx.dependence[a, j] for j in range(n))
    autonomy = -ctx.autonomy_weight * one_minus_exp(depends)
    autonomy += sum(w[j] * ctx.linear[a, j, 0] for j in range(n))

    # coercion: each coercer's provocation, saturating at what it can take
    coercion = 0.0
    for kk in range(len(ctx.coercers)):
        provocation = sum(w[j] * ctx.excess[a, kk, j] for j in range(n))
        coercion -= ctx.at_risk[a, kk] * one_minus_exp(provocation)

    affinity = sum(w[j] * ctx.linear[a, j, 1] for j in range(n))
    relationship = sum(w[j] * ctx.linear[a, j, 2] for j in range(n))
    return [security, entrapment, autonomy, coercion, affinity, relationship, side]


def loop_containment(reach, host, cap, background=None):
    """reach_to[i, j] = sum_k w_ik lambda_jk max(reach_ji, reach_jk) + w_i0 reach_ji."""
    n = cap.size
    out = np.zeros((n, n))
    for i in range(n):
        threats = [host[i, k] * reach[k, i] * cap[k] for k in range(n)]
        bg = 0.0 if background is None else float(background[i])
        total = sum(threats) + bg
        for j in range(n):
            if j == i:
                continue
            if total == 0:  # no threat at all: help at home counts in full
                out[i, j] = reach[j, i]
                continue
            value = bg / total * reach[j, i]
            for k in range(n):
                if host[i, k] == 0:
                    continue  # not a threat to i (and lambda_jk = 0)
                loyal = min(1.0, host[j, k] / host[i, k])
                value += threats[k] / total * loyal * max(reach[j, i], reach[j, k])
            out[i, j] = value
    return out


# --------------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------------


def unit_vectors(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)


def test_great_circle_symmetric_zero_diagonal_and_bounded():
    rng = np.random.default_rng(1)
    lat = rng.uniform(-90, 90, size=30)
    lon = rng.uniform(-180, 180, size=30)
    d = geography.great_circle_km(lat, lon)
    assert d.shape == (30, 30)
    np.testing.assert_allclose(d, d.T, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(np.diag(d), 0.0)
    assert (d >= 0).all()
    assert (d <= math.pi * geography.EARTH_RADIUS_KM + 1e-6).all()


def test_great_circle_matches_vector_formula():
    """Independent formula: central angle = atan2(|u x v|, u . v) between unit vectors."""
    rng = np.random.default_rng(2)
    lat = rng.uniform(-90, 90, size=25)
    lon = rng.uniform(-180, 180, size=25)
    u = unit_vectors(lat, lon)
    cross = np.linalg.norm(np.cross(u[:, None, :], u[None, :, :]), axis=2)
    angle = np.arctan2(cross, u @ u.T)
    expected = geography.EARTH_RADIUS_KM * angle
    np.testing.assert_allclose(geography.great_circle_km(lat, lon), expected, atol=1e-6)


def test_great_circle_london_paris():
    # London (51.5074 N, 0.1278 W) to Paris (48.8566 N, 2.3522 E): about 344 km.
    d = geography.great_circle_km(np.array([51.5074, 48.8566]), np.array([-0.1278, 2.3522]))
    assert d[0, 1] == pytest.approx(344.0, rel=0.01)


@pytest.mark.parametrize(
    ("a", "b"),
    [((0.0, 0.0), (0.0, 180.0)), ((45.0, 10.0), (-45.0, -170.0)), ((90.0, 0.0), (-90.0, 0.0))],
)
def test_great_circle_antipodes(a, b):
    d = geography.great_circle_km(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    assert d[0, 1] == pytest.approx(math.pi * 6371.0, rel=1e-6)  # about 20,015 km
    assert d[0, 1] == pytest.approx(20_015.0, rel=1e-3)


def test_great_circle_quarter_circles():
    # equator 0 -> 90 E, and equator -> north pole: a quarter of the circumference each.
    d = geography.great_circle_km(np.array([0.0, 0.0, 90.0]), np.array([0.0, 90.0, 0.0]))
    quarter = math.pi / 2 * 6371.0
    np.testing.assert_allclose([d[0, 1], d[0, 2], d[1, 2]], quarter, rtol=1e-12)


@PROPERTY
@given(SEEDS)
def test_great_circle_triangle_inequality(seed):
    rng = np.random.default_rng(seed)
    d = geography.great_circle_km(rng.uniform(-90, 90, size=6), rng.uniform(-180, 180, size=6))
    via = d[:, :, None] + d[None, :, :]  # [i, j, k] = d_ij + d_jk >= d_ik
    assert (d[:, None, :] <= via + 1e-6).all()


def test_projection_weights_range_diagonal_and_decay():
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-60, 60, size=12), rng.uniform(-180, 180, size=12)
    dist = geography.great_circle_km(lat, lon)
    range_km = rng.uniform(500, 10_000, size=12)
    reach = geography.projection_weights(dist, range_km)
    assert ((reach > 0) & (reach <= 1)).all()
    np.testing.assert_array_equal(np.diag(reach), 1.0)
    # for each projecting state k, farther targets get strictly less
    for k in range(12):
        order = np.argsort(dist[k])
        assert (np.diff(reach[k, order]) <= 0).all()
        far, near = order[-1], order[1]
        assert reach[k, far] < reach[k, near]


def test_projection_weights_hand_values():
    dist = np.array([[0.0, 1000.0], [1000.0, 0.0]])
    reach = geography.projection_weights(dist, np.array([1000.0, 500.0]))
    # row k uses k's own range: exp(-(1000/1000)^2) and exp(-(1000/500)^2)
    np.testing.assert_allclose(reach, [[1.0, math.exp(-1.0)], [math.exp(-4.0), 1.0]])


# --------------------------------------------------------------------------------------------
# Term names
# --------------------------------------------------------------------------------------------


def test_term_names():
    """Seven alignment terms, in the order of alignment_terms' columns; the budget adds
    consumption (after security) and the target (last)."""
    assert payoffs.ALIGNMENT_TERMS == (
        "security",
        "entrapment",
        "autonomy",
        "coercion",
        "affinity",
        "relationship",
        "side_payments",
    )
    assert len(payoffs.TERMS) == 9
    assert len(set(payoffs.TERMS)) == 9
    assert [t for t in payoffs.TERMS if t in payoffs.ALIGNMENT_TERMS] == list(
        payoffs.ALIGNMENT_TERMS
    )
    assert set(payoffs.TERMS) - set(payoffs.ALIGNMENT_TERMS) == {"consumption", "target"}
    assert payoffs.TERMS[0] == "security" and payoffs.TERMS[-1] == "target"


# --------------------------------------------------------------------------------------------
# Hostility, threat, credibility
# --------------------------------------------------------------------------------------------


def test_hostility_is_negative_part_with_zero_diagonal():
    affinity = np.array([[1.0, -0.5, 0.3], [-0.5, 1.0, -1.0], [0.3, -1.0, -0.2]])
    expected = np.array([[0.0, 0.5, 0.0], [0.5, 0.0, 1.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(payoffs.hostility(affinity), expected)


@PROPERTY
@given(SEEDS, st.integers(1, 8))
def test_hostility_property(seed, n):
    rng = np.random.default_rng(seed)
    affinity = symmetric(rng, n, -1.0, 1.0)
    np.fill_diagonal(affinity, rng.uniform(-1, 1, size=n))  # any diagonal: ignored
    h = payoffs.hostility(affinity)
    for i in range(n):
        for j in range(n):
            assert h[i, j] == (0.0 if i == j else max(0.0, -affinity[i, j]))


def test_threat_equals_double_loop():
    rng = np.random.default_rng(4)
    n = 7
    cap = rng.uniform(0, 1000, size=n)
    host = off_diagonal(rng, n, 0, 1)
    reach = rng.uniform(0, 1, size=(n, n))
    expected = [sum(host[i, k] * reach[k, i] * cap[k] for k in range(n)) for i in range(n)]
    np.testing.assert_allclose(payoffs.threat(cap, host, reach), expected, rtol=1e-12)


def test_threat_hand_case():
    # only state 1 is hostile to 0 (0.5), 40 % of its 100 bn reaches 0: threat 20 bn.
    host = np.array([[0.0, 0.5], [0.5, 0.0]])
    reach = np.array([[1.0, 0.9], [0.4, 1.0]])
    np.testing.assert_allclose(
        payoffs.threat(np.array([10.0, 100.0]), host, reach), [20.0, 0.5 * 0.9 * 10]
    )


def test_credible_commitment():
    cred = np.array([[1.0, 0.8], [0.6, 1.0]])
    host = np.array([[0.0, 0.25], [0.5, 0.0]])  # H[1, 0] = 0.5: 1 is hostile to 0
    out = payoffs.credible_commitment(cred, host)
    # i=0 counts on j=1: 0.8 * (1 - H_10) = 0.4; i=1 counts on 0: 0.6 * (1 - H_01) = 0.45
    np.testing.assert_allclose(out, [[1.0, 0.4], [0.45, 1.0]])
    np.testing.assert_array_equal(payoffs.credible_commitment(cred, np.zeros((2, 2))), cred)
    assert payoffs.credible_commitment(cred, np.ones((2, 2)))[0, 1] == 0.0


def test_credibility_factor_hand_values():
    # capability doubled (elasticity 0.5), commitments 3 -> 4 (elasticity 0.3):
    # sqrt(2) * (3/4)^0.3 = 1.4142136 * 0.9173148 = 1.2972790
    got = payoffs.credibility_factor(
        np.array([2.0]), np.array([1.0]), np.array([4.0]), np.array([3.0]), 0.5, 0.3
    )
    assert got[0] == pytest.approx(math.sqrt(2.0) * 0.75**0.3, rel=1e-12)
    assert got[0] == pytest.approx(1.297279, abs=1e-6)
    # half the capability, half the commitments: 0.5^0.5 * 2^0.3
    got = payoffs.credibility_factor(
        np.array([5.0]), np.array([10.0]), np.array([1.5]), np.array([3.0]), 0.5, 0.3
    )
    assert got[0] == pytest.approx(0.5**0.5 * 2.0**0.3, rel=1e-12)


def test_credibility_factor_is_one_in_2024_and_without_elasticities():
    rng = np.random.default_rng(30)
    cap = rng.uniform(1, 1000, size=8)
    commit = rng.uniform(0, 5, size=8)
    np.testing.assert_allclose(
        payoffs.credibility_factor(cap, cap, commit, commit, 0.7, 0.4), 1.0, rtol=1e-14
    )
    other_cap, other_commit = rng.uniform(1, 1000, size=8), rng.uniform(0.1, 5, size=8)
    np.testing.assert_array_equal(
        payoffs.credibility_factor(other_cap, cap, other_commit, commit, 0.0, 0.0), 1.0
    )


def test_credibility_factor_degenerate_baselines():
    """No 2024 capability: the capability ratio is taken as 1; no commitments now or in 2024:
    no overstretch factor (1)."""
    got = payoffs.credibility_factor(
        np.array([5.0, 5.0, 5.0]),
        np.array([0.0, 5.0, 5.0]),
        np.array([2.0, 0.0, 2.0]),
        np.array([1.0, 1.0, 0.0]),
        0.5,
        0.3,
    )
    np.testing.assert_allclose(got, [0.5**0.3, 1.0, 1.0], rtol=1e-12)


@PROPERTY
@given(SEEDS, st.floats(0.0, 2.0), st.floats(0.0, 2.0))
def test_credibility_factor_matches_loop_and_monotone(seed, eb, eo):
    rng = np.random.default_rng(seed)
    n = 10
    cap, cap24 = rng.uniform(1, 1000, size=n), rng.uniform(1, 1000, size=n)
    com, com24 = rng.uniform(0.1, 6, size=n), rng.uniform(0.1, 6, size=n)
    got = payoffs.credibility_factor(cap, cap24, com, com24, eb, eo)
    for j in range(n):
        expected = (cap[j] / cap24[j]) ** eb * (com24[j] / com[j]) ** eo
        assert got[j] == pytest.approx(expected, rel=1e-12)
    # more means: more credible; more promises: less credible
    assert (payoffs.credibility_factor(cap * 1.5, cap24, com, com24, eb, eo) >= got).all()
    assert (payoffs.credibility_factor(cap, cap24, com * 1.5, com24, eb, eo) <= got).all()


# --------------------------------------------------------------------------------------------
# Allied capability and security
# --------------------------------------------------------------------------------------------


def test_ally_availability_public_private_and_mixed():
    cap = np.array([100.0, 60.0, 30.0])
    n_commit = np.array([4, 0, 3])
    np.testing.assert_array_equal(payoffs.ally_availability(cap, n_commit, 1.0), cap)
    # private good: divided among commitments (at least one)
    np.testing.assert_allclose(payoffs.ally_availability(cap, n_commit, 0.0), [25.0, 60.0, 10.0])
    np.testing.assert_allclose(
        payoffs.ally_availability(cap, n_commit, 0.25), 0.25 * cap + 0.75 * np.array([25, 60, 10])
    )


def test_allied_capability_publicness_matters():
    # state 0 relies on ally 1, which is committed to 4 partners
    cap = np.array([10.0, 200.0])
    w = np.array([[0.0, 1.0]])
    ones = np.ones((1, 2))
    public = payoffs.ally_availability(cap, np.array([1, 4]), 1.0)
    private = payoffs.ally_availability(cap, np.array([1, 4]), 0.0)
    assert payoffs.allies_and_reliability(w * public, ones)[0][0] == pytest.approx(200.0)
    assert payoffs.allies_and_reliability(w * private, ones)[0][0] == pytest.approx(50.0)


def test_security_hand_values_and_limits():
    np.testing.assert_allclose(payoffs.security(1.0, 1.0, 2.0), 0.5)
    np.testing.assert_allclose(payoffs.security(3.0, 0.0, 1.0), 0.75)
    assert payoffs.security(5.0, 2.0, 0.0) == 1.0  # no threat: fully secure
    assert payoffs.security(0.0, 0.0, 0.0) == 1.0  # nothing to defend against: not 0/0 (NaN)
    assert payoffs.security(np.zeros(2), np.zeros(2), np.array([0.0, 1.0])).tolist() == [1, 0]
    assert np.isnan(payoffs.security(np.nan, 0.0, 1.0))  # a NaN comes through, never hidden
    assert payoffs.security(1.0, 0.0, 1e12) < 1e-11  # overwhelming threat: nearly none
    assert payoffs.security(1e12, 0.0, 1.0) > 1 - 1e-11


def test_security_value_hand_values_floor_and_no_threat():
    # theta * log(D / (D + T)): 0.2 * log(2 / 4) = -0.2 log 2; 0.5 * log(1 / 10)
    np.testing.assert_allclose(payoffs.security_value(0.2, 2.0, 2.0), -0.2 * math.log(2))
    np.testing.assert_allclose(payoffs.security_value(0.5, 1.0, 9.0), 0.5 * math.log(0.1))
    assert payoffs.security_value(0.1, 6.0, 0.0) == 0.0  # no threat: log(1)
    # no capability at all: D is floored at 1e-9, log(1e-9 / (1 + 1e-9)) = -9 log(10) - 1e-9
    got = payoffs.security_value(1.0, 0.0, 1.0)
    assert got == pytest.approx(-9 * math.log(10), rel=1e-9)
    # the value of one more unit of defence (D 1 -> 2) rises with the threat:
    # T = 1: log(2/3) - log(1/2) = log(4/3); T = 10: log(2/12) - log(1/11) = log(11/6);
    # T = 1000: log(2/1002) - log(1/1001) = log(1001/501) (under theta * S: 1/6, 5/66, 1000/1003002)
    gains = [
        payoffs.security_value(1.0, 2.0, t) - payoffs.security_value(1.0, 1.0, t)
        for t in (1.0, 10.0, 1000.0)
    ]
    np.testing.assert_allclose(gains, [math.log(4 / 3), math.log(11 / 6), math.log(1001 / 501)])


@PROPERTY
@given(
    st.floats(0.01, 1e4),
    st.floats(0.0, 1e4),
    st.floats(0.0, 1e4),
    st.floats(0.01, 1e3),
)
def test_security_bounds_and_monotonicity(own, allied, threat, step):
    s = payoffs.security(own, allied, threat)
    assert 0.0 <= s <= 1.0
    eps = 1e-15  # rounding when security is within an ulp of 1
    assert payoffs.security(own + step, allied, threat) >= s - eps
    assert payoffs.security(own, allied + step, threat) >= s - eps
    assert payoffs.security(own, allied, threat + step) <= s + eps
    if threat >= 1.0:  # far enough from 1 for a strict change to show in floating point
        assert payoffs.security(own, allied + step, threat) > s
        assert payoffs.security(own, allied, threat + step) < s


def test_security_lottery_hand_values():
    # theta 0.5, own 2, threat 2, allies of 6 that come with probability 1/4:
    # 0.5 * [0.25 log(8 / 10) + 0.75 log(2 / 4)]
    got = payoffs.security_lottery(0.5, 2.0, 2.0, 6.0, 0.25)
    assert float(got) == pytest.approx(0.5 * (0.25 * math.log(0.8) + 0.75 * math.log(0.5)))
    # sure allies: the security of own plus allied capability; no allies (or none that come):
    # own capability alone; vectorised over states
    got = payoffs.security_lottery(
        np.array([1.0, 1.0, 2.0]),
        np.array([3.0, 3.0, 1.0]),
        np.array([1.0, 1.0, 3.0]),
        np.array([4.0, 4.0, 0.0]),
        np.array([1.0, 0.0, 0.7]),
    )
    np.testing.assert_allclose(
        got, [math.log(7 / 8), math.log(3 / 4), 2 * math.log(1 / 4)], rtol=1e-12
    )
    # no threat: perfectly secure whatever the allies
    assert float(payoffs.security_lottery(0.3, 1.0, 0.0, 5.0, 0.5)) == 0.0
    # no capability and no allies coming: the documented floor of 1e-9
    got = payoffs.security_lottery(1.0, 0.0, 1.0, 0.0, 0.0)
    assert float(got) == pytest.approx(-9 * math.log(10), rel=1e-9)


@PROPERTY
@given(SEEDS)
def test_security_lottery_matches_formula_and_theory(seed):
    """theta * [c log(s(K + A)) + (1 - c) log(s(K))], written out per state; it rises with the
    reliability c and with the allied capability A (fear of abandonment: a less reliable ally is
    worth less) and falls with the threat."""
    rng = np.random.default_rng(seed)
    n = 12
    theta = rng.uniform(0.01, 1.0, size=n)
    own = rng.uniform(0.0, 100.0, size=n)
    threat = rng.uniform(0.0, 300.0, size=n)
    allied = rng.uniform(0.0, 500.0, size=n) * (rng.random(n) < 0.8)
    c = rng.uniform(0.0, 1.0, size=n)
    got = payoffs.security_lottery(theta, own, threat, allied, c)
    for i in range(n):
        expected = theta[i] * (
            c[i] * log_security(own[i] + allied[i], threat[i])
            + (1 - c[i]) * log_security(own[i], threat[i])
        )
        assert got[i] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    up = rng.uniform(0.0, 1.0, size=n)
    tol = 1e-12 * np.abs(got)  # c x + (1 - c) x is x only up to rounding
    more_reliable = payoffs.security_lottery(theta, own, threat, allied, c + (1 - c) * up)
    assert (more_reliable >= got - tol).all()
    assert (payoffs.security_lottery(theta, own, threat, allied * 1.5, c) >= got - tol).all()
    assert (payoffs.security_lottery(theta, own, threat * 1.5 + 1, allied, c) <= got + tol).all()
    assert (got <= 0).all()


def test_lottery_outcomes():
    allied, probs = payoffs.lottery_outcomes(np.array([3.0, 5.0]), np.array([0.2, 1.0]))
    np.testing.assert_array_equal(allied, [[3.0, 0.0], [5.0, 0.0]])  # allies coming first
    np.testing.assert_allclose(probs, [[0.2, 0.8], [1.0, 0.0]])
    # scalars broadcast
    allied, probs = payoffs.lottery_outcomes(4.0, 0.25)
    np.testing.assert_array_equal(allied, [4.0, 0.0])
    np.testing.assert_array_equal(probs, [0.25, 0.75])


def test_allies_and_reliability_hand_values():
    # allies bring 8 (credibility 0.8) and 2 (0.3): 10, reliability (6.4 + 0.6) / 10 = 0.7
    a, c = payoffs.allies_and_reliability(
        np.array([[0.0, 8.0, 2.0], [0.0, 0.0, 0.0], [5.0, 0.0, 0.0]]),
        np.array([[0.0, 0.8, 0.3], [1.0, 1.0, 1.0], [0.4, 0.0, 0.0]]),
    )
    np.testing.assert_allclose(a, [10.0, 0.0, 5.0])
    np.testing.assert_allclose(c, [0.7, 0.0, 0.4])  # no allies: reliability 0
    # one credibility per ally, shared by all rows
    a, c = payoffs.allies_and_reliability(np.array([[1.0, 3.0], [2.0, 2.0]]), np.array([1.0, 0.5]))
    np.testing.assert_allclose(a, [4.0, 4.0])
    np.testing.assert_allclose(c, [(1 + 1.5) / 4, (2 + 1) / 4])


@PROPERTY
@given(SEEDS, st.integers(1, 6), st.integers(1, 8))
def test_allies_and_reliability_matches_loop(seed, m, n):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, size=(m, n)) * (rng.random((m, n)) < 0.6)
    cred = rng.uniform(0, 1, size=(m, n))
    allied, reliability = payoffs.allies_and_reliability(x, cred)
    for r in range(m):
        total = sum(x[r, j] for j in range(n))
        assert allied[r] == pytest.approx(total, rel=1e-12)
        expected = sum(cred[r, j] * x[r, j] for j in range(n)) / total if total > 0 else 0.0
        assert reliability[r] == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert 0.0 <= reliability[r] <= 1.0


def test_context_allies_and_expected_allied():
    ctx = hand_context()
    rows = np.array([[0, 3, 2], [0, 1, 0], [0, 0, 0]])
    allied, reliability = ctx.allies(np.array([0, 0, 0]), rows)
    # weights (0, 1, 0.5) x base (0, 4, 8) = (0, 4, 4): 8 at (0.5 * 4 + 1 * 4) / 8 = 0.75;
    # weight 0.25 on ally 1: 1 at 0.5; no ties: none
    np.testing.assert_allclose(allied, [8.0, 1.0, 0.0])
    np.testing.assert_allclose(reliability, [0.75, 0.5, 0.0])
    np.testing.assert_allclose(ctx.expected_allied(np.array([0, 0, 0]), rows), [6.0, 0.5, 0.0])


# --------------------------------------------------------------------------------------------
# Costs: entrapment, autonomy, coercion
# --------------------------------------------------------------------------------------------


def test_entrapment_stakes_hand_values():
    # capabilities 1, 3, 2; half of 1's capability reaches 0, everything else reaches in full
    reach = np.ones((3, 3))
    reach[1, 0] = 0.5
    cap = np.array([1.0, 3.0, 2.0])
    got = payoffs.entrapment_stakes(reach, cap)
    # danger_ki = reach_ki K_k / (K_i + reach_ki K_k): 1 to 0: 1.5 / 2.5; 2 to 0: 2 / 3;
    # 0 to 1: 1 / 4; 2 to 1: 2 / 5; 0 to 2: 1 / 3; 1 to 2: 3 / 5
    expected = [[0.0, 0.6, 2 / 3], [0.25, 0.0, 0.4], [1 / 3, 0.6, 0.0]]
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    # committed to k: a conflict with one's own ally costs the weight more
    w = np.array([[0.0, 0.85, 0.0], [0.85, 0.0, 0.4], [0.0, 0.4, 1.0]])
    got = payoffs.entrapment_stakes(reach, cap, w)
    np.testing.assert_allclose(got, np.array(expected) + w * (1 - np.eye(3)), rtol=1e-9)


@PROPERTY
@given(SEEDS, st.integers(1, 7), st.booleans())
def test_entrapment_stakes_matches_loop(seed, n, with_commitment):
    rng = np.random.default_rng(seed)
    reach = random_reach(rng, n)
    cap = rng.uniform(1, 1000, size=n)
    w = off_diagonal(rng, n, 0, 1) if with_commitment else None
    got = payoffs.entrapment_stakes(reach, cap, w)
    for i in range(n):
        for k in range(n):
            if i == k:
                assert got[i, k] == 0.0
                continue
            reaching = reach[k, i] * cap[k]
            expected = reaching / (cap[i] + reaching) + (w[i, k] if w is not None else 0.0)
            assert got[i, k] == pytest.approx(expected, rel=1e-9)
            assert 0.0 <= got[i, k] <= 2.0


def test_entrapment_exposure_hand_case():
    # state 0 is hostile to 2 at 0.2; ally 1 at 0.7 (exposure 0.5 per unit weight); ally 2 is
    # hostile to 1 at 0.6 and to 0 at 0.1 (0 is not hostile to 1, nor to itself)
    host = np.array([[0.0, 0.0, 0.2], [0.0, 0.0, 0.7], [0.1, 0.6, 0.0]])
    weights = np.array([[0.0, 1.0, 0.5], [0.0, 0.25, 0.0], [0.0, 0.0, 0.0]])
    got = payoffs.entrapment_exposure(np.array([0, 0, 0]), weights, host)
    np.testing.assert_allclose(
        got, [[0.05, 0.3, 0.5], [0.0, 0.0, 0.125], [0.0, 0.0, 0.0]], rtol=1e-12
    )
    # state 1 tied to 2 (weight 1): 2 is hostile to 0 (0.1) and 1 is not; to 1 (0.6): 0.6
    # counts for k = 1 (itself), which has no stakes; 1 is more hostile to 2 than 2 to itself
    got = payoffs.entrapment_exposure(np.array([1, 0]), np.array([[0, 0, 1.0], [0, 1.0, 0]]), host)
    np.testing.assert_allclose(got, [[0.1, 0.6, 0.0], [0.0, 0.0, 0.5]], rtol=1e-12)


@PROPERTY
@given(SEEDS, st.integers(1, 8), st.integers(1, 6), st.booleans())
def test_entrapment_exposure_matches_loop(seed, n, m, same_agent):
    rng = np.random.default_rng(seed)
    host = random_hostility(rng, n)
    agents = np.full(m, rng.integers(0, n)) if same_agent else rng.integers(0, n, size=m)
    weights = rng.uniform(0, 1, size=(m, n))
    got = payoffs.entrapment_exposure(agents, weights, host)
    assert got.shape == (m, n)
    for r in range(m):
        a = agents[r]
        for k in range(n):
            expected = sum(weights[r, j] * max(0.0, host[j, k] - host[a, k]) for j in range(n))
            assert got[r, k] == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_saturating_hand_values_and_bounds():
    # 0.004 (1 - e^-0.5) = 0.004 * 0.393469 = 0.0015739
    assert float(payoffs.saturating(np.array([0.004]), np.array([0.5]))) == pytest.approx(
        0.004 * (1 - math.exp(-0.5)), rel=1e-12
    )
    # a sum over the last axis; rows are kept
    got = payoffs.saturating(
        np.array([[0.01, 0.02], [0.03, 0.0]]), np.array([[1.0, 0.0], [2.0, 9.0]])
    )
    np.testing.assert_allclose(got, [0.01 * (1 - math.exp(-1)), 0.03 * (1 - math.exp(-2))])
    # no exposure, no loss; unbounded exposure, the whole stake
    assert float(payoffs.saturating(np.array([0.5, 0.2]), np.zeros(2))) == 0.0
    assert float(payoffs.saturating(np.array([0.5, 0.2]), np.full(2, 800.0))) == pytest.approx(0.7)


@PROPERTY
@given(SEEDS, st.floats(0.0, 50.0))
def test_saturating_is_bounded_increasing_and_concave(seed, step):
    """Each new tie adds less than the last to a risk that is already there (concave) and the
    loss never exceeds what is at stake."""
    rng = np.random.default_rng(seed)
    stake = rng.uniform(0, 0.05, size=6)
    x = rng.uniform(0, 5, size=6)
    f = float(payoffs.saturating(stake, x))
    assert 0.0 <= f <= stake.sum() + 1e-15
    g = float(payoffs.saturating(stake, x + step))
    h = float(payoffs.saturating(stake, x + 2 * step))
    assert g >= f - 1e-15
    assert h - g <= g - f + 1e-15


def test_dependence_hand_values_and_loop():
    np.testing.assert_allclose(
        payoffs.dependence(np.array([1.0, 3.0])), [[0.0, 0.75], [0.25, 0.0]], rtol=1e-9
    )
    rng = np.random.default_rng(31)
    cap = rng.uniform(1, 1000, size=6)
    got = payoffs.dependence(cap)
    for i in range(6):
        for j in range(6):
            expected = 0.0 if i == j else cap[j] / (cap[i] + cap[j])
            assert got[i, j] == pytest.approx(expected, rel=1e-9)
    # the weaker partner depends more; dependence and its mirror sum to 1
    np.testing.assert_allclose(got + got.T + np.eye(6), 1.0, rtol=1e-9)


def test_coercion_exposure_hand_case():
    # 0 exports 10 % of GDP to 2, which cuts 30 % of what it can; 60 % of exports is value added
    # and the weight is 2: at risk 2 * 0.6 * 0.10 * 0.3 = 0.036. 2 is hostile to 1 (0.6) more
    # than to 0 (0.1): a unit commitment of 0 to 1 provokes 0.5, one to 2 itself nothing.
    trade = np.zeros((3, 3))
    trade[0, 2] = 0.10
    trade[1, 0] = 0.05  # state 0 does not coerce (propensity 0)
    host = np.array([[0.0, 0.0, 0.2], [0.0, 0.0, 0.7], [0.1, 0.6, 0.0]])
    coercers, at_risk, excess = payoffs.coercion_exposure(
        trade, np.array([0.0, 0.5, 0.3]), host, 0.6, 2.0
    )
    np.testing.assert_array_equal(coercers, [2])  # 1 could coerce, but nobody exports to it
    np.testing.assert_allclose(at_risk, [[0.036], [0.0], [0.0]])
    np.testing.assert_allclose(excess[0, 0], [0.0, 0.5, 0.0])
    # 1 provokes 2 by ties to 0 (0.1 - 0.6 < 0: no) and to itself (no): nothing
    np.testing.assert_allclose(excess[1, 0], [0.0, 0.0, 0.0])
    # 2 "provokes" itself by ties to 0 and 1 (H_2j - H_22 > 0), but is at no risk from itself
    np.testing.assert_allclose(excess[2, 0], [0.1, 0.6, 0.0])
    # the cost of 0 holding a tie of weight 1 with 1 and 0.5 with 2
    provocation = np.einsum("j,kj->k", np.array([0.0, 1.0, 0.5]), excess[0])
    assert float(payoffs.coercion_cost(at_risk[0], provocation)) == pytest.approx(
        0.036 * (1 - math.exp(-0.5))
    )


def test_coercion_exposure_without_coercers():
    host = random_hostility(np.random.default_rng(32), 4)
    coercers, at_risk, excess = payoffs.coercion_exposure(
        np.full((4, 4), 0.1), np.zeros(4), host, 0.6
    )
    assert coercers.size == 0
    assert at_risk.shape == (4, 0)
    assert excess.shape == (4, 0, 4)


@PROPERTY
@given(SEEDS, st.integers(1, 7), st.floats(0.1, 1.0), st.floats(0.0, 3.0))
def test_coercion_exposure_matches_loop(seed, n, value_added, weight):
    rng = np.random.default_rng(seed)
    trade = off_diagonal(rng, n, 0.0, 0.1) * (rng.random((n, n)) < 0.6)
    propensity = rng.uniform(0, 1, size=n) * (rng.random(n) < 0.6)
    host = random_hostility(rng, n)
    coercers, at_risk, excess = payoffs.coercion_exposure(
        trade, propensity, host, value_added, weight
    )
    expected_coercers = [
        k
        for k in range(n)
        if any(weight * value_added * trade[i, k] * propensity[k] != 0 for i in range(n))
    ]
    assert coercers.tolist() == expected_coercers
    assert at_risk.shape == (n, len(expected_coercers))
    assert excess.shape == (n, len(expected_coercers), n)
    for i in range(n):
        for c, k in enumerate(expected_coercers):
            expected = weight * value_added * trade[i, k] * propensity[k]
            assert at_risk[i, c] == pytest.approx(expected, rel=1e-12)
            for j in range(n):
                expected = 0.0 if j == i else max(0.0, host[k, j] - host[k, i])
                assert excess[i, c, j] == expected


# --------------------------------------------------------------------------------------------
# Containment reach
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(SEEDS, st.integers(1, 7), st.booleans())
def test_containment_reach_matches_loop(seed, n, with_background):
    rng = np.random.default_rng(seed)
    host = random_hostility(rng, n)
    reach = random_reach(rng, n)
    cap = rng.uniform(1, 1000, size=n)
    background = rng.uniform(0, 300, size=n) * (rng.random(n) < 0.7) if with_background else None
    got = payoffs.containment_reach(reach, host, cap, background)
    expected = loop_containment(reach, host, cap, background)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(np.diag(got), 0.0)
    assert ((got >= 0) & (got <= 1.0 + 1e-12)).all()


@PROPERTY
@given(SEEDS, st.integers(3, 7))
def test_containment_reach_loyal_and_indifferent_allies(seed, n):
    """Theory: the threat shares and the background share sum to 1, so an ally at least as
    hostile as i to each of i's threats counts at least where it reaches i, and an ally hostile
    to nobody counts only against the background (w_i0 reach_ji)."""
    rng = np.random.default_rng(seed)
    host = random_hostility(rng, n)
    host[0, 1] = 0.0  # 1 is no threat to 0 ...
    host[1] = np.maximum(host[1], host[0])  # ... and at least as hostile as 0 to everybody
    host[1, 1] = 0.0
    host[n - 1] = 0.0  # the last state is hostile to nobody
    reach = random_reach(rng, n)
    cap = rng.uniform(1, 1000, size=n)
    background = rng.uniform(0, 300, size=n)
    got = payoffs.containment_reach(reach, host, cap, background)
    assert got[0, 1] >= reach[1, 0] - 1e-12
    threat_0 = sum(host[0, k] * reach[k, 0] * cap[k] for k in range(n))
    w0 = background[0] / (threat_0 + background[0])
    assert got[0, n - 1] == pytest.approx(w0 * reach[n - 1, 0], rel=1e-9, abs=1e-15)


def test_containment_reach_rivals_rival_is_no_ally():
    """0 is threatened by 2 only; 1 is hostile to 2 half as much as 0 (lambda 1/2); 3 is
    friendly with 2 (H_32 = 0) and 4 is hostile only to 3, a state 0 does not fear: neither
    counts against 2, however close to 0 they are."""
    n = 5
    host = np.zeros((n, n))
    host[0, 2] = host[2, 0] = 0.8
    host[1, 2] = 0.4
    host[4, 3] = host[3, 4] = 0.5
    reach = np.full((n, n), 0.3)
    np.fill_diagonal(reach, 1.0)
    reach[1, 0], reach[1, 2] = 0.2, 0.7  # 1 reaches 2 better than 0: forward defence
    reach[3, 0] = reach[4, 0] = 1.0  # 3 and 4 are next door to 0
    got = payoffs.containment_reach(reach, host, np.full(n, 10.0))
    # all of 0's threat is 2's (w_02 = 1): ally 1 counts 1/2 * max(0.2, 0.7)
    np.testing.assert_allclose(got[0], [0.0, 0.35, 0.0, 0.0, 0.0], atol=1e-15)


def test_containment_reach_background_share():
    """0's threat: 2 (H 0.5, reach 0.4, capability 100: 20) and a background of 20, half each.
    Ally 1 is fully hostile to 2 (loyal) and reaches 0 at 0.3 and 2 at 0.6; ally 3 is not
    hostile to 2 and reaches 0 at 0.9."""
    n = 4
    host = np.zeros((n, n))
    host[0, 2] = host[2, 0] = 0.5
    host[1, 2] = 1.0
    reach = np.ones((n, n))
    reach[2, 0] = 0.4
    reach[1, 0], reach[1, 2] = 0.3, 0.6
    reach[3, 0] = 0.9
    got = payoffs.containment_reach(
        reach, host, np.array([10.0, 10.0, 100.0, 10.0]), np.array([20.0, 0.0, 0.0, 0.0])
    )
    assert got[0, 1] == pytest.approx(0.5 * 1.0 * 0.6 + 0.5 * 0.3)
    assert got[0, 3] == pytest.approx(0.5 * 0.9)  # the background half only
    assert got[0, 2] == pytest.approx(0.5 * reach[2, 0])  # the threat helps only at home
    # state 3 has no threat at all: help at home counts in full
    np.testing.assert_allclose(got[3], [reach[0, 3], reach[1, 3], reach[2, 3], 0.0])


def test_containment_reach_without_hostility_is_reach():
    rng = np.random.default_rng(11)
    reach = rng.uniform(0, 1, size=(5, 5))
    got = payoffs.containment_reach(reach, np.zeros((5, 5)), rng.uniform(1, 100, size=5))
    expected = reach.T.copy()
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_array_equal(got, expected)


def test_containment_reach_forward_defence():
    # 0 (far away) is threatened only by 2; ally 1 sits next to 2 and opposes it fully.
    reach = np.array([[1.0, 0.1, 0.1], [0.0, 1.0, 0.9], [0.2, 0.9, 1.0]])
    host = np.zeros((3, 3))
    host[0, 2] = host[2, 0] = 1.0
    host[1, 2] = host[2, 1] = 1.0
    got = payoffs.containment_reach(reach, host, np.array([100.0, 50.0, 80.0]))
    assert reach[1, 0] == 0.0
    assert got[0, 1] == pytest.approx(1.0 * 0.9)  # all of 0's threat is 2's; 1 reaches 2 at 0.9


def test_containment_reach_uses_allys_hostility_when_asymmetric():
    # 0 is threatened by 2 only (H_02 = 1); ally 1 opposes 2 (H_12 = 1), 2 ignores 1 (H_21 = 0)
    host = np.zeros((3, 3))
    host[0, 2] = host[1, 2] = 1.0
    reach = np.array([[1.0, 0.1, 0.1], [0.0, 1.0, 0.9], [0.2, 0.9, 1.0]])
    got = payoffs.containment_reach(reach, host, np.array([100.0, 50.0, 80.0]))
    assert got[0, 1] == pytest.approx(1.0 * 0.9)  # lambda_12 = 1, reach[1, 2]


# --------------------------------------------------------------------------------------------
# Aid
# --------------------------------------------------------------------------------------------


def aid_context(offer, min_level, min_partners, **fields) -> payoffs.AlignmentContext:
    n = np.shape(offer)[0]
    ctx = random_context(np.random.default_rng(0), n, aid=False)
    return replace(
        ctx,
        aid_offer=np.asarray(offer, dtype=float),
        aid_min_level=np.asarray(min_level),
        aid_min_partners=np.asarray(min_partners),
        **fields,
    )


def donor_offers(n: int, donor: int, amounts: dict[int, float]) -> np.ndarray:
    offer = np.zeros((n, n))
    for i, a in amounts.items():
        offer[donor, i] = a
    return offer


def test_aid_conditional_on_level_with_donor_and_partners():
    # donor 0 offers 1, 2, 3; formal tie (3) with the donor and with one other recipient needed
    ctx = aid_context(donor_offers(4, 0, {1: 10.0, 2: 20.0, 3: 30.0}), [3, 0, 0, 0], [1, 0, 0, 0])
    rows = np.array(
        [
            [3, 0, 3, 0],  # tied to donor and to recipient 2: paid
            [3, 0, 0, 0],  # tied to donor only: no partner
            [2, 0, 3, 3],  # partners but only a partnership with the donor
            [3, 0, 2, 2],  # partners below the required level
        ]
    )
    agents = np.array([1, 1, 1, 1])
    got = payoffs.aid_by_donor(agents, rows, ctx)
    np.testing.assert_array_equal(got[:, 0], [10.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(got[:, 1:], 0.0)
    np.testing.assert_array_equal(
        payoffs.aid_by_donor(agents, rows, ctx).sum(axis=1), [10.0, 0, 0, 0]
    )
    # the fraction earned by the ties among recipients alone, as if the tie with the donor held
    frac = payoffs.aid_by_donor(agents, rows, ctx, tie_to_donor=False)
    np.testing.assert_array_equal(frac[:, 0], [1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(frac[:, 1:], 0.0)


def test_aid_pro_rata_short_of_partners():
    # donor 0 asks for ties (level 2) with 2 of its other recipients: 1 partner earns half
    ctx = aid_context(
        donor_offers(5, 0, {1: 10.0, 2: 20.0, 3: 30.0, 4: 40.0}), [2, 0, 0, 0, 0], [2, 0, 0, 0, 0]
    )
    rows = np.array([[2, 0, 2, 1, 0], [3, 0, 2, 3, 3], [1, 0, 2, 3, 3], [2, 0, 0, 0, 0]])
    got = payoffs.aid_by_donor(np.array([1, 1, 1, 1]), rows, ctx).sum(axis=1)
    np.testing.assert_allclose(got, [5.0, 10.0, 0.0, 0.0])


def test_aid_counts_partner_recipients_only():
    # donor 0 offers 1 and 2 only; 1 tied to 3 (not a recipient) does not count as a partner
    ctx = aid_context(donor_offers(4, 0, {1: 10.0, 2: 20.0}), [1, 0, 0, 0], [1, 0, 0, 0])
    rows = np.array([[1, 0, 0, 3], [1, 0, 1, 0]])
    np.testing.assert_array_equal(
        payoffs.aid_by_donor(np.array([1, 1]), rows, ctx).sum(axis=1), [0, 10.0]
    )


def test_aid_does_not_count_oneself_as_partner():
    # min level 0: every state is "tied" at level 0, including oneself. With two recipients
    # {1, 2} and two partners required, each has only one other recipient: half the offer
    # (pro rata), not the full offer it would get if it counted itself.
    ctx = aid_context(donor_offers(3, 0, {1: 10.0, 2: 20.0}), [0, 0, 0], [2, 0, 0])
    rows = np.zeros((2, 3), dtype=int)
    np.testing.assert_array_equal(
        payoffs.aid_by_donor(np.array([1, 2]), rows, ctx).sum(axis=1), [5.0, 10.0]
    )
    # one partner required: both paid
    ctx = aid_context(donor_offers(3, 0, {1: 10.0, 2: 20.0}), [0, 0, 0], [1, 0, 0])
    np.testing.assert_array_equal(
        payoffs.aid_by_donor(np.array([1, 2]), rows, ctx).sum(axis=1), [10.0, 20.0]
    )


def test_aid_unconditional_and_multiple_donors():
    offer = donor_offers(4, 0, {2: 5.0, 3: 7.0}) + donor_offers(4, 1, {2: 3.0})
    ctx = aid_context(offer, [0, 2, 0, 0], [0, 0, 0, 0])
    rows = np.array([[0, 0, 0, 0], [0, 2, 0, 0], [0, 0, 0, 0]])
    agents = np.array([2, 2, 0])
    by_donor = payoffs.aid_by_donor(agents, rows, ctx)
    # donor 0 unconditional; donor 1 needs a partnership with it
    np.testing.assert_array_equal(by_donor[0], [5.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(by_donor[1], [5.0, 3.0, 0.0, 0.0])
    np.testing.assert_array_equal(by_donor[2], 0.0)  # nobody offers state 0 anything
    np.testing.assert_array_equal(
        payoffs.aid_by_donor(agents, rows, ctx).sum(axis=1), [5.0, 8.0, 0.0]
    )


def test_no_aid_without_offers():
    ctx = random_context(np.random.default_rng(1), 4, aid=False)
    rows = random_levels(np.random.default_rng(2), 4)
    np.testing.assert_array_equal(payoffs.aid_by_donor(np.arange(4), rows, ctx).sum(axis=1), 0.0)
    for flow in payoffs.aid_flows(np.arange(4), rows, ctx):
        np.testing.assert_array_equal(flow, 0.0)


def test_aid_flows_hand_case():
    """Donor 0 offers 1 10 bn and 2 20 bn, for a partnership (2) with it and with one other
    recipient; a quarter of its aid buys capability, half is budget support. In force: 1 and 2
    are partners, so both earn their offer in full."""
    levels = np.array([[0, 2, 2], [2, 0, 2], [2, 2, 0]])
    ctx = aid_context(
        donor_offers(3, 0, {1: 10.0, 2: 20.0}),
        [2, 0, 0],
        [1, 0, 0],
        levels=levels,
        aid_capability=np.array([0.25, 0.0, 0.0]),
        aid_cash=np.array([0.5, 0.0, 0.0]),
    )
    agents = np.array([1, 1, 0, 0, 0])
    rows = np.array([[2, 0, 2], [2, 0, 1], [0, 2, 1], [0, 3, 3], [0, 0, 0]])
    cap_in, cash_in, paid = payoffs.aid_flows(agents, rows, ctx)
    # recipient 1 tied to donor and partner: 10 bn, 2.5 of capability and 5 of cash; without the
    # partner nothing. The donor pays for the ties its own row holds: 1 only (10), both (30), none
    np.testing.assert_allclose(cap_in, [2.5, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(cash_in, [5.0, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(paid, [0.0, 0.0, 10.0, 30.0, 0.0])
    # if 1 and 2 were not partners, the donor would owe nothing for either tie
    loose = replace(ctx, levels=np.array([[0, 2, 2], [2, 0, 0], [2, 0, 0]]))
    np.testing.assert_allclose(payoffs.aid_flows(agents, rows, loose)[2], 0.0)


@PROPERTY
@given(contexts(aid=True))
def test_aid_matches_loop(case):
    ctx, levels, rng = case
    n = levels.shape[0]
    agents = rng.integers(0, n, size=6)
    rows = rng.integers(0, 4, size=(6, n))
    got = payoffs.aid_by_donor(agents, rows, ctx)
    frac = payoffs.aid_by_donor(agents, rows, ctx, tie_to_donor=False)
    cap_in, cash_in, paid = payoffs.aid_flows(agents, rows, ctx)
    for m in range(6):
        np.testing.assert_array_equal(got[m], loop_aid_by_donor(agents[m], rows[m], ctx))
        np.testing.assert_array_equal(
            frac[m], loop_aid_by_donor(agents[m], rows[m], ctx, tie_to_donor=False)
        )
        expected = loop_aid_flows(agents[m], rows[m], ctx)
        np.testing.assert_allclose(
            [cap_in[m], cash_in[m], paid[m]], expected, rtol=1e-12, atol=1e-12
        )
    expected = [loop_aid_by_donor(i, levels[i], ctx).sum() for i in range(n)]
    np.testing.assert_allclose(
        payoffs.aid_by_donor(np.arange(n), levels, ctx).sum(axis=1), expected
    )
    fraction = payoffs.aid_fraction(levels, ctx)
    for d in range(n):
        for i in range(n):
            expected = loop_fraction(d, i, levels[i], ctx) if ctx.aid_offer[d, i] > 0 else 0.0
            assert fraction[d, i] == expected


# --------------------------------------------------------------------------------------------
# Alignment terms and single-tie deltas
# --------------------------------------------------------------------------------------------


def hand_context(from_defence: bool = False) -> payoffs.AlignmentContext:
    """Three states; the hand calculations below are for state 0."""
    host = np.array([[0.0, 0.0, 0.2], [0.0, 0.0, 0.7], [0.1, 0.6, 0.0]])
    excess = np.zeros((3, 1, 3))  # one coercer, state 2: excess[i, 0, j] = max(0, H_2j - H_2i)
    excess[0, 0] = [0.0, 0.5, 0.0]
    excess[1, 0] = [0.0, 0.0, 0.0]
    excess[2, 0] = [0.1, 0.6, 0.0]
    linear = np.zeros((3, 3, 3))
    linear[0, :, 0] = [0.0, -0.001, -0.001]  # upkeep
    linear[0, :, 1] = [0.0, 0.004, -0.002]  # affinity payoff
    linear[0, :, 2] = [0.0, 0.001, 0.002]  # relationship value
    return payoffs.AlignmentContext(
        theta=np.array([0.2, 0.1, 0.1]),
        own=np.array([2.0, 5.0, 5.0]),
        threat=np.array([2.0, 0.0, 1.0]),
        base=np.array([[0.0, 4.0, 8.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
        credibility=np.array([[1.0, 0.5, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),
        level_weight=np.array([0.0, 0.25, 0.5, 1.0]),
        linear=linear,
        hostility=host,
        stakes=np.array([[0.0, 0.01, 0.02], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
        dependence=np.array([[0.0, 0.75, 0.5], [0.25, 0.0, 0.5], [0.5, 0.5, 0.0]]),
        autonomy_weight=0.004,
        coercers=np.array([2]),
        at_risk=np.array([[0.03], [0.0], [0.0]]),
        excess=excess,
        levels=np.array([[0, 0, 2], [0, 0, 0], [2, 0, 0]]),
        # donor 1 offers 0 5 bn for a formal tie; donor 0 offers 2 4 bn for a partnership
        aid_offer=np.array([[0.0, 0.0, 4.0], [5.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
        aid_min_level=np.array([2, 3, 0]),
        aid_min_partners=np.array([0, 0, 0]),
        aid_capability=np.array([0.0, 0.4, 0.0]),
        aid_cash=np.array([0.0, 0.6, 0.0]),
        aid_from_defence=np.array([from_defence, False, False]),
        gdp=np.array([100.0, 1000.0, 1000.0]),
        depreciation=0.1,
        side_payment_weight=0.5,
    )


E = math.exp


def test_alignment_terms_hand_case():
    """State 0 (own 2, threat 2, theta 0.2) with a formal tie to 1 and a partnership with 2
    (weights 1 and 0.5), then with the formal tie alone, then with no ties."""
    ctx = hand_context()
    got = payoffs.alignment_terms(np.array([0]), np.array([[0, 3, 2]]), ctx)[0]
    # aid from 1 (formal tie): 5 bn, 2 buy capability (2 / 0.1 = 20 more than now, own 22) and
    # 3 are cash; 0 pays 4 to 2 from consumption, as now.
    # allies: 4 (credibility 0.5) + 4 (credibility 1): 8 at 0.75.
    security = 0.2 * (0.75 * math.log(30 / 32) + 0.25 * math.log(22 / 24))
    # exposure to 1: 0.5 * (H_21 - H_01) = 0.3; to 2: 1 * (H_12 - H_02) = 0.5
    entrapment = -(0.01 * (1 - E(-0.3)) + 0.02 * (1 - E(-0.5)))
    # dependence 1 * 0.75 + 0.5 * 0.5 = 1; upkeep 1.5 * 0.001
    autonomy = -0.004 * (1 - E(-1.0)) - 0.0015
    coercion = -0.03 * (1 - E(-0.5))  # provocation 1 * 0.5 in 2's eyes
    affinity = 0.004 - 0.5 * 0.002
    relationship = 0.001 + 0.5 * 0.002
    side = (0.5 * 3.0 - 4.0) / 100
    expected = [security, entrapment, autonomy, coercion, affinity, relationship, side]
    np.testing.assert_allclose(got, expected, rtol=1e-12)

    # paying from defence instead: the same tie to 2 costs no more capability than now
    got = payoffs.alignment_terms(np.array([0]), np.array([[0, 3, 2]]), hand_context(True))[0]
    np.testing.assert_allclose(got, [*expected[:6], 0.5 * 3.0 / 100], rtol=1e-12)

    # dropping the tie to 2 while paying from defence: 4 bn a year back into defence
    # (40 of capability) and the 20 from aid: own 62; ally 1 alone, 4 at 0.5
    got = payoffs.alignment_terms(np.array([0]), np.array([[0, 3, 0]]), hand_context(True))[0]
    expected = [
        0.2 * (0.5 * math.log(66 / 68) + 0.5 * math.log(62 / 64)),
        -0.02 * (1 - E(-0.5)),
        -0.004 * (1 - E(-0.75)) - 0.001,
        -0.03 * (1 - E(-0.5)),
        0.004,
        0.001,
        0.5 * 3.0 / 100,
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)

    # no ties at all, paying from consumption: own 2 alone (2 / 4), no aid either way
    got = payoffs.alignment_terms(np.array([0]), np.array([[0, 0, 0]]), ctx)[0]
    np.testing.assert_allclose(got, [0.2 * math.log(0.5), 0, 0, 0, 0, 0, 0], atol=1e-15)

    # state 1 faces no threat (security 0 whatever its allies) and is at no risk of coercion;
    # as a donor it would pay its 5 bn to 0 (formal tie, no partners asked for) from
    # consumption, where it pays nothing now
    got = payoffs.alignment_terms(np.array([1]), np.array([[3, 0, 3]]), ctx)[0]
    np.testing.assert_allclose(got[[0, 1, 3, 4, 5]], 0.0, atol=1e-15)
    assert got[2] == pytest.approx(-0.004 * (1 - E(-0.75)))
    assert got[6] == pytest.approx(-5.0 / 1000)


def test_alignment_terms_saturate():
    """However many partners drag a state in, its entrapment, autonomy and coercion costs stay
    below the stakes, the autonomy weight and what coercers can take (upkeep aside)."""
    rng = np.random.default_rng(33)
    for _ in range(20):
        ctx = random_context(rng, 8)
        ctx = replace(ctx, level_weight=ctx.level_weight * 50)  # far beyond unit weights
        agents = np.arange(8)
        rows = np.full((8, 8), 3)
        np.fill_diagonal(rows, 0)
        got = payoffs.alignment_terms(agents, rows, ctx)
        assert (-got[:, 1] <= ctx.stakes.sum(axis=1) + 1e-15).all()
        upkeep = (ctx.level_weight[rows] * ctx.linear[:, :, 0]).sum(axis=1)
        assert (-(got[:, 2] - upkeep) <= ctx.autonomy_weight + 1e-15).all()
        assert (-got[:, 3] <= ctx.at_risk.sum(axis=1) + 1e-15).all()


@PROPERTY
@given(contexts(), st.booleans())
def test_alignment_terms_match_loop(case, same_agent):
    ctx, _, rng = case
    n = ctx.own.size
    m = 5
    agents = np.full(m, rng.integers(0, n)) if same_agent else rng.integers(0, n, size=m)
    rows = rng.integers(0, 4, size=(m, n))
    rows[np.arange(m), agents] = 0
    rows[0] = ctx.levels[agents[0]]  # the row in force among the candidates
    got = payoffs.alignment_terms(agents, rows, ctx)
    assert got.shape == (m, len(payoffs.ALIGNMENT_TERMS))
    for k in range(m):
        np.testing.assert_allclose(
            got[k], loop_alignment_terms(agents[k], rows[k], ctx), rtol=1e-9, atol=1e-15
        )


def test_random_contexts_exercise_every_term():
    """Guard against vacuous property tests: over seeded contexts, single-tie changes move every
    alignment term, including the capability bought with aid and aid paid out of defence."""
    moved = np.zeros(len(payoffs.ALIGNMENT_TERMS), dtype=int)
    capability_aid = defence_funded = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        ctx = random_context(rng, 6, aid=True)
        for agent in range(6):
            row = ctx.levels[agent]
            partners, new_levels = all_single_changes(row, agent)
            d = payoffs.tie_change_deltas(agent, row, partners, new_levels, ctx)
            moved += (np.abs(d) > 1e-12).sum(axis=0)
            now = loop_aid_flows(agent, row, ctx)
            for j, level in zip(partners, new_levels, strict=True):
                changed = row.copy()
                changed[j] = level
                after = loop_aid_flows(agent, changed, ctx)
                capability_aid += after[0] != now[0]
                defence_funded += bool(ctx.aid_from_defence[agent]) and after[2] != now[2]
    assert (moved > 50).all(), moved
    assert capability_aid > 20
    assert defence_funded > 20


def all_single_changes(row: np.ndarray, agent: int):
    partners, levels = [], []
    for j in range(row.size):
        if j == agent:
            continue
        for new in range(4):
            if new != row[j]:
                partners.append(j)
                levels.append(new)
    return np.array(partners, dtype=int), np.array(levels, dtype=int)


@PROPERTY
@given(contexts(aid=False), st.integers(0, 7))
def test_tie_change_deltas_equal_difference_of_alignment_terms(case, pick):
    ctx, levels, _ = case
    n = levels.shape[0]
    agent = pick % n
    row = levels[agent]
    partners, new_levels = all_single_changes(row, agent)
    got = payoffs.tie_change_deltas(agent, row, partners, new_levels, ctx)
    now = loop_alignment_terms(agent, row, ctx)
    for m, (j, level) in enumerate(zip(partners, new_levels, strict=True)):
        changed = row.copy()
        changed[j] = level
        expected = np.subtract(loop_alignment_terms(agent, changed, ctx), now)
        np.testing.assert_allclose(got[m], expected, rtol=1e-7, atol=1e-12)


@PROPERTY
@given(contexts(aid=True))
def test_tie_change_deltas_equal_difference_with_aid(case):
    ctx, levels, rng = case
    n = levels.shape[0]
    agent = int(rng.integers(0, n))
    row = rng.integers(0, 4, size=n)  # any row, not necessarily the one in force
    row[agent] = 0
    partners, new_levels = all_single_changes(row, agent)
    got = payoffs.tie_change_deltas(agent, row, partners, new_levels, ctx)
    changed = np.repeat(row[None, :], len(partners), axis=0)
    changed[np.arange(len(partners)), partners] = new_levels
    now = payoffs.alignment_terms(np.array([agent]), row[None, :], ctx)[0]
    after = payoffs.alignment_terms(np.full(len(partners), agent), changed, ctx)
    np.testing.assert_allclose(got, after - now, rtol=1e-7, atol=1e-13)


@PROPERTY
@given(contexts(), st.booleans())
def test_row_change_deltas_equal_difference_of_alignment_terms(case, in_force):
    ctx, levels, rng = case
    n = levels.shape[0]
    agent = int(rng.integers(0, n))
    row = levels[agent].copy() if in_force else rng.integers(0, 4, size=n)
    row[agent] = 0
    new_rows = rng.integers(0, 4, size=(5, n))
    new_rows[:, agent] = 0
    got = payoffs.row_change_deltas(agent, row, new_rows, ctx)
    now = loop_alignment_terms(agent, row, ctx)
    for m in range(5):
        expected = np.subtract(loop_alignment_terms(agent, new_rows[m], ctx), now)
        np.testing.assert_allclose(got[m], expected, rtol=1e-7, atol=1e-12)


def test_tie_change_deltas_hand_case_security():
    # one partner, weight 1 at level 3, 0 at level 0: allied 0 -> 2; own 2, threat 4; the ally
    # surely comes (credibility 1)
    n = 2
    ctx = replace(
        hand_context(),
        theta=np.array([0.3, 0.3]),
        own=np.array([2.0, 2.0]),
        threat=np.array([4.0, 4.0]),
        base=np.array([[0.0, 2.0], [2.0, 0.0]]),
        credibility=np.ones((n, n)),
        level_weight=np.array([0.0, 0.1, 0.5, 1.0]),
        linear=np.zeros((n, n, 3)),
        hostility=np.zeros((n, n)),
        stakes=np.zeros((n, n)),
        dependence=np.zeros((n, n)),
        coercers=np.zeros(0, dtype=int),
        at_risk=np.zeros((n, 0)),
        excess=np.zeros((n, 0, n)),
        levels=np.zeros((n, n), dtype=int),
        aid_offer=np.zeros((n, n)),
        aid_min_level=np.zeros(n, dtype=int),
        aid_min_partners=np.zeros(n, dtype=int),
        aid_capability=np.zeros(n),
        aid_cash=np.zeros(n),
        aid_from_defence=np.zeros(n, dtype=bool),
        gdp=np.ones(n),
    )
    got = payoffs.tie_change_deltas(0, np.array([0, 0]), np.array([1, 1]), np.array([3, 2]), ctx)
    # level 3: security 2/6 -> 4/8, utility change 0.3 * (log(1/2) - log(1/3)) = 0.3 * log(3/2);
    # level 2 (weight 0.5, allied 1): 2/6 -> 3/7, 0.3 * log((3/7) / (1/3)) = 0.3 * log(9/7)
    zeros = [0.0] * 6
    expected = [[0.3 * math.log(1.5), *zeros], [0.3 * math.log(9 / 7), *zeros]]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # the same options as whole rows, and back again from level 3 (4/8 -> 2/6: -0.3 * log(3/2))
    got = payoffs.row_change_deltas(0, np.array([0, 0]), np.array([[0, 3], [0, 2]]), ctx)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    got = payoffs.row_change_deltas(0, np.array([0, 3]), np.array([[0, 0]]), ctx)
    np.testing.assert_allclose(got[0], [-0.3 * math.log(1.5), *zeros], rtol=1e-12)
    # an ally that comes with probability 0.4 is worth 0.4 of that (the lottery's two outcomes)
    half = replace(ctx, credibility=np.full((n, n), 0.4))
    got = payoffs.tie_change_deltas(0, np.array([0, 0]), np.array([1]), np.array([3]), half)
    np.testing.assert_allclose(got[0], [0.4 * 0.3 * math.log(1.5), *zeros], rtol=1e-12)


@PROPERTY
@given(contexts(), st.integers(0, 7))
def test_more_credible_partners_are_worth_more(case, pick):
    """Fear of abandonment (Snyder 1984): with everything else fixed, raising the credibility of
    the allies never lowers the security term of a row (the lottery puts more weight on the
    outcome in which they come)."""
    ctx, levels, rng = case
    n = levels.shape[0]
    agent = pick % n
    rows = rng.integers(0, 4, size=(4, n))
    more = replace(ctx, credibility=ctx.credibility + (1 - ctx.credibility) * rng.random((n, n)))
    agents = np.full(4, agent)
    base = payoffs.alignment_terms(agents, rows, ctx)[:, 0]
    assert (payoffs.alignment_terms(agents, rows, more)[:, 0] >= base - 1e-12).all()


# --------------------------------------------------------------------------------------------
# Consumption and targets
# --------------------------------------------------------------------------------------------


def test_consumption_utility():
    np.testing.assert_allclose(
        payoffs.consumption_utility(np.array([0.0, 0.02, 0.5])),
        [0.0, math.log(0.98), math.log(0.5)],
    )


def test_perceived_power_moves_from_the_stock_to_what_spending_sustains():
    k, spend = np.array([100.0, 100.0]), np.array([10.0, 17.5])
    np.testing.assert_array_equal(payoffs.perceived_power(k, spend, 0.1, 0.0), k)
    np.testing.assert_allclose(payoffs.perceived_power(k, spend, 0.1, 1.0), [100.0, 175.0])
    # in a steady state (K = spending / depreciation) the weight does not matter
    for w in (0.0, 0.3, 1.0):
        assert payoffs.perceived_power(k, spend, 0.1, w)[0] == pytest.approx(100.0, rel=1e-15)
    # a rise in spending raises perceived power, more with more weight on the flow
    p = [payoffs.perceived_power(k, spend, 0.1, w)[1] for w in (0.0, 0.25, 0.5, 1.0)]
    assert p == sorted(p) and p[0] < p[-1]


# --------------------------------------------------------------------------------------------
# Row blocks (bounded memory for large worlds)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("elements", [1, 500, 5_000, None])
def test_row_blocks_give_identical_cubic_terms(monkeypatch, elements):
    """Containment reach and the entrapment exposure of candidates of different states computed
    in row blocks (bounded memory) equal the one-block result exactly, whatever the block
    size, and the formulas written out."""
    rng = np.random.default_rng(11)
    n = 37
    h = random_hostility(rng, n)
    reach = random_reach(rng, n)
    cap = rng.uniform(1, 100, n)
    background = rng.uniform(0, 50, n)
    agents = rng.integers(0, n, size=50)
    weights = rng.uniform(0, 1, size=(50, n))
    whole_r = payoffs.containment_reach(reach, h, cap, background)
    whole_e = payoffs.entrapment_exposure(agents, weights, h)
    monkeypatch.setattr(payoffs, "BLOCK_ELEMENTS", elements or n**3)
    blocks = list(payoffs.row_blocks(n))
    assert blocks[0].start == 0 and blocks[-1].stop == n
    assert sum(b.stop - b.start for b in blocks) == n
    assert np.array_equal(payoffs.containment_reach(reach, h, cap, background), whole_r)
    assert np.array_equal(payoffs.entrapment_exposure(agents, weights, h), whole_e)
    # and against the formulas written out
    extra = np.maximum(0.0, h[None, :, :] - h[agents][:, None, :])  # [m, j, k]
    np.testing.assert_allclose(whole_e, np.einsum("mj,mjk->mk", weights, extra), rtol=1e-12)
    np.testing.assert_allclose(
        whole_r, loop_containment(reach, h, cap, background), rtol=1e-9, atol=1e-15
    )
