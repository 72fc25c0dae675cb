"""``payoffs.png``: what changed in the key states' utility between the first and last year.

The security term (``u_security``) is theta * log(security) + psi * log(share), with theta
and psi calibrated per state: its level has an arbitrary zero and dwarfs every other term, so
levels hide what drives choices. The figure therefore shows

(a) the change of each utility term between the first and the last year, as diverging stacked
    bars (increases right of zero, decreases left), a diamond for the change of net utility and,
    beside it, the term that changed most;
(b) the level of every term except security in the last year (gains right, costs left), with a
    diamond for their sum.

All values are in % of GDP equivalent, as in ``states``.
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
SECURITY = "u_security"

# Utility terms (docs/outputs.md) with a plain label and a fixed colour.
TERMS: dict[str, tuple[str, str]] = {
    "u_security": ("security", "#1f77b4"),
    "u_consumption": ("consumption (cost of defence spending)", "#8c564b"),
    "u_entrapment": ("entrapment", "#d62728"),
    "u_autonomy": ("autonomy", "#ff7f0e"),
    "u_coercion": ("coercion", "#9467bd"),
    "u_affinity": ("affinity", "#2ca02c"),
    "u_relationship": ("relationship value (calibrated)", "#bcbd22"),
    "u_side_payments": ("side payments", "#17becf"),
    "u_target": ("spending target", "#7f7f7f"),
}


def signed(value: float, digits: int = 2) -> str:
    """``value`` with its sign, and no ``-0.00`` for values that round to zero."""
    if not np.isfinite(value):
        return "n/a"
    if round(value, digits) == 0:
        value = 0.0
    return f"{value:+.{digits}f}"


def year_terms(
    states: pd.DataFrame, year: int, shown: Sequence[str], terms: Sequence[str]
) -> pd.DataFrame:
    """The ``terms`` of the ``shown`` states in ``year``, indexed by iso3 (NaN if absent)."""
    rows = states[states["year"].astype(int) == year].drop_duplicates("iso3")
    return rows.set_index(rows["iso3"].astype(str))[list(terms)].astype(float).reindex(shown)


def term_changes(
    states: pd.DataFrame, shown: Sequence[str], terms: Sequence[str], first: int, last: int
) -> pd.DataFrame:
    """The change of each utility term from ``first`` to ``last``, per state.

    Args:
        states: The ``states`` table.
        shown: iso3 codes of the states (rows of the result, in this order).
        terms: The ``u_*`` columns to difference.
        first: The first year.
        last: The last year.

    Returns:
        A frame indexed by iso3 with one column per term (last minus first, NaN where a state
        lacks a year) and ``net``, the sum of the term changes.
    """
    change = year_terms(states, last, shown, terms) - year_terms(states, first, shown, terms)
    change["net"] = change[list(terms)].sum(axis=1, min_count=1)
    return change


def _stack(ax, frame: pd.DataFrame, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Draw diverging stacked bars of ``terms``; return the ends of the gains and the costs."""
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
    return pos, neg


def _annotate(ax, net: np.ndarray, ends: np.ndarray, labels: Sequence[str]) -> None:
    """A diamond at each net value and its label right of the bar's end."""
    y = np.arange(len(net))
    ax.scatter(net, y, marker="D", s=36, color="black", zorder=5)
    for yi, end, value, label in zip(y, ends, net, labels, strict=True):
        if np.isfinite(value):
            ax.annotate(
                label,
                xy=(max(end, value), yi),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )


def _finish(ax, lo: float, hi: float, n: int, room: float) -> None:
    """Zero line, grid, and x limits with ``room`` (a share of the width) for labels."""
    if hi - lo <= 0:
        lo, hi = -1.0, 1.0
    width = hi - lo
    ax.set_xlim(lo - 0.05 * width, hi + room * width)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)


def _change_panel(ax, change: pd.DataFrame, terms: Sequence[str], labels: Sequence[str]) -> None:
    pos, neg = _stack(ax, change, terms)
    net = change["net"].to_numpy(float)
    notes = []
    for iso, value in zip(change.index, net, strict=True):
        row = change.loc[iso, list(terms)].astype(float)
        if not np.isfinite(value):
            notes.append("")
            continue
        main = row.abs().idxmax() if row.notna().any() else None
        why = ""
        if main is not None and abs(row[main]) >= 0.005:
            why = f"  (largest: {TERMS[main][0].split(' (')[0]} {signed(row[main])})"
        notes.append(f"net {signed(value)}{why}")
    _annotate(ax, net, pos, notes)
    ax.set_yticks(np.arange(len(labels)), labels)
    _finish(ax, float(neg.min(initial=0.0)), float(pos.max(initial=0.0)), len(labels), 0.95)


def _level_panel(ax, frame: pd.DataFrame, terms: Sequence[str]) -> None:
    pos, neg = _stack(ax, frame, terms)
    net = frame[list(terms)].sum(axis=1, min_count=1).to_numpy(float)
    _annotate(ax, net, pos, [f"sum {signed(v)}" for v in net])
    _finish(ax, float(neg.min(initial=0.0)), float(pos.max(initial=0.0)), len(frame), 0.25)


def draw_payoffs(
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    *,
    key_states: Sequence[str],
    title: str = "",
) -> Path:
    """Draw the change of the key states' utility terms and the non-security terms.

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
    others = [t for t in terms if t != SECURITY]
    shown = [k for k in dict.fromkeys(key_states) if k in set(states["iso3"].astype(str))]
    years = run_years(tables)

    fig = new_figure(15, 2.4 + 0.5 * max(len(shown), 4))
    if years and len(years) > 1:
        what = (
            f"What changed for the key states, and why: change of each utility term since "
            f"{years[0]} (% of GDP equivalent)"
        )
    else:
        what = "The key states' utility terms (% of GDP equivalent)"
    figure_title(fig, what, title)
    if not shown or not terms or not years:
        no_data(fig.add_subplot(), "No utility terms for the key states")
        return save_figure(fig, out_dir / FILENAME)

    first, last = years[0], years[-1]
    labels = [f"{names.get(k, k)} ({k})" for k in shown]
    axes = fig.subplots(1, 2, sharey=True, width_ratios=[1.25, 1])
    if first != last:
        _change_panel(axes[0], term_changes(states, shown, terms, first, last), terms, labels)
        axes[0].set_xlabel(f"Change {first} → {last} (% of GDP equivalent)")
    else:
        no_data(axes[0], "One year only: no change to show")
        axes[0].set_yticks(np.arange(len(labels)), labels)
        axes[0].set_ylim(len(labels) - 0.5, -0.5)
    between = f" between {first} and {last}" if first != last else ""
    axes[0].set_title(f"(a) Change of each term{between}", loc="left", fontsize=11)
    if others:
        _level_panel(axes[1], year_terms(states, last, shown, others), others)
    else:
        no_data(axes[1], "No terms other than security")
    axes[1].set_title(f"(b) Terms other than security, in {last}", loc="left", fontsize=11)
    axes[1].set_xlabel(f"Level in {last} (% of GDP equivalent)")
    axes[1].tick_params(labelleft=False)
    fig.supxlabel(
        "Security (blue) appears in (a) only: it is theta x log(security) + psi x log(share), "
        "calibrated per state, so its level has an arbitrary zero and only its change means "
        "something.",
        fontsize=9,
        color="0.3",
    )

    handles = [Patch(color=TERMS[t][1], label=TERMS[t][0]) for t in terms]
    handles.append(
        Line2D([], [], marker="D", color="black", linestyle="none", label="net (sum of terms)")
    )
    fig.legend(
        handles=handles,
        title="Utility term\n(a) rise right of 0, fall left\n(b) gains right of 0, costs left",
        loc="outside right upper",
        frameon=False,
        fontsize=9,
    )
    return save_figure(fig, out_dir / FILENAME)
