"""The world builder: turns the calibration tables and the world config into arrays.

``build_world(world_cfg)`` returns a ``World``: per-state vectors (GDP, spending, coordinates,
regime, ...) and pairwise matrices (distance, affinity, trade exposure, bilateral ties) plus the
treaty alliances, all as numpy arrays indexed in the order of ``world.iso3``. Every value is
either a 2024 figure from the shipped tables or a judgement from the config (which says so).

``build_world`` is a sequence of small steps, each checking what it reads: the table of states
(``read_states``) and its overrides (``apply_data_overrides``); the actors and the states
simulated before aggregation (``check_actors``, ``aggregate_members``, ``simulated_states``,
``check_figures``); the actual GDP path (``gdp_path_table``); the per-state settings
(``state_settings``: config values with a 'default', replaced by the table's own columns); the
treaties' members (``treaty_states``); the pairwise matrices (``base_affinity`` and
``adjust_affinity``, ``trade_matrix``, ``ties_matrix``); and the merge into the final actors
(``Groups.agg_vec``/``agg_pairs``, ``capital_coordinates``, ``build_treaties``, ``actor_name``,
``actor_region``).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core.geography import great_circle_km
from sim.errors import UserError
from sim.schema import LEVELS, AggregateConfig, TreatyConfig, typed_entry
from sim.world import tables


@dataclass
class Treaty:
    """A treaty alliance in array form."""

    name: str
    members: list[int]
    level: int = 3
    target_share: float = 0.0
    target_weight: float | None = None
    open_to: list[int] = field(default_factory=list)
    note: str = ""


@dataclass
class World:
    """A calibrated world: everything the model needs, as arrays indexed like ``iso3``.

    Units: GDP and spending in USD bn (current, 2024), shares as fractions of GDP (0-1),
    distances in km, affinity and credibility as in the config (-1..1 and 0..1), trade exposure
    as a fraction of the exporter's GDP.
    """

    name: str
    base_year: int
    iso3: list[str]
    names: list[str]
    regions: list[str]
    gdp: np.ndarray
    spending: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    regime: np.ndarray
    growth: np.ndarray
    range_km: np.ndarray
    credibility: np.ndarray
    coercion_propensity: np.ndarray
    min_share: np.ndarray
    max_share: np.ndarray
    affinity: np.ndarray
    trade: np.ndarray
    ties: np.ndarray
    treaties: list[Treaty]
    aggregate_of: dict[str, str] = field(default_factory=dict)
    gdp_path: np.ndarray | None = None  # (years, n) actual GDP from base_year + 1, NaN = none

    @property
    def n(self) -> int:
        """Number of states."""
        return len(self.iso3)

    @property
    def share(self) -> np.ndarray:
        """Defence share of GDP, 0-1."""
        return self.spending / self.gdp

    def gdp_in(self, year: int, previous: np.ndarray) -> np.ndarray:
        """(n,) GDP in ``year`` (USD bn): the actual figure where ``world.gdp_path`` has one for
        the state and year, else ``previous`` (last year's GDP) grown at the state's rate."""
        grown = previous * (1 + self.growth)
        k = year - self.base_year - 1  # row of the path (its first row is the base year + 1)
        if self.gdp_path is None or not 0 <= k < len(self.gdp_path):
            return grown
        return np.where(np.isnan(self.gdp_path[k]), grown, self.gdp_path[k])

    @property
    def distance(self) -> np.ndarray:
        """(n, n) great-circle distance between capitals, km, computed when asked (not kept:
        an (n, n) array is 800 MB at 10,000 states, and the model keeps the reach it needs)."""
        return great_circle_km(self.lat, self.lon)

    def index(self, code: str, what: str = "actor") -> int:
        """Position of a state, or a one-line error naming the known codes."""
        try:
            return self.iso3.index(code)
        except ValueError:
            raise UserError(
                f"unknown {what} '{code}' in world '{self.name}'; known: {', '.join(self.iso3)}"
            ) from None

    def indices(self, codes: Sequence[str], what: str = "actor") -> list[int]:
        """Positions of several states (each must exist)."""
        return [self.index(c, what) for c in codes]

    def resolve(self, codes: Sequence[str]) -> list[str]:
        """Codes as this world knows them: members of an aggregate become the aggregate (GBR
        becomes EUR in the classroom world), each listed once, in order."""
        out: list[str] = []
        for code in codes:
            code = self.aggregate_of.get(code, code)
            if code not in out:
                out.append(code)
        return out

    def actors_table(self) -> pd.DataFrame:
        """The static description of the world, one row per state (the run's actors table)."""
        return pd.DataFrame(
            {
                "iso3": self.iso3,
                "name": self.names,
                "region": self.regions,
                "regime": self.regime,
                "capital_lat": self.lat,
                "capital_lon": self.lon,
                "gdp_usd_bn_2024": self.gdp,
                "defence_usd_bn_2024": self.spending,
                "defence_pct_gdp_2024": 100 * self.share,
            }
        )


REGIONS = {
    "USA": "North America",
    "CAN": "North America",
    "CHN": "East Asia",
    "JPN": "East Asia",
    "KOR": "East Asia",
    "PRK": "East Asia",
    "TWN": "East Asia",
    "AUS": "Oceania",
    "PHL": "Southeast Asia",
    "IND": "South Asia",
    "RUS": "Eurasia",
}


def level_number(name: str, where: str) -> int:
    """Level index of a commitment level name (none, alignment, partnership, formal)."""
    if name not in LEVELS:
        raise UserError(
            f"unknown commitment level '{name}' in {where}; use one of {', '.join(LEVELS)}"
        )
    return LEVELS.index(name)


# --------------------------------------------------------------------------- the steps
# build_world runs these in order; each checks what it reads, so a config's first mistake is the
# one reported. "full" is the list of states simulated before aggregation (the members of an
# aggregate in place of it), "pos" their positions.


def read_states(cfg) -> pd.DataFrame:
    """The table of states the world draws from (a copy: overrides may change it).

    Raises:
        UserError: an unknown source, a CSV file asked for with the built-in source, or none
            given with the CSV source.
    """
    if cfg.source == "builtin":
        if cfg.actors_csv or cfg.propensity_csv:
            raise UserError(
                "world.actors_csv and world.propensity_csv are read only with world=csv; "
                "add world=csv to the command line"
            )
        base = tables.builtin_states()
    elif cfg.source == "csv":
        if not cfg.actors_csv or cfg.actors_csv == "???":
            raise UserError("world=csv needs world.actors_csv=PATH (a CSV of your states)")
        base = tables.read_actors_csv(cfg.actors_csv)
    else:
        raise UserError(f"unknown world.source '{cfg.source}'; use 'builtin' or 'csv'")
    return base.copy()


def typed_entries(nodes: Mapping | None, schema: type, where: str) -> dict:
    """Each entry of a dict of treaties or aggregates as an instance of its ``schema``."""
    return {key: typed_entry(node, schema, f"{where}.{key}") for key, node in (nodes or {}).items()}


def check_actors(
    actors: Sequence[str] | None, base: pd.DataFrame, aggregates: Mapping
) -> list[str]:
    """The final actors: those listed (each once, each a known state or aggregate), or else every
    state of the table."""
    known = set(base.index) | set(aggregates)
    actors = list(actors) if actors else list(base.index)
    if len(set(actors)) != len(actors):
        raise UserError("world.actors lists a state twice; list each iso3 code once")
    for code in actors:
        if code not in known:
            raise UserError(
                f"unknown actor '{code}' in world.actors; known: {', '.join(sorted(known))}"
            )
    return actors


def apply_data_overrides(base: pd.DataFrame, overrides: Mapping | None) -> None:
    """Set the GDP and spending figures given as judgements (``world.data_overrides``), in place.

    Raises:
        UserError: an unknown state, another column, a negative amount or a GDP of 0.
    """
    for code, override in (overrides or {}).items():
        if code not in base.index:
            raise UserError(f"unknown state '{code}' in world.data_overrides")
        for col, value in override.items():
            if col not in ("gdp_usd_bn", "defence_usd_bn"):
                raise UserError(
                    f"world.data_overrides.{code}.{col}: only gdp_usd_bn and defence_usd_bn "
                    "may be set"
                )
            if value < 0:
                raise UserError(
                    f"world.data_overrides.{code}.{col} is negative ({value}); amounts are >= 0"
                )
            if col == "gdp_usd_bn" and value == 0:
                raise UserError(
                    f"world.data_overrides.{code}.gdp_usd_bn is 0; a state's GDP must be positive "
                    "(defence shares are fractions of it)"
                )
            base.loc[code, col] = float(value)


def gdp_path_table(
    path: Mapping | None, base: pd.DataFrame, base_year: int, pos: Mapping[str, int]
) -> np.ndarray:
    """(years, len(pos)) the actual GDP figures of ``world.gdp_path`` (USD bn) for the years
    after ``base_year``, one column per simulated state, NaN where the path has none.

    The path's keys are states of the data (as for ``world.data_overrides``; a known state this
    world leaves out is skipped), each mapping years to figures; a year up to the base year is
    ignored (the base year's GDP is the world's).

    Raises:
        UserError: an unknown state, a year that is not a whole calendar year, or a figure that
            is not a positive finite amount.
    """
    from sim.schema import USD_BN_MAX, YEAR_MAX, YEAR_MIN, Range

    amounts = Range(0, USD_BN_MAX, lo_open=True)
    rows: dict[tuple[int, int], float] = {}
    for code, figures in (path or {}).items():
        if code not in base.index:
            raise UserError(
                f"unknown state '{code}' in world.gdp_path; use the iso3 code of a state in the "
                "data (for an aggregate, its members)"
            )
        if not isinstance(figures, Mapping):
            raise UserError(
                f"world.gdp_path.{code} must map years to GDP figures in USD bn, "
                f"e.g. {{2015: 232.5}} (got {figures!r})"
            )
        for year, value in figures.items():
            key = f"world.gdp_path.{code}.{year}"
            if isinstance(year, bool) or not str(year).isdigit():
                raise UserError(f"{key}: the keys of a GDP path are calendar years, e.g. 2015")
            y = int(year)
            if not YEAR_MIN <= y <= YEAR_MAX:
                raise UserError(f"{key}: the year must lie in [{YEAR_MIN}, {YEAR_MAX}]")
            number = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
            if not number or value not in amounts:  # NaN is in no range
                raise UserError(f"{key} must be a GDP in USD bn in {amounts} (got {value!r})")
            if code in pos and y > base_year:
                rows[y - base_year - 1, pos[code]] = float(value)
    table = np.full((1 + max((k for k, _ in rows), default=-1), len(pos)), np.nan)
    for (k, j), value in rows.items():
        table[k, j] = value
    return table


def aggregate_members(aggregates: Mapping, base: pd.DataFrame) -> dict[str, list[str]]:
    """The member states of each aggregate (each must be in the table)."""
    members_of = {}
    for code, agg in aggregates.items():
        for m in agg.members:
            if m not in base.index:
                raise UserError(f"unknown state '{m}' in world.aggregates.{code}.members")
        members_of[code] = list(agg.members)
    return members_of


def simulated_states(actors: Sequence[str], members_of: Mapping[str, list[str]]) -> list[str]:
    """The states simulated before aggregation: each actor, or the members of an aggregate."""
    return [m for code in actors for m in members_of.get(code, [code])]


def check_figures(base: pd.DataFrame, full: Sequence[str]) -> None:
    """Every simulated state needs its 2024 GDP and spending and its capital's coordinates."""
    for code in full:
        row = base.loc[code]
        for col in ("gdp_usd_bn", "defence_usd_bn"):
            if pd.isna(row[col]):
                raise UserError(
                    f"no {col} figure for {code} in the 2024 data; set it as a judgement with "
                    f"world.data_overrides.{code}.{col}=VALUE"
                )
        if pd.isna(row.get("lat")) or pd.isna(row.get("lon")):
            raise UserError(f"no capital coordinates for {code}; add lat and lon columns")


def per_state(
    values: Mapping[str, float], codes: list[str], known: set[str], key: str, fallback: float
) -> np.ndarray:
    """Vector of a per-state setting with a 'default' entry."""
    for code in values:
        if code != "default" and code not in known:
            raise UserError(
                f"unknown state '{code}' in world.{key}; use an iso3 code of the world or 'default'"
            )
    values = dict(values.items())  # a plain dict: a config node's lookup of an absent key is slow
    default = values.get("default", fallback)
    return np.array([float(values.get(c, default)) for c in codes])


def column_or(
    base: pd.DataFrame,
    full: list[str],
    known: set[str],
    name: str,
    values: Mapping[str, float] | None,
    fallback: float,
) -> np.ndarray:
    """A per-state setting from the config (``per_state``), replaced by the table's column
    ``name`` where the table has a value (a CSV world may give it per state)."""
    vec = per_state(values or {}, full, known, name, fallback)
    if name in base.columns:
        col = pd.to_numeric(base.loc[full, name], errors="coerce").to_numpy(float)
        vec = np.where(np.isnan(col), vec, col)
    return vec


def state_settings(
    cfg, base: pd.DataFrame, full: list[str], known: set[str]
) -> dict[str, np.ndarray]:
    """The per-state settings of the simulated states, checked against their ranges.

    Returns:
        ``regime``, ``growth``, ``range_km``, ``credibility``, ``coercion`` and the fiscal
        bounds ``min_pct``, ``max_pct`` (percent of GDP, NaN = the model's default).
    """
    nan = float("nan")
    values = {
        "regime": column_or(base, full, known, "regime", cfg.regime, 1.0),
        "growth": column_or(base, full, known, "gdp_growth", cfg.gdp_growth, 0.03),
        "range_km": column_or(
            base, full, known, "projection_range_km", cfg.projection_range_km, 3000.0
        ),
        "credibility": column_or(base, full, known, "credibility", cfg.credibility, 0.7),
        "coercion": column_or(
            base, full, known, "coercion_propensity", cfg.coercion_propensity, 0.0
        ),
        "min_pct": per_state(cfg.min_pct_gdp or {}, full, known, "min_pct_gdp", nan),
        "max_pct": per_state(cfg.max_pct_gdp or {}, full, known, "max_pct_gdp", nan),
    }
    for name, vec, lo, hi in (
        ("credibility", values["credibility"], 0, 1),
        ("coercion_propensity", values["coercion"], 0, 1),
        ("regime", values["regime"], -1, 1),
    ):
        if np.any((vec < lo) | (vec > hi)):
            raise UserError(f"world.{name} must lie between {lo} and {hi}")
    if np.any(values["range_km"] <= 0):
        raise UserError("world.projection_range_km must be positive")
    return values


def treaty_states(
    treaty_cfgs: Mapping, known: set[str], simulated: Sequence[str]
) -> dict[str, list[str]]:
    """Each treaty's members among the simulated states (its members and the states it is open
    to must all be known)."""
    members: dict[str, list[str]] = {}
    for name, t in treaty_cfgs.items():
        for m in list(t.members) + list(t.open_to):
            if m not in known:
                raise UserError(f"unknown state '{m}' in world.treaties.{name}")
        members[name] = [m for m in t.members if m in simulated]
    return members


def split_pair(key: str, sep: str, where: str) -> tuple[str, str]:
    """The two codes of a pair key such as ``USA-JPN``."""
    parts = key.split(sep)
    if len(parts) != 2 or not all(parts):
        raise UserError(
            f"malformed pair '{key}' in {where}; write it as AAA{sep}BBB with iso3 codes"
        )
    return parts[0].strip(), parts[1].strip()


def expand(
    token: str, treaties: Mapping[str, Sequence[str]], known: set[str], where: str
) -> list[str]:
    """A state code, or '@TREATY' for every member of a treaty."""
    if token.startswith("@"):
        name = token[1:]
        if name not in treaties:
            raise UserError(f"unknown treaty '{name}' in {where}; known: {', '.join(treaties)}")
        return list(treaties[name])
    if token not in known:
        raise UserError(f"unknown state '{token}' in {where}; use an iso3 code known to the world")
    return [token]


def base_affinity(cfg, regime: np.ndarray, full: list[str]) -> np.ndarray:
    """Affinity before the pairwise adjustments: from a propensity CSV when one is given, else
    from shared regime type.

    A shared regime type raises affinity; a regime gap alone creates no hostility (that comes
    from the disputes and rivalries listed pairwise in the config).
    """
    if not cfg.propensity_csv:  # max(0, 1 - |r_i - r_j|) times the weight, in place
        similarity = np.subtract(regime[:, None], regime[None, :])
        np.abs(similarity, out=similarity)
        np.subtract(1.0, similarity, out=similarity)
        np.maximum(0.0, similarity, out=similarity)
        similarity *= cfg.affinity_regime_weight
        return similarity
    if cfg.propensity_scale <= 0:
        raise UserError("world.propensity_scale must be positive")
    raw = tables.read_propensity_csv(cfg.propensity_csv, full)
    affinity = (raw - cfg.propensity_midpoint) / cfg.propensity_scale
    np.fill_diagonal(affinity, 0.0)
    if np.abs(affinity).max() > 1 + 1e-9:
        raise UserError(
            f"propensities must map to -1..1 (got {affinity.min():.2f}..{affinity.max():.2f}); "
            "set world.propensity_midpoint and world.propensity_scale for your scale"
        )
    return affinity


def adjust_affinity(
    affinity: np.ndarray,
    adjustments: Mapping[str, float] | None,
    pos: Mapping[str, int],
    treaty_members: Mapping[str, Sequence[str]],
    known: set[str],
) -> np.ndarray:
    """Add the pairwise adjustments (``world.affinity``; a side may be '@TREATY') to
    ``affinity`` (in place), then clip to -1..1 with a zero diagonal."""
    for key, value in (adjustments or {}).items():  # each within -2..2 (sim.schema)
        a, b = split_pair(key, "-", "world.affinity")
        for x in expand(a, treaty_members, known, "world.affinity"):
            for y in expand(b, treaty_members, known, "world.affinity"):
                if x in pos and y in pos and x != y:
                    affinity[pos[x], pos[y]] += value
                    affinity[pos[y], pos[x]] += value
    affinity = np.clip(affinity, -1.0, 1.0, out=affinity)
    np.fill_diagonal(affinity, 0.0)
    return affinity


def trade_matrix(
    exposure: Mapping[str, float] | None, pos: Mapping[str, int], known: set[str], n: int
) -> np.ndarray:
    """(n, n) ``trade[i, j]``: i's exports to j as a fraction of i's GDP (keys
    exporter-importer, in percent)."""
    trade = np.zeros((n, n))
    for key, value in (exposure or {}).items():
        a, b = split_pair(key, "-", "world.trade_exposure_pct_gdp")  # exporter-importer
        for code in (a, b):
            if code not in known:
                raise UserError(f"unknown state '{code}' in world.trade_exposure_pct_gdp")
        if value < 0:
            raise UserError(f"world.trade_exposure_pct_gdp.{key} is negative; exports are >= 0")
        if a in pos and b in pos:
            trade[pos[a], pos[b]] = value / 100.0
    return trade


def ties_matrix(
    ties_cfg: Mapping[str, str] | None, pos: Mapping[str, int], known: set[str], n: int
) -> np.ndarray:
    """(n, n) symmetric bilateral commitment levels (0-3, int8) from ``world.ties``."""
    ties = np.zeros((n, n), dtype=np.int8)
    for key, level in (ties_cfg or {}).items():
        a, b = split_pair(key, "-", "world.ties")
        lv = level_number(level, f"world.ties.{key}")
        for code in (a, b):
            if code not in known:
                raise UserError(f"unknown state '{code}' in world.ties")
        if a in pos and b in pos:
            ties[pos[a], pos[b]] = ties[pos[b], pos[a]] = lv
    return ties


PAIR_BLOCK = 1 << 22
"""Largest temporary of ``Groups.agg_pairs``, in entries of the (n, n) matrices (32 MB of
float64)."""


@dataclass
class Groups:
    """How the simulated states merge into the final actors (docs/ODD.md 7.18).

    ``members[k]``: the positions (in ``full``) of actor k's states; ``gdp`` and ``capability``
    (2024 spending plus 1e-9, so an all-zero group still has weights): per simulated state, the
    weights of GDP- and capability-weighted means.
    """

    members: list[list[int]]
    gdp: np.ndarray
    capability: np.ndarray

    @classmethod
    def of(
        cls,
        actors: Sequence[str],
        members_of: Mapping[str, list[str]],
        pos: Mapping[str, int],
        gdp: np.ndarray,
        spending: np.ndarray,
    ) -> Groups:
        """The groups of ``actors`` (an aggregate's members, or the state alone)."""
        members = [[pos[m] for m in members_of.get(code, [code])] for code in actors]
        return cls(members, gdp, spending + 1e-9)

    def actor_of(self) -> dict[int, int]:
        """Final actor of each simulated position."""
        return {m: k for k, g in enumerate(self.members) for m in g}

    def single(self) -> np.ndarray:
        """Whether each actor is a single state (not an aggregate of several)."""
        return np.array([len(g) == 1 for g in self.members])

    def agg_vec(self, vec: np.ndarray, how: str) -> np.ndarray:
        """Per-actor values: ``sum``, ``max`` (ignoring NaN), ``capability``- or else
        GDP-weighted mean."""
        out = []
        for g in self.members:
            if how == "sum":
                out.append(vec[g].sum())
            elif how == "max":
                out.append(np.nanmax(vec[g]) if not np.all(np.isnan(vec[g])) else np.nan)
            else:
                w = self.capability[g] if how == "capability" else self.gdp[g]
                out.append(np.average(vec[g], weights=w))
        return np.array(out)

    def agg_pairs(self, mat: np.ndarray, how: str) -> np.ndarray:
        """Per pair of actors: ``max``, ``exports`` (GDP-weighted exporter shares), or else the
        capability-weighted mean over the pairs of their states; zero diagonal.

        A pair of single states is the one entry of ``mat`` (``max``), or that entry times its
        weight over the weight, the same arithmetic as the mean of a one-entry block (numpy's
        sum of one number adds it to 0.0), so these pairs are computed together
        (``_single_pairs``). A pair with an aggregate of several states is a block of ``mat``
        of its own (a Python loop over those pairs only: O(n) an aggregate)."""
        m = len(self.members)
        out = np.zeros((m, m), dtype=mat.dtype)
        single = np.flatnonzero(self.single())
        self._single_pairs(mat, how, single, out)
        for a in np.flatnonzero(~self.single()).tolist():
            for b in range(m):
                if b != a:
                    out[a, b] = self._block(mat, how, a, b)
                    out[b, a] = self._block(mat, how, b, a)
        return out

    def _block(self, mat: np.ndarray, how: str, a: int, b: int):
        """``agg_pairs`` of actors a and b from the block of their states' pairs."""
        ga, gb = self.members[a], self.members[b]
        block = mat[np.ix_(ga, gb)]
        if how == "max":
            return block.max()
        if how == "exports":
            return (block * self.gdp[ga][:, None]).sum() / self.gdp[ga].sum()
        w = np.outer(self.capability[ga], self.capability[gb])
        return (block * w).sum() / w.sum()

    def _single_pairs(self, mat: np.ndarray, how: str, single: np.ndarray, out: np.ndarray):
        """``_block`` of every pair of the actors ``single`` (each a single state), into
        ``out``, in blocks of rows (temporaries of at most ``PAIR_BLOCK`` entries); the diagonal
        stays zero. Elementwise, with the arithmetic of a one-entry block: ``x`` (max),
        ``(x * g + 0) / (g + 0)`` (exports, g the exporter's GDP) and ``(x * w + 0) / (w + 0)``
        (w the product of the two capabilities). A block of +0 only is not written, so that
        the pages of a matrix of zeros (the trade of a world without trade figures) are never
        touched and take no memory."""
        states = np.array([self.members[a][0] for a in single.tolist()], dtype=np.intp)
        step = max(1, PAIR_BLOCK // max(1, states.size))
        written = False
        for start in range(0, states.size, step):
            rows = slice(start, start + step)
            value = mat[np.ix_(states[rows], states)]
            if how == "exports":
                g = self.gdp[states[rows]][:, None]
                value = np.add(value * g, 0.0)
                value /= g + 0.0
            elif how != "max":
                w = self.capability[states[rows]][:, None] * self.capability[states][None, :]
                value = np.add(value * w, 0.0)
                value /= np.add(w, 0.0, out=w)
            if value.any() or (value.dtype.kind == "f" and np.signbit(value).any()):
                out[np.ix_(single[rows], single)] = value  # all +0: ``out`` has it already
                written = True
        if written:
            out[single, single] = 0


def capital_coordinates(
    base: pd.DataFrame, full: list[str], actors: Sequence[str], aggregates, groups: Groups
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of each actor: its capital; for an aggregate, the one the
    capitals table gives it (EUR: Brussels), else the GDP-weighted mean of its members'."""
    capitals = tables.builtin_capitals()
    lat = groups.agg_vec(base.loc[full, "lat"].to_numpy(float), "gdp")
    lon = groups.agg_vec(base.loc[full, "lon"].to_numpy(float), "gdp")
    for k, code in enumerate(actors):
        if code in aggregates and code in capitals.index:
            lat[k], lon[k] = capitals.loc[code, ["lat", "lon"]]
    return lat, lon


def build_treaties(
    treaty_cfgs: Mapping,
    treaty_members: Mapping[str, list[str]],
    pos: Mapping[str, int],
    actor_of: Mapping[int, int],
) -> list[Treaty]:
    """The treaties among the final actors; one left with fewer than two members is dropped."""
    treaties: list[Treaty] = []
    for name, t in treaty_cfgs.items():
        members = sorted({actor_of[pos[m]] for m in treaty_members[name]})
        if len(members) < 2:
            continue
        if t.target_pct_gdp is not None and t.target_pct_gdp < 0:
            raise UserError(f"world.treaties.{name}.target_pct_gdp is negative")
        open_to = sorted({actor_of[pos[m]] for m in t.open_to if m in pos} - set(members))
        treaties.append(
            Treaty(
                name=name,
                members=members,
                level=level_number(t.level, f"world.treaties.{name}.level"),
                target_share=(t.target_pct_gdp or 0.0) / 100.0,
                target_weight=t.target_weight,
                open_to=open_to,
                note=t.note,
            )
        )
    return treaties


def actor_name(code: str, base: pd.DataFrame, aggregates: Mapping) -> str:
    """An actor's name: the aggregate's, or the table's."""
    if code in aggregates:
        return aggregates[code].name
    return str(base.loc[code, "name"])


def actor_region(code: str, base: pd.DataFrame, aggregates: Mapping) -> str:
    """An actor's region: the aggregate's, the table's, else ``REGIONS`` (default Europe)."""
    if code in aggregates:
        return aggregates[code].region
    if "region" in base.columns and not pd.isna(base.loc[code, "region"]):
        return str(base.loc[code, "region"])
    return REGIONS.get(code, "Europe")


def build_world(cfg) -> World:
    """Build the world described by a ``WorldConfig``.

    Args:
        cfg: the ``world`` node of the config (a WorldConfig or a DictConfig with its fields).

    Returns:
        The calibrated ``World``.

    Raises:
        UserError: an unknown actor, treaty or level, a missing figure, a malformed pair key or
            a malformed data file.
    """
    base = read_states(cfg)
    aggregates = typed_entries(cfg.aggregates, AggregateConfig, "world.aggregates")
    treaty_cfgs = typed_entries(cfg.treaties, TreatyConfig, "world.treaties")
    actors = check_actors(cfg.actors, base, aggregates)
    apply_data_overrides(base, cfg.data_overrides)
    members_of = aggregate_members(aggregates, base)
    full = simulated_states(actors, members_of)
    check_figures(base, full)
    known = set(base.index)
    pos = {c: i for i, c in enumerate(full)}
    gdp = base.loc[full, "gdp_usd_bn"].to_numpy(float)
    spending = base.loc[full, "defence_usd_bn"].to_numpy(float)
    settings = state_settings(cfg, base, full, known | set(aggregates))
    gdp_path = gdp_path_table(getattr(cfg, "gdp_path", None), base, int(cfg.base_year), pos)
    treaty_members = treaty_states(treaty_cfgs, known | set(aggregates), pos)
    affinity = base_affinity(cfg, settings["regime"], full)
    affinity = adjust_affinity(affinity, cfg.affinity, pos, treaty_members, known)
    trade = trade_matrix(cfg.trade_exposure_pct_gdp, pos, known, len(full))
    ties = ties_matrix(cfg.ties, pos, known, len(full))
    groups = Groups.of(actors, members_of, pos, gdp, spending)
    lat, lon = capital_coordinates(base, full, actors, aggregates, groups)
    treaties = build_treaties(treaty_cfgs, treaty_members, pos, groups.actor_of())
    # state-specific fiscal bounds apply to single states only; an aggregate takes the defaults
    single = groups.single()
    return World(
        name=cfg.name,
        base_year=int(cfg.base_year),
        iso3=list(actors),
        names=[actor_name(c, base, aggregates) for c in actors],
        regions=[actor_region(c, base, aggregates) for c in actors],
        gdp=groups.agg_vec(gdp, "sum"),
        spending=groups.agg_vec(spending, "sum"),
        lat=lat,
        lon=lon,
        regime=groups.agg_vec(settings["regime"], "capability"),
        growth=groups.agg_vec(settings["growth"], "gdp"),
        range_km=groups.agg_vec(settings["range_km"], "capability"),
        credibility=groups.agg_vec(settings["credibility"], "capability"),
        coercion_propensity=groups.agg_vec(settings["coercion"], "capability"),
        min_share=np.where(single, groups.agg_vec(settings["min_pct"], "max"), np.nan) / 100.0,
        max_share=np.where(single, groups.agg_vec(settings["max_pct"], "max"), np.nan) / 100.0,
        affinity=groups.agg_pairs(affinity, "capability"),
        trade=groups.agg_pairs(trade, "exports"),
        ties=groups.agg_pairs(ties, "max").astype(np.int8),
        treaties=treaties,
        aggregate_of={m: code for code, members in members_of.items() for m in members},
        # an aggregate follows the path in a year where every member has a figure (their sum)
        gdp_path=np.array([groups.agg_vec(row, "sum") for row in gdp_path]).reshape(
            len(gdp_path), len(actors)
        ),
    )
