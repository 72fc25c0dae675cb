"""NATO burden sharing as a public-goods game played in groups, round after round.

Each group has one large, US-like member and smaller allies (four seats by default:
``"group 1 / large"``, ``"group 1 / ally 1"``, ...); every round each member chooses how many of
its points to give to the common defence. Payoffs, the Nash equilibrium and the social optimum
are those of ``sim.classroom.rounds.public_goods`` (Olson & Zeckhauser 1966; Sandler & Hartley
2001). The large member's endowment against an ally's is the 2024 ratio of the US GDP to the
other allies' GDP shared among the group's allies (NATO's June 2024 figures, as the
``burden_sharing`` demo reads them); every other parameter is a stated judgement.
"""

from __future__ import annotations

import statistics

import numpy as np

from sim.classroom.game import Card, Control, count
from sim.classroom.rounds.burden_debrief import burden_board, burden_debrief_tables
from sim.classroom.rounds.common import RoundsGame, checked_count, checked_submission
from sim.classroom.rounds.public_goods import (
    best_response,
    check_weights,
    group_payoffs,
    nash_contributions,
    optimum_contributions,
)
from sim.errors import UserError, printable

__all__ = ["BURDEN_RULES", "BurdenSharingRounds", "burden_debrief_tables", "large_ratio_2024"]

BURDEN_RULES = {
    "best_response": "best reply: gives the Nash contribution in the first round, then what "
    "would have paid it most against the others' contributions of the round before",
    "nash": "equilibrium play: gives its Nash contribution every round",
}
"""The agent rules of the burden-sharing game, in words, by name."""


def large_ratio_2024(group_size: int) -> float:
    """The US's 2024 GDP over an ally seat's, when the other NATO allies' GDP is shared equally
    among ``group_size - 1`` seats (NATO, June 2024; ``sim.demos.burden_sharing.nato_table``)."""
    from sim.demos.burden_sharing import nato_table

    us_share = float(nato_table().loc["USA", "gdp_share"])
    return us_share / ((1 - us_share) / (group_size - 1))


class BurdenSharingRounds(RoundsGame):
    """Groups of one large member and smaller allies each choose a contribution every round."""

    key = "burden_sharing"
    title = "Burden sharing: the common defence"
    unit_word = "group"
    extra_columns = (
        "group",
        "member",
        "endowment",
        "contribution",
        "others_contribution",
        "group_total",
        "equilibrium_choice",
        "optimum_contribution",
        "best_reply",
        "agent_payoff",
        "equilibrium_payoff",
        "nash_payoff",
        "optimum_payoff",
        "agent_rule",
    )

    def __init__(
        self,
        turns: int = 5,
        seed: int = 0,
        max_students: int = 60,
        agent_rule: str = "best_response",
        group_size: int = 4,
        ally_endowment: float = 10.0,
        large_endowment: float | None = None,
        public_weight: float = 0.2,
        private_weight: float = 0.2,
    ) -> None:
        """A burden-sharing game. ``large_endowment`` None: ``ally_endowment`` times the 2024
        GDP ratio (:func:`large_ratio_2024`), rounded to a whole point."""
        size = checked_count(group_size, "the group size", 2)
        self.positions = ("large", *(f"ally {i}" for i in range(1, size)))
        super().__init__(turns, seed, max_students)
        if agent_rule not in BURDEN_RULES:
            raise UserError(
                f"unknown agent rule {agent_rule!r}: choose one of {', '.join(BURDEN_RULES)}"
            )
        check_weights(public_weight, private_weight)
        self.rule_name = agent_rule
        self.ally_endowment = _positive(ally_endowment, "the ally endowment")
        self.large_from_data = large_endowment is None
        self.large_endowment = (
            float(round(self.ally_endowment * large_ratio_2024(size)))
            if large_endowment is None
            else _positive(large_endowment, "the large endowment")
        )
        self.public_weight, self.private_weight = float(public_weight), float(private_weight)
        self.endowments = np.array([self.large_endowment] + [self.ally_endowment] * (size - 1))
        self.nash = nash_contributions(self.endowments, public_weight, private_weight)
        self.optimum = optimum_contributions(self.endowments, public_weight, private_weight)

    @classmethod
    def settings(cls, config: dict) -> dict:
        """The constructor's arguments from a ``config()`` (to rebuild the game)."""
        keys = ("group_size", "ally_endowment", "public_weight", "private_weight")
        out = cls.base_settings(config) | {k: config[k] for k in keys}
        out["large_endowment"] = None if config["large_from_data"] else config["large_endowment"]
        return out

    # --- the stage game

    def payoff_of(self, contributions) -> np.ndarray:
        """Each member's payoff in points for a round's contributions."""
        return group_payoffs(
            contributions, self.endowments, self.public_weight, self.private_weight
        )

    def reply(self, position: int, others_total: float) -> float:
        """The member's best reply to the others' total, in points."""
        w = self.endowments[position]
        return best_response(others_total, w, self.public_weight, self.private_weight)

    def _payoff_with(self, moves, position: int, own: float) -> float:
        """The member's payoff had it given ``own`` with the others' actual contributions."""
        moved = np.array(moves, float)
        moved[position] = own
        return float(self.payoff_of(moved)[position])

    # --- RoundsGame

    def agent_move(self, table: int, position: int) -> float:
        """The agent rule's contribution for the seat in the open round."""
        history = self.history[table]
        if self.rule_name == "nash" or not history:
            return float(self.nash[position])
        last = history[-1]
        return self.reply(position, sum(last) - last[position])

    def team_move(self, submitted: list[dict]) -> float:
        """The median of the seat's students' contributions."""
        return float(statistics.median(d["contribution"] for d in submitted))

    def payoffs(self, table: int, moves: tuple) -> tuple[float, ...]:
        """Each member's payoff for the contributions."""
        return tuple(float(u) for u in self.payoff_of(moves))

    def words(self, move) -> str:
        """A contribution in points, to two decimals at most."""
        return f"{round(float(move), 2):g}"

    def extra_fields(self, table, position, moves, agent_moves) -> dict:
        """Group, member, the contributions, and the counterfactual payoffs of the agent rule,
        the Nash contribution and the best reply against the others' actual contributions."""
        others = float(sum(moves) - moves[position])
        best = self.reply(position, others)
        return {
            "group": table,
            "member": "large" if position == 0 else "ally",
            "endowment": float(self.endowments[position]),
            "contribution": float(moves[position]),
            "others_contribution": others,
            "group_total": float(sum(moves)),
            "equilibrium_choice": self.words(self.nash[position]),
            "optimum_contribution": float(self.optimum[position]),
            "best_reply": best,
            "agent_payoff": self._payoff_with(moves, position, agent_moves[position]),
            "equilibrium_payoff": self._payoff_with(moves, position, self.nash[position]),
            "nash_payoff": float(self.payoff_of(self.nash)[position]),
            "optimum_payoff": float(self.payoff_of(self.optimum)[position]),
            "agent_rule": self.rule_name,
        }

    # --- Game

    def check(self, seat: str, submission: dict) -> dict:
        """``{"contribution": points}`` from a number (or numeric text) in 0..endowment."""
        _, position = self.locate(seat)
        value = checked_submission(submission, ("contribution",))["contribution"]
        high = float(self.endowments[position])
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            points = float(value)
        except ValueError:
            points = float("nan")
        if not np.isfinite(points):
            raise UserError(
                f"the contribution must be a number of points from 0 to {high:g} "
                f"(got {printable(value)!r})"
            )
        if points < 0:
            raise UserError(
                f"a contribution cannot be negative (got {points:g}): give 0 to {high:g}"
            )
        if points > high:
            raise UserError(
                f"a contribution cannot exceed your {high:g} points (got {points:g}): "
                f"give 0 to {high:g}"
            )
        return {"contribution": points}

    def card(self, seat: str) -> Card:
        """The member's situation, the payoff rule in words and a table of what giving pays."""
        table, position = self.locate(seat)
        w = float(self.endowments[position])
        lines = [
            *self._situation_lines(table, position),
            f"Choose how many of your {w:g} points to give to the common defence; you keep "
            "the rest.",
            f"Security from the group's total: {self.public_weight:g} x your points x "
            f"ln(1 + total given). Your own spending also protects you alone: "
            f"{self.private_weight:g} x your points x ln(1 + what you give).",
            *self._last_round_lines(table, position),
        ]
        others_w = float(self.endowments.sum() - w)
        columns = {"others give nothing": 0.0, "others give half their points": others_w / 2}
        if self.history[table]:
            last = self.history[table][-1]
            columns["others give as last round"] = float(sum(last) - last[position])
        options = [
            {"you give": f"{give:g}"}
            | {
                label: round(
                    self._payoff_with(
                        _spread(others, position, len(self.positions)), position, give
                    ),
                    2,
                )
                for label, others in columns.items()
            }
            for give in (0.0, w / 4, w / 2, 3 * w / 4, w)
        ]
        control = Control(
            "contribution", "Points you give", "number", low=0.0, high=w, step=0.5, unit="points"
        )
        return Card(seat, f"{self.title}: {self.seat_name(seat)}", lines, [control], options)

    def _situation_lines(self, table: int, position: int) -> list[str]:
        """The round, the seat and who holds the group's other seats now."""
        who = "the group's large, US-like member" if position == 0 else "one of its allies"
        head = self.head_line(self.seat_id(table, self.positions[position]), f", {who}.")
        members = [
            f"{self.seat_id(table, self.positions[p])} ({self.endowments[p]:g} points, "
            f"{self.holder(table, p)})"
            for p in range(len(self.positions))
            if p != position
        ]
        return [
            head,
            "The others: " + ", ".join(members) + ".",
            f"Agents play {BURDEN_RULES[self.rule_name]}.",
        ]

    def _last_round_lines(self, table: int, position: int) -> list[str]:
        """Last round's contributions, the member's payoff and running total."""
        history = self.history[table]
        if not history:
            return []
        last = history[-1]
        given = ", ".join(f"{self.positions[p]} {self.words(c)}" for p, c in enumerate(last))
        total = sum(float(self.payoff_of(m)[position]) for m in history)
        return [
            f"Last round the group gave {self.words(sum(last))} points ({given}); you got "
            f"{self.payoff_of(last)[position]:.1f} points.",
            f"Your total so far: {total:.1f} points after {count(len(history), 'round')}.",
        ]

    def board(self) -> dict:
        """The dashboard's data: headline, contributions per round against Nash and the
        optimum, bars of the last round's contributions."""
        return burden_board(self.records_frame(), self.config())

    def config(self) -> dict:
        """The game's settings, every parameter with its source, the equilibrium and the
        optimum (what the debrief reads)."""
        return {
            **self.base_config(),
            "agent_rule_text": BURDEN_RULES[self.rule_name],
            "group_size": len(self.positions),
            "positions": list(self.positions),
            "ally_endowment": self.ally_endowment,
            "large_endowment": self.large_endowment,
            "large_from_data": self.large_from_data,
            "public_weight": self.public_weight,
            "private_weight": self.private_weight,
            "endowments": self.endowments.tolist(),
            "nash": self.nash.tolist(),
            "optimum": self.optimum.tolist(),
            "nash_payoffs": self.payoff_of(self.nash).tolist(),
            "optimum_payoffs": self.payoff_of(self.optimum).tolist(),
            "parameters": self._parameter_notes(),
        }

    def _parameter_notes(self) -> list[str]:
        """Every parameter, with where it comes from."""
        size = len(self.positions)
        large = (
            f"large endowment {self.large_endowment:g} points: the ally endowment x "
            f"{large_ratio_2024(size):.2f}, the US's 2024 GDP over the other NATO allies' GDP "
            f"shared among {size - 1} seats (NATO, June 2024), rounded (data)"
            if self.large_from_data
            else f"large endowment {self.large_endowment:g} points (set by the teacher)"
        )
        return [
            f"group size {size}: one large member and {size - 1} allies (judgement)",
            f"ally endowment {self.ally_endowment:g} points a round (judgement: the scale)",
            large,
            f"public weight {self.public_weight:g}: security from the group's total, per point "
            "of endowment (judgement)",
            f"private weight {self.private_weight:g}: the private benefit of one's own spending, "
            "the joint product (judgement)",
            "benefits ln(1 + points): each further point buys less security (judgement)",
        ]


def _positive(value: object, what: str) -> float:
    """``value`` as a positive float (raises ``UserError`` naming ``what``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise UserError(f"{what} must be a positive number of points (got {value!r})")
    return float(value)


def _spread(others_total: float, position: int, size: int) -> list[float]:
    """Contributions with ``others_total`` spread equally over the members but ``position``
    (whose own entry is 0); only their total matters to the member's payoff."""
    each = others_total / (size - 1)
    return [0.0 if p == position else each for p in range(size)]
