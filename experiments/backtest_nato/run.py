"""Back-test of the budget dynamics: NATO allies' defence shares, 2014 to 2024.

    .venv/bin/python experiments/backtest_nato/run.py            # everything (a few minutes)
    .venv/bin/python experiments/backtest_nato/run.py --quick    # smoke test, a few seconds

The world starts from the 2014 figures (``data/``), the threat changes after 2014 as a scenario
(``config.yaml``: Crimea, Russia's spending, the 2022 invasion, the Wales 2 % pledge), and the
model runs to 2024. Simulated defence shares (% of GDP) are compared with the actual ones, ally
by ally, with the mean absolute error (MAE) and Spearman's rank correlation, against the naive
forecast that every share stays at its 2014 value. The few budget parameters are calibrated by
a grid search on the in-sample years 2015-2019 only; 2020-2024 is out of sample. It writes
``results/`` (tables, figures, the resolved config, seeds and code version) and ``report.md``.
The quick mode is ``quick.yaml`` laid over ``config.yaml``; the logic is ``sim.study.backtest``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from sim.study import backtest
from sim.study import backtest_report as report
from sim.study import results as out
from sim.study.config import load_config

HERE = Path(__file__).resolve().parent
STUDY = "backtest_nato"
TABLES = ("simulated", "by_year", "summary", "allies", "grid", "robustness")
FIGURES = ("allies.png", "error_by_year.png")
OUTPUTS = (*(f"{t}.csv" for t in TABLES), *FIGURES, "seeds.csv", "config_resolved.yaml")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny grid, one seed (smoke test)")
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    args = parser.parse_args(argv)
    cfg = load_config(HERE, args.quick)
    results = out.claim(args.out / "results", STUDY, OUTPUTS)

    started = time.time()
    actual = backtest.load_actual(HERE / cfg.data, list(cfg.exclude))
    fit = backtest.fit(cfg, actual)
    elapsed = time.time() - started
    scores = backtest.evaluate(cfg, actual, fit)

    tables = (scores.simulated, scores.by_year, scores.summary, scores.allies, fit.grid, fit.near)
    out.write_tables(results, dict(zip(TABLES, tables, strict=True)))
    out.write_seeds(results, out.replicate_seeds(cfg.base_seed, cfg.seeds))
    out.write_config(
        results,
        [
            (
                "the final run: the 2014 world, the scenario and the calibrated parameters",
                fit.final_cfg,
            ),
            ("experiment config as run", cfg),
        ],
    )
    last_in = int(cfg.last_in_sample)
    allies = report.figure_allies(scores.model, actual, scores.naive, last_in)
    out.save(allies, results, "allies.png")
    out.save(report.figure_errors(scores.by_year, last_in), results, "error_by_year.png")
    text = report.report(cfg, fit, scores, elapsed, args.quick)
    out.write_text(args.out / "report.md", text)
    out.write_manifest(
        results,
        STUDY,
        args.quick,
        {
            "base_seed": int(cfg.base_seed),
            "calibrated": fit.best,
            "wall_time_s": round(elapsed, 1),
            "runs": fit.runs,
        },
    )
    print(json.dumps({"best": fit.best, **scores.summary.round(4).to_dict("list")}))
    print(f"report: {args.out / 'report.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
