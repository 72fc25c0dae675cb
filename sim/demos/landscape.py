"""Landscape theory of aggregation: which two-sided alignments are stable (Axelrod & Bennett 1993).

Actors of given sizes, with pairwise propensities to work together, split into two sides. A
configuration's energy sums, over every pair on opposite sides, size x size x propensity
(ordered pairs, so each pair twice); friends kept apart raise it, enemies kept apart lower it.
The theory predicts the local minima of the energy: configurations in which no actor alone
gains by switching sides. Starting anywhere, actors switching one at a time descend to one of
them. All numbers come from the model's engine ``sim.core.landscape`` (not modified here).

The built-in example (``data/landscape_asia_pacific.yaml``) is illustrative judgement, not
data. Users can give their own actors (``name,size``) and a labelled square propensity table;
``midpoint`` is subtracted from every propensity, so that answers on a scale such as 1-5 can be
used with ``midpoint=3`` (values above the midpoint = prefer the same side).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from sim.core import landscape as engine
from sim.demos.base import DemoResult
from sim.demos.figures import COLOURS, Panel, Style, legend, panel_title, render
from sim.errors import UserError

NAME = "landscape"
BUILTIN = "landscape_asia_pacific.yaml"
MAX_ACTORS = 16  # 2**15 configurations: still a readable energy plot and a quick enumeration


@dataclass(frozen=True)
class Actors:
    """Actors, their sizes and their propensities, ready for the engine.

    Attributes:
        title: what the set is (shown on the figure).
        names: actor names.
        sizes: (n,) non-negative sizes.
        propensity: (n, n) symmetric propensities, zero diagonal.
    """

    title: str
    names: list[str]
    sizes: NDArray[np.float64]
    propensity: NDArray[np.float64]


def builtin_example() -> Actors:
    """The shipped illustrative example: eight Asia-Pacific actors (judgement, not data)."""
    with resources.files("sim.demos.data").joinpath(BUILTIN).open("r", encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    names = list(spec["actors"])
    index = {n: i for i, n in enumerate(names)}
    propensity = np.zeros((len(names), len(names)))
    for pair, value in spec["propensity"].items():
        a, b = pair.split("-")
        propensity[index[a], index[b]] = propensity[index[b], index[a]] = float(value)
    sizes = np.array([float(v) for v in spec["actors"].values()])
    return Actors(spec["name"], names, sizes, propensity)


def _read_csv(path: Path, what: str, **kwargs) -> pd.DataFrame:
    if not path.is_file():
        raise UserError(f"{what} file not found: {path} (give the path to a CSV file)")
    try:
        return pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UserError(f"{what} file {path} is not a readable CSV: {first}") from None


def read_actors(
    actors_csv: str | Path, propensity_csv: str | Path, midpoint: float = 0.0
) -> Actors:
    """Read a user's actors (``name,size``) and labelled square propensity table.

    The propensity CSV has the actor names as its header and as its first column (in any
    order, the same set as the actors file); the diagonal is ignored and may be empty.

    Returns:
        The actors, propensities minus ``midpoint``, in the actors file's order.

    Raises:
        UserError: a file is missing or unreadable, a column or name is missing or repeated, a
            value is not a number, a size is negative, the table is not symmetric, or there are
            fewer than 2 or more than ``MAX_ACTORS`` actors; the message names the fix.
    """
    actors_csv, propensity_csv = Path(actors_csv), Path(propensity_csv)
    table = _read_csv(actors_csv, "actors")
    table.columns = [str(c).strip().lower() for c in table.columns]
    if not {"name", "size"} <= set(table.columns):
        raise UserError(
            f"actors file {actors_csv} needs the columns name,size (found: "
            f"{', '.join(table.columns)})"
        )
    names = [str(n).strip() for n in table["name"]]
    if table["name"].isna().any() or len(set(names)) != len(names):
        raise UserError(f"actors file {actors_csv}: names must be present and unique")
    sizes = pd.to_numeric(table["size"], errors="coerce")
    if sizes.isna().any() or not np.all(np.isfinite(sizes)) or (sizes < 0).any():
        bad = [n for n, s in zip(names, sizes, strict=True) if not (np.isfinite(s) and s >= 0)]
        raise UserError(f"actors file {actors_csv}: size must be a number >= 0 (not for {bad})")
    if not 2 <= len(names) <= MAX_ACTORS:
        raise UserError(
            f"actors file {actors_csv}: the demo takes 2 to {MAX_ACTORS} actors (got "
            f"{len(names)}); for larger sets use alliance-sim-landscape"
        )
    frame = _read_csv(propensity_csv, "propensity", index_col=0)
    frame.index = [str(i).strip() for i in frame.index]
    frame.columns = [str(c).strip() for c in frame.columns]
    for label, found in (("row", list(frame.index)), ("column", list(frame.columns))):
        if sorted(found) != sorted(names):
            missing = sorted(set(names) - set(found))
            extra = sorted(set(found) - set(names))
            raise UserError(
                f"propensity file {propensity_csv}: its {label} labels must be the actors' names "
                f"(missing: {missing}, unknown: {extra}, or repeated)"
            )
    frame = frame.loc[names, names].apply(pd.to_numeric, errors="coerce")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is caught just below
        values = frame.to_numpy(dtype=float) - float(midpoint)
    np.fill_diagonal(values, 0.0)
    if not np.all(np.isfinite(values)):
        i, j = np.argwhere(~np.isfinite(values))[0]
        raise UserError(
            f"propensity file {propensity_csv}: the value for {names[i]}-{names[j]} is missing "
            "or not a number"
        )
    if not np.allclose(values, values.T):
        i, j = np.argwhere(~np.isclose(values, values.T))[0]
        raise UserError(
            f"propensity file {propensity_csv} is not symmetric: {names[i]}-{names[j]} = "
            f"{values[i, j] + midpoint:g} but {names[j]}-{names[i]} = {values[j, i] + midpoint:g}"
        )
    try:
        engine.weights(sizes.to_numpy(dtype=float), values)  # the engine's checks (e.g. overflow)
    except ValueError as exc:
        raise UserError(f"actors file {actors_csv} with {propensity_csv}: {exc}") from None
    title = f"{actors_csv.name} + {propensity_csv.name}"
    if midpoint:
        title += f" (midpoint {midpoint:g})"
    return Actors(title, names, sizes.to_numpy(dtype=float), values)


def start_sides(actors: Actors, second_side: Sequence[str] | None) -> NDArray[np.uint8]:
    """A starting configuration: the named actors on side 1, everyone else on side 0.

    Raises:
        UserError: a name is not one of the actors.
    """
    chosen = list(second_side or [])
    unknown = [n for n in chosen if n not in actors.names]
    if unknown:
        raise UserError(
            f"--start names unknown actor(s) {unknown}; choose from {', '.join(actors.names)}"
        )
    return np.array([1 if n in chosen else 0 for n in actors.names], dtype=np.uint8)


def descent_with_moves(
    actors: Actors, start: NDArray[np.uint8], seed: int = 0
) -> tuple[NDArray[np.uint8], NDArray[np.float64], list[int]]:
    """The engine's greedy descent from ``start``, with the actor that moved at each step.

    ``engine.descend`` returns the energy after each move; the movers are recovered by
    replaying its rule (each sweep visits actors in the order ``rng.permutation(n)``; an actor
    switches when ``engine.switch_gains`` says that lowers the energy) with the same seed, and
    checked against the engine's energies.

    Returns:
        (final sides, energy path: start then after each move, index of the actor per move).
    """
    final, path = engine.descend(
        start, actors.sizes, actors.propensity, np.random.default_rng(seed)
    )
    w = engine.weights(actors.sizes, actors.propensity)
    tol = engine.DEFAULT_RTOL * float(np.abs(w).sum())
    rng = np.random.default_rng(seed)
    sides = start.copy()
    movers: list[int] = []
    energies = [engine.energy(sides, actors.sizes, actors.propensity)]
    while True:
        moved = False
        for i in rng.permutation(len(sides)):
            if engine.switch_gains(sides, w)[i] < -tol:
                sides[i] ^= 1
                movers.append(int(i))
                energies.append(engine.energy(sides, actors.sizes, actors.propensity))
                moved = True
        if not moved:
            break
    if not (np.array_equal(sides, final) and np.allclose(energies, path)):
        raise RuntimeError("replayed descent differs from sim.core.landscape.descend")
    return final, path, movers


def _side_text(names: Sequence[str], sides: NDArray[np.uint8]) -> str:
    a = [n for n, s in zip(names, sides, strict=True) if s == 0]
    b = [n for n, s in zip(names, sides, strict=True) if s == 1]
    return "{" + ", ".join(a) + "} vs {" + ", ".join(b) + "}" if b else "{" + ", ".join(a) + "}"


def _panels(
    actors: Actors, table: pd.DataFrame, minima_sides, minima_energy, path, movers, start, final
) -> list[Panel]:
    """The demo's three panels: every alignment's energy, each actor's frustration in the
    lowest one, and the descent."""
    best = minima_sides[int(np.argmin(minima_energy))]
    return [
        Panel("a", lambda ax, style: _draw_energies(ax, actors.names, table, style)),
        Panel("b", lambda ax, style: _draw_frustration(ax, actors, best, style)),
        Panel(
            "c",
            lambda ax, style: _draw_descent(ax, actors.names, path, movers, start, final, style),
        ),
    ]


def _draw_energies(ax, names: Sequence[str], table: pd.DataFrame, style: Style) -> None:
    """Panel (a): the energy of every alignment, lowest first, with the local minima starred."""
    order = np.argsort(table["energy"].to_numpy(), kind="stable")
    energies = table["energy"].to_numpy()[order]
    is_min = table["local_minimum"].to_numpy()[order]
    rank = np.arange(1, len(order) + 1)
    ax.plot(rank, energies, ".", color=COLOURS["neutral"], ms=style.marker * 0.6, label="alignment")
    ax.plot(
        rank[is_min],
        energies[is_min],
        "*",
        color=COLOURS["highlight"],
        ms=style.marker * 2.2,
        markeredgecolor="black",
        label="local minimum (stable)",
    )
    for r, e in zip(rank[is_min][:4], energies[is_min][:4], strict=False):
        k = int(table.index[order][r - 1])
        sides = _side_text(names, engine.sides_from_index(k, len(names)))
        ax.annotate(
            sides.replace(" vs ", "\nvs "),
            (r, e),
            xytext=(14, 0),
            textcoords="offset points",
            fontsize=style.note,
            va="bottom",
        )
    ax.set_xscale("log" if len(order) > 200 else "linear")
    ax.set_xlabel("alignments, sorted from lowest to highest energy")
    ax.set_ylabel("energy (size x size x propensity)")
    legend(ax, style, loc="upper left")
    panel_title(ax, "a", "Energy of every alignment (lower = more stable)", style)


def _draw_frustration(ax, actors: Actors, best: NDArray[np.uint8], style: Style) -> None:
    """Panel (b): each actor's frustration in the lowest alignment, as a dot on a scale that
    runs from content (left) to frustrated (right), most frustrated actor on top."""
    frustration = engine.frustration(best, actors.sizes, actors.propensity)
    order = np.argsort(frustration, kind="stable")  # most frustrated last = on top
    ypos = np.arange(len(order))
    colours = [COLOURS["side_a"] if best[i] == 0 else COLOURS["side_b"] for i in order]
    ax.grid(axis="y", color="0.88", lw=1, zorder=0)
    ax.scatter(frustration[order], ypos, s=3 * style.marker**2, color=colours, zorder=3)
    ax.set_yticks(ypos, [actors.names[i] for i in order])
    low, high = frustration.min(), max(frustration.max(), 0.0)
    ax.set_xlim(low - 0.08 * (high - low + 1), high + 0.12 * (high - low + 1))
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("frustration F_i (further right = more frustrated;\nbelow 0 = content)")
    legend(
        ax,
        style,
        loc="upper left",
        handles=[
            Line2D(
                [], [], ls="", marker="o", ms=style.marker, color=COLOURS["side_a"], label="side A"
            ),
            Line2D(
                [], [], ls="", marker="o", ms=style.marker, color=COLOURS["side_b"], label="side B"
            ),
        ],
    )
    panel_title(ax, "b", "How frustrated is each actor in the lowest alignment?", style)


def _draw_descent(ax, names: Sequence[str], path, movers, start, final, style: Style) -> None:
    """Panel (c): the energy after each single-actor switch from the start to a minimum."""
    steps = np.arange(len(path))
    ax.plot(steps, path, "-o", color=COLOURS["side_a"], lw=style.line, ms=style.marker)
    ax.set_xticks(steps, ["start"] + [f"{k}\n{names[m]}" for k, m in enumerate(movers, 1)])
    ax.set_xlabel("move: the actor that switches sides")
    ax.set_ylabel("energy")
    low, high = min(path), max(path)
    ax.set_ylim(low - 0.08 * (high - low + 1), high + 0.3 * (high - low + 1))
    ax.set_xlim(-0.3, len(path) - 0.7)
    panel_title(ax, "c", "Descent from the start, one actor at a time", style)
    ax.text(
        0.03,
        0.03,
        f"start: {_side_text(names, start)}\nend: {_side_text(names, final)}",
        transform=ax.transAxes,
        fontsize=style.note,
        va="bottom",
        ha="left",
        wrap=False,
        bbox={"facecolor": "white", "edgecolor": "0.7"},
    )


def run(
    out_dir: Path,
    *,
    actors: Actors | None = None,
    start: Sequence[str] | None = None,
    seed: int = 0,
    projector: bool = False,
) -> DemoResult:
    """Enumerate the landscape, list its minima and descend from a start; draw and explain.

    Args:
        out_dir: where the figure goes.
        actors: the actors (default: the built-in illustrative example).
        start: names of the actors on side B at the start (default: none - everyone together,
            energy 0).
        seed: seed of the descent's visiting order.
        projector: write one 16:9 figure per panel in large type (``landscape_a.png`` ...)
            instead of ``landscape.png``.

    Returns:
        The result; ``numbers`` holds ``names``, ``minima`` (list of 0/1 arrays, actor 0 on
        side 0), ``minima_energies``, ``global_energy``, ``descent_energies``, ``descent_movers``
        (names) and ``final`` (0/1 array).
    """
    actors = actors or builtin_example()
    first = start_sides(actors, start)
    table = engine.landscape_table(
        actors.sizes, actors.propensity, actors.names, max_actors=MAX_ACTORS
    )
    is_min = table["local_minimum"].to_numpy()  # the table already holds every energy
    minima_sides = list(table[actors.names].to_numpy(np.uint8)[is_min])
    minima_energy = [float(e) for e in table["energy"].to_numpy()[is_min]]
    global_energy = float(table["energy"].min())
    final, path, movers = descent_with_moves(actors, first, seed)
    n_min = len(minima_sides)
    figures, drawn = render(
        NAME,
        _panels(actors, table, minima_sides, minima_energy, path, movers, first, final),
        out_dir,
        projector=projector,
        title=f"Landscape theory - {actors.title}: of {len(table)} two-sided alignments, {n_min} "
        f"{'is' if n_min == 1 else 'are'} stable (local minim{'um' if n_min == 1 else 'a'} of "
        "energy)",
        size=(16, 6),
        width_ratios=[1.1, 0.9, 1],
    )

    names = actors.names
    minima_lines = "\n".join(
        f"- {_side_text(names, m)}: energy {e:.1f}"
        + (" (global minimum)" if np.isclose(e, global_energy) else "")
        for m, e in zip(minima_sides, minima_energy, strict=True)
    )
    moves = ", ".join(names[i] for i in movers) or "none (the start is already stable)"
    sections = [
        (
            "The theory",
            f"{len(names)} actors ({actors.title}) split into two sides: {len(table)} possible "
            "alignments. Energy = sum over pairs on opposite sides of size x size x propensity "
            "(each pair counted twice): splitting friends raises it, splitting enemies lowers it. "
            "Stable alignments are local minima: no actor alone gains by switching.",
        ),
        (
            f"Stable alignments ({len(minima_sides)} local "
            f"minim{'a' if len(minima_sides) != 1 else 'um'})",
            minima_lines,
        ),
        (
            "Descent",
            f"From {_side_text(names, first)} (energy {path[0]:.1f}) actors switch one at a "
            f"time: {moves}; it ends at {_side_text(names, final)} (energy {path[-1]:.1f}).",
        ),
        (
            "Ask the class",
            "Which actors are most frustrated in the stable alignment, and why do they stay? "
            "What would have to change (a size, a propensity) for a second stable alignment "
            "to appear - e.g. India's ties to Russia, or the size of the US? Sizes and "
            "propensities here are judgement: which would you change?",
        ),
    ]
    numbers = {
        "names": names,
        "minima": minima_sides,
        "minima_energies": minima_energy,
        "global_energy": global_energy,
        "descent_energies": path,
        "descent_movers": [names[i] for i in movers],
        "final": final,
    }
    return DemoResult(NAME, "Landscape theory of aggregation", sections, numbers, figures, drawn)
