"""The class session end to end in headless Chromium: 40 phones join one session of the full
model on the class world, submit a year, and one is told the year is closed; the phone's card
gives each option in words; a forged request for another seat is refused; the teacher's
dashboard is readable on a 1920x1080 projector and fits it without scrolling (the model game and
burden sharing), with the whole QR code and tie labels clear of each other; and a five-year
session says "Session over", opens its debrief in a new tab and leaves a folder whose debrief
reloads identically, also after ``--reopen``; a poll's answer from before an advance that
arrives late is not drawn, on the phone (which keeps the open year's card and choices) nor on
the dashboard.

The session's server runs in this process (uvicorn in a background thread, on a free port of
127.0.0.1); Playwright drives Debian's chromium as tests/test_page.py does (one browser for the
module, a context per student). The tests share the session and run in file order (the
last four make sessions of their own). The dashboard's screenshot is kept as
``tests/artifacts/class_dashboard.png`` (ignored by git).
"""

from __future__ import annotations

import re
import socket
import time
from contextlib import contextmanager

import pandas as pd
import pytest
from chromium import ARTIFACTS
from classroom_fake import FakeGame

from sim.classroom import cli
from sim.classroom.debrief import write_debrief
from sim.classroom.server import create_app, start_in_thread
from sim.classroom.session import Session, prepare_folder

pytestmark = pytest.mark.slow

STUDENTS = 40
YEARS = 5
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
TIMEOUT = 20_000  # ms, for a page to show what it should


@contextmanager
def served(session: Session):
    """``session`` served on a free port of 127.0.0.1; yields the students' address."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    server, thread = start_in_thread(create_app(session, url), sock)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A session of the full model on the class world, served on a free port of 127.0.0.1;
    yields the session and the students' address."""
    from sim.classroom.model_game import ModelGame

    folder = tmp_path_factory.mktemp("class") / "session"
    game = ModelGame(turns=YEARS, seed=0)
    session = Session(game, prepare_folder(folder), seed=0, years=YEARS, on_turn=write_debrief)
    with served(session) as url:
        yield session, url


def open_dashboard(browser, session: Session, url: str):
    """A 1920x1080 page showing ``session``'s dashboard with its board drawn."""
    page = browser.new_context(viewport=PROJECTOR).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{url}teacher?key={session.teacher_key}")
    assert page.url == f"{url}teacher"  # the key went into a cookie, out of the address bar
    page.locator("#join-code").get_by_text(session.code).wait_for()
    page.locator("#headline").filter(has_text=re.compile(".")).wait_for()
    return page


@pytest.fixture(scope="module")
def dashboard(browser, classroom):
    """The teacher's dashboard at 1920x1080."""
    session, url = classroom
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{url}teacher?key={session.teacher_key}")
    assert page.url == f"{url}teacher"  # the key went into a cookie, out of the address bar
    page.locator("#join-code").get_by_text(session.code).wait_for()
    yield page
    context.close()


@pytest.fixture(scope="module")
def phones(browser, classroom):
    """40 phone-sized contexts, each joined with the code and showing its seat's card."""
    session, url = classroom
    contexts, pages = [], []
    for k in range(STUDENTS):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        page.fill("#code", session.code)
        page.fill("#nickname", f"Student {k + 1:02d}")
        page.click("#join-button")
        contexts.append(context)
        pages.append(page)
    for page in pages:
        page.locator("#card-title").wait_for(state="visible")
    yield pages
    for context in contexts:
        context.close()


def dashboard_count(page) -> str:
    """The dashboard's "n/N submitted"."""
    return page.locator("#submitted").inner_text()


def wait_until(condition, timeout: float, what: str, seen=None) -> float:
    """Poll ``condition`` until true; returns the time it took (fails after ``timeout`` s,
    with what ``seen()`` reports then, if given: the state to read the failure by)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            context = f"\n{seen()}" if seen else ""
            pytest.fail(f"{what} did not happen within {timeout} s{context}")
        time.sleep(0.02)
    return time.monotonic() - start


def phones_seen(session, pages) -> str:
    """The dashboard's count and what each phone shows (status line, error): a failure's
    context."""
    view = session.dashboard()
    counts = {k: view[k] for k in ("turn", "state", "submitted", "students")}
    rows = [f"dashboard: {counts}"]
    for k, page in enumerate(pages):
        status = page.locator("#status").inner_text(timeout=2000)
        error = page.locator("#error").inner_text(timeout=2000)
        rows.append(f"phone {k}: status {status!r}, error {error!r}")
    return "\n".join(rows)


def advanced(session, turn: int) -> bool:
    """Whether the session has resolved ``turn`` and written its files."""
    return session.game.turn > turn and session.state() != "closing"


def test_forty_phones_join_submit_a_year_and_a_late_one_is_told_it_is_closed(
    classroom, phones, dashboard
):
    session, _ = classroom
    seats = [s.seat for s in session.roster()]
    assert len(seats) == STUDENTS
    assert {seat: seats.count(seat) for seat in set(seats)} == dict.fromkeys(
        session.game.seats(), STUDENTS // len(session.game.seats())
    )
    for page, student in zip(phones, session.roster(), strict=True):
        assert session.game.seat_name(student.seat) in page.locator("#who").inner_text()
    dashboard.get_by_text(f"0/{STUDENTS} submitted").wait_for()

    start = time.monotonic()
    for page in phones:
        page.click("#submit-button")
    wait_until(lambda: session.dashboard()["submitted"] == STUDENTS, 10.0, "40 submissions")
    last = time.monotonic()
    accepted = last - start
    dashboard.get_by_text(f"{STUDENTS}/{STUDENTS} submitted").wait_for(timeout=2_000)
    shown = time.monotonic() - last
    print(f"\n40 phones' submissions accepted {accepted:.2f} s after the first tap; the dashboard")
    print(f"showed 40/40 {shown:.2f} s after the last was accepted")
    assert accepted < 10
    assert shown < 2
    for page in phones:
        page.get_by_text("Submitted, waiting for the teacher").wait_for()

    late = phones[-1]
    late.evaluate("clearInterval(timer); timer = null")  # this phone stops refreshing its card
    dashboard.click("#advance")
    wait_until(lambda: advanced(session, 1), 30.0, "the year's advance")
    late.click("#submit-button")
    late.get_by_text("the year is closed").wait_for()
    assert session.dashboard()["submitted"] == 0
    phones[0].get_by_text("Year 1 closed. Year 2 is open").wait_for()


def test_a_phone_shows_each_option_in_words(classroom, phones):
    session, _ = classroom
    student = session.roster()[0]
    options = session.student_view(student.token)["card"]["options"]
    blocks = phones[0].locator("#card-options .option-card")
    blocks.nth(len(options) - 1).wait_for()
    assert blocks.count() == len(options)
    for block, option in zip(blocks.all(), options, strict=True):
        title, gain, why, odds = block.locator("p").all_inner_texts()
        assert title == option["label"]
        number = r"(-?[0-9.]+)"
        said = re.fullmatch(
            f"Gain: {number} % of GDP a year \\(net of the cost of the change\\)", gain
        )
        assert said and float(said[1]) == pytest.approx(option["gain_pct_gdp"], abs=1e-9)
        assert why == option["why"][0].upper() + option["why"][1:].rstrip(".") + "."
        said = re.fullmatch(
            f"An agent in your seat would choose it with probability {number} %", odds
        )
        assert said and float(said[1]) == pytest.approx(100 * option["agent_probability"], abs=0.05)
    text = phones[0].locator("#card-options").inner_text()
    for raw in ("gain pct gdp", "agent probability:", "why:", "move:", "tie:", "exit:"):
        assert raw not in text


def forged_submission(page, body: dict) -> dict:
    """POST ``body`` as the page's student (their own token), as a forged request would."""
    return page.evaluate(
        """async (body) => {
            const response = await fetch("/api/submit", {method: "POST",
              headers: {"Content-Type": "application/json",
                        "X-Student-Token": localStorage.getItem("alliance-sim-class-token")},
              body: JSON.stringify(body)});
            return {status: response.status, body: await response.json()};
        }""",
        body,
    )


def test_a_student_cannot_submit_for_another_seat(classroom, phones):
    session, _ = classroom
    me, other = session.roster()[0], session.roster()[1]
    assert me.seat != other.seat
    turn = session.game.turn
    card = session.student_view(other.token)["card"]
    decision = {c["name"]: c["default"] for c in card["controls"]}
    other_body = {"turn": turn, "decision": decision}
    assert session.submit(other.token, other_body) == session.game.check(other.seat, decision)
    before = session.dashboard()
    for forged in (
        {"turn": turn, "seat": other.seat, "decision": decision},
        {"turn": turn, "student": other.id, "decision": decision},
        {"turn": turn - 1, "seat": other.seat, "decision": decision},
    ):
        answer = forged_submission(phones[0], forged)
        assert answer["status"] == 403, answer
        assert "your own seat" in answer["body"]["error"]
    after = session.dashboard()
    assert (after["submitted"], after["missing"]) == (before["submitted"], before["missing"])
    assert me.nickname in after["missing"]


TEXT_CHECK = """() => {
  const small = [], texts = [], covers = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const element = node.parentElement;
    const style = getComputedStyle(element);
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || style.visibility !== "visible") continue;
    if (Number(style.opacity) === 0) continue;
    texts.push({text: node.textContent.trim().slice(0, 40), rect, element});
    const size = parseFloat(style.fontSize);
    if (size < 20) small.push(`${node.textContent.trim().slice(0, 40)}: ${size}px`);
  }
  for (const element of document.querySelectorAll("*")) {
    const position = getComputedStyle(element).position;
    if (position !== "fixed" && position !== "sticky") continue;
    const box = element.getBoundingClientRect();
    for (const t of texts) {
      if (element.contains(t.element)) continue;
      const r = t.rect;
      if (r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom)
        covers.push(`${element.tagName}.${element.className} covers ${t.text}`);
    }
  }
  const labels = [...document.querySelectorAll("#network text")].map((t) => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, height: r.height, box: [r.left, r.top, r.right, r.bottom],
            edge: t.classList.contains("edge-label")};
  });
  const root = document.documentElement;
  return {small, covers, count: texts.length, labels,
          page: [root.scrollWidth, root.scrollHeight, innerWidth, innerHeight]};
}"""

QR_CHECK = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
                       return [r.left, r.top, r.right, r.bottom]; };
  const svg = document.querySelector("#qr svg");
  const view = svg.viewBox.baseVal;
  return {svg: box(svg), view: view ? [view.width, view.height] : [0, 0],
          qr: box(document.querySelector("#qr")),
          panel: box(document.querySelector("#join-panel")),
          parts: [...svg.querySelectorAll("path, rect")].map(box)};
}"""


def inside(inner, outer, slack: float = 0.5) -> bool:
    """Whether the box ``inner`` (left, top, right, bottom) lies within ``outer``."""
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """The pairs of labels (``text``, ``box``) whose boxes overlap."""
    return [
        (a["text"], b["text"])
        for k, a in enumerate(boxes)
        for b in boxes[k + 1 :]
        if a["box"][0] < b["box"][2]
        and b["box"][0] < a["box"][2]
        and a["box"][1] < b["box"][3]
        and b["box"][1] < a["box"][3]
    ]


def check_projector_page(page) -> dict:
    """Check a dashboard at 1920x1080: no text under 20 px, nothing fixed over text, no page
    scrolling, the whole QR code (its quiet zone too) scaled into its box; returns what
    TEXT_CHECK found."""
    assert page.evaluate("[window.innerWidth, window.innerHeight]") == [1920, 1080]
    found = page.evaluate(TEXT_CHECK)
    assert found["small"] == []
    assert found["covers"] == []
    width, height, view_width, view_height = found["page"]
    assert height <= view_height, f"the page is {height} px tall"
    assert width <= view_width, f"the page is {width} px wide"
    qr = page.evaluate(QR_CHECK)
    left, top, right, bottom = qr["svg"]
    assert qr["view"][0] > 0 and qr["view"][0] == qr["view"][1]
    assert right - left >= 200 and abs((right - left) - (bottom - top)) < 0.5
    assert inside(qr["svg"], qr["qr"]) and inside(qr["qr"], qr["panel"])
    assert qr["parts"] and all(inside(part, qr["svg"]) for part in qr["parts"])
    background = qr["parts"][0]  # the light square of the whole symbol with its quiet zone
    assert all(abs(a - b) < 0.5 for a, b in zip(background, qr["svg"], strict=True))
    return found


def test_the_dashboard_is_readable_on_a_projector(classroom, dashboard):
    session, _ = classroom
    dashboard.locator("#network .node-label").first.wait_for()
    found = check_projector_page(dashboard)
    assert found["count"] > 20
    names = {session.game.seat_name(s) for s in session.game.seats()}
    assert names <= {label["text"] for label in found["labels"]}
    short = [label for label in found["labels"] if label["height"] < 20]
    assert short == []
    assert overlapping(found["labels"]) == []
    assert dashboard.locator("#qr svg").count() == 1
    code = dashboard.locator("#join-code")
    code_size = code.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert code_size >= 100
    ARTIFACTS.mkdir(exist_ok=True)
    dashboard.screenshot(path=str(ARTIFACTS / "class_dashboard.png"))


def test_a_five_year_session_leaves_a_folder_whose_debrief_reloads_identically(
    classroom, phones, dashboard
):
    session, _ = classroom
    submitting = phones[::4]  # a few students submit each year; the others' agents play
    names = [f"Student {k + 1:02d}" for k in range(0, STUDENTS, 4)]
    while session.state() == "open":
        turn = session.game.turn
        for page in submitting:
            # A phone that has not polled since the last advance still shows the closed year's
            # card, and its submit would be refused; the earlier tests leave the session at
            # year 2 without waiting for these phones, so each is waited for here, every year.
            page.get_by_text(f"Year {turn} is open").wait_for()
            page.click("#submit-button")
        wait_until(  # a generous bound: other processes may load the 2-core machine
            lambda: not set(names) & set(session.dashboard()["missing"]),
            30.0,
            "submits",
            lambda: phones_seen(session, submitting),
        )
        dashboard.click("#advance")
        wait_until(lambda t=turn: advanced(session, t), 30.0, "the year's advance")
    assert session.game.turn == YEARS + 1
    phones[1].get_by_text("The session is over").wait_for()
    dashboard.locator("#submitted").get_by_text("Session over").wait_for()
    for gone in ("#advance", "#timer-form", "#timer", "#missing"):
        assert dashboard.locator(gone).is_hidden(), gone
    check_projector_page(dashboard)
    dashboard.screenshot(path=str(ARTIFACTS / "class_dashboard_over.png"))
    folder = session.folder
    for name in ("session.json", "roster.csv", "decisions.parquet", "decisions.csv"):
        assert (folder / name).is_file(), name
    records = pd.read_parquet(folder / "decisions.parquet")
    assert sorted(records["turn"].unique()) == list(range(1, YEARS + 1))
    assert (records["role"] == "student").sum() == STUDENTS * YEARS

    link = dashboard.locator("#debrief-link")
    assert link.inner_text() == "Open the debrief"
    assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener"
    teacher_url = dashboard.url
    with dashboard.context.expect_page() as opened:
        link.click()
    page = opened.value  # the debrief, in a tab of its own; the dashboard stays
    assert "key" not in page.url
    page.get_by_text("Students and agents, seat by seat").wait_for()
    assert dashboard.url == teacher_url
    first = page.content(), page.inner_text("body")
    page.reload()
    second = page.content(), page.inner_text("body")
    assert first == second
    assert f"{YEARS} of {YEARS} turns played" in first[1]
    file_before = (folder / "debrief.html").read_bytes()
    with pytest.raises(SystemExit) as stop:
        cli.main(["--reopen", str(folder), "--no-serve"])
    assert stop.value.code == 0
    assert (folder / "debrief.html").read_bytes() == file_before
    page.reload()
    assert (page.content(), page.inner_text("body")) == first
    page.close()


class CrossingGame(FakeGame):
    """The fake game with a board of four states at the corners of a square and two ties along
    its diagonals, which cross in the middle, where both labels would go."""

    def board(self) -> dict:
        """The fake board with the square and its crossing ties."""
        corners = (("A", 0.0, 0.0), ("B", 1.0, 0.0), ("C", 0.0, 1.0), ("D", 1.0, 1.0))
        return super().board() | {
            "nodes": [{"id": s, "name": f"Seat {s}", "x": x, "y": y, "group": ""}
                      for s, x, y in corners],
            "edges": [{"a": "A", "b": "D", "level": 1, "label": "partnership"},
                      {"a": "B", "b": "C", "level": 1, "label": "alignment"}],
        }  # fmt: skip


def test_the_labels_of_crossing_ties_do_not_collide(browser, tmp_path):
    session = Session(CrossingGame(), prepare_folder(tmp_path / "s"), seed=0, years=3)
    with served(session) as url:
        page = open_dashboard(browser, session, url)
        page.locator("#network .edge-label").nth(1).wait_for()
        labels = page.evaluate(TEXT_CHECK)["labels"]
        edges = [label for label in labels if label["edge"]]
        assert sorted(label["text"] for label in edges) == ["alignment", "partnership"]
        assert all(label["height"] >= 20 for label in labels)
        assert overlapping(labels) == []
        phone = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
        phone.goto(url)
        phone.fill("#code", session.code)
        phone.fill("#nickname", "Ann")
        phone.click("#join-button")
        block = phone.locator("#card-options .option-card").first
        block.wait_for()
        assert block.locator("p").all_inner_texts() == ["move: hold", "gain: 1"]
        page.context.close()
        phone.context.close()


def test_a_textbook_games_dashboard_fits_the_projector(browser, tmp_path):
    from sim.classroom.rounds import GAMES

    game = GAMES["burden_sharing"](turns=6, seed=0, max_students=12)
    session = Session(game, prepare_folder(tmp_path / "s"), seed=0, years=6)
    tokens = [session.join(session.code, f"Student {k + 1:02d}").token for k in range(9)]
    for turn in range(1, 6):
        for k, token in enumerate(tokens[::2]):
            session.submit(token, {"turn": turn, "decision": {"contribution": k + 0.5 * turn}})
        session.advance()
    with served(session) as url:
        page = open_dashboard(browser, session, url)
        page.locator("#table td").first.wait_for()
        check_projector_page(page)
        page.screenshot(path=str(ARTIFACTS / "class_dashboard_burden.png"))
        rows = page.locator("#table tr").all()[1:]
        assert [row.locator("td").first.inner_text() for row in rows][::2] == list("12345")
        cells = page.locator("#table td, #bars .bar-name span").all_inner_texts()
        trailing = [c for c in cells if re.search(r"\d\.\d*0(?![0-9])", c)]  # "8.00", "42.90"
        assert trailing == [], trailing
        page.context.close()


def hold_next_answer(page, path: str) -> tuple:
    """Hold up the answer to ``page``'s next request to ``path``, as slow Wi-Fi may: the request
    reaches the server at once and its answer (the state then) is kept from the page until
    :func:`release`; the page's later requests pass. Returns ``(route, response)`` once the
    server has answered."""
    held = []

    def handle(route):
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))

    page.route(f"**{path}", handle)
    while not held:  # the handler runs while Playwright waits
        page.wait_for_timeout(100)
    return held[0]


def release(page, held: tuple, path: str) -> None:
    """Hand ``page`` the held answer, then wait for its next answer to ``path`` (by then the
    held one has been dealt with)."""
    route, response = held
    with page.expect_response(lambda r: r.request == route.request):
        route.fulfill(response=response)
    with page.expect_response(f"**{path}"):
        pass


def test_a_phones_late_answer_from_before_an_advance_is_not_drawn(browser, tmp_path):
    # A poll answered with year 1 reaches the phone after it has drawn year 2 (polls overlap):
    # the phone keeps year 2's card and the choices made on it, and the submit is for year 2.
    session = Session(FakeGame(), prepare_folder(tmp_path / "s"), seed=0, years=3)
    with served(session) as url:
        phone = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
        phone.set_default_timeout(TIMEOUT)
        phone.goto(url)
        phone.fill("#code", session.code)
        phone.fill("#nickname", "Ann")
        phone.click("#join-button")
        phone.get_by_text("Year 1 is open").wait_for()
        held = hold_next_answer(phone, "/api/me")  # year 1's state
        session.advance()
        phone.get_by_text("Year 1 closed. Year 2 is open").wait_for()
        phone.check("#ctl-move-0")  # Arm (no move is chosen on a new card)
        phone.fill("#ctl-budget", "4")  # the default is 2
        release(phone, held, "/api/me")
        assert "year 2 of 3" in phone.locator("#who").inner_text()
        assert phone.is_checked("#ctl-move-0")
        assert phone.input_value("#ctl-budget") == "4"
        phone.click("#submit-button")
        phone.get_by_text("Submitted, waiting for the teacher").wait_for()
        assert phone.locator("#error").is_hidden()
        view = session.student_view(session.roster()[0].token)
        assert (view["turn"], view["submission"]) == (2, {"move": "arm", "budget": 4.0})
        phone.context.close()


def test_the_dashboards_late_answer_from_before_an_advance_is_not_drawn(browser, tmp_path):
    # The same for the dashboard: it never goes back to the year just closed (with Advance
    # enabled again), not even for one poll.
    session = Session(FakeGame(), prepare_folder(tmp_path / "s"), seed=0, years=3)
    with served(session) as url:
        page = open_dashboard(browser, session, url)
        page.locator("#turn").get_by_text("Year 1 of 3").wait_for()
        page.evaluate(  # every text the year's line is given, in order
            """() => { window.turnsShown = [];
              new MutationObserver(() => window.turnsShown.push(byId("turn").textContent))
                .observe(byId("turn"), { childList: true, characterData: true, subtree: true });
            }"""
        )
        held = hold_next_answer(page, "/api/teacher/status")  # year 1's state
        session.advance()
        page.locator("#turn").get_by_text("Year 2 of 3").wait_for()
        release(page, held, "/api/teacher/status")
        shown = page.evaluate("window.turnsShown")
        after = shown[shown.index("Year 2 of 3") :]
        assert "Year 1 of 3" not in after, shown
        assert page.locator("#turn").inner_text() == "Year 2 of 3"
        page.context.close()
