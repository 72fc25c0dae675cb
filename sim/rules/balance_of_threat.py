"""The ``balance_of_threat`` rule: the expected-utility machinery with security as the only
payoff. See docs/ODD.md, 7.12."""

from __future__ import annotations

import numpy as np

from sim.core.payoffs import ALIGNMENT_TERMS
from sim.rules.expected_utility import ExpectedUtility
from sim.rules.registry import register

RELATIONSHIP = ALIGNMENT_TERMS.index("relationship")


@register
class BalanceOfThreat(ExpectedUtility):
    """Balance of threat: states align against the capability that threatens them, and nothing
    else counts.

    The options, the nested-logit choice, consent and the treaty exit cost are those of
    ``ExpectedUtility``; a state's gain is the change in its security term alone (theta times the
    log of its security, where threat weighs the hostile capability by proximity and hostility;
    ``sim.core.payoffs``), plus the relationship values calibrated so that the 2024 ties are a
    rest point (``sim.core.calibration``). Entrapment, autonomy, coercion, affinity and side
    payments are not weighed, nor shown in the recorded reasons.

    References (docs/ODD.md, "References"):
        Walt (1987): states balance against threats (power, proximity, offensive capability and
        intentions), not against power alone.
    """

    name = "balance_of_threat"

    def value(self, deltas: np.ndarray) -> np.ndarray:
        """(m,) the change in security (and in the calibrated relationship value that makes
        2024 a rest point)."""
        return deltas[:, 0] + deltas[:, RELATIONSHIP]

    def terms(self, deltas: np.ndarray) -> np.ndarray:
        """The security change, every other term but the relationship value zeroed (so the
        reasons match the decision)."""
        out = np.zeros_like(deltas)
        out[..., 0] = deltas[..., 0]
        out[..., RELATIONSHIP] = deltas[..., RELATIONSHIP]
        return out
