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
    """A soft target for members' defence share, reached linearly by ``by_year``, with a pull
    that grows towards a deadline.

    The members are ``members``, or with ``treaty`` the treaty's members in each year (a state
    that joins later is bound from its accession, one that leaves is free). The target starts
    at ``start_target`` (the target in force before, e.g. NATO's 2 %; set by
    the event's ``pct_gdp``) and rises linearly to ``target`` in ``by_year``; after that it
    stays there. Missing it costs ``weight`` per point of GDP, plus ``abandonment_risk`` of
    what the member's allies are worth to it per point (the leader's pressure, which weighs
    most on those who depend on it most: ``sim.abm.model.AllianceModel.target_weight_per_theta``).
    Both grow by the factor ``1 + deadline_gain * progress`` as the deadline nears, where
    ``progress`` runs linearly from 0 in the start year to 1 in ``deadline_year`` and stays 1
    after it: a pledge's deadline concentrates pressure (summits review national plans against
    it), so laggards close the gap around the deadline rather than drifting. The linear path,
    the cost of a shortfall and the growth towards the deadline are the model's assumptions
    (docs/ODD.md 7.15).
    """

    members: tuple[int, ...] = ()
    treaty: str | None = None  # the target binds this treaty's members of each year instead
    target: float = 0.0
    start_target: float = 0.0
    by_year: int | None = None
    weight: float = 0.3
    abandonment_risk: float = 0.0
    deadline_year: int | None = None
    deadline_gain: float = 0.0

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> SpendingTarget:
        where = event_key(name)
        target = nonnegative(spec.target_pct_gdp, f"{where}.target_pct_gdp")
        if spec.by_year is not None and spec.by_year < spec.start_year:
            raise UserError(f"{where}.by_year is before start_year")
        if spec.deadline_year is not None and spec.deadline_year < spec.start_year:
            raise UserError(f"{where}.deadline_year is before start_year")
        if spec.treaty is not None and spec.members:
            raise UserError(f"{where}: give members or treaty, not both")
        if spec.treaty is not None and spec.treaty not in [t.name for t in world.treaties]:
            known = ", ".join(t.name for t in world.treaties) or "none"
            raise UserError(
                f"{where}.treaty '{spec.treaty}' is not a treaty of world '{world.name}' "
                f"(its treaties: {known})"
            )
        members = (
            ()
            if spec.treaty is not None
            else listed_states(world, spec.members, f"{where}.members")
        )
        return cls(
            **cls.timing(name, spec),
            members=members,
            treaty=spec.treaty,
            target=target / 100.0,
            start_target=nonnegative(spec.pct_gdp or 0.0, f"{where}.pct_gdp") / 100.0,
            by_year=spec.by_year,
            weight=nonnegative(spec.weight, f"{where}.weight"),
            abandonment_risk=nonnegative(spec.abandonment_risk, f"{where}.abandonment_risk"),
            deadline_year=spec.deadline_year,
            deadline_gain=nonnegative(spec.deadline_gain, f"{where}.deadline_gain"),
        )

    def pressure(self, year: int) -> float:
        """The factor on the weight and the abandonment risk in ``year``: ``1 + deadline_gain *
        progress`` (1 without a deadline).

        >>> SpendingTarget("t", 2014, None, deadline_year=2024, deadline_gain=2.0).pressure(2019)
        2.0
        """
        if self.deadline_year is None or self.deadline_gain <= 0:
            return 1.0
        span = self.deadline_year - self.start_year
        progress = 1.0 if span <= 0 else min(1.0, max(0.0, (year - self.start_year) / span))
        return 1.0 + self.deadline_gain * progress

    def current(self, year: int) -> float:
        """Target share (0-1) in force in ``year``."""
        if self.by_year is None or year >= self.by_year or self.by_year <= self.start_year:
            return self.target
        frac = (year - self.start_year + 1) / (self.by_year - self.start_year + 1)
        return self.start_target + frac * (self.target - self.start_target)

    def post(self, state: WorldState) -> None:
        if self.treaty is None:
            m = np.array(self.members)
        else:
            t = state.treaty(self.treaty)
            m = np.array(t.members if t is not None else [], dtype=int)
        state.target_share[m] = np.maximum(state.target_share[m], self.current(state.year))
        factor = self.pressure(state.year)
        state.target_weight[m] = np.maximum(state.target_weight[m], self.weight * factor)
        state.target_risk[m] = np.maximum(state.target_risk[m], self.abandonment_risk * factor)
