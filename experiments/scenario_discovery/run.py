"""Scenario discovery: which judgement-parameter combinations make an Asian NATO likely?

    .venv/bin/python experiments/scenario_discovery/run.py            # every dose (seconds)
    .venv/bin/python experiments/scenario_discovery/run.py --quick    # one dose (smoke test)

Reads the Asian NATO experiment's priors runs (``config.yaml: runs``), finds a PRIM box at each
dose (``sim.study.discovery``: EMA Workbench) and writes ``results/`` (boxes, screen, peeling
trajectories, figures, the resolved config, the source's provenance, the code version) and
``report.md``. No model run: rerun ``experiments/asian_nato_question/run.py`` for new runs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from sim.cli.args import fail
from sim.study import discovery
from sim.study import discovery_report as report
from sim.study import results as out
from sim.study.config import load_config

HERE = Path(__file__).resolve().parent
STUDY = "scenario_discovery"
TABLES = ("boxes", "screen", "trajectories")
OUTPUTS = (*(f"{t}.csv" for t in TABLES), "boxes.png", "tradeoff.png", "config_resolved.yaml")


def source_manifest(runs: Path) -> dict:
    """The manifest of the experiment that made the runs (its commit and size), or {}."""
    path = runs.parent / out.MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one dose (smoke test)")
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    parser.add_argument("--runs", type=Path, default=None, help="another priors_runs.parquet")
    args = parser.parse_args(argv)
    try:
        import ema_workbench  # noqa: F401
    except ModuleNotFoundError:
        fail(
            STUDY,
            "the EMA Workbench is not installed; run scripts/bootstrap.sh validation (or make "
            "test, which installs every extra)",
        )
    cfg = load_config(HERE, args.quick)
    runs_path = args.runs if args.runs is not None else (HERE / cfg.runs).resolve()
    if not runs_path.is_file():
        fail(STUDY, f"{runs_path} not found: run experiments/asian_nato_question/run.py first")
    started = time.time()
    runs = pd.read_parquet(runs_path)
    results = out.claim(args.out / "results", STUDY, OUTPUTS)
    boxes, screens, n_runs = [], [], 0
    for dose in cfg.doses_usd_bn:
        try:
            x, y = discovery.design(runs, float(dose), str(cfg.outcome))
            n_runs += len(y)
            box, screen = discovery.find_box(
                x, y, float(dose), cfg.min_density, cfg.max_qp, cfg.peel_alpha
            )
        except (ValueError, KeyError) as exc:
            fail(STUDY, f"{runs_path}: {exc}")
        boxes.append(box)
        screens.append(screen)
    screen = pd.concat(screens, ignore_index=True)
    trajectories = pd.concat(
        [b.trajectory.assign(dose_usd_bn=b.dose) for b in boxes], ignore_index=True
    )
    out.write_tables(
        results,
        {"boxes": discovery.boxes_table(boxes), "screen": screen, "trajectories": trajectories},
    )
    out.save(discovery.figure_boxes(boxes), results, "boxes.png")
    out.save(discovery.figure_tradeoff(boxes), results, "tradeoff.png")
    out.write_config(results, [("experiment config as run", cfg)])
    source = source_manifest(runs_path)
    text = report.report(cfg, boxes, screen, source, n_runs, args.quick)
    out.write_text(args.out / "report.md", text)
    info = {
        "runs_file": str(runs_path),
        "runs_used": n_runs,
        "source_commit": source.get("code", {}).get("commit"),
        "wall_time_s": round(time.time() - started, 1),
    }
    out.write_manifest(results, STUDY, args.quick, info)
    print(json.dumps({"boxes": len(boxes), "runs": n_runs}))
    print(f"report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
