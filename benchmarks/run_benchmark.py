"""Benchmark: one run, sweep throughput, large synthetic worlds, numpy against a Python loop,
and the command line's cold start.

    python benchmarks/run_benchmark.py                 # everything, prints a Markdown report
    python benchmarks/run_benchmark.py --write         # ... and puts it into docs/performance.md
    python benchmarks/run_benchmark.py --only run,help # some parts (run sweep scale loop help page)

Parts:
- ``run``: wall time of ``simulate`` for the default world (40 states, 20 years; outputs in
  memory; config composed once, one warm-up run), its injection scenario, and the class world.
- ``sweep``: runs per second of a sweep of the default world on each engine, with 1 and 2
  worker processes (``multiprocessing``, each worker preparing the config once, as a
  launcher's job does), and end to end through ``alliance-sim -m hydra/launcher=joblib`` with
  files written.
- ``scale``: synthetic worlds of 100, 300 and 1,000 states (random capitals, GDP, spending and
  regimes from a fixed seed, read through the CSV world; ``--sizes 10000`` also works), each
  size and engine in a fresh process: wall time of the model's construction and of a step,
  their peak traced memory (``tracemalloc``, which numpy reports its arrays to) and the
  process's peak resident memory (``resource.getrusage``); ``--engines`` picks the engines,
  ``--steps 0`` times the construction only.
- ``loop``: the payoff context (threat, containment reach, allied capability, security value of
  every state) computed by the numpy code of ``sim.core.payoffs`` and by a straightforward
  per-agent Python loop of the same formulas, on the same inputs; the results are checked equal
  and the ratio is measured in the same process.
- ``help``: cold start of ``alliance-sim --help`` in a new process.
- ``compile``: the setup's compile of the kernels (``warm_kernels``, two processes at once)
  from an empty numba cache (a temporary ``NUMBA_CACHE_DIR``), and a first default run
  without the setup's warm (what a plain ``pip install`` waits for: ``ensure_kernels``
  compiles as the warm does, then the run), each in a fresh process.
- ``page``: one step of the classroom page on the default world (``benchmarks/page_step.py``).
"""

from __future__ import annotations

import argparse
import gc
import math
import multiprocessing
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
PARTS = ("run", "sweep", "scale", "loop", "help", "compile", "page")
ENGINES = ("reference", "compiled")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 2**20:.0f} GiB"
    except (OSError, AttributeError):
        pass
    import mesa

    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, Mesa {mesa.__version__}; {platform.platform()}"
    )


def git_commit() -> str:
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip() or "unknown"


# ----------------------------------------------------------------------------- run


def time_runs(overrides: list[str], runs: int, own_calibration: bool = False) -> list[float]:
    """Wall times of ``runs`` runs of one prepared config after a warm-up run. As in a sweep,
    each run takes over the warm-up's base-year calibration (``Prepared.start``); with
    ``own_calibration`` each run calibrates again, as the first run of a process does."""
    import dataclasses

    from sim.runner.config import compose
    from sim.runner.simulate import prepare, simulate

    cfg = compose(overrides)
    prepared = prepare(cfg)
    simulate(cfg, 0, prepared)  # warm-up
    times = []
    for r in range(runs):
        this = dataclasses.replace(prepared, start=None) if own_calibration else prepared
        start = time.perf_counter()
        simulate(cfg, r, this)
        times.append(time.perf_counter() - start)
    return times


def part_run(runs: int) -> list[str]:
    """One run of each config on each engine (``model.engine``), timed side by side: as a
    sweep's runs after its first (the calibration taken over), and with its own calibration."""
    rows = [
        "| config | states | years | engine | median | min | max | reference / engine "
        "| median, own calibration |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, overrides, states in (
        ("default, baseline", [], 40),
        ("default, injection_1p5b", ["scenario=injection_1p5b"], 40),
        ("classroom5, baseline", ["world=classroom5"], 5),
    ):
        reference = None
        for engine in ("reference", "compiled"):
            config = [*overrides, f"model.engine={engine}"]
            ms = [1000 * t for t in time_runs(config, runs)]
            own = statistics.median(1000 * t for t in time_runs(config, runs, True))
            median = statistics.median(ms)
            reference = reference or median
            rows.append(
                f"| {label} | {states} | 20 | {engine} | {median:.0f} ms | {min(ms):.0f} ms "
                f"| {max(ms):.0f} ms | {reference / median:.2f}x | {own:.0f} ms |"
            )
    return [f"One run, outputs in memory, {runs} runs after a warm-up:", "", *rows]


# ----------------------------------------------------------------------------- sweep

_WORKER: dict = {}


def _init_worker(overrides: list[str]) -> None:
    import logging

    from sim.runner.config import compose
    from sim.runner.simulate import prepare

    logging.getLogger("MESA").setLevel(logging.WARNING)
    cfg = compose(overrides)
    _WORKER.update(cfg=cfg, prepared=prepare(cfg))


def _one(replicate: int) -> float:
    from sim.runner.simulate import simulate

    tables = simulate(_WORKER["cfg"], replicate, _WORKER["prepared"])
    return float(tables["summary"]["us_burden_share_end"].iloc[0])


def throughput(processes: int, runs: int, overrides: list[str]) -> tuple[float, float]:
    """Runs per second of ``runs`` replicates over ``processes`` workers (start-up included),
    and the wall seconds."""
    start = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes, initializer=_init_worker, initargs=(overrides,)) as pool:
        pool.map(_one, range(runs), chunksize=max(1, runs // (4 * processes)))
    wall = time.perf_counter() - start
    return runs / wall, wall


def cli_sweep(runs: int) -> tuple[float, float, int]:
    """End to end: ``alliance-sim -m`` with joblib on 2 cores, 4 jobs of ``runs // 4``
    replicates; runs/s, wall seconds and the runs made."""
    jobs = 4
    done = jobs * (runs // jobs)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            str(BIN / "alliance-sim"),
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            f"hydra.sweep.dir={tmp}/sweep",
            "run.plots=false",
            f"run.replicates={runs // jobs}",
            "run.first_replicate=" + ",".join(str(k * (runs // jobs)) for k in range(jobs)),
        ]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=tmp)
        wall = time.perf_counter() - start
    return done / wall, wall, done


def fixed_and_marginal(small: tuple[int, float], large: tuple[int, float]) -> tuple[float, float]:
    """A sweep's fixed cost (s: start-up, configs, checks, whatever does not grow with the
    runs) and the cost of each further run (s), from the wall times of two sizes ``(runs,
    seconds)``: the straight line through the two points.

    Examples:
        >>> fixed, per_run = fixed_and_marginal((40, 5.0), (400, 23.0))
        >>> round(fixed, 9), round(per_run, 9)
        (3.0, 0.05)
    """
    (r1, w1), (r2, w2) = small, large
    per_run = (w2 - w1) / (r2 - r1)
    return w1 - r1 * per_run, per_run


def part_sweep(runs: int) -> list[str]:
    """Runs per second of each engine in a process pool (1 and 2 processes), and end to end
    through the command line on the default (compiled) engine; the compiled engine's sweeps
    also at ten times the runs, which splits a sweep's time into its fixed cost and the cost
    of a run (``fixed_and_marginal``)."""
    rows = ["| how | engine | processes | runs | runs/s |", "|---|---|---|---|---|"]
    walls: dict[str, list[tuple[int, float]]] = {"engine": [], "cli": []}
    for engine in ENGINES:
        for processes in (1, 2):
            rate, wall = throughput(processes, runs, [f"model.engine={engine}"])
            rows.append(
                f"| engine (`simulate` in a process pool) | {engine} | {processes} | {runs} | "
                f"{rate:.2f} |"
            )
            if engine == "compiled" and processes == 2:
                walls["engine"].append((runs, wall))
    rate, wall = throughput(2, 10 * runs, ["model.engine=compiled"])
    walls["engine"].append((10 * runs, wall))
    rows.append(
        f"| engine (`simulate` in a process pool) | compiled | 2 | {10 * runs} | {rate:.2f} |"
    )
    for size in (runs, 10 * runs):
        cli_rate, cli_wall, done = cli_sweep(size)
        walls["cli"].append((done, cli_wall))
        rows.append(
            f"| `alliance-sim -m hydra/launcher=joblib` (4 jobs, tables written, no plots; "
            f"{cli_wall:.0f} s) | compiled | 2 | {done} | {cli_rate:.2f} |"
        )
    split = []
    for how, name in (("engine", "the engine's pool"), ("cli", "`alliance-sim -m`")):
        fixed, per_run = fixed_and_marginal(*walls[how])
        split.append(
            f"{name}: {fixed:.1f} s fixed, then {1000 * per_run:.0f} ms a run "
            f"({1 / per_run:.1f} runs/s)"
        )
    return [
        "Sweep throughput, default world (worker start-up included):",
        "",
        *rows,
        "",
        "A compiled sweep on 2 processes as a fixed cost (start-up, configs, checks; for the "
        "command line also each job's own writing and the sweep's summary) plus a cost a run: "
        "a straight line through its two sizes, so a rough split: " + "; ".join(split) + ".",
    ]


def part_page(steps: int) -> list[str]:
    """The page's step on the default world (``benchmarks/page_step.py``, in process)."""
    script = ROOT / "benchmarks" / "page_step.py"
    cmd = [sys.executable, str(script), "--worlds", "default", "--steps", str(steps)]
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return [
        f"The page's step (`python benchmarks/page_step.py --worlds default --steps {steps}`):",
        "",
        *proc.stdout.strip().splitlines(),
    ]


# ----------------------------------------------------------------------------- scale


def synthetic_world(n: int, folder: Path, seed: int = 1) -> Path:
    """An actors CSV of ``n`` random states."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # codes XAA, XAB, ... (2,028), then X02028, ...
    codes = [
        f"{'XYZ'[i // 676]}{letters[i // 26 % 26]}{letters[i % 26]}" if i < 2028 else f"X{i:05d}"
        for i in range(n)
    ]
    gdp = np.exp(rng.normal(4.5, 1.6, n))
    table = pd.DataFrame(
        {
            "iso3": codes,
            "name": [f"State {c}" for c in codes],
            "gdp_usd_bn": gdp.round(3),
            "defence_usd_bn": (gdp * rng.uniform(0.008, 0.035, n)).round(4),
            "lat": rng.uniform(-50, 65, n).round(3),
            "lon": rng.uniform(-170, 175, n).round(3),
            "regime": rng.uniform(-1, 1, n).round(3),
        }
    )
    path = folder / f"world_{n}.csv"
    table.to_csv(path, index=False)
    return path


def step_cost(n: int, folder: Path, steps: int, engine: str = "reference") -> dict[str, float]:
    """What an ``n``-state world costs on ``engine`` (``model.engine``): wall time (s) of the
    model's construction and the median of ``steps`` steps, untraced; the peak traced memory
    (MB, ``tracemalloc``) of the construction and of one more step, traced apart because
    tracing slows Python code several times over; and the process's peak resident memory (MB,
    ``resource.getrusage``: the largest over the process's life, so run it in a fresh process,
    as ``part_scale`` does). ``steps`` 0: the construction only."""
    import resource

    from sim.abm.model import AllianceModel
    from sim.runner.config import compose
    from sim.runner.simulate import prepare

    path = synthetic_world(n, folder)
    cfg = compose(
        [
            "world=csv",
            f"world.actors_csv={path}",
            f"model.horizon={max(steps, 1)}",
            f"model.engine={engine}",
        ]
    )
    prepared = prepare(cfg)

    def traced(call) -> tuple[float, float]:
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        call()
        seconds = time.perf_counter() - start
        peak = (tracemalloc.get_traced_memory()[1] - base) / 1e6
        tracemalloc.stop()
        return seconds, peak

    def build():
        return AllianceModel(
            prepared.world, prepared.params, prepared.events, rng=1, scenario_name="scale"
        )

    _, build_mb = traced(build)  # a first model, traced and dropped
    gc.collect()  # its agents and views refer to it: freed by the cycle collector, not at once
    start = time.perf_counter()
    model = build()  # the model timed and stepped
    seconds = time.perf_counter() - start
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - start)
    step_mb = traced(model.step)[1] if steps else math.nan
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return {
        "build": seconds,
        "build_mb": build_mb,
        "step": statistics.median(times) if times else math.nan,
        "step_mb": step_mb,
        "rss_mb": rss,
    }


def _step_cost_in_child(n: int, steps: int, engine: str) -> dict[str, float]:
    """``step_cost`` in this (fresh) process, its world in a temporary folder."""
    import logging

    logging.getLogger("MESA").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        return step_cost(n, Path(tmp), steps, engine)


def _seconds(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.1f} s"


def part_scale(sizes: list[int], steps: int, engines: tuple[str, ...] = ENGINES) -> list[str]:
    """Each size on each engine in a fresh process (so that its peak resident memory is its
    own): the model's construction and ``steps`` steps (``step_cost``)."""
    from concurrent.futures import ProcessPoolExecutor

    rows = [
        "| states | engine | construction | its peak traced | time per step (median) "
        "| peak traced in a step | peak resident (process) |",
        "|---|---|---|---|---|---|---|",
    ]
    spawn = multiprocessing.get_context("spawn")
    for n in sizes:
        for engine in engines:
            with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                c = pool.submit(_step_cost_in_child, n, steps, engine).result()
            step_mb = "-" if math.isnan(c["step_mb"]) else f"{c['step_mb']:,.0f} MB"
            rows.append(
                f"| {n:,} | {engine} | {_seconds(c['build'])} | {c['build_mb']:,.0f} MB "
                f"| {_seconds(c['step'])} | {step_mb} | {c['rss_mb']:,.0f} MB |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    return [
        f"Synthetic worlds (random states, seed 1; each size and engine in a fresh process; times "
        f"untraced, the median of {steps} steps; memory traced by `tracemalloc` in a first "
        "construction (dropped) and in one more step; peak resident memory from "
        "`resource.getrusage`, the whole process's, Python and the imports included):",
        "",
        *rows,
    ]


# ----------------------------------------------------------------------------- loop


def context_numpy(x: dict):
    """Threat, containment reach, allied capability, the allies' reliability and the security
    value of every state, by the model's own functions (``sim.core.payoffs``)."""
    from sim.core import payoffs

    threat = payoffs.threat(x["cap"], x["hostility"], x["reach"])
    reach_to = payoffs.containment_reach(x["reach"], x["hostility"], x["cap"], x["background"])
    available = payoffs.ally_availability(x["cap"], x["n_commit"], x["publicness"])
    contribution = x["commitment"] * reach_to * available[None, :]
    allied, reliability = payoffs.allies_and_reliability(contribution, x["credibility"])
    value = payoffs.security_value(x["theta"], x["cap"] + allied, threat + x["background"])
    return threat, reach_to, allied, reliability, value


def context_loop(x: dict):
    """The same formulas, one state, ally and threat at a time, in plain Python."""
    n = len(x["cap"])
    cap, hos, rch = (x[k].tolist() for k in ("cap", "hostility", "reach"))
    com, cred, bg = x["commitment"].tolist(), x["credibility"].tolist(), x["background"].tolist()
    n_commit, pub = x["n_commit"].tolist(), x["publicness"]
    threat, reach_to = [], [[0.0] * n for _ in range(n)]
    for i in range(n):
        reaching = [hos[i][k] * rch[k][i] * cap[k] if hos[i][k] > 0 else 0.0 for k in range(n)]
        threat.append(sum(reaching))
        total = threat[i] + bg[i]
        w = [r / total if total > 0 else 0.0 for r in reaching]
        w0 = bg[i] / total if total > 0 else 1.0
        for j in range(n):
            if j == i:
                continue
            share = w0 * rch[j][i]
            for k in range(n):  # j helps against threat k only as far as it is hostile to k
                if w[k] > 0 and hos[j][k] > 0:
                    loyal = min(1.0, hos[j][k] / hos[i][k])
                    share += w[k] * loyal * max(rch[j][i], rch[j][k])
            reach_to[i][j] = share
    available = [pub * cap[j] + (1 - pub) * cap[j] / max(1.0, n_commit[j]) for j in range(n)]
    allied, reliability, value = [], [], []
    for i in range(n):
        bring = [com[i][j] * reach_to[i][j] * available[j] for j in range(n)]
        a = sum(bring)
        weighted = sum(cred[i][j] * bring[j] for j in range(n))
        allied.append(a)
        reliability.append(min(1.0, max(0.0, weighted / a)) if a > 0 else 0.0)
        defence = max(cap[i] + a, 1e-9)
        t = threat[i] + bg[i]
        value.append(x["theta"][i] * math.log(defence / (defence + t)))
    return threat, reach_to, allied, reliability, value


def loop_inputs(n: int, seed: int = 3) -> dict:
    """Random but plausible inputs: symmetric affinities, capitals, ties at the model's levels."""
    from sim.core import payoffs
    from sim.core.geography import great_circle_km, projection_weights

    rng = np.random.default_rng(seed)
    cap = np.exp(rng.normal(3, 1.5, n))
    a = rng.uniform(-1, 1, (n, n))
    affinity = (a + a.T) / 2
    np.fill_diagonal(affinity, 1.0)
    levels = np.triu(rng.choice(4, (n, n), p=[0.7, 0.1, 0.1, 0.1]), 1)
    levels = levels + levels.T
    commitment = np.array([0.0, 0.15, 0.4, 0.85])[levels]
    dist = great_circle_km(rng.uniform(-50, 65, n), rng.uniform(-170, 175, n))
    return {
        "cap": cap,
        "affinity": affinity,
        "hostility": payoffs.hostility(affinity),
        "reach": projection_weights(dist, np.full(n, 3000.0)),
        "commitment": commitment,
        "credibility": rng.uniform(0.5, 1, (n, n)),
        "n_commit": (levels > 0).sum(axis=1),
        "publicness": 0.8,
        "theta": rng.uniform(0.5, 2, n),
        "background": 0.1 * cap,
    }


def part_loop(sizes: list[int], repeats: int) -> list[str]:
    rows = ["| states | numpy | Python loop | ratio |", "|---|---|---|---|"]
    for n in sizes:
        x = loop_inputs(n)
        for a, b in zip(context_numpy(x), context_loop(x), strict=True):
            assert np.allclose(a, np.asarray(b), rtol=1e-10, atol=1e-12), "results differ"
        t_np = min(_time(lambda x=x: context_numpy(x)) for _ in range(repeats))
        t_py = min(_time(lambda x=x: context_loop(x)) for _ in range(max(1, repeats // 5)))
        rows.append(f"| {n} | {t_np * 1e3:.2f} ms | {t_py * 1e3:,.1f} ms | {t_py / t_np:,.0f}x |")
    return [
        "The payoff context (threat, containment reach, allied capability and its reliability, "
        "security value of every state), numpy against a per-state Python loop of the same "
        "formulas; same inputs, results equal to 1e-10 (best of several timings each):",
        "",
        *rows,
    ]


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- help


def part_help(repeats: int) -> list[str]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([str(BIN / "alliance-sim"), "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return [
        f"Cold start of `alliance-sim --help` (new process each time, {repeats} runs): median "
        f"{statistics.median(times):.2f} s, max {max(times):.2f} s."
    ]


COMPILE_CODES = {
    "the setup's warm (two processes)": (
        "from sim.runner.simulate import warm_kernels; warm_kernels()"
    ),
    "a first default run without the setup's warm (run included)": (
        "from sim.cli.preflight import compose_checked; "
        "from sim.runner.simulate import prepare, simulate; "
        "cfg = compose_checked([]); simulate(cfg, 0, prepare(cfg))"
    ),
}
"""What ``part_compile`` times, each in a new process with an empty numba cache."""


def part_compile(repeats: int) -> list[str]:
    """Wall seconds of each of ``COMPILE_CODES`` from an empty numba cache (a fresh
    ``NUMBA_CACHE_DIR`` each time; start-up and imports included), ``repeats`` times."""
    rows = ["| what | runs | median | min | max |", "|---|---|---|---|---|"]
    for label, code in COMPILE_CODES.items():
        times = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as cache:
                env = {**os.environ, "NUMBA_CACHE_DIR": cache}
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-c", code], check=True, capture_output=True, env=env
                )
                times.append(time.perf_counter() - start)
        rows.append(
            f"| {label} | {repeats} | {statistics.median(times):.1f} s | {min(times):.1f} s | "
            f"{max(times):.1f} s |"
        )
    return [
        "Compiling the kernels from an empty numba cache (a new process each time):",
        "",
        *rows,
    ]


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"parts: {', '.join(PARTS)}")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per config (run)")
    parser.add_argument("--sweep-runs", type=int, default=40, help="runs per sweep (sweep)")
    parser.add_argument("--sizes", default="100,300,1000", help="world sizes (scale)")
    parser.add_argument(
        "--steps", type=int, default=2, help="steps per world (scale; 0: construction only)"
    )
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="engines to time (scale): reference,compiled"
    )
    parser.add_argument("--write", action="store_true", help="write into docs/performance.md")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    import logging

    logging.getLogger("MESA").setLevel(logging.WARNING)
    started = time.perf_counter()
    lines = [
        f"Measured on {date.today()} at commit {git_commit()} with "
        f"`python benchmarks/run_benchmark.py --only {','.join(parts)}`.",
        f"Machine: {machine()}.",
        "",
    ]
    sections = {
        "run": lambda: part_run(args.runs),
        "sweep": lambda: part_sweep(args.sweep_runs),
        "scale": lambda: part_scale(
            [int(s) for s in args.sizes.split(",")],
            args.steps,
            tuple(e.strip() for e in args.engines.split(",") if e.strip()),
        ),
        "loop": lambda: part_loop([10, 40, 100], repeats=20),
        "help": lambda: part_help(5),
        "compile": lambda: part_compile(3),
        "page": lambda: part_page(10),
    }
    for part in parts:
        print(f"[{part}] ...", file=sys.stderr, flush=True)
        lines += [*sections[part](), ""]
    lines.append(f"Benchmark wall time: {time.perf_counter() - started:.0f} s.")
    report = "\n".join(lines)
    print(report)
    if args.write:
        text = DOC.read_text(encoding="utf-8")
        if START not in text or END not in text:
            raise SystemExit(f"{DOC} lacks the markers {START} ... {END}")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        DOC.write_text(f"{head}{START}\n{report}\n{END}{tail}", encoding="utf-8")
        print(f"written into {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
