"""Summary plots of a sweep or a comparison: each outcome against each swept parameter with
95 % intervals, and heatmaps when two parameters are swept.

Intervals are those of :func:`sim.stats.describe`: Wilson for probabilities, Student t for
means (cut to the outcome's range, ``sim.outcomes.support``). Runs are pooled over the seeds and
over the parameters not on the axis (the title says so).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.outcomes import is_probability, label, support
from sim.plots._common import new_figure, save_figure
from sim.stats import describe


def _outcome_label(outcome: str) -> str:
    return label(outcome)


def _ordered_values(series: pd.Series) -> list:
    """Distinct values, numerically sorted when numeric, else in order of appearance."""
    values = list(dict.fromkeys(series.tolist()))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return sorted(values)
    return values


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 4)
    return math.ceil(n / cols), cols


def outcome_panels(
    runs: pd.DataFrame, x: str, outcomes: Sequence[str], title: str, groups: str | None = None
):
    """One panel per outcome: mean and 95 % interval of the outcome at each value of ``x``
    (one line per value of ``groups`` when given)."""
    values = _ordered_values(runs[x])
    numeric = all(isinstance(v, (int, float)) for v in values)
    positions = values if numeric else list(range(len(values)))
    rows, cols = _grid(len(outcomes))
    fig = new_figure(3.4 * cols, 2.9 * rows + 0.4)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    group_values = _ordered_values(runs[groups]) if groups else [None]
    span = (max(positions) - min(positions)) if len(positions) > 1 else 1.0
    step = 0.012 * span if numeric else 0.08
    for ax, outcome in zip(axes, outcomes, strict=False):
        prob, bounds = is_probability(outcome), support(outcome)
        for k, g in enumerate(group_values):
            part = runs if g is None else runs[runs[groups] == g]
            stats = [
                describe(part.loc[part[x] == v, outcome].astype(float), binary=prob, support=bounds)
                for v in values
            ]
            mean = np.array([s["mean"] for s in stats], dtype=float)
            low = np.array([s["low"] for s in stats], dtype=float)
            high = np.array([s["high"] for s in stats], dtype=float)
            shift = 0 if g is None else (k - (len(group_values) - 1) / 2) * step
            pos = np.asarray(positions, dtype=float) + shift
            err = np.vstack([mean - low, high - mean])
            ax.errorbar(
                pos,
                mean,
                yerr=np.where(np.isnan(err), 0, err),
                marker="o",
                ms=4,
                capsize=3,
                lw=1.2,
                ls="-" if numeric else "none",  # categories are not a continuum
                label=None if g is None else f"{groups}={g}",
            )
        ax.set_title(_outcome_label(outcome), fontsize=9)
        ax.set_xlabel(x, fontsize=8)
        if not numeric:
            ax.set_xticks(positions, [str(v) for v in values], rotation=20, fontsize=7, ha="right")
            ax.set_xlim(-0.5, len(values) - 0.5)
        if not prob:
            _min_span(ax)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.grid(alpha=0.3)
        if prob:
            ax.set_ylim(-0.03, 1.03)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    if groups:
        axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    return fig


def heatmaps(runs: pd.DataFrame, x: str, y: str, outcomes: Sequence[str], title: str):
    """One heatmap per outcome: its mean over runs at each (x, y) cell, annotated."""
    xs, ys = _ordered_values(runs[x]), _ordered_values(runs[y])
    rows, cols = _grid(len(outcomes))
    fig = new_figure(3.6 * cols, 3.0 * rows + 0.4)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        grid = np.full((len(ys), len(xs)), np.nan)
        for i, yv in enumerate(ys):
            for j, xv in enumerate(xs):
                cell = runs.loc[(runs[x] == xv) & (runs[y] == yv), outcome].astype(float)
                if cell.notna().any():
                    grid[i, j] = cell.mean()
        prob = is_probability(outcome)
        finite = grid[np.isfinite(grid)]
        if prob or not finite.size:
            vmin, vmax = 0.0, 1.0
        else:  # at least 2 % of the values' size: tiny differences stay pale
            vmin, vmax = float(finite.min()), float(finite.max())
            floor = 0.02 * (max(abs(vmin), abs(vmax)) or 50.0)  # all zero: a span of 1
            if vmax - vmin < floor:
                centre = (vmin + vmax) / 2
                vmin, vmax = centre - floor / 2, centre + floor / 2
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
        middle = (vmin + vmax) / 2
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(grid[i, j]):
                    ax.text(
                        j,
                        i,
                        f"{grid[i, j]:.2g}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="black" if grid[i, j] > middle else "white",
                    )
        ax.set_xticks(range(len(xs)), [str(v) for v in xs], fontsize=7, rotation=20, ha="right")
        ax.set_yticks(range(len(ys)), [str(v) for v in ys], fontsize=7)
        ax.set_xlabel(x, fontsize=8)
        ax.set_ylabel(y, fontsize=8)
        ax.set_title(_outcome_label(outcome), fontsize=9)
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.ax.tick_params(labelsize=7)
        bar.formatter.set_useOffset(False)
        bar.update_ticks()
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    return fig


def _min_span(ax, share: float = 0.02) -> None:
    """Keep the y-axis at least ``share`` of the values' size wide, so that differences in the
    fifth digit do not fill the panel and look like effects."""
    low, high = ax.get_ylim()
    centre = (low + high) / 2
    floor = share * (max(abs(low), abs(high)) or 1 / share)  # all zero: a span of 1
    if high - low < floor:
        ax.set_ylim(centre - floor / 2, centre + floor / 2)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text).strip("_")


def draw_sweep_plots(
    runs: pd.DataFrame, params: Sequence[str], outcomes: Sequence[str], folder: Path
) -> list[Path]:
    """Write the sweep's summary plots into ``folder``; returns the paths written.

    - ``outcomes_vs_<param>.png`` for each swept parameter (with two parameters, one line per
      value of the other);
    - ``heatmap_<x>_<y>.png`` when exactly two parameters are swept.
    """
    folder = Path(folder)
    n = len(runs)
    paths = []
    for p in params:
        others = [q for q in params if q != p]
        groups = others[0] if len(others) == 1 and runs[others[0]].nunique() <= 6 else None
        pooled = "seeds" + ("" if groups or not others else " and " + ", ".join(others))
        fig = outcome_panels(
            runs,
            p,
            outcomes,
            f"Outcomes against {p}: mean and 95% interval ({n} runs; pooled over {pooled})",
            groups=groups,
        )
        paths.append(save_figure(fig, folder / f"outcomes_vs_{_slug(p)}.png"))
    if len(params) == 2:
        x, y = params
        fig = heatmaps(runs, x, y, outcomes, f"Mean outcome by {x} and {y} ({n} runs)")
        paths.append(save_figure(fig, folder / f"heatmap_{_slug(x)}_{_slug(y)}.png"))
    return paths


def comparison_figure(table: pd.DataFrame, letters: Sequence[str], legend: str, path: Path) -> Path:
    """``alliance-sim-compare``'s figure: one panel per outcome, each arm's mean with its 95 %
    interval, arm A dashed across (``table`` as ``sim.cli.compare.outcome_table`` makes it)."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    rows, cols = _grid(len(outcomes))
    fig = new_figure(3.3 * cols, 2.8 * rows + 0.5)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, outcome in zip(axes, outcomes, strict=False):
        part = table[table["outcome"] == outcome]
        mean = part["mean"].to_numpy(float)
        err = np.vstack([mean - part["low"].to_numpy(float), part["high"].to_numpy(float) - mean])
        x = np.arange(len(part))
        ax.errorbar(x, mean, yerr=np.nan_to_num(err), fmt="o", capsize=4, color="#1f5f8b")
        ax.axhline(mean[0], color="0.6", lw=0.8, ls="--")
        ax.set_xticks(x, list(letters)[: len(part)])
        ax.set_xlim(-0.5, len(part) - 0.5)
        ax.set_title(_outcome_label(outcome), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.ticklabel_format(axis="y", useOffset=False)
        ax.grid(alpha=0.3, axis="y")
        if is_probability(outcome):
            ax.set_ylim(-0.03, 1.03)
        else:
            _min_span(ax)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(f"Comparison, mean and 95% interval (dashed: A)\n{legend}", fontsize=9)
    return save_figure(fig, path)
