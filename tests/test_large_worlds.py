"""Large worlds (issue #11): the year's context summed over hostile pairs only, and the
calibration's single-tie options scored from the current row, against the plain dense numpy
versions they replaced (kept here as the reference).

The fast versions sum the same terms in another order, so they are held to 1e-12 relative
(the context) or to 1e-12 of the size of a state's terms (the single-tie changes, differences of
two terms the reference computes in full and subtracts), on the model's own worlds (default,
classroom5, Taiwan, synthetic) and on random inputs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import SEEDS, random_context, random_hostility, random_reach

from sim.abm.model import AllianceModel
from sim.core import payoffs
from sim.runner.config import compose
from sim.runner.simulate import prepare

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from run_benchmark import synthetic_world

PROPERTY = settings(deadline=None, max_examples=40)
RTOL = 1e-12

# --------------------------------------------------------------------------------------------
# The dense references (the numpy code the sparse versions replaced, unchanged)
# --------------------------------------------------------------------------------------------


def dense_threat(capability, hostility, reach):
    return (hostility * reach.T) @ capability


def dense_containment_reach(reach, hostility, capability, background=None):
    n = capability.size
    reaching = hostility * reach.T * capability[None, :]  # [i, k] threat from k to i
    bg = np.zeros(n) if background is None else np.asarray(background, dtype=float)
    total = reaching.sum(axis=1) + bg
    safe = np.where(total > 0, total, 1.0)
    weights = np.where(total[:, None] > 0, reaching / safe[:, None], 0.0)  # [i, k]
    w0 = np.where(total > 0, bg / safe, 1.0)
    out = np.empty((n, n))
    for rows in payoffs.row_blocks(n):
        own = hostility[rows][:, None, :]  # [i, ., k]
        with np.errstate(divide="ignore", invalid="ignore"):
            loyal = np.where(own > 0, np.minimum(1.0, hostility[None, :, :] / own), 0.0)
        where = np.maximum(reach.T[rows][:, :, None], reach[None, :, :])  # [i, j, k]
        out[rows] = np.einsum("ik,ijk->ij", weights[rows], loyal * where)
    out += w0[:, None] * reach.T
    np.fill_diagonal(out, 0.0)
    return out


def dense_coercion_exposure(trade, propensity, hostility, value_added_share, weight=1.0):
    at_risk_all = weight * value_added_share * trade * propensity[None, :]
    coercers = np.flatnonzero(at_risk_all.any(axis=0))
    at_risk = at_risk_all[:, coercers]
    excess = np.maximum(
        0.0, hostility[coercers][None, :, :] - hostility.T[:, coercers][:, :, None]
    )  # [i, k, j] = H_kj - H_ki
    n = trade.shape[0]
    excess[np.arange(n)[:, None], np.arange(coercers.size)[None, :], np.arange(n)[:, None]] = 0.0
    return coercers, at_risk, excess


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def sparse_hostility(rng: np.random.Generator, n: int) -> np.ndarray:
    """Hostility of a random density: none, a few rivals a state, or dense."""
    density = rng.choice([0.0, 2.0 / max(n, 1), 0.1, 0.5, 1.0])
    return random_hostility(rng, n) * (rng.random((n, n)) < density)


def model_of(overrides: list[str]) -> AllianceModel:
    p = prepare(compose(overrides))
    return AllianceModel(p.world, p.params, p.events, rng=3, scenario_name=p.scenario)


def synthetic(n: int, tmp: Path, engine: str = "reference") -> list[str]:
    path = synthetic_world(n, tmp)
    return ["world=csv", f"world.actors_csv={path}", f"model.engine={engine}"]


WORLDS = [
    ["world=default"],
    ["world=default", "scenario=injection_1p5b"],  # side payments: the scorer's fallback
    ["world=default", "scenario=china_counterbalance"],
    ["world=classroom5"],
    ["world=default_taiwan"],
]


def check_context(model: AllianceModel) -> None:
    """The year's context terms against the dense references, on the model's arrays."""
    s, sec = model.state, model.params.security
    hostility = payoffs.hostility(s.affinity)
    k = s.capability
    background = model.background_base * s.gdp / model.gdp_base
    np.testing.assert_allclose(
        payoffs.threat(k, hostility, model.reach),
        dense_threat(k, hostility, model.reach),
        rtol=RTOL,
        atol=0,
    )
    np.testing.assert_allclose(
        payoffs.containment_reach(model.reach, hostility, k, background),
        dense_containment_reach(model.reach, hostility, k, background),
        rtol=RTOL,
        atol=0,
    )
    a = model.params.alignment
    args = (model.world.trade, s.coercion_propensity, hostility, a.coercion_value_added_share)
    for got, want in zip(
        payoffs.coercion_exposure(*args, a.coercion_weight),
        dense_coercion_exposure(*args, a.coercion_weight),
        strict=True,
    ):
        np.testing.assert_array_equal(got, want)
    assert sec.depreciation > 0


def sparse_deltas(ctx, i: int, partners: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Term changes of single-tie options as the compiled decision scores them."""
    from sim.core import _jit, kernels

    arrays, scalars = kernels.context_arrays(ctx)
    t = _jit.tie_terms(i, partners.astype(np.int64), new.astype(np.int64), arrays, scalars)
    return t[1:] - t[0]


def check_single_ties(model: AllianceModel, states=None) -> int:
    """Every single-tie option of (some) states: the decision kernel's sparse scoring
    (``_jit.tie_terms``) against tie_change_deltas."""
    ctx = model.ctx
    n = model.world.n
    checked = 0
    for i in range(n) if states is None else states:
        partners = np.flatnonzero(np.arange(n) != i).repeat(2)
        new = np.tile([0, 3], n - 1)
        new = np.where(new == model.levels[i, partners], 1, new)
        fast = sparse_deltas(ctx, i, partners, new)
        slow = payoffs.tie_change_deltas(i, model.levels[i], partners, new, ctx)
        scale = np.abs(payoffs.alignment_terms(np.array([i]), model.levels[[i]], ctx)).max()
        np.testing.assert_allclose(fast, slow, rtol=0, atol=RTOL * max(scale, 1e-3))
        checked += len(partners)
    return checked


# --------------------------------------------------------------------------------------------
# The model's worlds
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", WORLDS, ids=lambda o: ",".join(o))
def test_context_and_single_ties_equal_the_dense_reference_on_the_models_worlds(overrides):
    model = model_of(overrides)
    for _ in range(3):  # 2024 and two years on, the scenario's events in force
        check_context(model)
        assert check_single_ties(model) > 0
        model.step()


@pytest.mark.parametrize("n", [100, 300])
def test_synthetic_worlds(n, tmp_path):
    model = model_of(synthetic(n, tmp_path))
    check_context(model)
    check_single_ties(model, states=range(0, n, 7))


# --------------------------------------------------------------------------------------------
# Random inputs
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(SEEDS, st.integers(1, 40), st.booleans())
def test_context_terms_equal_the_dense_reference_on_random_inputs(seed, n, with_background):
    rng = np.random.default_rng(seed)
    host = sparse_hostility(rng, n)
    reach = random_reach(rng, n)
    cap = rng.uniform(1, 1000, size=n) * (rng.random(n) < 0.95)
    background = rng.uniform(0, 300, size=n) * (rng.random(n) < 0.7) if with_background else None
    got = payoffs.containment_reach(reach, host, cap, background)
    np.testing.assert_allclose(
        got, dense_containment_reach(reach, host, cap, background), rtol=RTOL, atol=0
    )
    np.testing.assert_allclose(
        payoffs.threat(cap, host, reach), dense_threat(cap, host, reach), rtol=RTOL, atol=0
    )
    trade = rng.uniform(0, 0.08, size=(n, n)) * (rng.random((n, n)) < 0.5)
    propensity = rng.uniform(0, 1, size=n) * (rng.random(n) < 0.5)
    for got, want in zip(
        payoffs.coercion_exposure(trade, propensity, host, 0.6, 1.5),
        dense_coercion_exposure(trade, propensity, host, 0.6, 1.5),
        strict=True,
    ):
        np.testing.assert_array_equal(got, want)


def test_containment_reach_in_small_blocks_is_the_same():
    """Blocks of (threat, ally) triples as small as one row give the same values, exactly."""
    rng = np.random.default_rng(11)
    n = 30
    host, reach = random_hostility(rng, n), random_reach(rng, n)
    cap = rng.uniform(1, 1000, size=n)
    whole = payoffs.containment_reach(reach, host, cap)
    original = payoffs.BLOCK_ELEMENTS
    try:
        payoffs.BLOCK_ELEMENTS = 1
        blocked = payoffs.containment_reach(reach, host, cap)
    finally:
        payoffs.BLOCK_ELEMENTS = original
    np.testing.assert_array_equal(blocked, whole)


@PROPERTY
@given(SEEDS, st.integers(2, 25), st.booleans())
def test_single_ties_equal_tie_change_deltas_on_random_contexts(seed, n, aid):
    rng = np.random.default_rng(seed)
    ctx = random_context(rng, n, aid=aid)
    ctx = payoffs.AlignmentContext(
        **{**ctx.__dict__, "hostility": sparse_hostility(rng, n), "threat": ctx.threat + 1.0}
    )
    for i in range(n):
        partners = rng.choice(np.flatnonzero(np.arange(n) != i), size=2 * n)
        new = rng.integers(0, 4, size=partners.size)
        fast = sparse_deltas(ctx, i, partners, new)
        slow = payoffs.tie_change_deltas(i, ctx.levels[i], partners, new, ctx)
        scale = np.abs(payoffs.alignment_terms(np.array([i]), ctx.levels[[i]], ctx)).max()
        np.testing.assert_allclose(fast, slow, rtol=0, atol=RTOL * max(scale, 1e-3))


def dense_entrapment_exposure(agents, weights, hostility):
    extra = np.maximum(0.0, hostility[None, :, :] - hostility[agents][:, None, :])  # [m, j, k]
    return np.einsum("mj,mjk->mk", weights, extra)


@PROPERTY
@given(SEEDS, st.integers(1, 30), st.integers(1, 40))
def test_entrapment_exposure_of_many_states_equals_the_dense_reference(seed, n, m):
    rng = np.random.default_rng(seed)
    host = sparse_hostility(rng, n)
    agents = rng.integers(0, n, size=m)
    agents[0] = (agents[-1] + 1) % n if n > 1 else 0  # candidates of different states
    weights = rng.uniform(0, 1, size=(m, n)) * (rng.random((m, n)) < 0.5)
    np.testing.assert_allclose(
        payoffs.entrapment_exposure(agents, weights, host),
        dense_entrapment_exposure(agents, weights, host),
        rtol=RTOL,
        atol=0,
    )
