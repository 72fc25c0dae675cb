"""The rules the agents follow in a textbook game of pairs, one class each, found by name in
:data:`PAIR_RULES`.

A rule sees the pair's past moves (both seats, oldest round first) and returns the index of its
action (0 = the cooperative one: restrain, commit). Rules that randomise draw from a generator
seeded by the game's seed, the pair, the seat and the round, so the same seed gives the same
moves whatever order seats are resolved in.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.errors import UserError


class PairGameView(Protocol):
    """What a rule needs to know of its game."""

    actions: tuple[str, ...]
    reference: tuple[np.ndarray, np.ndarray]  # the equilibrium the class is compared with

    def best_response(self, position: int, partner_move: int) -> int:
        """The action that pays ``position`` most against ``partner_move``."""
        ...


class PairRule:
    """A rule an agent plays by; subclasses set ``name`` and implement both methods."""

    name = ""

    def describe(self, game: PairGameView) -> str:
        """The rule in plain words, for a student's card and the debrief."""
        raise NotImplementedError

    def choose(
        self,
        game: PairGameView,
        position: int,
        history: list[tuple[int, ...]],
        rng: np.random.Generator,
    ) -> int:
        """The rule's action for ``position`` given the pair's past moves."""
        raise NotImplementedError


class TitForTat(PairRule):
    """Cooperate in the first round, then do what the partner did last round (Axelrod 1984,
    The Evolution of Cooperation, ch. 2)."""

    name = "tit_for_tat"

    def describe(self, game):
        """Tit-for-tat in words."""
        return (
            f"tit-for-tat: chooses {game.actions[0]} in the first round, then whatever its "
            "partner chose the round before"
        )

    def choose(self, game, position, history, rng):
        """The partner's last move (action 0 in the first round)."""
        return history[-1][1 - position] if history else 0


class BestResponse(PairRule):
    """Myopic best response: the action that pays most against the partner's last move;
    action 0 in the first round (in the stag hunt, the payoff-dominant equilibrium's)."""

    name = "best_response"

    def describe(self, game):
        """Best response in words."""
        return (
            f"best reply: chooses {game.actions[0]} in the first round, then what would have "
            "paid it most against its partner's last move"
        )

    def choose(self, game, position, history, rng):
        """The best response to the partner's last move."""
        return game.best_response(position, history[-1][1 - position]) if history else 0


class Equilibrium(PairRule):
    """Play the one-shot equilibrium the class is compared with, every round: the only one in
    the security dilemma (arm), the mixed one in the stag hunt (each move drawn with the
    probabilities that leave the partner indifferent)."""

    name = "equilibrium"

    def describe(self, game):
        """Equilibrium play in words."""
        probabilities = {float(s[0]) for s in game.reference}
        if probabilities <= {0.0, 1.0} and len(probabilities) == 1:
            move = game.actions[0] if probabilities == {1.0} else game.actions[1]
            return f"equilibrium play: chooses {move} every round, its one-shot equilibrium move"
        odds = " or ".join(f"{p:.2f}" for p in sorted(probabilities))
        return (
            f"equilibrium play: every round chooses {game.actions[0]} with probability {odds} "
            "(the one-shot game's mixed equilibrium), drawn at random"
        )

    def choose(self, game, position, history, rng):
        """The seat's equilibrium action (a draw if the equilibrium is mixed)."""
        p_first = float(game.reference[position][0])
        return 0 if rng.random() < p_first else 1


PAIR_RULES: dict[str, type[PairRule]] = {
    cls.name: cls for cls in (TitForTat, BestResponse, Equilibrium)
}
"""The agent rules of the games in pairs, by name."""


def pair_rule(name: str) -> PairRule:
    """The rule called ``name`` (raises ``UserError`` naming the known ones)."""
    if name not in PAIR_RULES:
        raise UserError(f"unknown agent rule {name!r}: choose one of {', '.join(PAIR_RULES)}")
    return PAIR_RULES[name]()
