"""The choice arithmetic of the alignment decision: nested-logit choice, consent, options.

Pure numpy, used by the alignment rules of ``sim.rules`` (the ``expected_utility`` and
``balance_of_threat`` rules choose by ``logit_choice`` over the options of ``candidate_changes``
and ask consent with ``accept_probability``): a (nested) logit, quantal-response choice with
temperature ``tau`` (McKelvey & Palfrey 1995; McFadden 1978), the larger tau, the noisier. The
rules themselves, what they weigh and how they act, are in ``sim.rules``; the payoffs live in
``sim.core.payoffs``.
"""

from __future__ import annotations

import math

import numpy as np

KEEP = -1
"""Index returned by ``logit_choice`` for the status quo."""


def logit_probabilities(gains: np.ndarray, temperature: float) -> np.ndarray:
    """Nested-logit choice probabilities over the status quo and the given options.

    A plain multinomial logit gives the status quo less and less weight as the number of
    options grows, so a state with eighty near-useless options would almost always change
    something. We use a two-level nested logit instead (McFadden 1978): first act or keep,
    with ``P(act) = sigmoid(V / tau)`` where ``V = tau * log(mean(exp(gain / tau)))`` is the
    inclusive value of the options (their logit-weighted mean gain); then which option, by a
    logit over the options.

    Args:
        gains: (m,) utility gain of each option over the status quo (same units as temperature).
            NaN marks an unavailable option.
        temperature: > 0; 0 is handled as a best response (ties split evenly).

    Returns:
        (m + 1,) probabilities: the status quo first, then each option.

    References:
        McFadden (1978): the nested logit, a choice made in stages (here act or keep, then
            which option) tied together by the inclusive value of the lower stage.
        McKelvey & Palfrey (1995): logit quantal response, choice probabilities that rise
            smoothly with payoffs, a temperature setting how noisy the choice is.

    Examples:
        Two options that gain nothing: acting and keeping are equally likely, and the options
        share the chance to act:

        >>> logit_probabilities(np.array([0.0, 0.0]), 1.0).tolist()
        [0.5, 0.25, 0.25]

        At temperature 0 the best option is taken if it gains (NaN marks an unavailable one):

        >>> logit_probabilities(np.array([1.0, -1.0, np.nan]), 0.0).tolist()
        [0.0, 1.0, 0.0, 0.0]
    """
    p_act, weights = _act_and_weights(np.asarray(gains, dtype=float), temperature)
    out = np.empty(weights.size + 1)
    out[0] = 1.0 - p_act
    total = weights.sum()
    out[1:] = p_act * weights / total if total > 0 else 0.0
    return out


def _act_and_weights(g: np.ndarray, temperature: float) -> tuple[float, np.ndarray]:
    """The nested logit's probability of acting and the (unnormalised) weights of the options.

    Temperature 0 is a best response: act if the best gain is positive, among the best options
    evenly. NaN gains are unavailable options (weight 0).
    """
    available = ~np.isnan(g)
    if not available.any():
        return 0.0, np.zeros(g.size)
    if temperature <= 0:
        best = np.nanmax(g)
        chosen = (available & (g >= best - 1e-12)).astype(float)
        return (1.0 if best > 0 else 0.0), chosen
    z = np.where(available, g / temperature, -np.inf)
    top = z.max()
    weights = np.exp(z - top)
    inclusive = top + math.log(weights.sum() / available.sum())  # V / tau
    return 0.5 * (1.0 + math.tanh(inclusive / 2.0)), weights


def logit_choice(gains: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Draw one option by the nested logit of ``logit_probabilities``.

    Uses exactly one uniform draw ``u`` from ``rng`` per call (so runs stay aligned across
    rules): the state keeps everything when ``u >= P(act)``, and otherwise ``u / P(act)`` picks
    an option by its weight.

    Returns:
        the index of the chosen option in ``gains``, or ``KEEP`` (-1) for the status quo.

    References:
        McFadden (1978): the nested logit whose probabilities this draws from.
        McKelvey & Palfrey (1995): logit quantal response, noisy best responses.

    Examples:
        At temperature 0 the choice is a best response, whatever the draw:

        >>> rng = np.random.default_rng(0)
        >>> logit_choice(np.array([0.5, 2.0, 1.0]), 0.0, rng)
        1
        >>> logit_choice(np.array([-0.5, -2.0]), 0.0, rng) == KEEP
        True
    """
    u = rng.random()
    g = np.asarray(gains, dtype=float)
    if g.size == 0:
        return KEEP
    p_act, weights = _act_and_weights(g, temperature)
    if u >= p_act:
        return KEEP
    return int(np.searchsorted(np.cumsum(weights), u / p_act * weights.sum(), side="right"))


def accept_probability(gain: float | np.ndarray, temperature: float) -> float | np.ndarray:
    """Probability that a partner consents to a change with the given gain (binary logit).

    With temperature 0 the partner consents exactly when it gains (strictly).

    References:
        McKelvey & Palfrey (1995): the binary logit response, a noisy yes or no.
        Jackson & Wolinsky (1996): pairwise stability, under which a tie forms only when both
            partners agree to it.

    Examples:
        >>> float(accept_probability(0.0, 1.0))
        0.5
        >>> accept_probability(np.array([-1.0, 0.0, 2.0]), 0.0).tolist()
        [0.0, 0.0, 1.0]
    """
    gain = np.asarray(gain, dtype=float)
    if temperature <= 0:
        return (gain > 0).astype(float)
    return 0.5 * (1.0 + np.tanh(gain / (2.0 * temperature)))


def candidate_changes(row: np.ndarray, me: int, floor: np.ndarray, max_level: int = 3):
    """Every single-step change a state can make to its bilateral commitments.

    Args:
        row: (n,) current effective levels of the state towards each state.
        me: the state's index (its own entry is never changed).
        floor: (n,) levels held by treaties, below which a bilateral tie cannot loosen (and
            the effective level is never below it, so deepening always adds something).
        max_level: highest level (formal collective defence).

    Returns:
        (partners, new_levels): (m,) the partner whose tie changes and (m,) its new level;
        deepening options first, then loosening ones.

    References:
        Jackson & Wolinsky (1996): pairwise stability weighs deviations of one link at a time;
            the options here likewise move one tie by one level.

    Examples:
        State 0 holds levels 3, 1 and 0 with states 1-3; a treaty holds its tie with state 1
        at level 1 at least:

        >>> partners, levels = candidate_changes(np.array([0, 3, 1, 0]), 0, np.array([0, 1, 0, 0]))
        >>> partners.tolist(), levels.tolist()
        ([2, 3, 1, 2], [2, 1, 2, 0])
    """
    n = row.size
    others = np.arange(n) != me
    up = np.flatnonzero(others & (row < max_level))
    down = np.flatnonzero(others & (row > floor))
    return np.concatenate((up, down)), np.concatenate((row[up] + 1, row[down] - 1))
