"""Tests for sim.core.landscape (Axelrod & Bennett 1993 landscape theory of aggregation)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import landscape as lt

FIXTURE = Path(__file__).parent / "fixtures" / "landscape_syria_2016"

# Published by the authors (fixture README / favoured alignments): the global minimum.
SYRIA_GLOBAL_ENERGY = -83_200.0
SYRIA_GLOBAL_GROUPING = (
    {"US", "Russia", "Syria", "Saudi_Arabia", "Iran", "Hezbollah", "Iraqi_Kurds", "Baghdad"},
    {"Turkey", "ISIS", "Nursa"},
)


# --------------------------------------------------------------------------------------------
# Fixture loading
# --------------------------------------------------------------------------------------------


def _read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def syria() -> dict:
    """The peer case: inputs, and the published outputs keyed by configuration index k."""
    actors = pd.read_csv(FIXTURE / "actors.csv")
    prop_rows = _read_rows(FIXTURE / "propensity_1to5.csv")
    labels = prop_rows[0][1:]
    assert [r[0] for r in prop_rows[1:]] == labels
    raw = np.array([[float(v) if v.strip() else np.nan for v in r[1:]] for r in prop_rows[1:]])
    propensity = raw - 3.0
    np.fill_diagonal(propensity, 0.0)
    sizes = actors["strength"].to_numpy(dtype=float)
    assert actors["id"].tolist() == list(range(1, len(labels) + 1))

    # all_configurations.csv: comment lines, a header whose first cell is empty, data rows whose
    # first cell is an R row number.
    rows = _read_rows(FIXTURE / "all_configurations.csv")
    header = next(r for r in rows if r[:2] == ["", labels[0]])
    n = len(labels)
    assert header[1 : n + 1] == labels
    assert header[n + 1] == "Energy"
    assert header[n + 2 : 2 * n + 2] == [f"{a}_Frustration" for a in labels]
    assert header[2 * n + 2] == "Local Min"
    data = [r for r in rows if len(r) == len(header) and r[0].strip().isdigit()]
    return {
        "names": actors["actor"].tolist(),
        "labels": labels,
        "sizes": sizes,
        "propensity": propensity,
        "raw_propensity": raw,
        "rows": data,
        "favoured": pd.read_csv(FIXTURE / "favored_alignments.csv", index_col=0),
    }


def _published(rows: list[list[str]], n: int) -> dict[int, tuple[float, np.ndarray, bool]]:
    out = {}
    for r in rows:
        k = lt.configuration_index([int(v) for v in r[1 : n + 1]])
        assert k not in out, "a configuration appears twice"
        energy = float(r[n + 1])
        frust = np.array([float(v) for v in r[n + 2 : 2 * n + 2]])
        flag = {"TRUE": True, "FALSE": False}[r[2 * n + 2]]
        out[k] = (energy, frust, flag)
    return out


# --------------------------------------------------------------------------------------------
# The peer case
# --------------------------------------------------------------------------------------------


def test_syria_every_configuration_matches_published(syria):
    n = len(syria["labels"])
    published = _published(syria["rows"], n)
    assert sorted(published) == list(range(2 ** (n - 1)))  # all 1,024, each once

    table = lt.landscape_table(syria["sizes"], syria["propensity"], syria["labels"])
    assert len(table) == 1024
    frust_cols = [f"{a}_frustration" for a in syria["labels"]]
    for k, (energy, frust, flag) in published.items():
        row = table.loc[k]
        assert row["energy"] == energy, k
        np.testing.assert_array_equal(row[frust_cols].to_numpy(dtype=float), frust, err_msg=k)
        assert bool(row["local_minimum"]) is flag, k
    # the per-configuration functions agree with the table
    for k in (0, 1, 500, 1023):
        sides = lt.sides_from_index(k, n)
        assert lt.energy(sides, syria["sizes"], syria["propensity"]) == published[k][0]
        np.testing.assert_array_equal(
            lt.weighted_frustration(sides + 1, syria["sizes"], syria["propensity"]),
            published[k][1],
        )


def test_syria_global_minimum_is_published_and_unique(syria):
    result = lt.minima(syria["sizes"], syria["propensity"])
    assert result.global_energy == SYRIA_GLOBAL_ENERGY
    names = np.array(syria["names"])
    groups = {frozenset(names[result.global_sides == side]) for side in (0, 1)}
    assert groups == {frozenset(g) for g in SYRIA_GLOBAL_GROUPING}
    assert len(result.local_minima) == 1
    np.testing.assert_array_equal(result.local_minima[0], result.global_sides)
    assert lt.is_local_minimum(result.global_sides, syria["sizes"], syria["propensity"])


def test_syria_raw_diagonal_is_ignored(syria):
    # The published matrix has an empty (NaN) diagonal; it must not matter.
    with_nan = syria["raw_propensity"] - 3.0
    assert np.isnan(np.diag(with_nan)).all()
    sides = lt.sides_from_index(891, len(syria["sizes"]))
    assert lt.energy(sides, syria["sizes"], with_nan) == lt.energy(
        sides, syria["sizes"], syria["propensity"]
    )


def test_syria_favoured_alignments(syria):
    """The published 'favoured alignments': the global minimum, then for each actor in turn
    every configuration minimising that actor's (weighted) frustration."""
    fav = syria["favoured"]
    labels = syria["labels"]
    sides = fav[labels].to_numpy()
    ks = [lt.configuration_index(row) for row in sides]
    table = lt.landscape_table(syria["sizes"], syria["propensity"], labels)
    frust_cols = [f"{a}_frustration" for a in labels]

    # every listed configuration has the published energy and frustrations
    np.testing.assert_array_equal(table.loc[ks, "energy"].to_numpy(), fav["Energy"].to_numpy())
    np.testing.assert_array_equal(
        table.loc[ks, frust_cols].to_numpy(),
        fav[[f"{a}_Frustration" for a in labels]].to_numpy(dtype=float),
    )
    # first row: the global minimum
    assert ks[0] == int(table["energy"].idxmin())
    # then, block by block, each actor's favourites
    pos = 1
    for col in frust_cols:
        best = table.index[table[col] == table[col].min()]
        block = ks[pos : pos + len(best)]
        assert set(block) == set(best), col
        pos += len(best)
    assert pos == len(ks)


# --------------------------------------------------------------------------------------------
# Brute force references
# --------------------------------------------------------------------------------------------


def brute_energy(sides01, sizes, propensity) -> float:
    n = len(sizes)
    total = 0.0
    for i in range(n):
        for j in range(n):
            if i != j and sides01[i] != sides01[j]:
                total += sizes[i] * sizes[j] * propensity[i][j]
    return total


def brute_frustration(sides01, sizes, propensity) -> list[float]:
    n = len(sizes)
    return [
        sum(sizes[j] * propensity[i][j] for j in range(n) if j != i and sides01[i] != sides01[j])
        for i in range(n)
    ]


def brute_landscape(sizes, propensity) -> tuple[list[tuple[int, ...]], list[float], set]:
    """All configurations with actor 0 on side 0 (in index order), energies, local minima."""
    n = len(sizes)
    configs = []
    for k in range(2 ** (n - 1)):
        configs.append((0, *((k >> (j - 1)) & 1 for j in range(1, n))))
    energies = [brute_energy(c, sizes, propensity) for c in configs]
    local = set()
    for c, e in zip(configs, energies, strict=True):
        flips = [tuple(1 - v if i == j else v for j, v in enumerate(c)) for i in range(n)]
        if all(brute_energy(f, sizes, propensity) >= e for f in flips):
            local.add(c)
    return configs, energies, local


@st.composite
def integer_instances(draw, max_n: int = 7):
    """Small integer-valued instances (exact arithmetic, with frequent ties and zero sizes)."""
    n = draw(st.integers(1, max_n))
    sizes = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    p = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        p[i, j] = p[j, i] = draw(st.integers(-3, 3))
    return np.array(sizes, dtype=float), p


def float_instances(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.uniform(0.0, 10.0, n)
    p = rng.normal(size=(n, n))
    p = (p + p.T) / 2.0
    np.fill_diagonal(p, rng.normal(size=n))  # must be ignored
    return sizes, p


def _all_rows(sizes, propensity, chunk_size=1 << 15):
    chunks = list(lt.enumerate_configurations(sizes, propensity, chunk_size=chunk_size))
    return (
        np.concatenate([c.sides for c in chunks]),
        np.concatenate([c.energy for c in chunks]),
        np.concatenate([c.weighted_frustration for c in chunks]),
        np.concatenate([c.local_minimum for c in chunks]),
    )


# --------------------------------------------------------------------------------------------
# Enumeration against brute force
# --------------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(integer_instances())
def test_enumeration_matches_brute_force_integers(instance):
    sizes, p = instance
    n = len(sizes)
    configs, energies, local = brute_landscape(sizes, p)
    sides, energy, wfrust, flags = _all_rows(sizes, p, chunk_size=3)
    np.testing.assert_array_equal(sides, np.array(configs, dtype=np.uint8))
    np.testing.assert_array_equal(energy, energies)
    np.testing.assert_array_equal(wfrust.sum(axis=1), energy)
    for c, row in zip(configs, wfrust, strict=True):
        expected = [sizes[i] * f for i, f in enumerate(brute_frustration(c, sizes, p))]
        np.testing.assert_array_equal(row, expected)
    assert {tuple(int(v) for v in s) for s in sides[flags]} == local
    found = lt.minima(sizes, p)
    assert {tuple(int(v) for v in s) for s in found.local_minima} == local
    assert len(found.local_minima) == len(local)
    assert found.global_energy == min(energies)
    assert found.global_sides.tolist() == list(configs[int(np.argmin(energies))])
    assert lt.landscape_table(sizes, p)["energy"].tolist() == energies
    assert len(sides) == 2 ** (n - 1)


@pytest.mark.parametrize("seed", range(6))
def test_enumeration_matches_brute_force_floats(seed):
    sizes, p = float_instances(seed, n=3 + seed)
    configs, energies, local = brute_landscape(sizes, p)
    sides, energy, wfrust, flags = _all_rows(sizes, p, chunk_size=5)
    np.testing.assert_allclose(energy, energies, rtol=1e-10, atol=1e-10)
    for c, row in zip(configs, wfrust, strict=True):
        expected = [sizes[i] * f for i, f in enumerate(brute_frustration(c, sizes, p))]
        np.testing.assert_allclose(row, expected, rtol=1e-10, atol=1e-10)
    assert {tuple(int(v) for v in s) for s in sides[flags]} == local
    found = lt.minima(sizes, p)
    assert {tuple(int(v) for v in s) for s in found.local_minima} == local


def test_chunking_and_row_order():
    rng = np.random.default_rng(42)  # integer-valued, so every chunking is exact
    sizes = rng.integers(0, 20, 8).astype(float)
    p = rng.integers(-3, 4, (8, 8)).astype(float)
    p = np.triu(p, 1) + np.triu(p, 1).T
    whole = _all_rows(sizes, p, chunk_size=1 << 15)
    for chunk_size in (1, 7, 128, 129):
        parts = _all_rows(sizes, p, chunk_size=chunk_size)
        for a, b in zip(whole, parts, strict=True):
            np.testing.assert_array_equal(a, b)
    starts = [c.start for c in lt.enumerate_configurations(sizes, p, chunk_size=50)]
    assert starts == [0, 50, 100]
    sides = whole[0]
    assert sides.dtype == np.uint8
    assert (sides[:, 0] == 0).all()
    np.testing.assert_array_equal(sides, lt.sides_from_index(np.arange(128), 8))
    # k is the binary expansion over actors 1..n-1, least significant bit = actor 1
    assert lt.sides_from_index(1, 8).tolist() == [0, 1, 0, 0, 0, 0, 0, 0]
    assert lt.sides_from_index(6, 8).tolist() == [0, 0, 1, 1, 0, 0, 0, 0]
    for k in range(128):
        assert lt.configuration_index(sides[k]) == k
        assert lt.configuration_index(1 - sides[k]) == k  # mirror image: same configuration
        assert lt.configuration_index(sides[k] + 1) == k  # labels 1/2


def test_all_ties_every_configuration_is_a_local_minimum():
    sizes = np.array([1.0, 2.0, 3.0, 4.0])
    p = np.zeros((4, 4))
    assert next(lt.enumerate_configurations(sizes, p)).local_minimum.all()
    assert len(lt.minima(sizes, p).local_minima) == 8
    sides, path = lt.descend([0, 1, 0, 1], sizes, p, np.random.default_rng(0))
    assert sides.tolist() == [0, 1, 0, 1]
    assert path.tolist() == [0.0]


# --------------------------------------------------------------------------------------------
# Single-configuration functions
# --------------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(integer_instances(max_n=8), st.data())
def test_switch_gains_equal_energy_change(instance, data):
    sizes, p = instance
    n = len(sizes)
    sides = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    w = lt.weights(sizes, p)
    gains = lt.switch_gains(sides, w)
    e0 = brute_energy(sides, sizes, p)
    assert lt.energy(sides, sizes, p) == e0
    for i in range(n):
        flipped = sides.copy()
        flipped[i] = 1 - flipped[i]
        assert gains[i] == brute_energy(flipped, sizes, p) - e0
    assert lt.is_local_minimum(sides, sizes, p) == bool((gains >= 0).all())
    np.testing.assert_array_equal(
        lt.frustration(sides, sizes, p), brute_frustration(sides, sizes, p)
    )
    np.testing.assert_array_equal(
        lt.weighted_frustration(sides, sizes, p), sizes * lt.frustration(sides, sizes, p)
    )


@pytest.mark.parametrize("seed", range(4))
def test_switch_gains_floats(seed):
    sizes, p = float_instances(100 + seed, 9)
    sides = np.random.default_rng(seed).integers(0, 2, 9)
    gains = lt.switch_gains(sides, lt.weights(sizes, p))
    e0 = brute_energy(sides, sizes, p)
    for i in range(9):
        flipped = sides.copy()
        flipped[i] ^= 1
        assert gains[i] == pytest.approx(brute_energy(flipped, sizes, p) - e0, rel=1e-9, abs=1e-9)


def test_labels_and_mirror_images():
    sizes, p = float_instances(7, 6)
    base = np.array([0, 1, 1, 0, 1, 0])
    e = lt.energy(base, sizes, p)
    assert lt.energy(base + 1, sizes, p) == e  # 1/2 as in the peer case
    assert lt.energy(base.astype(bool), sizes, p) == e
    assert lt.energy(np.where(base == 1, "b", "a"), sizes, p) == e
    assert lt.energy(1 - base, sizes, p) == e  # mirror image
    assert lt.normalise_sides([2, 1, 2]).tolist() == [1, 0, 1]
    assert lt.normalise_sides([5, 5, 5]).tolist() == [0, 0, 0]
    assert lt.normalise_sides([1, 1, 1]).tolist() == [1, 1, 1]  # 0/1 labels kept
    assert lt.normalise_sides([2, 2]).tolist() == [1, 1]  # 1/2 labels -> 0/1
    assert lt.normalise_sides([True, False]).tolist() == [1, 0]
    assert lt.normalise_sides(["west", "east"]).tolist() == [1, 0]
    assert lt.normalise_sides([2, 1, 2]).dtype == np.uint8
    with pytest.raises(ValueError, match="two labels"):
        lt.energy([0, 1, 2, 0, 1, 0], sizes, p)
    with pytest.raises(ValueError, match="length"):
        lt.energy([0, 1, 0], sizes, p)


# --------------------------------------------------------------------------------------------
# Descent
# --------------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(integer_instances(), st.data(), st.integers(0, 2**32 - 1))
def test_descent(instance, data, seed):
    sizes, p = instance
    n = len(sizes)
    start = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    final, path = lt.descend(start, sizes, p, np.random.default_rng(seed))
    assert final.dtype == np.uint8
    assert path[0] == lt.energy(start, sizes, p)
    assert path[-1] == lt.energy(final, sizes, p)
    assert (np.diff(path) < 0).all()  # every accepted switch strictly lowers the energy
    assert lt.is_local_minimum(final, sizes, p)
    # one switch per step: path length = 1 + number of switches >= Hamming distance moved
    assert len(path) - 1 >= int((final != start).sum())
    _, _, local = brute_landscape(sizes, p)
    canonical = tuple(int(v) for v in final ^ final[0])
    assert canonical in local
    again_final, again_path = lt.descend(start, sizes, p, np.random.default_rng(seed))
    np.testing.assert_array_equal(again_final, final)
    np.testing.assert_array_equal(again_path, path)


def test_descent_uses_only_the_given_rng():
    sizes, p = float_instances(3, 12)
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    paths = set()
    for seed in range(30):
        final, path = lt.descend(np.zeros(12), sizes, p, np.random.default_rng(seed))
        assert lt.is_local_minimum(final, sizes, p)
        assert (np.diff(path) < 0).all()
        paths.add(tuple(path))
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    assert len(paths) > 1  # the visiting order does depend on the rng


def test_descent_end_points_are_enumerated_minima():
    sizes, p = float_instances(11, 10)
    local = {lt.configuration_index(s) for s in lt.minima(sizes, p).local_minima}
    start_rng = np.random.default_rng(5)
    for seed in range(20):
        start = start_rng.integers(0, 2, 10)
        final, _ = lt.descend(start, sizes, p, np.random.default_rng(seed))
        assert lt.configuration_index(final) in local


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

_P3 = np.array([[0.0, 1.0, -1.0], [1.0, 0.0, 2.0], [-1.0, 2.0, 0.0]])
_S3 = np.array([1.0, 2.0, 3.0])


def _with(matrix, i, j, value):
    out = np.array(matrix, dtype=float)
    out[i, j] = value
    return out


@pytest.mark.parametrize(
    ("sizes", "propensity", "message"),
    [
        (_S3, _with(_P3, 0, 1, 5.0), "symmetric"),
        (_S3, np.zeros((3, 4)), "square"),
        (_S3, np.zeros(3), "square"),
        (np.ones(4), _P3, "length 4"),
        (np.ones(2), _P3, "length 2"),
        (_S3, _with(_with(_P3, 0, 2, np.nan), 2, 0, np.nan), "NaN"),
        (np.array([1.0, np.nan, 3.0]), _P3, "NaN"),
        (np.array([1.0, -2.0, 3.0]), _P3, "negative"),
        (np.ones((3, 1)), _P3, "1-D"),
        (_S3, _with(_with(_P3, 1, 2, np.inf), 2, 1, np.inf), "infinite"),
    ],
)
def test_validation(sizes, propensity, message):
    rng = np.random.default_rng(0)
    calls = [
        lambda: lt.weights(sizes, propensity),
        lambda: lt.energy([0, 1, 0], sizes, propensity),
        lambda: lt.frustration([0, 1, 0], sizes, propensity),
        lambda: lt.is_local_minimum([0, 1, 0], sizes, propensity),
        lambda: lt.descend([0, 1, 0], sizes, propensity, rng),
        lambda: lt.minima(sizes, propensity),
        lambda: next(lt.enumerate_configurations(sizes, propensity)),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=message) as info:
            call()
        assert "\n" not in str(info.value)


def test_valid_inputs_pass_and_diagonal_is_ignored():
    w = lt.weights(_S3, _P3)
    np.testing.assert_array_equal(w, np.outer(_S3, _S3) * _P3)
    noisy = _with(_with(_P3, 0, 0, np.nan), 1, 1, 7.0)
    np.testing.assert_array_equal(lt.weights(_S3, noisy), w)
    np.testing.assert_array_equal(lt.weights([1, 2, 3], _P3.tolist()), w)  # lists, integers
