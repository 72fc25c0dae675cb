"""Textbook 2x2 games played in pairs, round after round: the security dilemma (arm or restrain)
and the stag hunt (commit or hedge), with the payoffs, equilibria and citations of their demos
(``sim.demos.security_dilemma``, ``sim.demos.stag_hunt``; equilibria by nashpy through
``sim.demos.games``).

Seats are ``"pair 1 / A"``, ``"pair 1 / B"``, ... (in the stag hunt ``"pair 1 / patron"``,
``"pair 1 / partner"``, the demo's players); a seat's id is also its name everywhere. Students
fill pair after pair in join order. A pair with one student plays against an agent; a pair
with none is not played. The first seat is the row player of the demo's payoff matrix, the
second the column player.
"""

from __future__ import annotations

import inspect
from types import ModuleType

import numpy as np

from sim.classroom.game import Card, Control, count
from sim.classroom.rounds.agents import pair_rule
from sim.classroom.rounds.common import RoundsGame, checked_submission, majority
from sim.classroom.rounds.pair_debrief import pair_board
from sim.demos import security_dilemma, stag_hunt
from sim.demos.games import describe, is_pure, nash_equilibria
from sim.errors import UserError, printable


def demo_parameters(payoff_matrices, overrides: dict) -> dict[str, float]:
    """The payoff parameters of a demo's ``payoff_matrices``: its defaults with ``overrides``.

    Raises:
        UserError: an override the function does not take, or one that is not a number.
    """
    defaults = {
        name: p.default
        for name, p in inspect.signature(payoff_matrices).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise UserError(
            f"unknown payoff parameter {', '.join(unknown)}: this game takes {', '.join(defaults)}"
        )
    params = {**defaults, **overrides}
    for name, value in params.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            raise UserError(f"the payoff parameter {name} must be a number (got {value!r})")
    return {name: float(value) for name, value in params.items()}


def one_shot_equilibria(row: np.ndarray, col: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every Nash equilibrium of the one-shot game (nashpy); for a degenerate game (a payoff
    tie, e.g. a side payment that makes committing only weakly dominant, or payoffs so close
    together that nashpy's vertex enumeration fails on them), the pure equilibria found by
    checking every cell's best responses."""
    try:
        return nash_equilibria(row, col)
    except (RuntimeError, TypeError):  # TypeError: nashpy's polytope on near-equal payoffs
        eye = np.eye(2)
        return [
            (eye[i], eye[j])
            for i in range(2)
            for j in range(2)
            if row[i, j] >= row[:, j].max() and col[i, j] >= col[i, :].max()
        ]


class PairGame(RoundsGame):
    """A 2x2 game of a demo, played in pairs; subclasses name the demo and their agent rule."""

    unit_word = "pair"
    positions = ("A", "B")
    demo: ModuleType
    default_rule = "tit_for_tat"
    extra_columns = (
        "pair",
        "side",
        "partner",
        "partner_role",
        "partner_choice",
        "equilibrium_choice",
        "agent_payoff",
        "equilibrium_payoff",
        "agent_rule",
    )

    def __init__(
        self,
        turns: int = 5,
        seed: int = 0,
        max_students: int = 60,
        agent_rule: str | None = None,
        **payoffs: float,
    ) -> None:
        """The game with the demo's payoffs (``payoffs`` overrides them by the names of the
        demo's ``payoff_matrices``) and the agents' rule (a key of ``PAIR_RULES``)."""
        super().__init__(turns, seed, max_students)
        self.params = demo_parameters(self.demo.payoff_matrices, payoffs)
        self.row, self.col = self.demo.payoff_matrices(**self.params)
        self.actions = tuple(self.demo.ACTIONS)
        self.equilibria = one_shot_equilibria(self.row, self.col)
        mixed = [e for e in self.equilibria if not is_pure(e)]
        self.reference = (mixed or self.equilibria)[0]
        self.rule_name = agent_rule or self.default_rule
        self.rule = pair_rule(self.rule_name)
        self.rule_text = self.rule.describe(self)

    @classmethod
    def settings(cls, config: dict) -> dict:
        """The constructor's arguments from a ``config()`` (to rebuild the game)."""
        return {**cls.base_settings(config), **config["payoffs"]}

    # --- the one-shot game

    def payoff(self, position: int, own: int, partner: int) -> float:
        """What ``position`` gets choosing ``own`` against ``partner``, in points."""
        return float(self.row[own, partner] if position == 0 else self.col[partner, own])

    def best_response(self, position: int, partner_move: int) -> int:
        """The action paying ``position`` most against ``partner_move`` (ties: action 0)."""
        return int(np.argmax([self.payoff(position, a, partner_move) for a in range(2)]))

    def equilibrium_text(self) -> str:
        """The one-shot equilibria in words, e.g. '(arm, arm)'."""
        return ", ".join(describe(e, self.actions, self.positions) for e in self.equilibria)

    def repeated_lines(self) -> list[str]:
        """What can be sustained when the game is repeated, in words (with sources)."""
        raise NotImplementedError

    def card_notes(self) -> list[str]:
        """Lines of a card that explain the payoffs (none by default)."""
        return []

    # --- RoundsGame

    def agent_move(self, table: int, position: int) -> int:
        """The agent rule's action for the seat in the open round (seeded by seed, pair, seat
        and round)."""
        rng = np.random.default_rng([self.seed, table, position, self.turn])
        return self.rule.choose(self, position, self.history[table], rng)

    def team_move(self, submitted: list[dict]) -> int:
        """The most common choice of the seat's students."""
        return majority([self.actions.index(d["choice"]) for d in submitted])

    def payoffs(self, table: int, moves: tuple) -> tuple[float, float]:
        """A's and B's payoffs for the moves."""
        return self.payoff(0, moves[0], moves[1]), self.payoff(1, moves[1], moves[0])

    def words(self, move) -> str:
        """The action's name."""
        return self.actions[move]

    def extra_fields(self, table, position, moves, agent_moves) -> dict:
        """Pair, side, partner and what the agent rule and the best response would have paid
        against the partner's actual move."""
        other = 1 - position
        best = self.best_response(position, moves[other])
        return {
            "pair": table,
            "side": self.positions[position],
            "partner": self.seat_id(table, self.positions[other]),
            "partner_role": "student" if self.held(table, other) else "agent",
            "partner_choice": self.actions[moves[other]],
            "equilibrium_choice": self.actions[best],
            "agent_payoff": self.payoff(position, agent_moves[position], moves[other]),
            "equilibrium_payoff": self.payoff(position, best, moves[other]),
            "agent_rule": self.rule_name,
        }

    # --- Game

    def check(self, seat: str, submission: dict) -> dict:
        """``{"choice": action}`` from a submission naming one of the actions."""
        self.locate(seat)
        value = checked_submission(submission, ("choice",))["choice"]
        choice = value.strip().lower() if isinstance(value, str) else None
        if choice not in self.actions:
            raise UserError(
                f"unknown move {printable(value)!r}: choose {self.actions[0]} or {self.actions[1]}"
            )
        return {"choice": choice}

    def card(self, seat: str) -> Card:
        """The seat's situation: partner, last round, running total and the payoffs."""
        table, position = self.locate(seat)
        other = 1 - position
        partner = self.seat_id(table, self.positions[other])
        lines = [
            self.head_line(seat, f". Choose {self.actions[0]} or {self.actions[1]}."),
            f"Your partner holds the other seat of the pair, {partner}: "
            f"{self.holder(table, other)}"
            + ("." if self.held(table, other) else f", which plays {self.rule_text}."),
        ]
        history = self.history[table]
        if history:
            last = history[-1]
            lines.append(
                f"Last round you chose {self.actions[last[position]]} and your partner "
                f"{self.actions[last[other]]}: you got "
                f"{self.payoff(position, last[position], last[other]):g} points, your partner "
                f"{self.payoff(other, last[other], last[position]):g}."
            )
            total = sum(self.payoff(position, m[position], m[other]) for m in history)
            lines.append(
                f"Your total so far: {total:g} points after {count(len(history), 'round')}."
            )
        lines += self.card_notes() + self._payoff_lines(position)
        options = [
            {"your move": self.actions[a]}
            | {
                f"partner: {self.actions[b]}": self.payoff(position, a, b)
                for b in range(len(self.actions))
            }
            for a in range(len(self.actions))
        ]
        control = Control(
            "choice", "Your move", "choice", options=tuple((a, a) for a in self.actions)
        )
        return Card(seat, f"{self.title}: {self.seat_name(seat)}", lines, [control], options)

    def _payoff_lines(self, position: int) -> list[str]:
        """The payoff matrix from ``position``'s side, one line per pair of moves."""
        other = 1 - position
        return [
            f"If you {self.actions[a]} and your partner chooses {self.actions[b]}: you get "
            f"{self.payoff(position, a, b):g}, your partner {self.payoff(other, b, a):g} points."
            for a in range(2)
            for b in range(2)
        ]

    def board(self) -> dict:
        """The dashboard's data: headline, the class's choices per round against the
        equilibrium, bars of the last round's shares."""
        return pair_board(self.records_frame(), self.config())

    def config(self) -> dict:
        """The game's settings, its payoffs and its equilibria (what the debrief reads)."""
        return {
            **self.base_config(),
            "agent_rule_text": self.rule_text,
            "payoffs": dict(self.params),
            "actions": list(self.actions),
            "sides": list(self.positions),
            "row_payoffs": self.row.tolist(),
            "col_payoffs": self.col.tolist(),
            "equilibria": self.equilibrium_text(),
            "reference_probabilities": [float(s[0]) for s in self.reference],
            "equilibrium_probabilities": [[float(s[0]) for s in e] for e in self.equilibria],
            "repeated": self.repeated_lines(),
        }


class SecurityDilemmaRounds(PairGame):
    """The security dilemma as a prisoner's dilemma in pairs (Jervis 1978; Axelrod 1984): the
    demo's T, R, P, S; agents play tit-for-tat by default."""

    key = "security_dilemma"
    title = "Security dilemma: arm or restrain"
    demo = security_dilemma

    def repeated_lines(self) -> list[str]:
        """Backward induction with a known last round; the critical discount factors else."""
        t, r, p, s = (self.params[k] for k in ("temptation", "reward", "punishment", "sucker"))
        grim = self.demo.critical_discount_grim(t, r, p)
        tft = self.demo.critical_discount_tit_for_tat(t, r, p, s)
        return [
            f"One round: arming pays more whatever the partner does; the only equilibrium is "
            f"{self.equilibrium_text()}.",
            f"With a known last round (round {self.turns}), backward induction makes arming "
            "the equilibrium move in every round (Luce & Raiffa 1957).",
            f"With no known end, restraint is sustainable if the next round counts at least "
            f"{grim:.2f} as much as this one (grim trigger; Fudenberg & Maskin 1986), "
            f"{tft:.2f} for tit-for-tat (Axelrod 1984).",
        ]


class StagHuntRounds(PairGame):
    """Alliance commitment as a stag hunt in pairs (Skyrms 2004; Snyder 1984): seats of the
    patron and of the reluctant partner, with the demo's payoffs and an optional side payment
    ``side_payment`` from the patron whenever the partner commits; agents play the best reply
    to their partner's last move, committing first."""

    key = "stag_hunt"
    title = "Stag hunt: commit or hedge"
    demo = stag_hunt
    positions = tuple(stag_hunt.PLAYERS)
    default_rule = "best_response"

    def card_notes(self) -> list[str]:
        """Who the patron and the partner are; the side payment, if there is one."""
        roles = "In each pair the patron is the stronger ally, the partner the reluctant one."
        payment = self.params["side_payment"]
        if not payment:
            return [roles]
        return [
            roles,
            f"The patron pays the partner {payment:g} points whenever the partner commits "
            "(counted in the payoffs below).",
        ]

    def repeated_lines(self) -> list[str]:
        """The one-shot equilibria, the thresholds of the mixed one, repeated play."""
        base = {k: v for k, v in self.params.items() if k != "side_payment"}
        partner = self.demo.partner_threshold(self.params["side_payment"], **base)
        patron = self.demo.patron_threshold(**base)
        return [
            f"One round: the equilibria are {self.equilibrium_text()}.",
            f"Committing pays the patron if the partner commits with probability above "
            f"{patron:.2f}; it pays the partner if the patron commits with probability above "
            f"{partner:.2f} (the mixed equilibrium; Skyrms 2004).",
            "Repeated: playing a one-round equilibrium every round is an equilibrium, so both "
            "committing every round is sustainable with no threat; what it needs is assurance.",
        ]
