"""Shared helpers for the run figures: figures without pyplot, table access, names, years.

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas, never with
``pyplot``, so that plotting holds no global state and is safe in parallel processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 150
LEVEL_NAMES = {1: "alignment", 2: "partnership", 3: "formal"}
ASIAN_NATO_COLOUR = "#e6a700"
NO_DATA_COLOUR = "0.45"

# Columns each figure reads, per table (a subset of docs/outputs.md).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "actors": ("iso3", "name", "capital_lat", "capital_lon"),
    "states": ("year", "iso3", "defence_pct_gdp"),
    "ties": ("year", "a", "b", "level", "source"),
    "alliances": ("year", "alliance", "kind", "members", "is_asian_nato"),
}


def new_figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    """Create a figure on its own Agg canvas (no pyplot).

    Args:
        width: Width in inches.
        height: Height in inches.
        layout: matplotlib's layout engine (``None``: the caller lays it out, e.g. with
            ``tight_layout``).

    Returns:
        The new figure.
    """
    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at :data:`DPI`, atomically (a temporary file in the same folder,
    then a rename: an interrupted write leaves no half-drawn PNG), and return the path.

    The PNG carries ``Software: alliance-sim``; an existing file at ``path`` is replaced only
    if it carries the same (a figure of an earlier run), never a file of the user's.

    Raises:
        UserError: ``path`` holds a file this package did not write.
    """
    from sim.errors import UserError
    from sim.files import SOFTWARE, atomic_write, png_is_ours

    path = Path(path)
    if (path.exists() or path.is_symlink()) and not png_is_ours(path):
        raise UserError(
            f"{path} exists and was not written by alliance-sim; it is left alone: move it, or "
            "give another output folder"
        )
    meta = {"Software": SOFTWARE}  # how a later write knows this figure is ours
    atomic_write(
        path,
        lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, facecolor="white", metadata=meta),
    )
    return path


def get_table(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """Return table ``name``, an empty frame when it is absent, and check its columns.

    Args:
        tables: Run tables by name, as in ``docs/outputs.md``.
        name: The table to return.

    Returns:
        The table (not copied), or an empty frame with the required columns.

    Raises:
        ValueError: If a non-empty table lacks a column the figures need.
    """
    df = tables.get(name)
    required = REQUIRED_COLUMNS.get(name, ())
    if df is None or (len(df) == 0 and not set(required) <= set(df.columns)):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in required})
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"table {name!r} lacks the column(s) {missing} (see docs/outputs.md)")
    return df


def country_names(tables: Mapping[str, pd.DataFrame]) -> dict[str, str]:
    """Map iso3 codes to country names, from ``actors.name`` (``states.name`` as a fallback)."""
    names: dict[str, str] = {}
    for table in ("states", "actors"):
        df = tables.get(table)
        if df is not None and {"iso3", "name"} <= set(df.columns) and len(df):
            pairs = df[["iso3", "name"]].drop_duplicates("iso3")
            names.update({str(i): str(n) for i, n in zip(pairs.iso3, pairs.name, strict=True)})
    return names


def run_years(tables: Mapping[str, pd.DataFrame]) -> list[int]:
    """The sorted years of the run (from ``states``, else ``ties``, else ``alliances``)."""
    for table in ("states", "ties", "alliances"):
        df = tables.get(table)
        if df is not None and "year" in df.columns and len(df):
            return sorted(int(y) for y in pd.unique(df["year"]))
    return []


def split_members(members: object) -> list[str]:
    """Split a ``;``-separated member list (``alliances.members``) into iso3 codes."""
    if not isinstance(members, str):
        return []
    return [m.strip() for m in members.split(";") if m.strip()]


def asian_nato_years(alliances: pd.DataFrame) -> list[int]:
    """The sorted years in which some alliance or bloc is flagged ``is_asian_nato``."""
    if alliances.empty:
        return []
    flagged = alliances[alliances["is_asian_nato"].fillna(False).astype(bool)]
    return sorted(int(y) for y in pd.unique(flagged["year"]))


def year_spans(years: Iterable[int]) -> list[tuple[int, int]]:
    """Group years into runs of consecutive years, as inclusive ``(first, last)`` pairs."""
    spans: list[tuple[int, int]] = []
    for y in sorted(set(years)):
        if spans and y == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], y)
        else:
            spans.append((y, y))
    return spans


def present_key_states(key_states: Sequence[str], tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The key states (in the given order, without repeats) that appear in the run."""
    known: set[str] = set()
    for table in ("actors", "states"):
        df = tables.get(table)
        if df is not None and "iso3" in df.columns:
            known |= {str(i) for i in df["iso3"]}
    return [k for k in dict.fromkeys(key_states) if k in known]


def key_state_colours(key_states: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """One distinct, stable colour per key state (tab10, then tab20 for more than ten)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(key_states) <= 10 else "tab20"]
    return {k: cmap(i % cmap.N) for i, k in enumerate(key_states)}


def set_year_axis(ax, years: Sequence[int], *, label: bool = True) -> None:
    """Integer year ticks (thinned for long runs) and a half-year margin at each end."""
    from matplotlib.ticker import MaxNLocator

    if years:
        ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12, min_n_ticks=1))
    if label:
        ax.set_xlabel("Year")


def no_data(ax, message: str) -> None:
    """Write ``message`` in the middle of an empty axes and hide its ticks."""
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=NO_DATA_COLOUR,
        fontsize=11,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def figure_title(fig: Figure, what: str, run_title: str) -> None:
    """Set the figure title: what it shows, then the run's title on a second line."""
    fig.suptitle(f"{what}\n{run_title}" if run_title else what, fontsize=13)
