"""The contract every command keeps with bad input, as the fuzz tests check it, and the count
of cases each command was given (printed at the end of the test run)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

BIN = Path(sys.executable).parent
SMALL = ["world=classroom5", "model.horizon=3", "run.plots=false", "run.csv=false"]


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


def make_png(path: Path) -> Path:
    """A PNG of the user's (plain matplotlib, no alliance-sim tag)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(1, 1))
    FigureCanvasAgg(fig)
    fig.savefig(path)
    return path


def user_files(root: Path) -> Path:
    """Put a user's own work in ``root``, with the names the program writes and clears among
    it (tables, config, manifest, figures, a file named like the marker, a link): nothing of it
    may change."""
    (root / "thesis.tex").write_text("\\chapter{Alliances}\n")
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / "analysis.py").write_text("print('mine')\n")
    (root / "states.parquet").write_text("a file of the user's with an output's name")
    (root / "summary.csv").write_text("my,own\n1,2\n")
    (root / "config.yaml").write_text("mine: true\n")
    (root / "manifest.json").write_text('{"package": "another-tool", "complete": true}\n')
    (root / ".alliance-sim").write_text("my rc settings\n")
    make_png(root / "plots" / "fig1.png")
    (root / "src" / "link").symlink_to("../thesis.tex")
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (hidden ones too): relative path -> its size and content
    hash, 'dir', or where a symbolic link points."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = f"link -> {os.readlink(path)}"
        elif path.is_dir():
            out[rel] = "dir"
        else:
            data = path.read_bytes()
            out[rel] = f"{len(data)} {hashlib.sha256(data).hexdigest()}"
    return out


def assert_one_line(stderr: str, prog: str) -> None:
    """Exactly one non-empty line on stderr, ``<prog>: error: ...``, and no traceback."""
    assert "Traceback" not in stderr, stderr[-2000:]
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"{len(lines)} lines: {stderr[-2000:]}"
    assert lines[0].startswith(f"{prog}: error: "), lines[0]


def result_folders(base: Path, replicates: int = 1) -> dict[str, Path]:
    """Two finished run folders (the second with another coercion weight) and a finished sweep
    over two scenarios, written by ``alliance-sim`` into ``base``."""
    common = [*SMALL, f"run.replicates={replicates}"]
    commands = {
        "run_a": [*common, f"hydra.run.dir={base / 'run_a'}"],
        "run_b": [*common, "model.alignment.coercion_weight=3", f"hydra.run.dir={base / 'run_b'}"],
        "sweep": ["-m", f"hydra.sweep.dir={base / 'sweep'}", *common],
    }
    commands["sweep"].append("scenario=baseline,injection_1p5b")
    for args in commands.values():
        proc = subprocess.run(
            [str(BIN / "alliance-sim"), *args],
            capture_output=True,
            text=True,
            cwd=base,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    return {name: base / name for name in commands}
