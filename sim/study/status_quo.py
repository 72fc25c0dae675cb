"""Does the 2024 world hold in the baseline? The count behind the status-quo test.

For each seed: how many ties of 2024 outside treaties have changed level after the first year
and within the first ``early`` years, whether Japan and the Philippines still hold a partnership
or deeper after the first year, and whether at any time a NATO member holds a tie with Russia or
a partnership or deeper with China. ``tests/test_validity.py`` asserts its thresholds on these
rows; the command prints them:

    .venv/bin/python -m sim.study.status_quo --seeds 200        # about 2 min on one core
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from sim.abm.model import AllianceModel
from sim.runner.config import compose
from sim.runner.simulate import prepare, replicate_seed


def one_run(prepared, seed: int, early: int = 5) -> dict:
    """The status-quo measures of one seeded baseline run (its whole horizon)."""
    m = AllianceModel(prepared.world, prepared.params, prepared.events, rng=seed)
    iso = m.world.iso3
    rus, chn, jpn, phl = (iso.index(c) for c in ("RUS", "CHN", "JPN", "PHL"))
    start = m.levels.copy()
    outside = np.triu((start > 0) & (m.treaty_levels == 0), 1)
    changed = np.zeros_like(outside)
    row = {"ties_2024_outside_treaties": int(outside.sum()), "nato_russia": False}
    row["nato_china_partnership"] = False
    for year in range(m.params.horizon):
        m.step()
        now = (m.levels != start) & outside
        if year == 0:
            row["changed_first_year"] = int(now.sum())
            row["jpn_phl_partnership_first_year"] = bool(m.levels[jpn, phl] >= 2)
        if year < early:
            changed |= now
        nato = m.state.treaty("NATO")
        members = [] if nato is None else list(nato.members)
        europe = [i for i in members if iso[i] != "USA"]
        row["nato_russia"] |= bool((m.levels[members, rus] > 0).any())
        row["nato_china_partnership"] |= bool((m.levels[europe, chn] >= 2).any())
    row[f"changed_within_{early}_years"] = int(changed.sum())
    return row


def status_quo(seeds: int, early: int = 5, overrides: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per seed (replicates 0 to ``seeds - 1`` of ``SeedSequence(0)``) of the default
    world's baseline, or of the config the overrides compose."""
    prepared = prepare(compose(list(overrides)))
    return pd.DataFrame([one_run(prepared, replicate_seed(0, r), early) for r in range(seeds)])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--early", type=int, default=5, help="years for the early count")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides (default: baseline)")
    args = parser.parse_args(argv)
    rows = status_quo(args.seeds, args.early, tuple(args.overrides))
    print(f"{len(rows)} seeds; ties of 2024 outside treaties: {rows.iloc[0, 0]}")
    print(f"  changed level in the first year, mean: {rows['changed_first_year'].mean():.3f}")
    early = f"changed_within_{args.early}_years"
    print(f"  changed within {args.early} years, mean: {rows[early].mean():.3f}")
    print(
        "  Japan-Philippines partnership or deeper after the first year: "
        f"{rows['jpn_phl_partnership_first_year'].mean():.1%} of runs"
    )
    print(
        f"  runs with a NATO member tied to Russia: {int(rows['nato_russia'].sum())}; "
        f"with a partnership or deeper with China: {int(rows['nato_china_partnership'].sum())}"
    )


if __name__ == "__main__":
    main()
