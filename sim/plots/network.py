"""``network_<year>.png``: the alignment network in a given year.

Nodes are states, labelled with their iso3 code and placed near their capitals (see
:mod:`sim.plots.layout`). Ties are edges whose width and style give the level (alignment dotted,
partnership dashed, formal solid); a formal tie implied by a treaty alliance (``ties.source``
names the treaty, or both ends are members of it) is black, a formal tie outside every treaty is
teal. A treaty alliance with five or more members (NATO) is drawn as a hub with one spoke per
member instead of every pairwise formal tie it implies; smaller treaties (US-Japan, ANZUS...) are
ordinary formal edges.

Node colour is the state's camp (:mod:`sim.plots.camps`): the great power (USA, China, Russia)
it has its strongest direct tie with, in full colour for a formal tie and a lighter shade for a
partnership or alignment; states tied equally to rival great powers and non-aligned states have
their own colours. A gold ring marks members of an "Asian NATO". The layout is the same in every
year, so figures can be compared.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

from sim.plots._common import (
    ASIAN_NATO_COLOUR,
    country_names,
    figure_title,
    get_table,
    new_figure,
    no_data,
    save_figure,
    split_members,
)
from sim.plots.camps import (
    BETWEEN_COLOUR,
    GREAT_POWERS,
    UNALIGNED_COLOUR,
    camp_colours,
    classify_states,
    node_colour,
)
from sim.plots.layout import centroid, geographic_layout, route_edge, spread

WIDTH, HEIGHT = 1.0, 0.6  # layout box (data units)
LONG_EDGE = 0.5  # edges spanning more than this share of the width arc over the top
ARC_MIN_STATES = 12  # smaller worlds have no crowded regions to arc over
MIN_DISTANCE = 0.034  # between node centres, data units
NODE_SIZE = 470  # points^2: a circle that holds a 3-letter code
HUB_MIN_MEMBERS = 5
# Edge kinds, thinnest first (drawing order), with their style and legend label.
EDGE_STYLES: dict[str, dict[str, object]] = {
    "alignment": {
        "linewidth": 0.8,
        "linestyle": (0, (1, 1.5)),
        "color": "#8c8c8c",
        "label": "1 alignment",
    },
    "partnership": {
        "linewidth": 1.6,
        "linestyle": (0, (4, 2)),
        "color": "#4d4d4d",
        "label": "2 partnership",
    },
    "formal": {
        "linewidth": 2.6,
        "linestyle": "solid",
        "color": "#01857a",
        "label": "3 formal, outside any treaty",
    },
    "treaty": {
        "linewidth": 2.6,
        "linestyle": "solid",
        "color": "#111111",
        "label": "3 formal, from a treaty alliance\n(e.g. US-Japan, ANZUS)",
    },
}
LEVEL_KINDS = {1: "alignment", 2: "partnership", 3: "formal"}
SPOKE_STYLE: dict[str, object] = {"linewidth": 1.1, "color": "#6a51a3", "alpha": 0.45}


def edge_path(
    p: np.ndarray, q: np.ndarray, top: float, obstacles: np.ndarray, long_span: float
) -> MplPath:
    """The path of the edge from ``p`` to ``q`` on this figure's map (see :func:`route_edge`);
    the page's network (sim/page/figures.py) draws its edges with it too."""
    vertices = route_edge(
        p,
        q,
        top=top,
        obstacles=obstacles,
        long_span=long_span,
        arc_height=0.1 * HEIGHT,
        clearance=0.75 * MIN_DISTANCE,
    )
    if len(vertices) == 2:
        return MplPath(vertices)
    return MplPath(vertices, [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])


def year_edges(
    ties: pd.DataFrame, treaties: Mapping[str, Collection[str]], hubs: Collection[str]
) -> list[tuple[str, str, str]]:
    """The edges to draw in one year: one per tie, except the ties that a hub stands for.

    A formal tie comes from a treaty when ``source`` names one of ``treaties`` or when both
    ends are members of one of them (so that a table whose ``source`` only says ``"treaty"``
    or ``"bilateral"`` is read the same way). It is left out when every treaty it comes from is
    drawn as a hub.

    Args:
        ties: Tie rows (``a``, ``b``, ``level``, ``source``) of one year.
        treaties: The year's treaty alliances: name -> member iso3 codes.
        hubs: Names of the treaties drawn as a hub.

    Returns:
        ``(a, b, kind)`` per edge, thinnest kind first; kind is a key of :data:`EDGE_STYLES`.
    """
    member_sets = {name: set(members) for name, members in treaties.items()}
    edges: list[tuple[str, str, str]] = []
    for a, b, level, source in zip(
        ties["a"].astype(str),
        ties["b"].astype(str),
        ties["level"].astype(int),
        ties["source"].astype(str),
        strict=True,
    ):
        if level not in LEVEL_KINDS:
            continue
        kind = LEVEL_KINDS[level]
        if level >= 3:
            covering = {n for n, ms in member_sets.items() if a in ms and b in ms}
            if source in member_sets:
                covering.add(source)
            if covering and covering <= set(hubs):
                continue
            if covering:
                kind = "treaty"
        edges.append((a, b, kind))
    order = list(EDGE_STYLES)
    return sorted(edges, key=lambda e: order.index(e[2]))


class NetworkLayout:
    """Positions of states and treaty hubs, shared by the network figures of one run.

    Args:
        tables: Run tables by name (``actors`` for capitals, ``states``, ``alliances``).
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        actors = get_table(tables, "actors")
        states = get_table(tables, "states")
        alliances = get_table(tables, "alliances")
        isos = [str(i) for i in actors["iso3"]]
        lat = list(actors["capital_lat"].astype(float))
        lon = list(actors["capital_lon"].astype(float))
        for iso in pd.unique(states["iso3"].astype(str)):
            if iso not in isos:
                isos.append(iso)
                lat.append(np.nan)
                lon.append(np.nan)
        self.isos = isos
        nodes = geographic_layout(
            isos, lat, lon, width=WIDTH, height=HEIGHT, min_distance=MIN_DISTANCE
        )

        treaty = alliances[alliances["kind"].astype(str) == "treaty"]
        hub_members: dict[str, list[str]] = {}
        for name, rows in treaty.groupby("alliance", sort=True):
            members = sorted({m for ms in rows["members"] for m in split_members(ms)})
            if len(members) >= HUB_MIN_MEMBERS:
                hub_members[str(name)] = members
        hubs = {h: centroid(nodes, ms) for h, ms in hub_members.items()}
        hubs = {h: p for h, p in hubs.items() if p is not None}

        names = list(nodes) + list(hubs)
        anchors = np.array([*nodes.values(), *hubs.values()]).reshape(-1, 2)
        # A hub's label box needs room in proportion to its name (about 0.007 per character).
        hub_radii = [max(0.9 * MIN_DISTANCE, 0.0035 * (len(h) + 2)) for h in hubs]
        radii = np.array([MIN_DISTANCE / 2] * len(nodes) + hub_radii)
        pos = spread(anchors, radii, pull=0.01) if len(names) else anchors
        self.nodes = {n: pos[k] for k, n in enumerate(names[: len(nodes)])}
        self.hubs = {n: pos[len(nodes) + k] for k, n in enumerate(hubs)}


def _text_colour(face: str) -> str:
    r, g, b = to_rgb(face)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def draw_network(
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    years: Sequence[int],
    *,
    title: str = "",
    great_powers: Sequence[str] = GREAT_POWERS,
) -> list[Path]:
    """Draw ``network_<year>.png`` for each year in ``years``.

    Args:
        tables: Run tables by name (``actors``, ``states``, ``ties``, ``alliances``).
        out_dir: Folder to write the PNGs into.
        years: The years to draw (each must be a year of the run).
        title: The run's title, shown under each figure title.
        great_powers: iso3 codes of the great powers that head the camps of the node colours;
            those absent from the run are ignored.

    Returns:
        The paths of the PNGs written, in the order of ``years``.
    """
    ties = get_table(tables, "ties")
    alliances = get_table(tables, "alliances")
    actors = get_table(tables, "actors")
    names = country_names(tables)
    layout = NetworkLayout(tables)
    budget = {}
    if "defence_usd_bn_2024" in actors.columns:
        budget = dict(zip(actors["iso3"].astype(str), actors["defence_usd_bn_2024"], strict=True))
    powers = [g for g in dict.fromkeys(great_powers) if g in set(layout.isos)]
    colours = camp_colours(powers)
    return [
        _draw_year(
            year,
            ties[ties["year"].astype(int) == year],
            alliances[alliances["year"].astype(int) == year],
            layout,
            powers,
            budget,
            colours,
            names,
            out_dir,
            title,
        )
        for year in years
    ]


def _draw_year(
    year: int,
    ties: pd.DataFrame,
    alliances: pd.DataFrame,
    layout: NetworkLayout,
    powers: Sequence[str],
    budget: Mapping[str, float],
    colours: Mapping[str, str],
    names: Mapping[str, str],
    out_dir: Path,
    title: str,
) -> Path:
    fig = new_figure(14, 9)
    figure_title(fig, f"Alignment network in {year}", title)
    ax = fig.add_subplot()
    ax.set_axis_off()
    if not layout.nodes:
        no_data(ax, "No states in this run")
        return save_figure(fig, out_dir / f"network_{year}.png")
    ax.set_title(
        "Nodes near their capitals (Europe left, Asia centre, Americas right), "
        "spread apart for legibility",
        fontsize=9,
        color="0.35",
        pad=14,
    )
    treaties, asian_nato = year_treaties(alliances)
    hub_of = {h: ms for h, ms in treaties.items() if h in layout.hubs}

    # Edges, thinnest first, then the hubs' spokes.
    top = max(float(p[1]) for p in layout.nodes.values())
    long_span = arc_span(layout)
    kinds_drawn = draw_edges(ax, layout, ties, treaties, hub_of, top, long_span)
    draw_hubs(ax, layout, hub_of, top, long_span)

    classes = classify_states(layout.isos, ties, budget, powers)
    _draw_nodes(ax, layout.nodes, classes, colours, asian_nato)
    _set_limits(ax, layout, top, long_span)

    _legend(fig, classes, powers, colours, names, bool(asian_nato), hub_of, kinds_drawn)
    return save_figure(fig, out_dir / f"network_{year}.png")


def year_treaties(alliances: pd.DataFrame) -> tuple[dict[str, list[str]], set[str]]:
    """The year's treaty alliances (name -> members) and the members of any "Asian NATO" (the
    page's network, sim/page/figures.py, reads them with it too)."""
    treaties: dict[str, list[str]] = {}
    asian_nato: set[str] = set()
    for name, kind, members, asian in zip(
        alliances["alliance"].astype(str),
        alliances["kind"].astype(str),
        alliances["members"],
        alliances["is_asian_nato"],
        strict=True,
    ):
        if kind == "treaty":
            treaties[name] = split_members(members)
        if not pd.isna(asian) and bool(asian):
            asian_nato |= set(split_members(members))
    return treaties, asian_nato


def _obstacles(layout: NetworkLayout) -> np.ndarray:
    """The points (nodes and hubs) that routed edges keep clear of."""
    return np.array([*layout.nodes.values(), *layout.hubs.values()])


def draw_edges(
    ax,
    layout: NetworkLayout,
    ties: pd.DataFrame,
    treaties: Mapping[str, Collection[str]],
    hub_of: Mapping[str, Sequence[str]],
    top: float,
    long_span: float,
    *,
    width_scale: float = 1.0,
    paths: dict | None = None,
) -> set[str]:
    """Draw one edge per tie (those a hub stands for aside); return the kinds drawn.

    ``width_scale`` multiplies the line widths of :data:`EDGE_STYLES` (the page's larger
    figure, sim/page/figures.py, draws them 1.5 times as wide); ``paths``, when given, keeps
    the routed paths by their ends for the next call with the same layout, top and span.
    """
    pos = layout.nodes
    obstacles = _obstacles(layout)
    kinds_drawn: set[str] = set()
    for a, b, kind in year_edges(ties, treaties, hub_of):
        if a not in pos or b not in pos:
            continue
        style = {k: v for k, v in EDGE_STYLES[kind].items() if k != "label"}
        style["linewidth"] = width_scale * float(style["linewidth"])
        path = _routed(paths, (a, b), pos[a], pos[b], top, obstacles, long_span)
        # Alignments go under the hubs' spokes so that many of them do not hide the spokes.
        zorder = 0.5 if kind == "alignment" else 2
        # add_artist, not add_patch: the callers set the limits, so the patch need not widen
        # the data limits (which cost add_patch about as much as drawing it).
        ax.add_artist(PathPatch(path, fill=False, zorder=zorder, **style))
        kinds_drawn.add(kind)
    return kinds_drawn


def draw_hubs(
    ax,
    layout: NetworkLayout,
    hub_of: Mapping[str, Sequence[str]],
    top: float,
    long_span: float,
    *,
    fontsize: float = 8,
    zorder: float = 4,
    pad: float = 0.3,
    paths: dict | None = None,
) -> None:
    """Draw each hub's spokes to its members and its labelled box (``fontsize`` points, box
    padding ``pad``, at ``zorder``: the page's figure writes it larger, over its nodes);
    ``paths`` as for :func:`draw_edges`."""
    pos = layout.nodes
    obstacles = _obstacles(layout)
    for hub, members in hub_of.items():
        h = layout.hubs[hub]
        for m in members:
            if m in pos:
                path = _routed(paths, (hub, m), h, pos[m], top, obstacles, long_span)
                ax.add_artist(PathPatch(path, fill=False, zorder=1, **SPOKE_STYLE))
        ax.text(
            *h,
            hub,
            ha="center",
            va="center",
            fontsize=fontsize,
            fontweight="bold",
            color="#3f007d",
            zorder=zorder,
            bbox={"boxstyle": f"round,pad={pad}", "fc": "#efedf5", "ec": "#6a51a3"},
        )


def _routed(paths: dict | None, key: tuple, p, q, top, obstacles, long_span) -> MplPath:
    """:func:`edge_path` from ``p`` to ``q``, kept in ``paths`` under ``key`` (if given)."""
    if paths is None:
        return edge_path(p, q, top, obstacles, long_span)
    if key not in paths:
        paths[key] = edge_path(p, q, top, obstacles, long_span)
    return paths[key]


def arc_span(layout: NetworkLayout) -> float:
    """The span beyond which an edge arcs over the top (none in a small world)."""
    return LONG_EDGE * WIDTH if len(layout.nodes) > ARC_MIN_STATES else np.inf


def _draw_nodes(
    ax,
    pos: Mapping[str, np.ndarray],
    classes: Mapping[str, tuple[str, str]],
    colours: Mapping[str, str],
    asian_nato: Collection[str],
) -> None:
    """Draw the states as circles in their camp colour, labelled with their iso3 code."""
    isos = list(pos)
    faces = [node_colour(*classes.get(iso, ("", "none")), colours) for iso in isos]
    ringed = [iso in asian_nato for iso in isos]
    ax.scatter(
        *np.array([pos[iso] for iso in isos]).T,
        s=NODE_SIZE,
        c=faces,
        edgecolors=[ASIAN_NATO_COLOUR if r else "white" for r in ringed],
        linewidths=[3.0 if r else 1.0 for r in ringed],
        zorder=3,
    )
    for iso, face in zip(isos, faces, strict=True):
        ax.text(
            *pos[iso], iso, ha="center", va="center", fontsize=7, color=_text_colour(face), zorder=4
        )


def _set_limits(ax, layout: NetworkLayout, top: float, long_span: float) -> None:
    """Fit the axes around the nodes, hubs and (when edges arc) the arcs over the top."""
    xy = np.array(list(layout.nodes.values()) + list(layout.hubs.values()))
    pad = MIN_DISTANCE
    arc_top = top + 0.02 + 0.1 * HEIGHT if np.isfinite(long_span) else top
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, max(xy[:, 1].max(), arc_top) + pad)
    ax.set_aspect("equal")


def camp_legend_entries(
    classes: Mapping[str, tuple[str, str]],
    powers: Sequence[str],
    colours: Mapping[str, str],
    names: Mapping[str, str],
) -> list[tuple[str, str]]:
    """``(colour, label)`` of each node colour in use, with the number of states it marks.

    Args:
        classes: iso3 -> ``(great power, role)`` from :func:`classify_states`.
        powers: The great powers heading camps, in legend order.
        colours: Camp colour per great power.
        names: iso3 -> country name.

    Returns:
        The legend entries, camp by camp, then "between" and "non-aligned".
    """
    counts: dict[tuple[str, str], int] = {}
    for lead, role in classes.values():
        key = (lead, "formal" if role == "great power" else role)
        counts[key] = counts.get(key, 0) + 1
    entries = []
    for g in powers:
        name = f"{names.get(g, g)} ({g})"
        n = counts.get((g, "formal"), 0)
        if n:
            allies = "" if n == 1 else f" and its {n - 1} formal all{'y' if n == 2 else 'ies'}"
            entries.append((node_colour(g, "formal", colours), f"{name}{allies}"))
        if n := counts.get((g, "informal"), 0):
            what = f"partners and aligned states of {names.get(g, g)}"
            entries.append((node_colour(g, "informal", colours), f"{what}: {n}"))
    if n := counts.get(("", "between"), 0):
        entries.append((BETWEEN_COLOUR, f"tied as strongly to rival great powers: {n}"))
    if n := counts.get(("", "none"), 0):
        entries.append((UNALIGNED_COLOUR, f"non-aligned (no tie with a great power): {n}"))
    return entries


def _legend(
    fig,
    classes: Mapping[str, tuple[str, str]],
    powers: Sequence[str],
    colours: Mapping[str, str],
    names: Mapping[str, str],
    has_asian_nato: bool,
    hubs: Mapping[str, Sequence[str]],
    kinds_drawn: Collection[str],
) -> None:
    def dot(colour: str, label: str, edge: str = "white", width: float = 1.0) -> Line2D:
        return Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markersize=11,
            markerfacecolor=colour,
            markeredgecolor=edge,
            markeredgewidth=width,
            label=label,
        )

    node_handles = [
        dot(c, label) for c, label in camp_legend_entries(classes, powers, colours, names)
    ]
    if has_asian_nato:
        node_handles.append(dot("white", "Asian NATO member", ASIAN_NATO_COLOUR, 3.0))
    edge_handles = [
        Line2D([], [], **{k: v for k, v in style.items() if k != "label"}, label=style["label"])
        for kind, style in EDGE_STYLES.items()
        if kind in kinds_drawn or kind != "formal"
    ]
    for hub, members in hubs.items():
        edge_handles.append(
            Line2D(
                [],
                [],
                **SPOKE_STYLE,
                label=f"member of {hub} ({len(members)} states),\ndrawn as one hub instead\n"
                "of its pairwise formal ties",  # short lines: the legend ends at the figure's edge
            )
        )
    if not kinds_drawn and not hubs:
        edge_handles.append(Line2D([], [], color="none", label="(no ties this year)"))
    great = ", ".join(powers) if powers else "none in this run"
    fig.legend(
        handles=node_handles,
        title=f"Node colour: camp = the great power ({great}) a state has its strongest tie with",
        loc="outside lower left",
        ncols=2,
        frameon=False,
        fontsize=9,
    )
    fig.legend(
        handles=edge_handles,
        title="Ties (line style = level)",
        loc="outside lower right",
        ncols=2,
        frameon=False,
        fontsize=9,
    )
