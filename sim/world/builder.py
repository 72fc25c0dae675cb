"""The world builder: turns the calibration tables and the world config into arrays.

``build_world(world_cfg)`` returns a ``World``: per-state vectors (GDP, spending, coordinates,
regime, ...) and pairwise matrices (distance, affinity, trade exposure, bilateral ties) plus the
treaty alliances, all as numpy arrays indexed in the order of ``world.iso3``. Every value is
either a 2024 figure from the shipped tables or a judgement from the config (which says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

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

    @property
    def n(self) -> int:
        """Number of states."""
        return len(self.iso3)

    @property
    def share(self) -> np.ndarray:
        """Defence share of GDP, 0-1."""
        return self.spending / self.gdp

    @cached_property
    def distance(self) -> np.ndarray:
        """(n, n) great-circle distance between capitals, km (computed once)."""
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


def _per_state(
    values: Mapping[str, float], codes: list[str], known: set[str], key: str, fallback: float
) -> np.ndarray:
    """Vector of a per-state setting with a 'default' entry."""
    for code in values:
        if code != "default" and code not in known:
            raise UserError(
                f"unknown state '{code}' in world.{key}; use an iso3 code of the world or 'default'"
            )
    default = values.get("default", fallback)
    return np.array([float(values.get(c, default)) for c in codes])


def _split_pair(key: str, sep: str, where: str) -> tuple[str, str]:
    parts = key.split(sep)
    if len(parts) != 2 or not all(parts):
        raise UserError(
            f"malformed pair '{key}' in {where}; write it as AAA{sep}BBB with iso3 codes"
        )
    return parts[0].strip(), parts[1].strip()


def _expand(
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

    base = base.copy()
    aggregates = {
        code: typed_entry(node, AggregateConfig, f"world.aggregates.{code}")
        for code, node in (cfg.aggregates or {}).items()
    }
    treaty_cfgs = {
        name: typed_entry(node, TreatyConfig, f"world.treaties.{name}")
        for name, node in (cfg.treaties or {}).items()
    }
    known = set(base.index) | set(aggregates)
    actors = list(cfg.actors) if cfg.actors else list(base.index)
    if len(set(actors)) != len(actors):
        raise UserError("world.actors lists a state twice; list each iso3 code once")
    for code in actors:
        if code not in known:
            raise UserError(
                f"unknown actor '{code}' in world.actors; known: {', '.join(sorted(known))}"
            )
    for code, override in (cfg.data_overrides or {}).items():
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
            base.loc[code, col] = float(value)

    # the states actually simulated, before aggregation
    members_of = {}
    for code, agg in aggregates.items():
        for m in agg.members:
            if m not in base.index:
                raise UserError(f"unknown state '{m}' in world.aggregates.{code}.members")
        members_of[code] = list(agg.members)
    full = [m for code in actors for m in members_of.get(code, [code])]
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
    known_codes = set(base.index)
    n = len(full)
    pos = {c: i for i, c in enumerate(full)}
    gdp = base.loc[full, "gdp_usd_bn"].to_numpy(float)
    spending = base.loc[full, "defence_usd_bn"].to_numpy(float)

    def column_or(name: str, values: Mapping[str, float], fallback: float) -> np.ndarray:
        vec = _per_state(values or {}, full, known_codes | set(aggregates), name, fallback)
        if name in base.columns:
            col = pd.to_numeric(base.loc[full, name], errors="coerce").to_numpy(float)
            vec = np.where(np.isnan(col), vec, col)
        return vec

    regime = column_or("regime", cfg.regime, 1.0)
    growth = column_or("gdp_growth", cfg.gdp_growth, 0.03)
    range_km = column_or("projection_range_km", cfg.projection_range_km, 3000.0)
    credibility = column_or("credibility", cfg.credibility, 0.7)
    coercion = column_or("coercion_propensity", cfg.coercion_propensity, 0.0)
    nan = float("nan")
    min_pct = _per_state(
        cfg.min_pct_gdp or {}, full, known_codes | set(aggregates), "min_pct_gdp", nan
    )
    max_pct = _per_state(
        cfg.max_pct_gdp or {}, full, known_codes | set(aggregates), "max_pct_gdp", nan
    )
    for name, vec, lo, hi in (
        ("credibility", credibility, 0, 1),
        ("coercion_propensity", coercion, 0, 1),
        ("regime", regime, -1, 1),
    ):
        if np.any((vec < lo) | (vec > hi)):
            raise UserError(f"world.{name} must lie between {lo} and {hi}")
    if np.any(range_km <= 0):
        raise UserError("world.projection_range_km must be positive")

    # treaties (on the full set of states)
    treaty_members: dict[str, list[str]] = {}
    for name, t in treaty_cfgs.items():
        for m in list(t.members) + list(t.open_to):
            if m not in known_codes and m not in aggregates:
                raise UserError(f"unknown state '{m}' in world.treaties.{name}")
        treaty_members[name] = [m for m in t.members if m in pos]

    # affinity
    if cfg.propensity_csv:
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
    else:
        # shared regime type raises affinity; a regime gap alone creates no hostility (that
        # comes from the disputes and rivalries listed pairwise in the config)
        similarity = np.maximum(0.0, 1.0 - np.abs(regime[:, None] - regime[None, :]))
        affinity = cfg.affinity_regime_weight * similarity
    for key, value in (cfg.affinity or {}).items():  # each within -2..2 (sim.schema)
        a, b = _split_pair(key, "-", "world.affinity")
        for x in _expand(a, treaty_members, known_codes, "world.affinity"):
            for y in _expand(b, treaty_members, known_codes, "world.affinity"):
                if x in pos and y in pos and x != y:
                    affinity[pos[x], pos[y]] += value
                    affinity[pos[y], pos[x]] += value
    affinity = np.clip(affinity, -1.0, 1.0)
    np.fill_diagonal(affinity, 0.0)

    trade = np.zeros((n, n))
    for key, value in (cfg.trade_exposure_pct_gdp or {}).items():
        a, b = _split_pair(key, "-", "world.trade_exposure_pct_gdp")  # exporter-importer
        for code in (a, b):
            if code not in known_codes:
                raise UserError(f"unknown state '{code}' in world.trade_exposure_pct_gdp")
        if value < 0:
            raise UserError(f"world.trade_exposure_pct_gdp.{key} is negative; exports are >= 0")
        if a in pos and b in pos:
            trade[pos[a], pos[b]] = value / 100.0

    ties = np.zeros((n, n), dtype=np.int8)
    for key, level in (cfg.ties or {}).items():
        a, b = _split_pair(key, "-", "world.ties")
        lv = level_number(level, f"world.ties.{key}")
        for code in (a, b):
            if code not in known_codes:
                raise UserError(f"unknown state '{code}' in world.ties")
        if a in pos and b in pos:
            ties[pos[a], pos[b]] = ties[pos[b], pos[a]] = lv

    # aggregation: final actors
    groups = [[pos[m] for m in members_of.get(code, [code])] for code in actors]
    weights = spending + 1e-9

    def agg_vec(vec: np.ndarray, how: str) -> np.ndarray:
        out = []
        for g in groups:
            if how == "sum":
                out.append(vec[g].sum())
            elif how == "max":
                out.append(np.nanmax(vec[g]) if not np.all(np.isnan(vec[g])) else np.nan)
            else:
                w = weights[g] if how == "capability" else gdp[g]
                out.append(np.average(vec[g], weights=w))
        return np.array(out)

    def agg_pairs(mat: np.ndarray, how: str) -> np.ndarray:
        m = len(groups)
        out = np.zeros((m, m), dtype=mat.dtype)
        for a, ga in enumerate(groups):
            for b, gb in enumerate(groups):
                if a == b:
                    continue
                block = mat[np.ix_(ga, gb)]
                if how == "max":
                    out[a, b] = block.max()
                elif how == "exports":
                    out[a, b] = (block * gdp[ga][:, None]).sum() / gdp[ga].sum()
                else:
                    w = np.outer(weights[ga], weights[gb])
                    out[a, b] = (block * w).sum() / w.sum()
        return out

    capitals = tables.builtin_capitals()
    lat = agg_vec(base.loc[full, "lat"].to_numpy(float), "gdp")
    lon = agg_vec(base.loc[full, "lon"].to_numpy(float), "gdp")
    for k, code in enumerate(actors):
        if code in aggregates and code in capitals.index:
            lat[k], lon[k] = capitals.loc[code, ["lat", "lon"]]

    def name_of(code: str) -> str:
        if code in aggregates:
            return aggregates[code].name
        return str(base.loc[code, "name"])

    def region_of(code: str) -> str:
        if code in aggregates:
            return aggregates[code].region
        if "region" in base.columns and not pd.isna(base.loc[code, "region"]):
            return str(base.loc[code, "region"])
        return REGIONS.get(code, "Europe")

    final_of = {m: k for k, g in enumerate(groups) for m in g}
    treaties: list[Treaty] = []
    for name, t in treaty_cfgs.items():
        members = sorted({final_of[pos[m]] for m in treaty_members[name]})
        if len(members) < 2:
            continue
        if t.target_pct_gdp is not None and t.target_pct_gdp < 0:
            raise UserError(f"world.treaties.{name}.target_pct_gdp is negative")
        open_to = sorted({final_of[pos[m]] for m in t.open_to if m in pos} - set(members))
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

    # state-specific fiscal bounds apply to single states only; an aggregate takes the defaults
    single = np.array([len(g) == 1 for g in groups])
    min_share = np.where(single, agg_vec(min_pct, "max"), np.nan) / 100.0
    max_share = np.where(single, agg_vec(max_pct, "max"), np.nan) / 100.0
    return World(
        name=cfg.name,
        base_year=int(cfg.base_year),
        iso3=list(actors),
        names=[name_of(c) for c in actors],
        regions=[region_of(c) for c in actors],
        gdp=agg_vec(gdp, "sum"),
        spending=agg_vec(spending, "sum"),
        lat=lat,
        lon=lon,
        regime=agg_vec(regime, "capability"),
        growth=agg_vec(growth, "gdp"),
        range_km=agg_vec(range_km, "capability"),
        credibility=agg_vec(credibility, "capability"),
        coercion_propensity=agg_vec(coercion, "capability"),
        min_share=min_share,
        max_share=max_share,
        affinity=agg_pairs(affinity, "capability"),
        trade=agg_pairs(trade, "exports"),
        ties=agg_pairs(ties, "max").astype(np.int8),
        treaties=treaties,
        aggregate_of={m: code for code, members in members_of.items() for m in members},
    )
