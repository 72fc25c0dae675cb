"""Large worlds (issue #11): the year's context summed over hostile pairs only, and the
calibration's single-tie options scored from the current row, against the plain dense numpy
versions they replaced (kept here as the reference).

The fast versions sum the same terms in another order, so they are held to 1e-12 relative
(the context) or to 1e-12 of the size of a state's terms (the single-tie changes, differences of
two terms the reference computes in full and subtracts), on the model's own worlds (default,
classroom5, Taiwan, synthetic) and on random inputs.

The calibration's scorer of single-tie changes (``kernels.tie_change_terms``) sums the same
terms in the same order as whole rows (``_jit.terms``), leaving out exact zeros, so it is held
to the whole rows' floats bit for bit, and the calibrated relationship values with it.
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


# --------------------------------------------------------------------------------------------
# The calibration's scorer: single-tie changes to the bit of whole rows
# --------------------------------------------------------------------------------------------


def whole_rows(ctx, i: int, partners: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``_jit.terms`` of state i's row in force and of each single-tie change, as whole rows
    (what ``payoffs.tie_change_deltas`` scored before ``kernels.tie_change_terms``)."""
    from sim.core import _jit

    arrays, scalars = ctx.kernel_arguments
    rows = np.repeat(arrays[12][i][None, :], len(partners) + 1, axis=0)
    rows[np.arange(1, len(partners) + 1), partners] = new
    return _jit.terms(i, rows, arrays, scalars)


def assert_bits_equal(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))


def check_tie_change_terms(ctx, rng: np.random.Generator, states) -> int:
    """Every one-level move of each state's ties and as many random ones: the sparse scorer's
    floats are the whole rows'. Returns how many states it scored (None: it declined)."""
    from sim.core import kernels

    n = ctx.theta.size
    scored = 0
    for i in states:
        partners = np.flatnonzero(np.arange(n) != i)
        now = ctx.levels[i, partners].astype(np.int64)
        partners = np.concatenate([partners, partners, rng.integers(0, n, size=n)])
        new = np.concatenate(
            [np.minimum(now + 1, 3), np.maximum(now - 1, 0), rng.integers(0, 4, size=n)]
        )
        got = kernels.tie_change_terms(i, ctx.levels[i], partners, new, ctx)
        if got is not None:
            assert_bits_equal(got, whole_rows(ctx, i, partners, new))
            scored += 1
    return scored


@pytest.mark.parametrize("overrides", WORLDS, ids=lambda o: ",".join(o))
def test_tie_change_terms_are_the_whole_rows_to_the_bit_on_the_models_worlds(overrides):
    model = model_of([*overrides, "model.engine=compiled"])
    rng = np.random.default_rng(0)
    scored = 0
    for _ in range(3):  # 2024 and two years on, the scenario's events in force
        scored += check_tie_change_terms(model.ctx, rng, range(model.world.n))
        model.step()
    assert scored > 0


@PROPERTY
@given(SEEDS, st.integers(1, 25))
def test_tie_change_terms_are_the_whole_rows_to_the_bit_on_random_contexts(seed, n):
    """Sparse and dense hostility, ties and level weights (a first weight of 0 or not, equal
    weights), coercers, credibility per pair or per ally."""
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    ctx = random_context(rng, n, aid=False)
    weights = [np.array([0.0, 0.2, 0.5, 1.0]), np.array([0.0, 0.0, 0.4, 0.4]), ctx.level_weight]
    ctx = replace(
        ctx,
        hostility=sparse_hostility(rng, n),
        levels=ctx.levels * (rng.random((n, n)) < rng.choice([0.1, 1.0])),
        level_weight=weights[rng.integers(3)],
        credibility=ctx.credibility if rng.random() < 0.5 else ctx.credibility[0],
        engine="compiled",
    )
    assert check_tie_change_terms(ctx, rng, range(n)) == n


def test_tie_change_terms_decline_what_they_cannot_score_exactly():
    """Side payments offered, a hostility below 0, a non-finite entry in the state's rows, a
    row other than the one in force, a partner or level out of range: None, and
    ``tie_change_deltas`` scores whole rows."""
    from dataclasses import replace

    from sim.core import kernels

    rng = np.random.default_rng(4)
    n = 6
    ctx = random_context(rng, n, aid=False)
    partners, new = np.array([1, 2]), np.array([3, 0])
    assert kernels.tie_change_terms(0, ctx.levels[0], partners, new, ctx) is not None
    offer = np.zeros((n, n))
    offer[3, 4] = 1.0
    hostility = ctx.hostility.copy()
    hostility[2, 3] = -0.1
    for change in ({"aid_offer": offer}, {"hostility": hostility}):
        assert (
            kernels.tie_change_terms(0, ctx.levels[0], partners, new, replace(ctx, **change))
            is None
        )
    base = ctx.base.copy()
    base[0, 5] = np.nan
    other = replace(ctx, base=base)
    assert kernels.tie_change_terms(0, ctx.levels[0], partners, new, other) is None
    assert (
        kernels.tie_change_terms(1, ctx.levels[1], partners, new, other) is not None
    )  # its row is finite
    other_row = ctx.levels[0].copy()
    other_row[3] = (other_row[3] + 1) % 4
    assert kernels.tie_change_terms(0, other_row, partners, new, ctx) is None
    for p, lv in (([1, n], [3, 0]), ([-1, 2], [3, 0]), ([1, 2], [4, 0]), ([1, 2], [3])):
        assert kernels.tie_change_terms(0, ctx.levels[0], np.array(p), np.array(lv), ctx) is None


@pytest.mark.parametrize(
    "overrides", [["world=default"], ["world=classroom5"], "synthetic"], ids=str
)
def test_the_calibration_is_the_same_as_by_whole_rows(overrides, tmp_path, monkeypatch):
    """The relationship values calibrated with the sparse scorer are those of whole rows,
    bit for bit."""
    from sim.core import kernels

    if overrides == "synthetic":
        overrides = synthetic(60, tmp_path)
    overrides = [*overrides, "model.engine=compiled"]
    monkeypatch.setattr(payoffs, "SINGLE_TIE_MIN_STATES", 0)  # the sparse scorer at any size
    fast = model_of(overrides).relationship
    monkeypatch.setattr(kernels, "tie_change_terms", lambda *args: None)
    assert_bits_equal(fast, model_of(overrides).relationship)


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_single_ties_are_scored_from_the_row_in_force_only_in_large_compiled_worlds(
    engine, monkeypatch
):
    """``payoffs.tie_change_deltas`` calls the sparse scorer (``kernels.tie_change_terms``) on
    the compiled engine in worlds of ``SINGLE_TIE_MIN_STATES`` states or more, and scores
    whole rows otherwise; the deltas are the same either way."""
    from dataclasses import replace

    from sim.core import kernels

    rng = np.random.default_rng(5)
    ctx = random_context(rng, 12, aid=False)
    ctx = replace(ctx, hostility=sparse_hostility(rng, 12), engine=engine)
    partners, new = np.array([1, 2, 5]), np.array([3, 1, 2])
    original, called = kernels.tie_change_terms, []

    def spy(*args):
        called.append(args[0])
        return original(*args)

    monkeypatch.setattr(kernels, "tie_change_terms", spy)
    deltas = {}
    for least in (13, 12):  # a world of 12 states below the threshold, then at it
        monkeypatch.setattr(payoffs, "SINGLE_TIE_MIN_STATES", least)
        deltas[least] = payoffs.tie_change_deltas(0, ctx.levels[0], partners, new, ctx)
    assert called == ([0] if engine == "compiled" else [])
    assert_bits_equal(deltas[13], deltas[12])


# --------------------------------------------------------------------------------------------
# Fewer (n, n) temporaries, the same floats
# --------------------------------------------------------------------------------------------


def special_values(rng: np.random.Generator, shape, low: float = -1.0) -> np.ndarray:
    """Random values of every magnitude, with +0, -0, NaN and inf among them."""
    x = rng.uniform(low, 1.0, shape) * rng.choice([1e-310, 1e-5, 1.0, 1e5, 1e300], shape)
    pick = rng.random(shape)
    x[pick < 0.1] = 0.0
    x[(pick >= 0.1) & (pick < 0.2)] = -0.0
    x[(pick >= 0.2) & (pick < 0.22)] = np.nan
    x[(pick >= 0.22) & (pick < 0.23)] = np.inf
    return x


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_context_terms_in_place_are_the_plain_formulas_to_the_bit(seed):
    """hostility, credible_commitment, entrapment_stakes and dependence work in place; their
    floats are those of the plain expressions they replaced (kept here), signed zeros, NaN and
    infinities included."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    affinity = special_values(rng, (n, n))
    h = np.maximum(0.0, 0.0 - affinity)  # 0 - a: a zero affinity gives +0.0, never -0.0
    np.fill_diagonal(h, 0.0)
    assert_bits_equal(payoffs.hostility(affinity), h)
    credibility = special_values(rng, (n, n) if rng.random() < 0.7 else n)
    assert_bits_equal(payoffs.credible_commitment(credibility, h), credibility * (1.0 - h.T))
    reach, capability = special_values(rng, (n, n), 0.0), 100 * special_values(rng, n, 0.0)
    commitment = special_values(rng, (n, n)) if rng.random() < 0.7 else None
    reaching = reach.T * capability[None, :]
    stakes = reaching / (capability[:, None] + reaching + 1e-12)
    stakes = stakes if commitment is None else stakes + commitment
    np.fill_diagonal(stakes, 0.0)
    assert_bits_equal(payoffs.entrapment_stakes(reach, capability, commitment), stakes)
    dep = capability[None, :] / (capability[:, None] + capability[None, :] + 1e-12)
    np.fill_diagonal(dep, 0.0)
    assert_bits_equal(payoffs.dependence(capability), dep)


@pytest.mark.parametrize("seed", range(10))
def test_allies_of_every_state_in_blocks_are_the_same(seed, monkeypatch):
    """``AlignmentContext.allies`` sums each row as one (m, n) array would, whatever the
    blocks of rows."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 150))
    ctx = random_context(rng, n)
    rows, agents = rng.integers(0, 4, (n, n)), np.arange(n)
    x = ctx.level_weight[rows] * ctx.base[agents]
    want = payoffs.allies_and_reliability(x, ctx.credibility[agents])
    for elements in (1, 7, 3 * n, payoffs.BLOCK_ELEMENTS):
        monkeypatch.setattr(payoffs, "BLOCK_ELEMENTS", elements)
        for got, expected in zip(ctx.allies(agents, rows), want, strict=True):
            assert_bits_equal(got, expected)
