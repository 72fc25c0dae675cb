"""The global sensitivity analysis' figures and Markdown report (experiments/sensitivity)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.plots._common import new_figure
from sim.study.metrics import study_outcomes
from sim.study.sensitivity import Analysis


def short(name: str) -> str:
    """Parameter label for plots: the last part of the key (with its group for world keys)."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if parts[0] == "world" else parts[-1]


def figure_morris(table: pd.DataFrame, outcomes: dict[str, str]):
    """mu* against sigma per outcome, mu* intervals as bars; parameters numbered (key below)."""
    names = list(dict.fromkeys(table["parameter"]))
    number = {p: k + 1 for k, p in enumerate(names)}
    fig = new_figure(16, 6.4, layout=None)
    axes = fig.subplots(1, len(outcomes))
    for ax, (key, title) in zip(axes, outcomes.items(), strict=True):
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
    return fig


def figure_sobol(table: pd.DataFrame, outcomes: dict[str, str]):
    """S1 and ST bars with 95 % bootstrap intervals, one panel per outcome."""
    fig = new_figure(16, 5.2, layout=None)
    axes = fig.subplots(1, len(outcomes), sharey=True)
    for ax, (key, title) in zip(axes, outcomes.items(), strict=True):
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
    return fig


def ranking(table: pd.DataFrame, column: str, outcome: str, n: int = 3) -> str:
    t = table[table["outcome"] == outcome].sort_values(column, ascending=False).head(n)
    return ", ".join(f"`{r['parameter']}` ({r[column]:.3g})" for _, r in t.iterrows())


def report(cfg, analysis: Analysis, stats: dict, elapsed: float, quick: bool) -> str:
    """The Markdown report."""
    outcomes = labels(cfg)
    a = analysis
    lines = [
        *_done(cfg, a, stats, elapsed, quick),
        *_results(outcomes, a.morris, a.sobol, stats),
        *_morris_table(a, outcomes),
        *_sobol_table(outcomes, a.kept, a.sobol),
        *_ranges(cfg, a),
        *_reading(cfg, a),
    ]
    return "\n".join(lines) + "\n"


def labels(cfg) -> dict[str, str]:
    """The study's outcomes, name -> label, from the registry (:mod:`sim.outcomes`)."""
    return {o.name: o.label for o in study_outcomes(cfg.outcomes)}


def _done(cfg, a: Analysis, stats: dict, elapsed: float, quick: bool) -> list[str]:
    """The title and what was done."""
    n_morris, n_sobol, kept = stats["morris_runs"], stats["sobol_runs"], a.kept
    return [
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
        f"not degenerate ({cfg.dose_note}). Each parameter point runs over the same replicate "
        "seeds of "
        f"`SeedSequence({cfg.base_seed})`, and its outcomes are the share of seeds in which an "
        "Asian NATO formed within the horizon, and the means of the US burden share in the last "
        "year and of the change in China's defence share of GDP (points; the change in USD is "
        "mostly the configured GDP growth).",
        "",
        f"The parameters and their ranges are the {len(a.priors)} priors of "
        f"`configs/priors/{cfg.priors_group}.yaml`"
        + (" named in `config.yaml: parameters`" if len(cfg.parameters) else "")
        + " (the table at the end): one place for each judgement parameter's range, shared with "
        "`run.uncertainty=priors` and the Asian NATO experiment's priors part. Both designs are "
        "drawn on the unit cube and mapped onto each prior as its draws are (uniform, or "
        "log-uniform for a log scale).",
        "",
        f"1. **Morris screening** of all {len(a.priors)} judgement parameters: "
        f"{cfg.morris.trajectories} trajectories on {cfg.morris.levels} levels, "
        f"{stats['morris_points']} points x {cfg.morris.seeds} seeds = {n_morris} runs.",
        f"2. **Sobol indices** of the {len(kept)} parameters that the screen ranks highest on any "
        f"outcome (mu* relative to the outcome's largest): base sample {cfg.sobol.n}, "
        f"{stats['sobol_points']} points x {cfg.sobol.seeds} seeds = {n_sobol} runs. The other "
        "parameters stay at their defaults.",
        "",
    ]


def _results(outcomes: dict, morris_t, sobol_t, stats: dict) -> list[str]:
    """The rankings, outcome by outcome, and the figures."""
    lines = [
        "## Results",
        "",
    ]
    for key, title in outcomes.items():
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
    ]
    return lines


def _morris_table(a: Analysis, outcomes: dict) -> list[str]:
    """Morris indices of every parameter."""
    morris_t = a.morris
    lines = [
        "### Morris (all parameters)",
        "",
        "| parameter | " + " | ".join(f"{k}: mu* [+-95 %], sigma" for k in outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
    ]
    for p in (prior.path for prior in a.priors):
        cells = []
        for k in outcomes:
            r = morris_t[(morris_t["outcome"] == k) & (morris_t["parameter"] == p)].iloc[0]
            cells.append(f"{r['mu_star']:.3g} [+-{r['mu_star_conf']:.2g}], {r['sigma']:.3g}")
        lines.append(f"| `{p}` | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _sobol_table(outcomes: dict, kept: list[str], sobol_t) -> list[str]:
    """Sobol indices of the parameters kept after screening."""
    lines = [
        "### Sobol (parameters kept after screening)",
        "",
        "| parameter | " + " | ".join(f"{k}: S1, ST" for k in outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
    ]
    for p in kept:
        cells = []
        for k in outcomes:
            r = sobol_t[(sobol_t["outcome"] == k) & (sobol_t["parameter"] == p)].iloc[0]
            cells.append(
                "n/a"
                if math.isnan(r["S1"])
                else f"{r['S1']:.2f} +-{r['S1_conf']:.2f}, {r['ST']:.2f} +-{r['ST_conf']:.2f}"
            )
        lines.append(f"| `{p}` | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _ranges(cfg, a: Analysis) -> list[str]:
    """Every parameter's default, range, scale and why (the priors group's notes)."""
    lines = [
        "## Ranges and why",
        "",
        f"From `sim/configs/priors/{cfg.priors_group}.yaml`; the default is the value in "
        "`configs/model` or `configs/world`.",
        "",
        "| parameter | default | range | why |",
        "|---|---:|---|---|",
    ]
    for p in a.priors:
        scale = " (log-uniform)" if p.scale == "log" else ""
        why = " ".join(p.note.split()).replace("|", "/")
        lines.append(
            f"| `{p.path}` | {a.defaults[p.path]:g} | {p.low:g} to {p.high:g}{scale} | {why} |"
        )
    return [*lines, ""]


TARGET_HALF_WIDTH = 0.05
"""The precision the study aims at for a total index (issue #11): a 95 % half-width of 0.05."""


def _precision(cfg, sobol: pd.DataFrame) -> str:
    """A bullet on how precise the Sobol indices are: how many total indices reach
    :data:`TARGET_HALF_WIDTH` (95 % half-width), which do not, the widest half-widths of S1 and
    ST, and what to read from them."""
    st, s1 = float(sobol["ST_conf"].max()), float(sobol["S1_conf"].max())
    wide = sobol[~(sobol["ST_conf"] <= TARGET_HALF_WIDTH)]  # an interval of NaN is not within
    head = (
        f"- Precision: with a base sample of {cfg.sobol.n} and {cfg.sobol.seeds} seeds a point, "
        f"{len(sobol) - len(wide)} of the {len(sobol)} total indices have a 95 % interval "
        f"(bootstrap) within the +-{TARGET_HALF_WIDTH} the study aims at"
    )
    if wide.empty:
        return (
            f"{head}; the widest is +-{st:.3f} (+-{s1:.3f} for a first-order index): the "
            "second digit of ST is meaningful. A negative S1 within its interval of 0 is 0."
        )
    named = "; ".join(
        f"`{r.parameter}` on {r.outcome} (ST {r.ST:.2f} +-{r.ST_conf:.3f})"
        for r in wide.itertuples()
    )
    return (
        f"{head}. Wider: {named}; read those to the first digit. The widest first-order "
        f"interval is +-{s1:.3f}. A negative S1 within its interval of 0 is 0."
    )


def _inert(a: Analysis) -> list[str]:
    """A bullet naming the parameters that changed no run at all (mu* 0 on every outcome)."""
    top = a.morris.groupby("parameter", sort=False)["mu_star"].max()
    inert = [p for p, v in top.items() if v == 0]
    if not inert:
        return []
    why = (
        " (`model.alignment.side_payment_weight` values aid received as budget support, and "
        "the offer sends none: its channels are capability, interoperability and credibility, "
        "`configs/scenario/injection_1p5b.yaml`)"
        if "model.alignment.side_payment_weight" in inert
        else ""
    )
    return [
        "- Parameters whose mu* is 0 on every outcome moved no outcome at any step of the screen: "
        + ", ".join(f"`{p}`" for p in inert)
        + ". They act only through parts of the model this scenario does not use"
        + why
        + "."
    ]


def _reading(cfg, a: Analysis) -> list[str]:
    """How to read the indices, and what they assume."""
    return [
        "## How to read this, and what it assumes",
        "",
        "- mu* is the mean absolute change of an outcome when one parameter moves across its range "
        "by one grid step (in the outcome's units, per step of 1/(levels-1) of the range, of its "
        "logarithm for a log-uniform prior); sigma "
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
        "- `model.alignment.coercion_weight`, `model.alignment.coercion_value_added_share` and "
        "`world.coercion_propensity.CHN` enter what China's coercion can take as a product "
        "(`sim/core/payoffs.py: coercion_exposure`), so for China's coercion they are one lever "
        "with three handles, of different ranges.",
        "- The budget parameters (`model.budget.*`) set how strongly and how fast budgets "
        "respond to threat; the budget outcomes are where to look for them.",
        *_inert(a),
        _precision(cfg, a.sobol),
        "- Everything is reproducible: `results/morris_design.csv` and `results/sobol_design.csv` "
        "hold every point, `results/runs.parquet` every run with its seed, `results/seeds.csv` "
        "the replicate seeds, `results/config_resolved.yaml` the base config and "
        "`results/manifest.json` the code version.",
    ]
