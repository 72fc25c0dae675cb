"""The contract every command keeps with bad input, as the fuzz tests check it, and the count
of cases each command was given (printed at the end of the test run)."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path


class Counts:
    """Cases per command, and how many of them kept the contract."""

    def __init__(self) -> None:
        self.cases: Counter[str] = Counter()
        self.kept: Counter[str] = Counter()

    def add(self, command: str, kept: bool) -> None:
        self.cases[command] += 1
        self.kept[command] += int(kept)

    def lines(self) -> list[str]:
        return [
            f"{command}: {n} cases, {self.kept[command]} kept the contract"
            for command, n in sorted(self.cases.items())
        ]


COUNTS = Counts()


def user_files(root: Path) -> Path:
    """Put a user's own work in ``root``: nothing of it may change."""
    (root / "thesis.tex").write_text("\\chapter{Alliances}\n")
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / "analysis.py").write_text("print('mine')\n")
    (root / "states.parquet").write_text("a file of the user's with an output's name")
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: relative path -> content hash (or 'dir')."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def assert_one_line(stderr: str, prog: str) -> None:
    """Exactly one non-empty line on stderr, ``<prog>: error: ...``, and no traceback."""
    assert "Traceback" not in stderr, stderr[-2000:]
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"{len(lines)} lines: {stderr[-2000:]}"
    assert lines[0].startswith(f"{prog}: error: "), lines[0]
