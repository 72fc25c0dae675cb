"""The run folder: tables, plots and manifest, written so that a folder is complete or absent.

Every file is written to a temporary name in the same folder and moved into place with
``os.replace`` (atomic on one file system; ``sim.files.atomic_write``). ``manifest.json`` is
written last: a folder holding it is complete; a folder without it is an interrupted or failed
run and says so.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import sim
from sim.files import atomic_write, write_csv

MANIFEST = "manifest.json"
TABLES = ("actors", "states", "ties", "alliances", "events", "summary")


def write_table(table: pd.DataFrame, folder: Path, name: str, csv: bool = True) -> list[str]:
    """Write one table as ``name.parquet`` (and ``name.csv``), atomically; returns the names."""
    atomic_write(folder / f"{name}.parquet", lambda p: table.to_parquet(p, index=False))
    if not csv:
        return [f"{name}.parquet"]
    write_csv(table, folder / f"{name}.csv")
    return [f"{name}.parquet", f"{name}.csv"]


def write_tables(tables: Mapping[str, pd.DataFrame], folder: Path, csv: bool = True) -> list[str]:
    """Write each run table as Parquet (and CSV), atomically; returns the file names written."""
    return [f for name in TABLES for f in write_table(tables[name], folder, name, csv)]


def git_commit() -> dict[str, object]:
    """The code version: git commit of the source tree and whether it had local changes."""
    root = Path(sim.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file() or not (root / "sim").is_dir():
        return {"commit": None, "dirty": None}  # installed from a wheel: the version says it
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        # Outputs that the repository keeps (experiments' results and reports) are not code:
        # an experiment rewriting them before its manifest does not make its code "dirty".
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":(exclude,glob)experiments/*/results/**",
                ":(exclude,glob)experiments/*/report.md",
            ],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    if commit.returncode != 0:
        return {"commit": None, "dirty": None}
    return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape the results."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("numpy", "pandas", "pyarrow", "mesa", "hydra-core", "omegaconf", "matplotlib"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def write_manifest(folder: Path, info: Mapping[str, object], name: str = MANIFEST) -> None:
    """Write ``manifest.json`` (or ``name``) last: it marks the folder complete."""
    manifest = {
        "package": "alliance-sim",
        "version": sim.__version__,
        "code": git_commit(),
        "libraries": library_versions(),
        "platform": platform.platform(),
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        **info,
        "complete": True,
    }
    text = json.dumps(manifest, indent=2, default=str)
    atomic_write(folder / name, lambda p: p.write_text(text, encoding="utf-8"))


def is_complete(folder: Path) -> bool:
    """Whether a run folder finished (its manifest exists and says so)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return False
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("complete"))
    except (OSError, json.JSONDecodeError):
        return False
