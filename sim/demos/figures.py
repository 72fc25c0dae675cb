"""Figure helpers shared by the demos: a pyplot-free figure, atomic PNG writing, a few marks.

Figures use the run plots' Agg canvas (``sim.plots._common.new_figure``: no global pyplot
state) and are written by ``sim.plots._common.save_figure``, atomically, so a figure file is
either complete or absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.typing import NDArray

from sim.plots._common import new_figure, save_figure

__all__ = [
    "COLOURS",
    "annotate_point",
    "draw_payoff_matrix",
    "new_figure",
    "panel_title",
    "save_all",
]

COLOURS = {
    "cooperate": "#1b7837",  # restrain / commit
    "defect": "#b2182b",  # arm / hedge
    "neutral": "#4d4d4d",
    "highlight": "#e6a700",
    "side_a": "#2166ac",
    "side_b": "#d6604d",
}
"""Colours used consistently across the demos (colour-blind-safe diverging pair)."""


def panel_title(ax: Axes, letter: str, text: str) -> None:
    """Title a panel '(a) text', left-aligned, so a class can refer to it by letter."""
    ax.set_title(f"({letter}) {text}", loc="left", fontsize=10.5)


def annotate_point(ax: Axes, x: float, y: float, label: str, *, colour: str = "black") -> None:
    """Mark a point with a dot and a short label offset up and to the right."""
    ax.plot([x], [y], "o", color=colour, ms=7, zorder=5)
    ax.annotate(label, (x, y), xytext=(6, 6), textcoords="offset points", fontsize=9, color=colour)


def draw_payoff_matrix(
    ax: Axes,
    row_payoffs: NDArray,
    col_payoffs: NDArray,
    actions: Sequence[str],
    equilibria: Sequence[tuple[int, int]],
    players: tuple[str, str] = ("A", "B"),
) -> None:
    """Draw a 2x2 game as a table, '(row payoff) , (column payoff)' per cell.

    Args:
        ax: the axes to draw on (its ticks and limits are set here).
        row_payoffs, col_payoffs: (2, 2) payoffs of the row and the column player.
        actions: the two action names (rows and columns).
        equilibria: (row action, column action) cells of pure Nash equilibria, shaded.
        players: names of the row and the column player, for the axis labels.
    """
    ax.set_xlim(0, 2)
    ax.set_ylim(2, 0)
    for i in range(2):
        for j in range(2):
            nash = (i, j) in set(equilibria)
            ax.add_patch(
                Rectangle((j, i), 1, 1, facecolor="#fde0dd" if nash else "white", edgecolor="black")
            )
            ax.text(
                j + 0.5,
                i + 0.5,
                f"{row_payoffs[i, j]:g} , {col_payoffs[i, j]:g}",
                ha="center",
                va="center",
                fontsize=13,
                fontweight="bold" if nash else "normal",
            )
            if nash:
                ax.text(
                    j + 0.5,
                    i + 0.85,
                    "Nash equilibrium",
                    ha="center",
                    fontsize=9,
                    color=COLOURS["defect"],
                )
    ax.set_xticks([0.5, 1.5], [f"{players[1]}: {a}" for a in actions])
    ax.set_yticks([0.5, 1.5], [f"{players[0]}: {a}" for a in actions])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_aspect("equal")


def save_all(figures: Sequence[tuple[Figure, str]], out_dir: Path) -> list[Path]:
    """Write (figure, file name) pairs into ``out_dir`` (created if needed); returns the paths."""
    out_dir = Path(out_dir)
    return [save_figure(fig, out_dir / name) for fig, name in figures]
