"""``payoffs.png``: the key states' utility broken down into its ``u_*`` terms.

Diverging stacked bars: gains stack to the right of zero, costs to the left, and a diamond marks
the net utility. One panel for the first year and one for the last (one panel for a single year).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.plots._common import (
    country_names,
    figure_title,
    get_table,
    new_figure,
    no_data,
    run_years,
    save_figure,
)

FILENAME = "payoffs.png"

# Utility terms (docs/outputs.md) with a plain label and a fixed colour.
TERMS: dict[str, tuple[str, str]] = {
    "u_security": ("security", "#1f77b4"),
    "u_consumption": ("consumption", "#8c564b"),
    "u_entrapment": ("entrapment", "#d62728"),
    "u_autonomy": ("autonomy", "#ff7f0e"),
    "u_coercion": ("coercion", "#9467bd"),
    "u_affinity": ("affinity", "#2ca02c"),
    "u_side_payments": ("side payments", "#17becf"),
    "u_target": ("spending target", "#7f7f7f"),
}


def _year_terms(states: pd.DataFrame, year: int, shown: Sequence[str]) -> pd.DataFrame:
    """The rows of ``shown`` in ``year``, indexed by iso3 in ``shown`` order (NaN if absent)."""
    rows = states[states["year"] == year].drop_duplicates("iso3").set_index("iso3")
    return rows.reindex(list(shown))


def _draw_panel(
    ax, frame: pd.DataFrame, terms: Sequence[str], labels: Sequence[str], caption: str
) -> None:
    """Draw the diverging stacked bars of one year into ``ax``."""
    y = np.arange(len(frame))
    pos = np.zeros(len(frame))
    neg = np.zeros(len(frame))
    for term in terms:
        values = frame[term].astype(float).fillna(0.0).to_numpy()
        colour = TERMS[term][1]
        gains, costs = np.clip(values, 0, None), np.clip(values, None, 0)
        ax.barh(y, gains, left=pos, color=colour, height=0.7, edgecolor="white", linewidth=0.5)
        ax.barh(y, costs, left=neg, color=colour, height=0.7, edgecolor="white", linewidth=0.5)
        pos += gains
        neg += costs
    if "utility" in frame.columns:
        net = frame["utility"].astype(float).to_numpy()
    else:
        net = frame[list(terms)].astype(float).sum(axis=1, min_count=1).to_numpy()
    ax.scatter(net, y, marker="D", s=36, color="black", zorder=5)
    for yi, end, value in zip(y, pos, net, strict=True):
        if np.isfinite(value):
            ax.annotate(
                f"net {value:+.2f}",
                xy=(end, yi),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(frame) - 0.5, -0.5)
    ax.set_title(caption)
    ax.set_xlabel("Utility term (% of GDP equivalent)")
    ax.grid(axis="x", alpha=0.3)


def _extent(
    states: pd.DataFrame, years: Sequence[int], shown: Sequence[str], terms: Sequence[str]
) -> tuple[float, float]:
    """The smallest sum of costs and the largest sum of gains over the panels (0 included)."""
    lo, hi = 0.0, 0.0
    for year in years:
        values = _year_terms(states, year, shown)[list(terms)].astype(float).fillna(0.0)
        lo = min(lo, float(values.clip(upper=0).sum(axis=1).min()))
        hi = max(hi, float(values.clip(lower=0).sum(axis=1).max()))
    if hi - lo == 0:
        return -1.0, 1.0
    return lo, hi


def draw_payoffs(
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    *,
    key_states: Sequence[str],
    title: str = "",
) -> Path:
    """Draw the payoff breakdown of the key states in the first and last year.

    Args:
        tables: Run tables by name (``states`` is read; ``actors`` for names).
        out_dir: Folder to write ``payoffs.png`` into.
        key_states: iso3 codes of the states to draw; codes absent from the run are skipped.
        title: The run's title, shown under the figure title.

    Returns:
        The path of the PNG written.
    """
    states = get_table(tables, "states")
    names = country_names(tables)
    terms = [t for t in TERMS if t in states.columns]
    shown = [k for k in dict.fromkeys(key_states) if k in set(states["iso3"].astype(str))]
    years = run_years(tables)
    panel_years = sorted({years[0], years[-1]}) if years else []

    fig = new_figure(13, 1.6 + 0.45 * max(len(shown), 4))
    figure_title(fig, "What drives the key states' choices: payoff breakdown", title)
    if not shown or not terms or not panel_years:
        no_data(fig.add_subplot(), "No utility terms for the key states")
        return save_figure(fig, out_dir / FILENAME)

    axes = fig.subplots(1, len(panel_years), sharex=True, sharey=True, squeeze=False)[0]
    labels = [names.get(k, k) for k in shown]
    captions = ["first year", "last year"] if len(panel_years) == 2 else ["only year"]
    for ax, year, caption in zip(axes, panel_years, captions, strict=True):
        _draw_panel(ax, _year_terms(states, year, shown), terms, labels, f"{year} ({caption})")
    for ax in axes[1:]:
        ax.tick_params(labelleft=False)
    # Room for every bar and, right of the longest gain, its "net" label.
    lo, hi = _extent(states, panel_years, shown, terms)
    axes[0].set_xlim(lo - 0.05 * (hi - lo), hi + 0.22 * (hi - lo))

    handles = [Patch(color=TERMS[t][1], label=TERMS[t][0]) for t in terms]
    handles.append(Line2D([], [], marker="D", color="black", linestyle="none", label="net utility"))
    fig.legend(
        handles=handles,
        title="Term (gains right of 0, costs left)",
        loc="outside right upper",
        frameon=False,
    )
    return save_figure(fig, out_dir / FILENAME)
