"""The class session: who joined and which seat each holds, the open turn's submissions, the
teacher's timer, and the session folder that records it all.

One :class:`Session` drives one game (``sim.classroom.game``). Students join with the join code
and a nickname and get a secret token; from then on the token alone says who they are and for
which seat they act (a request never chooses its seat). The open turn collects one checked
submission per student; the teacher's advance hands every student's decision to the game, which
resolves the turn into records, and the session rewrites its folder:

- ``session.json``: the game, its ``config()``, the seed, the number of turns, the code version
  and the start time (written once, at the start);
- ``roster.csv``: student id, nickname, seat (rewritten at every join);
- ``decisions.parquet`` and ``decisions.csv``: every record so far (rewritten after every turn);
- ``debrief.html``: the debrief drawn from those files alone (``sim.classroom.debrief``).

Every file is written to a temporary name and moved into place, so none is ever half written.
All state sits behind one lock. While the game resolves a turn, which may take the model a
while, the lock is released and the turn is marked as closing: polls keep being answered and a
submission in that moment is told the year is closed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim.classroom.game import RECORD_COLUMNS, Game, count
from sim.errors import UserError, printable
from sim.files import atomic_write, is_ours, write_csv, write_marker
from sim.runner.output import git_commit, write_table

FOLDER_KIND = "class"
"""The marker's kind for a session folder (``sim.files.write_marker``)."""
CODE_LENGTH = 6
MAX_NICKNAME = 24
MAX_TIMER_SECONDS = 3600
SUBMISSION_KEYS = {"turn", "decision", "seat", "student"}
NICKNAME_RULE = f"give a nickname of 1 to {MAX_NICKNAME} printable characters"
"""The one line for every nickname that is empty, too long or holds control characters."""


def turns_text(game: Game, n: int) -> str:
    """``n`` turns in the game's word: "5 years", "1 round"."""
    return count(n, game.turn_name)


class RefusedError(UserError):
    """A request the session refuses, with the HTTP status the server answers with: 400 (bad
    input), 403 (not allowed), 404 (unknown), 409 (too late: the year is closed)."""

    def __init__(self, status: int, message: str):
        """A refusal with its HTTP status and its one line."""
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class Student:
    """A student who joined: ``id`` (``s01``, ...), the nickname, the seat, the secret token."""

    id: str
    nickname: str
    seat: str
    token: str


def new_join_code() -> str:
    """A random join code of :data:`CODE_LENGTH` digits (easy to type on a phone)."""
    return "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))


def code_version() -> str:
    """The code's version: the git commit (``sim.runner.output.git_commit``, with ``-dirty``
    when the source had local changes) in a checkout, else the package's version."""
    code = git_commit()
    if not code.get("commit"):
        return sim.__version__
    return str(code["commit"])[:12] + ("-dirty" if code.get("dirty") else "")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: dataclasses and tuples unpacked, numpy scalars as Python
    numbers, NaN and infinities as ``None``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def check_new_folder(folder: Path) -> None:
    """Refuse a session folder that exists and is not an empty folder.

    Raises:
        UserError: the folder is a file (or a link) or holds anything already.
    """
    folder = Path(folder)
    if folder.exists() or folder.is_symlink():
        if not folder.is_dir() or folder.is_symlink():
            raise UserError(f"--out {folder} is not a folder; give a new or empty folder")
        if any(folder.iterdir()):
            raise UserError(
                f"--out {folder} is not empty; give a new or empty folder (a session never "
                "writes into a folder that holds files)"
            )


def prepare_folder(folder: Path) -> Path:
    """Create the session folder (it must not exist, or be an empty folder) and mark it as the
    program's; returns it.

    Raises:
        UserError: the folder is a file or holds anything already.
    """
    folder = Path(folder)
    check_new_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_marker(folder, FOLDER_KIND)
    return folder


def check_session_folder(folder: Path) -> Path:
    """A folder of a class session this program wrote (its marker, ``session.json``).

    Raises:
        UserError: not a folder, not the program's, or without the session's files.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"--reopen {folder}: no such folder; give a class session's folder")
    if not is_ours(folder) or not (folder / "session.json").is_file():
        raise UserError(
            f"--reopen {folder} is not a class session's folder (no session.json written by "
            "alliance-sim-class); give the folder the session printed"
        )
    return folder


class Session:
    """One class session of one game; every public method is safe to call from any thread.

    Args:
        game: the game (``sim.classroom.game.Game``), at its first turn.
        folder: the session folder, made by :func:`prepare_folder`.
        seed, years: what the game was built with (written to ``session.json``).
        on_turn: called with the folder after each turn's files are written (the debrief).
        code: the join code (random by default).
    """

    def __init__(
        self,
        game: Game,
        folder: Path,
        *,
        seed: int,
        years: int,
        on_turn: Callable[[Path], None] | None = None,
        code: str | None = None,
    ):
        """Open the session at the game's first turn and write ``session.json``."""
        self.game = game
        self.folder = Path(folder)
        self.code = code or new_join_code()
        self.teacher_key = secrets.token_urlsafe(18)
        self.id = self.folder.name
        self.on_turn = on_turn
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one turn's debrief at a time, in order
        self._students: dict[str, Student] = {}  # token -> student
        self._by_nickname: dict[str, Student] = {}  # casefolded nickname -> student
        self._submissions: dict[str, tuple[str, dict]] = {}  # student id -> (seat, decision)
        self._records: list[dict] = []
        # while a turn resolves ("closing"): the turn fields the views show; None otherwise
        self._resolving: dict | None = None
        self._deadline: float | None = None
        self._timer_seconds = 0
        self._board = jsonable(game.board())
        self._cards = self._draw_cards()
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self._write_session_json(seed, years)

    # --- the folder ----------------------------------------------------------------------
    def _write_session_json(self, seed: int, years: int) -> None:
        """``session.json``: what rebuilds the game and says which code ran it."""
        info = {
            "session": self.id,
            "game": self.game.key,
            "title": self.game.title,
            "payoff_unit": self.game.payoff_unit,
            "config": jsonable(self.game.config()),
            "seed": seed,
            "years": years,
            "turns": self.game.turns,
            "code_version": code_version(),
            "started_utc": self.started,
        }
        text = json.dumps(info, indent=2, sort_keys=True)
        atomic_write(self.folder / "session.json", lambda p: p.write_text(text, "utf-8"))

    def _write_roster(self) -> None:
        """``roster.csv``: student id, nickname, seat, in order of joining (lock held)."""
        rows = [(s.id, s.nickname, s.seat) for s in self._students.values()]
        write_csv(pd.DataFrame(rows, columns=["student", "nickname", "seat"]), self._roster)

    @property
    def _roster(self) -> Path:
        """The roster's path."""
        return self.folder / "roster.csv"

    def _write_decisions(self) -> None:
        """``decisions.parquet`` and ``decisions.csv``: every record so far (lock held)."""
        table = pd.DataFrame(self._records)
        extra = [c for c in table.columns if c not in RECORD_COLUMNS]
        table = table.reindex(columns=[*RECORD_COLUMNS, *extra])
        write_table(table, self.folder, "decisions")

    # --- students ------------------------------------------------------------------------
    def join(self, code: object, nickname: object) -> Student:
        """Give a student a seat: checks the join code and the nickname (1 to
        :data:`MAX_NICKNAME` printable characters, not taken); returns the student with a
        fresh token.

        Raises:
            RefusedError: 403 for a wrong code, 400 for a bad nickname, 409 when the game is full.
        """
        if not isinstance(code, str) or not secrets.compare_digest(code.strip(), self.code):
            raise RefusedError(403, "wrong join code; type the code shown on the projector")
        name = " ".join(nickname.split()) if isinstance(nickname, str) else ""
        if not name or len(name) > MAX_NICKNAME or not name.isprintable():
            raise RefusedError(400, NICKNAME_RULE)
        with self._lock:
            if name.casefold() in self._by_nickname:
                raise RefusedError(400, f"the nickname {name!r} is taken; choose another")
            try:
                seat = self.game.seat_for(len(self._students))
            except (UserError, IndexError) as exc:
                raise RefusedError(409, f"the game is full ({exc}); ask the teacher") from None
            student = Student(
                f"s{len(self._students) + 1:02d}", name, seat, secrets.token_urlsafe(24)
            )
            self._students[student.token] = student
            self._by_nickname[name.casefold()] = student
            self._write_roster()
            if self._resolving is None:  # cards say who holds the other seats (a turn redraws)
                self._cards = self._draw_cards()
        return student

    def student(self, token: object) -> Student:
        """The student a token belongs to.

        Raises:
            RefusedError: 403 without a token or with an unknown one.
        """
        student = self._students.get(token) if isinstance(token, str) and token else None
        if student is None:
            raise RefusedError(403, "unknown student; join again with the code on the projector")
        return student

    def state(self) -> str:
        """``open`` (submissions taken), ``closing`` (the game is resolving the turn) or
        ``ended`` (every turn played)."""
        if self._resolving is not None:
            return "closing"
        return "ended" if self.game.turn > self.game.turns else "open"

    def _turn_fields(self) -> dict:
        """The turn the views name (call under the lock). While a turn resolves, the one being
        resolved: the game moves its own counter on and opens the next turn before the session
        has that turn's records and board, and a view that read the game then would name the
        next turn over the last one's board."""
        if self._resolving is not None:
            return dict(self._resolving)
        game = self.game
        return {"turn": game.turn, "turns": game.turns, "turn_name": game.turn_name}

    def student_view(self, token: object) -> dict:
        """What a student's phone shows: their seat, the open turn, its card and what they
        submitted (``state`` ``submitted`` once they did)."""
        student = self.student(token)
        with self._lock:
            state = self.state()
            mine = self._submissions.get(student.id)
            view = {
                "student": student.id,
                "nickname": student.nickname,
                "seat": student.seat,
                "seat_name": self.game.seat_name(student.seat),
                "title": self.game.title,
                **self._turn_fields(),
                "state": "submitted" if state == "open" and mine else state,
                "card": self._cards.get(student.seat) if state == "open" else None,
                "submission": mine[1] if mine else None,
            }
        return jsonable(view)

    def submit(self, token: object, body: object) -> dict:
        """Record a student's decision for the open turn; returns the checked decision.

        ``body``: ``{"turn": the turn it answers, "decision": {control: value}}``; a ``seat``
        or ``student`` in it must be the token's own. A later submission in the same turn
        replaces the earlier one.

        Raises:
            RefusedError: 403 for another seat or student, 409 for a closed turn, 400 for anything
                malformed or a decision the game rejects (its own line).
        """
        student = self.student(token)
        if not isinstance(body, dict):
            raise RefusedError(400, 'send a JSON object {"turn": n, "decision": {...}}')
        unknown = sorted(set(body) - SUBMISSION_KEYS)
        if unknown:
            field_name = printable(unknown[0])
            raise RefusedError(400, f"unknown field {field_name!r}; send turn and decision")
        for key, own in (("seat", student.seat), ("student", student.id)):
            if key in body and body[key] != own:
                raise RefusedError(
                    403, f"you act only for your own seat ({student.seat}); {key} refused"
                )
        turn, decision = body.get("turn"), body.get("decision")
        if not isinstance(turn, int) or isinstance(turn, bool):
            raise RefusedError(400, "say which turn the decision is for (turn: a whole number)")
        if not isinstance(decision, dict):
            raise RefusedError(400, "decision must be an object of the card's controls")
        with self._lock:
            if self.state() != "open" or turn < self.game.turn:
                closed = f"the {self.game.turn_name} is closed"
                raise RefusedError(409, f"{closed}; your decision was not recorded")
            if turn != self.game.turn:
                open_turn = self.game.turn
                raise RefusedError(400, f"turn {turn} is not open (the open turn is {open_turn})")
            try:
                checked = self.game.check(student.seat, decision)
            except RefusedError:
                raise
            except UserError as exc:
                raise RefusedError(400, str(exc)) from None
            self._submissions[student.id] = (student.seat, checked)
        return jsonable(checked)

    # --- the teacher ---------------------------------------------------------------------
    def check_teacher(self, key: object) -> None:
        """Refuse (403) a request without the teacher's key."""
        if not isinstance(key, str) or not secrets.compare_digest(key, self.teacher_key):
            raise RefusedError(403, "wrong teacher's key; open the address the command printed")

    def set_timer(self, seconds: object) -> None:
        """Start the timer at ``seconds`` (0 stops it).

        Raises:
            RefusedError: 400 unless a whole number of 0 to :data:`MAX_TIMER_SECONDS` seconds.
        """
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            raise RefusedError(400, "seconds must be a whole number")
        if not 0 <= seconds <= MAX_TIMER_SECONDS:
            raise RefusedError(400, f"seconds must lie in 0-{MAX_TIMER_SECONDS} (got {seconds})")
        with self._lock:
            self._timer_seconds = seconds
            self._deadline = time.monotonic() + seconds if seconds else None

    def dashboard(self) -> dict:
        """What the teacher's dashboard shows: the turn, who submitted (``n/N``, the missing
        by name), the timer, the board of the last resolved turn."""
        with self._lock:
            students = list(self._students.values())
            missing = [s.nickname for s in students if s.id not in self._submissions]
            remaining = None
            if self._deadline is not None:
                remaining = max(0, math.ceil(self._deadline - time.monotonic()))
            view = {
                "title": self.game.title,
                **self._turn_fields(),
                "state": self.state(),
                "submitted": len(students) - len(missing),
                "students": len(students),
                "missing": missing,
                "timer": {"seconds": self._timer_seconds, "remaining": remaining},
                "board": self._board,
                "played": bool(self._records),
            }
        return jsonable(view)

    def advance(self) -> list[dict]:
        """Close the open turn: hand every student's decision (``None`` for those who did not
        submit) to the game, keep its records, rewrite the folder's tables; returns the
        turn's records.

        Raises:
            RefusedError: 409 when the session has ended or the turn is already closing.
        """
        with self._lock:
            if self.state() != "open":
                raise RefusedError(409, f"the session cannot advance now ({self.state()})")
            self._resolving = self._turn_fields()  # the state is "closing" from here
            decisions = {
                s.id: (s.seat, self._submissions[s.id][1] if s.id in self._submissions else None)
                for s in self._students.values()
            }
        try:
            records = [dict(r) for r in self.game.advance(decisions)]
            for record in records:
                record["session"] = self.id
                record.setdefault("game", self.game.key)
            board, cards = jsonable(self.game.board()), self._draw_cards()
        except BaseException:
            with self._lock:
                self._resolving = None
            raise
        with self._write_lock:
            with self._lock:
                self._records.extend(records)
                self._submissions = {}
                self._board, self._cards = board, cards
                self._deadline = None
                try:
                    self._write_decisions()
                finally:
                    self._resolving = None
            if self.on_turn is not None:
                self.on_turn(self.folder)
        return records

    def _draw_cards(self) -> dict[str, dict]:
        """Every seat's card for the open turn (none once the session has ended)."""
        if self.game.turn > self.game.turns:
            return {}
        return {seat: jsonable(self.game.card(seat)) for seat in self.game.seats()}

    def records(self) -> list[dict]:
        """Every record so far (copies)."""
        with self._lock:
            return [dict(r) for r in self._records]

    def roster(self) -> list[Student]:
        """The students, in order of joining."""
        with self._lock:
            return list(self._students.values())
