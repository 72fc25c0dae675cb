"""Benchmark: one step of the classroom page (``alliance-sim-page``), as the page does it.

    python benchmarks/page_step.py                      # default and classroom5 worlds, 20 steps
    python benchmarks/page_step.py --worlds default --steps 10
    python benchmarks/page_step.py --browser            # ... and the same in headless Chromium

In process (no browser, no server): the page's main area (:func:`sim.page.app.run_views`) is
rendered once with reacton, as solara renders it for a tab (the first render is timed too); then
each step is what the page's Step button does: the model's ``step()`` and Mesa's
``force_update()``, which re-renders the main area synchronously: the overview, the network
figure and its PNG, the event log and the budgets figure and its PNG, and the widget updates
that solara would send to the browser. The split times the page's own functions (their own time,
nested calls subtracted); "solara and the rest" is what remains of the re-render (reconciling
the components, setting the widgets' values). "page step, CPU time" is the process's CPU time
for the whole step (on a loaded machine the wall time exceeds it).

``--browser`` also serves the page (``alliance-sim-page`` on a free port of 127.0.0.1) and
drives Debian's chromium through Playwright (as tests/chromium.py does; no browser is
downloaded): the time from a click on Step until the page shows the next year with its network
title and a new budgets image (server and browser together; the default world, then the class
world after choosing it in the menu and pressing Reset).

Figures are medians over the steps with their min and max; the first steps of a run are the
first years (a run has 20 years, so at most 19 steps are timed after one warm-up step).
Timings on a shared machine vary with its load: compare figures measured together.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "tests"))

# The page's functions whose own time is reported: (module or class path, attribute, label).
PARTS = [
    ("sim.page.model:ClassroomModel", "tables", "run tables (all)"),
    ("sim.page.model:ClassroomModel", "page_tables", "run tables for the page"),
    ("sim.page.model:ClassroomModel", "network", "network figure + PNG"),
    ("sim.page.model:ClassroomModel", "budgets_png", "budgets figure + PNG"),
    ("sim.page.model:ClassroomModel", "event_rows", "event log rows"),
    ("sim.page.app", "log_html", "event log HTML"),
    ("sim.page.app", "overview_html", "overview HTML"),
]


class Split:
    """Own wall time of wrapped functions (time in nested wrapped calls subtracted)."""

    def __init__(self) -> None:
        self.own: dict[str, float] = defaultdict(float)
        self.stack: list[float] = []  # time spent in wrapped children of each open call

    def wrap(self, func, label: str):
        def timed(*args, **kwargs):
            self.stack.append(0.0)
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                total = time.perf_counter() - start
                children = self.stack.pop()
                self.own[label] += total - children
                if self.stack:
                    self.stack[-1] += total

        return timed


@contextmanager
def instrumented(split: Split):
    """Wrap the :data:`PARTS` that exist (an attribute missing in this revision is skipped)."""
    import importlib

    undo = []
    for where, name, label in PARTS:
        module, _, cls = where.partition(":")
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        if not hasattr(owner, name):
            continue
        original = owner.__dict__[name]
        setattr(owner, name, split.wrap(original, label))
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in undo:
            setattr(owner, name, original)


def stats(values: list[float]) -> str:
    ms = [1000 * v for v in values]
    return f"{statistics.median(ms):7.1f} {min(ms):7.1f} {max(ms):7.1f}"


def in_process(world: str, steps: int) -> None:
    """Time ``steps`` page steps of ``world`` in this process and print the table."""
    import reacton
    from mesa.visualization.utils import force_update

    from sim.page import app
    from sim.page.model import ClassroomModel

    start = time.perf_counter()
    model = ClassroomModel(world_config=world)
    build = time.perf_counter() - start
    split = Split()
    with instrumented(split):
        start = time.perf_counter()
        _, rc = reacton.render(app.run_views(model), handle_error=False)
        first = time.perf_counter() - start
        model.step()  # warm-up step (numba's cache, matplotlib's fonts)
        force_update()
        rows: dict[str, list[float]] = defaultdict(list)
        for _ in range(steps):
            if not model.running:
                break
            split.own.clear()
            c0 = time.process_time()
            t0 = time.perf_counter()
            model.step()
            t1 = time.perf_counter()
            force_update()
            t2 = time.perf_counter()
            c2 = time.process_time()
            rows["model step"].append(t1 - t0)
            for _, _, label in PARTS:
                rows[label].append(split.own.get(label, 0.0))
            rows["solara and the rest"].append(t2 - t1 - sum(split.own.values()))
            rows["page step (total)"].append(t2 - t0)
            rows["page step, CPU time"].append(c2 - c0)
    rc.close()
    n = len(rows["page step (total)"])
    print(
        f"\nworld={world} ({model.world.n} states), engine {model.params.engine}: "
        f"model built in {build:.2f} s, first render {first:.2f} s; {n} steps"
    )
    print(f"{'part':<28} {'median':>7} {'min':>7} {'max':>7}  (ms)")
    for label, values in rows.items():
        print(f"{label:<28} {stats(values)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# True once the page shows ``year`` in its headline and the network card's title and its
# budgets image differs from ``before``.
SHOWN_JS = """
([year, before]) => {
  const head = document.querySelector('.page-year');
  const cards = [...document.querySelectorAll('.v-card')];
  const net = cards.some(c => c.innerText.includes('Alignment network in ' + year));
  const img = document.querySelector('.page-budgets-image img, img.page-budgets-image');
  return head && head.innerText.startsWith('Year ' + year) && net && img && img.src !== before;
}
"""
BUDGETS_SRC_JS = """
() => { const i = document.querySelector('.page-budgets-image img, img.page-budgets-image');
        return i ? i.src : ''; }
"""


def browser_steps(page, steps: int) -> list[float]:
    """Click Step ``steps`` times; the time of each until the next year is shown."""
    times = []
    for _ in range(steps):
        year = int(page.locator(".page-year").inner_text().split()[1])
        before = page.evaluate(BUDGETS_SRC_JS)
        button = page.get_by_role("button", name="Step", exact=True)
        if not button.is_enabled():
            break
        start = time.perf_counter()
        button.click()
        page.wait_for_function(SHOWN_JS, arg=[year + 1, before], polling=10)
        times.append(time.perf_counter() - start)
    return times


def in_browser(steps: int) -> None:
    """Serve the page, drive it in headless Chromium, print step times per world."""
    from chromium import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    port = free_port()
    cmd = [sys.executable, "-m", "sim.page.cli", "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.set_default_timeout(60_000)
            deadline = time.monotonic() + 60
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}/")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            start = time.perf_counter()
            page.get_by_text("Who did what, and why").wait_for(timeout=120_000)
            print(f"\nbrowser: page shown {time.perf_counter() - start:.2f} s after loading")
            browser_steps(page, 1)  # warm-up
            print("browser, world=default: click Step -> next year shown (ms), median min max:")
            print(f"  {stats(browser_steps(page, steps))}")
            page.locator(".v-select", has_text="World (configs/world)").click()
            page.get_by_role("option", name="classroom5").click()
            page.get_by_role("button", name="Reset").click()
            page.locator(".page-overview", has_text="World classroom5").wait_for()
            browser_steps(page, 1)
            print("browser, world=classroom5: click Step -> next year shown (ms):")
            print(f"  {stats(browser_steps(page, steps))}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worlds", default="default,classroom5", help="comma-separated worlds")
    parser.add_argument("--steps", type=int, default=19, help="steps timed (after one warm-up)")
    parser.add_argument("--browser", action="store_true", help="also time it in Chromium")
    args = parser.parse_args()
    import importlib

    import sim  # noqa: F401 (one BLAS thread, as the page runs: before numpy is imported)

    bench = importlib.import_module("run_benchmark")  # its machine() and git_commit()
    git_commit, machine = bench.git_commit, bench.machine
    print(f"page step benchmark, commit {git_commit()}, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f}")
    for world in args.worlds.split(","):
        in_process(world, args.steps)
    if args.browser:
        in_browser(args.steps)


if __name__ == "__main__":
    main()
