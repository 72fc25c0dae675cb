"""Payoff terms of a state's utility, in numpy.

Units: every utility term is a *fraction of the state's GDP per year* ("GDP-equivalent"), so that
terms are comparable across states and with the cost of defence spending. Tables and explanations
report them multiplied by 100, i.e. in % of GDP.

A state's utility (one year) is

    U_i = E[theta_i * log(security_i)]               security, allies may not come (Snyder 1984)
          + psi_i * log(x_i)                         private benefit of own defence (joint products)
          + log(1 - x_i)                             consumption forgone: guns vs butter
          - sum_k stakes_ik (1 - exp(-e_ik))         entrapment, bounded per enemy (Snyder 1984)
          - a (1 - exp(-sum_j w(L_ij) dep_ij))       autonomy, bounded (Morrow 1991)
            - sum_j w(L_ij) * upkeep_i               ... and the upkeep of each tie
          - sum_k at_risk_ik (1 - exp(-o_ik))        economic coercion, bounded (Crawford 2011)
          + sum_j w(L_ij) * affinity_weight * A_ij   affinity (regime similarity, history)
          + sum_j w(L_ij) * rho_ij                   relationship value (revealed preference)
          + side payments (budget support received, less what a donor pays)
          - target_weight * max(0, target_i - x_i)   soft spending targets (NATO 2 %, 5 %)

with x_i the defence share of GDP and L_ij the commitment level between i and j (0 none,
1 alignment, 2 partnership, 3 formal collective defence) weighted by ``w(L)``.

Security is a contest-success ratio (Tullock 1980; Hirshleifer 1989):
security_i = S_i / (S_i + T_i) with S_i own plus allied capability and T_i the hostile capability
that reaches i; its utility is logarithmic (``security_value``), so the marginal value of
capability always rises with the threat. Allies come with their credibility, as a lottery
(``security_lottery``). Allied capability is a (partly)
public good: each ally's capability counts in full for every partner when ``publicness`` is 1
(Olson & Zeckhauser 1966) and is divided among its commitments when 0 (a private good); values
between give Sandler's joint-product model. The relationship values ``rho`` are calibrated so
that the observed 2024 ties are a rest point (``sim.core.calibration``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.core import kernels

TERMS = (
    "security",
    "consumption",
    "entrapment",
    "autonomy",
    "coercion",
    "affinity",
    "relationship",
    "side_payments",
    "target",
)
"""Names of the utility terms, in the order they are reported (columns ``u_<term>``)."""

ALIGNMENT_TERMS = tuple(t for t in TERMS if t not in ("consumption", "target"))
"""The terms that change when a commitment changes (budget held fixed)."""


def credible_commitment(credibility: np.ndarray, hostility: np.ndarray) -> np.ndarray:
    """How far i can count on j's promise: j's credibility discounted by j's hostility to i.

    Returns:
        (n, n) ``credibility[i, j] * (1 - H_ji)``, 0-1: a promise from a hostile state is
        worth little (an assumption of the model).
    """
    out = np.subtract(1.0, hostility.T, order="C")  # row-major, as the kernels read it
    if np.broadcast_shapes(np.shape(credibility), out.shape) != out.shape:
        return credibility * out
    return np.multiply(credibility, out, out=out)  # in place: one (n, n) array, not two


def hostility(affinity: np.ndarray) -> np.ndarray:
    """Hostility implied by affinity.

    Args:
        affinity: (n, n) symmetric affinity in [-1, 1].

    Returns:
        (n, n) hostility in [0, 1]: ``max(0, -affinity)``, zero diagonal. Hostility stands for
        intentions in Walt's (1987) balance of threat.

    References:
        Walt (1987): aggressive intentions are one source of threat; hostility is their
            stand-in here.

    Examples:
        >>> hostility(np.array([[1.0, -0.5], [-0.5, 1.0]])).tolist()
        [[0.0, 0.5], [0.5, 0.0]]
    """
    # 0 - affinity, not -affinity: an affinity of exactly 0 gives +0.0, never -0.0, whose
    # maximum with 0.0 numpy's vectorised and scalar loops sign differently (the compiled
    # context, sim.core._jit_context, gives the same bits)
    h = np.subtract(0.0, np.asarray(affinity, dtype=float))
    np.maximum(0.0, h, out=h)  # in place: one (n, n) array, not two
    np.fill_diagonal(h, 0.0)
    return h


def perceived_power(
    capability: np.ndarray, spending: np.ndarray, depreciation: float, flow_weight: float
) -> np.ndarray:
    """The power a rival is seen to have: its capability stock, moved towards the stock its
    current spending would sustain.

    ``(1 - w) * K + w * spending / depreciation``. A stock that depreciates by a tenth a year
    answers a sudden rise in spending slowly (a 75 % rise in spending adds about 20 % to the
    stock within three years), while states read a rival's spending as a signal of its
    intentions and of the forces it is buying at once (Walt 1987 counts aggregate power and
    offensive intentions; Richardson 1960 has states react to rivals' spending). ``w`` = 0 is
    the stock alone, ``w`` = 1 the sustained stock of today's spending. In a steady state
    (capability equal to spending / depreciation, as in the base year) both agree, so the base
    year's calibration does not depend on ``w``.

    Args:
        capability: (n,) capability stocks, USD bn.
        spending: (n,) defence spending this year, USD bn.
        depreciation: yearly depreciation of capability, 0-1.
        flow_weight: ``w``, 0-1 (``model.security.threat_flow_weight``).

    Examples:
        A stock of 100 whose spending has just risen from 10 to 17.5 a year:

        >>> perceived_power(np.array([100.0]), np.array([17.5]), 0.1, 0.5).tolist()
        [137.5]
    """
    capability = np.asarray(capability, dtype=float)
    if flow_weight <= 0:
        return capability
    return (1.0 - flow_weight) * capability + flow_weight * np.asarray(spending) / depreciation


def crisis_factor(intent: np.ndarray, threat_base: np.ndarray, elasticity: float) -> np.ndarray:
    """How much more security is worth than in the base year because a crisis is likelier:
    ``(I / T_base) ** elasticity``, which multiplies the calibrated value of security theta.

    The security term values the outcome of a crisis (``security_value``), which depends on
    power: own, allied and hostile capability. How often a crisis comes depends on intentions:
    ``I`` is the threat with every state's capability held at its base-year level (``threat``
    of the base year's capabilities, this year's hostility), so it moves only when hostility
    does, an act of aggression or a rapprochement (Walt 1987 separates aggressive intentions
    from aggregate power). Without the factor a state facing a threat far larger than its forces
    values them at about ``theta / K`` whatever the threat (the log contest-success ratio
    saturates), so its budget hardly answers a rise in hostility. Holding capabilities at their
    base level keeps an arms race from feeding itself through the factor: rivals' spending
    enters through the outcome of a crisis only, where the ratio saturates. The factor is 1 in
    the base year, so the calibration is unchanged; elasticity 0 switches it off
    (``model.security.crisis_threat_elasticity``, estimated in the NATO back-test,
    experiments/backtest_nato). Studies of the demand for military spending find it rising with
    rivals' spending and hostility (Smith 1995; Dunne & Perlo-Freeman 2003).

    Args:
        intent: (n,) this year's threat at the base year's capabilities, USD bn.
        threat_base: (n,) the base year's threat, USD bn.
        elasticity: the factor's elasticity, >= 0.

    Examples:
        Hostility 50 % above its base-year level, with elasticity 0, 0.5 and 1:

        >>> [round(float(crisis_factor(np.array([1.5]), np.array([1.0]), e)[0]), 4)
        ...  for e in (0.0, 0.5, 1.0)]
        [1.0, 1.2247, 1.5]

        A state that faced no threat at all in the base year keeps the factor 1:

        >>> crisis_factor(np.array([5.0, 0.0]), np.array([0.0, 0.0]), 4.9).tolist()
        [1.0, 1.0]
    """
    intent = np.asarray(intent, dtype=float)
    base = np.asarray(threat_base, dtype=float)
    if elasticity == 0:
        return np.ones_like(intent)
    positive = base > 0  # no threat in the base year: no base to compare with, factor 1
    ratio = np.where(positive, intent / np.where(positive, base, 1.0), 1.0)
    return np.maximum(ratio, 0.0) ** elasticity


def threat(capability: np.ndarray, hostility: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Hostile capability that reaches each state (Walt 1987: power, proximity, intentions).

    Args:
        capability: (n,) capability stocks, USD bn.
        hostility: (n, n) ``hostility[i, k]`` of i towards k, 0-1.
        reach: (n, n) ``reach[k, i]``, the share of k's capability that reaches i.

    Returns:
        (n,) perceived threat, USD bn of capability: ``T_i = sum_k H_ik reach_ki K_k``, summed
        over the hostile pairs only (``hostile_pairs``; O(n^2) to find them, O(n s) to sum).

    References:
        Walt (1987): states balance against threat, which combines power (capability),
            proximity (reach) and intentions (hostility), rather than against power alone.

    Examples:
        State 0 (capability 10) is fully hostile to state 1 (capability 20), which is half as
        hostile back; half of state 1's capability reaches state 0:

        >>> reach = np.array([[1.0, 1.0], [0.5, 1.0]])
        >>> threat(np.array([10.0, 20.0]), np.array([[0.0, 1.0], [0.5, 0.0]]), reach).tolist()
        [10.0, 5.0]
    """
    i, k = hostile_pairs(hostility)
    values = hostility[i, k] * reach[k, i] * np.asarray(capability, dtype=float)[k]
    return np.bincount(i, weights=values, minlength=hostility.shape[0])


def ally_availability(
    capability: np.ndarray, n_commitments: np.ndarray, publicness: float
) -> np.ndarray:
    """Capability each state makes available to each of its partners (joint-product model).

    Args:
        capability: (n,) capability stocks, USD bn.
        n_commitments: (n,) number of partners each state is committed to.
        publicness: 0-1; 1 = deterrence is a pure public good shared in full by every partner.

    Returns:
        (n,) USD bn that each partner may count on (before commitment weight and distance).

    References:
        Olson & Zeckhauser (1966): deterrence as a pure public good, counted in full by every
            ally (``publicness`` 1).
        Murdoch & Sandler (1984): the joint-product model, in which defence is partly public
            and partly private to the state that provides it (``publicness`` between 0 and 1).

    Examples:
        A state of capability 12 with three partners and one of capability 6 with none, half
        public:

        >>> ally_availability(np.array([12.0, 6.0]), np.array([3, 0]), 0.5).tolist()
        [8.0, 6.0]
    """
    private = capability / np.maximum(1.0, n_commitments)
    return publicness * capability + (1.0 - publicness) * private


def containment_reach(
    reach: np.ndarray,
    hostility: np.ndarray,
    capability: np.ndarray,
    background: np.ndarray | None = None,
) -> np.ndarray:
    """Share of each ally's capability that counts for each state.

    State i's threat comes from the states hostile to it (each k's share ``w_ik`` of i's threat)
    and from the unmodelled background (share ``w_i0``). Against threat k, ally j helps only
    as far as it is *loyal*: hostile to k itself, ``lambda_jk = min(1, H_jk / H_ik)`` (as
    hostile to k as i is counts in full; a state friendly with k, or merely indifferent to it,
    does not fight k for i: a rival's rival is no ally by default). A loyal ally's forces count
    where they reach: at home (``reach[j, i]``, defence) or at k itself (``reach[j, k]``,
    containment, forward defence), whichever is larger. Against the background threat every
    partner helps at home:

        reach_to[i, j] = sum_k w_ik lambda_jk max(reach_ji, reach_jk) + w_i0 reach_ji

    An assumption of the model (docs/ODD.md 7.3): it is how the United States, far from its
    rivals, still gains from allies next to them, and why China does not defend Estonia against
    Russia. Only hostile pairs contribute (``lambda_jk`` > 0 needs ``H_ik > 0`` and
    ``H_jk > 0``), so the sum runs over i's threats k and k's other rivals j
    (``hostile_pairs``): O(n^2 + n s^2) time for s rivals a state, O(n^2) memory.

    Args:
        reach: (n, n) ``reach[k, i]``, the share of k's capability that reaches i.
        hostility: (n, n) hostility, 0-1.
        capability: (n,) capability, USD bn.
        background: (n,) unmodelled threat to each state, USD bn (default none).

    Returns:
        (n, n) ``reach_to[i, j]``, 0-1; zero diagonal.

    References:
        Walt (1987): alignment against a threat; a state allied with the threat's friends gains
            nothing against it.

    Examples:
        State 0 is threatened by state 2; state 1 is hostile to 2 (loyal), state 3 is friendly
        with it (hostility 0, not loyal). All forces reach everywhere:

        >>> h = np.zeros((4, 4)); h[0, 2] = h[2, 0] = h[1, 2] = h[2, 1] = 0.5
        >>> containment_reach(np.ones((4, 4)), h, np.full(4, 10.0))[0].tolist()
        [0.0, 1.0, 0.0, 0.0]
    """
    n = capability.size
    i, k = hostile_pairs(hostility)  # the threats: pairs with H_ik > 0
    reaching = hostility[i, k] * reach[k, i] * capability[k]  # threat from k to i
    bg = np.zeros(n) if background is None else np.asarray(background, dtype=float)
    total = np.bincount(i, weights=reaching, minlength=n) + bg
    safe = np.where(total > 0, total, 1.0)
    weights = np.where(total[i] > 0, reaching / safe[i], 0.0)  # w_ik of each threat
    w0 = np.where(total > 0, bg / safe, 1.0)  # no threat at all: help at home counts in full
    out = np.multiply(w0[:, None], reach.T, order="C")  # row-major: no copy for the kernels
    loyal_k, loyal_j = hostile_pairs(hostility.T)  # the states j hostile to each k, by k
    first = np.searchsorted(loyal_k, np.arange(n + 1))
    count = first[k + 1] - first[k]  # how many states are hostile to each threat's k
    for part in count_blocks(count, i):
        c = count[part]
        pi, pk = np.repeat(i[part], c), np.repeat(k[part], c)
        offsets = np.repeat(first[k[part]] - np.cumsum(c) + c, c) + np.arange(c.sum())
        pj = loyal_j[offsets]  # [triple] an ally j hostile to threat k of state i
        loyal = np.minimum(1.0, hostility[pj, pk] / hostility[pi, pk])
        where = np.maximum(reach[pj, pi], reach[pj, pk])
        values = np.repeat(weights[part], c) * (loyal * where)
        if values.size:
            r0, r1 = pi[0], pi[-1] + 1
            rows = np.bincount((pi - r0) * n + pj, weights=values, minlength=(r1 - r0) * n)
            out[r0:r1] += rows.reshape(r1 - r0, n)
    np.fill_diagonal(out, 0.0)
    return out


def hostile_pairs(hostility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(i, k)`` with ``hostility[i, k] > 0``, in row-major order.

    Rivalry is sparse: each state is hostile to a few others (``s``, 2 on average in the
    default world; none in the synthetic worlds of ``benchmarks/run_benchmark.py``), so the
    year's threat, containment reach and coercion sum over these pairs (O(n s) values,
    O(n^2 s) at worst for the loyal allies of ``containment_reach``) instead of over all
    (n, n) or (n, n, n) combinations; their memory stays O(n^2). Hostility is never negative
    (``hostility``), so the pairs left out contribute exactly nothing.

    Examples:
        >>> h = np.array([[0.0, 0.5, 0.0], [0.5, 0.0, 0.0], [0.2, 0.0, 0.0]])
        >>> [a.tolist() for a in hostile_pairs(h)]
        [[0, 1, 2], [1, 0, 0]]
    """
    return np.nonzero(np.asarray(hostility) > 0)


def count_blocks(count: np.ndarray, groups: np.ndarray, elements: int | None = None):
    """Consecutive slices of ``count`` whose counts sum to at most ``elements``, never
    splitting a run of equal ``groups`` (sorted; a group larger than ``elements`` is a slice of
    its own): the blocks of ``containment_reach``'s (threat, ally) temporaries, whole rows at a
    time, so that each row's sums are the same whatever the block size.

    Examples:
        >>> list(count_blocks(np.array([2, 2, 3, 1]), np.array([0, 1, 1, 2]), 4))
        [slice(0, 1, None), slice(1, 3, None), slice(3, 4, None)]
    """
    limit = elements or BLOCK_ELEMENTS
    cumulative = np.cumsum(count)
    start = 0
    while start < count.size:
        before = cumulative[start - 1] if start else 0
        stop = max(int(np.searchsorted(cumulative, before + limit, side="right")), start + 1)
        last = groups[stop - 1]
        if stop < count.size and groups[stop] == last:  # the group goes on: end before it
            stop = int(np.searchsorted(groups, last, side="left"))
            if stop <= start:  # the block is that one group
                stop = int(np.searchsorted(groups, last, side="right"))
        yield slice(start, stop)
        start = stop


def credibility_factor(
    effort: np.ndarray,
    effort_2024: np.ndarray,
    commitments: np.ndarray,
    commitments_2024: np.ndarray,
    budget_elasticity: float,
    overstretch_elasticity: float,
) -> np.ndarray:
    """How a guarantor's promises gain or lose credibility with its means and its commitments.

    ``(x_j / x_j,2024) ** budget_elasticity * (N_j,2024 / N_j) ** overstretch_elasticity``,
    with ``x_j`` its defence effort (the model passes its share of GDP) and ``N_j`` the
    weighted number of its commitments (the sum of its level weights): a guarantor that arms is
    more credible (a USD 1 trillion budget raises it), one that promises more with the same
    means less so (overstretch). Equal to 1 in 2024, so the observed credibility is where the
    model starts. Effort is a share of GDP, not a capability stock: with nominal GDP growing,
    a stock (which lags growth) or an amount (which grows with it) would move credibility with
    no change of policy, and the baseline's budgets drifted with it.

    References:
        Press (2005): credibility judged from the guarantor's power and interests at stake,
            more than from its past behaviour.
        Kennedy (1987): strategic overstretch, commitments outrunning the means to honour them.

    Examples:
        A guarantor whose effort doubled (elasticity 0.5), with a third more commitments
        (elasticity 0.3):

        >>> round(float(credibility_factor(np.array([2.0]), np.array([1.0]), np.array([4.0]),
        ...       np.array([3.0]), 0.5, 0.3)[0]), 4)
        1.2973
    """
    cap = np.where(effort_2024 > 0, effort / np.where(effort_2024 > 0, effort_2024, 1.0), 1.0)
    stretch = np.where(
        (commitments > 0) & (commitments_2024 > 0),
        commitments_2024 / np.where(commitments > 0, commitments, 1.0),
        1.0,
    )
    return np.maximum(cap, 0.0) ** budget_elasticity * stretch**overstretch_elasticity


def security_value(
    theta: np.ndarray | float, defence: np.ndarray | float, threat_: np.ndarray | float
) -> np.ndarray:
    """Utility of security, fraction of GDP: ``theta * log(defence / (defence + threat))``.

    The log of the contest-success ratio makes the marginal value of capability,
    ``theta * threat / (defence * (defence + threat))``, rise with the threat at every level
    (balancing holds even for a state facing an overwhelming threat, where the ratio itself
    would make it give up) and fall with its own and allied capability (free riding).

    Args:
        theta: value of security, fraction of GDP.
        defence: own plus allied capability, USD bn (> 0).
        threat_: perceived threat, USD bn (> 0).

    References:
        Tullock (1980); Hirshleifer (1989): the ratio form of the contest-success function,
            whose logarithm is taken here.

    Examples:
        Defence 3 against threat 1 is a security of 3/4:

        >>> round(float(security_value(1.0, 3.0, 1.0)), 4)
        -0.2877
    """
    defence = np.maximum(defence, 1e-9)  # no capability at all: very insecure, not -inf
    return theta * np.log(defence / (defence + threat_))


def security(own: np.ndarray, allied: np.ndarray, threat_: np.ndarray) -> np.ndarray:
    """Security level as a contest-success ratio.

    Returns:
        security in [0, 1]: ``(own + allied) / (own + allied + threat)``; 1 where there is
        neither defence nor threat (a state with no capability that nothing threatens, as in
        a CSV world with a state that spends nothing), as ``security_value`` counts it: its
        floor of 1e-9 on defence makes that state's log security 0 (security 1), not 0/0.

    References:
        Tullock (1980): the ratio contest-success function, one side's effort over the sum of
            both.
        Hirshleifer (1989): the ratio form, as against the difference form, of relative
            success in a conflict.

    Examples:
        >>> security(np.array([2.0, 0.0]), np.array([1.0, 1.0]), np.array([1.0, 3.0])).tolist()
        [0.75, 0.25]
        >>> security(np.array([0.0]), np.array([0.0]), np.array([0.0])).tolist()
        [1.0]
    """
    defence = np.asarray(own + allied, dtype=float)
    total = defence + threat_
    return np.divide(defence, total, out=np.ones_like(total, dtype=float), where=total != 0)[()]


BLOCK_ELEMENTS = 1 << 21
"""Largest temporary of the sums over hostile pairs, in elements (16 MB of float64): the
(threat, loyal ally) triples of ``containment_reach`` and the (candidate, hostile pair) values
of ``entrapment_exposure`` go in blocks of whole rows of at most this size, so that the memory
of a step grows as n^2 however dense hostility is (each row's sums are the same arithmetic
either way); ``row_blocks`` splits (rows, n, n) temporaries the same way."""


def row_blocks(n: int, elements: int | None = None):
    """Slices of ``range(n)`` whose (rows, n, n) temporaries hold at most ``elements`` values."""
    step = max(1, (elements or BLOCK_ELEMENTS) // max(1, n * n))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def entrapment_stakes(
    reach: np.ndarray, capability: np.ndarray, commitment: np.ndarray | None = None
) -> np.ndarray:
    """What a conflict with each state would cost each state (Snyder 1984; Heider 1946).

    ``stakes[i, k] = danger_ki + w_ik``: how dangerous k is to i (k's capability reaching i
    against i's own, ``reach_ki K_k / (K_i + reach_ki K_k)``) plus how committed i is to k (a
    conflict with one's own ally: the incompatible commitments of structural balance).

    Args:
        reach: (n, n) ``reach[k, i]``.
        capability: (n,) capability, USD bn.
        commitment: (n, n) commitment weight of i's ties to k, 0-1 (default none).

    Returns:
        (n, n) stakes, >= 0 (0-2), zero diagonal.

    Examples:
        A state of capability 1 next to one of 3 that reaches it in full:

        >>> entrapment_stakes(np.ones((2, 2)), np.array([1.0, 3.0])).round(9).tolist()
        [[0.0, 0.75], [0.25, 0.0]]
    """
    reaching = np.multiply(reach.T, capability[None, :], order="C")  # [i, k] = reach_ki K_k
    stakes = np.add(capability[:, None], reaching)  # the same sums, in place: two (n, n)
    stakes += 1e-12  # arrays at a time, not four
    np.divide(reaching, stakes, out=stakes)
    del reaching
    if commitment is not None:
        stakes += commitment
    np.fill_diagonal(stakes, 0.0)
    return stakes


def entrapment_exposure(agents: np.ndarray, weights: np.ndarray, hostility: np.ndarray):
    """How far candidate rows expose each state to each third state's conflicts.

    Allying with j exposes i to j's enemies k in proportion to how much more hostile j is to k
    than i is: ``exposure[m, k] = sum_j w(L_ij) max(0, H_jk - H_ik)`` for candidate m of state
    i. The cost (``saturating``) rises with the exposure and saturates at the stakes of a
    conflict with k, however many partners might drag i into it.

    Args:
        agents: (m,) the state of each candidate.
        weights: (m, n) commitment weights of each candidate row.
        hostility: (n, n) hostility, 0-1.

    Returns:
        (m, n) exposure to each state k, >= 0.

    References:
        Snyder (1984): entrapment, the risk of being dragged into an ally's conflicts that one
            does not share, one horn of the alliance security dilemma.
    """
    agents = np.asarray(agents)
    out = np.empty(weights.shape)
    if agents.size and np.all(agents == agents[0]):
        extra = np.maximum(0.0, hostility - hostility[agents[0]][None, :])  # [j, k]
        return np.matmul(weights, extra, out=out)
    # candidates of different states (the year's utility terms of every state): only the
    # hostile pairs (j, k) contribute (H_jk > H_ik >= 0), summed per k: O(m n s), not O(m n^2)
    j, k = hostile_pairs(hostility)
    order = np.argsort(k, kind="stable")
    j, k = j[order], k[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if k.size else np.zeros(0, int)
    out[:] = 0.0
    step = max(1, BLOCK_ELEMENTS // max(1, k.size))  # (rows, pairs) temporaries in blocks
    for start in range(0, len(agents) if k.size else 0, step):
        part = slice(start, min(len(agents), start + step))
        extra = np.maximum(0.0, hostility[j, k][None, :] - hostility[agents[part]][:, k])
        out[part, k[starts]] = np.add.reduceat(weights[part][:, j] * extra, starts, axis=1)
    return out


def saturating(at_stake: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Expected loss that rises with exposure and never exceeds what is at stake:
    ``sum_k at_stake_k * (1 - exp(-exposure_k))`` over the last axis.

    The form of the entrapment, autonomy and coercion costs: each new tie adds less than the
    last to a risk that is already there (the chance of being dragged into a war with k, or of
    being punished by k, is a probability, not a count of ties).

    Examples:
        However exposed, the loss stays below what is at stake (0.4 % of GDP):

        >>> round(float(saturating(np.array([0.004]), np.array([0.5]))), 6)
        0.001574
        >>> bool(saturating(np.array([0.004]), np.array([50.0])) <= 0.004)
        True
    """
    return (at_stake * -np.expm1(-exposure)).sum(axis=-1)


def dependence(capability: np.ndarray) -> np.ndarray:
    """``dep[i, j] = K_j / (K_i + K_j)``: how far i would depend on j (Morrow 1991), 0-1.

    The weaker partner of an asymmetric alliance trades autonomy for security; the stronger one
    gives up little. The autonomy cost of a row of commitments is
    ``autonomy_weight * (1 - exp(-sum_j w(L_ij) dep_ij))`` (``saturating``): at most
    ``autonomy_weight``, the cost of depending on an overwhelmingly stronger partner, however
    many partners share in it.

    References:
        Morrow (1991): asymmetric alliances trade autonomy for security, the weaker partner
            giving up more of its freedom of action.

    Examples:
        The weaker state (capability 1) depends three times as much as the stronger (3):

        >>> dependence(np.array([1.0, 3.0])).round(6).tolist()
        [[0.0, 0.75], [0.25, 0.0]]
    """
    k = capability
    dep = np.add(k[:, None], k[None, :])  # in place: one (n, n) array, not three
    dep += 1e-12
    np.divide(k[None, :], dep, out=dep)
    np.fill_diagonal(dep, 0.0)
    return dep


def coercion_exposure(
    trade_exposure: np.ndarray,
    coercion_propensity: np.ndarray,
    hostility: np.ndarray,
    value_added_share: float,
    weight: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What each trade partner can take from each state, and what provokes it.

    A coercer k punishes i for aligning with states k is more hostile to than it is to i (the
    wedge strategies of Crawford 2011). What it can take is bounded: the domestic value added
    in i's exports to k (``X_ik * value_added_share``: gross exports overstate what a cut takes
    from GDP), times the share k is willing and able to cut (``coercion_propensity[k]``,
    calibrated on the documented episodes). How much of that i expects to lose rises with i's
    provocation ``o_ik = sum_j w(L_ij) max(0, H_kj - H_ki)`` and saturates:

        coercion_i = weight * sum_k at_risk_ik * (1 - exp(-o_ik))

    so that however many ties trigger it, the expected loss never exceeds what k is willing
    and able to cut (``coercion_cost``).

    Args:
        trade_exposure: (n, n) ``X[i, k]``, i's exports to k as a fraction of i's GDP.
        coercion_propensity: (n,) share of the value at risk each k is willing to cut, 0-1.
        hostility: (n, n) ``H[k, j]``.
        value_added_share: domestic value added per unit of gross exports, 0-1.
        weight: multiplies the expected loss (``coercion_weight``).

    Returns:
        ``(coercers, at_risk, excess)``: the (c,) indices of the states that can coerce
        anybody; (n, c) ``at_risk[i, k]``, the most each can take from i, fraction of i's GDP
        (times ``weight``); (n, c, n) ``excess[i, k, j] = max(0, H_kj - H_ki)``, the
        provocation of a unit commitment of i to j in k's eyes.

    References:
        Crawford (2011): wedge strategies, a power's inducements and punishments to keep states
            from joining its adversaries.
        Harrell et al. (2018): China's coercive economic measures, informal,
            targeted and limited in scale.
    """
    at_risk_all = weight * value_added_share * trade_exposure
    at_risk_all *= coercion_propensity[None, :]  # in place: one (n, n) array, not two
    coercers = np.flatnonzero(at_risk_all.any(axis=0))
    at_risk = at_risk_all[:, coercers]
    n = trade_exposure.shape[0]
    excess = np.zeros((n, coercers.size, n))  # [i, k, j] = max(0, H_kj - H_ki)
    for c, k in enumerate(coercers):
        rivals = np.flatnonzero(hostility[k] > 0)  # only k's rivals j can provoke it
        excess[:, c, rivals] = np.maximum(
            0.0, hostility[k, rivals][None, :] - hostility[k][:, None]
        )
        excess[rivals, c, rivals] = 0.0  # a tie with oneself provokes nobody
    return coercers, at_risk, excess


def coercion_cost(at_risk: np.ndarray, provocation: np.ndarray) -> np.ndarray:
    """Expected trade loss, fraction of GDP: ``saturating(at_risk, provocation)``; never more
    than each coercer can take (``coercion_exposure``)."""
    return saturating(at_risk, provocation)


def security_lottery(theta, own, threat_, allied, reliability) -> np.ndarray:
    """Expected utility of security when allies may not come (abandonment; Snyder 1984).

    Allies honour their commitments together or not at all: with probability ``reliability``
    (the contribution-weighted credibility of the state's allies, ``allies_and_reliability``)
    they come and the state's defence is its own capability plus theirs; otherwise it stands
    alone. Security in each outcome is valued as in ``security_value``:

        theta * [c s(K + A) + (1 - c) s(K)]

    Own forces count in both outcomes and allies' only when they come, so the marginal value of
    one's own capability does not vanish under a large ally (the preferences calibrated on it
    stay within a plausible range and leaving an alliance costs of the order of a defence
    budget); a more credible ally raises the value of a tie and lowers the value of own forces
    (free riding on a credible guarantee), a less credible hub makes ties with more credible
    partners worth more (why spokes tie with each other). Allies' decisions are taken as fully
    correlated (a common shock: a crisis in which the coalition holds or fails), an assumption
    of the model (docs/ODD.md 7.5). Arguments broadcast together.

    References:
        Snyder (1984): the alliance security dilemma, fear of abandonment against fear of
            entrapment.
        Cha (2010): the hub-and-spoke ("powerplay") alliance system in Asia.

    Examples:
        Allies that surely come are worth the security they add; allies that never come are
        worth nothing:

        >>> float(security_lottery(1.0, 3.0, 1.0, 4.0, 1.0)) == float(security_value(1.0, 7.0, 1.0))
        True
        >>> float(security_lottery(1.0, 3.0, 1.0, 4.0, 0.0)) == float(security_value(1.0, 3.0, 1.0))
        True
    """
    allied, probs = lottery_outcomes(allied, reliability)
    own = np.asarray(own, dtype=float)[..., None]
    value = security_value(1.0, own + allied, np.asarray(threat_, dtype=float)[..., None])
    return np.asarray(theta) * (probs * value).sum(axis=-1)


def lottery_outcomes(allied, reliability) -> tuple[np.ndarray, np.ndarray]:
    """The allied capability and the probability of each outcome of ``security_lottery``:
    both (..., 2), allies coming first."""
    allied = np.asarray(allied, dtype=float)
    c = np.asarray(reliability, dtype=float)
    outcomes = np.stack(np.broadcast_arrays(allied, np.zeros_like(allied)), axis=-1)
    probs = np.stack(np.broadcast_arrays(c, 1.0 - c), axis=-1)
    return outcomes, probs


def allies_and_reliability(
    contribution: np.ndarray, credibility: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Allied capability and the probability that the allies come.

    Args:
        contribution: (m, n) capability each ally j would bring (commitment weight x share
            that counts x availability), USD bn.
        credibility: (m, n) or (n,) credibility of each ally's commitment, 0-1.

    Returns:
        ``(allied, reliability)``, each (m,): the sum of the contributions, and their
        contribution-weighted credibility (0 with no allies).

    Examples:
        >>> a, c = allies_and_reliability(np.array([[0.0, 8.0, 2.0]]), np.array([0.0, 0.8, 0.3]))
        >>> [float(a[0]), round(float(c[0]), 6)]
        [10.0, 0.7]
    """
    x = np.atleast_2d(contribution)
    c = np.broadcast_to(credibility, x.shape)
    allied = x.sum(axis=1)
    weighted = (c * x).sum(axis=1)
    reliability = np.where(allied > 0, weighted / np.where(allied > 0, allied, 1.0), 0.0)
    return allied, np.clip(reliability, 0.0, 1.0)


@dataclass(frozen=True)
class AlignmentContext:
    """Everything the alignment payoff needs for one year, precomputed once per step.

    Arrays are indexed by state (n,) or by pairs of states (n, n).

    Attributes:
        theta: value of security per unit, fraction of GDP (calibrated).
        own: own capability, USD bn.
        threat: perceived threat, USD bn.
        base: ``base[i, j]``: capability ally j would bring i at full weight (its available
            capability times the share that counts for i, ``containment_reach``), USD bn.
        credibility: ``credibility[i, j]``: probability that j honours its commitment to i.
        level_weight: (4,) commitment weight of levels 0-3.
        linear: (n, n, 3) per pair at full commitment: minus the upkeep of a tie, the affinity
            payoff and the relationship value, fractions of GDP.
        hostility: (n, n) hostility, 0-1 (for the entrapment exposure).
        stakes: (n, n) entrapment weight times what a conflict with each state would cost
            (``entrapment_stakes``), fraction of GDP.
        dependence: (n, n) ``dependence`` of each state on each other.
        autonomy_weight: the most a state's commitments cost it in autonomy, fraction of GDP.
        coercers: (c,) the states that can coerce (``coercion_exposure``).
        at_risk: (n, c) the most each coercer can take from each state, fraction of GDP.
        excess: (n, c, n) provocation of a unit commitment (``coercion_exposure``).
        levels: (n, n) the commitment levels in force (for the side payments of others).
        aid_offer: ``aid_offer[d, i]``: USD bn per year that donor d offers i.
        aid_min_level: (n,) per donor, the tie level a recipient must hold (0 = unconditional).
        aid_min_partners: (n,) per donor, how many of its other recipients a recipient must be
            tied to at that level.
        aid_capability: (n,) per donor, share of paid aid that buys the recipient capability.
        aid_cash: (n,) per donor, share paid as budget support (the recipient's income).
        aid_from_defence: (n,) per donor, True when it pays out of its defence budget (else
            out of consumption).
        gdp: GDP, USD bn.
        depreciation: capability depreciation per year (a yearly flow of c sustains c /
            depreciation of capability).
        side_payment_weight: value of one dollar of budget support received, in dollars of GDP.
        engine: ``"reference"`` (these numpy functions) or ``"compiled"``: a state's candidate
            rows are scored by ``sim.core.kernels.alignment_terms`` (``row_change_deltas``).
        rival_lists: ``kernels.hostile_lists(hostility)`` when already computed (the compiled
            year's context computes them with the rest), else None.
    """

    theta: np.ndarray
    own: np.ndarray
    threat: np.ndarray
    base: np.ndarray
    credibility: np.ndarray
    level_weight: np.ndarray
    linear: np.ndarray
    hostility: np.ndarray
    stakes: np.ndarray
    dependence: np.ndarray
    autonomy_weight: float
    coercers: np.ndarray
    at_risk: np.ndarray
    excess: np.ndarray
    levels: np.ndarray
    aid_offer: np.ndarray
    aid_min_level: np.ndarray
    aid_min_partners: np.ndarray
    aid_capability: np.ndarray
    aid_cash: np.ndarray
    aid_from_defence: np.ndarray
    gdp: np.ndarray
    depreciation: float = 0.1
    side_payment_weight: float = 1.0
    engine: str = "reference"
    rival_lists: tuple[np.ndarray, np.ndarray] | None = field(default=None, compare=False)

    @cached_property
    def kernel_arguments(self) -> tuple[tuple, tuple]:
        """This context as the compiled kernels take it (``sim.core.kernels.context_arrays``),
        converted on first use and kept for the year's decisions."""
        return kernels.context_arrays(self)

    @cached_property
    def sparse_exact(self) -> bool:
        """Whether single-tie changes can be scored from the row in force to the bit
        (``kernels.tie_change_terms``): no side payments offered, level weights finite, a
        hostility finite and >= 0 (so that an entry of weight 0 adds an exact zero, and a
        state is more hostile than another to q only where it is hostile to q)."""
        h = self.hostility
        return bool(
            not self.aid_offer.any()
            and np.isfinite(self.level_weight).all()
            and ((h >= 0) & (h < np.inf)).all()
        )

    def allies(self, agents: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(allied, reliability) of candidate rows (``allies_and_reliability``), in blocks of
        rows of at most ``BLOCK_ELEMENTS`` entries (each row's sums are the same whatever the
        block: its temporaries are a block's, not several (m, n) arrays for every state's row)."""
        agents, rows = np.asarray(agents), np.asarray(rows)
        if np.ndim(self.credibility) != 2 or rows.ndim != 2:
            x = self.level_weight[rows] * self.base[agents]
            return allies_and_reliability(x, self.credibility[agents])
        allied, reliability = np.empty(len(agents)), np.empty(len(agents))
        step = max(1, BLOCK_ELEMENTS // max(1, rows.shape[1]))
        for start in range(0, len(agents), step):
            part = slice(start, start + step)
            x = self.level_weight[rows[part]] * self.base[agents[part]]
            allied[part], reliability[part] = allies_and_reliability(
                x, self.credibility[agents[part]]
            )
        return allied, reliability

    def expected_allied(self, agents: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(m,) expected allied capability of candidate rows, USD bn."""
        allied, reliability = self.allies(agents, rows)
        return allied * reliability


def allies_value(ctx: AlignmentContext, agents: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """What each state's allies are worth to it in security, per unit of theta: the expected
    log security of ``security_lottery`` with the allies of ``rows`` minus that of standing
    alone, at its capability stock now (>= 0; multiply by theta for a fraction of GDP).
    """
    allied, reliability = ctx.allies(agents, rows)
    own, threat_ = ctx.own[agents], ctx.threat[agents]
    value = security_lottery(1.0, own, threat_, allied, reliability)
    return np.maximum(0.0, value - security_value(1.0, own, threat_))


def aid_fraction(levels: np.ndarray, ctx: AlignmentContext) -> np.ndarray:
    """``frac[d, i]``: the share of d's offer that i's ties with d's other recipients earn
    (1 when d asks for none), under the levels in force; see ``aid_by_donor``."""
    return aid_by_donor(np.arange(levels.shape[0]), levels, ctx, tie_to_donor=False).T


def aid_by_donor(
    agents: np.ndarray, rows: np.ndarray, ctx: AlignmentContext, tie_to_donor: bool = True
) -> np.ndarray:
    """Side payments each candidate's state would receive from each donor.

    A donor d pays recipient i its offer ``aid_offer[d, i]`` when i holds a tie of at least
    ``aid_min_level[d]`` with d and with at least ``aid_min_partners[d]`` of d's other recipients
    (conditionality on commitment to the donor's bloc; 0 and 0 make the aid unconditional).
    Short of that number of partners it pays pro rata: ``partners / aid_min_partners`` of the
    offer, so each qualifying tie among recipients earns its part (a graded offer avoids the
    coordination failure of all-or-nothing conditions; an assumption of the model).

    Args:
        agents: (m,) state of each candidate.
        rows: (m, n) commitment levels of that state towards each state.
        ctx: the year's context.
        tie_to_donor: False gives the fraction earned by the ties among recipients alone
            (times 1 instead of the offer), as if the tie with the donor held.

    Returns:
        (m, n) USD bn per year from each donor (columns).
    """
    m = len(agents)
    out = np.zeros((m, ctx.aid_offer.shape[0]))
    offering = (ctx.aid_offer != 0)[:, agents].any(axis=1)  # (no (m, d) copy of the offers)
    for d in np.flatnonzero(offering):
        offer = ctx.aid_offer[d, agents]  # (m,) what d offers each candidate's state
        level = ctx.aid_min_level[d]
        tied = rows >= level  # (m, j)
        recipients = ctx.aid_offer[d] > 0  # (j,)
        partners = tied[:, recipients].sum(axis=1)
        partners -= tied[np.arange(m), agents] & recipients[agents]  # not one's own partner
        need = ctx.aid_min_partners[d]
        fraction = np.minimum(1.0, partners / need) if need > 0 else np.ones(m)
        if tie_to_donor:
            out[:, d] = offer * tied[:, d] * fraction
        else:
            out[:, d] = (offer > 0) * fraction
    return out


def aid_flows(agents: np.ndarray, rows: np.ndarray, ctx: AlignmentContext):
    """What candidate rows change in each state's side payments, USD bn per year.

    Returns:
        ``(capability_in, cash_in, paid)``, each (m,): aid received that buys capability, aid
        received as budget support, and aid the state pays as a donor (its recipients' other
        ties as in ``ctx.levels``; its own row decides which of them hold the tie it asks for).
    """
    m = len(agents)
    if not ctx.aid_offer.any():
        zero = np.zeros(m)
        return zero, zero, zero
    by_donor = aid_by_donor(agents, rows, ctx)  # (m, d)
    capability_in = by_donor @ ctx.aid_capability
    cash_in = by_donor @ ctx.aid_cash
    paid = np.zeros(m)
    donors = ctx.aid_offer.any(axis=1)
    mine = donors[agents]
    if mine.any():
        frac = aid_fraction(ctx.levels, ctx)  # (d, i)
        for k in np.flatnonzero(mine):
            d = agents[k]
            tied = rows[k] >= ctx.aid_min_level[d]
            paid[k] = (ctx.aid_offer[d] * frac[d] * tied).sum()
    return capability_in, cash_in, paid


def alignment_terms(agents: np.ndarray, rows: np.ndarray, ctx: AlignmentContext) -> np.ndarray:
    """Alignment-dependent utility terms of candidate commitment rows.

    Each candidate m is state ``agents[m]`` holding commitment levels ``rows[m]`` towards every
    state (all other ties as they are). Vectorised over candidates, so a state can score all
    its options (deepen or loosen each tie, leave or join a treaty) in one call.

    Side payments: aid received as budget support is income (``side_payment_weight`` per
    dollar); aid that buys capability is valued through security, as the capability stock the
    yearly flow sustains (``flow / depreciation``, as a budget does); a donor pays out of
    consumption (a dollar of GDP per dollar) or out of its defence budget (less capability).
    Each dollar counts once, for the donor and for the recipient (docs/ODD.md 7.7).

    Args:
        agents: (m,) int index of the state each candidate row belongs to.
        rows: (m, n) int commitment levels 0-3 of that state towards each state.
        ctx: the year's context.

    Returns:
        (m, len(ALIGNMENT_TERMS)) utility terms, fraction of GDP per year.
    """
    agents = np.asarray(agents)
    w = ctx.level_weight[rows]  # (m, n)
    out = np.empty((len(agents), len(ALIGNMENT_TERMS)))
    cap_in, cash_in, paid = aid_flows(agents, rows, ctx)
    now_cap, _, now_paid = aid_flows(agents, ctx.levels[agents], ctx)
    own = ctx.own[agents] + (cap_in - now_cap) / ctx.depreciation
    from_defence = ctx.aid_from_defence[agents]
    own = own - np.where(from_defence, paid - now_paid, 0.0) / ctx.depreciation
    allied, reliability = allies_and_reliability(w * ctx.base[agents], ctx.credibility[agents])
    out[:, 0] = security_lottery(
        ctx.theta[agents], np.maximum(own, 0.0), ctx.threat[agents], allied, reliability
    )
    linear = np.einsum("mn,mnk->mk", w, ctx.linear[agents])
    exposure = entrapment_exposure(agents, w, ctx.hostility)
    out[:, 1] = -saturating(ctx.stakes[agents], exposure)
    depends = (w * ctx.dependence[agents]).sum(axis=1)
    out[:, 2] = -ctx.autonomy_weight * -np.expm1(-depends) + linear[:, 0]
    if ctx.coercers.size:
        provocation = np.einsum("mn,mkn->mk", w, ctx.excess[agents])
        out[:, 3] = -coercion_cost(ctx.at_risk[agents], provocation)
    else:
        out[:, 3] = 0.0
    out[:, 4:6] = linear[:, 1:]
    gdp = ctx.gdp[agents]
    out[:, 6] = (ctx.side_payment_weight * cash_in - np.where(from_defence, 0.0, paid)) / gdp
    return out


def row_change_deltas(
    agent: int, row: np.ndarray, new_rows: np.ndarray, ctx: AlignmentContext
) -> np.ndarray:
    """Change in a state's alignment terms if its whole commitment row became each new row
    (leaving or joining a treaty): ``alignment_terms(new rows) - alignment_terms(row)``.

    Returns:
        (k, len(ALIGNMENT_TERMS)) term changes, fraction of GDP per year.
    """
    rows = np.vstack([row[None, :], new_rows])
    if ctx.engine == "compiled":
        terms = kernels.alignment_terms(agent, rows, ctx)
    else:
        terms = alignment_terms(np.full(len(rows), agent), rows, ctx)
    return terms[1:] - terms[0]


SINGLE_TIE_MIN_STATES = 64
"""The fewest states for which ``tie_change_deltas`` scores single-tie changes from the row in
force (``kernels.tie_change_terms``) rather than as whole rows: the same floats either way, so
this decides only speed and what compiles. A compiled model's construction (its calibration
scores every single-tie change of every state) took, with and without that scorer, 12.1 and
12.1 ms at 40 states (the default world), 20 and 39 ms at 100, 72 and 223 ms at 200, 100 and
500 ms at 300 (synthetic worlds of ``benchmarks/run_benchmark.py``, medians of 5, an ad hoc
timing, 3 Dec 2026); compiling the scorer takes about 5 s, which the setup's warm (the class
world) and the default world no longer pay."""


def tie_change_deltas(
    agent: int, row: np.ndarray, partners: np.ndarray, new_levels: np.ndarray, ctx: AlignmentContext
) -> np.ndarray:
    """Change in a state's alignment terms for each of several single-tie changes.

    On the compiled engine, in a world of ``SINGLE_TIE_MIN_STATES`` states or more, for the
    row in force, the options are scored from that row (``kernels.tie_change_terms``: the
    floats of whole rows, without the (m, n) rows and O(m n) work; the calibration scores every
    single-tie change of every state this way), else as whole rows (``row_change_deltas``).

    Args:
        agent: the state.
        row: (n,) its current commitment levels.
        partners: (m,) partner of each option.
        new_levels: (m,) the tie's level under each option.
        ctx: the year's context.

    Returns:
        (m, len(ALIGNMENT_TERMS)) term changes, fraction of GDP per year.
    """
    if ctx.engine == "compiled" and len(row) >= SINGLE_TIE_MIN_STATES:
        terms = kernels.tie_change_terms(agent, row, partners, new_levels, ctx)
        if terms is not None:  # the floats of whole rows, without the (m, n) rows
            return terms[1:] - terms[0]
    rows = np.repeat(row[None, :], len(partners), axis=0)
    rows[np.arange(len(partners)), partners] = new_levels
    return row_change_deltas(agent, row, rows, ctx)


def consumption_utility(share: np.ndarray) -> np.ndarray:
    """Utility of consumption, fraction of GDP: ``log(1 - x)`` for defence share x (0-1)."""
    return np.log1p(-share)
