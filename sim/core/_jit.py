"""The numba-compiled kernels behind ``sim.core.kernels`` (imported only when a kernel is first
called: importing this module imports numba). Each function mirrors its numpy reference in
``sim.core.payoffs``, as its docstring says.

Compile time (the first run after an install compiles these functions, issue #11): numba
compiles each function on its own, then again, optimized and turned into machine code, within
every compiled function that calls it, down to the leaves; so the big functions are called
from few places, and not through chains of small ones (``_jit_decision.score`` is compiled into
its callers). The functions that only compiled code calls have no Python wrapper (``inner``).
Arrays are filled by loops, not by array expressions or slice assignments (numba compiles a
shape check with a formatted error message for each), and compiled functions are not passed
literal constants (each literal value compiles a specialization of its own).

Examples:
    Allies that come for sure add their capability (3 + 4 against 1: log 7/8):

    >>> round(float(security(1.0, 3.0, 1.0, 4.0, 1.0)), 4)
    -0.1335
"""

import numpy as np
from numba import njit

_OPTIONS = {"cache": True, "no_cfunc_wrapper": True, "error_model": "numpy"}
kernel = njit(**_OPTIONS)
"""A compiled function that Python calls: cached on disk, no C callback wrapper (unused), and
numpy's float division (a division by 0 gives inf or NaN as in the numpy reference, and
compiles no exception path)."""
inner = njit(**_OPTIONS, no_cpython_wrapper=True)
"""A compiled function that only compiled code calls: no Python wrapper to compile either."""
inlined = njit(**_OPTIONS, no_cpython_wrapper=True, inline="always")
"""A small function that calls big ones, compiled into its callers (numba's inlining) so that
it is not compiled on its own with them (each compiled function is optimized with all it
calls)."""


@inner
def earned(row, state, d, aid_offer, aid_min_level, aid_min_partners):
    """The share of donor d's offer that the ties of ``row`` (state ``state``'s) with d's other
    recipients earn (``payoffs.aid_by_donor``: pro rata up to ``aid_min_partners``)."""
    level = aid_min_level[d]
    partners = 0
    for j in range(row.shape[0]):
        if row[j] >= level and aid_offer[d, j] > 0:
            partners += 1
    if row[state] >= level and aid_offer[d, state] > 0:
        partners -= 1
    need = aid_min_partners[d]
    return min(1.0, partners / need) if need > 0 else 1.0


@inner
def _offers(aid_offer, d):
    """Whether donor d offers anything to anyone (``(aid_offer[d] != 0).any()``)."""
    for j in range(aid_offer.shape[1]):  # noqa: SIM110 (any() of a generator compiles slower)
        if aid_offer[d, j] != 0.0:
            return True
    return False


@inner
def aid_by_donor(agent, rows, aid_offer, aid_min_level, aid_min_partners):
    """``payoffs.aid_by_donor`` for one state's candidate rows: (m, donors) USD bn."""
    m = rows.shape[0]
    out = np.zeros((m, aid_offer.shape[0]))
    for d in range(aid_offer.shape[0]):
        offer = aid_offer[d, agent]
        if offer == 0.0:
            continue
        for k in range(m):
            fraction = earned(rows[k], agent, d, aid_offer, aid_min_level, aid_min_partners)
            tied = 1.0 if rows[k, d] >= aid_min_level[d] else 0.0
            out[k, d] = offer * tied * fraction
    return out


@inner
def aid_fraction(levels, aid_offer, aid_min_level, aid_min_partners):
    """``payoffs.aid_fraction``: (donors, n) the share of each offer the ties in force earn."""
    n = levels.shape[0]
    frac = np.zeros((aid_offer.shape[0], n))
    for d in range(aid_offer.shape[0]):
        if not _offers(aid_offer, d):
            continue
        for i in range(n):
            fraction = earned(levels[i], i, d, aid_offer, aid_min_level, aid_min_partners)
            frac[d, i] = (1.0 if aid_offer[d, i] > 0 else 0.0) * fraction
    return frac


@inner
def aid_flows(agent, rows, levels, aid_offer, aid_min_level, aid_min_partners, cap, cash):
    """``payoffs.aid_flows`` for one state's candidate rows: capability in, cash in, paid."""
    m = rows.shape[0]
    cap_in = np.zeros(m)
    cash_in = np.zeros(m)
    paid = np.zeros(m)
    offered = False
    for d in range(aid_offer.shape[0]):
        offered = offered or _offers(aid_offer, d)
    if not offered:
        return cap_in, cash_in, paid
    by_donor = aid_by_donor(agent, rows, aid_offer, aid_min_level, aid_min_partners)
    for k in range(m):
        for d in range(aid_offer.shape[0]):
            cap_in[k] += by_donor[k, d] * cap[d]
            cash_in[k] += by_donor[k, d] * cash[d]
    if _offers(aid_offer, agent):
        frac = aid_fraction(levels, aid_offer, aid_min_level, aid_min_partners)
        for k in range(m):
            total = 0.0
            for j in range(rows.shape[1]):
                if rows[k, j] >= aid_min_level[agent]:
                    total += aid_offer[agent, j] * frac[agent, j]
            paid[k] = total
    return cap_in, cash_in, paid


@kernel
def security(theta, own, threat, allied, reliability):
    """``payoffs.security_lottery`` for one row (allies come with probability reliability)."""
    with_allies = max(own + allied, 1e-9)
    alone = max(own, 1e-9)
    come = np.log(with_allies / (with_allies + threat))
    stay = np.log(alone / (alone + threat))
    return theta * (reliability * come + (1.0 - reliability) * stay)


@inner
def row_terms(agent, row, own, ctx_arrays, exposures, autonomy_weight, out):
    """Terms 0-5 of ``payoffs.alignment_terms`` for one row, written into ``out``: security,
    entrapment, autonomy (with the upkeep), coercion, affinity, relationship. ``own``: the
    state's capability with this row's aid; ``exposures``: ``(extra, now_row, exposure,
    provocation)`` of the state's current row (``current_exposures``), from which this row's
    exposures follow by the entries where it differs: O(n) a row instead of O(n^2)."""
    theta, _, threat, base, credibility, level_weight, linear = ctx_arrays[:7]
    stakes, dependence, at_risk, excess = ctx_arrays[8:12]
    extra, now_row, now_exposure, now_provocation = exposures
    n = row.shape[0]
    allied = 0.0
    weighted = 0.0
    depends = 0.0
    lin0 = 0.0
    lin1 = 0.0
    lin2 = 0.0
    exposure = now_exposure.copy()
    provocation = now_provocation.copy()
    for j in range(n):
        w = level_weight[row[j]]
        x = w * base[agent, j]
        allied += x
        weighted += credibility[agent, j] * x
        depends += w * dependence[agent, j]
        lin0 += w * linear[agent, j, 0]
        lin1 += w * linear[agent, j, 1]
        lin2 += w * linear[agent, j, 2]
        if row[j] != now_row[j]:
            dw = w - level_weight[now_row[j]]
            for q in range(n):
                exposure[q] += dw * extra[j, q]
            for c in range(provocation.shape[0]):
                provocation[c] += dw * excess[agent, c, j]
    reliability = weighted / allied if allied > 0 else 0.0
    reliability = min(max(reliability, 0.0), 1.0)
    out[0] = security(theta[agent], max(own, 0.0), threat[agent], allied, reliability)
    entrapment = 0.0
    for q in range(n):
        entrapment += stakes[agent, q] * -np.expm1(-exposure[q])
    out[1] = -entrapment
    out[2] = -autonomy_weight * -np.expm1(-depends) + lin0
    coercion = 0.0
    for c in range(at_risk.shape[1]):
        coercion += at_risk[agent, c] * -np.expm1(-provocation[c])
    out[3] = -coercion
    out[4] = lin1
    out[5] = lin2


@inner
def current_exposures(agent, ctx_arrays):
    """What ``row_terms`` starts from: ``extra[j, q] = max(0, H_jq - H_iq)``, the state's
    current row, and that row's entrapment exposure to each state and provocation of each
    coercer (``payoffs.entrapment_exposure``, ``coercion_exposure``)."""
    level_weight, hostility, excess, levels = (
        ctx_arrays[5],
        ctx_arrays[7],
        ctx_arrays[11],
        ctx_arrays[12],
    )
    n = hostility.shape[0]
    now_row = levels[agent].copy()
    extra = np.empty((n, n))
    exposure = np.zeros(n)
    provocation = np.zeros(excess.shape[1])
    for j in range(n):
        w = level_weight[now_row[j]]
        for q in range(n):
            d = hostility[j, q] - hostility[agent, q]
            extra[j, q] = d if not d <= 0.0 else 0.0  # np.maximum(0, d): NaN stays NaN
            exposure[q] += w * extra[j, q]
        for c in range(excess.shape[1]):
            provocation[c] += w * excess[agent, c, j]
    return extra, now_row, exposure, provocation


@kernel
def terms(agent, rows, ctx_arrays, scalars):
    """``payoffs.alignment_terms`` of one state's candidate rows: (m, 7), fraction of GDP.
    ``ctx_arrays`` and ``scalars`` as ``sim.core.kernels.context_arrays`` gives them."""
    own_all, levels = ctx_arrays[1], ctx_arrays[12]
    aid_offer, aid_min_level, aid_min_partners = ctx_arrays[13:16]
    aid_capability, aid_cash, aid_from_defence, gdp = ctx_arrays[16:20]
    autonomy_weight, depreciation, side_payment_weight = scalars
    m = rows.shape[0]
    out = np.empty((m, 7))
    both = np.empty((m + 1, rows.shape[1]), dtype=np.int64)  # the current row first
    for j in range(rows.shape[1]):
        both[0, j] = levels[agent, j]
        for k in range(m):
            both[k + 1, j] = rows[k, j]
    cap, cash, pay = aid_flows(
        agent, both, levels, aid_offer, aid_min_level, aid_min_partners, aid_capability, aid_cash
    )
    cap_in, cash_in, paid = cap[1:], cash[1:], pay[1:]
    now_cap, now_paid = cap[:1], pay[:1]
    from_defence = aid_from_defence[agent]
    exposures = current_exposures(agent, ctx_arrays)
    for k in range(m):
        own = own_all[agent] + (cap_in[k] - now_cap[0]) / depreciation
        if from_defence:
            own = own - (paid[k] - now_paid[0]) / depreciation
        row_terms(agent, rows[k], own, ctx_arrays, exposures, autonomy_weight, out[k])
        payout = 0.0 if from_defence else paid[k]
        out[k, 6] = (side_payment_weight * cash_in[k] - payout) / gdp[agent]
    return out


@inner
def _slopes(x, theta, allied, probs, threat, cps):
    """The security term's first and second derivatives at share x (``best_response_scalar``)."""
    first = 0.0
    second = 0.0
    for k in range(allied.shape[0]):
        p = probs[k]
        if not p > 0:
            continue
        s = max(allied[k] + x * cps, 1e-9)
        first += p * threat * cps / (s * (s + threat))
        second -= p * threat * cps**2 * (2 * s + threat) / (s * (s + threat)) ** 2
    return theta * first, theta * second


@inner
def _smooth_pull(x, smooth, target, target_weight, smoothing):
    """The smooth target's pull at x and its derivative (``best_response_scalar``)."""
    if not smooth:
        return 0.0, 0.0
    z = min(700.0, max(-700.0, (target - x) / smoothing))
    sig = 1.0 / (1.0 + np.exp(-z))
    return target_weight * sig, -target_weight * sig * (1.0 - sig) / smoothing


@inner
def _grad(x, pull, b):
    """The derivative of the budget objective at share x; ``b`` the packed inputs."""
    theta, threat, cps, private, target, target_weight, smoothing, smooth, allied, probs = b
    own = private / x if private > 0 else 0.0
    first = _slopes(x, theta, allied, probs, threat, cps)[0]
    pull_now = _smooth_pull(x, smooth, target, target_weight, smoothing)[0]
    return first + own - 1.0 / (1.0 - x) + pull + pull_now


@inner
def _solve(pull, lower, upper, b):
    """Safeguarded Newton on the derivative (``best_response_scalar``'s ``solve``)."""
    theta, threat, cps, private, target, target_weight, smoothing, smooth, allied, probs = b
    lo, hi = lower, upper
    if lo <= 0 and private > 0:
        lo = 1e-12
    if _grad(lo, pull, b) <= 0:
        return lo
    if _grad(hi, pull, b) >= 0:
        return hi
    x = 0.5 * (lo + hi)
    for _ in range(100):
        g = _grad(x, pull, b)
        if g > 0:
            lo = x
        else:
            hi = x
        if hi - lo < 1e-13:
            break
        second = _slopes(x, theta, allied, probs, threat, cps)[1]
        pull_slope = _smooth_pull(x, smooth, target, target_weight, smoothing)[1]
        slope = second - private / (x * x) - 1.0 / (1.0 - x) ** 2 + pull_slope
        newton = x - g / slope
        x = newton if lo < newton < hi else 0.5 * (lo + hi)
    return x


@kernel
def best_response(
    theta, allied, probs, threat, cps, lower, upper, target, target_weight, private, smoothing
):
    """``budget.best_response_scalar``: the best-response share, the same steps in the same
    order (so the same float)."""
    smooth = smoothing > 0 and target > 0 and target_weight > 0
    b = (theta, threat, cps, private, target, target_weight, smoothing, smooth, allied, probs)
    if smooth:
        return _solve(0.0, lower, upper, b)
    free = _solve(0.0, lower, upper, b)
    if target_weight <= 0 or free >= target:
        return free
    pulled = _solve(target_weight, lower, upper, b)
    return target if pulled >= target else pulled


@inner
def _aid_now(agent, row, ctx_arrays):
    """What ``tie_terms`` needs of the current row's side payments: the donors paying the
    state (with how many of their recipients it is tied to, and whether it is tied to them),
    the capability and cash it receives, and what it pays (with each recipient's share of
    its offer earned, ``aid_fraction``)."""
    levels, aid_offer, aid_min_level, aid_min_partners = ctx_arrays[12:16]
    n = row.shape[0]
    donors = np.empty(0, dtype=np.int64)
    counts = np.empty(0, dtype=np.int64)
    paid_share = np.zeros(n)
    gives = False
    receives = False
    for d in range(n):  # O(n): whether the state pays or is paid anything
        gives = gives or aid_offer[agent, d] != 0.0
        receives = receives or aid_offer[d, agent] != 0.0
    if not (gives or receives):
        return donors, counts, paid_share
    n_donors = 0
    for d in range(aid_offer.shape[0]):
        n_donors += aid_offer[d, agent] != 0.0
    donors = np.empty(n_donors, dtype=np.int64)
    n_donors = 0
    for d in range(aid_offer.shape[0]):
        if aid_offer[d, agent] != 0.0:
            donors[n_donors] = d
            n_donors += 1
    counts = np.zeros(donors.size, dtype=np.int64)
    for k in range(donors.size):
        d = donors[k]
        for j in range(n):
            if row[j] >= aid_min_level[d] and aid_offer[d, j] > 0 and j != agent:
                counts[k] += 1
    if gives:
        for j in range(n):
            if aid_offer[agent, j] > 0:
                fraction = earned(levels[j], j, agent, aid_offer, aid_min_level, aid_min_partners)
                paid_share[j] = aid_offer[agent, j] * fraction
    return donors, counts, paid_share


@inner
def _aid_row(agent, row, starts, js, new_levels, k, ctx_arrays, donors, counts, out):
    """Capability in and cash in (``aid_flows``) of candidate k, the state's row with the
    changes ``js[starts[k]:starts[k + 1]]`` to ``new_levels`` (none: the current row), into
    ``out``; O(donors x changes) given ``_aid_now``."""
    aid_offer, aid_min_level, aid_min_partners, capability, cash = ctx_arrays[13:18]
    cap_in = 0.0
    cash_in = 0.0
    for t in range(donors.size):
        d = donors[t]
        need, floor = aid_min_partners[d], aid_min_level[d]
        partners = counts[t]
        tied = row[d] >= floor
        for p in range(starts[k], starts[k + 1]):
            j, level = js[p], new_levels[p]
            if aid_offer[d, j] > 0 and j != agent:  # its own entry is not a partner
                partners += (1 if level >= floor else 0) - (1 if row[j] >= floor else 0)
            if j == d:
                tied = level >= floor
        fraction = min(1.0, partners / need) if need > 0 else 1.0
        paid = aid_offer[d, agent] * (1.0 if tied else 0.0) * fraction
        cap_in += paid * capability[d]
        cash_in += paid * cash[d]
    out[0], out[1] = cap_in, cash_in


@inner
def _row_now(agent, ctx_arrays):
    """The sums of ``row_terms`` for the state's current row: allied capability, its weighted
    credibility, dependence, the three linear terms (in ``sums``), the entrapment exposure to
    each state and the provocation of each coercer, through the sparse hostility (only a
    partner's rivals can be more hostile to someone than the state is)."""
    base, credibility, level_weight, linear, hostility = ctx_arrays[3:8]
    dependence, excess, levels = ctx_arrays[9], ctx_arrays[11], ctx_arrays[12]
    first, rivals = ctx_arrays[20], ctx_arrays[21]
    n, c = levels.shape[1], excess.shape[1]
    row = levels[agent]
    sums = np.zeros(6)
    exposure = np.zeros(n)
    provocation = np.zeros(c)
    for j in range(n):
        w = level_weight[row[j]]
        x = w * base[agent, j]
        sums[0] += x
        sums[1] += credibility[agent, j] * x
        sums[2] += w * dependence[agent, j]
        for t in range(3):
            sums[3 + t] += w * linear[agent, j, t]
        if w != 0.0:
            for p in range(first[j], first[j + 1]):
                q = rivals[p]
                d = hostility[j, q] - hostility[agent, q]
                if d > 0.0:
                    exposure[q] += w * d
            for t in range(c):
                provocation[t] += w * excess[agent, t, j]
    return sums, exposure, provocation


@inner
def _changes(agent, js, new_levels, ctx_arrays, scratch, paid_share, paid_now):
    """What the changes of one candidate (ties with ``js`` moved to ``new_levels``) add to the
    current row's sums, into ``scratch`` (``changed_terms``): the six sums, each coercer's
    provocation, the entrapment exposure at the states it touches. Returns how many states it
    touches and what the state pays in side payments with the changes."""
    base, credibility, level_weight, linear, hostility = ctx_arrays[3:8]
    dependence, excess, levels, aid_offer = (
        ctx_arrays[9],
        ctx_arrays[11],
        ctx_arrays[12],
        ctx_arrays[13],
    )
    floor, first, rivals = ctx_arrays[14][agent], ctx_arrays[20], ctx_arrays[21]
    change, moved, shift, touched, marked = scratch
    row = levels[agent]
    for t in range(change.shape[0]):
        change[t] = 0.0
    for t in range(moved.shape[0]):
        moved[t] = 0.0
    n_touched = 0
    paid = paid_now
    for p in range(js.shape[0]):
        j, level = js[p], new_levels[p]
        dw = level_weight[level] - level_weight[row[j]]
        x = dw * base[agent, j]
        change[0] += x
        change[1] += credibility[agent, j] * x
        change[2] += dw * dependence[agent, j]
        for t in range(3):
            change[3 + t] += dw * linear[agent, j, t]
        if dw != 0.0:
            for r in range(first[j], first[j + 1]):
                q = rivals[r]
                d = hostility[j, q] - hostility[agent, q]
                if d > 0.0:
                    if not marked[q]:
                        marked[q] = True
                        touched[n_touched] = q
                        n_touched += 1
                    shift[q] += dw * d
            for t in range(moved.shape[0]):
                moved[t] += dw * excess[agent, t, j]
        if aid_offer[agent, j] > 0:
            now_tied = 1.0 if row[j] >= floor else 0.0
            paid += paid_share[j] * ((1.0 if level >= floor else 0.0) - now_tied)
    return n_touched, paid


@kernel
def changed_terms(agent, starts, js, new_levels, ctx_arrays, scalars):
    """``payoffs.alignment_terms`` of candidate rows given as changes of the state's current
    row: candidate k moves its ties with ``js[starts[k]:starts[k + 1]]`` to ``new_levels``
    (candidate 0, no change, is the current row). Every sum of ``row_terms`` moves by the
    entries that change; the entrapment exposure only towards the changed partners' rivals
    (the sparse hostility ``ctx_arrays[20:22]``). O(n s) for the current row, then
    O(changes x (s + c + donors)) a candidate (s rivals a state, c coercers), not O(n)."""
    theta, own_all, threat = ctx_arrays[:3]
    stakes, at_risk, levels = ctx_arrays[8], ctx_arrays[10], ctx_arrays[12]
    aid_min_level, from_defence, gdp = ctx_arrays[14], ctx_arrays[18], ctx_arrays[19]
    autonomy_weight, depreciation, side_payment_weight = scalars
    n, c = levels.shape[1], at_risk.shape[1]
    row = levels[agent]
    sums, exposure, provocation = _row_now(agent, ctx_arrays)
    entrapment = 0.0
    for q in range(n):
        entrapment += stakes[agent, q] * -np.expm1(-exposure[q])
    coercion = 0.0
    for t in range(c):
        coercion += at_risk[agent, t] * -np.expm1(-provocation[t])
    donors, counts, paid_share = _aid_now(agent, row, ctx_arrays)
    paid_now = 0.0
    floor = aid_min_level[agent]
    for j in range(n):
        if row[j] >= floor:
            paid_now += paid_share[j]
    flows = np.zeros(2)
    cap_now = 0.0
    m = starts.shape[0] - 1
    out = np.empty((m, 7))
    moved = np.zeros(c)
    change = np.zeros(6)
    shift = np.zeros(n)  # exposure change of this candidate, at the states in ``touched``
    touched = np.empty(n, dtype=np.int64)
    marked = np.zeros(n, dtype=np.bool_)
    scratch = (change, moved, shift, touched, marked)
    for k in range(m):
        n_touched, paid = _changes(
            agent,
            js[starts[k] : starts[k + 1]],
            new_levels[starts[k] : starts[k + 1]],
            ctx_arrays,
            scratch,
            paid_share,
            paid_now,
        )
        trapped = entrapment
        for r in range(n_touched):
            q = touched[r]
            before = -np.expm1(-exposure[q])
            trapped += stakes[agent, q] * (-np.expm1(-(exposure[q] + shift[q])) - before)
            shift[q] = 0.0
            marked[q] = False
        coerced = coercion
        if starts[k + 1] > starts[k]:
            coerced = 0.0
            for t in range(c):
                coerced += at_risk[agent, t] * -np.expm1(-(provocation[t] + moved[t]))
        _aid_row(agent, row, starts, js, new_levels, k, ctx_arrays, donors, counts, flows)
        if k == 0:  # candidate 0, the current row
            cap_now = flows[0]
        own = own_all[agent] + (flows[0] - cap_now) / depreciation
        if from_defence[agent]:
            own = own - (paid - paid_now) / depreciation
        allied = sums[0] + change[0]
        reliability = (sums[1] + change[1]) / allied if allied > 0 else 0.0
        reliability = min(max(reliability, 0.0), 1.0)
        out[k, 0] = security(theta[agent], max(own, 0.0), threat[agent], allied, reliability)
        out[k, 1] = -trapped
        out[k, 2] = -autonomy_weight * -np.expm1(-(sums[2] + change[2])) + (sums[3] + change[3])
        out[k, 3] = -coerced
        out[k, 4] = sums[4] + change[4]
        out[k, 5] = sums[5] + change[5]
        payout = 0.0 if from_defence[agent] else paid
        out[k, 6] = (side_payment_weight * flows[1] - payout) / gdp[agent]
    return out


@kernel
def tie_terms(agent, partners, new_levels, ctx_arrays, scalars):
    """``changed_terms`` of the state's current row (row 0) and of each single-tie change of
    it (rows 1..m): partner ``partners[k]`` at ``new_levels[k]``."""
    m = partners.shape[0]
    starts = np.empty(m + 2, dtype=np.int64)
    starts[0] = 0
    for k in range(m + 1):
        starts[k + 1] = k
    return changed_terms(agent, starts, partners, new_levels, ctx_arrays, scalars)
