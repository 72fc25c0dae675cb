"""The mutable state of a simulated world: what changes from year to year.

``WorldState`` holds the arrays that the agents' decisions and the scenario events read and
write: budgets, capability, commitments, affinity, credibility, aid offers and targets. It is
plain numpy, so the model, the events and the tests share one representation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.world.builder import Treaty, World


@dataclass
class WorldState:
    """Year-by-year state of the world (arrays indexed like ``world.iso3``).

    Attributes:
        world: the calibrated world (static inputs).
        year: the current calendar year.
        gdp: GDP, USD bn.
        share: defence share of GDP, 0-1.
        capability: capability stock, USD bn.
        affinity: (n, n) affinity, -1..1 (scenario events move it).
        credibility: (n, n) ``credibility[i, j]``: how credible j's commitments are to i, 0-1.
        coercion_propensity: (n,) share of targeted trade each state will cut, 0-1.
        bilateral: (n, n) int8 bilateral commitment levels 0-3.
        treaties: the treaty alliances (members change by accession and exit).
        aid_offer: (n, n) USD bn per year offered by donor (row) to recipient (column) this year.
        aid_min_level, aid_min_partners: (n,) per donor, the conditions of its offers.
        aid_channels: (n, 4) per donor, fractions of paid aid going to capability,
            interoperability, credibility and budget support (amount-weighted over the donor's
            payments).
        aid_from_defence: (n,) per donor, True when it pays out of its defence budget (else
            out of consumption).
        aid_weight: (n,) per donor, USD bn offered this year (the weights of that average).
        aid_affinity_per_usd_bn, aid_credibility_per_usd_bn: (n,) per donor.
        target_share, target_weight: (n,) soft spending targets this year.
        target_risk: (n,) share of the value of a state's allies put at risk by each point of GDP
            it falls short of its target (the leader's pressure; ``sim.abm.model``).
        (Offers, targets, shocks, coercion propensity and reactions are reset every year and
        posted again by the events active that year.)
        fixed_spending: (n,) USD bn imposed by a budget shock this year (NaN = none).
        reaction: (n,) Richardson reaction of each state to hostile spending (0 = none).
        reaction_reference: (n,) hostile spending (USD bn) when the reaction began.
    """

    world: World
    year: int
    gdp: np.ndarray
    share: np.ndarray
    capability: np.ndarray
    affinity: np.ndarray
    credibility: np.ndarray
    coercion_propensity: np.ndarray
    bilateral: np.ndarray
    treaties: list[Treaty]
    aid_offer: np.ndarray = field(init=False)
    aid_min_level: np.ndarray = field(init=False)
    aid_min_partners: np.ndarray = field(init=False)
    aid_channels: np.ndarray = field(init=False)
    aid_from_defence: np.ndarray = field(init=False)
    aid_weight: np.ndarray = field(init=False)
    aid_affinity_per_usd_bn: np.ndarray = field(init=False)
    aid_credibility_per_usd_bn: np.ndarray = field(init=False)
    target_share: np.ndarray = field(init=False)
    target_weight: np.ndarray = field(init=False)
    target_risk: np.ndarray = field(init=False)
    fixed_spending: np.ndarray = field(init=False)
    reaction: np.ndarray = field(init=False)
    reaction_reference: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = self.world.n
        self.reaction_reference = np.full(n, np.nan)
        self.reset_year()

    @classmethod
    def initial(cls, world: World, depreciation: float) -> WorldState:
        """The 2024 state: observed budgets, capability at its steady state.

        Capability starts at ``spending / depreciation``, the stock that 2024 spending would
        sustain (an assumption: 2024 budgets are typical of the preceding decade).
        """
        n = world.n
        return cls(
            world=world,
            year=world.base_year,
            gdp=world.gdp.copy(),
            share=world.share.copy(),
            capability=world.spending / depreciation,
            affinity=world.affinity.copy(),
            credibility=np.repeat(world.credibility[None, :], n, axis=0),
            coercion_propensity=world.coercion_propensity.copy(),
            bilateral=world.ties.copy(),
            treaties=[
                Treaty(
                    t.name,
                    list(t.members),
                    t.level,
                    t.target_share,
                    t.target_weight,
                    list(t.open_to),
                    t.note,
                )
                for t in world.treaties
            ],
        )

    def reset_year(self) -> None:
        """Clear this year's offers, targets and shocks before the events post them again."""
        n = self.world.n
        self.aid_offer = np.zeros((n, n))
        self.aid_min_level = np.zeros(n, dtype=int)
        self.aid_min_partners = np.zeros(n, dtype=int)
        self.aid_channels = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
        self.aid_from_defence = np.zeros(n, dtype=bool)
        self.aid_weight = np.zeros(n)
        self.aid_affinity_per_usd_bn = np.zeros(n)
        self.aid_credibility_per_usd_bn = np.zeros(n)
        self.target_share = np.zeros(n)
        self.target_weight = np.zeros(n)
        self.target_risk = np.zeros(n)
        self.fixed_spending = np.full(n, np.nan)
        self.coercion_propensity = self.world.coercion_propensity.copy()
        self.reaction = np.zeros(n)

    @property
    def spending(self) -> np.ndarray:
        """Defence spending, USD bn per year."""
        return self.share * self.gdp

    def treaty_levels(self) -> np.ndarray:
        """(n, n) commitment levels implied by treaty membership (0 where none)."""
        n = self.world.n
        levels = np.zeros((n, n), dtype=np.int8)
        for t in self.treaties:
            m = np.array(t.members)
            if m.size >= 2:
                block = levels[np.ix_(m, m)]
                levels[np.ix_(m, m)] = np.maximum(block, t.level)
        np.fill_diagonal(levels, 0)
        return levels

    def levels(self) -> np.ndarray:
        """(n, n) effective commitment levels: the deeper of bilateral and treaty ties."""
        return np.maximum(self.bilateral, self.treaty_levels())

    def set_tie(self, i: int, j: int, level: int) -> None:
        """Set the bilateral level between i and j (symmetric)."""
        self.bilateral[i, j] = self.bilateral[j, i] = level

    def treaty(self, name: str) -> Treaty | None:
        """The treaty of that name, if any."""
        for t in self.treaties:
            if t.name == name:
                return t
        return None

    def apply_treaty_targets(self, default_weight: float, default_risk: float = 0.0) -> None:
        """Post the spending targets of the treaties each state belongs to (the highest wins),
        with the model's abandonment risk of a shortfall
        (``model.budget.target_abandonment_risk``)."""
        for t in self.treaties:
            if t.target_share <= 0:
                continue
            m = np.array(t.members)
            w = default_weight if t.target_weight is None else t.target_weight
            self.target_share[m] = np.maximum(self.target_share[m], t.target_share)
            self.target_weight[m] = np.maximum(self.target_weight[m], w)
            self.target_risk[m] = np.maximum(self.target_risk[m], default_risk)
