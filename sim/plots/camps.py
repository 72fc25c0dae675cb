"""Camps of a year's alignment network: the great power each state is most strongly tied to.

Chains of formal ties can link every state into one connected group (a NATO member with a formal
tie to China merges the US and China "camps"), so a camp is not a connected component. Instead
each great power (by default the United States, China and Russia) heads its own camp, and every
other state belongs to the camp of the great power it has its strongest direct tie with:

* ``formal``: its strongest tie is a formal one (collective defence, treaty or bilateral);
* ``informal``: its strongest tie with a great power is a partnership or an alignment;
* ``between``: it is tied equally strongly to great powers on rival sides (say, formal ties with
  both the United States and China);
* ``none``: it has no tie with any great power (non-aligned).

Great powers linked to each other by a partnership or a formal tie are on the same side (China
and Russia, typically); a state tied equally to two great powers of one side joins the camp of
the one with the larger 2024 defence budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex, to_rgb

GREAT_POWERS: tuple[str, ...] = ("USA", "CHN", "RUS")
GREAT_POWER_COLOURS: dict[str, str] = {"USA": "#3b6fb6", "CHN": "#c0392b", "RUS": "#e67e22"}
EXTRA_COLOURS = ("#55a868", "#8172b2", "#937860", "#da8bc3", "#64b5cd")
UNALIGNED_COLOUR = "#bdbdbd"
BETWEEN_COLOUR = "#a1d99b"  # tied equally to rival great powers (light green)
PARTNER_TINT = 0.6  # share of white mixed into a camp colour for informally tied states
ROLES = ("great power", "formal", "informal", "between", "none")


def _pair_levels(ties: pd.DataFrame) -> dict[tuple[str, str], int]:
    """The highest level of each pair (both orders) in ``ties``."""
    levels: dict[tuple[str, str], int] = {}
    if len(ties) == 0:
        return levels
    for a, b, level in zip(
        ties["a"].astype(str), ties["b"].astype(str), ties["level"].astype(int), strict=True
    ):
        for key in ((a, b), (b, a)):
            levels[key] = max(levels.get(key, 0), level)
    return levels


def great_power_sides(great_powers: Sequence[str], ties: pd.DataFrame) -> dict[str, int]:
    """Group great powers into sides: two linked by a partnership or formal tie share a side.

    Args:
        great_powers: iso3 codes of the great powers in the run.
        ties: Tie rows (``a``, ``b``, ``level``) of one year.

    Returns:
        iso3 -> side number (the index in ``great_powers`` of the first great power of the side).
    """
    levels = _pair_levels(ties)
    side = {g: k for k, g in enumerate(great_powers)}
    changed = True
    while changed:
        changed = False
        for g in great_powers:
            for h in great_powers:
                if levels.get((g, h), 0) >= 2 and side[g] != side[h]:
                    side[g] = side[h] = min(side[g], side[h])
                    changed = True
    return side


def classify_states(
    isos: Sequence[str],
    ties: pd.DataFrame,
    budget: Mapping[str, float],
    great_powers: Sequence[str] = GREAT_POWERS,
) -> dict[str, tuple[str, str]]:
    """Each state's camp and role in one year (see the module docstring).

    Args:
        isos: All states.
        ties: Tie rows (``a``, ``b``, ``level``) of one year.
        budget: Defence budget per state, to choose between two great powers of one side.
        great_powers: iso3 codes of the great powers that head camps (absent ones are ignored).

    Returns:
        iso3 -> ``(great power, role)`` with role one of :data:`ROLES`; the great power is
        ``""`` for the roles ``between`` and ``none``.
    """
    present = [g for g in dict.fromkeys(great_powers) if g in set(isos)]
    levels = _pair_levels(ties)
    side = great_power_sides(present, ties)
    out: dict[str, tuple[str, str]] = {}
    for iso in isos:
        if iso in present:
            out[iso] = (iso, "great power")
            continue
        by_power = {g: levels.get((iso, g), 0) for g in present}
        best = max(by_power.values(), default=0)
        if best == 0:
            out[iso] = ("", "none")
            continue
        strongest = [g for g in present if by_power[g] == best]
        if len({side[g] for g in strongest}) > 1:
            out[iso] = ("", "between")
            continue
        lead = max(strongest, key=lambda g: (budget.get(g, 0.0), -present.index(g)))
        out[iso] = (lead, "formal" if best >= 3 else "informal")
    return out


def camp_colours(great_powers: Sequence[str]) -> dict[str, str]:
    """A fixed colour per great power (USA blue, China red, Russia orange, others after)."""
    extra = iter(EXTRA_COLOURS * 4)
    return {g: GREAT_POWER_COLOURS.get(g) or next(extra) for g in dict.fromkeys(great_powers)}


def node_colour(lead: str, role: str, colours: Mapping[str, str]) -> str:
    """The face colour of a node with camp ``lead`` and ``role``."""
    if role in ("great power", "formal"):
        return colours[lead]
    if role == "informal":
        rgb = np.array(to_rgb(colours[lead]))
        return to_hex(rgb + (1 - rgb) * PARTNER_TINT)
    return BETWEEN_COLOUR if role == "between" else UNALIGNED_COLOUR
