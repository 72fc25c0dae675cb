"""Scenario events: interventions scheduled in config.

Each event kind is a small class built from an ``EventConfig`` (``build_events``), validated
against the world on construction (unknown actors, negative amounts and unknown options are
refused with one line), and applied by the model each year in two phases:

* ``post(state)`` at the start of the year: offers, targets, shocks and affinity changes that the
  states see when they decide;
* ``settle_aid(state, paid)`` at the end of the year: what the aid actually paid buys (paid
  depends on the year's decisions, through the conditions on commitment).

Kinds: ``side_payment``, ``budget_shock``, ``spending_target``, ``exercise``, ``rival_response``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.core import payoffs
from sim.errors import UserError
from sim.schema import EventConfig, typed_entry
from sim.world.builder import World, level_number
from sim.world.state import WorldState

CHANNELS = ("capability", "interoperability", "credibility")
ALLOCATIONS = ("equal", "need", "gdp")


@dataclass
class Event:
    """Common fields: the event's name and the years it is active."""

    name: str
    start_year: int
    end_year: int | None  # inclusive; None = to the end of the run

    def active(self, year: int) -> bool:
        """Whether the event acts in this calendar year."""
        return year >= self.start_year and (self.end_year is None or year <= self.end_year)

    def post(self, state: WorldState) -> None:
        """Start-of-year effect (default none)."""

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


@dataclass
class SidePayment(Event):
    """A donor pays recipients a yearly amount (USD bn), split by an allocation rule.

    Conditional aid is paid to recipients that hold a tie of at least ``condition_level`` with
    the donor: in full with such ties to ``condition_partners`` other recipients, pro rata
    short of that (``sim.core.payoffs.aid_by_donor``). Shares not paid are not
    redistributed (the donor keeps the money). Paid aid goes to channels by fraction:
    capability (added to the recipient's capability stock, USD bn for USD bn), interoperability
    (affinity with the donor rises by ``affinity_per_usd_bn`` per USD bn) and credibility (the
    donor's commitment becomes more credible to the recipient by ``credibility_per_usd_bn``).
    """

    donor: int = 0
    recipients: tuple[int, ...] = ()
    amount: float = 0.0
    allocation: str = "equal"
    condition_level: int = 0
    condition_partners: int = 0
    channels: tuple[float, float, float] = (1.0, 0.0, 0.0)
    affinity_per_usd_bn: float = 0.0
    credibility_per_usd_bn: float = 0.0

    def offers(self, state: WorldState) -> np.ndarray:
        """USD bn offered to each recipient this year, by the allocation rule."""
        r = np.array(self.recipients)
        if self.allocation == "equal":
            weights = np.ones(r.size)
        elif self.allocation == "gdp":
            weights = state.gdp[r]
        else:  # need: the recipients' insecurity against the threat they face
            h = payoffs.hostility(state.affinity)
            from sim.core.geography import projection_weights

            reach = projection_weights(state.world.distance, state.world.range_km)
            t = payoffs.threat(state.capability, h, reach)[r]
            weights = t / (t + state.capability[r])
        weights = weights / weights.sum() if weights.sum() > 0 else np.full(r.size, 1 / r.size)
        return self.amount * weights

    def post(self, state: WorldState) -> None:
        r = np.array(self.recipients)
        state.aid_offer[self.donor, r] += self.offers(state)
        state.aid_min_level[self.donor] = max(state.aid_min_level[self.donor], self.condition_level)
        state.aid_min_partners[self.donor] = max(
            state.aid_min_partners[self.donor], self.condition_partners
        )
        # several payments by one donor: channels and rates are averaged, weighted by amount
        d, w = self.donor, self.amount
        before = state.aid_weight[d]
        total = before + w
        if total > 0:
            state.aid_channels[d] = (
                state.aid_channels[d] * before + np.asarray(self.channels) * w
            ) / total
            for rates, own in (
                (state.aid_affinity_per_usd_bn, self.affinity_per_usd_bn),
                (state.aid_credibility_per_usd_bn, self.credibility_per_usd_bn),
            ):
                rates[d] = (rates[d] * before + own * w) / total
        state.aid_weight[d] = total

    def describe(self, iso3: list[str]) -> str:
        from sim.schema import LEVELS

        recipients = ", ".join(iso3[r] for r in self.recipients)
        condition = (
            "unconditional"
            if self.condition_level == 0
            else f"paid for {LEVELS[self.condition_level]} ties with {iso3[self.donor]} and "
            f"{self.condition_partners} other recipient(s), pro rata"
        )
        return (
            f"{self.name}: USD {self.amount:g} bn a year {self.years()} from {iso3[self.donor]} "
            f"to {recipients}, split by {self.allocation}, {condition}"
        )


@dataclass
class BudgetShock(Event):
    """A state's defence budget is set from outside: USD bn per year, or a share of GDP."""

    state_index: int = 0
    spending_usd_bn: float | None = None
    pct_gdp: float | None = None

    def post(self, state: WorldState) -> None:
        i = self.state_index
        if self.spending_usd_bn is not None:
            state.fixed_spending[i] = self.spending_usd_bn
        else:
            state.fixed_spending[i] = self.pct_gdp / 100.0 * state.gdp[i]


@dataclass
class SpendingTarget(Event):
    """A soft target for members' defence share, reached linearly by ``by_year``.

    The target starts at ``start_target`` (the target in force before, e.g. NATO's 2 %; set by
    the event's ``pct_gdp``) and rises linearly to ``target`` in ``by_year``; after that it
    stays there. Missing it costs ``weight`` per point of GDP.
    """

    members: tuple[int, ...] = ()
    target: float = 0.0
    start_target: float = 0.0
    by_year: int | None = None
    weight: float = 0.3

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


@dataclass
class Exercise(Event):
    """Joint exercises: every pair of participants gains affinity and credibility each year."""

    participants: tuple[int, ...] = ()
    affinity_gain: float = 0.0
    credibility_gain: float = 0.0
    max_affinity: float = 1.0

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


@dataclass
class RivalResponse(Event):
    """A rival's counter-balancing (e.g. China's response to a US-led bloc).

    Three levers: a Richardson-style budget reaction (its desired share rises by ``reaction``
    times the growth of hostile spending within reach since the event began, as a share of its
    GDP; Richardson 1960); economic coercion (its coercion propensity is multiplied); courting
    partners (its affinity with each courted state rises by ``courting_gain`` a year).
    """

    actor: int = 0
    reaction: float = 0.0
    coercion_multiplier: float = 1.0
    courted: tuple[int, ...] = ()
    courting_gain: float = 0.0
    max_affinity: float = 1.0

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


def _one(world: World, code: str | None, key: str) -> int:
    if not code:
        raise UserError(f"{key} is required for this event kind")
    return world.index(world.resolve([code])[0], key)


def _present(world: World, codes, key: str) -> tuple[int, ...]:
    """Indices of the listed states present in this world (possibly none); unknown codes are
    errors."""
    from sim.world.tables import known_codes

    for code in codes:
        if code not in world.iso3 and code not in known_codes():
            world.index(code, key)  # raises the one-line error naming the known codes
    return tuple(world.indices([c for c in world.resolve(codes) if c in world.iso3], key))


def _many(world: World, codes, key: str) -> tuple[int, ...]:
    """Indices of the listed states present in this world.

    A member of an aggregate stands for the aggregate (GBR for NATO-Europe in the classroom
    world); a state the package knows but this world leaves out (Australia in the classroom
    world) is skipped, so one scenario serves several worlds; an unknown code is an error, and
    so is a list with no state of this world.
    """
    from sim.world.tables import known_codes

    if not codes:
        raise UserError(f"{key} must list at least one state")
    codes = list(codes)
    for code in codes:
        if code not in world.iso3 and code not in known_codes():
            world.index(code, key)  # raises the one-line error naming the known codes
    present = [c for c in world.resolve(codes) if c in world.iso3]
    if not present:
        raise UserError(f"{key}: none of {codes} is in world '{world.name}'")
    idx = world.indices(present, key)
    if len(set(idx)) != len(idx):
        raise UserError(f"{key} lists a state twice")
    return tuple(idx)


def _nonnegative(value: float, key: str) -> float:
    if value is None or value < 0:
        raise UserError(f"{key} must be a non-negative number (got {value})")
    return float(value)


def build_event(name: str, spec, world: World) -> Event:
    """Build and validate one event from its config.

    Args:
        name: the event's key in ``scenario.events``.
        spec: its EventConfig.
        world: the world it acts on.

    Raises:
        UserError: an unknown kind, actor, allocation, channel or level; a negative amount; a
            duration below 1.
    """
    where = f"scenario.events.{name}"
    spec = typed_entry(spec, EventConfig, where)
    if spec.duration_years is not None and spec.duration_years < 1:
        raise UserError(f"{where}.duration_years must be at least 1 (or null for 'to the end')")
    end = None if spec.duration_years is None else spec.start_year + spec.duration_years - 1
    common = {"name": name, "start_year": int(spec.start_year), "end_year": end}
    kind = spec.kind
    if kind == "side_payment":
        if spec.allocation not in ALLOCATIONS:
            raise UserError(
                f"{where}.allocation '{spec.allocation}' is unknown; "
                f"use one of {', '.join(ALLOCATIONS)}"
            )
        unknown = set(spec.channels) - set(CHANNELS)
        if unknown:
            raise UserError(
                f"{where}.channels has unknown channel(s) {sorted(unknown)}; "
                f"use {', '.join(CHANNELS)}"
            )
        channels = tuple(
            _nonnegative(spec.channels.get(c, 0.0), f"{where}.channels.{c}") for c in CHANNELS
        )
        if not spec.channels:
            channels = (1.0, 0.0, 0.0)
        if abs(sum(channels) - 1.0) > 1e-9:
            raise UserError(f"{where}.channels must sum to 1 (they sum to {sum(channels):g})")
        donor = _one(world, spec.donor, f"{where}.donor")
        recipients = _many(world, spec.recipients, f"{where}.recipients")
        if donor in recipients:
            raise UserError(f"{where}: the donor cannot also be a recipient")
        listed = len(spec.recipients)
        if spec.condition_partners < 0 or spec.condition_partners > listed - 1:
            raise UserError(f"{where}.condition_partners must be between 0 and {listed - 1}")
        return SidePayment(
            **common,
            donor=donor,
            recipients=recipients,
            amount=_nonnegative(spec.amount_usd_bn, f"{where}.amount_usd_bn"),
            allocation=spec.allocation,
            condition_level=level_number(spec.condition_level, f"{where}.condition_level"),
            # in a world without some recipients, at most the others present can be partners
            condition_partners=min(int(spec.condition_partners), len(recipients) - 1),
            channels=channels,
            affinity_per_usd_bn=_nonnegative(
                spec.affinity_per_usd_bn, f"{where}.affinity_per_usd_bn"
            ),
            credibility_per_usd_bn=_nonnegative(
                spec.credibility_per_usd_bn, f"{where}.credibility_per_usd_bn"
            ),
        )
    if kind == "budget_shock":
        i = _one(world, spec.state, f"{where}.state")
        if (spec.spending_usd_bn is None) == (spec.pct_gdp is None):
            raise UserError(f"{where}: give exactly one of spending_usd_bn and pct_gdp")
        if spec.spending_usd_bn is not None:
            _nonnegative(spec.spending_usd_bn, f"{where}.spending_usd_bn")
        else:
            _nonnegative(spec.pct_gdp, f"{where}.pct_gdp")
            if spec.pct_gdp >= 100:
                raise UserError(f"{where}.pct_gdp must be below 100")
        return BudgetShock(
            **common, state_index=i, spending_usd_bn=spec.spending_usd_bn, pct_gdp=spec.pct_gdp
        )
    if kind == "spending_target":
        target = _nonnegative(spec.target_pct_gdp, f"{where}.target_pct_gdp")
        if spec.by_year is not None and spec.by_year < spec.start_year:
            raise UserError(f"{where}.by_year is before start_year")
        return SpendingTarget(
            **common,
            members=_many(world, spec.members, f"{where}.members"),
            target=target / 100.0,
            start_target=_nonnegative(spec.pct_gdp or 0.0, f"{where}.pct_gdp") / 100.0,
            by_year=spec.by_year,
            weight=_nonnegative(spec.weight, f"{where}.weight"),
        )
    if kind == "exercise":
        participants = _many(world, spec.participants, f"{where}.participants")
        if len(participants) < 2:
            raise UserError(f"{where}.participants needs at least two states")
        return Exercise(
            **common,
            participants=participants,
            affinity_gain=_nonnegative(spec.affinity_gain, f"{where}.affinity_gain"),
            credibility_gain=_nonnegative(spec.credibility_gain, f"{where}.credibility_gain"),
            max_affinity=float(spec.max_affinity),
        )
    if kind == "rival_response":
        return RivalResponse(
            **common,
            actor=_one(world, spec.actor, f"{where}.actor"),
            reaction=_nonnegative(spec.reaction, f"{where}.reaction"),
            coercion_multiplier=_nonnegative(
                spec.coercion_multiplier, f"{where}.coercion_multiplier"
            ),
            courted=_present(world, spec.courted, f"{where}.courted"),
            courting_gain=_nonnegative(spec.courting_gain, f"{where}.courting_gain"),
            max_affinity=float(spec.max_affinity),
        )
    kinds = "side_payment, budget_shock, spending_target, exercise, rival_response"
    raise UserError(f"{where}.kind '{kind}' is unknown; use one of {kinds}")


def build_events(events: Mapping[str, object], world: World) -> list[Event]:
    """Build every event of a scenario, in the order of their names (deterministic)."""
    return [build_event(name, events[name], world) for name in sorted(events)]


def settle_aid(state: WorldState, paid: np.ndarray) -> None:
    """Apply the channels of the aid paid this year (``paid[d, i]`` USD bn).

    Capability: added to the recipient's stock. Interoperability: affinity with the donor rises.
    Credibility: the donor's commitment becomes more credible to the recipient (capped at 1).
    """
    if not paid.any():
        return
    cap = state.aid_channels[:, 0][:, None] * paid
    state.capability += cap.sum(axis=0)
    inter = state.aid_channels[:, 1][:, None] * paid * state.aid_affinity_per_usd_bn[:, None]
    delta = inter + inter.T
    state.affinity = np.clip(state.affinity + delta, -1.0, 1.0)
    np.fill_diagonal(state.affinity, 0.0)
    cred = state.aid_channels[:, 2][:, None] * paid * state.aid_credibility_per_usd_bn[:, None]
    state.credibility = np.minimum(1.0, state.credibility + cred.T)
