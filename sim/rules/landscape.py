"""The ``landscape`` rule: Axelrod & Bennett's landscape theory of aggregation, step by step.
The energy arithmetic is in ``sim.core.landscape``; see docs/ODD.md, 7.13."""

from __future__ import annotations

import numpy as np

from sim.core import landscape as lt
from sim.rules.base import AlignmentRule, ModelView
from sim.rules.registry import register


@register
class Landscape(AlignmentRule):
    """Landscape theory: states split into two sides so as to lower the energy (size-weighted
    frustration) of the configuration; bilateral ties follow the sides.

    Sizes are the current capabilities, propensities the current affinities; both are fixed for
    the year when it starts (``prepare``). The initial sides are the signs of the leading
    eigenvector of the weight matrix (spectral bisection), state 0 on side 0. When a state acts
    it switches sides if that lowers the energy (beyond the engine's tie tolerance), then moves
    each bilateral tie one level towards its target: 0 across sides; on the same side, the
    number of ``landscape_thresholds`` the propensity strictly exceeds. A pair a treaty already
    holds at least as deep is left alone. No payoffs, no consent; no state leaves a treaty.

    References (docs/ODD.md, "References"):
        Axelrod & Bennett (1993): A landscape theory of aggregation.
    """

    name = "landscape"

    def start(self, view: ModelView) -> None:
        """The initial sides: spectral bisection of the size-weighted propensity matrix."""
        w = lt.weights(view.capability, view.propensity())
        vals, vecs = np.linalg.eigh(w)
        v = vecs[:, np.argmax(vals)]
        sides = (v < 0).astype(np.uint8)
        view.sides[:] = sides if sides[0] == 0 else 1 - sides

    def prepare(self, view: ModelView) -> None:
        """Sizes and propensities fixed in-year: this year's weight matrix."""
        self.weights = lt.weights(view.capability, view.propensity())

    def decide(self, view: ModelView, i: int) -> None:
        """Switch sides if that lowers my frustration; then move each bilateral tie one level
        towards what the sides and the propensities call for."""
        w = self.weights
        gain = lt.switch_gains(view.sides, w)[i]
        if gain < -lt.DEFAULT_RTOL * np.abs(w).sum():  # the engine's tie tolerance
            view.switch_side(i, gain)
        target = self.targets(view, i)
        row = view.bilateral[i]
        for j in np.flatnonzero(target != row):
            if j == i or view.treaty_levels[i, j] >= max(row[j], target[j]):
                continue  # a treaty already holds this pair at least as deep
            new_level = int(row[j]) + (1 if target[j] > row[j] else -1)
            view.move_tie(i, int(j), new_level, "landscape sides")
        view.ties_changed()

    def targets(self, view: ModelView, i: int) -> np.ndarray:
        """(n,) bilateral levels state i's ties move towards: none across sides; on the same
        side, the number of thresholds the propensity exceeds."""
        thresholds = np.asarray(self.config.landscape_thresholds, dtype=float)
        p = view.propensity()[i]
        same = view.sides == view.sides[i]
        target = (p[:, None] > thresholds[None, :]).sum(axis=1)
        target = np.where(same, target, 0)
        target[i] = 0
        return target.astype(np.int8)
