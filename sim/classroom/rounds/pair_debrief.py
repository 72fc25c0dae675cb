"""The debrief and the dashboard of a game in pairs, from its records and its ``config()`` alone:
the class's choices per round against the equilibrium, students' payoffs against what the
agent rule and the best reply would have earned in their seats, students' and agents' payoffs
side by side, and what each pair did.

Shares are in % of the choices students made in a round (a team counts once per member who
submitted); a student who did not submit is counted apart, and the move the agent then made
for them counts as the agent's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.classroom.rounds.tables import (
    board_data,
    per_round_and_total,
    position_payoffs,
    seat_rounds,
    split_submitted,
    student_records,
    submitted_records,
)


def _reference_share(frame: pd.DataFrame, config: dict) -> pd.Series:
    """Per record, the probability of the first action in the reference equilibrium, in %."""
    probability = dict(zip(config["sides"], config["reference_probabilities"], strict=True))
    return 100 * frame["side"].map(probability).astype(float)


def choices_per_round(records: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per round: how many students chose and how many did not submit; of those who chose,
    the % choosing each action, the % the agent rule would have chosen the first action in
    their seats, the % whose choice was the best reply to their partner's actual move, and
    the % choosing the first action in equilibrium."""
    first, second = config["actions"]
    students = student_records(records)
    rows = []
    for turn, everyone in students.groupby("turn", sort=True):
        frame, counts = split_submitted(everyone)
        rows.append(
            {
                "round": int(turn),
                **counts,
                f"% {first}": 100 * float((frame["choice"] == first).mean()),
                f"% {second}": 100 * float((frame["choice"] == second).mean()),
                f"agent rule: % {first}": 100 * float((frame["agent_choice"] == first).mean()),
                "% best reply": 100
                * float((frame["choice"] == frame["equilibrium_choice"]).mean()),
                f"equilibrium: % {first}": float(_reference_share(frame, config).mean()),
            }
        )
    columns = [
        "round",
        "chose",
        "did not submit",
        f"% {first}",
        f"% {second}",
        f"agent rule: % {first}",
        "% best reply",
        f"equilibrium: % {first}",
    ]
    return pd.DataFrame(rows, columns=columns).round(1)


def equilibrium_value(config: dict, side: str) -> float:
    """A side's expected payoff per round when both play the reference equilibrium."""
    row = np.asarray(config["row_payoffs"], float)
    col = np.asarray(config["col_payoffs"], float)
    p, q = config["reference_probabilities"]
    x, y = np.array([p, 1 - p]), np.array([q, 1 - q])
    return float(x @ (row if side == config["sides"][0] else col) @ y)


def payoffs_per_round(records: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per round (mean over the students who chose) and their total: students' payoffs, what
    the agent rule and the best reply would have earned against the same partners' moves, and
    what equilibrium play by both sides would have paid."""
    students = submitted_records(records).copy()
    students["both_equilibrium"] = [equilibrium_value(config, s) for s in students["side"]]
    columns = {
        "payoff": "students",
        "agent_payoff": "agent rule in their seats",
        "equilibrium_payoff": "best reply to the partner",
        "both_equilibrium": "both in equilibrium",
    }
    return per_round_and_total(students, columns)


def who_moved(seat: pd.DataFrame) -> str:
    """Who made a seat's moves (its :func:`seat_rounds` rows): "student", "student (k of n)"
    when the agent moved in the other rounds, "agent (no submission)" for a student's seat
    whose every move the agent made, "agent" for a seat no student held."""
    moved, rounds = int(seat["moved"].sum()), len(seat)
    if moved == rounds:
        return "student"
    if moved:
        return f"student ({moved} of {rounds})"
    return "agent (no submission)" if seat["held"].any() else "agent"


def pair_moves(records: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per pair: who made each seat's moves (:func:`who_moved`), both moves of every round
    ("first side's move / second side's move") and each side's total payoff."""
    seats = seat_rounds(records).sort_values(["pair", "turn", "side"])
    first, second = config["sides"]
    rows = []
    for pair, frame in seats.groupby("pair", sort=True):
        row: dict = {"pair": int(pair)}
        for side in (first, second):
            row[side] = who_moved(frame[frame["side"] == side])
        for turn, moves in frame.groupby("turn", sort=True):
            by_side = dict(zip(moves["side"], moves["choice"], strict=True))
            row[f"round {int(turn)}"] = f"{by_side[first]} / {by_side[second]}"
        for side in (first, second):
            row[f"{side}'s total"] = float(frame.loc[frame["side"] == side, "payoff"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def outcomes_per_round(records: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per round: how many pairs ended in each combination of moves."""
    first, second = config["actions"]
    seats = records.drop_duplicates(["turn", "seat"])
    labels = {
        (first, first): f"both {first}",
        (first, second): "one each",
        (second, first): "one each",
        (second, second): f"both {second}",
    }
    moves = seats.pivot(index=["turn", "pair"], columns="side", values="choice")
    sides = config["sides"]
    kinds = (
        [labels[(a, b)] for a, b in zip(moves[sides[0]], moves[sides[1]], strict=True)]
        if len(moves)
        else []
    )
    counts = pd.crosstab(moves.index.get_level_values("turn"), pd.Series(kinds, name="outcome"))
    order = [f"both {first}", "one each", f"both {second}"]
    counts = counts.reindex(columns=order, fill_value=0)
    counts.columns.name = None
    counts.index = [f"round {int(t)}" for t in counts.index]
    return counts.reset_index(names="round")


def pair_debrief_tables(records: pd.DataFrame, config: dict) -> list[tuple[str, pd.DataFrame]]:
    """The debrief's tables of a game in pairs (titles and tables)."""
    first = config["actions"][0]
    return [
        (
            f"Choices per round: students, the agent rule in their seats "
            f"({config['agent_rule'].replace('_', '-')}) and the equilibrium",
            choices_per_round(records, config),
        ),
        (
            f"Payoffs per round of the students who chose ({config['title']}, points)",
            payoffs_per_round(records, config),
        ),
        (
            "Payoffs by position: students' own choices against the agents' moves (points a round)",
            position_payoffs(records, "side", config["sides"]),
        ),
        (f"Outcomes of the pairs per round ({first} or not)", outcomes_per_round(records, config)),
        (
            f"Every pair's moves ({' / '.join(config['sides'])}) and totals",
            pair_moves(records, config),
        ),
    ]


def short_equilibria(config: dict) -> str:
    """The one-shot equilibria in a few words for the headline, e.g. 'equilibrium: arm' or
    'equilibria: commit, hedge, or commit with probability 0.67'."""
    first, second = config["actions"]
    texts = []
    for p, q in config["equilibrium_probabilities"]:
        if {p, q} <= {0.0, 1.0}:
            texts.append(
                (first if p else second)
                if p == q
                else f"{first if p else second} / {first if q else second}"
            )
        elif abs(p - q) < 5e-3:
            texts.append(f"{first} with probability {p:.2f}")
        else:
            texts.append(f"{first} with probability {p:.2f} / {q:.2f}")
    if len(texts) == 1:
        return f"equilibrium: {texts[0]}"
    return "equilibria: " + ", ".join(texts[:-1]) + f" or {texts[-1]}"


def pair_board(records: pd.DataFrame, config: dict) -> dict:
    """The dashboard's data after the last resolved round (see ``Game.board``)."""
    first = config["actions"][0]
    table = choices_per_round(records, config)
    lines = [*config["repeated"], f"Agents play {config['agent_rule_text']}."]
    last = table.iloc[-1] if len(table) else None
    bars = []
    if last is None:
        headline = f"Round 1: waiting for choices; {short_equilibria(config)}"
    elif not last["chose"]:
        headline = f"Round {int(last['round'])}: no student chose; {short_equilibria(config)}"
    else:
        missing = (
            f" ({int(last['did not submit'])} did not submit)" if last["did not submit"] else ""
        )
        headline = (
            f"Round {int(last['round'])}: {last[f'% {first}']:.0f} % chose {first}{missing}; "
            f"{short_equilibria(config)}"
        )
        bars = [
            {
                "id": action,
                "name": f"% {action}",
                "value": float(last[f"% {action}"]),
                "unit": "%",
                "reference": float(
                    last[f"equilibrium: % {first}"]
                    if action == first
                    else 100 - last[f"equilibrium: % {first}"]
                ),
            }
            for action in config["actions"]
        ]
    return board_data(headline, lines, bars, table)
