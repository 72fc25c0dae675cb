"""One run from a config to a complete run folder: simulate, write tables, draw plots, and
write the manifest last."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from sim.files import atomic_write
from sim.runner.output import write_manifest, write_tables
from sim.runner.simulate import Prepared, prepare, replicate_seed, simulate

PRIORS_FILE = "priors.json"
"""With ``run.uncertainty=priors``: the priors and each replicate's drawn values."""


def spending_targets(prepared: Prepared) -> dict[str, float]:
    """Labelled spending targets (% of GDP) to mark on budget plots: treaty targets and the
    final targets of spending-target events."""
    from sim.world.events import SpendingTarget

    out: dict[str, float] = {}
    for t in prepared.world.treaties:
        if t.target_share > 0:
            out[f"{t.name} target {100 * t.target_share:g}%"] = 100 * t.target_share
    for e in prepared.events:
        if isinstance(e, SpendingTarget):
            label = f"{e.name}: {100 * e.target:g}%" + (f" by {e.by_year}" if e.by_year else "")
            out[label] = 100 * e.target
    return out


def progress(items, what: str):
    """A progress bar on stderr over ``items`` when stderr is a terminal and there is more than
    one item (off in logs, pipes and tests)."""
    if len(items) < 2:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=what, unit="run", leave=False, disable=None, dynamic_ncols=True)


def resolved_yaml(cfg) -> str:
    """The resolved config as written to ``config.yaml``."""
    return OmegaConf.to_yaml(cfg, resolve=True)


def same_run(old_yaml: str, cfg) -> bool:
    """Whether a folder's ``config.yaml`` is this config, ``run.resume`` aside."""
    old = OmegaConf.create(old_yaml)
    new = OmegaConf.create(resolved_yaml(cfg))
    for c in (old, new):
        if "run" in c and "resume" in c.run:
            del c.run["resume"]
    return OmegaConf.to_yaml(old) == OmegaConf.to_yaml(new)


def prepare_folder(cfg, folder: Path, resume: bool = False) -> str:
    """Get a run folder ready, or tell that its run is already done.

    - A complete folder (``manifest.json``) of the same config: ``"done"`` with ``resume``,
      otherwise a ``UserError`` (a folder never holds two runs).
    - A complete folder of another config: ``UserError``.
    - An incomplete folder (an interrupted run): the files a run writes are removed, by name
      (``sim.runner.folders.clear_run_outputs``: only in a folder the program owns; Hydra's
      ``.hydra``, its log and anything else stay) and the run starts again: ``"run"``.

    Raises:
        UserError: the folder holds a complete run that must not be overwritten.
    """
    from sim.errors import UserError
    from sim.runner.folders import clear_run_outputs
    from sim.runner.output import is_complete

    folder = Path(folder)
    if is_complete(folder):
        config = folder / "config.yaml"
        same = config.is_file() and same_run(config.read_text(encoding="utf-8"), cfg)
        if not same:
            raise UserError(
                f"{folder} already holds a complete run of a different config; choose a new "
                "folder (leave hydra.run.dir / hydra.sweep.dir at their defaults)"
            )
        if resume:
            return "done"
        raise UserError(
            f"{folder} already holds this complete run; add run.resume=true to skip finished "
            "runs, or leave hydra.run.dir / hydra.sweep.dir at their defaults for a new folder"
        )
    if folder.is_dir():
        clear_run_outputs(folder)
    return "run"


def check_finite(states: pd.DataFrame) -> None:
    """Every number of the state table is finite: a run that overflowed is not written.

    Raises:
        UserError: naming the first non-finite column, state and year.
    """
    import numpy as np

    from sim.errors import UserError

    numbers = states.select_dtypes("number")
    bad = ~np.isfinite(numbers.to_numpy(float))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        where = states.iloc[row]
        raise UserError(
            f"the run produced a non-finite {numbers.columns[col]} for {where.get('iso3', '?')} "
            f"in {where.get('year', '?')}: a setting lies far outside what the model is built "
            "for; see the ranges in docs/configuration.md"
        )


def write_priors(cfg, folder: Path, numbers: range) -> list[str]:
    """With ``run.uncertainty=priors``: write ``priors.json``, the priors, the design and the
    values each replicate used (``sim.runner.priors.record``); returns the names written."""
    import json

    from sim.runner.priors import record, required_priors, uses_priors

    if not uses_priors(cfg):
        return []
    text = json.dumps(record(required_priors(cfg), int(cfg.seed), numbers), indent=2)
    atomic_write(folder / PRIORS_FILE, lambda p: p.write_text(text, encoding="utf-8"))
    return [PRIORS_FILE]


def run_to_folder(cfg, folder: Path, prepared: Prepared | None = None) -> dict[str, pd.DataFrame]:
    """Run ``cfg.run.replicates`` replicates and write the run folder.

    With one replicate the tables are that run's; with several, each table gains a
    ``replicate`` column and the summary has one row per replicate. Plots show replicate 0.

    Returns:
        The tables written.
    """
    started = time.perf_counter()
    prepared = prepared or prepare(cfg)
    folder = Path(folder)
    replicates = int(cfg.run.replicates)
    numbers = range(int(cfg.run.first_replicate), int(cfg.run.first_replicate) + replicates)
    results = [simulate(cfg, r, prepared) for r in progress(numbers, "replicates")]
    for result in results:
        check_finite(result["states"])
    if replicates == 1:
        tables = results[0]
    else:
        tables = {}
        for name in results[0]:
            frames = []
            for r, res in zip(numbers, results, strict=True):
                frame = res[name]
                if "replicate" not in frame.columns:
                    frame = frame.assign(replicate=r)
                frames.append(frame)
            tables[name] = (
                pd.concat(frames, ignore_index=True) if name != "actors" else results[0][name]
            )
    atomic_write(folder / "config.yaml", lambda p: p.write_text(resolved_yaml(cfg)))
    files = ["config.yaml", *write_priors(cfg, folder, numbers)]
    files += write_tables(tables, folder, csv=cfg.run.csv)
    if cfg.run.plots:
        from sim.plots import draw_run_plots

        first = results[0]
        key_states = [c for c in cfg.run.key_states if c in prepared.world.iso3]
        if not key_states:  # a world of its own: its eight largest spenders
            order = prepared.world.spending.argsort()[::-1][:8]
            key_states = [prepared.world.iso3[k] for k in order]
        paths = draw_run_plots(
            first,
            folder / "plots",
            key_states=key_states,
            network_years=list(cfg.run.network_years) or None,
            spending_targets=spending_targets(prepared),
            title=f"{prepared.scenario} · seed {int(cfg.seed)}",
        )
        files += [str(Path(p).relative_to(folder)) for p in paths]
    write_manifest(
        folder,
        {
            "scenario": prepared.scenario,
            "world": prepared.world.name,
            "seed": int(cfg.seed),
            "replicates": replicates,
            "first_replicate": numbers.start,
            "replicate_seeds": [replicate_seed(int(cfg.seed), r) for r in numbers],
            **({"uncertainty": "priors"} if PRIORS_FILE in files else {}),
            "wall_time_s": round(time.perf_counter() - started, 3),
            "files": files,
        },
    )
    return tables
