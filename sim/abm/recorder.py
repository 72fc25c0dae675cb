"""What a run records, year by year, and the tidy tables it becomes.

Columns and units are documented in ``docs/outputs.md``. Per-state series are stored as numpy
arrays per step (one vectorised snapshot a year); events are appended as the model logs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.core import coalitions, payoffs
from sim.outcomes import nato_asia_links_now
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


class Recorder:
    """Collects a model's state each step and turns it into the run's tables."""

    def __init__(self, model: AllianceModel) -> None:
        self.model = model
        self.snapshots: list[np.ndarray] = []
        self.years: list[int] = []
        self.tie_rows: list[tuple] = []
        self.alliance_rows: list[dict] = []
        self.events: list[dict] = []
        self.asian_nato_now = False
        self.nato_asia_link_now = False
        self.polarisation: list[float] = []
        self.us_burden_share: list[float] = []
        self.result = None  # the RunResult of the outcomes, once tables() has run

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
        allied = m.allied_all()
        paid = getattr(m, "aid_paid", np.zeros((n, n)))
        _, reliability = m.ctx.allies(np.arange(n), levels)
        snap = np.column_stack(
            [
                s.gdp,
                s.spending,
                100 * s.share,
                100 * m.best_response,
                s.capability,
                allied,
                m.ctx.threat,
                payoffs.security(s.capability, allied, m.ctx.threat),
                paid.sum(axis=0),
                paid.sum(axis=1),
                reliability,
                100 * terms.sum(axis=1),
                100 * terms,
                (levels >= 1).sum(axis=1),
                (levels >= 3).sum(axis=1),
            ]
        )
        self.snapshots.append(snap)
        self.years.append(s.year)
        step = len(self.years) - 1
        iu, ju = np.triu_indices(n, 1)
        lv = levels[iu, ju]
        nonzero = lv > 0
        source = m.treaty_source[iu, ju][nonzero]
        source = np.where(m.treaty_levels[iu, ju][nonzero] >= lv[nonzero], source, -1)
        self.tie_rows.append((step, s.year, iu[nonzero], ju[nonzero], lv[nonzero], source))
        self._record_alliances(step)
        self.polarisation.append(coalitions.polarisation(levels, s.capability, *m.poles))

    def _record_alliances(self, step: int) -> None:
        m, s = self.model, self.model.state
        pred = m.params.predicates
        iso = m.world.iso3
        link_asian = np.isin(iso, list(pred.link_asian))
        link_treaty = s.treaty(pred.link_treaty)
        links = nato_asia_links_now(
            m.levels,
            iso,
            s.capability,
            None if link_treaty is None else link_treaty.members,
            pred,
        )
        link = bool(links) or bool(
            link_treaty is not None and np.any(link_asian[link_treaty.members])
        )
        self.nato_asia_link_now = link
        asian_now = False
        groups = [(t.name, "treaty", t.members, t.level) for t in s.treaties]
        groups += [(name, "bloc", sorted(members), 3) for members, name in m.blocs.items()]
        spending = s.spending
        us = iso.index(pred.asian_nato_hub) if pred.asian_nato_hub in iso else None
        for name, kind, members, level in groups:
            codes = [iso[j] for j in members]
            asian = coalitions.is_asian_nato(
                codes, pred.asian_nato_hub, pred.asian_nato_candidates, pred.asian_nato_min
            )
            asian_now = asian_now or asian
            shares = coalitions.burden_shares(spending, members)
            self.alliance_rows.append(
                {
                    "step": step,
                    "year": s.year,
                    "alliance": name,
                    "kind": kind,
                    "formality": LEVELS[level],
                    "members": ";".join(codes),
                    "n_members": len(members),
                    "combined_capability_usd_bn": float(s.capability[members].sum()),
                    "burden_shares": ";".join(
                        f"{c}:{v:.4f}" for c, v in zip(codes, shares, strict=True)
                    ),
                    "us_burden_share": float(shares[members.index(us)])
                    if us in members
                    else np.nan,
                    "is_asian_nato": asian,
                    "is_nato_asia_link": link and kind == "treaty" and name == pred.link_treaty,
                }
            )
        self.asian_nato_now = asian_now
        if us is not None:
            allies = np.flatnonzero(m.levels[us] >= 3)
            group = [us, *allies.tolist()]
            self.us_burden_share.append(float(coalitions.burden_shares(spending, group)[0]))

    # --- after the run ------------------------------------------------------------------------
    def tables(self, seed: int | None = None) -> dict[str, pd.DataFrame]:
        """The run's tidy tables: actors, states, ties, alliances, events, summary."""
        m = self.model
        w = m.world
        n, steps = w.n, len(self.years)
        data = np.stack(self.snapshots)  # (steps, n, columns)
        states = pd.DataFrame(data.reshape(steps * n, -1), columns=list(STATE_SERIES))
        states.insert(0, "name", np.tile(w.names, steps))
        states.insert(0, "iso3", np.tile(w.iso3, steps))
        states.insert(0, "year", np.repeat(self.years, n))
        states.insert(0, "step", np.repeat(np.arange(steps), n))
        for col in ("n_ties", "n_formal_ties"):
            states[col] = states[col].astype(int)
        ties = pd.DataFrame(
            {
                "step": np.concatenate([np.full(len(r[2]), r[0]) for r in self.tie_rows]),
                "year": np.concatenate([np.full(len(r[2]), r[1]) for r in self.tie_rows]),
                "a": np.concatenate([r[2] for r in self.tie_rows]),
                "b": np.concatenate([r[3] for r in self.tie_rows]),
                "level": np.concatenate([r[4] for r in self.tie_rows]).astype(int),
                "source": self._source_names(np.concatenate([r[5] for r in self.tie_rows])),
            }
        )
        iso = np.array(w.iso3)
        a, b = iso[ties["a"].to_numpy(int)], iso[ties["b"].to_numpy(int)]
        first = a < b
        ties["a"], ties["b"] = np.where(first, a, b), np.where(first, b, a)
        ties.insert(5, "level_name", np.array(LEVELS)[ties["level"].to_numpy(int)])
        alliances = pd.DataFrame(self.alliance_rows)
        events = pd.DataFrame(self.events, columns=list(EVENT_COLUMNS))
        for col in ("from_level", "to_level"):
            events[col] = events[col].astype("Int64")
        return {
            "actors": w.actors_table(),
            "states": states,
            "ties": ties,
            "alliances": alliances,
            "events": events,
            "summary": self.summary(states, alliances, seed, ties),
        }

    def _source_names(self, codes: np.ndarray) -> np.ndarray:
        """Treaty names for source codes (-1 = bilateral)."""
        names = np.array([*self.model.treaty_names, "bilateral"], dtype=object)
        return names[np.where(codes < 0, len(names) - 1, codes)]

    def run_result(
        self, states: pd.DataFrame, alliances: pd.DataFrame, ties: pd.DataFrame | None = None
    ):
        """What the outcomes of ``sim.outcomes`` are computed from (kept as ``self.result``,
        so that a study reading more outcomes after ``tables()`` reuses its selections)."""
        from sim.outcomes import RunResult

        self.result = RunResult(
            states,
            alliances,
            {"us_burden_share": self.us_burden_share, "polarisation": self.polarisation},
            ties=ties,
            predicates=self.model.params.predicates,
        )
        return self.result

    def summary(
        self,
        states: pd.DataFrame,
        alliances: pd.DataFrame,
        seed: int | None,
        ties: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """One row of run outcomes (columns in docs/outputs.md)."""
        from sim.outcomes import summary_row

        m = self.model
        run = self.run_result(states, alliances, ties)
        identity = {
            "scenario": m.scenario_name,
            "world": m.world.name,
            "seed": seed,
            "horizon": self.years[-1] - self.years[0],
        }
        return pd.DataFrame([{**identity, **summary_row(run, m.params.predicates)}]).astype(
            {"asian_nato_year": "Int64", "nato_asia_link_year": "Int64"}
        )
