"""Distances between capitals and the loss-of-strength gradient.

Boulding (1962, *Conflict and Defense*) observed that a state's power declines with distance from
its home base: the loss-of-strength gradient. We use a Gaussian decay, exp(-(d / R)^2), with a
per-state projection range R (km): strength holds up within a state's region and falls away
steeply beyond it, so a continental power brings little to bear on another continent while a
state with a long range (the United States) loses little over an ocean. The functional form is
an assumption of the model (Bueno de Mesquita 1981 used a log-distance discount; a plain
exponential leaves a long tail, e.g. about 15 % of China's strength in the Balkans).
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0


def great_circle_km(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Great-circle distances between every pair of points.

    Args:
        lat_deg: latitudes in degrees, shape (n,).
        lon_deg: longitudes in degrees, shape (n,).

    Returns:
        (n, n) symmetric matrix of distances in km (haversine formula), zero diagonal.

    Examples:
        A quarter of the equator (0 deg E to 90 deg E) is a quarter of Earth's circumference:

        >>> d = great_circle_km(np.array([0.0, 0.0]), np.array([0.0, 90.0]))
        >>> d.round(1).tolist()
        [[0.0, 10007.5], [10007.5, 0.0]]
    """
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def projection_weights(distance_km: np.ndarray, range_km: np.ndarray) -> np.ndarray:
    """Share of each state's capability that reaches each other state.

    Args:
        distance_km: (n, n) distances between capitals, km.
        range_km: (n,) projection range of each state, km (> 0).

    Returns:
        (n, n) matrix ``reach`` with ``reach[k, i] = exp(-(distance[k, i] / range[k]) ** 2)``:
        the fraction (0-1) of state k's capability that can be brought to bear at state i. The
        diagonal is 1 (a state's full capability counts at home).

    References:
        Boulding (1962): the loss-of-strength gradient, the idea that the power a state can
            bring to bear falls off with distance from its home base. The Gaussian shape of the
            decay is this model's own assumption.

    Examples:
        Two capitals 1000 km apart; state 0 has a range of 1000 km, state 1 of 2000 km. At one
        range a state keeps exp(-1) of its strength, at half a range exp(-1/4):

        >>> reach = projection_weights(np.array([[0.0, 1000.0], [1000.0, 0.0]]),
        ...                            np.array([1000.0, 2000.0]))
        >>> reach.round(4).tolist()
        [[1.0, 0.3679], [0.7788, 1.0]]
    """
    range_km = np.asarray(range_km, dtype=float)
    return np.exp(-((np.asarray(distance_km, dtype=float) / range_km[:, None]) ** 2))
