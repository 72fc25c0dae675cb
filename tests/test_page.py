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

import os
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

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("ALLIANCE_SIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SERVER_START_TIMEOUT = 60  # s, until the server answers
PAGE_TIMEOUT = 45_000  # ms, until the page has rendered the model
STEP_TIMEOUT = 30_000  # ms, for a step or a reset to show

NO_CHROMIUM = (
    f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); the page tests "
    "drive it headless"
)


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
def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


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
        "scenario.events.us_indo_pacific_injection.amount_usd_bn=5"
    )
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
    assert model.figure_png("network").startswith(b"\x89PNG")


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
    # Play runs year after year until paused.
    page.get_by_role("button", name="▶").click()
    page.locator(".page-year", has_text="Year 2026").wait_for()
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
