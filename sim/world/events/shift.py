"""The ``credibility_shift`` and ``affinity_shift`` events: one-off changes after 2024.

Both act once, in their start year, and the change persists (later events and the model move
the values on from there). They are how a scenario says that something moved after 2024 that
the payoff terms do not produce by themselves: doubts about a guarantor's word (a credibility
shift), or an act of aggression or a rapprochement (an affinity shift). The rest point of 2024
(``sim.core.calibration``) is calibrated before them, so they are changes, not new levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from sim.errors import UserError
from sim.world.builder import World
from sim.world.events.base import Event, event_key, register
from sim.world.events.checks import one_state, present_states
from sim.world.state import WorldState


def _others(world: World, spec: Any, state: int, where: str) -> tuple[int, ...]:
    """The states the shift applies towards: those listed in ``recipients`` present in this
    world, or every other state when none is listed."""
    if not spec.recipients:
        return tuple(i for i in range(world.n) if i != state)
    others = present_states(world, spec.recipients, f"{where}.recipients")
    if state in others:
        raise UserError(f"{where}.recipients must not list {world.iso3[state]}, the event's state")
    return others


@dataclass
class Shift(Event):
    """What both shifts share: the state, the states the change applies towards, the change,
    and acting once, in the start year."""

    state: int = 0
    recipients: tuple[int, ...] = ()
    change: float = 0.0
    max_change: ClassVar[float] = 2.0  # the largest |change| the kind accepts

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> Shift:
        where = event_key(name)
        state = one_state(world, spec.state, f"{where}.state")
        limit = cls.max_change
        if not -limit <= spec.change <= limit:
            raise UserError(
                f"{where}.change must lie between -{limit:g} and {limit:g} (got {spec.change})"
            )
        return cls(
            **cls.timing(name, spec),
            state=state,
            recipients=_others(world, spec, state, where),
            change=float(spec.change),
        )

    def post(self, state: WorldState) -> None:
        if state.year == self.start_year and self.recipients:
            self.shift(state, np.array(self.recipients))

    def shift(self, state: WorldState, recipients: np.ndarray) -> None:
        """Apply the change towards ``recipients`` (once, in the start year)."""
        raise NotImplementedError


@register("credibility_shift")
@dataclass
class CredibilityShift(Shift):
    """The credibility of ``state``'s commitments in the eyes of ``recipients`` (default: every
    other state) changes by ``change`` (-1 to 1) in the start year, within 0-1: doubts about
    a guarantor (negative) or a reassurance (positive). Credibility then moves on with the
    guarantor's effort and commitments (``sim.core.payoffs.credibility_factor``)."""

    max_change: ClassVar[float] = 1.0

    def shift(self, state: WorldState, recipients: np.ndarray) -> None:
        state.credibility[recipients, self.state] = np.clip(
            state.credibility[recipients, self.state] + self.change, 0.0, 1.0
        )

    def describe(self, iso3: list[str]) -> str:
        return (
            f"{self.name}: credibility of {iso3[self.state]}'s commitments {self.change:+g} "
            f"in {self.start_year}, in the eyes of {len(self.recipients)} state(s)"
        )


@register("affinity_shift")
@dataclass
class AffinityShift(Shift):
    """Affinity between ``state`` and each of ``recipients`` (default: every other state)
    changes by ``change`` (-2 to 2) in the start year, within -1..1: an act of aggression
    (negative: hostility rises, and with it threat, Walt 1987) or a rapprochement.

    With ``gradient_km`` the change fades with distance from ``state``'s capital: recipient
    ``i`` at ``d`` km moves by ``change * exp(-(d / gradient_km)^2)``. An aggression tells most
    to those within its reach: states near an aggressor revise their view of its intentions
    more than distant ones (Walt 1987 on proximity; the decay has the Gaussian form of the
    model's loss-of-strength gradient, Boulding 1962, ``sim.core.geography``). Distance is
    between capitals, except for the states listed in ``borders`` (those that share a land
    border with ``state``), which are at distance 0: a capital far from the aggressor's does
    not make a state with a common border distant from it (Warsaw is 1,150 km from Moscow, but
    Poland borders Russia's Kaliningrad region)."""

    gradient_km: float | None = None
    scale: np.ndarray | None = None  # (len(recipients),) the fade of each recipient

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> AffinityShift:
        event = super().from_config(name, spec, world)
        km = spec.gradient_km
        if spec.borders and km is None:
            raise UserError(f"{event_key(name)}.borders needs gradient_km (the fade with distance)")
        if km is not None:
            if not km > 0:
                raise UserError(f"{event_key(name)}.gradient_km must be positive (got {km})")
            recipients = np.array(event.recipients, dtype=int)
            d = world.distance[event.state, recipients].copy()
            near = present_states(world, list(spec.borders), f"{event_key(name)}.borders")
            d[np.isin(recipients, near)] = 0.0
            event.gradient_km = float(km)
            event.scale = np.exp(-((d / km) ** 2))
        return event

    def shift(self, state: WorldState, recipients: np.ndarray) -> None:
        change = self.change if self.scale is None else self.change * self.scale
        moved = np.clip(state.affinity[self.state, recipients] + change, -1.0, 1.0)
        state.affinity[self.state, recipients] = moved
        state.affinity[recipients, self.state] = moved

    def describe(self, iso3: list[str]) -> str:
        fade = "" if self.gradient_km is None else f", fading over {self.gradient_km:,.0f} km"
        return (
            f"{self.name}: affinity of {iso3[self.state]} with {len(self.recipients)} state(s) "
            f"{self.change:+g} in {self.start_year}{fade}"
        )
