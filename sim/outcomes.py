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

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

KINDS = ("probability", "mean", "year", "text")
"""Probabilities and means are averaged over runs; years and texts are recorded only."""


@dataclass(frozen=True)
class Link:
    """One Asian state's ties with European NATO in one year (the NATO-Asia link's components;
    see ``nato_asia_links``)."""

    state: str  # the Asian state (one of ``model.predicates.link_asian``)
    partners: tuple[str, ...]  # European members it holds ties of at least link_min_level with
    formal: tuple[str, ...]  # those of them it holds a formal tie with
    share: float  # the partners' share of European NATO's capability, 0-1
    linked: bool  # whether this state holds the link

    def describe(self) -> str:
        """``JPN:FRA+GBR(formal)``: the state and its partners, formal ones marked."""
        names = [f"{e}(formal)" if e in self.formal else e for e in self.partners]
        return f"{self.state}:{'+'.join(names)}"


def nato_asia_links(
    asian: Iterable[str],
    european: Iterable[str],
    capability: Mapping[str, float],
    level: Mapping[tuple[str, str], int],
    predicates: Any,
) -> list[Link]:
    """Each Asian state's ties with European NATO in one year, and whether it holds the link.

    What the public debate calls a NATO-Asia link is NATO's partnership with Japan, South Korea,
    Australia and New Zealand (the 'IP4', at every NATO summit since 2022) and, beneath it, the
    web of bilateral agreements and exercises between those states and the larger European
    allies (Japan's reciprocal access agreement with the UK, its exercises with France, Germany
    and Italy, the UK and Italy as its GCAP partners). The model has no tie to NATO as an
    institution, so the link is read off the bilateral ties, and it must be more than one
    bilateral relationship and more than ties with a few small allies. An Asian state ``a``
    (``link_asian``: JPN, KOR, AUS; New Zealand is not modelled) outside European NATO
    ``E`` (the members of ``link_treaty`` other than the hub: the European allies and Canada)
    holds the link when either

    * it holds ties of at least ``link_min_level`` (partnership: access, visiting-forces or
      defence-industrial agreements) with at least ``link_min_partners`` (2) members of ``E``
      that together hold at least ``link_min_share`` (0.25) of ``E``'s capability: the weight
      of Europe it is tied to, not a count, so that ties with the UK and France (29 % in 2024)
      count and ties with Luxembourg and Iceland do not; or
    * ``link_any_formal`` (true) and it holds a formal (collective-defence) tie with any member
      of ``E``: a mutual-defence commitment to one ally entangles it with the Alliance's own
      (joining NATO gives formal ties with every member, so it counts).

    The default threshold, a quarter, sits between the largest single ally (Germany, 19 % of
    ``E``'s 2024 capability; the UK 16 %, France 13 %) and any two of the three largest
    (29-36 %): a link needs two of them, or one with several middle-sized allies. The 2024
    world does not hold it (Japan's and Australia's one partnership each, with the UK, reach
    16 %), so the outcome measures whether one forms.

    Args:
        asian: the Asian states considered (``link_asian``); those absent from ``capability``
            (not in the run) or members of ``E`` are skipped.
        european: the members of ``E`` this year.
        capability: capability stock this year, USD bn, by iso3.
        level: commitment level by (Asian state, European member); absent pairs are 0.
        predicates: the model's ``predicates`` config.

    Returns:
        One ``Link`` per Asian state considered, in the order of ``asian``.
    """
    from sim.schema import LEVELS

    europe = [e for e in european if e in capability]
    members = set(europe)
    total = float(sum(capability[e] for e in europe))
    min_level = max(1, LEVELS.index(predicates.link_min_level))
    out = []
    for a in asian:
        if a in members or a not in capability:
            continue
        partners = tuple(sorted(e for e in europe if level.get((a, e), 0) >= min_level))
        formal = tuple(e for e in sorted(europe) if level.get((a, e), 0) >= 3)
        share = float(sum(capability[e] for e in partners) / total) if total > 0 else 0.0
        out.append(_judged(a, partners, formal, share, predicates))
    return out


def _judged(
    a: str, partners: tuple[str, ...], formal: tuple[str, ...], share: float, predicates: Any
) -> Link:
    """State ``a``'s ``Link``: whether its partners' weight or a formal tie makes the link."""
    by_share = (
        len(partners) >= max(1, predicates.link_min_partners) and share >= predicates.link_min_share
    )
    by_formal = bool(predicates.link_any_formal and formal)
    return Link(a, partners, formal, share, by_share or by_formal)


def nato_asia_links_now(
    levels: np.ndarray,
    iso3: Sequence[str],
    capability: np.ndarray,
    treaty_members: Sequence[int] | None,
    predicates: Any,
) -> list[Link]:
    """``nato_asia_links`` from a model's arrays in one year (for a yearly flag).

    The same links as ``nato_asia_links`` of the same year's values (the same sums in the same
    order), read off the arrays by index (tests/test_recording.py checks the two agree). A
    recorder reading them every year keeps a ``LinkReader``, which works out once what depends
    only on the treaty's members.

    Args:
        levels: (n, n) effective commitment levels.
        iso3: the states' codes.
        capability: (n,) capability stock, USD bn.
        treaty_members: indices of ``link_treaty``'s members this year (None: no such treaty).
        predicates: the model's ``predicates`` config.
    """
    return LinkReader(iso3, predicates)(levels, capability, treaty_members)


class LinkReader:
    """``nato_asia_links_now`` for one world's codes and predicates: European NATO's members
    in their order and by code, and the Asian states' positions, are worked out once per
    membership of the treaty (a recorder calls it every year; the treaty rarely changes)."""

    def __init__(self, iso3: Sequence[str], predicates: Any) -> None:
        from sim.schema import LEVELS

        self.iso = list(iso3)
        self.predicates = predicates
        where = {c: k for k, c in enumerate(self.iso)}
        self.asian = [(a, where[a]) for a in predicates.link_asian if a in where]
        self.min_level = max(1, LEVELS.index(predicates.link_min_level))
        self._members: dict[tuple | None, tuple[list[int], list[int], np.ndarray]] = {}

    def members(self, treaty_members: Sequence[int] | None) -> tuple[list, list, np.ndarray]:
        """European NATO (the members other than the hub and the Asian states) in the treaty's
        order (the order of its capability total) and by code (of the partners), and where
        each (Asian state, European member by code) pair's level sits among the (n, n)
        levels flattened: worked out once per membership."""
        key = None if treaty_members is None else tuple(treaty_members)
        found = self._members.get(key)
        if found is None:
            iso, pred = self.iso, self.predicates
            hub, asian = pred.asian_nato_hub, pred.link_asian
            europe = [k for k in treaty_members or () if iso[k] != hub and iso[k] not in asian]
            by_code = sorted(europe, key=iso.__getitem__)
            rows = np.asarray([k for _, k in self.asian], dtype=np.intp)
            positions = rows[:, None] * len(iso) + np.asarray(by_code, dtype=np.intp)[None, :]
            found = self._members[key] = (europe, by_code, positions)
        return found

    def __call__(
        self, levels: np.ndarray, capability: np.ndarray, treaty_members: Sequence[int] | None
    ) -> list[Link]:
        """Each Asian state's ``Link`` this year (see ``nato_asia_links_now``)."""
        iso, pred, min_level = self.iso, self.predicates, self.min_level
        europe, by_code, positions = self.members(treaty_members)
        cap = np.asarray(capability, dtype=float).tolist()
        total = float(sum(cap[k] for k in europe))
        rows = np.asarray(levels).reshape(-1).take(positions).tolist()
        out = []
        for (a, _), row in zip(self.asian, rows, strict=True):
            if not row or max(row) < min_level:  # no partner, no formal tie
                out.append(_judged(a, (), (), 0.0, pred))
                continue
            partners = [k for k, lv in zip(by_code, row, strict=True) if lv >= min_level]
            formal = tuple(iso[k] for k, lv in zip(by_code, row, strict=True) if lv >= 3)
            share = float(sum(cap[k] for k in partners) / total) if total > 0 else 0.0
            out.append(_judged(a, tuple(iso[k] for k in partners), formal, share, pred))
        return out


@dataclass(frozen=True)
class RunResult:
    """What an outcome is computed from: a finished run's tables and yearly series, with the
    selections several outcomes share computed once (cached on first use).

    ``ties`` (the run's ties table) is what the NATO-Asia link's components are computed from;
    a run recorded without it falls back to the alliances table's ``is_nato_asia_link`` flag
    and leaves the components empty. ``predicates`` is the run's ``model.predicates`` (None: the
    schema's defaults until ``summary_row`` sets the run's own). ``recorded_links`` are the
    links the model computed every year from its arrays (``nato_asia_links_now``, year ->
    links): the same as those read off the tables (tests/test_recording.py), so a run recorded
    with them, and with its predicates, skips reading them again.
    """

    states: pd.DataFrame
    alliances: pd.DataFrame
    series: Mapping[str, list[float]]  # yearly values: us_burden_share, polarisation
    ties: pd.DataFrame | None = None
    predicates: Any = None
    recorded_links: Mapping[int, list[Link]] | None = field(default=None, repr=False)

    @cached_property
    def asian(self) -> pd.DataFrame:
        """The years' Asian-NATO blocs."""
        a = self.alliances
        return _rows_at(a, np.flatnonzero(a["is_asian_nato"].to_numpy(dtype=bool))) if len(a) else a

    @cached_property
    def first_asian(self):
        """The first Asian-NATO bloc (a row), or None."""
        asian = self.asian
        return asian.sort_values("step", kind="stable").iloc[0] if len(asian) else None

    @cached_property
    def last_step(self) -> pd.DataFrame:
        """The alliances of the last year."""
        a = self.alliances
        if not len(a):
            return a
        step = a["step"].to_numpy()
        return _rows_at(a, np.flatnonzero(step == step.max()))

    @cached_property
    def link_predicates(self) -> Any:
        """The predicates the link is judged by: the run's own, or the schema's defaults."""
        if self.predicates is not None:
            return self.predicates
        from sim.schema import PredicatesConfig

        return PredicatesConfig()

    @cached_property
    def links(self) -> dict[int, list[Link]] | None:
        """Year -> each Asian state's ties with European NATO (``nato_asia_links``); None when
        the run was recorded without its ties."""
        if self.ties is None:
            return None
        if self.recorded_links is not None and self.predicates is not None:
            return {int(y): links for y, links in self.recorded_links.items()}
        pred = self.link_predicates
        states, a = self.states, self.alliances
        asian = list(pred.link_asian)
        treaty = a[(a["alliance"] == pred.link_treaty) & (a["kind"] == "treaty")] if len(a) else a
        members = dict(zip(treaty["year"], treaty["members"], strict=True)) if len(a) else {}
        t = self.ties
        rows = t[t["a"].isin(asian) | t["b"].isin(asian)]
        by_year = {int(y): g for y, g in rows.groupby("year")}
        out: dict[int, list[Link]] = {}
        for year, here in states.groupby("year"):
            year = int(year)
            european = [
                c
                for c in (members[year].split(";") if year in members else [])
                if c != pred.asian_nato_hub and c not in asian
            ]
            capability = dict(zip(here["iso3"], here["capability_usd_bn"], strict=True))
            level: dict[tuple[str, str], int] = {}
            g = by_year.get(year)
            if g is not None:
                for x, y, lv in zip(g["a"], g["b"], g["level"], strict=True):
                    level[(x, y)] = level[(y, x)] = int(lv)
            out[year] = nato_asia_links(asian, european, capability, level, pred)
        return out

    @cached_property
    def last_links(self) -> list[Link] | None:
        """The links of the run's last year (None without ties)."""
        links = self.links
        if links is None:
            return None
        return links[max(links)] if links else []

    @cached_property
    def link_years(self):
        """The years in which the NATO-Asia link held."""
        if self.links is not None:
            return [y for y, links in self.links.items() if any(k.linked for k in links)]
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

    def values_of(self, code: str, column: str) -> np.ndarray:
        """A state's values of one column of the state table, year by year (empty if it is not
        in the run): ``rows_of(code)[column]`` without building the rows."""
        return self.states[column].to_numpy()[self._positions(code)]

    @cached_property
    def _positions_of(self) -> dict[str, np.ndarray]:
        return {}

    @cached_property
    def _codes(self) -> np.ndarray:
        return self.states["iso3"].to_numpy(dtype=object)

    def _positions(self, code: str) -> np.ndarray:
        """The positions of a state's rows in the state table (found once per state)."""
        if code not in self._positions_of:
            self._positions_of[code] = np.flatnonzero(self._codes == code)
        return self._positions_of[code]


def _rows_at(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """``frame``'s rows at ``positions`` (increasing): a slice when they are one block (none,
    or a year's rows as a run records them), which is much cheaper than taking them."""
    if not len(positions):
        return frame.iloc[:0]
    if positions[-1] - positions[0] + 1 == len(positions):
        return frame.iloc[positions[0] : positions[-1] + 1]
    return frame.iloc[positions]


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
    """Every outcome of a run, in registry order: the run summary's outcome columns.

    A run without predicates of its own takes ``predicates`` (the run's config), so that later
    reads of the same RunResult (a study's) judge it by the same predicates."""
    if run.predicates is None and predicates is not None:
        object.__setattr__(run, "predicates", predicates)
        for cached in ("link_predicates", "links", "last_links", "link_years"):
            run.__dict__.pop(cached, None)
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


SUPPORT = {
    "count": (0.0, math.inf),
    "share": (0.0, 1.0),
    "0-1": (0.0, 1.0),
    "% (USD)": (-100.0, math.inf),
}
"""The range of an outcome's values, by its unit (a count is never negative, spending never
falls by more than all of it). Every unit of a mean outcome is here or in ``UNBOUNDED_UNITS``
(a test checks it)."""

UNBOUNDED_UNITS = ("points of GDP",)
"""Units of mean outcomes whose values have no range to cut intervals to (a change of shares)."""


def support(name: str) -> tuple[float, float] | None:
    """The range of outcome ``name``'s values (``SUPPORT``), or None when unbounded or unknown:
    what its intervals are cut to (``stats.describe``)."""
    o = find(name)
    return None if o is None else SUPPORT.get(o.unit)


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
    """Whether the NATO-Asia link (``nato_asia_links``) holds in the last year."""
    if run.last_links is not None:
        return any(k.linked for k in run.last_links)
    return len(run.link_years) > 0 and bool(run.last_step["is_nato_asia_link"].any())


@outcome("nato_asia_link_year", "Year the NATO-Asia link first formed", "year", "year")
def nato_asia_link_year(run: RunResult):
    years = run.link_years
    return int(min(years)) if len(years) else pd.NA


@outcome("nato_asia_link_states", "Asian states holding the NATO-Asia link, last year", "", "text")
def nato_asia_link_states(run: RunResult) -> str:
    """The ``link_asian`` states that hold the link in the last year, ``;``-separated."""
    links = run.last_links
    return ";".join(k.state for k in links if k.linked) if links is not None else ""


@outcome("nato_asia_link_partners", "European partners of each Asian state, last year", "", "text")
def nato_asia_link_partners(run: RunResult) -> str:
    """Each ``link_asian`` state with European partners (ties of at least ``link_min_level``)
    in the last year, and its partners, in the order of ``link_asian``:
    ``JPN:FRA+GBR(formal);AUS:GBR``."""
    links = run.last_links
    return ";".join(k.describe() for k in links if k.partners) if links is not None else ""


@outcome(
    "nato_asia_link_n_partners",
    "Most European partners of an Asian state, last year",
    "count",
    "mean",
)
def nato_asia_link_n_partners(run: RunResult) -> float:
    """The most European partners any ``link_asian`` state holds in the last year."""
    links = run.last_links
    if links is None:
        return np.nan
    return max((len(k.partners) for k in links), default=0)


@outcome(
    "nato_asia_link_share",
    "Share of European NATO's capability an Asian state is tied to, last year",
    "share",
    "mean",
)
def nato_asia_link_share(run: RunResult) -> float:
    """The largest share of European NATO's capability any ``link_asian`` state's partners
    hold in the last year (compare ``model.predicates.link_min_share``)."""
    links = run.last_links
    if links is None:
        return np.nan
    return max((k.share for k in links), default=0.0)


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
    spending = run.values_of(code, "defence_usd_bn")
    if not len(spending):
        return np.nan
    start, end = spending[0], spending[-1]
    return float(100 * (end / start - 1)) if start > 0 else np.nan


@family(
    "{key}_share_change_pp",
    "{Key}'s defence share of GDP, change (points)",
    "points of GDP",
    "mean",
    "share_states",
)
def share_change_pp(run: RunResult, code: str) -> float:
    share = run.values_of(code, "defence_pct_gdp")
    if not len(share):
        return np.nan
    return float(share[-1] - share[0])


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
    return int((last["kind"].to_numpy(dtype=object) == "bloc").sum()) if len(last) else 0
