"""The Asian NATO experiment's figures and Markdown report (experiments/asian_nato_question)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.plots._common import new_figure
from sim.study.asian_nato import first_year_stakes
from sim.study.asian_nato_priors import PriorsAnalysis


def figure_dose(dose: pd.DataFrame):
    """P(Asian NATO) against the yearly injection, log scale (0 drawn at the left edge)."""

    fig = new_figure(8, 4.8, layout=None)
    ax = fig.add_subplot()
    positive = dose[dose["value"] > 0]
    x0 = positive["value"].min() / 3
    xs = np.where(dose["value"] > 0, dose["value"], x0)
    for key, label, style, size, face in (
        ("formed_10", "within 10 years", "o--", 10, "none"),
        ("formed_20", "within 20 years", "s-", 5, None),
    ):
        ax.errorbar(
            xs,
            dose[key],
            yerr=[dose[key] - dose[f"{key}_lo"], dose[f"{key}_hi"] - dose[key]],
            fmt=style,
            capsize=3,
            label=label,
            markersize=size,
            markerfacecolor=face,
        )
    ax.set_xscale("log")
    ticks = [x0, *positive["value"].tolist()]
    ax.set_xticks(ticks)
    ax.set_xticklabels(["0", *[f"{v:g}" for v in positive["value"]]])
    ax.axvline(1.5, color="0.5", lw=0.8, ls=":")
    ax.text(1.5, 1.02, "USD 1.5 bn", ha="center", va="bottom", fontsize=8, color="0.3")
    ax.set_ylim(-0.02, 1.08)
    ax.set_xlabel("US injection to JPN, KOR, AUS, PHL (USD bn a year, log scale)")
    ax.set_ylabel("P(an Asian NATO forms)")
    ax.set_title(
        "Dose-response at the default parameters: P(Asian NATO), 95 % Wilson intervals",
        fontsize=11,
    )
    ax.legend(loc="center left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def figure_scenarios(scen: pd.DataFrame, outcomes: list[str]):
    """Each scenario's key outcomes with 95 % intervals."""
    from matplotlib.ticker import MaxNLocator

    from sim.outcomes import label

    panels = [("formed_20", "P(Asian NATO within 20 years)"), *((o, label(o)) for o in outcomes)]
    fig = new_figure(14, 7, layout=None)
    axes = fig.subplots(2, 3, sharey=True)
    y = np.arange(len(scen))
    for ax, (key, title) in zip(axes.flat, panels, strict=True):
        lo, hi = scen[f"{key}_lo"], scen[f"{key}_hi"]
        ax.errorbar(scen[key], y, xerr=[scen[key] - lo, hi - scen[key]], fmt="o", capsize=3)
        base = scen.loc[scen["label"] == "baseline", key]
        if len(base):
            ax.axvline(base.iloc[0], color="0.6", ls="--", lw=0.8)
        ax.set_title(title, fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        if key == "formed_20" or key.startswith("nato_asia_link"):
            ax.set_xlim(-0.03, 1.03)  # a probability: the whole range
        ax.grid(alpha=0.3)
    axes[0, 0].set_yticks(y)
    axes[0, 0].set_yticklabels(scen["label"])
    axes[0, 0].invert_yaxis()
    fig.suptitle(
        "Scenarios against the baseline (dashed): means or probabilities with 95 % intervals"
    )
    fig.tight_layout()
    return fig


def fmt_p(row, key: str) -> str:
    return f"{row[key]:.2f} [{row[key + '_lo']:.2f}, {row[key + '_hi']:.2f}]"


def fmt_m(row, key: str, digits: int = 2) -> str:
    return (
        f"{row[key]:+.{digits}f} [{row[key + '_lo']:+.{digits}f}, {row[key + '_hi']:+.{digits}f}]"
    )


def _positions(values, x0: float) -> np.ndarray:
    """x positions on a log axis, a dose of 0 drawn at ``x0`` (left of every positive dose)."""
    v = np.asarray(values, float)
    return np.where(v > 0, v, x0)


def _dose_axis(ax, doses, x0: float) -> None:
    """Log x axis with a tick at every dose (0 at ``x0``)."""
    doses = sorted({float(d) for d in doses})
    ax.set_xscale("log")
    ax.set_xticks([x0 if d <= 0 else d for d in doses])
    ax.set_xticklabels([f"{d:g}" for d in doses], fontsize=8)
    ax.minorticks_off()


def figure_priors(dose: pd.DataFrame, a: PriorsAnalysis):
    """Left: P(Asian NATO within 20 years) against the dose, at the default parameters and over
    the priors (mean with its Monte Carlo interval, the spread of the per-draw probability, each
    seed's mean over draws). Right: the share of draws whose threshold lies at or below a dose."""
    t = a.doses[a.doses["outcome"] == "formed_20"].reset_index(drop=True)
    every = [*t["dose_usd_bn"], *dose["value"]]
    x0 = min(d for d in every if d > 0) / 3
    fig = new_figure(15, 5.6, layout=None)
    left, right = fig.subplots(1, 2)
    x = _positions(t["dose_usd_bn"], x0)
    n_draws, n_seeds = int(t["draws"].iloc[0]), int(t["seeds_per_draw"].iloc[0])
    left.fill_between(
        x,
        t["spread_p05"],
        t["spread_p95"],
        color="tab:orange",
        alpha=0.15,
        label=f"spread over draws (5-95 % of each draw's P; with {n_seeds} seeds "
        "a draw's P is a multiple of 1/" + f"{n_seeds})",
    )
    left.errorbar(
        x,
        t["mean"],
        yerr=[t["mean"] - t["mc_lo"], t["mc_hi"] - t["mean"]],
        fmt="o-",
        color="tab:orange",
        capsize=3,
        label=f"mean over the priors ({n_draws} draws x {n_seeds} seeds), Monte Carlo 95 %",
    )
    for r in range(n_seeds):
        left.plot(
            x,
            t[f"mean_seed{r}"],
            ":",
            color="tab:red",
            lw=1,
            label="mean over draws, one seed at a time" if r == 0 else None,
        )
    xd = _positions(dose["value"], x0)
    left.errorbar(
        xd,
        dose["formed_20"],
        yerr=[dose["formed_20"] - dose["formed_20_lo"], dose["formed_20_hi"] - dose["formed_20"]],
        fmt="s--",
        color="0.3",
        capsize=3,
        markersize=4,
        label=f"default parameters ({int(dose['runs'].iloc[0])} seeds), Wilson 95 %",
    )
    left.axhline(0.5, color="0.6", lw=0.8)
    _dose_axis(left, every, x0)
    left.set_ylim(-0.02, 1.05)
    left.set_xlabel("US injection (USD bn a year, log scale)")
    left.set_ylabel("P(an Asian NATO forms within 20 years)")
    left.set_title("Probability: default parameters and over the priors", fontsize=10)
    left.legend(loc="upper left", fontsize=8)
    left.grid(alpha=0.3)
    _threshold_panel(right, a, x0, every)
    fig.suptitle("The answer over the judgement parameters' priors (configs/priors/default.yaml)")
    fig.tight_layout()
    return fig


def _threshold_panel(ax, a: PriorsAnalysis, x0: float, doses) -> None:
    """The empirical distribution of the per-draw thresholds, with the thresholds of the
    default parameters and of the averaged curve and their intervals."""
    thr = a.draws["threshold_usd_bn"]
    n, top = len(thr), max(doses)
    found = np.sort(_positions(thr.dropna(), x0))
    if len(found):
        xs = np.concatenate([[x0], found, [top]])
        ys = np.concatenate([[0.0], np.arange(1, len(found) + 1) / n, [len(found) / n]])
        ax.step(xs, ys, where="post", color="tab:orange", label="share of draws at or below")
    never = thr.isna().mean()
    ax.axhline(1 - never, color="tab:orange", ls=":", lw=1)
    ax.text(
        top,
        1 - never + 0.015,
        f"{thr.isna().sum()} of {n} draws never reach 0.5 on the grid",
        fontsize=8,
        color="tab:orange",
        ha="right",
    )
    rows = a.thresholds.set_index(["what", "interval"])
    for (what, interval), colour in (
        (("default parameters", "95 % bootstrap over seeds"), "0.3"),
        (("averaged curve", "95 % bootstrap over draws"), "tab:blue"),
    ):
        r = rows.loc[(what, interval)]
        if np.isfinite(r["threshold"]):
            ax.axvline(
                max(r["threshold"], x0), color=colour, lw=1.2, label=f"{what}: {r['threshold']:.3g}"
            )
            lo, hi = (
                max(r["lo"], x0),
                min(r["hi"], top * 1.3) if np.isfinite(r["hi"]) else top * 1.3,
            )
            if np.isfinite(lo):
                ax.axvspan(lo, hi, color=colour, alpha=0.12)
    _dose_axis(ax, doses, x0)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("threshold dose: P first reaches 0.5 (USD bn a year, log scale)")
    ax.set_ylabel("share of draws")
    ax.set_title("Thresholds (shaded: 95 % bootstrap intervals)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)


def figure_drivers(a: PriorsAnalysis):
    """Each prior's rank correlation with the per-draw threshold and with the per-draw
    probability at the middle dose (95 % intervals), and the threshold against the two
    strongest."""
    t = a.drivers
    fig = new_figure(17, 6, layout=None)
    left, *right = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.5, 1, 1]})
    y = np.arange(len(t))
    for k, (key, label) in enumerate(
        (("threshold", "with the threshold dose"), ("p_mid", f"with P at USD {a.mid_dose:g} bn"))
    ):
        rho = t[f"rho_{key}"]
        err = [rho - t[f"rho_{key}_lo"], t[f"rho_{key}_hi"] - rho]
        left.barh(y + (k - 0.5) * 0.38, rho, height=0.38, xerr=err, capsize=2, label=label)
    left.axvline(0, color="k", lw=0.8)
    left.set_yticks(y)
    left.set_yticklabels([p.removeprefix("model.") for p in t["parameter"]], fontsize=8)
    left.invert_yaxis()
    left.set_xlim(-1, 1)
    left.set_xlabel("Spearman's rank correlation over the draws (95 % interval)")
    left.legend(loc="lower right", fontsize=8)
    left.grid(alpha=0.3, axis="x")
    for ax, (_, row) in zip(right, t.head(len(right)).iterrows(), strict=False):
        _threshold_scatter(ax, a, row)
    fig.suptitle("What the threshold hangs on: the priors' joint draws")
    fig.tight_layout()
    return fig


def _threshold_scatter(ax, a: PriorsAnalysis, row) -> None:
    """Each draw's threshold against one parameter (log x for a log-uniform prior); a draw that
    never reaches one half is a cross above the grid."""
    from matplotlib.ticker import FormatStrFormatter

    column = f"prior.{row['parameter']}"
    thr = a.draws["threshold_usd_bn"]
    top = float(max(a.doses["dose_usd_bn"]))
    ceiling = 10 ** (np.log10(top) + 0.15)
    seen = thr.notna()
    ax.scatter(
        a.draws.loc[seen, column], thr[seen].clip(lower=0.5), s=14, alpha=0.7, label="a draw"
    )
    ax.scatter(
        a.draws.loc[~seen, column],
        np.full((~seen).sum(), ceiling),
        marker="x",
        color="tab:red",
        s=18,
        label=f"never on the grid (to {top:g})",
    )
    if row["scale"] == "log":
        ax.set_xscale("log")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.set_xlabel(f"{row['parameter']}" + (" (log scale)" if row["scale"] == "log" else ""))
    ax.set_ylabel("threshold dose (USD bn a year; below 0.5 drawn at 0.5)")
    ax.set_title(f"rho = {row['rho_threshold']:+.2f}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)


def dose_text(x: float, top: float) -> str:
    """A threshold dose in words: NaN never reached, inf beyond the grid."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return f"never on the grid (up to USD {top:g} bn)"
    if math.isinf(x):
        return f"beyond USD {top:g} bn"
    return f"USD {x:.3g} bn"


def interval_text(lo: float, hi: float, top: float) -> str:
    """``[lo, hi]`` of doses, ``beyond the grid`` for an infinite bound."""

    def one(x):
        return f"beyond {top:g}" if math.isinf(x) else f"{x:.3g}"

    return f"[{one(lo)}, {one(hi)}]"


def report(cfg, summary: pd.DataFrame, a: PriorsAnalysis, elapsed: float, quick: bool) -> str:
    """The Markdown report: the answer, its uncertainty, what it hangs on, what changed."""
    dose = summary[summary["part"] == "dose"].reset_index(drop=True)
    scen = summary[summary["part"] == "scenario"].reset_index(drop=True)
    stakes = first_year_stakes(cfg)
    lines = [
        "# Does a US injection of USD 1.5 bn create an 'Asian NATO'?",
        "",
        "*Generated by `experiments/asian_nato_question/run.py`"
        + (" in quick mode (too few seeds to cite)" if quick else "")
        + f" from `config.yaml` ({elapsed / 60:.0f} min). Do not edit by hand.*",
        "",
        *_answer(dose, a, stakes),
        *_dose_table(dose, a),
        *_priors_section(cfg, dose, a),
        *_hangs_on(a),
        *_scenario_table(scen),
        *_changes(cfg, dose, scen, a, stakes),
        *_reading(cfg),
    ]
    return "\n".join(lines) + "\n"


def _verdict(p15, t15) -> str:
    """No, Yes or Not reliably, from the default parameters' probability at USD 1.5 bn and
    its spread over the priors' draws."""
    if p15["formed_20_lo"] >= 0.5 and t15["spread_p05"] >= 0.5:
        return "Yes"
    if p15["formed_20_hi"] < 0.5 and p15["formed_20"] < 0.05 and t15["spread_p95"] < 0.5:
        return "No"
    return "Not reliably"


def _prior_row(a: PriorsAnalysis, dose: float):
    t = a.doses[(a.doses["outcome"] == "formed_20") & (a.doses["dose_usd_bn"] == dose)]
    return t.iloc[0]


def _threshold(a: PriorsAnalysis, what: str, interval: str):
    t = a.thresholds
    return t[(t["what"] == what) & (t["interval"] == interval)].iloc[0]


def _answer(dose: pd.DataFrame, a: PriorsAnalysis, stakes: dict) -> list[str]:
    """The answer at USD 1.5 bn, the threshold dose and the stakes, in a few paragraphs."""
    from sim.world.tables import builtin_states

    at = dose.set_index("value")
    p15, p0, t15 = at.loc[1.5], at.loc[0.0], _prior_row(a, 1.5)
    n = int(p15["runs"])
    data = builtin_states()
    usa, jpn = data.loc["USA", "defence_usd_bn"], data.loc["JPN", "defence_usd_bn"]
    top = float(a.doses["dose_usd_bn"].max())
    default = _threshold(a, "default parameters", "95 % bootstrap over seeds")
    per = _threshold(a, "per draw", "5-95 % of draws")
    curve = _threshold(a, "averaged curve", "95 % bootstrap over draws")
    both = _threshold(a, "averaged curve", "95 % bootstrap over draws and seeds")
    n_never = int(a.draws["never"].sum())
    return [
        "## Answer",
        "",
        f"**{_verdict(p15, t15)}.** With USD 1.5 bn a year from the US to Japan, South Korea, "
        "Australia and the Philippines, paid for formal commitments to each other, an Asian NATO "
        "(a formal bloc of the US and at least three of the four) formed within 20 years in "
        f"{round(p15['formed_20'] * n)} of {n} runs at the default parameters: probability "
        f"{fmt_p(p15, 'formed_20')} (95 % Wilson interval: the Monte Carlo error of {n} seeds); "
        f"in the baseline {fmt_p(p0, 'formed_20')}. Over the priors of the "
        f"{len(a.drivers)} judgement parameters ({int(t15['draws'])} joint draws, "
        f"{int(t15['seeds_per_draw'])} seeds each) it formed in "
        f"{round(t15['mean'] * t15['runs'])} of {int(t15['runs'])} runs: mean probability "
        f"{t15['mean']:.2f} [{t15['mc_lo']:.2f}, {t15['mc_hi']:.2f}] (Monte Carlo 95 %), and "
        f"the spread of a draw's probability over the draws is {t15['spread_p05']:.2f} to "
        f"{t15['spread_p95']:.2f} (5-95 %); in {t15['share_draws_at_half']:.0%} of the draws "
        "it reached one half.",
        "",
        "**Where it would.** At the default parameters the probability reaches one half at "
        f"{dose_text(default['threshold'], top)} a year "
        f"{interval_text(default['lo'], default['hi'], top)} (interpolated log-linearly between "
        "grid doses; 95 % bootstrap over the seeds). Over the priors, a draw's own threshold has "
        f"median {dose_text(per['threshold'], top)} and lies between "
        f"{interval_text(per['lo'], per['hi'], top)} in 90 % of the draws; in {n_never} of "
        f"{len(a.draws)} draws the probability never reached one half on the grid (up to USD "
        f"{top:g} bn). The probability averaged over the draws reaches one half at "
        f"{dose_text(curve['threshold'], top)} {interval_text(curve['lo'], curve['hi'], top)} "
        "(95 % bootstrap over the draws; "
        f"{interval_text(both['lo'], both['hi'], top)} when the seeds are resampled too).",
        "",
        f"**The stakes.** USD 1.5 bn is {100 * 1.5 / usa:.2f} % of US and "
        f"{100 * 1.5 / jpn:.1f} % of Japanese defence spending in 2024 (the figures the model is "
        f"calibrated to). Split four ways and paid in full, it is worth {stakes['aid_jpn']:.3f} % "
        f"of Japan's GDP and {stakes['aid_kor']:.3f} % of South Korea's in 2025, while making "
        "its tie with Japan formal would add an expected "
        f"{stakes['coercion_kor_jpn']:.3f} % of South Korea's GDP to its loss from Chinese trade "
        f"coercion, and a formal Australia-Japan tie {stakes['coercion_aus_jpn']:.3f} % of "
        "Australia's (the model's 2025 payoffs at the default parameters, "
        "`sim/core/payoffs.py: coercion_exposure`).",
        "",
        _drivers_sentence(a),
        "",
    ]


def _drivers_sentence(a: PriorsAnalysis) -> str:
    """Which parameters move the threshold most (their rank correlations, strongest first)."""
    t = a.drivers
    clear = t[(t["rho_threshold_lo"] > 0) | (t["rho_threshold_hi"] < 0)]
    if not len(clear):
        return (
            "No parameter's rank correlation with the threshold dose is told apart from 0 over "
            f"the {len(a.draws)} draws (section 'What the answer hangs on')."
        )
    parts = [
        f"`{r['parameter']}` (rho = {r['rho_threshold']:+.2f}: higher values "
        f"{'raise' if r['rho_threshold'] > 0 else 'lower'} it)"
        for _, r in clear.head(3).iterrows()
    ]
    rest = len(clear) - min(3, len(clear))
    more = f"; {rest} more with intervals clear of 0" if rest else ""
    return (
        "**What it hangs on.** Over the draws the threshold dose moves most with "
        + ", ".join(parts)
        + f" (Spearman's rank correlation{more}; section 'What the answer hangs on')."
    )


def _dose_table(dose: pd.DataFrame, a: PriorsAnalysis) -> list[str]:
    """The dose-response table at the default parameters."""
    lines = [
        "## Dose-response at the default parameters",
        "",
        "![dose-response](results/dose_response.png)",
        "",
        "| USD bn a year | P(within 10 years) | P(within 20 years) | median year formed "
        "| members (most common) |",
        "|---:|---|---|---:|---|",
    ]
    for _, r in dose.iterrows():
        year = "" if math.isnan(r["median_year"]) else f"{r['median_year']:.0f}"
        lines.append(
            f"| {r['value']:g} | {fmt_p(r, 'formed_10')} | {fmt_p(r, 'formed_20')} | {year} "
            f"| {r['modal_members']} |"
        )
    n = int(dose["runs"].iloc[0])
    lines += [
        "",
        f"Each dose: {n} runs over the same seeds; 95 % Wilson intervals, the Monte Carlo error "
        "of the seeds (at the default parameters there is no other).",
        "",
    ]
    return lines


def _scenario_table(scen: pd.DataFrame) -> list[str]:
    """Every scenario against the baseline."""
    lines = [
        "## Scenarios against the baseline",
        "",
        "![scenarios](results/scenarios.png)",
        "",
        "| scenario | P(Asian NATO, 20 y) | US burden share (end) | Japan (pp) | Korea (pp) "
        "| China (pp) | P(NATO-Asia link) |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, r in scen.iterrows():
        lines.append(
            f"| {r['label']} | {fmt_p(r, 'formed_20')} | {r['us_burden_share_end']:.3f} "
            f"[{r['us_burden_share_end_lo']:.3f}, {r['us_burden_share_end_hi']:.3f}] | "
            f"{fmt_m(r, 'japan_share_change_pp')} | {fmt_m(r, 'korea_share_change_pp')} | "
            f"{fmt_m(r, 'china_share_change_pp')} | {fmt_p(r, 'nato_asia_link')} |"
        )
    lines += [
        "",
        "Budget changes are the change of the defence share of GDP over the 20 years, in "
        "percentage points (mean and 95 % interval over runs). The US burden share is the US share "
        "of the defence spending of itself and its formal allies in the last year.",
        "",
    ]
    return lines


def _priors_section(cfg, dose: pd.DataFrame, a: PriorsAnalysis) -> list[str]:
    """The priors part: its design, the table per dose, the thresholds, and how to read them."""
    t = a.doses[a.doses["outcome"] == "formed_20"].reset_index(drop=True)
    n_d, n_s = int(t["draws"].iloc[0]), int(t["seeds_per_draw"].iloc[0])
    part, seed = cfg.priors, int(cfg.base_seed)
    default = dose.set_index("value")
    lines = [
        "## Across the priors: the spread over the judgement parameters",
        "",
        f"Each of {n_d} draws sets all {len(a.drivers)} judgement parameters of "
        f"`configs/priors/{part.group}.yaml` at once (ranges in the next section): points 0 to "
        f"{n_d - 1} of a scrambled Sobol sequence, `sim.runner.priors.draw(priors, {seed}, "
        f"range({n_d}))`, its scrambling seeded by `SeedSequence({seed}, spawn_key=(2**31,))`, "
        "mapped uniformly (log-uniformly for log scales) onto each range. Each draw is run at "
        f"every dose below over the same {n_s} seeds, replicates 0 to {n_s - 1} of "
        f"`SeedSequence({seed})` (the dose-response's first seeds), so that draws and doses "
        "differ only by their parameters. A run stops in the year an Asian NATO first exists "
        "(only whether and when is recorded; the years up to then are the full run's). "
        "`results/priors_runs.parquet` holds every run with its drawn values (`prior.*`), "
        "`results/priors_draws.csv` each draw's probability per dose and its threshold.",
        "",
        "![priors](results/priors.png)",
        "",
        "| USD bn a year | default parameters | mean over the priors [Monte Carlo 95 %] "
        "| spread over draws (5-95 % of a draw's P) | draws with P >= 0.5 "
        "| " + " / ".join(f"seed {r + 1}" for r in range(n_s)) + " (mean over draws) "
        "| SD of a draw's P: total, seeds' noise, parameters |",
        "|---:|---|---|---|---:|---|---|",
    ]
    for _, r in t.iterrows():
        x = r["dose_usd_bn"]
        here = fmt_p(default.loc[x], "formed_20") if x in default.index else "not run"
        seeds = " / ".join(f"{r[f'mean_seed{k}']:.2f}" for k in range(n_s))
        lines.append(
            f"| {x:g} | {here} | {r['mean']:.2f} [{r['mc_lo']:.2f}, {r['mc_hi']:.2f}] | "
            f"[{r['spread_p05']:.2f}, {r['spread_p95']:.2f}] | {r['share_draws_at_half']:.0%} | "
            f"{seeds} | {r['sd_draws']:.2f}, {r['sd_seed_noise']:.2f}, {r['sd_parameters']:.2f} |"
        )
    worst = math.sqrt(0.25 / n_s)
    lines += [
        "",
        "How to read it. The **Monte Carlo 95 % interval** says how precisely these runs pin the "
        "mean over the priors; it narrows with more draws and seeds. The runs are not "
        "independent: the runs of a draw share its parameters, and every draw runs the same "
        f"{n_s} seeds, so seed luck does not average out over the draws; the interval is "
        "Wilson's with the effective number of runs of this crossed design (two-way ANOVA: "
        "draws and seeds random), whose seed part rests on only "
        f"{n_s} seeds. The seeds' own means over the draws show that luck directly. The "
        "**spread over draws** says how far the probability moves as the parameters move over "
        f"their priors, and does not narrow with more runs. But with {n_s} seeds a draw's "
        f"probability is a multiple of 1/{n_s}, with a Monte Carlo error of its own of "
        f"sqrt(P (1 - P) / {n_s}), up to {worst:.2f} at P = 0.5: the quantiles overstate the "
        "parameters' part. The last column splits the standard deviation of a draw's probability "
        "over the draws into the seeds' binomial noise (its variance estimated by the mean of "
        f"P (1 - P) / (S - 1), S = {n_s}) and the rest, the parameters' part.",
        "",
        *_threshold_table(a),
    ]
    return lines


def _threshold_table(a: PriorsAnalysis) -> list[str]:
    """The threshold doses, each with its interval."""
    top = float(a.doses["dose_usd_bn"].max())
    lines = [
        "| threshold: the dose where P first reaches 0.5 | dose | interval | never on the grid |",
        "|---|---|---|---:|",
    ]
    for _, r in a.thresholds.iterrows():
        share = "" if math.isnan(r["never_share"]) else f"{r['never_share']:.0%}"
        what = "per draw (median of the draws)" if r["what"] == "per draw" else r["what"]
        lines.append(
            f"| {what} | {dose_text(r['threshold'], top)} | "
            f"{interval_text(r['lo'], r['hi'], top)} ({r['interval']}) | {share} |"
        )
    lines += [
        "",
        "A threshold is interpolated linearly in log dose between the grid doses around the "
        "first dose where P reaches one half (linearly in dose from 0). 'Never on the grid' is, "
        "per draw, the share of draws whose P stays below one half up to the last dose; for a "
        "bootstrap, the share of resampled curves that do. A draw's threshold carries its seeds' "
        "noise: with two seeds a draw reaches one half as soon as one seed forms an Asian NATO, "
        "so per-draw thresholds lean low and spread wider than the parameters alone would make "
        "them. The bootstrap resamples draws (and, in the last row, also the seeds) with "
        "replacement, treating the Sobol points as independent draws, which overstates the "
        "error of a balanced design slightly.",
        "",
    ]
    return lines


def _hangs_on(a: PriorsAnalysis) -> list[str]:
    """Which parameters move the threshold: rank correlations over the draws."""
    lines = [
        "## What the answer hangs on",
        "",
        "![sensitivity](results/sensitivity.png)",
        "",
        f"Spearman's rank correlation over the {len(a.draws)} draws of each parameter with the "
        "draw's threshold dose (a draw that never reaches one half counts as beyond every dose) "
        f"and with the draw's probability at USD {a.mid_dose:g} bn (the dose where the mean "
        "over the priors is nearest one half), with 95 % intervals (Fisher's z, variance "
        "1.06 / (n - 3)). All parameters move together in the draws, so each correlation is a "
        "parameter's monotone association with the answer while the others range over their "
        "priors too, not a one-at-a-time effect; the seeds' noise in each draw weakens every "
        "correlation alike.",
        "",
        "| parameter | prior range | rho with the threshold | rho with P at "
        f"USD {a.mid_dose:g} bn |",
        "|---|---|---|---|",
    ]
    for _, r in a.drivers.iterrows():
        scale = " (log-uniform)" if r["scale"] == "log" else ""
        lines.append(
            f"| `{r['parameter']}` | {r['low']:g} to {r['high']:g}{scale} | "
            f"{r['rho_threshold']:+.2f} [{r['rho_threshold_lo']:+.2f}, "
            f"{r['rho_threshold_hi']:+.2f}] | {r['rho_p_mid']:+.2f} [{r['rho_p_mid_lo']:+.2f}, "
            f"{r['rho_p_mid_hi']:+.2f}] |"
        )
    lines += [
        "",
        "A positive correlation with the threshold means that higher values of the parameter "
        "need more money for an Asian NATO; its correlation with P then has the opposite sign. "
        "Each range and the reason for it: `sim/configs/priors/default.yaml`.",
        "",
    ]
    return lines


def _changes(cfg, dose, scen, a: PriorsAnalysis, stakes: dict) -> list[str]:
    """The answer against the previous report's (``config.yaml: previous``), and why."""
    prev = cfg.previous
    at = dose.set_index("value")
    top = float(dose["value"].max())
    shown = [float(x) for x, _ in prev.p20 if float(x) in at.index]
    above = dose[dose["formed_20"] >= 0.5]
    first = f"USD {above['value'].min():g} bn" if len(above) else "none on the grid"
    default = _threshold(a, "default parameters", "95 % bootstrap over seeds")
    years = [float(x) for x, _ in prev.median_year if float(x) in at.index]
    lead = ", ".join(f"`{p}`" for p in a.drivers["parameter"].head(3))
    rows = [
        (
            "P(within 20 years) at USD 1.5 bn, default parameters",
            prev.p_1p5,
            fmt_p(at.loc[1.5], "formed_20"),
        ),
        (
            "P(within 20 years) at USD " + " / ".join(f"{x:g}" for x in shown) + " bn",
            " / ".join(f"{p:.2f}" for x, p in prev.p20 if float(x) in shown),
            " / ".join(f"{at.loc[x, 'formed_20']:.2f}" for x in shown),
        ),
        ("smallest grid dose with P >= 0.5", f"USD {prev.first_at_half:g} bn", first),
        (
            "threshold (interpolated, 95 % bootstrap)",
            prev.threshold,
            dose_text(default["threshold"], top)
            + " "
            + interval_text(default["lo"], default["hi"], top),
        ),
        (
            "median year formed at USD " + " / ".join(f"{x:g}" for x in years) + " bn",
            " / ".join(f"{y}" for x, y in prev.median_year if float(x) in years),
            " / ".join(_year(at.loc[x, "median_year"]) for x in years),
        ),
        (
            "expected coercion loss of a formal tie, % of GDP: Korea-Japan / Australia-Japan",
            f"{prev.coercion_kor_jpn:.2f} / {prev.coercion_aus_jpn:.2f}",
            f"{stakes['coercion_kor_jpn']:.3f} / {stakes['coercion_aus_jpn']:.3f}",
        ),
        *_scenario_changes(prev, scen),
        ("uncertainty over the judgement parameters", prev.uncertainty, _design_words(a)),
        (
            "what moves the answer most",
            prev.drivers,
            f"rank correlation with the threshold: {lead}",
        ),
    ]
    lines = [
        "## What changed since the previous report",
        "",
        f"The previous report (commit {prev.commit}, `git show {prev.commit}:experiments/"
        f"asian_nato_question/report.md`) ran {prev.model}.",
        "",
        f"| | previous report ({prev.commit}) | this report |",
        "|---|---|---|",
        *(f"| {what} | {old} | {new} |" for what, old, new in rows if old and new),
        "",
        "Why:",
        "",
        *(f"- {line}" for line in prev.why),
        "",
    ]
    return lines


def _scenario_changes(prev, scen: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Rows of the comparison for the scenarios part (empty without a baseline)."""
    at = scen.set_index("label")
    if "baseline" not in at.index:
        return []
    base = at.loc["baseline"]
    most = scen.loc[scen["formed_20"].idxmax()]
    links = [name for name in prev.links if name in at.index]
    return [
        (
            "largest P(Asian NATO within 20 years) of any scenario",
            prev.scenarios_max,
            f"{most['formed_20']:.2f} "
            + ("(every scenario)" if most["formed_20"] == 0 else f"({most['label']})"),
        ),
        (
            "P(NATO-Asia link): " + " / ".join(links),
            " / ".join(f"{prev.links[n]:.2f}" for n in links),
            " / ".join(f"{at.loc[n, 'nato_asia_link']:.2f}" for n in links),
        ),
        (
            "baseline: change of Japan's / Korea's defence share over 20 years (points)",
            prev.baseline_budget_pp,
            f"{base['japan_share_change_pp']:+.2f} / {base['korea_share_change_pp']:+.2f}",
        ),
    ]


def _year(x: float) -> str:
    return "none" if math.isnan(x) else f"{x:.0f}"


def _design_words(a: PriorsAnalysis) -> str:
    t = a.doses[a.doses["outcome"] == "formed_20"]
    return (
        f"{int(t['draws'].iloc[0])} joint draws of {len(a.drivers)} parameters from their "
        f"priors x {int(t['seeds_per_draw'].iloc[0])} seeds x {len(t)} doses"
    )


def _reading(cfg) -> list[str]:
    """How to read the numbers, and what they assume."""
    return [
        "## How to read this, and what it assumes",
        "",
        "- Every number is a distribution over seeded runs, each traceable: replicate r of a "
        f"point uses the seed of `SeedSequence({cfg.base_seed})` with spawn key (r,), so "
        f"`alliance-sim <the point's overrides> seed={cfg.base_seed} run.replicates=R` "
        "reproduces its first R runs (column `replicate` in the tables); "
        "`results/runs.parquet` lists every run with its overrides and seed. A run of the "
        "priors part is the same command with the draw's values added as overrides "
        "(`<path>=<value>` for each `prior.<path>` column of `results/priors_runs.parquet`).",
        "- Two kinds of uncertainty are kept apart: the Monte Carlo error of a finite number of "
        "seeded runs (intervals that narrow with more runs) and the spread over the judgement "
        "parameters' priors (which does not). The priors are themselves judgement "
        "(`configs/priors/default.yaml` gives each range and its reason); other ranges give "
        "other spreads. Parameters outside the priors group keep their values.",
        "- The money is conditional (`configs/scenario/injection_1p5b.yaml`): a recipient is paid "
        "for formal ties with the US and with other recipients, pro rata. The answer is for this "
        "design of offer; `scenario.events.us_indo_pacific_injection.condition_level=none` gives "
        "the unconditional one (not part of this experiment).",
        "- See `docs/ODD.md` for the model and its assumptions, `docs/sweeps.md` for the priors "
        "and their design.",
    ]
