"""The classroom page's figures, drawn at the size they are shown and readable from a hall.

The run figures of :mod:`sim.plots` are 2100 px wide at 7-9 pt, for files: shown on the page,
their labels were about 3 px tall. The page draws its own two figures from the same tables and
the same building blocks (the geographic layout, the camps and the edge styles of
:mod:`sim.plots.network`), at :data:`DPI` and about the width they take on a 1920 px screen,
with no text under :data:`MIN_FONT_PT`: the alignment network labels only the states a class
talks about (the key states and the great powers, every state in a small world) and leaves its
legend to the page (:func:`network_legend`, HTML that the page's type size applies to); the
budgets chart labels its lines at their ends instead of a legend.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.text import Text

from sim.plots._common import ASIAN_NATO_COLOUR, country_names, get_table, new_figure
from sim.plots.camps import camp_colours, classify_states, node_colour
from sim.plots.network import (
    EDGE_STYLES,
    HEIGHT,
    LONG_EDGE,
    MIN_DISTANCE,
    SPOKE_STYLE,
    WIDTH,
    NetworkLayout,
    camp_legend_entries,
    edge_path,
    year_edges,
    year_treaties,
)

DPI = 100  # pixels per inch of the page's PNGs
LABEL_PT = 18  # state and hub labels of the network, points
MIN_FONT_PT = 16  # the smallest text in a page figure, points
NETWORK_SIZE = (12.0, 7.0)  # inches: 1200 x 700 px
BUDGETS_SIZE = (12.0, 5.6)  # inches: 1200 x 560 px
ALL_LABELLED_UP_TO = 12  # a world of at most this many states has every state labelled
# Where a state's label goes, tried in turn (offset from the node in points), until one does
# not overlap a label already placed.
LABEL_OFFSETS = [(0, 16), (0, -16), (16, 0), (-16, 0), (14, 14), (-14, 14), (14, -14), (-14, -14)]
HALO = [patheffects.withStroke(linewidth=4, foreground="white")]
EDGE_NOTES = {
    "alignment": "dotted grey: alignment",
    "partnership": "dashed: partnership",
    "formal": "solid teal: formal tie outside the treaties",
    "treaty": "solid black: formal tie of a treaty alliance",
}


@dataclass(frozen=True)
class NetworkLegend:
    """What the network's colours and lines mean, for the page to write beside the figure."""

    nodes: list[tuple[str, str]]  # (colour, meaning)
    lines: list[str]
    labelled: list[str]  # the states whose codes are written on the figure


def png_bytes(fig) -> bytes:
    """``fig`` as PNG bytes at :data:`DPI` (white background)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _place_labels(ax, fig, pos: Mapping[str, np.ndarray], labelled: Sequence[str]) -> None:
    """Write each labelled state's code beside its node where it overlaps no other label."""
    renderer = fig.canvas.get_renderer()
    placed = []
    for iso in labelled:
        for dx, dy in LABEL_OFFSETS:
            text = ax.annotate(
                iso,
                pos[iso],
                xytext=(dx, dy),
                textcoords="offset points",
                ha="center" if dx == 0 else ("left" if dx > 0 else "right"),
                va="center" if dy == 0 else ("bottom" if dy > 0 else "top"),
                fontsize=LABEL_PT,
                fontweight="bold",
                path_effects=HALO,
                zorder=6,
            )
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed):
                placed.append(box)
                break
            text.remove()
        else:  # every place is taken: the first one, overlapping
            ax.annotate(
                iso,
                pos[iso],
                xytext=LABEL_OFFSETS[0],
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=LABEL_PT,
                fontweight="bold",
                path_effects=HALO,
                zorder=6,
            )


def _draw_ties(ax, layout: NetworkLayout, ties, treaties, hubs) -> set[str]:
    """The year's ties and the hubs' spokes; returns the edge kinds drawn."""
    pos = layout.nodes
    obstacles = np.array([*pos.values(), *layout.hubs.values()])
    top = max(float(p[1]) for p in pos.values())
    long_span = LONG_EDGE * WIDTH if len(pos) > ALL_LABELLED_UP_TO else np.inf
    drawn: set[str] = set()
    for a, b, kind in year_edges(ties, treaties, hubs):
        if a in pos and b in pos:
            style = {k: v for k, v in EDGE_STYLES[kind].items() if k != "label"}
            style["linewidth"] = 1.5 * float(style["linewidth"])
            path = edge_path(pos[a], pos[b], top, obstacles, long_span)
            ax.add_patch(
                PathPatch(path, fill=False, zorder=2 if kind != "alignment" else 1, **style)
            )
            drawn.add(kind)
    for hub in hubs:
        for member in treaties[hub]:
            if member in pos:
                path = edge_path(layout.hubs[hub], pos[member], top, obstacles, long_span)
                ax.add_patch(PathPatch(path, fill=False, zorder=1, **SPOKE_STYLE))
        ax.text(
            *layout.hubs[hub],
            hub,
            ha="center",
            va="center",
            fontsize=LABEL_PT,
            fontweight="bold",
            color="#3f007d",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.25", "fc": "#efedf5", "ec": "#6a51a3"},
        )
    return drawn


def network_figure(
    tables: Mapping[str, pd.DataFrame],
    year: int,
    focus_states: Sequence[str],
    great_powers: Sequence[str],
) -> tuple[Figure, NetworkLegend]:
    """The alignment network of ``year``, with what its colours mean.

    Args:
        tables: The run's tables so far (``actors``, ``states``, ``ties``, ``alliances``).
        year: A year of the run.
        focus_states: The states labelled in a large world (key states and great powers).
        great_powers: The great powers that head the camps of the node colours.

    Returns:
        The figure (:data:`NETWORK_SIZE`; :func:`png_bytes` draws it) and its legend.
    """
    ties = get_table(tables, "ties")
    ties = ties[ties["year"].astype(int) == year]
    alliances = get_table(tables, "alliances")
    treaties, asian = year_treaties(alliances[alliances["year"].astype(int) == year])
    actors = get_table(tables, "actors")
    layout = NetworkLayout(tables)
    pos = layout.nodes
    powers = [g for g in dict.fromkeys(great_powers) if g in pos]
    colours = camp_colours(powers)
    budget = {}
    if "defence_usd_bn_2024" in actors.columns:
        budget = dict(zip(actors["iso3"].astype(str), actors["defence_usd_bn_2024"], strict=True))
    classes = classify_states(list(pos), ties, budget, powers)
    hubs = [h for h in treaties if h in layout.hubs]
    small = len(pos) <= ALL_LABELLED_UP_TO
    labelled = [iso for iso in pos if small or iso in set(focus_states)]

    fig = new_figure(*NETWORK_SIZE, layout=None)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_axis_off()
    drawn = _draw_ties(ax, layout, ties, treaties, hubs)
    isos = list(pos)
    big = np.array([iso in labelled for iso in isos])
    ax.scatter(
        *np.array([pos[i] for i in isos]).T,
        s=np.where(big, 260, 90),
        c=[node_colour(*classes.get(i, ("", "none")), colours) for i in isos],
        edgecolors=[ASIAN_NATO_COLOUR if i in asian else "white" for i in isos],
        linewidths=[4.0 if i in asian else 1.0 for i in isos],
        zorder=4,
    )
    xy = np.array([*pos.values(), *layout.hubs.values()])
    top = float(xy[:, 1].max()) + (0.02 + 0.1 * HEIGHT if not small else 0.0)
    ax.set_xlim(xy[:, 0].min() - 2 * MIN_DISTANCE, xy[:, 0].max() + 2 * MIN_DISTANCE)
    ax.set_ylim(xy[:, 1].min() - 2 * MIN_DISTANCE, top + 2 * MIN_DISTANCE)
    _place_labels(ax, fig, pos, labelled)
    names = country_names(tables)
    nodes = camp_legend_entries(classes, powers, colours, names)
    lines = [EDGE_NOTES[k] for k in EDGE_STYLES if k in drawn]
    lines += [f"purple spokes: the {len(treaties[h])} members of {h}" for h in hubs]
    if asian:
        lines.append("gold ring: member of an 'Asian NATO'")
    return fig, NetworkLegend(nodes, lines, labelled)


def _end_labels(ax, fig, ends: list[tuple[float, str, str]]) -> None:
    """Write each line's name at its end, nudged apart vertically so that none overlap."""
    to_pixels = ax.transData.transform
    from_pixels = ax.transData.inverted().transform
    x_end = ax.get_xlim()[1]
    gap = MIN_FONT_PT * DPI / 72 * 1.25  # px between the centres of two labels
    last_y = -np.inf
    for value, name, colour in sorted(ends):
        y = max(float(to_pixels((x_end, value))[1]), last_y + gap)
        last_y = y
        data_y = float(from_pixels((0, y))[1])
        ax.annotate(
            name,
            (1.0, data_y),
            xycoords=("axes fraction", "data"),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=MIN_FONT_PT,
            color=colour,
            fontweight="bold",
            annotation_clip=False,
        )


def budgets_figure(
    tables: Mapping[str, pd.DataFrame],
    key_states: Sequence[str],
    targets: Mapping[str, float],
    colours: Mapping[str, object],
) -> Figure:
    """The key states' defence spending (% of GDP) over the years so far.

    Args:
        tables: The run's tables so far (``states``; ``actors`` for names).
        key_states: The states drawn (those absent from the run are skipped).
        targets: Spending targets (label -> % of GDP), drawn as dashed lines.
        colours: A colour per key state.

    Returns:
        The figure (:data:`BUDGETS_SIZE`), every text at :data:`MIN_FONT_PT` or more.
    """
    states = get_table(tables, "states")
    names = country_names(tables)
    shown = [k for k in dict.fromkeys(key_states) if k in set(states["iso3"].astype(str))]
    fig = new_figure(*BUDGETS_SIZE, layout=None)
    ax = fig.add_axes((0.08, 0.12, 0.66, 0.84))
    ends = []
    for iso in shown:
        rows = states[states["iso3"].astype(str) == iso].sort_values("year")
        years = rows["year"].astype(int).to_numpy()
        values = rows["defence_pct_gdp"].astype(float).to_numpy()
        ax.plot(years, values, marker="o", markersize=5, linewidth=3, color=colours[iso])
        ends.append((float(values[-1]), names.get(iso, iso), colours[iso]))
    for label, value in targets.items():
        ax.axhline(value, color="0.4", linestyle=(0, (5, 3)), linewidth=1.5)
        ends.append((float(value), label, "0.35"))
    years = states["year"].astype(int)
    first, last = int(years.min()), int(years.max())
    ax.set_xlim(first - 0.3, max(last, first + 1) + 0.3)
    ax.set_ylim(bottom=0)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(labelsize=MIN_FONT_PT)
    ax.set_ylabel("% of GDP", fontsize=MIN_FONT_PT)
    ax.grid(axis="y", color="0.9")
    ax.spines[["top", "right"]].set_visible(False)
    _end_labels(ax, fig, ends)
    return fig


def font_sizes(fig) -> list[float]:
    """The font sizes (points) of every visible text of a matplotlib figure."""
    return [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
