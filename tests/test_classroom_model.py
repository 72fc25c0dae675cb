"""The full model as a class game (sim/classroom/model_game.py): teams in the states' seats.

What must hold: a session in which no student submits is the plain model's run; a team's budget
and move are what its students chose (median, plurality, majority on offers); what the agent
would have chosen is the agent's own draw; bad submissions get one clear line; the records carry
the protocol's columns and the debrief is a function of the records alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.abm.model import AllianceModel
from sim.classroom.game import RECORD_COLUMNS
from sim.classroom.model_game import DEFAULT_OVERRIDES, KEEP, ModelGame, debrief_tables
from sim.errors import UserError
from sim.runner.config import compose
from sim.runner.simulate import prepare, replicate_seed


def plain_model(seed: int) -> AllianceModel:
    """The model the class game wraps, built as ``simulate`` builds it."""
    p = prepare(compose([*DEFAULT_OVERRIDES, f"seed={seed}"]))
    return AllianceModel(
        p.world, p.params, p.events, rng=replicate_seed(seed, 0), scenario_name=p.scenario
    )


def nobody(game: ModelGame) -> dict:
    """Every seat held by one student who did not submit."""
    return {f"s{k}": (seat, None) for k, seat in enumerate(game.seats())}


def submit(game: ModelGame, seat: str, **fields) -> dict:
    """A checked submission: the card's defaults, with ``fields`` changed."""
    card = game.card(seat)
    raw = {c.name: c.default for c in card.controls}
    raw.update(fields)
    return game.check(seat, raw)


@pytest.mark.parametrize("seed", [0, 7])
def test_a_session_nobody_plays_is_the_plain_model(seed):
    game, plain = ModelGame(turns=5, seed=seed), plain_model(seed)
    for _ in range(5):
        game.advance(nobody(game))
        plain.step()
    g, p = game.model, plain
    assert g.state.year == p.state.year
    np.testing.assert_array_equal(g.state.share, p.state.share)
    np.testing.assert_array_equal(g.levels, p.levels)
    assert [e["reason"] for e in g.recorder.events] == [e["reason"] for e in p.recorder.events]


def test_a_team_choosing_what_its_agent_does_leaves_the_run_unchanged():
    """The draws stay in step: a team that plays, each year, exactly what the agent in its
    seat played in the plain run (its move and its budget) gives the plain run. The team accepts
    no offer, so the seed is one where no state makes Japan an offer (asserted)."""
    seed, seat = 3, "JPN"
    plain = ModelGame(turns=5, seed=seed)
    plan = []
    for _ in range(5):
        row = next(r for r in plain.advance(nobody(plain)) if r["seat"] == seat)
        plan.append((row["team_move"], row["team_budget_pct"]))
    asked = [
        e
        for e in plain.model.recorder.events
        if (e["kind"] == "tie_deepened" and e["partner"] == seat)
        or (e["kind"] == "offer_declined" and e["actor"] == seat)
    ]
    assert not asked, "choose a seed in which no state makes Japan an offer"
    assert any(move != KEEP for move, _ in plan) or len({b for _, b in plan}) > 1
    game = ModelGame(turns=5, seed=seed)
    for move, budget in plan:
        game.advance({"s0": (seat, {"budget_pct": budget, "move": move, "accept": []})})
    np.testing.assert_allclose(game.model.state.share, plain.model.state.share, rtol=1e-12)
    np.testing.assert_array_equal(game.model.levels, plain.model.levels)
    kinds = [(e["year"], e["kind"], e["actor"], e["partner"]) for e in game.model.recorder.events]
    assert kinds == [
        (e["year"], e["kind"], e["actor"], e["partner"]) for e in plain.model.recorder.events
    ]


def test_team_plan_is_median_budget_plurality_move_majority_accept():
    decisions = [
        {"budget_pct": 1.0, "move": "tie:KOR:2", "accept": ["KOR", "USA"]},
        {"budget_pct": 2.0, "move": KEEP, "accept": ["KOR"]},
        {"budget_pct": 4.0, "move": "tie:KOR:2", "accept": ["USA"]},
        {"budget_pct": 3.0, "move": KEEP, "accept": ["KOR"]},
    ]
    keys = [KEEP, "tie:KOR:2"]
    plan = ModelGame.team_plan(decisions, keys, fixed=False)
    assert plan.share == pytest.approx(0.025)
    assert plan.move == KEEP  # two each: the move listed first
    assert plan.accept == frozenset({"KOR"})  # 3 of 4; USA 2 of 4 is not more than half
    assert ModelGame.team_plan(decisions, keys[::-1], fixed=True).move == "tie:KOR:2"
    assert ModelGame.team_plan(decisions, keys, fixed=True).share is None


def test_teams_budget_is_applied_and_the_agent_alternative_recorded():
    game = ModelGame(turns=2, seed=1)
    card = game.card("KOR")
    budget = next(c for c in card.controls if c.name == "budget_pct")
    records = game.advance(
        {
            "a": ("KOR", submit(game, "KOR", budget_pct=budget.high)),
            "b": ("KOR", submit(game, "KOR", budget_pct=budget.high)),
            "c": ("KOR", submit(game, "KOR", budget_pct=budget.low)),
        }
    )
    k = game.model.world.iso3.index("KOR")
    assert 100 * game.model.state.share[k] == pytest.approx(budget.high)
    rows = [r for r in records if r["seat"] == "KOR"]
    assert [r["student"] for r in rows] == ["a", "b", "c"]
    assert all(r["agent_budget_pct"] == pytest.approx(budget.default, abs=0.006) for r in rows)
    assert {r["role"] for r in records if r["seat"] != "KOR"} == {"agent"}
    assert all(set(RECORD_COLUMNS) - {"session", "game"} <= set(r) for r in records)


@pytest.mark.parametrize("accepts", [True, False])
def test_an_offer_between_two_teams_follows_the_partner_team(accepts):
    game = ModelGame(turns=1, seed=2)
    move = next(k for k, _ in game.card("KOR").controls[1].options if k.startswith("tie:JPN:"))
    level = int(move.split(":")[2])
    j, k = (game.model.world.iso3.index(c) for c in ("JPN", "KOR"))
    before = int(game.model.levels[j, k])
    assert level == before + 1
    game.advance(
        {
            "kor": ("KOR", submit(game, "KOR", move=move)),
            "jpn": ("JPN", submit(game, "JPN", move=KEEP, accept=["KOR"] if accepts else [])),
        }
    )
    assert int(game.model.levels[j, k]) == (level if accepts else before)


@pytest.mark.parametrize("accepts", [True, False])
def test_payoff_is_what_the_move_gained_and_nothing_for_a_refused_offer(accepts):
    game = ModelGame(turns=1, seed=2)
    move = next(k for k, _ in game.card("KOR").controls[1].options if k.startswith("tie:JPN:"))
    records = game.advance(
        {
            "kor": ("KOR", submit(game, "KOR", move=move)),
            "jpn": ("JPN", submit(game, "JPN", move=KEEP, accept=["KOR"] if accepts else [])),
        }
    )
    row = next(r for r in records if r["student"] == "kor")
    assert row["team_move"] == move
    assert row["outcome"] == ("done" if accepts else "refused")
    assert row["own_gain_pct_gdp"] != 0
    # the model's own record of the act: the offer's event with KOR's net change in utility
    kind = "tie_deepened" if accepts else "offer_declined"
    event = next(
        e
        for e in game.model.recorder.events
        if e["kind"] == kind and {e["actor"], e["partner"]} == {"KOR", "JPN"}
    )
    gained = event["delta_utility_actor" if accepts else "delta_utility_partner"]
    assert gained == pytest.approx(row["own_gain_pct_gdp"], abs=1e-9)
    assert row["payoff"] == (pytest.approx(gained, abs=1e-9) if accepts else 0.0)


def test_a_move_another_state_made_first_is_no_longer_open():
    """Both teams propose the same deeper tie to each other and accept each other: the first to
    act deepens it, the second finds its move gone (kept, payoff 0, no agent probability)."""
    game = ModelGame(turns=1, seed=2)
    kor = next(k for k, _ in game.card("KOR").controls[1].options if k.startswith("tie:JPN:"))
    jpn = f"tie:KOR:{kor.split(':')[2]}"
    assert jpn in dict(game.card("JPN").controls[1].options)
    records = game.advance(
        {
            "kor": ("KOR", submit(game, "KOR", move=kor, accept=["JPN"])),
            "jpn": ("JPN", submit(game, "JPN", move=jpn, accept=["KOR"])),
        }
    )
    rows = {r["student"]: r for r in records if r["role"] == "student"}
    assert sorted(r["outcome"] for r in rows.values()) == ["done", "no longer open"]
    gone = next(r for r in rows.values() if r["outcome"] == "no longer open")
    assert gone["payoff"] == 0.0 and gone["team_move"] == KEEP
    assert np.isnan(gone["agent_probability_of_own"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"budget_pct": -1.0}, "outside this year's range"),
        ({"budget_pct": "lots"}, "must be a number"),
        ({"budget_pct": float("nan")}, "must be a number"),
        ({"move": "tie:RUS:3"}, "is not open to JPN"),
        ({"accept": ["XXX"]}, "unknown state"),
        ({"accept": "KOR"}, "must be a list"),
        ({"spend": 2}, "unknown field"),
    ],
)
def test_bad_submissions_get_one_line(fields, message):
    game = ModelGame(turns=1, seed=0)
    raw = {c.name: c.default for c in game.card("JPN").controls}
    raw.update(fields)
    with pytest.raises(UserError, match=message) as err:
        game.check("JPN", raw)
    assert "\n" not in str(err.value)


def test_unknown_seat_and_bad_settings_are_user_errors():
    game = ModelGame(turns=1, seed=0)
    with pytest.raises(UserError, match="unknown seat"):
        game.card("ATLANTIS")
    with pytest.raises(UserError, match="at least one year"):
        ModelGame(turns=0)
    with pytest.raises(UserError, match="default alignment rule"):
        ModelGame(overrides=["model.alignment.rule=landscape"])
    game.advance({})
    with pytest.raises(UserError, match="session is over"):
        game.advance({})


def test_board_shows_the_year_played_and_its_ties():
    game = ModelGame(turns=2, seed=0)
    start = game.board()
    assert start["headline"].startswith(str(game.model.world.base_year))
    game.advance({})
    board = game.board()
    assert board["headline"].startswith(str(game.model.world.base_year + 1))
    assert {n["id"] for n in board["nodes"]} == set(game.seats())
    levels = game.model.levels
    iso = game.model.world.iso3
    assert len(board["edges"]) == int((np.triu(levels, 1) > 0).sum())
    for e in board["edges"]:
        assert e["level"] == levels[iso.index(e["a"]), iso.index(e["b"])]
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in board["nodes"])


def test_debrief_is_a_function_of_the_records(tmp_path):
    game = ModelGame(turns=3, seed=5)
    rows = []
    for _ in range(3):
        decisions = {f"s{k}": (game.seat_for(k), None) for k in range(10)}
        decisions["s1"] = ("JPN", submit(game, "JPN", move=KEEP))
        decisions["s6"] = ("JPN", submit(game, "JPN"))
        rows += game.advance(decisions)
    records = pd.DataFrame(rows)
    path = tmp_path / "decisions.csv"
    records.to_csv(path, index=False)
    again = pd.read_csv(path, keep_default_na=False, na_values=[""])
    first = debrief_tables(records, game.config())
    second = debrief_tables(again, game.config())
    assert [t for t, _ in first] == [t for t, _ in second]
    for (_, a), (_, b) in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
        )
    budgets = first[0][1]
    assert set(budgets["seat"]) == {"JPN"}  # the other teams never submitted: agents' play
    assert (budgets["submitted"] == 2).all()
    per_student = first[2][1]
    assert set(per_student["student"]) == {"s1", "s6"}
    assert (per_student["years"] == 3).all()


def _cross(p, q, r, s) -> bool:
    """Whether segments pq and rs cross (proper intersection)."""

    def orient(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    return orient(p, q, r) * orient(p, q, s) < 0 and orient(r, s, p) * orient(r, s, q) < 0


def test_the_class_worlds_ties_do_not_cross_on_the_board():
    """The dashboard draws ties as straight lines labelled at their middle: on the class world
    in 2024 no two of them cross, so no two labels collide at a crossing."""
    board = ModelGame(turns=1, seed=0).board()
    at = {n["id"]: (n["x"], n["y"]) for n in board["nodes"]}
    edges = [(e["a"], e["b"]) for e in board["edges"]]
    assert len(edges) >= 4
    for k, (a, b) in enumerate(edges):
        for c, d in edges[k + 1 :]:
            if {a, b} & {c, d}:
                continue
            assert not _cross(at[a], at[b], at[c], at[d]), (a, b, c, d)


def test_a_teams_move_is_recorded_and_explained_as_the_teams():
    """The record words the move as the card did (from the year's opening ties), the event says
    a class team chose it (not the agents' bounded rationality), and the debrief speaks words."""
    game = ModelGame(turns=1, seed=2)
    move = next(k for k, _ in game.card("KOR").controls[1].options if k.startswith("tie:JPN:"))
    label = dict(game.card("KOR").controls[1].options)[move]
    assert label.startswith("Propose")
    records = game.advance(
        {
            "kor": ("KOR", submit(game, "KOR", move=move)),
            "jpn": ("JPN", submit(game, "JPN", move=KEEP, accept=["KOR"])),
        }
    )
    row = next(r for r in records if r["student"] == "kor")
    assert row["choice"] == label and row["team_choice"] == label
    deepened = [e for e in game.model.recorder.events if e["kind"] == "tie_deepened"]
    ours = [e for e in deepened if {e["actor"], e["partner"]} == {"KOR", "JPN"}]
    assert ours and "KOR: a class team chose it" in ours[0]["reason"]
    assert "bounded rationality" not in ours[0]["reason"].split("KOR accepted")[0]
    tables = debrief_tables(pd.DataFrame(records), game.config())
    moves = tables[1][1]
    assert label in set(moves["team_choice"])
    assert not any(str(v).startswith("tie:") for v in moves.to_numpy().ravel())


def test_a_bad_override_is_one_line_and_offers_only_where_a_tie_can_deepen():
    with pytest.raises(UserError, match=r"world\.affinity\.JPN-KOR: 'abc' is not a valid") as err:
        ModelGame(overrides=["world.affinity.JPN-KOR=abc"])
    assert "\n" not in str(err.value)
    with pytest.raises(UserError, match="unknown key"):
        ModelGame(overrides=["world.affinty.JPN-KOR=1"])
    game = ModelGame(turns=1, seed=0)
    accept = dict(game.card("JPN").controls[2].options)
    assert "USA" not in accept  # a formal ally: nothing deeper to offer
    assert {"KOR", "CHN"} <= set(accept)
    assert any(line.startswith("Forces, built up") for line in game.card("JPN").lines)
