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
  ``alignment.candidate_changes``, every treaty exit and join) as changes of the state's row,
  scored in one call (``score``: ``sim.core._jit.changed_terms``, or ``sim.core._jit.terms``
  of whole rows when the hostility has NaN), one draw of ``alignment.logit_choice``
  (``choose``), and the partners' consent draws of ``consent`` and ``apply_to_join``
  (``_consulted``, ``_agrees``).

The kernel does not change the model: it returns what the state chose (a code, the partner,
the level, the treaty, the term changes) and the Python caller carries it out through the
model's acts, which record it with its reasons. Uniform draws come from the model's own
generator: ``pcg`` is its PCG64 state (``kernels.pcg64_state``), advanced here exactly as
numpy's ``Generator.random`` advances it, so the draws and the generator's state after the
decision are those of the reference.

``decide`` calls the scorers itself (through ``score``), and no function between: numba
compiles a function with all it calls, so each function that calls the scorers would compile
them again (see ``sim.core._jit`` on compile time).

Examples:
    numpy's float sums, to the last bit (pairwise summation):

    >>> x = np.linspace(0.1, 3.0, 50) ** 3
    >>> float(pairwise_sum(x, 0, x.size)) == float(x.sum())
    True
"""

import math

import numpy as np

from sim.core._jit import best_response, changed_terms, inlined, inner, kernel, terms

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


@inner
def _mul64(a, b):
    """The 128-bit product of two 64-bit words, as (high, low)."""
    a_lo, a_hi = a & _MASK32, a >> _S32
    b_lo, b_hi = b & _MASK32, b >> _S32
    p0, p1, p2, p3 = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi
    mid = (p0 >> _S32) + (p1 & _MASK32) + (p2 & _MASK32)
    high = p3 + (p1 >> _S32) + (p2 >> _S32) + (mid >> _S32)
    return high, (mid << _S32) | (p0 & _MASK32)


@kernel
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


@inner
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


@kernel
def pairwise_sum(a, lo, n):
    """numpy's sum of ``a[lo:lo + n]``: its pairwise summation (halves split at a multiple of
    8 down to blocks of 128, ``_block_sum``), so that a compiled sum gives numpy's float. The
    halves are walked with a stack, not by recursion (numba cannot load a cached recursive
    function); one call of ``_block_sum`` (a sum of 128 or fewer is one block)."""
    deep = n > 128
    todo = np.empty((192 if deep else 1, 3), dtype=np.int64)  # (start, length, halves summed?)
    values = np.empty(96 if deep else 1)
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


@inner
def _value(d, mode):
    """The rule's value of term changes ``d``: their sum (``expected_utility``) or security plus
    the relationship value (``balance_of_threat``, mode 1)."""
    if mode == 1:
        return d[0] + d[5]
    res = 0.0
    for t in range(d.shape[0]):
        res += d[t]
    return res


@inner
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


@inner
def treaty_row(i, k, include, bilateral, member, level_of, row):
    """State i's commitment row with its membership of treaty k set to ``include``
    (``AllianceModel._row_with_members``), into ``row``."""
    n = bilateral.shape[0]
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


@kernel
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


@inlined
def _treaty_changes(i, levels, bilateral, treaties):
    """State i's treaty options (``ExpectedUtility.options``: every exit, then every join, in
    the order of the treaties) as changes of its row (``row_changes``), and the treaties."""
    member, level_of, open_to = treaties[0], treaties[1], treaties[2]
    n_treaties, n = member.shape[0], levels.shape[1]
    n_exits, n_joins = 0, 0
    for k in range(n_treaties):
        n_exits += member[k, i]
        n_joins += open_to[k, i] and not member[k, i]
    exits = np.empty(n_exits, dtype=np.int64)
    joins = np.empty(n_joins, dtype=np.int64)
    n_exits, n_joins = 0, 0
    for k in range(n_treaties):
        if member[k, i]:
            exits[n_exits] = k
            n_exits += 1
        elif open_to[k, i]:
            joins[n_joins] = k
            n_joins += 1
    rows = np.empty((1 + n_exits + n_joins, n), dtype=np.int64)
    for j in range(n):
        rows[0, j] = levels[i, j]
    for k in range(n_exits + n_joins):
        joining = k >= n_exits
        treaty = joins[k - n_exits] if joining else exits[k]
        treaty_row(i, treaty, joining, bilateral, member, level_of, rows[1 + k])
    starts, js, new_levels = row_changes(rows)
    return starts, js, new_levels, exits, joins


@inlined
def options(i, levels, top, floor, bilateral, treaties):
    """State i's options (``ExpectedUtility.options``) as changes of its row, candidate 0 its
    row itself: every single-tie change (deepening first; candidate k + 1 moves the tie with
    ``js[k]`` to ``new_levels[k]``), then every treaty exit and every join. Returns the changes
    (``_jit.changed_terms``'s ``starts, js, new_levels``), how many single-tie changes, and
    the treaties left and joined."""
    t_starts, t_js, t_levels, exits, joins = _treaty_changes(i, levels, bilateral, treaties)
    n = levels.shape[1]
    row = levels[i]
    ties = 0
    for j in range(n):
        ties += (j != i and row[j] < top) + (j != i and row[j] > floor[j])
    n_treaties = exits.shape[0] + joins.shape[0]
    starts = np.empty(ties + n_treaties + 2, dtype=np.int64)
    js = np.empty(ties + t_js.shape[0], dtype=np.int64)
    new_levels = np.empty(ties + t_js.shape[0], dtype=np.int64)
    m = 0
    for down in range(2):
        for j in range(n):
            if j != i and ((row[j] > floor[j]) if down else (row[j] < top)):
                js[m], new_levels[m] = j, row[j] - 1 if down else row[j] + 1
                m += 1
    for k in range(ties + 1):
        starts[k] = k - 1 if k > 0 else 0
    starts[ties + 1] = ties
    for k in range(n_treaties):
        starts[ties + 2 + k] = ties + t_starts[k + 2]
    for p in range(t_js.shape[0]):
        js[ties + p], new_levels[ties + p] = t_js[p], t_levels[p]
    return starts, js, new_levels, ties, exits, joins


@inlined
def score(i, starts, js, new_levels, ctx_arrays, scalars, dense):
    """(m + 1, 7) ``payoffs.alignment_terms`` of state i's row (candidate 0) and of its rows
    with the changes ``js[starts[k]:starts[k + 1]]`` to ``new_levels``: by
    ``_jit.changed_terms`` from the current row over the sparse hostility (``dense`` None), or
    by whole rows (``_jit.terms``; ``dense`` True: the hostility has NaN, no sparse lists,
    ``kernels.dense_scoring``). numba compiles one of the two: the test of an argument
    against None is decided when compiling."""
    if dense is None:
        return changed_terms(i, starts, js, new_levels, ctx_arrays, scalars)
    levels = ctx_arrays[12]
    m = starts.shape[0] - 1
    rows = np.empty((m, levels.shape[1]), dtype=np.int64)
    for k in range(m):
        for j in range(levels.shape[1]):
            rows[k, j] = levels[i, j]
        for p in range(starts[k], starts[k + 1]):
            rows[k, js[p]] = new_levels[p]
    return terms(i, rows, ctx_arrays, scalars)


@inner
def _less_first(t):
    """(m - 1, 7) rows 1.. of the terms ``t`` less row 0 (the current row's): term changes."""
    out = np.empty((t.shape[0] - 1, t.shape[1]))
    for k in range(out.shape[0]):
        for q in range(t.shape[1]):
            out[k, q] = t[k + 1, q] - t[0, q]
    return out


@inner
def single_changes(m):
    """``starts`` of candidate 0 (no change) and m single changes: (0, 0, 1, ..., m)."""
    starts = np.empty(m + 2, dtype=np.int64)
    starts[0] = 0
    for k in range(m + 1):
        starts[k + 1] = k
    return starts


@kernel
def tie_deltas(i, partners, new_levels, ctx_arrays, scalars, dense):
    """(m, 7) the term changes of single-tie changes of state i's row (``score``, ``dense``
    as there: ``kernels.dense_scoring``)."""
    starts = single_changes(partners.shape[0])
    return _less_first(score(i, starts, partners, new_levels, ctx_arrays, scalars, dense))


@kernel
def current_terms(ctx_arrays, scalars, dense):
    """(n, 7) every state's alignment terms at its current row (``payoffs.alignment_terms``
    of the levels in force): ``score`` with no change (``dense`` as there)."""
    levels = ctx_arrays[12]
    n = levels.shape[0]
    out = np.empty((n, 7))
    none = np.zeros(2, dtype=np.int64)  # candidate 0 alone
    empty = np.empty(0, dtype=np.int64)
    for i in range(n):
        t = score(i, none, empty, empty, ctx_arrays, scalars, dense)
        for q in range(7):
            out[i, q] = t[0, q]
    return out


@inlined
def choose(i, t, ties, exits, exit_extra, rule, u):
    """The option state i takes (``ExpectedUtility.decide``), given the terms ``t`` of its row
    and of its options (``options``, ``score``) and the uniform draw u: the option's index
    (-1 to keep) and the term changes of every option."""
    deltas = _less_first(t)
    m = deltas.shape[0]
    g = np.empty(m)
    for k in range(m):
        gain = _value(deltas[k], int(rule[3]))
        if k < ties or k >= ties + exits.shape[0]:
            gain -= rule[0]
        else:
            gain -= rule[1] + exit_extra[exits[k - ties], i]
        g[k] = gain * 100
    return logit_pick(g, rule[2], u), deltas


@inner
def _agrees(t, rule, pcg, out):
    """``ExpectedUtility.consent``: a state weighs a tie given the terms ``t`` of its row and of
    its row with the tie (its term changes go to ``out``) and agrees with the logit probability
    of its gain (one draw)."""
    for q in range(out.shape[0]):
        out[q] = t[1, q] - t[0, q]
    gain = _value(out, int(rule[3])) - rule[0]
    temperature = rule[2]
    if temperature <= 0:
        p = 1.0 if gain * 100 > 0 else 0.0
    else:
        p = 0.5 * (1.0 + math.tanh(gain * 100 / (2.0 * temperature)))
    return next_double(pcg) < p


@inlined
def _consulted(i, choice, ties, exits, joins, js, new_levels, levels, treaties, out_int):
    """What the option ``choice`` is (its code, partner, level, treaty into ``out_int``), the
    level of the tie it asks of others and who must agree, in order: the partner of a deeper
    tie, the members of a treaty joined that are not tied to i at its level yet
    (``apply_to_join``); nobody for a looser tie or an exit."""
    nobody = np.empty(0, dtype=np.int64)
    if choice < ties:
        j, level = js[choice], new_levels[choice]
        out_int[1], out_int[2] = j, level
        if level <= levels[i, j]:
            out_int[0] = LOOSEN
            return level, nobody
        out_int[0] = DEEPEN
        partner = np.empty(1, dtype=np.int64)
        partner[0] = j
        return level, partner
    if choice < ties + exits.shape[0]:
        out_int[0], out_int[3] = EXIT, exits[choice - ties]
        return 0, nobody
    k = joins[choice - ties - exits.shape[0]]
    out_int[0], out_int[3] = ADMIT, k
    level, members = treaties[1][k], treaties[3][k]
    asked = np.empty(members.shape[0], dtype=np.int64)
    count = 0
    for t in range(members.shape[0]):
        j = members[t]
        if j < 0:
            break
        if levels[j, i] < level:
            asked[count] = j
            count += 1
    return level, asked[:count]


@kernel
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
    lottery = np.empty((2, 2))  # the allies and their probabilities
    lottery[0, 0], lottery[0, 1], lottery[1, 0], lottery[1, 1] = allied, 0.0, c, 1.0 - c
    br = best_response(
        theta[i],
        lottery[0],
        lottery[1],
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


@kernel
def decide(
    i,
    ctx_arrays,
    scalars,
    dense,
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
    """State i's year (``StateAgent.step``): its budget decision, then its alignment decision
    (``ExpectedUtility.decide``). ``out_int`` gets what it chose (a code of this module,
    partner, level, treaty, the member that blocked an accession), ``out_delta`` its term
    changes and its partner's (raw: the rule's ``terms`` applies after). The options are
    scored in one ``score`` call (``dense`` as there), then each partner asked to agree in its
    own."""
    budget(i, ctx_arrays, budget_arrays, settings, out_budget)
    levels = ctx_arrays[12]
    top = ctx_arrays[5].shape[0] - 1
    starts, js, new_levels, ties, exits, joins = options(i, levels, top, floor, bilateral, treaties)
    for t in range(out_int.shape[0]):
        out_int[t] = -1
    if starts.shape[0] == 2:  # candidate 0 only: no option
        out_int[0] = NOTHING
        return
    terms_now = score(i, starts, js, new_levels, ctx_arrays, scalars, dense)
    choice, deltas = choose(i, terms_now, ties, exits, treaties[4], rule, next_double(pcg))
    out_int[0] = KEEP
    if choice < 0:
        return
    for q in range(7):
        out_delta[0, q] = deltas[choice, q]
    level, asked = _consulted(
        i, choice, ties, exits, joins, js, new_levels, levels, treaties, out_int
    )
    one = single_changes(1)  # candidate 0, and the tie with i at ``level``
    partner = np.empty(1, dtype=np.int64)  # the tie with i at ``level``
    partner[0] = i
    at = np.empty(1, dtype=np.int64)
    at[0] = level
    for t in range(asked.shape[0]):
        j = asked[t]
        terms_j = score(j, one, partner, at, ctx_arrays, scalars, dense)
        if not _agrees(terms_j, rule, pcg, out_delta[1]):
            if out_int[0] == DEEPEN:
                out_int[0] = DECLINED
            else:
                out_int[0], out_int[4] = BLOCKED, j
            return
