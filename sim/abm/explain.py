"""Plain-words reasons for decisions, from the payoff terms that drove them.

Every recorded decision carries the change in each utility term (``sim.core.payoffs``), in % of
GDP equivalent; these helpers turn them into sentences such as
"KOR declined a formal tie with JPN: coercion cost 0.31 > security gain 0.22 (% of GDP)".
"""

from __future__ import annotations

import json

import numpy as np

from sim.core.payoffs import ALIGNMENT_TERMS
from sim.schema import LEVELS

GAIN_WORDS = {
    "security": "security gain",
    "entrapment": "entrapment relief",
    "autonomy": "autonomy regained",
    "coercion": "coercion relief",
    "affinity": "affinity",
    "side_payments": "side payments",
}
COST_WORDS = {
    "security": "security lost",
    "entrapment": "entrapment cost",
    "autonomy": "autonomy cost",
    "coercion": "coercion cost",
    "affinity": "animosity",
    "side_payments": "side payments lost",
}


def terms_json(delta: np.ndarray) -> str:
    """The term changes (fraction of GDP) as JSON in % of GDP, rounded."""
    return json.dumps(
        {t: round(float(v) * 100, 4) for t, v in zip(ALIGNMENT_TERMS, delta, strict=True)}
    )


def balance(delta: np.ndarray) -> str:
    """'largest cost X > largest gain Y' or the reverse, in % of GDP."""
    pct = np.asarray(delta) * 100
    gain_i, cost_i = int(np.argmax(pct)), int(np.argmin(pct))
    gain, cost = pct[gain_i], -pct[cost_i]
    g = f"{GAIN_WORDS[ALIGNMENT_TERMS[gain_i]]} {gain:.2f}" if gain > 0 else "no gain"
    c = f"{COST_WORDS[ALIGNMENT_TERMS[cost_i]]} {cost:.2f}" if cost > 0 else "no cost"
    if pct.sum() >= 0:
        return f"{g} > {c} (% of GDP)" if gain > 0 else "indifferent"
    return f"{c} > {g} (% of GDP)"


def tie_reason(verb: str, actor: str, partner: str, level: int, delta: np.ndarray) -> str:
    """Sentence for a tie decision, e.g. 'JPN deepened to a partnership with KOR: ...'."""
    return f"{actor} {verb} {LEVELS[level]} with {partner}: {balance(delta)}"
