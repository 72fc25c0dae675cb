"""Global sensitivity analysis: which judgement parameters move the key outcomes?

    .venv/bin/python experiments/sensitivity/run.py            # everything (~10 min of CPU)
    .venv/bin/python experiments/sensitivity/run.py --quick    # smoke test, a few seconds

Two stages, both read from ``config.yaml`` beside this file (parameters, ranges and why):
1. Morris elementary effects (SALib) screen every judgement parameter: mu* (mean absolute effect)
   and sigma (its spread: interactions or non-linearity), with bootstrap intervals;
2. Sobol indices (SALib, Saltelli sampling): first-order S1 and total ST with bootstrap
   intervals, for the parameters the screen ranks highest (the others stay at their defaults).
Outcomes per parameter point, over the same replicate seeds: the probability that an Asian NATO
forms within the horizon (share of seeds), the US burden share in the last year, and the change
of China's defence share of GDP (points). It writes ``results/`` (designs, per-run and per-point
tables, indices, figures, the resolved config, seeds and code version) and ``report.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

HERE = Path(__file__).resolve().parent
OUTCOMES = {
    "p_asian_nato": "P(Asian NATO within the horizon)",
    "us_burden_share_end": "US burden share, last year",
    "chn_share_change_pp": "China: change of defence share (points of GDP)",
}


# --- the problem and the SALib wiring ---------------------------------------------------------
def problem(cfg, names: list[str] | None = None) -> dict:
    """SALib problem for the configured parameters (all, or ``names`` in config order)."""
    params = cfg.parameters
    chosen = [k for k in params if names is None or k in names]
    return {
        "num_vars": len(chosen),
        "names": chosen,
        "bounds": [[float(params[k].bounds[0]), float(params[k].bounds[1])] for k in chosen],
    }


def check_problem(prob: dict, defaults: dict[str, float] | None = None) -> None:
    """Raise ValueError unless names are unique and each range is non-empty (and holds the
    default, when given)."""
    names = prob["names"]
    if len(set(names)) != len(names) or len(names) != prob["num_vars"]:
        raise ValueError("parameter names must be unique and match num_vars")
    for name, (lo, hi) in zip(names, prob["bounds"], strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"{name}: bounds [{lo}, {hi}] are not an interval")
        if defaults is not None and not lo <= defaults[name] <= hi:
            raise ValueError(f"{name}: default {defaults[name]} lies outside [{lo}, {hi}]")


def morris_design(prob: dict, trajectories: int, levels: int, seed: int) -> np.ndarray:
    """Morris trajectories, (trajectories * (k + 1), k)."""
    from SALib.sample import morris

    return morris.sample(prob, trajectories, num_levels=levels, seed=seed)


def morris_indices(prob: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int):
    """mu, mu*, sigma and the 95 % bootstrap half-width of mu*, one row per parameter."""
    from SALib.analyze import morris

    res = morris.analyze(
        prob, x, y, num_levels=levels, num_resamples=1000, conf_level=0.95, seed=seed
    )
    return pd.DataFrame(
        {
            "parameter": prob["names"],
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "sigma": res["sigma"],
            "mu_star_conf": res["mu_star_conf"],
        }
    )


def sobol_design(prob: dict, n: int, seed: int) -> np.ndarray:
    """Saltelli's extension of a scrambled Sobol sequence, (n * (k + 2), k); first order and
    total indices only."""
    from SALib.sample import sobol

    return sobol.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)


def sobol_indices(prob: dict, y: np.ndarray, seed: int) -> pd.DataFrame:
    """S1, ST and their 95 % bootstrap half-widths, one row per parameter (NaN if y is
    constant: no variance to share out)."""
    from SALib.analyze import sobol

    names = prob["names"]
    if np.nanvar(y) == 0:
        nan = np.full(len(names), np.nan)
        return pd.DataFrame(
            {"parameter": names, "S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        )
    res = sobol.analyze(
        prob, y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=seed
    )
    return pd.DataFrame(
        {
            "parameter": names,
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def top_parameters(morris_table: pd.DataFrame, names: list[str], k: int) -> list[str]:
    """The ``k`` parameters with the largest mu* relative to the largest of their outcome, on
    any outcome (ties in config order); returned in config order."""
    score = pd.Series(0.0, index=names)
    for _, group in morris_table.groupby("outcome", sort=False):
        top = group["mu_star"].max()
        if top > 0:
            score = np.maximum(score, group.set_index("parameter")["mu_star"] / top)
    order = sorted(names, key=lambda p: (-score[p], names.index(p)))
    chosen = set(order[:k])
    return [p for p in names if p in chosen]


# --- running the model ------------------------------------------------------------------------
_base: dict[tuple[str, ...], object] = {}


def run_point(task: tuple) -> list[dict]:
    """Run one parameter point over its replicate seeds; one row per run."""
    from sim.runner.config import compose
    from sim.runner.simulate import prepare, simulate

    stage, index, values, common, base_seed, seeds = task
    if common not in _base:
        _base[common] = compose([*common, f"seed={base_seed}"])
    cfg = _base[common].copy()
    for key, value in values:
        OmegaConf.update(cfg, key, float(value), merge=False)
    prepared = prepare(cfg)
    rows = []
    for r in range(seeds):
        s = simulate(cfg, r, prepared)["summary"].iloc[0]  # seeded from cfg.seed = base_seed
        seed = int(s["seed"])
        rows.append(
            {
                "stage": stage,
                "point": index,
                "replicate": r,
                "seed": seed,
                "asian_nato": bool(s["asian_nato_formed"]),
                "us_burden_share_end": float(s["us_burden_share_end"]),
                "chn_share_change_pp": float(s["china_share_change_pp"]),
            }
        )
    return rows


def evaluate(stage: str, prob: dict, x: np.ndarray, cfg, seeds: int, workers: int):
    """Run every row of a design; returns (per-run table, per-point outcome table)."""
    common = tuple(cfg.common)
    tasks = [
        (
            stage,
            i,
            tuple(zip(prob["names"], map(float, row), strict=True)),
            common,
            int(cfg.base_seed),
            seeds,
        )
        for i, row in enumerate(x)
    ]
    started = time.time()
    rows: list[dict] = []
    if workers <= 1:
        results = map(run_point, tasks)
        pool = None
    else:
        pool = multiprocessing.get_context("spawn").Pool(workers)
        results = pool.imap_unordered(run_point, tasks, chunksize=4)
    try:
        for k, point_rows in enumerate(results, 1):
            rows.extend(point_rows)
            if k % 50 == 0 or k == len(tasks):
                rate = k * seeds / (time.time() - started)
                print(f"  {stage}: {k}/{len(tasks)} points, {rate:.1f} runs/s", file=sys.stderr)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    runs = pd.DataFrame(rows).sort_values(["point", "replicate"], ignore_index=True)
    per_point = runs.groupby("point").agg(
        p_asian_nato=("asian_nato", "mean"),
        us_burden_share_end=("us_burden_share_end", "mean"),
        chn_share_change_pp=("chn_share_change_pp", "mean"),
    )
    design = pd.DataFrame(x, columns=prob["names"])
    design.index.name = "point"
    return runs, design.join(per_point).reset_index()


# --- figures ----------------------------------------------------------------------------------
def short(name: str) -> str:
    """Parameter label for plots: the last part of the key (with its group for world keys)."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if parts[0] == "world" else parts[-1]


def figure_morris(table: pd.DataFrame, path: Path) -> None:
    """mu* against sigma per outcome, mu* intervals as bars; parameters numbered (key below)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(dict.fromkeys(table["parameter"]))
    number = {p: k + 1 for k, p in enumerate(names)}
    fig = Figure(figsize=(16, 6.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(OUTCOMES))
    for ax, (key, title) in zip(axes, OUTCOMES.items(), strict=True):
        t = table[table["outcome"] == key]
        ax.errorbar(t["mu_star"], t["sigma"], xerr=t["mu_star_conf"], fmt="o", capsize=3)
        top = t["mu_star"].max()
        # one label per position: parameters with the same effects share it
        spots: dict[tuple[float, float], list[str]] = {}
        for _, r in t.iterrows():
            if top > 0 and r["mu_star"] >= 0.05 * top:
                spot = (round(r["mu_star"] / top, 3), round(r["sigma"] / top, 3))
                spots.setdefault(spot, []).append(str(number[r["parameter"]]))
        for (x, y), labels in sorted(spots.items()):
            ax.annotate(
                ",".join(labels),
                (x * top, y * top),
                fontsize=9,
                fontweight="bold",
                xytext=(3, 4),
                textcoords="offset points",
            )
        lim = max(t["mu_star"].max() + t["mu_star_conf"].max(), t["sigma"].max(), 1e-12) * 1.1
        ax.plot([0, lim], [0, lim], color="0.6", ls="--", lw=0.8, label="sigma = mu*")
        ax.set_xlim(-0.03 * lim, lim * 1.1)
        ax.set_ylim(-0.03 * lim, lim * 1.1)
        ax.set_xlabel("mu* (mean |elementary effect|)")
        ax.set_ylabel("sigma (spread of effects)")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    key_text = "   ".join(f"{number[p]} {short(p)}" for p in names)
    fig.text(0.5, 0.015, key_text, ha="center", fontsize=8.5, wrap=True)
    fig.suptitle(
        "Morris screening: parameters far right matter; above the line they interact "
        "(labels < 5 % of the largest mu* omitted)"
    )
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=150)


def figure_sobol(table: pd.DataFrame, path: Path) -> None:
    """S1 and ST bars with 95 % bootstrap intervals, one panel per outcome."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(16, 5.2))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(OUTCOMES), sharey=True)
    for ax, (key, title) in zip(axes, OUTCOMES.items(), strict=True):
        t = table[table["outcome"] == key].reset_index(drop=True)
        y = np.arange(len(t))
        if t["S1"].isna().all():
            ax.text(
                0.5,
                0.5,
                "outcome constant:\nno variance to share out",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="0.3",
            )
        ax.barh(
            y - 0.2,
            t["S1"],
            height=0.38,
            xerr=t["S1_conf"],
            capsize=3,
            label="S1 (first order)",
            color="tab:blue",
        )
        ax.barh(
            y + 0.2,
            t["ST"],
            height=0.38,
            xerr=t["ST_conf"],
            capsize=3,
            label="ST (total)",
            color="tab:orange",
        )
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlim(-0.2, 1.2)  # indices lie in 0..1; wider intervals run off the axis
        ax.set_yticks(y)
        ax.set_yticklabels([short(p) for p in t["parameter"]], fontsize=8)
        ax.set_xlabel("share of output variance")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3, axis="x")
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9)
    fig.suptitle(
        "Sobol indices with 95 % bootstrap intervals (parameters kept after screening; "
        "intervals wider than the axis are cut)"
    )
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=150)


# --- report -----------------------------------------------------------------------------------
def ranking(table: pd.DataFrame, column: str, outcome: str, n: int = 3) -> str:
    t = table[table["outcome"] == outcome].sort_values(column, ascending=False).head(n)
    return ", ".join(f"`{r['parameter']}` ({r[column]:.3g})" for _, r in t.iterrows())


def report(cfg, morris_t, sobol_t, kept, stats, elapsed, quick) -> str:
    """The Markdown report."""
    n_morris, n_sobol = stats["morris_runs"], stats["sobol_runs"]
    lines = [
        "# Global sensitivity analysis of the key outcomes",
        "",
        "*Generated by `experiments/sensitivity/run.py`"
        + (" in quick mode (too few runs to cite)" if quick else "")
        + f" from `config.yaml` ({n_morris + n_sobol} runs, {elapsed / 60:.0f} min). "
        "Do not edit by hand.*",
        "",
        "## What was done",
        "",
        f"Every run is the Asian NATO experiment's offer at USD "
        f"{stats['dose']:g} bn a year (`{' '.join(cfg.common)}`), a dose where the outcome is "
        "not degenerate (`experiments/asian_nato_question/report.md`: probability 0.01 at USD 30 "
        "bn, 0.96 at 50 bn). Each parameter point runs over the same replicate seeds of "
        f"`SeedSequence({cfg.base_seed})`, and its outcomes are the share of seeds in which an "
        "Asian NATO formed within the horizon, and the means of the US burden share in the last "
        "year and of the change in China's defence share of GDP (points; the change in USD is "
        "mostly the configured GDP growth).",
        "",
        f"1. **Morris screening** of all {len(cfg.parameters)} judgement parameters: "
        f"{cfg.morris.trajectories} trajectories on {cfg.morris.levels} levels, "
        f"{stats['morris_points']} points x {cfg.morris.seeds} seeds = {n_morris} runs.",
        f"2. **Sobol indices** of the {len(kept)} parameters that the screen ranks highest on any "
        f"outcome (mu* relative to the outcome's largest): base sample {cfg.sobol.n}, "
        f"{stats['sobol_points']} points x {cfg.sobol.seeds} seeds = {n_sobol} runs. The other "
        "parameters stay at their defaults.",
        "",
        "## Results",
        "",
    ]
    for key, title in OUTCOMES.items():
        lines.append(
            f"- **{title}**: Morris mu* ranks {ranking(morris_t, 'mu_star', key)}; "
            + (
                f"Sobol total index ranks {ranking(sobol_t, 'ST', key)}."
                if not sobol_t[sobol_t["outcome"] == key]["ST"].isna().all()
                else "constant over the Sobol sample (no indices)."
            )
        )
    lines += [
        "",
        f"Across the Sobol sample, an Asian NATO formed in {stats['p_sobol']:.2f} of the runs "
        f"(and in {stats['p_morris']:.2f} over the Morris design).",
        "",
        "![Morris mu* against sigma](results/morris.png)",
        "",
        "![Sobol indices](results/sobol.png)",
        "",
        "### Morris (all parameters)",
        "",
        "| parameter | " + " | ".join(f"{k}: mu* [+-95 %], sigma" for k in OUTCOMES) + " |",
        "|---|" + "---|" * len(OUTCOMES),
    ]
    for p in cfg.parameters:
        cells = []
        for k in OUTCOMES:
            r = morris_t[(morris_t["outcome"] == k) & (morris_t["parameter"] == p)].iloc[0]
            cells.append(f"{r['mu_star']:.3g} [+-{r['mu_star_conf']:.2g}], {r['sigma']:.3g}")
        lines.append(f"| `{p}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### Sobol (parameters kept after screening)",
        "",
        "| parameter | " + " | ".join(f"{k}: S1, ST" for k in OUTCOMES) + " |",
        "|---|" + "---|" * len(OUTCOMES),
    ]
    for p in kept:
        cells = []
        for k in OUTCOMES:
            r = sobol_t[(sobol_t["outcome"] == k) & (sobol_t["parameter"] == p)].iloc[0]
            cells.append(
                "n/a"
                if math.isnan(r["S1"])
                else f"{r['S1']:.2f} +-{r['S1_conf']:.2f}, {r['ST']:.2f} +-{r['ST_conf']:.2f}"
            )
        lines.append(f"| `{p}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Ranges and why",
        "",
        "| parameter | default | range | why |",
        "|---|---:|---|---|",
    ]
    for p, spec in cfg.parameters.items():
        lo, hi = spec.bounds
        lines.append(f"| `{p}` | {spec.default:g} | {lo:g} to {hi:g} | {spec.why} |")
    lines += [
        "",
        "## How to read this, and what it assumes",
        "",
        "- mu* is the mean absolute change of an outcome when one parameter moves across its range "
        "by one grid step (in the outcome's units, per step of 1/(levels-1) of the range); sigma "
        "large against mu* means the effect depends on the other parameters (interactions or a "
        "threshold). Intervals are bootstrap 95 % half-widths.",
        "- S1 is the share of the outcome's variance over the sampled box that one parameter "
        "explains alone, ST the share it takes part in, interactions included. ST well above S1 "
        "means interactions. Indices are for the ranges in the table: other ranges give other "
        "indices.",
        "- The model is stochastic: each point's outcome is a mean over only "
        f"{cfg.sobol.seeds} (Sobol) or {cfg.morris.seeds} (Morris) seeds. Seed noise is variance "
        "that no parameter explains; it lowers S1 and ST alike, and the probability of an Asian "
        "NATO per point is coarse (steps of 1/seeds). Common seeds across points keep it small "
        "for differences.",
        "- `model.alignment.coercion_weight` and `world.coercion_propensity.CHN` enter the "
        "coercion cost as a product (`docs/ODD.md` 7.7), so for China's coercion they are one "
        "lever; the screen ranks them alike and Sobol carries only one of them.",
        "- The budget parameter `model.budget.private_benefit_share` sets how strongly budgets "
        "respond to threat (the calibrated security share of the marginal value is 1 minus it); "
        "the budget outcomes hang on it, the alliance outcome hardly at all.",
        "- Sobol indices with a base sample this small have wide intervals; read the ranking, not "
        "the second digit. A negative S1 within its interval of 0 is 0.",
        "- Everything is reproducible: `results/morris_design.csv` and `results/sobol_design.csv` "
        "hold every point, `results/runs.parquet` every run with its seed, `results/seeds.csv` "
        "the replicate seeds, `results/config_resolved.yaml` the base config and "
        "`results/manifest.json` the code version.",
    ]
    return "\n".join(lines) + "\n"


def fail(message: str) -> None:
    """One line on stderr and exit status 2, like the project's commands."""
    print(f"sensitivity: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny designs (smoke test)")
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="recompute indices, figures and report from results/ without running the model",
    )
    args = parser.parse_args(argv)
    try:
        import SALib  # noqa: F401
    except ModuleNotFoundError:
        fail(
            "SALib is not installed; run scripts/bootstrap.sh validation (or make test, which "
            "installs every extra)"
        )
    cfg = OmegaConf.load(HERE / "config.yaml")
    if args.quick:
        cfg.common = [
            *[c for c in cfg.common if not c.startswith("model.horizon")],
            "model.horizon=5",
        ]
        cfg.parameters = {k: v for k, v in list(cfg.parameters.items())[:4]}
        cfg.morris.trajectories, cfg.morris.seeds = 2, 1
        cfg.sobol.n, cfg.sobol.seeds, cfg.sobol.top_k = 4, 1, 2
    workers = args.workers if args.workers is not None else (1 if args.quick else int(cfg.workers))
    results = args.out / "results"
    results.mkdir(parents=True, exist_ok=True)
    started = time.time()

    full = problem(cfg)
    defaults = {k: float(v.default) for k, v in cfg.parameters.items()}
    check_problem(full, defaults)
    x_m = morris_design(
        full, int(cfg.morris.trajectories), int(cfg.morris.levels), int(cfg.morris.sample_seed)
    )
    if args.report_only:
        if not (results / "runs.parquet").is_file():
            fail(f"{results} holds no runs.parquet: run without --report-only first")
        runs = pd.read_parquet(results / "runs.parquet")
        runs_m, runs_s = (
            runs[runs["stage"] == s].reset_index(drop=True) for s in ("morris", "sobol")
        )
        points_m = pd.read_csv(results / "morris_design.csv")
        design = points_m.reindex(columns=full["names"]).to_numpy(float)
        if design.shape != x_m.shape or not np.allclose(design, x_m):
            fail(
                f"{results} was made with another design (a --quick run, or another "
                "config.yaml): give the same options, or run without --report-only"
            )
        elapsed = float((results / "elapsed_s.txt").read_text())
    else:
        runs_m, points_m = evaluate("morris", full, x_m, cfg, int(cfg.morris.seeds), workers)
    morris_t = pd.concat(
        [
            morris_indices(
                full,
                x_m,
                points_m[k].to_numpy(float),
                int(cfg.morris.levels),
                int(cfg.morris.sample_seed),
            ).assign(outcome=k)
            for k in OUTCOMES
        ],
        ignore_index=True,
    )
    kept = top_parameters(morris_t, full["names"], int(cfg.sobol.top_k))
    sub = problem(cfg, kept)
    x_s = sobol_design(sub, int(cfg.sobol.n), int(cfg.sobol.sample_seed))
    if args.report_only:
        points_s = pd.read_csv(results / "sobol_design.csv")
    else:
        runs_s, points_s = evaluate("sobol", sub, x_s, cfg, int(cfg.sobol.seeds), workers)
        elapsed = time.time() - started
    sobol_t = pd.concat(
        [
            sobol_indices(sub, points_s[k].to_numpy(float), int(cfg.sobol.sample_seed)).assign(
                outcome=k
            )
            for k in OUTCOMES
        ],
        ignore_index=True,
    )

    runs = pd.concat([runs_m, runs_s], ignore_index=True)
    runs.to_parquet(results / "runs.parquet", index=False)
    points_m.to_csv(results / "morris_design.csv", index=False)
    points_s.to_csv(results / "sobol_design.csv", index=False)
    morris_t.to_csv(results / "morris.csv", index=False)
    sobol_t.to_csv(results / "sobol.csv", index=False)
    seeds = sorted(set(zip(runs["replicate"], runs["seed"], strict=True)))
    pd.DataFrame(seeds, columns=["replicate", "seed"]).to_csv(results / "seeds.csv", index=False)
    figure_morris(morris_t, results / "morris.png")
    figure_sobol(sobol_t, results / "sobol.png")

    from sim.files import atomic_write
    from sim.runner.config import compose
    from sim.runner.output import write_manifest

    base = compose([*cfg.common, f"seed={cfg.base_seed}"])
    (results / "config_resolved.yaml").write_text(
        "# base config of every run (parameters then set per point)\n"
        + OmegaConf.to_yaml(base)
        + "# experiment config as run\n"
        + OmegaConf.to_yaml(cfg),
        encoding="utf-8",
    )
    (results / "elapsed_s.txt").write_text(f"{elapsed:.0f}\n")
    dose = float(base.scenario.events.us_indo_pacific_injection.amount_usd_bn)
    stats = {
        "dose": dose,
        "morris_runs": len(runs_m),
        "sobol_runs": len(runs_s),
        "morris_points": len(points_m),
        "sobol_points": len(points_s),
        "p_morris": float(runs_m["asian_nato"].mean()),
        "p_sobol": float(runs_s["asian_nato"].mean()),
    }
    (args.out / "report.md").write_text(
        report(cfg, morris_t, sobol_t, kept, stats, elapsed, args.quick), encoding="utf-8"
    )
    if args.report_only and (results / "manifest.json").is_file():
        # the manifest describes the run that made the tables; note the rebuild beside it
        from datetime import UTC, datetime

        from sim.runner.output import git_commit

        manifest = json.loads((results / "manifest.json").read_text(encoding="utf-8"))
        manifest["report_rebuilt"] = {
            "utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "code": git_commit(),
        }
        text = json.dumps(manifest, indent=2)
        atomic_write(results / "manifest.json", lambda p: p.write_text(text, encoding="utf-8"))
    else:
        write_manifest(
            results,
            {
                "experiment": "sensitivity",
                "quick": args.quick,
                "workers": workers,
                "base_seed": int(cfg.base_seed),
                "wall_time_s": round(elapsed, 1),
                "sobol_parameters": kept,
                **stats,
            },
        )
    print(json.dumps({"runs": len(runs), "minutes": round(elapsed / 60, 1), "kept": kept}))
    print(f"report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
