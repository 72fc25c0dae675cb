"""The compiled engine against the reference engine, run by run (issue #11's oracle matrix).

Every combination of scenario x alignment rule x world is run on both engines
(``model.engine=compiled`` and ``reference``) with the same seeds; a pair is equal when the
ties, events (with their reasons), alliances and states tables are identical, floats equal to
``TOLERANCE``. The worlds are the default world, the class world, the Taiwan variant and a CSV
world: the default world's states written to a CSV file and read back through ``world=csv``
(no treaties, regime-based affinity), so the CSV path is exercised with real data.

Examples:
    >>> same({"t": pd.DataFrame({"x": [1.0]})}, {"t": pd.DataFrame({"x": [1.0 + 1e-12]})})
    ''
    >>> same({"t": pd.DataFrame({"x": [1.0]})}, {"t": pd.DataFrame({"x": [1.1]})})[:18]
    't: DataFrame.iloc['
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TABLES = ("ties", "events", "alliances", "states")
TOLERANCE = 1e-9
ENGINES = ("reference", "compiled")


def csv_world(folder: Path) -> Path:
    """The default world's states as an actors CSV (``world=csv``), written into ``folder``."""
    from sim.runner.config import compose
    from sim.world.builder import build_world

    world = build_world(compose([]).world)
    table = pd.DataFrame(
        {
            "iso3": world.iso3,
            "name": world.names,
            "gdp_usd_bn": world.gdp,
            "defence_usd_bn": world.spending,
            "lat": world.lat,
            "lon": world.lon,
            "regime": world.regime,
            "region": world.regions,
        }
    )
    path = Path(folder) / "default_states.csv"
    table.to_csv(path, index=False)
    return path


def same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> str:
    """'' when the two runs' tables are equal (``TOLERANCE``), else the first difference."""
    for name in a:
        try:
            pd.testing.assert_frame_equal(a[name], b[name], check_exact=False, atol=TOLERANCE)
        except AssertionError as exc:
            return f"{name}: {' '.join(str(exc).split())[:300]}"
    return ""


def compare(task: tuple[list[str], list[int], int]) -> dict:
    """Run one combination (config overrides) on both engines for ``seeds``, ``horizon`` years.

    Returns:
        A row: the overrides, the number of seeds compared, of unequal pairs, the first
        difference, the events compared, or why the combination cannot run (a scenario that
        names a treaty the CSV world lacks).
    """
    from sim.errors import UserError
    from sim.runner.config import compose
    from sim.runner.simulate import prepare, simulate

    overrides, seeds, horizon = task
    row = {"config": " ".join(overrides), "seeds": 0, "unequal": 0, "events": 0, "first": ""}
    try:
        cfgs = {
            e: compose([*overrides, f"model.horizon={horizon}", f"model.engine={e}"])
            for e in ENGINES
        }
        ready = {e: prepare(cfgs[e]) for e in ENGINES}
    except UserError as exc:
        row["first"] = f"not run: {exc}"
        return row
    for seed in seeds:
        runs = {e: simulate(cfgs[e], seed, ready[e]) for e in ENGINES}
        tables = {e: {t: runs[e][t] for t in TABLES} for e in ENGINES}
        diff = same(tables["compiled"], tables["reference"])
        row["seeds"] += 1
        row["events"] += len(tables["reference"]["events"])
        if diff:
            row["unequal"] += 1
            row["first"] = row["first"] or f"seed {seed}: {diff}"
    return row


def matrix(scenarios: list[str], rules: list[str], worlds: list[list[str]]) -> list[list[str]]:
    """Every combination's config overrides."""
    return [
        [*world, f"scenario={s}", f"model.alignment.rule={r}"]
        for world in worlds
        for s in scenarios
        for r in rules
    ]
