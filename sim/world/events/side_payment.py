"""The ``side_payment`` event: a donor's yearly aid to recipients, and what paid aid buys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.core import payoffs
from sim.core.geography import projection_weights
from sim.errors import UserError
from sim.schema import LEVELS
from sim.world.builder import World, level_number
from sim.world.events.base import Event, event_key, register
from sim.world.events.checks import listed_states, nonnegative, one_state
from sim.world.state import WorldState

CHANNELS = ("capability", "interoperability", "credibility", "budget")
FUNDING = ("consumption", "defence")
ALLOCATIONS = ("equal", "need", "gdp")


def _channels(spec: Any, where: str) -> tuple[float, float, float, float]:
    """The fractions of paid aid going to each channel (all to capability when none given)."""
    unknown = set(spec.channels) - set(CHANNELS)
    if unknown:
        raise UserError(
            f"{where}.channels has unknown channel(s) {sorted(unknown)}; use {', '.join(CHANNELS)}"
        )
    channels = tuple(
        nonnegative(spec.channels.get(c, 0.0), f"{where}.channels.{c}") for c in CHANNELS
    )
    if not spec.channels:
        channels = (1.0, 0.0, 0.0, 0.0)
    if abs(sum(channels) - 1.0) > 1e-9:
        raise UserError(f"{where}.channels must sum to 1 (they sum to {sum(channels):g})")
    return channels


@register("side_payment")
@dataclass
class SidePayment(Event):
    """A donor pays recipients a yearly amount (USD bn), split by an allocation rule.

    Conditional aid is paid to recipients that hold a tie of at least ``condition_level`` with
    the donor: in full with such ties to ``condition_partners`` other recipients, pro rata
    short of that (``sim.core.payoffs.aid_by_donor``). Shares not paid are not
    redistributed (the donor keeps the money). Paid aid goes to channels by fraction:
    capability (added to the recipient's capability stock, USD bn for USD bn), interoperability
    (affinity with the donor rises by ``affinity_per_usd_bn`` per USD bn), credibility (the
    donor's commitment becomes more credible to the recipient by ``credibility_per_usd_bn``)
    and budget (cash: the recipient's income). The donor pays every dollar once, out of
    consumption or, with ``funding: defence``, out of its defence budget (less capability of
    its own). The pro-rata rule and the channels are the model's assumptions (docs/ODD.md 7.7,
    7.15).
    """

    donor: int = 0
    recipients: tuple[int, ...] = ()
    amount: float = 0.0
    allocation: str = "equal"
    condition_level: int = 0
    condition_partners: int = 0
    channels: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    from_defence: bool = False
    affinity_per_usd_bn: float = 0.0
    credibility_per_usd_bn: float = 0.0

    @classmethod
    def from_config(cls, name: str, spec: Any, world: World) -> SidePayment:
        where = event_key(name)
        if spec.allocation not in ALLOCATIONS:
            raise UserError(
                f"{where}.allocation '{spec.allocation}' is unknown; "
                f"use one of {', '.join(ALLOCATIONS)}"
            )
        channels = _channels(spec, where)
        if spec.funding not in FUNDING:
            raise UserError(
                f"{where}.funding '{spec.funding}' is unknown; use one of {', '.join(FUNDING)}"
            )
        donor = one_state(world, spec.donor, f"{where}.donor")
        recipients = listed_states(world, spec.recipients, f"{where}.recipients")
        if donor in recipients:
            raise UserError(f"{where}: the donor cannot also be a recipient")
        listed = len(spec.recipients)
        if spec.condition_partners < 0 or spec.condition_partners > listed - 1:
            raise UserError(f"{where}.condition_partners must be between 0 and {listed - 1}")
        return cls(
            **cls.timing(name, spec),
            donor=donor,
            recipients=recipients,
            amount=nonnegative(spec.amount_usd_bn, f"{where}.amount_usd_bn"),
            allocation=spec.allocation,
            condition_level=level_number(spec.condition_level, f"{where}.condition_level"),
            # in a world without some recipients, at most the others present can be partners
            condition_partners=min(int(spec.condition_partners), len(recipients) - 1),
            channels=channels,
            from_defence=spec.funding == "defence",
            affinity_per_usd_bn=nonnegative(
                spec.affinity_per_usd_bn, f"{where}.affinity_per_usd_bn"
            ),
            credibility_per_usd_bn=nonnegative(
                spec.credibility_per_usd_bn, f"{where}.credibility_per_usd_bn"
            ),
        )

    def offers(self, state: WorldState) -> np.ndarray:
        """USD bn offered to each recipient this year, by the allocation rule."""
        r = np.array(self.recipients)
        if self.allocation == "equal":
            weights = np.ones(r.size)
        elif self.allocation == "gdp":
            weights = state.gdp[r]
        else:  # need: the recipients' insecurity against the threat they face
            h = payoffs.hostility(state.affinity)
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
        state.aid_from_defence[d] |= self.from_defence

    def describe(self, iso3: list[str]) -> str:
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


def settle_aid(state: WorldState, paid: np.ndarray) -> None:
    """Apply the channels of the aid paid this year (``paid[d, i]`` USD bn).

    Capability: added to the recipient's stock. Interoperability: affinity with the donor rises.
    Credibility: the donor's commitment becomes more credible to the recipient (capped at 1).
    Budget support is income, counted in the recipient's utility (``sim.core.payoffs``). A donor
    funding from defence loses the capability the money would have bought it; one funding from
    consumption pays in its utility. Every dollar leaves one donor once.
    """
    if not paid.any():
        return
    cap = state.aid_channels[:, 0][:, None] * paid
    state.capability += cap.sum(axis=0)
    state.capability -= np.where(state.aid_from_defence, paid.sum(axis=1), 0.0)
    state.capability = np.maximum(state.capability, 0.0)
    inter = state.aid_channels[:, 1][:, None] * paid * state.aid_affinity_per_usd_bn[:, None]
    delta = inter + inter.T
    state.affinity = np.clip(state.affinity + delta, -1.0, 1.0)
    np.fill_diagonal(state.affinity, 0.0)
    cred = state.aid_channels[:, 2][:, None] * paid * state.aid_credibility_per_usd_bn[:, None]
    state.credibility = np.minimum(1.0, state.credibility + cred.T)
