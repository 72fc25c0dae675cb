"""The numba-compiled kernels behind ``sim.core.kernels`` (imported only when a kernel is first
called: importing this module imports numba). Each function mirrors its numpy reference in
``sim.core.payoffs``, as its docstring says.

Examples:
    Allies that come for sure add their capability (3 + 4 against 1: log 7/8):

    >>> round(float(security(1.0, 3.0, 1.0, 4.0, 1.0)), 4)
    -0.1335
"""

import numpy as np
from numba import njit


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def aid_fraction(levels, aid_offer, aid_min_level, aid_min_partners):
    """``payoffs.aid_fraction``: (donors, n) the share of each offer the ties in force earn."""
    n = levels.shape[0]
    frac = np.zeros((aid_offer.shape[0], n))
    for d in range(aid_offer.shape[0]):
        if not (aid_offer[d] != 0.0).any():
            continue
        for i in range(n):
            fraction = earned(levels[i], i, d, aid_offer, aid_min_level, aid_min_partners)
            frac[d, i] = (1.0 if aid_offer[d, i] > 0 else 0.0) * fraction
    return frac


@njit(cache=True)
def aid_flows(agent, rows, levels, aid_offer, aid_min_level, aid_min_partners, cap, cash):
    """``payoffs.aid_flows`` for one state's candidate rows: capability in, cash in, paid."""
    m = rows.shape[0]
    cap_in = np.zeros(m)
    cash_in = np.zeros(m)
    paid = np.zeros(m)
    if not (aid_offer != 0.0).any():
        return cap_in, cash_in, paid
    by_donor = aid_by_donor(agent, rows, aid_offer, aid_min_level, aid_min_partners)
    for k in range(m):
        for d in range(aid_offer.shape[0]):
            cap_in[k] += by_donor[k, d] * cap[d]
            cash_in[k] += by_donor[k, d] * cash[d]
    if (aid_offer[agent] != 0.0).any():
        frac = aid_fraction(levels, aid_offer, aid_min_level, aid_min_partners)
        for k in range(m):
            total = 0.0
            for j in range(rows.shape[1]):
                if rows[k, j] >= aid_min_level[agent]:
                    total += aid_offer[agent, j] * frac[agent, j]
            paid[k] = total
    return cap_in, cash_in, paid


@njit(cache=True)
def security(theta, own, threat, allied, reliability):
    """``payoffs.security_lottery`` for one row (allies come with probability reliability)."""
    with_allies = max(own + allied, 1e-9)
    alone = max(own, 1e-9)
    come = np.log(with_allies / (with_allies + threat))
    stay = np.log(alone / (alone + threat))
    return theta * (reliability * come + (1.0 - reliability) * stay)


@njit(cache=True)
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
            exposure += dw * extra[j]
            provocation += dw * excess[agent, :, j]
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


@njit(cache=True)
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


@njit(cache=True)
def terms(agent, rows, ctx_arrays, scalars):
    """``payoffs.alignment_terms`` of one state's candidate rows: (m, 7), fraction of GDP.
    ``ctx_arrays`` and ``scalars`` as ``sim.core.kernels.context_arrays`` gives them."""
    own_all, levels = ctx_arrays[1], ctx_arrays[12]
    aid_offer, aid_min_level, aid_min_partners = ctx_arrays[13:16]
    aid_capability, aid_cash, aid_from_defence, gdp = ctx_arrays[16:20]
    autonomy_weight, depreciation, side_payment_weight = scalars
    m = rows.shape[0]
    out = np.empty((m, 7))
    both = np.concatenate((levels[agent : agent + 1], rows))  # the current row first
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


@njit(cache=True)
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


@njit(cache=True)
def _smooth_pull(x, smooth, target, target_weight, smoothing):
    """The smooth target's pull at x and its derivative (``best_response_scalar``)."""
    if not smooth:
        return 0.0, 0.0
    z = min(700.0, max(-700.0, (target - x) / smoothing))
    sig = 1.0 / (1.0 + np.exp(-z))
    return target_weight * sig, -target_weight * sig * (1.0 - sig) / smoothing


@njit(cache=True)
def _grad(x, pull, b):
    """The derivative of the budget objective at share x; ``b`` the packed inputs."""
    theta, threat, cps, private, target, target_weight, smoothing, smooth, allied, probs = b
    own = private / x if private > 0 else 0.0
    first = _slopes(x, theta, allied, probs, threat, cps)[0]
    pull_now = _smooth_pull(x, smooth, target, target_weight, smoothing)[0]
    return first + own - 1.0 / (1.0 - x) + pull + pull_now


@njit(cache=True)
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


@njit(cache=True)
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
