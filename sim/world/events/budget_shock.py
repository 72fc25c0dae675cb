"""The ``budget_shock`` event: a state's defence budget set from outside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.errors import UserError
from sim.world.builder import World
from sim.world.events.base import Event, event_key, register
from sim.world.events.checks import nonnegative, one_state
from sim.world.state import WorldState


@register("budget_shock")
@dataclass
class BudgetShock(Event):
    """A state's defence budget is set from outside: USD bn per year, or a share of GDP.

    While active it bypasses the state's own budget decision, its adjustment and its bounds
    (docs/ODD.md 7.9): a scripted intervention, not a behaviour.
    """

    state_index: int = 0
    spending_usd_bn: float | None = None
    pct_gdp: float | None = None

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> BudgetShock:
        where = event_key(name)
        i = one_state(world, spec.state, f"{where}.state")
        if (spec.spending_usd_bn is None) == (spec.pct_gdp is None):
            raise UserError(f"{where}: give exactly one of spending_usd_bn and pct_gdp")
        if spec.spending_usd_bn is not None:
            nonnegative(spec.spending_usd_bn, f"{where}.spending_usd_bn")
        else:
            nonnegative(spec.pct_gdp, f"{where}.pct_gdp")
            if spec.pct_gdp >= 100:
                raise UserError(f"{where}.pct_gdp must be below 100")
        return cls(
            **cls.timing(name, spec),
            state_index=i,
            spending_usd_bn=spec.spending_usd_bn,
            pct_gdp=spec.pct_gdp,
        )

    def post(self, state: WorldState) -> None:
        i = self.state_index
        if self.spending_usd_bn is not None:
            state.fixed_spending[i] = self.spending_usd_bn
        else:
            state.fixed_spending[i] = self.pct_gdp / 100.0 * state.gdp[i]
