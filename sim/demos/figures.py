"""Figure helpers shared by the demos: two styles (ordinary and projector), panels, labels.

A demo draws each of its panels with a function ``draw(ax, style)``; :func:`render` lays the
panels out as one figure of several panels (the ordinary style: small type for print and
notes) or as one 16:9 figure per panel (``projector=True``: :data:`PROJECTOR_SIZE` inches,
no text under :data:`MIN_PROJECTOR_PT` points, legends outside the plot area), and writes
them. All the projector's sizes live here, in :data:`PROJECTOR`.

Figures use the run plots' Agg canvas (``sim.plots._common.new_figure``: no global pyplot
state) and are written by ``sim.plots._common.save_figure``, atomically, so a figure file is
either complete or absent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from numpy.typing import NDArray

from sim.plots._common import new_figure, save_figure

__all__ = [
    "COLOURS",
    "MIN_PROJECTOR_PT",
    "ORDINARY",
    "PROJECTOR",
    "PROJECTOR_SIZE",
    "Panel",
    "Style",
    "annotate_point",
    "draw_payoff_matrix",
    "legend",
    "new_figure",
    "panel_title",
    "place_labels",
    "render",
    "save_all",
]

COLOURS = {
    "cooperate": "#1b7837",  # restrain / commit / meets the guideline
    "defect": "#b2182b",  # arm / hedge / below the guideline
    "neutral": "#4d4d4d",
    "highlight": "#e6a700",
    "side_a": "#2166ac",
    "side_b": "#d6604d",
}
"""Colours used consistently across the demos (colour-blind-safe diverging pair)."""

PROJECTOR_SIZE = (13.33, 7.5)
"""Size of a projector figure in inches: 16:9, one panel."""

MIN_PROJECTOR_PT = 16.0
"""Smallest type on a projector figure, in points (read from the back of a lecture hall)."""


@dataclass(frozen=True)
class Style:
    """Type sizes (points) and mark sizes of one way of showing the demos.

    Attributes:
        projector: one panel per 16:9 figure, legends outside the plot area.
        title: panel titles.
        label: axis labels.
        tick: tick labels.
        legend: legend entries.
        note: text written on a plot (annotations, boxes).
        small: the smallest text (labels of many points, values on bars).
        cell: payoffs in a payoff-matrix cell.
        marker: marker size of highlighted points (points).
        line: width of data lines (points).
        title_chars: characters per line of a panel title before it wraps.
    """

    projector: bool
    title: float
    label: float
    tick: float
    legend: float
    note: float
    small: float
    cell: float
    marker: float
    line: float
    title_chars: int


ORDINARY = Style(
    projector=False,
    title=10.5,
    label=10,
    tick=9,
    legend=8.5,
    note=9,
    small=7.5,
    cell=13,
    marker=7,
    line=2,
    title_chars=58,
)
"""The ordinary style: several panels side by side, for print, notes and a laptop screen."""

PROJECTOR = Style(
    projector=True,
    title=22,
    label=20,
    tick=18,
    legend=17,
    note=18,
    small=MIN_PROJECTOR_PT,
    cell=30,
    marker=12,
    line=3.5,
    title_chars=68,
)
"""The projector style: one panel per 16:9 figure, nothing under 16 pt."""


@dataclass(frozen=True)
class Panel:
    """One panel of a demo's figure.

    Attributes:
        letter: 'a', 'b', ...: the panel's name in the text and in projector file names.
        draw: ``draw(ax, style)`` draws the panel; it may return a function
            ``after(ax, style)`` to run once the layout is final (e.g. :func:`place_labels`).
    """

    letter: str
    draw: Callable[[Axes, Style], Callable[[Axes, Style], None] | None]


def panel_title(ax: Axes, letter: str, text: str, style: Style = ORDINARY) -> None:
    """Title a panel '(a) text', left-aligned, so a class can refer to it by letter; long
    titles wrap in the projector style."""
    import textwrap

    lines = f"({letter}) {text}".splitlines()
    title = "\n".join(textwrap.fill(ln, style.title_chars, break_on_hyphens=False) for ln in lines)
    ax.set_title(title, loc="left", fontsize=style.title)


def finish_axes(ax: Axes, style: Style) -> None:
    """Set the tick and axis-label type of ``ax`` to ``style`` (also the ticks drawn later)."""
    ax.tick_params(labelsize=style.tick, which="both")
    ax.xaxis.label.set_fontsize(style.label)
    ax.yaxis.label.set_fontsize(style.label)
    for offset in (ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()):
        offset.set_fontsize(style.tick)


def legend(ax: Axes, style: Style, *, loc: str = "best", outside: bool = False, **kwargs):
    """A legend in the style's type: outside the plot area, to the right, in the projector
    style or when ``outside`` is set (so it never covers data); else at ``loc``."""
    if style.projector or outside:
        kwargs |= {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}
    else:
        kwargs["loc"] = loc
    return ax.legend(fontsize=style.legend, **kwargs)


def annotate_point(
    ax: Axes, x: float, y: float, label: str, *, colour: str = "black", style: Style = ORDINARY
) -> None:
    """Mark a point with a dot and a short label offset down and to the right."""
    ax.plot([x], [y], "o", color=colour, ms=style.marker, zorder=5)
    ax.annotate(
        label,
        (x, y),
        xytext=(10, -10),
        textcoords="offset points",
        va="top",
        fontsize=style.note,
        color=colour,
    )


def draw_payoff_matrix(
    ax: Axes,
    row_payoffs: NDArray,
    col_payoffs: NDArray,
    actions: Sequence[str],
    equilibria: Sequence[tuple[int, int]],
    players: tuple[str, str] = ("A", "B"),
    style: Style = ORDINARY,
) -> None:
    """Draw a 2x2 game as a table, '(row payoff) , (column payoff)' per cell.

    Args:
        ax: the axes to draw on (its ticks and limits are set here).
        row_payoffs, col_payoffs: (2, 2) payoffs of the row and the column player.
        actions: the two action names (rows and columns).
        equilibria: (row action, column action) cells of pure Nash equilibria, shaded.
        players: names of the row and the column player, for the axis labels.
        style: type sizes.
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
                i + 0.45,
                f"{row_payoffs[i, j]:g} , {col_payoffs[i, j]:g}",
                ha="center",
                va="center",
                fontsize=style.cell,
                fontweight="bold" if nash else "normal",
            )
            if nash:
                ax.text(
                    j + 0.5,
                    i + 0.85,
                    "Nash equilibrium",
                    ha="center",
                    fontsize=style.note,
                    color=COLOURS["defect"],
                )
    ax.set_xticks([0.5, 1.5], [f"{players[1]}: {a}" for a in actions])
    ax.set_yticks([0.5, 1.5], [f"{players[0]}: {a}" for a in actions])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    ax.set_aspect("equal")


def _box(text, renderer) -> Bbox:
    """Display-space box of a text and of the frame drawn around it, if any."""
    box = Text.get_window_extent(text, renderer)  # without an annotation's arrow
    patch = text.get_bbox_patch()
    return Bbox.union([box, patch.get_window_extent(renderer)]) if patch is not None else box


def place_labels(
    ax: Axes,
    xs: Sequence[float],
    ys: Sequence[float],
    labels: Sequence[str],
    *,
    fontsize: float,
    bold: Sequence[bool] | None = None,
    pad: float = 2.0,
) -> list:
    """Label points without overprinting: each label takes the first free place around its
    point, nearest first (farther places get a thin leader line).

    Meant to run once the layout is final (a :class:`Panel`'s ``after`` function): it avoids
    the labels already placed, the legend, the texts on the axes and the points themselves,
    and stays inside the axes. A label that finds no free place goes where it overlaps least.

    Returns:
        The annotations, in the order of ``labels``.
    """
    fig = ax.get_figure()
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    obstacles = [_box(t, renderer) for t in ax.texts if t.get_visible() and t.get_text()]
    if ax.get_legend() is not None:
        obstacles.append(ax.get_legend().get_window_extent(renderer))
    points = ax.transData.transform(np.column_stack([xs, ys]))
    radius = 0.5 * fontsize * fig.dpi / 72  # half the type size, in pixels, around each point
    marks = [Bbox.from_bounds(x - radius, y - radius, 2 * radius, 2 * radius) for x, y in points]
    directions = [(1, 1), (1, -1), (-1, 1), (-1, -1), (0, 1), (0, -1), (1, 0), (-1, 0)]
    placed = []
    for k, label in enumerate(labels):
        weight = "bold" if bold is not None and bold[k] else "normal"
        best = None  # (overlap in square pixels, offset, box)
        for step in (0.25, 1.2, 2.2, 3.4):
            for dx, dy in directions:
                offset = (dx * step * fontsize, dy * step * fontsize)
                trial = _label(ax, label, (xs[k], ys[k]), offset, fontsize, weight)
                box = trial.get_window_extent(renderer).padded(pad)
                trial.remove()
                others = [m for j, m in enumerate(marks) if j != k]  # its own point is fine
                clash = sum(_overlap_area(box, o) for o in [*obstacles, *others])
                clash += box.width * box.height - _overlap_area(box, inside)
                if best is None or clash < best[0]:
                    best = (clash, offset, box)
                if clash == 0:
                    break
            if best[0] == 0:
                break
        _, offset, box = best
        far = max(abs(offset[0]), abs(offset[1])) > fontsize
        leader = {"arrowstyle": "-", "color": "0.5", "lw": 0.8, "shrinkB": radius * 72 / fig.dpi}
        placed.append(
            _label(ax, label, (xs[k], ys[k]), offset, fontsize, weight, leader if far else None)
        )
        obstacles.append(box)
    return placed


def _label(ax: Axes, text: str, xy, offset, fontsize: float, weight: str, arrow=None):
    """An annotation ``offset`` points from ``xy``, aligned away from the point; it does not
    move the layout."""
    note = ax.annotate(
        text,
        xy,
        xytext=offset,
        textcoords="offset points",
        fontsize=fontsize,
        fontweight=weight,
        ha="left" if offset[0] > 0 else "right" if offset[0] < 0 else "center",
        va="bottom" if offset[1] > 0 else "top" if offset[1] < 0 else "center",
        annotation_clip=False,
        arrowprops=arrow,
    )
    note.set_in_layout(False)
    return note


def _overlap_area(a: Bbox, b: Bbox) -> float:
    """Area (square pixels) that two boxes share."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def render(
    name: str,
    panels: Sequence[Panel],
    out_dir: Path,
    *,
    projector: bool = False,
    title: str = "",
    size: tuple[float, float] = (15, 5),
    grid: tuple[int, int] | None = None,
    width_ratios: Sequence[float] | None = None,
) -> tuple[list[Path], list[Figure]]:
    """Draw a demo's panels and write them into ``out_dir``.

    Args:
        name: the demo's figure name: ``<name>.png`` (ordinary) or ``<name>_<letter>.png``
            (projector, one per panel).
        panels: the panels, in order.
        out_dir: the folder to write into (created if needed).
        projector: one 16:9 figure per panel in the :data:`PROJECTOR` style.
        title: the ordinary figure's overall title (the projector figures have none: each
            panel's own title says what it shows).
        size: the ordinary figure's size in inches.
        grid: (rows, columns) of the ordinary figure (default: one row).
        width_ratios: relative widths of the ordinary figure's columns.

    Returns:
        (paths written, the figures drawn), in the same order.
    """
    if projector:
        drawn = []
        for panel in panels:
            fig = new_figure(*PROJECTOR_SIZE)
            ax = fig.add_subplot()
            drawn.append((fig, [(ax, panel)], f"{name}_{panel.letter}.png"))
        style = PROJECTOR
    else:
        fig = new_figure(*size)
        if title:
            fig.suptitle(title, fontsize=12)
        rows, cols = grid or (1, len(panels))
        axes = np.atleast_1d(fig.subplots(rows, cols, width_ratios=width_ratios)).ravel()
        drawn = [(fig, list(zip(axes, panels, strict=True)), f"{name}.png")]
        style = ORDINARY
    for fig, pairs, _ in drawn:
        afters = []
        for ax, panel in pairs:
            after = panel.draw(ax, style)
            finish_axes(ax, style)
            afters.append((ax, after))
        if any(after is not None for _, after in afters):
            fig.canvas.draw()  # the layout engine places the axes; then freeze it
            fig.set_layout_engine("none")
            for ax, after in afters:
                if after is not None:
                    after(ax, style)
    paths = save_all([(fig, file) for fig, _, file in drawn], out_dir)
    return paths, [fig for fig, _, _ in drawn]


def save_all(figures: Sequence[tuple[Figure, str]], out_dir: Path) -> list[Path]:
    """Write (figure, file name) pairs into ``out_dir`` (created if needed); returns the paths."""
    out_dir = Path(out_dir)
    return [save_figure(fig, out_dir / name) for fig, name in figures]
