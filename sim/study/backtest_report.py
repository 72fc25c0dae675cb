"""The NATO back-test's figures and Markdown report (experiments/backtest_nato)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.plots._common import new_figure
from sim.study.backtest import Fit, Scores

SPLIT_COLOURS = ("tab:red", "tab:purple", "tab:orange", "tab:brown")


def _colour(i: int) -> str:
    return SPLIT_COLOURS[i % len(SPLIT_COLOURS)]


def _splits(fit: Fit) -> list[tuple[str, int]]:
    return [(sf.split.name, sf.split.last_in_sample) for sf in fit.splits]


# --- figures --------------------------------------------------------------------------------


def figure_errors(by_year: pd.DataFrame, splits: list[tuple[str, int]]):
    """MAE and Spearman's rho by year, one column per split: the model against the naive and
    the drift forecast, the out-of-sample years shaded."""
    fig = new_figure(6.2 * len(splits), 7.6, layout=None)
    axes = np.atleast_2d(fig.subplots(2, len(splits), sharex=True, sharey="row"))
    if axes.shape[0] != 2:
        axes = axes.T
    for j, (name, last_in) in enumerate(splits):
        t = by_year[by_year["split"] == name]
        for i, (key, label) in enumerate(
            (
                ("mae", "mean absolute error (points of GDP)"),
                ("spearman", "Spearman's rho across allies"),
            )
        ):
            ax = axes[i, j]
            for who, style, colour in (
                ("model", "-o", _colour(j)),
                ("naive", "--s", "tab:blue"),
                ("drift", ":^", "tab:green"),
            ):
                f = t[t["forecast"] == who]
                ax.plot(f["year"], f[key], style, color=colour, label=who, ms=4)
            ax.axvspan(last_in + 0.5, t["year"].max() + 0.5, color="0.93", zorder=0)
            for x, text in (
                (last_in + 0.6, "out of sample"),
                (t["year"].min() - 0.4, "in sample (estimation)"),
            ):
                ax.text(x, 0.02, text, transform=ax.get_xaxis_transform(), fontsize=8, color="0.35")
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel(label)
            if i == 0:
                ax.set_title(f"{name}: estimated to {last_in}", fontsize=11)
                ax.set_ylim(bottom=0)
                ax.legend(loc="center left", fontsize=9)
            else:
                ax.set_xlabel("year")
        axes[1, j].set_xlim(t["year"].min() - 0.5, t["year"].max() + 0.5)
    fig.suptitle(
        "Error by year: the estimated model, 'every share stays at its first value' (naive), "
        "'first value plus the common in-sample trend' (drift)",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def _ally_panel(ax, sim: pd.DataFrame, code: str, splits, band: bool, small: bool) -> float:
    """One ally: actual shares as points, each split's model as a line (with its bootstrap band
    when ``band``), the split's last in-sample year as a tick line; returns the panel's top."""
    top = 0.0
    a = sim[(sim["iso3"] == code) & (sim["split"] == splits[0][0])]
    for j, (name, last_in) in enumerate(splits):
        s = sim[(sim["iso3"] == code) & (sim["split"] == name)]
        colour = _colour(j)
        if band and s["model_boot_lo"].notna().any():
            ax.fill_between(
                s["year"], s["model_boot_lo"], s["model_boot_hi"], color=colour, alpha=0.15, lw=0
            )
            top = max(top, s["model_boot_hi"].max())
        width = 1.3 if small else 1.8
        ax.plot(
            s["year"],
            s["model"],
            "-",
            color=colour,
            lw=width,
            label=f"model estimated to {last_in}",
        )
        ax.axvline(last_in + 0.5, color=colour, ls=":", lw=0.9)
        top = max(top, s["model"].max())
    size = 2.8 if small else 4.5
    ax.plot(a["year"], a["actual"], "o", color="k", ms=size, label="actual (NATO)", zorder=5)
    return max(top, a["actual"].max())


def figure_allies(simulated: pd.DataFrame, splits: list[tuple[str, int]]):
    """Small multiples, one panel per ally: actual shares as points, the model estimated on
    each split as lines (with the bootstrap band)."""
    allies = sorted(simulated["iso3"].unique())
    cols = 8
    rows = math.ceil(len(allies) / cols)
    fig = new_figure(18, 2.2 * rows + 1.0, layout=None)
    axes = np.atleast_2d(fig.subplots(rows, cols, sharex=True))
    for ax in axes.flat[len(allies) :]:
        ax.set_visible(False)
    years = sorted(simulated["year"].unique())
    for ax, code in zip(axes.flat, allies, strict=False):
        top = _ally_panel(ax, simulated, code, splits, band=True, small=True)
        ax.set_ylim(0, top * 1.15)
        ax.set_title(code, fontsize=9, pad=2)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for i, ax in enumerate(axes.flat[: len(allies)]):
        if i + cols >= len(allies):  # the lowest panel of its column
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xticks([years[0], (years[0] + years[-1]) // 2, years[-1]])
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=9)
    fig.suptitle(
        "Defence, % of GDP: actual (points) and the model (lines; band: 90 % of the bootstrap "
        "fits; dotted: last in-sample year)",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig


def figure_frontline(
    simulated: pd.DataFrame, splits: list[tuple[str, int]], frontline, tolerance: float
):
    """The frontline allies' paths, larger: actual as points, the model per split as lines
    with their bootstrap bands; a bar of +-``tolerance`` around the actual last-year share."""
    codes = [c for c in frontline if c in set(simulated["iso3"])]
    fig = new_figure(3.3 * len(codes) + 0.6, 4.4, layout=None)
    axes = np.atleast_1d(fig.subplots(1, len(codes), sharey=True))
    last = int(simulated["year"].max())
    top = 0.0
    for ax, code in zip(axes, codes, strict=True):
        top = max(top, _ally_panel(ax, simulated, code, splits, band=True, small=False))
        a = simulated[(simulated["iso3"] == code) & (simulated["year"] == last)]["actual"].iloc[0]
        ax.errorbar(
            [last + 0.25],
            [a],
            yerr=[[tolerance], [tolerance]],
            fmt="none",
            ecolor="0.4",
            capsize=4,
            lw=1.2,
            label=f"actual {last} \u00b1 {tolerance:g}",
        )
        top = max(top, a + tolerance)
        ax.axhline(2.0, color="0.6", ls="--", lw=0.8, label="2 % of GDP")
        ax.set_title(code, fontsize=11)
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
    for ax in axes:
        ax.set_ylim(0, top * 1.08)
    axes[0].set_ylabel("defence, % of GDP")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9)
    fig.suptitle(
        f"Frontline allies: actual (points) and the model (lines; band: 90 % of the bootstrap "
        f"fits); the check: the model's {last} share within {tolerance:g} points of the actual",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    return fig


# --- the report -----------------------------------------------------------------------------


def report(cfg, fit: Fit, scores: Scores, elapsed: float, quick: bool) -> str:
    """The Markdown report."""
    lines = [
        *_title(cfg, fit, scores, elapsed, quick),
        *_verdict(cfg, fit, scores),
        *_numbers(cfg, fit, scores),
        *_estimation(cfg, fit, scores),
        *_defaults(cfg, fit),
        *_fit_by_year(cfg, fit, scores),
        *_allies(cfg, fit, scores),
        *_setup(cfg, fit, scores),
    ]
    return "\n".join(lines) + "\n"


def _pct(level) -> str:
    return f"{100 * float(level):.0f} %"


def _s(n) -> str:
    return "" if int(n) == 1 else "s"


def _f(x: float, digits: int = 3) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _iv(lo: float, hi: float, digits: int = 3) -> str:
    if any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)):
        return ""
    return f" [{lo:.{digits}f}, {hi:.{digits}f}]"


def _yes(flag) -> str:
    return "**yes**" if bool(flag) else "no"


def _title(cfg, fit: Fit, scores: Scores, elapsed: float, quick: bool) -> list[str]:
    ev = fit.evaluations
    n_est = int((ev["stage"] == "estimate").sum())
    n_boot = int((ev["stage"] == "bootstrap").sum())
    b = int(cfg.bootstrap.replicates)
    k = len(fit.splits)
    return [
        f"# Back-test: NATO allies' defence shares, {cfg.first_year}-{cfg.last_year}",
        "",
        "*Generated by `experiments/backtest_nato/run.py`"
        + (" in quick mode (a tiny estimation and bootstrap: do not cite)" if quick else "")
        + f" from `config.yaml`: {fit.runs:,} model runs ({n_est:,} evaluations of the "
        f"in-sample error for the point estimates, {n_boot:,} for the {b} bootstrap replicates "
        f"of each of the {k} splits, {cfg.calibration_seeds} seed{_s(cfg.calibration_seeds)} "
        f"each; then {cfg.seeds} seed{_s(cfg.seeds)} for each of the {k * (b + 1)} fits run "
        f"to {cfg.last_year}), {elapsed / 60:.1f} min on "
        f"{fit.jobs} process{'es' if fit.jobs > 1 else ''}. Do not edit by hand.*",
        "",
    ]


def _cell(v: pd.DataFrame, split: str, check_start: str, subject: str = "all allies") -> pd.Series:
    """The verdict row of one split, check and subject."""
    pick = (v["split"] == split) & (v["subject"] == subject)
    return v[pick & v["check"].str.startswith(check_start)].iloc[0]


def _row(label: str, cells: list[str]) -> str:
    return f"| {label} | " + " | ".join(cells) + " |"


def _verdict(cfg, fit: Fit, scores: Scores) -> list[str]:
    """The acceptance checks, one column per split."""
    names = [sf.split.name for sf in fit.splits]
    first, last = int(cfg.first_year), int(cfg.last_year)
    head = [
        f"{sf.split.name}: estimated {first + 1}-{sf.split.last_in_sample}, scored "
        f"{sf.split.last_in_sample + 1}-{last}"
        for sf in fit.splits
    ]
    return [
        "## Verdict",
        "",
        "| check | " + " | ".join(head) + " |",
        "|---|" + "---:|" * len(names),
        *_verdict_error_rows(cfg, scores, names),
        *_verdict_change_rows(cfg, scores, names),
        "",
        *_verdict_text(cfg, fit, scores),
        "",
    ]


def _verdict_error_rows(cfg, scores: Scores, names: list[str]) -> list[str]:
    """The out-of-sample errors against the two benchmarks."""
    v, level = scores.verdict, _pct(cfg.bootstrap.level)
    naive = [_cell(v, n, "out-of-sample MAE below the naive") for n in names]
    drift = [_cell(v, n, "out-of-sample MAE below the drift") for n in names]
    both = [_cell(v, n, "out-of-sample MAE below both") for n in names]
    trend = [scores.stats["splits"][n]["drift_per_year"] for n in names]
    return [
        _row(
            f"out-of-sample MAE of the model [{level} bootstrap interval]",
            [_f(c["model"]) + _iv(c["model_boot_lo"], c["model_boot_hi"]) for c in naive],
        ),
        _row("... of the naive forecast", [_f(c["reference"]) for c in naive]),
        _row(
            "... of the drift forecast (its common trend, points a year)",
            [f"{_f(c['reference'])} ({t:+.3f})" for c, t in zip(drift, trend, strict=True)],
        ),
        _row("model beats the naive forecast", [_yes(c["pass"]) for c in naive]),
        _row("model beats the drift forecast", [_yes(c["pass"]) for c in drift]),
        _row("**model beats both**", [_yes(c["pass"]) for c in both]),
    ]


def _verdict_change_rows(cfg, scores: Scores, names: list[str]) -> list[str]:
    """The rank correlation of the change and the frontline allies' last year."""
    v, level = scores.verdict, _pct(cfg.bootstrap.level)
    last = int(cfg.last_year)
    start, end = int(cfg.checks.change_from), int(cfg.checks.change_to)
    rho_min = float(cfg.checks.change_rho_min)
    rho = [_cell(v, n, "rank correlation") for n in names]
    rows = [
        _row(
            f"Spearman's rho across allies, modelled vs actual {start}-{end} change [{level}]",
            [_f(r["model"], 2) + _iv(r["model_boot_lo"], r["model_boot_hi"], 2) for r in rho],
        ),
        _row(f"... above {rho_min:g}", [_yes(r["pass"]) for r in rho]),
    ]
    tol = float(cfg.checks.tolerance_pts)
    for code in cfg.checks.frontline:
        cs = [_cell(v, n, f"{last} share within", str(code)) for n in names]
        rows.append(
            _row(
                f"{code} {last}: model [{level}] / actual, within {tol:g}",
                [
                    f"{_f(c['model'], 2)}{_iv(c['model_boot_lo'], c['model_boot_hi'], 2)} / "
                    f"{_f(c['reference'], 2)}: {_yes(c['pass'])}"
                    for c in cs
                ],
            )
        )
    front = v[v["check"].str.contains("share within")]
    rows.append(
        _row(
            f"frontline allies within {tol:g} points in {last}",
            [
                f"{int(front[front['split'] == n]['pass'].sum())} of {len(cfg.checks.frontline)}"
                for n in names
            ],
        )
    )
    return rows


def _verdict_text(cfg, fit: Fit, scores: Scores) -> list[str]:
    """The checks in words, whatever they say."""
    v = scores.verdict
    out = []
    tol = float(cfg.checks.tolerance_pts)
    for sf in fit.splits:
        n = sf.split.name
        t = v[v["split"] == n]
        naive = t[t["check"].str.contains("naive")].iloc[0]
        drift = t[t["check"].str.contains("drift")].iloc[0]
        both = bool(t[t["check"].str.contains("both")]["pass"].iloc[0])
        rho = t[t["check"].str.startswith("rank correlation")].iloc[0]
        front = t[t["check"].str.contains("share within")]
        if both:
            beats = "beats both benchmarks"
        elif naive["pass"]:
            beats = "beats the naive forecast but **not** the drift forecast"
        elif drift["pass"]:
            beats = "beats the drift forecast but **not** the naive forecast"
        else:
            beats = "beats **neither** benchmark"
        boot = scores.bootstrap[scores.bootstrap["split"] == n]
        wins = ""
        if len(boot) and "drift_out_mae_drawn" in boot:
            k_n = int((boot["out_mae_drawn"] < boot["naive_out_mae_drawn"]).sum())
            k_d = int((boot["out_mae_drawn"] < boot["drift_out_mae_drawn"]).sum())
            wins = (
                f" Over the {len(boot)} bootstrap draws of allies (each re-estimated, and scored "
                f"on the allies drawn) the model beats the naive forecast in {k_n} and the drift "
                f"forecast in {k_d}."
            )
        missed = front[~front["pass"]]
        gaps = ", ".join(
            f"{r['subject']} {r['model'] - r['reference']:+.2f}" for _, r in missed.iterrows()
        )
        out.append(
            f"- **{n}** (estimated to {sf.split.last_in_sample}): out of sample the model {beats} "
            f"(MAE {naive['model']:.3f} against {naive['reference']:.3f} naive and "
            f"{drift['reference']:.3f} drift).{wins} Across allies, the rank correlation of the "
            f"modelled change with the actual one is {rho['model']:.2f}. "
            f"{int(front['pass'].sum())} of {len(front)} frontline allies end within {tol:g} "
            "points of their actual share"
            + (f"; the model's miss (model minus actual) for the others: {gaps}." if gaps else ".")
        )
    return out


def _numbers(cfg, fit: Fit, scores: Scores) -> list[str]:
    level = _pct(cfg.bootstrap.level)
    b = int(cfg.bootstrap.replicates)
    return [
        "What the numbers are: the mean absolute error (MAE, points of GDP) over every ally-year "
        f"after the split's last in-sample year ({scores.stats['allies']} allies). The model is "
        f"the point estimate run from {cfg.first_year} to {cfg.last_year}, the mean over "
        f"{cfg.seeds} replicate seed{_s(cfg.seeds)}. The naive forecast keeps every share at its "
        f"{cfg.first_year} value; the drift forecast adds to it the allies' mean yearly change "
        "over the split's in-sample years (one common trend, from in-sample figures only). "
        f"From {cfg.first_year} to {cfg.last_year} the allies' shares rose by "
        f"{scores.stats['actual_rise']:+.2f} points on average. "
        f"Intervals are the central {level} of {b} bootstrap fits: allies resampled with "
        "replacement, the parameters re-estimated on the draw (from the point estimate, a "
        "smaller evaluation budget), then run to the last year over the same seeds and scored "
        "on every ally. They show how well the allies' figures pin the parameters, not the "
        f"model's structural error. With {b} replicates their ends are rough; and since each "
        f"replicate's search is short ({cfg.bootstrap.max_evaluations} evaluations) and starts "
        "at the point estimate, they may be narrower than a full re-estimation would give "
        "where the error is flat (the estimation tables below show how flat). The rank "
        "correlation is Spearman's rho across allies of the modelled change "
        f"{cfg.checks.change_from}-{cfg.checks.change_to} with the actual one (naive and drift "
        "give every ally the same change, so they have none). The verdict is in "
        "`results/verdict.csv`.",
        "",
    ]


def _estimation(cfg, fit: Fit, scores: Scores) -> list[str]:
    """What the estimation found per split: estimates, intervals, how flat the error is."""
    o = cfg.optimiser
    level = _pct(cfg.bootstrap.level)
    lines = [
        "## Estimation",
        "",
        f"Each split is estimated on its own in-sample years by `scipy.optimize.minimize` "
        f"({o.method}, bounded, in the unit cube of the bounds below) on the in-sample MAE over "
        f"ally-years, from {o.starts} start{'s' if int(o.starts) > 1 else ''} (the config's start"
        + (
            ", then points of a Latin hypercube seeded from the base seed"
            if int(o.starts) > 1
            else ""
        )
        + f"), at most {o.max_evaluations} evaluations each; the best is kept. Every evaluation "
        f"runs the model over the same {cfg.calibration_seeds} seed"
        f"{'s' if int(cfg.calibration_seeds) > 1 else ''} (common random numbers), so the "
        "objective is deterministic. The bootstrap re-estimates from the point estimate with at "
        f"most {cfg.bootstrap.max_evaluations} evaluations. Every evaluation is in "
        "`results/evaluations.csv`; the estimates in `results/estimates.csv`, the bootstrap "
        "fits in `results/bootstrap.csv`.",
        "",
    ]
    fixed = dict(fit.space.fixed)
    if fixed:
        lines += [
            "Held at judgement values: "
            + ", ".join(f"`{k}` = {v}" for k, v in fixed.items())
            + ".",
            "",
        ]
    for sf in fit.splits:
        n = sf.split.name
        est = scores.estimates[scores.estimates["split"] == n]
        ev = fit.evaluations[
            (fit.evaluations["split"] == n) & (fit.evaluations["stage"] == "estimate")
        ]
        best = sf.point.in_mae
        near = ev[ev["in_mae"] <= best * 1.01]
        start_mae = ev[(ev["run"] == 0) & (ev["evaluation"] == 0)]["in_mae"]
        lines += [
            f"### {n}: estimated {int(cfg.first_year) + 1}-{sf.split.last_in_sample}",
            "",
            f"| parameter | bounds | start | estimate | {level} bootstrap | range within 1 % of "
            "the best in-sample MAE |",
            "|---|---|---:|---:|---|---|",
        ]
        for _, r in est.iterrows():
            k = r["parameter"]
            lines.append(
                f"| `{k}` | [{r['lower']:g}, {r['upper']:g}] | {r['start']:g} | "
                f"{r['estimate']:.3g}{' (at a bound)' if r['at_bound'] else ''} | "
                f"{_iv(r['boot_lo'], r['boot_hi'], 3).strip() or 'n/a'} | "
                f"{near[k].min():.3g} to {near[k].max():.3g} |"
            )
        per_start = ", ".join(f"{e.in_mae:.4f} ({e.runs})" for e in sf.starts)
        lines += [
            "",
            f"In-sample MAE {best:.4f} at the estimate"
            + (f", {start_mae.iloc[0]:.4f} at the config's start" if len(start_mae) else "")
            + f"; {len(ev)} evaluations over {len(sf.starts)} start"
            + f"{'s' if len(sf.starts) > 1 else ''}, best of each (evaluations): {per_start}. "
            f"{len(near)} of the evaluated points lie within 1 % of the best in-sample MAE; the "
            "last column gives the range of each parameter over them (a wide range: the "
            "in-sample years pin that parameter poorly).",
            "",
        ]
    return lines


def full_sample_table(cfg, fit: Fit) -> pd.DataFrame:
    """The estimate on every year (``fit.full``) beside the value each ``model.*`` parameter
    has in ``configs/model/default.yaml`` (the package's defaults, which it supplies)."""
    if fit.full is None:
        return pd.DataFrame(columns=["parameter", "estimate", "default", "in_mae"])
    from sim.runner.config import compose

    defaults = compose([])
    rows = []
    for key, value in fit.full.values.items():
        default = OmegaConf.select(defaults, key) if key.startswith("model.") else None
        rows.append(
            {
                "parameter": key,
                "estimate": value,
                "default": np.nan if default is None else float(default),
                "in_mae": fit.full.in_mae,
            }
        )
    return pd.DataFrame(rows)


def _full_starts(fit: Fit) -> int:
    e = fit.evaluations
    return int(e[e["split"] == "full_sample"]["run"].nunique())


def _full_evals(fit: Fit) -> int:
    return int((fit.evaluations["split"] == "full_sample").sum())


def _defaults(cfg, fit: Fit) -> list[str]:
    """The full-sample estimate and the package's defaults."""
    table = full_sample_table(cfg, fit)
    if table.empty:
        return []
    last = int(cfg.last_year)
    lines = [
        f"## The estimate on every year ({int(cfg.first_year) + 1}-{last}): the model's defaults",
        "",
        f"Estimated the same way on every year, with nothing held out (in-sample MAE "
        f"{_f(fit.full.in_mae)} at the best of {_full_starts(fit)} starts, {_full_evals(fit)} "
        "evaluations in all). The `model.*` values are "
        "the package's defaults in `configs/model/default.yaml`, which the scenarios run on "
        "(rounded there); the others shape this back-test's scenario only. Where the two "
        "columns differ beyond rounding, the defaults were set from an earlier run.",
        "",
        "| parameter | full-sample estimate | `configs/model/default.yaml` |",
        "|---|---:|---:|",
    ]
    for r in table.itertuples():
        d = "" if np.isnan(r.default) else f"{r.default:.4g}"
        lines.append(f"| `{r.parameter}` | {r.estimate:.4g} | {d} |")
    return [*lines, ""]


def _fit_by_year(cfg, fit: Fit, scores: Scores) -> list[str]:
    """The error of each forecast by year, both splits."""
    splits = _splits(fit)
    by = scores.by_year
    lines = [
        "## Fit by year",
        "",
        "![error by year](results/error_by_year.png)",
        "",
        "| year | naive MAE | "
        + " | ".join(
            f"drift MAE, to {li} | model MAE, to {li} | model rho, to {li}" for _, li in splits
        )
        + " | naive rho |",
        "|---:|---:|" + "---:|---:|---:|" * len(splits) + "---:|",
    ]
    naive = by[(by["split"] == splits[0][0]) & (by["forecast"] == "naive")].set_index("year")
    for y in naive.index:
        cells = [_f(naive.loc[y, "mae"])]
        for name, last_in in splits:
            t = by[(by["split"] == name) & (by["year"] == y)].set_index("forecast")
            mark = "*" if y <= last_in else ""
            cells += [
                f"{mark}{_f(t.loc['drift', 'mae'])}{mark}",
                f"{mark}{_f(t.loc['model', 'mae'])}{mark}",
                f"{mark}{_f(t.loc['model', 'spearman'], 2)}{mark}",
            ]
        cells.append(_f(naive.loc[y, "spearman"], 2))
        lines.append(f"| {y} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "In italics: in-sample years of that split (where it was estimated). MAE in points of GDP "
        "over the allies in the year; rho is Spearman's rank correlation across allies. The drift "
        "forecast shifts every ally by the same amount, so its rho equals the naive one. The "
        "mean over the period's years and the in-sample scores are in `results/summary.csv`.",
        "",
    ]
    return lines


def _allies(cfg, fit: Fit, scores: Scores) -> list[str]:
    """Ally by ally: shares and out-of-sample errors, both splits."""
    splits = _splits(fit)
    last, first = int(cfg.last_year), int(cfg.first_year)
    a = scores.allies
    lines = [
        "## Ally by ally",
        "",
        "![simulated vs actual per ally](results/allies.png)",
        "",
        "![frontline allies](results/frontline.png)",
        "",
        f"| ally | {first} | actual {last} | "
        + " | ".join(
            f"model {last}, to {li} | out MAE model / naive / drift, to {li}" for _, li in splits
        )
        + " |",
        "|---|---:|---:|" + "---:|---|" * len(splits),
    ]
    for code in sorted(a["iso3"].unique()):
        rows = {n: a[(a["split"] == n) & (a["iso3"] == code)].iloc[0] for n, _ in splits}
        r0 = rows[splits[0][0]]
        cells = [f"{r0['start']:.2f}", f"{r0['actual_end']:.2f}"]
        for n, _ in splits:
            r = rows[n]
            cells += [
                f"{r['model_end']:.2f}",
                f"{r['out_mae_model']:.3f} / {r['out_mae_naive']:.3f} / {r['out_mae_drift']:.3f}",
            ]
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _setup(cfg, fit: Fit, scores: Scores) -> list[str]:
    """The set-up: world, scenario, parameters, scores and files."""
    final = fit.splits[0].final_cfg
    allies = sorted(scores.allies["iso3"].unique())
    treaty = cfg.scenario.pledge.treaty
    members = set(final.world.treaties[treaty].members)
    outside = [c for c in allies if c not in members]
    events = final.scenario.events
    ev_lines = [
        f"  - `{name}` ({e.kind}, from {e.start_year}"
        + (f" for {e.duration_years} years" if e.get("duration_years") else "")
        + f"): {e.get('note', '')}"
        for name, e in events.items()
    ]
    space = fit.space
    par_lines = [
        f"  - `{k}` in [{lo:g}, {hi:g}], start {x0:g}"
        + (": model setting" if k.startswith("model.") else ": shapes the scenario")
        + (f"; {space.notes[k]}" if k in space.notes else "")
        for k, lo, hi, x0 in zip(space.keys, space.lower, space.upper, space.start, strict=True)
    ]
    st = scores.stats
    return [
        "## The set-up",
        "",
        f"- **World {cfg.first_year}** (`config.yaml: world`, built by `sim.world.builder` "
        "through `world.data_overrides`): the allies and Russia, with the default world's "
        f"judgement values. Each ally starts at its {cfg.first_year} GDP (current USD) and NATO's "
        "headline share of GDP, so the first year equals the naive forecast exactly. Russia's "
        f"{cfg.first_year} figures are a judgement (USD {st['russia_first']:.0f} bn; its 2024 "
        f"spending, SIPRI, is USD {st['russia_2024']:.0f} bn). Left out of the scores: "
        f"{', '.join(cfg.exclude) or 'none'}. Allies outside the `{treaty}` treaty in "
        f"{cfg.first_year}: {', '.join(outside) or 'none'} (each joins on its date, an "
        "`accession` event). "
        + (
            "GDP follows the allies' actual figures (current USD, the data file), each run "
            "given those up to its own last year only."
            if cfg.get("gdp_path", False)
            else "GDP grows at the default world's judgement rates."
        ),
        "- **Scenario**: the events `sim.study.backtest.with_params` builds from a parameter "
        f"point (here at the {fit.splits[0].split.name} estimate; a run for the in-sample years "
        "gets no event after its last year):",
        *ev_lines,
        "- **Estimated parameters** (`config.yaml: estimate`; `model.*` keys are set on the "
        "model config, the others shape the scenario); every other setting keeps "
        "`configs/model/default.yaml`:",
        *par_lines,
        "- **What the estimation can see**: it cuts the actual table to the split's in-sample "
        "years before scoring, gives each run the actual GDP only up to its own last year, and "
        "builds no event after it; replacing every later figure of the table by garbage, or "
        "Russia's 2024 spending, leaves the estimate identical (tested for each split in "
        "`tests/test_backtest.py`). Two things are not held back, and the reader should weigh "
        "them: the world's judgement values (affinities, ranges) are the default world's, set in "
        "view of later events (the allies' affinity with Russia, -0.65, cites the 2022 invasion; "
        "Hungary's and Turkey's warmer affinities cite later years), and the structure of the "
        "dynamics was chosen while trying prototypes on the whole decade (docs/ODD.md, 9). The "
        "out-of-sample runs are also conditional forecasts: they are given the actual GDP, "
        "Russia's spending from 2022, the second aggression and the accessions' dates, which the "
        "benchmarks are not given.",
        f"- **Seeds**: every run uses replicates 0, 1, ... of `SeedSequence({cfg.base_seed})` "
        "(`results/seeds.csv`), the same at every parameter point; the bootstrap draws and the "
        "extra starts are seeded from the base seed and their place (split, replicate), so the "
        "results do not depend on the number of processes (`--jobs`).",
        "- **Files**: `results/verdict.csv`, `results/summary.csv` (split x forecast x period), "
        "`results/by_year.csv`, `results/simulated.csv` (every ally-year: actual, model with its "
        "bootstrap band, naive, drift), `results/allies.csv`, `results/estimates.csv`, "
        "`results/bootstrap.csv`, `results/evaluations.csv` (every evaluation of the in-sample "
        "error), `results/config_resolved.yaml`, `results/seeds.csv`, `results/manifest.json` "
        "(code version).",
    ]
