"""Files the package writes, at the lowest floor (it imports only ``sim.errors``): atomic
writes, CSV cells safe for spreadsheets, and the marker that tells the program's folders from
the user's (``sim.runner.folders`` builds the rules on it).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

MARKER = ".alliance-sim"
"""The file that marks a folder as the program's (``sim.runner.folders``)."""


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


def _legacy_ours(folder: Path) -> bool:
    """A folder an earlier version wrote: a manifest of this package, no marker."""
    for name in ("manifest.json", "sweep.json"):
        path = folder / name
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and (
                data.get("package") == "alliance-sim" or "incomplete_jobs" in data
            ):
                return True
    return False


def is_ours(folder: Path) -> bool:
    """Whether the program created ``folder`` (it holds the marker, or an earlier version's
    complete manifest)."""
    folder = Path(folder)
    return (folder / MARKER).is_file() or _legacy_ours(folder)
