"""Two-player normal-form games for the demos: payoff matrices and their Nash equilibria.

Equilibria come from nashpy (Knight & Campbell 2018): support enumeration and, as a check,
vertex enumeration of the best-response polytopes; both must give the same set.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Profile = tuple[NDArray[np.float64], NDArray[np.float64]]


def _dedupe(profiles: list[Profile], tol: float = 1e-9) -> list[Profile]:
    unique: list[Profile] = []
    for row, col in profiles:
        if not any(
            np.allclose(row, r, atol=tol) and np.allclose(col, c, atol=tol) for r, c in unique
        ):
            unique.append((np.asarray(row, float), np.asarray(col, float)))
    return sorted(unique, key=lambda p: (not is_pure(p), -p[0][0], -p[1][0]))


def nash_equilibria(row_payoffs: NDArray, col_payoffs: NDArray) -> list[Profile]:
    """Every Nash equilibrium of a nondegenerate bimatrix game.

    Args:
        row_payoffs: (m, n) payoffs of the row player.
        col_payoffs: (m, n) payoffs of the column player.

    Returns:
        (row strategy, column strategy) probability vectors, pure equilibria first, each group
        sorted by the probability of the first action, highest first.

    Raises:
        RuntimeError: if support and vertex enumeration disagree (a degenerate game).
    """
    import nashpy

    game = nashpy.Game(np.asarray(row_payoffs, float), np.asarray(col_payoffs, float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nashpy warns on degenerate games; checked below
        support = _dedupe(list(game.support_enumeration()))
        vertex = _dedupe(list(game.vertex_enumeration()))
    same = len(support) == len(vertex) and all(
        np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])
        for a, b in zip(support, vertex, strict=True)
    )
    if not same:
        raise RuntimeError("support and vertex enumeration disagree: the game is degenerate")
    return support


def is_pure(profile: Profile) -> bool:
    """Whether both strategies put all weight on one action."""
    return all(np.isclose(s.max(), 1.0) for s in profile)


def describe(
    profile: Profile, actions: Sequence[str], players: Sequence[str] = ("row", "column")
) -> str:
    """An equilibrium in words, e.g. '(arm, arm)' or '(row commits with probability 0.667; ...)'.

    Pure equilibria list the actions (row player's first); mixed ones give each player's
    probability of the first action.
    """
    if is_pure(profile):
        return "(" + ", ".join(actions[int(np.argmax(s))] for s in profile) + ")"
    parts = [
        f"{who}: {actions[0]} with probability {s[0]:.3f}"
        for who, s in zip(players, profile, strict=True)
    ]
    return "(" + "; ".join(parts) + ")"


def pure_cells(equilibria: Sequence[Profile]) -> list[tuple[int, int]]:
    """(row action, column action) indices of the pure equilibria among ``equilibria``."""
    return [(int(np.argmax(r)), int(np.argmax(c))) for r, c in equilibria if is_pure((r, c))]
