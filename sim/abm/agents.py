"""The state agent: each year it takes its budget decision, then its alignment decision.

The agent holds no numbers of its own: its attributes are views into the model's arrays
(``model.state``), and its decisions call the rules in ``sim.core.budget`` and
``sim.core.alignment`` with the payoffs of ``sim.core.payoffs``. What it adds is the wiring:
gather its inputs, apply the rule, record the decision with its reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.abm.explain import article, at_a_loss, balance, loosening
from sim.core import alignment, budget, landscape, payoffs
from sim.schema import LEVELS

if TYPE_CHECKING:
    from sim.abm.model import AllianceModel

BUDGET_EVENT_THRESHOLD = 0.001
"""Budget changes of at least this share of GDP (0.1 point) are logged as events."""


class StateAgent(mesa.Agent):
    """A state: decides its defence budget and its commitments each year.

    Attributes:
        index: position in the model's arrays.
        iso3: ISO 3166 alpha-3 code (or the code of an aggregate such as EUR).
        name: display name.
    """

    model: AllianceModel

    def __init__(self, model: AllianceModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.iso3 = model.world.iso3[index]
        self.name = model.world.names[index]

    # --- views into the model's state -------------------------------------------------------
    @property
    def gdp_usd_bn(self) -> float:
        """GDP, USD bn."""
        return float(self.model.state.gdp[self.index])

    @property
    def defence_share(self) -> float:
        """Defence share of GDP, 0-1."""
        return float(self.model.state.share[self.index])

    @property
    def capability_usd_bn(self) -> float:
        """Capability stock, USD bn."""
        return float(self.model.state.capability[self.index])

    # --- the year's decisions -----------------------------------------------------------------
    def step(self) -> None:
        """Budget first, then alignment (both with what others have decided so far this year)."""
        self.decide_budget()
        rule = self.model.params.alignment.rule
        if rule == "landscape":
            self.decide_alignment_landscape()
        else:
            self.decide_alignment()

    def decide_budget(self) -> None:
        """Move the defence share part of the way to the best response (sim.core.budget)."""
        m, s, i = self.model, self.model.state, self.index
        p = m.params.budget
        old = float(s.share[i])
        allied = m.allied_of(i)
        threat = float(m.ctx.threat[i])
        desired = budget.best_response_scalar(
            float(m.theta[i]),
            allied,
            threat,
            float(s.gdp[i]) / m.params.security.depreciation,
            float(m.lower[i]),
            float(m.upper[i]),
            float(s.target_share[i]),
            float(s.target_weight[i]),
            float(m.private[i]),
        )
        if s.reaction[i] > 0:
            push = s.reaction[i] * (m.hostile_start[i] - s.reaction_reference[i]) / s.gdp[i]
            desired = float(np.clip(desired + push, m.lower[i], m.upper[i]))
        if not np.isnan(s.fixed_spending[i]):
            new = float(min(s.fixed_spending[i] / s.gdp[i], m.upper[i]))
            why = f"budget set by scenario to USD {new * s.gdp[i]:.0f} bn (fiscal ceiling applies)"
        else:
            new = float(
                budget.adjust_share(
                    old,
                    desired,
                    p.adjustment_speed,
                    p.max_change_pct_points / 100,
                    m.lower[i],
                    m.upper[i],
                )
            )
            why = (
                f"best response {100 * desired:.2f}% of GDP (threat USD {threat:,.0f} bn, "
                f"allied capability USD {allied:,.0f} bn"
                + (f", target {100 * s.target_share[i]:.1f}%" if s.target_share[i] > 0 else "")
                + ")"
            )
        m.best_response[i] = desired
        s.share[i] = new
        if abs(new - old) >= BUDGET_EVENT_THRESHOLD:
            verb = "raised" if new > old else "cut"
            m.log(
                "budget_move",
                actor=self.iso3,
                reason=(
                    f"{self.iso3} {verb} defence from {100 * old:.2f}% to {100 * new:.2f}% "
                    f"of GDP: {why}"
                ),
            )

    def decide_alignment(self) -> None:
        """Deepen or loosen one tie, leave or join a treaty, or keep all (nested logit choice;
        deepening needs the partner's consent, joining every member's)."""
        m, i = self.model, self.index
        row = m.levels[i]
        partners, new_levels = alignment.candidate_changes(row, i, m.treaty_levels[i])
        deltas = payoffs.tie_change_deltas(i, row, partners, new_levels, m.ctx)
        exits, joins = m.treaty_options(i)
        if exits or joins:
            rows = np.array(
                [m.row_without_treaty(i, t) for t in exits]
                + [m.row_with_treaty(i, t) for t in joins]
            )
            deltas = np.vstack([deltas, payoffs.row_change_deltas(i, row, rows, m.ctx)])
        if deltas.shape[0] == 0:
            return
        gains = m.decision_value(deltas)
        gains[len(partners) : len(partners) + len(exits)] -= m.params.alignment.treaty_exit_cost
        choice = alignment.logit_choice(
            gains * 100, m.params.alignment.temperature_pct_gdp, m.random_np
        )
        if choice == alignment.KEEP:
            return
        delta = m.decision_terms(deltas[choice])
        if choice < len(partners):
            j, new_level = int(partners[choice]), int(new_levels[choice])
            if new_level > row[j]:
                self._propose(j, new_level, delta)
            else:
                old_level = int(row[j])
                m.state.set_tie(i, j, new_level)
                m.ties_changed()
                m.log(
                    "tie_loosened",
                    actor=self.iso3,
                    partner=m.world.iso3[j],
                    from_level=old_level,
                    to_level=new_level,
                    delta_actor=delta,
                    reason=loosening(self.iso3, m.world.iso3[j], new_level, delta),
                )
        elif choice < len(partners) + len(exits):
            m.exit_treaty(i, exits[choice - len(partners)], delta)
        else:
            m.try_accession(i, joins[choice - len(partners) - len(exits)], delta)

    def _propose(self, j: int, new_level: int, delta: np.ndarray) -> None:
        """Offer partner j a deeper tie; it consents with the logit probability of its gain."""
        m, i = self.model, self.index
        old_level = int(m.levels[j, i])
        partner_delta = m.decision_terms(m.single_change(j, i, new_level))
        gain = float(m.decision_value(partner_delta[None, :])[0])
        p_accept = alignment.accept_probability(gain * 100, m.params.alignment.temperature_pct_gdp)
        iso_j = m.world.iso3[j]
        if m.random_np.random() < p_accept:
            m.state.set_tie(i, j, new_level)
            m.ties_changed()
            m.log(
                "tie_deepened",
                actor=self.iso3,
                partner=iso_j,
                from_level=old_level,
                to_level=new_level,
                delta_actor=delta,
                delta_partner=partner_delta,
                reason=(
                    f"{self.iso3} and {iso_j} deepened to {LEVELS[new_level]}: "
                    f"{self.iso3} {balance(delta)}{at_a_loss(self.iso3, delta)}; "
                    f"{iso_j} {balance(partner_delta)}"
                    + (f" ({iso_j} accepted at a loss: bounded rationality)" if gain < 0 else "")
                ),
            )
        else:
            m.log(
                "offer_declined",
                actor=iso_j,
                partner=self.iso3,
                from_level=old_level,
                to_level=new_level,
                delta_actor=partner_delta,
                delta_partner=delta,
                reason=(
                    f"{iso_j} declined {article(LEVELS[new_level])} tie with {self.iso3}: "
                    f"{balance(partner_delta)}"
                ),
            )

    def decide_alignment_landscape(self) -> None:
        """Axelrod & Bennett's rule: switch sides if that lowers my frustration; then move each
        bilateral tie one level towards what the sides and the propensities call for."""
        m, i = self.model, self.index
        w = m.landscape_weights
        gain = landscape.switch_gains(m.sides, w)[i]
        if gain < -landscape.DEFAULT_RTOL * np.abs(w).sum():  # the engine's tie tolerance
            m.sides[i] = 1 - m.sides[i]
            m.log(
                "side_switch",
                actor=self.iso3,
                reason=f"{self.iso3} switched sides: energy change {gain:.3g}",
            )
        target = m.landscape_targets(i)
        row = m.state.bilateral[i]
        for j in np.flatnonzero(target != row):
            if j == i or m.treaty_levels[i, j] >= max(row[j], target[j]):
                continue  # a treaty already holds this pair at least as deep
            new_level = int(row[j]) + (1 if target[j] > row[j] else -1)
            old_level = int(row[j])
            m.state.set_tie(i, int(j), new_level)
            kind = "tie_deepened" if new_level > old_level else "tie_loosened"
            m.log(
                kind,
                actor=self.iso3,
                partner=m.world.iso3[j],
                from_level=old_level,
                to_level=new_level,
                reason=(
                    f"{self.iso3} moved its tie with {m.world.iso3[j]} to {LEVELS[new_level]}: "
                    "landscape sides"
                ),
            )
        m.ties_changed()
