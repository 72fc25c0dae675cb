"""Does a US injection of USD 1.5 bn a year create an 'Asian NATO'? The experiment and its report.

    .venv/bin/python experiments/asian_nato_question/run.py            # everything (~25 min)
    .venv/bin/python experiments/asian_nato_question/run.py --quick    # smoke test, a few seeds

Three parts, all read from ``config.yaml`` beside this file:
1. dose-response: the probability that an Asian NATO forms within 10 and 20 years against the
   yearly injection (0 to USD 150 bn, log-spaced, 1.5 included), with 95 % Wilson intervals;
2. every scenario against the baseline on the key outcomes, with 95 % intervals;
3. one-at-a-time sensitivity of the answer to the model's judgement parameters.
It writes ``results/`` (the per-run table, summary tables, figures, seeds, the resolved config
and the manifest) and ``report.md``. Runs use replicate seeds from ``SeedSequence(base_seed)``,
the same for every point, and do not depend on the number of worker processes. The outcomes are
the registry's (``sim/outcomes.py``); the quick mode is ``quick.yaml`` laid over
``config.yaml``; the logic is ``sim.study.asian_nato``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from sim.study import asian_nato
from sim.study import asian_nato_report as report
from sim.study import results as out
from sim.study.config import load_config

HERE = Path(__file__).resolve().parent
STUDY = "asian_nato_question"
PARTS = ("dose", "scenario", "sensitivity")
FIGURES = ("dose_response.png", "scenarios.png", "sensitivity.png")
OUTPUTS = (*(f"{p}.csv" for p in PARTS), *FIGURES, "runs.parquet", "elapsed_s.txt")
OUTPUTS = (*OUTPUTS, "seeds.csv", "config_resolved.yaml")


def saved_runs(results: Path, pts: list[asian_nato.Point]) -> tuple[pd.DataFrame, float]:
    """The runs and the wall time of an earlier run of the same points (``--report-only``)."""
    runs = pd.read_parquet(results / "runs.parquet").rename(columns=asian_nato.LEGACY_NAMES)
    expected = [" ".join(p.overrides) for p in pts]
    if runs.groupby("point")["overrides"].first().tolist() != expected:
        sys.exit(
            "results/runs.parquet was made with another config.yaml: run without --report-only"
        )
    runs = runs[[c for c in runs.columns if c not in ("part", "label", "overrides")]]
    return runs, float((results / "elapsed_s.txt").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a few seeds, short horizon (smoke test)"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rebuild tables, figures and report from results/runs.parquet without running",
    )
    args = parser.parse_args()
    cfg = load_config(HERE, args.quick)
    workers = args.workers or int(cfg.workers)
    pts = asian_nato.points(cfg)
    results = out.claim(args.out / "results", STUDY, OUTPUTS, rerun=not args.report_only)
    if args.report_only:
        runs, elapsed = saved_runs(results, pts)
    else:
        started = time.time()
        runs = asian_nato.run_all(cfg, pts, workers)
        elapsed = time.time() - started
    summary = asian_nato.summarise(cfg, pts, runs)

    out.write_text(results / "elapsed_s.txt", f"{elapsed:.0f}\n")
    labels = pd.DataFrame(
        [
            {"point": i, "part": p.part, "label": p.label, "overrides": " ".join(p.overrides)}
            for i, p in enumerate(pts)
        ]
    )
    parts = {part: summary[summary["part"] == part].reset_index(drop=True) for part in PARTS}
    out.write_tables(results, {"runs.parquet": runs.merge(labels, on="point"), **parts})
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
    out.save(report.figure_dose(parts["dose"]), results, "dose_response.png")
    panels = list(cfg.scenario_panels)
    out.save(report.figure_scenarios(parts["scenario"], panels), results, "scenarios.png")
    out.save(report.figure_sensitivity(parts["sensitivity"]), results, "sensitivity.png")
    out.write_text(args.out / "report.md", report.report(cfg, summary, elapsed, args.quick))
    if args.report_only and (results / out.MANIFEST).is_file():
        out.note_rebuild(results)  # the manifest describes the run that made the tables
    elif not args.report_only:
        info = {"workers": workers, "base_seed": int(cfg.base_seed), "runs": len(runs)}
        out.write_manifest(results, STUDY, args.quick, {**info, "wall_time_s": round(elapsed, 1)})
    print(f"{len(runs)} runs in {elapsed / 60:.1f} min; report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
