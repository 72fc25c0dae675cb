"""The ``rival_response`` event: a rival's counter-balancing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.world.builder import World
from sim.world.events.base import Event, event_key, register
from sim.world.events.checks import nonnegative, one_state, present_states
from sim.world.state import WorldState


@register("rival_response")
@dataclass
class RivalResponse(Event):
    """A rival's counter-balancing (e.g. China's response to a US-led bloc).

    Three levers: a Richardson-style budget reaction (its desired share rises by ``reaction``
    times the growth of hostile spending within reach since the event began, as a share of its
    GDP; Richardson 1960); economic coercion (its coercion propensity is multiplied, a wedge
    strategy against the bloc; Crawford 2011); courting partners (its affinity with each courted
    state rises by ``courting_gain`` a year).

    References (docs/ODD.md):
        Richardson, L. F. (1960). *Arms and Insecurity*.
        Crawford, T. W. (2011). Preventing enemy coalitions: How wedge strategies shape power
        politics. *International Security*, 35(4).
    """

    actor: int = 0
    reaction: float = 0.0
    coercion_multiplier: float = 1.0
    courted: tuple[int, ...] = ()
    courting_gain: float = 0.0
    max_affinity: float = 1.0

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> RivalResponse:
        where = event_key(name)
        return cls(
            **cls.timing(name, spec),
            actor=one_state(world, spec.actor, f"{where}.actor"),
            reaction=nonnegative(spec.reaction, f"{where}.reaction"),
            coercion_multiplier=nonnegative(
                spec.coercion_multiplier, f"{where}.coercion_multiplier"
            ),
            courted=present_states(world, spec.courted, f"{where}.courted"),
            courting_gain=nonnegative(spec.courting_gain, f"{where}.courting_gain"),
            max_affinity=float(spec.max_affinity),
        )

    def post(self, state: WorldState) -> None:
        a = self.actor
        state.reaction[a] = max(state.reaction[a], self.reaction)
        # reset to the world's value every year (WorldState.reset_year), so this sets it
        state.coercion_propensity[a] = min(
            1.0, state.world.coercion_propensity[a] * self.coercion_multiplier
        )
        for c in self.courted:
            new = min(self.max_affinity, state.affinity[a, c] + self.courting_gain)
            state.affinity[a, c] = state.affinity[c, a] = max(state.affinity[a, c], new)
