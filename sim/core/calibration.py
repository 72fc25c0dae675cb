"""Calibration of alignment by revealed preference: the 2024 ties as a rest point.

The observed 2024 network (bilateral ties and treaty memberships) is what states chose. The
model's payoff terms leave out much of what holds a relationship where it is (shared history,
basing, intelligence sharing, the politics of each capital), so, as budgets are calibrated by
revealed preference (``sim.core.budget.calibrate_preferences``), each state's *relationship
value* with each other state is calibrated so that no one-level change of a 2024 tie pays:

* ``rho_ij``, per unit of commitment weight (``u += w(L_ij) * rho_ij``), the smallest value in
  magnitude (0 when the payoff terms already hold the tie) for which both moving the tie up one
  level and moving it down one level lose at least ``margin`` after the cost of changing a tie
  (``tie_change_cost``). Every ordered pair is calibrated, absent pairs included, so at step 0
  no state gains from loosening a tie and no absent pair would both gain from a new one
  (pairwise stability; Jackson & Wolinsky 1996).
* Where the payoff terms are nearly linear in a tie (a small partner adds security in
  proportion to its weight), no single value makes both moves lose the margin: the value that
  makes them lose equally is taken, and the pair is reported as short of the margin (the
  change cost then carries the rest point).
* A treaty member whose payoff terms would gain from leaving (after the treaty exit cost) gets
  a membership value that makes leaving lose the margin.

Change then comes only from what moves after 2024 (capability, GDP, scenario events): the
calibrated values stay fixed. The identification assumption: each side of a pair is calibrated
separately, as if either could have refused the tie it does not hold (docs/ODD.md 7.20).

References:
    Jackson & Wolinsky (1996): pairwise stability, no tie that one side wants to cut and no
        absent tie that both want.
    Keohane (1984): institutions persist because of the costs of building and leaving them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def relationship_values(
    gains: Callable[[int, np.ndarray, np.ndarray], np.ndarray],
    levels: np.ndarray,
    floor: np.ndarray,
    level_weight: np.ndarray,
    change_cost: float,
    margin: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Relationship values that make the observed levels a rest point.

    Args:
        gains: ``gains(i, partners, new_levels)``, (m,) what state i gains (fraction of GDP)
            from moving its tie with each partner to each new level, the relationship values
            left out.
        levels: (n, n) observed commitment levels, 0-3.
        floor: (n, n) levels held by treaties (a tie cannot be loosened below them).
        level_weight: (4,) commitment weight of each level.
        change_cost: cost of changing a tie by one level, fraction of GDP.
        margin: how much every move must lose at the rest point, fraction of GDP.

    Returns:
        ``(rho, short)``: (n, n) relationship values, fraction of GDP per unit weight, and a
        (n, n) bool marking the pairs where no value gives both moves the margin.

    Examples:
        One pair, a partnership (level 2) worth 0.3 to loosen and 0.1 to deepen: the value
        that makes both lose the margin of 0.05 (change cost 0.1) lies in [0.25/0.25, 0.05/0.45]
        = [1.0, -0.11]: empty, so the two moves are made to lose equally:

        >>> lw = np.array([0.0, 0.15, 0.4, 0.85])
        >>> levels = np.array([[0, 2], [2, 0]])
        >>> def gains(i, partners, new):
        ...     return np.where(new > 2, 0.1, 0.3)
        >>> rho, short = relationship_values(gains, levels, np.zeros((2, 2), int), lw, 0.1, 0.05)
        >>> round(float(rho[0, 1]), 4), bool(short[0, 1])
        (0.2857, True)
    """
    n = levels.shape[0]
    top = len(level_weight) - 1
    rho = np.zeros((n, n))
    short = np.zeros((n, n), dtype=bool)
    for i in range(n):
        row = levels[i].astype(int)
        others = np.arange(n) != i
        can_up = others & (row < top)
        can_down = others & (row > floor[i])
        g_up = np.full(n, np.nan)
        g_down = np.full(n, np.nan)
        up, down = np.flatnonzero(can_up), np.flatnonzero(can_down)
        if up.size:
            g_up[up] = gains(i, up, row[up] + 1)
        if down.size:
            g_down[down] = gains(i, down, row[down] - 1)
        dw_up = level_weight[np.minimum(row + 1, top)] - level_weight[row]
        dw_down = level_weight[row] - level_weight[np.maximum(row - 1, 0)]
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.where(can_down, (g_down - change_cost + margin) / dw_down, -np.inf)
            hi = np.where(can_up, (change_cost - margin - g_up) / dw_up, np.inf)
        # a move that changes no weight (equal level weights): rho cannot help it
        lo = np.where(np.isnan(lo), np.where(g_down > change_cost - margin, np.inf, -np.inf), lo)
        hi = np.where(np.isnan(hi), np.where(g_up > change_cost - margin, -np.inf, np.inf), hi)
        fits = lo <= hi
        value = np.clip(0.0, lo, hi)
        both = can_up & can_down & (dw_up + dw_down > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            even = np.where(both, (g_down - g_up) / (dw_up + dw_down), 0.0)
        value = np.where(fits, value, np.where(both, even, np.where(np.isfinite(lo), lo, hi)))
        value = np.where(np.isfinite(value), value, 0.0)
        rho[i] = np.where(others, value, 0.0)
        short[i] = others & ~fits
    return rho, short


def membership_values(exit_gain: np.ndarray, margin: float) -> np.ndarray:
    """Membership values that make leaving a treaty lose at least ``margin``.

    Args:
        exit_gain: (n,) what each member gains by leaving (after the treaty exit cost),
            fraction of GDP; ``-inf`` for non-members.
        margin: fraction of GDP.

    Returns:
        (n,) values to add to each member's cost of leaving (0 where leaving already loses
        the margin).

    Examples:
        >>> membership_values(np.array([0.02, -0.5, -np.inf]), 0.001).tolist()
        [0.021, 0.0, 0.0]
    """
    gain = np.where(np.isfinite(exit_gain), exit_gain, -np.inf)
    return np.maximum(0.0, gain + margin)
