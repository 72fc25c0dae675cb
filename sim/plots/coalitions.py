"""``coalitions.png``: who aligns with whom, and when.

Three panels share the year axis:

(a), (b) for each key state and year, the highest tie level with the United States and with
China (a heatmap: none, alignment, partnership, formal);
(c) one lane per treaty alliance and emergent bloc (from ``alliances``) for the years it exists,
labelled with its members when they never change; otherwise a header bar followed by one bar per
member for the years it is a member (for large alliances such as NATO only the key-state members
get their own bar, the rest share one).

The years in which an "Asian NATO" exists (``alliances.is_asian_nato``) are outlined in gold;
in panel (c) an alliance's bars are in the Asian NATO's colour only in the years it is one (a
bloc that grows into one keeps its own colour before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch, Rectangle

from sim.plots._common import (
    ASIAN_NATO_COLOUR,
    LEVEL_NAMES,
    asian_nato_years,
    country_names,
    figure_title,
    get_table,
    new_figure,
    no_data,
    present_key_states,
    run_years,
    save_figure,
    set_year_axis,
    split_members,
    year_spans,
)

FILENAME = "coalitions.png"
REFERENCE_STATES = ("USA", "CHN")
LEVEL_COLOURS = ("#eeeeee", "#c6dbef", "#6baed6", "#08306b")  # none, alignment, partner, formal
MAX_MEMBER_ROWS = 8
MAX_LISTED = 4  # members named in a one-bar lane
_LANE_COLOURS = ("#4c72b0", "#55a868", "#c44e52", "#8172b2", "#937860", "#64b5cd", "#da8bc3")


@dataclass
class _Lane:
    """One row of panel (c)."""

    label: str
    years: list[int]
    colour: str
    header: bool = False
    members: str = ""  # written on the bar (alliances whose members never change)
    asian_years: tuple[int, ...] = ()  # of ``years``: drawn in the Asian NATO's colour


def tie_level_matrix(
    ties: pd.DataFrame, states: Sequence[str], partner: str, years: Sequence[int]
) -> np.ndarray:
    """Highest tie level between each state and ``partner`` in each year.

    Args:
        ties: The ``ties`` table.
        states: iso3 codes (rows of the result).
        partner: iso3 code of the partner (e.g. ``"USA"``).
        years: The years (columns of the result).

    Returns:
        A float array of shape ``(len(states), len(years))``: 0 for no tie, 1-3 for the level,
        NaN where the state is the partner itself.
    """
    out = np.zeros((len(states), len(years)))
    row = {s: i for i, s in enumerate(states)}
    col = {int(y): j for j, y in enumerate(years)}
    if len(ties):
        mine = ties[(ties["a"] == partner) | (ties["b"] == partner)]
        other = np.where(mine["a"] == partner, mine["b"], mine["a"])
        for iso, year, level in zip(other, mine["year"], mine["level"], strict=True):
            i, j = row.get(str(iso)), col.get(int(year))
            if i is not None and j is not None:
                out[i, j] = max(out[i, j], float(level))
    if partner in row:
        out[row[partner], :] = np.nan
    return out


def _draw_heatmap(ax, matrix: np.ndarray, years: Sequence[int], labels: Sequence[str]) -> None:
    cmap = ListedColormap(LEVEL_COLOURS).with_extremes(bad="white")
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5], cmap.N)
    x_edges = np.arange(len(years) + 1) - 0.5 + years[0]
    if len(years) > 1 and list(years) != list(range(years[0], years[-1] + 1)):
        x_edges = np.concatenate([np.asarray(years) - 0.5, [years[-1] + 0.5]])
    y_edges = np.arange(len(labels) + 1) - 0.5
    ax.pcolormesh(
        x_edges,
        y_edges,
        np.ma.masked_invalid(matrix),
        cmap=cmap,
        norm=norm,
        edgecolor="white",
        linewidth=0.6,
    )
    for i, j in zip(*np.where(np.isnan(matrix)), strict=True):
        ax.add_patch(
            Rectangle(
                (x_edges[j], i - 0.5),
                x_edges[j + 1] - x_edges[j],
                1,
                facecolor="white",
                edgecolor="0.6",
                hatch="///",
                linewidth=0,
            )
        )
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)


def _level_handles(asian_nato: bool) -> list[Patch]:
    """Legend entries of the heatmaps: the tie levels, "itself" and the Asian NATO outline."""
    handles = [Patch(facecolor=LEVEL_COLOURS[0], edgecolor="0.7", label="no tie")]
    handles += [
        Patch(facecolor=LEVEL_COLOURS[lvl], label=f"{lvl} {name}")
        for lvl, name in LEVEL_NAMES.items()
    ]
    handles.append(Patch(facecolor="white", edgecolor="0.6", hatch="///", label="itself"))
    if asian_nato:
        handles.append(
            Patch(facecolor="none", edgecolor=ASIAN_NATO_COLOUR, linewidth=2.5, label="Asian NATO")
        )
    return handles


def _mark_asian_nato(ax, spans: Sequence[tuple[int, int]], *, fill: bool) -> None:
    """Outline (or shade, with ``fill``) the Asian NATO years over the full height of ``ax``."""
    for first, last in spans:
        ax.add_patch(
            Rectangle(
                (first - 0.5, 0),
                last - first + 1,
                1,
                transform=ax.get_xaxis_transform(),
                facecolor=ASIAN_NATO_COLOUR if fill else "none",
                alpha=0.18 if fill else 1.0,
                edgecolor="none" if fill else ASIAN_NATO_COLOUR,
                linewidth=0 if fill else 2.5,
                zorder=0 if fill else 6,
                clip_on=False,
            )
        )


def _member_list(members: Sequence[str], names: Mapping[str, str], key: Sequence[str]) -> str:
    """Members as names; for long lists, the key states and a count of the others."""
    if len(members) <= MAX_LISTED:
        return ", ".join(names.get(m, m) for m in members)
    own = [names.get(k, k) for k in key if k in members][:MAX_LISTED]
    if not own:
        return f"{len(members)} members"
    return f"{', '.join(own)} and {len(members) - len(own)} others"


def alliance_lanes(
    alliances: pd.DataFrame, key_states: Sequence[str], names: Mapping[str, str]
) -> list[_Lane]:
    """Build the rows of panel (c), alliance by alliance (treaties first, then blocs).

    An alliance whose members never change gets one bar, labelled with its members. Otherwise a
    header bar is followed by one bar per member (for more than :data:`MAX_MEMBER_ROWS`
    members, only the key states get their own bar and the others share one).
    """
    if alliances.empty:
        return []
    info = []
    for alliance, rows in alliances.groupby("alliance", sort=False):
        kinds = rows["kind"].astype(str)
        treaty = bool((kinds == "treaty").any())
        info.append((0 if treaty else 1, int(rows["year"].min()), str(alliance), rows))
    info.sort(key=lambda t: t[:3])

    lanes: list[_Lane] = []
    palette = iter(_LANE_COLOURS * 10)
    for order, _first, alliance, rows in info:
        years_by_member: dict[str, list[int]] = {}
        for year, members in zip(rows["year"], rows["members"], strict=True):
            for m in split_members(members):
                years_by_member.setdefault(m, []).append(int(year))
        years = sorted({int(y) for y in rows["year"]})
        asian = asian_nato_years(rows)  # the years this alliance is an Asian NATO
        colour = ASIAN_NATO_COLOUR if asian == years else next(palette)
        kind = _kind(order == 0, years, asian)
        ever = sorted(years_by_member, key=lambda m: (min(years_by_member[m]), names.get(m, m)))
        constant = all(sorted(set(years_by_member[m])) == years for m in ever)
        if constant:
            listed = _member_list(ever, names, key_states)
            lanes.append(
                _Lane(f"{alliance} ({kind})", years, colour, True, listed, _within(years, asian))
            )
            continue
        sizes = [len(split_members(m)) for m in rows["members"]]
        size = f"{min(sizes)}" if min(sizes) == max(sizes) else f"{min(sizes)}–{max(sizes)}"
        label = f"{alliance} ({kind}, {size} members)"
        lanes.append(_Lane(label, years, colour, header=True, asian_years=_within(years, asian)))
        if len(ever) > MAX_MEMBER_ROWS:
            own = [k for k in key_states if k in years_by_member]
            rest = [m for m in ever if m not in own]
        else:
            own, rest = ever, []
        member_years = [(names.get(m, m), sorted(set(years_by_member[m]))) for m in own]
        if rest:
            rest_years = sorted({y for m in rest for y in years_by_member[m]})
            member_years.append((f"{len(rest)} other members", rest_years))
        for name, its in member_years:
            lanes.append(_Lane(name, its, colour, asian_years=_within(its, asian)))
    return lanes


def _kind(treaty: bool, years: list[int], asian: list[int]) -> str:
    """What a lane's label says the alliance is, with the years it is an Asian NATO when that
    is not all of them (``years`` and ``asian``, of them, sorted)."""
    if asian == years:
        return "treaty" if treaty else "Asian NATO bloc"
    kind = "treaty" if treaty else "emergent bloc"
    spans = year_spans(asian)
    if len(spans) > 1:
        return kind + ", Asian NATO in part"
    if spans and spans[0][1] == years[-1]:  # from then to the alliance's last year
        return kind + f", Asian NATO from {spans[0][0]}"
    return kind + (f", Asian NATO {spans[0][0]}–{spans[0][1]}" if spans else "")


def _bars(years: Sequence[int]) -> list[tuple[float, float]]:
    """``broken_barh``'s (start, width) of each run of consecutive years, a year's bar 0.9 wide."""
    return [(a - 0.45, b - a + 0.9) for a, b in year_spans(years)]


def _within(years: Sequence[int], asian: Sequence[int]) -> tuple[int, ...]:
    """The years of ``years`` in ``asian`` (both sorted)."""
    return tuple(sorted(set(years) & set(asian)))


def _draw_lanes(ax, lanes: Sequence[_Lane]) -> None:
    """The lanes' bars, with the members written on a lane's bars: from where the bars start,
    or, for bars that start in the second half of the years, ending where they end (the text
    runs left over the empty part of the lane instead of off the panel's right edge)."""
    every = [y for lane in lanes for y in lane.years]
    middle = (min(every) + max(every)) / 2 if every else 0.0
    for i, lane in enumerate(lanes):
        spans = _bars(lane.years)
        height = 0.8 if lane.header else 0.55
        alpha = 1.0 if lane.header and not lane.members else 0.45
        own = [y for y in lane.years if y not in lane.asian_years]
        for colour, years in ((lane.colour, own), (ASIAN_NATO_COLOUR, lane.asian_years)):
            ax.broken_barh(
                _bars(years),
                (i - height / 2, height),
                facecolors=colour,
                alpha=alpha,
                edgecolor="none",
            )
        if lane.members and spans:
            late = spans[0][0] > middle
            ax.text(
                spans[-1][0] + spans[-1][1] - 0.15 if late else spans[0][0] + 0.15,
                i,
                f"members: {lane.members}",
                va="center",
                ha="right" if late else "left",
                fontsize=8.5,
                color="black",
                clip_on=True,
            )
        if lane.header and i:
            ax.axhline(i - 0.5, color="0.7", linewidth=0.8)
    ax.set_yticks(np.arange(len(lanes)), [lane.label for lane in lanes])
    for tick, lane in zip(ax.get_yticklabels(), lanes, strict=True):
        tick.set_fontweight("bold" if lane.header else "normal")
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", alpha=0.25)


def draw_coalitions(
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    *,
    key_states: Sequence[str],
    title: str = "",
) -> Path:
    """Draw coalition membership over time (see the module docstring).

    Args:
        tables: Run tables by name (``ties``, ``alliances``; ``actors`` for names).
        out_dir: Folder to write ``coalitions.png`` into.
        key_states: iso3 codes of the states in panels (a) and (b), and of the NATO-size
            alliance members that get their own bar in panel (c).
        title: The run's title, shown under the figure title.

    Returns:
        The path of the PNG written.
    """
    ties = get_table(tables, "ties")
    alliances = get_table(tables, "alliances")
    names = country_names(tables)
    years = run_years(tables)
    shown = present_key_states(key_states, tables)
    lanes = alliance_lanes(alliances, shown, names)
    spans = year_spans(asian_nato_years(alliances))

    n_key = max(len(shown), 2)
    heights = [0.6 + 0.28 * n_key, 0.6 + 0.28 * n_key, 0.8 + 0.26 * max(len(lanes), 3)]
    fig = new_figure(13, 1.8 + sum(heights))
    figure_title(fig, "Coalitions: who aligns with whom, and when", title)
    axes = fig.subplots(3, 1, sharex=True, height_ratios=heights)

    _draw_tie_panels(axes[:2], ties, shown, names, years, spans)
    _draw_lane_panel(axes[2], lanes, spans, years)
    return save_figure(fig, out_dir / FILENAME)


def _draw_tie_panels(
    axes: Sequence,
    ties: pd.DataFrame,
    shown: Sequence[str],
    names: Mapping[str, str],
    years: Sequence[int],
    spans: Sequence[tuple[int, int]],
) -> None:
    """Panels (a) and (b): the heatmaps of tie levels with each reference state, and a legend."""
    labels = [names.get(k, k) for k in shown]
    drawn = False
    for ax, ref, tag in zip(axes, REFERENCE_STATES, "ab", strict=True):
        ref_name = f"{names[ref]} ({ref})" if ref in names else ref
        ax.set_title(
            f"({tag}) Highest tie level of each key state with {ref_name}",
            loc="left",
            fontsize=11,
        )
        if not years or not shown:
            no_data(ax, "No key states in this run")
            continue
        if ref not in names:
            no_data(ax, f"{ref_name} is not in this run")
            continue
        _draw_heatmap(ax, tie_level_matrix(ties, shown, ref, years), years, labels)
        _mark_asian_nato(ax, spans, fill=False)
        drawn = True

    if drawn:
        axes[0].legend(
            handles=_level_handles(bool(spans)),
            title="Tie level",
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=9,
        )


def _draw_lane_panel(
    ax, lanes: Sequence[_Lane], spans: Sequence[tuple[int, int]], years: Sequence[int]
) -> None:
    """Panel (c): one lane per treaty alliance and bloc, over the shared year axis."""
    ax.set_title("(c) Members of treaty alliances and emergent blocs", loc="left", fontsize=11)
    if lanes:
        _draw_lanes(ax, lanes)
        _mark_asian_nato(ax, spans, fill=True)
        if spans:
            ax.legend(
                handles=[
                    Patch(color=ASIAN_NATO_COLOUR, alpha=0.3, label="years an Asian\nNATO exists")
                ],
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                frameon=False,
                fontsize=9,
            )
    else:
        no_data(ax, "No treaty alliances or blocs in this run")
    set_year_axis(ax, years)
    if not years:
        ax.set_xticks([])
    ax.tick_params(axis="x", labelbottom=True)
