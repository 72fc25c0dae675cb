"""Scenario discovery: which combinations of the judgement parameters make an Asian NATO likely?

The runs are those of the Asian NATO experiment's priors part (``experiments/asian_nato_question``:
joint draws of every judgement parameter from its prior, ``configs/priors``, each run at several
doses of the US injection with the same seeds). At one dose, each run is a point: its drawn
parameters and whether an Asian NATO formed within the horizon. PRIM, the Patient Rule Induction
Method (Friedman & Fisher 1999), as the EMA Workbench implements it (Kwakkel 2017), peels the
parameter space down to a box where formation is frequent; the analyst picks a box on the
peeling trajectory (here: the one with the largest coverage among those with density at least
``min_density``). A box found on every parameter restricts many of them a little, most not
significantly (the quasi-p value of a restriction: the chance that a box as dense would arise by
chance without it; Bryant & Lempert 2010). So PRIM is run again on the parameters whose
restriction is significant (quasi-p at most ``max_qp``), and that box is reported (``find_box``),
with its statistics recomputed on the data:

* coverage: the share of all the runs where it formed that lie in the box;
* density: the share of the runs in the box where it formed;
* mass: the share of all the runs that lie in the box.

A run is a point, so the two seeds of a draw are two points with the same parameters: density
and coverage count runs, and the Monte Carlo noise of a single run is part of what PRIM sees.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from sim.study.sensitivity_report import short

PRIOR_PREFIX = "prior."


@dataclass
class Box:
    """A PRIM box at one dose: its restrictions and statistics.

    Attributes:
        dose: the injection, USD bn a year.
        limits: one row per restricted parameter: ``parameter``, ``low``, ``high`` (the box),
            ``prior_low``, ``prior_high`` (the range of the draws), ``qp`` (quasi-p value of the
            restriction; the smaller of the two sides' where both are restricted).
        coverage, density, mass: as in the module's docstring, recomputed on the data.
        n, k: runs in the box, and those among them where it formed.
        base_rate: the share of all runs where it formed.
        trajectory: PRIM's peeling trajectory (coverage, density, mass, restricted dimensions).
    """

    dose: float
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    base_rate: float
    trajectory: pd.DataFrame


def design(runs: pd.DataFrame, dose: float, outcome: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The runs at one dose as PRIM's inputs: the drawn parameters (columns named after the
    config path without ``prior.``) and the 0/1 outcome.

    Raises:
        ValueError: no run at that dose, or no ``prior.*`` column.
    """
    at = runs[np.isclose(runs["dose_usd_bn"].astype(float), dose)]
    if at.empty:
        doses = ", ".join(f"{d:g}" for d in sorted(runs["dose_usd_bn"].unique()))
        raise ValueError(f"no run at dose {dose:g} (the runs have {doses})")
    cols = [c for c in at.columns if c.startswith(PRIOR_PREFIX)]
    if not cols:
        raise ValueError("the runs have no prior.* columns (not runs of the priors part)")
    if at[outcome].isna().any():
        raise ValueError(f"{int(at[outcome].isna().sum())} runs at dose {dose:g} have no {outcome}")
    x = at[cols].rename(columns=lambda c: c.removeprefix(PRIOR_PREFIX)).reset_index(drop=True)
    return x.astype(float), at[outcome].to_numpy(dtype=bool)


def in_box(x: pd.DataFrame, limits: pd.DataFrame) -> np.ndarray:
    """Which rows of ``x`` lie inside the restrictions (bounds included)."""
    inside = np.ones(len(x), dtype=bool)
    for row in limits.itertuples():
        inside &= (x[row.parameter] >= row.low) & (x[row.parameter] <= row.high)
    return inside


def box_stats(x: pd.DataFrame, y: np.ndarray, limits: pd.DataFrame) -> dict[str, float]:
    """Coverage, density, mass, n and k of a box on data ``x``, ``y``."""
    inside = in_box(x, limits)
    n, k, total = int(inside.sum()), int(y[inside].sum()), int(y.sum())
    return {
        "coverage": k / total if total else float("nan"),
        "density": k / n if n else float("nan"),
        "mass": n / len(y),
        "n": n,
        "k": k,
    }


def _restrictions(box, x: pd.DataFrame) -> pd.DataFrame:
    """The selected box's restrictions with their quasi-p values (the smaller of the two
    sides' where both are restricted)."""
    _, lims = box.inspect(style="data")[0]
    lims = lims.droplevel(0, axis=1) if lims.columns.nlevels > 2 else lims
    rows = []
    for name in lims.index:
        qps = [float(v) for v in lims.loc[name].iloc[2:] if not pd.isna(v)]
        rows.append(
            {
                "parameter": name,
                "low": float(lims.loc[name].iloc[0]),
                "high": float(lims.loc[name].iloc[1]),
                "prior_low": float(x[name].min()),
                "prior_high": float(x[name].max()),
                "qp": min(qps) if qps else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "prior_low", "prior_high", "qp"])


def _prim_box(x: pd.DataFrame, y: np.ndarray, min_density: float, peel_alpha: float):
    """PRIM's peeling trajectory on ``x``, ``y`` and the box of largest coverage with density
    at least ``min_density`` on it (the densest if none reaches it)."""
    with warnings.catch_warnings():  # the workbench warns about its optional parallel backends
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        box = prim.Prim(x, y, peel_alpha=peel_alpha).find_box()
    traj = box.peeling_trajectory.copy()
    ok = traj.index[traj["density"] >= min_density]
    pick = int(traj.loc[ok, "coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    box.select(pick)
    return box, traj.assign(selected=traj.index == pick)


def find_box(
    x: pd.DataFrame,
    y: np.ndarray,
    dose: float,
    min_density: float = 0.8,
    max_qp: float = 0.05,
    peel_alpha: float = 0.05,
) -> tuple[Box, pd.DataFrame]:
    """Scenario discovery in two passes (EMA Workbench's PRIM; the module's docstring).

    1. PRIM on every parameter; on its trajectory the box of largest coverage with density at
       least ``min_density``; the quasi-p value of each of its restrictions (the screen).
    2. PRIM again on the parameters whose restriction is significant (quasi-p value at most
       ``max_qp``; the most significant one if none is), the box chosen the same way; its
       statistics are recomputed on the data.

    Returns:
        The box of the second pass, and the screen (the first pass's restrictions).

    Raises:
        ValueError: no run where it formed, or every run formed (nothing to discover).
    """
    if y.all() or not y.any():
        raise ValueError(f"at dose {dose:g} it formed in {y.mean():.0%} of the runs: no box")
    first, _ = _prim_box(x, y, min_density, peel_alpha)
    screen = _restrictions(first, x).sort_values("qp", kind="stable").reset_index(drop=True)
    kept = screen.loc[screen["qp"] <= max_qp, "parameter"].tolist() or screen["parameter"][:1]
    if not len(kept):  # the first pass restricted nothing: keep every parameter
        kept = list(x.columns)
    box, traj = _prim_box(x[list(kept)], y, min_density, peel_alpha)
    limits = _restrictions(box, x)
    return (
        Box(
            dose=float(dose),
            limits=limits,
            base_rate=float(y.mean()),
            trajectory=traj,
            **box_stats(x, y, limits),
        ),
        screen.assign(dose_usd_bn=float(dose), significant=screen["qp"] <= max_qp),
    )


def boxes_table(boxes: list[Box]) -> pd.DataFrame:
    """One row per box and restriction (a box with none has one row with empty parameter)."""
    rows = []
    for b in boxes:
        head = {
            "dose_usd_bn": b.dose,
            "base_rate": b.base_rate,
            "coverage": b.coverage,
            "density": b.density,
            "mass": b.mass,
            "n": b.n,
            "k": b.k,
        }
        limits = b.limits.to_dict("records") or [{"parameter": ""}]
        rows += [{**head, **lim} for lim in limits]
    return pd.DataFrame(rows)


def figure_boxes(boxes: list[Box]):
    """The boxes over the prior ranges: one row per parameter any box restricts, one bar per
    dose (its range scaled to the range of the draws, 0 to 1), the boxes' statistics in the
    legend."""
    params = list(dict.fromkeys(p for b in boxes for p in b.limits["parameter"]))
    fig, ax = plt.subplots(figsize=(9.5, 1.6 + 1.1 * max(len(params), 1)))
    colors = plt.get_cmap("viridis")(np.linspace(0.15, 0.8, len(boxes)))
    height = 0.8 / max(len(boxes), 1)
    handles = []
    for k, (b, color) in enumerate(zip(boxes, colors, strict=True)):
        lim = b.limits.set_index("parameter")
        for row, p in enumerate(params):
            if p not in lim.index:
                continue
            r = lim.loc[p]
            span = (r.prior_high - r.prior_low) or 1.0
            lo, hi = (r.low - r.prior_low) / span, (r.high - r.prior_low) / span
            y = row - 0.4 + height * (k + 0.5)
            ax.barh(y, hi - lo, left=lo, height=height * 0.85, color=color)
            ax.text(hi + 0.01, y, f"{r.low:.3g} to {r.high:.3g}", va="center", fontsize=8)
        handles.append(
            Patch(
                color=color,
                label=f"USD {b.dose:g} bn: P {b.base_rate:.2f} overall, {b.density:.2f} in the "
                f"box (coverage {b.coverage:.2f}, mass {b.mass:.2f})",
            )
        )
    for row in range(len(params)):
        ax.axhspan(row - 0.45, row + 0.45, color="#f0f0f0", zorder=0)
    ax.set_yticks(range(len(params)), [short(p) for p in params])
    ax.set_ylim(len(params) - 0.5, -0.5)
    ax.set_xlim(0, 1.25)
    ax.set_xticks([0, 0.5, 1], ["lowest draw", "middle", "highest draw"])
    ax.set_title(
        "Where an Asian NATO is likely: PRIM boxes over the judgement priors\n"
        "(grey: the range of the prior draws; a bar: the box's range at one dose)",
        fontsize=10,
    )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        fontsize=8.5,
        frameon=False,
    )
    fig.tight_layout()
    return fig


def figure_tradeoff(boxes: list[Box]):
    """Each dose's peeling trajectory (coverage against density), the chosen box marked."""
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for b in boxes:
        t = b.trajectory
        (line,) = ax.plot(t["coverage"], t["density"], marker=".", lw=1, label=f"USD {b.dose:g} bn")
        ax.plot([b.coverage], [b.density], marker="o", ms=10, mfc="none", color=line.get_color())
    ax.set_xlabel("coverage (share of all formations inside the box)")
    ax.set_ylabel("density (share of runs in the box that form)")
    ax.set_title("PRIM's peeling trajectories (second pass); circles: the boxes reported")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
