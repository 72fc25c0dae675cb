"""The ``exercise`` event: joint exercises among participants."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.world.builder import World
from sim.world.events.base import Event, event_key, register
from sim.world.events.checks import listed_states, nonnegative
from sim.world.state import WorldState


@register("exercise")
@dataclass
class Exercise(Event):
    """Joint exercises: every pair of participants gains affinity and credibility each year.

    Affinity rises by ``affinity_gain`` a year up to ``max_affinity`` (never lowering one
    already above it), credibility by ``credibility_gain`` up to 1; the gains are judgements of
    the scenario (docs/ODD.md 7.15).
    """

    participants: tuple[int, ...] = ()
    affinity_gain: float = 0.0
    credibility_gain: float = 0.0
    max_affinity: float = 1.0

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> Exercise:
        where = event_key(name)
        participants = listed_states(world, spec.participants, f"{where}.participants")
        if len(participants) < 2:
            raise UserError(f"{where}.participants needs at least two states")
        return cls(
            **cls.timing(name, spec),
            participants=participants,
            affinity_gain=nonnegative(spec.affinity_gain, f"{where}.affinity_gain"),
            credibility_gain=nonnegative(spec.credibility_gain, f"{where}.credibility_gain"),
            max_affinity=float(spec.max_affinity),
        )

    def post(self, state: WorldState) -> None:
        p = np.array(self.participants)
        block = np.ix_(p, p)
        off = ~np.eye(p.size, dtype=bool)
        aff = state.affinity[block]
        raised = np.minimum(aff[off] + self.affinity_gain, self.max_affinity)
        aff[off] = np.maximum(aff[off], raised)  # never lowers an affinity already above the cap
        state.affinity[block] = aff
        cred = state.credibility[block]
        cred[off] = np.minimum(1.0, cred[off] + self.credibility_gain)
        state.credibility[block] = cred
