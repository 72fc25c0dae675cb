"""One run from a config to a complete run folder: simulate, write tables, draw plots, and
write the manifest last."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from sim.runner.output import atomic_write, write_manifest, write_tables
from sim.runner.simulate import Prepared, prepare, replicate_seed, simulate


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
    results = [simulate(cfg, r, prepared) for r in range(replicates)]
    if replicates == 1:
        tables = results[0]
    else:
        tables = {}
        for name in results[0]:
            frames = []
            for r, res in enumerate(results):
                frame = res[name]
                if "replicate" not in frame.columns:
                    frame = frame.assign(replicate=r)
                frames.append(frame)
            tables[name] = (
                pd.concat(frames, ignore_index=True) if name != "actors" else results[0][name]
            )
    atomic_write(
        folder / "config.yaml", lambda p: p.write_text(OmegaConf.to_yaml(cfg, resolve=True))
    )
    files = ["config.yaml", *write_tables(tables, folder, csv=cfg.run.csv)]
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
            "replicate_seeds": [replicate_seed(int(cfg.seed), r) for r in range(replicates)],
            "wall_time_s": round(time.perf_counter() - started, 3),
            "files": files,
        },
    )
    return tables
