"""Does a US injection of USD 1.5 bn a year create an 'Asian NATO'? The experiment and its report.

    .venv/bin/python experiments/asian_nato_question/run.py            # everything (~35 min)
    .venv/bin/python experiments/asian_nato_question/run.py --quick    # smoke test, a few seeds

Three parts, all read from ``config.yaml`` beside this file:
1. dose-response at the default parameters: the probability that an Asian NATO forms within 10
   and 20 years against the yearly injection (0 to USD 150 bn, 1.5 included), 95 % Wilson
   intervals (the Monte Carlo error of the seeds), and the dose where it reaches one half;
2. every scenario against the baseline on the key outcomes, with 95 % intervals;
3. the answer over the priors of the judgement parameters (``configs/priors/default.yaml``):
   joint draws from a scrambled Sobol design, each run at every dose over the same seeds; per
   dose the mean over draws with its Monte Carlo interval and the spread over draws, per draw
   the threshold dose, and which parameters move it.
It writes ``results/`` (the per-run tables, summary tables, figures, seeds, the resolved config
and the manifest) and ``report.md``. Runs use replicate seeds from ``SeedSequence(base_seed)``,
the same for every point, and do not depend on the number of worker processes. The outcomes are
the registry's (``sim/outcomes.py``); the quick mode is ``quick.yaml`` laid over
``config.yaml``; the logic is ``sim.study.asian_nato`` and ``sim.study.asian_nato_priors``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from sim.study import asian_nato
from sim.study import asian_nato_priors as priors
from sim.study import asian_nato_report as report
from sim.study import results as out
from sim.study.config import load_config

HERE = Path(__file__).resolve().parent
STUDY = "asian_nato_question"
PARTS = ("dose", "scenario")
PRIOR_TABLES = ("priors", "priors_draws", "drivers", "thresholds")
FIGURES = ("dose_response.png", "scenarios.png", "priors.png", "sensitivity.png")
OUTPUTS = (*(f"{t}.csv" for t in (*PARTS, *PRIOR_TABLES)), *FIGURES, "elapsed_s.txt")
OUTPUTS = (*OUTPUTS, "runs.parquet", "priors_runs.parquet", "seeds.csv", "config_resolved.yaml")


def saved_runs(results: Path, pts, design) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The runs and wall times of an earlier run of the same points and draws (for
    ``--report-only``)."""
    runs = pd.read_parquet(results / "runs.parquet").rename(columns=asian_nato.LEGACY_NAMES)
    expected = [" ".join(p.overrides) for p in pts]
    if runs.groupby("point")["overrides"].first().tolist() != expected:
        sys.exit(
            "results/runs.parquet was made with another config.yaml: run without --report-only"
        )
    runs = runs[[c for c in runs.columns if c not in ("part", "label", "overrides")]]
    path = results / "priors_runs.parquet"
    if not path.is_file():
        sys.exit("results/ holds no priors_runs.parquet: run without --report-only")
    drawn = pd.read_parquet(path)
    try:
        priors.check_saved(drawn, design)
    except ValueError as exc:
        sys.exit(f"results/priors_runs.parquet: {exc}: run without --report-only")
    manifest = (
        json.loads((results / out.MANIFEST).read_text())
        if (results / out.MANIFEST).is_file()
        else {}
    )
    times = manifest.get("wall_time_s_parts") or {
        "total": float((results / "elapsed_s.txt").read_text())
    }
    return runs, drawn, times


def run_everything(cfg, pts, design, workers: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Run the dose and scenario points, then the priors' draws; their wall times in seconds."""
    started = time.time()
    runs = asian_nato.run_all(cfg, pts, workers)
    middle = time.time()
    drawn = priors.run_priors(design, workers)
    ended = time.time()
    times = {"dose_and_scenarios": middle - started, "priors": ended - middle}
    return runs, drawn, {**times, "total": ended - started}


def write_figures(cfg, results: Path, parts: dict, analysis) -> None:
    """The four figures."""
    out.save(report.figure_dose(parts["dose"]), results, "dose_response.png")
    panels = list(cfg.scenario_panels)
    out.save(report.figure_scenarios(parts["scenario"], panels), results, "scenarios.png")
    out.save(report.figure_priors(parts["dose"], analysis), results, "priors.png")
    out.save(report.figure_drivers(analysis), results, "sensitivity.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a few seeds and draws, short horizon (smoke test)"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rebuild tables, figures and report from results/*.parquet without running",
    )
    args = parser.parse_args()
    cfg = load_config(HERE, args.quick)
    workers = args.workers or int(cfg.workers)
    pts, design = asian_nato.points(cfg), priors.design(cfg)
    results = out.claim(args.out / "results", STUDY, OUTPUTS, rerun=not args.report_only)
    if args.report_only:
        runs, drawn, times = saved_runs(results, pts, design)
    else:
        runs, drawn, times = run_everything(cfg, pts, design, workers)
    summary = asian_nato.summarise(cfg, pts, runs)
    analysis = priors.analyse(cfg, design, drawn, asian_nato.dose_runs(runs, pts))

    out.write_text(results / "elapsed_s.txt", f"{times['total']:.0f}\n")
    labels = pd.DataFrame(
        [
            {"point": i, "part": p.part, "label": p.label, "overrides": " ".join(p.overrides)}
            for i, p in enumerate(pts)
        ]
    )
    parts = {part: summary[summary["part"] == part].reset_index(drop=True) for part in PARTS}
    tables = dict(zip(PRIOR_TABLES, analysis.tables(), strict=True))
    out.write_tables(
        results,
        {
            "runs.parquet": runs.merge(labels, on="point"),
            "priors_runs.parquet": drawn,
            **parts,
            **tables,
        },
    )
    out.write_seeds(results, zip(runs["replicate"], runs["seed"], strict=True))
    from sim.runner.config import compose

    first = compose([*pts[0].overrides, f"seed={cfg.base_seed}"])
    out.write_config(
        results,
        [
            ("the first point's config (every point: config.yaml's overrides and a seed)", first),
            ("experiment config as run", cfg),
        ],
    )
    write_figures(cfg, results, parts, analysis)
    text = report.report(cfg, summary, analysis, times["total"], args.quick)
    out.write_text(args.out / "report.md", text)
    if args.report_only and (results / out.MANIFEST).is_file():
        out.note_rebuild(results)  # the manifest describes the run that made the tables
    elif not args.report_only:
        info = {"workers": workers, "base_seed": int(cfg.base_seed), "runs": len(runs)}
        info |= {"priors_runs": len(drawn), "priors_draws": len(design.values)}
        info |= {"wall_time_s": round(times["total"], 1)}
        info |= {"wall_time_s_parts": {k: round(v, 1) for k, v in times.items()}}
        out.write_manifest(results, STUDY, args.quick, info)
    n = len(runs) + len(drawn)
    print(f"{n} runs in {times['total'] / 60:.1f} min; report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
