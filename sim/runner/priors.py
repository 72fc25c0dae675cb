"""Uncertainty over judgement parameters: prior ranges in config, joint draws per replicate.

The config group ``priors`` (``configs/priors/default.yaml``) maps dotted config paths to
their priors, ``priors.<path>: {low, high, scale, note}`` (``sim.schema.PriorConfig``). With
``run.uncertainty=priors`` replicate ``r`` of a run seeded ``seed`` takes point ``r`` of a
scrambled Sobol sequence (``scipy.stats.qmc.Sobol``, ``scramble=True``) in ``d`` dimensions,
one per prior in the order of their paths (sorted), mapped to each prior: uniform on
``[low, high]``, or log-uniform with ``scale: log``. The design's scrambling is drawn from its
own stream, ``SeedSequence(seed, spawn_key=(DESIGN_SPAWN_KEY,))``: the model's seed for
replicate ``r`` stays ``sim.runner.simulate.replicate_seed(seed, r)`` (spawn key ``(r,)``,
``r`` below 2**31), so switching priors on changes the parameters, not the model's own random
draws. Point ``r`` depends only on ``(seed, r)`` and the priors (their paths, ranges and
scales; adding or removing a prior changes every point), never on how the replicates are split
across jobs (``run.first_replicate``) or on the launcher.

Studies use the same three steps:

    priors = load_priors(cfg)                  # checked against cfg: paths, ranges
    values = draw(priors, seed, range(200))    # 200 x d, deterministic: a design of 200 draws
    run_cfg = apply(cfg, priors, values[i])    # a copy of cfg with draw i set in
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from sim.errors import UserError

UNCERTAINTY = ("none", "priors")
"""Values of ``run.uncertainty``."""
SCALES = ("linear", "log")
DESIGN_SPAWN_KEY = 2**31
"""Spawn key of the Sobol design's stream: above every replicate's key (``(r,)``, r < 2**31)."""
COLUMN = "prior."
"""Prefix of the summary columns that record a run's drawn values: ``prior.<path>``."""
ROOTS = ("model", "world", "scenario")
"""The sections a prior may set."""
MAX_POINTS = 2**30
"""scipy's Sobol engine gives at most 2**30 points."""
MC_LABEL = "Monte Carlo 95 % CI"
"""How reports name the interval of a mean over runs (how well the runs pin the mean)."""
SPREAD_LABEL = "spread over parameter draws (5-95 %)"
"""How reports name the quantiles of an outcome over the priors' draws."""
NOT_SEPARABLE = "not separable*"
"""Printed instead of a probability's spread over draws when each draw has one seed."""
SEPARABILITY_NOTE = (
    "* a probability is 0/1 in each run: with one seed per draw its spread over the draws "
    "cannot be told apart from the seeds' noise; its mean and Monte Carlo CI already average "
    "over the draws (several seeds per draw separate it: sim.runner.priors.draw in a study)"
)


def spread_basis(seeds_per_draw: int) -> str:
    """What the spread over draws is computed from, in words."""
    if seeds_per_draw >= 2:
        return f"spreads of the per-draw means ({seeds_per_draw}+ seeds per draw)"
    return "one seed per draw: spreads of the per-run values, the seeds' noise included"


@dataclass(frozen=True)
class Prior:
    """The prior of one parameter: its dotted config path, range, scale and reason."""

    path: str
    low: float
    high: float
    scale: str = "linear"
    note: str = ""

    @property
    def column(self) -> str:
        """The summary column that records the drawn value."""
        return f"{COLUMN}{self.path}"

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points of [0, 1) to the prior: uniform, or log-uniform for ``scale: log``."""
        u = np.asarray(u, dtype=float)
        if self.scale == "log":
            lo, hi = math.log(self.low), math.log(self.high)
            values = np.exp(lo + u * (hi - lo))
        else:
            values = self.low + u * (self.high - self.low)
        return np.clip(values, self.low, self.high)


def uncertainty(cfg) -> str:
    """``run.uncertainty`` of a config (``none`` when it has none).

    Raises:
        UserError: a value other than ``none`` or ``priors``.
    """
    run = cfg.get("run") if hasattr(cfg, "get") else getattr(cfg, "run", None)
    if hasattr(run, "get"):
        value = str(run.get("uncertainty", "none"))
    else:
        value = str(getattr(run, "uncertainty", "none"))
    if value not in UNCERTAINTY:
        raise UserError(
            f"run.uncertainty must be one of {', '.join(UNCERTAINTY)} (got {value!r}): none "
            "keeps the config's values, priors draws them from the priors group"
        )
    return value


def uses_priors(cfg) -> bool:
    """Whether the replicates of ``cfg`` draw their parameters (``run.uncertainty=priors``)."""
    return uncertainty(cfg) == "priors"


_ABSENT = object()


def _check_target(cfg, prior: Prior) -> None:
    """The prior's path names a real-valued key of ``cfg`` whose range holds [low, high]."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    where = f"priors.{prior.path}"
    root = prior.path.split(".")[0]
    if root not in ROOTS:
        raise UserError(
            f"{where}: a prior sets a key of {', '.join(ROOTS)}, not of {root}; drop it with "
            f"~{where}"
        )
    value = OmegaConf.select(cfg, prior.path, default=_ABSENT, throw_on_missing=False)
    if value is _ABSENT:
        key = target_key(prior.path)
        entry = (
            f", set the entry first (+{prior.path}=VALUE)"
            if key is not None and key.container == "dict"
            else ""
        )
        raise UserError(
            f"{where}: {prior.path} is not a key of the config; check the spelling (list every "
            f"key with: alliance-sim --cfg job){entry} or drop the prior with ~{where}"
        )
    if value is None or isinstance(value, DictConfig | ListConfig | dict | list):
        what = "is not set (null)" if value is None else "is a section, not a number"
        raise UserError(f"{where}: {prior.path} {what}; a prior sets one numeric key")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise UserError(
            f"{where}: {prior.path} is {value!r}, not a number; a prior sets a numeric key"
        )
    key = target_key(prior.path)
    if key.integer if key is not None else isinstance(value, int):
        raise UserError(
            f"{where}: {prior.path} takes whole numbers; a prior draws real numbers, so it "
            "sets only real-valued keys"
        )
    span = key.range if key is not None else None
    for end in ("low", "high"):
        x = getattr(prior, end)
        if span is not None and x not in span:
            raise UserError(
                f"{where}.{end} = {x:g} lies outside the range of {prior.path}, {span}; see "
                "docs/configuration.md"
            )


def target_key(path: str):
    """The schema's numeric key (``sim.validate.NumericKey``: range and type) that the config
    path ``path`` falls under (``world.coercion_propensity.CHN``: ``world.coercion_propensity``;
    ``scenario.events.x.amount_usd_bn``: ``scenario.events.*.amount_usd_bn``), or None."""
    from sim.validate import numeric_keys

    parts = path.split(".")
    for key in numeric_keys().values():
        kp = key.key.split(".")
        n = len(kp)
        fits = {
            "scalar": len(parts) == n,
            "list": len(parts) == n + 1 and parts[-1].isdigit(),
            "dict": len(parts) > n,
        }[key.container]
        if fits and all(a in ("*", b) for a, b in zip(kp, parts, strict=False)):
            return key
    return None


def load_priors(cfg, check: bool = True) -> list[Prior]:
    """The priors of a composed config (its ``priors`` group), sorted by path.

    Args:
        cfg: the composed config.
        check: check each path against ``cfg`` (it must name a real-valued key whose
            documented range holds ``[low, high]``).

    Raises:
        UserError: one line naming the prior and the fix: a malformed entry, ``low > high``, a
            log scale with ``low <= 0``, an unknown scale, an unknown or non-numeric path.
    """
    from sim.schema import PriorConfig, typed_entry
    from sim.validate import check_node, path_entries

    node = cfg.get("priors") if hasattr(cfg, "get") else None
    priors = []
    for path, entry in sorted(path_entries(node, PriorConfig, "priors").items()):
        where = f"priors.{path}"
        typed = typed_entry(entry, PriorConfig, where)
        check_node(typed, PriorConfig, f"{where}.")
        prior = Prior(path, float(typed.low), float(typed.high), str(typed.scale), typed.note)
        if prior.scale not in SCALES:
            raise UserError(
                f"{where}.scale must be one of {', '.join(SCALES)} (got {prior.scale!r})"
            )
        if prior.low > prior.high:
            raise UserError(
                f"{where}: low ({prior.low:g}) exceeds high ({prior.high:g}); give low <= high"
            )
        if prior.scale == "log" and prior.low <= 0:
            raise UserError(
                f"{where}: a log scale needs low > 0 (got {prior.low:g}); raise low or use "
                "scale: linear"
            )
        if check:
            _check_target(cfg, prior)
        priors.append(prior)
    return priors


def required_priors(cfg) -> list[Prior]:
    """The priors of a config that draws its parameters (``run.uncertainty=priors``).

    Raises:
        UserError: as :func:`load_priors`, or the priors group is empty.
    """
    priors = load_priors(cfg)
    if not priors:
        raise UserError(
            "run.uncertainty=priors needs at least one prior, and the priors group is empty; "
            "choose priors=default or add one (+priors.model.KEY={low: X, high: Y})"
        )
    return priors


def design_seed(seed: int) -> np.random.SeedSequence:
    """The seed of the Sobol design of a run seeded ``seed``: its own stream, apart from the
    replicates' model seeds."""
    if seed < 0:
        raise UserError(f"seeds must be non-negative integers (got seed={seed})")
    return np.random.SeedSequence(int(seed), spawn_key=(DESIGN_SPAWN_KEY,))


def unit_points(d: int, seed: int, indices: Iterable[int]) -> np.ndarray:
    """Points ``indices`` of the scrambled Sobol sequence in ``[0, 1)^d`` seeded by
    ``design_seed(seed)``: an array ``len(indices) x d``, each row the same whichever other
    indices are asked for."""
    from scipy.stats import qmc

    idx = np.asarray(list(indices), dtype=np.int64).reshape(-1)
    if idx.size == 0 or d == 0:
        return np.empty((idx.size, d))
    if idx.min() < 0 or idx.max() >= MAX_POINTS:
        raise UserError(
            f"draw indices must lie in [0, {MAX_POINTS}) (got {idx.min()}..{idx.max()})"
        )
    engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(design_seed(seed)))
    lo, hi = int(idx.min()), int(idx.max())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The balance properties of Sobol")
        if hi - lo + 1 <= 4 * idx.size + 1024:
            if lo:
                engine.fast_forward(lo)
            block = engine.random(hi - lo + 1)
            return block[idx - lo]
        rows = {}
        for i in sorted(set(idx.tolist())):
            engine.reset()
            if i:
                engine.fast_forward(i)
            rows[i] = engine.random(1)[0]
        return np.array([rows[i] for i in idx.tolist()])


def draw(priors: Sequence[Prior], seed: int, indices: Iterable[int]) -> np.ndarray:
    """The parameter values of draws ``indices`` of the design seeded ``seed``.

    Args:
        priors: from :func:`load_priors` (their order is the design's dimensions).
        seed: the run's seed (``cfg.seed``).
        indices: which points: ``[r]`` for replicate r, ``range(D)`` for a design of D draws.

    Returns:
        An array ``len(indices) x len(priors)``: column j drawn from prior j. Deterministic:
        the same arguments give the same values, and row ``i`` depends only on ``indices[i]``.
    """
    u = unit_points(len(priors), seed, indices)
    if not priors:
        return u
    return np.column_stack([p.from_unit(u[:, j]) for j, p in enumerate(priors)])


def apply(cfg, priors: Sequence[Prior], values: Sequence[float]):
    """A copy of ``cfg`` with each prior's key set to its value (``cfg`` is left as it was).

    Raises:
        UserError: a value that the key's type refuses.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    values = np.asarray(values, dtype=float).reshape(-1)
    if len(values) != len(priors):
        raise ValueError(f"{len(priors)} priors but {len(values)} values")
    out = copy.deepcopy(cfg)
    OmegaConf.set_readonly(out, False)
    for prior, value in zip(priors, values, strict=True):
        try:
            OmegaConf.update(out, prior.path, float(value), merge=False)
        except OmegaConfBaseException as exc:
            first = str(exc).splitlines()[0]
            raise UserError(f"priors.{prior.path}: cannot set {prior.path}: {first}") from None
    return out


def columns(priors: Sequence[Prior], values: Sequence[float]) -> dict[str, float]:
    """The summary columns of one draw: ``{"prior.<path>": value}``."""
    return {p.column: float(v) for p, v in zip(priors, values, strict=True)}


def prior_columns(table) -> list[str]:
    """The ``prior.*`` columns of a summary or runs table (empty: no draws)."""
    return [c for c in table.columns if str(c).startswith(COLUMN)]


def draw_ids(table):
    """One label per row of a table with ``prior.*`` columns: rows that drew the same
    parameters share it (a Series of ints), NaN where a row drew nothing; None without
    ``prior.*`` columns."""
    import pandas as pd

    cols = prior_columns(table)
    if not cols:
        return None
    values = table[cols]
    drew = values.notna().all(axis=1)
    ids = pd.Series(np.nan, index=table.index)
    if drew.any():
        keys = values[drew].round(12).astype(float).apply(tuple, axis=1)
        ids[drew] = pd.factorize(keys)[0]
    return ids


def number(x: Any, digits: int = 3) -> str:
    """A number for a printed table: ``digits`` significant digits, ``n/a`` for NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{float(x):.{digits}g}"


def record(priors: Sequence[Prior], seed: int, replicates: Iterable[int]) -> dict[str, Any]:
    """What ``priors.json`` in a run folder holds: the priors, the design and, per replicate,
    the values the run used."""
    numbers = list(replicates)
    values = draw(priors, seed, numbers)
    return {
        "uncertainty": "priors",
        "design": (
            "scrambled Sobol sequence (scipy.stats.qmc.Sobol, scramble=True), one dimension "
            "per prior in the order listed; replicate r takes point r; scrambling from "
            f"numpy SeedSequence(seed, spawn_key=({DESIGN_SPAWN_KEY},))"
        ),
        "seed": int(seed),
        "priors": [asdict(p) for p in priors],
        "draws": [
            {"replicate": r, "values": {p.path: float(v) for p, v in zip(priors, row, strict=True)}}
            for r, row in zip(numbers, values, strict=True)
        ],
    }
