"""A state's whole yearly decision, compiled (numba): the second piece of the compiled engine
(issue #11), behind ``sim.core.kernels.decide``.

One call scores a state's budget and its alignment options and draws its choice, as these
reference functions do, step by step and in the same order (the same draws; the same floats
where the sums are the same, numpy's pairwise sums included, and floats within 1e-12 where the
options are scored as changes of the current row, ``_jit.changed_terms``):

- the budget: ``sim.abm.model.AllianceView.budget_inputs`` (the allied lottery of
  ``payoffs.allies_and_reliability``), ``sim.core.budget.best_response_scalar``, the Richardson
  push, a budget fixed by the scenario and ``budget.adjust_share``
  (``sim.abm.agents.StateAgent.budget_choice``);
- the alignment decision of ``sim.rules.expected_utility.ExpectedUtility`` (or its
  ``balance_of_threat`` variant): the options of ``options`` (every single-tie change of
  ``alignment.candidate_changes``, every treaty exit and join, scored by
  ``sim.core._jit.terms``), one draw of ``alignment.logit_choice``, and the partners'
  consent draws of ``consent`` and ``apply_to_join``.

The kernel does not change the model: it returns what the state chose (a code, the partner,
the level, the treaty, the term changes) and the Python caller carries it out through the
model's acts, which record it with its reasons. Uniform draws come from the model's own
generator: ``pcg`` is its PCG64 state (``kernels.pcg64_state``), advanced here exactly as
numpy's ``Generator.random`` advances it, so the draws and the generator's state after the
decision are those of the reference.

Examples:
    numpy's float sums, to the last bit (pairwise summation):

    >>> x = np.linspace(0.1, 3.0, 50) ** 3
    >>> float(pairwise_sum(x, 0, x.size)) == float(x.sum())
    True
"""

import math

import numpy as np
from numba import njit

from sim.core._jit import best_response, changed_terms, terms, tie_terms

KEEP, DEEPEN, DECLINED, LOOSEN, EXIT, ADMIT, BLOCKED, NOTHING = range(8)
"""What the kernel reports in ``out_int[0]``: the state kept everything (after its draw), a deeper
tie its partner accepted, one it declined, a tie loosened, a treaty left, an accession admitted,
one blocked, and no option at all (no draw made)."""

_MASK32 = np.uint64(0xFFFFFFFF)
_MULT_HI = np.uint64(0x2360ED051FC65DA4)
_MULT_LO = np.uint64(0x4385DF649FCCF645)  # PCG64's 128-bit multiplier (O'Neill 2014)
_S11 = np.uint64(11)
_S32 = np.uint64(32)
_S58 = np.uint64(58)
_S63 = np.uint64(63)
_S64 = np.uint64(64)


@njit(cache=True)
def _mul64(a, b):
    """The 128-bit product of two 64-bit words, as (high, low)."""
    a_lo, a_hi = a & _MASK32, a >> _S32
    b_lo, b_hi = b & _MASK32, b >> _S32
    p0, p1, p2, p3 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi
    mid = (p0 >> _S32) + (p1 & _MASK32) + (p2 & _MASK32)
    high = p3 + (p1 >> _S32) + (p2 >> _S32) + (mid >> _S32)
    return high, (mid << _S32) | (p0 & _MASK32)


@njit(cache=True)
def next_double(pcg):
    """numpy's ``Generator.random()`` on a PCG64 state ``pcg`` (uint64 words: state low, state
    high, increment low, increment high), which it advances: one step of the 128-bit LCG, the
    XSL-RR output, its top 53 bits as a float in [0, 1)."""
    high, low = _mul64(pcg[0], _MULT_LO)
    high = high + pcg[0] * _MULT_HI + pcg[1] * _MULT_LO
    new_low = low + pcg[2]
    carry = np.uint64(1) if new_low < low else np.uint64(0)
    new_high = high + pcg[3] + carry
    pcg[0] = new_low
    pcg[1] = new_high
    x = new_high ^ new_low
    rot = new_high >> _S58
    out = (x >> rot) | (x << ((_S64 - rot) & _S63))
    return np.float64(out >> _S11) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _block_sum(a, lo, n):
    """numpy's sum of a block of at most 128 numbers: 8 partial sums, combined in pairs."""
    if n < 8:
        res = 0.0
        for k in range(n):
            res += a[lo + k]
        return res
    r = a[lo : lo + 8].copy()
    k = 8
    while k < n - n % 8:
        for t in range(8):
            r[t] += a[lo + k + t]
        k += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while k < n:
        res += a[lo + k]
        k += 1
    return res


@njit(cache=True)
def pairwise_sum(a, lo, n):
    """numpy's sum of ``a[lo:lo + n]``: its pairwise summation (halves split at a multiple of
    8 down to blocks of 128, ``_block_sum``), so that a compiled sum gives numpy's float. The
    halves are walked with a stack, not by recursion (numba cannot load a cached recursive
    function)."""
    if n <= 128:
        return _block_sum(a, lo, n)
    todo = np.empty((192, 3), dtype=np.int64)  # (start, length, halves summed?)
    values = np.empty(96)
    todo[0, 0], todo[0, 1], todo[0, 2] = lo, n, 0
    top, count = 1, 0
    while top > 0:
        top -= 1
        start, length, done = todo[top, 0], todo[top, 1], todo[top, 2]
        if length <= 128:
            values[count] = _block_sum(a, start, length)
            count += 1
        elif done:
            count -= 1
            values[count - 1] = values[count - 1] + values[count]
        else:
            half = length // 2
            half -= half % 8
            todo[top, 2] = 1  # revisited once both halves are summed
            todo[top + 1, 0], todo[top + 1, 1], todo[top + 1, 2] = start + half, length - half, 0
            todo[top + 2, 0], todo[top + 2, 1], todo[top + 2, 2] = start, half, 0
            top += 3
    return values[0]


@njit(cache=True)
def _value(d, mode):
    """The rule's value of term changes ``d``: their sum (``expected_utility``) or security plus
    the relationship value (``balance_of_threat``, mode 1)."""
    if mode == 1:
        return d[0] + d[5]
    res = 0.0
    for t in range(d.shape[0]):
        res += d[t]
    return res


@njit(cache=True)
def logit_pick(g, temperature, u):
    """``alignment.logit_choice`` over gains ``g`` with the uniform draw ``u`` already made: the
    chosen option's index, or -1 to keep."""
    m = g.shape[0]
    count = 0
    for k in range(m):
        if not np.isnan(g[k]):
            count += 1
    if count == 0:
        return -1
    weights = np.zeros(m)
    if temperature <= 0:
        best = -np.inf
        for k in range(m):
            if not np.isnan(g[k]) and g[k] > best:
                best = g[k]
        for k in range(m):
            if not np.isnan(g[k]) and g[k] >= best - 1e-12:
                weights[k] = 1.0
        p_act = 1.0 if best > 0 else 0.0
    else:
        z = np.empty(m)
        top = -np.inf
        for k in range(m):
            z[k] = -np.inf if np.isnan(g[k]) else g[k] / temperature
            top = max(top, z[k])
        for k in range(m):
            weights[k] = np.exp(z[k] - top)
        inclusive = top + math.log(pairwise_sum(weights, 0, m) / count)
        p_act = 0.5 * (1.0 + math.tanh(inclusive / 2.0))
    if u >= p_act:
        return -1
    target = u / p_act * pairwise_sum(weights, 0, m)
    total = 0.0
    for k in range(m):
        total += weights[k]
        if total > target:
            return k
    for k in range(m - 1, -1, -1):  # rounding put the draw past the last sum: the last option
        if weights[k] > 0:  # that can be chosen (the reference's index would be out of range)
            return k
    return -1


@njit(cache=True)
def consent(j, i, level, ctx_arrays, scalars, rule, pcg, out):
    """``ExpectedUtility.consent``: state j weighs a tie with i at ``level`` (its term changes go
    to ``out``) and agrees with the logit probability of its gain (one draw)."""
    out[:] = tie_deltas(j, np.array([i]), np.array([level]), ctx_arrays, scalars)[0]
    gain = _value(out, int(rule[3])) - rule[0]
    temperature = rule[2]
    if temperature <= 0:
        p = 1.0 if gain * 100 > 0 else 0.0
    else:
        p = 0.5 * (1.0 + math.tanh(gain * 100 / (2.0 * temperature)))
    return next_double(pcg) < p


@njit(cache=True)
def treaty_row(i, k, include, bilateral, member, level_of):
    """State i's commitment row with its membership of treaty k set to ``include``
    (``AllianceModel._row_with_members``)."""
    n = bilateral.shape[0]
    row = np.empty(n, dtype=np.int64)
    for j in range(n):
        row[j] = bilateral[i, j]
    for t in range(member.shape[0]):
        mine = include if t == k else member[t, i]
        if not mine:
            continue
        for j in range(n):
            held = include if (t == k and j == i) else member[t, j]
            if held and level_of[t] > row[j]:
                row[j] = level_of[t]
    row[i] = 0
    return row


@njit(cache=True)
def options(i, ctx_arrays, floor, treaties):
    """State i's options (``ExpectedUtility.options``): every single-tie change (deepening
    first: partner and new level), then every treaty exit and every join (the treaties)."""
    member, open_to = treaties[0], treaties[2]
    levels = ctx_arrays[12]
    top = ctx_arrays[5].shape[0] - 1
    n = levels.shape[1]
    row = levels[i]
    partners = np.empty(2 * n, dtype=np.int64)
    new_levels = np.empty(2 * n, dtype=np.int64)
    m = 0
    for j in range(n):
        if j != i and row[j] < top:
            partners[m], new_levels[m] = j, row[j] + 1
            m += 1
    for j in range(n):
        if j != i and row[j] > floor[j]:
            partners[m], new_levels[m] = j, row[j] - 1
            m += 1
    n_exits, n_joins = 0, 0
    for k in range(member.shape[0]):
        n_exits += member[k, i]
        n_joins += open_to[k, i] and not member[k, i]
    exits = np.empty(n_exits, dtype=np.int64)
    joins = np.empty(n_joins, dtype=np.int64)
    n_exits, n_joins = 0, 0
    for k in range(member.shape[0]):  # in the order of the treaties
        if member[k, i]:
            exits[n_exits] = k
            n_exits += 1
        elif open_to[k, i]:
            joins[n_joins] = k
            n_joins += 1
    return partners[:m], new_levels[:m], exits, joins


@njit(cache=True)
def _less_first(t):
    """(m - 1, 7) rows 1.. of the terms ``t`` less row 0 (the current row's): term changes."""
    out = np.empty((t.shape[0] - 1, t.shape[1]))
    for k in range(out.shape[0]):
        for q in range(t.shape[1]):
            out[k, q] = t[k + 1, q] - t[0, q]
    return out


@njit(cache=True)
def tie_deltas(i, partners, new_levels, ctx_arrays, scalars):
    """(m, 7) the term changes of single-tie changes of state i's row: by ``tie_terms`` from
    the current row (sparse hostility), or by whole rows (``terms``) when the hostility has
    NaN."""
    m = partners.shape[0]
    if ctx_arrays[20].shape[0] > 0:
        t = tie_terms(i, partners, new_levels, ctx_arrays, scalars)
    else:
        levels = ctx_arrays[12]
        rows = np.empty((m + 1, levels.shape[1]), dtype=np.int64)
        for k in range(m + 1):
            rows[k] = levels[i]
            if k > 0:
                rows[k, partners[k - 1]] = new_levels[k - 1]
        t = terms(i, rows, ctx_arrays, scalars)
    return _less_first(t)


@njit(cache=True)
def row_changes(rows):
    """Rows 1.. as changes of row 0 (``_jit.changed_terms``'s arguments): where each differs
    and its level there; row 0 itself is candidate 0, with no change."""
    m, n = rows.shape
    starts = np.zeros(m + 1, dtype=np.int64)
    for k in range(1, m):
        starts[k + 1] = starts[k]
        for j in range(n):
            if rows[k, j] != rows[0, j]:
                starts[k + 1] += 1
    js = np.empty(starts[m], dtype=np.int64)
    levels = np.empty(starts[m], dtype=np.int64)
    p = 0
    for k in range(1, m):
        for j in range(n):
            if rows[k, j] != rows[0, j]:
                js[p], levels[p] = j, rows[k, j]
                p += 1
    return starts, js, levels


@njit(cache=True)
def current_terms(ctx_arrays, scalars):
    """(n, 7) every state's alignment terms at its current row (``payoffs.alignment_terms``
    of the levels in force): ``changed_terms`` with no change, or whole rows when the
    hostility has NaN."""
    levels = ctx_arrays[12]
    n = levels.shape[0]
    out = np.empty((n, 7))
    none = np.zeros(2, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    for i in range(n):
        if ctx_arrays[20].shape[0] > 0:
            out[i] = changed_terms(i, none, empty, empty, ctx_arrays, scalars)[0]
        else:
            out[i] = terms(i, levels[i : i + 1].copy(), ctx_arrays, scalars)[0]
    return out


@njit(cache=True)
def treaty_deltas(i, exits, joins, ctx_arrays, scalars, bilateral, treaties):
    """(exits + joins, 7) the term changes of leaving each treaty and of joining each."""
    member, level_of = treaties[0], treaties[1]
    levels = ctx_arrays[12]
    k_all = exits.size + joins.size
    rows = np.empty((1 + k_all, levels.shape[1]), dtype=np.int64)
    rows[0] = levels[i]
    for k in range(exits.size):
        rows[1 + k] = treaty_row(i, exits[k], False, bilateral, member, level_of)
    for k in range(joins.size):
        rows[1 + exits.size + k] = treaty_row(i, joins[k], True, bilateral, member, level_of)
    if ctx_arrays[20].shape[0] > 0:  # as changes of the current row (sparse hostility)
        t = changed_terms(i, *row_changes(rows), ctx_arrays, scalars)
    else:
        t = terms(i, rows, ctx_arrays, scalars)
    return _less_first(t)


@njit(cache=True)
def budget(i, ctx_arrays, budget_arrays, settings, out):
    """State i's budget decision (``StateAgent.budget_choice``): ``out`` gets the new share, the
    desired share (with any Richardson push) and the best response."""
    theta, threat, base, credibility, level_weight = ctx_arrays[0], *ctx_arrays[2:6]
    levels, gdp = ctx_arrays[12], ctx_arrays[19]
    share, lower, upper, target, weight, private, push, fixed, reacts = budget_arrays
    speed, max_change, smoothing, gap_half, depreciation = settings
    n = levels.shape[1]
    x = np.empty(n)
    cx = np.empty(n)
    for j in range(n):
        x[j] = level_weight[levels[i, j]] * base[i, j]
        cx[j] = credibility[i, j] * x[j]
    allied = pairwise_sum(x, 0, n)
    weighted = pairwise_sum(cx, 0, n)
    c = weighted / allied if allied > 0 else 0.0
    c = min(max(c, 0.0), 1.0)
    br = best_response(
        theta[i],
        np.array([allied, 0.0]),
        np.array([c, 1.0 - c]),
        threat[i],
        gdp[i] / depreciation,
        lower[i],
        upper[i],
        target[i],
        weight[i],
        private[i],
        smoothing,
    )
    desired = br
    if reacts[i]:  # np.clip: a NaN push stays NaN, as in the reference
        pushed = br + push[i]
        desired = pushed if np.isnan(pushed) else min(max(pushed, lower[i]), upper[i])
    if not np.isnan(fixed[i]):
        new = min(fixed[i] / gdp[i], upper[i])
    else:
        gap = desired - share[i]
        rate = speed
        if gap_half > 0:
            g2 = gap * gap
            rate = speed + (1.0 - speed) * g2 / (g2 + gap_half**2)
        step = min(max(rate * gap, -max_change), max_change)
        new = min(max(share[i] + step, lower[i]), upper[i])
    out[0], out[1], out[2] = new, desired, br


@njit(cache=True)
def align(i, ctx_arrays, scalars, floor, bilateral, treaties, rule, pcg, out_int, out_delta):
    """State i's alignment decision (``ExpectedUtility.decide``): ``out_int`` gets what it chose
    (a code of this module, partner, level, treaty, the member that blocked an accession),
    ``out_delta`` its term changes and its partner's (raw: the rule's ``terms`` applies after)."""
    member_list, exit_extra = treaties[3], treaties[4]
    partners, new_levels, exits, joins = options(i, ctx_arrays, floor, treaties)
    n_ties, n_exits = partners.size, exits.size
    m = n_ties + n_exits + joins.size
    out_int[:] = -1
    if m == 0:
        out_int[0] = NOTHING
        return
    deltas = np.empty((m, 7))
    deltas[:n_ties] = tie_deltas(i, partners, new_levels, ctx_arrays, scalars)
    if n_ties < m:
        deltas[n_ties:] = treaty_deltas(i, exits, joins, ctx_arrays, scalars, bilateral, treaties)
    g = np.empty(m)
    for k in range(m):
        gain = _value(deltas[k], int(rule[3]))
        if k < n_ties or k >= n_ties + n_exits:
            gain -= rule[0]
        else:
            gain -= rule[1] + exit_extra[exits[k - n_ties], i]
        g[k] = gain * 100
    choice = logit_pick(g, rule[2], next_double(pcg))
    out_int[0] = KEEP
    if choice < 0:
        return
    out_delta[0] = deltas[choice]
    levels = ctx_arrays[12]
    if choice < n_ties:
        j, level = partners[choice], new_levels[choice]
        out_int[1], out_int[2] = j, level
        if level <= levels[i, j]:
            out_int[0] = LOOSEN
        elif consent(j, i, level, ctx_arrays, scalars, rule, pcg, out_delta[1]):
            out_int[0] = DEEPEN
        else:
            out_int[0] = DECLINED
        return
    if choice < n_ties + n_exits:
        out_int[0], out_int[3] = EXIT, exits[choice - n_ties]
        return
    k = joins[choice - n_ties - n_exits]
    out_int[0], out_int[3] = ADMIT, k
    level = treaties[1][k]
    for j in member_list[k]:
        if j < 0:
            break
        if levels[j, i] >= level:
            continue
        if not consent(j, i, level, ctx_arrays, scalars, rule, pcg, out_delta[1]):
            out_int[0], out_int[4] = BLOCKED, j
            return


@njit(cache=True)
def decide(
    i,
    ctx_arrays,
    scalars,
    floor,
    bilateral,
    treaties,
    rule,
    budget_arrays,
    settings,
    pcg,
    out_int,
    out_delta,
    out_budget,
):
    """State i's year: its budget decision, then its alignment decision (``StateAgent.step``)."""
    budget(i, ctx_arrays, budget_arrays, settings, out_budget)
    align(i, ctx_arrays, scalars, floor, bilateral, treaties, rule, pcg, out_int, out_delta)
