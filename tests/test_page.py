"""Tests of the classroom page (``alliance-sim-page``): its model, its launcher, and the page
itself end to end in headless Chromium.

A module fixture starts the page's server as a subprocess on a free port of 127.0.0.1 and
stops it at the end; Playwright drives Debian's ``/usr/bin/chromium`` (no browser is
downloaded). The browser tests share one tab and run in file order: the page loads, a step
moves the run on, a slider and a menu take effect on Reset, Play runs until paused, and every
request the browser made stayed on 127.0.0.1. Screenshots are kept in pytest's temporary
folder and as ``tests/artifacts/page.png`` and ``page_classroom5.png`` (ignored by git).

The browser tests are skipped when Chromium is not installed (``apt-get install chromium``;
CI installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from chromium import ARTIFACTS

pytestmark = pytest.mark.slow

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START_TIMEOUT = 60  # s, until the server answers
PAGE_TIMEOUT = 45_000  # ms, until the page has rendered the model
STEP_TIMEOUT = 30_000  # ms, for a step or a reset to show


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def page_command(port: int) -> list[str]:
    """The installed console script, or the module when the script is not installed."""
    script = Path(sys.executable).with_name("alliance-sim-page")
    if script.exists():
        return [str(script), "--port", str(port)]
    return [sys.executable, "-m", "sim.page.cli", "--port", str(port)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The page's server on a free port of 127.0.0.1; yields its URL."""
    port = free_port()
    logs = tmp_path_factory.mktemp("page-server")
    out, err = (logs / "stdout.txt").open("w+"), (logs / "stderr.txt").open("w+")
    proc = subprocess.Popen(page_command(port), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"

    def output() -> str:
        out.flush()
        err.flush()
        return (
            f"--- stdout ---\n{(logs / 'stdout.txt').read_text()[-3000:]}\n"
            f"--- stderr ---\n{(logs / 'stderr.txt').read_text()[-5000:]}"
        )

    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the page's server exited with status {proc.returncode}\n{output()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the page's server did not answer within {SERVER_START_TIMEOUT} s\n{output()}"
                )
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        out.close()
        err.close()


@pytest.fixture(scope="module")
def session(browser, server):
    """One tab on the page, with every request it makes recorded."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_default_timeout(STEP_TIMEOUT)
    page.goto(server)
    page.get_by_text("Who did what, and why").wait_for(timeout=PAGE_TIMEOUT)
    yield page, requests
    context.close()


# --- without a browser ------------------------------------------------------------------------
def test_the_page_runs_the_command_lines_model():
    """A page model with moved sliders is the run of the command it shows."""
    from sim.page.model import ClassroomModel
    from sim.runner.config import compose
    from sim.runner.simulate import simulate

    model = ClassroomModel(
        world_config="classroom5",
        scenario_config="injection_1p5b",
        injection_usd_bn=5,
        china_coercion=0.5,
        jpn_kor_affinity=0.2,
        coercion_weight=2,
        temperature_pct_gdp=0.1,
        seed=3,
    )
    assert model.command == (
        "alliance-sim world=classroom5 scenario=injection_1p5b seed=3 "
        "model.alignment.coercion_weight=2 model.alignment.temperature_pct_gdp=0.1 "
        "world.coercion_propensity.CHN=0.5 world.affinity.JPN-KOR=0.2 "
        "scenario.events.us_indo_pacific_injection.amount_usd_bn=5 "
        "model.predicates.asian_nato_min=2"  # the class world holds 2 of the 4 candidates
    )  # the page's engine is the default one (compiled), so the command needs no override
    while model.running:
        model.step()
    assert model.state.year == model.world.base_year + model.params.horizon
    tables = model.recorder.tables(seed=model.run_seed)
    expected = simulate(compose(model.command.split()[1:]))
    for name in ("states", "ties", "events"):
        assert tables[name].equals(expected[name]), name
    rows = model.event_rows(focus_only=False)
    assert rows and all(r["reason"] for r in rows)
    assert any("% of GDP" in r["reason"] for r in rows)
    assert model.network()[0].startswith(b"\x89PNG")
    assert model.budgets_png().startswith(b"\x89PNG")


def test_the_launcher_says_how_to_use_it(capsys):
    from sim.page import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    assert "--host" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--port", "70000"])
    assert exit_info.value.code == 2
    assert "--port must be 0-65535" in capsys.readouterr().err
    args = cli.parse_args([])
    assert args.host == "127.0.0.1"
    assert "--production" in cli.solara_args(args)


def shown_blocs_hold_an_asian_nato(model) -> bool:
    """Whether a bloc the overview lists holds the hub and enough candidates, by the run's own
    predicate (``model.predicates``), counted from the blocs themselves."""
    pred = model.params.predicates
    for members in model.blocs:
        codes = {model.world.iso3[j] for j in members}
        enough = len(codes & set(pred.asian_nato_candidates)) >= pred.asian_nato_min
        if pred.asian_nato_hub in codes and enough:
            return True
    return False


def test_the_class_world_headline_agrees_with_the_blocs_it_shows():
    """On the class world with Japan and Korea as friends and China not coercing, the US,
    Japan and Korea form a bloc; every year the headline says 'yes' exactly when a bloc shown
    beside it is an Asian NATO, and the command line's run agrees."""
    from sim.page.app import overview_html
    from sim.page.model import ClassroomModel
    from sim.runner.config import compose
    from sim.runner.simulate import simulate

    model = ClassroomModel(world_config="classroom5", jpn_kor_affinity=1, china_coercion=0)
    formed = []
    while model.running:
        model.step()
        html = overview_html(model)
        headline = html.split('class="page-asian-nato">')[1].split("</span>")[0]
        shown = shown_blocs_hold_an_asian_nato(model)
        assert ("yes" in headline) == shown, (model.state.year, headline, model.blocs)
        if shown:
            formed.append(model.state.year)
            blocs = html.split('class="page-blocs">')[1].split("</span>")[0]
            for name in ("United States", "Japan", "South Korea"):
                assert name in blocs, blocs
    assert formed, "no US-Japan-Korea bloc formed: the test must form one"
    summary = simulate(compose(model.command.split()[1:]))["summary"]
    assert bool(summary["asian_nato_formed"].iloc[0])
    assert int(summary["asian_nato_year"].iloc[0]) == formed[0]


def test_the_scenario_sentence_follows_the_settings_and_the_world():
    from sim.page.model import ClassroomModel

    small = ClassroomModel(world_config="classroom5", injection_usd_bn=15)
    sentence = small.scenario_sentence()
    assert "USD 15 bn a year" in sentence and "1.5" not in sentence, sentence
    assert "Japan" in sentence and "Australia" not in sentence, sentence
    assert "Philippines" not in sentence, sentence
    full = ClassroomModel(injection_usd_bn=2.5).scenario_sentence()
    assert "USD 2.5 bn a year" in full and "Australia" in full and "Philippines" in full, full


def test_repeated_events_are_one_row_with_their_years():
    from sim.page.model import ClassroomModel, year_ranges

    assert year_ranges([2025, 2026, 2027, 2029, 2031, 2032]) == "2025-2027, 2029, 2031-2032"
    assert year_ranges([]) == ""
    model = ClassroomModel(world_config="classroom5", temperature_pct_gdp=0)
    while model.running:
        model.step()
    rows = model.event_rows(focus_only=False)
    heads = [(r["kind"], r["head"]) for r in rows]
    assert len(heads) == len(set(heads)), "a repeated event has several rows"
    assert any(r["also"] for r in rows), "this run repeats a refusal: some row must say so"
    years = 0
    for r in rows:
        for part in filter(None, r["also"].split(", ")):
            first, _, last = part.partition("-")
            years += int(last or first) - int(first) + 1
    assert len(rows) + years == len(model.recorder.events)  # every event counted once


def test_a_changed_control_is_named_until_reset():
    from dataclasses import asdict

    from sim.page.model import ClassroomModel

    model = ClassroomModel(world_config="classroom5")
    controls = asdict(model.settings)
    assert model.changed_settings(controls) == []
    changed = model.changed_settings({**controls, "seed": 7, "world_config": "default"})
    assert len(changed) == 2 and "seed" in changed[1] and "7" in changed[1], changed
    # the injection slider means nothing in a scenario without an injection
    baseline = ClassroomModel(scenario_config="baseline")
    assert baseline.changed_settings({"injection_usd_bn": 15.0}) == []


def test_the_page_figures_have_no_small_text():
    from sim.page import figures
    from sim.page.model import ClassroomModel
    from sim.plots._common import key_state_colours
    from sim.plots.camps import GREAT_POWERS
    from sim.runner.run import spending_targets

    model = ClassroomModel()
    model.step()
    tables = model.tables()
    fig, legend = figures.network_figure(tables, model.state.year, model.focus_states, GREAT_POWERS)
    sizes = figures.font_sizes(fig)
    assert len(sizes) >= len(model.focus_states) and min(sizes) >= figures.LABEL_PT
    assert set(legend.labelled) == set(model.focus_states)
    assert legend.nodes and legend.lines
    colours = key_state_colours(model.key_states)
    targets = spending_targets(model.prepared)
    fig = figures.budgets_figure(tables, model.key_states, targets, colours)
    assert min(figures.font_sizes(fig)) >= figures.MIN_FONT_PT
    assert figures.png_bytes(fig).startswith(b"\x89PNG")


def test_the_launcher_prints_an_address_a_browser_can_reach(monkeypatch):
    from sim.cli import net
    from sim.page import cli

    assert cli.reachable_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert cli.reachable_url("::1", 8765) == "http://[::1]:8765/"
    monkeypatch.setattr(net, "lan_address", lambda: "192.168.1.20")
    assert cli.reachable_url("0.0.0.0", 8765) == "http://192.168.1.20:8765/"
    monkeypatch.setattr(net, "lan_address", lambda: None)
    assert cli.reachable_url("0.0.0.0", 8765) == "http://127.0.0.1:8765/"
    monkeypatch.undo()
    found = net.lan_address()
    assert found is None or (not found.startswith(("0.", "127.")) and found.count(".") == 3)
    assert cli.parse_args([]).projector is False
    assert cli.parse_args(["--projector"]).projector is True


# --- in the browser -------------------------------------------------------------------------
def overview(page) -> str:
    return page.locator(".page-overview").inner_text()


def network_image(page) -> str:
    card = page.locator(".v-card", has_text="Alignment network in").last
    return card.locator("img").first.get_attribute("src") or ""


def keep_screenshot(page, tmp_path: Path, name: str = "page.png") -> None:
    """Screenshot of the whole page into pytest's folder and tests/artifacts/."""
    page.set_viewport_size({"width": 1440, "height": 1700})
    page.wait_for_timeout(800)  # the grid lays itself out again
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / name)
    page.set_viewport_size({"width": 1440, "height": 1000})


def test_page_loads_with_its_controls(session):
    page, _ = session
    assert page.title() == "alliance-sim classroom"
    page.get_by_text("would a US injection create an 'Asian NATO'?").wait_for()
    for name in ("Reset", "Step"):
        assert page.get_by_role("button", name=name).is_visible()
    for label in (
        "World (configs/world)",
        "Scenario (configs/scenario)",
        "US injection, USD bn a year",
        "China's assertiveness",
        "Japan-Korea affinity",
        "Coercion strength",
        "Bounded rationality",
    ):
        assert page.get_by_text(label).first.is_visible(), label
    text = overview(page)
    assert "Year 2024" in text
    assert "alliance-sim scenario=injection_1p5b" in text
    assert network_image(page), "no network image"
    assert page.locator(".v-card", has_text="Defence budgets so far").locator("img").count() == 1


def test_a_step_moves_the_run_on(session, tmp_path):
    page, _ = session
    before = network_image(page)
    page.get_by_role("button", name="Step").click()
    page.locator(".page-year", has_text="Year 2025").wait_for()
    page.get_by_text("Alignment network in 2025").first.wait_for()
    rows = page.locator(".page-event-log tr")
    rows.first.wait_for()
    assert rows.count() > 0
    log = page.locator(".page-event-log").inner_text()
    # the 2024 world is a rest point, so the first year may bring no decision: the log shows
    # at least the year's scenario event (decisions and their reasons: the next test)
    assert "2025" in log and "USD 1.5 bn a year" in log, log[:500]
    page.wait_for_function(
        "before => [...document.querySelectorAll('.v-card')].some(c => "
        "c.innerText.includes('Alignment network in 2025') && c.querySelector('img') && "
        "c.querySelector('img').src !== before)",
        arg=before,
    )
    assert network_image(page) != before
    keep_screenshot(page, tmp_path)


def test_a_slider_and_a_menu_take_effect_on_reset_and_play_runs(session, tmp_path):
    page, _ = session
    slider = page.locator(".v-input__slider", has_text="Bounded rationality").get_by_role("slider")
    slider.focus()
    slider.press("End")  # the slider's maximum: 0.5 % of GDP
    page.locator(".v-select", has_text="World (configs/world)").click()
    page.get_by_role("option", name="classroom5").click()
    page.get_by_role("button", name="Reset").click()
    page.locator(".page-year", has_text="Year 2024").wait_for()
    page.locator(".page-overview", has_text="temperature 0.5 % of GDP").wait_for()
    text = overview(page)
    assert "World classroom5: 5 states" in text, text
    assert "world=classroom5" in text and "model.alignment.temperature_pct_gdp=0.5" in text, text
    # Play runs year after year until paused. A year shows for about the play interval only
    # (0.3 s on the class world), shorter than Playwright's later polls (1 s): wait for any
    # year from 2026 on, not for 2026 itself, which Play may have passed between two polls.
    page.get_by_role("button", name="▶").click()
    page.wait_for_function(
        "() => { const y = document.querySelector('.page-year'); "
        "return y && parseInt(y.innerText.replace('Year ', ''), 10) >= 2026; }"
    )
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for()
    # A year in progress when paused still lands; then the year must stay put.
    years = [page.locator(".page-year").inner_text()]
    for _ in range(8):
        page.wait_for_timeout(1500)
        years.append(page.locator(".page-year").inner_text())
        if years[-1] == years[-2]:
            break
    else:
        pytest.fail(f"the run went on after the pause: {years}")
    # at this temperature states move every year: the log gives each move with its reasons
    log = page.locator(".page-event-log").inner_text()
    assert "% of GDP" in log, log[:500]  # reasons with their payoff terms
    keep_screenshot(page, tmp_path, "page_classroom5.png")


# Every text node drawn on screen: its font size, and whether what the browser shows at its
# centre is the text (or its own element) rather than something laid over it (a fixed badge, a
# sticky bar). Text scrolled out of its own scroll box is skipped (it is not on screen).
TEXT_ON_SCREEN_JS = """
() => {
  const small = [], covered = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const inside = (r, x, y) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
  while (walker.nextNode()) {
    const node = walker.currentNode, text = node.textContent.trim(), el = node.parentElement;
    if (!text || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 20) small.push(`${size}px: ${text.slice(0, 60)}`);
    for (const r of rects) {
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
      let clipped = false;
      for (let a = el.parentElement; a; a = a.parentElement) {
        const o = getComputedStyle(a).overflowY + getComputedStyle(a).overflowX;
        if (/(auto|scroll|hidden)/.test(o) && !inside(a.getBoundingClientRect(), x, y)) {
          clipped = true;
          break;
        }
      }
      if (clipped) continue;
      const hit = document.elementFromPoint(x, y);
      if (hit && !el.contains(hit) && !hit.contains(el)) {
        covered.push(`'${text.slice(0, 40)}' under <${hit.tagName} class='${hit.className}'>`);
      }
    }
  }
  return {small, covered};
}
"""
# The page's scroll box (the tallest element that scrolls), scrolled to a share of its height.
SCROLL_JS = """
share => {
  const scrolls = d => /(auto|scroll)/.test(getComputedStyle(d).overflowY);
  const boxes = [...document.querySelectorAll('div')].filter(
    d => d.scrollHeight > d.clientHeight + 5 && scrolls(d));
  boxes.sort((a, b) => b.scrollHeight - a.scrollHeight);
  const box = boxes[0] || document.scrollingElement;
  box.scrollTop = share * (box.scrollHeight - box.clientHeight);
  return box.scrollHeight / box.clientHeight;
}
"""
# The network figure's natural and displayed width.
IMAGE_SIZE_JS = """
sel => {
  const node = document.querySelector(sel);
  const img = node.tagName === 'IMG' ? node : node.querySelector('img');
  return [img.naturalWidth, img.getBoundingClientRect().width];
}
"""
MESA_LEFTOVERS = ("Page 0", "Use Threads", "Render Interval", "Play Interval", "Information")


def text_problems(page) -> tuple[list[str], list[str]]:
    """Small and covered text over the whole page, scrolled screen by screen."""
    small: set[str] = set()
    covered: set[str] = set()
    screens = page.evaluate(SCROLL_JS, 0)
    steps = max(1, int(screens) + 1)
    for k in range(steps + 1):
        page.evaluate(SCROLL_JS, k / steps)
        page.wait_for_timeout(150)
        found = page.evaluate(TEXT_ON_SCREEN_JS)
        small |= set(found["small"])
        covered |= set(found["covered"])
    page.evaluate(SCROLL_JS, 0)
    return sorted(small), sorted(covered)


def network_label_px(page) -> float:
    """The network labels' font size as shown: drawn size times displayed / natural width."""
    from sim.page.figures import DPI, LABEL_PT

    natural, shown = page.evaluate(IMAGE_SIZE_JS, ".page-network-image")
    assert natural > 0 and shown > 0, (natural, shown)
    return LABEL_PT * DPI / 72 * shown / natural


@pytest.fixture(scope="module")
def wide_tab(browser, server):
    """A second tab at 1920x1080, the size of a classroom projector."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT)
    page.goto(server)
    page.get_by_text("Who did what, and why").wait_for(timeout=PAGE_TIMEOUT)
    yield page
    context.close()


def test_at_1920_nothing_covers_text_and_network_labels_are_large(wide_tab, tmp_path):
    page = wide_tab
    body = page.locator("body").inner_text()
    for leftover in MESA_LEFTOVERS:
        assert leftover.lower() not in body.lower(), leftover
    assert not page.get_by_text("This website runs on").is_visible()
    page.get_by_role("button", name="Step", exact=True).click()
    page.locator(".page-year", has_text="Year 2025").wait_for()
    _, covered = text_problems(page)
    assert not covered, covered
    # the check sees a fixed element laid over text (as the Solara badge was)
    page.evaluate(
        "() => { const b = document.createElement('div'); b.id = 'probe'; b.textContent = 'x';"
        " const r = document.querySelector('.page-year').getBoundingClientRect();"
        " b.style = `position:fixed; left:${r.left}px; top:${r.top}px; width:${r.width}px;"
        " height:${r.height}px; background:white`; document.body.appendChild(b); }"
    )
    assert any("Year 2025" in c for c in text_problems(page)[1])
    page.evaluate("() => document.getElementById('probe').remove()")
    assert network_label_px(page) >= 20
    keep_screenshot(page, tmp_path, "page_1920.png")


def test_projector_mode_has_no_text_under_20_px(wide_tab, tmp_path):
    page = wide_tab
    page.get_by_text("Projector (large type").click()
    page.locator(".page-root.projector").wait_for()
    assert not page.get_by_role("button", name="Reset").is_visible()  # controls folded
    page.wait_for_timeout(500)
    small, covered = text_problems(page)
    assert not small, small
    assert not covered, covered
    assert network_label_px(page) >= 20
    shot = tmp_path / "page_projector.png"
    page.screenshot(path=str(shot))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / shot.name)
    page.get_by_role("button", name="Controls").click()  # the teacher can still reach them
    page.get_by_role("button", name="Reset").wait_for()


def test_on_a_phone_the_controls_fold_away(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT)
    try:
        page.goto(server)
        page.locator(".page-year").wait_for(timeout=PAGE_TIMEOUT)
        assert not page.get_by_role("button", name="Reset").is_visible()
        year = page.locator(".page-year").bounding_box()
        assert year and year["y"] < 844, year  # the run is on the first screen
        page.get_by_role("button", name="Controls").click()
        page.get_by_role("button", name="Reset").wait_for()
        page.screenshot(path=str(tmp_path / "page_phone.png"))
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / "page_phone.png", ARTIFACTS / "page_phone.png")
    finally:
        context.close()


def test_the_class_world_bloc_and_its_headline_in_the_browser(session):
    """After the class-world test above: friends Japan and Korea, China not coercing, no choice
    noise; the page asks for Reset until it is pressed, then the US-Japan-Korea bloc forms and
    the headline says so."""
    page, _ = session
    for label, key in (
        ("Japan-Korea affinity", "End"),
        ("China's assertiveness", "Home"),
        ("Bounded rationality", "Home"),
    ):
        slider = page.locator(".v-input__slider", has_text=label).get_by_role("slider")
        slider.focus()
        slider.press(key)
    cue = page.locator(".page-cue")
    cue.wait_for()
    assert "Japan-Korea affinity" in cue.inner_text()
    page.get_by_role("button", name="Reset").click()
    page.locator(".page-overview", has_text="Japan-Korea affinity 1 ").wait_for()
    cue.wait_for(state="detached")
    for _ in range(20):
        if "United States" in page.locator(".page-blocs").inner_text():
            break
        year = page.locator(".page-year").inner_text().split(" (")[0]
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function(
            "y => !document.querySelector('.page-year').innerText.startsWith(y)", arg=year
        )
    blocs = page.locator(".page-blocs").inner_text()
    for name in ("United States", "Japan", "South Korea"):
        assert name in blocs, blocs
    assert page.locator(".page-asian-nato").inner_text().strip() == "yes"
    heads = page.locator(".page-event-log td:not(.year) > b").all_inner_texts()
    assert len(heads) == len(set(heads)), heads


def test_no_request_leaves_localhost(session):
    _, requests = session
    assert requests, "the browser recorded no requests"
    outside = sorted(
        {
            u
            for u in requests
            if urlsplit(u).hostname not in LOCAL_HOSTS
            and urlsplit(u).scheme not in ("data", "blob")
        }
    )
    assert not outside, f"requests left 127.0.0.1: {outside}"
