"""The Asian NATO experiment's figures and Markdown report (experiments/asian_nato_question)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.plots._common import new_figure
from sim.study.asian_nato import first_year_stakes


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
    ax.set_title("Dose-response: probability of an Asian NATO (95 % Wilson intervals)")
    ax.legend(loc="upper left")
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
        ax.grid(alpha=0.3)
    axes[0, 0].set_yticks(y)
    axes[0, 0].set_yticklabels(scen["label"])
    axes[0, 0].invert_yaxis()
    fig.suptitle(
        "Scenarios against the baseline (dashed): means or probabilities with 95 % intervals"
    )
    fig.tight_layout()
    return fig


def figure_sensitivity(sens: pd.DataFrame):
    """Change of P(Asian NATO within 20 years) when each parameter is set low or high."""

    doses = sorted(sens["dose_usd_bn"].unique())
    fig = new_figure(12, 5, layout=None)
    axes = fig.subplots(1, len(doses), sharey=True, squeeze=False)[0]
    params = [p for p in sens["parameter"].unique() if p != "default"]
    y = np.arange(len(params))
    for ax, dose in zip(axes, doses, strict=True):
        here = sens[sens["dose_usd_bn"] == dose]
        default = here.loc[here["parameter"] == "default", "formed_20"].iloc[0]
        for k, (which, colour) in enumerate((("low", "tab:blue"), ("high", "tab:red"))):
            vals = []
            for p in params:
                rows = here[here["parameter"] == p].sort_values("value")
                vals.append(rows["formed_20"].iloc[k] - default)
            ax.barh(y + (k - 0.5) * 0.38, vals, height=0.38, color=colour, label=f"{which} value")
        ax.axvline(0, color="k", lw=0.8)
        changes = here.loc[here["parameter"] != "default", "formed_20"] - default
        if np.allclose(changes, 0):
            ax.text(
                0.5,
                0.5,
                "no setting of any parameter\nchanges the probability here",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=10,
                color="0.3",
            )
        ax.set_title(f"USD {dose:g} bn a year (default P = {default:.2f})", fontsize=10)
        ax.set_xlabel("change of P(Asian NATO within 20 years)")
        ax.grid(alpha=0.3, axis="x")
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(params, fontsize=8)
    axes[0].invert_yaxis()
    axes[-1].legend(loc="lower right")
    fig.suptitle("Sensitivity: each judgement parameter set low and high, the others at default")
    fig.tight_layout()
    return fig


def fmt_p(row, key: str) -> str:
    return f"{row[key]:.2f} [{row[key + '_lo']:.2f}, {row[key + '_hi']:.2f}]"


def fmt_m(row, key: str, digits: int = 2) -> str:
    return (
        f"{row[key]:+.{digits}f} [{row[key + '_lo']:+.{digits}f}, {row[key + '_hi']:+.{digits}f}]"
    )


def drivers(sens: pd.DataFrame) -> str:
    """Sentences: which parameters move the answer most, dose by dose (largest first)."""
    parts = []
    for dose in sorted(sens["dose_usd_bn"].unique()):
        here = sens[sens["dose_usd_bn"] == dose]
        default = here.loc[here["parameter"] == "default", "formed_20"].iloc[0]
        varied = here[here["parameter"] != "default"]
        change = (varied["formed_20"] - default).abs().groupby(varied["parameter"]).max()
        change = change.sort_values(ascending=False)
        if change.iloc[0] == 0:
            parts.append(
                f"At USD {dose:g} bn a year (probability {default:.2f}) no single parameter set "
                "low or high changed the probability."
            )
        else:
            top = ", ".join(f"`{p}` (by up to {v:.2f})" for p, v in change.head(3).items() if v > 0)
            parts.append(
                f"At USD {dose:g} bn a year (probability {default:.2f} with the defaults) it "
                f"moves most with {top}."
            )
    return "What the answer hangs on (one parameter at a time, table below): " + " ".join(parts)


def report(cfg, summary: pd.DataFrame, elapsed: float, quick: bool) -> str:
    """The Markdown report: the answer, its uncertainty, and what it hangs on."""
    dose = summary[summary["part"] == "dose"].reset_index(drop=True)
    scen = summary[summary["part"] == "scenario"].reset_index(drop=True)
    sens = summary[summary["part"] == "sensitivity"].reset_index(drop=True)
    lines = [
        *_answer(cfg, dose, sens, elapsed, quick),
        *_dose_table(dose),
        *_scenario_table(scen),
        *_sensitivity_tables(sens),
        *_reading(cfg),
    ]
    return "\n".join(lines) + "\n"


def _answer(cfg, dose: pd.DataFrame, sens: pd.DataFrame, elapsed: float, quick: bool) -> list[str]:
    """The title, the answer at USD 1.5 bn and what it hangs on, in a few sentences."""
    from sim.world.tables import builtin_states

    at = dose.set_index("value")
    p15, p0 = at.loc[1.5], at.loc[0.0]
    above = dose[dose["formed_20"] >= 0.5]
    threshold = f"USD {above['value'].min():g} bn a year" if len(above) else "beyond the grid"
    data = builtin_states()
    usa, jpn = data.loc["USA", "defence_usd_bn"], data.loc["JPN", "defence_usd_bn"]
    n = int(p15["runs"])
    if p15["formed_20_hi"] < 0.5 and p15["formed_20"] < 0.05:
        verdict = "No"
    elif p15["formed_20_lo"] >= 0.5:
        verdict = "Yes"
    else:
        verdict = "Not reliably"
    stakes = first_year_stakes(cfg)
    return [
        "# Does a US injection of USD 1.5 bn create an 'Asian NATO'?",
        "",
        "*Generated by `experiments/asian_nato_question/run.py`"
        + (" in quick mode (too few seeds to cite)" if quick else "")
        + f" from `config.yaml` ({elapsed / 60:.0f} min). Do not edit by hand.*",
        "",
        "## Answer",
        "",
        f"**{verdict}.** With USD 1.5 bn a year from the US to Japan, South Korea, Australia and "
        f"the Philippines, paid for formal commitments to each other, an Asian NATO (a formal bloc "
        f"of the US and at least three of the four) formed within 20 years in "
        f"{round(p15['formed_20'] * n)} of {n} runs: probability {fmt_p(p15, 'formed_20')} "
        f"(95 % Wilson interval); in the baseline {fmt_p(p0, 'formed_20')}. The smallest injection "
        f"on the grid with a probability of at least one half is {threshold}. USD 1.5 bn is "
        f"{100 * 1.5 / usa:.2f} % of US and {100 * 1.5 / jpn:.1f} % of Japanese defence spending "
        f"in 2024 (the figures the model is calibrated to). Split four ways and paid in full, "
        f"it is worth {stakes['aid_jpn']:.3f} % of Japan's GDP and {stakes['aid_kor']:.3f} % of "
        f"South Korea's in 2025, while making its tie with Japan formal would add an expected "
        f"{stakes['coercion_kor_jpn']:.3f} % of South Korea's GDP to its loss from Chinese trade "
        f"coercion, and a formal Australia-Japan tie {stakes['coercion_aus_jpn']:.3f} % of "
        f"Australia's (the model's 2025 payoffs, `sim/core/payoffs.py: coercion_exposure`).",
        "",
        drivers(sens),
        "",
    ]


def _dose_table(dose: pd.DataFrame) -> list[str]:
    """The dose-response table."""
    lines = [
        "## Dose-response",
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
    return [*lines, ""]


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


def _sensitivity_tables(sens: pd.DataFrame) -> list[str]:
    """One-at-a-time sensitivity, dose by dose, parameters ranked by their largest change."""
    lines = [
        "## What the answer hangs on",
        "",
        "![sensitivity](results/sensitivity.png)",
        "",
    ]
    for dose_value in sorted(sens["dose_usd_bn"].unique()):
        here = sens[sens["dose_usd_bn"] == dose_value]
        default = here.loc[here["parameter"] == "default", "formed_20"].iloc[0]
        effects = []
        for p in [p for p in here["parameter"].unique() if p != "default"]:
            rows = here[here["parameter"] == p].sort_values("value")
            changes = rows["formed_20"] - default
            effects.append((float(np.abs(changes).max()), p, rows))
        effects.sort(key=lambda e: -e[0])
        lines += [
            f"At USD {dose_value:g} bn a year (default probability {default:.2f}, "
            f"{int(here['runs'].iloc[0])} runs per setting), parameters ranked by the largest "
            "change:",
            "",
            "| parameter | low value: P | high value: P |",
            "|---|---|---|",
        ]
        for _, p, rows in effects:
            lo, hi = rows.iloc[0], rows.iloc[-1]
            lines.append(
                f"| `{p}` | {lo['value']:g}: {fmt_p(lo, 'formed_20')} "
                f"| {hi['value']:g}: {fmt_p(hi, 'formed_20')} |"
            )
        lines.append("")
    return lines


def _reading(cfg) -> list[str]:
    """How to read the numbers, and what they assume."""
    return [
        "## How to read this, and what it assumes",
        "",
        "- Every number is a distribution over seeded runs, each traceable: replicate r of a "
        f"point uses the seed of `SeedSequence({cfg.base_seed})` with spawn key (r,), so "
        f"`alliance-sim <the point's overrides> seed={cfg.base_seed} run.replicates=R` "
        "reproduces its first R runs (column `replicate` in the tables); "
        "`results/runs.parquet` lists every run with its overrides and seed.",
        "- The money is conditional (`configs/scenario/injection_1p5b.yaml`): a recipient is paid "
        "for formal ties with the US and with other recipients, pro rata. The answer is for this "
        "design of offer; `scenario.events.us_indo_pacific_injection.condition_level=none` gives "
        "the unconditional one (not part of this experiment).",
        "- The model's judgement parameters (`configs/model/default.yaml`, `configs/world/"
        "default.yaml`) are assumptions; the sensitivity table says which ones move the answer. "
        "See `docs/ODD.md` for the model and its assumptions.",
        "- Sensitivity is one-at-a-time around the defaults, not a global analysis.",
    ]
