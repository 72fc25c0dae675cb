"""The debrief and the dashboard of the burden-sharing game, from its records and its
``config()`` alone: contributions per round against the Nash equilibrium and the social
optimum, students' payoffs against the agent rule and equilibrium play, students' and agents'
payoffs compared position by position (large members with large members, allies with allies),
and each group's totals.

Contributions are in % of the member's endowment, so large members and allies compare. Only
the choices students made count as theirs: a student who did not submit is counted apart, and
the agent's move made for them counts as the agent's.
"""

from __future__ import annotations

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

MEMBERS = ("large", "ally")


def _reference(config: dict, key: str, member: str) -> float:
    """A member kind's contribution in ``config[key]`` ("nash", "optimum"), % of endowment."""
    position = 0 if member == "large" else 1
    return 100 * config[key][position] / config["endowments"][position]


def contributions_per_round(records: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per round and member kind: how many students chose and how many did not submit; the
    mean contribution of those who chose, the agent rule's in the same seats, the Nash and the
    optimal contribution (all % of endowment)."""
    students = student_records(records)
    rows = []
    for (turn, member), everyone in students.groupby(["turn", "member"], sort=True):
        frame, counts = split_submitted(everyone)
        agent = pd.to_numeric(frame["agent_choice"]) / frame["endowment"]
        rows.append(
            {
                "round": int(turn),
                "member": member,
                **counts,
                "students: % given": 100
                * float((frame["contribution"] / frame["endowment"]).mean()),
                "agent rule: % given": 100 * float(agent.mean()),
                "Nash: % given": _reference(config, "nash", member),
                "optimum: % given": _reference(config, "optimum", member),
            }
        )
    columns = [
        "round",
        "member",
        "chose",
        "did not submit",
        "students: % given",
        "agent rule: % given",
        "Nash: % given",
        "optimum: % given",
    ]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["round", "member"], key=_member_order, kind="stable")
    return table.reset_index(drop=True).round(1)


def _member_order(column: pd.Series) -> pd.Series:
    """Sort key: the large member before the allies; other columns as they are."""
    return column.map(MEMBERS.index) if column.name == "member" else column


def payoffs_per_round(records: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per round (mean over the students who chose) and their total: students' payoffs, what
    the agent rule and the Nash contribution would have earned against the others' actual
    contributions, and what the whole group's Nash play and optimal play would have paid.
    Large members and allies are pooled here; :func:`position_payoffs` keeps them apart."""
    students = submitted_records(records)
    columns = {
        "payoff": "students",
        "agent_payoff": "agent rule in their seats",
        "equilibrium_payoff": "Nash contribution",
        "nash_payoff": "whole group in Nash",
        "optimum_payoff": "whole group at the optimum",
    }
    return per_round_and_total(students, columns)


def groups_per_round(records: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Per group and round: how many seats students played (one of them submitted) and how
    many students' seats the agent played for want of a submission, the total given, the large
    member's share of it (%), and the Nash and optimal totals."""
    seats = seat_rounds(records)
    rows = []
    for (group, turn), frame in seats.groupby(["group", "turn"], sort=True):
        total = float(frame["contribution"].sum())
        large = float(frame.loc[frame["member"] == "large", "contribution"].sum())
        rows.append(
            {
                "group": int(group),
                "round": int(turn),
                "seats students played": int(frame["moved"].sum()),
                "students' seats without a submission": int(
                    (frame["held"] & ~frame["moved"]).sum()
                ),
                "total given": total,
                "large member's share %": 100 * large / total if total > 0 else 0.0,
                "Nash total": float(sum(config["nash"])),
                "Nash: large member's share %": 100 * config["nash"][0] / sum(config["nash"]),
                "optimum total": float(sum(config["optimum"])),
            }
        )
    return pd.DataFrame(rows).round(2)


def burden_debrief_tables(records: pd.DataFrame, config: dict) -> list[tuple[str, pd.DataFrame]]:
    """The debrief's tables of the burden-sharing game (titles and tables)."""
    return [
        (
            "Contributions per round, % of endowment: students, the agent rule in their seats "
            f"({config['agent_rule'].replace('_', '-')}), the Nash equilibrium and the optimum",
            contributions_per_round(records, config),
        ),
        (
            "Payoffs per round of the students who chose, large members and allies together "
            "(points)",
            payoffs_per_round(records, config),
        ),
        (
            "Payoffs by position: students' own choices against the agents' moves, large "
            "members and allies apart (points a round)",
            position_payoffs(records, "member", MEMBERS),
        ),
        ("Every group's contributions per round (points)", groups_per_round(records, config)),
    ]


def burden_board(records: pd.DataFrame, config: dict) -> dict:
    """The dashboard's data after the last resolved round (see ``Game.board``)."""
    table = contributions_per_round(records, config)
    nash = {m: _reference(config, "nash", m) for m in MEMBERS}
    optimum = {m: _reference(config, "optimum", m) for m in MEMBERS}
    reference = (
        f"Nash: large {nash['large']:.0f} %, allies {nash['ally']:.0f} %; "
        f"optimum: {optimum['large']:.0f} % and {optimum['ally']:.0f} %"
    )
    bars = []
    if table.empty:
        headline = f"Round 1: waiting for contributions; {reference}"
    else:
        last = table[(table["round"] == table["round"].max()) & (table["chose"] > 0)]
        given = dict(zip(last["member"], last["students: % given"].astype(float), strict=True))
        said = ", ".join(
            f"{'large members' if m == 'large' else 'allies'} gave {given[m]:.0f} %"
            for m in MEMBERS
            if m in given
        )
        said = f"{said} of their points" if said else "no student chose"
        headline = f"Round {int(table['round'].max())}: {said}; {reference}"
        bars = [
            {"id": m, "name": f"{m}: % given", "value": given[m], "unit": "%", "reference": nash[m]}
            for m in MEMBERS
            if m in given
        ]
    nash_share = 100 * config["nash"][0] / sum(config["nash"])
    gain = 100 * (sum(config["optimum_payoffs"]) / sum(config["nash_payoffs"]) - 1)
    large_gain, ally_gain = (
        config["optimum_payoffs"][p] - config["nash_payoffs"][p] for p in (0, 1)
    )
    lines = [
        f"In the Nash equilibrium the large member gives {nash_share:.0f} % of its group's "
        "defence (Olson & Zeckhauser 1966: the large carry the small); with a known last round "
        "it is also the equilibrium of every round.",
        f"The optimum would pay the group {gain:.1f} % more than the Nash equilibrium: "
        f"{large_gain:+.2f} points a round for the large member, {ally_gain:+.2f} for each ally.",
        f"Agents play {config['agent_rule_text']}.",
        *config["parameters"],
    ]
    return board_data(headline, lines, bars, table)
