"""The year's payoff context, compiled (numba): the third piece of the compiled engine (issue
#11), behind ``sim.core.kernels.year_context``.

``AllianceModel._context`` computes the year's context from the model's state with the numpy
functions of ``sim.core.payoffs`` (the reference, about 60 small array calls: half a
millisecond on the default world, twice a year). With the compiled engine the model makes one
call into ``year_context`` instead, which computes the same arrays with plain loops over the
pairs of states and over the hostile pairs only, in the order numpy sums them, so that every
float is the reference's to the bit (``tests/test_context_kernel.py`` compares their bits):

- ``payoffs.hostility``; ``payoffs.threat`` of this year's power and of the base year's
  capabilities (the crisis factor's intent); ``payoffs.containment_reach`` times
  ``payoffs.ally_availability`` (the context's ``base``); the credibility of commitments
  (``payoffs.credible_commitment`` of the promised credibility); ``payoffs.entrapment_stakes``;
  ``payoffs.dependence``; the per-pair linear terms; ``payoffs.coercion_exposure``; and the
  sparse rows of the hostility the decision kernels walk (``kernels.hostile_lists``).

What stays in numpy, because numpy computes it differently from a loop: the powers of the
crisis factor and of the credibility factor (numpy's array power is vectorised and differs from
the C library's ``pow`` in the last bit for about one value in twenty) and the row sums of the
commitment weights (numpy sums pairwise). They are (n,) vectors, computed by the reference's
own functions before or after this call. The loops need a hostility without NaN (a NaN in the
affinity makes the model use the reference: the sparse lists and the pair sums treat NaN their
own way).

Sums run in the order of the reference: ``np.bincount`` adds a pair's values one after another
from zero, in row-major order of the pairs, which a loop does too; ``containment_reach`` adds a
row's loyal-ally values into a zeroed row before adding that row to the home-defence share.
``maximum`` and ``minimum`` propagate a NaN as numpy's do; where their arguments are equal
(numpy's loops differ on which one they return, which shows only in the sign of a zero) the
model's inputs never differ: the hostility is never -0.0 (``payoffs.hostility``), and a row
without loyal allies, to which the reference adds a row of zeros and this kernel nothing, has a
home share >= +0.0 (reach and background are never negative).

Called through ``kernels.year_context``, which gives it read-only arrays (the one type the
setup compiles).

Examples:
    Two states fully hostile to each other, the first twice as strong; every force reaches
    everywhere:

    >>> import numpy as np
    >>> from sim.core import kernels, payoffs
    >>> affinity = np.array([[1.0, -1.0], [-1.0, 1.0]])
    >>> out = kernels.year_context(
    ...     affinity, np.ones((2, 2)), np.array([2.0, 1.0]), np.array([2.0, 1.0]), np.zeros(2),
    ...     np.array([2.0, 1.0]), np.zeros(2), np.zeros((2, 2), dtype=np.int8),
    ...     np.array([0.0, 0.3, 0.6, 1.0]), 0.5, np.ones((2, 2)),
    ...     np.ones(2), 1.0, 1.0, np.zeros(2), 0.0, np.zeros((2, 2)), np.zeros((2, 2)),
    ...     np.zeros(2), 0.0)
    >>> out[1].tolist() == payoffs.threat(np.array([2.0, 1.0]), out[0], np.ones((2, 2))).tolist()
    True
"""

import numpy as np
from numba import njit

_OPTIONS = {"cache": True, "no_cfunc_wrapper": True, "error_model": "numpy"}
kernel = njit(**_OPTIONS)
"""Called from Python: cached on disk, no C callback wrapper, numpy's float division (see
``sim.core._jit``)."""
inner = njit(**_OPTIONS, no_cpython_wrapper=True)
"""Called only from compiled code: no Python wrapper."""


@inner
def maximum(a, b):
    """``np.maximum`` of two floats: a NaN propagates (``a`` when they are equal)."""
    return a if (a >= b or a != a) else b


@inner
def minimum(a, b):
    """``np.minimum`` of two floats: a NaN propagates (``a`` when they are equal)."""
    return a if (a <= b or a != a) else b


@inner
def threat(power, hostility, reach, background):
    """(n,) ``payoffs.threat(power, hostility, reach) + background``: the sum over the hostile
    pairs of each row, in order, from zero (``np.bincount``), then the background."""
    n = power.shape[0]
    out = np.empty(n)
    for i in range(n):
        total = 0.0
        for k in range(n):
            if hostility[i, k] > 0.0:
                total += hostility[i, k] * reach[k, i] * power[k]
        out[i] = total + background[i]
    return out


@inner
def hostile_lists(hostility):
    """The hostile pairs as sparse rows and as sparse columns: ``rivals[first[a]:first[a + 1]]``
    are the b with ``hostility[a, b] > 0`` (``kernels.hostile_lists``, which takes the nonzero
    entries: the same, the hostility here being >= 0 without NaN), ``who[start[b]:start[b + 1]]``
    the a with ``hostility[a, b] > 0`` (the states hostile to b, ``np.nonzero(hostility.T >
    0)``), each in increasing order."""
    n = hostility.shape[0]
    first = np.zeros(n + 1, dtype=np.int64)
    start = np.zeros(n + 1, dtype=np.int64)
    for a in range(n):
        for b in range(n):
            if hostility[a, b] > 0.0:
                first[a + 1] += 1
                start[b + 1] += 1
    for a in range(n):
        first[a + 1] += first[a]
        start[a + 1] += start[a]
    rivals = np.empty(first[n], dtype=np.int64)
    who = np.empty(start[n], dtype=np.int64)
    at = start[:n].copy()
    for a in range(n):
        row = first[a]
        for b in range(n):
            if hostility[a, b] > 0.0:
                rivals[row] = b
                row += 1
                who[at[b]] = a  # a increases: each column's list in order
                at[b] += 1
    return first, rivals, start, who


@inner
def containment_base(reach, hostility, capability, background, available, first, who):
    """(n, n) ``payoffs.containment_reach(reach, hostility, capability, background)`` times
    ``available[j]`` (the context's ``base``), in the reference's order: each row's home share
    ``w0_i reach_ji``, plus the row's loyal-ally values summed from zero over the threats k and
    the states j hostile to k (``np.bincount`` of the triples), with the diagonal then zero;
    ``who[first[k]:first[k + 1]]`` are the states hostile to k (``hostile_lists``)."""
    n = capability.shape[0]
    totals = threat(capability, hostility, reach, background)  # each state's threats' total
    out = np.empty((n, n))
    row = np.zeros(n)
    for i in range(n):
        total = totals[i]
        safe = total if total > 0.0 else 1.0
        home = background[i] / safe if total > 0.0 else 1.0
        for j in range(n):
            out[i, j] = home * reach[j, i]
        any_triple = False
        for k in range(n):
            h_ik = hostility[i, k]
            if h_ik > 0.0:
                weight = (h_ik * reach[k, i] * capability[k]) / safe if total > 0.0 else 0.0
                for at in range(first[k], first[k + 1]):
                    j = who[at]
                    loyal = minimum(1.0, hostility[j, k] / h_ik)
                    where = maximum(reach[j, i], reach[j, k])
                    row[j] += weight * (loyal * where)
                    any_triple = True
        if any_triple:
            for j in range(n):
                out[i, j] += row[j]
                row[j] = 0.0
        out[i, i] = 0.0
        for j in range(n):
            out[i, j] = out[i, j] * available[j]
    return out


@inner
def coercion(trade, propensity, hostility, scale):
    """``payoffs.coercion_exposure(trade, propensity, hostility, value_added_share, weight)``
    with ``scale = weight * value_added_share``: the coercers, (n, c) at risk, (n, c, n)
    excess provocation."""
    n = trade.shape[0]
    at_risk_all = np.empty((n, n))
    can = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        for k in range(n):
            value = scale * trade[i, k] * propensity[k]
            at_risk_all[i, k] = value
            if value != 0.0:
                can[k] = True
    count = 0
    for k in range(n):
        if can[k]:
            count += 1
    coercers = np.empty(count, dtype=np.int64)
    c = 0
    for k in range(n):
        if can[k]:
            coercers[c] = k
            c += 1
    at_risk = np.empty((n, count))
    excess = np.zeros((n, count, n))
    for c in range(count):
        k = coercers[c]
        for i in range(n):
            at_risk[i, c] = at_risk_all[i, k]
        for j in range(n):
            h_kj = hostility[k, j]
            if h_kj > 0.0:  # only k's rivals j provoke it
                for i in range(n):
                    excess[i, c, j] = maximum(0.0, h_kj - hostility[k, i])
                excess[j, c, j] = 0.0  # a tie with oneself provokes nobody
    return coercers, at_risk, excess


@kernel
def year_context(
    affinity,
    reach,
    capability,
    power,
    background,
    capability_base,
    background_base,
    levels,
    level_weight,
    publicness,
    credibility,
    credibility_factor,
    max_credibility,
    entrapment_weight,
    upkeep,
    affinity_weight,
    relationship,
    trade,
    propensity,
    coercion_scale,
):
    """The year's context arrays (``AllianceModel._context`` with the compiled engine).

    Args:
        affinity: (n, n) affinity.
        reach: (n, n) ``reach[k, i]``.
        capability: (n,) capability stocks.
        power: (n,) ``payoffs.perceived_power``.
        background: (n,) this year's unmodelled threat.
        capability_base, background_base: (n,) the base year's capabilities and background
            threat (the crisis factor's intent).
        levels: (n, n) int8 levels in force; level_weight: (4,) their weights.
        publicness: ``payoffs.ally_availability``'s publicness (each state's commitments are
            its ties above none, counted from ``levels``).
        credibility: (n, n) the states' credibility; credibility_factor: (n,)
            ``payoffs.credibility_factor``; max_credibility: its ceiling.
        entrapment_weight: multiplies the stakes.
        upkeep: (n,) a tie's upkeep, fraction of each state's GDP; affinity_weight: multiplies
            the affinity; relationship: (n, n) the calibrated relationship values.
        trade, propensity, coercion_scale: ``payoffs.coercion_exposure``'s trade exposure,
            propensity, and weight times value-added share.

    Returns:
        ``(hostility, threat, intent, base, credibility, stakes, dependence, linear, coercers,
        at_risk, excess, first, rivals)``: the context's arrays (``intent`` without the crisis
        factor's power, which numpy applies), and ``kernels.hostile_lists``.
    """
    n = capability.shape[0]
    hostility = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            h = 0.0 - affinity[i, j]  # as payoffs.hostility: +0.0 where the affinity is 0
            hostility[i, j] = h if h > 0.0 else 0.0
        hostility[i, i] = 0.0
    threat_now = threat(power, hostility, reach, background)
    intent = threat(capability_base, hostility, reach, background_base)
    available = np.empty(n)
    keep = 1.0 - publicness
    for j in range(n):
        commitments = 0
        for k in range(n):
            if levels[j, k] > 0:
                commitments += 1
        private = capability[j] / maximum(1.0, float(commitments))
        available[j] = publicness * capability[j] + keep * private
    first, rivals, start, who = hostile_lists(hostility)
    base = containment_base(reach, hostility, capability, background, available, start, who)
    credible = np.empty((n, n))
    stakes = np.empty((n, n))
    dependence = np.empty((n, n))
    linear = np.empty((n, n, 3))
    for i in range(n):
        for j in range(n):
            promised = minimum(max_credibility, credibility[i, j] * credibility_factor[j])
            credible[i, j] = promised * (1.0 - hostility[j, i])
            reaching = reach[j, i] * capability[j]
            total = capability[i] + reaching
            total += 1e-12
            stake = reaching / total
            stake += level_weight[levels[i, j]]
            stakes[i, j] = entrapment_weight * (stake if i != j else 0.0)
            pair = capability[i] + capability[j]
            pair += 1e-12
            dependence[i, j] = capability[j] / pair if i != j else 0.0
            linear[i, j, 0] = -(upkeep[i] if i != j else 0.0)
            linear[i, j, 1] = affinity_weight * affinity[i, j]
            linear[i, j, 2] = relationship[i, j]
    coercers, at_risk, excess = coercion(trade, propensity, hostility, coercion_scale)
    return (
        hostility,
        threat_now,
        intent,
        base,
        credible,
        stakes,
        dependence,
        linear,
        coercers,
        at_risk,
        excess,
        first,
        rivals,
    )
