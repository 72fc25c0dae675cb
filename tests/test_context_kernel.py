"""The year's context computed in compiled code (``sim.core._jit_context``) is the numpy
reference's to the bit: every array of every context of whole runs, and of random states."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from sim.abm.model import AllianceModel, PairTerms
from sim.core import kernels
from sim.runner.config import compose, config_dir
from sim.runner.simulate import prepare
from sim.study import equality

SCENARIOS = sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml"))
WORLDS = ["world=default", "world=classroom5", "world=default_taiwan", "csv"]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and kinds, and equal bits (the sign of a zero included; NaN where the
    other has NaN, whatever its payload)."""
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind != "f":
        return np.array_equal(a, b)
    nan = np.isnan(a)
    return np.array_equal(nan, np.isnan(b)) and np.array_equal(
        a[~nan].astype(np.float64).view(np.uint64), b[~nan].astype(np.float64).view(np.uint64)
    )


def assert_same(fast: PairTerms, ref: PairTerms) -> None:
    """Every field equal to the bit (``same_bits``), the sparse rows of the hostility those of
    ``kernels.hostile_lists``."""
    for field in dataclasses.fields(PairTerms):
        if field.name == "rival_lists":
            continue
        a, b = getattr(fast, field.name), getattr(ref, field.name)
        assert same_bits(a, b), (field.name, a.shape, b.shape)
    assert ref.rival_lists is None
    for a, b in zip(fast.rival_lists, kernels.hostile_lists(ref.hostility), strict=True):
        assert np.array_equal(a, b)


def checked_contexts(monkeypatch) -> list[int]:
    """Make every compiled context of the test's models also compute the reference, compare
    the two; the returned list counts the contexts checked."""
    compiled = AllianceModel._pair_terms_compiled
    seen: list[int] = []

    def both(model, power, background, factor):
        fast = compiled(model, power, background, factor)
        assert_same(fast, model._pair_terms(power, background, factor))
        seen.append(1)
        return fast

    monkeypatch.setattr(AllianceModel, "_pair_terms_compiled", both)
    return seen


@pytest.fixture(scope="module")
def csv_states(tmp_path_factory):
    return equality.csv_world(tmp_path_factory.mktemp("csv_world"))


@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_compiled_context_is_the_references_on_every_year_of_runs(
    world, scenario, csv_states, monkeypatch
):
    """Each scenario on each world, two seeds of eight years: every context the compiled
    engine computes (construction, calibration, the year's opening and close, accessions)."""
    where = ["world=csv", f"world.actors_csv={csv_states}"] if world == "csv" else [world]
    seen = checked_contexts(monkeypatch)
    p = prepare(compose([*where, f"scenario={scenario}", "model.horizon=8"]))
    for seed in (0, 1):
        model = AllianceModel(p.world, p.params, p.events, rng=seed, scenario_name=p.scenario)
        model.run()
    assert len(seen) >= 2 * (2 * 8 + 1)


def randomised(model: AllianceModel, rng: np.random.Generator) -> None:
    """Random states of ``model``'s world: dense rivalry (about half the pairs hostile, so
    every state faces several threats with several loyal allies), trade that every state can
    cut, random levels, capabilities, credibility and relationship values, zero capabilities
    and backgrounds in places (the reference's divisions by zero and its branches)."""
    s, n = model.state, model.world.n
    affinity = rng.uniform(-1, 1, (n, n))
    affinity = (affinity + affinity.T) / 2
    affinity[rng.random((n, n)) < 0.2] = 0.0  # exact zeros: neither friend nor foe
    np.fill_diagonal(affinity, 1.0)
    s.affinity = affinity
    s.capability = rng.uniform(0, 900, n) * (rng.random(n) < 0.9)
    s.share = rng.uniform(0, 0.06, n)
    s.credibility = rng.uniform(0, 1, (n, n))
    s.coercion_propensity = rng.uniform(0, 1, n) * (rng.random(n) < 0.5)
    levels = rng.integers(0, 4, (n, n)).astype(np.int8)
    model.levels = np.maximum(levels, levels.T)
    np.fill_diagonal(model.levels, 0)
    model.relationship = rng.normal(0, 0.003, (n, n))
    model.background_base = rng.uniform(0, 50, n) * (rng.random(n) < 0.7)
    model.world.trade[...] = rng.uniform(0, 0.05, (n, n))


@pytest.mark.parametrize("seed", range(30))
def test_the_compiled_context_is_the_references_on_random_states(seed):
    p = prepare(compose(["world=classroom5" if seed % 3 == 0 else "world=default"]))
    world = dataclasses.replace(p.world, trade=p.world.trade.copy())
    model = AllianceModel(world, p.params, p.events, rng=seed)
    randomised(model, np.random.default_rng(seed))
    inputs = model._context_inputs()
    fast, ref = model._pair_terms_compiled(*inputs), model._pair_terms(*inputs)
    assert ref.coercers.size > 0 and ref.hostility.any()  # the cases the test is for
    assert_same(fast, ref)


SIZES = (1, 2, 3, 4, 5, 8, 13, 40)
KINDS = ("symmetric", "asymmetric", "no affinity", "no capability", "no background",
         "no coercers", "extreme magnitudes", "infinities")  # fmt: skip


def stand_in(n: int, kind: str, rng: np.random.Generator):
    """What ``_pair_terms`` reads of a model, drawn at random for ``n`` states: exact zeros
    (and -0.0) in the affinity, zero capabilities and backgrounds in places, random reach,
    levels and parameters; ``kind`` pushes one edge further. Returns the stand-in and the
    inputs ``(power, background, factor)``."""

    def draw(low, high, shape=n, zeros=0.0):
        return rng.uniform(low, high, shape) * (rng.random(shape) >= zeros)

    affinity = draw(-1, 1, (n, n))
    if kind != "asymmetric":
        affinity = (affinity + affinity.T) / 2
    affinity[rng.random((n, n)) < 0.2] = 0.0
    affinity[rng.random((n, n)) < 0.1] = -0.0
    np.fill_diagonal(affinity, rng.choice([1.0, 0.0, -0.5], n))
    capability, background_base = draw(0, 900, zeros=0.2), draw(0, 50, zeros=0.4)
    trade = draw(0, 0.05, (n, n), zeros=0.3)
    if kind == "no affinity":
        affinity = np.zeros((n, n))
    elif kind == "no capability":
        capability = np.zeros(n)
    elif kind == "no background":
        background_base = np.zeros(n)
    elif kind == "no coercers":
        trade = np.zeros((n, n))
    elif kind == "extreme magnitudes":
        capability = capability * rng.choice([1e-310, 1.0, 1e300], n)
    elif kind == "infinities":
        affinity[rng.random((n, n)) < 0.1] = -np.inf
        capability[rng.random(n) < 0.1] = np.inf
    levels = rng.integers(0, 4, (n, n)).astype(np.int8)
    levels = np.maximum(levels, levels.T)
    np.fill_diagonal(levels, 0)
    reach = draw(0, 1, (n, n), zeros=0.3)
    np.fill_diagonal(reach, 1.0)
    gdp = draw(1, 30000)
    model = SimpleNamespace(
        state=SimpleNamespace(
            affinity=affinity,
            capability=capability,
            credibility=draw(0, 1, (n, n)),
            gdp=gdp,
            coercion_propensity=draw(0, 1, zeros=0.5),
        ),
        params=SimpleNamespace(
            alignment=SimpleNamespace(
                entrapment_weight=float(rng.choice([0.0, 1.0, rng.uniform(0, 3)])),
                tie_cost_usd_bn=rng.uniform(0, 2),
                affinity_weight=rng.uniform(-1, 1),
                coercion_weight=rng.uniform(0, 3),
                coercion_value_added_share=rng.uniform(0, 1),
            ),
            security=SimpleNamespace(
                publicness=float(rng.choice([0.0, 0.5, 1.0, rng.random()])),
                max_credibility=float(rng.choice([1.0, rng.random()])),
            ),
        ),
        reach=reach,
        capability_2024=draw(0, 900, zeros=0.2),
        background_base=background_base,
        levels=levels,
        level_weight=np.array([0.0, rng.random() * 0.3, 0.3 + rng.random() * 0.3, 1.0]),
        relationship=rng.normal(0, 0.003, (n, n)),
        world=SimpleNamespace(trade=trade),
    )
    power = capability * rng.uniform(0.5, 1.5, n)
    background = background_base * gdp / draw(1, 30000)
    return model, (power, background, draw(0.5, 1.5))


@pytest.mark.parametrize("seed", range(len(SIZES) * len(KINDS)))
def test_the_compiled_context_is_the_references_on_stand_in_models(seed):
    """Every size from 1 state to 40 with every kind of edge (64 cases, each once): no
    coercers, no threat at all, zero capabilities, magnitudes near the ends of the floats,
    infinities (the NaN they make where the reference makes NaN), random parameters."""
    n, kind = SIZES[seed % len(SIZES)], KINDS[seed // len(SIZES)]
    model, inputs = stand_in(n, kind, np.random.default_rng(seed))
    with np.errstate(all="ignore"):
        ref = AllianceModel._pair_terms(model, *inputs)
    assert_same(AllianceModel._pair_terms_compiled(model, *inputs), ref)


def test_the_compiled_context_is_the_references_context_as_a_whole():
    """The context built on the compiled pair terms equals the reference's, field by field,
    and its kernel arguments too (one with the sparse rows it was given, one converted)."""
    p = prepare(compose(["scenario=china_counterbalance"]))
    model = AllianceModel(p.world, p.params, p.events, rng=3)
    model.run(3)
    fast = model._context()
    model.compiled_context = False
    ref = model._context()
    for field in dataclasses.fields(ref):
        a, b = getattr(fast, field.name), getattr(ref, field.name)
        if field.name == "rival_lists":
            assert a is not None and b is None
        elif isinstance(b, np.ndarray):
            assert same_bits(a, b), field.name
        else:
            assert a == b, field.name
    for a, b in zip(fast.kernel_arguments[0], ref.kernel_arguments[0], strict=True):
        assert a.dtype == b.dtype and same_bits(a, b)
    assert fast.kernel_arguments[1] == ref.kernel_arguments[1]


def test_an_affinity_with_nan_is_left_to_the_reference(monkeypatch):
    """The kernel's sparse rows and comparisons assume no NaN: such a context is computed by
    the reference (and keeps its NaN), the others by the kernel."""
    p = prepare(compose(["world=classroom5"]))
    model = AllianceModel(p.world, p.params, p.events, rng=0)
    calls: list[str] = []
    for name in ("_pair_terms", "_pair_terms_compiled"):
        method = getattr(AllianceModel, name)
        monkeypatch.setattr(
            AllianceModel,
            name,
            lambda self, *a, _m=method, _n=name: calls.append(_n) or _m(self, *a),
        )
    model._context()
    model.state.affinity = model.state.affinity.copy()
    model.state.affinity[0, 1] = model.state.affinity[1, 0] = np.nan
    ctx = model._context()
    assert calls == ["_pair_terms_compiled", "_pair_terms"]
    assert np.isnan(ctx.hostility[0, 1])


def test_the_reference_engine_never_calls_the_context_kernel(monkeypatch):
    def refuse(*_):
        raise AssertionError("the reference engine called the context kernel")

    monkeypatch.setattr(AllianceModel, "_pair_terms_compiled", refuse)
    p = prepare(compose(["world=classroom5", "model.engine=reference", "model.horizon=2"]))
    model = AllianceModel(p.world, p.params, p.events, rng=0)
    model.run()
    assert model.state.year == 2026
