"""Table helpers the debriefs and dashboards of the games in rounds share: students' records,
the choices students made themselves (a student who did not submit got the agent's move, which
counts as the agent's play, not as the student's), means per round with their total, payoffs
position by position, and the dashboard's data in the protocol's shape."""

from __future__ import annotations

import pandas as pd

TOTAL = "total (sum of the rounds)"
"""The label of the last row of a table of means per round."""


def flags(column: pd.Series) -> pd.Series:
    """A yes/no column as booleans, read back from Parquet (bool) or from CSV (text)."""
    return column.astype(str).str.strip().str.lower().isin(("true", "1", "1.0"))


def student_records(records: pd.DataFrame) -> pd.DataFrame:
    """The records of students' seats (one per student and round)."""
    return records[records["role"] == "student"]


def submitted_records(records: pd.DataFrame) -> pd.DataFrame:
    """The records of students who submitted in their round: the choices students made."""
    students = student_records(records)
    return students[flags(students["submitted"])]


def split_submitted(students: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Students' records of one round (and position): those who submitted, and the counts
    ``{"chose": n, "did not submit": m}`` a table of choices shows."""
    sent = students[flags(students["submitted"])]
    return sent, {"chose": len(sent), "did not submit": len(students) - len(sent)}


def seat_rounds(records: pd.DataFrame) -> pd.DataFrame:
    """One record per seat and round, with ``held`` (a student held the seat) and ``moved``
    (the move was the students': one of them submitted; else the agent made it)."""
    keys = [records["turn"], records["seat"]]
    student = records["role"] == "student"
    return records.assign(
        held=student.groupby(keys).transform("any"),
        moved=(student & flags(records["submitted"])).groupby(keys).transform("any"),
    ).drop_duplicates(["turn", "seat"])


def per_round_and_total(students: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Means of ``columns`` (record column -> title) per round ("round 1", ...), then the row
    :data:`TOTAL`, the sum of those means (a student's total had they played every round: the
    mean of students' sums when everyone submitted every round); rounded to 0.01."""
    if students.empty:
        return pd.DataFrame(columns=["round", *columns.values()])
    per_round = students.groupby("turn", sort=True)[list(columns)].mean()
    per_round.index = [f"round {int(t)}" for t in per_round.index]
    table = pd.concat([per_round, per_round.sum().to_frame(TOTAL).T])
    return table.rename(columns=columns).reset_index(names="round").round(2)


def position_payoffs(records: pd.DataFrame, column: str, order) -> pd.DataFrame:
    """Per position (the records' ``column``: a pair's side, a group's member kind; in
    ``order``), like compared with like: the rounds students chose in and their mean payoff,
    what the agent rule would have earned in those seats, the students' records without a
    submission, and the rounds the agents moved in (seats no student held, students' seats
    where nobody submitted) with the agents' mean payoff; points a round, rounded to 0.01."""
    columns = [
        "position",
        "student rounds",
        "students: mean payoff",
        "agent rule in their seats",
        "did not submit",
        "agent rounds",
        "agents: mean payoff",
    ]
    if records.empty:
        return pd.DataFrame(columns=columns)
    students, sent = student_records(records), submitted_records(records)
    seats = seat_rounds(records)
    agents = seats[~seats["moved"]]
    rows = []
    for position in order:
        mine, theirs = sent[sent[column] == position], agents[agents[column] == position]
        rows.append(
            [
                position,
                len(mine),
                mine["payoff"].astype(float).mean(),
                mine["agent_payoff"].astype(float).mean(),
                int((students[column] == position).sum()) - len(mine),
                len(theirs),
                theirs["payoff"].astype(float).mean(),
            ]
        )
    return pd.DataFrame(rows, columns=columns).round(2)


def json_rows(table: pd.DataFrame) -> list[list]:
    """A table's rows as plain Python values (for JSON)."""
    return [
        [v.item() if hasattr(v, "item") else v for v in row]
        for row in table.itertuples(index=False)
    ]


def board_data(headline: str, lines: list[str], bars: list[dict], table: pd.DataFrame) -> dict:
    """The dashboard's data as ``Game.board`` describes it (no network for these games)."""
    return {
        "headline": headline,
        "lines": lines,
        "events": [],
        "nodes": [],
        "edges": [],
        "bars": bars,
        "table": {"columns": list(table.columns), "rows": json_rows(table)},
    }
