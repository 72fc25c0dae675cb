"""The ``accession`` event: a state joins a treaty in a given year, as a fact of the scenario.

The scenario states the accession (Montenegro joined NATO in 2017, North Macedonia in 2020,
Finland in 2023, Sweden in 2024), so there is no consent procedure: in its start year the state
becomes a member, its ties to the members come from the treaty's level and the treaty's spending
target applies to it, as for any member. The model then calibrates its membership value by
revealed preference, as it did for the members of the base year (it chose to join, so leaving
must lose the rest margin at its accession; ``AllianceModel._scenario_accessions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.errors import UserError
from sim.world.builder import World
from sim.world.events.base import Event, event_key, register
from sim.world.events.checks import present_states
from sim.world.state import WorldState


@register("accession")
@dataclass
class Accession(Event):
    """``state`` joins ``treaty`` in the start year (once; nothing happens if it is already a
    member, or if the treaty has dissolved by then).

    A state the package knows but this world leaves out is skipped, as the states of a treaty's
    member list are (``sim.world.builder.treaty_states``), so one scenario serves several
    worlds: the event then does nothing. A member of an aggregate stands for the aggregate.
    """

    state: int | None = None  # None: the state is not in this world
    code: str = ""  # the state as the config names it
    treaty: str = ""

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> Accession:
        where = event_key(name)
        if not spec.state:
            raise UserError(f"{where}.state is required for this event kind (one iso3 code)")
        present = present_states(world, [spec.state], f"{where}.state")
        treaties = [t.name for t in world.treaties]
        if spec.treaty not in treaties:
            what = f"'{spec.treaty}' is not" if spec.treaty else "is required, the name of"
            known = f"use one of {', '.join(treaties)}" if treaties else "it has none"
            raise UserError(
                f"{where}.treaty {what} a treaty of world '{world.name}'; {known} (a treaty is "
                "declared under world.treaties and needs two members in the world)"
            )
        return cls(
            **cls.timing(name, spec),
            state=present[0] if present else None,
            code=str(spec.state),
            treaty=str(spec.treaty),
        )

    def restructure(self, state: WorldState) -> list[tuple[int, str]]:
        if self.state is None or state.year != self.start_year:
            return []
        t = state.treaty(self.treaty)
        if t is None or self.state in t.members:
            return []
        t.members = sorted({*t.members, self.state})
        t.open_to = [k for k in t.open_to if k != self.state]
        return [(self.state, self.treaty)]

    def describe(self, iso3: list[str]) -> str:
        if self.state is None:
            return (
                f"{self.name}: {self.code} joins {self.treaty} in {self.start_year} "
                f"({self.code} is not in this world: no effect)"
            )
        who = iso3[self.state]
        who = who if who == self.code else f"{self.code} (in {who})"
        return f"{self.name}: {who} joins {self.treaty} in {self.start_year}"
