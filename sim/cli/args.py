"""What the package's commands share: one-line argument errors, one main() wrapper, and a check
that an output can be written before any long work starts.

Every user error is ONE line on stderr, ``<prog>: error: <what is wrong and how to fix it>``,
with exit status 2 and no traceback; Ctrl-C is one line, ``<prog>: interrupted``, and exit
status 130.

    parser = OneLineParser(prog=PROG, description=...)
    ...
    def main(argv=None):
        sys.exit(run_main(PROG, _main, argv))
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from sim.errors import UserError, printable

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def one_line(message: object) -> str:
    """The first non-empty line of ``message`` (a message printed to the user is one line),
    with any other control character shown escaped (``sim.errors.printable``)."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    return printable(lines[0]) if lines else "unknown error"


def fail(prog: str, message: object) -> NoReturn:
    """Print ``<prog>: error: <message>`` (one line) on stderr and exit with status 2."""
    print(f"{prog}: error: {one_line(message)}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_USER_ERROR)


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line, ``<prog>: error: <message>``, with exit status 2
    (no usage block); ``--help`` is unchanged."""

    def error(self, message: str) -> NoReturn:
        fail(self.prog, f"{message} (see {self.prog} --help)")


def reason(exc: OSError) -> str:
    """Why an operating-system call failed, in words (``Permission denied``, ...)."""
    return exc.strerror or one_line(exc) or type(exc).__name__


@contextmanager
def writing(path: Path | str, what: str = "") -> Iterator[None]:
    """Turn an ``OSError`` raised inside into a :class:`UserError` naming ``path`` and why."""
    try:
        yield
    except UserError:
        raise
    except OSError as exc:
        label = f"{what} {path}" if what else str(path)
        raise UserError(
            f"cannot write {label}: {reason(exc)}; give a location you can write to"
        ) from None


def _existing_ancestor(path: Path) -> Path:
    """``path`` itself, or its nearest ancestor that exists (``.`` for a relative path)."""
    path = Path(os.path.abspath(path))
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def check_writable(path: Path | str, what: str = "--out", folder: bool = False) -> None:
    """Refuse an output that cannot be written, before any long work.

    ``path`` is a file to write (``folder=False``: it must not be a folder) or a folder to
    write into (``folder=True``: it must not be a file). The nearest folder that exists on the
    way must be a folder, not a file, and one in which a file can be created: that is tried
    with a temporary file, removed at once (this catches read-only folders even for root,
    read-only file systems and special ones such as ``/proc``).

    Raises:
        UserError: what is wrong, in one line.
    """
    path = Path(path)
    if folder:
        if path.exists() and not path.is_dir():
            raise UserError(f"{what} {path} is a file; give a folder")
        target = path
    else:
        if path.is_dir():
            raise UserError(f"{what} {path} is a folder; give a file name")
        target = path.parent
    base = _existing_ancestor(target)
    if not base.is_dir():
        raise UserError(f"cannot write {what} {path}: {base} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".alliance-sim-probe.", suffix=".tmp", dir=base)
    except OSError as exc:
        raise UserError(
            f"cannot write {what} {path}: files cannot be created in {base} ({reason(exc)}); "
            "give a location you can write to"
        ) from None
    os.close(fd)
    Path(probe).unlink(missing_ok=True)


@contextmanager
def outputs_or_nothing(folder: Path | str, what: str = "--out") -> Iterator[None]:
    """Write a command's outputs into ``folder``: all of them or, on any failure (Ctrl-C
    included), none.

    On failure, files that appeared directly in ``folder`` during the block are removed, then
    the folders the block created (a folder that existed keeps everything it held before); an
    ``OSError`` becomes a :class:`UserError` naming ``folder`` (:func:`writing`).
    """
    folder = Path(folder)
    created = []  # folders that do not exist yet, deepest first
    path = Path(os.path.abspath(folder))
    while not os.path.lexists(path) and path != path.parent:
        created.append(path)
        path = path.parent
    with writing(folder, what):
        before = set(folder.iterdir()) if folder.is_dir() else set()
    try:
        with writing(folder, what):
            yield
    except BaseException:
        try:
            new_files = [p for p in folder.iterdir() if p not in before] if folder.is_dir() else []
            for entry in new_files:
                if entry.is_file() and not entry.is_symlink():
                    entry.unlink(missing_ok=True)
        except OSError:
            pass  # nothing more can be cleaned; the error itself is what the user sees
        for new in created:
            try:
                new.rmdir()
            except OSError:
                break  # not empty (or gone): leave it and its parents
        raise


def run_main(prog: str, body: Callable[[Sequence[str] | None], int | None], argv=None) -> int:
    """Run a command's ``body(argv)`` and return its exit status.

    A :class:`UserError` prints one line and gives 2; Ctrl-C prints ``<prog>: interrupted`` and
    gives 130; an ``OSError`` that nothing turned into a user error prints one line naming the
    file and the reason, and gives 2. argparse's own exits (``--help``: 0, a bad option: 2,
    its line already printed) give their status. A closed stdout (piped into ``head``) ends
    the command quietly.
    """
    try:
        status = body(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(f"{prog}: error: {one_line(exc.code)}", file=sys.stderr, flush=True)
        return EXIT_USER_ERROR
    except UserError as exc:
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr, flush=True)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # stdout piped into e.g. head, which stopped reading: stop quietly
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prog}: error: {where}{reason(exc)}", file=sys.stderr, flush=True)
        return EXIT_USER_ERROR
    return status or 0
