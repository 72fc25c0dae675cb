"""The benchmark's own checks (``benchmarks/run_benchmark.py``): its per-state Python loop must
compute what the model's numpy functions compute, or the "loop" part of ``make bench`` stops
(it once called ``payoffs.containment_reach`` with an argument the function no longer took,
unnoticed until the next full benchmark)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import run_benchmark
from run_benchmark import context_loop, context_numpy, loop_inputs, part_loop
from run_parts import ARITHMETIC, DISPATCH, run_parts


@pytest.mark.parametrize(("n", "seed"), [(2, 0), (6, 1), (15, 2), (30, 3)])
def test_the_python_loop_computes_the_models_context(n, seed):
    x = loop_inputs(n, seed)
    if seed % 2:  # no background threat: a state nothing threatens gets help at home in full
        x["background"] = np.where(np.arange(n) % 2, 0.0, x["background"])
        x["hostility"][1, :] = 0.0  # state 1: neither threat nor background
    assert (x["hostility"] > 0).any()  # threats, loyal allies and containment all exercised
    fast, slow = context_numpy(x), context_loop(x)
    assert len(fast) == len(slow) == 5
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(np.asarray(b), a, rtol=1e-10, atol=1e-12)


def test_the_loop_part_writes_a_row_a_size():
    lines = part_loop([4, 8], repeats=1)
    rows = [line for line in lines if line.startswith("| ") and line[2].isdigit()]
    assert [row.split(" | ")[0] for row in rows] == ["| 4", "| 8"]


def test_the_compile_part_times_each_code_from_an_empty_cache_of_its_own(monkeypatch):
    """Each timed process starts with an empty numba cache folder, never one an earlier
    process filled (the code below fails in a folder that is not empty, and fills it)."""
    code = (
        "import os; d = os.environ['NUMBA_CACHE_DIR']; assert not os.listdir(d); "
        "open(os.path.join(d, 'entry'), 'w').close()"
    )
    monkeypatch.setattr(run_benchmark, "COMPILE_CODES", {"one": code, "two": code})
    lines = run_benchmark.part_compile(2)
    rows = [line for line in lines if line.startswith("| one") or line.startswith("| two")]
    assert [row.split(" | ")[1] for row in rows] == ["2", "2"]


@pytest.mark.parametrize(
    ("small", "large", "fixed", "per_run"),
    [((40, 5.0), (400, 23.0), 3.0, 0.05), ((10, 1.0), (100, 1.0), 1.0, 0.0)],
)
def test_a_sweeps_time_splits_into_a_fixed_cost_and_a_cost_a_run(small, large, fixed, per_run):
    from run_benchmark import fixed_and_marginal

    got = fixed_and_marginal(small, large)
    assert got == pytest.approx((fixed, per_run), abs=1e-12)


@pytest.mark.parametrize("engine", ["compiled", "reference"])
def test_the_parts_of_a_run_are_timed_and_the_wrappers_removed(engine):
    """``benchmarks/run_parts.py``: every part timed, each within the run, the kernel and the
    carrying out within the decisions (compiled engine only), and the functions it wrapped
    given back."""
    from sim.abm.agents import StateAgent
    from sim.abm.recorder import Recorder

    before = (StateAgent.step, Recorder.record)
    total, parts, calls = run_parts(["world=classroom5", f"model.engine={engine}"], 1)
    assert (StateAgent.step, Recorder.record) == before
    kernel = "  kernel (with numba's dispatch)"
    expected = {"decisions", "recording", "tables", "contexts", "construction"}
    assert expected <= set(parts)
    assert (kernel in parts) == (engine == "compiled")
    assert all(0 < seconds < total for seconds in parts.values())
    assert calls["decisions"] == 5 * 20  # 5 states, 20 years, one run a round
    if engine == "compiled":
        assert parts[kernel] + parts["  carrying out"] < parts["decisions"]
        dispatch, arithmetic = parts[DISPATCH], parts[ARITHMETIC]
        assert 0 < dispatch < parts[kernel]
        assert dispatch + arithmetic == pytest.approx(parts[kernel], rel=1e-12)
        assert calls[DISPATCH] == calls[kernel]


def test_the_parts_of_a_synthetic_worlds_step_are_timed():
    """``run_parts.py --states``: the parts of a step of a synthetic world, each state deciding
    once a step, no run's tables or construction in a step."""
    total, parts, calls = run_parts([], 1, states=30, steps=2)
    assert calls["decisions"] == 30 * 2  # one round of two steps
    assert {"decisions", "recording", "contexts", DISPATCH} <= set(parts)
    assert not {"tables", "construction"} & set(parts)
    assert all(0 < seconds < total for seconds in parts.values())
