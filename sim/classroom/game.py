"""What a class game is, as the class session (``sim.classroom.session``) and its server see it.

A class session runs one game: the full model on the class world (``sim.classroom.model_game``)
or a round of a textbook game (``sim.classroom.rounds``: the security dilemma in pairs, the stag
hunt, NATO burden sharing as a public-goods game). Every game has *seats*; students are given
seats, several students may share one (a team), and seats no student holds are played by the
agents. A *turn* is a year of the model or a round of a textbook game.

The session collects, for the open turn, one submission per student (a dict of the controls the
seat's card asks for, checked by :meth:`Game.check`); when the teacher advances, the session
hands the game every student's checked decision and the game resolves the turn
(:meth:`Game.advance`), returning one tidy record per student (and, for agent-held seats, one
per seat with ``student`` empty). Records are plain dicts of scalars so that they can be written
as a table; the columns every game writes are :data:`RECORD_COLUMNS`.

Nothing here depends on the web server: games are tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

RECORD_COLUMNS = (
    "session",  # the session's id
    "game",  # the game's key
    "turn",  # 1, 2, ...: the year's or the round's number in the session
    "year",  # the model's calendar year (the turn's number for a textbook game)
    "student",  # the student's id ("" for a seat the agents played)
    "seat",  # the seat's id (a state's ISO3 code, "pair 3 / A", ...)
    "role",  # "student" or "agent"
    "submitted",  # whether the student submitted in time (else the agent's choice was used)
    "choice",  # what the seat chose, in words
    "agent_choice",  # what the agent in that seat would have chosen, in words
    "payoff",  # the seat's payoff this turn, in the game's unit (see ``Game.payoff_unit``)
)


@dataclass(frozen=True)
class Control:
    """One control of a seat's card.

    Attributes:
        name: key of the value in the submission.
        label: what the student reads.
        kind: ``"choice"`` (one of ``options``), ``"number"`` (``low``..``high`` by ``step``) or
            ``"multi"`` (any subset of ``options``).
        options: ``(value, label)`` pairs for ``choice`` and ``multi``.
        low, high, step: the range of a ``number``.
        default: the value the control starts at (the agent's choice where there is one).
        unit: shown after a number (e.g. "% of GDP").
    """

    name: str
    label: str
    kind: str
    options: tuple[tuple[str, str], ...] = ()
    low: float = 0.0
    high: float = 0.0
    step: float = 0.0
    default: Any = None
    unit: str = ""


@dataclass
class Card:
    """What a seat's students see for the open turn: the situation in plain words and the
    controls of their decision."""

    seat: str
    title: str
    lines: list[str]
    controls: list[Control]
    options: list[dict] = field(default_factory=list)  # optional table: what each move gains


class Game(Protocol):
    """A game a class can play. One instance serves one session."""

    key: str  # e.g. "model", "security_dilemma"
    title: str
    payoff_unit: str  # e.g. "% of GDP", "points"
    turn_name: str  # what a turn is called: "year", "round"
    turn: int  # the open turn, from 1
    turns: int  # how many turns the session plays

    def seats(self) -> list[str]:
        """Every seat, in the order students are given them."""
        ...

    def seat_for(self, k: int) -> str:
        """The seat of the k-th student to join (k = 0, 1, ...): the model game deals the states
        round-robin (teams of a state), a game in pairs fills pair after pair."""
        ...

    def seat_name(self, seat: str) -> str:
        """A seat's display name."""
        ...

    def card(self, seat: str) -> Card:
        """What the seat's students see for the open turn."""
        ...

    def check(self, seat: str, submission: dict) -> dict:
        """A submission, validated and converted (raises ``sim.errors.UserError`` with a line
        the student can act on)."""
        ...

    def advance(self, decisions: dict[str, tuple[str, dict | None]]) -> list[dict]:
        """Resolve the open turn. ``decisions``: student id -> (seat, checked decision, or None
        when the student did not submit). Returns the turn's records (``RECORD_COLUMNS`` and
        any columns of the game's own) and opens the next turn."""
        ...

    def board(self) -> dict:
        """What the teacher's dashboard shows after the last resolved turn, as JSON-able data
        the dashboard draws itself (so that its text can be sized for a projector):

        ``{"headline": str, "lines": [str], "events": [str], "nodes": [...], "edges": [...],
        "bars": [...], "table": {"columns": [str], "rows": [[...]]} | None}``; a node is
        ``{"id", "name", "x", "y", "group"}`` with x, y in 0..1 and ``group`` its bloc (or "");
        an edge ``{"a", "b", "level", "label"}``; a bar ``{"id", "name", "value", "unit",
        "reference"}`` (e.g. a defence share and its 2024 value). Games without a network
        leave ``nodes`` and ``edges`` empty."""
        ...

    def config(self) -> dict:
        """Everything needed to rebuild the game (written to the session folder)."""
        ...


# Each game's module also has a function
#     debrief_tables(records: pandas.DataFrame, config: dict) -> list[tuple[str, DataFrame]]
# that turns a session folder's records (and the game's ``config()``) into the debrief's tables:
# students against the agents in their seats and against the equilibrium. It reads nothing but
# its arguments, so reopening a folder redraws the same debrief.


def count(n: int, word: str) -> str:
    """``3 rounds``, ``1 round``: a number of turns (or anything) in words."""
    return f"{n} {word}{'' if n == 1 else 's'}"
