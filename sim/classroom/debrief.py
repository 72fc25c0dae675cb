"""The debrief of a class session, drawn from its folder alone.

:func:`debrief_html` reads ``session.json``, ``roster.csv`` and ``decisions.parquet`` (or, when
that file is missing, ``decisions.csv``, read back to the same types: :func:`read_decisions_csv`)
and nothing else: the game's own tables (its module's ``debrief_tables(records, config)``:
students against the agents in their seats and against the equilibrium) and one table every
game shares (:func:`seat_table`: per seat, how often the students chose what the agent would
have, when the choices are words, and the mean payoff of students and of agents). The page
carries no time of its drawing, so reopening a folder (``alliance-sim-class --reopen FOLDER``)
redraws it byte for byte. A folder with neither decisions file is refused: its debrief.html is
never replaced by an empty one.
"""

from __future__ import annotations

import html
import importlib
import json
from pathlib import Path

import pandas as pd

from sim.classroom.game import RECORD_COLUMNS
from sim.errors import UserError
from sim.files import FORMULA_STARTS, _is_number, atomic_write

GAME_MODULES = {
    "model": "sim.classroom.model_game",
    "security_dilemma": "sim.classroom.rounds",
    "stag_hunt": "sim.classroom.rounds",
    "burden_sharing": "sim.classroom.rounds",
}
"""The module of each game key, whose ``debrief_tables`` draws the game's part of the debrief."""

NAN = float("nan")
STYLE = """
body { font-family: system-ui, sans-serif; font-size: 20px; margin: 2em auto; max-width: 70em;
       padding: 0 1em; color: #111; }
h1 { font-size: 2em; } h2 { font-size: 1.4em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #bbb; padding: 0.25em 0.7em; text-align: right; }
th { background: #eee; } td:first-child, th:first-child { text-align: left; }
p.meta { color: #333; }
p.note { max-width: 50em; color: #333; }
"""


TEXT_COLUMNS = ("session", "game", "student", "seat", "role", "choice", "submission")
"""The records' columns of text (those of ``sim.classroom.game.RECORD_COLUMNS``, the games'
``submission``, and every ``..._choice``: choices are written in words), kept as text when the
records are read back from ``decisions.csv`` even where they look like numbers."""
SAME_AS_AGENT = "same as the agent"


def _unsafe_cell(text: str) -> str:
    """Undo ``sim.files.safe_cell``: a cell the CSV writer prefixed with an apostrophe (text
    that a spreadsheet would run as a formula) without the apostrophe."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) and not _is_number(text[1:]):
        return text[1:]
    return text


def _typed_column(values: pd.Series) -> pd.Series:
    """A column of ``decisions.csv`` (read as text) in the type it had in the records: ``True``
    and ``False`` as booleans, numbers (empty cells as NaN) as numbers, anything else as text."""
    filled = values[values != ""]
    if len(filled) and filled.isin(["True", "False"]).all() and len(filled) == len(values):
        return values == "True"
    if len(filled) and filled.map(_is_number).all():
        return pd.to_numeric(values.replace("", None), errors="coerce")
    return values


def read_decisions_csv(path: Path) -> pd.DataFrame:
    """The records of ``decisions.csv`` with the types ``decisions.parquet`` holds as far as
    the debrief needs them: the text columns (:data:`TEXT_COLUMNS`) as text,
    ``submitted`` as booleans, numbers as numbers, the CSV writer's formula guard undone."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.columns = [_unsafe_cell(str(c)) for c in table.columns]
    for column in table.columns:
        values = table[column].map(_unsafe_cell)
        if column in TEXT_COLUMNS or column.endswith("_choice"):
            table[column] = values
        elif column == "submitted":
            table[column] = values == "True"
        else:
            table[column] = _typed_column(values)
    return table


def read_folder(folder: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A session folder's ``session.json``, records and roster. The records are
    ``decisions.parquet``, else ``decisions.csv`` (:func:`read_decisions_csv`).

    Raises:
        UserError: ``session.json`` or both decisions files are missing, or a file is
            unreadable.
    """
    folder = Path(folder)
    try:
        info = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{folder / 'session.json'} cannot be read ({exc})") from None
    parquet, csv = folder / "decisions.parquet", folder / "decisions.csv"
    if not parquet.is_file() and not csv.is_file():
        raise UserError(
            f"{folder} has no decisions.parquet or decisions.csv (no turn was played, or they "
            "were moved); nothing to debrief, debrief.html left as it was"
        )
    try:
        records = pd.read_parquet(parquet) if parquet.is_file() else read_decisions_csv(csv)
        roster_path = folder / "roster.csv"
        roster = (
            pd.read_csv(roster_path, dtype=str, keep_default_na=False)
            if roster_path.is_file()
            else pd.DataFrame(columns=["student", "nickname", "seat"])
        )
    except (OSError, ValueError) as exc:
        raise UserError(f"{folder}: the session's tables cannot be read ({exc})") from None
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if len(records.columns) and missing:
        raise UserError(f"{folder}: the decisions have no column {missing[0]!r}; not a session's")
    return info, records, roster


def game_tables(game: str, records: pd.DataFrame, config: dict) -> list[tuple[str, pd.DataFrame]]:
    """The game's own debrief tables (its module's ``debrief_tables``).

    Raises:
        UserError: the game key is not a known game.
    """
    if game not in GAME_MODULES:
        known = ", ".join(sorted(GAME_MODULES))
        raise UserError(f"session.json names an unknown game {game!r} (known: {known})")
    module = importlib.import_module(GAME_MODULES[game])
    return list(module.debrief_tables(records, config))


def numeric_choices(records: pd.DataFrame) -> bool:
    """Whether the seats' choices are numbers (a contribution, a budget) rather than moves in
    words: every choice and agent's choice written reads as a number."""
    values = pd.concat([records["choice"], records["agent_choice"]]).dropna().astype(str)
    values = values[values != ""]
    return bool(len(values)) and bool(values.map(_is_number).all())


def seat_table(records: pd.DataFrame) -> pd.DataFrame:
    """Per seat (and over all seats, last): the students' turns, the share of their submitted
    decisions that equalled the agent's choice in the seat (left out when the choices are
    numbers: an exact match of two amounts says little), and the mean payoff of the students'
    submitted turns (a turn a student let pass was the agent's or the team's play) and of the
    agents' turns (in the game's payoff unit)."""
    columns = [
        "seat",
        "students",
        "student turns",
        "submitted",
        SAME_AS_AGENT,
        "mean payoff, students",
        "mean payoff, agents",
    ]
    if records.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    groups = [(str(seat), part) for seat, part in records.groupby("seat", sort=True)]
    for seat, part in [*groups, ("all seats", records)]:
        students = part[part["role"] == "student"]
        agents = part[part["role"] == "agent"]
        sent = students[students["submitted"].astype(bool)]
        same = (sent["choice"].astype(str) == sent["agent_choice"].astype(str)).mean()
        rows.append(
            [
                seat,
                students["student"].nunique(),
                len(students),
                students["submitted"].astype(bool).mean() if len(students) else NAN,
                same if len(sent) else NAN,
                sent["payoff"].astype(float).mean() if len(sent) else NAN,
                agents["payoff"].astype(float).mean() if len(agents) else NAN,
            ]
        )
    table = pd.DataFrame(rows, columns=columns)
    return table.drop(columns=SAME_AS_AGENT) if numeric_choices(records) else table


def seat_notes(records: pd.DataFrame) -> list[str]:
    """What the seat table's reader should know: that "same as the agent" is left out when
    the choices are numbers, and that the "all seats" row sets the students' seats against
    other seats whenever the agents held seats no student held."""
    if records.empty:
        return []
    notes = []
    if numeric_choices(records):
        notes.append(
            "The choices are amounts, so the share of students who chose exactly what the "
            "agent would have is left out; the game's tables below compare the amounts."
        )
    student_seats = set(records.loc[records["role"] == "student", "seat"].astype(str))
    agent_seats = set(records.loc[records["role"] == "agent", "seat"].astype(str))
    only_agents = len(agent_seats - student_seats)
    if student_seats and only_agents:
        notes.append(
            'In the row "all seats" the students\' mean payoff is over their seats and the '
            f"agents' over the {only_agents} seat{'' if only_agents == 1 else 's'} no student "
            "held, so the two compare seat types as much as play; compare a seat with itself, or "
            "the game's tables below, which set each student against the agent's choice in the "
            "same seat."
        )
    return notes


def _table_html(table: pd.DataFrame) -> str:
    """A table as HTML, numbers with at most three decimals, missing values as a dash."""
    if table.empty:
        return "<p>No rows yet.</p>"
    return table.to_html(
        index=False,
        border=0,
        na_rep="—",
        escape=True,
        float_format=lambda x: f"{x:,.3f}".rstrip("0").rstrip("."),
    )


def debrief_html(folder: Path) -> str:
    """The debrief page of a session folder, from its files alone (see the module's doc)."""
    info, records, roster = read_folder(folder)
    played = int(records["turn"].max()) if not records.empty else 0
    turns = info.get("turns", info.get("years", "?"))
    title = html.escape(str(info.get("title", info.get("game", "class game"))))
    meta = (
        f"Session {html.escape(str(info.get('session', '')))} · game "
        f"{html.escape(str(info.get('game', '')))} · seed {html.escape(str(info.get('seed')))}"
        f" · {played} of {html.escape(str(turns))} turns played · students: {len(roster)} · "
        f"started {html.escape(str(info.get('started_utc', '')))} · code "
        f"{html.escape(str(info.get('code_version', '')))} · payoffs in "
        f"{html.escape(str(info.get('payoff_unit', '')))}"
    )
    sections = [("Students and agents, seat by seat", seat_table(records), seat_notes(records))]
    if not records.empty:
        config = info.get("config") or {}
        tables = game_tables(str(info.get("game")), records, config)
        sections += [(name, table, []) for name, table in tables]
    sections.append(("Who played which seat", roster, []))
    body = "\n".join(
        f"<h2>{html.escape(name)}</h2>\n{_table_html(table)}"
        + "".join(f"\n<p class='note'>{html.escape(note)}</p>" for note in notes)
        for name, table, notes in sections
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Debrief: {title}</title><style>{STYLE}</style></head>\n<body>\n"
        f"<h1>Debrief: {title}</h1>\n<p class='meta'>{meta}</p>\n{body}\n</body></html>\n"
    )


def write_debrief(folder: Path) -> Path:
    """Write ``debrief.html`` into the session folder (atomically); returns its path."""
    text = debrief_html(folder)
    path = Path(folder) / "debrief.html"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path
