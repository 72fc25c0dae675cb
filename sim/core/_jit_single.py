"""Single-tie changes of a state's row, scored to the bit as whole rows (numba; behind
``sim.core.kernels.tie_change_terms``; imported only when that is first called).

``_jit.terms`` scores a candidate row in O(n): every sum of ``_jit.row_terms`` runs over every
partner j in order, and the entrapment over every third state q. The calibration by revealed
preference (``sim.core.calibration.relationship_values``) scores every single-tie change of
every state's row, so O(n^3) in all: about 4 minutes at 2,000 states, hours at 10,000.

``tie_change_terms`` gives the same floats in O(ties + rivals) an option. Each sum of
``row_terms`` is a sequential sum; an entry of commitment weight 0 adds ``0 * x``, an exact
zero (x finite), and adding a zero to a sum leaves it unchanged (a sum that starts at +0.0
never becomes -0.0), so the sums over the row's tied partners alone, in the same order, are the
same floats. An option that moves the tie with p keeps the sums over the tied partners before p
(kept as prefix sums of the current row), adds p's new entry and goes on with the partners after
p as ``row_terms`` does. The entrapment sum likewise runs over the states the row is exposed to
(an exposure of 0 adds an exact zero), and an option changes the exposure only towards p's
rivals (``extra[p, q]`` is 0 elsewhere). Side payments are not scored here: with none offered
they are zeros, which the expressions of ``_jit.terms`` keep.

Examples:
    The current row and two options of state 0 (the second leaves the level as it is), against
    the whole rows of ``_jit.terms``:

    >>> from sim.core import _jit
    >>> n = 4
    >>> rng = np.random.default_rng(2)
    >>> hostility = np.zeros((n, n)); hostility[1, 3] = 0.4
    >>> levels = np.zeros((n, n), dtype=np.int8); levels[0, 2] = levels[2, 0] = 2
    >>> ctx = (rng.uniform(0, 1, n), rng.uniform(1, 9, n), rng.uniform(1, 9, n),
    ...        rng.uniform(0, 9, (n, n)), rng.uniform(0, 1, (n, n)),
    ...        np.array([0.0, 0.15, 0.4, 0.85]), rng.normal(0, 0.01, (n, n, 3)), hostility,
    ...        rng.uniform(0, 0.01, (n, n)), rng.uniform(0, 1, (n, n)), np.zeros((n, 0)),
    ...        np.zeros((n, 0, n)), levels, np.zeros((n, n)), np.zeros(n, dtype=np.int64),
    ...        np.zeros(n, dtype=np.int64), np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.bool_),
    ...        rng.uniform(10, 99, n), np.array([0, 0, 1, 1, 1]), np.array([3]))
    >>> partners, new = np.array([1, 2]), np.array([3, 2])
    >>> rows = np.repeat(levels[:1], 3, axis=0); rows[1, 1] = 3
    >>> same = tie_change_terms(0, partners, new, ctx, (0.005, 0.1, 1.0))
    >>> bool((same == _jit.terms(0, rows, ctx, (0.005, 0.1, 1.0))).all())
    True
"""

import numpy as np
from numba import njit

from sim.core._jit import security


@njit(cache=True)
def _finite_rows(agent, ctx_arrays):
    """Whether the state's rows of the context are finite where an entry of weight 0 multiplies
    them (base, credibility, linear terms, stakes, dependence)."""
    base, credibility, _, linear = ctx_arrays[3:7]
    stakes, dependence = ctx_arrays[8], ctx_arrays[9]
    for j in range(base.shape[1]):
        x = base[agent, j] + credibility[agent, j] + stakes[agent, j] + dependence[agent, j]
        for t in range(3):
            x += linear[agent, j, t]
        if not np.isfinite(x):
            return False
    return True


@njit(cache=True)
def _add(agent, j, w, ctx_arrays, out):
    """Partner j's entry, at weight w, added to the six sums of ``_jit.row_terms`` (``out``)."""
    base, credibility, _, linear = ctx_arrays[3:7]
    dependence = ctx_arrays[9]
    x = w * base[agent, j]
    out[0] += x
    out[1] += credibility[agent, j] * x
    out[2] += w * dependence[agent, j]
    out[3] += w * linear[agent, j, 0]
    out[4] += w * linear[agent, j, 1]
    out[5] += w * linear[agent, j, 2]


@njit(cache=True)
def _prefix_sums(agent, tied, ctx_arrays):
    """(len(tied) + 1, 6) the sums of ``_jit.row_terms`` over the first t tied partners of the
    current row (allied capability, its weighted credibility, dependence, the three linear
    terms), in ``row_terms``'s order and arithmetic (``_add``)."""
    level_weight, levels = ctx_arrays[5], ctx_arrays[12]
    out = np.zeros((tied.size + 1, 6))
    for t in range(tied.size):
        for col in range(6):  # element by element: no slice assignment to compile
            out[t + 1, col] = out[t, col]
        _add(agent, tied[t], level_weight[levels[agent, tied[t]]], ctx_arrays, out[t + 1])
    return out


@njit(cache=True)
def _exposures(agent, tied, ctx_arrays):
    """The current row's entrapment exposure to each state (``_jit.current_exposures``, its
    zero terms left out) and its provocation of each coercer (every partner, as there)."""
    level_weight, hostility = ctx_arrays[5], ctx_arrays[7]
    excess, levels, first, rivals = ctx_arrays[11], ctx_arrays[12], ctx_arrays[20], ctx_arrays[21]
    n = levels.shape[1]
    exposure = np.zeros(n)
    for t in range(tied.size):
        j = tied[t]
        w = level_weight[levels[agent, j]]
        for r in range(first[j], first[j + 1]):
            q = rivals[r]
            d = hostility[j, q] - hostility[agent, q]
            if d > 0.0:
                exposure[q] += w * d
    provocation = np.zeros(excess.shape[1])
    for j in range(n):
        w = level_weight[levels[agent, j]]
        for c in range(excess.shape[1]):
            provocation[c] += w * excess[agent, c, j]
    return exposure, provocation


@njit(cache=True)
def _option_sums(agent, p, level, tied, prefix, ctx_arrays, out):
    """The six sums of ``row_terms`` for the current row with the tie with p at ``level``, into
    ``out``: the prefix before p, p's new entry, then the tied partners after p in order."""
    level_weight, levels = ctx_arrays[5], ctx_arrays[12]
    t = np.searchsorted(tied, p)
    for col in range(6):
        out[col] = prefix[t, col]
    if level_weight[level] != 0.0:
        _add(agent, p, level_weight[level], ctx_arrays, out)
    if t < tied.size and tied[t] == p:
        t += 1
    for u in range(t, tied.size):
        _add(agent, tied[u], level_weight[levels[agent, tied[u]]], ctx_arrays, out)


@njit(cache=True)
def _option_entrapment(agent, p, dw, exposed, trap_prefix, exposure, ctx_arrays):
    """The entrapment sum of ``row_terms`` for the current row with the tie with p moved by
    weight ``dw``: the exposure to q moves by ``dw * d``, d = H_pq - H_iq, at p's rivals q
    where d > 0 (``extra[p, q]``; 0 elsewhere); the sum runs over the exposed states and the
    moved ones, in order, from the first moved one on (the prefix before it is the current
    row's)."""
    hostility, stakes, first, rivals = ctx_arrays[7], ctx_arrays[8], ctx_arrays[20], ctx_arrays[21]
    n = exposure.shape[0]
    r, hi = first[p], first[p + 1]
    while r < hi and not hostility[p, rivals[r]] - hostility[agent, rivals[r]] > 0.0:
        r += 1
    if r == hi:  # no exposure moves
        return trap_prefix[exposed.size]
    t = np.searchsorted(exposed, rivals[r])
    total = trap_prefix[t]
    while True:
        while r < hi and not hostility[p, rivals[r]] - hostility[agent, rivals[r]] > 0.0:
            r += 1
        q_new = rivals[r] if r < hi else n
        q_old = exposed[t] if t < exposed.size else n
        if q_new == n and q_old == n:
            return total
        if q_old < q_new:
            q, e = q_old, exposure[q_old]
            t += 1
        else:
            q = q_new
            e = exposure[q] + dw * (hostility[p, q] - hostility[agent, q])
            r += 1
            t += 1 if q_old == q_new else 0
        total += stakes[agent, q] * -np.expm1(-e)


@njit(cache=True)
def _nonzero(values):
    """The positions of the entries of ``values`` that are not 0, in order."""
    out = np.empty(values.shape[0], dtype=np.int64)
    count = 0
    for j in range(values.shape[0]):
        if values[j] != 0.0:
            out[count] = j
            count += 1
    return out[:count].copy()


@njit(cache=True)
def tie_change_terms(agent, partners, new_levels, ctx_arrays, scalars):
    """(m + 1, 7) ``_jit.terms`` of the state's current row (``ctx_arrays[12][agent]``, row 0)
    and of each single-tie change of it (row k: partner ``partners[k - 1]`` at
    ``new_levels[k - 1]``), the same floats, for a context with no side payments offered and
    a hostility that is finite and >= 0 (the caller checks both). (0, 7) when the state's
    rows of the context are not finite (an entry of weight 0 would not be an exact zero): the
    caller then scores whole rows."""
    theta, own_all, threat = ctx_arrays[:3]
    level_weight, stakes, at_risk, excess = ctx_arrays[5], ctx_arrays[8], *ctx_arrays[10:12]
    levels, from_defence, gdp = ctx_arrays[12], ctx_arrays[18], ctx_arrays[19]
    autonomy_weight, depreciation, side_payment_weight = scalars
    m, n, c = partners.shape[0], levels.shape[1], at_risk.shape[1]
    if not _finite_rows(agent, ctx_arrays):
        return np.empty((0, 7))
    row = levels[agent]
    weights = np.empty(n)
    for j in range(n):
        weights[j] = level_weight[row[j]]
    tied = _nonzero(weights)  # the partners of weight other than 0, in order
    prefix = _prefix_sums(agent, tied, ctx_arrays)
    exposure, provocation = _exposures(agent, tied, ctx_arrays)
    exposed = _nonzero(exposure)
    trap_prefix = np.zeros(exposed.size + 1)
    entrapment = 0.0
    for t in range(exposed.size):
        q = exposed[t]
        entrapment += stakes[agent, q] * -np.expm1(-exposure[q])
        trap_prefix[t + 1] = entrapment
    no_aid = 0.0  # the side payments of ``_jit.aid_flows`` with no offer: zeros
    own = own_all[agent] + (no_aid - no_aid) / depreciation
    if from_defence[agent]:
        own = own - (no_aid - no_aid) / depreciation
    payout = 0.0 if from_defence[agent] else no_aid
    side = (side_payment_weight * no_aid - payout) / gdp[agent]
    out = np.empty((m + 1, 7))
    sums = np.empty(6)
    for k in range(m + 1):
        p = partners[k - 1] if k > 0 else 0
        changed = k > 0 and new_levels[k - 1] != row[p]
        dw = 0.0
        if changed:
            dw = level_weight[new_levels[k - 1]] - level_weight[row[p]]
            _option_sums(agent, p, new_levels[k - 1], tied, prefix, ctx_arrays, sums)
            trapped = _option_entrapment(agent, p, dw, exposed, trap_prefix, exposure, ctx_arrays)
        else:
            for col in range(6):
                sums[col] = prefix[tied.size, col]
            trapped = entrapment
        coercion = 0.0
        for t in range(c):
            moved = provocation[t] + dw * excess[agent, t, p] if changed else provocation[t]
            coercion += at_risk[agent, t] * -np.expm1(-moved)
        allied, weighted, depends = sums[0], sums[1], sums[2]
        reliability = weighted / allied if allied > 0 else 0.0
        reliability = min(max(reliability, 0.0), 1.0)
        out[k, 0] = security(theta[agent], max(own, 0.0), threat[agent], allied, reliability)
        out[k, 1] = -trapped
        out[k, 2] = -autonomy_weight * -np.expm1(-depends) + sums[3]
        out[k, 3] = -coercion
        out[k, 4] = sums[4]
        out[k, 5] = sums[5]
        out[k, 6] = side
    return out
