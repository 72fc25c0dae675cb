"""The run's outcomes, defined once: a registry of named reporters.

Each outcome has a name (its column in the run summary, docs/outputs.md), a label, a unit, a
kind (``probability``: a 0/1 indicator whose mean over runs is a probability, with Wilson
intervals; ``mean``: a number averaged over runs, with t intervals; ``year`` and ``text``:
recorded, not averaged) and the function that computes it from a finished run. Outcomes about
named states come in families whose states are taken from config
(``model.predicates.budget_states``, ``model.predicates.share_states``). Some outcomes also
have a value every year, which Mesa's ``DataCollector`` records (``per_year``).

Everything that reports outcomes reads them here: the run summary (``sim.abm.recorder``), the
sweep table and its plots (``sim.runner.sweep``, ``sim.plots.sweep``), ``alliance-sim-compare``
and the experiments. Adding an outcome is one function with the ``@outcome`` decorator (see
docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

KINDS = ("probability", "mean", "year", "text")
"""Probabilities and means are averaged over runs; years and texts are recorded only."""


@dataclass(frozen=True)
class RunResult:
    """What an outcome is computed from: a finished run's tables and yearly series, with the
    selections several outcomes share computed once (cached on first use)."""

    states: pd.DataFrame
    alliances: pd.DataFrame
    series: Mapping[str, list[float]]  # yearly values: us_burden_share, polarisation

    @cached_property
    def asian(self) -> pd.DataFrame:
        """The years' Asian-NATO blocs."""
        a = self.alliances
        return a[a["is_asian_nato"]] if len(a) else a

    @cached_property
    def first_asian(self):
        """The first Asian-NATO bloc (a row), or None."""
        asian = self.asian
        return asian.sort_values("step", kind="stable").iloc[0] if len(asian) else None

    @cached_property
    def last_step(self) -> pd.DataFrame:
        """The alliances of the last year."""
        a = self.alliances
        return a[a["step"] == a["step"].max()] if len(a) else a

    @cached_property
    def link_years(self):
        """The years in which the NATO-Asia link held."""
        a = self.alliances
        return a.loc[a["is_nato_asia_link"], "year"] if len(a) else []

    @cached_property
    def _rows(self) -> dict[str, pd.DataFrame]:
        return {}

    def rows_of(self, code: str) -> pd.DataFrame:
        """A state's rows of the state table, year by year (empty if it is not in the run);
        selected once per state however many outcomes read them."""
        if code not in self._rows:
            self._rows[code] = self.states[self.states["iso3"] == code]
        return self._rows[code]


@dataclass(frozen=True)
class Outcome:
    """One named outcome of a run."""

    name: str
    label: str
    unit: str
    kind: str
    compute: Callable[[RunResult], Any]
    report: bool = False  # shown by sweeps, comparisons and experiments
    per_year: Callable[[Any], Any] | None = field(default=None, compare=False)  # model -> value

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"outcome {self.name}: kind must be one of {KINDS}")


@dataclass(frozen=True)
class Family:
    """Outcomes about named states: one per entry ``label -> iso3`` of a config mapping."""

    name: str  # with {key}, e.g. "{key}_budget_change_pct"
    label: str  # with {Key}, e.g. "{Key}'s defence spending, % change"
    unit: str
    kind: str
    states_key: str  # the predicates field holding the mapping
    compute: Callable[[RunResult, str], Any]  # (run, iso3) -> value
    report: bool = False

    def expand(self, states: Mapping[str, str]) -> list[Outcome]:
        return [
            Outcome(
                self.name.format(key=key),
                self.label.format(Key=key.upper() if len(key) <= 3 else key.capitalize()),
                self.unit,
                self.kind,
                lambda run, code=code: self.compute(run, code),
                self.report,
            )
            for key, code in states.items()
        ]


REGISTRY: list[Outcome | Family] = []
"""Outcomes and families, in the order of the summary's columns."""


def outcome(
    name: str,
    label: str,
    unit: str,
    kind: str,
    report: bool = False,
    per_year: Callable[[Any], Any] | None = None,
):
    """Register the decorated function ``run -> value`` as an outcome."""

    def register(compute: Callable[[RunResult], Any]) -> Callable[[RunResult], Any]:
        REGISTRY.append(Outcome(name, label, unit, kind, compute, report, per_year))
        return compute

    return register


def family(name: str, label: str, unit: str, kind: str, states_key: str, report: bool = False):
    """Register the decorated function ``(run, iso3) -> value`` as a family of outcomes."""

    def register(compute: Callable[[RunResult, str], Any]) -> Callable[[RunResult, str], Any]:
        REGISTRY.append(Family(name, label, unit, kind, states_key, compute, report))
        return compute

    return register


def outcomes(predicates: Any = None) -> list[Outcome]:
    """Every outcome, families expanded with the states of ``predicates`` (the model's
    ``predicates`` config; ``None``: the schema's defaults)."""
    if predicates is None:
        from sim.schema import PredicatesConfig

        predicates = PredicatesConfig()
    out: list[Outcome] = []
    for entry in REGISTRY:
        if isinstance(entry, Family):
            out.extend(entry.expand(dict(getattr(predicates, entry.states_key))))
        else:
            out.append(entry)
    return out


def summary_row(run: RunResult, predicates: Any) -> dict[str, Any]:
    """Every outcome of a run, in registry order: the run summary's outcome columns."""
    return {o.name: o.compute(run) for o in outcomes(predicates)}


def reported(columns) -> list[Outcome]:
    """The outcomes sweeps, comparisons and experiments report, among ``columns`` (a family's
    members are those the runs' config named)."""
    known = outcomes()
    order = {o.name: i for i, o in enumerate(known)}
    found = [o for c in columns if (o := find(c, known)) is not None and o.report]
    return sorted(found, key=lambda o: order.get(o.name, len(order)))


def find(name: str, known: list[Outcome] | None = None) -> Outcome | None:
    """The outcome named ``name``: one of ``known`` (default ``outcomes()``), or else a member
    of a family for any key (``usa_budget_change_pct``); None if it is not an outcome."""
    for o in outcomes() if known is None else known:
        if o.name == name:
            return o
    for entry in REGISTRY:
        if isinstance(entry, Family):
            prefix, _, suffix = entry.name.partition("{key}")
            if name.startswith(prefix) and name.endswith(suffix):
                key = name[len(prefix) : len(name) - len(suffix)]
                if key:
                    return entry.expand({key: ""})[0]
    return None


def label(name: str) -> str:
    """An outcome's label (its name if it is not an outcome)."""
    o = find(name)
    return o.label if o is not None else name


def is_probability(name: str) -> bool:
    """Whether ``name`` is an outcome of kind ``probability`` (a 0/1 indicator)."""
    o = find(name)
    return o is not None and o.kind == "probability"


def data_collector_reporters() -> dict[str, Callable[[Any], Any]]:
    """Mesa ``DataCollector`` model reporters: the outcomes that have a value every year."""
    return {o.name: o.per_year for o in outcomes() if o.per_year is not None}


# --------------------------------------------------------------------------- the outcomes


@outcome(
    "asian_nato_formed",
    "P(Asian NATO forms)",
    "probability",
    "probability",
    report=True,
    per_year=lambda m: m.recorder.asian_nato_now,
)
def asian_nato_formed(run: RunResult) -> bool:
    """Whether a formal bloc with the hub and enough candidates existed in any year."""
    return len(run.asian) > 0


@outcome("asian_nato_year", "Year an Asian NATO first formed", "year", "year")
def asian_nato_year(run: RunResult):
    first = run.first_asian
    return int(first["year"]) if first is not None else pd.NA


@outcome("asian_nato_members", "Members of the first Asian NATO", "", "text")
def asian_nato_members(run: RunResult) -> str:
    first = run.first_asian
    return first["members"] if first is not None else ""


@outcome("nato_asia_link", "P(NATO-Asia link forms)", "probability", "probability", report=True)
def nato_asia_link(run: RunResult) -> bool:
    """Whether the NATO-Asia link holds in the last year."""
    return len(run.link_years) > 0 and bool(run.last_step["is_nato_asia_link"].any())


@outcome("nato_asia_link_year", "Year the NATO-Asia link first formed", "year", "year")
def nato_asia_link_year(run: RunResult):
    years = run.link_years
    return int(min(years)) if len(years) else pd.NA


@outcome("us_burden_share_start", "US burden share, first year", "share", "mean")
def us_burden_share_start(run: RunResult) -> float:
    series = run.series["us_burden_share"]
    return series[0] if series else np.nan


@outcome(
    "us_burden_share_end",
    "US burden share, last year",
    "share",
    "mean",
    report=True,
    per_year=lambda m: (
        m.recorder.us_burden_share[-1] if m.recorder.us_burden_share else float("nan")
    ),
)
def us_burden_share_end(run: RunResult) -> float:
    """The hub's share of its formal alliances' combined defence spending."""
    series = run.series["us_burden_share"]
    return series[-1] if series else np.nan


@family(
    "{key}_budget_change_pct",
    "{Key}'s defence spending, % change",
    "% (USD)",
    "mean",
    "budget_states",
    report=True,
)
def budget_change_pct(run: RunResult, code: str) -> float:
    """Change of a state's defence spending in USD from the first year to the last."""
    rows = run.rows_of(code)
    if rows.empty:
        return np.nan
    start, end = rows["defence_usd_bn"].iloc[0], rows["defence_usd_bn"].iloc[-1]
    return float(100 * (end / start - 1)) if start > 0 else np.nan


@family(
    "{key}_share_change_pp",
    "{Key}'s defence share of GDP, change (points)",
    "points of GDP",
    "mean",
    "share_states",
)
def share_change_pp(run: RunResult, code: str) -> float:
    rows = run.rows_of(code)
    if rows.empty:
        return np.nan
    return float(rows["defence_pct_gdp"].iloc[-1] - rows["defence_pct_gdp"].iloc[0])


@outcome("polarisation_start", "Polarisation, first year", "0-1", "mean")
def polarisation_start(run: RunResult) -> float:
    return run.series["polarisation"][0]


@outcome(
    "polarisation_end",
    "Polarisation, last year",
    "0-1",
    "mean",
    report=True,
    per_year=lambda m: m.recorder.polarisation[-1],
)
def polarisation_end(run: RunResult) -> float:
    """How far states split into the hub's and the rivals' camps (sim.core.coalitions)."""
    return run.series["polarisation"][-1]


@outcome(
    "n_formal_blocs_end",
    "Formal blocs, last year",
    "count",
    "mean",
    report=True,
    per_year=lambda m: len(m._blocs),
)
def n_formal_blocs_end(run: RunResult) -> int:
    last = run.last_step
    return len(last[last["kind"] == "bloc"]) if len(last) else 0
