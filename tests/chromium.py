"""Debian's chromium, driven headless by Playwright, for the browser tests (the page's and the
class session's): where it is, how it is started, and a module-scoped ``browser`` fixture that
skips the tests when it is not installed (``apt-get install chromium``; ``make test`` installs
it through scripts/ensure_chromium.sh). No browser is downloaded."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
NO_CHROMIUM = (
    f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); the page tests "
    "drive it headless"
)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless (skipped when it is not installed)."""
    if shutil.which(CHROMIUM) is None:
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
