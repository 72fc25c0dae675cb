"""Shared random inputs for the tests of ``sim.core``: seeded numpy builders and hypothesis
strategies that draw a size and a seed and build valid arrays from them.

Everything here produces *valid* inputs as the docstrings of ``sim.core`` define them (shares in
[0, 1), weights in [0, 1], zero diagonals where a pair with oneself is meaningless), so that the
tests check the functions on the domain they promise to handle.
"""

from __future__ import annotations

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


def random_hostility(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random hostility in [0, 1] with zero diagonal and many exact zeros (friends and
    indifferent states, so that a rival's rival occurs); symmetric half the time, as the model
    builds it from a symmetric affinity."""
    if rng.random() < 0.5:
        return payoffs.hostility(symmetric(rng, n, -1.0, 1.0))
    return np.maximum(0.0, off_diagonal(rng, n, -1.0, 1.0))


def random_reach(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random ``reach[k, i]`` in [0, 1] with a unit diagonal (a state reaches itself)."""
    reach = rng.uniform(0.0, 1.0, size=(n, n))
    np.fill_diagonal(reach, 1.0)
    return reach


def random_coercion(rng: np.random.Generator, n: int, hostility: np.ndarray):
    """``coercion_exposure`` of a random trade matrix (exports as a share of GDP, zero diagonal,
    many pairs without trade) and random propensities (often zero: not every state coerces;
    sometimes none does)."""
    trade = off_diagonal(rng, n, 0.0, 0.08) * (rng.random((n, n)) < 0.7)
    propensity = rng.uniform(0.0, 1.0, size=n) * (rng.random(n) < 0.5)
    if rng.random() < 0.15:
        propensity[:] = 0.0
    return payoffs.coercion_exposure(
        trade, propensity, hostility, float(rng.uniform(0.3, 0.9)), float(rng.uniform(0.5, 2.0))
    )


def random_context(
    rng: np.random.Generator, n: int, *, aid: bool = True
) -> payoffs.AlignmentContext:
    """A random but valid ``AlignmentContext`` (see its docstring for the fields).

    Magnitudes are those of the model (defaults in ``sim/configs/model/default.yaml``) scaled up
    so that every term matters: entrapment, autonomy and coercion of up to a few % of GDP,
    security of up to 50 % of GDP per unit of log security, aid of up to 50 bn a year against
    capability stocks of 1-1000 bn.
    """
    level_weight = np.sort(rng.uniform(0.0, 1.0, size=4))
    if rng.random() < 0.5:
        level_weight[0] = 0.0  # as in the default config: no tie, no weight
    capability = rng.uniform(1.0, 1000.0, size=n)
    gdp = rng.uniform(100.0, 20_000.0, size=n)
    levels = random_levels(rng, n)
    host = random_hostility(rng, n)
    reach = random_reach(rng, n)
    base = off_diagonal(rng, n, 0.0, 1000.0) * (rng.random((n, n)) < 0.9)
    upkeep = np.broadcast_to((rng.uniform(0.0, 0.5, size=n) / gdp)[:, None], (n, n)).copy()
    np.fill_diagonal(upkeep, 0.0)
    linear = np.stack(
        [-upkeep, symmetric(rng, n, -0.01, 0.01), off_diagonal(rng, n, -0.01, 0.01)], axis=2
    )
    stakes = float(rng.uniform(0.0, 0.02)) * payoffs.entrapment_stakes(
        reach, capability, level_weight[levels]
    )
    coercers, at_risk, excess = random_coercion(rng, n, host)
    if aid:
        aid_offer = rng.uniform(1.0, 50.0, size=(n, n)) * (rng.random((n, n)) < 0.5)
        np.fill_diagonal(aid_offer, 0.0)
    else:
        aid_offer = np.zeros((n, n))
    aid_capability = rng.uniform(0.0, 1.0, size=n)
    return payoffs.AlignmentContext(
        theta=rng.uniform(0.01, 0.5, size=n),
        own=capability,
        threat=rng.uniform(0.0, 2000.0, size=n) * (rng.random(n) < 0.9),
        base=base,
        credibility=rng.uniform(0.0, 1.0, size=(n, n)),
        level_weight=level_weight,
        linear=linear,
        hostility=host,
        stakes=stakes,
        dependence=payoffs.dependence(capability),
        autonomy_weight=float(rng.uniform(0.0, 0.02)),
        coercers=coercers,
        at_risk=at_risk,
        excess=excess,
        levels=levels,
        aid_offer=aid_offer,
        aid_min_level=rng.integers(0, 4, size=n),
        aid_min_partners=rng.integers(0, 3, size=n),
        aid_capability=aid_capability,
        aid_cash=rng.uniform(0.0, 1.0, size=n) * (1.0 - aid_capability),
        aid_from_defence=rng.random(n) < 0.5,
        gdp=gdp,
        depreciation=float(rng.uniform(0.05, 0.2)),
        side_payment_weight=float(rng.uniform(0.5, 1.5)),
    )


@st.composite
def contexts(draw, min_n: int = 2, max_n: int = 8, aid: bool | None = None):
    """(ctx, levels, rng): a random context, its symmetric level matrix (``ctx.levels``) and
    the generator used (for any further draws the test needs)."""
    n = draw(st.integers(min_value=min_n, max_value=max_n))
    seed = draw(SEEDS)
    with_aid = draw(st.booleans()) if aid is None else aid
    rng = np.random.default_rng(seed)
    ctx = random_context(rng, n, aid=with_aid)
    return ctx, ctx.levels, rng


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
