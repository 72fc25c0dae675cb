"""Alignment rules, one family per module, each a class in a registry (as strategies are in the
Axelrod library).

    from sim.rules import get_rule
    rule = get_rule("landscape")(params.alignment)   # then rule.decide(view, i) each year

Built in, in registration order:

* ``expected_utility`` (``sim.rules.expected_utility.ExpectedUtility``): nested-logit choice
  over the payoff terms, with consent to deepen and to join;
* ``landscape`` (``sim.rules.landscape.Landscape``): Axelrod & Bennett's (1993) landscape theory;
* ``balance_of_threat`` (``sim.rules.balance_of_threat.BalanceOfThreat``): the expected-utility
  machinery with security as the only payoff (Walt 1987).

Adding a rule: a new module here with an ``AlignmentRule`` subclass decorated with
``@register``, imported below. ``RULES`` is the tuple of registered names (read it when needed:
it includes rules registered later).
"""

from __future__ import annotations

# Importing a rule's module registers it: this order is the registration order (RULES).
# isort: off
from sim.rules import expected_utility  # noqa: F401
from sim.rules import landscape  # noqa: F401
from sim.rules import balance_of_threat  # noqa: F401

# isort: on
from sim.rules.base import AlignmentRule, ModelView
from sim.rules.registry import get_rule, known_rules, register, unregister

__all__ = [
    "RULES",
    "AlignmentRule",
    "ModelView",
    "get_rule",
    "known_rules",
    "register",
    "unregister",
]


def __getattr__(name: str):
    """``RULES``: the registered rule names, in registration order (computed when read)."""
    if name == "RULES":
        return known_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
