"""``network_<year>.png``: the alignment network in a given year.

Nodes are states, labelled with their iso3 code and placed near their capitals (see
:mod:`sim.plots.layout`). Bilateral ties are edges whose width and style give the level
(alignment dotted, partnership dashed, formal solid). A treaty alliance with five or more
members is drawn as a hub with one spoke per member instead of every pairwise formal tie.
Node colour is the state's camp: the connected group of states linked by formal ties
(collective defence), named after its member with the largest 2024 defence budget; a state
outside every camp with a partnership to exactly one camp is drawn in a lighter shade of that
camp's colour. A gold ring marks members of an "Asian NATO". The layout is the same in every
year, so figures can be compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    UNALIGNED_COLOUR,
    camp_colours,
    classify_states,
    node_colour,
)
from sim.plots.layout import centroid, geographic_layout, route_edge, spread

WIDTH, HEIGHT = 1.0, 0.6  # layout box (data units)
LONG_EDGE = 0.5  # edges spanning more than this share of the width arc over the top
MIN_DISTANCE = 0.034  # between node centres, data units
NODE_SIZE = 470  # points^2: a circle that holds a 3-letter code
HUB_MIN_MEMBERS = 5
EDGE_STYLES: dict[int, dict[str, object]] = {
    1: {"linewidth": 0.9, "linestyle": (0, (1, 1.5)), "color": "#7f7f7f", "label": "alignment"},
    2: {"linewidth": 1.6, "linestyle": (0, (4, 2)), "color": "#4d4d4d", "label": "partnership"},
    3: {"linewidth": 2.6, "linestyle": "solid", "color": "#111111", "label": "formal"},
}
SPOKE_STYLE: dict[str, object] = {"linewidth": 1.1, "color": "#6a51a3", "alpha": 0.45}


def _route(p: np.ndarray, q: np.ndarray, top: float, obstacles: np.ndarray) -> MplPath:
    """The path of the edge from ``p`` to ``q`` on this figure's map (see :func:`route_edge`)."""
    vertices = route_edge(
        p,
        q,
        top=top,
        obstacles=obstacles,
        long_span=LONG_EDGE * WIDTH,
        arc_height=0.1 * HEIGHT,
        clearance=0.75 * MIN_DISTANCE,
    )
    if len(vertices) == 2:
        return MplPath(vertices)
    return MplPath(vertices, [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])


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
) -> list[Path]:
    """Draw ``network_<year>.png`` for each year in ``years``.

    Args:
        tables: Run tables by name (``actors``, ``states``, ``ties``, ``alliances``).
        out_dir: Folder to write the PNGs into.
        years: The years to draw (each must be a year of the run).
        title: The run's title, shown under each figure title.

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

    year_ties = {y: ties[ties["year"].astype(int) == y] for y in years}
    classes = {y: classify_states(layout.isos, year_ties[y], budget) for y in years}
    colours = camp_colours(list(classes.values()))
    return [
        _draw_year(
            year,
            year_ties[year],
            classes[year],
            alliances,
            layout,
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
    classes: Mapping[str, tuple[str, str]],
    alliances: pd.DataFrame,
    layout: NetworkLayout,
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
    )

    rows = alliances[alliances["year"].astype(int) == year]
    hub_of: dict[str, list[str]] = {}
    asian_nato: set[str] = set()
    for name, members, asian in zip(
        rows["alliance"].astype(str), rows["members"], rows["is_asian_nato"], strict=True
    ):
        if name in layout.hubs:
            hub_of[name] = split_members(members)
        if bool(asian) and not pd.isna(asian):
            asian_nato |= set(split_members(members))

    # Edges: bilateral ties (and ties of treaties drawn without a hub), thinnest first.
    pos = layout.nodes
    top = max(float(p[1]) for p in pos.values())
    obstacles = np.array([*pos.values(), *layout.hubs.values()])
    by_level = ties.sort_values("level") if len(ties) else ties
    for a, b, level, source in zip(
        by_level["a"].astype(str),
        by_level["b"].astype(str),
        by_level["level"].astype(int),
        by_level["source"].astype(str),
        strict=True,
    ):
        if source in hub_of or a not in pos or b not in pos or level not in EDGE_STYLES:
            continue
        style = {k: v for k, v in EDGE_STYLES[level].items() if k != "label"}
        ax.add_patch(
            PathPatch(_route(pos[a], pos[b], top, obstacles), fill=False, zorder=2, **style)
        )
    for hub, members in hub_of.items():
        h = layout.hubs[hub]
        for m in members:
            if m in pos:
                ax.add_patch(
                    PathPatch(
                        _route(h, pos[m], top, obstacles), fill=False, zorder=1, **SPOKE_STYLE
                    )
                )
        ax.text(
            *h,
            hub,
            ha="center",
            va="center",
            fontsize=8,
            fontweight="bold",
            color="#3f007d",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.3", "fc": "#efedf5", "ec": "#6a51a3"},
        )

    # Nodes.
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
    xy = np.array(list(pos.values()) + list(layout.hubs.values()))
    pad = MIN_DISTANCE
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, max(xy[:, 1].max(), top + 0.02 + 0.1 * HEIGHT) + pad)
    ax.set_aspect("equal")

    _legend(fig, classes, colours, names, bool(asian_nato), bool(hub_of), ties)
    return save_figure(fig, out_dir / f"network_{year}.png")


def _legend(
    fig,
    classes: Mapping[str, tuple[str, str]],
    colours: Mapping[str, str],
    names: Mapping[str, str],
    has_asian_nato: bool,
    has_hubs: bool,
    ties: pd.DataFrame,
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

    counts: dict[tuple[str, str], int] = {}
    for key in classes.values():
        counts[key] = counts.get(key, 0) + 1
    node_handles = []
    leads = sorted({lead for lead, role in counts if role == "member"}, key=list(colours).index)
    for lead in leads:
        name = names.get(lead, lead)
        node_handles.append(
            dot(colours[lead], f"camp of {name}: {counts[(lead, 'member')]} states")
        )
        if (lead, "partner") in counts:
            n = counts[(lead, "partner")]
            node_handles.append(
                dot(node_colour(lead, "partner", colours), f"partners of {name}: {n}")
            )
    if ("", "between") in counts:
        node_handles.append(
            dot(BETWEEN_COLOUR, f"partner of several camps: {counts[('', 'between')]}")
        )
    if ("", "none") in counts:
        node_handles.append(
            dot(UNALIGNED_COLOUR, f"in no camp, partner of none: {counts[('', 'none')]}")
        )
    if has_asian_nato:
        node_handles.append(dot("white", "Asian NATO member", ASIAN_NATO_COLOUR, 3.0))
    edge_handles = [
        Line2D(
            [],
            [],
            **{k: v for k, v in style.items() if k != "label"},
            label=f"{lvl} {style['label']}",
        )
        for lvl, style in EDGE_STYLES.items()
    ]
    if has_hubs:
        edge_handles.append(Line2D([], [], **SPOKE_STYLE, label="member of treaty alliance (hub)"))
    if ties.empty:
        edge_handles.append(Line2D([], [], color="none", label="(no ties this year)"))
    fig.legend(
        handles=node_handles,
        title="Node colour: camp (states linked by formal ties) and its partners",
        loc="outside lower left",
        ncols=2,
        frameon=False,
        fontsize=9,
    )
    fig.legend(
        handles=edge_handles,
        title="Tie level",
        loc="outside lower right",
        ncols=2,
        frameon=False,
        fontsize=9,
    )
