"""Richardson's arms-race model (Richardson 1960, *Arms and Insecurity*).

Two states: dx/dt = k y - a x + g, dy/dt = l x - b y + h, with reaction coefficients k, l (fear),
fatigue a, b (the cost of arms) and grievances g, h. In n dimensions: dx/dt = M x + g with
M = K - A (K the reaction matrix with zero diagonal, A = diag(fatigue)). When fatigue outweighs
reaction (all eigenvalues of M have negative real parts; for two states a b > k l) budgets
converge to x* = (A - K)^-1 g; otherwise they run away.

The model's rival-response event uses the same reaction idea; this module gives the analytic
benchmarks and simulations the tests and the classroom demo check against.
"""

from __future__ import annotations

import numpy as np


def fixed_point_two(
    a: float, b: float, k: float, l: float, g: float, h: float
) -> tuple[float, float]:
    """Analytic equilibrium of the two-state model.

    Returns:
        (x*, y*) = ((b g + k h) / (a b - k l), (a h + l g) / (a b - k l)).

    Raises:
        ValueError: when a b - k l == 0 (no unique equilibrium).

    References:
        Richardson (1960): the two-state arms-race equations, whose rest point this solves in
            closed form.

    Examples:
        Fatigue a = 2, b = 3, reactions k = l = 1, grievances g = 2, h = 1 (a b - k l = 5):

        >>> fixed_point_two(2.0, 3.0, 1.0, 1.0, 2.0, 1.0)
        (1.4, 0.8)
    """
    det = a * b - k * l
    if det == 0:
        raise ValueError("a*b - k*l is zero: the Richardson system has no unique fixed point")
    return (b * g + k * h) / det, (a * h + l * g) / det


def system_matrix(reaction: np.ndarray, fatigue: np.ndarray) -> np.ndarray:
    """M = K - diag(fatigue) for reaction matrix K (zero diagonal).

    References:
        Richardson (1960): reaction (fear of the rival's arms) raises a budget, fatigue (the
            burden of one's own arms) lowers it; M collects both for n states.

    Examples:
        >>> system_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 3.0])).tolist()
        [[-2.0, 1.0], [1.0, -3.0]]
    """
    reaction = np.asarray(reaction, dtype=float).copy()
    np.fill_diagonal(reaction, 0.0)
    return reaction - np.diag(np.asarray(fatigue, dtype=float))


def fixed_point(reaction: np.ndarray, fatigue: np.ndarray, grievance: np.ndarray) -> np.ndarray:
    """Equilibrium x* = (A - K)^-1 g of the n-state model (USD bn, or whatever unit g uses).

    References:
        Richardson (1960): the equilibrium of the arms-race equations, here for n states.

    Examples:
        The two-state case of ``fixed_point_two`` in matrix form:

        >>> x = fixed_point(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 3.0]),
        ...                 np.array([2.0, 1.0]))
        >>> x.round(12).tolist()
        [1.4, 0.8]
    """
    return np.linalg.solve(-system_matrix(reaction, fatigue), np.asarray(grievance, dtype=float))


def is_stable(reaction: np.ndarray, fatigue: np.ndarray) -> bool:
    """Whether the continuous system converges: every eigenvalue of K - A has negative real part.

    References:
        Richardson (1960): the stability condition of the arms race; for two states it reduces
            to fatigue outweighing reaction, a b > k l.

    Examples:
        >>> is_stable(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 3.0]))  # 6 > 1
        True
        >>> is_stable(np.array([[0.0, 3.0], [3.0, 0.0]]), np.array([1.0, 1.0]))  # 1 < 9
        False
    """
    return bool(np.all(np.linalg.eigvals(system_matrix(reaction, fatigue)).real < 0))


def discrete_step_is_stable(reaction: np.ndarray, fatigue: np.ndarray, dt: float) -> bool:
    """Whether the Euler iteration x' = x + dt (M x + g) converges (spectral radius < 1).

    A continuous system can be stable while the iteration with too large a step oscillates and
    diverges: that is an artefact of the step, not an arms race.

    Examples:
        A stable system (fatigue 2 and 3, reactions 1) overshoots with yearly steps but
        converges with half-year steps:

        >>> k, a = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 3.0])
        >>> is_stable(k, a), discrete_step_is_stable(k, a, 1.0), discrete_step_is_stable(k, a, 0.5)
        (True, False, True)
    """
    m = np.eye(len(fatigue)) + dt * system_matrix(reaction, fatigue)
    return bool(np.max(np.abs(np.linalg.eigvals(m))) < 1)


def simulate(
    x0: np.ndarray,
    reaction: np.ndarray,
    fatigue: np.ndarray,
    grievance: np.ndarray,
    steps: int,
    dt: float = 1.0,
    floor: float | None = None,
) -> np.ndarray:
    """Iterate the Richardson system with Euler steps.

    Args:
        x0: (n,) initial budgets.
        reaction: (n, n) reaction coefficients (diagonal ignored).
        fatigue: (n,) fatigue coefficients.
        grievance: (n,) grievances.
        steps: number of steps.
        dt: step length (years).
        floor: optional lower bound on budgets (e.g. 0: budgets cannot be negative).

    Returns:
        (steps + 1, n) budget paths, the initial values first.

    References:
        Richardson (1960): the arms-race equations whose path this traces step by step.

    Examples:
        From zero budgets, half-year steps approach the fixed point (1.4, 0.8):

        >>> path = simulate(np.zeros(2), np.array([[0.0, 1.0], [1.0, 0.0]]),
        ...                 np.array([2.0, 3.0]), np.array([2.0, 1.0]), steps=100, dt=0.5)
        >>> path[1].tolist(), path[-1].round(6).tolist()
        ([1.0, 0.5], [1.4, 0.8])
    """
    m = system_matrix(reaction, fatigue)
    g = np.asarray(grievance, dtype=float)
    path = np.empty((steps + 1, len(x0)))
    path[0] = x0
    for t in range(steps):
        nxt = path[t] + dt * (m @ path[t] + g)
        path[t + 1] = nxt if floor is None else np.maximum(floor, nxt)
    return path
