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
from sim.demos.figures import COLOURS, Panel, Style, legend, panel_title, render
from sim.errors import UserError
from sim.plots import draw_coalitions
from sim.plots._common import set_year_axis as _plots_year_axis
from sim.runner.config import compose
from sim.runner.simulate import prepare, simulate
from sim.stats import wilson

NAME = "asian_nato"
WORLD = ["world=classroom5", "model.predicates.asian_nato_min=2"]
INJECTION = "scenario.events.us_indo_pacific_injection"
LEVELS = {0: "none", 1: "alignment", 2: "partnership", 3: "formal"}
PAIRS = [("JPN", "KOR"), ("USA", "JPN"), ("USA", "KOR"), ("CHN", "KOR"), ("CHN", "JPN")]
MAX_SEEDS = 200
HISTORY_SET_ASIDE = 0.5
"""Japan-Korea affinity of the fourth scenario (the world config's is -0.25: colonial history
and the 2019 trade dispute); 0.5 is an illustrative value, as warm as close partners."""


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
    Arm(
        f"no money; Japan-Korea\naffinity {HISTORY_SET_ASIDE:g}",
        ("scenario=baseline", f"world.affinity.JPN-KOR={HISTORY_SET_ASIDE}"),
    ),
)
"""The scenarios compared: the question's three, then one that changes history, not money."""


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
        bn over the run), ``levels`` (DataFrame: replicate x year x pair -> tie level),
        ``example`` (the tables of the first replicate in which a bloc forms, else of replicate
        0) and ``example_replicate`` (its number).
    """
    cfg = compose([*WORLD, *arm.overrides, f"seed={seed}"])
    prepared = prepare(cfg)
    formed, aid, rows = [], [], []
    example, example_replicate = None, 0
    for replicate in range(seeds):
        tables = simulate(cfg, replicate, prepared)
        formed.append(bool(tables["summary"]["asian_nato_formed"].iloc[0]))
        if example is None or (formed[-1] and not formed[example_replicate]):
            example, example_replicate = tables, replicate
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
        "example_replicate": example_replicate,
    }


COLOURS_BY_ARM = (COLOURS["neutral"], COLOURS["side_a"], COLOURS["highlight"], COLOURS["cooperate"])


def set_year_axis(ax, years, style: Style) -> None:
    """The run plots' year axis, with fewer ticks in the projector's large type."""
    from matplotlib.ticker import MaxNLocator

    _plots_year_axis(ax, years)
    if style.projector:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))


def _one_line(arm: Arm) -> str:
    """An arm's label on one line."""
    return arm.label.replace("\n", " ")


def _probability_panel(ax, results: list[dict], seeds: int, style: Style) -> None:
    """Panel (a): the share of runs in which a bloc forms, with its 95% Wilson interval."""
    for i, r in enumerate(results):
        k = int(r["formed"].sum())
        p, lo, hi = k / seeds, *wilson(k, seeds)[1:]
        ax.barh(i, p, color=COLOURS_BY_ARM[i], height=0.6)
        ax.plot([p], [i], "o", color=COLOURS_BY_ARM[i], ms=style.marker, mec="black")
        ax.errorbar(p, i, xerr=[[p - lo], [hi - p]], color="black", capsize=8, lw=1.5)
        ax.text(hi + 0.02, i, f"{k} of {seeds} runs", va="center", fontsize=style.note)
    ax.set_yticks(range(len(ARMS)), [a.label for a in ARMS])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_xlabel("share of runs in which a US-Japan-Korea bloc forms (95% interval)")
    panel_title(ax, "a", "Does a bloc form?", style)


def _levels_panel(ax, results: list[dict], style: Style) -> None:
    """Panel (b): each pair's mean tie level in the last year, per scenario."""
    width = 0.8 / len(ARMS)
    for i, (arm, r) in enumerate(zip(ARMS, results, strict=True)):
        last = r["levels"][r["levels"]["year"] == r["levels"]["year"].max()]
        means = last.groupby("pair")["level"].mean().reindex(["-".join(p) for p in PAIRS])
        rows = np.arange(len(PAIRS)) + (i - (len(ARMS) - 1) / 2) * width
        ax.barh(rows, means.to_numpy(), height=width, color=COLOURS_BY_ARM[i], label=_one_line(arm))
        if not style.projector:
            for row, value in zip(rows, means.to_numpy(), strict=True):
                ax.text(value + 0.03, row, f"{value:.2f}", va="center", fontsize=style.small)
    ax.set_yticks(np.arange(len(PAIRS)), ["-".join(p) for p in PAIRS])
    ax.invert_yaxis()
    ax.set_xticks(list(LEVELS), [f"{k}\n{v}" for k, v in LEVELS.items()])
    ax.set_xlim(0, 3.4)
    ax.set_xlabel("mean tie level in the last year")
    legend(ax, style, outside=True)
    panel_title(ax, "b", "How close do the pairs end?", style)


def _missing_link_panel(ax, results: list[dict], style: Style) -> None:
    """Panel (c): the Japan-Korea tie over the years, mean across runs, per scenario."""
    for i, (arm, r) in enumerate(zip(ARMS, results, strict=True)):
        series = r["levels"][r["levels"]["pair"] == "JPN-KOR"].groupby("year")["level"].mean()
        dash = (0, (6, 3)) if i == 1 else "-"  # the baseline and the offer often coincide
        lw = style.line * (2 if i == 0 else 1)  # the baseline shows as a band beneath
        ax.plot(series, ls=dash, color=COLOURS_BY_ARM[i], lw=lw, label=_one_line(arm))
    ax.set_yticks(list(LEVELS), list(LEVELS.values()))
    ax.set_ylim(-0.05, 3.05)
    set_year_axis(ax, sorted(results[0]["levels"]["year"].unique()), style)
    ax.set_ylabel("Japan-Korea tie, mean across runs")
    legend(ax, style, outside=True)
    panel_title(ax, "c", "The missing link: the Japan-Korea tie", style)


def _example_panel(ax, arm: Arm, result: dict, style: Style) -> None:
    """Panel (d): one run's ties of the three pairs a bloc needs, and when it forms."""
    tables, replicate = result["example"], result["example_replicate"]
    years = sorted(tables["states"]["year"].unique())
    for pair, colour in (
        (("JPN", "KOR"), "black"),
        (("USA", "JPN"), COLOURS["side_a"]),
        (("USA", "KOR"), COLOURS["side_b"]),
    ):
        levels = _pair_levels(tables["ties"], pair).reindex(years, fill_value=0)
        lw = style.line * (1.4 if pair == ("JPN", "KOR") else 1)
        shift = {"USA-JPN": 0.05, "USA-KOR": -0.05}.get("-".join(pair), 0.0)  # both often formal
        ax.step(
            years, levels.to_numpy() + shift, where="mid", color=colour, lw=lw, label="-".join(pair)
        )
    formed = tables["summary"]["asian_nato_year"].iloc[0]
    if bool(tables["summary"]["asian_nato_formed"].iloc[0]):
        ax.axvspan(
            formed - 0.5,
            years[-1] + 0.5,
            color=COLOURS["highlight"],
            alpha=0.2,
            label="bloc formed",
        )
        what = f"the bloc forms in {int(formed)}"
    else:
        what = "no bloc forms"
    ax.set_yticks(list(LEVELS), list(LEVELS.values()))
    ax.set_ylim(-0.15, 3.15)
    set_year_axis(ax, years, style)
    ax.set_ylabel("tie level")
    legend(ax, style, outside=True)
    panel_title(ax, "d", f"One run ({_one_line(arm)}, replicate {replicate}): {what}", style)


def _example_arm(results: list[dict]) -> int:
    """The scenario whose example is shown: the first in which a bloc forms in some run (else
    the unconditional payment)."""
    return next((i for i, r in enumerate(results) if r["formed"].any()), 2)


def _panels(results: list[dict], seeds: int) -> list[Panel]:
    """The demo's four panels."""
    shown = _example_arm(results)
    return [
        Panel("a", lambda ax, style: _probability_panel(ax, results, seeds, style)),
        Panel("b", lambda ax, style: _levels_panel(ax, results, style)),
        Panel("c", lambda ax, style: _missing_link_panel(ax, results, style)),
        Panel("d", lambda ax, style: _example_panel(ax, ARMS[shown], results[shown], style)),
    ]


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
    money = formed[:3]
    parts = [
        f"With the money alone a bloc forms in {sum(money)} of {3 * seeds} runs"
        if sum(money)
        else f"With the money alone no bloc forms in any of the {3 * seeds} runs."
    ]
    if sum(money):
        parts[0] += (
            " ("
            + ", ".join(f"{k} {_one_line(a)}" for k, a in zip(money, ARMS[:3], strict=True))
            + ")."
        )
    parts.append(
        f"The Japan-Korea tie starts at level {jk[0].iloc[0]:.0f} and ends, on average, at "
        + ", ".join(f"{s.iloc[-1]:.2f}" for s in jk[:3])
        + " in those three scenarios: the bloc needs it formal."
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
    parts.append(
        f"Without any money but with Japan-Korea affinity {HISTORY_SET_ASIDE:g} instead of "
        f"-0.25, the tie ends at {jk[3].iloc[-1]:.2f} on average and a bloc forms in "
        f"{formed[3]} of {seeds} runs: here history, not money, is what holds the bloc back."
    )
    shown = _example_arm(results)
    r = results[shown]
    summary = r["example"]["summary"].iloc[0]
    when = (
        f"the bloc forms in {int(summary['asian_nato_year'])}"
        if bool(summary["asian_nato_formed"])
        else "no bloc forms"
    )
    parts.append(
        f"Panel (d) follows one run, replicate {r['example_replicate']} of "
        f"'{_one_line(ARMS[shown])}' (the first run in which a bloc forms, if any does): {when}."
    )
    return " ".join(parts)


def run(out_dir: Path, *, seeds: int = 20, seed: int = 0, projector: bool = False) -> DemoResult:
    """Run the four scenarios, compare them; draw and explain.

    Args:
        out_dir: where the figures go.
        seeds: replicates per scenario (1 to ``MAX_SEEDS``).
        seed: the base seed (replicate seeds come from it).
        projector: write one 16:9 figure per panel in large type (``asian_nato_a.png`` ...)
            instead of ``asian_nato.png`` and the run plots' ``example_run_coalitions.png``.

    Returns:
        The result; ``numbers`` holds, per arm label (first line), ``probability``,
        ``interval``, ``aid_usd_bn`` (mean total over the run) and ``final_levels`` (pair ->
        mean level in the last year).
    """
    if not 1 <= seeds <= MAX_SEEDS:
        raise UserError(f"--seeds must be between 1 and {MAX_SEEDS} (got {seeds})")
    results = [run_arm(arm, seeds, seed) for arm in ARMS]
    probs = ", ".join(f"{r['formed'].mean():.0%}" for r in results)
    figures, drawn = render(
        NAME,
        _panels(results, seeds),
        out_dir,
        projector=projector,
        title=f"Asian NATO on the five-actor class world ({seeds} seeds per scenario): a bloc of "
        f"the US, Japan and Korea forms in {probs} of runs",
        size=(17, 10),
        grid=(2, 2),
    )
    shown = _example_arm(results)
    if not projector:  # the run plots' own chart, in their (small) type
        figures.append(
            _coalitions_figure(
                results[shown]["example"],
                Path(out_dir),
                f"classroom5, {_one_line(ARMS[shown])}, replicate "
                f"{results[shown]['example_replicate']}",
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
        NAME, "The Asian NATO question, on the class world", sections, numbers, figures, drawn
    )
