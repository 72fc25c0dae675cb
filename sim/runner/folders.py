"""Output folders the program owns: a marker written when it creates one, a lock while a run
uses one, and clearing that touches only what the program wrote.

The rule (docs/outputs.md, "Folders and safety"): **nothing the program did not create is ever
deleted or overwritten.**

- A run or sweep folder carries the marker file ``.alliance-sim`` (JSON: what it is, when and
  by which process it was made), written when the program creates the folder.
- An existing folder without the marker is used only if it is empty (it is then marked);
  otherwise it is refused with one line. Hydra's own files of this very job (``.hydra/`` and a
  ``.log``) count as empty inside a job folder, since Hydra writes them before the task starts.
  Folders written by earlier versions, which carry a complete ``manifest.json`` or
  ``sweep.json`` of this package but no marker, are recognised as the program's.
- While a run or sweep uses a folder it holds an exclusive lock on the marker (``flock``): a
  second run aimed at the same folder is refused at once, instead of both writing into it.
- Clearing an interrupted run (to run it again) removes only the files a run writes, by name,
  and only in a marked folder.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sim.errors import UserError
from sim.files import (
    MARKER,
    clean_stale_temporaries,
    folder_kind,
    is_ours,
    png_is_ours,
    read_marker,
    write_marker,
)

HYDRA_ENTRIES = (".hydra",)
"""Hydra's own entries in a job folder, written before the task runs."""

RUN_FILES = ("config.yaml", "manifest.json", "priors.json")

_HELD: dict[Path, int] = {}
"""Folders this process holds locked (resolved path -> open file descriptor of the marker)."""
CREATED: set[Path] = set()
"""Folders this process created (so a failure may remove them whole)."""
ADOPTED: set[Path] = set()
"""Existing empty folders this process marked (a failure returns them to empty)."""


def shown(path: Path | str) -> Path:
    """A folder as the user should read it: relative to the working folder when inside it.

    >>> shown(Path.cwd() / "outputs" / "x") == Path("outputs/x")
    True
    """
    path = Path(path)
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _is_hydra_entry(entry: Path) -> bool:
    return entry.name in HYDRA_ENTRIES or (entry.is_file() and entry.suffix == ".log")


def _unusable(folder: Path, why: str) -> UserError:
    return UserError(f"cannot use {folder} as an output folder: {why}")


def claim(folder: Path, kind: str, allow_hydra: bool = False) -> bool:
    """Make ``folder`` the program's: create it with the marker, mark an existing empty folder,
    or accept one that is already the program's.

    Args:
        folder: the run, job or sweep folder.
        kind: ``"run"`` or ``"sweep"`` (recorded in the marker).
        allow_hydra: count Hydra's own files of this job (``.hydra/``, ``*.log``) as empty.

    Returns:
        Whether this call created the folder.

    Raises:
        UserError: the path is a file, a folder with other content and no marker, a folder of
            the program's of another kind (a sweep's for a run, a run's for a sweep), or it
            cannot be created or written.
    """
    folder = Path(folder)
    try:
        if folder.exists() and not folder.is_dir():
            raise _unusable(folder, "it is a file; give a folder path")
        if folder.is_dir():
            found = folder_kind(folder)
            if found is not None:
                if found != kind:
                    raise _unusable(
                        folder,
                        f"it is a {found} folder of alliance-sim, not a {kind} folder; give a "
                        f"{'sweep folder with -m' if kind == 'sweep' else 'run folder without -m'}"
                        " or a new folder",
                    )
                if read_marker(folder) is None:
                    write_marker(folder, kind)
                return False
            others = [e for e in folder.iterdir() if not (allow_hydra and _is_hydra_entry(e))]
            if others:
                shown = ", ".join(sorted(e.name for e in others)[:3])
                more = f" and {len(others) - 3} more" if len(others) > 3 else ""
                raise _unusable(
                    folder,
                    f"it already holds files that alliance-sim did not write ({shown}{more}); "
                    "nothing there is touched. Give a new or empty folder, or leave "
                    "hydra.run.dir / hydra.sweep.dir at their defaults",
                )
            write_marker(folder, kind)
            # empty but for Hydra's files of this job: Hydra made it for this job
            (CREATED if allow_hydra else ADOPTED).add(folder.resolve())
            return allow_hydra
        try:
            folder.mkdir(parents=True)
        except FileExistsError:  # another run made it a moment ago: judge it as it is now
            return claim(folder, kind, allow_hydra)
        write_marker(folder, kind)
        CREATED.add(folder.resolve())
        return True
    except OSError as exc:
        raise _unusable(folder, exc.strerror or str(exc)) from None


def lock(folder: Path) -> None:
    """Hold an exclusive lock on the folder's marker for the rest of this process.

    Raises:
        UserError: another process holds it (a second run aimed at the same folder).
    """
    folder = Path(folder).resolve()
    if folder in _HELD:
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks; the marker rules still hold
        _HELD[folder] = -1
        return
    try:
        fd = os.open(folder / MARKER, os.O_RDONLY)
    except OSError as exc:
        raise _unusable(folder, exc.strerror or str(exc)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UserError(
            f"{folder} is in use by another alliance-sim run; wait for it to finish, or give "
            "another hydra.run.dir / hydra.sweep.dir"
        ) from None
    except OSError:
        pass  # a file system without locks: keep the descriptor, go on without a lock
    _HELD[folder] = fd


def release(folder: Path) -> None:
    """Release a lock this process holds (closing the descriptor releases ``flock``)."""
    fd = _HELD.pop(Path(folder).resolve(), None)
    if fd is not None and fd >= 0:
        os.close(fd)


def run_outputs(folder: Path) -> list[Path]:
    """The entries of a run folder that a run writes (by name), present now."""
    folder = Path(folder)
    from sim.runner.output import TABLES

    names = [*RUN_FILES, *(f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv"))]
    found = [folder / n for n in names if (folder / n).is_file() and not (folder / n).is_symlink()]
    plots = folder / "plots"
    if plots.is_dir() and not plots.is_symlink():
        found += sorted(p for p in plots.iterdir() if p.suffix == ".png" and png_is_ours(p))
    return found


def clear_run_outputs(folder: Path) -> None:
    """Remove what an interrupted run wrote into its folder, so that it can run again.

    Only in a folder the program owns, and only the files a run writes (tables, config, manifest,
    plots, and temporaries of dead processes); anything else in the folder stays.

    Raises:
        UserError: the folder is not the program's, or its ``plots/`` is a link.
    """
    folder = Path(folder)
    if not is_ours(folder):
        raise _unusable(folder, "it holds no alliance-sim marker; nothing there is touched")
    if (folder / "plots").is_symlink():
        raise _unusable(
            folder,
            "its plots/ is a link, and the program writes and clears nothing through a link; "
            "remove the link or give a new folder",
        )
    for path in run_outputs(folder):
        clean_stale_temporaries(path)
        path.unlink(missing_ok=True)
    plots = folder / "plots"
    if plots.is_dir() and not plots.is_symlink() and not any(plots.iterdir()):
        plots.rmdir()


def remove_if_created(folder: Path) -> None:
    """After a failed run, undo what it wrote: a folder this process created goes whole; an
    empty folder it marked is emptied again (its outputs, Hydra's files, the marker); any other
    folder of the program loses only this run's outputs. Only a folder this process holds
    locked is touched (and it is released only after), a complete run never is, and a problem
    while cleaning up never hides the error that caused it."""
    with contextlib.suppress(OSError, UserError):
        _undo_run(Path(folder))


def _undo_run(folder: Path) -> None:
    import shutil

    if not folder.is_dir() or not is_ours(folder) or (folder / "manifest.json").exists():
        return
    resolved = folder.resolve()
    if resolved not in _HELD:  # another run's folder (it holds the lock): not ours to undo
        return
    if resolved in CREATED:
        shutil.rmtree(folder, ignore_errors=True)  # before the lock goes: no run can slip in
        CREATED.discard(resolved)
        release(folder)
        return
    clear_run_outputs(folder)
    if resolved in ADOPTED:
        for entry in folder.iterdir():
            if entry.is_symlink():
                continue
            if entry.name == ".hydra" and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_file() and (entry.suffix == ".log" or entry.name == MARKER):
                entry.unlink(missing_ok=True)
        ADOPTED.discard(resolved)
        release(folder)


def remove_sweep_if_unused(folder: Path) -> None:
    """After a sweep failed: remove its folder if this process created it and no job in it
    finished (a finished job is kept, to resume from); never raises."""
    import shutil

    from sim.runner.output import is_complete

    folder = Path(folder)
    try:
        resolved = folder.resolve()
        if not folder.is_dir() or resolved not in CREATED or resolved not in _HELD:
            return
        if any(p.is_dir() and is_complete(p) for p in folder.iterdir()):
            return
        shutil.rmtree(folder, ignore_errors=True)
        CREATED.discard(resolved)
        release(folder)
    except OSError:
        pass
