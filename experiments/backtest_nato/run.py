"""Back-test of the budget dynamics: NATO allies' defence shares, 2014 to 2024.

    .venv/bin/python experiments/backtest_nato/run.py            # everything (~10 min, 2 cores)
    .venv/bin/python experiments/backtest_nato/run.py --quick    # smoke test, under a minute

The world starts from the 2014 figures (``data/``), the threat changes after 2014 as a scenario
(``config.yaml``: Crimea, Russia's spending, the 2022 invasion, the Wales 2 % pledge), and the
model runs to 2024. The parameters under ``estimate`` are estimated by a bounded optimiser on
the in-sample mean absolute error (MAE) over ally-years, for each split of ``splits`` on its own
in-sample years only, with a bootstrap over allies for their intervals; each split is scored
out of sample against the naive forecast (every share stays at its 2014 value) and a drift
forecast (a common in-sample trend), and the acceptance checks are tabled (``verdict.csv``).
It writes ``results/`` (tables, figures, every evaluation, the resolved config, seeds and code
version) and ``report.md``; ``--out DIR`` writes ``DIR/results`` and ``DIR/report.md`` instead
(a folder it did not create is refused). ``--jobs N`` runs the estimations and bootstrap
replicates over N processes (default: every core); the results do not depend on N. The quick
mode is ``quick.yaml`` laid over ``config.yaml``; the logic is ``sim.study.backtest``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from sim.study import backtest
from sim.study import backtest_report as report
from sim.study import results as out
from sim.study.config import load_config

HERE = Path(__file__).resolve().parent
STUDY = "backtest_nato"
TABLES = (
    "verdict",
    "summary",
    "by_year",
    "simulated",
    "allies",
    "estimates",
    "bootstrap",
    "evaluations",
    "full_sample",
)
FIGURES = ("error_by_year.png", "allies.png", "frontline.png")
OUTPUTS = (*(f"{t}.csv" for t in TABLES), *FIGURES, "seeds.csv", "config_resolved.yaml")
LEGACY = ("grid.csv", "robustness.csv")  # written by the grid-search version of this study


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny estimation (smoke test)")
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    parser.add_argument(
        "--jobs",
        "--workers",
        type=int,
        default=None,
        help="processes (default: every core); the results do not depend on it",
    )
    args = parser.parse_args(argv)
    jobs = max(1, args.jobs if args.jobs is not None else cores())
    cfg = load_config(HERE, args.quick)
    results = out.claim(args.out / "results", STUDY, (*OUTPUTS, *LEGACY))
    for name in LEGACY:  # the study's own files of its grid-search version: stale now
        (results / name).unlink(missing_ok=True)

    started = time.time()
    actual = backtest.load_actual(HERE / cfg.data, list(cfg.exclude))
    fit = backtest.fit(cfg, actual, jobs)
    elapsed = time.time() - started
    scores = backtest.evaluate(cfg, actual, fit)

    tables = (
        scores.verdict,
        scores.summary,
        scores.by_year,
        scores.simulated,
        scores.allies,
        scores.estimates,
        scores.bootstrap,
        fit.evaluations,
        report.full_sample_table(cfg, fit),
    )
    out.write_tables(results, dict(zip(TABLES, tables, strict=True)))
    out.write_seeds(results, out.replicate_seeds(cfg.base_seed, cfg.seeds))
    out.write_config(
        results,
        [
            *(
                (
                    f"split {sf.split.name}: the final run, the {cfg.first_year} world, the "
                    "scenario and the point estimate",
                    sf.final_cfg,
                )
                for sf in fit.splits
            ),
            ("experiment config as run", cfg),
        ],
    )
    splits = [(sf.split.name, sf.split.last_in_sample) for sf in fit.splits]
    out.save(report.figure_errors(scores.by_year, splits), results, "error_by_year.png")
    out.save(report.figure_allies(scores.simulated, splits), results, "allies.png")
    frontline = report.figure_frontline(
        scores.simulated, splits, list(cfg.checks.frontline), float(cfg.checks.tolerance_pts)
    )
    out.save(frontline, results, "frontline.png")
    text = report.report(cfg, fit, scores, elapsed, args.quick)
    out.write_text(args.out / "report.md", text)
    estimates = {sf.split.name: sf.point.values for sf in fit.splits}
    if fit.full is not None:
        estimates["full_sample"] = fit.full.values
    out.write_manifest(
        results,
        STUDY,
        args.quick,
        {
            "base_seed": int(cfg.base_seed),
            "estimates": estimates,
            "wall_time_s": round(elapsed, 1),
            "jobs": jobs,
            "runs": fit.runs,
            "evaluations": len(fit.evaluations),
        },
    )
    verdict = scores.verdict[["split", "check", "subject", "model", "reference", "pass"]]
    print(json.dumps({"estimates": estimates, "verdict": verdict.round(4).to_dict("records")}))
    print(f"report: {args.out / 'report.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
