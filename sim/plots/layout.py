"""A geographic-ish node layout that keeps every node readable.

Capitals are placed by longitude and latitude on a Pacific-centred map (Europe left, Asia
centre, Americas right: the map is cut in the Atlantic). The empty oceans between them are
squeezed, and nodes are then pushed apart until no two are closer than a minimum distance, each
staying as near its capital as it can. Crowded Europe is thereby spread out while the map stays
recognisable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

CENTRE_LON = 150.0  # longitude at the middle of the map: the map wraps in the Atlantic


def _squeeze_gaps(values: np.ndarray, max_gap: float) -> np.ndarray:
    """Shrink every gap between consecutive sorted values to at most ``max_gap``."""
    if len(values) < 2:
        return values.astype(float)
    order = np.argsort(values, kind="stable")
    gaps = np.minimum(np.diff(values[order]), max_gap)
    out = np.empty(len(values))
    out[order] = np.concatenate([[0.0], np.cumsum(gaps)])
    return out


def _normalise(values: np.ndarray, length: float) -> np.ndarray:
    span = float(values.max() - values.min()) if len(values) else 0.0
    if span == 0:
        return np.full(len(values), length / 2)
    return (values - values.min()) / span * length


def spread(
    anchors: np.ndarray,
    radii: np.ndarray,
    *,
    fixed: np.ndarray | None = None,
    pull: float = 0.02,
    iterations: int = 600,
) -> np.ndarray:
    """Push points apart until no two overlap, each staying near its anchor.

    Args:
        anchors: ``(n, 2)`` preferred positions.
        radii: ``(n,)`` half of the room each point needs; points ``i`` and ``j`` end at least
            ``radii[i] + radii[j]`` apart (up to numerical tolerance).
        fixed: Optional ``(n,)`` booleans: points that do not move.
        pull: Strength of the spring back to the anchor, per iteration.
        iterations: Maximum number of iterations.

    Returns:
        The ``(n, 2)`` positions.
    """
    n = len(anchors)
    pos = anchors.astype(float).copy()
    if n < 2:
        return pos
    # A tiny deterministic offset separates points that share an anchor.
    angle = np.arange(n) * 2.399963
    pos += 1e-4 * np.column_stack([np.cos(angle), np.sin(angle)])
    movable = np.ones(n) if fixed is None else (~np.asarray(fixed)).astype(float)
    need = radii[:, None] + radii[None, :]
    for it in range(iterations):
        diff = pos[:, None, :] - pos[None, :, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        np.fill_diagonal(dist, np.inf)
        overlap = np.clip(need - dist, 0.0, None)
        if overlap.max() < 1e-4 and it > 0:
            break
        unit = diff / dist[..., None]
        share = movable[None, :] / np.maximum(movable[:, None] + movable[None, :], 1e-9)
        push = (unit * (overlap * share)[..., None] * 0.6).sum(axis=1)
        pos += movable[:, None] * (push + pull * (anchors - pos))
    return pos


def geographic_layout(
    isos: Sequence[str],
    lat: Sequence[float],
    lon: Sequence[float],
    *,
    width: float = 1.0,
    height: float = 0.5,
    min_distance: float = 0.032,
) -> dict[str, np.ndarray]:
    """Place states near their capitals, with oceans squeezed and no two nodes overlapping.

    Args:
        isos: iso3 codes.
        lat: Capital latitudes (degrees north).
        lon: Capital longitudes (degrees east).
        width: Width of the layout box.
        height: Height of the layout box.
        min_distance: Smallest distance between two nodes.

    Returns:
        iso3 -> ``(x, y)`` position; states without coordinates go on a row at the bottom.
    """
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    ok = np.isfinite(lat_a) & np.isfinite(lon_a)
    x = ((lon_a[ok] - CENTRE_LON + 180.0) % 360.0) - 180.0
    x = _normalise(_squeeze_gaps(x, 12.0), width)
    y = _normalise(_squeeze_gaps(lat_a[ok], 10.0), height)
    anchors = np.column_stack([x, y]) if ok.any() else np.empty((0, 2))
    missing = [i for i, good in zip(isos, ok, strict=True) if not good]
    extra = np.column_stack(
        [np.linspace(0, width, len(missing) + 2)[1:-1], np.full(len(missing), -0.1 * height)]
    )
    anchors = np.vstack([anchors, extra]) if len(missing) else anchors
    order = [i for i, good in zip(isos, ok, strict=True) if good] + missing
    pos = spread(anchors, np.full(len(order), min_distance / 2))
    return {iso: pos[k] for k, iso in enumerate(order)}


def centroid(points: Mapping[str, np.ndarray], members: Sequence[str]) -> np.ndarray | None:
    """Mean position of the ``members`` that have a position, or ``None`` when none has."""
    found = [points[m] for m in members if m in points]
    return np.mean(found, axis=0) if found else None


def bezier_points(p: np.ndarray, control: np.ndarray, q: np.ndarray, n: int = 24) -> np.ndarray:
    """``n`` points along the quadratic Bézier curve from ``p`` to ``q``."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p + 2 * (1 - t) * t * control + t**2 * q


def route_edge(
    p: np.ndarray,
    q: np.ndarray,
    *,
    top: float,
    obstacles: np.ndarray,
    long_span: float,
    arc_height: float,
    clearance: float,
) -> np.ndarray:
    """Route an edge as a quadratic Bézier curve.

    Edges spanning more than ``long_span`` horizontally arc over the top of the map ("over the
    Arctic"), so that long ties do not cross crowded regions. Other edges are straight or bent
    to either side, whichever keeps ``clearance`` from the nodes they do not join (or else
    comes closest to it), so that an edge does not seem to end at a node it merely passes.

    Args:
        p: Start point.
        q: End point.
        top: Highest node position (long arcs peak above it).
        obstacles: ``(n, 2)`` positions of all nodes (the edge's own ends are ignored).
        long_span: Horizontal span above which an edge arcs over the top.
        arc_height: How far above ``top`` the longest arcs peak (they rise with their span).
        clearance: Distance to keep from other nodes.

    Returns:
        The vertices ``[p, control, q]`` of the curve, or ``[p, q]`` when ``p == q``.
    """
    length = float(np.hypot(*(q - p)))
    span = abs(float(q[0] - p[0]))
    if length == 0:
        return np.array([p, q])
    if span > long_span:
        peak = top + 0.02 + arc_height * min(span / (2 * long_span), 1.0)
        control = np.array([(p[0] + q[0]) / 2, 2 * peak - (p[1] + q[1]) / 2])
        return np.array([p, control, q])
    away = (np.hypot(*(obstacles - p).T) > 1e-9) & (np.hypot(*(obstacles - q).T) > 1e-9)
    others = obstacles[away]
    normal = np.array([-(q - p)[1], (q - p)[0]]) / length
    best, best_gap = (p + q) / 2, -np.inf
    for bend in (0.0, 0.15, -0.15, 0.3, -0.3):
        control = (p + q) / 2 + normal * bend * length
        if len(others) == 0:
            return np.array([p, control, q])
        points = bezier_points(p, control, q)
        gap = float(np.min(np.hypot(*(points[:, None, :] - others[None, :, :]).T)))
        if gap >= clearance:
            return np.array([p, control, q])
        if gap > best_gap:
            best, best_gap = control, gap
    return np.array([p, best, q])
