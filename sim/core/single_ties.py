"""Single-tie changes of a state's row scored from its current row (issue #11, large worlds).

``payoffs.tie_change_deltas`` scores each option (one tie moved to one new level) as a whole
candidate row: O(n) a row and more (an (m, n) array of rows, the entrapment exposure of each),
so scoring every tie of every state, as the calibration by revealed preference does
(``sim.core.calibration.relationship_values``), costs O(n^3) or more. A single-tie change moves
every term of ``payoffs.alignment_terms`` by the one entry of the row that changes: allied
capability and its weighted credibility, dependence, upkeep, affinity and relationship value by
``dw`` times that partner's entry, the entrapment exposure only towards the partner's rivals
(``max(0, H_jk - H_ik) > 0`` needs ``H_jk > 0``), the coercion provocation by the partner's
column of ``excess``. ``SingleTies`` computes the current row's sums once per state (O(n + n s),
s rivals a state) and each option in O(s + c) (c coercers), so all the options of all states
cost O(n^2 s). The results are ``tie_change_deltas``'s to rounding (``tests/test_large_worlds.py``
holds them to 1e-12 of the row's terms on the model's worlds and on random contexts).

A state that gives or receives side payments (``aid_offer``) has its options scored by
``payoffs.tie_change_deltas`` itself: its aid depends on its whole row.
"""

from __future__ import annotations

import numpy as np

from sim.core import payoffs


class SingleTies:
    """Scorer of single-tie changes for one year's ``payoffs.AlignmentContext``.

    Args:
        ctx: the year's context (its ``levels`` are the rows the changes start from).

    Examples:
        Two states, each the other's only partner (level 1); moving the tie to level 2 scores as
        ``payoffs.tie_change_deltas`` does:

        >>> ctx = example_context()
        >>> fast = SingleTies(ctx).deltas(0, np.array([1]), np.array([2]))
        >>> slow = payoffs.tie_change_deltas(0, ctx.levels[0], np.array([1]), np.array([2]), ctx)
        >>> bool(np.allclose(fast, slow, rtol=1e-12, atol=1e-15))
        True
    """

    def __init__(self, ctx: payoffs.AlignmentContext) -> None:
        self.ctx = ctx
        n = ctx.theta.size
        rows, cols = payoffs.hostile_pairs(ctx.hostility)
        self.first = np.searchsorted(rows, np.arange(n + 1))  # row j's rivals: first[j]:first[j+1]
        self.rows, self.cols = rows, cols
        self.values = ctx.hostility[rows, cols]
        self.credibility = np.broadcast_to(ctx.credibility, ctx.base.shape)
        offer = np.asarray(ctx.aid_offer)
        self.aided = offer.any(axis=0) | offer.any(axis=1)  # receives or gives side payments

    def deltas(self, agent: int, partners: np.ndarray, new_levels: np.ndarray) -> np.ndarray:
        """(m, len(ALIGNMENT_TERMS)) change in state ``agent``'s alignment terms when its tie
        with each partner moves to each new level (``payoffs.tie_change_deltas``)."""
        ctx = self.ctx
        partners, new_levels = np.asarray(partners), np.asarray(new_levels)
        row = ctx.levels[agent]
        if self.aided[agent]:
            return payoffs.tie_change_deltas(agent, row, partners, new_levels, ctx)
        w = ctx.level_weight[row]
        dw = ctx.level_weight[new_levels] - w[partners]
        out = np.zeros((partners.size, len(payoffs.ALIGNMENT_TERMS)))
        out[:, 0] = self._security(agent, w, partners, dw)
        out[:, 1] = self._entrapment(agent, w, partners, dw)
        dependence = ctx.dependence[agent]
        depends = (w * dependence).sum()
        before = -ctx.autonomy_weight * -np.expm1(-depends)
        after = -ctx.autonomy_weight * -np.expm1(-(depends + dw * dependence[partners]))
        linear = dw[:, None] * ctx.linear[agent, partners]  # (m, 3)
        out[:, 2] = (after - before) + linear[:, 0]
        if ctx.coercers.size:
            excess, at_risk = ctx.excess[agent], ctx.at_risk[agent]  # (c, n), (c,)
            provocation = excess @ w
            moved = provocation[None, :] + dw[:, None] * excess[:, partners].T
            out[:, 3] = -payoffs.coercion_cost(at_risk, moved) + payoffs.coercion_cost(
                at_risk, provocation
            )
        out[:, 4:6] = linear[:, 1:]
        return out

    def _security(self, agent: int, w: np.ndarray, partners: np.ndarray, dw: np.ndarray):
        """(m,) change in the security lottery's value (``payoffs.security_lottery``)."""
        ctx = self.ctx
        base, credibility = ctx.base[agent], self.credibility[agent]
        x = w * base
        allied, weighted = x.sum(), (credibility * x).sum()
        moved_allied = allied + dw * base[partners]
        moved_weighted = weighted + dw * (credibility[partners] * base[partners])
        own = max(float(ctx.own[agent]), 0.0)
        theta, threat = ctx.theta[agent], ctx.threat[agent]

        def lottery(a, c):
            reliability = np.where(a > 0, c / np.where(a > 0, a, 1.0), 0.0)
            return payoffs.security_lottery(theta, own, threat, a, np.clip(reliability, 0, 1))

        return lottery(moved_allied, moved_weighted) - lottery(allied, weighted)

    def _entrapment(self, agent: int, w: np.ndarray, partners: np.ndarray, dw: np.ndarray):
        """(m,) change in the entrapment term: only the exposure to the partner's rivals moves
        (``payoffs.entrapment_exposure``, ``payoffs.saturating``)."""
        ctx = self.ctx
        n = w.size
        own = ctx.hostility[agent]
        extra = np.maximum(0.0, self.values - own[self.cols])  # max(0, H_jk - H_ik), pairs
        exposure = np.bincount(self.cols, weights=w[self.rows] * extra, minlength=n)
        count = self.first[partners + 1] - self.first[partners]
        option = np.repeat(np.arange(partners.size), count)
        offsets = np.repeat(self.first[partners] - np.cumsum(count) + count, count)
        offsets = offsets + np.arange(count.sum())
        k = self.cols[offsets]
        before = exposure[k]
        after = before + dw[option] * extra[offsets]
        stakes = ctx.stakes[agent, k]
        change = stakes * (np.expm1(-after) - np.expm1(-before))  # -(1-e^-a) + (1-e^-b)
        return np.bincount(option, weights=change, minlength=partners.size)


def example_context() -> payoffs.AlignmentContext:
    """A small context for the examples: three states, 0 and 1 allied (level 1), 2 hostile to
    0 and trading with it (a coercer).

    Examples:
        >>> example_context().levels.tolist()
        [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
    """
    n = 3
    hostility = np.zeros((n, n))
    hostility[0, 2] = hostility[2, 0] = 0.6
    hostility[1, 2] = 0.3
    reach = np.full((n, n), 0.5)
    np.fill_diagonal(reach, 1.0)
    capability = np.array([10.0, 30.0, 50.0])
    levels = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    trade = np.array([[0.0, 0.0, 0.05], [0.0, 0.0, 0.02], [0.0, 0.0, 0.0]])
    coercers, at_risk, excess = payoffs.coercion_exposure(
        trade, np.array([0.0, 0.0, 0.5]), hostility, 0.6
    )
    linear = np.zeros((n, n, 3))
    linear[..., 1] = 0.001
    return payoffs.AlignmentContext(
        theta=np.full(n, 0.02),
        own=capability,
        threat=payoffs.threat(capability, hostility, reach) + 1.0,
        base=payoffs.containment_reach(reach, hostility, capability, np.ones(n)) * capability,
        credibility=np.full((n, n), 0.7),
        level_weight=np.array([0.0, 0.15, 0.4, 0.85]),
        linear=linear,
        hostility=hostility,
        stakes=0.005 * payoffs.entrapment_stakes(reach, capability),
        dependence=payoffs.dependence(capability),
        autonomy_weight=0.004,
        coercers=coercers,
        at_risk=at_risk,
        excess=excess,
        levels=levels,
        aid_offer=np.zeros((n, n)),
        aid_min_level=np.zeros(n, dtype=int),
        aid_min_partners=np.zeros(n, dtype=int),
        aid_capability=np.zeros(n),
        aid_cash=np.zeros(n),
        aid_from_defence=np.zeros(n, dtype=bool),
        gdp=np.array([100.0, 300.0, 500.0]),
    )
