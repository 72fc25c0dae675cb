"""Scenario events: interventions scheduled in config.

Each event kind is a class registered under its ``kind`` (``base.register``) and built from an
``EventConfig`` by its classmethod ``from_config``, which validates it against the world
(unknown actors, negative amounts and unknown options are refused with one line). The model
applies each active event every year in two phases:

* ``post(state)`` at the start of the year: offers, targets, shocks and affinity changes that the
  states see when they decide;
* ``settle_aid(state, paid)`` at the end of the year: what the aid actually paid buys (paid
  depends on the year's decisions, through the conditions on commitment).

An ``accession`` acts earlier, through ``restructure(state)``: at the start of the year, before
the treaties' targets and the other events post, a state joins a treaty as a fact of the
scenario; the model refreshes its treaty arrays and calibrates the new member.

One module per kind: ``side_payment``, ``budget_shock``, ``spending_target``, ``exercise``,
``rival_response``, ``credibility_shift`` and ``affinity_shift`` (``shift``), ``accession``. A
new kind is one new class with ``@register("kind")`` in a module imported here
(docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import UserError
from sim.schema import EventConfig, typed_entry
from sim.world.builder import World
from sim.world.events.base import EVENT_KINDS, Event, event_key, register

# the kinds register in this order, the order an unknown kind's error lists them in
# isort: off
from sim.world.events.side_payment import ALLOCATIONS, CHANNELS, SidePayment, settle_aid
from sim.world.events.budget_shock import BudgetShock
from sim.world.events.spending_target import SpendingTarget
from sim.world.events.exercise import Exercise
from sim.world.events.rival_response import RivalResponse
from sim.world.events.shift import AffinityShift, CredibilityShift
from sim.world.events.accession import Accession
# isort: on

__all__ = [
    "ALLOCATIONS",
    "CHANNELS",
    "EVENT_KINDS",
    "Accession",
    "AffinityShift",
    "BudgetShock",
    "CredibilityShift",
    "Event",
    "Exercise",
    "RivalResponse",
    "SidePayment",
    "SpendingTarget",
    "build_event",
    "build_events",
    "register",
    "settle_aid",
]


def build_event(name: str, spec, world: World) -> Event:
    """Build and validate one event from its config.

    Args:
        name: the event's key in ``scenario.events``.
        spec: its EventConfig (or a mapping with its fields).
        world: the world it acts on.

    Raises:
        UserError: an unknown kind, actor, allocation, channel or level; a negative amount; a
            duration below 1.
    """
    where = event_key(name)
    spec = typed_entry(spec, EventConfig, where)
    if spec.duration_years is not None and spec.duration_years < 1:
        raise UserError(f"{where}.duration_years must be at least 1 (or null for 'to the end')")
    kind = EVENT_KINDS.get(spec.kind)
    if kind is None:
        raise UserError(
            f"{where}.kind '{spec.kind}' is unknown; use one of {', '.join(EVENT_KINDS)}"
        )
    return kind.from_config(name, spec, world)


def build_events(events: Mapping[str, object], world: World) -> list[Event]:
    """Build every event of a scenario, in the order of their names (deterministic)."""
    return [build_event(name, events[name], world) for name in sorted(events)]
