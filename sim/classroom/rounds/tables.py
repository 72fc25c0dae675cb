"""Table helpers the debriefs and dashboards of the games in rounds share: students' records,
means per round with a total per student, and the dashboard's data in the protocol's shape."""

from __future__ import annotations

import pandas as pd


def student_records(records: pd.DataFrame) -> pd.DataFrame:
    """The records of students' seats (one per student and round)."""
    return records[records["role"] == "student"]


def per_round_and_total(students: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Means of ``columns`` (record column -> title) per round ("round 1", ...), then a row
    "total per student": the mean over students of their sums over rounds; rounded to 0.01."""
    if students.empty:
        return pd.DataFrame(columns=["round", *columns.values()])
    per_round = students.groupby("turn", sort=True)[list(columns)].mean()
    per_round.index = [f"round {int(t)}" for t in per_round.index]
    totals = students.groupby("student")[list(columns)].sum().mean()
    table = pd.concat([per_round, totals.to_frame("total per student").T])
    return table.rename(columns=columns).reset_index(names="round").round(2)


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
