"""What every scenario event shares: its name and years, and the registry of event kinds.

An event kind is a subclass of ``Event`` registered under its ``kind`` with ``@register``; its
classmethod ``from_config(name, spec, world)`` validates an ``EventConfig`` against the world
and builds the event. ``sim.world.events.build_event`` looks the kind up in ``EVENT_KINDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.world.builder import World
from sim.world.state import WorldState

EVENT_KINDS: dict[str, type[Event]] = {}
"""Event kind (``EventConfig.kind``) -> its class, in the order of registration."""


def register(kind: str) -> Callable[[type[Event]], type[Event]]:
    """Class decorator: make ``kind`` in a scenario's events build this class.

    Raises:
        ValueError: the kind is already registered (a programming error, not a user's).
    """

    def add(cls: type[Event]) -> type[Event]:
        if kind in EVENT_KINDS:
            raise ValueError(f"event kind '{kind}' is already registered")
        EVENT_KINDS[kind] = cls
        return cls

    return add


def event_key(name: str) -> str:
    """Where an event sits in the config, for error messages."""
    return f"scenario.events.{name}"


@dataclass
class Event:
    """Common fields: the event's name and the years it is active."""

    name: str
    start_year: int
    end_year: int | None  # inclusive; None = to the end of the run

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> Event:
        """Validate ``spec`` (an ``EventConfig``) against ``world`` and build the event.

        Raises:
            UserError: anything wrong with the event's fields, in one line.
        """
        raise NotImplementedError(f"{cls.__name__} does not define from_config")

    @staticmethod
    def timing(name: str, spec: Any) -> dict[str, Any]:
        """The common fields (``name``, ``start_year``, ``end_year``) of an event's config.

        ``spec.duration_years`` has been checked by ``build_event`` (at least 1, or None).
        """
        end = None if spec.duration_years is None else spec.start_year + spec.duration_years - 1
        return {"name": name, "start_year": int(spec.start_year), "end_year": end}

    def active(self, year: int) -> bool:
        """Whether the event acts in this calendar year."""
        return year >= self.start_year and (self.end_year is None or year <= self.end_year)

    def post(self, state: WorldState) -> None:
        """Start-of-year effect (default none)."""

    def restructure(self, state: WorldState) -> list[tuple[int, str]]:
        """Start-of-year change to treaty membership, made before the treaties' targets and the
        events' ``post`` (default none; ``accession``).

        Returns:
            The ``(state, treaty name)`` accessions made, for the model to refresh its treaty
            arrays, calibrate the new members and log them (``AllianceModel``).
        """
        return []

    def years(self) -> str:
        """'from 2025' or '2025-2029' or 'in 2025'."""
        if self.end_year is None:
            return f"from {self.start_year}"
        if self.end_year == self.start_year:
            return f"in {self.start_year}"
        return f"{self.start_year}-{self.end_year}"

    def describe(self, iso3: list[str]) -> str:
        """One line for the event log (``iso3``: the world's state codes)."""
        return f"{self.name} ({type(self).__name__}) {self.years()}"
