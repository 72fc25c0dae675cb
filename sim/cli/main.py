"""``alliance-sim``: run a scenario and write its run folder (tables, plots, manifest).

    alliance-sim                                  # the baseline
    alliance-sim scenario=injection_1p5b seed=7   # another scenario, another seed
    alliance-sim world=classroom5                 # the five-actor classroom world
    alliance-sim -m scenario=baseline,injection_1p5b seed=1,2,3   # a sweep

Bad input gets one line on stderr and exit status 2; nothing is written.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import hydra
from omegaconf import DictConfig

from sim.cli.args import EXIT_USER_ERROR
from sim.errors import UserError, printable
from sim.runner.config import config_dir, register_resolvers
from sim.runner.folders import shown
from sim.runner.sweep import JOBS_ENV
from sim.schema import register_configs

PREPARED: dict = {}
"""Worlds and events built by the preflight, reused by the run of the same config."""

# Launchers that run jobs in other processes (joblib, submitit, Ray) import this module there
# to unpickle ``task``: the resolvers must exist in those processes too.
register_resolvers()


def fail(message: str, folder: Path | None = None) -> None:
    """Print one line and exit 2, undoing what the failed run wrote into its folder (only
    what the program wrote: ``sim.runner.folders.remove_if_created``)."""
    from sim.runner.folders import remove_if_created

    if folder is not None:
        remove_if_created(folder)
    print(f"alliance-sim: error: {printable(message)}", file=sys.stderr)
    sys.exit(EXIT_USER_ERROR)


def _pct(value: float, suffix: str) -> str:
    import pandas as pd

    return "n/a" if pd.isna(value) else f"{value:+.0f}{suffix}"


def report(folder: Path, tables, plots: bool) -> None:
    """Tell the user what was written and the headline outcomes: of the run, or, with several
    replicates, over them (how many formed an Asian NATO; the means of the rest)."""
    folder = shown(folder)
    print(f"Run complete: {folder}")
    for line in headline(tables["summary"]):
        print(f"  {line}")
    where = (
        f"{len(list((folder / 'plots').glob('*.png')))} in {folder / 'plots'}" if plots else "off"
    )
    print(f"  tables: {folder}/*.parquet (and .csv); plots: {where}")


def headline(summary) -> list[str]:
    """The headline lines of a run's summary table (one row a replicate).

    Examples:
        >>> import pandas as pd
        >>> rows = pd.DataFrame({"scenario": "injection_1p5b", "world": "default",
        ...     "base_seed": 7, "horizon": 20, "asian_nato_formed": [True, False, True],
        ...     "asian_nato_year": [2040, None, 2038], "asian_nato_members": ["A", "", "B"],
        ...     "us_burden_share_start": 0.6, "us_burden_share_end": [0.6, 0.63, 0.66],
        ...     "china_budget_change_pct": [150.0, 160.0, 170.0]})
        >>> print(*headline(rows), sep="\\n")
        scenario injection_1p5b · world default · seed 7 · 20 years · 3 replicates
        Asian NATO formed: in 2 of 3 replicates (the earliest in 2038)
        US burden share of its formal alliances: 0.60 -> 0.63 (means of 3 replicates)
        China's defence spending: +160% (USD; mean of 3 replicates)
    """
    import pandas as pd

    s, n = summary.iloc[0], len(summary)
    years = int(s["horizon"])
    first = f"scenario {s['scenario']} · world {s['world']} · seed {s['base_seed']}"
    first += f" · {years} year{'s' if years != 1 else ''}"
    if n > 1:
        first += f" · {n} replicates"
    formed = summary["asian_nato_formed"].astype(bool)
    if n > 1 and formed.any():
        earliest = int(pd.to_numeric(summary["asian_nato_year"]).min())
        said = f"in {int(formed.sum())} of {n} replicates (the earliest in {earliest})"
    elif n > 1:
        said = f"no (0 of {n} replicates)"
    elif formed.iloc[0]:
        said = f"yes, in {s['asian_nato_year']} ({s['asian_nato_members']})"
    else:
        said = "no"
    lines = [first, f"Asian NATO formed: {said}"]
    shares = summary[["us_burden_share_start", "us_burden_share_end"]].dropna()
    if len(shares):  # the replicates that have both
        start, end = shares.mean()
        line = f"US burden share of its formal alliances: {start:.2f} -> {end:.2f}"
        lines.append(line + (f" (means of {len(shares)} replicates)" if n > 1 else ""))
    china = summary["china_budget_change_pct"].dropna()
    if len(china):
        of = f"; mean of {len(china)} replicates" if n > 1 else ""
        lines.append(f"China's defence spending: {_pct(china.mean(), '%')} (USD{of})")
    drawn = [c for c in summary.columns if str(c).startswith("prior.")]
    if drawn:
        lines.append(
            f"parameters: {len(drawn)} drawn from their priors in each replicate; the values are "
            "in priors.json and the summary's prior.* columns"
        )
    return lines


def job_label() -> str:
    """``[job 3/8]`` (the total when the launcher passed it on, else ``[job 3]``)."""
    from hydra.core.hydra_config import HydraConfig

    total = os.environ.get(JOBS_ENV)
    num = int(HydraConfig.get().job.num) + 1
    return f"[job {num}/{total}]" if total else f"[job {num}]"


def job_line(folder: Path, tables, seconds: float) -> str:
    """One line per sweep job: which job, its overrides, its headline outcomes, where."""
    import pandas as pd
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    which = job_label()
    overrides = " ".join(hc.overrides.task) or "(defaults)"
    s = tables["summary"]
    formed = int(s["asian_nato_formed"].astype(bool).sum())
    burden = s["us_burden_share_end"].astype(float).mean()
    burden_text = "" if pd.isna(burden) else f", US burden share {burden:.3f}"
    return (
        f"{which} {overrides}: {len(s)} run{'s' if len(s) != 1 else ''}, Asian NATO in "
        f"{formed}/{len(s)}{burden_text}, {seconds:.1f} s -> {shown(folder)}"
    )


def check_sweep_folder(job_folder: Path) -> None:
    """A sweep job's folder must lie in the folder its submitter created and marked (at any
    depth: ``hydra.sweep.subdir`` may nest); a job on another machine that cannot see it says
    so instead of writing where nobody looks.

    Raises:
        UserError: no folder above the job's is a sweep folder of the program's here.
    """
    import socket

    from sim.files import folder_kind

    if any(folder_kind(p) == "sweep" for p in Path(job_folder).absolute().parents):
        return
    raise UserError(
        f"the sweep folder of this job ({job_folder}) is not one its sweep created (not visible "
        f"from {socket.gethostname()}): when jobs run on other machines, give hydra.sweep.dir on "
        "a file system they all share"
    )


def task(cfg: DictConfig) -> None:
    """Hydra task: one job of a run or a sweep."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from sim.cli.preflight import config_key
    from sim.runner.folders import claim, lock
    from sim.runner.run import prepare_folder, run_to_folder

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    folder = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    started = time.perf_counter()
    try:
        if multirun:
            check_sweep_folder(folder)
        claim(folder, "run", allow_hydra=True)
        lock(folder)
        if prepare_folder(cfg, folder, resume=bool(cfg.run.resume)) == "done":
            what = job_label() if multirun else "Run"
            print(f"{what} already complete, skipped: {shown(folder)}", flush=True)
            return
        tables = run_to_folder(cfg, folder, PREPARED.get(config_key(cfg)))
    except UserError as exc:
        fail(str(exc), folder)
    except OSError as exc:  # an output that cannot be written: disk full, permissions, ...
        where = exc.filename or folder
        fail(f"cannot write {where}: {exc.strerror or exc}; give a writable folder", folder)
    except KeyboardInterrupt:
        where = "hydra.sweep.dir" if multirun else "hydra.run.dir"
        base = folder.parent if multirun else folder
        print(
            f"alliance-sim: interrupted; finished runs are kept. Resume with {where}={base} "
            "run.resume=true",
            file=sys.stderr,
        )
        sys.exit(130)
    if multirun:
        print(job_line(folder, tables, time.perf_counter() - started), flush=True)
    else:
        report(folder, tables, bool(cfg.run.plots))


HELP = """\
alliance-sim: an agent-based model of alliance formation (budgets, alignment, the 'Asian NATO'
question). Runs a scenario and writes a run folder (tables, plots, manifest); with -m, a sweep
(one folder per job, then runs.parquet, summary.csv and plots for the whole sweep).
See README.md, docs/outputs.md and docs/sweeps.md.

Usage: alliance-sim [-m] [KEY=VALUE ...]

== Config groups (group=option) ==
{groups}
== Sweeps (-m) ==
hydra/launcher: basic (default), joblib (local cores), submitit_local, submitit_slurm (SLURM),
                ray (a private local Ray), ray_cluster (a running Ray cluster: RAY_ADDRESS)
hydra/sweeper:  basic (Cartesian product, default), paired (zip the lists;
                hydra.sweeper.cross=[KEY] crosses KEY with the pairs)
run.replicates=R seeds per job (SeedSequence(seed).spawn); run.first_replicate=K splits them
run.resume=true with hydra.sweep.dir=FOLDER (or hydra.run.dir) skips what finished
run.uncertainty=priors: each replicate draws the judgement parameters of priors/ jointly

Examples:
  alliance-sim scenario=injection_1p5b seed=7
  alliance-sim world=classroom5 model.alignment.temperature_pct_gdp=0.1
  alliance-sim -m seed=1,2,3 scenario=baseline,injection_1p5b run.replicates=10
  alliance-sim -m hydra/launcher=joblib model.alignment.coercion_weight=0.5,1,2 run.replicates=50
  alliance-sim-compare multirun/FOLDER --by scenario
Every key: alliance-sim --cfg job.  Hydra's own options: alliance-sim --hydra-help
"""


def discard_unfinished(plan) -> None:
    """A run or sweep that failed leaves no folder of its own behind (only folders this
    process created and holds; a sweep keeps its folder once a job in it finished)."""
    from sim.runner.folders import remove_if_created, remove_sweep_if_unused

    if plan.folder is None:
        return
    if plan.multirun:
        remove_sweep_if_unused(plan.folder)
    else:
        remove_if_created(plan.folder)


def print_help() -> None:
    """``--help``: written here, not by Hydra, whose help composes every config group (seconds
    with the launcher plugins installed)."""
    import textwrap

    lines = []
    for group in ("world", "scenario", "model", "priors"):
        folder = config_dir() / group
        options = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        lines.append(
            textwrap.fill(
                ", ".join(options), 96, initial_indent=f"{group}: ", subsequent_indent="  "
            )
        )
    print(HELP.format(groups="\n".join(lines) + "\n"), end="")


def main() -> None:
    """Console entry point: check the command line, then hand it to Hydra."""
    import signal

    from sim.cli.preflight import check

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    if any(a in ("--help", "-h") for a in sys.argv[1:]):
        print_help()
        return

    from sim.cli.preflight import claim_output, with_folder

    register_configs()
    plan = None
    try:
        plan = check(sys.argv[1:])
        claim_output(plan)
    except UserError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        if plan is not None:
            discard_unfinished(plan)
        print("alliance-sim: interrupted before the run started", file=sys.stderr)
        sys.exit(130)
    PREPARED.update(plan.prepared)
    sys.argv = [sys.argv[0], *with_folder(sys.argv[1:], plan)]
    try:
        hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(task)()
    except SystemExit as exc:
        if exc.code not in (None, 0, 130):
            discard_unfinished(plan)
        raise
    except KeyboardInterrupt:
        print(f"alliance-sim: interrupted; {resume_hint(plan)}", file=sys.stderr)
        sys.exit(130)


def resume_hint(plan) -> str:
    """What to add to the interrupted command to resume it: the folder the plan resolved
    (``Plan.folder``, with its key), quoted for the shell.

    Examples:
        >>> from pathlib import Path
        >>> from sim.cli.preflight import Plan
        >>> hint = resume_hint(Plan(folder=Path("/tmp/my sweep"), key="hydra.sweep.dir"))
        >>> hint.split("plus ")[1]
        "'hydra.sweep.dir=/tmp/my sweep' run.resume=true"
    """
    import shlex

    if plan.folder is None:
        where = "hydra.sweep.dir=FOLDER (or hydra.run.dir=FOLDER)"
    else:
        where = shlex.quote(f"{plan.key}={plan.folder}")
    return f"finished runs are kept. Resume with the same command plus {where} run.resume=true"


if __name__ == "__main__":
    main()
