"""The ``expected_utility`` rule (the default): a nested-logit choice over the payoff terms.

Each year a state scores every option it has (deepen one tie by one level, loosen one tie by one
level, leave a treaty, apply to join one, or keep all) by its change in utility, the sum of its
alignment terms (``sim.core.payoffs``), and picks one by a nested logit (``sim.core.alignment``).
Deepening needs the partner's consent, joining every member's with something at stake; loosening
and leaving are unilateral. See docs/ODD.md, 7.11.
"""

from __future__ import annotations

import numpy as np

from sim.core import alignment, payoffs
from sim.rules.base import AlignmentRule, ModelView
from sim.rules.registry import register


@register
class ExpectedUtility(AlignmentRule):
    """Expected utility: a quantal-response (logit) choice over the changes in utility.

    A state's gain from an option is the change in the sum of its seven alignment terms
    (security, entrapment, autonomy, coercion, affinity, relationship, side payments), less the
    cost of changing a tie (``tie_change_cost``, for the partner too) or, for an exit, the
    treaty exit cost and the member's calibrated membership value. It chooses by a two-level
    nested logit with temperature ``temperature_pct_gdp`` (act or keep, then which option), so
    that many near-useless options do not crowd out the status quo. A partner consents to a
    deeper tie, and each treaty member to an accession, with the binary logit probability of
    its own gain: mutual consent to form a tie, unilateral to break it (pairwise stability).

    References (docs/ODD.md, "References"):
        McFadden (1978): the nested logit.
        McKelvey & Palfrey (1995): quantal-response (logit) choice.
        Jackson & Wolinsky (1996): pairwise stability, mutual consent to form, unilateral to
        break.
    """

    name = "expected_utility"

    def options(self, view: ModelView, i: int):
        """State i's options this year and what each gains it (fraction of GDP).

        Returns:
            ``(partners, new_levels, exits, joins, deltas, gains)``: the tie options (partner
            and new level), the treaties it may leave and ask to join, the (m, 7) term changes
            of every option in that order, and their (m,) gains net of the cost of the change.
        """
        row = view.levels[i]
        partners, new_levels = alignment.candidate_changes(row, i, view.treaty_levels[i])
        deltas = payoffs.tie_change_deltas(i, row, partners, new_levels, view.ctx)
        exits, joins = view.treaty_options(i)
        if exits or joins:
            rows = view.treaty_rows(i, exits, joins)
            deltas = np.vstack([deltas, payoffs.row_change_deltas(i, row, rows, view.ctx)])
        n_ties, n_exits = len(partners), len(exits)
        gains = self.value(deltas) if deltas.shape[0] else np.zeros(0)
        gains[:n_ties] -= self.config.tie_change_cost
        gains[n_ties : n_ties + n_exits] -= [view.exit_cost(i, name) for name in exits]
        gains[n_ties + n_exits :] -= self.config.tie_change_cost
        return partners, new_levels, exits, joins, deltas, gains

    def decide(self, view: ModelView, i: int) -> None:
        """Score every option, draw one by the nested logit (one draw), and carry it out."""
        options = self.options(view, i)
        if options[4].shape[0] == 0:
            return
        self.carry_out(view, i, self.choose(view, i, options), options)

    def choose(self, view: ModelView, i: int, options: tuple) -> int:
        """The option state i takes (an index into ``options``, or ``alignment.KEEP``): one
        draw of the nested logit over the options' gains."""
        gains = options[5]
        return alignment.logit_choice(gains * 100, self.config.temperature_pct_gdp, view.rng)

    def carry_out(self, view: ModelView, i: int, choice: int, options: tuple) -> None:
        """Carry out option ``choice`` of ``options`` (what ``options`` returned) for state i:
        propose a deeper tie, loosen one, leave a treaty or apply to join one."""
        if choice == alignment.KEEP:
            return
        partners, new_levels, exits, joins, deltas, _ = options
        n_ties, n_exits = len(partners), len(exits)
        row = view.levels[i]
        delta = self.terms(deltas[choice])
        if choice < n_ties:
            j, new_level = int(partners[choice]), int(new_levels[choice])
            if new_level > row[j]:
                self.propose(view, i, j, new_level, delta)
            else:
                view.loosen(i, j, new_level, delta)
        elif choice < n_ties + n_exits:
            view.exit_treaty(i, exits[choice - n_ties], delta)
        else:
            self.apply_to_join(view, i, joins[choice - n_ties - n_exits], delta)

    def tie_probabilities(
        self, view: ModelView, i: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The probability that state i chooses each tie option this year, at the current state
        (the nested logit of ``decide``).

        Returns:
            ``(partners, new_levels, probability)``, one entry per tie option.
        """
        partners, new_levels, _, _, _, gains = self.options(view, i)
        probs = alignment.logit_probabilities(gains * 100, self.config.temperature_pct_gdp)[1:]
        return partners, new_levels, probs[: len(partners)]

    def proposal_odds(self, view: ModelView) -> np.ndarray:
        """(n, n) ``[i, j]``: the probability that i proposes this year to deepen its tie with
        j, at the current state (its own choice, before j's consent)."""
        n = view.levels.shape[0]
        propose = np.zeros((n, n))
        for i in range(n):
            partners, new_levels, probs = self.tie_probabilities(view, i)
            up = new_levels > view.levels[i, partners]
            propose[i, partners[up]] = probs[up]
        return propose

    def deepening_odds(self, view: ModelView) -> np.ndarray:
        """(n, n) the probability that each tie deepens this year, at the current state:
        either side proposes it (``tie_probabilities``) and the other consents (the binary
        logit of its gain net of the change cost). A measure of the model's odds of alignment
        that needs no sampling (the order of the year's other decisions is ignored)."""
        n = view.levels.shape[0]
        propose = self.proposal_odds(view)
        accept = np.zeros((n, n))  # [j, i]: j consents to i's proposal
        for j in range(n):
            asking = np.flatnonzero(propose[:, j] > 0)
            if asking.size == 0:
                continue
            row = view.levels[j]
            deltas = payoffs.tie_change_deltas(j, row, asking, row[asking] + 1, view.ctx)
            gains = self.value(np.array([self.terms(d) for d in deltas]))
            gains = gains - self.config.tie_change_cost
            accept[j, asking] = alignment.accept_probability(
                gains * 100, self.config.temperature_pct_gdp
            )
        return propose * accept.T + (propose * accept.T).T

    def consent(self, view: ModelView, j: int, i: int, new_level: int) -> tuple[bool, np.ndarray]:
        """Whether state j agrees to deepen its tie with i to ``new_level`` (one draw: it
        agrees with the logit probability of its own gain), and the terms it weighed."""
        d = self.terms(view.single_change(j, i, new_level))
        gain = float(self.value(d[None, :])[0]) - self.config.tie_change_cost
        p_accept = alignment.accept_probability(gain * 100, self.config.temperature_pct_gdp)
        return bool(view.rng.random() < p_accept), d

    def propose(self, view: ModelView, i: int, j: int, new_level: int, delta: np.ndarray) -> None:
        """State i offers j a deeper tie; it deepens if j consents."""
        accepted, partner_delta = self.consent(view, j, i, new_level)
        if accepted:
            view.deepen(i, j, new_level, delta, partner_delta)
        else:
            view.decline(j, i, new_level, partner_delta, delta)

    def apply_to_join(self, view: ModelView, i: int, name: str, delta: np.ndarray) -> None:
        """State i applies to join treaty ``name``: every member whose tie with i would deepen
        is asked in turn, and the first refusal blocks the accession. A member already
        committed to i at the treaty's level has nothing at stake and is not asked."""
        members, level = view.treaty_members(name)
        for j in members:
            if view.levels[j, i] >= level:
                continue
            accepted, d = self.consent(view, j, i, level)
            if not accepted:
                view.block_accession(j, i, name, d, delta)
                return
        view.admit(i, name, delta)
