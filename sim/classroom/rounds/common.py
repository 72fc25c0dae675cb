"""What the textbook games a class plays in rounds share: seats grouped into tables (pairs,
groups of four), seats filled table after table in join order, tables no student sits at left
unplayed, a seat several students' decisions name (a team) resolved into one move, agents in
the empty seats of a played table, and one tidy record per student (or agent seat) per round.

A game built on :class:`RoundsGame` says how a table's seats are labelled, what the agent rule
would choose in a seat, how a team's submissions become one move, what the moves pay and which
columns of its own each record carries; this module does the bookkeeping.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd

from sim.classroom.game import RECORD_COLUMNS
from sim.errors import UserError, printable

Move = int | float
"""A seat's move: an action's index in a game of pairs, a contribution in points in a group."""


def checked_count(value: object, what: str, low: int) -> int:
    """``value`` as an int of at least ``low`` (raises ``UserError`` naming ``what``)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise UserError(f"{what} must be a whole number of at least {low} (got {value!r})")
    return int(value)


def checked_submission(submission: object, keys: tuple[str, ...]) -> dict:
    """``submission`` if it is a dict with exactly ``keys`` (raises ``UserError`` otherwise)."""
    if not isinstance(submission, dict):
        raise UserError(
            f"a submission must be a set of named values ({', '.join(keys)}); "
            f"got {type(submission).__name__}"
        )
    missing = [k for k in keys if k not in submission]
    unknown = sorted(str(k) for k in submission if k not in keys)
    if missing or unknown:
        problem = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise UserError(f"the submission must give {', '.join(keys)} ({printable(problem)})")
    return submission


def majority(moves: list[int]) -> int:
    """A team's move in a game of pairs: its members' most common choice; a tie goes to the
    choice the team submitted first (the submissions are in the order of the students' ids)."""
    counts = Counter(moves)
    top = max(counts.values())
    return next(m for m in moves if counts[m] == top)


class RoundsGame:
    """Bookkeeping for a textbook game played in rounds by tables of ``len(positions)`` seats.

    Subclasses set ``key``, ``title``, ``unit_word`` ("pair", "group"), ``positions`` (the
    labels of a table's seats, e.g. ``("A", "B")``), ``extra_columns`` and implement
    :meth:`agent_move`, :meth:`team_move`, :meth:`payoffs`, :meth:`words` and
    :meth:`extra_fields`.

    Attributes:
        turn: the open round, from 1 (``turns + 1`` once every round is played).
        session: the session's id, written into every record (the session sets it).
        history: per table (numbered from 1), the moves of each round it played, oldest first.
        records: every record so far, in the order the rounds produced them.
    """

    turn_name = "round"

    key = ""
    title = ""
    payoff_unit = "points"
    unit_word = "table"
    positions: tuple[str, ...] = ()
    extra_columns: tuple[str, ...] = ()
    rule_name = ""

    def __init__(self, turns: int = 5, seed: int = 0, max_students: int = 60) -> None:
        """A game of ``turns`` rounds with enough tables for ``max_students`` students."""
        self.turns = checked_count(turns, "the number of rounds", 1)
        self.seed = checked_count(seed, "the seed", 0)
        self.max_students = checked_count(max_students, "the number of students", 1)
        self.turn = 1
        self.session = ""
        size = len(self.positions)
        self.tables = math.ceil(self.max_students / size)
        self._seats = [
            self.seat_id(t, p) for t in range(1, self.tables + 1) for p in self.positions
        ]
        self._held: set[str] = set()
        self.history: dict[int, list[tuple[Move, ...]]] = {t: [] for t in range(1, self.tables + 1)}
        self.records: list[dict] = []

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """A record's columns: ``RECORD_COLUMNS``, the student's own ``submission`` (in words,
        "" if none; it differs from ``choice`` only in a team) and the game's own columns."""
        return (*RECORD_COLUMNS, "submission", *cls.extra_columns)

    def base_config(self) -> dict:
        """The settings every game in rounds writes into its ``config()``."""
        return {
            "game": self.key,
            "title": self.title,
            "turns": self.turns,
            "seed": self.seed,
            "max_students": self.max_students,
            "agent_rule": self.rule_name,
        }

    @staticmethod
    def base_settings(config: dict) -> dict:
        """The constructor arguments every game in rounds takes, from its ``config()``."""
        return {k: config[k] for k in ("turns", "seed", "max_students", "agent_rule")}

    def records_frame(self) -> pd.DataFrame:
        """The records so far as a table (with every column, also before the first round)."""
        return pd.DataFrame(self.records, columns=self.columns())

    # --- seats

    def seat_id(self, table: int, position: str) -> str:
        """A seat's id, e.g. ``"pair 3 / A"``."""
        return f"{self.unit_word} {table} / {position}"

    def seats(self) -> list[str]:
        """Every seat, table after table, in the order students are given them."""
        return list(self._seats)

    def seat_for(self, k: int) -> str:
        """The seat of the k-th student to join: tables fill one after the other.

        Raises:
            UserError: every seat is taken (``k`` is past the last seat).
        """
        k = checked_count(k, "the student's place in the join order", 0)
        if k >= len(self._seats):
            raise UserError(
                f"all {len(self._seats)} seats of {self.title} are taken; start the session "
                "with room for more students"
            )
        seat = self._seats[k]
        self._held.add(seat)
        return seat

    def locate(self, seat: str) -> tuple[int, int]:
        """(table number from 1, position index) of ``seat``; ``UserError`` if it is no seat."""
        head, sep, position = str(seat).partition(" / ")
        word, _, number = head.partition(" ")
        if sep and word == self.unit_word and number.isdigit() and position in self.positions:
            table = int(number)
            if 1 <= table <= self.tables:
                return table, self.positions.index(position)
        raise UserError(
            f"unknown seat {printable(seat)!r} in {self.title}: seats are like "
            f"{self._seats[0]!r} ({self.tables} {self.unit_word}s)"
        )

    def held(self, table: int, position: int) -> bool:
        """Whether a student has been given this seat (by :meth:`seat_for`, or by holding it
        in a round's decisions): what a card drawn now says of the seat."""
        return self.seat_id(table, self.positions[position]) in self._held

    def holder(self, table: int, position: int) -> str:
        """Who plays the seat now, in words: "a classmate" or "an agent"."""
        return "a classmate" if self.held(table, position) else "an agent"

    def head_line(self, seat: str, then: str) -> str:
        """A card's first line: the round, the seat's name followed by ``then`` (e.g. ". Choose
        arm or restrain."); once every round is played, that the game is over."""
        name = self.seat_name(seat)
        if self.turn > self.turns:
            return f"The game is over: all {self.turns} rounds are played. Your seat: {name}."
        return f"Round {self.turn} of {self.turns}. Your seat: {name}{then}"

    def seat_name(self, seat: str) -> str:
        """A seat's name, which is its id (e.g. "pair 3 / A", "group 2 / large"): the same on
        the phone, the dashboard, the roster and the debrief."""
        table, position = self.locate(seat)
        return self.seat_id(table, self.positions[position])

    # --- what a game supplies

    def agent_move(self, table: int, position: int) -> Move:
        """What the agent rule would choose in this seat in the open round."""
        raise NotImplementedError

    def team_move(self, submitted: list[dict]) -> Move:
        """One move from the checked submissions of the students holding a seat."""
        raise NotImplementedError

    def payoffs(self, table: int, moves: tuple[Move, ...]) -> tuple[float, ...]:
        """Each seat's payoff in the round, in points, given every seat's move."""
        raise NotImplementedError

    def words(self, move: Move) -> str:
        """A move in words, as written in the records."""
        raise NotImplementedError

    def extra_fields(
        self, table: int, position: int, moves: tuple[Move, ...], agent_moves: tuple[Move, ...]
    ) -> dict:
        """The game's own columns (``extra_columns``) of a seat's record for the round."""
        raise NotImplementedError

    # --- a round

    def _seated(self, decisions: dict) -> dict[str, list[tuple[str, dict | None]]]:
        """Students' decisions grouped by seat, each seat's students sorted by id."""
        by_seat: dict[str, list[tuple[str, dict | None]]] = {}
        for student in sorted(decisions, key=str):
            seat, decision = decisions[student]
            self.locate(seat)
            by_seat.setdefault(seat, []).append((str(student), decision))
        return by_seat

    def advance(self, decisions: dict[str, tuple[str, dict | None]]) -> list[dict]:
        """Resolve the open round: every table with a student plays, agents fill its empty
        seats, a student who did not submit gets the agent's move (``submitted`` False).

        Returns:
            The round's records: per seat of a played table, one per student holding it (by
            student id) or one with ``student`` empty for an agent-held seat.
        """
        if self.turn > self.turns:
            raise UserError(f"the game is over: all {self.turns} rounds have been played")
        by_seat = self._seated(decisions)
        self._held |= set(by_seat)
        played = sorted({self.locate(seat)[0] for seat in self._held})
        out = []
        for table in played:
            agent_moves = tuple(self.agent_move(table, p) for p in range(len(self.positions)))
            moves = list(agent_moves)
            for p, position in enumerate(self.positions):
                submitted = [d for _, d in by_seat.get(self.seat_id(table, position), []) if d]
                if submitted:
                    moves[p] = self.team_move(submitted)
            out += self._table_records(table, tuple(moves), agent_moves, by_seat)
            self.history[table].append(tuple(moves))
        self.turn += 1
        self.records += out
        return out

    def _table_records(self, table, moves, agent_moves, by_seat) -> list[dict]:
        """The records of one played table for the open round."""
        payoffs = self.payoffs(table, moves)
        out = []
        for p, position in enumerate(self.positions):
            seat = self.seat_id(table, position)
            base = {
                "session": self.session,
                "game": self.key,
                "turn": self.turn,
                "year": self.turn,
                "seat": seat,
                "choice": self.words(moves[p]),
                "agent_choice": self.words(agent_moves[p]),
                "payoff": float(payoffs[p]),
                **self.extra_fields(table, p, moves, agent_moves),
            }
            students = by_seat.get(seat) or [("", None)]
            for student, decision in students:
                row = {
                    **base,
                    "student": student,
                    "role": "student" if student else "agent",
                    "submitted": decision is not None,
                    "submission": self.words(self.team_move([decision])) if decision else "",
                }
                out.append({c: row[c] for c in self.columns()})
        return out
