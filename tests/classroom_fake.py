"""A small game that follows the class game protocol (``sim.classroom.game``), for the session's
tests: three seats dealt round-robin, a choice and a number on each card, an agent that always
restrains and spends 2, a payoff that rewards restraint and spending near 2."""

from __future__ import annotations

import pandas as pd

from sim.classroom.game import Card, Control
from sim.errors import UserError

SEATS = ("A", "B", "C")


class FakeGame:
    """Three seats; each turn a seat arms or restrains and sets a budget in 0..5."""

    key = "fake"
    title = "Fake game"
    payoff_unit = "points"
    turn_name = "year"

    def __init__(self, turns: int = 3, seed: int = 0, delay: float = 0.0):
        self.turn = 1
        self.turns = turns
        self.seed = seed
        self.delay = delay  # seconds advance() takes once its counter moved (polls answer then)
        self.budgets = dict.fromkeys(SEATS, 2.0)
        self.advanced_with: list[dict] = []

    def seats(self) -> list[str]:
        """The three seats."""
        return list(SEATS)

    def seat_for(self, k: int) -> str:
        """Round-robin over the seats."""
        return SEATS[k % len(SEATS)]

    def seat_name(self, seat: str) -> str:
        """``Seat A`` ..."""
        return f"Seat {seat}"

    def card(self, seat: str) -> Card:
        """A choice and a number, the agent's choice as default."""
        return Card(
            seat=seat,
            title=f"Seat {seat}, turn {self.turn}",
            lines=[f"Your budget is {self.budgets[seat]:.1f}."],
            controls=[
                Control("move", "Arm or restrain?", "choice", (("arm", "Arm"), ("hold", "Hold"))),
                Control("budget", "Budget", "number", low=0, high=5, step=0.5, default=2.0),
            ],
            options=[{"move": "hold", "gain": 1.0}, {"move": "arm", "gain": 0.5}],
        )

    def check(self, seat: str, submission: dict) -> dict:
        """A move in arm/hold and a budget in 0..5."""
        move = submission.get("move")
        if move not in ("arm", "hold"):
            raise UserError(f"move must be arm or hold (got {move!r})")
        budget = submission.get("budget")
        if not isinstance(budget, int | float) or not 0 <= budget <= 5:
            raise UserError(f"budget must lie in 0-5 (got {budget!r})")
        return {"move": move, "budget": float(budget)}

    def advance(self, decisions: dict) -> list[dict]:
        """One record per student, one per seat no student holds."""
        import time

        self.advanced_with.append(dict(decisions))
        records = []
        held = {seat for seat, _ in decisions.values()}
        for student, (seat, decision) in sorted(decisions.items()):
            records.append(self._record(student, seat, decision))
        for seat in SEATS:
            if seat not in held:
                records.append(self._record("", seat, None))
        self.turn += 1
        time.sleep(self.delay)  # like the model's game: its counter moves on, then a year opens
        return records

    def _record(self, student: str, seat: str, decision: dict | None) -> dict:
        """A record of the protocol's columns."""
        choice = decision or {"move": "hold", "budget": 2.0}
        payoff = (1.0 if choice["move"] == "hold" else 0.5) - abs(choice["budget"] - 2.0)
        return {
            "session": "",
            "game": self.key,
            "turn": self.turn,
            "year": self.turn,
            "student": student,
            "seat": seat,
            "role": "student" if student else "agent",
            "submitted": decision is not None,
            "choice": f"{choice['move']} {choice['budget']:.1f}",
            "agent_choice": "hold 2.0",
            "payoff": payoff,
        }

    def board(self) -> dict:
        """Three nodes in a triangle, one tie, a bar per seat."""
        return {
            "headline": f"Turn {self.turn - 1} played",
            "lines": ["A fake world."],
            "events": [f"turn {self.turn - 1}: nothing happened"],
            "nodes": [
                {"id": s, "name": f"Seat {s}", "x": x, "y": y, "group": g}
                for s, x, y, g in (
                    ("A", 0.1, 0.2, "bloc"),
                    ("B", 0.9, 0.2, "bloc"),
                    ("C", 0.5, 0.9, ""),
                )
            ],
            "edges": [{"a": "A", "b": "B", "level": 2, "label": "treaty"}],
            "bars": [
                {"id": s, "name": f"Seat {s}", "value": b, "unit": "bn", "reference": 2.0}
                for s, b in self.budgets.items()
            ],
            "table": None,
        }

    def config(self) -> dict:
        """What rebuilds the game."""
        return {"turns": self.turns, "seed": self.seed}


def debrief_tables(records: pd.DataFrame, config: dict) -> list[tuple[str, pd.DataFrame]]:
    """Mean payoff per turn and role."""
    table = records.groupby(["turn", "role"], as_index=False)["payoff"].mean()
    return [("Mean payoff per turn", table)]
