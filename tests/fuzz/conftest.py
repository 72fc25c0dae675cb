"""Print how many fuzz cases each command was given, and how many kept the contract."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter) -> None:
    from fuzz.contract import COUNTS

    lines = COUNTS.lines()
    if lines:
        terminalreporter.section("fuzz cases")
        for line in lines:
            terminalreporter.write_line(line)
