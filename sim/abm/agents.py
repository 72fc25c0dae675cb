"""The state agent: each year it takes its budget decision, then its alignment decision.

The agent holds no numbers of its own: its attributes are views into the model's arrays
(``model.state``). It sees the model through ``model.view`` (``sim.abm.model.AllianceView``):
its budget decision reads its inputs there and applies ``sim.core.budget``; its alignment
decision is the rule's (``model.rule``, a class from ``sim.rules``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core import budget

if TYPE_CHECKING:
    from sim.abm.model import AllianceModel, BudgetInputs

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
        """Budget first, then alignment (both with what others have decided so far this year):
        in one call into compiled code with ``model.engine=compiled`` (``sim.abm.compiled``)."""
        compiled = self.model.compiled
        if compiled is not None and compiled.serves(self):
            compiled.decide(self)
            return
        self.decide_budget()
        self.decide_alignment()

    def decide_budget(self) -> None:
        """Move the defence share part of the way to the best response (sim.core.budget)."""
        b = self.model.view.budget_inputs(self.index)
        new, desired, why = self.budget_choice(b)
        self.set_budget(b, new, desired, why)

    @staticmethod
    def budget_choice(b: BudgetInputs) -> tuple[float, float, str]:
        """The agent's budget decision for inputs ``b``: the new share, the desired share (the
        best response, with any Richardson push) and why, in words."""
        return StateAgent.budget_outcome(b, b.best_response())

    @staticmethod
    def budget_outcome(b: BudgetInputs, best: float) -> tuple[float, float, str]:
        """``budget_choice`` from the best response ``best`` on: the Richardson push, a budget
        the scenario fixes, or partial adjustment, and the reason in words."""
        desired = best
        if b.push is not None:
            desired = float(np.clip(desired + b.push, b.lower, b.upper))
        if not np.isnan(b.fixed_spending):
            new = float(min(b.fixed_spending / b.gdp, b.upper))
            why = f"budget set by scenario to USD {new * b.gdp:.0f} bn (fiscal ceiling applies)"
        else:
            new = float(
                budget.adjust_share(
                    b.share, desired, b.speed, b.max_change, b.lower, b.upper, b.gap_half
                )
            )
            why = (
                f"best response {100 * desired:.2f}% of GDP (threat USD {b.threat:,.0f} bn, "
                f"expected allied capability USD {np.dot(b.allied, b.probs):,.0f} bn"
                + (f", target {100 * b.target_share:.1f}%" if b.target_share > 0 else "")
                + ")"
            )
        return new, desired, why

    def set_budget(self, b: BudgetInputs, new: float, desired: float, why: str) -> None:
        """Set the new share through the model's view, logged as an event when it moves by
        at least ``BUDGET_EVENT_THRESHOLD``."""
        old = b.share
        reason = ""
        if abs(new - old) >= BUDGET_EVENT_THRESHOLD:
            verb = "raised" if new > old else "cut"
            reason = (
                f"{self.iso3} {verb} defence from {100 * old:.2f}% to {100 * new:.2f}% "
                f"of GDP: {why}"
            )
        self.model.view.set_budget(self.index, new, desired, reason)

    def decide_alignment(self) -> None:
        """By the alignment rule in force (a class from ``sim.rules``, chosen by config
        ``model.alignment.rule``), which acts through the model's view."""
        self.model.rule.decide(self.model.view, self.index)
