"""``budgets.png``: the key states' defence share of GDP over the years, with spending targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.plots._common import (
    country_names,
    figure_title,
    get_table,
    key_state_colours,
    new_figure,
    no_data,
    run_years,
    save_figure,
    set_year_axis,
)

FILENAME = "budgets.png"


def target_label(label: str, value: float) -> str:
    """The label of a spending target, with its value unless the label already gives it."""
    if f"{value:g}%" in label.replace(" %", "%"):
        return label
    return f"{label}\n({value:g}% of GDP)"


def order_by_last_value(states: pd.DataFrame, shown: Sequence[str]) -> list[str]:
    """``shown`` from the highest to the lowest defence share in its last year.

    The legend then lists the states in the order of their lines at the right end of the plot.
    """

    def last(iso: str) -> float:
        rows = states[states["iso3"] == iso].sort_values("year")["defence_pct_gdp"].astype(float)
        rows = rows.dropna()
        return float(rows.iloc[-1]) if len(rows) else -np.inf

    return sorted(shown, key=lambda iso: (-last(iso), list(shown).index(iso)))


def _label_targets(ax, targets: Mapping[str, float]) -> None:
    """Draw each target as a dashed line, labelled in the right margin (labels kept apart)."""
    if not targets:
        return
    y0, y1 = ax.get_ylim()
    gap = 0.05 * (y1 - y0)
    placed: list[float] = []
    for label, value in sorted(targets.items(), key=lambda kv: kv[1]):
        ax.axhline(value, color="0.25", linestyle="--", linewidth=1.2, zorder=1)
        y = max(value, placed[-1] + gap) if placed else value
        placed.append(y)
        ax.annotate(
            target_label(label, value),
            xy=(1.0, value),
            xycoords=("axes fraction", "data"),
            xytext=(1.01, y),
            textcoords=("axes fraction", "data"),
            fontsize=9,
            va="center",
            ha="left",
            annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": "0.5", "linewidth": 0.8},
        )


def draw_budgets(
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    *,
    key_states: Sequence[str],
    spending_targets: Mapping[str, float] | None = None,
    title: str = "",
) -> Path:
    """Draw one line per key state of ``states.defence_pct_gdp`` against the year.

    Each spending target is a dashed horizontal line labelled with its name and value.

    Args:
        tables: Run tables by name (``states`` is read; ``actors`` for names).
        out_dir: Folder to write ``budgets.png`` into.
        key_states: iso3 codes of the states to draw; codes absent from the run are skipped.
        spending_targets: Label -> target in % of GDP, drawn as reference lines.
        title: The run's title, shown under the figure title.

    Returns:
        The path of the PNG written.
    """
    states = get_table(tables, "states")
    names = country_names(tables)
    years = run_years(tables)
    targets = dict(spending_targets or {})
    shown = [k for k in dict.fromkeys(key_states) if k in set(states["iso3"].astype(str))]
    colours = key_state_colours(shown)

    fig = new_figure(11, 6)
    ax = fig.add_subplot()
    figure_title(fig, "Defence spending of the key states", title)
    if not shown:
        no_data(ax, "No defence spending data for the key states")
        return save_figure(fig, out_dir / FILENAME)

    ymax = 0.0
    for iso in order_by_last_value(states, shown):
        rows = states[states["iso3"] == iso].sort_values("year")
        values = rows["defence_pct_gdp"].astype(float)
        ymax = max(ymax, float(values.max()))
        ax.plot(
            rows["year"].astype(int),
            values,
            marker="o",
            markersize=4 if len(rows) > 1 else 7,
            linewidth=2,
            color=colours[iso],
            label=f"{names.get(iso, iso)} ({iso})",
        )

    set_year_axis(ax, years)
    ax.set_ylabel("Defence spending (% of GDP)")
    ymax = max([ymax, *targets.values()]) if targets else ymax
    ax.set_ylim(0, ymax * 1.12 + 0.1)
    _label_targets(ax, targets)
    ax.grid(axis="y", alpha=0.3)
    fig.legend(
        title="Key state\n(top to bottom: highest to\nlowest in the last year)",
        loc="outside right upper",
        frameon=False,
    )
    return save_figure(fig, out_dir / FILENAME)
