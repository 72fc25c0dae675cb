"""The security dilemma as a prisoner's dilemma: arm or restrain, once and repeated.

Two rivals each choose to restrain or to arm. Arming while the other restrains buys superiority
(the temptation T); both restraining keeps the peace cheaply (the reward R); both arming is a
costly race (the punishment P); restraining alone leaves a state exposed (the sucker's payoff S),
with T > R > P > S (Jervis 1978 on the security dilemma; Axelrod 1984 on the repeated game).

Played once, arming strictly dominates and the only equilibrium is (arm, arm). Played
repeatedly with discount factor delta (how much next year's payoff counts against this year's),
mutual restraint is sustained by the grim trigger (restrain until the rival arms, then arm for
ever) exactly when delta >= (T - R) / (T - P) (the folk theorem; Fudenberg & Maskin 1986).
Tit-for-tat needs more patience: it must also deter alternating deviations, which gives
delta >= max((T - R) / (T - P), (T - R) / (R - S)) (Axelrod 1984).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sim.demos.base import DemoResult
from sim.demos.figures import (
    COLOURS,
    Panel,
    Style,
    draw_payoff_matrix,
    legend,
    panel_title,
    render,
)
from sim.demos.games import describe, nash_equilibria, pure_cells
from sim.errors import UserError

NAME = "security_dilemma"
ACTIONS = ("restrain", "arm")


def payoff_matrices(
    temptation: float = 5.0, reward: float = 3.0, punishment: float = 1.0, sucker: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The symmetric arms game; rows and columns are (restrain, arm).

    Returns:
        (row player's payoffs, column player's payoffs), each 2x2, in security units per year.

    Raises:
        UserError: unless T > R > P > S (otherwise the game is not a prisoner's dilemma).
    """
    if not temptation > reward > punishment > sucker:
        raise UserError(
            "payoffs must satisfy temptation > reward > punishment > sucker "
            f"(got {temptation}, {reward}, {punishment}, {sucker})"
        )
    row = np.array([[reward, sucker], [temptation, punishment]], dtype=float)
    return row, row.T.copy()


def critical_discount_grim(temptation: float, reward: float, punishment: float) -> float:
    """Smallest discount factor at which the grim trigger sustains restraint: (T-R)/(T-P)."""
    return (temptation - reward) / (temptation - punishment)


def critical_discount_tit_for_tat(
    temptation: float, reward: float, punishment: float, sucker: float
) -> float:
    """Smallest discount factor at which tit-for-tat against itself is an equilibrium.

    Tit-for-tat must deter both a permanent switch to arming, (T-R)/(T-P), and alternating
    arm/restrain, (T-R)/(R-S).
    """
    return max(
        critical_discount_grim(temptation, reward, punishment),
        (temptation - reward) / (reward - sucker),
    )


def discounted_streams(
    delta: float, rounds: int, temptation: float, reward: float, punishment: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cumulative discounted payoffs against a grim-trigger rival over ``rounds`` years.

    Returns:
        (always restrain, arm in the first year then face arming for ever), each (rounds,).
    """
    t = np.arange(rounds)
    weight = delta**t
    restrain = np.full(rounds, reward)
    deviate = np.where(t == 0, temptation, punishment)
    return np.cumsum(weight * restrain), np.cumsum(weight * deviate)


def _panels(
    row: NDArray[np.float64],
    equilibria: list,
    critical: float,
    critical_tft: float,
    deltas: tuple[float, float],
) -> list[Panel]:
    """The demo's three panels: the payoff matrix, restraint against the discount factor and
    the payoff streams."""
    temptation, reward, punishment = row[1, 0], row[0, 0], row[1, 1]

    def matrix(ax, style: Style) -> None:
        draw_payoff_matrix(ax, row, row.T, ACTIONS, pure_cells(equilibria), style=style)
        panel_title(ax, "a", "One round: payoffs (A, B)", style)

    def repeated(ax, style: Style) -> None:
        delta = np.linspace(0, 0.99, 200)
        lw = style.line
        ax.axhline(reward, color=COLOURS["cooperate"], lw=lw, label="keep restraining: R a year")
        ax.plot(
            delta,
            (1 - delta) * temptation + delta * punishment,
            color=COLOURS["defect"],
            lw=lw,
            label="arm now, then a race for ever",
        )
        ax.axvspan(critical, 1, color=COLOURS["cooperate"], alpha=0.12, label="restraint pays")
        ax.set_ylim(punishment - 0.2, temptation + 0.3)
        ax.axvline(critical, color="black", ls="--", lw=1)
        ax.axvline(critical_tft, color="black", ls=":", lw=1.5)
        ax.text(
            critical,
            temptation,
            f"grim trigger \nδ* = {critical:.2f} ",
            fontsize=style.note,
            va="top",
            ha="right",
        )
        ax.text(
            critical_tft,
            0.5 * (temptation + reward),
            f" tit-for-tat\n δ = {critical_tft:.2f}",
            fontsize=style.note,
            va="center",
        )
        ax.set_xlabel("discount factor δ (weight of next year)")
        ax.set_ylabel("average payoff per year")
        ax.set_xlim(0, 1)
        legend(ax, style, loc="lower left", framealpha=1)
        panel_title(ax, "b", "Repeated game: when does restraint pay?", style)

    def streams(ax, style: Style) -> None:
        rounds = 15
        years = np.arange(1, rounds + 1)
        for d, dash in zip(deltas, ("-", "--"), strict=True):
            coop, dev = discounted_streams(d, rounds, temptation, reward, punishment)
            lw = style.line
            ax.plot(
                years, coop, dash, color=COLOURS["cooperate"], lw=lw, label=f"restrain, δ = {d:g}"
            )
            ax.plot(years, dev, dash, color=COLOURS["defect"], lw=lw, label=f"arm first, δ = {d:g}")
        ax.set_xlabel("year")
        ax.set_ylabel("cumulative discounted payoff")
        legend(ax, style, loc="upper left")
        verdicts = [
            f"{'restraint' if d >= critical else 'arming first'} pays at δ = {d:g}" for d in deltas
        ]
        panel_title(ax, "c", "Against a grim-trigger rival: " + ", ".join(verdicts), style)

    return [Panel("a", matrix), Panel("b", repeated), Panel("c", streams)]


def run(
    out_dir: Path,
    *,
    projector: bool = False,
    temptation: float = 5.0,
    reward: float = 3.0,
    punishment: float = 1.0,
    sucker: float = 0.0,
    deltas: tuple[float, float] = (0.3, 0.8),
) -> DemoResult:
    """Compute the equilibria and the critical discount factors; draw and explain them.

    ``projector=True`` writes one 16:9 figure per panel in large type
    (``security_dilemma_a.png`` ...) instead of ``security_dilemma.png``.

    Returns:
        The result; ``numbers`` holds ``equilibria`` (list of (row, column) strategies),
        ``critical_delta_grim`` and ``critical_delta_tit_for_tat``.
    """
    row, col = payoff_matrices(temptation, reward, punishment, sucker)
    equilibria = nash_equilibria(row, col)
    critical = critical_discount_grim(temptation, reward, punishment)
    critical_tft = critical_discount_tit_for_tat(temptation, reward, punishment, sucker)
    eq_text = ", ".join(describe(e, ACTIONS) for e in equilibria)
    figures, drawn = render(
        NAME,
        _panels(row, equilibria, critical, critical_tft, deltas),
        out_dir,
        projector=projector,
        title="Security dilemma: arming is the only equilibrium of one round; patient rivals "
        f"(discount factor >= {critical:.2f}) can sustain restraint",
        size=(15, 4.8),
        width_ratios=[0.8, 1, 1],
    )
    sections = [
        (
            "The game",
            "Two rivals each restrain or arm. Payoffs per year (A's first): both restrain "
            f"{reward:g}, both arm {punishment:g},\narm while the other restrains {temptation:g}, "
            f"restrain while the other arms {sucker:g}.",
        ),
        (
            "Equilibria (nashpy, support and vertex enumeration agree)",
            f"- One round: {eq_text} is the only equilibrium - arming strictly dominates, yet both "
            f"would rather\nhave {reward:g} each from mutual restraint than {punishment:g} "
            "each from the race.\n"
            f"- Repeated, grim trigger: restraint is sustainable iff delta >= (T-R)/(T-P) = "
            f"({temptation:g}-{reward:g})/({temptation:g}-{punishment:g}) = {critical:.3f}.\n"
            f"- Tit-for-tat also has to deter alternating arm/restrain: delta >= "
            f"max({critical:.3f}, (T-R)/(R-S) = {(temptation - reward) / (reward - sucker):.3f})"
            f" = {critical_tft:.3f}.",
        ),
        (
            "Ask the class",
            "What does delta stand for between two real rivals (elections, leaders' horizons, "
            "the chance the rivalry\nends)? What makes arming observable - and what happens "
            "to restraint if it is not (arms control,\nverification)? Who gains from raising "
            "the sucker's payoff S (alliances, defensive weapons)?",
        ),
    ]
    return DemoResult(
        NAME,
        "Security dilemma: arm or restrain",
        sections,
        numbers={
            "equilibria": equilibria,
            "critical_delta_grim": critical,
            "critical_delta_tit_for_tat": critical_tft,
        },
        figures=figures,
        drawn=drawn,
    )
