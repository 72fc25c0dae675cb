"""Interval estimates and effect sizes for outcomes over seeded runs.

Used by the sweep table (``sim.runner.sweep``), the compare command (``sim.cli.compare``) and
the experiments. Each function takes plain numbers or arrays and returns plain floats, so the
arithmetic is easy to check against textbook values (tests/test_stats.py).

Conventions (named so that a reader can reproduce every interval):
- a probability (share of runs in which something happened) gets the Wilson score interval
  (Wilson 1927), which behaves at 0 and 1 where the normal interval does not (Brown, Cai &
  DasGupta 2001);
- a mean gets the Student t interval (``dist="t"``, the default) or, for large samples, the
  normal one (``dist="normal"``), cut to the values' range when it has one (``support``);
- a difference of means gets Welch's interval (unequal variances, Welch-Satterthwaite degrees of
  freedom) and Cohen's d with the pooled standard deviation;
- a difference of probabilities gets Newcombe's hybrid score interval (Newcombe 1998, method 10)
  and Cohen's h = 2 asin(sqrt p1) - 2 asin(sqrt p2) (Cohen 1988).
All intervals are two-sided at ``level`` (default 0.95). A statistic that the data cannot give
(a standard deviation from one run) is NaN, never a made-up number.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

LEVEL = 0.95


def z_value(level: float = LEVEL) -> float:
    """Two-sided standard normal quantile, e.g. 1.959964 for 0.95."""
    return float(_st.norm.ppf(0.5 + level / 2))


def _clean(values) -> np.ndarray:
    v = np.asarray(values, dtype=float).ravel()
    return v[~np.isnan(v)]


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float, float]:
    """Proportion and its Wilson score interval: ``(p, low, high)``; NaNs when ``n == 0``."""
    if n == 0:
        return math.nan, math.nan, math.nan
    z = z_value(level)
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n * n)) / denom
    return p, min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))


def mean_ci(
    values, level: float = LEVEL, dist: str = "t", support: tuple[float, float] | None = None
) -> tuple[float, float, float]:
    """Mean and its interval ``(mean, low, high)``; the bounds are NaN with fewer than 2 values.

    Args:
        values: numbers (NaNs are dropped).
        level: confidence level.
        dist: ``"t"`` (Student, n - 1 degrees of freedom) or ``"normal"``.
        support: the values' range, when bounded (a count: ``(0, inf)``; a share: ``(0, 1)``):
            the interval is cut to it. The true mean of values in a range lies in it, so
            cutting drops only impossible values and changes no interval's coverage of it (nor
            raises a t interval's coverage where that falls short of ``level``, as for counts
            of few runs); a count's interval 1 [-1.48, 3.48] from three runs becomes
            [0, 3.48].

    Examples:
        >>> [round(x, 2) for x in mean_ci([0, 2], support=(0, math.inf))]
        [1.0, 0.0, 13.71]
    """
    v = _clean(values)
    if v.size == 0:
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if v.size < 2:
        return m, math.nan, math.nan
    if dist == "t":
        q = float(_st.t.ppf(0.5 + level / 2, v.size - 1))
    elif dist == "normal":
        q = z_value(level)
    else:
        raise ValueError(f"dist must be 't' or 'normal', not {dist!r}")
    half = q * float(v.std(ddof=1)) / math.sqrt(v.size)
    low, high = support if support is not None else (-math.inf, math.inf)
    return m, max(m - half, float(low)), min(m + half, float(high))


def welch_diff(a, b, level: float = LEVEL) -> tuple[float, float, float]:
    """Difference of means ``mean(b) - mean(a)`` with Welch's interval ``(diff, low, high)``."""
    x, y = _clean(a), _clean(b)
    if x.size == 0 or y.size == 0:
        return math.nan, math.nan, math.nan
    diff = float(y.mean() - x.mean())
    if x.size < 2 or y.size < 2:
        return diff, math.nan, math.nan
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return diff, diff, diff
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(_st.t.ppf(0.5 + level / 2, df)) * se
    return diff, diff - half, diff + half


def cohens_d(a, b) -> float:
    """Standardised difference ``(mean(b) - mean(a)) / pooled sd``; NaN when undefined.

    Zero when both groups are identical constants (no difference, no spread); infinite with a
    sign when they are different constants.
    """
    x, y = _clean(a), _clean(b)
    if x.size < 2 or y.size < 2:
        return math.nan
    diff = float(y.mean() - x.mean())
    pooled = ((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / (x.size + y.size - 2)
    if pooled == 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    return diff / math.sqrt(pooled)


def newcombe_diff(
    s1: int, n1: int, s2: int, n2: int, level: float = LEVEL
) -> tuple[float, float, float]:
    """Difference of proportions ``p2 - p1`` with Newcombe's hybrid score interval."""
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan, math.nan
    p1, l1, u1 = wilson(s1, n1, level)
    p2, l2, u2 = wilson(s2, n2, level)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, low, high


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h for two proportions: ``2 asin(sqrt p2) - 2 asin(sqrt p1)``."""
    if any(math.isnan(p) for p in (p1, p2)):
        return math.nan
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def is_binary(values) -> bool:
    """Whether an outcome is an event indicator (only 0s and 1s, or booleans)."""
    v = _clean(values)
    return v.size > 0 and bool(np.all((v == 0) | (v == 1)))


def describe(
    values,
    level: float = LEVEL,
    binary: bool | None = None,
    support: tuple[float, float] | None = None,
) -> dict[str, float]:
    """Summary of one outcome: n, mean and interval (Wilson for 0/1 outcomes, t otherwise, cut
    to the outcome's ``support`` when given: ``mean_ci``).

    ``binary`` says whether the outcome is an event indicator; ``None`` guesses from the values
    (only 0s and 1s), which a count that happens to be 0 or 1 would fool: say it when known.
    """
    v = _clean(values)
    if binary is None:
        binary = is_binary(v)
    if binary:
        mean, low, high = wilson(int(v.sum()), int(v.size), level)
    else:
        mean, low, high = mean_ci(v, level, support=support)
    return {"n": int(v.size), "mean": mean, "low": low, "high": high}


def compare(a, b, level: float = LEVEL, binary: bool | None = None) -> dict[str, float]:
    """Difference ``b - a`` of one outcome with its interval and effect size.

    0/1 outcomes: Newcombe interval and Cohen's h; others: Welch interval and Cohen's d.
    ``binary`` as in :func:`describe`.
    """
    x, y = _clean(a), _clean(b)
    if binary is None:
        binary = is_binary(x) and is_binary(y)
    if binary:
        d, low, high = newcombe_diff(int(x.sum()), x.size, int(y.sum()), y.size, level)
        effect = cohens_h(x.mean(), y.mean())
        kind = "h"
    else:
        d, low, high = welch_diff(x, y, level)
        effect = cohens_d(x, y)
        kind = "d"
    return {"diff": d, "low": low, "high": high, "effect": effect, "effect_kind": kind}


SPREAD = (0.05, 0.95)
"""Quantiles of the spread over parameter draws (:func:`draw_spread`)."""


def draw_spread(values, draws, binary: bool = False, quantiles=SPREAD) -> dict[str, float]:
    """Spread of an outcome over parameter draws (runs with ``run.uncertainty=priors``).

    The Monte Carlo interval of the mean (:func:`describe`) says how well the runs pin the mean;
    this says how far the outcome moves as the judgement parameters move over their priors.

    Args:
        values: the outcome, one per run (NaNs are dropped).
        draws: one label per run; runs that drew the same parameters share a label (NaN: the
            run drew nothing, dropped).
        binary: the outcome is a 0/1 indicator (a probability).
        quantiles: the two quantiles reported (default 5 % and 95 %).

    Returns:
        ``low`` and ``high``, the quantiles; ``n_draws``, the number of draws; ``seeds_per_draw``,
        the fewest runs of any draw. With several seeds per draw the quantiles are those of the
        per-draw means (for a probability, the per-draw share of runs); with one seed per draw,
        those of the per-run values, which then include the seeds' noise, and NaN for a 0/1
        outcome, whose spread over draws cannot be told apart from the coin of each run.
    """
    v = np.asarray(values, dtype=float).ravel()
    g = np.asarray(draws, dtype=float).ravel()
    keep = ~(np.isnan(v) | np.isnan(g))
    v, g = v[keep], g[keep]
    out = {"low": math.nan, "high": math.nan, "n_draws": 0, "seeds_per_draw": 0}
    if v.size == 0:
        return out
    labels, index, counts = np.unique(g, return_inverse=True, return_counts=True)
    out["n_draws"], out["seeds_per_draw"] = int(labels.size), int(counts.min())
    if counts.min() >= 2:
        basis = np.bincount(index, weights=v) / counts
    elif binary:
        return out
    else:
        basis = v
    out["low"], out["high"] = (float(q) for q in np.quantile(basis, quantiles))
    return out
