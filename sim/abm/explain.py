"""Plain-words reasons for decisions, from the payoff terms that drove them.

Every recorded decision carries the change in each utility term (``sim.core.payoffs``), in % of
GDP equivalent; these helpers turn them into sentences such as
"KOR declined a formal tie with JPN: coercion cost 0.31 > security gain 0.22 (net -0.09, % of
GDP)".
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
    "affinity": "affinity gain",
    "relationship": "relationship value",
    "side_payments": "side payments",
}
COST_WORDS = {
    "security": "security lost",
    "entrapment": "entrapment cost",
    "autonomy": "autonomy cost",
    "coercion": "coercion cost",
    "affinity": "affinity loss",
    "relationship": "relationship value lost",
    "side_payments": "side payments lost",
}


WORDING_DECIMALS = 9
"""Term changes are rounded to 1e-9 % of GDP before they are worded or rounded for display, so
that the last bits of a sum (which the two engines add in different orders) never change the
words: 0.015 computed as 0.0149999999999 or 0.0150000000001 is written the same way."""


def in_percent(delta: np.ndarray) -> np.ndarray:
    """Term changes (fraction of GDP) in % of GDP, rounded to ``WORDING_DECIMALS``."""
    return np.round(np.asarray(delta, dtype=float) * 100, WORDING_DECIMALS)


def terms_json(delta: np.ndarray) -> str:
    """The term changes (fraction of GDP) as JSON in % of GDP, rounded (a change that rounds
    to zero is written 0.0, whatever its sign)."""
    pct = in_percent(delta)
    return json.dumps(
        {t: round(float(v), 4) + 0.0 for t, v in zip(ALIGNMENT_TERMS, pct, strict=True)}
    )


def balance(delta: np.ndarray, cost: float = 0.0, threshold: float = 0.005) -> str:
    """The terms that weighed, in % of GDP, written so that the inequality is the net result:
    'coercion cost 0.31 > security gain 0.22 (net -0.09)' or 'security gain 0.40 > autonomy
    cost 0.10 + coercion cost 0.05 (net +0.25)'. ``cost`` (fraction of GDP) is what the change
    costs beyond the terms (the cost of changing a tie, of leaving a treaty), listed among the
    costs and counted in the net. Terms below ``threshold`` are left out."""
    pct = in_percent(delta)
    net = float(pct.sum()) - 100 * cost
    order = np.argsort(-np.abs(pct))
    gains = [f"{GAIN_WORDS[ALIGNMENT_TERMS[k]]} {pct[k]:.2f}" for k in order if pct[k] >= threshold]
    costs = [
        f"{COST_WORDS[ALIGNMENT_TERMS[k]]} {-pct[k]:.2f}" for k in order if pct[k] <= -threshold
    ]
    if 100 * cost >= threshold:
        costs.append(f"cost of the change {100 * cost:.2f}")
    gain_text = " + ".join(gains) or "no gain"
    cost_text = " + ".join(costs) or "no cost"
    if abs(net) < threshold:
        return f"{gain_text} ~ {cost_text} (net {abs(net):.3f} or less, % of GDP)"
    if net > 0:
        return f"{gain_text} > {cost_text} (net {net:+.2f}, % of GDP)"
    return f"{cost_text} > {gain_text} (net {net:+.2f}, % of GDP)"


def article(word: str) -> str:
    """'an alignment', 'a partnership', 'a formal'."""
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def at_a_loss(who: str, delta: np.ndarray, cost: float = 0.0) -> str:
    """' (JPN chose it at a loss: bounded rationality)' when the net change (less ``cost``) is
    negative."""
    loss = float(in_percent(delta).sum()) - round(100 * cost, WORDING_DECIMALS) < 0
    return f" ({who} chose it at a loss: bounded rationality)" if loss else ""


def loosening(actor: str, partner: str, level: int, delta: np.ndarray, cost: float = 0.0) -> str:
    """Sentence for a loosened tie: 'AUS ended its tie with JPN: ...' or 'AUS loosened its tie
    with JPN to an alignment: ...'."""
    what = (
        f"ended its tie with {partner}"
        if level == 0
        else f"loosened its tie with {partner} to {article(LEVELS[level])}"
    )
    return f"{actor} {what}: {balance(delta, cost)}{at_a_loss(actor, delta, cost)}"
