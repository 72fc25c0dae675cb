"""Typed schema of the configuration (Hydra structured configs).

The YAML files under ``configs/`` hold the values (and say where each comes from); these
dataclasses hold the types. Hydra merges the YAML into them, so a misspelt key or a value of the
wrong type is rejected when the config is composed. Semantic checks (unknown actors, negative
amounts) live in ``sim.world`` and ``sim.runner.simulate.check_params``.

This module imports nothing from the rest of the package, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

LEVELS = ("none", "alignment", "partnership", "formal")
"""Commitment levels, index = level number."""


@dataclass
class TreatyConfig:
    """A named treaty alliance: its members hold formal ties with one another."""

    members: list[str] = MISSING
    level: str = "formal"
    target_pct_gdp: float | None = None
    target_weight: float | None = None
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
    propensity_midpoint: float = 0.0
    propensity_scale: float = 1.0
    aggregates: dict[str, Any] = field(default_factory=dict)  # each an AggregateConfig
    base_year: int = 2024
    data_overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    regime: dict[str, float] = field(default_factory=dict)
    gdp_growth: dict[str, float] = field(default_factory=dict)
    projection_range_km: dict[str, float] = field(default_factory=dict)
    credibility: dict[str, float] = field(default_factory=dict)
    coercion_propensity: dict[str, float] = field(default_factory=dict)
    min_pct_gdp: dict[str, float] = field(default_factory=dict)
    max_pct_gdp: dict[str, float] = field(default_factory=dict)
    affinity_regime_weight: float = 0.3
    affinity: dict[str, float] = field(default_factory=dict)
    trade_exposure_pct_gdp: dict[str, float] = field(default_factory=dict)
    treaties: dict[str, Any] = field(default_factory=dict)  # each a TreatyConfig
    ties: dict[str, str] = field(default_factory=dict)


@dataclass
class EventConfig:
    """One scheduled scenario event; which fields apply depends on ``kind`` (sim.world.events)."""

    kind: str = MISSING
    start_year: int = 2025
    duration_years: int | None = None
    note: str = ""
    # side_payment
    donor: str | None = None
    recipients: list[str] = field(default_factory=list)
    amount_usd_bn: float = 0.0
    allocation: str = "equal"
    condition_level: str = "none"
    condition_partners: int = 0
    channels: dict[str, float] = field(default_factory=dict)
    affinity_per_usd_bn: float = 0.02
    credibility_per_usd_bn: float = 0.01
    # budget_shock
    state: str | None = None
    spending_usd_bn: float | None = None
    pct_gdp: float | None = None
    # spending_target
    members: list[str] = field(default_factory=list)
    target_pct_gdp: float = 0.0
    by_year: int | None = None
    weight: float = 0.3
    # exercise
    participants: list[str] = field(default_factory=list)
    affinity_gain: float = 0.0
    credibility_gain: float = 0.0
    max_affinity: float = 1.0
    # rival_response
    actor: str | None = None
    reaction: float = 0.0
    coercion_multiplier: float = 1.0
    courted: list[str] = field(default_factory=list)
    courting_gain: float = 0.0


@dataclass
class ScenarioConfig:
    """A named situation: scheduled events on top of the world."""

    name: str = MISSING
    description: str = ""
    events: dict[str, Any] = field(default_factory=dict)  # each an EventConfig


@dataclass
class BudgetConfig:
    adjustment_speed: float = MISSING
    max_change_pct_points: float = MISSING
    min_pct_gdp: float = MISSING
    max_pct_gdp: float = MISSING
    target_weight: float = MISSING
    calibrate_preferences: bool = True
    theta: float = 1.0
    private_benefit_share: float = MISSING
    background_threat_share: float = MISSING


@dataclass
class SecurityConfig:
    depreciation: float = MISSING
    publicness: float = MISSING
    level_weights: list[float] = MISSING


@dataclass
class AlignmentConfig:
    rule: str = "expected_utility"
    temperature_pct_gdp: float = MISSING
    entrapment_weight: float = MISSING
    autonomy_weight: float = MISSING
    tie_cost_usd_bn: float = MISSING
    coercion_weight: float = MISSING
    affinity_weight: float = MISSING
    side_payment_weight: float = MISSING
    treaty_exit_cost: float = MISSING
    landscape_thresholds: list[float] = MISSING


@dataclass
class PredicatesConfig:
    asian_nato_hub: str = "USA"
    asian_nato_candidates: list[str] = field(default_factory=lambda: ["JPN", "KOR", "AUS", "PHL"])
    asian_nato_min: int = 3
    link_asian: list[str] = field(default_factory=lambda: ["JPN", "KOR", "AUS"])
    link_treaty: str = "NATO"
    link_min_level: str = "partnership"
    link_min_partners: int = 3
    rivals: list[str] = field(default_factory=lambda: ["CHN", "RUS"])


@dataclass
class ModelConfig:
    horizon: int = MISSING
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    alignment: AlignmentConfig = field(default_factory=AlignmentConfig)
    predicates: PredicatesConfig = field(default_factory=PredicatesConfig)


@dataclass
class RunConfig:
    replicates: int = 1
    first_replicate: int = 0
    plots: bool = True
    key_states: list[str] = field(
        default_factory=lambda: ["USA", "JPN", "KOR", "CHN", "AUS", "PHL", "DEU", "GBR"]
    )
    network_years: list[int] = field(default_factory=list)
    csv: bool = True
    resume: bool = False


@dataclass
class Config:
    """The whole configuration of one run."""

    seed: int = 0
    world: WorldConfig = field(default_factory=WorldConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    run: RunConfig = field(default_factory=RunConfig)


def typed_entry(node: Any, schema: type, where: str) -> Any:
    """Check one entry of a loosely typed dict (a treaty, an aggregate, an event) against its
    dataclass: unknown keys and wrong types become a one-line ``UserError``.

    These dicts are typed ``dict[str, Any]`` so that users can add entries from the command
    line (``+scenario.events.NAME={...}``), which OmegaConf refuses for typed dicts.

    Returns:
        The entry as an instance of ``schema``.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from sim.errors import UserError

    if isinstance(node, schema):
        return node
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), node)
        return OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        from dataclasses import fields

        lines = str(exc).splitlines()
        key = next((ln.split(":", 1)[1].strip() for ln in lines if "full_key:" in ln), "")
        valid = ", ".join(f.name for f in fields(schema))
        raise UserError(
            f"{where}{'.' + key if key else ''}: {lines[0]}; valid fields: {valid}"
        ) from None


def register_configs() -> None:
    """Register the schema with Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    cs.store(name="schema", node=Config)
