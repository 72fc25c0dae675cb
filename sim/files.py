"""Files the package writes, at the lowest floor (it imports nothing from the package): atomic
writes, CSV cells safe for spreadsheets, the marker that tells the program's folders from the
user's (``sim.runner.folders`` builds the rules on it) and the tag that tells its figures.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a table is written: the command's --help and
    import pandas as pd  # its one-line errors do not wait for it

MARKER = ".alliance-sim"
"""The file that marks a folder as the program's (``sim.runner.folders``): JSON whose
``created_by`` is ``alliance-sim`` and whose ``kind`` says what the folder is."""
CREATED_BY = "alliance-sim"
SOFTWARE = "alliance-sim"
"""The PNG ``Software`` text every figure carries: how a later write knows a file is ours."""


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


def _safe_column(column: pd.Series) -> pd.Series:
    """One text column through :func:`safe_cell`, each distinct value once (a run's text
    columns repeat a few codes and names over many rows)."""
    try:
        distinct = column.unique()
    except TypeError:  # unhashable cells (lists): one at a time
        return column.map(safe_cell)
    changed = {v: safe_cell(v) for v in distinct if isinstance(v, str)}
    changed = {v: w for v, w in changed.items() if w != v}
    if not changed:
        return column
    hit = column.isin(list(changed))
    return column.where(~hit, column[hit].map(changed))


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """The table with its text cells (and column names) passed through :func:`safe_cell`.

    >>> import pandas as pd
    >>> csv_safe(pd.DataFrame({"=a": ["=1+2", "USA"], "x": [1.0, -2.0]})).to_dict("list")
    {"'=a": ["'=1+2", 'USA'], 'x': [1.0, -2.0]}
    """
    import pandas as pd

    out = table.copy(deep=False)
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = _safe_column(out[column])
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


WHOLE_LIMIT = 1e36
"""A float column whose values are all whole numbers below this is written through a decimal
type, as ``34.0`` (below 2**127 / 10, what a 38-digit decimal with one decimal place holds)."""


def _whole_floats_as_decimals(arrow):
    """``arrow`` with each float column whose values are all whole numbers (and finite)
    written as ``34.0``, not pyarrow's ``34``: such a column then reads back as floats, as it
    does from pandas' writer (the class debrief reads its records back so)."""
    import numpy as np
    import pyarrow as pa

    for k, field in enumerate(arrow.schema):
        if not pa.types.is_floating(field.type):
            continue
        values = arrow.column(k).to_numpy(zero_copy_only=False)
        known = values[~np.isnan(values)]
        if known.size and (np.abs(known) < WHOLE_LIMIT).all() and (known == np.round(known)).all():
            column = arrow.column(k).cast(pa.decimal128(38, 1))
            arrow = arrow.set_column(k, field.name, column)
    return arrow


def _write_csv_text(table: pd.DataFrame, path: Path) -> None:
    """``table`` as CSV at ``path``: by pyarrow's writer (tens of times faster than pandas' on
    the run tables' floats), or by pandas' for a table pyarrow cannot convert (a column of
    mixed types). Both write the same values: floats in their shortest form that reads back
    exactly (a column of whole numbers as ``34.0``), booleans as ``True``/``False``, missing
    values as empty cells; pyarrow quotes every text cell."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    flags = [c for c in table.columns if pd.api.types.is_bool_dtype(table[c])]
    if flags:  # pandas' spelling, which readers of earlier files (the class debrief) expect
        table = table.assign(**{c: table[c].map({True: "True", False: "False"}) for c in flags})
    try:
        arrow = _whole_floats_as_decimals(pa.Table.from_pandas(table, preserve_index=False))
    except (pa.ArrowException, TypeError, ValueError):
        table.to_csv(path, index=False)
        return
    pa_csv.write_csv(arrow, path, pa_csv.WriteOptions(quoting_style="needed"))


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV, atomically, with formula-like text cells neutralised
    (:func:`safe_cell`): every CSV the package writes goes through here."""
    safe = csv_safe(table)
    atomic_write(Path(path), lambda p: _write_csv_text(safe, p))


def read_marker(folder: Path) -> dict | None:
    """The folder's marker, if it is one this program wrote (JSON, ``created_by``
    ``alliance-sim``); a file of that name with other content is no marker."""
    path = Path(folder) / MARKER
    if path.is_symlink() or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("created_by") == CREATED_BY else None


def write_marker(folder: Path, kind: str, **extra: object) -> None:
    """Mark ``folder`` as the program's ``kind`` of folder (``run``, ``sweep``, ``study`` ...),
    unless it is marked already (the file is created exclusively)."""
    import socket
    from datetime import UTC, datetime

    info = {
        "created_by": CREATED_BY,
        "kind": kind,
        **extra,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "note": "This folder was created by alliance-sim; the program may rewrite what it wrote "
        "here and nothing else.",
    }
    try:
        fd = os.open(Path(folder) / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return  # another process of ours marked it first
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(info, fh, indent=2)


def _legacy_kind(folder: Path) -> str | None:
    """What an earlier version wrote here, without a marker: a complete run (``manifest.json``)
    or a complete sweep (``sweep.json``) of this package, or nothing of ours."""
    for name, kind in (("manifest.json", "run"), ("sweep.json", "sweep")):
        path = folder / name
        if path.is_file() and not path.is_symlink():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, UnicodeDecodeError):
                continue
            if (
                isinstance(data, dict)
                and data.get("package") == CREATED_BY
                and data.get("complete") is True
            ):
                return kind
    return None


def folder_kind(folder: Path) -> str | None:
    """What the program made ``folder`` as (``run``, ``sweep``, ``study`` ...), or ``None``
    when the folder is not the program's."""
    folder = Path(folder)
    marker = read_marker(folder)
    if marker is not None:
        return str(marker.get("kind", ""))
    return _legacy_kind(folder)


def is_ours(folder: Path) -> bool:
    """Whether the program created ``folder`` (a marker it wrote, or an earlier version's
    complete manifest)."""
    return folder_kind(folder) is not None


def png_is_ours(path: Path) -> bool:
    """Whether the PNG at ``path`` is this package's: it carries the package's ``Software``
    text (matplotlib writes text chunks before the image data), or it is one of the untagged
    figures an earlier version wrote, recorded (name and hash) in the marker when the program
    adopted their folder (:func:`adopted_figures`)."""
    path = Path(path)
    if path.is_symlink():
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if not head.startswith(b"\x89PNG"):
        return False
    if b"Software\x00" + SOFTWARE.encode() in head:
        return True
    adopted = (read_marker(path.parent) or {}).get("adopted_figures") or {}
    return adopted.get(path.name) == _sha256(path)


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def adopted_figures(folder: Path) -> dict[str, str]:
    """The PNGs in ``folder`` that an earlier version drew (untagged, by matplotlib), by name
    and hash: recorded in the marker when the program adopts a folder of such results."""
    out = {}
    for path in sorted(Path(folder).glob("*.png")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as fh:
                head = fh.read(4096)
            if head.startswith(b"\x89PNG") and b"Software\x00Matplotlib" in head:
                out[path.name] = _sha256(path)
    return out
