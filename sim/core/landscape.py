"""Landscape theory of aggregation: energies, frustrations and minima of two-sided alignments.

A pure-numpy engine for the model of Axelrod, R. & Bennett, D. S. (1993) "A landscape theory of
aggregation", British Journal of Political Science 23(2): 211-233. Actors of given sizes, with
pairwise propensities to work together, split into two sides; each configuration has an energy,
and the alignments the theory predicts are the local minima of that energy.

Definitions (Axelrod & Bennett 1993):

- ``sizes`` ``s_i >= 0``: each actor's size (strength, importance); any consistent unit.
- ``propensity`` ``p_ij``: symmetric; positive = the pair prefers to be on the same side, negative
  = on opposite sides. The diagonal is ignored (treated as 0, even if it holds NaN).
- ``sides``: a configuration, one label per actor with at most two distinct labels. Internally
  side 0 / side 1 (``normalise_sides``); any two labels are accepted (e.g. 1/2 or booleans).
- ``d_ij = 1`` when i and j are on different sides, else 0.
- Frustration of actor i: ``F_i = sum_{j != i} s_j p_ij d_ij``.
- Energy: ``E = sum_i s_i F_i = sum_{i != j} s_i s_j p_ij d_ij``, over *ordered* pairs, so every
  unordered pair is counted twice (the convention of Furnas & Axelrod's R implementation).

All energies and frustrations are in units of size x size x propensity. Lower energy = a more
stable configuration. With ``W = s s^T * p`` (zero diagonal) and ``x_i = +1`` on side 0,
``x_i = -1`` on side 1, ``d_ij = (1 - x_i x_j) / 2`` and so::

    E = (sum(W) - x^T W x) / 2
    s_i F_i = (sum_j W_ij - x_i (W x)_i) / 2
    dE_i = 2 x_i (W x)_i          (the change in E if actor i alone switches sides)

Configurations are mirror-symmetric (swapping the two sides changes nothing), so the
enumeration keeps actor 0 on side 0; see ``sides_from_index`` for the order of rows.

Numerical ties: a switch counts as lowering the energy only if ``dE_i < -rtol * sum(|W|)``
(default ``rtol = 1e-12``), so that floating-point rounding cannot turn an exact tie into a
spurious improvement. For integer-valued inputs of moderate magnitude every computation here is
exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_RTOL",
    "LandscapeChunk",
    "Minima",
    "configuration_index",
    "descend",
    "energy",
    "enumerate_configurations",
    "frustration",
    "is_local_minimum",
    "landscape_table",
    "minima",
    "normalise_sides",
    "sides_from_index",
    "switch_gains",
    "weighted_frustration",
    "weights",
]

DEFAULT_RTOL: float = 1e-12
"""Relative tolerance for ties, as a fraction of ``sum(|W|)`` (see the module docstring)."""

_MAX_ENUMERATED_ACTORS = 63  # configuration indices k must fit in int64


class LandscapeChunk(NamedTuple):
    """A block of consecutive configurations from ``enumerate_configurations``.

    Attributes:
        start: index k of the first row; row r of the chunk is configuration ``start + r``.
        sides: (m, n) uint8, 0 or 1; column 0 (actor 0) is always 0.
        energy: (m,) float64, the energy E of each configuration.
        weighted_frustration: (m, n) float64, ``s_i F_i`` for each configuration and actor.
        local_minimum: (m,) bool, True where no single actor switching sides lowers E.
    """

    start: int
    sides: NDArray[np.uint8]
    energy: NDArray[np.float64]
    weighted_frustration: NDArray[np.float64]
    local_minimum: NDArray[np.bool_]


class Minima(NamedTuple):
    """Result of ``minima``; unpacks as ``(global_sides, global_energy, local_minima)``.

    Attributes:
        global_sides: (n,) uint8, the configuration of lowest energy (actor 0 on side 0; on ties
            the lowest index k).
        global_energy: its energy.
        local_minima: every local minimum, (n,) uint8 arrays in enumeration order (includes the
            global minimum).
    """

    global_sides: NDArray[np.uint8]
    global_energy: float
    local_minima: list[NDArray[np.uint8]]


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def weights(sizes: ArrayLike, propensity: ArrayLike) -> NDArray[np.float64]:
    """Pairwise weights ``W_ij = s_i s_j p_ij`` with a zero diagonal, after validating inputs.

    Args:
        sizes: (n,) non-negative, finite actor sizes.
        propensity: (n, n) symmetric propensities; the diagonal is ignored (may hold NaN).

    Returns:
        (n, n) float64 symmetric matrix W (units: size^2 x propensity), zero on the diagonal.

    Raises:
        ValueError: if sizes is not 1-D, is empty, non-finite or negative; or if propensity is
            not square, does not match the number of sizes, is non-finite off the diagonal, or
            is not symmetric; or if the weights are so large that energies would overflow.

    References:
        Axelrod & Bennett (1993): a pair's weight in the energy is the product of the two sizes and
            their propensity.

    Examples:
        Actors of sizes 1, 1 and 2: 0 and 1 are friends, both dislike 2:

        >>> p = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
        >>> weights([1, 1, 2], p).tolist()
        [[0.0, 1.0, -2.0], [1.0, 0.0, -2.0], [-2.0, -2.0, 0.0]]
    """
    s = _as_float_array(sizes, "sizes")
    p = _as_float_array(propensity, "propensity")
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"sizes must be a non-empty 1-D array, got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("sizes contain NaN or infinite values")
    if np.any(s < 0):
        raise ValueError(f"sizes must be non-negative, got {s[s < 0].tolist()}")
    if p.ndim != 2 or p.shape[0] != p.shape[1]:
        raise ValueError(f"propensity must be a square matrix, got shape {p.shape}")
    if p.shape[0] != s.size:
        raise ValueError(f"sizes has length {s.size} but propensity is {p.shape[0]}x{p.shape[1]}")
    p = p.copy()
    np.fill_diagonal(p, 0.0)
    if not np.all(np.isfinite(p)):
        raise ValueError("propensity contains NaN or infinite values off the diagonal")
    if not np.allclose(p, p.T):
        raise ValueError("propensity must be symmetric (p_ij == p_ji)")
    with np.errstate(over="ignore", invalid="ignore"):
        p = (p + p.T) / 2.0  # exact for symmetric input; removes tiny asymmetries otherwise
        w = np.outer(s, s) * p
        np.fill_diagonal(w, 0.0)
        total = np.abs(w).sum()
    # Every energy and frustration is a sum of weights (and differences of such sums): a total
    # well below the largest float keeps them all finite.
    if not total <= np.finfo(np.float64).max / 8:
        raise ValueError(
            "sizes x sizes x propensities are too large: their products overflow floating "
            "point; rescale the sizes or the propensities (e.g. sizes in billions)"
        )
    return w


def normalise_sides(sides: ArrayLike, n: int | None = None) -> NDArray[np.uint8]:
    """Map a configuration with any two labels to sides 0/1.

    Labels 0/1 (or False/True) are kept as they are; labels 1/2 (the R peer code's convention)
    become 0/1; any other labels are sorted and the smaller becomes side 0 (if every actor has
    the same such label, all are on side 0). Mirror images describe the same configuration, so
    the choice of which label is side 0 does not affect any energy or frustration.

    Args:
        sides: (n,) labels, at most two distinct values.
        n: expected number of actors, if known.

    Returns:
        (n,) uint8 array of 0s and 1s.

    Raises:
        ValueError: if sides is not 1-D, has the wrong length, or has more than two labels.
    """
    arr = np.asarray(sides)
    if arr.ndim != 1:
        raise ValueError(f"sides must be a 1-D array, got shape {arr.shape}")
    if n is not None and arr.size != n:
        raise ValueError(f"sides has length {arr.size} but there are {n} actors")
    labels, codes = np.unique(arr, return_inverse=True)
    if labels.size > 2:
        raise ValueError(f"sides must use at most two labels, got {labels.tolist()}")
    if arr.dtype.kind in "biuf":
        if set(labels.tolist()) <= {0, 1}:
            return arr.astype(np.uint8)
        if set(labels.tolist()) <= {1, 2}:
            return (arr - 1).astype(np.uint8)
    return codes.reshape(arr.shape).astype(np.uint8)


def configuration_index(sides: ArrayLike) -> int:
    """Index k of a configuration in the enumeration order (inverse of ``sides_from_index``).

    The configuration is first mirrored if needed so that actor 0 is on side 0.

    Args:
        sides: (n,) labels, at most two distinct values.

    Returns:
        k in ``0 .. 2**(n-1) - 1``.
    """
    x = normalise_sides(sides)
    x = x ^ x[0]  # mirror so that actor 0 is on side 0
    return int(sum(int(b) << (j - 1) for j, b in enumerate(x) if j > 0))


def sides_from_index(k: int | ArrayLike, n: int) -> NDArray[np.uint8]:
    """Configuration(s) number k in the enumeration order.

    Order of configurations: actor 0 is always on side 0; for j = 1 .. n-1, actor j is on side 1
    exactly when bit j-1 of k is set (k's binary expansion over actors 1..n-1, least significant
    bit = actor 1). So k = 0 is everyone on side 0, k = 1 is actor 1 alone on side 1, k = 2 is
    actor 2 alone, k = 3 is actors 1 and 2, ..., up to k = 2**(n-1) - 1 (actor 0 alone).

    Args:
        k: an index or an array of indices, each in ``0 .. 2**(n-1) - 1``.
        n: number of actors (>= 1).

    Returns:
        (n,) uint8 for a scalar k, else (len(k), n) uint8.
    """
    k_arr = np.asarray(k, dtype=np.int64)
    if n < 1 or n > _MAX_ENUMERATED_ACTORS:
        raise ValueError(f"number of actors must be between 1 and {_MAX_ENUMERATED_ACTORS}")
    if np.any(k_arr < 0) or np.any(k_arr >= (1 << (n - 1))):
        raise ValueError(f"configuration index out of range 0..{(1 << (n - 1)) - 1}")
    shifts = np.arange(n - 1, dtype=np.int64)
    bits = (k_arr[..., None] >> shifts) & 1
    out = np.zeros((*k_arr.shape, n), dtype=np.uint8)
    out[..., 1:] = bits
    return out


# --------------------------------------------------------------------------------------------
# One configuration
# --------------------------------------------------------------------------------------------


def frustration(sides: ArrayLike, sizes: ArrayLike, propensity: ArrayLike) -> NDArray[np.float64]:
    """Axelrod & Bennett's frustration ``F_i = sum_{j != i} s_j p_ij d_ij`` of every actor.

    Args:
        sides: (n,) configuration, any two labels.
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).

    Returns:
        (n,) float64, units of size x propensity. Negative = the actor is, on balance, with
        friends and against foes; positive = it is frustrated by its alignment.

    References:
        Axelrod & Bennett (1993): frustration, the size-weighted propensity toward the actors on the
            other side.

    Examples:
        >>> p = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
        >>> frustration([0, 0, 1], [1, 1, 1], p).tolist()
        [-1.0, -1.0, -2.0]
        >>> frustration([0, 1, 1], [1, 1, 1], p).tolist()  # friends 0 and 1 split up
        [0.0, 1.0, -1.0]
    """
    weights(sizes, propensity)  # validation only
    s = np.asarray(sizes, dtype=np.float64)
    p = np.array(propensity, dtype=np.float64)
    np.fill_diagonal(p, 0.0)
    p = (p + p.T) / 2.0
    x = normalise_sides(sides, s.size)
    apart = x[:, None] != x[None, :]
    return (p * apart) @ s


def weighted_frustration(
    sides: ArrayLike, sizes: ArrayLike, propensity: ArrayLike
) -> NDArray[np.float64]:
    """Size-weighted frustration ``s_i F_i = sum_j W_ij d_ij`` of every actor.

    This is what Furnas & Axelrod's R code reports as each actor's "frustration"; the energy is
    its sum over actors.

    Args:
        sides: (n,) configuration, any two labels.
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).

    Returns:
        (n,) float64, units of size^2 x propensity.

    References:
        Axelrod & Bennett (1993): an actor's frustration weighted by its own size, its share of the
            energy.
    """
    w = weights(sizes, propensity)
    x = normalise_sides(sides, w.shape[0])
    apart = x[:, None] != x[None, :]
    return (w * apart).sum(axis=1)


def energy(sides: ArrayLike, sizes: ArrayLike, propensity: ArrayLike) -> float:
    """Energy ``E = sum_i s_i F_i`` of a configuration (ordered pairs: each pair counted twice).

    Args:
        sides: (n,) configuration, any two labels.
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).

    Returns:
        The energy, units of size^2 x propensity; lower is more stable.

    References:
        Axelrod & Bennett (1993): the energy of a configuration, whose local minima are the
            alignments the theory predicts.

    Examples:
        >>> p = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
        >>> energy([0, 0, 1], [1, 1, 1], p), energy([0, 0, 0], [1, 1, 1], p)
        (-4.0, 0.0)
    """
    return float(weighted_frustration(sides, sizes, propensity).sum())


def switch_gains(sides: ArrayLike, w: ArrayLike) -> NDArray[np.float64]:
    """Change in energy if each actor alone switched sides: ``dE_i = 2 x_i (W x)_i``.

    Derivation: ``E = (sum(W) - x^T W x) / 2`` with ``x = +-1``. Flipping ``x_i`` changes only
    the terms of ``x^T W x`` in row and column i, ``2 x_i (W x)_i`` (W symmetric, zero
    diagonal), into their negatives, so ``x^T W x`` changes by ``-4 x_i (W x)_i`` and E by
    ``+2 x_i (W x)_i``.

    Args:
        sides: (n,) configuration, any two labels.
        w: (n, n) symmetric weights with a zero diagonal, as returned by ``weights``.

    Returns:
        (n,) float64, units of energy. Negative: that actor's switch would lower the energy
        (the configuration is not a local minimum); zero: a tie; positive: the switch raises it.

    References:
        Axelrod & Bennett (1993): an actor changes sides when that lowers the energy; this is the
            change each single switch would bring.

    Examples:
        >>> w = weights([1, 1, 1], np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]]))
        >>> switch_gains([0, 0, 1], w).tolist()  # every switch raises E: a local minimum
        [4.0, 4.0, 4.0]
        >>> switch_gains([0, 0, 0], w).tolist()  # actor 2 would gain by leaving
        [0.0, 0.0, -4.0]
    """
    w_arr = np.asarray(w, dtype=np.float64)
    x = _spins(normalise_sides(sides, w_arr.shape[0]))
    return 2.0 * x * (w_arr @ x)


def is_local_minimum(
    sides: ArrayLike, sizes: ArrayLike, propensity: ArrayLike, *, rtol: float = DEFAULT_RTOL
) -> bool:
    """Whether no single actor switching sides would lower the energy (ties count as minima).

    Args:
        sides: (n,) configuration, any two labels.
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).
        rtol: tie tolerance as a fraction of ``sum(|W|)``.

    Returns:
        True if the configuration is a local minimum of the energy.

    References:
        Axelrod & Bennett (1993): the stable configurations are the local minima of the energy.
    """
    w = weights(sizes, propensity)
    return bool(np.all(switch_gains(sides, w) >= -_tolerance(w, rtol)))


# --------------------------------------------------------------------------------------------
# Dynamics
# --------------------------------------------------------------------------------------------


def descend(
    sides: ArrayLike,
    sizes: ArrayLike,
    propensity: ArrayLike,
    rng: np.random.Generator,
    max_sweeps: int = 10_000,
    *,
    rtol: float = DEFAULT_RTOL,
) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """Greedy descent to a local minimum, one actor at a time.

    Each sweep visits every actor once, in a fresh random order drawn from ``rng``; the visited
    actor switches sides only if that strictly lowers the energy. The descent stops after the
    first sweep with no switch, which is a local minimum.

    Args:
        sides: (n,) starting configuration, any two labels.
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).
        rng: the source of the visiting order (the global numpy RNG is never used).
        max_sweeps: upper bound on the number of sweeps.
        rtol: tie tolerance as a fraction of ``sum(|W|)``.

    Returns:
        ``(final_sides, energy_path)``: final_sides is (n,) uint8 in the normalised labelling of
        the input (not mirrored); energy_path is (1 + number of switches,) float64, the initial
        energy followed by the energy after each switch (strictly decreasing).

    Raises:
        RuntimeError: if no local minimum is reached within max_sweeps sweeps.

    References:
        Axelrod & Bennett (1993): actors move one at a time to the side that lowers their
            frustration, so the energy falls until a local minimum is reached.

    Examples:
        From everyone on one side, the disliked actor 2 leaves, whatever the visiting order:

        >>> p = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
        >>> sides, path = descend([0, 0, 0], [1, 1, 1], p, np.random.default_rng(0))
        >>> sides.tolist(), path.tolist()
        ([0, 0, 1], [0.0, -4.0])
    """
    w = weights(sizes, propensity)
    n = w.shape[0]
    tol = _tolerance(w, rtol)
    x = _spins(normalise_sides(sides, n))
    total = float(w.sum())
    field = w @ x  # (W x)_i, updated incrementally
    path = [(total - float(x @ field)) / 2.0]
    for _ in range(max_sweeps):
        moved = False
        for i in rng.permutation(n):
            if 2.0 * x[i] * field[i] < -tol:
                field -= 2.0 * x[i] * w[:, i]
                x[i] = -x[i]
                path.append((total - float(x @ field)) / 2.0)
                moved = True
        if not moved:
            return ((1 - x) // 2).astype(np.uint8), np.asarray(path, dtype=np.float64)
    raise RuntimeError(f"descent did not reach a local minimum within {max_sweeps} sweeps")


# --------------------------------------------------------------------------------------------
# Full enumeration
# --------------------------------------------------------------------------------------------


def enumerate_configurations(
    sizes: ArrayLike,
    propensity: ArrayLike,
    chunk_size: int = 1 << 15,
    *,
    rtol: float = DEFAULT_RTOL,
) -> Iterator[LandscapeChunk]:
    """Every two-sided configuration (mirror images once), in chunks of bounded size.

    Yields the ``2**(n-1)`` configurations with actor 0 on side 0, in the order of
    ``sides_from_index`` (configuration k is the binary expansion of k over actors 1..n-1),
    ``chunk_size`` rows at a time. Memory use is O(chunk_size * n), whatever n.

    Args:
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).
        chunk_size: rows per chunk (the last chunk may be shorter).
        rtol: tie tolerance for the local-minimum flag, as a fraction of ``sum(|W|)``.

    Yields:
        ``LandscapeChunk(start, sides, energy, weighted_frustration, local_minimum)``.

    References:
        Axelrod & Bennett (1993): the whole landscape, every configuration with its energy.
    """
    w = weights(sizes, propensity)
    yield from _chunks(w, chunk_size, rtol, with_frustration=True)


def minima(sizes: ArrayLike, propensity: ArrayLike, *, rtol: float = DEFAULT_RTOL) -> Minima:
    """The global minimum and every local minimum, by streaming the full enumeration.

    Args:
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).
        rtol: tie tolerance as a fraction of ``sum(|W|)``.

    Returns:
        ``Minima(global_sides, global_energy, local_minima)``; see ``Minima``. Memory grows only
        with the number of local minima (which, with many exact ties, can itself be large).

    References:
        Axelrod & Bennett (1993): the predicted alignments are the local minima of the energy, the
            most stable of them the global minimum.

    Examples:
        >>> p = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]])
        >>> best, e, local = minima([1, 1, 1], p)
        >>> best.tolist(), e, [m.tolist() for m in local]
        ([0, 0, 1], -4.0, [[0, 0, 1]])
    """
    w = weights(sizes, propensity)
    best_energy = np.inf
    best_sides: NDArray[np.uint8] | None = None
    local: list[NDArray[np.uint8]] = []
    for chunk in _chunks(w, 1 << 15, rtol, with_frustration=False):
        r = int(np.argmin(chunk.energy))
        if chunk.energy[r] < best_energy:
            best_energy = float(chunk.energy[r])
            best_sides = chunk.sides[r].copy()
        local.extend(row.copy() for row in chunk.sides[chunk.local_minimum])
    assert best_sides is not None  # n >= 1, so there is at least one configuration
    return Minima(best_sides, best_energy, local)


def landscape_table(
    sizes: ArrayLike,
    propensity: ArrayLike,
    names: Sequence[str] | None = None,
    *,
    max_actors: int = 20,
    rtol: float = DEFAULT_RTOL,
) -> pd.DataFrame:
    """The whole landscape as a table, one row per configuration (for small n).

    Args:
        sizes: (n,) actor sizes.
        propensity: (n, n) symmetric propensities (diagonal ignored).
        names: n actor names (default ``actor_0`` ... ``actor_{n-1}``).
        max_actors: refuse larger n (the table has ``2**(n-1)`` rows).
        rtol: tie tolerance for the local-minimum flag, as a fraction of ``sum(|W|)``.

    Returns:
        DataFrame indexed by configuration k (``configuration``), with one column per actor
        (its side, 0 or 1), ``energy``, one ``<name>_frustration`` column per actor (the
        weighted frustration ``s_i F_i``) and ``local_minimum`` (bool).

    Raises:
        ValueError: on invalid inputs, wrong number or duplicate names, or n > max_actors.

    References:
        Axelrod & Bennett (1993): the landscape of energies over all configurations.
    """
    import pandas as pd

    w = weights(sizes, propensity)
    n = w.shape[0]
    if n > max_actors:
        raise ValueError(
            f"{n} actors give {2 ** (n - 1)} rows; use enumerate_configurations or minima"
        )
    names = [f"actor_{i}" for i in range(n)] if names is None else [str(a) for a in names]
    if len(names) != n or len(set(names)) != n:
        raise ValueError(f"names must be {n} distinct strings, got {names}")
    chunks = list(_chunks(w, 1 << 15, rtol, with_frustration=True))
    sides = np.concatenate([c.sides for c in chunks])
    frame = pd.DataFrame(sides.astype(np.int64), columns=names)
    frame["energy"] = np.concatenate([c.energy for c in chunks])
    frust = np.concatenate([c.weighted_frustration for c in chunks])
    for i, name in enumerate(names):
        frame[f"{name}_frustration"] = frust[:, i]
    frame["local_minimum"] = np.concatenate([c.local_minimum for c in chunks])
    frame.index.name = "configuration"
    return frame


# --------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------


def _as_float_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None


def _spins(sides01: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Sides 0/1 -> x = +1/-1 (float64)."""
    return 1.0 - 2.0 * sides01.astype(np.float64)


def _tolerance(w: NDArray[np.float64], rtol: float) -> float:
    return float(rtol * np.abs(w).sum())


def _chunks(
    w: NDArray[np.float64], chunk_size: int, rtol: float, *, with_frustration: bool
) -> Iterator[LandscapeChunk]:
    """Vectorised enumeration over blocks of configurations (W already validated)."""
    n = w.shape[0]
    if n > _MAX_ENUMERATED_ACTORS:
        raise ValueError(f"cannot enumerate more than {_MAX_ENUMERATED_ACTORS} actors")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    total_configs = 1 << (n - 1)
    half_tol = _tolerance(w, rtol) / 2.0
    row_sums = w.sum(axis=1)
    total = float(row_sums.sum())
    empty = np.empty((0, n), dtype=np.float64)
    for start in range(0, total_configs, chunk_size):
        stop = min(start + chunk_size, total_configs)
        sides = sides_from_index(np.arange(start, stop, dtype=np.int64), n)
        x = 1.0 - 2.0 * sides  # float64 spins, (m, n)
        # alignment_i = x_i (W x)_i; for actor 0, x_0 = +1.
        alignment = x @ w
        alignment *= x
        energy_ = (total - alignment.sum(axis=1)) / 2.0
        # dE_i = 2 alignment_i >= -tol for every i  <=>  local minimum
        local = np.all(alignment >= -half_tol, axis=1)
        frust = (row_sums - alignment) / 2.0 if with_frustration else empty
        yield LandscapeChunk(start, sides, energy_, frust, local)
