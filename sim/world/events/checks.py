"""Checks shared by the event kinds: the states an event names, and non-negative amounts."""

from __future__ import annotations

from collections.abc import Sequence

from sim.errors import UserError
from sim.world.builder import World
from sim.world.tables import known_codes


def one_state(world: World, code: str | None, key: str) -> int:
    """Index of the one state ``key`` names (a member of an aggregate stands for it).

    Raises:
        UserError: no state given, or one this world does not have.
    """
    if not code:
        raise UserError(f"{key} is required for this event kind")
    return world.index(world.resolve([code])[0], key)


def _check_known(world: World, codes: Sequence[str], key: str) -> None:
    """Refuse a code neither this world nor the package knows (one line naming the known)."""
    for code in codes:
        if code not in world.iso3 and code not in known_codes():
            world.index(code, key)  # raises the one-line error naming the known codes


def present_states(world: World, codes: Sequence[str], key: str) -> tuple[int, ...]:
    """Indices of the listed states present in this world (possibly none); unknown codes are
    errors."""
    _check_known(world, codes, key)
    return tuple(world.indices([c for c in world.resolve(codes) if c in world.iso3], key))


def listed_states(world: World, codes: Sequence[str], key: str) -> tuple[int, ...]:
    """Indices of the listed states present in this world.

    A member of an aggregate stands for the aggregate (GBR for NATO-Europe in the classroom
    world); a state the package knows but this world leaves out (Australia in the classroom
    world) is skipped, so one scenario serves several worlds; an unknown code is an error, and
    so is a list with no state of this world.
    """
    if not codes:
        raise UserError(f"{key} must list at least one state")
    codes = list(codes)
    _check_known(world, codes, key)
    present = [c for c in world.resolve(codes) if c in world.iso3]
    if not present:
        raise UserError(f"{key}: none of {codes} is in world '{world.name}'")
    idx = world.indices(present, key)
    if len(set(idx)) != len(idx):
        raise UserError(f"{key} lists a state twice")
    return tuple(idx)


def nonnegative(value: float | None, key: str) -> float:
    """``value`` as a float, or a one-line error if it is missing or negative."""
    if value is None or value < 0:
        raise UserError(f"{key} must be a non-negative number (got {value})")
    return float(value)
