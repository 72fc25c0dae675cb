"""Benchmark: wall time of one default run (all states, default horizon, outputs in memory).

    python benchmarks/run_benchmark.py [--runs N] [overrides ...]

Composes the config once, then times ``simulate`` (build the model, run every year, assemble the
tables) N times after imports and one warm-up run, and prints the median, min and max with the
machine described. Results are written into docs/performance.md by hand with the command used.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from sim.runner.config import compose
from sim.runner.simulate import prepare, simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (scenario=injection_1p5b)")
    args = parser.parse_args()
    cfg = compose(args.overrides)
    prepared = prepare(cfg)
    simulate(cfg, 0, prepared)  # warm-up
    times = []
    for r in range(args.runs):
        start = time.perf_counter()
        tables = simulate(cfg, r, prepared)
        times.append(time.perf_counter() - start)
    n_states = tables["actors"].shape[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    print(
        f"config: world={cfg.world.name} scenario={cfg.scenario.name} states={n_states} "
        f"horizon={cfg.model.horizon} years, rule={cfg.model.alignment.rule}"
    )
    ms = [1000 * t for t in times]
    print(
        f"one run, outputs in memory: median {statistics.median(ms):.0f} ms, "
        f"min {min(ms):.0f} ms, max {max(ms):.0f} ms over {len(ms)} runs"
    )


if __name__ == "__main__":
    main()
