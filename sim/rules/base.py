"""What every alignment rule is, and what it may see of and do to the model.

A rule is a class with a ``name`` (its key in the registry and in config
``model.alignment.rule``), a docstring that says what it models and cites its source, and:

* ``start(view)``: once, when the model is built (e.g. the landscape rule's initial sides);
* ``prepare(view)``: once a year, before the states act (whatever is fixed in-year);
* ``decide(view, i)``: state ``i``'s alignment decision this year, carried out through ``view``;
* ``value(deltas)`` / ``terms(deltas)``: what a state maximises over the changes in its
  alignment terms (``sim.core.payoffs.ALIGNMENT_TERMS``), and the terms it weighs (so the
  recorded reasons match the decision).

A rule sees the model only through a ``ModelView`` (implemented by ``sim.abm.model``): the year's
payoff context and commitments, what-if payoff changes, and acts that carry out a decision and
record it with its reasons. One instance of the rule serves one model run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

if TYPE_CHECKING:
    from sim.core.payoffs import AlignmentContext
    from sim.schema import AlignmentConfig


class ModelView(Protocol):
    """The model as a rule sees it. Arrays are the model's own (read them, do not write them,
    except ``sides``); indices are positions in the world's arrays.

    Attributes:
        config: the alignment parameters (``sim.schema.AlignmentConfig``).
        rng: the model's random generator (every draw of a run comes from it, in order).
        iso3: the states' codes.
        ctx: this year's payoff context (``sim.core.payoffs.AlignmentContext``).
        levels: (n, n) effective commitment levels (the deeper of bilateral and treaty).
        bilateral: (n, n) bilateral levels.
        treaty_levels: (n, n) levels held by treaties (a floor for the bilateral ties).
        capability: (n,) capability stocks, USD bn.
        sides: (n,) two-sided configuration (0/1), for rules that use one; writable.
    """

    config: AlignmentConfig
    rng: np.random.Generator
    iso3: list[str]

    @property
    def ctx(self) -> AlignmentContext: ...
    @property
    def levels(self) -> np.ndarray: ...
    @property
    def bilateral(self) -> np.ndarray: ...
    @property
    def treaty_levels(self) -> np.ndarray: ...
    @property
    def capability(self) -> np.ndarray: ...
    @property
    def sides(self) -> np.ndarray: ...

    def propensity(self) -> np.ndarray:
        """(n, n) pairwise propensities to align: the current affinity."""
        ...

    # --- what-ifs --------------------------------------------------------------------------
    def treaty_options(self, i: int) -> tuple[list[str], list[str]]:
        """Treaties state i may leave, and those it may ask to join."""
        ...

    def treaty_rows(self, i: int, exits: list[str], joins: list[str]) -> np.ndarray:
        """(len(exits) + len(joins), n) state i's commitment rows after each exit, each join."""
        ...

    def single_change(self, i: int, j: int, new_level: int) -> np.ndarray:
        """Change in state i's alignment terms if its tie with j moved to ``new_level``."""
        ...

    def treaty_members(self, name: str) -> tuple[list[int], int]:
        """A treaty's members and its level."""
        ...

    def exit_cost(self, i: int, name: str) -> float:
        """What leaving treaty ``name`` costs state i beyond its payoff terms (fraction of GDP)."""
        ...

    # --- acts: each carries out a change and records it with its reasons -------------------
    def loosen(self, i: int, j: int, new_level: int, delta: np.ndarray) -> None:
        """State i loosens its tie with j (unilateral), for term changes ``delta``."""
        ...

    def deepen(
        self, i: int, j: int, new_level: int, delta: np.ndarray, partner_delta: np.ndarray
    ) -> None:
        """States i and j deepen their tie (j consented)."""
        ...

    def decline(self, j: int, i: int, new_level: int, partner_delta: np.ndarray, delta) -> None:
        """State j declines i's offer of a deeper tie."""
        ...

    def exit_treaty(self, i: int, name: str, delta: np.ndarray) -> None:
        """State i leaves a treaty (a treaty left with one member dissolves)."""
        ...

    def block_accession(self, j: int, i: int, name: str, d: np.ndarray, delta) -> None:
        """Member j refuses state i's accession to a treaty."""
        ...

    def admit(self, i: int, name: str, delta: np.ndarray) -> None:
        """State i joins a treaty."""
        ...

    def switch_side(self, i: int, gain: float) -> None:
        """State i moves to the other side (energy change ``gain``)."""
        ...

    def move_tie(self, i: int, j: int, new_level: int, why: str) -> None:
        """Set the bilateral tie of i and j, and record it; call ``ties_changed`` after."""
        ...

    def ties_changed(self) -> None:
        """Refresh the effective levels after bilateral changes."""
        ...


class AlignmentRule:
    """Base class of the alignment rules: by default a state values the sum of its alignment
    terms and weighs all of them; ``start`` and ``prepare`` do nothing.

    Args:
        config: the alignment parameters (``model.alignment``).
    """

    name: ClassVar[str] = ""

    def __init__(self, config: AlignmentConfig) -> None:
        self.config = config

    def start(self, view: ModelView) -> None:
        """Set up what the rule needs when the model is built (nothing by default)."""

    def prepare(self, view: ModelView) -> None:
        """Fix what holds for the whole year, before the states act (nothing by default)."""

    def decide(self, view: ModelView, i: int) -> None:
        """State i's alignment decision this year, carried out through ``view``."""
        raise NotImplementedError(f"rule {self.name!r} has no decide()")

    def value(self, deltas: np.ndarray) -> np.ndarray:
        """(m,) what a state maximises, from (m, 7) changes in its alignment terms: their sum."""
        return deltas.sum(axis=1)

    def terms(self, deltas: np.ndarray) -> np.ndarray:
        """The term changes a state weighs (all of them), as recorded in the reasons."""
        return deltas
