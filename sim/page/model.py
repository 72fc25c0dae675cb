"""The page's model: the command line's model, built through the project's config path.

:class:`ClassroomModel` takes the page's controls as keyword arguments (SolaraViz rebuilds the
model with them when Reset is pressed), turns them into Hydra overrides, composes the config with
:func:`sim.runner.config.compose`, validates it with :func:`sim.runner.simulate.prepare` and
builds :class:`sim.abm.model.AllianceModel` exactly as :func:`sim.runner.simulate.run_model`
does, with the seed of replicate 0. A page run with the same settings is therefore the run of
``alliance-sim <the same overrides>``; :attr:`ClassroomModel.command` gives that command.

Nothing here imports solara, so the model can be used (and tested) without the page.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from omegaconf import OmegaConf

from sim.abm.model import AllianceModel
from sim.plots.camps import GREAT_POWERS
from sim.runner.config import compose, config_dir
from sim.runner.simulate import prepare, replicate_seed

_COMPOSE_LOCK = threading.Lock()  # Hydra's compose API keeps global state
CHINA = "CHN"
RIVALRY_PAIR = ("JPN", "KOR")
EVENT_KINDS = {
    "scenario": "policy",
    "formation": "bloc formed",
    "accession": "joined",
    "exit": "left",
    "dissolution": "dissolved",
    "tie_deepened": "tie deepened",
    "tie_loosened": "tie loosened",
    "offer_declined": "declined",
    "budget_move": "budget",
    "side_switch": "switched side",
}


def config_options(group: str) -> list[str]:
    """The options of a config group (``world`` or ``scenario``): its YAML files, without those
    that need a value the page cannot give (a mandatory ``???``, e.g. the CSV world's file)."""
    folder = config_dir() / group
    names = []
    for path in sorted(folder.glob("*.yaml")):
        if "???" not in path.read_text(encoding="utf-8"):
            names.append(path.stem)
    return names


def compose_locked(overrides: Sequence[str]):
    """:func:`sim.runner.config.compose`, one call at a time (the page serves several tabs)."""
    with _COMPOSE_LOCK:
        return compose(list(overrides))


@dataclass(frozen=True)
class Settings:
    """The page's controls, as the model's keyword arguments. ``None``: as the configs say
    (for the injection and China's budget reaction also: the scenario has no such event)."""

    world_config: str = "default"
    scenario_config: str = "injection_1p5b"
    injection_usd_bn: float | None = None
    china_coercion: float | None = None
    china_reaction: float | None = None
    jpn_kor_affinity: float | None = None
    coercion_weight: float | None = None
    temperature_pct_gdp: float | None = None
    seed: int | None = None


def _num(value: float) -> str:
    """A number as an override value: rounded to the slider's precision, no float noise."""
    return f"{round(float(value), 6):g}"


def _pair_key(affinity: dict, a: str, b: str) -> str:
    """The key under which the world config lists the affinity of a and b (either order)."""
    for key in (f"{a}-{b}", f"{b}-{a}"):
        if key in affinity:
            return key
    return f"{a}-{b}"


def _differs(value: float | None, configured: float | None) -> bool:
    if value is None:
        return False
    return configured is None or abs(float(value) - float(configured)) > 1e-9


def _events(cfg, kind: str) -> dict:
    """The scenario's events of one kind (China's only, for a rival response)."""
    return {
        name: event
        for name, event in cfg.scenario.events.items()
        if event.get("kind") == kind and (kind != "rival_response" or event.get("actor") == CHINA)
    }


def settings_in(cfg, world_config: str, scenario_config: str) -> Settings:
    """The page's settings as a config composed from these world and scenario files has them."""
    world = cfg.world
    coercion = OmegaConf.to_container(world.coercion_propensity)
    affinity = OmegaConf.to_container(world.affinity)
    payments = _events(cfg, "side_payment")
    responses = _events(cfg, "rival_response")
    return Settings(
        world_config=world_config,
        scenario_config=scenario_config,
        injection_usd_bn=float(next(iter(payments.values())).amount_usd_bn) if payments else None,
        china_coercion=float(coercion.get(CHINA, coercion.get("default", 0.0))),
        china_reaction=float(next(iter(responses.values())).reaction) if responses else None,
        jpn_kor_affinity=float(affinity.get(_pair_key(affinity, *RIVALRY_PAIR), 0.0)),
        coercion_weight=float(cfg.model.alignment.coercion_weight),
        temperature_pct_gdp=float(cfg.model.alignment.temperature_pct_gdp),
        seed=int(cfg.seed),
    )


def page_overrides(settings: Settings) -> list[str]:
    """The Hydra overrides that give the page's settings (only those that differ from the
    chosen world and scenario, so that the equivalent command stays short)."""
    groups = [f"world={settings.world_config}", f"scenario={settings.scenario_config}"]
    base = compose_locked(groups)
    out = [g for g in groups if g not in ("world=default", "scenario=baseline")]
    if settings.seed is not None and settings.seed != base.seed:
        out.append(f"seed={int(settings.seed)}")
    align = base.model.alignment
    if _differs(settings.coercion_weight, align.coercion_weight):
        out.append(f"model.alignment.coercion_weight={_num(settings.coercion_weight)}")
    if _differs(settings.temperature_pct_gdp, align.temperature_pct_gdp):
        out.append(f"model.alignment.temperature_pct_gdp={_num(settings.temperature_pct_gdp)}")
    coercion = OmegaConf.to_container(base.world.coercion_propensity)
    if _differs(settings.china_coercion, coercion.get(CHINA, coercion.get("default"))):
        plus = "" if CHINA in coercion else "+"
        out.append(f"{plus}world.coercion_propensity.{CHINA}={_num(settings.china_coercion)}")
    affinity = OmegaConf.to_container(base.world.affinity)
    key = _pair_key(affinity, *RIVALRY_PAIR)
    if _differs(settings.jpn_kor_affinity, affinity.get(key)):
        plus = "" if key in affinity else "+"
        out.append(f"{plus}world.affinity.{key}={_num(settings.jpn_kor_affinity)}")
    for name, event in _events(base, "side_payment").items():
        if _differs(settings.injection_usd_bn, event.amount_usd_bn):
            out.append(f"scenario.events.{name}.amount_usd_bn={_num(settings.injection_usd_bn)}")
    for name, event in _events(base, "rival_response").items():
        if _differs(settings.china_reaction, event.reaction):
            out.append(f"scenario.events.{name}.reaction={_num(settings.china_reaction)}")
    return out


def default_settings(world: str = "default", scenario: str = "injection_1p5b") -> Settings:
    """The sliders' starting values: the configs as they stand (the injection and China's
    budget reaction from the scenarios that have them, when ``scenario`` has not)."""
    settings = settings_in(
        compose_locked([f"world={world}", f"scenario={scenario}"]), world, scenario
    )
    fill = {}
    if settings.injection_usd_bn is None:
        other = settings_in(
            compose_locked([f"world={world}", "scenario=injection_1p5b"]), world, scenario
        )
        fill["injection_usd_bn"] = other.injection_usd_bn
    if settings.china_reaction is None:
        other = settings_in(
            compose_locked([f"world={world}", "scenario=china_counterbalance"]), world, scenario
        )
        fill["china_reaction"] = other.china_reaction
    return replace(settings, **fill)


class ClassroomModel(AllianceModel):
    """:class:`AllianceModel` built from the page's settings through the project's configs.

    Args:
        world_config: a file of ``configs/world`` (without ``.yaml``).
        scenario_config: a file of ``configs/scenario``.
        injection_usd_bn: the amount of the scenario's side-payment events, USD bn a year.
        china_coercion: China's coercion propensity (share of targeted trade it would cut).
        china_reaction: China's Richardson reaction in a rival-response scenario.
        jpn_kor_affinity: the affinity of Japan and South Korea (-1 to 1).
        coercion_weight: ``model.alignment.coercion_weight``.
        temperature_pct_gdp: ``model.alignment.temperature_pct_gdp``.
        seed: the run's seed (``seed=`` on the command line; replicate 0 is run).

        A setting left at ``None`` is taken from the configs.

    Raises:
        sim.errors.UserError: a setting the configs reject.
    """

    def __init__(
        self,
        world_config: str = Settings.world_config,
        scenario_config: str = Settings.scenario_config,
        injection_usd_bn: float | None = None,
        china_coercion: float | None = None,
        china_reaction: float | None = None,
        jpn_kor_affinity: float | None = None,
        coercion_weight: float | None = None,
        temperature_pct_gdp: float | None = None,
        seed: int | None = None,
        rng=None,  # SolaraViz may pass it; the seed decides
    ) -> None:
        wanted = Settings(
            world_config,
            scenario_config,
            injection_usd_bn,
            china_coercion,
            china_reaction,
            jpn_kor_affinity,
            coercion_weight,
            temperature_pct_gdp,
            seed,
        )
        self.overrides = page_overrides(wanted)
        self.cfg = compose_locked(self.overrides)
        self.settings = settings_in(self.cfg, world_config, scenario_config)  # values in use
        prepared = prepare(self.cfg)
        self.prepared = prepared
        self.run_seed = replicate_seed(int(self.cfg.seed), 0)
        super().__init__(
            prepared.world,
            prepared.params,
            prepared.events,
            rng=self.run_seed,
            scenario_name=prepared.scenario,
        )
        self.final_year = self.world.base_year + self.params.horizon
        self.key_states = [c for c in self.cfg.run.key_states if c in self.world.iso3]
        powers = [c for c in GREAT_POWERS if c in self.world.iso3 and c not in self.key_states]
        self.focus_states = [*self.key_states, *powers]
        self.page_cache: dict[tuple, object] = {}

    @property
    def command(self) -> str:
        """The command line that runs the same model."""
        return " ".join(["alliance-sim", *self.overrides])

    def step(self) -> None:
        """One year; the run stops at the configured horizon, as on the command line."""
        if self.state.year >= self.final_year:
            self.running = False
            return
        super().step()
        if self.state.year >= self.final_year:
            self.running = False

    # --- what the page shows ------------------------------------------------------------------
    def tables(self):
        """The run's tables so far (``docs/outputs.md``), computed once per year shown."""
        key = ("tables", self.state.year)
        if key not in self.page_cache:
            self.page_cache = {k: v for k, v in self.page_cache.items() if k[0] != "tables"}
            self.page_cache[key] = self.recorder.tables(seed=self.run_seed)
        return self.page_cache[key]

    def names_in(self, text: str) -> str:
        """``text`` with the states' codes replaced by their names."""
        names = dict(zip(self.world.iso3, self.world.names, strict=True))
        pattern = r"\b(" + "|".join(map(re.escape, names)) + r")\b"
        return re.sub(pattern, lambda m: names[m.group(1)], text)

    def event_rows(self, focus_only: bool = True, limit: int = 200) -> list[dict]:
        """The logged events, newest first, with their reasons in plain words (names for codes).

        Args:
            focus_only: keep the events whose states are all among :attr:`focus_states` (the
                key states of ``run.key_states`` and the great powers), and every event that
                names no state (policies, blocs formed or dissolved).
            limit: at most this many rows.

        Returns:
            Rows with ``year``, ``kind`` (in words), ``reason`` (the whole sentence), ``head``
            (what happened) and ``rest`` (from the colon on: the payoff terms).
        """
        focus = set(self.focus_states)
        rows = []
        for e in reversed(self.recorder.events):
            involved = {e.get("actor", ""), e.get("partner", "")} - {""}
            if focus_only and not involved <= focus:
                continue
            reason = self.names_in(str(e["reason"]))
            head, colon, rest = reason.partition(": ")
            rows.append(
                {
                    "year": int(e["year"]),
                    "kind": EVENT_KINDS.get(e["kind"], e["kind"].replace("_", " ")),
                    "reason": reason,
                    "head": head,
                    "rest": colon + rest,
                }
            )
            if len(rows) >= limit:
                break
        return rows

    def figure_png(self, which: str) -> bytes:
        """The run's figure ``which`` (``network`` for this year, or ``budgets``) as PNG bytes,
        drawn by the project's plotting code (:mod:`sim.plots`)."""
        key = (which, self.state.year)
        if key in self.page_cache:
            return self.page_cache[key]
        from sim.plots import draw_budgets, draw_network
        from sim.runner.run import spending_targets

        tables = self.tables()
        title = f"{self.scenario_name} · world {self.world.name} · seed {self.cfg.seed}"
        folder = Path(tempfile.mkdtemp(prefix="alliance-sim-page-"))
        try:
            if which == "network":
                path = draw_network(tables, folder, [self.state.year], title=title)[0]
            elif which == "budgets":
                path = draw_budgets(
                    tables,
                    folder,
                    key_states=self.key_states,
                    spending_targets=spending_targets(self.prepared),
                    title=title,
                )
            else:
                raise ValueError(f"unknown figure {which!r}")
            data = path.read_bytes()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.page_cache = {k: v for k, v in self.page_cache.items() if k[0] != which}
        self.page_cache[key] = data
        return data
