"""The debrief of a class session, drawn from its folder alone.

:func:`debrief_html` reads ``session.json``, ``roster.csv`` and ``decisions.parquet`` and
nothing else: the game's own tables (its module's ``debrief_tables(records, config)``: students
against the agents in their seats and against the equilibrium) and one table every game shares
(:func:`seat_table`: per seat, how often the students chose what the agent would have, and the
mean payoff of students and of agents). The page carries no time of its drawing, so reopening
a folder (``alliance-sim-class --reopen FOLDER``) redraws it byte for byte.
"""

from __future__ import annotations

import html
import importlib
import json
from pathlib import Path

import pandas as pd

from sim.errors import UserError
from sim.files import atomic_write

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
"""


def read_folder(folder: Path) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A session folder's ``session.json``, records (empty before the first turn) and roster.

    Raises:
        UserError: a file is missing or unreadable.
    """
    folder = Path(folder)
    try:
        info = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{folder / 'session.json'} cannot be read ({exc})") from None
    decisions = folder / "decisions.parquet"
    try:
        records = pd.read_parquet(decisions) if decisions.is_file() else pd.DataFrame()
        roster_path = folder / "roster.csv"
        roster = (
            pd.read_csv(roster_path, dtype=str, keep_default_na=False)
            if roster_path.is_file()
            else pd.DataFrame(columns=["student", "nickname", "seat"])
        )
    except (OSError, ValueError) as exc:
        raise UserError(f"{folder}: the session's tables cannot be read ({exc})") from None
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


def seat_table(records: pd.DataFrame) -> pd.DataFrame:
    """Per seat (and over all seats, last): the students' turns, the share of their submitted
    decisions that equalled the agent's choice in the seat, and the mean payoff of the
    students' and of the agents' turns (in the game's payoff unit)."""
    columns = [
        "seat",
        "students",
        "student turns",
        "submitted",
        "same as the agent",
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
                students["payoff"].astype(float).mean() if len(students) else NAN,
                agents["payoff"].astype(float).mean() if len(agents) else NAN,
            ]
        )
    return pd.DataFrame(rows, columns=columns)


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
    sections = [("Students and agents, seat by seat", seat_table(records))]
    if not records.empty:
        sections += game_tables(str(info.get("game")), records, info.get("config") or {})
    sections.append(("Who played which seat", roster))
    body = "\n".join(
        f"<h2>{html.escape(name)}</h2>\n{_table_html(table)}" for name, table in sections
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
