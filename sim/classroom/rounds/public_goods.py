"""Alliance burden sharing as a public-goods game with joint products: payoffs, best responses,
the Nash equilibrium and the social optimum, exactly (pure numpy).

Each member i of a group has an endowment ``w_i`` (points a round) and gives ``c_i`` of it to
the common defence; the group's total is ``Q``. Its payoff in points is

    u_i = (w_i - c_i) + w_i * (public_weight * ln(1 + Q) + private_weight * ln(1 + c_i)):

what it keeps, plus security from the whole group's spending, valued in proportion to what the
member has to protect (Olson & Zeckhauser 1966, "An Economic Theory of Alliances"), plus a
private benefit of its own spending (own territory, own interests: the joint-product model,
Sandler & Hartley 2001, "Economics of Alliances", J. Econ. Lit. 39(3)). Both benefits are
concave (each further point buys less security). Because the large member values the common
good most, in the Nash equilibrium it pays a disproportionate share and the small members
partly free ride; the social optimum (the most total payoff) has everyone give more.

With ``a_i = public_weight * w_i``, ``p_i = private_weight * w_i``, member i's first-order
condition ``a_i / (1 + Q) + p_i / (1 + c_i) = 1`` gives its contribution as a decreasing
function of the total, so the equilibrium is the unique root of ``sum_i c_i(Q) = Q`` (found by
bisection to machine precision); the optimum is the same with ``a_i`` replaced by ``sum_j a_j``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.errors import UserError


def check_weights(public_weight: float, private_weight: float) -> None:
    """Raise ``UserError`` unless the public weight is >= 0 and the private weight > 0 (the
    exact equilibrium needs a private benefit; 0.01 is close to a pure public good)."""
    for name, value, low in (("public", public_weight, 0.0), ("private", private_weight, 0.0)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= low:
            raise UserError(f"the {name} weight must be a number of at least {low} (got {value!r})")
    if private_weight == 0:
        raise UserError(
            "the private weight must be above 0 (try 0.01 for an almost pure public good)"
        )


def group_payoffs(
    contributions: ArrayLike, endowments: ArrayLike, public_weight: float, private_weight: float
) -> NDArray[np.float64]:
    """Each member's payoff in points for the round (see the module's formula)."""
    c = np.asarray(contributions, float)
    w = np.asarray(endowments, float)
    benefit = public_weight * np.log1p(c.sum()) + private_weight * np.log1p(c)
    return (w - c) + w * benefit


def best_response(
    others_total: float, endowment: float, public_weight: float, private_weight: float
) -> float:
    """The contribution that maximises a member's payoff given the others' total, in points.

    Solves ``a / (1 + K + c) + p / (1 + c) = 1`` for ``x = 1 + c``: the positive root of
    ``x**2 + (K - a - p) x - p K = 0``, clipped to [0, endowment].
    """
    a, p, k = public_weight * endowment, private_weight * endowment, float(others_total)
    x = ((a + p - k) + np.sqrt((k - a - p) ** 2 + 4 * p * k)) / 2
    return float(np.clip(x - 1, 0.0, endowment))


def _contributions_at(total, public, private, endowments) -> NDArray[np.float64]:
    """Each member's contribution satisfying its first-order condition at the group total."""
    margin = 1 - public / (1 + total)
    with np.errstate(divide="ignore"):
        interior = np.where(margin > 0, private / np.maximum(margin, 1e-300) - 1, endowments)
    return np.clip(interior, 0.0, endowments)


def _fixed_point(public, private, endowments) -> NDArray[np.float64]:
    """The contributions at the total Q with ``sum_i c_i(Q) = Q`` (bisection to adjacent
    floating-point numbers; ``c_i(Q)`` decreases in Q, so the root is unique)."""
    low, high = 0.0, float(endowments.sum())
    if _contributions_at(high, public, private, endowments).sum() >= high:
        return endowments.copy()
    while True:
        mid = (low + high) / 2
        if mid in (low, high):
            break
        if _contributions_at(mid, public, private, endowments).sum() > mid:
            low = mid
        else:
            high = mid
    return _contributions_at(high, public, private, endowments)


def nash_contributions(
    endowments: ArrayLike, public_weight: float, private_weight: float
) -> NDArray[np.float64]:
    """The Nash equilibrium: each member's contribution in points (unique)."""
    check_weights(public_weight, private_weight)
    w = np.asarray(endowments, float)
    return _fixed_point(public_weight * w, private_weight * w, w)


def optimum_contributions(
    endowments: ArrayLike, public_weight: float, private_weight: float
) -> NDArray[np.float64]:
    """The social optimum: the contributions that maximise the group's total payoff."""
    check_weights(public_weight, private_weight)
    w = np.asarray(endowments, float)
    shared = np.full_like(w, public_weight * w.sum())
    return _fixed_point(shared, private_weight * w, w)
