"""``alliance-sim-compare``: compare run folders, sweep folders or configs to run.

    alliance-sim-compare outputs/.../run_A outputs/.../run_B          # two run folders
    alliance-sim-compare multirun/.../sweep --by scenario              # a sweep, split by a key
    alliance-sim-compare --run scenario=baseline --run scenario=injection_1p5b --replicates 50

Each argument is an *arm*: a run folder (its replicates), a sweep folder (all its runs, or one
arm per value of ``--by``), or ``--run "OVERRIDES"`` (run here, ``--replicates`` seeds from
``SeedSequence(--seed)``). The command prints the configs' differences and, for each outcome,
each arm's mean with its 95 % interval and the difference from the first arm with its 95 %
interval and effect size (``sim.stats``: Wilson/Newcombe and Cohen's h for probabilities,
t/Welch and Cohen's d for the rest). It writes ``comparison.csv``, ``config_diff.csv``, a plot
and a manifest to ``--out`` (a new folder, or one without those files: nothing is
overwritten; the folder is checked before any run starts, and a comparison that fails half-way
leaves none of its files). Folders that are not results, hold unfinished runs or damaged
tables (unreadable Parquet, a sweep whose job folder lost its manifest) are refused with one
line (exit status 2); Ctrl-C gives one line and exit status 130.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.cli.args import OneLineParser, check_writable, outputs_or_nothing, run_main
from sim.errors import UserError
from sim.runner.priors import MC_LABEL, SPREAD_LABEL

PROG = "alliance-sim-compare"
OUTPUT_FILES = ("comparison.csv", "config_diff.csv", "comparison.png", "manifest.json")


@dataclass
class Arm:
    """One side of a comparison: a label, its runs and its config(s)."""

    label: str
    source: str
    runs: Any  # DataFrame, one row per run
    configs: list[dict[str, Any]]  # flattened resolved configs of its jobs


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """A nested config as ``{"a.b.c": value}`` (lists kept whole)."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: node}


def _damaged(exc: BaseException) -> str:
    """A library's reading error as one short phrase."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _load_config(path: Path) -> dict[str, Any]:
    import yaml
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if not path.is_file():
        raise UserError(f"{path.parent} has no config.yaml: it is not a complete run folder")
    try:
        config = OmegaConf.to_container(OmegaConf.load(path), resolve=False)
    except (OSError, ValueError, TypeError, yaml.YAMLError, OmegaConfBaseException) as exc:
        raise UserError(
            f"{path} cannot be read ({_damaged(exc)}): the folder is damaged; run it again"
        ) from None
    if not isinstance(config, dict):
        raise UserError(f"{path} is not a config (not a mapping): the folder is damaged")
    return flatten(config)


def load_checked(folder: str):
    """``load_results(folder)``, with damaged folders refused in one line.

    Beyond what ``load_results`` checks: its tables must be readable Parquet with runs in them
    and numeric outcome columns, and every job folder of a sweep must still hold its complete
    manifest.

    Raises:
        UserError: what is wrong with the folder.
    """
    import pandas as pd
    from pyarrow import ArrowException

    from sim.outcomes import reported
    from sim.runner.output import MANIFEST, is_complete
    from sim.runner.sweep import load_results

    try:
        res = load_results(folder)
    except UserError:
        raise
    except (OSError, ValueError, KeyError, IndexError, TypeError, ArrowException) as exc:
        raise UserError(
            f"{folder}: its results table cannot be read ({_damaged(exc)}): the folder is "
            "damaged; run it again"
        ) from None
    runs = res.runs
    table = "runs.parquet" if res.kind == "sweep" else "summary.parquet"
    if not isinstance(runs, pd.DataFrame) or runs.empty:
        raise UserError(f"{folder}: {table} holds no runs; run it again")
    if res.kind == "sweep":
        if "folder" not in runs.columns:
            raise UserError(f"{folder}: {table} has no folder column: the sweep is damaged")
        for job in runs["folder"].astype(str).unique():
            if not is_complete(res.folder / job):
                raise UserError(
                    f"{folder}: its job folder {job} has no complete {MANIFEST} (missing or "
                    "changed after the sweep finished): the sweep is damaged; run it again"
                )
    for outcome in (o.name for o in reported(runs.columns)):
        if outcome in runs.columns:
            try:
                runs[outcome] = pd.to_numeric(runs[outcome], errors="raise").astype(float)
            except (ValueError, TypeError):
                raise UserError(
                    f"{folder}: column {outcome} of {table} is not numeric: the folder is damaged"
                ) from None
    return res


def folder_arms(folder: str, by: str | None) -> list[Arm]:
    """Arms from a run or sweep folder (a sweep split by ``by`` when given)."""
    res = load_checked(folder)
    name = Path(folder).name
    if by is None or res.kind == "run":
        if by is not None and res.kind == "run":
            raise UserError(f"--by needs a sweep folder; {folder} is a single run folder")
        return [Arm(name, folder, res.runs, [_load_config(c) for c in res.configs])]
    from sim.runner.sweep import REPLICATION_KEYS

    if by in REPLICATION_KEYS:
        raise UserError(
            f"--by {by}: it makes replicates (seeds and replicate splits are pooled within "
            f"each arm of a sweep), not a parameter to split by; its swept parameters: "
            f"{', '.join(res.params) or 'none'}"
        )
    if by not in res.params:
        fixed = (
            f" (one value: {res.runs[by].iloc[0]})"
            if by in res.runs.columns and res.runs[by].astype(str).nunique() == 1
            else ""
        )
        raise UserError(
            f"--by {by}: the sweep in {folder} does not vary it{fixed}; its swept parameters: "
            f"{', '.join(res.params) or 'none'}"
        )
    if by not in res.runs.columns:
        raise UserError(f"--by {by}: {folder}/runs.parquet has no column {by}: it is damaged")
    arms = []
    for value, part in res.runs.groupby(by, sort=False):
        configs = [_load_config(res.folder / j / "config.yaml") for j in part["folder"].unique()]
        arms.append(Arm(f"{by}={value}", folder, part, configs))
    return arms


def run_arm(spec: str, replicates: int, seed: int) -> Arm:
    """Run ``replicates`` replicates of the config given by ``spec`` (overrides) here."""
    import pandas as pd
    from omegaconf import OmegaConf

    from sim.cli.preflight import compose_checked
    from sim.runner.run import progress
    from sim.runner.simulate import prepare, simulate

    overrides = shlex.split(spec)
    if any(o.startswith("hydra") for o in overrides):
        raise UserError(f"--run '{spec}': hydra settings have no place in a config to compare")
    for o in overrides:
        key = o.lstrip("+~").partition("=")[0]
        if key in ("seed", "run.replicates", "run.first_replicate"):
            raise UserError(
                f"--run '{spec}': {key} is set by the command (--seed, --replicates); drop it "
                "from --run"
            )
    cfg = compose_checked([*overrides, f"seed={seed}"])
    prepared = prepare(cfg)
    rows = [
        simulate(cfg, r, prepared)["summary"] for r in progress(range(replicates), "replicates")
    ]
    runs = pd.concat(rows, ignore_index=True).rename(columns={"seed": "replicate_seed"})
    config = flatten(OmegaConf.to_container(cfg, resolve=True))
    return Arm(spec or "(defaults)", f"--run {spec!r}", runs, [config])


def _absent_root(key: str, configs: list[dict[str, Any]]) -> str:
    """The shortest prefix of ``key`` that none of ``configs`` has (a whole missing section)."""
    parts = key.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if not any(k == prefix or k.startswith(prefix + ".") for c in configs for k in c):
            return prefix
    return key


def config_differences(arms: list[Arm]) -> list[tuple[str, list[str]]]:
    """Keys whose value differs between arms (or varies within one), with each arm's value.

    A section that some arms lack altogether (e.g. a scenario's event) is shown once, as
    ``(unset)`` against ``set (N keys)``.
    """
    keys = sorted(set().union(*(c.keys() for a in arms for c in a.configs)))
    rows: list[tuple[str, list[str]]] = []
    sections: dict[str, list[str]] = {}
    for key in keys:
        if key == "run.resume":
            continue
        missing = [c for a in arms for c in a.configs if key not in c]
        if missing:
            root = _absent_root(key, missing)
            if root != key:
                if root not in sections:
                    sections[root] = []
                    rows.append((root, []))
                sections[root].append(key)
                continue
        shown = []
        for arm in arms:
            values = {repr(c.get(key, "(unset)")) for c in arm.configs}
            shown.append(
                next(iter(values)) if len(values) == 1 else f"varies ({len(values)} values)"
            )
        if len(set(shown)) > 1 or any(s.startswith("varies") for s in shown):
            rows.append((key, [s.strip("'") for s in shown]))
    out = []
    for key, values in rows:
        if key in sections:
            members = sections[key]
            values = []
            for arm in arms:
                n = {sum(k in c for k in members) for c in arm.configs}
                values.append(
                    "(unset)" if n == {0} else f"set ({max(n)} keys)" if len(n) == 1 else "varies"
                )
        out.append((key, values))
    return out


def outcome_table(arms: list[Arm]):
    """Tidy table: per outcome and arm, n, mean, interval, and difference from the first arm."""
    import pandas as pd

    from sim.outcomes import is_probability, reported, support
    from sim.runner.priors import draw_ids
    from sim.stats import compare, describe, draw_spread

    ref = arms[0]
    ids = [draw_ids(a.runs) for a in arms]
    drew = any(i is not None for i in ids)
    rows = []
    for outcome in (o.name for o in reported(ref.runs.columns)):
        if not all(outcome in a.runs.columns for a in arms):
            continue
        binary = is_probability(outcome)
        ref_values = ref.runs[outcome].astype(float)
        for i, arm in enumerate(arms):
            values = arm.runs[outcome].astype(float)
            d = describe(values, binary=binary, support=support(outcome))
            row = {
                "outcome": outcome,
                "arm": arm.label,
                "source": arm.source,
                "n": d["n"],
                "mean": d["mean"],
                "low": d["low"],
                "high": d["high"],
            }
            if drew:  # the spread over parameter draws (run.uncertainty=priors)
                spread = (
                    draw_spread(values, ids[i], binary)
                    if ids[i] is not None
                    else {"low": math.nan, "high": math.nan, "n_draws": 0, "seeds_per_draw": 0}
                )
                row.update(
                    {
                        "draws_p05": spread["low"],
                        "draws_p95": spread["high"],
                        "n_draws": spread["n_draws"],
                        "seeds_per_draw": spread["seeds_per_draw"],
                    }
                )
            if i > 0:
                c = compare(ref_values, values, binary=binary)
                row.update(
                    {
                        "diff": c["diff"],
                        "diff_low": c["low"],
                        "diff_high": c["high"],
                        "effect": c["effect"],
                        "effect_kind": c["effect_kind"],
                    }
                )
            rows.append(row)
    return pd.DataFrame(rows)


def _num(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def spread_text(row) -> str:
    """An arm's spread over parameter draws, as printed under its mean."""
    from sim.runner.priors import NOT_SEPARABLE

    seeds = int(row["seeds_per_draw"])
    if math.isnan(row["draws_p05"]):
        return f"{SPREAD_LABEL}: {NOT_SEPARABLE} ({int(row['n_draws'])} draws)"
    basis = (
        f"of per-draw means, {seeds}+ seeds each"
        if seeds >= 2
        else "per run, one seed per draw: seed noise included"
    )
    return (
        f"{SPREAD_LABEL}: [{_num(row['draws_p05'])}, {_num(row['draws_p95'])}] over "
        f"{int(row['n_draws'])} draws ({basis})"
    )


def format_report(arms: list[Arm], diffs, table) -> str:
    """The text the command prints."""
    from sim.outcomes import label

    letters = [chr(ord("A") + i) for i in range(len(arms))]
    lines = ["Arms:"]
    for letter, arm in zip(letters, arms, strict=True):
        n = len(arm.runs)
        lines.append(f"  {letter}: {arm.label}  ({n} run{'s' if n != 1 else ''}; {arm.source})")
    lines.append("")
    if diffs:
        lines.append("Config differences:")
        width = max(len(k) for k, _ in diffs)
        for key, values in diffs:
            shown = "  ".join(f"{letter}={v}" for letter, v in zip(letters, values, strict=True))
            lines.append(f"  {key:<{width}}  {shown}")
    else:
        lines.append("Config differences: none (the arms differ only in their seeds)")
    lines.append("")
    drew = "draws_p05" in table.columns
    lines.append(
        (f"Outcomes: mean [{MC_LABEL}]" if drew else "Outcomes: mean [95% interval]")
        + "; difference from A [95% interval] and effect size (h: Cohen's h, d: Cohen's d)"
    )
    if drew:
        lines.append(
            "  arms whose runs drew their parameters (run.uncertainty=priors) also show the "
            f"{SPREAD_LABEL}"
        )
    for outcome, part in table.groupby("outcome", sort=False):
        lines.append(f"  {label(outcome)}")
        for letter, (_, row) in zip(letters, part.iterrows(), strict=True):
            text = (
                f"    {letter}: {_num(row['mean'])} [{_num(row['low'])}, {_num(row['high'])}]"
                f"  n={row['n']}"
            )
            if letter != "A":
                text += (
                    f"   {letter}-A: {_num(row['diff'])} [{_num(row['diff_low'])}, "
                    f"{_num(row['diff_high'])}]  {row['effect_kind']}={_num(row['effect'], 2)}"
                )
            lines.append(text)
            if drew and row["n_draws"] > 0:
                lines.append(f"       {spread_text(row)}")
    if drew and table["draws_p05"].isna().any() and (table["n_draws"] > 0).any():
        from sim.runner.priors import SEPARABILITY_NOTE

        lines.append(SEPARABILITY_NOTE)
    small = [a.label for a in arms if len(a.runs) < 2]
    if small:
        lines.append("")
        lines.append(
            f"Note: {', '.join(small)} {'has' if len(small) == 1 else 'have'} a single run, "
            "so intervals involving it are n/a; run replicates (run.replicates=R) for intervals."
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        description="Compare run folders, sweep folders or configs to run: config differences "
        "and outcomes with 95% intervals and effect sizes.",
    )
    parser.add_argument("folders", nargs="*", help="run or sweep folders written by alliance-sim")
    parser.add_argument(
        "--run",
        action="append",
        default=[],
        metavar="OVERRIDES",
        help='a config to run here, as overrides in quotes, e.g. --run "scenario=injection_1p5b"',
    )
    parser.add_argument("--replicates", type=int, default=30, help="seeds per --run (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the --run arms")
    parser.add_argument("--by", help="split each sweep folder into one arm per value of this key")
    parser.add_argument(
        "--out",
        type=Path,
        help="output folder (default outputs/compare/...): a new folder, or one without the "
        "comparison's files",
    )
    parser.add_argument("--no-plot", action="store_true", help="skip the comparison plot")
    return parser.parse_args(argv)


def output_folder(out: Path | None) -> Path:
    """The folder to write into, checked before any work: writable and holding none of the
    comparison's files (nothing is overwritten)."""
    import uuid
    from datetime import datetime

    if out is None:
        out = (
            Path("outputs")
            / "compare"
            / f"{datetime.now():%Y-%m-%d_%H-%M-%S}_{uuid.uuid4().hex[:6]}"
        )
    check_writable(out, "--out", folder=True)
    taken = [name for name in OUTPUT_FILES if (out / name).exists() or (out / name).is_symlink()]
    if taken:
        what = "a comparison" if "manifest.json" in taken else ", ".join(taken)
        raise UserError(f"--out {out} already holds {what}; give a new --out folder")
    return out


def _main(argv: list[str] | None) -> None:
    import logging
    import signal

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    if args.replicates < 1:
        raise UserError(f"--replicates must be at least 1 (got {args.replicates})")
    if args.seed < 0:
        raise UserError(f"--seed must be a non-negative integer (got {args.seed})")
    if len(args.folders) + len(args.run) == 0:
        raise UserError(
            "give at least two arms: run or sweep folders, --run configs, or one sweep "
            "folder with --by KEY"
        )
    out = output_folder(args.out)
    arms: list[Arm] = []
    for folder in args.folders:
        arms += folder_arms(folder, args.by)
    for spec in args.run:
        arms.append(run_arm(spec, args.replicates, args.seed))
    if len(arms) < 2:
        raise UserError(
            "give at least two arms: run or sweep folders, --run configs, or one sweep "
            "folder with --by KEY"
        )
    write(arms, args, out)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: exits with 0, 2 (a user error, one line) or 130 (Ctrl-C)."""
    sys.exit(run_main(PROG, _main, argv))


def write(arms: list[Arm], args: argparse.Namespace, out: Path) -> None:
    """Print the comparison and write its folder (manifest last): all its files or none."""
    import pandas as pd

    from sim.files import write_csv
    from sim.runner.output import write_manifest

    started = time.perf_counter()
    diffs = config_differences(arms)
    table = outcome_table(arms)
    if table.empty:
        raise UserError(
            "the arms have no outcome in common (their tables lack the summary columns): "
            "give folders that alliance-sim wrote"
        )
    print(format_report(arms, diffs, table))
    diff_frame = pd.DataFrame(
        [{"key": k, **{a.label: v for a, v in zip(arms, vals, strict=True)}} for k, vals in diffs]
    )
    files = ["comparison.csv", "config_diff.csv"]
    with outputs_or_nothing(out):
        write_csv(table, out / "comparison.csv")
        write_csv(diff_frame, out / "config_diff.csv")
        if not args.no_plot:
            from sim.plots.sweep import comparison_figure

            letters = [chr(ord("A") + i) for i in range(len(arms))]
            legend = "; ".join(
                f"{ltr}: {a.label} (n={len(a.runs)})" for ltr, a in zip(letters, arms, strict=True)
            )
            comparison_figure(table, letters, legend, out / "comparison.png")
            files.append("comparison.png")
        write_manifest(
            out,
            {
                "kind": "comparison",
                "arms": [{"label": a.label, "source": a.source, "runs": len(a.runs)} for a in arms],
                "replicates_per_run_arm": args.replicates if args.run else None,
                "seed": args.seed if args.run else None,
                "wall_time_s": round(time.perf_counter() - started, 3),
                "files": files,
            },
        )
    print(
        f"\nWritten: {out}/comparison.csv, config_diff.csv"
        + ("" if args.no_plot else ", comparison.png")
    )


if __name__ == "__main__":
    main()
