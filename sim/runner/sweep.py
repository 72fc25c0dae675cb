"""Sweeps: the paired sweeper, the end-of-sweep table and plots, and reading result folders.

A sweep is Hydra's multirun (``alliance-sim -m a=1,2 b=x,y``); Hydra's launchers run its jobs
(basic, joblib, submitit, Ray) and this module adds what they do not:

- the paired sweeper (``hydra/sweeper=paired``, a Hydra plugin in
  ``hydra_plugins/alliance_sim_sweeper``) zips the swept lists instead of taking their
  Cartesian product; keys named in ``hydra.sweeper.cross`` are still crossed with the pairs
  (:func:`paired_jobs`).
- :class:`AggregateSweep`, a Hydra callback, writes at the end of a multirun one tidy table of
  all runs (``runs.parquet`` and ``runs.csv``: one row per job and replicate, each swept
  parameter a column), a summary with 95 % intervals (``summary.csv``), summary plots and
  ``sweep.json``, the sweep's manifest, written last.
- :func:`load_results` reads a run folder or a sweep folder back as that table, refusing a
  folder that is not a result or whose runs are incomplete (used by ``alliance-sim-compare``).
"""

from __future__ import annotations

import itertools
import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.experimental.callback import Callback

from sim.errors import UserError
from sim.runner.folders import shown

if TYPE_CHECKING:  # pandas is imported where it is used: the callback loads in every job
    import pandas as pd

SWEEP_MANIFEST = "sweep.json"
RUNS_TABLE = "runs"
JOBS_ENV = "ALLIANCE_SIM_JOBS"
"""Environment variable through which job processes learn the size of their sweep."""

NOT_PARAMETERS = frozenset({"run.resume"})
"""Overrides that say how to run, not what: left out of job matching and of the table."""

REPLICATION_KEYS = ("seed", "run.first_replicate")
"""Swept keys that replicate rather than vary the model: pooled, not plotted as parameters
(``run.first_replicate`` splits one set of replicates over jobs)."""


# --------------------------------------------------------------------------- sweepers


def _sweep_lists(overrides) -> OrderedDict[str, list[str]]:
    """Each override's ``key=value`` strings, in command-line order."""
    from hydra.errors import HydraException

    lists: OrderedDict[str, list[str]] = OrderedDict()
    for o in overrides:
        key = o.get_key_element()
        if o.is_sweep_override():
            if not o.is_discrete_sweep():
                raise HydraException(f"the paired sweeper needs a list of values for '{key}'")
            lists[key] = [f"{key}={v}" for v in o.sweep_string_iterator()]
        else:
            lists[key] = [f"{key}={o.get_value_element_as_str()}"]
    return lists


def paired_jobs(overrides, cross: list[str] | tuple[str, ...] = ()) -> list[list[str]]:
    """Job override lists of a paired sweep.

    Swept keys not in ``cross`` are zipped (they must have equal numbers of values); the
    resulting tuples are crossed with the values of the keys in ``cross``. Fixed overrides are
    added to every job.

    Raises:
        UserError: swept lists of different lengths, or a ``cross`` key that is not swept.
    """
    lists = _sweep_lists(overrides)
    swept = {k: v for k, v in lists.items() if len(v) > 1}
    unknown = [k for k in cross if k not in swept]
    if unknown:
        raise UserError(
            f"hydra.sweeper.cross names {', '.join(unknown)}, which the command line does not "
            "sweep; give it a list of values (key=a,b) or drop it from cross"
        )
    zipped = {k: v for k, v in swept.items() if k not in cross}
    lengths = {k: len(v) for k, v in zipped.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise UserError(
            f"a paired sweep zips its lists, which need equal lengths ({shown}); give each the "
            "same number of values, or cross a key with hydra.sweeper.cross=[KEY]"
        )
    n_pairs = next(iter(lengths.values()), 1)
    crossed = [swept[k] for k in cross]
    jobs = []
    for i in range(n_pairs):
        for combo in itertools.product(*crossed) if crossed else [()]:
            chosen = dict(zip(cross, combo, strict=True))
            job = []
            for key, values in lists.items():
                if key in zipped:
                    job.append(values[i])
                elif key in chosen:
                    job.append(chosen[key])
                else:
                    job.append(values[0])
            jobs.append(job)
    return jobs


def expected_jobs(task_overrides: list[str], sweeper: Any = None) -> list[list[str]]:
    """The override lists of the jobs a multirun will launch, as its sweeper will make them.

    Args:
        task_overrides: the command line's overrides of the task (not ``hydra.*``).
        sweeper: the ``hydra.sweeper`` config node (basic or paired); ``None`` means basic.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = dict((sweeper or {}).get("params") or {})
    parsed = OverridesParser.create().parse_overrides(
        [f"{k}={v}" for k, v in params.items()] + list(task_overrides)
    )
    target = str((sweeper or {}).get("_target_", ""))
    if target.endswith("PairedSweeper"):
        return paired_jobs(parsed, list((sweeper or {}).get("cross") or []))
    lists = _sweep_lists(parsed)
    return [list(x) for x in itertools.product(*lists.values())]


# --------------------------------------------------------------------------- result folders


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def job_overrides(folder: Path) -> list[str] | None:
    import yaml

    path = folder / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    return [str(x) for x in data] if isinstance(data, list) else None


def _value(text: str) -> Any:
    """An override's value as a number when it reads as one, else its text."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return value if is_number else text


def parse_override(text: str) -> tuple[str, Any]:
    """``"model.x=0.5"`` -> ``("model.x", 0.5)``; ``+``/``++`` prefixes dropped."""
    key, _, value = text.partition("=")
    return key.lstrip("+~"), _value(value)


def run_rows(folder: Path) -> pd.DataFrame:
    """The summary rows of one complete run folder (one per replicate)."""
    import pandas as pd

    summary = pd.read_parquet(folder / "summary.parquet")
    return summary.rename(columns={"seed": "replicate_seed"})


def override_keys(jobs: list[list[str]]) -> list[str]:
    """The keys the jobs override, in command-line order, without the run-only ones."""
    keys = dict.fromkeys(parse_override(t)[0] for job in jobs for t in job)
    return [k for k in keys if k not in NOT_PARAMETERS]


def job_table(folders: list[Path], overrides: list[list[str]]) -> pd.DataFrame:
    """One row per job and replicate; each override key a column (values typed)."""
    import pandas as pd

    frames = []
    keys = override_keys(overrides)
    for num, (folder, ov) in enumerate(zip(folders, overrides, strict=True)):
        rows = run_rows(folder)
        params = dict(parse_override(t) for t in ov)
        front = {"job": num, "folder": folder.name}
        for key in keys:
            front[f"param:{key}"] = params.get(key)
        frames.append(pd.concat([pd.DataFrame([front] * len(rows)), rows], axis=1))
    table = pd.concat(frames, ignore_index=True)
    # A key the summary already holds (e.g. scenario) keeps the summary's column, unless the
    # override says more: a composed scenario=[a,b] is named after its last file in the summary.
    for k in keys:
        p = f"param:{k}"
        if k in table.columns and p in table.columns:
            differs = table[p].notna() & (table[p].astype(str) != table[k].astype(str))
            table[k] = table[k].astype(object)
            table.loc[differs, k] = table.loc[differs, p].astype(str)
    table = table.drop(columns=[f"param:{k}" for k in keys if k in table.columns])
    return table.rename(columns={f"param:{k}": k for k in keys})


def swept_parameters(table, keys: list[str]) -> list[str]:
    """Override keys whose value varies across the table's jobs, replication keys excluded."""
    out = []
    for key in keys:
        if key in REPLICATION_KEYS or key not in table.columns:
            continue
        if table[key].astype(str).nunique() > 1:
            out.append(key)
    return out


def summarise(table, by: list[str], outcomes: list[str] | None = None) -> pd.DataFrame:
    """Per group of ``by``: n and, per outcome, the mean with its 95 % interval.

    Probabilities (0/1 outcomes) get Wilson intervals, other outcomes t intervals
    (``sim.stats.describe``): the Monte Carlo error of the mean. When the runs drew their
    parameters from the priors (``prior.*`` columns, ``run.uncertainty=priors``), each group
    also gets ``n_draws`` and ``seeds_per_draw`` and each outcome the spread over parameter
    draws, ``<outcome>_draws_p05`` and ``<outcome>_draws_p95`` (``sim.stats.draw_spread``:
    quantiles of the per-draw means with several seeds per draw, else of the per-run values;
    empty for a probability with one seed per draw, where the spread is not separable).
    """
    import pandas as pd

    from sim.outcomes import is_probability, reported, support
    from sim.runner.priors import draw_ids
    from sim.stats import describe, draw_spread

    outcomes = [o for o in outcomes or [x.name for x in reported(table.columns)] if o in table]
    ids = draw_ids(table)
    binary = {o: is_probability(o) for o in outcomes}  # looked up once, not once a group
    bounds = {o: support(o) for o in outcomes}
    groups = table.groupby(by, sort=False, dropna=False) if by else [((), table)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key, strict=True))
        row["n"] = len(part)
        for o in outcomes:
            values = part[o].astype(float)
            d = describe(values, binary=binary[o], support=bounds[o])
            row[o] = d["mean"]
            row[f"{o}_low"] = d["low"]
            row[f"{o}_high"] = d["high"]
            if ids is not None:
                spread = draw_spread(values, ids.loc[part.index], binary[o])
                row[f"{o}_draws_p05"] = spread["low"]
                row[f"{o}_draws_p95"] = spread["high"]
                row.setdefault("n_draws", spread["n_draws"])
                row.setdefault("seeds_per_draw", spread["seeds_per_draw"])
        rows.append(row)
    frame = pd.DataFrame(rows)
    if ids is not None:  # the draws' counts beside n
        front = [*by, "n", "n_draws", "seeds_per_draw"]
        frame = frame[[c for c in front if c in frame] + [c for c in frame if c not in front]]
    return frame


def format_uncertainty(summary, by: list[str], outcomes: list[str]) -> str:
    """The printed table of a sweep whose runs drew their parameters: per group and outcome,
    the mean with its Monte Carlo 95 % CI beside the spread over parameter draws (5-95 %)."""
    import pandas as pd

    from sim.outcomes import label
    from sim.runner.priors import MC_LABEL, NOT_SEPARABLE, SPREAD_LABEL, number, spread_basis

    outcomes = [o for o in outcomes if f"{o}_draws_p05" in summary]
    width = max([len(label(o)) for o in outcomes] + [7])
    head = f"mean [{MC_LABEL}]"
    lines = ["Uncertainty over judgement parameters (run.uncertainty=priors):"]
    separable = True
    for _, row in summary.iterrows():
        group = ", ".join(f"{k}={row[k]}" for k in by)
        seeds = int(row["seeds_per_draw"])
        if int(row["n_draws"]) == 0:
            lines.append(f"  {group + ': ' if group else ''}{int(row['n'])} runs, no draws")
            continue
        lines.append(
            f"  {group + ': ' if group else ''}{int(row['n'])} runs, {int(row['n_draws'])} "
            f"parameter draws; {spread_basis(seeds)}"
        )
        lines.append(f"    {'outcome':<{width}}  {head:<30}  {SPREAD_LABEL}")
        for o in outcomes:
            mc = f"{number(row[o])} [{number(row[f'{o}_low'])}, {number(row[f'{o}_high'])}]"
            lo, hi = row[f"{o}_draws_p05"], row[f"{o}_draws_p95"]
            spread = NOT_SEPARABLE if pd.isna(lo) else f"[{number(lo)}, {number(hi)}]"
            separable &= not pd.isna(lo)
            lines.append(f"    {label(o):<{width}}  {mc:<30}  {spread}")
    if not separable:
        from sim.runner.priors import SEPARABILITY_NOTE

        lines.append(SEPARABILITY_NOTE)
    return "\n".join(lines)


@dataclass
class Results:
    """Runs read back from a run or sweep folder."""

    folder: Path
    kind: str  # "run" or "sweep"
    runs: Any  # pandas.DataFrame, one row per run (job x replicate)
    params: list[str]  # swept parameters (sweeps), empty for a run folder
    configs: list[Path]  # resolved config of each job


def load_results(folder: Path | str) -> Results:
    """Read a run folder (``manifest.json``) or a sweep folder (``sweep.json``).

    Raises:
        UserError: the folder does not exist, is not a result folder, or holds incomplete runs.
    """
    import pandas as pd

    from sim.runner.output import MANIFEST, is_complete

    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder; give a run folder or a sweep folder")
    if (folder / SWEEP_MANIFEST).is_file():
        info = _read_json(folder / SWEEP_MANIFEST)
        if not info or not info.get("complete"):
            missing = ", ".join((info or {}).get("incomplete_jobs", [])[:5])
            raise UserError(
                f"{folder} is an incomplete sweep (unfinished jobs: {missing or 'unknown'}); "
                "finish it with the same command plus hydra.sweep.dir=... run.resume=true"
            )
        path = folder / f"{RUNS_TABLE}.parquet"
        if not path.is_file():
            raise UserError(f"{folder}: sweep.json is there but {path.name} is missing")
        runs = pd.read_parquet(path)
        configs = [folder / j / "config.yaml" for j in runs["folder"].unique()]
        return Results(folder, "sweep", runs, list(info.get("parameters", [])), configs)
    if (folder / MANIFEST).is_file() or (folder / "summary.parquet").is_file():
        if not is_complete(folder):
            raise UserError(
                f"{folder} is an incomplete run (no complete manifest.json): it was interrupted "
                "or failed; run it again"
            )
        return Results(folder, "run", run_rows(folder), [], [folder / "config.yaml"])
    jobs = [p for p in sorted(folder.iterdir()) if p.is_dir() and (p / ".hydra").is_dir()]
    if jobs:
        done = sum(is_complete(p) for p in jobs)
        raise UserError(
            f"{folder} is a sweep folder without its table ({done} of {len(jobs)} jobs "
            "complete): the sweep did not finish; rerun it with hydra.sweep.dir=... "
            "run.resume=true"
        )
    raise UserError(
        f"{folder} holds no results (no manifest.json or sweep.json); give a folder that "
        "alliance-sim wrote"
    )


# --------------------------------------------------------------------------- the callback


def job_identity(overrides: list[str]) -> tuple[str, ...]:
    """A job's overrides without those that do not change what it computes."""
    return tuple(o for o in overrides if parse_override(o)[0] not in NOT_PARAMETERS)


def _match_jobs(sweep_dir: Path, jobs: list[list[str]]) -> tuple[list[Path | None], list[str]]:
    """For each expected job, its folder in ``sweep_dir`` (matched by its overrides)."""
    by_overrides: dict[tuple[str, ...], Path] = {}
    for sub in sorted(p for p in sweep_dir.iterdir() if p.is_dir()):
        ov = job_overrides(sub)
        if ov is not None:
            by_overrides[job_identity(ov)] = sub
    found = [by_overrides.get(job_identity(j)) for j in jobs]
    return found, [" ".join(j) for j, f in zip(jobs, found, strict=True) if f is None]


def aggregate(sweep_dir: Path, jobs: list[list[str]], plots: bool = True) -> dict[str, Any]:
    """Write the sweep's table, summary, plots and manifest (last); return the manifest."""
    from sim.files import write_csv
    from sim.outcomes import reported
    from sim.runner.output import is_complete, write_manifest, write_table
    from sim.runner.priors import COLUMN, prior_columns

    sweep_dir = Path(sweep_dir)
    folders, missing = _match_jobs(sweep_dir, jobs)
    incomplete = [f.name for f in folders if f is not None and not is_complete(f)] + missing
    if incomplete:
        return _mark_incomplete(sweep_dir, len(jobs), incomplete, len(missing))
    info: dict[str, Any] = {"jobs": len(jobs), "complete": True}
    table = job_table([f for f in folders if f is not None], jobs)
    keys = override_keys(jobs)
    params = swept_parameters(table, keys)
    outcomes = [o.name for o in reported(table.columns)]
    files = write_table(table, sweep_dir, RUNS_TABLE)
    summary = summarise(table, params, outcomes)
    write_csv(summary, sweep_dir / "summary.csv")
    files.append("summary.csv")
    if plots and params:
        from sim.plots.sweep import draw_sweep_plots

        for path in draw_sweep_plots(table, params, outcomes, sweep_dir / "plots"):
            files.append(str(Path(path).relative_to(sweep_dir)))
    info.update(
        {
            "parameters": params,
            "overrides": keys,
            "runs": len(table),
            "outcomes": outcomes,
            "files": files,
        }
    )
    drawn = prior_columns(table)
    if drawn:
        info["priors"] = [c.removeprefix(COLUMN) for c in drawn]
    write_manifest(sweep_dir, info, name=SWEEP_MANIFEST)
    if drawn:  # printed at the end of the sweep, not part of the manifest
        info["uncertainty_report"] = format_uncertainty(summary, params, outcomes)
    return info


def _mark_incomplete(
    sweep_dir: Path, jobs: int, incomplete: list[str], without_folder: int = 0
) -> dict[str, Any]:
    """Write a ``sweep.json`` that says the sweep is incomplete, which jobs are missing, and
    how many of them left no folder at all here."""
    from sim.files import atomic_write

    info = {
        "jobs": jobs,
        "complete": False,
        "incomplete_jobs": incomplete,
        "jobs_without_folder": without_folder,
    }
    text = json.dumps(info, indent=2)
    atomic_write(sweep_dir / SWEEP_MANIFEST, lambda p: p.write_text(text, encoding="utf-8"))
    return info


def invalidate(sweep_dir: Path, jobs: int) -> None:
    """A sweep starting in a folder that holds an earlier sweep's table (a resume): mark the
    folder incomplete and remove the old table and the sweep's own plots first (figures the
    program drew, not through a link), so that no stale result sits beside the new one."""
    from sim.files import png_is_ours

    if not (sweep_dir / SWEEP_MANIFEST).exists():
        return
    _mark_incomplete(sweep_dir, jobs, ["(sweep running)"])
    for name in (f"{RUNS_TABLE}.parquet", f"{RUNS_TABLE}.csv", "summary.csv"):
        (sweep_dir / name).unlink(missing_ok=True)
    plots = sweep_dir / "plots"
    if plots.is_dir() and not plots.is_symlink():
        for png in plots.glob("*.png"):
            if png_is_ours(png):
                png.unlink()


class AggregateSweep(Callback):
    """Hydra callback: announce a sweep at its start; write its table and plots at its end."""

    def __init__(self, plots: bool = True) -> None:
        self.plots = plots
        self.jobs: list[list[str]] = []

    def on_multirun_start(self, config, **kwargs: Any) -> None:
        from omegaconf import OmegaConf

        task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
        self.jobs = expected_jobs(list(task), config.hydra.get("sweeper"))
        os.environ[JOBS_ENV] = str(len(self.jobs))
        invalidate(Path(str(config.hydra.sweep.dir)), len(self.jobs))
        replicates = int(config.run.replicates)
        print(
            f"Sweep: {len(self.jobs)} job{'s' if len(self.jobs) != 1 else ''} x {replicates} "
            f"replicate{'s' if replicates != 1 else ''} -> {shown(config.hydra.sweep.dir)}",
            flush=True,
        )

    def on_multirun_end(self, config, **kwargs: Any) -> None:
        sweep_dir = shown(Path(str(config.hydra.sweep.dir)))
        if not self.jobs or not sweep_dir.is_dir():
            return
        info = aggregate(sweep_dir, self.jobs, plots=self.plots)
        if info["complete"]:
            n_plots = sum("plots/" in f for f in info["files"])
            where = (
                f"{n_plots} in {sweep_dir / 'plots'}"
                if n_plots
                else "off"
                if not self.plots
                else "none (no parameter swept; seeds, if any, are replicates, pooled)"
            )
            print(
                f"Sweep complete: {info['runs']} run{'s' if info['runs'] != 1 else ''} in "
                f"{sweep_dir}/{RUNS_TABLE}.parquet (and .csv); summary.csv; plots: {where}",
                flush=True,
            )
            if info.get("uncertainty_report"):
                print(info["uncertainty_report"], flush=True)
        elif info.get("jobs_without_folder"):
            # Hydra reached the end of the sweep, so every job returned: those without a
            # folder here wrote theirs where this machine cannot see it.
            print(
                f"Sweep incomplete: {info['jobs_without_folder']} of {info['jobs']} jobs "
                f"finished but left no folder in {sweep_dir} as this machine sees it: they ran "
                "on machines that do not share this folder. Give hydra.sweep.dir on a file "
                "system every node mounts; no table written.",
                flush=True,
            )
        else:
            print(
                f"Sweep incomplete: {len(info['incomplete_jobs'])} of {info['jobs']} jobs did "
                f"not finish; no table written. Resume with hydra.sweep.dir={sweep_dir} "
                "run.resume=true",
                flush=True,
            )
