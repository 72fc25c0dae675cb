"""Camps of a year's alignment network: groups of states linked by formal ties, and partners.

A camp is a connected group of states linked by formal (collective defence) ties, named after
its member with the largest defence budget. A state outside every camp is a partner of a camp
when its partnership or formal ties reach members of that camp only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex, to_rgb

CAMP_COLOURS = ("#4c72b0", "#c44e52", "#55a868", "#8172b2", "#ccb974", "#64b5cd", "#da8bc3")
UNALIGNED_COLOUR = "#bdbdbd"
BETWEEN_COLOUR = "#e0c9a6"  # partner of several camps
PARTNER_TINT = 0.55  # share of white mixed into a camp colour for its partners


def camps(isos: Sequence[str], ties: pd.DataFrame, min_level: int = 3) -> list[set[str]]:
    """Connected groups of states linked by ties of at least ``min_level``.

    Args:
        isos: All states.
        ties: Tie rows (``a``, ``b``, ``level``) of one year.
        min_level: The lowest tie level that links two states (3 = formal).

    Returns:
        The groups with two or more members, largest first (ties broken by smallest iso3).
    """
    parent = {i: i for i in isos}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    strong = ties[ties["level"].astype(float) >= min_level] if len(ties) else ties
    for a, b in zip(strong["a"].astype(str), strong["b"].astype(str), strict=True):
        for x in (a, b):
            parent.setdefault(x, x)
        parent[find(a)] = find(b)
    groups: dict[str, set[str]] = {}
    for i in parent:
        groups.setdefault(find(i), set()).add(i)
    found = [g for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: (-len(g), min(g)))


def classify_states(
    isos: Sequence[str], ties: pd.DataFrame, budget: Mapping[str, float]
) -> dict[str, tuple[str, str]]:
    """Each state's camp and role in one year.

    Args:
        isos: All states.
        ties: Tie rows (``a``, ``b``, ``level``) of one year.
        budget: Defence budget per state, to name each camp after its largest member.

    Returns:
        iso3 -> ``(leader, role)``: role ``"member"`` (formal ties link it to the camp of
        ``leader``), ``"partner"`` (outside every camp, a partnership or formal tie with members of
        one camp only), ``"between"`` (such ties with several camps) or ``"none"``; the leader is
        ``""`` for the last two.
    """
    leader: dict[str, str] = {}
    for group in camps(isos, ties):
        lead = max(sorted(group), key=lambda i: budget.get(i, 0.0))
        leader.update(dict.fromkeys(group, lead))
    partner_of: dict[str, set[str]] = {}
    strong = ties[ties["level"].astype(float) >= 2] if len(ties) else ties
    for a, b in zip(strong["a"].astype(str), strong["b"].astype(str), strict=True):
        for x, y in ((a, b), (b, a)):
            if x not in leader and y in leader:
                partner_of.setdefault(x, set()).add(leader[y])
    out: dict[str, tuple[str, str]] = {}
    for iso in isos:
        leads = partner_of.get(iso, set())
        if iso in leader:
            out[iso] = (leader[iso], "member")
        elif len(leads) == 1:
            out[iso] = (next(iter(leads)), "partner")
        else:
            out[iso] = ("", "between" if leads else "none")
    return out


def camp_colours(classes: Sequence[Mapping[str, tuple[str, str]]]) -> dict[str, str]:
    """A stable colour per camp leader over all figures of the run (largest camps first)."""
    size: dict[str, int] = {}
    for year_classes in classes:
        counts: dict[str, int] = {}
        for lead, role in year_classes.values():
            if role == "member":
                counts[lead] = counts.get(lead, 0) + 1
        for lead, n in counts.items():
            size[lead] = max(size.get(lead, 0), n)
    ordered = sorted(size, key=lambda k: (-size[k], k))
    return {lead: CAMP_COLOURS[k % len(CAMP_COLOURS)] for k, lead in enumerate(ordered)}


def node_colour(lead: str, role: str, colours: Mapping[str, str]) -> str:
    if role == "member":
        return colours[lead]
    if role == "partner":
        rgb = np.array(to_rgb(colours[lead]))
        return to_hex(rgb + (1 - rgb) * PARTNER_TINT)
    return BETWEEN_COLOUR if role == "between" else UNALIGNED_COLOUR
