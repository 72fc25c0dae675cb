"""Richardson's arms race: two rivals whose budgets react to each other (Richardson 1960).

dx/dt = k y - a x + g and dy/dt = l x - b y + h: each side arms in response to the other's
arms (reaction k, l: fear), is held back by the burden of its own (fatigue a, b), and arms
anyway out of grievance (g, h). When fatigue outweighs reaction (a b > k l) budgets settle at
the fixed point x* = (A - K)^-1 g, where the two reaction lines cross; when reaction outweighs
fatigue they run away. Uses the model's own engine, ``sim.core.richardson``; the numbers are
illustrative (USD bn per year), not estimates for any pair of states.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sim.core import richardson as engine
from sim.demos.base import DemoResult
from sim.demos.figures import COLOURS, Panel, Style, annotate_point, legend, panel_title, render

NAME = "richardson"


@dataclass(frozen=True)
class ArmsRace:
    """One parameter set of the two-state Richardson model (rates per year, budgets USD bn).

    Attributes:
        label: a short name for the case.
        reaction: (k, l), how strongly each side answers the other's budget.
        fatigue: (a, b), how strongly each side's own budget holds it back.
        grievance: (g, h), each side's arming whatever the other does.
        start: (x0, y0), the budgets in year 0.
    """

    label: str
    reaction: tuple[float, float]
    fatigue: tuple[float, float]
    grievance: tuple[float, float]
    start: tuple[float, float]

    def reaction_matrix(self) -> NDArray[np.float64]:
        """K with zero diagonal: K[0, 1] = k (x answers y), K[1, 0] = l."""
        return np.array([[0.0, self.reaction[0]], [self.reaction[1], 0.0]])


STABLE = ArmsRace(
    "stable", reaction=(0.3, 0.4), fatigue=(0.5, 0.6), grievance=(1.0, 1.5), start=(2.0, 9.0)
)
RUNAWAY = ArmsRace(
    "runaway", reaction=(0.6, 0.5), fatigue=(0.4, 0.3), grievance=(1.0, 1.5), start=(2.0, 3.0)
)
YEARS = 30
DT = 0.1  # years per Euler step: small enough that the iteration follows the continuous system


def analyse(case: ArmsRace, years: float = YEARS, dt: float = DT) -> dict:
    """Fixed point, stability and trajectory of one case.

    Returns:
        ``fixed_point`` (x*, y*) = (A - K)^-1 g, ``stable`` (every eigenvalue of K - A has a
        negative real part), ``condition`` a b - k l, ``time`` (years) and ``path`` (steps + 1, 2).
    """
    k = case.reaction_matrix()
    fatigue = np.array(case.fatigue)
    grievance = np.array(case.grievance)
    steps = round(years / dt)
    if not engine.discrete_step_is_stable(k, fatigue, dt) and engine.is_stable(k, fatigue):
        raise ValueError(f"step {dt} too large for the stable case {case.label}")
    path = engine.simulate(np.array(case.start), k, fatigue, grievance, steps, dt=dt)
    return {
        "fixed_point": engine.fixed_point(k, fatigue, grievance),
        "stable": engine.is_stable(k, fatigue),
        "condition": case.fatigue[0] * case.fatigue[1] - case.reaction[0] * case.reaction[1],
        "time": np.arange(steps + 1) * dt,
        "path": path,
    }


def _phase_plane(ax, case: ArmsRace, result: dict, limit: float, style: Style) -> None:
    """A phase plane: the flow, both reaction lines, the trajectory and the fixed point."""
    (k, l_), (a, b), (g, h) = case.reaction, case.fatigue, case.grievance
    grid = np.linspace(0, limit, 21)
    xx, yy = np.meshgrid(grid, grid)
    ax.streamplot(
        xx,
        yy,
        k * yy - a * xx + g,
        l_ * xx - b * yy + h,
        color="0.8",
        density=0.8,
        linewidth=0.7,
        arrowsize=0.8,
    )
    xs = np.linspace(0, limit, 100)
    lw = style.line
    ax.plot(
        xs, (a * xs - g) / k, color=COLOURS["side_a"], lw=lw, label="X's reaction line\n(dx/dt = 0)"
    )
    ax.plot(
        xs,
        (l_ * xs + h) / b,
        color=COLOURS["side_b"],
        lw=lw,
        label="Y's reaction line\n(dy/dt = 0)",
    )
    path = result["path"]
    ax.plot(path[:, 0], path[:, 1], color="black", lw=lw * 0.8, label="trajectory")
    ax.plot(*path[0], "s", color="black", ms=style.marker, label="start")
    x_star, y_star = result["fixed_point"]
    if x_star >= 0 and y_star >= 0:
        annotate_point(ax, x_star, y_star, f"fixed point ({x_star:.2f}, {y_star:.2f})", style=style)
    else:
        ax.text(
            0.97,
            0.03,
            f"lines cross at ({x_star:.1f}, {y_star:.1f}):\nno equilibrium with budgets >= 0",
            transform=ax.transAxes,
            va="bottom",
            ha="right",
            fontsize=style.note,
            bbox={"facecolor": "white", "edgecolor": "0.7"},
        )
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit)
    ax.set_xlabel("X's budget (USD bn)")
    ax.set_ylabel("Y's budget (USD bn)")
    legend(ax, style, outside=True)


def _budgets(ax, case: ArmsRace, result: dict, style: Style) -> None:
    """Both budgets over the years, with the fixed point (stable) or on a log scale (runaway)."""
    path, time = result["path"], result["time"]
    ax.plot(time, path[:, 0], color=COLOURS["side_a"], lw=style.line, label="X's budget")
    ax.plot(time, path[:, 1], color=COLOURS["side_b"], lw=style.line, label="Y's budget")
    x_star, y_star = result["fixed_point"]
    if result["stable"]:
        ax.axhline(x_star, color=COLOURS["side_a"], ls="--", lw=1.5, label=f"x* = {x_star:.2f}")
        ax.axhline(y_star, color=COLOURS["side_b"], ls="--", lw=1.5, label=f"y* = {y_star:.2f}")
        ax.set_ylabel("defence budget (USD bn)")
    else:
        ax.set_yscale("log")
        ax.set_ylabel("defence budget (USD bn, log scale)")
    ax.set_xlabel("year")
    legend(ax, style, outside=True)


def _panels(cases: list[ArmsRace], results: list[dict]) -> list[Panel]:
    """Four panels: the budgets over time of each case (a, b), then their phase planes (c, d)."""
    top, bottom = [], []
    for col, (case, result) in enumerate(zip(cases, results, strict=True)):
        (k, l_), (a, b) = case.reaction, case.fatigue
        params = f"k = {k:g}, l = {l_:g}, a = {a:g}, b = {b:g}"
        verdict = "ab > kl: stable" if result["stable"] else "ab < kl: runaway"
        name = case.label.capitalize()
        x_star, y_star = result["fixed_point"]
        limit = 1.6 * max(abs(x_star), abs(y_star), *case.start) if result["stable"] else 40.0

        def budgets(
            ax,
            style,
            case=case,
            result=result,
            title=f"{name} case ({params}; {verdict})",
            letter="ab"[col],
        ):
            _budgets(ax, case, result, style)
            panel_title(ax, letter, title, style)

        def plane(
            ax,
            style,
            case=case,
            result=result,
            limit=limit,
            title=f"{name} case: phase plane",
            letter="cd"[col],
        ):
            _phase_plane(ax, case, result, limit, style)
            panel_title(ax, letter, title, style)

        top.append(Panel("ab"[col], budgets))
        bottom.append(Panel("cd"[col], plane))
    return top + bottom


def run(
    out_dir: Path,
    *,
    cases: tuple[ArmsRace, ArmsRace] = (STABLE, RUNAWAY),
    projector: bool = False,
) -> DemoResult:
    """Simulate the cases, compute their fixed points; draw and explain them.

    ``projector=True`` writes one 16:9 figure per panel in large type (``richardson_a.png``
    ...) instead of ``richardson.png``.

    Returns:
        The result; ``numbers`` holds, per case label, ``fixed_point``, ``stable``,
        ``condition`` and ``final`` (the budgets after ``YEARS`` years).
    """
    results = [analyse(c) for c in cases]
    figures, drawn = render(
        NAME,
        _panels(list(cases), results),
        out_dir,
        projector=projector,
        title="Richardson arms race: when fatigue outweighs fear (ab > kl) budgets settle where "
        "the reaction lines cross;\notherwise they run away",
        size=(15, 10),
        grid=(2, 2),
    )
    lines = []
    for case, r in zip(cases, results, strict=True):
        (k, l_), (a, b), (g, h) = case.reaction, case.fatigue, case.grievance
        x_star, y_star = r["fixed_point"]
        end = r["path"][-1]
        lines.append(
            f"- {case.label}: k = {k:g}, l = {l_:g}, a = {a:g}, b = {b:g}, g = {g:g}, h = {h:g}; "
            f"ab - kl = {r['condition']:.2f} -> {'stable' if r['stable'] else 'runaway'}. "
            f"x* = (A - K)^-1 g = ({x_star:.2f}, {y_star:.2f}). Budgets after {YEARS} years: "
            f"({end[0]:.1f}, {end[1]:.1f}) from ({case.start[0]:g}, {case.start[1]:g})."
        )
    sections = [
        (
            "The model",
            "dx/dt = k y - a x + g, dy/dt = l x - b y + h: X arms in answer to Y's budget "
            "(reaction k), is held back by the cost of its own (fatigue a), and arms anyway "
            "out of grievance g; likewise Y. Budgets in USD bn, illustrative.",
        ),
        ("Equilibria", "\n".join(lines)),
        (
            "Ask the class",
            "What in real politics is 'fatigue', and what is 'reaction'? The stable case ends at "
            "the same budgets from any start: why? Which change would turn it into a race - "
            "more fear, less fatigue, or more grievance (grievance moves x*, not stability)? "
            "Why does the runaway case's equilibrium lie at negative budgets, and what stops "
            "real races (budgets, economies, arms control)?",
        ),
    ]
    numbers = {
        c.label: {
            "fixed_point": r["fixed_point"],
            "stable": r["stable"],
            "condition": r["condition"],
            "final": r["path"][-1],
        }
        for c, r in zip(cases, results, strict=True)
    }
    return DemoResult(
        NAME, "Richardson arms race", sections, numbers=numbers, figures=figures, drawn=drawn
    )
