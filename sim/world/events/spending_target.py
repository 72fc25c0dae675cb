"""The ``spending_target`` event: a soft target for members' defence share (e.g. NATO's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.world.builder import World
from sim.world.events.base import Event, event_key, register
from sim.world.events.checks import listed_states, nonnegative
from sim.world.state import WorldState


@register("spending_target")
@dataclass
class SpendingTarget(Event):
    """A soft target for members' defence share, reached linearly by ``by_year``.

    The target starts at ``start_target`` (the target in force before, e.g. NATO's 2 %; set by
    the event's ``pct_gdp``) and rises linearly to ``target`` in ``by_year``; after that it
    stays there. Missing it costs ``weight`` per point of GDP. The linear path and the cost of
    a shortfall are the model's assumptions (docs/ODD.md 7.15).
    """

    members: tuple[int, ...] = ()
    target: float = 0.0
    start_target: float = 0.0
    by_year: int | None = None
    weight: float = 0.3

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> SpendingTarget:
        where = event_key(name)
        target = nonnegative(spec.target_pct_gdp, f"{where}.target_pct_gdp")
        if spec.by_year is not None and spec.by_year < spec.start_year:
            raise UserError(f"{where}.by_year is before start_year")
        return cls(
            **cls.timing(name, spec),
            members=listed_states(world, spec.members, f"{where}.members"),
            target=target / 100.0,
            start_target=nonnegative(spec.pct_gdp or 0.0, f"{where}.pct_gdp") / 100.0,
            by_year=spec.by_year,
            weight=nonnegative(spec.weight, f"{where}.weight"),
        )

    def current(self, year: int) -> float:
        """Target share (0-1) in force in ``year``."""
        if self.by_year is None or year >= self.by_year or self.by_year <= self.start_year:
            return self.target
        frac = (year - self.start_year + 1) / (self.by_year - self.start_year + 1)
        return self.start_target + frac * (self.target - self.start_target)

    def post(self, state: WorldState) -> None:
        m = np.array(self.members)
        state.target_share[m] = np.maximum(state.target_share[m], self.current(state.year))
        state.target_weight[m] = np.maximum(state.target_weight[m], self.weight)
