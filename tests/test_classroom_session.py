"""Tests of the class session without a browser: joining, tokens, the seat taken from the token,
closed years, the session folder and its debrief, and the command's one-line errors.

The session runs a small game of the protocol (``tests/classroom_fake.py``) behind the real
Starlette application, driven through Starlette's TestClient.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from classroom_fake import FakeGame
from starlette.testclient import TestClient

from sim.classroom import cli, debrief
from sim.classroom.server import MAX_BODY_BYTES, create_app
from sim.classroom.session import Session, prepare_folder
from sim.cli import net


@pytest.fixture(autouse=True)
def fake_debrief(monkeypatch):
    """The debrief finds the fake game's ``debrief_tables``."""
    monkeypatch.setitem(debrief.GAME_MODULES, "fake", "classroom_fake")


def make_session(tmp_path: Path, **game_args) -> tuple[Session, TestClient]:
    """A session of the fake game in a new folder, and a client of its server."""
    session = Session(
        FakeGame(**game_args),
        prepare_folder(tmp_path / "session"),
        seed=0,
        years=game_args.get("turns", 3),
        on_turn=debrief.write_debrief,
    )
    return session, TestClient(create_app(session, "http://127.0.0.1:1/"))


def join(client: TestClient, session: Session, nickname: str) -> dict:
    """Join with the right code; returns the answer (token, student, seat)."""
    answer = client.post("/api/join", json={"code": session.code, "nickname": nickname})
    assert answer.status_code == 200, answer.text
    return answer.json()


def submit(client, token, body):
    """POST a submission with ``token``."""
    return client.post("/api/submit", json=body, headers={"X-Student-Token": token})


def teacher(session: Session) -> dict:
    """The teacher's header."""
    return {"X-Teacher-Key": session.teacher_key}


def one_line_error(answer, status: int) -> str:
    """The refusal's one line, after checking its status and shape."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert list(body) == ["error"]
    assert body["error"] and "\n" not in body["error"]
    return body["error"]


DECISION = {"move": "arm", "budget": 3}


def test_students_join_with_the_code_and_get_seats_in_turn(tmp_path):
    session, client = make_session(tmp_path)
    answers = [join(client, session, name) for name in ("Ann", "Bo", "Cy", "Di")]
    assert [a["seat"] for a in answers] == [session.game.seat_for(k) for k in range(4)]
    assert len({a["token"] for a in answers}) == 4
    assert all(len(a["token"]) >= 32 for a in answers)
    roster = pd.read_csv(tmp_path / "session" / "roster.csv", dtype=str)
    assert roster.to_dict("list") == {
        "student": [a["student"] for a in answers],
        "nickname": ["Ann", "Bo", "Cy", "Di"],
        "seat": [a["seat"] for a in answers],
    }
    me = client.get("/api/me", headers={"X-Student-Token": answers[1]["token"]}).json()
    assert (me["nickname"], me["seat"], me["state"]) == ("Bo", answers[1]["seat"], "open")
    assert me["card"]["seat"] == answers[1]["seat"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"code": "999999x", "nickname": "Ann"}, 403, "wrong join code"),
        ({"nickname": "Ann"}, 403, "wrong join code"),
        ({"code": None, "nickname": ""}, 403, "wrong join code"),
        ({"code": "CODE", "nickname": "   "}, 400, "nickname"),
        ({"code": "CODE", "nickname": "x" * 25}, 400, "24"),
        ({"code": "CODE", "nickname": "a\x07b"}, 400, "printable"),
        ({"code": "CODE", "nickname": "ann"}, 400, "taken"),
        (["CODE", "Ann"], 400, "JSON object"),
    ],
)
def test_a_bad_join_is_refused_with_one_line(tmp_path, body, status, words):
    session, client = make_session(tmp_path)
    join(client, session, "Ann")
    if isinstance(body, dict) and body.get("code") == "CODE":
        body = {**body, "code": session.code}
    elif isinstance(body, list):
        body = [session.code, "Ann"]
    assert words in one_line_error(client.post("/api/join", json=body), status)
    assert len(session.roster()) == 1


def test_a_body_that_is_not_json_or_too_large_is_refused(tmp_path):
    session, client = make_session(tmp_path)
    answer = client.post("/api/join", content=b"{not json", headers={"Content-Type": "x"})
    assert "not JSON" in one_line_error(answer, 400)
    big = {"code": session.code, "nickname": "A" * (MAX_BODY_BYTES + 10)}
    assert "too large" in one_line_error(client.post("/api/join", json=big), 413)
    assert session.roster() == []


def test_requests_without_a_known_token_or_key_are_refused(tmp_path):
    session, client = make_session(tmp_path)
    join(client, session, "Ann")
    for headers in ({}, {"X-Student-Token": ""}, {"X-Student-Token": "forged-token"}):
        assert "unknown student" in one_line_error(client.get("/api/me", headers=headers), 403)
        answer = client.post("/api/submit", json={"turn": 1, "decision": DECISION}, headers=headers)
        assert "unknown student" in one_line_error(answer, 403)
    for path in ("/api/teacher/status", "/api/teacher/join", "/teacher", "/debrief"):
        assert "teacher's key" in one_line_error(client.get(path), 403)
        wrong = {"X-Teacher-Key": session.teacher_key[:-1]}
        assert "teacher's key" in one_line_error(client.get(path, headers=wrong), 403)
    answer = client.post("/api/teacher/advance")
    assert "teacher's key" in one_line_error(answer, 403)
    assert session.game.turn == 1
    assert client.get(f"/teacher?key={session.teacher_key}").status_code == 200


def test_the_teachers_address_leaves_the_key_in_a_cookie_not_in_the_address_bar(tmp_path):
    """The address the command prints sends the browser on to /teacher with the key in a
    cookie (HttpOnly, SameSite=Strict, named for the session): the dashboard on the projector
    shows no key, and its API calls and the debrief go by the cookie alone."""
    session, client = make_session(tmp_path)
    wrong = client.get(f"/teacher?key={session.teacher_key}x", follow_redirects=False)
    assert "teacher's key" in one_line_error(wrong, 403)
    assert not client.cookies
    first = client.get(f"/teacher?key={session.teacher_key}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/teacher"
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"alliance_sim_teacher_{session.code}={session.teacher_key};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/teacher").status_code == 200  # the cookie, kept by the client
    assert client.get("/api/teacher/status").status_code == 200
    assert client.post("/api/teacher/advance").status_code == 200
    assert session.game.turn == 2
    assert "Students and agents" in client.get("/debrief").text
    wrong = client.get(f"/teacher?key={session.teacher_key}x", follow_redirects=False)
    assert "teacher's key" in one_line_error(wrong, 403)  # not let through by the good cookie
    assert "set-cookie" not in wrong.headers
    assert client.get("/api/teacher/status").status_code == 200  # the cookie is still good
    elsewhere = {"Origin": "http://127.0.0.1:9999", "Host": "127.0.0.1:8770"}
    answer = client.post("/api/teacher/advance", headers=elsewhere)
    assert "another page" in one_line_error(answer, 403)
    assert session.game.turn == 2
    here = {"Origin": "http://127.0.0.1:8770", "Host": "127.0.0.1:8770"}
    assert client.post("/api/teacher/advance", headers=here).status_code == 200
    assert session.game.turn == 3
    client.cookies.clear()
    assert "teacher's key" in one_line_error(client.get("/api/teacher/status"), 403)


def test_a_student_acts_only_for_their_own_seat(tmp_path):
    session, client = make_session(tmp_path)
    ann, bo = join(client, session, "Ann"), join(client, session, "Bo")
    assert ann["seat"] != bo["seat"]
    forged = [
        {"turn": 1, "seat": bo["seat"], "decision": DECISION},
        {"turn": 1, "student": bo["student"], "decision": DECISION},
        {"turn": 1, "seat": bo["seat"], "student": bo["student"], "decision": DECISION},
    ]
    for body in forged:
        assert "your own seat" in one_line_error(submit(client, ann["token"], body), 403)
    status = client.get("/api/teacher/status", headers=teacher(session)).json()
    assert (status["submitted"], status["students"]) == (0, 2)
    own = {"turn": 1, "seat": ann["seat"], "student": ann["student"], "decision": DECISION}
    assert submit(client, ann["token"], own).status_code == 200
    client.post("/api/teacher/advance", headers=teacher(session))
    decisions = session.game.advanced_with[0]
    assert decisions[ann["student"]] == (ann["seat"], {"move": "arm", "budget": 3.0})
    assert decisions[bo["student"]] == (bo["seat"], None)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"turn": 1, "decision": {"move": "fly", "budget": 1}}, "move must be arm or hold"),
        ({"turn": 1, "decision": {"move": "arm", "budget": -1}}, "budget must lie in 0-5"),
        ({"turn": 1, "decision": [1, 2]}, "decision must be an object"),
        ({"turn": "1", "decision": DECISION}, "whole number"),
        ({"decision": DECISION}, "whole number"),
        ({"turn": 2, "decision": DECISION}, "turn 2 is not open"),
        ({"turn": 1, "decision": DECISION, "extra": 1}, "unknown field 'extra'"),
    ],
)
def test_a_malformed_submission_gets_the_line_of_what_is_wrong(tmp_path, body, words):
    session, client = make_session(tmp_path)
    ann = join(client, session, "Ann")
    assert words in one_line_error(submit(client, ann["token"], body), 400)
    assert client.get("/api/me", headers={"X-Student-Token": ann["token"]}).json()["state"] == (
        "open"
    )


def test_a_submission_after_the_teacher_advanced_is_told_the_year_is_closed(tmp_path):
    session, client = make_session(tmp_path)
    ann, bo = join(client, session, "Ann"), join(client, session, "Bo")
    assert submit(client, ann["token"], {"turn": 1, "decision": DECISION}).status_code == 200
    me = client.get("/api/me", headers={"X-Student-Token": ann["token"]}).json()
    assert me["state"] == "submitted" and me["submission"] == {"move": "arm", "budget": 3.0}
    assert client.post("/api/teacher/advance", headers=teacher(session)).status_code == 200
    late = submit(client, bo["token"], {"turn": 1, "decision": DECISION})
    assert "the year is closed" in one_line_error(late, 409)
    assert session.game.advanced_with[0][bo["student"]][1] is None
    assert client.get("/api/me", headers={"X-Student-Token": bo["token"]}).json()["turn"] == 2


def test_polls_are_answered_while_the_game_resolves_a_turn_and_name_that_turn(tmp_path):
    session, client = make_session(tmp_path, delay=1.5)
    ann = join(client, session, "Ann")
    thread = threading.Thread(target=session.advance)
    thread.start()
    deadline = time.monotonic() + 1.0
    while session.state() != "closing" and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    me = client.get("/api/me", headers={"X-Student-Token": ann["token"]}).json()
    status = client.get("/api/teacher/status", headers=teacher(session)).json()
    answered = time.monotonic() - start
    late = submit(client, ann["token"], {"turn": 1, "decision": DECISION})
    again = client.post("/api/teacher/advance", headers=teacher(session))
    thread.join()
    assert me["state"] == "closing" and status["state"] == "closing"
    # the fake's counter has moved on by now, as the model game's has while a year opens
    assert (me["turn"], status["turn"], status["board"]["headline"]) == (1, 1, "Turn 0 played")
    assert answered < 1.0, f"polls waited {answered:.2f} s for the turn"
    assert "the year is closed" in one_line_error(late, 409)
    assert "cannot advance" in one_line_error(again, 409)
    assert session.game.turn == 2


def test_the_dashboard_counts_submissions_and_names_the_missing(tmp_path):
    session, client = make_session(tmp_path)
    ann, _ = join(client, session, "Ann"), join(client, session, "Bo")
    submit(client, ann["token"], {"turn": 1, "decision": DECISION})
    status = client.get("/api/teacher/status", headers=teacher(session)).json()
    assert (status["submitted"], status["students"], status["missing"]) == (1, 2, ["Bo"])
    assert status["board"]["nodes"] and status["timer"]["remaining"] is None
    timer = client.post("/api/teacher/timer", json={"seconds": 30}, headers=teacher(session))
    assert timer.status_code == 200
    status = client.get("/api/teacher/status", headers=teacher(session)).json()
    assert 0 < status["timer"]["remaining"] <= 30
    for bad in (-1, 3601, "30", 1.5):
        answer = client.post("/api/teacher/timer", json={"seconds": bad}, headers=teacher(session))
        assert "seconds" in one_line_error(answer, 400)
    join_info = client.get("/api/teacher/join", headers=teacher(session)).json()
    assert join_info["code"] == session.code and join_info["qr_svg"].startswith("<svg")


def play(client: TestClient, session: Session, tokens: list[str]) -> None:
    """Every student submits and the teacher advances, until the session ends."""
    while session.state() == "open":
        for k, token in enumerate(tokens):
            move = "arm" if (k + session.game.turn) % 2 else "hold"
            body = {"turn": session.game.turn, "decision": {"move": move, "budget": 2}}
            assert submit(client, token, body).status_code == 200
        assert client.post("/api/teacher/advance", headers=teacher(session)).status_code == 200


def test_the_folder_holds_config_decisions_and_a_debrief_that_reopens_identically(tmp_path):
    session, client = make_session(tmp_path, turns=3)
    tokens = [join(client, session, name)["token"] for name in ("Ann", "Bo")]
    folder = tmp_path / "session"
    play(client, session, tokens)
    info = json.loads((folder / "session.json").read_text())
    assert info["game"] == "fake" and info["config"] == session.game.config()
    assert (info["seed"], info["years"]) == (0, 3)
    assert info["code_version"] and info["started_utc"]
    records = pd.DataFrame(session.records())
    assert len(records) == 3 * 3  # two students and the agent in the third seat, three turns
    parquet = pd.read_parquet(folder / "decisions.parquet")
    assert parquet[records.columns].equals(records)
    csv = pd.read_csv(folder / "decisions.csv")
    assert len(csv) == len(records) and list(csv["turn"]) == list(records["turn"])
    assert set(records["session"]) == {session.id}
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    page = (folder / "debrief.html").read_text()
    assert "Mean payoff per turn" in page and "3 of 3 turns played" in page
    assert page == debrief.debrief_html(folder)
    with pytest.raises(SystemExit) as stop:
        cli.main(["--reopen", str(folder), "--no-serve"])
    assert stop.value.code == 0
    assert (folder / "debrief.html").read_text() == page
    served = client.get(f"/debrief?key={session.teacher_key}")
    assert served.text == page


def test_the_seat_table_compares_students_with_agents():
    records = pd.DataFrame(
        [
            dict(seat="A", role="student", student="s01", submitted=True, choice="x",
                 agent_choice="x", payoff=1.0),
            dict(seat="A", role="student", student="s01", submitted=True, choice="y",
                 agent_choice="x", payoff=3.0),
            dict(seat="A", role="student", student="s02", submitted=False, choice="x",
                 agent_choice="x", payoff=8.0),
            dict(seat="B", role="agent", student="", submitted=False, choice="x",
                 agent_choice="x", payoff=5.0),
        ]
    )  # fmt: skip
    table = debrief.seat_table(records).set_index("seat")
    assert table.loc["A", "students"] == 2 and table.loc["A", "student turns"] == 3
    assert table.loc["A", "same as the agent"] == pytest.approx(0.5)
    assert table.loc["A", "mean payoff, students"] == pytest.approx(2.0)  # submitted turns only
    assert pd.isna(table.loc["A", "mean payoff, agents"])
    assert table.loc["B", "mean payoff, agents"] == pytest.approx(5.0)
    assert table.loc["all seats", "submitted"] == pytest.approx(2 / 3)


def test_a_session_folder_must_be_new_or_empty(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not empty"):
        prepare_folder(mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "keep me"
    (tmp_path / "empty").mkdir()
    assert (prepare_folder(tmp_path / "empty") / ".alliance-sim").is_file()


def run_cli(argv, capsys) -> tuple[int, str]:
    """The command's exit status and its stderr."""
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    return stop.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--port", "70000"], "--port must be 0-65535"),
        (["--game", "chess"], "invalid choice"),
        (["--years", "0"], "--years must be 1-50"),
        (["--seed", "-1"], "--seed must be 0 or more"),
        (["--lan", "--host", "127.0.0.1"], "not both"),
        (["--game", "stag_hunt", "seed=3"], "apply to --game model only"),
        (["--no-serve"], "goes with --reopen"),
        (["--host", "no-such-host.invalid"], "unknown host"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_the_command_refuses_bad_options_in_one_line(capsys, argv, words):
    status, err = run_cli(argv, capsys)
    assert status == 2
    assert err.startswith("alliance-sim-class: error: ") and words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_the_command_refuses_a_busy_port_a_used_folder_and_a_foreign_reopen(tmp_path, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status, err = run_cli(["--port", str(port), "--out", str(tmp_path / "new")], capsys)
    assert status == 2 and "in use" in err and err.count("\n") == 1
    assert not (tmp_path / "new").exists()
    used = tmp_path / "used"
    used.mkdir()
    (used / "data.csv").write_text("a,b\n")
    status, err = run_cli(["--port", "0", "--out", str(used)], capsys)
    assert status == 2 and "not empty" in err
    assert [p.name for p in used.iterdir()] == ["data.csv"]
    status, err = run_cli(["--reopen", str(used), "--no-serve"], capsys)
    assert status == 2 and "not a class session's folder" in err
    assert [p.name for p in used.iterdir()] == ["data.csv"]
    status, err = run_cli(["--reopen", str(tmp_path / "none"), "--no-serve"], capsys)
    assert status == 2 and "no such folder" in err


def test_the_address_students_type_is_never_the_wildcard():
    student, teacher_url = cli.addresses("0.0.0.0", True, 8770)
    assert "0.0.0.0" not in student and student.endswith(":8770/")
    assert teacher_url == "http://127.0.0.1:8770/"
    assert cli.addresses("127.0.0.1", False, 8770)[0] == "http://127.0.0.1:8770/"
    assert net.lan_address() not in ("0.0.0.0", "")


def test_every_bad_nickname_gets_the_same_line(tmp_path):
    session, client = make_session(tmp_path)
    lines = {
        one_line_error(client.post("/api/join", json={"code": session.code, "nickname": n}), 400)
        for n in ("", "   ", "x" * 25, "a\x07b", None)
    }
    assert lines == {"give a nickname of 1 to 24 printable characters"}


def played_folder(tmp_path: Path) -> Path:
    """A fake game's folder after three turns of two students."""
    session, client = make_session(tmp_path, turns=3)
    tokens = [join(client, session, name)["token"] for name in ("Ann", "Bo")]
    play(client, session, tokens)
    return tmp_path / "session"


def test_reopen_reads_the_csv_when_the_parquet_file_is_missing(tmp_path, capsys):
    folder = played_folder(tmp_path)
    page = (folder / "debrief.html").read_text()
    assert "Mean payoff per turn" in page and "3 of 3 turns played" in page
    parquet = pd.read_parquet(folder / "decisions.parquet")
    (folder / "decisions.parquet").unlink()
    from_csv = debrief.read_decisions_csv(folder / "decisions.csv")
    assert from_csv.dtypes.to_dict() == parquet.dtypes.to_dict()
    assert from_csv.equals(parquet)
    status, err = run_cli(["--reopen", str(folder), "--no-serve"], capsys)
    assert (status, err) == (0, "")
    assert (folder / "debrief.html").read_text() == page


def test_reopen_without_decisions_refuses_and_keeps_the_debrief(tmp_path, capsys):
    folder = played_folder(tmp_path)
    page = (folder / "debrief.html").read_bytes()
    (folder / "decisions.parquet").unlink()
    (folder / "decisions.csv").unlink()
    status, err = run_cli(["--reopen", str(folder), "--no-serve"], capsys)
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "no decisions.parquet or decisions.csv" in err
    assert (folder / "debrief.html").read_bytes() == page


def burden_session(tmp_path: Path) -> Session:
    """Burden sharing with five students (a large member and four allies, so the agents hold
    the other groups' seats and two allies' of the second), two rounds played."""
    from sim.classroom.rounds import GAMES

    session = Session(
        GAMES["burden_sharing"](turns=2, seed=0, max_students=8),
        prepare_folder(tmp_path / "burden"),
        seed=0,
        years=2,
        on_turn=debrief.write_debrief,
    )
    tokens = [session.join(session.code, f"S{k}").token for k in range(5)]
    for turn in (1, 2):
        for k, token in enumerate(tokens):
            session.submit(token, {"turn": turn, "decision": {"contribution": k + turn}})
        session.advance()
    return session


def test_a_numeric_game_has_no_share_of_choices_same_as_the_agent(tmp_path):
    folder = burden_session(tmp_path).folder
    records = pd.read_parquet(folder / "decisions.parquet")
    assert debrief.numeric_choices(records)
    table = debrief.seat_table(records)
    assert debrief.SAME_AS_AGENT not in table.columns
    assert table["mean payoff, students"].notna().any()
    page = (folder / "debrief.html").read_text()
    seat_part = page.split("<h2>", 2)[1]
    assert "same as the agent" not in seat_part
    assert "the choices are amounts" in page.lower()
    assert "compare seat types" in page
    from_csv = debrief.read_decisions_csv(folder / "decisions.csv")  # choices that look like
    assert from_csv.equals(records)  # numbers stay text, as in the Parquet file
    (folder / "decisions.parquet").unlink()
    assert debrief.debrief_html(folder) == page


def test_a_game_of_moves_in_words_keeps_the_share_same_as_the_agent(tmp_path):
    folder = played_folder(tmp_path)
    records = pd.read_parquet(folder / "decisions.parquet")
    assert not debrief.numeric_choices(records)
    assert debrief.SAME_AS_AGENT in debrief.seat_table(records).columns
    assert "the choices are amounts" not in (folder / "debrief.html").read_text().lower()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--game", "burden_sharing", "--years", "1"], ["1 round,", "every round played"]),
        (["--game", "stag_hunt", "--years", "3"], ["3 rounds,", "every round played"]),
        (["--years", "5"], ["5 years,", "every year played"]),
    ],
)
def test_the_start_up_line_counts_the_turns_in_the_games_word(
    tmp_path, capsys, monkeypatch, argv, words
):
    from sim.classroom import server

    monkeypatch.setattr(server, "run_server", lambda app, sock: sock.close())
    with pytest.raises(SystemExit) as stop:
        cli.main([*argv, "--port", "0", "--out", str(tmp_path / "s")])
    out = capsys.readouterr().out
    assert stop.value.code == 0, out
    for word in words:
        assert word in out
    assert "turns" not in out


def test_a_card_says_a_classmate_took_the_partner_seat_after_they_join(tmp_path):
    """The cards are redrawn when a student joins: the first student's card stops calling the
    partner an agent once a classmate holds that seat."""
    from sim.classroom.rounds import GAMES

    session = Session(
        GAMES["security_dilemma"](turns=2, seed=0, max_students=4),
        prepare_folder(tmp_path / "session"),
        seed=0,
        years=2,
    )
    client = TestClient(create_app(session, "http://127.0.0.1:1/"))
    alice = join(client, session, "Alice")["token"]
    before = " ".join(session.student_view(alice)["card"]["lines"])
    join(client, session, "Bob")
    after = " ".join(session.student_view(alice)["card"]["lines"])
    assert "an agent" in before and "a classmate" not in before
    assert "a classmate" in after
