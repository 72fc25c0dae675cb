"""Global sensitivity analysis: which judgement parameters move the key outcomes?

    .venv/bin/python experiments/sensitivity/run.py            # everything (~10 min of CPU)
    .venv/bin/python experiments/sensitivity/run.py --quick    # smoke test, a few seconds

Two stages, both read from ``config.yaml`` beside this file (parameters, ranges and why):
1. Morris elementary effects (SALib) screen every judgement parameter: mu* (mean absolute effect)
   and sigma (its spread: interactions or non-linearity), with bootstrap intervals;
2. Sobol indices (SALib, Saltelli sampling): first-order S1 and total ST with bootstrap
   intervals, for the parameters the screen ranks highest (the others stay at their defaults).
The outcomes (``config.yaml: outcomes``) are the registry's (``sim/outcomes.py``): whether an
Asian NATO forms within the horizon (a point's value: the share of seeds), the US burden share
in the last year, and the change of China's defence share of GDP (points). It writes
``results/`` (designs, per-run and per-point tables, indices, figures, the resolved config,
seeds and code version) and ``report.md``. The quick mode is ``quick.yaml`` laid over
``config.yaml``; the logic is ``sim.study.sensitivity``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from sim.cli.args import fail
from sim.study import results as out
from sim.study import sensitivity
from sim.study import sensitivity_report as report
from sim.study.config import load_config

HERE = Path(__file__).resolve().parent
STUDY = "sensitivity"
TABLES = ("morris_design", "sobol_design", "morris", "sobol")
FIGURES = ("morris.png", "sobol.png")
OUTPUTS = (*(f"{t}.csv" for t in TABLES), *FIGURES, "runs.parquet", "seeds.csv")
OUTPUTS = (*OUTPUTS, "config_resolved.yaml", "elapsed_s.txt")


def saved_results(results: Path) -> dict[str, pd.DataFrame]:
    """The tables of an earlier run, for ``--report-only``, with today's outcome names
    (``sensitivity.LEGACY_NAMES``: the committed results predate them)."""
    if not (results / "runs.parquet").is_file():
        fail(STUDY, f"{results} holds no runs.parquet: run without --report-only first")
    tables = {
        "runs": pd.read_parquet(results / "runs.parquet"),
        "morris_design": pd.read_csv(results / "morris_design.csv"),
        "sobol_design": pd.read_csv(results / "sobol_design.csv"),
    }
    return {name: t.rename(columns=sensitivity.LEGACY_NAMES) for name, t in tables.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny designs (smoke test)")
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="recompute indices, figures and report from results/ without running the model",
    )
    args = parser.parse_args(argv)
    try:
        import SALib  # noqa: F401
    except ModuleNotFoundError:
        fail(
            STUDY,
            "SALib is not installed; run scripts/bootstrap.sh validation (or make test, which "
            "installs every extra)",
        )
    cfg = load_config(HERE, args.quick)
    workers = args.workers if args.workers is not None else int(cfg.workers)
    results = out.claim(args.out / "results", STUDY, OUTPUTS, rerun=not args.report_only)

    started = time.time()
    saved = saved_results(results) if args.report_only else None
    try:
        a = sensitivity.analyse(cfg, workers, saved)
    except ValueError as exc:
        fail(
            STUDY,
            f"{results}: {exc} (a --quick run, or another config.yaml): give the same options, "
            "or run without --report-only",
        )
    if args.report_only:
        elapsed = float((results / "elapsed_s.txt").read_text())
    else:
        elapsed = time.time() - started

    runs = pd.concat([a.runs_morris, a.runs_sobol], ignore_index=True)
    tables = (a.points_morris, a.points_sobol, a.morris, a.sobol)
    out.write_tables(results, {"runs.parquet": runs, **dict(zip(TABLES, tables, strict=True))})
    out.write_seeds(results, zip(runs["replicate"], runs["seed"], strict=True))
    out.save(report.figure_morris(a.morris, report.labels(cfg)), results, "morris.png")
    out.save(report.figure_sobol(a.sobol, report.labels(cfg)), results, "sobol.png")

    from sim.runner.config import compose

    base = compose([*cfg.common, f"seed={cfg.base_seed}"])
    out.write_config(
        results,
        [
            ("base config of every run (parameters then set per point)", base),
            ("experiment config as run", cfg),
        ],
    )
    out.write_text(results / "elapsed_s.txt", f"{elapsed:.0f}\n")
    stats = a.stats(float(base.scenario.events.us_indo_pacific_injection.amount_usd_bn))
    out.write_text(args.out / "report.md", report.report(cfg, a, stats, elapsed, args.quick))
    if args.report_only and (results / out.MANIFEST).is_file():
        out.note_rebuild(results)  # the manifest describes the run that made the tables
    else:
        info = {"workers": workers, "base_seed": int(cfg.base_seed)}
        info |= {"wall_time_s": round(elapsed, 1), "sobol_parameters": a.kept, **stats}
        out.write_manifest(results, STUDY, args.quick, info)
    print(json.dumps({"runs": len(runs), "minutes": round(elapsed / 60, 1), "kept": a.kept}))
    print(f"report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
