"""The classroom page's figures, drawn at the size they are shown and readable from a hall.

The run figures of :mod:`sim.plots` are 2100 px wide at 7-9 pt, for files: shown on the page,
their labels were about 3 px tall. The page draws its own two figures from the same tables and
the same building blocks (the geographic layout, the camps and the edge styles of
:mod:`sim.plots.network`), at :data:`DPI` and about the width they take on a 1920 px screen,
with no text under :data:`MIN_FONT_PT`: the alignment network labels only the states a class
talks about (the key states and the great powers, every state in a small world) and leaves its
legend to the page (:func:`network_legend`, HTML that the page's type size applies to); the
budgets chart labels its lines at their ends instead of a legend.

The page keeps both figures from year to year (:class:`NetworkCanvas`, :class:`BudgetsCanvas`):
a step moves the budgets' lines and redraws the network only when the year's ties or alliances
changed. :func:`network_figure` and :func:`budgets_figure` draw the same on new figures (the
page's tests check that the pixels agree).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from sim.plots._common import ASIAN_NATO_COLOUR, country_names, get_table, new_figure
from sim.plots.camps import camp_colours, classify_states, node_colour
from sim.plots.network import (
    EDGE_STYLES,
    HEIGHT,
    MIN_DISTANCE,
    NetworkLayout,
    arc_span,
    camp_legend_entries,
    draw_edges,
    draw_hubs,
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
    """``fig`` as PNG bytes at :data:`DPI` on a white background.

    The pixels are those of ``fig.savefig(..., dpi=DPI, facecolor="white")``; the PNG is RGB
    (the background is opaque) at zlib level 1, which encodes in about half the time of
    savefig's RGBA at level 6 (the page makes one or two a step; the file is a little larger).
    """
    fig.set_dpi(DPI)
    fig.patch.set_facecolor("white")
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="png", compress_level=1)
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


def layout_key(tables: Mapping[str, pd.DataFrame]) -> tuple:
    """What :class:`NetworkLayout` depends on: the states and the treaties' member lists over
    the years so far (the hubs and their places). Equal keys give the same layout."""
    alliances = get_table(tables, "alliances")
    treaty = (alliances["kind"] == "treaty").to_numpy(bool)
    members = zip(
        alliances["alliance"][treaty].tolist(), alliances["members"][treaty].tolist(), strict=True
    )
    return (
        tuple(get_table(tables, "actors")["iso3"].tolist()),
        tuple(pd.unique(get_table(tables, "states")["iso3"]).tolist()),
        frozenset(members),
    )


def year_key(tables: Mapping[str, pd.DataFrame], year: int) -> tuple:
    """What a year's network drawn on a :class:`NetworkCanvas` depends on besides its layout:
    the year's ties and alliances. Equal keys give the same figure."""
    ties = get_table(tables, "ties")
    ties = ties[ties["year"].to_numpy(int) == year]
    alliances = get_table(tables, "alliances")
    alliances = alliances[alliances["year"].to_numpy(int) == year]
    return (
        tuple(zip(*(ties[c].tolist() for c in ("a", "b", "level", "source")), strict=True)),
        tuple(zip(*(alliances[c].tolist() for c in ("alliance", "kind", "members")), strict=True)),
        tuple(alliances["is_asian_nato"].fillna(False).astype(bool).tolist()),
    )


class NetworkCanvas:
    """The page's network figure, kept alive from year to year.

    The layout, the axes, the nodes and their labels depend only on the states and the
    treaties' members (:func:`layout_key`) and are drawn once; :meth:`update` draws a year's
    ties, hubs and node colours, and does nothing when they are those already drawn
    (:func:`year_key`). :func:`network_figure` draws one year on a new canvas, so a canvas
    updated year after year shows what a figure drawn from scratch shows.

    Args:
        tables: The run's tables so far (``actors``, ``states``, ``alliances``).
        focus_states: The states labelled in a large world (key states and great powers).
        great_powers: The great powers that head the camps of the node colours.
    """

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        focus_states: Sequence[str],
        great_powers: Sequence[str],
    ) -> None:
        self.layout_key = layout_key(tables)
        self.layout = NetworkLayout(tables)
        pos = self.layout.nodes
        self.powers = [g for g in dict.fromkeys(great_powers) if g in pos]
        self.colours = camp_colours(self.powers)
        actors = get_table(tables, "actors")
        self.budget = {}
        if "defence_usd_bn_2024" in actors.columns:
            isos = actors["iso3"].astype(str)
            self.budget = dict(zip(isos, actors["defence_usd_bn_2024"], strict=True))
        self.names = country_names(tables)
        small = len(pos) <= ALL_LABELLED_UP_TO
        self.labelled = [iso for iso in pos if small or iso in set(focus_states)]
        self.fig = new_figure(*NETWORK_SIZE, layout=None)
        self.ax = ax = self.fig.add_axes((0.01, 0.01, 0.98, 0.98))
        ax.set_axis_off()
        isos = list(pos)
        big = np.array([iso in self.labelled for iso in isos])
        self.nodes = ax.scatter(
            *np.array([pos[i] for i in isos]).T, s=np.where(big, 260, 90), zorder=4
        )
        xy = np.array([*pos.values(), *self.layout.hubs.values()])
        top = float(xy[:, 1].max()) + (0.02 + 0.1 * HEIGHT if not small else 0.0)
        ax.set_xlim(xy[:, 0].min() - 2 * MIN_DISTANCE, xy[:, 0].max() + 2 * MIN_DISTANCE)
        ax.set_ylim(xy[:, 1].min() - 2 * MIN_DISTANCE, top + 2 * MIN_DISTANCE)
        _place_labels(ax, self.fig, pos, self.labelled)
        self.year_key: tuple | None = None
        self.legend: NetworkLegend | None = None
        self.redraws = 0  # how many times update() drew a year's ties
        self._drawn: list = []  # the artists of the year drawn
        self._paths: dict = {}  # the routed edges by their ends (the layout does not move)

    def update(self, tables: Mapping[str, pd.DataFrame], year: int) -> NetworkLegend:
        """Show ``year`` of ``tables`` (the tables' layout must be this canvas's); redraws only
        when the year's ties or alliances differ from those shown. Returns its legend."""
        key = year_key(tables, year)
        if key == self.year_key and self.legend is not None:
            return self.legend
        ties = get_table(tables, "ties")
        ties = ties[ties["year"].astype(int) == year]
        alliances = get_table(tables, "alliances")
        treaties, asian = year_treaties(alliances[alliances["year"].astype(int) == year])
        layout, ax = self.layout, self.ax
        hub_of = {h: ms for h, ms in treaties.items() if h in layout.hubs}
        for artist in self._drawn:
            artist.remove()
        before = {id(a) for a in (*ax.patches, *ax.texts)}
        top = max(float(p[1]) for p in layout.nodes.values())
        span = arc_span(layout)
        paths = self._paths
        drawn = draw_edges(
            ax, layout, ties, treaties, hub_of, top, span, width_scale=1.5, paths=paths
        )
        draw_hubs(ax, layout, hub_of, top, span, fontsize=LABEL_PT, zorder=5, pad=0.25, paths=paths)
        self._drawn = [a for a in (*ax.patches, *ax.texts) if id(a) not in before]
        isos = list(layout.nodes)
        classes = classify_states(isos, ties, self.budget, self.powers)
        self.nodes.set_facecolor(
            [node_colour(*classes.get(i, ("", "none")), self.colours) for i in isos]
        )
        self.nodes.set_edgecolor([ASIAN_NATO_COLOUR if i in asian else "white" for i in isos])
        self.nodes.set_linewidth([4.0 if i in asian else 1.0 for i in isos])
        nodes = camp_legend_entries(classes, self.powers, self.colours, self.names)
        lines = [EDGE_NOTES[k] for k in EDGE_STYLES if k in drawn]
        lines += [f"purple spokes: the {len(ms)} members of {h}" for h, ms in hub_of.items()]
        if asian:
            lines.append("gold ring: member of an 'Asian NATO'")
        self.legend = NetworkLegend(nodes, lines, self.labelled)
        self.year_key = key
        self.redraws += 1
        return self.legend


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
    canvas = NetworkCanvas(tables, focus_states, great_powers)
    return canvas.fig, canvas.update(tables, year)


def _end_labels(ax, fig, ends: list[tuple[float, str, str]]) -> list:
    """Write each line's name at its end, nudged apart vertically so that none overlap;
    returns the labels."""
    to_pixels = ax.transData.transform
    from_pixels = ax.transData.inverted().transform
    x_end = ax.get_xlim()[1]
    gap = MIN_FONT_PT * DPI / 72 * 1.25  # px between the centres of two labels
    last_y = -np.inf
    labels = []
    for value, name, colour in sorted(ends):
        y = max(float(to_pixels((x_end, value))[1]), last_y + gap)
        last_y = y
        data_y = float(from_pixels((0, y))[1])
        label = ax.annotate(
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
        labels.append(label)
    return labels


class BudgetsCanvas:
    """The page's budgets chart, kept alive from year to year: :meth:`update` moves its lines'
    data, limits and end labels instead of drawing a new figure. :func:`budgets_figure` draws
    the tables on a new canvas, so a canvas updated year after year shows what a figure drawn
    from scratch shows.

    Args:
        key_states: The states drawn (those absent from the run are skipped).
        targets: Spending targets (label -> % of GDP), drawn as dashed lines.
        colours: A colour per key state.
    """

    def __init__(
        self,
        key_states: Sequence[str],
        targets: Mapping[str, float],
        colours: Mapping[str, object],
    ) -> None:
        self.key_states = list(dict.fromkeys(key_states))
        self.targets = dict(targets)
        self.colours = colours
        self.fig = new_figure(*BUDGETS_SIZE, layout=None)
        self.ax = self.fig.add_axes((0.08, 0.12, 0.66, 0.84))
        self.lines: dict[str, object] = {}
        self._shown: list[str] | None = None  # the states drawn (None: nothing drawn yet)
        self.names: dict[str, str] | None = None
        self._labels: list = []

    def _first_draw(self, shown: Sequence[str], series: Mapping[str, tuple]) -> None:
        """The lines, the targets and the axes' style, drawn as the first year's figure."""
        ax = self.ax
        for iso in shown:
            years, values = series[iso]
            (self.lines[iso],) = ax.plot(
                years, values, marker="o", markersize=5, linewidth=3, color=self.colours[iso]
            )
        for value in self.targets.values():
            ax.axhline(value, color="0.4", linestyle=(0, (5, 3)), linewidth=1.5)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(labelsize=MIN_FONT_PT)
        ax.set_ylabel("% of GDP", fontsize=MIN_FONT_PT)
        ax.grid(axis="y", color="0.9")
        ax.spines[["top", "right"]].set_visible(False)

    def update(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Show the key states' spending in ``tables`` (``states``; ``actors`` for names)."""
        states = get_table(tables, "states")
        if self.names is None:  # the actors' names (the same every year of a run)
            self.names = country_names(tables)
        isos = states["iso3"].astype(str).to_numpy()
        all_years = states["year"].astype(int).to_numpy()
        spending = states["defence_pct_gdp"].astype(float).to_numpy()
        shown = [k for k in self.key_states if k in set(isos)]
        series = {}
        for iso in shown:
            rows = np.flatnonzero(isos == iso)
            rows = rows[np.argsort(all_years[rows], kind="stable")]
            series[iso] = (all_years[rows], spending[rows])
        ax = self.ax
        if self._shown != shown:
            if self._shown is not None:
                ax.clear()
            self.lines, self._labels, self._shown = {}, [], shown
            self._first_draw(shown, series)
        else:  # new data on the same lines; the y axis fitted to it as when first drawn
            for iso, (years, values) in series.items():
                self.lines[iso].set_data(years, values)
            ax.relim()
            ax.set_autoscaley_on(True)
            ax.autoscale_view(scalex=False)
        first, last = int(all_years.min()), int(all_years.max())
        ax.set_xlim(first - 0.3, max(last, first + 1) + 0.3)
        ax.set_ylim(bottom=0)
        ends = [(float(series[i][1][-1]), self.names.get(i, i), self.colours[i]) for i in shown]
        ends += [(float(value), label, "0.35") for label, value in self.targets.items()]
        for label in self._labels:
            label.remove()
        self._labels = _end_labels(ax, self.fig, ends)


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
    canvas = BudgetsCanvas(key_states, targets, colours)
    canvas.update(tables)
    return canvas.fig


def font_sizes(fig) -> list[float]:
    """The font sizes (points) of every visible text of a matplotlib figure."""
    return [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
