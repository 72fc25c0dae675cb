"""Typed schema of the configuration (Hydra structured configs).

The YAML files under ``configs/`` hold the values (and say where each comes from); these
dataclasses hold the types. Hydra merges the YAML into them, so a misspelt key or a value of the
wrong type is rejected when the config is composed. Semantic checks (unknown actors, negative
amounts) live in ``sim.world`` and ``sim.runner.simulate.check_params``; each number's
range is declared here and checked by ``sim.validate``.

This module imports nothing from the rest of the package, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

LEVELS = ("none", "alignment", "partnership", "formal")
"""Commitment levels, index = level number."""

# --------------------------------------------------------------------------- ranges
# Every number of the config has a documented range, declared here beside its type and checked
# by ``sim.validate.check_numbers`` before anything is built or written (docs/configuration.md
# lists them). Beyond physical limits (shares in [0, 1], levels of affinity in [-1, 1]) the
# ranges are generous caps that keep the arithmetic finite, not judgements about plausibility.

USD_BN_MAX = 1e6
"""Largest amount in USD bn: USD 1,000 trillion, about ten times world GDP."""
SEED_MAX = 2**63 - 1
"""Largest seed: numpy's SeedSequence takes any non-negative integer; tables store int64."""
HORIZON_MAX = 200
"""Longest run, in years."""
YEAR_MIN, YEAR_MAX = 1900, 2300
"""Calendar years the config may name."""
WEIGHT_MAX = 1e3
"""Cap on dimensionless weights and multipliers (defaults are of order 0.001-2)."""
REPLICATES_MAX = 1_000_000


@dataclass(frozen=True)
class Range:
    """The documented range of a number: ``[lo, hi]``, an end open where said."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, x: float) -> bool:
        above = x > self.lo if self.lo_open else x >= self.lo
        below = x < self.hi if self.hi_open else x <= self.hi
        return above and below

    def __str__(self) -> str:
        def num(v: float) -> str:
            return str(int(v)) if float(v).is_integer() and abs(v) < 1e7 else f"{v:.4g}"

        left = "(" if self.lo_open else "["
        right = ")" if self.hi_open else "]"
        return f"{left}{num(self.lo)}, {num(self.hi)}{right}"


def ranged(default: Any, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False):
    """A field whose value (or each value of its list) must lie in the range."""
    return field(default=default, metadata={"range": Range(lo, hi, lo_open, hi_open)})


def ranged_list(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False):
    """A list field with its values in the range (no default: the YAML gives it)."""
    return field(default=MISSING, metadata={"range": Range(lo, hi, lo_open, hi_open)})


def per_state(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False):
    """A dict field (state or pair -> number) whose values must lie in the range."""
    return field(default_factory=dict, metadata={"range": Range(lo, hi, lo_open, hi_open)})


def entries(schema: type):
    """A dict field whose entries (a treaty, an aggregate, an event) follow ``schema``."""
    return field(default_factory=dict, metadata={"entries": schema})


def paths(schema: type):
    """A dict field keyed by dotted config paths (written nested or with dotted keys) whose
    entries follow ``schema`` (``sim.validate.path_entries`` reads them)."""
    return field(default_factory=dict, metadata={"entries": schema, "paths": True})


PCT = Range(0, 100, hi_open=True)
"""Shares of GDP in percent."""


@dataclass
class TreatyConfig:
    """A named treaty alliance: its members hold formal ties with one another."""

    members: list[str] = MISSING
    level: str = "formal"
    target_pct_gdp: float | None = ranged(None, 0, 100, hi_open=True)
    target_weight: float | None = ranged(None, 0, WEIGHT_MAX)
    open_to: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class AggregateConfig:
    """Several states merged into one actor (e.g. NATO-Europe in the classroom world)."""

    name: str = MISSING
    members: list[str] = MISSING
    region: str = "Europe"


@dataclass
class WorldConfig:
    """The states, their 2024 figures, and the judgement values that relate them."""

    name: str = MISSING
    source: str = "builtin"
    actors: list[str] = field(default_factory=list)
    actors_csv: str | None = None
    propensity_csv: str | None = None
    propensity_midpoint: float = ranged(0.0, -1e6, 1e6)
    propensity_scale: float = ranged(1.0, 0, 1e6, lo_open=True)
    aggregates: dict[str, Any] = entries(AggregateConfig)
    base_year: int = ranged(2024, YEAR_MIN, YEAR_MAX)
    data_overrides: dict[str, dict[str, float]] = per_state(0, USD_BN_MAX)  # USD bn
    regime: dict[str, float] = per_state(-1, 1)
    gdp_growth: dict[str, float] = per_state(-0.5, 1)  # nominal growth a year
    # actual GDP, USD bn: state -> {year: figure}; where none, GDP grows at gdp_growth. The
    # figures are typed Any because OmegaConf refuses an int (300) in a nested dict of floats;
    # sim.validate still checks each is a finite number in the range
    gdp_path: dict[str, dict[int, Any]] = per_state(0, USD_BN_MAX, lo_open=True)
    projection_range_km: dict[str, float] = per_state(0, 100_000, lo_open=True)
    credibility: dict[str, float] = per_state(0, 1)
    coercion_propensity: dict[str, float] = per_state(0, 1)
    min_pct_gdp: dict[str, float] = per_state(0, 100, hi_open=True)
    max_pct_gdp: dict[str, float] = per_state(0, 100, hi_open=True)
    affinity_regime_weight: float = ranged(0.3, 0, 1)
    affinity: dict[str, float] = per_state(-2, 2)  # adjustments; affinities end in [-1, 1]
    trade_exposure_pct_gdp: dict[str, float] = per_state(0, 100)
    treaties: dict[str, Any] = entries(TreatyConfig)
    ties: dict[str, str] = field(default_factory=dict)


@dataclass
class EventConfig:
    """One scheduled scenario event; which fields apply depends on ``kind`` (sim.world.events)."""

    kind: str = MISSING
    start_year: int = ranged(2025, YEAR_MIN, YEAR_MAX)
    duration_years: int | None = ranged(None, 1, HORIZON_MAX)
    note: str = ""
    # side_payment
    donor: str | None = None
    recipients: list[str] = field(default_factory=list)
    amount_usd_bn: float = ranged(0.0, 0, USD_BN_MAX)  # a year
    allocation: str = "equal"
    condition_level: str = "none"
    condition_partners: int = ranged(0, 0, 1000)
    channels: dict[str, float] = per_state(0, 1)
    affinity_per_usd_bn: float = ranged(0.02, 0, 1)
    credibility_per_usd_bn: float = ranged(0.01, 0, 1)
    funding: str = "consumption"  # what the donor gives up: consumption | defence
    # budget_shock
    state: str | None = None
    spending_usd_bn: float | None = ranged(None, 0, USD_BN_MAX)
    pct_gdp: float | None = ranged(None, 0, 100, hi_open=True)
    # spending_target
    members: list[str] = field(default_factory=list)
    target_pct_gdp: float = ranged(0.0, 0, 100, hi_open=True)
    by_year: int | None = ranged(None, YEAR_MIN, YEAR_MAX)
    weight: float = ranged(0.3, 0, WEIGHT_MAX)
    abandonment_risk: float = ranged(0.0, 0, 1)  # per point of shortfall
    deadline_year: int | None = ranged(None, YEAR_MIN, YEAR_MAX)
    deadline_gain: float = ranged(0.0, 0, WEIGHT_MAX)
    # exercise
    participants: list[str] = field(default_factory=list)
    affinity_gain: float = ranged(0.0, 0, 2)  # a year; affinity spans [-1, 1]
    credibility_gain: float = ranged(0.0, 0, 1)
    max_affinity: float = ranged(1.0, -1, 1)
    # rival_response
    actor: str | None = None
    reaction: float = ranged(0.0, 0, WEIGHT_MAX)
    coercion_multiplier: float = ranged(1.0, 0, WEIGHT_MAX)
    courted: list[str] = field(default_factory=list)
    courting_gain: float = ranged(0.0, 0, 2)
    # credibility_shift, affinity_shift (a one-off change in the start year)
    change: float = ranged(0.0, -2, 2)
    gradient_km: float | None = ranged(None, 0, 100_000, lo_open=True)  # affinity_shift only
    borders: list[str] = field(default_factory=list)  # affinity_shift: at distance 0
    # accession (``state`` joins this treaty of the world in the start year); spending_target
    # (the target applies to the treaty's members of each year, instead of ``members``)
    treaty: str | None = None


@dataclass
class ScenarioConfig:
    """A named situation: scheduled events on top of the world."""

    name: str = MISSING
    description: str = ""
    events: dict[str, Any] = entries(EventConfig)


@dataclass
class BudgetConfig:
    adjustment_speed: float = ranged(MISSING, 0, 1)
    max_change_pct_points: float = ranged(MISSING, 0, 100)
    min_pct_gdp: float = ranged(MISSING, 0, 100, hi_open=True)
    max_pct_gdp: float = ranged(MISSING, 0, 100, hi_open=True)
    target_weight: float = ranged(MISSING, 0, WEIGHT_MAX)
    calibrate_preferences: bool = True
    theta: float = ranged(1.0, 0, WEIGHT_MAX, lo_open=True)
    private_benefit_share: float = ranged(MISSING, 0, 1, hi_open=True)
    background_threat_share: float = ranged(MISSING, 0, WEIGHT_MAX)
    gap_half_pct_points: float = ranged(0.0, 0, 100)  # 0 = constant adjustment speed
    target_smoothing_pct_points: float = ranged(0.0, 0, 100)  # 0 = kinked target penalty
    target_abandonment_risk: float = ranged(0.0, 0, 1)  # per point of shortfall


@dataclass
class SecurityConfig:
    depreciation: float = ranged(MISSING, 0, 1, lo_open=True)
    publicness: float = ranged(MISSING, 0, 1)
    level_weights: list[float] = ranged_list(0, 1)
    credibility_budget_elasticity: float = ranged(MISSING, 0, WEIGHT_MAX)
    credibility_overstretch_elasticity: float = ranged(MISSING, 0, WEIGHT_MAX)
    max_credibility: float = ranged(MISSING, 0, 1)
    threat_flow_weight: float = ranged(0.0, 0, 1)  # 0 = threat from capability stocks alone
    crisis_threat_elasticity: float = ranged(0.0, 0, 5)  # 0: theta independent of threat


@dataclass
class AlignmentConfig:
    rule: str = "expected_utility"
    temperature_pct_gdp: float = ranged(MISSING, 0, 100)
    entrapment_weight: float = ranged(MISSING, 0, WEIGHT_MAX)
    autonomy_weight: float = ranged(MISSING, 0, WEIGHT_MAX)
    tie_cost_usd_bn: float = ranged(MISSING, 0, USD_BN_MAX)
    coercion_weight: float = ranged(MISSING, 0, WEIGHT_MAX)
    affinity_weight: float = ranged(MISSING, 0, WEIGHT_MAX)
    side_payment_weight: float = ranged(MISSING, 0, WEIGHT_MAX)
    treaty_exit_cost: float = ranged(MISSING, 0, 1e9)  # fraction of GDP; 1e9: never leave
    tie_change_cost: float = ranged(MISSING, 0, 1)  # fraction of GDP a year, per level changed
    calibrate_ties: bool = True  # relationship values by revealed preference (2024 rest point)
    rest_margin: float = ranged(MISSING, 0, WEIGHT_MAX)  # in logit temperatures
    coercion_value_added_share: float = ranged(MISSING, 0, 1)
    landscape_thresholds: list[float] = ranged_list(-1, 1)


@dataclass
class PredicatesConfig:
    asian_nato_hub: str = "USA"
    asian_nato_candidates: list[str] = field(default_factory=lambda: ["JPN", "KOR", "AUS", "PHL"])
    asian_nato_min: int = ranged(3, 1, 1000)
    link_asian: list[str] = field(default_factory=lambda: ["JPN", "KOR", "AUS"])
    link_treaty: str = "NATO"
    link_min_level: str = "partnership"
    link_min_partners: int = ranged(2, 0, 1000)
    link_min_share: float = ranged(0.25, 0, 1)  # of European NATO's capability (sim.outcomes)
    link_any_formal: bool = True
    rivals: list[str] = field(default_factory=lambda: ["CHN", "RUS"])
    budget_states: dict[str, str] = field(
        default_factory=lambda: {"china": "CHN", "japan": "JPN", "korea": "KOR"}
    )  # outcomes <name>_budget_change_pct (sim.outcomes)
    share_states: dict[str, str] = field(default_factory=lambda: {"china": "CHN"})


@dataclass
class ModelConfig:
    horizon: int = ranged(MISSING, 1, HORIZON_MAX)
    engine: str = "compiled"  # compiled (numba: sim/abm/compiled.py) or reference (numpy oracle)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    alignment: AlignmentConfig = field(default_factory=AlignmentConfig)
    predicates: PredicatesConfig = field(default_factory=PredicatesConfig)


@dataclass
class RunConfig:
    replicates: int = ranged(1, 1, REPLICATES_MAX)
    first_replicate: int = ranged(0, 0, REPLICATES_MAX)
    plots: bool = True
    key_states: list[str] = field(
        default_factory=lambda: ["USA", "JPN", "KOR", "CHN", "AUS", "PHL", "DEU", "GBR"]
    )
    network_years: list[int] = field(
        default_factory=list, metadata={"range": Range(YEAR_MIN, YEAR_MAX)}
    )
    csv: bool = True
    resume: bool = False
    uncertainty: str = "none"  # none | priors: each replicate draws the priors' parameters


@dataclass
class PriorConfig:
    """The prior of one judgement parameter, ``priors.<dotted.path>``: uniform on
    ``[low, high]``, or log-uniform with ``scale: log`` (sim/runner/priors.py)."""

    low: float = ranged(MISSING, -USD_BN_MAX, USD_BN_MAX)
    high: float = ranged(MISSING, -USD_BN_MAX, USD_BN_MAX)
    scale: str = "linear"  # linear | log
    note: str = ""  # why this range: the judgement and what it rests on


@dataclass
class Config:
    """The whole configuration of one run."""

    seed: int = ranged(0, 0, SEED_MAX)
    world: WorldConfig = field(default_factory=WorldConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    run: RunConfig = field(default_factory=RunConfig)
    priors: dict[str, Any] = paths(PriorConfig)


TYPED_CACHE_SIZE = 4096
"""At most this many checked entries are kept (``typed_entry``): every config a process checks
repeats the same treaties, aggregates, events and priors (a study's points, a sweep's jobs)."""
_typed: dict[tuple[type, bool, str], Any] = {}


def _entry_key(node: Any) -> str | None:
    """An entry's content as text that tells entries apart exactly (JSON with sorted keys: 1,
    1.0, true and "1" stay apart), or None when the entry is not to be remembered: it holds an
    interpolation (its value may depend on the rest of the config) or what JSON cannot write.

    Examples:
        >>> _entry_key({"b": 1, "a": [1.0, "x"]})
        '{"a": [1.0, "x"], "b": 1}'
        >>> _entry_key({"amount": "${model.horizon}"}) is None
        True
        >>> _entry_key({"channels": {1: 0.5}}) is None
        True
    """
    import json

    from omegaconf import DictConfig, ListConfig, OmegaConf

    try:
        if isinstance(node, DictConfig | ListConfig):
            node = OmegaConf.to_container(node, resolve=False)
        if not _string_keys(node):  # JSON writes the key 1 as "1": they would be one entry
            return None
        text = json.dumps(node, sort_keys=True)
    except (TypeError, ValueError):
        return None
    return None if "${" in text else text


def _string_keys(node: Any) -> bool:
    """Whether every mapping in ``node``, at any depth, has only string keys."""
    if isinstance(node, dict):
        return all(isinstance(k, str) and _string_keys(v) for k, v in node.items())
    if isinstance(node, list | tuple):
        return all(_string_keys(v) for v in node)
    return True


def typed_entry(node: Any, schema: type, where: str) -> Any:
    """Check one entry of a loosely typed dict (a treaty, an aggregate, an event) against its
    dataclass: unknown keys and wrong types become a one-line ``UserError``.

    These dicts are typed ``dict[str, Any]`` so that users can add entries from the command
    line (``+scenario.events.NAME={...}``), which OmegaConf refuses for typed dicts. OmegaConf's
    merge costs milliseconds an entry, and a config holds about forty, so an entry checked
    before is not merged again: its checked copy is remembered by its content
    (``_entry_key``), and each call returns a copy of its own.

    Returns:
        The entry as an instance of ``schema``.
    """
    import copy

    from omegaconf import DictConfig, OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from sim.errors import UserError, wrong_value

    if isinstance(node, schema):
        return node
    text = _entry_key(node)
    key = (schema, isinstance(node, DictConfig), text)
    if text is not None and key in _typed:
        return copy.deepcopy(_typed[key])
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), node)
        entry = OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        from dataclasses import fields

        lines = str(exc).splitlines()
        bad = next((ln.split(":", 1)[1].strip() for ln in lines if "full_key:" in ln), "")
        at = f"{where}{'.' + bad if bad else ''}"
        value = wrong_value(lines[0])
        if value:  # a known field given a value of the wrong type
            raise UserError(f"{at}: {value}") from None
        valid = ", ".join(f.name for f in fields(schema))
        raise UserError(f"{at}: {lines[0]}; valid fields: {valid}") from None
    if text is not None and len(_typed) < TYPED_CACHE_SIZE:
        _typed[key] = copy.deepcopy(entry)
    return entry


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="schema", node=Config)
