"""Shared random inputs for the tests of ``sim.core``: seeded numpy builders and hypothesis
strategies that draw a size and a seed and build valid arrays from them.

Everything here produces *valid* inputs as the docstrings of ``sim.core`` define them (shares in
[0, 1), weights in [0, 1], zero diagonals where a pair with oneself is meaningless), so that the
tests check the functions on the domain they promise to handle.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import strategies as st

from sim.core import payoffs

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def symmetric(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    """Random symmetric (n, n) matrix with entries in [low, high] and zero diagonal."""
    upper = np.triu(rng.uniform(low, high, size=(n, n)), k=1)
    return upper + upper.T


def off_diagonal(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    """Random (n, n) matrix with entries in [low, high] and zero diagonal."""
    out = rng.uniform(low, high, size=(n, n))
    np.fill_diagonal(out, 0.0)
    return out


def random_levels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random symmetric commitment levels 0-3 with zero diagonal."""
    upper = np.triu(rng.integers(0, 4, size=(n, n)), k=1)
    return upper + upper.T


def random_context(
    rng: np.random.Generator, n: int, *, aid: bool = True, pair: bool = False
) -> payoffs.AlignmentContext:
    """A random but valid ``AlignmentContext`` (see its docstring for the fields)."""
    level_weight = np.sort(rng.uniform(0.0, 1.0, size=4))
    if rng.random() < 0.5:
        level_weight[0] = 0.0  # as in the default config: no tie, no weight
    reach_to = rng.uniform(0.0, 1.0, size=(n, n))
    np.fill_diagonal(reach_to, 1.0)
    if aid:
        aid_offer = rng.uniform(1.0, 50.0, size=(n, n)) * (rng.random((n, n)) < 0.5)
        np.fill_diagonal(aid_offer, 0.0)
    else:
        aid_offer = np.zeros((n, n))
    ctx = payoffs.AlignmentContext(
        theta=rng.uniform(0.01, 0.5, size=n),
        own=rng.uniform(1.0, 1000.0, size=n),
        threat=rng.uniform(0.0, 2000.0, size=n),
        reach_to=reach_to,
        available=rng.uniform(0.0, 1000.0, size=n),
        credibility=rng.uniform(0.0, 1.0, size=(n, n)),
        level_weight=level_weight,
        entrapment=off_diagonal(rng, n, 0.0, 0.01),
        autonomy=off_diagonal(rng, n, 0.0, 0.01),
        coercion=off_diagonal(rng, n, 0.0, 0.01),
        affinity=symmetric(rng, n, -0.01, 0.01),
        aid_offer=aid_offer,
        aid_min_level=rng.integers(0, 4, size=n),
        aid_min_partners=rng.integers(0, 3, size=n),
        gdp=rng.uniform(100.0, 20000.0, size=n),
        side_payment_weight=float(rng.uniform(0.5, 1.5)),
    )
    return replace(ctx, pair=payoffs.pair_terms(ctx)) if pair else ctx


@st.composite
def contexts(draw, min_n: int = 2, max_n: int = 8, aid: bool | None = None):
    """(ctx, levels, rng): a random context, a symmetric level matrix and the generator used
    (for any further draws the test needs)."""
    n = draw(st.integers(min_value=min_n, max_value=max_n))
    seed = draw(SEEDS)
    with_aid = draw(st.booleans()) if aid is None else aid
    with_pair = draw(st.booleans())
    rng = np.random.default_rng(seed)
    ctx = random_context(rng, n, aid=with_aid, pair=with_pair)
    return ctx, random_levels(rng, n), rng


@st.composite
def graphs(draw, min_n: int = 0, max_n: int = 14):
    """A random symmetric bool adjacency matrix; the diagonal is random noise (to be ignored)."""
    n = draw(st.integers(min_value=min_n, max_value=max_n))
    density = draw(st.floats(min_value=0.0, max_value=1.0))
    rng = np.random.default_rng(draw(SEEDS))
    upper = np.triu(rng.random((n, n)) < density, k=1)
    adj = upper | upper.T
    adj[np.diag_indices(n)] = rng.random(n) < 0.5
    return adj
