"""The textbook games a class plays in rounds (sim.classroom.rounds): payoffs are the demos',
equilibria survive brute-force checks, bad input gets one clear line, agents fill half pairs,
records are tidy and reproducible, and the debrief is a function of the records and config."""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim.classroom.game import RECORD_COLUMNS
from sim.classroom.rounds import GAMES, debrief_tables, from_config
from sim.classroom.rounds.burden import large_ratio_2024
from sim.classroom.rounds.pairs import one_shot_equilibria
from sim.classroom.rounds.public_goods import (
    best_response,
    group_payoffs,
    nash_contributions,
    optimum_contributions,
)
from sim.demos import security_dilemma, stag_hunt
from sim.demos.burden_sharing import nato_table
from sim.errors import UserError

PAIR_GAMES = ("security_dilemma", "stag_hunt")


def play(game, students: int, moves, rounds: int | None = None) -> list[dict]:
    """Seat ``students`` students in join order and play ``rounds`` rounds; ``moves(k, turn,
    seat)`` gives student k's submission (None: no submission)."""
    seats = [game.seat_for(k) for k in range(students)]
    out = []
    for turn in range(1, (rounds or game.turns) + 1):
        decisions = {}
        for k, seat in enumerate(seats):
            submission = moves(k, turn, seat)
            decisions[f"student {k:02d}"] = (
                seat,
                None if submission is None else game.check(seat, submission),
            )
        out += game.advance(decisions)
    return out


def alternating(game):
    """Submissions that differ by student and round (every student submits)."""
    if game.key == "burden_sharing":
        return lambda k, turn, seat: {"contribution": float((3 * k + turn) % 9)}
    return lambda k, turn, seat: {"choice": game.actions[(k * turn + k // 3) % 2]}


# --- payoffs and equilibria


def test_pair_payoffs_are_the_demos():
    sd = GAMES["security_dilemma"]()
    row, col = security_dilemma.payoff_matrices()
    assert np.array_equal(sd.row, row) and np.array_equal(sd.col, col)
    sh = GAMES["stag_hunt"](side_payment=1.0)
    row, col = stag_hunt.payoff_matrices(side_payment=1.0)
    assert np.array_equal(sh.row, row) and np.array_equal(sh.col, col)
    assert sd.actions == security_dilemma.ACTIONS and sh.actions == stag_hunt.ACTIONS


@pytest.mark.parametrize("key", PAIR_GAMES)
def test_recorded_payoffs_are_the_matrix_cells(key):
    game = GAMES[key](turns=3, max_students=8)
    records = pd.DataFrame(play(game, 7, alternating(game)))
    seats = records.drop_duplicates(["turn", "seat"])
    for _, r in seats.iterrows():
        own, other = game.actions.index(r["choice"]), game.actions.index(r["partner_choice"])
        first = r["seat"] == f"pair {r['pair']} / {game.positions[0]}"
        a_move, b_move = (own, other) if first else (other, own)
        matrix = game.row if first else game.col
        assert r["payoff"] == matrix[a_move, b_move]


def brute_force_pure(row, col) -> set[tuple[int, int]]:
    """Cells where each side's move is a best response to the other's."""
    return {
        (i, j)
        for i, j in itertools.product(range(2), range(2))
        if row[i, j] >= row[1 - i, j] and col[i, j] >= col[i, 1 - j]
    }


def check_equilibria(row, col):
    """Pure equilibria equal brute force; in a mixed one each side is indifferent."""
    found = one_shot_equilibria(row, col)
    pure = {(int(np.argmax(r)), int(np.argmax(c))) for r, c in found if max(r) == 1 == max(c)}
    assert pure == brute_force_pure(row, col)
    for r, c in found:
        if max(r) < 1:
            assert np.isclose(*(row @ c)) and np.isclose(*(r @ col))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=4, max_size=4, unique=True))
@example([0.0, 4.492195674676859e-15, 3.7657511122589753e-109, 2.5613663753909774e-168])
def test_security_dilemma_equilibrium_by_brute_force(values):
    t, r, p, s = sorted(values, reverse=True)
    game = GAMES["security_dilemma"](temptation=t, reward=r, punishment=p, sucker=s)
    check_equilibria(game.row, game.col)
    assert [e[0][0] for e in game.equilibria] == [0.0]  # arming is the one equilibrium


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-5, 10), min_size=4, max_size=4, unique=True),
    st.sampled_from([0.0, 0.5, 1.0, 2.0, 2.5, 4.0]),
)
def test_stag_hunt_equilibria_by_brute_force(values, side_payment):
    stag, hare_vs_stag, hare, sucker = sorted(map(float, values), reverse=True)
    game = GAMES["stag_hunt"](
        stag=stag, hare_vs_stag=hare_vs_stag, hare=hare, sucker=sucker, side_payment=side_payment
    )
    check_equilibria(game.row, game.col)


def test_stag_hunt_mixed_equilibrium_is_the_demos_threshold():
    game = GAMES["stag_hunt"](side_payment=0.5)
    base = {k: v for k, v in game.params.items() if k != "side_payment"}
    assert game.reference[0][0] == pytest.approx(stag_hunt.partner_threshold(0.5, **base))
    assert game.reference[1][0] == pytest.approx(stag_hunt.patron_threshold(**base))


WEIGHTS = st.floats(0.01, 1.0)
ENDOWMENTS = st.lists(st.floats(1.0, 60.0), min_size=2, max_size=6)


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 100), st.floats(1, 60), WEIGHTS, WEIGHTS)
def test_best_response_beats_a_fine_grid(others, endowment, public, private):
    reply = best_response(others, endowment, public, private)
    grid = np.linspace(0, endowment, 2001)
    value = (
        endowment - grid + endowment * (public * np.log1p(others + grid) + private * np.log1p(grid))
    )
    best = (
        endowment
        - reply
        + endowment * (public * np.log1p(others + reply) + private * np.log1p(reply))
    )
    assert 0 <= reply <= endowment and best >= value.max() - 1e-9


@settings(max_examples=60, deadline=None)
@given(ENDOWMENTS, WEIGHTS, WEIGHTS)
def test_nash_is_a_mutual_best_response_and_the_large_pay_a_larger_share(w, public, private):
    w = np.array(w)
    nash = nash_contributions(w, public, private)
    for i in range(len(w)):
        others = nash.sum() - nash[i]
        assert nash[i] == pytest.approx(best_response(others, w[i], public, private), abs=1e-7)
        grid = np.linspace(0, w[i], 401)
        trial = np.tile(nash, (len(grid), 1))
        trial[:, i] = grid
        deviations = [group_payoffs(c, w, public, private)[i] for c in trial]
        assert group_payoffs(nash, w, public, private)[i] >= max(deviations) - 1e-9
    order = np.argsort(w)
    assert np.all(np.diff((nash / w)[order]) >= -1e-9)  # Olson & Zeckhauser's prediction


@settings(max_examples=40, deadline=None)
@given(ENDOWMENTS, WEIGHTS, WEIGHTS)
def test_optimum_maximises_the_group_total(w, public, private):
    from scipy.optimize import minimize

    w = np.array(w)
    optimum = optimum_contributions(w, public, private)
    total = group_payoffs(optimum, w, public, private).sum()
    solved = minimize(
        lambda c: -group_payoffs(c, w, public, private).sum(),
        w / 2,
        bounds=[(0, x) for x in w],
        method="L-BFGS-B",
    )
    assert total >= -solved.fun - 1e-6
    assert optimum.sum() >= nash_contributions(w, public, private).sum() - 1e-9


def test_burden_defaults_from_the_2024_data():
    game = GAMES["burden_sharing"]()
    table = nato_table()
    us = table.loc["USA", "gdp_share"]
    assert large_ratio_2024(4) == pytest.approx(us / ((1 - us) / 3))
    assert game.endowments[0] == round(game.endowments[1] * large_ratio_2024(4))
    assert list(game.nash) == list(nash_contributions(game.endowments, 0.2, 0.2))
    config = game.config()
    assert config["nash"][0] / sum(config["nash"]) > game.endowments[0] / game.endowments.sum()
    assert all(("judgement" in line) or ("data" in line) for line in config["parameters"])


# --- bad input


BAD_CHOICES = [
    ({"choice": "fight"}, "restrain or arm"),
    ({"choice": 1}, "restrain or arm"),
    ({"choice": None}, "restrain or arm"),
    ({"choice": ["arm"]}, "restrain or arm"),
    ({}, "choice"),
    ({"choice": "arm", "amount": 3}, "unknown amount"),
    ("arm", "named values"),
]


@pytest.mark.parametrize(("submission", "fix"), BAD_CHOICES)
def test_bad_choices_get_one_line(submission, fix):
    game = GAMES["security_dilemma"]()
    with pytest.raises(UserError) as err:
        game.check("pair 1 / A", submission)
    assert "\n" not in str(err.value) and fix in str(err.value)


BAD_CONTRIBUTIONS = [
    (-1, "cannot be negative"),
    (34.5, "cannot exceed your 34 points"),
    ("ten", "must be a number of points from 0 to 34"),
    (True, "must be a number"),
    (None, "must be a number"),
    (float("nan"), "must be a number"),
    ([3], "must be a number"),
    ("1e999", "must be a number"),
]


@pytest.mark.parametrize(("value", "fix"), BAD_CONTRIBUTIONS)
def test_bad_contributions_get_one_line(value, fix):
    game = GAMES["burden_sharing"]()
    with pytest.raises(UserError) as err:
        game.check("group 1 / large", {"contribution": value})
    assert "\n" not in str(err.value) and fix in str(err.value)


def test_good_input_is_converted():
    game = GAMES["burden_sharing"]()
    assert game.check("group 2 / ally 3", {"contribution": "7.5"}) == {"contribution": 7.5}
    assert game.check("group 2 / ally 3", {"contribution": 10}) == {"contribution": 10.0}
    with pytest.raises(UserError, match="exceed your 10 points"):
        game.check("group 2 / ally 3", {"contribution": 11})
    partner = "pair 1 / partner"
    assert GAMES["stag_hunt"]().check(partner, {"choice": " Hedge "}) == {"choice": "hedge"}


@pytest.mark.parametrize("seat", ["pair 0 / A", "pair 31 / A", "pair 1 / C", "group 1 / A", "x"])
def test_unknown_seats_are_refused(seat):
    game = GAMES["security_dilemma"](max_students=60)
    with pytest.raises(UserError, match="unknown seat") as err:
        game.check(seat, {"choice": "arm"})
    assert "\n" not in str(err.value)
    with pytest.raises(UserError):
        game.card(seat)


@pytest.mark.parametrize(
    ("kwargs", "fix"),
    [
        ({"agent_rule": "random"}, "unknown agent rule"),
        ({"temptation": 2.0}, "temptation > reward"),
        ({"bribe": 1.0}, "unknown payoff parameter bribe"),
        ({"reward": "3"}, "must be a number"),
        ({"turns": 0}, "number of rounds"),
        ({"max_students": 2.5}, "number of students"),
    ],
)
def test_bad_settings_get_one_line(kwargs, fix):
    with pytest.raises(UserError, match=fix):
        GAMES["security_dilemma"](**kwargs)


def test_game_over_is_refused():
    game = GAMES["security_dilemma"](turns=1)
    play(game, 2, alternating(game))
    with pytest.raises(UserError, match="the game is over"):
        game.advance({})


# --- seats, agents and records


@pytest.mark.parametrize("key", PAIR_GAMES)
def test_an_agent_fills_a_half_pair_and_empty_pairs_are_not_played(key):
    game = GAMES[key](turns=3, max_students=10)
    a, b = game.positions
    assert [game.seat_for(k) for k in range(3)] == [
        f"pair 1 / {a}",
        f"pair 1 / {b}",
        f"pair 2 / {a}",
    ]
    first = game.actions[1]  # the student in pair 2 defects first, then cooperates
    records = play(
        GAMES[key](turns=3, max_students=10),
        3,
        lambda k, turn, seat: {"choice": first if turn == 1 else game.actions[0]},
    )
    frame = pd.DataFrame(records)
    assert set(frame["pair"]) == {1, 2}
    agent = frame[frame["role"] == "agent"]
    assert list(agent["seat"]) == [f"pair 2 / {b}"] * 3 and set(agent["student"]) == {""}
    assert set(frame.loc[frame["seat"] == f"pair 2 / {a}", "partner_role"]) == {"agent"}
    moves = list(agent["choice"])
    if game.rule_name == "tit_for_tat":  # copies its partner's last move
        assert moves == [game.actions[0], first, game.actions[0]]
    else:  # the best reply to the partner's last move
        expected = [0] + [game.best_response(1, 1 if t == 1 else 0) for t in (1, 2)]
        assert moves == [game.actions[m] for m in expected]


@pytest.mark.parametrize("key", GAMES)
def test_a_missing_submission_gets_the_agents_choice(key):
    game = GAMES[key](turns=2, max_students=8)
    moves = alternating(game)
    records = pd.DataFrame(play(game, 5, lambda k, t, s: None if k == 1 else moves(k, t, s)))
    missing = records[records["student"] == "student 01"]
    assert len(missing) == 2 and not missing["submitted"].any()
    assert list(missing["choice"]) == list(missing["agent_choice"])
    assert records.loc[records["role"] == "student", "submitted"].sum() == 8


@pytest.mark.parametrize("key", GAMES)
def test_records_have_the_protocols_columns_one_per_student_and_round(key):
    game = GAMES[key](turns=3, max_students=12)
    records = play(game, 9, alternating(game))
    frame = pd.DataFrame(records)
    assert all(tuple(r)[: len(RECORD_COLUMNS)] == RECORD_COLUMNS for r in records)
    students = frame[frame["role"] == "student"]
    assert students.groupby("turn")["student"].nunique().tolist() == [9, 9, 9]
    size = len(game.positions)
    tables = -(-9 // size)
    assert frame.groupby("turn")["seat"].nunique().tolist() == [tables * size] * 3
    assert (frame["year"] == frame["turn"]).all() and set(frame["game"]) == {key}


def test_teams_share_a_seat_and_play_their_majority():
    game = GAMES["security_dilemma"](turns=1, max_students=2)
    seats = [game.seat_for(k) for k in range(2)]
    with pytest.raises(UserError, match=r"all 2 seats .* are taken"):
        game.seat_for(2)
    seats = ["pair 1 / A", "pair 1 / B", "pair 1 / A", "pair 1 / B", "pair 1 / A"]
    choices = ["arm", "restrain", "restrain", "restrain", "arm"]  # A: arm, restrain, arm
    decisions = {
        f"s{k}": (seat, game.check(seat, {"choice": c}))
        for k, (seat, c) in enumerate(zip(seats, choices, strict=True))
    }
    frame = pd.DataFrame(game.advance(decisions))
    a = frame[frame["seat"] == "pair 1 / A"]
    assert len(a) == 3 and set(a["choice"]) == {"arm"}
    assert sorted(a["submission"]) == ["arm", "arm", "restrain"]


@pytest.mark.parametrize("key", GAMES)
def test_same_seed_and_submissions_give_the_same_records(key):
    rule = {"stag_hunt": {"agent_rule": "equilibrium"}}.get(key, {})

    def run(seed):
        game = GAMES[key](turns=4, seed=seed, max_students=20, **rule)
        moves = alternating(game)
        return play(game, 11, lambda k, t, s: None if (k + t) % 4 == 0 else moves(k, t, s))

    assert run(3) == run(3)
    if key == "stag_hunt":  # the mixed equilibrium's draws follow the seed
        assert run(3) != run(4)


def test_the_mixed_equilibrium_rule_draws_near_its_probability():
    game = GAMES["stag_hunt"](turns=20, seed=7, max_students=120, agent_rule="equilibrium")
    frame = pd.DataFrame(play(game, 59, lambda k, t, s: {"choice": "commit"}))
    agents = frame[frame["role"] == "agent"]
    share = (agents["choice"] == "commit").mean()
    assert len(agents) == 20 and abs(share - game.reference[1][0]) < 0.25
    students = frame[frame["role"] == "student"]
    assert abs((students["agent_choice"] == "commit").mean() - 2 / 3) < 0.05


# --- cards, board, debrief


def test_card_tells_the_last_round_and_the_total():
    game = GAMES["security_dilemma"](turns=3, max_students=4)
    play(game, 1, lambda k, t, s: {"choice": "arm"}, rounds=2)
    card = game.card("pair 1 / A")
    text = " ".join(card.lines)
    assert "Round 3 of 3" in text and "agent" in text and "tit-for-tat" in text
    # round 1: arm vs restrain (5); round 2: arm vs arm (tit-for-tat copied): 1
    assert "you chose arm and your partner arm" in text and "total so far: 6 points" in text
    by_move = {row["your move"]: row for row in card.options}
    assert by_move["arm"]["partner: restrain"] == game.row[1, 0]
    assert [c.name for c in card.controls] == ["choice"]
    assert [v for v, _ in card.controls[0].options] == list(game.actions)


def test_burden_card_offers_a_number_within_the_endowment():
    game = GAMES["burden_sharing"](turns=2)
    seat = game.seat_for(0)
    card = game.card(seat)
    (control,) = card.controls
    assert control.kind == "number" and control.low == 0 and control.high == game.endowments[0]
    first = card.options[0]
    assert first["others give nothing"] == pytest.approx(game.endowments[0])  # keeps it all


@pytest.mark.parametrize("key", GAMES)
def test_board_and_debrief_come_from_the_records_and_config_alone(key, tmp_path):
    game = GAMES[key](turns=3, max_students=16)
    moves = alternating(game)
    records = play(game, 13, lambda k, t, s: None if k == 4 else moves(k, t, s))
    board = game.board()
    json.dumps(board)
    assert board["headline"].startswith("Round 3:") and board["table"]["rows"]
    # written as the session writes them (Parquet and CSV), read back: the same tables
    first = debrief_tables(pd.DataFrame(records), game.config())
    config = json.loads(json.dumps(game.config()))
    pd.DataFrame(records).to_parquet(tmp_path / "decisions.parquet")
    pd.DataFrame(records).to_csv(tmp_path / "decisions.csv", index=False)
    for reread in (
        pd.read_parquet(tmp_path / "decisions.parquet"),
        pd.read_csv(tmp_path / "decisions.csv", keep_default_na=False),
    ):
        again = debrief_tables(reread, config)
        assert [t for t, _ in again] == [t for t, _ in first]
        for (_, a), (_, b) in zip(again, first, strict=True):
            assert not a.empty
            pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert board["table"]["rows"][0] == first[0][1].iloc[0].tolist()
    # the config rebuilds a game that replays the same records
    rebuilt = from_config(config)
    assert play(rebuilt, 13, lambda k, t, s: None if k == 4 else moves(k, t, s)) == records


def test_security_dilemma_debrief_counts():
    game = GAMES["security_dilemma"](turns=2, max_students=4)
    records = pd.DataFrame(
        play(game, 4, lambda k, t, s: {"choice": "arm" if k == 0 else "restrain"})
    )
    tables = dict(debrief_tables(records, game.config()))
    (choices,) = [t for title, t in tables.items() if title.startswith("Choices")]
    assert choices["% arm"].tolist() == [25.0, 25.0]
    assert choices["equilibrium: % restrain"].tolist() == [0.0, 0.0]
    (outcomes,) = [t for title, t in tables.items() if title.startswith("Outcomes")]
    assert outcomes["both restrain"].tolist() == [1, 1] and outcomes["one each"].tolist() == [1, 1]
    (payoffs,) = [t for title, t in tables.items() if title.startswith("Payoffs per round")]
    total = payoffs.set_index("round").loc["total (sum of the rounds)"]
    assert total["students"] == pytest.approx(records.groupby("student")["payoff"].sum().mean())
    assert total["both in equilibrium"] == 2 * game.row[1, 1]


def test_side_payment_is_in_the_config_the_card_and_the_payoffs():
    game = GAMES["stag_hunt"](side_payment=1.5)
    assert game.config()["payoffs"]["side_payment"] == 1.5
    text = " ".join(game.card("pair 1 / partner").lines)
    assert "pays the partner 1.5 points" in text
    plain = " ".join(GAMES["stag_hunt"]().card("pair 1 / partner").lines)
    assert "pays the partner" not in plain
    records = pd.DataFrame(play(game, 2, lambda k, t, s: {"choice": "commit"}, rounds=1))
    partner = records.loc[records["seat"] == "pair 1 / partner", "payoff"].item()
    assert partner == stag_hunt.payoff_matrices(side_payment=1.5)[1][0, 0]


@pytest.mark.parametrize("key", GAMES)
def test_before_the_first_round_board_and_debrief_are_empty_but_whole(key):
    game = GAMES[key]()
    board = game.board()
    assert board["headline"].startswith("Round 1: waiting") and board["table"]["rows"] == []
    for title, table in debrief_tables(pd.DataFrame(), game.config()):
        assert title and table.empty
    with pytest.raises(UserError, match="unknown game"):
        debrief_tables(pd.DataFrame(), {"game": "chess"})


# --- what a new-user trial found


def seat_clause(text: str, seat: str) -> str:
    """What a card says right after naming ``seat``, up to the next ')' or '.'."""
    found = re.search(re.escape(seat) + r"[^.)]*", text)
    assert found, f"the card does not name {seat!r}: {text}"
    return found.group(0)


@pytest.mark.parametrize("key", GAMES)
def test_a_card_says_who_holds_the_other_seats_when_it_is_drawn(key):
    game = GAMES[key](max_students=8)
    mine, other, empty = game.seat_for(0), game.seats()[1], game.seats()[len(game.positions) - 1]
    before = " ".join(game.card(mine).lines)
    assert "agent" in seat_clause(before, other) and "classmate" not in seat_clause(before, other)
    game.seat_for(1)  # a classmate takes the other seat before the first round
    after = " ".join(game.card(mine).lines)
    assert "classmate" in seat_clause(after, other) and "agent" not in seat_clause(after, other)
    assert (empty != other) == (key == "burden_sharing")  # only a group has a third seat
    if empty != other:  # a group's seats nobody has taken are still the agents'
        assert "agent" in seat_clause(after, empty)
    assert "(the partner)" not in after and "(the patron)" not in after


def test_the_security_dilemma_debrief_counts_only_submitted_choices():
    game = GAMES["security_dilemma"](turns=3, max_students=8)
    # pair 1 (students 0 and 1) never submits: its agents restrain throughout (tit-for-tat)
    records = pd.DataFrame(
        play(
            game,
            8,
            lambda k, t, s: None if k < 2 else {"choice": "restrain" if k % 2 == 0 else "arm"},
        )
    )
    tables = dict(debrief_tables(records, game.config()))
    (choices,) = [t for title, t in tables.items() if title.startswith("Choices")]
    assert choices["chose"].tolist() == [6, 6, 6]
    assert choices["did not submit"].tolist() == [2, 2, 2]
    assert choices["% restrain"].tolist() == [50.0] * 3
    assert choices["agent rule: % restrain"].tolist() == [100.0, 50.0, 50.0]
    (moves,) = [t for title, t in tables.items() if title.startswith("Every pair")]
    first = moves.set_index("pair").loc[1]
    assert first["A"] == first["B"] == "agent (no submission)"
    assert moves.set_index("pair").loc[2, "A"] == "student"
    (payoffs,) = [t for title, t in tables.items() if title.startswith("Payoffs per round")]
    # students: restrain against arm (0) and arm against restrain (5); pair 1's 3s left out
    assert payoffs.set_index("round")["students"].tolist() == [2.5, 2.5, 2.5, 7.5]
    (by_side,) = [t for title, t in tables.items() if title.startswith("Payoffs by position")]
    by_side = by_side.set_index("position")
    assert by_side["student rounds"].tolist() == [9, 9]
    assert by_side["did not submit"].tolist() == [3, 3]
    assert by_side["agent rounds"].tolist() == [3, 3]
    assert by_side.loc["A", "students: mean payoff"] == 0.0
    assert by_side.loc["B", "students: mean payoff"] == 5.0
    assert by_side["agents: mean payoff"].tolist() == [3.0, 3.0]


def test_a_pair_partly_played_by_its_student_says_so():
    game = GAMES["stag_hunt"](turns=3, max_students=2)
    records = pd.DataFrame(
        play(game, 2, lambda k, t, s: None if (k, t) == (1, 2) else {"choice": "commit"})
    )
    (moves,) = [t for title, t in debrief_tables(records, game.config()) if "pair's" in title]
    assert moves.loc[0, "patron"] == "student" and moves.loc[0, "partner"] == "student (2 of 3)"


def test_burden_payoffs_compare_students_and_agents_position_by_position():
    game = GAMES["burden_sharing"](turns=2, max_students=12)
    # groups 1 and 2 full of students, group 3 only its large member; student 5 never submits
    records = pd.DataFrame(play(game, 9, lambda k, t, s: None if k == 5 else {"contribution": 2.0}))
    tables = dict(debrief_tables(records, game.config()))
    (by_member,) = [t for title, t in tables.items() if title.startswith("Payoffs by position")]
    by_member = by_member.set_index("position")
    assert by_member.index.tolist() == ["large", "ally"]  # no row mixes the two
    assert by_member["student rounds"].tolist() == [6, 10]
    assert by_member["did not submit"].tolist() == [0, 2]
    assert by_member["agent rounds"].tolist() == [0, 8]
    assert np.isnan(by_member.loc["large", "agents: mean payoff"])
    sent = records[records["submitted"].astype(bool)]
    allies = sent[sent["member"] == "ally"]
    assert by_member.loc["ally", "students: mean payoff"] == pytest.approx(
        allies["payoff"].mean(), abs=0.01
    )
    agents = records[(records["member"] == "ally") & ~records["submitted"].astype(bool)]
    assert by_member.loc["ally", "agents: mean payoff"] == pytest.approx(
        agents.drop_duplicates(["turn", "seat"])["payoff"].mean(), abs=0.01
    )
    (contributions,) = [t for title, t in tables.items() if title.startswith("Contributions")]
    ally_rows = contributions[contributions["member"] == "ally"]
    assert ally_rows["chose"].tolist() == [5, 5] and ally_rows["did not submit"].tolist() == [1, 1]
    assert ally_rows["students: % given"].tolist() == [20.0, 20.0]


@pytest.mark.parametrize("key", GAMES)
def test_a_seat_has_one_name_on_the_card_in_the_records_and_in_the_debrief(key):
    game = GAMES[key](turns=1, max_students=8)
    records = pd.DataFrame(play(game, 3, alternating(game)))
    assert all(game.seat_name(seat) == seat for seat in game.seats())
    seat, other = game.seats()[:2]
    card = game.card(seat)
    assert card.title.endswith(seat) and seat in card.lines[0] and other in " ".join(card.lines)
    assert set(records["seat"]) <= set(game.seats())
    if key != "burden_sharing":
        assert set(records["partner"]) <= set(game.seats())
        assert [p.split(" / ")[1] for p in game.seats()[:2]] == game.config()["sides"]
    if key == "stag_hunt":
        assert game.seats()[:2] == ["pair 1 / patron", "pair 1 / partner"]
