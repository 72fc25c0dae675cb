"""Does a US injection of USD 1.5 bn a year create an 'Asian NATO'? The experiment and its report.

    .venv/bin/python experiments/asian_nato_question/run.py            # everything (~25 min)
    .venv/bin/python experiments/asian_nato_question/run.py --quick    # smoke test, a few seeds

Three parts, all read from ``config.yaml`` beside this file:
1. dose-response: the probability that an Asian NATO forms within 10 and 20 years against the
   yearly injection (0 to USD 150 bn, log-spaced, 1.5 included), with 95 % Wilson intervals;
2. every scenario against the baseline on the key outcomes, with 95 % intervals;
3. one-at-a-time sensitivity of the answer to the model's judgement parameters.
It writes ``results/`` (the per-run table, summary tables and figures) and ``report.md``. Runs
use replicate seeds from ``SeedSequence(base_seed)``, the same for every point, and do not
depend on the number of worker processes.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim import stats
from sim.stats import wilson

HERE = Path(__file__).resolve().parent
KEY_STATES = ("JPN", "KOR", "CHN")


@dataclass(frozen=True)
class Point:
    """One configuration of the experiment: a set of overrides run over many seeds."""

    part: str  # dose, scenario or sensitivity
    label: str
    overrides: tuple[str, ...]
    parameter: str = ""
    value: float = math.nan
    dose: float = math.nan


def points(cfg) -> list[Point]:
    """Every point of the experiment, in a fixed order."""
    common = tuple(cfg.common)
    out = []
    dose = cfg.dose_response
    for amount in dose.amounts_usd_bn:
        overrides = (*common, f"scenario={dose.scenario}", f"{dose.amount_key}={amount}")
        out.append(Point("dose", f"{amount:g}", overrides, "amount_usd_bn", amount, amount))
    for name in cfg.scenarios:
        out.append(Point("scenario", str(name), (*common, f"scenario={name}")))
    sens = cfg.sensitivity
    for amount in sens.doses_usd_bn:
        base = (*common, f"scenario={sens.scenario}", f"{dose.amount_key}={amount}")
        out.append(Point("sensitivity", "default", base, "default", math.nan, amount))
        for key, values in sens.parameters.items():
            for value in values:
                out.append(
                    Point(
                        "sensitivity",
                        f"{key}={value:g}",
                        (*base, f"{key}={value}"),
                        key,
                        value,
                        amount,
                    )
                )
    return out


_prepared: dict[tuple[str, ...], object] = {}


def run_one(task: tuple[int, tuple[str, ...], int, int]) -> dict:
    """Run one replicate of one point; return its outcomes (one row)."""
    from sim.runner.config import compose
    from sim.runner.simulate import prepare, replicate_seed, run_model

    index, overrides, replicate, base_seed = task
    if overrides not in _prepared:
        cfg = compose([*overrides, f"seed={base_seed}"])
        _prepared[overrides] = prepare(cfg)
    prepared = _prepared[overrides]
    seed = replicate_seed(base_seed, replicate)
    model = run_model(prepared, seed)
    tables = model.recorder.tables(seed=seed)
    s = tables["summary"].iloc[0]
    year = s["asian_nato_year"]
    base_year = prepared.world.base_year
    formed_year = None if pd.isna(year) else int(year)
    row = {
        "point": index,
        "replicate": replicate,
        "seed": seed,
        "formed_10": formed_year is not None and formed_year <= base_year + 10,
        "formed_20": formed_year is not None and formed_year <= base_year + 20,
        "formed_year": formed_year,
        "members": s["asian_nato_members"],
        "nato_asia_link": bool(s["nato_asia_link"]),
        "us_burden_share_end": s["us_burden_share_end"],
        "polarisation_end": s["polarisation_end"],
    }
    states = tables["states"]
    for code in KEY_STATES:
        rows = states[states["iso3"] == code]
        if rows.empty:
            row[f"{code.lower()}_share_change_pp"] = math.nan
        else:
            row[f"{code.lower()}_share_change_pp"] = float(
                rows["defence_pct_gdp"].iloc[-1] - rows["defence_pct_gdp"].iloc[0]
            )
    return row


def run_all(pts: list[Point], seeds_for, base_seed: int, workers: int) -> pd.DataFrame:
    """Run every point over its seeds (in parallel); rows sorted by point and replicate."""
    tasks = [(i, p.overrides, r, base_seed) for i, p in enumerate(pts) for r in range(seeds_for(p))]
    started = time.time()
    rows = []
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for k, row in enumerate(pool.imap_unordered(run_one, tasks, chunksize=8), 1):
            rows.append(row)
            if k % 200 == 0 or k == len(tasks):
                rate = k / (time.time() - started)
                print(f"  {k}/{len(tasks)} runs, {rate:.1f} runs/s", file=sys.stderr, flush=True)
    return pd.DataFrame(rows).sort_values(["point", "replicate"], ignore_index=True)


# --- statistics -------------------------------------------------------------------------------
def mean_ci(values: pd.Series) -> tuple[float, float, float]:
    """Mean and its 95 % normal-approximation interval (large samples: 100-200 seeds a point)."""
    return stats.mean_ci(values.to_numpy(float), dist="normal")


def summarise(pts: list[Point], runs: pd.DataFrame) -> pd.DataFrame:
    """One row per point: probabilities with Wilson intervals, means with intervals."""
    out = []
    for i, p in enumerate(pts):
        r = runs[runs["point"] == i]
        n = len(r)
        row = {
            "part": p.part,
            "label": p.label,
            "parameter": p.parameter,
            "value": p.value,
            "dose_usd_bn": p.dose,
            "runs": n,
        }
        for key in ("formed_10", "formed_20", "nato_asia_link"):
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = wilson(int(r[key].sum()), n)
        years = r["formed_year"].dropna()
        row["median_year"] = float(years.median()) if len(years) else math.nan
        members = r.loc[r["members"] != "", "members"]
        row["modal_members"] = members.mode().iloc[0] if len(members) else ""
        for key in (
            "us_burden_share_end",
            "polarisation_end",
            *(f"{c.lower()}_share_change_pp" for c in KEY_STATES),
        ):
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = mean_ci(r[key])
        out.append(row)
    return pd.DataFrame(out)


# --- figures ----------------------------------------------------------------------------------
def figure_dose(dose: pd.DataFrame, path: Path) -> None:
    """P(Asian NATO) against the yearly injection, log scale (0 drawn at the left edge)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.8))
    FigureCanvasAgg(fig)
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
    fig.savefig(path, dpi=150)


def figure_scenarios(scen: pd.DataFrame, path: Path) -> None:
    """Each scenario's key outcomes with 95 % intervals."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    panels = [
        ("formed_20", "P(Asian NATO within 20 years)"),
        ("us_burden_share_end", "US burden share, last year"),
        ("jpn_share_change_pp", "Japan: defence change (points of GDP)"),
        ("kor_share_change_pp", "Korea: defence change (points of GDP)"),
        ("chn_share_change_pp", "China: defence change (points of GDP)"),
        ("nato_asia_link", "P(NATO-Asia link, last year)"),
    ]
    fig = Figure(figsize=(14, 7))
    FigureCanvasAgg(fig)
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
    fig.savefig(path, dpi=150)


def figure_sensitivity(sens: pd.DataFrame, path: Path) -> None:
    """Change of P(Asian NATO within 20 years) when each parameter is set low or high."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    doses = sorted(sens["dose_usd_bn"].unique())
    fig = Figure(figsize=(12, 5))
    FigureCanvasAgg(fig)
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
    fig.savefig(path, dpi=150)


# --- report -----------------------------------------------------------------------------------
def fmt_p(row, key: str) -> str:
    return f"{row[key]:.2f} [{row[key + '_lo']:.2f}, {row[key + '_hi']:.2f}]"


def fmt_m(row, key: str, digits: int = 2) -> str:
    return (
        f"{row[key]:+.{digits}f} [{row[key + '_lo']:+.{digits}f}, {row[key + '_hi']:+.{digits}f}]"
    )


def first_year_stakes(cfg) -> dict[str, float]:
    """The injection and the coercion it must outweigh, in % of GDP, in the model's 2025 world."""
    from sim.abm.model import AllianceModel
    from sim.runner.config import compose
    from sim.runner.simulate import prepare

    prepared = prepare(compose([*cfg.common, f"scenario={cfg.dose_response.scenario}"]))
    model = AllianceModel(prepared.world, prepared.params, prepared.events, rng=0)
    model.step()
    iso = prepared.world.iso3
    i = {c: iso.index(c) for c in ("JPN", "KOR", "AUS")}
    formal = model.level_weight[3]
    gdp = model.state.gdp
    return {
        "aid_jpn": 100 * 1.5 / 4 / gdp[i["JPN"]],
        "aid_kor": 100 * 1.5 / 4 / gdp[i["KOR"]],
        "coercion_kor_jpn": 100 * formal * model.ctx.coercion[i["KOR"], i["JPN"]],
        "coercion_aus_jpn": 100 * formal * model.ctx.coercion[i["AUS"], i["JPN"]],
    }


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
    from sim.world.tables import builtin_states

    dose = summary[summary["part"] == "dose"].reset_index(drop=True)
    scen = summary[summary["part"] == "scenario"].reset_index(drop=True)
    sens = summary[summary["part"] == "sensitivity"].reset_index(drop=True)
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
    lines = [
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
        f"South Korea's in 2025, while a formal Japan-Korea tie would cost South Korea an expected "
        f"{stakes['coercion_kor_jpn']:.2f} % of its GDP in Chinese trade coercion, and a formal "
        f"Australia-Japan tie would cost Australia {stakes['coercion_aus_jpn']:.2f} % (the model's "
        f"2025 payoffs, `sim/core/payoffs.py: coercion_cost`).",
        "",
        drivers(sens),
        "",
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
    lines += [
        "",
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
            f"{fmt_m(r, 'jpn_share_change_pp')} | {fmt_m(r, 'kor_share_change_pp')} | "
            f"{fmt_m(r, 'chn_share_change_pp')} | {fmt_p(r, 'nato_asia_link')} |"
        )
    lines += [
        "",
        "Budget changes are the change of the defence share of GDP over the 20 years, in "
        "percentage points (mean and 95 % interval over runs). The US burden share is the US share "
        "of the defence spending of itself and its formal allies in the last year.",
        "",
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
    lines += [
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
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a few seeds, short horizon (smoke test)"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where results/ and report.md go")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rebuild tables, figures and report from results/runs.parquet without running",
    )
    args = parser.parse_args()
    cfg = OmegaConf.load(HERE / "config.yaml")
    if args.quick:
        cfg.seeds, cfg.sensitivity.seeds = 4, 2
        cfg.common = [*cfg.common, "model.horizon=10"]
        cfg.dose_response.amounts_usd_bn = [0, 1.5, 150]
        cfg.scenarios = ["baseline", "injection_1p5b"]
        cfg.sensitivity.parameters = {k: v for k, v in list(cfg.sensitivity.parameters.items())[:2]}
    workers = args.workers or int(cfg.workers)
    pts = points(cfg)

    def seeds_for(p: Point) -> int:
        return int(cfg.sensitivity.seeds if p.part == "sensitivity" else cfg.seeds)

    results = args.out / "results"
    if args.report_only:
        runs = pd.read_parquet(results / "runs.parquet")
        expected = [" ".join(p.overrides) for p in pts]
        if runs.groupby("point")["overrides"].first().tolist() != expected:
            sys.exit(
                "results/runs.parquet was made with another config.yaml: run without --report-only"
            )
        runs = runs[[c for c in runs.columns if c not in ("part", "label", "overrides")]]
        elapsed = float((results / "elapsed_s.txt").read_text())
    else:
        started = time.time()
        runs = run_all(pts, seeds_for, int(cfg.base_seed), workers)
        elapsed = time.time() - started
    summary = summarise(pts, runs)
    results.mkdir(parents=True, exist_ok=True)
    (results / "elapsed_s.txt").write_text(f"{elapsed:.0f}\n")
    labels = pd.DataFrame(
        [
            {"point": i, "part": p.part, "label": p.label, "overrides": " ".join(p.overrides)}
            for i, p in enumerate(pts)
        ]
    )
    runs.merge(labels, on="point").to_parquet(results / "runs.parquet", index=False)
    for part in ("dose", "scenario", "sensitivity"):
        summary[summary["part"] == part].to_csv(results / f"{part}.csv", index=False)
    figure_dose(
        summary[summary["part"] == "dose"].reset_index(drop=True), results / "dose_response.png"
    )
    figure_scenarios(
        summary[summary["part"] == "scenario"].reset_index(drop=True), results / "scenarios.png"
    )
    figure_sensitivity(
        summary[summary["part"] == "sensitivity"].reset_index(drop=True),
        results / "sensitivity.png",
    )
    (args.out / "report.md").write_text(report(cfg, summary, elapsed, args.quick), encoding="utf-8")
    print(f"{len(runs)} runs in {elapsed / 60:.1f} min; report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
