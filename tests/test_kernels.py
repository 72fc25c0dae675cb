"""The compiled kernels (sim/core/kernels.py) against the numpy reference (sim/core/payoffs.py):
equal, not close. Each term of every candidate row on the model's own contexts (every scenario,
three worlds, years with and without side payments) and on random contexts; whole runs with
``model.engine=compiled`` give the reference's decisions, events and numbers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.abm.model import AllianceModel
from sim.core import alignment, kernels, payoffs
from sim.errors import UserError
from sim.runner.config import compose, config_dir
from sim.runner.simulate import prepare
from sim.study import equality

pytest.importorskip("numba")
ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p.stem for p in (config_dir() / "scenario").glob("*.yaml"))
WORLDS = ["world=default", "world=classroom5", "world=default_taiwan"]
TOLERANCE = 1e-12  # fraction of GDP; the sums run in another order


def candidate_rows(model: AllianceModel, i: int) -> np.ndarray:
    """State i's current row, every single-tie change and every treaty exit and join."""
    row = model.levels[i]
    partners, new_levels = alignment.candidate_changes(row, i, model.treaty_levels[i])
    rows = np.repeat(row[None, :], len(partners) + 1, axis=0)
    rows[np.arange(1, len(partners) + 1), partners] = new_levels
    exits, joins = model.view.treaty_options(i)
    if exits or joins:
        rows = np.vstack([rows, model.view.treaty_rows(i, exits, joins)])
    return rows


@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_kernel_equals_reference_on_the_models_contexts(world, scenario):
    p = prepare(compose([world, f"scenario={scenario}"]))
    model = AllianceModel(p.world, p.params, p.events, rng=5, scenario_name=p.scenario)
    checked = 0
    for _ in range(4):  # 2024 and three years on, the scenarios' events in force
        ctx = model.ctx
        for i in range(model.world.n):
            rows = candidate_rows(model, i)
            ref = payoffs.alignment_terms(np.full(len(rows), i), rows, ctx)
            fast = kernels.alignment_terms(i, rows, ctx)
            np.testing.assert_allclose(fast, ref, rtol=0, atol=TOLERANCE)
            checked += len(rows)
        model.step()
    assert checked > 4 * model.world.n


def random_context(n: int, rng: np.random.Generator) -> payoffs.AlignmentContext:
    """A context of random magnitudes, with coercers and conditional side payments."""
    k = rng.uniform(1, 500, n)
    hostility = rng.uniform(0, 1, (n, n))
    np.fill_diagonal(hostility, 0)
    coercers = np.array([0, n - 1]) if rng.random() < 0.75 else np.array([], dtype=int)
    offer = np.zeros((n, n))  # several donors, one of them offering itself something
    for d in rng.choice(n, size=min(n, int(rng.integers(1, 4))), replace=False):
        offer[d] = rng.uniform(0, 5, n) * (rng.random(n) < 0.6)
    return payoffs.AlignmentContext(
        theta=rng.uniform(0.001, 0.2, n),
        own=k,
        threat=rng.uniform(1, 800, n),
        base=rng.uniform(0, 300, (n, n)),
        credibility=rng.uniform(0, 1, (n, n)),
        level_weight=np.array([0.0, 0.2, 0.5, 1.0]),
        linear=rng.normal(0, 0.002, (n, n, 3)),
        hostility=hostility,
        stakes=rng.uniform(0, 0.01, (n, n)),
        dependence=payoffs.dependence(k),
        autonomy_weight=0.005,
        coercers=coercers,
        at_risk=rng.uniform(0, 0.003, (n, coercers.size)),
        excess=rng.uniform(0, 1, (n, coercers.size, n)),
        levels=rng.integers(0, 4, (n, n)),
        aid_offer=offer,
        aid_min_level=rng.integers(0, 4, n),
        aid_min_partners=rng.integers(0, 3, n),
        aid_capability=rng.uniform(0, 1, n),
        aid_cash=rng.uniform(0, 1, n),
        aid_from_defence=rng.random(n) < 0.5,
        gdp=rng.uniform(10, 20000, n),
        depreciation=0.1,
        side_payment_weight=0.8,
    )


@pytest.mark.parametrize("seed", range(80))
def test_kernel_equals_reference_on_random_contexts(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 12))
    ctx = random_context(n, rng)
    for i in (0, int(rng.integers(0, n)), n - 1):  # the donor, anyone, a coercer
        rows = rng.integers(0, 4, (int(rng.integers(1, 9)), n))
        ref = payoffs.alignment_terms(np.full(len(rows), i), rows, ctx)
        fast = kernels.alignment_terms(i, rows, ctx)
        np.testing.assert_allclose(fast, ref, rtol=0, atol=TOLERANCE)


@pytest.fixture(scope="module")
def csv_states(tmp_path_factory) -> Path:
    """The default world's states as an actors CSV (read through ``world=csv``)."""
    return equality.csv_world(tmp_path_factory.mktemp("csv_world"))


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["expected_utility", "balance_of_threat", "landscape"])
@pytest.mark.parametrize("world", [*WORLDS, "csv"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_compiled_run_is_the_reference_run(scenario, world, rule, csv_states):
    """Identical ties, events (with their reasons), alliances and states; floats equal to
    1e-9 (``sim.study.equality``). Three seeds of ten years a combination here; the oracle
    matrix of 100 seeds is ``experiments/engine_equality``."""
    where = ["world=csv", f"world.actors_csv={csv_states}"] if world == "csv" else [world]
    row = equality.compare(
        ([*where, f"scenario={scenario}", f"model.alignment.rule={rule}"], [0, 1, 2], 10)
    )
    assert (row["seeds"], row["unequal"]) == (3, 0), row["first"]


def test_the_equality_check_can_fail(monkeypatch):
    """A compiled engine that decided differently would be caught: a run of one engine against
    a run of another seed differs."""
    from sim.runner.simulate import simulate as run

    def other_seed(cfg, seed, prepared):
        return run(cfg, seed + (cfg.model.engine == "compiled"), prepared)

    monkeypatch.setattr("sim.runner.simulate.simulate", other_seed)
    row = equality.compare((["world=default", "scenario=baseline"], [0], 3))
    assert row["unequal"] == 1 and row["first"].startswith("seed 0: ")


def test_an_unknown_engine_is_one_line():
    with pytest.raises(UserError, match=r"model\.engine 'fast' is unknown; use one of reference"):
        prepare(compose(["model.engine=fast"]))


@pytest.mark.parametrize("seed", range(60))
def test_budget_kernel_equals_reference(seed):
    """The same float as ``budget.best_response_scalar``, over random inputs: with and without
    allies, a kinked or smooth target, a private benefit, shares at the bounds."""
    from sim.core import budget

    rng = np.random.default_rng(seed)
    for _ in range(20):
        come = float(rng.uniform(0, 1))
        lower = float(rng.choice([0.0, rng.uniform(0, 0.01)]))
        args = (
            float(rng.lognormal(-3, 1.5)),  # theta
            (float(rng.choice([0.0, rng.uniform(0, 5000)])), 0.0),
            float(rng.uniform(1, 5000)),  # threat
            float(rng.uniform(10, 20000)),  # capability per share
            lower,
            float(rng.uniform(max(lower, 0.02), 0.2)),
            float(rng.choice([0.0, rng.uniform(0.005, 0.06)])),  # target
            float(rng.choice([0.0, rng.uniform(0, 2)])),  # target weight
            float(rng.choice([0.0, rng.uniform(0, 0.01)])),  # private benefit
            (come, 1.0 - come),
            float(rng.choice([0.0, 0.0025])),  # smoothing
        )
        assert kernels.best_response(*args) == budget.best_response_scalar(*args), args


def test_kernel_refuses_levels_the_reference_cannot_index_and_keeps_nan():
    rng = np.random.default_rng(1)
    ctx = random_context(4, rng)
    with pytest.raises(IndexError):
        payoffs.alignment_terms(np.zeros(1, dtype=int), np.array([[0, 4, 0, 0]]), ctx)
    with pytest.raises(IndexError, match="levels must lie in 0-3"):
        kernels.alignment_terms(0, np.array([[0, 4, 0, 0]]), ctx)
    hostility = ctx.hostility.copy()
    hostility[1, 2] = np.nan  # bad data shows as NaN in both, not as a number in one
    bad = dataclasses.replace(ctx, hostility=hostility)
    rows = np.array([[0, 3, 1, 0]])
    ref = payoffs.alignment_terms(np.zeros(1, dtype=int), rows, bad)
    fast = kernels.alignment_terms(0, rows, bad)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(ref))
    assert np.isnan(ref).any()


def changed_terms(i: int, rows: np.ndarray, ctx) -> np.ndarray:
    """``_jit.changed_terms`` of ``rows`` given as changes of state i's current row."""
    from sim.core import _jit, _jit_decision

    both = np.vstack([ctx.levels[i][None, :], rows]).astype(np.int64)
    arrays, scalars = kernels.context_arrays(ctx)
    return _jit.changed_terms(i, *_jit_decision.row_changes(both), arrays, scalars)[1:]


@pytest.mark.parametrize("seed", range(80))
def test_rows_scored_as_changes_equal_reference(seed):
    """The sparse scoring of the compiled decision (``_jit.changed_terms``: only the entries
    that differ from the current row, only the changed partners' rivals) gives
    ``payoffs.alignment_terms`` on random contexts: hostility dense or mostly zero, several
    donors (one of them the state), coercers or none, rows that change one tie or many."""
    rng = np.random.default_rng(1000 + seed)
    n = int(rng.integers(2, 14))
    ctx = random_context(n, rng)
    if seed % 2:
        sparse = ctx.hostility * (rng.random((n, n)) < 0.2)
        ctx = dataclasses.replace(ctx, hostility=sparse)
    for i in (0, int(rng.integers(0, n)), n - 1):
        rows = np.repeat(ctx.levels[i][None, :], 6, axis=0)
        for k, changes in enumerate((0, 1, 1, 2, n // 2, n)):
            cols = rng.choice(n, size=changes, replace=False)
            rows[k, cols] = rng.integers(0, 4, changes)
        ref = payoffs.alignment_terms(np.full(len(rows), i), rows, ctx)
        np.testing.assert_allclose(changed_terms(i, rows, ctx), ref, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("world", WORLDS)
def test_single_ties_scored_as_changes_equal_reference_on_the_models_contexts(world):
    """Every single-tie option of every state, four years of the injection scenario (side
    payments, coercers, the sparse hostility of the calibrated worlds)."""
    from sim.core import _jit

    p = prepare(compose([world, "scenario=injection_1p5b"]))
    model = AllianceModel(p.world, p.params, p.events, rng=2, scenario_name=p.scenario)
    assert kernels.context_arrays(model.ctx)[0][20].size == model.world.n + 1  # sparse lists
    for _ in range(4):
        arrays, scalars = kernels.context_arrays(model.ctx)
        for i in range(model.world.n):
            row = model.levels[i]
            partners, levels = alignment.candidate_changes(row, i, model.treaty_levels[i])
            ref = payoffs.tie_change_deltas(i, row, partners, levels, model.ctx)
            t = _jit.tie_terms(
                i, partners.astype(np.int64), levels.astype(np.int64), arrays, scalars
            )
            np.testing.assert_allclose(t[1:] - t[0], ref, rtol=0, atol=TOLERANCE)
        model.step()


def test_hostility_with_nan_falls_back_to_whole_rows():
    """NaN hostility gives no sparse lists: the decision kernel scores whole rows, which keep
    the NaN where the reference has it."""
    from sim.core import _jit_decision

    ctx = random_context(5, np.random.default_rng(4))
    hostility = ctx.hostility.copy()
    hostility[1, 2] = np.nan
    bad = dataclasses.replace(ctx, hostility=hostility)
    arrays, scalars = kernels.context_arrays(bad)
    assert arrays[20].size == 0
    partners, levels = np.array([1, 2, 3]), np.array([3, 0, 2])
    fast = _jit_decision.tie_deltas(
        0, partners, levels, arrays, scalars, kernels.dense_scoring(arrays)
    )
    ref = payoffs.tie_change_deltas(0, bad.levels[0], partners, levels, bad)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(ref))
    np.testing.assert_allclose(fast, ref, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("seed", range(10))
def test_the_kernels_draws_are_the_generators(seed):
    """``next_double`` on the aliased PCG64 state gives ``Generator.random()``'s floats and
    leaves the generator where the reference's draws leave it."""
    from sim.core import _jit_decision

    fast, slow = np.random.default_rng(seed), np.random.default_rng(seed)
    fast.random(seed)  # any position in the stream
    slow.random(seed)
    words = kernels.pcg64_state(fast)
    assert [_jit_decision.next_double(words) for _ in range(500)] == slow.random(500).tolist()
    assert fast.bit_generator.state == slow.bit_generator.state
    assert kernels.pcg64_state(np.random.Generator(np.random.MT19937(seed))) is None


@given(
    st.lists(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), min_size=0, max_size=700),
    st.integers(0, 5),
)
@settings(max_examples=200, deadline=None)
def test_pairwise_sum_is_numpys(values, start):
    """The compiled sum gives numpy's float to the last bit, at any length and offset."""
    from sim.core import _jit_decision

    x = np.array(values + [0.0] * start, dtype=float)
    n = max(0, len(values) - start)
    assert _jit_decision.pairwise_sum(x, start, n) == x[start : start + n].sum()


@pytest.mark.parametrize(
    ("overrides", "compiled"),
    [
        (["model.engine=compiled"], True),
        (["model.engine=compiled", "model.alignment.rule=balance_of_threat"], True),
        (["model.engine=compiled", "model.alignment.rule=landscape"], False),
        (["model.engine=reference"], False),
    ],
)
def test_which_models_decide_in_one_compiled_call(overrides, compiled):
    """The whole-decision kernel serves the expected-utility rules on the compiled engine (so
    the whole-run equality above exercises it); the landscape rule decides in Python."""
    p = prepare(compose(["world=classroom5", *overrides]))
    model = AllianceModel(p.world, p.params, p.events, rng=0)
    assert (model.compiled is not None) == compiled


COUNT_COMPILES = """
from numba.core import event
compiled = []
class Listener(event.Listener):
    def on_start(self, e):
        compiled.append(e.data["dispatcher"].py_func.__qualname__)
    def on_end(self, e):
        pass
event.register("numba:compile", Listener())
"""
"""The start of a script that lists, in ``compiled``, what numba compiles in its process."""

COMPILES_AFTER_WARM = (
    COUNT_COMPILES
    + """
from sim.core import kernels
from sim.runner.config import compose
from sim.runner.simulate import prepare, run_model
for world in ("classroom5", "default"):
    prepared = prepare(compose([f"world={world}", "model.horizon=2", "model.engine=compiled"]))
    model = run_model(prepared, 0)
    model = run_model(prepared, 1)  # takes the first's calibration over (read-only arrays)
    model.recorder.tables()
    kernels.alignment_terms(0, model.levels[:1], model.ctx)
    model.view.budget_inputs(0).best_response()
print(sorted(set(compiled)))
"""
)


def assert_a_run_compiles_nothing(env: dict) -> None:
    """A new process with ``env`` that runs ``COMPILES_AFTER_WARM`` compiles no kernel."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", COMPILES_AFTER_WARM],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stdout[-2000:]


@pytest.mark.slow
def test_after_the_setups_warm_a_run_compiles_nothing(tmp_path):
    """``warm_kernels`` (run by scripts/bootstrap.sh, its two halves in two processes at once)
    leaves in numba's cache every kernel a run calls: a later process that builds and runs the
    class and the default world, scores what-ifs and a Python budget compiles nothing (numba's
    compile events, counted from a fresh cache folder). Without the warm its kernels would be
    compiled before its first run (``ensure_kernels``; the next test). The warm says once on
    stderr that it compiles; a second warm, on the complete cache, says nothing."""
    import os
    import subprocess
    import sys

    from sim.core import kernels

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    warm = "from sim.runner.simulate import warm_kernels; warm_kernels()"
    said = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", warm], check=True, env=env, capture_output=True, text=True
        )
        said.append(done.stderr.count(kernels.COMPILING_NOTICE))
    assert said == [1, 0], said
    assert_a_run_compiles_nothing(env)
    assert "warm_kernels" in (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    # the single-tie scorer of large worlds is not in the warm: the first large world compiles
    # it and says so once, the next loads it
    assert not list((tmp_path / "numba").rglob("_jit_single.tie_change_terms-*.nbi"))
    large = [sys.executable, "-c", LARGE_WORLD, str(ROOT / "benchmarks"), str(tmp_path)]
    notices = [
        subprocess.run(large, check=True, env=env, capture_output=True, text=True).stderr
        for _ in range(2)
    ]
    assert [x.count(kernels.SINGLE_TIE_NOTICE) for x in notices] == [1, 0], notices
    assert list((tmp_path / "numba").rglob("_jit_single.tie_change_terms-*.nbi"))


LARGE_WORLD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from run_benchmark import synthetic_world
from sim.abm.model import AllianceModel
from sim.core import payoffs
from sim.runner.config import compose
from sim.runner.simulate import prepare
path = synthetic_world(payoffs.SINGLE_TIE_MIN_STATES, Path(sys.argv[2]))
p = prepare(compose(["world=csv", f"world.actors_csv={path}", "model.engine=compiled"]))
AllianceModel(p.world, p.params, p.events, rng=0)
"""


FIRST_RUN = (
    COUNT_COMPILES
    + """
import sys
from sim.abm.model import AllianceModel
from sim.runner.config import compose
from sim.runner.simulate import prepare, run_model
p = prepare(compose(["world=classroom5", "model.horizon=2"]))
if sys.argv[1] == "run_model":
    run_model(p, 0)
else:  # a model built directly, as the studies and the page build theirs
    AllianceModel(p.world, p.params, p.events, rng=0).run()
print(sorted(set(compiled)))
"""
)


@pytest.mark.slow
def test_first_runs_on_an_empty_cache_compile_in_two_processes_one_run_at_a_time(tmp_path):
    """Without the setup's warm (a plain ``pip install``), the first compiled model of a
    process, however it is built, compiles the kernels as the warm does, in processes of its
    own (``ensure_kernels``, the kernels' cold-cache hook). Two runs started at once on the
    empty cache take turns under the lock: exactly one compiles (and says so), the other
    waits and loads; neither compiles anything in its own process. Afterwards a run compiles
    nothing."""
    import ast
    import os
    import subprocess
    import sys

    from sim.core import kernels

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    env.pop("ALLIANCE_SIM_WARM_LOCK", None)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_RUN, how],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for how in ("run_model", "model")
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    said = [err.count(kernels.COMPILING_NOTICE) for _, err in outputs]
    assert sorted(said) == [0, 1], outputs
    compiled = [ast.literal_eval(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert compiled == [[], []], outputs
    assert list((tmp_path / "numba").rglob("alliance-sim-warm.lock"))
    assert_a_run_compiles_nothing(env)


def test_the_cache_counts_as_complete_only_with_the_mark_of_a_finished_warm_of_these_kernels(
    tmp_path, monkeypatch
):
    """Index files do not make a cache complete (a warm under way writes them early): the
    mark a finished warm writes does, for the kernels' sources it was written for."""
    from sim.core import kernels

    monkeypatch.setattr(kernels, "cache_folder", lambda: tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    for name in kernels.CACHED_MODULES:
        (tmp_path / "cache" / f"{name}.terms-1.py313.nbi").touch()
    assert not kernels.cache_complete()
    kernels.mark_cache_complete()
    assert kernels.cache_complete()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir() if "nbi" not in p.name) == [
        kernels.WARMED_FILE
    ]  # no temporary file left
    monkeypatch.setattr(kernels, "cache_stamp", lambda: "kernels edited since")
    assert not kernels.cache_complete()


def test_a_warm_that_fails_leaves_the_run_to_compile_with_one_line(capsys):
    """A failing warm is not the run's failure: one line on stderr, then the run's process
    compiles what it needs (``_warm_in_a_child`` returns False)."""
    from sim.runner import simulate

    assert not simulate._warm_in_a_child("import sys; print('no compiler here'); sys.exit(3)")
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no compiler here" in err[0], err


WARM_HALF = """
import sys
from sim.core import kernels
from sim.runner.simulate import warm_kernels
warm_kernels(sys.argv[1])
module = kernels.decision_module()
single = kernels.single_module().tie_change_terms
context = kernels.context_module().year_context
what_if = kernels._compiled().terms
ready = (module.decide, context, module.current_terms, what_if, single)
print(*(bool(kernel.signatures) for kernel in ready))
"""


@pytest.mark.parametrize(
    ("part", "loaded"),
    [("decisions", "True False True False False"), ("scores", "False True False True False")],
)
def test_each_half_of_the_warm_loads_its_own_kernels(part, loaded):
    """Each half of ``warm_kernels`` (``WARM_PARTS``), in a fresh process, readies its own
    kernels (loaded from the cache the setup left, or compiled) and none of the other half's:
    the decision kernel and the recorder's terms (the two call the decisions' scorer) in one;
    the year's context kernel and the what-if scorer (the class world's calibration) in the
    other. Neither readies the single-tie scorer of large worlds (``kernels.single_module``)."""
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-c", WARM_HALF, part], check=True, capture_output=True, text=True
    )
    assert run.stdout.strip().splitlines()[-1] == loaded, run.stdout[-2000:]


def test_the_warm_stops_at_a_child_that_fails_and_refuses_an_unknown_part(monkeypatch):
    """The child's failure is an error with its output, not a silent half-warm cache."""
    import sys

    from sim.runner.simulate import warm_kernels

    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match="compiling the decision kernel failed"):
        warm_kernels()
    with pytest.raises(ValueError, match="part must be"):
        warm_kernels("everything")


def test_the_warm_stops_its_child_when_its_own_half_fails(monkeypatch):
    """An error (or Ctrl-C) in this process's half kills the child compiling the other: no
    compiler left running behind a failed setup."""
    import subprocess

    from sim.runner import simulate

    children = []

    class Child:
        returncode = None

        def __init__(self, *args, **kwargs):
            self.killed = False
            children.append(self)

        def kill(self):
            self.killed = True

        def communicate(self, timeout=None):
            return b"", b""

    def fail(part):
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess, "Popen", Child)
    monkeypatch.setattr(simulate, "_warm", fail)
    with pytest.raises(KeyboardInterrupt):
        simulate.warm_kernels()
    assert [child.killed for child in children] == [True]


@pytest.mark.parametrize("cache_writable", [True, False])
def test_a_warm_leaves_no_lock_file_in_the_temporary_folder(monkeypatch, tmp_path, cache_writable):
    """The halves' lock (``cache_entries_in_turn``) is a file kept in numba's cache folder, so
    that a warm stopped by a signal (an interrupted first run kills it, and no ``finally``
    runs) leaves nothing in the temporary folder; only where the cache folder cannot take it
    is it a temporary file, removed when the warm ends."""
    import subprocess
    import tempfile

    from sim.core import kernels
    from sim.runner import simulate

    temp, cache = tmp_path / "tmp", tmp_path / "cache"
    temp.mkdir()
    if not cache_writable:
        (tmp_path / "file").touch()
        cache = tmp_path / "file" / "cache"  # under a file: cannot be made
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(kernels, "cache_folder", lambda: cache)
    monkeypatch.setattr(kernels, "mark_cache_complete", lambda: None)
    seen = {}

    class Child:
        returncode = 0

        def __init__(self, args, env, **kwargs):
            seen["lock"] = env[simulate.WARM_LOCK_ENV]

        def communicate(self, timeout=None):
            return b"", b""

    def half(part):
        seen["during"] = sorted(p.name for p in temp.iterdir())

    monkeypatch.setattr(subprocess, "Popen", Child)
    monkeypatch.setattr(simulate, "_warm", half)
    simulate.warm_kernels()
    if cache_writable:
        assert seen["lock"] == str(cache / simulate.ENTRIES_LOCK_FILE)
        assert seen["during"] == []
    else:
        assert seen["during"] == [seen["lock"].rsplit("/", 1)[-1]]
    assert list(temp.iterdir()) == []


def test_the_warms_halves_take_turns_for_each_cache_entry(tmp_path):
    """``cache_entries_in_turn``: while another holder has the lock, saving a cache entry waits
    (so the two halves never pair one's index entry with the other's data file); after the
    block numba's own methods are back."""
    import fcntl
    import os
    import threading

    from numba.core import caching

    from sim.runner.simulate import cache_entries_in_turn

    original = caching.IndexDataCacheFile.save
    lock = tmp_path / "warm.lock"
    lock.touch()
    saved = []

    class Entry:  # what IndexDataCacheFile.save uses of itself
        def _load_index(self):
            return {}

        def _data_name(self, i):
            return f"data.{i}"

        def _save_index(self, overloads):
            saved.append(("index", dict(overloads)))

        def _save_data(self, name, data):
            saved.append(("data", name))

    other = os.open(lock, os.O_RDWR)  # another holder of the lock
    try:
        with cache_entries_in_turn(str(lock)):
            assert caching.IndexDataCacheFile.save is not original
            fcntl.flock(other, fcntl.LOCK_EX)
            save = threading.Thread(target=caching.IndexDataCacheFile.save, args=(Entry(), "k", 1))
            save.start()
            save.join(0.5)
            assert save.is_alive() and saved == []  # waits for its turn
            fcntl.flock(other, fcntl.LOCK_UN)
            save.join(10)
            assert not save.is_alive()
            assert saved == [("index", {"k": "data.1"}), ("data", "data.1")]
    finally:
        os.close(other)
    assert caching.IndexDataCacheFile.save is original


def test_a_copied_model_draws_from_its_own_generator():
    """A deep copy gets its own PCG64 state (not four words copied loose): the copy and the
    original step on in step, and the copy's generator advances (``__getstate__``)."""
    import copy

    p = prepare(compose(["world=classroom5"]))
    model = AllianceModel(p.world, p.params, p.events, rng=3)
    model.step()
    twin = copy.deepcopy(model)
    before = twin.random_np.bit_generator.state
    model.step()
    twin.step()
    assert twin.random_np.bit_generator.state != before
    assert twin.random_np.bit_generator.state == model.random_np.bit_generator.state
    pd.testing.assert_frame_equal(
        twin.recorder.tables()["events"], model.recorder.tables()["events"]
    )


def test_the_class_game_decides_in_python():
    """The class game seats students in a subclass and swaps in its own rule after the model
    is built: the kernel serves none of its agents, so the teams' moves are played."""
    from sim.classroom.model_game import ModelGame

    model = ModelGame(turns=1, seed=2).model
    assert model.params.engine == "compiled"
    assert not any(model.compiled.serves(agent) for agent in model.agents)
    plain = AllianceModel(model.world, model.params, model.events, rng=2)
    assert all(plain.compiled.serves(agent) for agent in plain.agents)


def test_a_nan_push_stays_nan_in_the_budget_kernel():
    """The Richardson push of a reacting state is applied as the reference applies it, NaN
    included (``np.clip`` keeps NaN); a state that does not react gets none."""
    p = prepare(compose(["world=classroom5"]))
    model = AllianceModel(p.world, p.params, p.events, rng=0)
    fast = model.compiled
    arrays, _ = fast._context()
    budget = list(fast._budget())
    out = np.zeros(3)
    module = kernels.decision_module()
    module.budget(0, arrays, tuple(budget), fast.settings, out)
    assert out[1] == out[2]  # no reaction: the desired share is the best response
    budget[6] = np.full(model.world.n, np.nan)
    budget[8] = np.ones(model.world.n, dtype=bool)
    module.budget(0, arrays, tuple(budget), fast.settings, out)
    assert np.isnan(out[1]) and not np.isnan(out[2])


def test_the_kernel_draws_under_the_generators_lock():
    """The kernel advances the generator's state in place, so it holds the generator's lock as
    numpy's own draws do: a decision waits while another thread holds it, then goes on."""
    import threading

    p = prepare(compose(["world=classroom5", "model.engine=compiled"]))
    model = AllianceModel(p.world, p.params, p.events, rng=4)
    model.begin_year()
    agent = model.by_index[0]
    lock = model.random_np.bit_generator.lock
    lock.acquire()
    try:
        thread = threading.Thread(target=model.compiled.decide, args=(agent,))
        thread.start()
        thread.join(1.0)
        assert thread.is_alive()  # waiting for the lock
    finally:
        lock.release()
    thread.join(60)
    assert not thread.is_alive()
