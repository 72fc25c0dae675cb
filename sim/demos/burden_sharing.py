"""Burden sharing in NATO as a public-goods game, on the 2024 figures shipped with the package.

Allied deterrence is (largely) a public good: each ally's spending protects all, so each is
tempted to let the others pay. Olson & Zeckhauser (1966) predicted that in such an alliance the
larger economies bear a disproportionate share of the burden - they value the common good most,
and the small ones free ride on them - so defence as a share of GDP should rise with GDP.
The joint-product model (Sandler & Hartley 2001) qualifies this: where spending also buys private
benefits (own territory, a frontier, a rival next door) contributions follow threat as much as
size. This demo checks the prediction against NATO's own 2024 estimates.

Data: ``sim/world/data/defence_spending_2024.csv`` (NATO, June 2024: GDP and defence spending in
current USD, and defence as % of GDP as NATO publishes it); members from the world config's
NATO treaty (``configs/world/default.yaml``). Iceland has no armed forces and no reported
spending: it counts as zero in the shares and is left out of the correlation.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from sim.demos.base import DemoResult
from sim.demos.figures import COLOURS, Panel, legend, panel_title, place_labels, render
from sim.errors import UserError
from sim.runner.config import config_dir
from sim.world.tables import builtin_states

NAME = "burden_sharing"
GUIDELINE_PCT = 2.0  # the 2014 Wales pledge: move towards 2 % of GDP
HIGHLIGHT = {"USA", "POL", "DEU", "GBR", "FRA", "CAN", "ESP", "ITA"}  # labelled in bold


def nato_members(world: str = "default") -> list[str]:
    """The NATO members of a world config's treaty list (iso3 codes).

    Raises:
        UserError: the world config or its NATO treaty is missing.
    """
    path = config_dir() / "world" / f"{world}.yaml"
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        return list(spec["treaties"]["NATO"]["members"])
    except (OSError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read the NATO members from {path}: {exc}") from None


def nato_table(members: list[str] | None = None) -> pd.DataFrame:
    """NATO members' 2024 GDP, defence spending and shares.

    Returns:
        One row per member (index iso3) with ``name``, ``gdp_usd_bn``, ``defence_usd_bn``
        (0 where none is reported), ``defence_pct_gdp`` (as NATO publishes it; NaN where none),
        ``gdp_share`` and ``spending_share`` (fractions of the NATO totals) and ``burden_ratio``
        (spending share / GDP share: above 1 = pays more than its economic weight).
    """
    members = members or nato_members()
    states = builtin_states()
    missing = [m for m in members if m not in states.index]
    if missing:
        raise UserError(f"NATO members {missing} are not in the 2024 data table")
    table = states.loc[members, ["name", "gdp_usd_bn", "defence_usd_bn", "defence_pct_gdp"]].copy()
    table["defence_usd_bn"] = table["defence_usd_bn"].fillna(0.0)
    table["gdp_share"] = table["gdp_usd_bn"] / table["gdp_usd_bn"].sum()
    table["spending_share"] = table["defence_usd_bn"] / table["defence_usd_bn"].sum()
    table["burden_ratio"] = table["spending_share"] / table["gdp_share"]
    return table


def olson_zeckhauser_test(
    table: pd.DataFrame, exclude: tuple[str, ...] = ()
) -> tuple[float, float, int]:
    """Spearman rank correlation of GDP with defence % of GDP (members with a reported share).

    Returns:
        (rho, two-sided p-value, number of members used). Olson & Zeckhauser predict rho > 0.
    """
    from scipy.stats import spearmanr

    data = table.dropna(subset=["defence_pct_gdp"]).drop(index=list(exclude), errors="ignore")
    result = spearmanr(data["gdp_usd_bn"], data["defence_pct_gdp"])
    return float(result.statistic), float(result.pvalue), len(data)


def _meets_guideline(data: pd.DataFrame) -> pd.Series:
    """Whether each member spends at least the guideline share of GDP (the one colour code of
    both panels: green meets it, red is below)."""
    return data["defence_pct_gdp"] >= GUIDELINE_PCT


def _scatter_by_guideline(ax, xs: pd.Series, ys: pd.Series, meets: pd.Series, style) -> None:
    """Members as points, green circles at or above the guideline, red triangles below."""
    size = 3.2 * style.marker**2 / 7
    for mask, colour, marker, label in (
        (meets, COLOURS["cooperate"], "o", f"spends at least {GUIDELINE_PCT:g}% of GDP"),
        (~meets, COLOURS["defect"], "v", f"spends under {GUIDELINE_PCT:g}% of GDP"),
    ):
        ax.scatter(xs[mask], ys[mask], s=size, color=colour, marker=marker, label=label, zorder=3)


def _labeller(xs: pd.Series, ys: pd.Series):
    """The ``after`` step of a panel: label every point without overprinting, the
    highlighted members in bold."""
    codes = list(xs.index)
    order = sorted(range(len(codes)), key=lambda k: codes[k] not in HIGHLIGHT)

    def after(ax, style) -> None:
        place_labels(
            ax,
            [xs.iloc[k] for k in order],
            [ys.iloc[k] for k in order],
            [codes[k] for k in order],
            fontsize=style.small,
            bold=[codes[k] in HIGHLIGHT for k in order],
        )

    return after


def _panels(table: pd.DataFrame, rho: float, p_value: float, n: int) -> list[Panel]:
    """Panel (a): defence % of GDP against GDP; (b): burden ratio against share of GDP."""
    data = table.dropna(subset=["defence_pct_gdp"])
    meets = _meets_guideline(data)

    def size_panel(ax, style):
        _scatter_by_guideline(ax, data["gdp_usd_bn"], data["defence_pct_gdp"], meets, style)
        ax.axhline(GUIDELINE_PCT, color="black", ls="--", lw=1)
        ax.set_xscale("log")
        ax.set_xlim(data["gdp_usd_bn"].min() / 2, data["gdp_usd_bn"].max() * 3)
        top = data["defence_pct_gdp"].max()
        low = data["defence_pct_gdp"].min() - 0.25
        ax.set_ylim(low, top + 0.45 * (top - low))  # room at the top for the boxes
        ax.set_xlabel("GDP 2024 (USD bn, log scale)")
        ax.set_ylabel("defence spending (% of GDP)")
        legend(ax, style, loc="upper left", title=f"NATO guideline (dashed): {GUIDELINE_PCT:g}%")
        ax.get_legend().get_title().set_fontsize(style.legend)
        ax.text(
            0.98,
            0.97,
            f"Spearman rank correlation\nrho = {rho:+.2f} (p = {p_value:.2f}, "
            f"n = {n})\nOlson & Zeckhauser predict rho > 0",
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=style.note,
            bbox={"facecolor": "white", "edgecolor": "0.7"},
        )
        panel_title(
            ax, "a", "Do bigger economies spend a larger share? (Olson & Zeckhauser)", style
        )
        return _labeller(data["gdp_usd_bn"], data["defence_pct_gdp"])

    shares = data[data["defence_usd_bn"] > 0]

    def burden_panel(ax, style):
        x, y = 100 * shares["gdp_share"], shares["burden_ratio"]
        _scatter_by_guideline(ax, x, y, _meets_guideline(shares), style)
        ax.axhline(1.0, color="black", lw=1, ls=":")
        ax.set_xscale("log")
        ax.set_xlim(x.min() / 2, x.max() * 3)
        ax.set_ylim(y.min() - 0.1, y.max() + 0.35)
        ax.set_xlabel("share of NATO GDP (%, log scale)")
        ax.set_ylabel("spending share / GDP share\n(above 1: pays more than its weight)")
        legend(ax, style, loc="upper left", title="dotted: pays exactly its GDP share")
        ax.get_legend().get_title().set_fontsize(style.legend)
        panel_title(
            ax, "b", "Burden relative to economic weight (spending share / GDP share)", style
        )
        return _labeller(x, y)

    return [Panel("a", size_panel), Panel("b", burden_panel)]


def run(out_dir: Path, *, projector: bool = False) -> DemoResult:
    """Compute the burden-sharing figures for NATO 2024; draw and explain them.

    Both panels colour the members the same way: green at or above the 2% guideline, red
    below it. ``projector=True`` writes one 16:9 figure per panel in large type
    (``burden_sharing_a.png``, ``burden_sharing_b.png``) instead of ``burden_sharing.png``.

    Returns:
        The result; ``numbers`` holds ``spearman_rho``, ``spearman_p``, ``n``,
        ``spearman_rho_without_us``, ``us_gdp_share``, ``us_spending_share``,
        ``below_guideline`` (iso3 codes) and ``table`` (the per-member table).
    """
    table = nato_table()
    rho, p_value, n = olson_zeckhauser_test(table)
    rho_x, p_x, _ = olson_zeckhauser_test(table, exclude=("USA",))
    figures, drawn = render(
        NAME,
        _panels(table, rho, p_value, n),
        out_dir,
        projector=projector,
        title="NATO burden sharing 2024: the US pays more than its share of GDP, but across "
        "allies size does not predict effort; frontline states spend the most",
        size=(15, 6.5),
    )

    data = table.dropna(subset=["defence_pct_gdp"])
    below = data[data["defence_pct_gdp"] < GUIDELINE_PCT].sort_values("defence_pct_gdp")
    top = data.sort_values("defence_pct_gdp", ascending=False).head(6)
    us = table.loc["USA"]
    europe_gdp = 1 - us["gdp_share"]
    europe_spend = 1 - us["spending_share"]
    low_ratio = table[table["defence_usd_bn"] > 0].sort_values("burden_ratio").head(5)

    def listing(frame: pd.DataFrame) -> str:
        return ", ".join(f"{r['name']} {r['defence_pct_gdp']:.2f}%" for _, r in frame.iterrows())

    sections = [
        (
            "The game",
            "Each ally chooses how much to spend; deterrence protects all of them, so each "
            "would rather others paid (a public-goods game). Olson & Zeckhauser (1966): the "
            "big value the common defence most and carry the small, so defence % of GDP should "
            "rise with GDP.",
        ),
        (
            "What the 2024 data show (NATO estimates, 32 members)",
            f"- The US has {100 * us['gdp_share']:.1f}% of NATO's GDP but pays "
            f"{100 * us['spending_share']:.1f}% of its defence spending; the other "
            f"{len(table) - 1} allies have {100 * europe_gdp:.1f}% of the GDP and pay "
            f"{100 * europe_spend:.1f}%. At the top, the prediction holds.\n"
            f"- Across all members, GDP and defence % of GDP are not rank-correlated: "
            f"Spearman rho = {rho:+.2f} (p = {p_value:.2f}, n = {n}; without the US "
            f"rho = {rho_x:+.2f}, p = {p_x:.2f}). Size alone does not predict effort.\n"
            f"- Highest shares: {listing(top)}: mostly allies near Russia - threat, a private "
            "benefit of one's own spending, matters as much as size (Sandler & Hartley 2001: "
            "joint products).\n"
            f"- Below the {GUIDELINE_PCT:g}% guideline ({len(below)} of {n}): {listing(below)}. "
            f"Lowest spending share relative to GDP share: "
            + ", ".join(f"{r['name']} {r['burden_ratio']:.2f}" for _, r in low_ratio.iterrows())
            + " (Iceland, with no armed forces, pays none).",
        ),
        (
            "Ask the class",
            "Is a state below 2% free riding, or does it face less threat? Why might Poland "
            "and the Baltic states spend more than Germany? If the US cut its share, would the "
            "others fill the gap (the public-goods prediction) or not? What does this suggest "
            "for an Asian alliance with one very large member?",
        ),
    ]
    numbers = {
        "spearman_rho": rho,
        "spearman_p": p_value,
        "n": n,
        "spearman_rho_without_us": rho_x,
        "us_gdp_share": float(us["gdp_share"]),
        "us_spending_share": float(us["spending_share"]),
        "below_guideline": list(below.index),
        "table": table,
    }
    return DemoResult(NAME, "Burden sharing in NATO, 2024", sections, numbers, figures, drawn)
