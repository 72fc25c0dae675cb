"""Coalition detection: formal blocs, the 'Asian NATO' and 'NATO-Asia link' predicates,
burden shares and polarisation.

A formal multilateral bloc is a maximal clique (size >= 3) of formal (collective-defence) ties:
every pair of members is formally committed to every other. Cliques may overlap, as real
alliances do (the US is in NATO and in its Asian treaties). Cliques are found with the
Bron-Kerbosch algorithm with pivoting (Bron & Kerbosch 1973; Tomita et al. 2006).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def maximal_cliques(adjacency: np.ndarray, min_size: int = 3) -> list[tuple[int, ...]]:
    """All maximal cliques of an undirected graph.

    Bron-Kerbosch with Tomita pivoting, on integer bitsets (fast for the few dozen states of
    a world).

    Args:
        adjacency: (n, n) symmetric bool matrix (diagonal ignored).
        min_size: smallest clique reported.

    Returns:
        Sorted list of cliques, each a sorted tuple of node indices.

    References:
        Bron & Kerbosch (1973): the recursive enumeration of all maximal cliques, growing a
            clique from candidate and excluded sets.
        Tomita et al. (2006): choosing as pivot the vertex with most neighbours among the
            candidates, which bounds the worst-case running time.

    Examples:
        Two triangles sharing the edge 1-2, and a pendant edge 3-4:

        >>> adj = np.zeros((5, 5), dtype=bool)
        >>> for i, j in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (3, 4)]:
        ...     adj[i, j] = adj[j, i] = True
        >>> maximal_cliques(adj)
        [(0, 1, 2), (1, 2, 3)]
        >>> maximal_cliques(adj, min_size=2)
        [(0, 1, 2), (1, 2, 3), (3, 4)]
    """
    adj = np.asarray(adjacency, dtype=bool)
    n = adj.shape[0]
    neighbours = [0] * n
    for i in range(n):
        mask = 0
        for j in np.flatnonzero(adj[i]):
            if j != i:
                mask |= 1 << int(j)
        neighbours[i] = mask
    cliques: list[tuple[int, ...]] = []

    def members(bits: int) -> list[int]:
        out = []
        while bits:
            low = bits & -bits
            out.append(low.bit_length() - 1)
            bits ^= low
        return out

    def expand(r: int, p: int, x: int) -> None:
        if not p and not x:
            if r.bit_count() >= min_size:
                cliques.append(tuple(members(r)))
            return
        pivot = max(members(p | x), key=lambda u: (neighbours[u] & p).bit_count())
        for v in members(p & ~neighbours[pivot]):
            bit = 1 << v
            expand(r | bit, p & neighbours[v], x & neighbours[v])
            p &= ~bit
            x |= bit

    candidates = (1 << n) - 1
    expand(0, candidates, 0)
    return sorted(cliques)


def is_asian_nato(
    members: Iterable[str], hub: str, candidates: Sequence[str], min_candidates: int
) -> bool:
    """Whether a formal bloc counts as an 'Asian NATO'.

    Args:
        members: iso3 codes of the bloc.
        hub: the state that must belong (by default the United States).
        candidates: the regional states that count (by default JPN, KOR, AUS, PHL).
        min_candidates: how many of them must belong (by default 3).

    Examples:
        >>> is_asian_nato(["USA", "JPN", "KOR", "AUS"], "USA", ["JPN", "KOR", "AUS", "PHL"], 3)
        True
        >>> is_asian_nato(["JPN", "KOR", "AUS", "PHL"], "USA", ["JPN", "KOR", "AUS", "PHL"], 3)
        False
    """
    members = set(members)
    return hub in members and len(members.intersection(candidates)) >= min_candidates


def burden_shares(spending: np.ndarray, members: Sequence[int]) -> np.ndarray:
    """Each member's share of the members' total defence spending (0-1).

    References:
        Olson & Zeckhauser (1966): the largest members of an alliance carry a disproportionate
            share of its burden; these shares are how that is measured.

    Examples:
        >>> burden_shares(np.array([6.0, 3.0, 1.0, 5.0]), [0, 1, 2]).tolist()
        [0.6, 0.3, 0.1]
    """
    s = np.asarray(spending, dtype=float)[list(members)]
    total = s.sum()
    return s / total if total > 0 else np.full(s.size, np.nan)


def blocs(levels: np.ndarray, min_level: int = 2) -> np.ndarray:
    """Connected components of the graph of ties at or above ``min_level``.

    Returns:
        (n,) int bloc label per state (isolated states get their own label); labels are
        numbered by first appearance.

    Examples:
        >>> levels = np.array([[0, 3, 0, 0], [3, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
        >>> blocs(levels).tolist()
        [0, 0, 1, 2]
    """
    adj = np.asarray(levels) >= min_level
    n = adj.shape[0]
    label = np.full(n, -1)
    current = 0
    for start in range(n):
        if label[start] >= 0:
            continue
        stack = [start]
        label[start] = current
        while stack:
            u = stack.pop()
            for v in np.flatnonzero(adj[u]):
                if label[v] < 0:
                    label[v] = current
                    stack.append(v)
        current += 1
    return label


def camps(levels: np.ndarray, pole_a: Sequence[int], pole_b: Sequence[int]) -> np.ndarray:
    """Which of two poles each state leans to.

    A state joins the camp of the pole it holds the deeper tie with (the deepest tie to any of
    that pole's states); equal depth, or no tie at all, leaves it non-aligned. The poles'
    states belong to their own camps.

    Args:
        levels: (n, n) commitment levels.
        pole_a: indices of the first pole (e.g. the United States).
        pole_b: indices of the second pole (e.g. China and Russia).

    Returns:
        (n,) int: 0 camp A, 1 camp B, -1 non-aligned.

    Examples:
        Poles 0 and 1; state 2 leans to pole 0, state 3 is tied equally to both:

        >>> levels = np.array([[0, 0, 3, 1], [0, 0, 1, 1], [3, 1, 0, 0], [1, 1, 0, 0]])
        >>> camps(levels, [0], [1]).tolist()
        [0, 1, 0, -1]
    """
    levels = np.asarray(levels)
    a = levels[:, list(pole_a)].max(axis=1) if len(pole_a) else np.zeros(levels.shape[0])
    b = levels[:, list(pole_b)].max(axis=1) if len(pole_b) else np.zeros(levels.shape[0])
    label = np.where(a > b, 0, np.where(b > a, 1, -1))
    label[list(pole_a)] = 0
    label[list(pole_b)] = 1
    return label


def polarisation(
    levels: np.ndarray,
    capability: np.ndarray,
    pole_a: Sequence[int] | None = None,
    pole_b: Sequence[int] | None = None,
    min_level: int = 3,
) -> float:
    """Bipolarity of the system, 0-1: ``2 * min(c_A, c_B)``.

    With two poles given (the US; China and Russia), c_A and c_B are the shares of total
    capability in each camp (``camps``): 1 when two equal camps hold everything, 0 when one camp
    holds nothing or everything is non-aligned. Without poles, the camps are the two largest
    blocs (connected components of ties at or above ``min_level``). An assumption of the model:
    one of many possible polarity measures (cf. Wayman 1984).

    References:
        Wayman (1984): polarity read both from the concentration of capability and from the
            pattern of alliances; this measure combines the two in one simple index.

    Examples:
        Two poles of capability 4 and 3; state 2 (capability 1) leans to the first, state 3
        (capability 2) to neither. The smaller camp holds 3 / 10 of all capability:

        >>> levels = np.array([[0, 0, 3, 0], [0, 0, 0, 0], [3, 0, 0, 0], [0, 0, 0, 0]])
        >>> polarisation(levels, np.array([4.0, 3.0, 1.0, 2.0]), [0], [1])
        0.6
    """
    capability = np.asarray(capability, dtype=float)
    total = capability.sum()
    if total <= 0:
        return 0.0
    if pole_a is not None and pole_b is not None and len(pole_a) and len(pole_b):
        label = camps(levels, pole_a, pole_b)
        c_a = capability[label == 0].sum() / total
        c_b = capability[label == 1].sum() / total
        return float(2.0 * min(c_a, c_b))
    labels = blocs(levels, min_level)
    sizes = np.bincount(labels, weights=capability) / total
    if sizes.size < 2:
        return 0.0
    top = np.sort(sizes)[::-1][:2]
    return float(2.0 * top[1])
