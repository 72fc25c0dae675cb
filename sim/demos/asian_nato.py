"""The 'Asian NATO' question in ten minutes: the model itself, on the five-actor class world.

Runs the agent-based model (``sim.runner``) on ``world=classroom5`` - the US, Japan, South
Korea, China and NATO-Europe - for a few seeds per scenario: the baseline, the USD 1.5 bn a year
injection as designed (``scenario=injection_1p5b``: paid in full only to allies holding formal
ties with other recipients), and the same money without that condition. With only Japan and
Korea as candidates, an 'Asian NATO' here means a formal bloc of the US, Japan and Korea
(``model.predicates.asian_nato_min=2``). Prints the probability of a bloc (with a 95% Wilson
interval) and the tie levels the runs end with, and draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.demos.base import DemoResult
from sim.demos.figures import COLOURS, new_figure, panel_title, save_all
from sim.errors import UserError
from sim.plots import draw_coalitions
from sim.plots._common import set_year_axis
from sim.runner.config import compose
from sim.runner.simulate import prepare, simulate
from sim.stats import wilson

NAME = "asian_nato"
WORLD = ["world=classroom5", "model.predicates.asian_nato_min=2"]
INJECTION = "scenario.events.us_indo_pacific_injection"
LEVELS = {0: "none", 1: "alignment", 2: "partnership", 3: "formal"}
PAIRS = [("JPN", "KOR"), ("USA", "JPN"), ("USA", "KOR"), ("CHN", "KOR"), ("CHN", "JPN")]
MAX_SEEDS = 200


@dataclass(frozen=True)
class Arm:
    """One scenario of the comparison: a label and its config overrides."""

    label: str
    overrides: tuple[str, ...]


ARMS = (
    Arm("baseline", ("scenario=baseline",)),
    Arm("USD 1.5 bn as designed\n(conditional)", ("scenario=injection_1p5b",)),
    Arm(
        "USD 1.5 bn\nunconditional",
        ("scenario=injection_1p5b", f"{INJECTION}.condition_partners=0"),
    ),
)


def _pair_levels(ties: pd.DataFrame, pair: tuple[str, str]) -> pd.Series:
    """Highest tie level of a pair per year (0 where there is none)."""
    mine = ties[
        ((ties["a"] == pair[0]) & (ties["b"] == pair[1]))
        | ((ties["a"] == pair[1]) & (ties["b"] == pair[0]))
    ]
    return mine.groupby("year")["level"].max()


def run_arm(arm: Arm, seeds: int, seed: int = 0) -> dict:
    """Run ``seeds`` replicates of one arm.

    Returns:
        ``formed`` (bool per replicate), ``aid_usd_bn`` (total aid received per replicate, USD
        bn over the run), ``levels`` (DataFrame: replicate x year x pair -> tie level) and
        ``example`` (the tables of replicate 0).
    """
    cfg = compose([*WORLD, *arm.overrides, f"seed={seed}"])
    prepared = prepare(cfg)
    formed, aid, rows = [], [], []
    example = None
    for replicate in range(seeds):
        tables = simulate(cfg, replicate, prepared)
        example = example if example is not None else tables
        formed.append(bool(tables["summary"]["asian_nato_formed"].iloc[0]))
        aid.append(float(tables["states"]["aid_received_usd_bn"].sum()))
        years = sorted(tables["states"]["year"].unique())
        for pair in PAIRS:
            levels = _pair_levels(tables["ties"], pair).reindex(years, fill_value=0)
            rows += [(replicate, y, "-".join(pair), float(v)) for y, v in levels.items()]
    levels = pd.DataFrame(rows, columns=["replicate", "year", "pair", "level"])
    return {
        "formed": np.array(formed),
        "aid_usd_bn": np.array(aid),
        "levels": levels,
        "example": example,
    }


def _draw(results: list[dict], seeds: int):
    fig = new_figure(15, 5.4)
    probs = [r["formed"].mean() for r in results]
    fig.suptitle(
        f"Asian NATO on the five-actor class world ({seeds} seeds per scenario): "
        f"a bloc of the US, Japan and Korea forms in {', '.join(f'{p:.0%}' for p in probs)} "
        "of runs",
        fontsize=12,
    )
    ax_p, ax_l, ax_t = fig.subplots(1, 3, width_ratios=[0.8, 1.1, 1])
    colours = [COLOURS["neutral"], COLOURS["side_a"], COLOURS["highlight"]]
    x = np.arange(len(ARMS))
    for i, r in enumerate(results):
        k = int(r["formed"].sum())
        _, lo, hi = wilson(k, seeds)
        ax_p.bar(i, probs[i], color=colours[i], width=0.6)
        ax_p.errorbar(
            i, probs[i], yerr=[[probs[i] - lo], [hi - probs[i]]], color="black", capsize=6
        )
        ax_p.text(i, hi + 0.03, f"{k} of {seeds}", ha="center", fontsize=9)
    ax_p.set_xticks(x, [a.label for a in ARMS], fontsize=8.5)
    ax_p.set_ylim(0, 1)
    ax_p.set_ylabel("probability an Asian NATO forms (95% interval)")
    panel_title(ax_p, "a", "Does a bloc form?")

    width = 0.8 / len(ARMS)
    for i, (arm, r) in enumerate(zip(ARMS, results, strict=True)):
        last = r["levels"][r["levels"]["year"] == r["levels"]["year"].max()]
        means = last.groupby("pair")["level"].mean().reindex(["-".join(p) for p in PAIRS])
        ax_l.barh(
            np.arange(len(PAIRS)) + (i - 1) * width,
            means.to_numpy(),
            height=width,
            color=colours[i],
            label=arm.label.replace("\n", " "),
        )
        for j, value in enumerate(means.to_numpy()):
            ax_l.text(value + 0.03, j + (i - 1) * width, f"{value:.2f}", va="center", fontsize=7.5)
    ax_l.set_yticks(np.arange(len(PAIRS)), ["-".join(p) for p in PAIRS])
    ax_l.invert_yaxis()
    ax_l.set_xticks(list(LEVELS), [f"{k}\n{v}" for k, v in LEVELS.items()])
    ax_l.set_xlim(0, 3.4)
    ax_l.set_xlabel("mean tie level in the last year")
    ax_l.legend(fontsize=8, loc="lower right")
    panel_title(ax_l, "b", "How close do the pairs end?")

    for i, (arm, r) in enumerate(zip(ARMS, results, strict=True)):
        for pair, style in ((("JPN", "KOR"), "-"), (("CHN", "KOR"), "--")):
            series = r["levels"][r["levels"]["pair"] == "-".join(pair)].groupby("year")["level"]
            ax_t.plot(
                series.mean(),
                style,
                color=colours[i],
                lw=2,
                label=f"{'-'.join(pair)}, {arm.label.replace(chr(10), ' ')}",
            )
    ax_t.set_yticks(list(LEVELS), list(LEVELS.values()))
    ax_t.set_ylim(-0.05, 3.05)
    years = sorted(results[0]["levels"]["year"].unique())
    set_year_axis(ax_t, years)
    ax_t.set_ylabel("mean tie level across seeds")
    ax_t.legend(fontsize=7.5, loc="upper right")
    panel_title(ax_t, "c", "The missing link: Japan-Korea (and Korea-China)")
    return fig


def _coalitions_figure(tables: dict, out_dir: Path, title: str) -> Path:
    """The run plots' coalition figure for one run (written atomically by ``sim.plots``),
    renamed for the demo."""
    drawn = draw_coalitions(
        tables, out_dir, key_states=["USA", "JPN", "KOR", "CHN", "EUR"], title=title
    )
    return Path(drawn).replace(out_dir / "example_run_coalitions.png")


def _reading(results: list[dict], seeds: int) -> str:
    """Plain-words reading of the results, built from the numbers (not fixed text)."""
    formed = [int(r["formed"].sum()) for r in results]
    jk = [
        r["levels"][r["levels"]["pair"] == "JPN-KOR"].groupby("year")["level"].mean()
        for r in results
    ]
    parts = []
    if sum(formed) == 0:
        parts.append(f"No bloc forms in any of the {len(results) * seeds} runs.")
    else:
        parts.append(
            "Blocs form in "
            + ", ".join(
                f"{k} of {seeds} ({a.label.replace(chr(10), ' ')})"
                for k, a in zip(formed, ARMS, strict=True)
            )
            + " runs."
        )
    parts.append(
        f"The Japan-Korea tie starts at level {jk[0].iloc[0]:.0f} and ends, on average, at "
        + ", ".join(f"{s.iloc[-1]:.2f}" for s in jk)
        + " in the three scenarios: the bloc "
        "needs it formal."
    )
    if results[1]["aid_usd_bn"].mean() == 0:
        parts.append(
            "The offer as designed pays only allies holding formal ties with other recipients, "
            "so with no Japan-Korea tie it pays nothing: an assurance problem (see the "
            "stag_hunt demo)."
        )
    parts.append(
        f"Paid unconditionally, USD {results[2]['aid_usd_bn'].mean():.0f} bn reaches Japan and "
        f"Korea over the run; a bloc forms in {formed[2]} of {seeds} runs."
    )
    return " ".join(parts)


def run(out_dir: Path, *, seeds: int = 20, seed: int = 0) -> DemoResult:
    """Run the three arms, compare them; draw and explain.

    Args:
        out_dir: where the figures go.
        seeds: replicates per scenario (1 to ``MAX_SEEDS``).
        seed: the base seed (replicate seeds come from it).

    Returns:
        The result; ``numbers`` holds, per arm label (first line), ``probability``,
        ``interval``, ``aid_usd_bn`` (mean total over the run) and ``final_levels`` (pair ->
        mean level in the last year).
    """
    if not 1 <= seeds <= MAX_SEEDS:
        raise UserError(f"--seeds must be between 1 and {MAX_SEEDS} (got {seeds})")
    results = [run_arm(arm, seeds, seed) for arm in ARMS]
    fig = _draw(results, seeds)
    figures = save_all([(fig, "asian_nato.png")], out_dir)
    figures.append(
        _coalitions_figure(
            results[2]["example"],
            Path(out_dir),
            "classroom5, USD 1.5 bn unconditional, replicate 0",
        )
    )
    numbers, lines = {}, []
    for arm, r in zip(ARMS, results, strict=True):
        label = arm.label.replace("\n", " ")
        k = int(r["formed"].sum())
        _, lo, hi = wilson(k, seeds)
        last = r["levels"][r["levels"]["year"] == r["levels"]["year"].max()]
        final = last.groupby("pair")["level"].mean().to_dict()
        numbers[label] = {
            "probability": k / seeds,
            "interval": (lo, hi),
            "aid_usd_bn": float(r["aid_usd_bn"].mean()),
            "final_levels": final,
        }
        ties = ", ".join(f"{'-'.join(pair)} {final['-'.join(pair)]:.2f}" for pair in PAIRS)
        lines.append(
            f"- {arm.label.replace(chr(10), ' ')}: bloc in {k} of {seeds} runs "
            f"(p = {k / seeds:.2f}, 95% interval {lo:.2f}-{hi:.2f}); aid actually paid "
            f"{r['aid_usd_bn'].mean():.1f} USD bn over the run; mean tie level in the last "
            f"year: {ties}."
        )
    sections = [
        (
            "The setting",
            "The model itself (Mesa agents choosing budgets and ties each year, 2024-2044) on "
            "five actors: the US, Japan, South Korea, China and NATO-Europe. An Asian NATO here "
            "is a formal bloc of the US with Japan and Korea. Tie levels: 0 none, 1 alignment, "
            "2 partnership, 3 formal.",
        ),
        ("Results", "\n".join(lines)),
        ("Reading them", _reading(results, seeds)),
        (
            "Ask the class",
            "What would have to change for Japan and Korea to commit to each other: more "
            "money, a different condition, or lower costs of history (affinity)? Try "
            "alliance-sim world=classroom5 with other settings. Is 'no bloc' a failure of the "
            "policy, or of the question?",
        ),
    ]
    return DemoResult(
        NAME, "The Asian NATO question, on the class world", sections, numbers, figures
    )
