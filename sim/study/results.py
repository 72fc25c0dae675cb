"""A study's results folder: claimed before anything is written, tables written atomically with
safe CSV cells, the seeds and the resolved config beside them, figures through
:func:`sim.plots._common.save_figure`, and ``manifest.json`` written last (a folder holding it
is complete).

A folder is the program's (``sim.files.is_ours``) when it holds the marker or a manifest of
this package. A results folder written before studies kept a manifest (plain files that
matplotlib and pandas wrote, e.g. ``experiments/asian_nato_question/results``) is adopted only
if every file in it is one the study itself writes, by name: it then gets the marker, so the
figures there may be replaced. Any other folder with content is refused.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from sim.errors import UserError
from sim.files import MARKER, atomic_write, is_ours, write_csv

MANIFEST = "manifest.json"


def _mark(folder: Path, study: str) -> None:
    info = {
        "created_by": "alliance-sim",
        "kind": "study",
        "study": study,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "note": "Results of an alliance-sim study; the study may rewrite what it wrote here.",
    }
    text = json.dumps(info, indent=2)
    atomic_write(folder / MARKER, lambda p: p.write_text(text, encoding="utf-8"))


def claim(folder: Path, study: str, outputs: Iterable[str]) -> Path:
    """Make ``folder`` the study's results folder and return it.

    Args:
        folder: the results folder (created if absent).
        study: the study's name (recorded in the marker).
        outputs: the names of the files the study writes there (a legacy folder holding only
            these is adopted).

    Raises:
        UserError: the path is a file, or a folder holding files the study does not write.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"cannot use {folder} for results: it is a file")
    if folder.is_dir() and is_ours(folder):
        return folder
    known = {*outputs, MANIFEST}
    others = (
        sorted(e.name for e in folder.iterdir() if e.name not in known) if folder.is_dir() else []
    )
    if others:
        raise UserError(
            f"cannot use {folder} for results: it holds files the study {study} does not write "
            f"({', '.join(others[:3])}{' ...' if len(others) > 3 else ''}); nothing was touched"
        )
    folder.mkdir(parents=True, exist_ok=True)
    _mark(folder, study)
    return folder


def write_tables(folder: Path, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Write each table as ``<name>.csv`` (``sim.files.write_csv``), or, for a name ending in
    ``.parquet``, as Parquet only (``sim.runner.output.write_table``); returns the file names."""
    from sim.runner.output import write_table

    written = []
    for name, table in tables.items():
        if name.endswith(".parquet"):
            written += write_table(table, folder, name.removesuffix(".parquet"), csv=False)
        else:
            write_csv(table, folder / f"{name}.csv")
            written.append(f"{name}.csv")
    return written


def write_seeds(folder: Path, pairs: Iterable[tuple[int, int]]) -> None:
    """``seeds.csv``: the replicate seeds, one ``(replicate, seed)`` row each."""
    write_csv(pd.DataFrame(sorted(set(pairs)), columns=["replicate", "seed"]), folder / "seeds.csv")


def replicate_seeds(base_seed: int, replicates: int) -> list[tuple[int, int]]:
    """The ``(replicate, seed)`` pairs of ``SeedSequence(base_seed)``."""
    from sim.runner.simulate import replicate_seed

    return [(r, replicate_seed(int(base_seed), r)) for r in range(int(replicates))]


def write_config(folder: Path, sections: Iterable[tuple[str, object]]) -> None:
    """``config_resolved.yaml``: each ``(comment, config)`` as a ``# comment`` line and YAML."""
    text = "".join(f"# {comment}\n" + OmegaConf.to_yaml(cfg) for comment, cfg in sections)
    write_text(folder / "config_resolved.yaml", text)


def write_text(path: Path, text: str) -> None:
    """Write a text file (a report, a note) atomically."""
    atomic_write(Path(path), lambda p: p.write_text(text, encoding="utf-8"))


def save(fig, folder: Path, name: str) -> Path:
    """Save a figure as ``folder/name`` through :func:`sim.plots._common.save_figure` (a PNG
    carrying ``Software: alliance-sim``; a file of the user's there is never replaced)."""
    from sim.plots._common import save_figure

    return save_figure(fig, Path(folder) / name)


def write_manifest(folder: Path, study: str, quick: bool, info: Mapping[str, object]) -> None:
    """``manifest.json``, last: code version, libraries, command, and ``info``."""
    from sim.runner.output import write_manifest as write

    write(folder, {"experiment": study, "quick": quick, **info})


def note_rebuild(folder: Path) -> None:
    """After a report-only rebuild: the manifest still describes the run that made the tables;
    the rebuild is noted beside it (time and code version)."""
    from sim.runner.output import git_commit

    path = Path(folder) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["report_rebuilt"] = {
        "utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": git_commit(),
    }
    text = json.dumps(manifest, indent=2)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def blank_figure(width: float, height: float):
    """A figure on its own Agg canvas (no pyplot), laid out by the caller (``tight_layout``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig
