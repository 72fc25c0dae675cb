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
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.abm.model import AllianceModel
from sim.abm.recorder import STATE_SERIES
from sim.plots.camps import GREAT_POWERS
from sim.runner.config import compose, config_dir
from sim.runner.simulate import prepare, replicate_seed

_COMPOSE_LOCK = threading.Lock()  # Hydra's compose API keeps global state
PAGE_ENGINE = "compiled"  # the page's model.engine: the reference's runs, faster (#11)
# The alliances' columns that the page's network reads.
ALLIANCE_COLUMNS = ["step", "year", "alliance", "kind", "members", "is_asian_nato"]
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
SETTING_NAMES = {  # the page's controls in words, for the "press Reset" cue
    "world_config": "world",
    "scenario_config": "scenario",
    "injection_usd_bn": "US injection (USD bn a year)",
    "china_coercion": "China's assertiveness",
    "china_reaction": "China's budget reaction",
    "jpn_kor_affinity": "Japan-Korea affinity",
    "coercion_weight": "coercion strength",
    "temperature_pct_gdp": "choice noise (% of GDP)",
    "seed": "seed",
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
    chosen world and scenario, so that the equivalent command stays short), and the page's
    engine (:data:`PAGE_ENGINE`: the compiled kernels, which give the reference's runs
    faster; ``docs/performance.md``)."""
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
    out += world_predicates(base)
    if str(base.model.get("engine", "reference")) != PAGE_ENGINE:
        out.append(f"model.engine={PAGE_ENGINE}")
    return out


def world_predicates(cfg) -> list[str]:
    """The overrides that fit the 'Asian NATO' predicate to the world of ``cfg``.

    An 'Asian NATO' is a formal bloc of ``model.predicates.asian_nato_hub`` and at least
    ``asian_nato_min`` of ``asian_nato_candidates`` (3 of Japan, South Korea, Australia and the
    Philippines in ``configs/model/default.yaml``). A world that holds fewer of the candidates,
    but at least two (the class world ``classroom5``: Japan and Korea), could never form one; it
    takes all the candidates it holds as the threshold, as the class demo does
    (``sim/demos/asian_nato.py``: ``model.predicates.asian_nato_min=2``). The override goes into
    the run's command, so the page, its headline and the command line's outputs use the same
    predicate.
    """
    actors = cfg.world.get("actors")
    pred = cfg.model.predicates
    if actors is None:
        return []
    present = [c for c in pred.asian_nato_candidates if c in set(actors)]
    if 2 <= len(present) < int(pred.asian_nato_min):
        return [f"model.predicates.asian_nato_min={len(present)}"]
    return []


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
        # The page's figures are kept and updated in place: one render at a time draws them
        # (a tab's Play thread and its Step button could otherwise overlap).
        self.figure_lock = threading.RLock()

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

    def scenario_sentence(self) -> str:
        """What the scenario does in this run: each of its events as built for this world with
        the settings in use (the amount of the slider, only the recipients the world holds),
        names for codes; the scenario's description when it has no events."""
        parts = []
        for event in self.events:
            text = event.describe(list(self.world.iso3))
            head, colon, rest = text.partition(": ")
            parts.append(self.names_in(rest if colon and head == event.name else text))
        if not parts:
            return str(self.cfg.scenario.description)
        return "; ".join(parts) + "."

    def asian_nato_rule(self) -> str:
        """The 'Asian NATO' predicate of this run in words (``model.predicates``)."""
        pred = self.params.predicates
        names = dict(zip(self.world.iso3, self.world.names, strict=True))
        present = [names[c] for c in pred.asian_nato_candidates if c in names]
        hub = names.get(pred.asian_nato_hub, pred.asian_nato_hub)
        if len(present) < pred.asian_nato_min:
            return (
                f"a formal bloc of {hub} and {pred.asian_nato_min} of "
                f"{', '.join(pred.asian_nato_candidates)}; this world holds "
                f"{len(present)} of them, so it cannot form"
            )
        return f"a formal bloc of {hub} and at least {pred.asian_nato_min} of {', '.join(present)}"

    def changed_settings(self, controls: Mapping[str, object]) -> list[str]:
        """The controls whose values differ from the settings this model runs with.

        Args:
            controls: the sidebar's values by keyword (:class:`Settings` fields); a control the
                scenario ignores (the injection in a scenario without one) does not count.

        Returns:
            One ``"name: in use -> chosen"`` per difference, in the order of :class:`Settings`.
        """
        out = []
        for field in fields(Settings):
            if field.name not in controls:
                continue
            chosen, used = controls[field.name], getattr(self.settings, field.name)
            if used is None or chosen is None:
                continue
            if isinstance(used, str):
                if str(chosen) != used:
                    out.append(f"{SETTING_NAMES[field.name]}: {used} -> {chosen}")
            elif abs(float(chosen) - float(used)) > 1e-9:
                out.append(f"{SETTING_NAMES[field.name]}: {used:g} -> {float(chosen):g}")
        return out

    def event_rows(self, focus_only: bool = True, limit: int = 200) -> list[dict]:
        """The logged events, newest first, with their reasons in plain words (names for codes).

        An event repeated in later years (the same state declining the same tie every year)
        is one row, in its newest year, that lists the other years (``also``).

        Args:
            focus_only: keep the events whose states are all among :attr:`focus_states` (the
                key states of ``run.key_states`` and the great powers), and every event that
                names no state (policies, blocs formed or dissolved).
            limit: at most this many rows.

        Returns:
            Rows with ``year``, ``kind`` (in words), ``reason`` (the whole sentence), ``head``
            (what happened), ``rest`` (from the colon on: the payoff terms) and ``also`` (the
            earlier years of the same event, oldest first, in words: "2025-2027, 2029"; empty
            when it happened once).
        """
        cache_key = ("events", len(self.recorder.events), focus_only, limit)
        if cache_key in self.page_cache:  # no event since: the same rows (nothing to send)
            return self.page_cache[cache_key]
        focus = set(self.focus_states)
        rows: list[dict] = []
        seen: dict[tuple[str, str], dict] = {}
        for e in reversed(self.recorder.events):
            involved = {e.get("actor", ""), e.get("partner", "")} - {""}
            if focus_only and not involved <= focus:
                continue
            reason = self.names_in(str(e["reason"]))
            head, colon, rest = reason.partition(": ")
            key = (str(e["kind"]), head)
            if key in seen:
                seen[key]["years"].append(int(e["year"]))
                continue
            if len(rows) >= limit:
                continue
            row = {
                "year": int(e["year"]),
                "kind": EVENT_KINDS.get(e["kind"], e["kind"].replace("_", " ")),
                "reason": reason,
                "head": head,
                "rest": colon + rest,
                "years": [],
            }
            seen[key] = row
            rows.append(row)
        for row in rows:
            row["also"] = year_ranges(sorted(set(row.pop("years")) - {row["year"]}))
        self.page_cache = {
            k: v for k, v in self.page_cache.items() if k[0] != "events" or k[2:] != cache_key[2:]
        }
        self.page_cache[cache_key] = rows
        return rows

    def page_tables(self) -> dict[str, pd.DataFrame]:
        """What the page's figures read of the run's tables, as :meth:`tables` has it: the
        ``actors``, the ``states``' year, iso3 and defence_pct_gdp, this year's ``ties`` and
        the ``alliances``' step, year, alliance, kind, members and is_asian_nato. A few ms a
        year (:meth:`tables` also builds every other column, the events and the summary)."""
        rec, world = self.recorder, self.world
        key = ("page tables", self.state.year, len(rec.years))
        if key in self.page_cache:
            return self.page_cache[key]
        if ("actors",) not in self.page_cache:
            self.page_cache[("actors",)] = world.actors_table()
        n, steps = world.n, len(rec.years)
        spending = np.stack(rec.snapshots)[:, :, STATE_SERIES.index("defence_pct_gdp")]
        states = pd.DataFrame(
            {
                "year": np.repeat(rec.years, n),
                "iso3": np.tile(world.iso3, steps),
                "defence_pct_gdp": spending.reshape(-1),
            }
        )
        _, year, a, b, level, source = rec.tie_rows[-1]
        iso = np.array(world.iso3)
        a, b = iso[np.asarray(a, dtype=int)], iso[np.asarray(b, dtype=int)]
        first = a < b
        ties = pd.DataFrame(
            {
                "year": np.full(len(a), year),
                "a": np.where(first, a, b),
                "b": np.where(first, b, a),
                "level": np.asarray(level).astype(int),
                "source": source_names(self.treaty_names, np.asarray(source)),
            }
        )
        alliances = pd.DataFrame(rec.alliance_rows, columns=ALLIANCE_COLUMNS)
        tables = {"actors": self.page_cache[("actors",)], "states": states, "ties": ties}
        tables["alliances"] = alliances
        self.page_cache = {k: v for k, v in self.page_cache.items() if k[0] != "page tables"}
        self.page_cache[key] = tables
        return tables

    def network(self):
        """This year's network figure and its legend (:func:`sim.page.figures.network_figure`):
        ``(png bytes, legend)``. The figure is kept (:class:`sim.page.figures.NetworkCanvas`)
        and redrawn, and its PNG made, only when the year's ties or alliances differ from
        those it shows (the same bytes otherwise, which the page does not send again)."""
        from sim.page.figures import NetworkCanvas, layout_key, png_bytes

        with self.figure_lock:
            tables = self.page_tables()
            canvas = self.page_cache.get(("network", "canvas"))
            if canvas is None or canvas.layout_key != layout_key(tables):
                canvas = NetworkCanvas(tables, self.focus_states, GREAT_POWERS)
                self.page_cache[("network", "canvas")] = canvas
            redraws = canvas.redraws
            legend = canvas.update(tables, self.state.year)
            if canvas.redraws != redraws or ("network", "png") not in self.page_cache:
                self.page_cache[("network", "png")] = png_bytes(canvas.fig)
            return self.page_cache[("network", "png")], legend

    def budgets_png(self) -> bytes:
        """The key states' defence spending so far (:func:`sim.page.figures.budgets_figure`)
        as PNG bytes, made once per year shown on a figure kept from year to year
        (:class:`sim.page.figures.BudgetsCanvas`)."""
        from sim.page.figures import BudgetsCanvas, png_bytes
        from sim.plots._common import key_state_colours
        from sim.runner.run import spending_targets

        key = ("budgets", self.state.year)
        with self.figure_lock:
            if key in self.page_cache:
                return self.page_cache[key]
            canvas = self.page_cache.get(("budgets canvas",))
            if canvas is None:
                canvas = BudgetsCanvas(
                    self.key_states,
                    spending_targets(self.prepared),
                    key_state_colours(self.key_states),
                )
                self.page_cache[("budgets canvas",)] = canvas
            canvas.update(self.page_tables())
            self.page_cache = {k: v for k, v in self.page_cache.items() if k[0] != "budgets"}
            self.page_cache[key] = png_bytes(canvas.fig)
            return self.page_cache[key]


def year_ranges(years: Sequence[int]) -> str:
    """Sorted years in words, runs of consecutive years as ranges: ``"2025-2027, 2029"``."""
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


def source_names(treaty_names: list[str], codes: np.ndarray) -> np.ndarray:
    """The treaty that holds each tie, by name, from the recorder's codes (-1: bilateral), as
    the recorder's ties table names them.

    Examples:
        >>> source_names(["NATO"], np.array([0, -1])).tolist()
        ['NATO', 'bilateral']
    """
    names = np.array([*treaty_names, "bilateral"], dtype=object)
    return names[np.where(codes < 0, len(names) - 1, codes)]
