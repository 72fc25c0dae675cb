"""Payoff terms of a state's utility, in numpy.

Units: every utility term is a *fraction of the state's GDP per year* ("GDP-equivalent"), so that
terms are comparable across states and with the cost of defence spending. Tables and explanations
report them multiplied by 100, i.e. in % of GDP.

A state's utility (one year) is

    U_i = theta_i * log(security_i)                  security (Sandler & Hartley 1995, ch. 2)
          + psi_i * log(x_i)                         private benefit of own defence (joint products)
          + log(1 - x_i)                             consumption forgone: guns vs butter
          - sum_j w(L_ij) * entrapment_ij            entrapment (Snyder 1984)
          - sum_j w(L_ij) * autonomy_ij              autonomy (Morrow 1991)
          - sum_j w(L_ij) * coercion_ij              economic coercion by outside trade partners
          + sum_j w(L_ij) * affinity_weight * A_ij   affinity (regime similarity, history)
          + aid_i / GDP_i                            side payments received
          - target_weight * max(0, target_i - x_i)   soft spending targets (NATO 2 %, 5 %)

with x_i the defence share of GDP and L_ij the commitment level between i and j (0 none,
1 alignment, 2 partnership, 3 formal collective defence) weighted by ``w(L)``.

Security is a contest-success ratio (Tullock 1980; Hirshleifer 1989):
security_i = S_i / (S_i + T_i) with S_i own plus allied capability and T_i the hostile capability
that reaches i; its utility is logarithmic (``security_value``), so the marginal value of
capability always rises with the threat. Allied capability is a (partly) public good: each
ally's capability counts in full for every partner when ``publicness`` is 1 (Olson & Zeckhauser
1966) and is divided among its commitments when 0 (a private good); values between give
Sandler's joint-product model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TERMS = (
    "security",
    "consumption",
    "entrapment",
    "autonomy",
    "coercion",
    "affinity",
    "side_payments",
    "target",
)
"""Names of the utility terms, in the order they are reported (columns ``u_<term>``)."""

ALIGNMENT_TERMS = ("security", "entrapment", "autonomy", "coercion", "affinity", "side_payments")
"""The terms that change when a commitment changes (budget held fixed)."""


def credible_commitment(credibility: np.ndarray, hostility: np.ndarray) -> np.ndarray:
    """How far i can count on j's promise: j's credibility discounted by j's hostility to i.

    Returns:
        (n, n) ``credibility[i, j] * (1 - H_ji)``, 0-1: a promise from a hostile state is
        worth little (an assumption of the model).
    """
    return credibility * (1.0 - hostility.T)


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
    h = np.maximum(0.0, -np.asarray(affinity, dtype=float))
    np.fill_diagonal(h, 0.0)
    return h


def threat(capability: np.ndarray, hostility: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """Hostile capability that reaches each state (Walt 1987: power, proximity, intentions).

    Args:
        capability: (n,) capability stocks, USD bn.
        hostility: (n, n) ``hostility[i, k]`` of i towards k, 0-1.
        reach: (n, n) ``reach[k, i]``, the share of k's capability that reaches i.

    Returns:
        (n,) perceived threat, USD bn of capability: ``T_i = sum_k H_ik reach_ki K_k``.

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
    return (hostility * reach.T) @ capability


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


def allied_capability(
    commitment: np.ndarray, credibility: np.ndarray, reach: np.ndarray, available: np.ndarray
) -> np.ndarray:
    """Allies' capability that counts for each state's defence.

    Args:
        commitment: (m, n) commitment weight ``w(L_ij)`` (0-1) of row-state i's ties with each j.
        credibility: (m, n) credibility (0-1) of j's commitment as seen by i.
        reach: (m, n) ``reach[j, i]`` for each row's state i (columns j).
        available: (n,) capability each j makes available to partners, USD bn.

    Returns:
        (m,) allied capability, USD bn.

    References:
        Olson & Zeckhauser (1966): allies' forces add to a state's own defence, the public
            good from which free riding follows.
    """
    return (commitment * credibility * reach) @ available


def containment_reach(
    reach: np.ndarray,
    hostility: np.ndarray,
    capability: np.ndarray,
    affinity: np.ndarray | None = None,
) -> np.ndarray:
    """Share of each ally's capability that counts for each state.

    An ally helps where its forces reach: at home (defence) or at the states that threaten
    one, if it opposes them too (containment, forward defence). For state i and ally j this is
    the larger of

    * defence: ``reach[j, i]`` times j's loyalty against i's threats, the threat-weighted mean
      of ``1 - max(0, A_jk)``: an ally friendly with the state that threatens i will not fight
      it (China does not defend Estonia against Russia);
    * containment: the threat-weighted mean of ``H_jk * reach[j, k]`` over i's threats k;

    the weights being each k's share of i's threat (a state with no threat weighs loyalty 1).
    An assumption of the model: it is how the United States, far from its rivals, still gains
    from allies next to them, and why a rival's friend is no ally.

    Args:
        reach: (n, n) ``reach[k, i]``.
        hostility: (n, n) hostility, 0-1.
        capability: (n,) capability, USD bn.
        affinity: (n, n) affinity, -1..1 (default: no friendships, loyalty 1).

    Returns:
        (n, n) ``reach_to[i, j]``, 0-1.
    """
    reaching = hostility * reach.T * capability[None, :]  # [i, k] threat from k to i
    total = reaching.sum(axis=1, keepdims=True)
    weights = np.divide(reaching, total, out=np.zeros_like(reaching), where=total > 0)
    containment = weights @ (hostility * reach).T
    if affinity is None:
        return np.maximum(reach.T, containment)
    disloyal = weights @ np.maximum(0.0, affinity).T  # [i, j]: how friendly j is with i's threats
    return np.maximum(reach.T * (1.0 - disloyal), containment)


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
        security in [0, 1]: ``(own + allied) / (own + allied + threat)``.

    References:
        Tullock (1980): the ratio contest-success function, one side's effort over the sum of
            both.
        Hirshleifer (1989): the ratio form, as against the difference form, of relative
            success in a conflict.

    Examples:
        >>> security(np.array([2.0, 0.0]), np.array([1.0, 1.0]), np.array([1.0, 3.0])).tolist()
        [0.75, 0.25]
    """
    defence = own + allied
    return defence / (defence + threat_)


BLOCK_ELEMENTS = 1 << 21
"""Largest (rows, n, n) temporary of the O(n^3) terms, in elements (16 MB of float64): a world
of up to 128 states takes one block; larger ones go in row blocks, so that the memory of a step
grows as n^2, not n^3 (each row's sums are the same arithmetic either way)."""


def row_blocks(n: int, elements: int | None = None):
    """Slices of ``range(n)`` whose (rows, n, n) temporaries hold at most ``elements`` values."""
    step = max(1, (elements or BLOCK_ELEMENTS) // max(1, n * n))
    for start in range(0, n, step):
        yield slice(start, min(n, start + step))


def entrapment_exposure(
    hostility: np.ndarray,
    reach: np.ndarray,
    capability: np.ndarray,
    commitment: np.ndarray | None = None,
) -> np.ndarray:
    """Exposure to being drawn into each partner's conflicts (Snyder 1984).

    Allying with j exposes i to j's enemies k in proportion to how much more hostile j is to k
    than i is, and to what a conflict with k would cost i: how dangerous k is to i (k's
    capability reaching i against i's own) plus how committed i is to k (a conflict with one's
    own ally: the incompatible commitments of structural balance, Heider 1946).

    Args:
        hostility: (n, n) hostility, 0-1.
        reach: (n, n) ``reach[k, i]``.
        capability: (n,) capability, USD bn.
        commitment: (n, n) commitment weight of i's ties to k, 0-1 (default none).

    Returns:
        (n, n) ``exposure[i, j] = sum_k max(0, H_jk - H_ik) * (danger_ki + w_ik)``
        (dimensionless, >= 0), with ``danger_ki = reach_ki K_k / (K_i + reach_ki K_k)``.

    References:
        Snyder (1984): entrapment, the risk of being dragged into an ally's conflicts that one
            does not share, one horn of the alliance security dilemma.
        Heider (1946): balance theory, in which a friend's enemy who is also one's own friend
            makes an unbalanced, costly triad.
    """
    reaching = reach.T * capability[None, :]  # [i, k] = reach_ki K_k
    danger = reaching / (capability[:, None] + reaching + 1e-12)
    if commitment is not None:
        danger = danger + commitment
    np.fill_diagonal(danger, 0.0)
    out = np.empty_like(danger)
    for rows in row_blocks(len(capability)):
        extra = np.maximum(0.0, hostility[None, :, :] - hostility[rows, None, :])  # [i, j, k]
        out[rows] = np.einsum("ijk,ik->ij", extra, danger[rows])
    return out


def autonomy_cost(
    capability: np.ndarray, autonomy_weight: float, tie_cost: np.ndarray | float
) -> np.ndarray:
    """Autonomy given up by committing to each partner (Morrow 1991).

    The weaker partner of an asymmetric alliance trades autonomy for security; the stronger one
    gives up little. Every commitment also carries a fixed upkeep (consultation, staff,
    politics).

    Args:
        capability: (n,) capability, USD bn.
        autonomy_weight: cost of committing to an overwhelmingly stronger partner, fraction of GDP.
        tie_cost: (n,) or scalar upkeep of one commitment, fraction of each state's GDP.

    Returns:
        (n, n) cost, fraction of GDP per year at full commitment:
        ``autonomy_weight * K_j / (K_i + K_j) + tie_cost_i``; zero diagonal.

    References:
        Morrow (1991): asymmetric alliances trade autonomy for security, the weaker partner
            giving up more of its freedom of action.

    Examples:
        The weaker state (capability 1) gives up three times what the stronger (3) does:

        >>> autonomy_cost(np.array([1.0, 3.0]), 0.04, 0.0).round(6).tolist()
        [[0.0, 0.03], [0.01, 0.0]]
    """
    k = capability
    upkeep = np.broadcast_to(np.asarray(tie_cost, dtype=float), k.shape)[:, None]
    cost = autonomy_weight * k[None, :] / (k[:, None] + k[None, :] + 1e-12) + upkeep
    np.fill_diagonal(cost, 0.0)
    return cost


def coercion_cost(
    trade_exposure: np.ndarray, coercion_propensity: np.ndarray, hostility: np.ndarray
) -> np.ndarray:
    """Expected trade loss from committing to each partner.

    A trade partner k punishes i for committing to j when k is more hostile to j than to i:
    the share ``coercion_propensity[k]`` of i's exports to k is at risk, scaled by that excess
    hostility (the wedge strategies of Crawford 2011).

    Args:
        trade_exposure: (n, n) ``X[i, k]``, i's exports to k as a fraction of i's GDP.
        coercion_propensity: (n,) share of targeted trade each k is willing to cut, 0-1.
        hostility: (n, n) ``H[k, j]``.

    Returns:
        (n, n) ``cost[i, j] = sum_k X_ik kappa_k max(0, H_kj - H_ki)``, fraction of GDP per
        year at full commitment; zero diagonal.

    References:
        Crawford (2011): wedge strategies, by which a power uses inducements and punishments
            to keep states from joining its adversaries; here, the threat to cut trade.
    """
    at_risk = trade_exposure * coercion_propensity[None, :]  # [i, k]
    cost = np.empty_like(at_risk)
    for rows in row_blocks(len(coercion_propensity)):
        excess = np.maximum(0.0, hostility[None, :, :] - hostility.T[rows, :, None])  # [i, k, j]
        cost[rows] = np.einsum("ik,ikj->ij", at_risk[rows], excess)
    np.fill_diagonal(cost, 0.0)
    return cost


@dataclass(frozen=True)
class AlignmentContext:
    """Everything the alignment payoff needs for one year, precomputed once per step.

    Arrays are indexed by state (n,) or by pairs of states (n, n).

    Attributes:
        theta: value of security per unit, fraction of GDP (calibrated).
        own: own capability, USD bn.
        threat: perceived threat, USD bn.
        reach_to: ``reach_to[i, j] = reach[j, i]``: share of j's capability reaching i.
        available: capability each state makes available to partners, USD bn.
        credibility: ``credibility[i, j]``: credibility of j's commitment as seen by i, 0-1.
        level_weight: (4,) commitment weight of levels 0-3.
        entrapment: entrapment cost per pair at full commitment, fraction of GDP.
        autonomy: autonomy cost per pair at full commitment, fraction of GDP.
        coercion: coercion cost per pair at full commitment, fraction of GDP.
        affinity: affinity payoff per pair at full commitment, fraction of GDP.
        aid_offer: ``aid_offer[d, i]``: USD bn per year that donor d offers i (see
            ``candidate_aid`` for the conditions).
        aid_min_level: (n,) per donor, the tie level a recipient must hold (0 = unconditional).
        aid_min_partners: (n,) per donor, how many of its other recipients a recipient must be
            tied to at that level.
        gdp: GDP, USD bn.
        side_payment_weight: value of one dollar of aid received, in dollars of GDP.
        pair: the stacked per-pair terms of ``pair_terms`` (computed on demand when None).
    """

    theta: np.ndarray
    own: np.ndarray
    threat: np.ndarray
    reach_to: np.ndarray
    available: np.ndarray
    credibility: np.ndarray
    level_weight: np.ndarray
    entrapment: np.ndarray
    autonomy: np.ndarray
    coercion: np.ndarray
    affinity: np.ndarray
    aid_offer: np.ndarray
    aid_min_level: np.ndarray
    aid_min_partners: np.ndarray
    gdp: np.ndarray
    side_payment_weight: float = 1.0
    pair: np.ndarray | None = None


def aid_received(levels: np.ndarray, ctx: AlignmentContext) -> np.ndarray:
    """Side payments each state receives under a given commitment matrix.

    Args:
        levels: (n, n) symmetric commitment levels 0-3.
        ctx: the year's context.

    Returns:
        (n,) USD bn per year received, summed over donors.
    """
    agents = np.arange(levels.shape[0])
    return candidate_aid(agents, levels, ctx)


def aid_by_donor(agents: np.ndarray, rows: np.ndarray, ctx: AlignmentContext) -> np.ndarray:
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

    Returns:
        (m, n) USD bn per year from each donor (columns).
    """
    m = len(agents)
    out = np.zeros((m, ctx.aid_offer.shape[0]))
    offers = ctx.aid_offer[:, agents].T  # (m, d)
    for d in np.flatnonzero(offers.any(axis=0)):
        level = ctx.aid_min_level[d]
        tied = rows >= level  # (m, j)
        recipients = ctx.aid_offer[d] > 0  # (j,)
        partners = tied[:, recipients].sum(axis=1)
        partners -= tied[np.arange(m), agents] & recipients[agents]  # not one's own partner
        need = ctx.aid_min_partners[d]
        fraction = np.minimum(1.0, partners / need) if need > 0 else 1.0
        out[:, d] = offers[:, d] * tied[:, d] * fraction
    return out


def candidate_aid(agents: np.ndarray, rows: np.ndarray, ctx: AlignmentContext) -> np.ndarray:
    """Total side payments (USD bn per year) each candidate's state would receive; see
    ``aid_by_donor`` for the conditions."""
    if not ctx.aid_offer.any():
        return np.zeros(len(agents))
    return aid_by_donor(agents, rows, ctx).sum(axis=1)


def pair_terms(ctx: AlignmentContext) -> np.ndarray:
    """Per-pair contributions of a unit commitment, stacked for fast scoring.

    Returns:
        (n, n, 5) array: ``[i, j]`` holds the allied capability (USD bn) that a full
        commitment with j brings i, then the entrapment, autonomy and coercion costs (negative)
        and the affinity payoff, fractions of GDP.
    """
    allied = ctx.credibility * ctx.reach_to * ctx.available[None, :]
    return np.stack([allied, -ctx.entrapment, -ctx.autonomy, -ctx.coercion, ctx.affinity], axis=2)


def alignment_terms(agents: np.ndarray, rows: np.ndarray, ctx: AlignmentContext) -> np.ndarray:
    """Alignment-dependent utility terms of candidate commitment rows.

    Each candidate m is state ``agents[m]`` holding commitment levels ``rows[m]`` towards every
    state (all other ties as they are). Vectorised over candidates, so a state can score all
    its options (deepen or loosen each tie) in one call.

    Args:
        agents: (m,) int index of the state each candidate row belongs to.
        rows: (m, n) int commitment levels 0-3 of that state towards each state.
        ctx: the year's context.

    Returns:
        (m, len(ALIGNMENT_TERMS)) utility terms, fraction of GDP per year.
    """
    w = ctx.level_weight[rows]  # (m, n)
    table = ctx.pair if ctx.pair is not None else pair_terms(ctx)
    if agents.size and np.all(agents == agents[0]):
        linear = w @ table[agents[0]]  # one state's options: a single matrix product
    else:
        linear = np.einsum("mn,mnk->mk", w, table[agents])
    defence = ctx.own[agents] + linear[:, 0]
    out = np.empty((len(agents), len(ALIGNMENT_TERMS)))
    out[:, 0] = security_value(ctx.theta[agents], defence, ctx.threat[agents])
    out[:, 1:5] = linear[:, 1:5]
    if ctx.aid_offer.any():
        aid = candidate_aid(agents, rows, ctx)
        out[:, 5] = ctx.side_payment_weight * aid / ctx.gdp[agents]
    else:
        out[:, 5] = 0.0
    return out


def row_change_deltas(
    agent: int, row: np.ndarray, new_rows: np.ndarray, ctx: AlignmentContext
) -> np.ndarray:
    """Change in a state's alignment terms if its whole commitment row became each new row.

    The same numbers as ``alignment_terms(new rows) - alignment_terms(row)`` (tested), from one
    matrix product: used for options that change many ties at once (leaving or joining a
    treaty).

    Args:
        agent: the state.
        row: (n,) its current commitment levels.
        new_rows: (k, n) candidate rows.
        ctx: the year's context.

    Returns:
        (k, len(ALIGNMENT_TERMS)) term changes, fraction of GDP per year.
    """
    table = ctx.pair[agent] if ctx.pair is not None else pair_terms(ctx)[agent]  # (n, 5)
    lw = ctx.level_weight
    linear = (lw[new_rows] - lw[row]) @ table  # (k, 5)
    return _deltas(agent, row, table, linear, lambda: new_rows, ctx)


def tie_change_deltas(
    agent: int, row: np.ndarray, partners: np.ndarray, new_levels: np.ndarray, ctx: AlignmentContext
) -> np.ndarray:
    """Change in a state's alignment terms for each of several single-tie changes.

    Equal to ``alignment_terms`` of each changed row minus that of the current row (the
    tests check this), but computed from vectors: each option changes one entry, so its effect
    on the linear terms is that entry's weight change times the pair's unit terms, and its
    effect on security is through one scalar (allied capability).

    Args:
        agent: the state.
        row: (n,) its current commitment levels.
        partners: (m,) partner of each option.
        new_levels: (m,) the tie's level under each option.
        ctx: the year's context.

    Returns:
        (m, len(ALIGNMENT_TERMS)) term changes, fraction of GDP per year.
    """
    table = ctx.pair[agent] if ctx.pair is not None else pair_terms(ctx)[agent]  # (n, 5)
    lw = ctx.level_weight
    linear = (lw[new_levels] - lw[row[partners]])[:, None] * table[partners]  # (m, 5)

    def changed_rows() -> np.ndarray:
        rows = np.repeat(row[None, :], len(partners), axis=0)
        rows[np.arange(len(partners)), partners] = new_levels
        return rows

    return _deltas(agent, row, table, linear, changed_rows, ctx)


def _deltas(agent, row, table, linear, changed_rows, ctx: AlignmentContext) -> np.ndarray:
    """Term changes of candidate rows from the change of their linear terms (k, 5); the rows
    themselves (``changed_rows()``) are built only when side payments need them."""
    defence = ctx.own[agent] + ctx.level_weight[row] @ table[:, 0]
    theta, threat_ = ctx.theta[agent], ctx.threat[agent]
    out = np.empty((linear.shape[0], len(ALIGNMENT_TERMS)))
    out[:, 0] = security_value(theta, defence + linear[:, 0], threat_) - security_value(
        theta, defence, threat_
    )
    out[:, 1:5] = linear[:, 1:5]
    if ctx.aid_offer[:, agent].any():
        rows = changed_rows()
        now = candidate_aid(np.array([agent]), row[None, :], ctx)[0]
        aid = candidate_aid(np.full(len(rows), agent), rows, ctx)
        out[:, 5] = ctx.side_payment_weight * (aid - now) / ctx.gdp[agent]
    else:
        out[:, 5] = 0.0
    return out


def consumption_utility(share: np.ndarray) -> np.ndarray:
    """Utility of consumption, fraction of GDP: ``log(1 - x)`` for defence share x (0-1)."""
    return np.log1p(-share)


def target_penalty(share: np.ndarray, target: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Soft penalty for missing a spending target, fraction of GDP (<= 0).

    Args:
        share: defence share of GDP, 0-1.
        target: target share, 0-1 (0 = none).
        weight: cost per unit shortfall (e.g. 0.3: each point short costs 0.3 points).
    """
    return -weight * np.maximum(0.0, target - share)
