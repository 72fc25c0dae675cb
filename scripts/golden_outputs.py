"""Write, or check against, the tables and figures of a fixed set of runs: a refactor must leave
every one of them identical.

    .venv/bin/python scripts/golden_outputs.py write /tmp/golden    # before the change
    .venv/bin/python scripts/golden_outputs.py check /tmp/golden    # after: exit 1 on any change

The set: every scenario on the default and classroom worlds, the two other alignment rules,
several replicates, and a CSV world; tables compared exactly (pandas, every column and dtype),
figures pixel by pixel.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

CSV_WORLD = (
    "iso3,name,gdp_usd_bn,defence_usd_bn,lat,lon\n"
    "AAA,Aland,1000,20,10,10\nBBB,Bland,500,10,12,14\nCCC,Cland,800,30,30,40\n"
)


def cases(config_dir: Path, csv_path: Path) -> dict[str, list[str]]:
    scenarios = sorted(p.stem for p in (config_dir / "scenario").glob("*.yaml"))
    out = {}
    for world in ("default", "classroom5"):
        for sc in scenarios:
            out[f"{world}-{sc}"] = [f"world={world}", f"scenario={sc}", "seed=11"]
    for rule in ("landscape", "balance_of_threat"):
        out[f"rule-{rule}"] = ["scenario=injection_1p5b", f"model.alignment.rule={rule}"]
    out["replicates"] = ["world=classroom5", "run.replicates=3", "seed=5"]
    out["csv-world"] = ["world=csv", f"world.actors_csv={csv_path}", "seed=2"]
    return out


def produce(folder: Path) -> None:
    """Run every case into ``folder/<case>/`` (tables and, for two cases, figures)."""
    from sim.runner.config import compose, config_dir
    from sim.runner.run import run_to_folder

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "actors.csv"
        csv_path.write_text(CSV_WORLD)
        for name, overrides in cases(config_dir(), csv_path).items():
            plots = name in ("default-injection_1p5b", "classroom5-baseline")
            cfg = compose([*overrides, f"run.plots={str(plots).lower()}"])
            run_to_folder(cfg, folder / name)
            print(f"  {name}", flush=True)


def compare(before: Path, after: Path) -> list[str]:
    """Every difference between two trees of outputs, in words."""
    import matplotlib.image as mpimg

    problems = []
    for old in sorted(before.rglob("*")):
        rel = old.relative_to(before)
        new = after / rel
        if old.suffix == ".parquet":
            if not new.is_file():
                problems.append(f"{rel}: missing")
                continue
            try:
                pd.testing.assert_frame_equal(pd.read_parquet(old), pd.read_parquet(new))
            except AssertionError as exc:
                problems.append(f"{rel}: {str(exc).splitlines()[0]}")
        elif old.suffix == ".png" and (
            not new.is_file() or not np.array_equal(mpimg.imread(old), mpimg.imread(new))
        ):
            problems.append(f"{rel}: figure differs")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["write", "check"])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    if args.mode == "write":
        produce(args.folder)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        produce(Path(tmp))
        problems = compare(args.folder, Path(tmp))
    for p in problems:
        print(p)
    print(f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
