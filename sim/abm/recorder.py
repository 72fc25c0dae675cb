"""What a run records, year by year, and the tidy tables it becomes.

Columns and units are documented in ``docs/outputs.md``. Per-state series are stored as numpy
arrays per step (one vectorised snapshot a year), the alliances as columns (what does not change
while a group keeps its members is worked out once per group); events are appended as the model
logs them. The tables are built once, at the end, from these arrays and columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.core import coalitions, payoffs
from sim.outcomes import Link, LinkReader
from sim.schema import LEVELS

if TYPE_CHECKING:
    from sim.abm.model import AllianceModel

STATE_SERIES = (
    "gdp_usd_bn",
    "defence_usd_bn",
    "defence_pct_gdp",
    "best_response_pct_gdp",
    "capability_usd_bn",
    "allied_capability_usd_bn",
    "threat_usd_bn",
    "security",
    "aid_received_usd_bn",
    "aid_paid_usd_bn",
    "allies_reliability",
    "utility",
    *(f"u_{t}" for t in payoffs.TERMS),
    "n_ties",
    "n_formal_ties",
)
EVENT_COLUMNS = (
    "step",
    "year",
    "kind",
    "actor",
    "partner",
    "alliance",
    "from_level",
    "to_level",
    "delta_utility_actor",
    "delta_utility_partner",
    "terms",
    "reason",
)
ALLIANCE_COLUMNS = (
    "step",
    "year",
    "alliance",
    "kind",
    "formality",
    "members",
    "n_members",
    "combined_capability_usd_bn",
    "burden_shares",
    "us_burden_share",
    "is_asian_nato",
    "is_nato_asia_link",
)


@dataclass(frozen=True)
class _Group:
    """What a treaty's or bloc's alliance rows share while its members stay the same."""

    members: list[int]
    index: np.ndarray  # the members, as an index array
    codes: list[str]
    joined: str  # the members column
    asian: bool  # is_asian_nato
    us: int | None  # the hub's position among the members (None: not a member)
    template: str  # the burden_shares column with a ``%.4f`` for each member's share


@dataclass(frozen=True)
class _Layout:
    """What the year's alliance rows share while the treaties and blocs stay the same: the
    groups in row order and the columns that do not depend on the year's spending."""

    groups: list[_Group]
    columns: dict[str, list]  # alliance, kind, formality, members, n_members, is_asian_nato
    link_rows: list[bool]  # the rows of the link treaty (``is_nato_asia_link`` when linked)
    asian: bool  # whether any group is an Asian NATO
    link_members: list[int] | None  # the link treaty's members (None: no such treaty)
    asian_in_link: bool  # whether a ``link_asian`` state is a member of the link treaty


class Recorder:
    """Collects a model's state each step and turns it into the run's tables."""

    def __init__(self, model: AllianceModel) -> None:
        self.model = model
        n = model.world.n
        capacity = max(1, int(getattr(model.params, "horizon", 0) or 0) + 1)
        self._data = np.empty((capacity, n, len(STATE_SERIES)))  # one (n, columns) a year
        self.years: list[int] = []
        self.tie_rows: list[tuple] = []
        self.alliance_columns: dict[str, list] = {c: [] for c in ALLIANCE_COLUMNS}
        self.events: list[dict] = []
        self.asian_nato_now = False
        self.nato_asia_link_now = False
        self.polarisation: list[float] = []
        self.us_burden_share: list[float] = []
        self.links: dict[int, list[Link]] = {}  # year -> each link_asian state's Link
        self.result = None  # the RunResult of the outcomes, once tables() has run
        self._groups: dict[tuple, _Group] = {}  # members -> what their rows share
        self._layouts: dict[tuple, _Layout] = {}  # the year's groups -> what their rows share
        pred, iso = model.params.predicates, model.world.iso3
        self._hub = iso.index(pred.asian_nato_hub) if pred.asian_nato_hub in iso else None
        self._link_reader = LinkReader(iso, pred)

    @property
    def snapshots(self) -> list[np.ndarray]:
        """The (n, columns) arrays of ``STATE_SERIES`` recorded so far, one a year."""
        return list(self._data[: len(self.years)])

    @property
    def alliance_rows(self) -> list[dict]:
        """The alliance rows recorded so far, one dict a row (the alliances table's rows)."""
        cols = self.alliance_columns
        return [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]

    # --- during the run -----------------------------------------------------------------------
    def event(self, **row) -> None:
        """Append one event (the model's ``log``)."""
        m = self.model
        self.events.append({"step": len(self.years), "year": m.state.year, **row})

    def record(self) -> None:
        """Snapshot the current year."""
        m, s = self.model, self.model.state
        n = m.world.n
        terms = m.utility_terms()
        levels = m.levels
        pooled, reliability = m.ctx.allies(np.arange(n), levels)
        allied = pooled * reliability  # the expected allied capability (expected_allied)
        snap = self._next_snapshot()
        paid = getattr(m, "aid_paid", None)
        if paid is None:
            snap[:, 8:10] = 0.0
        else:
            snap[:, 8], snap[:, 9] = paid.sum(axis=0), paid.sum(axis=1)
        snap[:, 0], snap[:, 1], snap[:, 2] = s.gdp, s.spending, 100 * s.share
        snap[:, 3], snap[:, 4], snap[:, 5] = 100 * m.best_response, s.capability, allied
        snap[:, 6] = m.ctx.threat
        snap[:, 7] = payoffs.security(s.capability, allied, m.ctx.threat)
        snap[:, 10], snap[:, 11] = reliability, 100 * terms.sum(axis=1)
        k = 12 + terms.shape[1]
        snap[:, 12:k] = 100 * terms
        snap[:, k], snap[:, k + 1] = (levels >= 1).sum(axis=1), (levels >= 3).sum(axis=1)
        self.years.append(s.year)
        step = len(self.years) - 1
        self._record_ties(step)
        self._record_alliances(step)
        self.polarisation.append(coalitions.polarisation(levels, s.capability, *m.poles))

    def _next_snapshot(self) -> np.ndarray:
        """The (n, columns) row of the buffer for the year being recorded (the buffer sized by
        the horizon, doubled when a run goes on past it)."""
        step = len(self.years)
        if step == len(self._data):
            grown = np.empty((2 * len(self._data), *self._data.shape[1:]))
            grown[:step] = self._data
            self._data = grown
        return self._data[step]

    def _record_ties(self, step: int) -> None:
        """The year's ties (pairs i < j with a level above none) and the treaty each comes
        from (-1: bilateral, or deeper than the treaty binding the pair)."""
        m = self.model
        levels = m.levels
        n = levels.shape[1]
        # the tied pairs in row-major order, found without every pair's indices (10,000 states:
        # 50 million pairs, 0.8 GB of indices for a few thousand ties): the flat positions of
        # every tie, those above the diagonal kept
        flat = np.flatnonzero(levels > 0)
        a, b = np.divmod(flat, n)
        upper = a < b
        flat, a, b = flat[upper], a[upper], b[upper]
        lv = levels.reshape(-1).take(flat)
        treaty = m.treaty_levels.reshape(-1).take(flat)
        source = np.where(treaty >= lv, m.treaty_source.reshape(-1).take(flat), -1)
        self.tie_rows.append((step, m.state.year, a, b, lv, source))

    def _record_alliances(self, step: int) -> None:
        """The year's alliance rows, the NATO-Asia links and the hub's burden share: what does
        not change while the treaties and blocs stay the same is the layout's (``_layout``)."""
        m, s = self.model, self.model.state
        layout = self._layout()
        links = self._link_reader(m.levels, s.capability, layout.link_members)
        self.links[s.year] = links
        link = any(k.linked for k in links) or layout.asian_in_link
        self.nato_asia_link_now = link
        self.asian_nato_now = layout.asian
        spending = np.asarray(s.spending, dtype=float)
        capability = s.capability
        combined, text, us = [], [], []
        for g in layout.groups:
            shares = coalitions.burden_shares(spending, g.index).tolist()
            combined.append(float(capability[g.index].sum()))
            text.append(g.template % tuple(shares))
            us.append(shares[g.us] if g.us is not None else np.nan)
        cols, rows = self.alliance_columns, len(layout.groups)
        cols["step"] += [step] * rows
        cols["year"] += [s.year] * rows
        for name, column in layout.columns.items():
            cols[name] += column
        cols["combined_capability_usd_bn"] += combined
        cols["burden_shares"] += text
        cols["us_burden_share"] += us
        cols["is_nato_asia_link"] += [link and x for x in layout.link_rows]
        hub = self._hub
        if hub is not None:  # the hub's share among itself and its formal allies
            group = np.concatenate(([hub], np.flatnonzero(m.levels[hub] >= 3)))
            self.us_burden_share.append(float(coalitions.burden_shares(spending, group)[0]))

    def _layout(self) -> _Layout:
        """What the year's alliance rows share (worked out once per set of treaties and blocs):
        the treaties in order, then the blocs."""
        s, m = self.model.state, self.model
        key = (
            tuple((t.name, t.level, tuple(t.members)) for t in s.treaties),
            tuple(m.blocs.items()),
        )
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._new_layout()
            self._layouts[key] = layout
        return layout

    def _new_layout(self) -> _Layout:
        """``_layout`` for this year's treaties and blocs."""
        m, s = self.model, self.model.state
        pred, iso = m.params.predicates, m.world.iso3
        groups = [(t.name, "treaty", t.members, t.level) for t in s.treaties]
        groups += [(name, "bloc", sorted(members), 3) for members, name in m.blocs.items()]
        found = [self._group(members) for _, _, members, _ in groups]
        link_treaty = s.treaty(pred.link_treaty)
        link_members = None if link_treaty is None else list(link_treaty.members)
        return _Layout(
            groups=found,
            columns={
                "alliance": [name for name, _, _, _ in groups],
                "kind": [kind for _, kind, _, _ in groups],
                "formality": [LEVELS[level] for _, _, _, level in groups],
                "members": [g.joined for g in found],
                "n_members": [len(g.members) for g in found],
                "is_asian_nato": [g.asian for g in found],
            },
            link_rows=[
                kind == "treaty" and name == pred.link_treaty for name, kind, _, _ in groups
            ],
            asian=any(g.asian for g in found),
            link_members=link_members,
            asian_in_link=link_members is not None
            and any(iso[k] in pred.link_asian for k in link_members),
        )

    def _group(self, members) -> _Group:
        """What the rows of a group with these members share (worked out once per group)."""
        key = tuple(members)
        group = self._groups.get(key)
        if group is None:
            pred, iso = self.model.params.predicates, self.model.world.iso3
            members = list(members)
            codes = [iso[j] for j in members]
            hub = self._hub
            group = _Group(
                members,
                np.asarray(members, dtype=int),
                codes,
                ";".join(codes),
                coalitions.is_asian_nato(
                    codes, pred.asian_nato_hub, pred.asian_nato_candidates, pred.asian_nato_min
                ),
                members.index(hub) if hub is not None and hub in members else None,
                ";".join(f"{c.replace('%', '%%')}:%.4f" for c in codes),
            )
            self._groups[key] = group
        return group

    # --- after the run ------------------------------------------------------------------------
    def tables(
        self, seed: int | None = None, replicate: dict | None = None
    ) -> dict[str, pd.DataFrame]:
        """The run's tidy tables: actors, states, ties, alliances, events, summary
        (``replicate``: the summary's columns ``base_seed`` and ``replicate``, when known)."""
        states, ties = self._states_table(), self._ties_table()
        cols = self.alliance_columns
        alliances = pd.DataFrame(cols) if cols["step"] else pd.DataFrame([])
        events = self._events_table()
        return {
            "actors": self.model.world.actors_table(),
            "states": states,
            "ties": ties,
            "alliances": alliances,
            "events": events,
            "summary": self.summary(states, alliances, seed, ties, replicate),
        }

    def _events_table(self) -> pd.DataFrame:
        events = self.events
        if not all(len(e) == len(EVENT_COLUMNS) for e in events):  # a row with other keys
            table = pd.DataFrame(events, columns=list(EVENT_COLUMNS))
            for col in ("from_level", "to_level"):
                table[col] = table[col].astype("Int64")
            return table
        columns = {c: [e[c] for e in events] for c in EVENT_COLUMNS}
        for col in ("from_level", "to_level"):
            columns[col] = pd.array(columns[col], dtype="Int64")
        return pd.DataFrame(columns)

    def _states_table(self) -> pd.DataFrame:
        w = self.model.world
        n, steps = w.n, len(self.years)
        data = self._data[:steps].reshape(steps * n, -1).copy()  # (steps * n, columns)
        columns: dict[str, np.ndarray] = {
            "step": np.repeat(np.arange(steps), n),
            "year": np.repeat(self.years, n),
            "iso3": _strings(w.iso3, np.tile(np.arange(n), steps)),
            "name": _strings(w.names, np.tile(np.arange(n), steps)),
        }
        for k, col in enumerate(STATE_SERIES):
            columns[col] = data[:, k]
        for col in ("n_ties", "n_formal_ties"):
            columns[col] = columns[col].astype(int)
        return pd.DataFrame(columns)

    def _ties_table(self) -> pd.DataFrame:
        rows = self.tie_rows
        counts = [len(r[2]) for r in rows]
        level = np.concatenate([r[4] for r in rows]).astype(int)
        iso = self.model.world.iso3
        a, b = np.concatenate([r[2] for r in rows]), np.concatenate([r[3] for r in rows])
        rank = np.argsort(np.argsort(np.array(iso)))  # codes in alphabetical order
        first = rank[a] < rank[b]
        codes = np.concatenate([r[5] for r in rows])
        names = [*self.model.treaty_names, "bilateral"]
        return pd.DataFrame(
            {
                "step": np.repeat(np.array([r[0] for r in rows], dtype=int), counts),
                "year": np.repeat(np.array([r[1] for r in rows], dtype=int), counts),
                "a": _strings(iso, np.where(first, a, b)),
                "b": _strings(iso, np.where(first, b, a)),
                "level": level,
                "level_name": _strings(LEVELS, level),
                "source": _strings(names, np.where(codes < 0, len(names) - 1, codes)),
            }
        )

    def run_result(
        self, states: pd.DataFrame, alliances: pd.DataFrame, ties: pd.DataFrame | None = None
    ):
        """What the outcomes of ``sim.outcomes`` are computed from (kept as ``self.result``,
        so that a study reading more outcomes after ``tables()`` reuses its selections). The
        NATO-Asia links the run computed every year come with it (``recorded_links``)."""
        from sim.outcomes import RunResult

        unique_years = len(set(self.years)) == len(self.years)
        self.result = RunResult(
            states,
            alliances,
            {"us_burden_share": self.us_burden_share, "polarisation": self.polarisation},
            ties=ties,
            predicates=self.model.params.predicates,
            recorded_links=dict(self.links) if ties is not None and unique_years else None,
        )
        return self.result

    def summary(
        self,
        states: pd.DataFrame,
        alliances: pd.DataFrame,
        seed: int | None,
        ties: pd.DataFrame | None = None,
        replicate: dict | None = None,
    ) -> pd.DataFrame:
        """One row of run outcomes (columns in docs/outputs.md); ``replicate``: columns that
        identify the replicate (``base_seed``, ``replicate``), placed before ``seed``."""
        from sim.outcomes import summary_row

        m = self.model
        run = self.run_result(states, alliances, ties)
        identity = {
            "scenario": m.scenario_name,
            "world": m.world.name,
            **(replicate or {}),
            "seed": seed,
            "horizon": self.years[-1] - self.years[0],
        }
        row = {**identity, **summary_row(run, m.params.predicates)}
        years = ("asian_nato_year", "nato_asia_link_year")
        return pd.DataFrame(
            {k: pd.array([v], dtype="Int64") if k in years else [v] for k, v in row.items()}
        )


_STRING_BASES: dict[tuple, pd.api.extensions.ExtensionArray] = {}
"""The distinct values ``_strings`` takes from, as pandas' column of them (kept across runs:
a world's codes and names, the levels' and treaties' names)."""


def _strings(values, index: np.ndarray):
    """``values[index]`` as the column of strings pandas makes of them, taken from the few
    distinct values (faster than converting one string a row)."""
    key = tuple(values)
    base = _STRING_BASES.get(key)
    if base is None:
        if len(_STRING_BASES) >= 256:  # many worlds in one process: start again
            _STRING_BASES.clear()
        base = _STRING_BASES[key] = pd.Series(list(values)).array
    return base.take(np.asarray(index, dtype=np.intp))
