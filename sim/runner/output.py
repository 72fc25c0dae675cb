"""The run folder: tables, plots and manifest, written so that a folder is complete or absent.

Every file is written to a temporary name in the same folder and moved into place with
``os.replace`` (atomic on one file system). ``manifest.json`` is written last: a folder holding
it is complete; a folder without it is an interrupted or failed run and says so.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import sim

MANIFEST = "manifest.json"
TABLES = ("actors", "states", "ties", "alliances", "events", "summary")


TEMP_SUFFIX = ".tmp"


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (another user's), or we cannot tell: keep its file
    return True


def clean_stale_temporaries(path: Path) -> list[Path]:
    """Remove temporary files that an earlier, killed write of ``path`` left beside it.

    Temporaries are named ``.<name>.<pid>.<random>.tmp``; one is stale when the process that
    made it no longer runs on this machine. Files of a live process (a concurrent writer) and
    files of any other name are never touched.

    Returns:
        The files removed.
    """
    folder, prefix = path.parent, _temp_prefix(path)
    removed = []
    if not folder.is_dir():
        return removed
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) :].split(".", 1)[0]
        if not pid_text.isdigit() or _pid_alive(int(pid_text)):
            continue
        try:
            if entry.is_file() and not entry.is_symlink():
                entry.unlink()
                removed.append(entry)
        except OSError:
            pass
    return removed


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through a temporary file in the same folder, then move it into place.

    The temporary file is ``.<name>.<pid>.<random>.tmp``; a killed write leaves it behind, and
    the next write of the same file removes it (:func:`clean_stale_temporaries`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f"{_temp_prefix(path)}{os.getpid()}.", suffix=TEMP_SUFFIX, dir=path.parent
    )
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary file would be (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, neutralised with a leading
    apostrophe; numbers (``-0.5``, ``+3``) and every other value unchanged.

    >>> safe_cell("=1+2"), safe_cell("@SUM(A1)"), safe_cell("-0.5"), safe_cell("USA"), safe_cell(-2)
    ("'=1+2", "'@SUM(A1)", '-0.5', 'USA', -2)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its text cells (and column names) passed through :func:`safe_cell`."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV, atomically, with formula-like text cells neutralised
    (:func:`safe_cell`): every CSV the package writes goes through here."""
    safe = csv_safe(table)
    atomic_write(Path(path), lambda p: safe.to_csv(p, index=False))


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
