"""The figures of a run, drawn from its output tables only (``docs/outputs.md``).

Plots never read live model objects, so a saved run folder can be re-plotted::

    tables = {name: pd.read_parquet(run / f"{name}.parquet") for name in TABLES}
    draw_run_plots(tables, run / "plots", key_states=["USA", "JPN", "KOR", "CHN"])

Figures are built on :class:`matplotlib.figure.Figure` with the Agg canvas and never touch
``pyplot``'s global state, so several processes (or threads) can plot at once.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from sim.plots._common import run_years
from sim.plots.budgets import draw_budgets
from sim.plots.camps import GREAT_POWERS
from sim.plots.coalitions import draw_coalitions
from sim.plots.network import draw_network
from sim.plots.payoffs import draw_payoffs

__all__ = [
    "DEFAULT_SPENDING_TARGETS",
    "GREAT_POWERS",
    "TABLES",
    "default_network_years",
    "draw_budgets",
    "draw_coalitions",
    "draw_network",
    "draw_payoffs",
    "draw_run_plots",
]

TABLES = ("actors", "states", "ties", "alliances", "events", "summary")
DEFAULT_SPENDING_TARGETS: dict[str, float] = {
    "NATO 2% guideline": 2.0,
    "Hague 2035 core defence (3.5% of the 5% pledge)": 3.5,
}


def default_network_years(years: Sequence[int]) -> list[int]:
    """The first, middle and last of ``years`` (fewer when the run is shorter)."""
    ordered = sorted(set(years))
    if not ordered:
        return []
    return sorted({ordered[0], ordered[len(ordered) // 2], ordered[-1]})


def draw_run_plots(
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    *,
    key_states: Sequence[str],
    network_years: Sequence[int] | None = None,
    spending_targets: Mapping[str, float] | None = None,
    title: str = "",
    great_powers: Sequence[str] = GREAT_POWERS,
) -> list[Path]:
    """Draw every figure of a run into ``out_dir`` as PNGs.

    Writes ``coalitions.png``, one ``network_<year>.png`` per network year, ``budgets.png`` and
    ``payoffs.png``. Missing or empty tables give figures that say so instead of failing.

    Args:
        tables: Run tables by name (``actors``, ``states``, ``ties``, ``alliances``...) with the
            columns of ``docs/outputs.md``.
        out_dir: Folder for the PNGs; created if needed.
        key_states: iso3 codes of the states to follow (e.g. USA, JPN, KOR, CHN, AUS, PHL, DEU);
            codes that are not in the run are skipped.
        network_years: Years of the network figures; by default the first, middle and last
            year. Years that are not in the run are skipped with a warning.
        spending_targets: Label -> % of GDP, drawn as reference lines on the budget figure
            (e.g. :data:`DEFAULT_SPENDING_TARGETS`); none by default.
        title: The run's title (e.g. scenario and seed), shown under each figure title.
        great_powers: iso3 codes of the great powers whose camps colour the network figures
            (:data:`GREAT_POWERS`: USA, CHN, RUS by default).

    Returns:
        The paths of the PNGs written, in the order above.

    Raises:
        ValueError: If a non-empty table lacks a column that the figures read.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    years = run_years(tables)
    if network_years is None:
        net_years = default_network_years(years)
    else:
        wanted = [int(y) for y in dict.fromkeys(network_years)]
        net_years = [y for y in wanted if y in set(years)]
        if skipped := [y for y in wanted if y not in set(years)]:
            warnings.warn(f"network years not in the run, skipped: {skipped}", stacklevel=2)

    paths = [draw_coalitions(tables, out_dir, key_states=key_states, title=title)]
    paths += draw_network(tables, out_dir, net_years, title=title, great_powers=great_powers)
    paths.append(
        draw_budgets(
            tables, out_dir, key_states=key_states, spending_targets=spending_targets, title=title
        )
    )
    paths.append(draw_payoffs(tables, out_dir, key_states=key_states, title=title))
    return paths
