"""The numbers the studies report: forecast scores, intervals over runs, and the outcomes they
read from the registry (:mod:`sim.outcomes`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim import stats


def spearman(a, b) -> float:
    """Spearman's rank correlation (``scipy.stats.spearmanr``: average ranks for ties); NaN if
    either side is constant."""
    from scipy.stats import spearmanr

    x, y = np.asarray(a, float), np.asarray(b, float)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(spearmanr(x, y).statistic)


def mae(a, b) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(a, float) - np.asarray(b, float))))


def probability(values: pd.Series) -> tuple[float, float, float]:
    """Share of runs in which a 0/1 outcome happened, with its 95 % Wilson interval."""
    return stats.wilson(int(values.sum()), len(values))


def mean_normal(values: pd.Series) -> tuple[float, float, float]:
    """Mean and its 95 % normal-approximation interval (large samples: many seeds a point)."""
    return stats.mean_ci(values.to_numpy(float), dist="normal")


def study_outcomes(names: Iterable[str], share_states: Mapping[str, str] | None = None):
    """The registry's outcomes named ``names``, in that order; families are expanded over the
    states of the model's defaults, or over ``share_states`` (``label -> iso3``) when given.

    Raises:
        KeyError: a name that is not an outcome of the registry.
    """
    from sim.outcomes import outcomes
    from sim.schema import PredicatesConfig

    predicates = PredicatesConfig()
    if share_states is not None:
        predicates = SimpleNamespace(
            **{**vars(predicates), "budget_states": {}, "share_states": dict(share_states)}
        )
    known = {o.name: o for o in outcomes(predicates)}
    missing = [n for n in names if n not in known]
    if missing:
        raise KeyError(f"not outcomes of sim.outcomes: {missing}")
    return [known[n] for n in names]
