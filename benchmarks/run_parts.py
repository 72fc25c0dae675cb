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

With the compiled engine, an empty compiled function is then called as many times as the
kernel was, with the kernel's last arguments (numba's dispatch depends on their types, not
their values): "numba's dispatch" is that time (typing, unboxing and calling with the 14
arguments, 53 arrays and numbers in all), and "the kernel's arithmetic" the kernel's time less
it (its own work, and whatever its call costs beyond an empty function's). For whole runs, a
line says what the kernel's calls alone allow: runs a second on two cores if nothing else in a
run cost any time.

    python benchmarks/run_parts.py --states 1000 --steps 3   # a synthetic world, per step

``--states N`` times ``--steps`` steps (after one) of the synthetic world of ``N`` states of
``run_benchmark.py``'s scale part instead of whole runs, as ms a step.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

KERNEL = "  kernel (with numba's dispatch)"
DISPATCH = "    numba's dispatch (an empty function)"
ARITHMETIC = "    the kernel's arithmetic (the rest)"


ORDER = [
    "decisions",
    KERNEL,
    DISPATCH,
    ARITHMETIC,
    "  carrying out",
    "recording",
    "contexts",
    "tables",
    "construction",
]
"""The order the parts are printed in."""


def timed(counter: Counter, calls: Counter, owner, name: str, label: str, last: list | None = None):
    """Wrap ``owner.name`` so that each call adds its wall time to ``counter[label]`` and one
    to ``calls[label]`` (and leaves its arguments in ``last[0]`` when ``last`` is given);
    returns what puts the original back."""
    function = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            counter[label] += time.perf_counter() - start
            calls[label] += 1
            if last is not None:
                last[:] = [args]

    setattr(owner, name, wrapper)
    return lambda: setattr(owner, name, function)


def dispatch_seconds(args: tuple, calls: int) -> float:
    """Seconds that ``calls`` calls of an empty compiled function take, given ``args`` (the
    kernel's last arguments; numba's dispatch depends on their types, not their values): the
    fastest of three rounds."""
    import numba

    if len(args) != 14:
        raise RuntimeError(f"the decision kernel now takes {len(args)} arguments: update `empty`")

    @numba.njit
    def empty(a, b, c, d, e, f, g, h, i, j, k, l, m, n):  # noqa: E741 (the kernel's 14)
        return None

    empty(*args)  # compiled here, not timed
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            empty(*args)
        best = min(best, time.perf_counter() - start)
    return best


def compose_world(overrides: list[str], states: int, folder: str, horizon: int):
    """The run's config; with ``states``, that of the synthetic world of that many states
    (``run_benchmark.synthetic_world``) over ``horizon`` years."""
    from pathlib import Path

    from sim.cli.preflight import compose_checked

    if not states:
        return compose_checked(overrides)
    from run_benchmark import synthetic_world

    path = synthetic_world(states, Path(folder))
    world = ["world=csv", f"world.actors_csv={path}", f"model.horizon={horizon}"]
    return compose_checked([*world, *overrides])


def run_parts(
    overrides: list[str], runs: int, states: int = 0, steps: int = 1
) -> tuple[float, dict[str, float], Counter]:
    """Seconds a run (with ``states``: a step) and seconds a run (a step) in each part, the
    fastest of three rounds of ``runs`` runs (``steps`` steps)."""
    import tempfile

    from sim.abm import compiled, model, recorder
    from sim.abm.agents import StateAgent
    from sim.runner.simulate import prepare, simulate

    spent, calls, last = Counter(), Counter(), []
    parts = [
        (StateAgent, "step", "decisions"),
        (compiled.CompiledDecisions, "_carry_out", "  carrying out"),
        (recorder.Recorder, "record", "recording"),
        (recorder.Recorder, "tables", "tables"),
        (model.AllianceModel, "_context", "contexts"),
        (model.AllianceModel, "__init__", "construction"),
    ]
    with tempfile.TemporaryDirectory() as folder:
        cfg = compose_world(overrides, states, folder, 2 + 3 * steps)
        prepared = prepare(cfg)  # reads the world's CSV
    compiled_engine = cfg.model.engine == "compiled"
    if compiled_engine:
        from sim.core import kernels

        parts.append((kernels.decision_module(), "decide", KERNEL, last))
    restore = [timed(spent, calls, *part) for part in parts]
    try:
        if states:
            world = model.AllianceModel(prepared.world, prepared.params, prepared.events, rng=1)
            world.step()  # a warm-up step (numba's cache loaded)
            body, count = lambda: [world.step() for _ in range(steps)], steps
        else:
            simulate(cfg, 0, prepared)  # a warm-up run
            body, count = lambda: [simulate(cfg, r, prepared) for r in range(runs)], runs
        best = None
        for _ in range(3):
            spent.clear()
            calls.clear()
            start = time.perf_counter()
            body()
            total = (time.perf_counter() - start) / count
            if best is None or total < best[0]:
                best = (total, {k: v / count for k, v in spent.items()}, Counter(calls))
    finally:
        for undo in restore:
            undo()
    if compiled_engine and last:
        total, split, counts = best
        split[DISPATCH] = dispatch_seconds(last[0], counts[KERNEL]) / count
        split[ARITHMETIC] = split[KERNEL] - split[DISPATCH]
        counts[DISPATCH] = counts[ARITHMETIC] = counts[KERNEL]
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
    parser.add_argument("--states", type=int, default=0, help="a synthetic world of N states")
    parser.add_argument("--steps", type=int, default=1, help="with --states: steps a round")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the run's config")
    args = parser.parse_args()
    total, parts, calls = run_parts(args.overrides, args.runs, args.states, args.steps)
    unit, count = ("step", args.steps) if args.states else ("run", args.runs)
    what = f"a synthetic world of {args.states} states; " if args.states else ""
    config = " ".join(args.overrides) or "the default config"
    print(f"one {unit}: {total * 1e3:.1f} ms ({what}{config})")
    for label in sorted(parts, key=ORDER.index):  # each part, then its own parts
        each = parts[label] * count / calls[label] * 1e6
        print(f"  {label:40s} {parts[label] * 1e3:7.1f} ms a {unit}  ({each:8.1f} us a call)")
    if KERNEL in parts and not args.states:  # runs are parallel; a step's decisions are not
        kernel, arithmetic = parts[KERNEL], parts[ARITHMETIC]
        alone = f"{2 / arithmetic:.0f}" if arithmetic > 0 else "n/a: not above the dispatch"
        print(
            f"the kernel's calls alone allow at most {2 / kernel:.0f} {unit}s/s on two cores "
            f"(its arithmetic alone {alone}), if nothing else cost any time"
        )
    if not args.states:
        for label, seconds in context_times().items():
            print(f"{label:36s} {seconds * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
