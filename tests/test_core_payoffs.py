"""Tests for sim.core.geography and sim.core.payoffs.

Expected values come from hand calculations, from the formulas in the docstrings written out as
plain Python loops, or from theory; never from running the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import SEEDS, contexts, off_diagonal, random_context, random_levels, symmetric

from sim.core import geography, payoffs

PROPERTY = settings(deadline=None, max_examples=50)


# --------------------------------------------------------------------------------------------
# Independent implementations (plain loops over the docstring formulas)
# --------------------------------------------------------------------------------------------


def loop_aid_by_donor(agent: int, row: np.ndarray, ctx: payoffs.AlignmentContext) -> np.ndarray:
    """aid_by_donor's conditions for one candidate, written out donor by donor."""
    n = ctx.aid_offer.shape[0]
    out = np.zeros(n)
    for d in range(n):
        offer = ctx.aid_offer[d, agent]
        if offer <= 0:
            continue
        level = ctx.aid_min_level[d]
        if row[d] < level:
            continue
        partners = sum(
            1 for j in range(n) if j != agent and ctx.aid_offer[d, j] > 0 and row[j] >= level
        )
        need = ctx.aid_min_partners[d]
        out[d] = offer * (min(1.0, partners / need) if need > 0 else 1.0)  # pro rata
    return out


def loop_alignment_terms(agent: int, row: np.ndarray, ctx: payoffs.AlignmentContext) -> list:
    """The six alignment terms of one candidate row, from the model's definitions."""
    n = row.size
    allied = entrapment = autonomy = coercion = affinity = 0.0
    for j in range(n):
        w = ctx.level_weight[row[j]]
        allied += w * ctx.credibility[agent, j] * ctx.reach_to[agent, j] * ctx.available[j]
        entrapment -= w * ctx.entrapment[agent, j]
        autonomy -= w * ctx.autonomy[agent, j]
        coercion -= w * ctx.coercion[agent, j]
        affinity += w * ctx.affinity[agent, j]
    defence = max(ctx.own[agent] + allied, 1e-9)  # the documented floor
    # theta * log(D / (D + T)) = -theta * log(1 + T / D)
    sec = -ctx.theta[agent] * math.log1p(ctx.threat[agent] / defence)
    aid = loop_aid_by_donor(agent, row, ctx).sum()
    side = ctx.side_payment_weight * aid / ctx.gdp[agent]
    return [sec, entrapment, autonomy, coercion, affinity, side]


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


def test_allied_capability_matches_loop():
    rng = np.random.default_rng(5)
    m, n = 4, 6
    w, cred, reach = (rng.uniform(0, 1, size=(m, n)) for _ in range(3))
    avail = rng.uniform(0, 500, size=n)
    expected = [
        sum(w[i, j] * cred[i, j] * reach[i, j] * avail[j] for j in range(n)) for i in range(m)
    ]
    np.testing.assert_allclose(payoffs.allied_capability(w, cred, reach, avail), expected)


def test_allied_capability_publicness_matters():
    # state 0 relies on ally 1, which is committed to 4 partners
    cap = np.array([10.0, 200.0])
    w = np.array([[0.0, 1.0]])
    ones = np.ones((1, 2))
    public = payoffs.ally_availability(cap, np.array([1, 4]), 1.0)
    private = payoffs.ally_availability(cap, np.array([1, 4]), 0.0)
    assert payoffs.allied_capability(w, ones, ones, public)[0] == pytest.approx(200.0)
    assert payoffs.allied_capability(w, ones, ones, private)[0] == pytest.approx(50.0)


def test_security_hand_values_and_limits():
    np.testing.assert_allclose(payoffs.security(1.0, 1.0, 2.0), 0.5)
    np.testing.assert_allclose(payoffs.security(3.0, 0.0, 1.0), 0.75)
    assert payoffs.security(5.0, 2.0, 0.0) == 1.0  # no threat: fully secure
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


# --------------------------------------------------------------------------------------------
# Costs: entrapment, autonomy, coercion; containment reach
# --------------------------------------------------------------------------------------------


def loop_entrapment(host, reach, cap, commitment=None):
    """exposure[i, j] = sum_k max(0, H_jk - H_ik) * (danger_ki + w_ik), over j's enemies k other
    than i itself (a conflict between one's ally and oneself is not entrapment)."""
    n = cap.size
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            total = 0.0
            for k in range(n):
                if k == i:
                    continue
                reaching = reach[k, i] * cap[k]
                danger = reaching / (cap[i] + reaching)
                if commitment is not None:
                    danger += commitment[i, k]
                total += max(0.0, host[j, k] - host[i, k]) * danger
            out[i, j] = total
    return out


@pytest.mark.parametrize("with_commitment", [False, True])
@pytest.mark.parametrize("seed", [6, 7, 8])
def test_entrapment_matches_triple_loop(seed, with_commitment):
    rng = np.random.default_rng(seed)
    n = 6
    host = off_diagonal(rng, n, 0, 1)
    reach = rng.uniform(0, 1, size=(n, n))
    np.fill_diagonal(reach, 1.0)
    cap = rng.uniform(1, 1000, size=n)
    w = off_diagonal(rng, n, 0, 1) if with_commitment else None
    got = payoffs.entrapment_exposure(host, reach, cap, w)
    np.testing.assert_allclose(got, loop_entrapment(host, reach, cap, w), rtol=1e-9)
    assert (got >= 0).all()
    np.testing.assert_array_equal(np.diag(got), 0.0)


def test_entrapment_hand_case():
    # j=1 is hostile (0.8) to k=2, i=0 is not; 2 has 300 bn of which half reaches 0 (K_0 = 50)
    host = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.8], [0.0, 0.8, 0.0]])
    reach = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.5, 1.0, 1.0]])
    cap = np.array([50.0, 100.0, 300.0])
    out = payoffs.entrapment_exposure(host, reach, cap)
    assert out[0, 1] == pytest.approx(0.8 * 150.0 / (50.0 + 150.0))
    # i=0 already committed (0.5) to k=2: a conflict with one's own ally costs more
    w = np.zeros((3, 3))
    w[0, 2] = 0.5
    assert payoffs.entrapment_exposure(host, reach, cap, w)[0, 1] == pytest.approx(
        0.8 * (0.75 + 0.5)
    )
    # allying with 2 exposes 0 to 1 likewise; 1 allying with 0 adds nothing (0 has no enemies)
    assert out[0, 2] == pytest.approx(0.8 * 100.0 / 150.0)
    assert out[1, 0] == 0.0


def test_autonomy_cost_matches_loop_and_units():
    rng = np.random.default_rng(9)
    n = 6
    cap = rng.uniform(1, 1000, size=n)
    tie = rng.uniform(0, 0.001, size=n)
    got = payoffs.autonomy_cost(cap, 0.02, tie)
    for i in range(n):
        for j in range(n):
            expected = 0.0 if i == j else 0.02 * cap[j] / (cap[i] + cap[j]) + tie[i]
            assert got[i, j] == pytest.approx(expected, rel=1e-9)
    # equal partners give up half the weight; a tiny state facing a giant nearly all of it
    eq = payoffs.autonomy_cost(np.array([10.0, 10.0]), 0.02, 0.001)
    assert eq[0, 1] == pytest.approx(0.011)
    lop = payoffs.autonomy_cost(np.array([1.0, 1e6]), 0.02, 0.0)
    assert lop[0, 1] == pytest.approx(0.02, rel=1e-5)
    assert lop[1, 0] == pytest.approx(0.0, abs=1e-7)


def test_coercion_cost_matches_loop():
    rng = np.random.default_rng(10)
    n = 6
    x = off_diagonal(rng, n, 0, 0.05)
    kappa = rng.uniform(0, 1, size=n)
    host = off_diagonal(rng, n, 0, 1)
    got = payoffs.coercion_cost(x, kappa, host)
    for i in range(n):
        for j in range(n):
            if i == j:
                assert got[i, j] == 0.0
                continue
            expected = sum(x[i, k] * kappa[k] * max(0.0, host[k, j] - host[k, i]) for k in range(n))
            assert got[i, j] == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_coercion_cost_hand_case():
    # 0 exports 10 % of GDP to 2, which cuts 30 % of it, and is hostile (0.9) to 1, not to 0
    x = np.zeros((3, 3))
    x[0, 2] = 0.10
    host = np.zeros((3, 3))
    host[2, 1] = host[1, 2] = 0.9
    got = payoffs.coercion_cost(x, np.array([0.0, 0.0, 0.3]), host)
    assert got[0, 1] == pytest.approx(0.10 * 0.3 * 0.9)
    assert got[0, 2] == 0.0  # 2 is not more hostile to itself than to 0


def loop_containment(reach, host, cap, affinity=None):
    n = cap.size
    out = np.zeros((n, n))
    for i in range(n):
        threats = [host[i, k] * reach[k, i] * cap[k] for k in range(n)]
        total = sum(threats)
        for j in range(n):
            share = [threats[k] / total if total > 0 else 0.0 for k in range(n)]
            mean = sum(share[k] * host[j, k] * reach[j, k] for k in range(n))
            loyalty = 1.0
            if affinity is not None:
                loyalty = 1.0 - sum(share[k] * max(0.0, affinity[j, k]) for k in range(n))
            out[i, j] = max(reach[j, i] * loyalty, mean)
    return out


@PROPERTY
@given(SEEDS, st.integers(1, 7))
def test_containment_reach_with_loyalty_matches_loop(seed, n):
    rng = np.random.default_rng(seed)
    reach = rng.uniform(0, 1, size=(n, n))
    np.fill_diagonal(reach, 1.0)
    affinity = symmetric(rng, n, -1.0, 1.0)
    host = payoffs.hostility(affinity)
    cap = rng.uniform(1, 100, size=n)
    got = payoffs.containment_reach(reach, host, cap, affinity)
    np.testing.assert_allclose(got, loop_containment(reach, host, cap, affinity), rtol=1e-10)


def test_a_rivals_friend_does_not_defend():
    """State 0 is threatened by 2; state 1 is next door to 0 but a friend of 2: its capability
    counts for 0 only in proportion to its loyalty, 1 - A_12."""
    reach = np.array([[1.0, 0.9, 0.5], [0.9, 1.0, 0.5], [0.5, 0.5, 1.0]])
    affinity = np.array([[0.0, 0.0, -0.8], [0.0, 0.0, 0.6], [-0.8, 0.6, 0.0]])
    host = payoffs.hostility(affinity)
    got = payoffs.containment_reach(reach, host, np.array([10.0, 10.0, 100.0]), affinity)
    assert got[0, 1] == pytest.approx(0.9 * (1 - 0.6))


@PROPERTY
@given(SEEDS, st.integers(1, 7))
def test_containment_reach_matches_loop(seed, n):
    rng = np.random.default_rng(seed)
    host = payoffs.hostility(symmetric(rng, n, -1, 1))  # symmetric, as the model builds it
    reach = rng.uniform(0, 1, size=(n, n))
    np.fill_diagonal(reach, 1.0)
    cap = rng.uniform(1, 1000, size=n)
    got = payoffs.containment_reach(reach, host, cap)
    np.testing.assert_allclose(got, loop_containment(reach, host, cap), rtol=1e-9, atol=1e-15)
    assert (got >= reach.T).all()
    assert (got <= 1.0 + 1e-12).all()


def test_containment_reach_without_hostility_is_reach():
    rng = np.random.default_rng(11)
    reach = rng.uniform(0, 1, size=(5, 5))
    got = payoffs.containment_reach(reach, np.zeros((5, 5)), rng.uniform(1, 100, size=5))
    np.testing.assert_array_equal(got, reach.T)


def test_containment_reach_forward_defence():
    # 0 (far away) is threatened only by 2; ally 1 sits next to 2 and opposes it fully.
    reach = np.array([[1.0, 0.1, 0.1], [0.0, 1.0, 0.9], [0.2, 0.9, 1.0]])
    host = np.zeros((3, 3))
    host[0, 2] = host[2, 0] = 1.0
    host[1, 2] = host[2, 1] = 1.0
    got = payoffs.containment_reach(reach, host, np.array([100.0, 50.0, 80.0]))
    assert reach[1, 0] == 0.0
    assert got[0, 1] == pytest.approx(1.0 * 0.9)  # all of 0's threat is 2's; 1 reaches 2 at 0.9


# --------------------------------------------------------------------------------------------
# Aid
# --------------------------------------------------------------------------------------------


def aid_context(offer, min_level, min_partners) -> payoffs.AlignmentContext:
    rng = np.random.default_rng(0)
    n = offer.shape[0]
    ctx = random_context(rng, n, aid=False)
    return payoffs.AlignmentContext(
        **{
            **ctx.__dict__,
            "aid_offer": np.asarray(offer, dtype=float),
            "aid_min_level": np.asarray(min_level),
            "aid_min_partners": np.asarray(min_partners),
        }
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
    np.testing.assert_array_equal(payoffs.candidate_aid(agents, rows, ctx), [10.0, 0, 0, 0])


def test_aid_counts_partner_recipients_only():
    # donor 0 offers 1 and 2 only; 1 tied to 3 (not a recipient) does not count as a partner
    ctx = aid_context(donor_offers(4, 0, {1: 10.0, 2: 20.0}), [1, 0, 0, 0], [1, 0, 0, 0])
    rows = np.array([[1, 0, 0, 3], [1, 0, 1, 0]])
    np.testing.assert_array_equal(payoffs.candidate_aid(np.array([1, 1]), rows, ctx), [0, 10.0])


def test_aid_does_not_count_oneself_as_partner():
    # min level 0: every state is "tied" at level 0, including oneself. With two recipients
    # {1, 2} and two partners required, each has only one other recipient: half the offer
    # (pro rata), not the full offer it would get if it counted itself.
    ctx = aid_context(donor_offers(3, 0, {1: 10.0, 2: 20.0}), [0, 0, 0], [2, 0, 0])
    rows = np.zeros((2, 3), dtype=int)
    np.testing.assert_array_equal(payoffs.candidate_aid(np.array([1, 2]), rows, ctx), [5.0, 10.0])
    # one partner required: both paid
    ctx = aid_context(donor_offers(3, 0, {1: 10.0, 2: 20.0}), [0, 0, 0], [1, 0, 0])
    np.testing.assert_array_equal(payoffs.candidate_aid(np.array([1, 2]), rows, ctx), [10.0, 20.0])


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
    np.testing.assert_array_equal(payoffs.candidate_aid(agents, rows, ctx), [5.0, 8.0, 0.0])


def test_candidate_aid_without_offers_is_zero():
    ctx = random_context(np.random.default_rng(1), 4, aid=False)
    rows = random_levels(np.random.default_rng(2), 4)
    np.testing.assert_array_equal(payoffs.candidate_aid(np.arange(4), rows, ctx), 0.0)


@PROPERTY
@given(contexts(aid=True))
def test_aid_matches_loop(case):
    ctx, levels, rng = case
    n = levels.shape[0]
    agents = rng.integers(0, n, size=6)
    rows = rng.integers(0, 4, size=(6, n))
    got = payoffs.aid_by_donor(agents, rows, ctx)
    for m in range(6):
        np.testing.assert_array_equal(got[m], loop_aid_by_donor(agents[m], rows[m], ctx))
    expected = [loop_aid_by_donor(i, levels[i], ctx).sum() for i in range(n)]
    np.testing.assert_allclose(payoffs.aid_received(levels, ctx), expected)


# --------------------------------------------------------------------------------------------
# Alignment terms and single-tie deltas
# --------------------------------------------------------------------------------------------


def test_alignment_terms_hand_case():
    ctx = payoffs.AlignmentContext(
        theta=np.array([0.2, 0.1]),
        own=np.array([1.0, 5.0]),
        threat=np.array([2.0, 0.0]),
        reach_to=np.array([[1.0, 1.0], [1.0, 1.0]]),
        available=np.array([1.0, 2.0]),
        credibility=np.array([[1.0, 0.5], [1.0, 1.0]]),
        level_weight=np.array([0.0, 0.25, 0.5, 1.0]),
        entrapment=np.array([[0.0, 0.01], [0.0, 0.0]]),
        autonomy=np.array([[0.0, 0.02], [0.0, 0.0]]),
        coercion=np.array([[0.0, 0.03], [0.0, 0.0]]),
        affinity=np.array([[0.0, 0.004], [0.004, 0.0]]),
        aid_offer=np.array([[0.0, 0.0], [5.0, 0.0]]),
        aid_min_level=np.array([0, 2]),
        aid_min_partners=np.array([0, 0]),
        gdp=np.array([100.0, 1000.0]),
        side_payment_weight=0.5,
    )
    # state 0 formally allied to 1: allied = 0.5 * 1 * 2 = 1, security 2 / 4, utility
    # 0.2 * log(1 / 2) = -0.2 log 2; aid 5 (level 3 >= 2)
    got = payoffs.alignment_terms(np.array([0]), np.array([[0, 3]]), ctx)[0]
    np.testing.assert_allclose(
        got, [-0.2 * math.log(2), -0.01, -0.02, -0.03, 0.004, 0.5 * 5 / 100], rtol=1e-12
    )
    # a mere alignment (weight 0.25): allied 0.25, security 1.25 / 3.25 = 5 / 13, no aid
    # (level 1 < 2)
    got = payoffs.alignment_terms(np.array([0]), np.array([[0, 1]]), ctx)[0]
    np.testing.assert_allclose(
        got, [0.2 * math.log(5 / 13), -0.0025, -0.005, -0.0075, 0.001, 0.0], rtol=1e-12
    )
    # no tie at all: defence 1 (own), security 1 / 3
    got = payoffs.alignment_terms(np.array([0]), np.array([[0, 0]]), ctx)[0]
    np.testing.assert_allclose(got, [0.2 * math.log(1 / 3), 0, 0, 0, 0, 0], rtol=1e-12)
    # state 1 faces no threat: security 1, utility 0.1 * log(1) = 0 (not theta); only affinity
    # (0.004 at weight 1) and no aid (nobody offers 1 any)
    got = payoffs.alignment_terms(np.array([1]), np.array([[3, 0]]), ctx)[0]
    np.testing.assert_allclose(got, [0, 0, 0, 0, 0.004, 0], atol=1e-15)


@PROPERTY
@given(contexts(), st.booleans())
def test_alignment_terms_match_loop(case, same_agent):
    ctx, _, rng = case
    n = ctx.own.size
    m = 5
    agents = np.full(m, rng.integers(0, n)) if same_agent else rng.integers(0, n, size=m)
    rows = rng.integers(0, 4, size=(m, n))
    rows[np.arange(m), agents] = 0
    got = payoffs.alignment_terms(agents, rows, ctx)
    assert got.shape == (m, len(payoffs.ALIGNMENT_TERMS))
    for k in range(m):
        np.testing.assert_allclose(
            got[k], loop_alignment_terms(agents[k], rows[k], ctx), rtol=1e-9, atol=1e-15
        )


def all_single_changes(row: np.ndarray, agent: int):
    partners, levels = [], []
    for j in range(row.size):
        if j == agent:
            continue
        for new in range(4):
            if new != row[j]:
                partners.append(j)
                levels.append(new)
    return np.array(partners), np.array(levels)


@PROPERTY
@given(contexts())
def test_tie_change_deltas_equal_difference_of_alignment_terms(case):
    ctx, levels, rng = case
    n = levels.shape[0]
    agent = int(rng.integers(0, n))
    row = levels[agent]
    partners, new_levels = all_single_changes(row, agent)
    got = payoffs.tie_change_deltas(agent, row, partners, new_levels, ctx)
    changed = np.repeat(row[None, :], len(partners), axis=0)
    changed[np.arange(len(partners)), partners] = new_levels
    now = payoffs.alignment_terms(np.array([agent]), row[None, :], ctx)[0]
    after = payoffs.alignment_terms(np.full(len(partners), agent), changed, ctx)
    np.testing.assert_allclose(got, after - now, rtol=1e-7, atol=1e-13)


@PROPERTY
@given(contexts())
def test_row_change_deltas_equal_difference_of_alignment_terms(case):
    ctx, levels, rng = case
    n = levels.shape[0]
    agent = int(rng.integers(0, n))
    row = levels[agent]
    new_rows = rng.integers(0, 4, size=(5, n))
    new_rows[:, agent] = 0
    got = payoffs.row_change_deltas(agent, row, new_rows, ctx)
    now = payoffs.alignment_terms(np.array([agent]), row[None, :], ctx)[0]
    after = payoffs.alignment_terms(np.full(len(new_rows), agent), new_rows, ctx)
    np.testing.assert_allclose(got, after - now, rtol=1e-7, atol=1e-13)


def test_tie_change_deltas_exercise_aid_and_both_pair_modes():
    """Guard against a vacuous property test: over seeded contexts the deltas include non-zero
    side-payment changes, and the result does not depend on whether ``pair`` is precomputed."""
    nonzero_aid = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        ctx = random_context(rng, 6, aid=True, pair=False)
        levels = random_levels(rng, 6)
        with_pair = payoffs.AlignmentContext(**{**ctx.__dict__, "pair": payoffs.pair_terms(ctx)})
        for agent in range(6):
            partners, new_levels = all_single_changes(levels[agent], agent)
            a = payoffs.tie_change_deltas(agent, levels[agent], partners, new_levels, ctx)
            b = payoffs.tie_change_deltas(agent, levels[agent], partners, new_levels, with_pair)
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
            nonzero_aid += int((a[:, 5] != 0).sum())
    assert nonzero_aid > 20


def test_tie_change_deltas_hand_case_security():
    # one partner, weight 1 at level 3, 0 at level 0: allied 0 -> 2; own 2, threat 4
    n = 2
    ctx = payoffs.AlignmentContext(
        theta=np.array([0.3, 0.3]),
        own=np.array([2.0, 2.0]),
        threat=np.array([4.0, 4.0]),
        reach_to=np.ones((n, n)),
        available=np.array([2.0, 2.0]),
        credibility=np.ones((n, n)),
        level_weight=np.array([0.0, 0.1, 0.5, 1.0]),
        entrapment=np.zeros((n, n)),
        autonomy=np.zeros((n, n)),
        coercion=np.zeros((n, n)),
        affinity=np.zeros((n, n)),
        aid_offer=np.zeros((n, n)),
        aid_min_level=np.zeros(n, dtype=int),
        aid_min_partners=np.zeros(n, dtype=int),
        gdp=np.ones(n),
    )
    got = payoffs.tie_change_deltas(0, np.array([0, 0]), np.array([1, 1]), np.array([3, 2]), ctx)
    # level 3: security 2/6 -> 4/8, utility change 0.3 * (log(1/2) - log(1/3)) = 0.3 * log(3/2);
    # level 2 (weight 0.5, allied 1): 2/6 -> 3/7, 0.3 * log((3/7) / (1/3)) = 0.3 * log(9/7)
    expected = [[0.3 * math.log(1.5), 0, 0, 0, 0, 0], [0.3 * math.log(9 / 7), 0, 0, 0, 0, 0]]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # the same options as whole rows, and back again from level 3 (4/8 -> 2/6: -0.3 * log(3/2))
    got = payoffs.row_change_deltas(0, np.array([0, 0]), np.array([[0, 3], [0, 2]]), ctx)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    got = payoffs.row_change_deltas(0, np.array([0, 3]), np.array([[0, 0]]), ctx)
    np.testing.assert_allclose(got[0], [-0.3 * math.log(1.5), 0, 0, 0, 0, 0], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Consumption and targets
# --------------------------------------------------------------------------------------------


def test_consumption_utility_and_target_penalty():
    np.testing.assert_allclose(
        payoffs.consumption_utility(np.array([0.0, 0.02, 0.5])),
        [0.0, math.log(0.98), math.log(0.5)],
    )
    pen = payoffs.target_penalty(np.array([0.01, 0.02, 0.03]), np.array([0.02] * 3), 0.3)
    np.testing.assert_allclose(pen, [-0.003, 0.0, 0.0], atol=1e-15)
    assert payoffs.target_penalty(np.array([0.0]), np.array([0.0]), 0.3)[0] == 0.0


def test_containment_reach_uses_allys_hostility_when_asymmetric():
    # 0 is threatened by 2 only (H_02 = 1); ally 1 opposes 2 (H_12 = 1), 2 ignores 1 (H_21 = 0)
    host = np.zeros((3, 3))
    host[0, 2] = host[1, 2] = 1.0
    reach = np.array([[1.0, 0.1, 0.1], [0.0, 1.0, 0.9], [0.2, 0.9, 1.0]])
    got = payoffs.containment_reach(reach, host, np.array([100.0, 50.0, 80.0]))
    assert got[0, 1] == pytest.approx(1.0 * 0.9)  # H_12 * reach[1, 2]


@pytest.mark.parametrize("elements", [1, 500, 5_000, None])
def test_row_blocks_give_identical_cubic_terms(monkeypatch, elements):
    """Entrapment and coercion computed in row blocks (bounded memory) equal the one-block
    result exactly, whatever the block size."""
    rng = np.random.default_rng(11)
    n = 37
    a = rng.uniform(-1, 1, (n, n))
    h = payoffs.hostility((a + a.T) / 2)
    reach = rng.uniform(0, 1, (n, n))
    cap = rng.uniform(1, 100, n)
    commit = rng.uniform(0, 1, (n, n))
    trade = rng.uniform(0, 0.05, (n, n))
    kappa = rng.uniform(0, 1, n)
    whole_e = payoffs.entrapment_exposure(h, reach, cap, commit)
    whole_c = payoffs.coercion_cost(trade, kappa, h)
    monkeypatch.setattr(payoffs, "BLOCK_ELEMENTS", elements or n**3)
    blocks = list(payoffs.row_blocks(n))
    assert blocks[0].start == 0 and blocks[-1].stop == n
    assert sum(b.stop - b.start for b in blocks) == n
    assert np.array_equal(payoffs.entrapment_exposure(h, reach, cap, commit), whole_e)
    assert np.array_equal(payoffs.coercion_cost(trade, kappa, h), whole_c)
    # and against the formulas written out
    extra = np.maximum(0.0, h[None, :, :] - h[:, None, :])
    reaching = reach.T * cap[None, :]
    danger = reaching / (cap[:, None] + reaching + 1e-12) + commit
    np.fill_diagonal(danger, 0.0)
    assert np.allclose(whole_e, np.einsum("ijk,ik->ij", extra, danger))
