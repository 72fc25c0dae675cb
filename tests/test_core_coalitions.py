"""Tests for sim.core.coalitions: cliques, the 'Asian NATO' predicates, burden shares, blocs and
polarisation. networkx is the independent reference for graph algorithms."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import SEEDS, graphs, random_levels

from sim.core import coalitions

PROPERTY = settings(deadline=None, max_examples=60)


def to_graph(adj: np.ndarray) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(adj.shape[0]))
    g.add_edges_from((i, j) for i, j in zip(*np.nonzero(adj), strict=True) if i < j)
    return g


def reference_cliques(adj: np.ndarray, min_size: int) -> list[tuple[int, ...]]:
    return sorted(tuple(sorted(c)) for c in nx.find_cliques(to_graph(adj)) if len(c) >= min_size)


# --------------------------------------------------------------------------------------------
# Maximal cliques
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(graphs(), st.sampled_from([2, 3, 4]))
def test_maximal_cliques_match_networkx(adj, min_size):
    assert coalitions.maximal_cliques(adj, min_size) == reference_cliques(adj, min_size)


def test_maximal_cliques_default_is_size_three_on_seeded_graphs():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = 25
        upper = np.triu(rng.random((n, n)) < 0.35, k=1)
        adj = upper | upper.T
        assert coalitions.maximal_cliques(adj) == reference_cliques(adj, 3)


def test_maximal_cliques_hand_cases():
    def adj_of(n, edges):
        a = np.zeros((n, n), dtype=bool)
        for i, j in edges:
            a[i, j] = a[j, i] = True
        return a

    # two triangles sharing the edge 1-2 (overlapping blocs, as real alliances)
    two = adj_of(4, [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)])
    assert coalitions.maximal_cliques(two) == [(0, 1, 2), (1, 2, 3)]
    # K4 is one bloc, not four triangles
    k4 = adj_of(4, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)])
    assert coalitions.maximal_cliques(k4) == [(0, 1, 2, 3)]
    # a path has no bloc of three; a single edge is a maximal 2-clique
    path = adj_of(3, [(0, 1), (1, 2)])
    assert coalitions.maximal_cliques(path) == []
    assert coalitions.maximal_cliques(path, min_size=2) == [(0, 1), (1, 2)]
    # the diagonal is ignored
    loops = k4 | np.eye(4, dtype=bool)
    assert coalitions.maximal_cliques(loops) == [(0, 1, 2, 3)]
    assert coalitions.maximal_cliques(np.zeros((0, 0), dtype=bool)) == []


def test_maximal_cliques_min_size_one_reports_isolated_nodes():
    adj = np.zeros((3, 3), dtype=bool)
    adj[0, 1] = adj[1, 0] = True
    assert coalitions.maximal_cliques(adj, min_size=1) == [(0, 1), (2,)]


# --------------------------------------------------------------------------------------------
# Asian NATO and the NATO-Asia link
# --------------------------------------------------------------------------------------------

ASIA = ("JPN", "KOR", "AUS", "PHL")


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (["USA", "JPN", "KOR", "AUS"], True),
        (["USA", "JPN", "KOR", "AUS", "PHL", "GBR"], True),
        (["USA", "JPN", "KOR"], False),  # only two candidates
        (["JPN", "KOR", "AUS", "PHL"], False),  # no hub
        (["USA", "JPN", "JPN", "KOR"], False),  # duplicates do not count twice
        (["USA", "GBR", "FRA", "DEU"], False),
    ],
)
def test_is_asian_nato(members, expected):
    assert coalitions.is_asian_nato(members, "USA", ASIA, 3) is expected


def test_is_asian_nato_accepts_any_iterable_and_threshold():
    assert coalitions.is_asian_nato(iter(["USA", "PHL"]), "USA", ASIA, 1)
    assert not coalitions.is_asian_nato({"USA", "PHL"}, "USA", ASIA, 2)
    assert coalitions.is_asian_nato(("CHN", "PRK", "RUS"), "CHN", ("PRK", "RUS"), 2)


# --------------------------------------------------------------------------------------------
# Burden shares
# --------------------------------------------------------------------------------------------


def test_burden_shares_hand_case():
    spending = np.array([900.0, 50.0, 30.0, 20.0, 77.0])
    np.testing.assert_allclose(
        coalitions.burden_shares(spending, [0, 1, 2, 3]), [0.9, 0.05, 0.03, 0.02]
    )
    np.testing.assert_allclose(coalitions.burden_shares(spending, (3, 1)), [20 / 70, 50 / 70])
    assert np.isnan(coalitions.burden_shares(np.zeros(3), [0, 1])).all()


@PROPERTY
@given(SEEDS, st.integers(1, 12))
def test_burden_shares_sum_to_one(seed, n):
    rng = np.random.default_rng(seed)
    spending = rng.uniform(0.0, 1000.0, size=n + 3)
    members = rng.choice(n + 3, size=n, replace=False)
    shares = coalitions.burden_shares(spending, members)
    assert shares.sum() == pytest.approx(1.0)
    assert ((shares >= 0) & (shares <= 1)).all()


# --------------------------------------------------------------------------------------------
# Blocs and polarisation
# --------------------------------------------------------------------------------------------


@PROPERTY
@given(SEEDS, st.integers(1, 15), st.integers(1, 3))
def test_blocs_are_connected_components(seed, n, min_level):
    rng = np.random.default_rng(seed)
    levels = random_levels(rng, n) * (rng.random((n, n)) < 0.3)
    levels = np.maximum(levels, levels.T)
    labels = coalitions.blocs(levels, min_level)
    components = nx.connected_components(to_graph(levels >= min_level))
    partition = {frozenset(c) for c in components}
    assert {frozenset(np.flatnonzero(labels == b).tolist()) for b in set(labels)} == partition
    # labels numbered by first appearance: 0, then each new label is the next integer
    first_seen = [labels[i] for i in range(n) if labels[i] not in labels[:i]]
    assert first_seen == list(range(len(first_seen)))


def test_blocs_hand_case():
    levels = np.zeros((5, 5), dtype=int)
    levels[0, 3] = levels[3, 0] = 2
    levels[1, 4] = levels[4, 1] = 1  # below the default partnership threshold
    np.testing.assert_array_equal(coalitions.blocs(levels), [0, 1, 2, 0, 3])
    np.testing.assert_array_equal(coalitions.blocs(levels, min_level=1), [0, 1, 2, 0, 1])


def formal_blocs(groups: list[list[int]], n: int) -> np.ndarray:
    levels = np.zeros((n, n), dtype=int)
    for g in groups:
        for i in g:
            for j in g:
                if i != j:
                    levels[i, j] = 3
    return levels


def test_polarisation_two_equal_blocs_is_one():
    levels = formal_blocs([[0, 1, 2], [3, 4]], 5)
    capability = np.array([100.0, 50.0, 50.0, 150.0, 50.0])  # 200 each
    assert coalitions.polarisation(levels, capability) == pytest.approx(1.0)


def test_polarisation_one_bloc_is_zero():
    levels = formal_blocs([[0, 1, 2, 3]], 4)
    assert coalitions.polarisation(levels, np.array([1.0, 2.0, 3.0, 4.0])) == 0.0
    assert coalitions.polarisation(np.zeros((1, 1)), np.array([5.0])) == 0.0


def test_polarisation_other_cases():
    # three equal blocs: the second holds a third, index 2/3
    levels = formal_blocs([[0, 1], [2, 3], [4, 5]], 6)
    assert coalitions.polarisation(levels, np.ones(6)) == pytest.approx(2 / 3)
    # no formal ties among four equal states: four blocs of a quarter each, index 1/2
    assert coalitions.polarisation(np.zeros((4, 4)), np.ones(4)) == pytest.approx(0.5)
    # partnerships do not make a formal bloc; one giant dwarfs the rest
    levels = np.full((3, 3), 2)
    assert coalitions.polarisation(levels, np.array([98.0, 1.0, 1.0])) == pytest.approx(0.02)
    assert coalitions.polarisation(levels, np.array([1.0, 1.0, 1.0]), min_level=2) == 0.0
    assert coalitions.polarisation(np.zeros((2, 2)), np.zeros(2)) == 0.0


@PROPERTY
@given(SEEDS, st.integers(1, 10))
def test_polarisation_in_unit_interval(seed, n):
    rng = np.random.default_rng(seed)
    value = coalitions.polarisation(random_levels(rng, n), rng.uniform(0, 100, size=n))
    assert 0.0 <= value <= 1.0


def test_camps_follow_the_deeper_tie():
    """Each state joins the pole it holds the deeper tie to; equal depth or no tie: neither."""
    from sim.core.coalitions import camps

    # 0 = hub, 1 and 2 = rival poles; 3 formal with 0; 4 partnership with 1, alignment with 0;
    # 5 alignment with both sides; 6 no tie
    levels = np.zeros((7, 7), dtype=int)
    for a, b, lv in [(0, 3, 3), (1, 4, 2), (0, 4, 1), (0, 5, 1), (2, 5, 1), (1, 2, 3)]:
        levels[a, b] = levels[b, a] = lv
    np.testing.assert_array_equal(camps(levels, [0], [1, 2]), [0, 1, 1, 0, 1, -1, -1])


def test_polarisation_over_camps_hand_case():
    """c_A = (10 + 30) / 100, c_B = (20 + 10) / 100: 2 * min = 0.6; non-aligned capability
    counts in the total only."""
    from sim.core.coalitions import polarisation

    levels = np.zeros((5, 5), dtype=int)
    levels[0, 2] = levels[2, 0] = 3  # state 2 with the hub
    levels[1, 3] = levels[3, 1] = 2  # state 3 with the rival
    capability = np.array([10.0, 20.0, 30.0, 10.0, 30.0])
    assert polarisation(levels, capability, [0], [1]) == pytest.approx(0.6)
    assert polarisation(np.zeros((5, 5), dtype=int), capability, [0], [1]) == pytest.approx(0.2)


# --------------------------------------------------------------------------------------------
# Which clique continues which bloc
# --------------------------------------------------------------------------------------------


def test_a_bloc_that_goes_on_unchanged_keeps_its_name_beside_a_new_one():
    """The case a user found: USA-AUS-PHL holds, and JPN's formal tie with PHL adds the clique
    USA-JPN-PHL. The old bloc continues (no exit, no formation of it under a new name); the
    new clique is a new bloc (it overlaps the old one by exactly the threshold, 2 of 4)."""
    usa, jpn, aus, phl = 0, 1, 3, 4
    old = frozenset({usa, aus, phl})
    new = frozenset({usa, jpn, phl})
    pairs, ended = coalitions.match_blocs([old], [new, old])
    assert dict(pairs) == {old: old, new: None}
    assert ended == []


def test_a_bloc_that_grows_or_shrinks_continues_and_one_that_splits_goes_to_the_closest():
    a, b, c, d, e = range(5)
    abc, abcd = frozenset({a, b, c}), frozenset({a, b, c, d})
    assert coalitions.match_blocs([abc], [abcd]) == ([(abcd, abc)], [])
    assert coalitions.match_blocs([abcd], [abc]) == ([(abc, abcd)], [])
    # split: ABC keeps 3 of 4 (0.75), BCDE shares 3 of 5 (0.6): ABC continues, BCDE is new
    bcde = frozenset({b, c, d, e})
    pairs, ended = coalitions.match_blocs([abcd], [bcde, abc])
    assert dict(pairs) == {abc: abcd, bcde: None} and ended == []
    # below the threshold: the old bloc ends and the clique is new
    cde = frozenset({c, d, e})
    assert coalitions.match_blocs([abc], [cde]) == ([(cde, None)], [abc])


@given(st.lists(st.frozensets(st.integers(0, 7), min_size=3, max_size=6), max_size=6), SEEDS)
@settings(max_examples=200, deadline=None)
def test_bloc_matching_is_one_to_one_and_keeps_every_unchanged_bloc(cliques, seed):
    """Each old bloc is continued by at most one clique, at least at the threshold; an old bloc
    whose members form a clique again is continued by that very clique; the cliques come
    back largest first, and the old blocs no clique continues are listed once each."""
    rng = np.random.default_rng(seed)
    cliques = list(dict.fromkeys(cliques))
    old = [c for c in cliques if rng.random() < 0.5]
    old += [frozenset(rng.choice(8, size=int(rng.integers(3, 6)), replace=False).tolist())]
    old = list(dict.fromkeys(old))
    now = [c for c in cliques if rng.random() < 0.7]
    pairs, ended = coalitions.match_blocs(old, now)
    assert sorted(map(sorted, (c for c, _ in pairs))) == sorted(map(sorted, now))
    assert [len(c) for c, _ in pairs] == sorted((len(c) for c in now), reverse=True)
    continued = [o for _, o in pairs if o is not None]
    assert len(continued) == len(set(continued))
    assert set(continued) | set(ended) == set(old) and not set(continued) & set(ended)
    for c, o in pairs:
        if c in old:
            assert o == c
        elif o is not None:
            assert len(c & o) / len(c | o) >= coalitions.BLOC_CONTINUITY
