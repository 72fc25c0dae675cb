"""Benchmark: where one run's time goes, part by part, and one year's context on both engines.

    python benchmarks/run_parts.py                       # the default world, compiled, 20 runs
    python benchmarks/run_parts.py --runs 40 scenario=injection_1p5b

Each part is timed around the function that does it (a wrapper adds well under a microsecond a
call), over ``--runs`` runs of ``sim.runner.simulate.simulate`` after one warm-up run, three
times; the fastest of the three is printed, as ms a run:

- "decisions": Mesa's shuffled ``StateAgent.step`` calls (with the compiled engine: the kernel,
  numba's dispatch, the choice carried out); "kernel" and "carrying out" are parts of it;
- "recording" the year's ``Recorder.record``; "tables" the run's pandas tables;
- "contexts" the year's payoff contexts (``AllianceModel._context``, twice a year);
- "construction" the model's, with the calibration taken over from the first run.

Then one year's context of the default world (after 3 years) on both engines: the whole
``_context`` and its pair terms alone (medians of 7 x 200 calls). Overrides after the options
are Hydra overrides of the run's config.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter


def timed(counter: Counter, calls: Counter, owner, name: str, label: str):
    """Wrap ``owner.name`` so that each call adds its wall time to ``counter[label]`` and one
    to ``calls[label]``; returns what puts the original back."""
    function = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            counter[label] += time.perf_counter() - start
            calls[label] += 1

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, function)


def run_parts(overrides: list[str], runs: int) -> tuple[float, dict[str, float], Counter]:
    """Seconds a run and seconds a run in each part (the fastest of three rounds)."""
    from sim.abm import compiled, model, recorder
    from sim.abm.agents import StateAgent
    from sim.cli.preflight import compose_checked
    from sim.runner.simulate import prepare, simulate

    spent, calls = Counter(), Counter()
    parts = [
        (StateAgent, "step", "decisions"),
        (compiled.CompiledDecisions, "_carry_out", "  carrying out"),
        (recorder.Recorder, "record", "recording"),
        (recorder.Recorder, "tables", "tables"),
        (model.AllianceModel, "_context", "contexts"),
        (model.AllianceModel, "__init__", "construction"),
    ]
    cfg = compose_checked(overrides)
    prepared = prepare(cfg)
    if cfg.model.engine == "compiled":
        from sim.core import kernels

        parts.append((kernels.decision_module(), "decide", "  kernel (with numba's dispatch)"))
    restore = [timed(spent, calls, *part) for part in parts]
    try:
        simulate(cfg, 0, prepared)
        best = None
        for _ in range(3):
            spent.clear()
            calls.clear()
            start = time.perf_counter()
            for replicate in range(runs):
                simulate(cfg, replicate, prepared)
            total = (time.perf_counter() - start) / runs
            if best is None or total < best[0]:
                best = (total, {k: v / runs for k, v in spent.items()}, Counter(calls))
    finally:
        for undo in restore:
            undo()
    return best


def context_times(calls: int = 200, rounds: int = 7) -> dict[str, float]:
    """Seconds (medians) of one context of the default world after 3 years, both engines."""
    from sim.abm.model import AllianceModel
    from sim.cli.preflight import compose_checked
    from sim.runner.simulate import prepare

    p = prepare(compose_checked([]))
    m = AllianceModel(p.world, p.params, p.events, rng=0)
    m.run(3)
    inputs = m._context_inputs()

    def median(call) -> float:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(calls):
                call()
            times.append((time.perf_counter() - start) / calls)
        return statistics.median(times)

    out = {}
    for flag, engine in ((False, "reference"), (True, "compiled")):
        m.compiled_context = flag
        out[f"context, {engine}"] = median(m._context)
    out["pair terms, reference"] = median(lambda: m._pair_terms(*inputs))
    out["pair terms, compiled"] = median(lambda: m._pair_terms_compiled(*inputs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs a round (three rounds)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the run's config")
    args = parser.parse_args()
    total, parts, calls = run_parts(args.overrides, args.runs)
    print(f"one run: {total * 1e3:.1f} ms ({' '.join(args.overrides) or 'the default config'})")
    for label, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        each = seconds * args.runs / calls[label] * 1e6
        print(f"  {label:34s} {seconds * 1e3:6.1f} ms a run  ({each:7.1f} us a call)")
    for label, seconds in context_times().items():
        print(f"{label:36s} {seconds * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
