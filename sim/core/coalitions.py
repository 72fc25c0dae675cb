"""Coalition detection: formal blocs, the 'Asian NATO' and 'NATO-Asia link' predicates,
burden shares and polarisation.

A formal multilateral bloc is a maximal clique (size >= 3) of formal (collective-defence) ties:
every pair of members is formally committed to every other. Cliques may overlap, as real
alliances do (the US is in NATO and in its Asian treaties). Cliques are found with the
Bron-Kerbosch algorithm with pivoting (Bron & Kerbosch 1973; Tomita et al. 2006); a run asks
every year, through ``CliqueCache``, which searches again only when the formal ties changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def maximal_cliques(adjacency: np.ndarray, min_size: int = 3) -> list[tuple[int, ...]]:
    """All maximal cliques of an undirected graph.

    Bron-Kerbosch with Tomita pivoting, on integer bitsets (fast for the few dozen states of
    a world). States with fewer than ``min_size - 1`` neighbours among the rest are set aside
    first (repeatedly: the graph's ``min_size - 1``-core); they belong to no clique large
    enough to report, nor can they extend one.

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
    neighbours = _neighbour_bits(adjacency)
    candidates = _core(neighbours, min_size - 1)
    cliques: list[tuple[int, ...]] = []

    def expand(r: int, p: int, x: int) -> None:
        if not p:
            if not x and r.bit_count() >= min_size:
                cliques.append(tuple(_members(r)))
            return
        # Tomita's pivot: most neighbours among the candidates (stop at the most possible)
        best, pivot, most = -1, 0, p.bit_count()
        bits = p | x
        while bits:
            low = bits & -bits
            bits ^= low
            u = low.bit_length() - 1
            count = (neighbours[u] & p).bit_count()
            if count > best:
                best, pivot = count, u
                if count >= most - 1:
                    break
        for v in _members(p & ~neighbours[pivot]):
            bit = 1 << v
            expand(r | bit, p & neighbours[v], x & neighbours[v])
            p &= ~bit
            x |= bit

    if candidates:
        expand(0, candidates, 0)
    return sorted(cliques)


def _neighbour_bits(adjacency: np.ndarray) -> list[int]:
    """Each node's neighbours as an integer bitset (bit j: node j), self-loops dropped.

    Examples:
        >>> _neighbour_bits(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=bool))
        [2, 5, 2]
    """
    adj = np.array(adjacency, dtype=bool)
    n = adj.shape[0]
    if n == 0:
        return []
    np.fill_diagonal(adj, False)
    packed = np.packbits(adj, axis=1, bitorder="little")
    width = packed.shape[1]
    raw = packed.tobytes()
    return [int.from_bytes(raw[i * width : (i + 1) * width], "little") for i in range(n)]


def _core(neighbours: list[int], k: int) -> int:
    """The nodes of the ``k``-core (bitset): repeatedly drop nodes with fewer than ``k``
    neighbours among those kept.

    Examples:
        A triangle 0-1-2 with a pendant node 3 attached to 2:

        >>> bin(_core([0b0110, 0b0101, 0b1011, 0b0100], 2))
        '0b111'
    """
    keep = (1 << len(neighbours)) - 1
    if k <= 0:
        return keep
    changed = True
    while changed:
        changed = False
        for v in _members(keep):
            if (neighbours[v] & keep).bit_count() < k:
                keep &= ~(1 << v)
                changed = True
    return keep


def _members(bits: int) -> list[int]:
    """The set bits of ``bits``, in increasing order.

    Examples:
        >>> _members(0b10110)
        [1, 2, 4]
    """
    out = []
    while bits:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


class CliqueCache:
    """``maximal_cliques`` of the last graph asked about, recomputed only when the graph (or
    ``min_size``) differs from it: formal ties change in few years, and a run asks every year.

    Examples:
        >>> cache = CliqueCache()
        >>> adj = np.ones((3, 3), dtype=bool)
        >>> cache(adj), cache.computed
        ([(0, 1, 2)], 1)
        >>> cache(adj.copy()), cache.computed
        ([(0, 1, 2)], 1)
        >>> adj[0, 1] = adj[1, 0] = False
        >>> cache(adj), cache.computed
        ([], 2)
    """

    def __init__(self) -> None:
        self.graph: np.ndarray | None = None
        self.min_size = 0
        self.cliques: list[tuple[int, ...]] = []
        self.computed = 0  # how many times the cliques were searched for

    def __call__(self, adjacency: np.ndarray, min_size: int = 3) -> list[tuple[int, ...]]:
        """``maximal_cliques(adjacency, min_size)`` (a new list; the cliques are tuples)."""
        adj = np.asarray(adjacency, dtype=bool)
        same = (
            self.graph is not None
            and min_size == self.min_size
            and self.graph.shape == adj.shape
            and np.array_equal(self.graph, adj)
        )
        if not same:
            self.cliques = maximal_cliques(adj, min_size)
            self.graph, self.min_size = adj.copy(), min_size
            self.computed += 1
        return list(self.cliques)


BLOC_CONTINUITY = 0.5
"""The least overlap (members in both over members in either: Jaccard) at which a clique of
this year continues a bloc of last year under its name (``match_blocs``)."""


def match_blocs(
    old: Iterable[frozenset[int]], cliques: Iterable[frozenset[int]]
) -> tuple[list[tuple[frozenset[int], frozenset[int] | None]], list[frozenset[int]]]:
    """Which of last year's blocs (``old``) each of this year's cliques continues.

    Cliques and old blocs are paired by overlap, the largest first (ties: the larger clique,
    then the members in order), each at most once, while the overlap is at least
    ``BLOC_CONTINUITY``. A clique with the very members of an old bloc (overlap 1) thus
    continues it, and a clique that only shares some members with an old bloc does not take
    the name of an old bloc that goes on unchanged beside it.

    Returns:
        Each clique with the old bloc it continues (None: a new bloc), the largest cliques
        first (then by members), and the old blocs no clique continues (by members).

    Examples:
        >>> usa_aus_phl, usa_jpn_phl = frozenset({0, 3, 4}), frozenset({0, 1, 4})
        >>> pairs, ended = match_blocs([usa_aus_phl], [usa_jpn_phl, usa_aus_phl])
        >>> [(sorted(c), None if o is None else sorted(o)) for c, o in pairs]
        [([0, 1, 4], None), ([0, 3, 4], [0, 3, 4])]
        >>> ended
        []
    """
    left, cliques = set(old), set(cliques)
    continued: dict[frozenset[int], frozenset[int]] = {}
    pairs = sorted(
        ((len(c & o) / len(c | o), c, o) for c in cliques for o in left),
        key=lambda x: (-x[0], -len(x[1]), sorted(x[1]), sorted(x[2])),
    )
    for overlap, c, o in pairs:
        if overlap < BLOC_CONTINUITY:
            break
        if c not in continued and o in left:
            continued[c] = o
            left.discard(o)
    order = sorted(cliques, key=lambda c: (-len(c), sorted(c)))
    return [(c, continued.get(c)) for c in order], sorted(left, key=sorted)


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
    s = np.asarray(spending, dtype=float)[np.asarray(members, dtype=np.intp)]
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
