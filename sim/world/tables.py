"""Calibration tables shipped with the package, and validation of user-supplied tables.

The 2024 figures are copies of the project's calibration data (see ``data/PROVENANCE.md``);
the package reads them from its own folder, never from outside it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.schema import USD_BN_MAX, Range, WorldConfig

SPENDING_FILE = "defence_spending_2024.csv"
CAPITALS_FILE = "capitals.csv"
ACTOR_COLUMNS = ("iso3", "name", "gdp_usd_bn", "defence_usd_bn", "lat", "lon")
OPTIONAL_ACTOR_COLUMNS = (
    "region",
    "regime",
    "gdp_growth",
    "projection_range_km",
    "credibility",
    "coercion_propensity",
)


def column_ranges() -> dict[str, Range]:
    """The range of each numeric column of an actors CSV: the schema's range of the per-state
    setting of the same name (``sim.schema.WorldConfig``), GDP and spending up to
    ``USD_BN_MAX`` (GDP positive), coordinates in degrees."""
    from dataclasses import fields

    by_name = {f.name: f.metadata.get("range") for f in fields(WorldConfig)}
    ranges = {c: by_name[c] for c in OPTIONAL_ACTOR_COLUMNS[1:]}
    ranges["gdp_usd_bn"] = Range(0, USD_BN_MAX, lo_open=True)
    ranges["defence_usd_bn"] = Range(0, USD_BN_MAX)
    ranges["lat"] = Range(-90, 90)
    ranges["lon"] = Range(-180, 180)
    return ranges


@cache
def _read_package_csv(name: str) -> pd.DataFrame:
    with resources.files("sim.world.data").joinpath(name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f)


def _package_csv(name: str) -> pd.DataFrame:
    """A table shipped in ``sim/world/data``, read once per process (a config's checks ask for
    the known codes some twenty times, and each study point or sweep job checks its config):
    a copy, so that a caller may change it."""
    return _read_package_csv(name).copy()


def builtin_states() -> pd.DataFrame:
    """The 2024 table of states with their capitals.

    Returns:
        One row per state (index iso3) with ``name, group, gdp_usd_bn, defence_usd_bn, lat,
        lon, source``; GDP and spending in current USD bn (NaN where the source has none).
    """
    spending = _package_csv(SPENDING_FILE)
    capitals = _package_csv(CAPITALS_FILE)
    table = spending.merge(capitals[["iso3", "lat", "lon"]], on="iso3", how="left")
    return table.set_index("iso3")


def builtin_capitals() -> pd.DataFrame:
    """Capital coordinates (degrees) for every state the package knows, index iso3."""
    return _package_csv(CAPITALS_FILE).set_index("iso3")


@cache
def known_codes() -> frozenset[str]:
    """Every state code the shipped tables know, plus the aggregate EUR (NATO-Europe)."""
    return frozenset(_read_package_csv(SPENDING_FILE)["iso3"]) | {"EUR"}


def read_actors_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate a user-supplied actors table.

    Returns:
        The table indexed by iso3.

    Raises:
        UserError: the file is missing, a column is missing, a value is missing or not a
            number, a code repeats, or an amount is negative.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"actors file not found: {path} (give world.actors_csv=PATH to a CSV file)")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(
            f"actors file {path} is not a readable CSV: {exc}".splitlines()[0]
        ) from None
    unknown = [c for c in table.columns if c not in ACTOR_COLUMNS + OPTIONAL_ACTOR_COLUMNS]
    if unknown:
        raise UserError(
            f"actors file {path} has unknown column(s) {', '.join(map(str, unknown))}; allowed: "
            f"{', '.join(ACTOR_COLUMNS + OPTIONAL_ACTOR_COLUMNS)}"
        )
    missing = [c for c in ACTOR_COLUMNS if c not in table.columns]
    if missing:
        raise UserError(
            f"actors file {path} lacks column(s) {', '.join(missing)}; "
            f"required: {', '.join(ACTOR_COLUMNS)}"
        )
    if table["iso3"].isna().any() or table["iso3"].duplicated().any():
        dup = table["iso3"][table["iso3"].duplicated()].tolist()
        raise UserError(
            f"actors file {path}: iso3 codes must be present and unique (repeated: {dup})"
        )
    numeric = [c for c in ACTOR_COLUMNS[2:] + OPTIONAL_ACTOR_COLUMNS[1:] if c in table.columns]
    for col in numeric:
        values = pd.to_numeric(table[col], errors="coerce")
        bad = table["iso3"][values.isna()].tolist()
        if bad:
            raise UserError(
                f"actors file {path}: column '{col}' has a missing or non-numeric value for {bad}"
            )
        table[col] = values
    ranges = column_ranges()
    for col in numeric:
        inside = table[col].map(lambda v, r=ranges[col]: bool(np.isfinite(v)) and v in r)
        bad = table["iso3"][~inside.astype(bool)].tolist()
        if bad:
            raise UserError(
                f"actors file {path}: '{col}' must be a finite number in {ranges[col]} "
                f"(not for {bad[:5]})"
            )
    over = table["iso3"][table["defence_usd_bn"] >= table["gdp_usd_bn"]].tolist()
    if over:
        raise UserError(f"actors file {path}: defence spending is not below GDP for {over}")
    if len(table) < 2:
        raise UserError(f"actors file {path}: a world needs at least two states")
    table["iso3"] = table["iso3"].astype(str)
    return table.set_index("iso3")


def read_propensity_csv(path: str | Path, labels: list[str]) -> np.ndarray:
    """Read and validate a labelled square matrix of pairwise propensities.

    The first column holds row labels; the header holds column labels; both must list the same
    states (in any order) and cover every actor. The diagonal may be empty (it is ignored).

    Returns:
        (n, n) float matrix ordered as ``labels``, diagonal 0.

    Raises:
        UserError: the file is missing, not square, has unknown or missing labels, a missing or
            non-numeric off-diagonal value, or is not symmetric.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"propensity file not found: {path} (give world.propensity_csv=PATH)")
    try:
        table = pd.read_csv(path, index_col=0)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(
            f"propensity file {path} is not a readable CSV: {exc}".splitlines()[0]
        ) from None
    rows = [str(r).strip() for r in table.index]
    cols = [str(c).strip() for c in table.columns]
    table.index, table.columns = rows, cols
    if len(rows) != len(cols) or set(rows) != set(cols):
        raise UserError(
            f"propensity file {path} is not a square matrix with the same row and column labels "
            f"({len(rows)} rows, {len(cols)} columns)"
        )
    missing = [s for s in labels if s not in rows]
    if missing:
        raise UserError(f"propensity file {path} has no row/column for {missing}")
    matrix = (
        table.loc[labels, labels].apply(pd.to_numeric, errors="coerce").to_numpy(float, copy=True)
    )
    off = ~np.eye(len(labels), dtype=bool)
    if np.isnan(matrix[off]).any():
        i, j = np.argwhere(np.isnan(matrix) & off)[0]
        raise UserError(
            f"propensity file {path}: missing or non-numeric value at ({labels[i]}, {labels[j]})"
        )
    np.fill_diagonal(matrix, 0.0)
    if not np.allclose(matrix, matrix.T):
        i, j = np.argwhere(~np.isclose(matrix, matrix.T))[0]
        raise UserError(
            f"propensity file {path} is not symmetric: ({labels[i]}, {labels[j]}) = {matrix[i, j]} "
            f"but ({labels[j]}, {labels[i]}) = {matrix[j, i]}"
        )
    return matrix
