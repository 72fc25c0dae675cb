"""The global sensitivity analysis (experiments/sensitivity): which judgement parameters move
the key outcomes?

The parameters and their ranges are the priors group's (``configs/priors/default.yaml``, read by
:func:`sim.runner.priors.load_priors`): one place for each judgement parameter's range, shared
with the uncertainty runs (``run.uncertainty=priors``) and the Asian NATO study. Morris
elementary effects (SALib) screen every parameter; Sobol indices (Saltelli sampling, first
order and total) follow for the parameters the screen ranks highest. Both designs are drawn on
the unit cube and mapped onto each prior as the priors map their draws
(:meth:`sim.runner.priors.Prior.from_unit`: uniform, or log-uniform for ``scale: log``), so an
elementary effect is per step of the prior's range (of its logarithm on a log scale). The
outcomes are the registry's (:mod:`sim.outcomes`), named in the study's ``config.yaml``
(``outcomes``); each parameter point runs over the same replicate seeds and its outcome is the
mean over them (for a probability: the share of seeds).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.study.metrics import study_outcomes
from sim.study.pool import run_tasks

LEGACY_NAMES = {
    "asian_nato": "asian_nato_formed",
    "p_asian_nato": "asian_nato_formed",
    "chn_share_change_pp": "china_share_change_pp",
}
"""Columns of results written before the outcomes came from the registry, and their names now
(``experiments/sensitivity/run.py`` renames them when it reads saved results)."""


def base_config(cfg):
    """The composed config every run starts from: ``cfg.common``, the priors group
    (``cfg.priors_group``) and the base seed."""
    from sim.runner.config import compose

    return compose([*cfg.common, f"priors={cfg.priors_group}", f"seed={cfg.base_seed}"])


def study_priors(cfg, base=None) -> list:
    """The priors the study varies (:class:`sim.runner.priors.Prior`, in the group's order):
    every prior of the group, or those whose paths ``cfg.parameters`` lists.

    Raises:
        ValueError: ``cfg.parameters`` names a path that is not a prior of the group.
    """
    from sim.runner.priors import load_priors

    priors = load_priors(base if base is not None else base_config(cfg))
    chosen = [str(p) for p in cfg.parameters]
    unknown = sorted(set(chosen) - {p.path for p in priors})
    if unknown:
        raise ValueError(f"parameters {unknown} are not priors of priors={cfg.priors_group}")
    return [p for p in priors if not chosen or p.path in chosen]


def defaults(base, priors) -> dict[str, float]:
    """Each prior's value in the composed config ``base`` (the model's default)."""
    return {p.path: float(OmegaConf.select(base, p.path)) for p in priors}


def problem(priors, names: list[str] | None = None) -> dict:
    """SALib problem for the priors (all, or ``names``, in the priors' order): their paths,
    ranges and scales."""
    chosen = [p for p in priors if names is None or p.path in names]
    return {
        "num_vars": len(chosen),
        "names": [p.path for p in chosen],
        "bounds": [[p.low, p.high] for p in chosen],
        "scales": [p.scale for p in chosen],
    }


def unit(prob: dict) -> dict:
    """The SALib problem on the unit cube that the designs are drawn on (see :func:`to_values`)."""
    k = prob["num_vars"]
    return {"num_vars": k, "names": list(prob["names"]), "bounds": [[0.0, 1.0]] * k}


def to_values(priors, prob: dict, u: np.ndarray) -> np.ndarray:
    """Map a design on the unit cube onto the priors of ``prob`` (column by column, as
    :meth:`sim.runner.priors.Prior.from_unit` maps a draw: uniform or log-uniform)."""
    by_path = {p.path: p for p in priors}
    u = np.asarray(u, float)
    return np.column_stack([by_path[n].from_unit(u[:, j]) for j, n in enumerate(prob["names"])])


def check_problem(prob: dict, defaults: dict[str, float] | None = None) -> None:
    """Raise ValueError unless names are unique and each range is non-empty (and holds the
    default, when given)."""
    names = prob["names"]
    if len(set(names)) != len(names) or len(names) != prob["num_vars"]:
        raise ValueError("parameter names must be unique and match num_vars")
    for name, (lo, hi) in zip(names, prob["bounds"], strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"{name}: bounds [{lo}, {hi}] are not an interval")
        if defaults is not None and not lo <= defaults[name] <= hi:
            raise ValueError(f"{name}: default {defaults[name]} lies outside [{lo}, {hi}]")


def morris_design(prob: dict, trajectories: int, levels: int, seed: int) -> np.ndarray:
    """Morris trajectories, (trajectories * (k + 1), k)."""
    from SALib.sample import morris

    return morris.sample(prob, trajectories, num_levels=levels, seed=seed)


def morris_indices(prob: dict, x: np.ndarray, y: np.ndarray, levels: int, seed: int):
    """mu, mu*, sigma and the 95 % bootstrap half-width of mu*, one row per parameter."""
    from SALib.analyze import morris

    res = morris.analyze(
        prob, x, y, num_levels=levels, num_resamples=1000, conf_level=0.95, seed=seed
    )
    return pd.DataFrame(
        {
            "parameter": prob["names"],
            "mu": res["mu"],
            "mu_star": res["mu_star"],
            "sigma": res["sigma"],
            "mu_star_conf": res["mu_star_conf"],
        }
    )


def sobol_design(prob: dict, n: int, seed: int) -> np.ndarray:
    """Saltelli's extension of a scrambled Sobol sequence, (n * (k + 2), k); first order and
    total indices only."""
    from SALib.sample import sobol

    return sobol.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)


def sobol_indices(prob: dict, y: np.ndarray, seed: int) -> pd.DataFrame:
    """S1, ST and their 95 % bootstrap half-widths, one row per parameter (NaN if y is
    constant: no variance to share out)."""
    from SALib.analyze import sobol

    names = prob["names"]
    if np.nanvar(y) == 0:
        nan = np.full(len(names), np.nan)
        return pd.DataFrame(
            {"parameter": names, "S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        )
    res = sobol.analyze(
        prob, y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=seed
    )
    return pd.DataFrame(
        {
            "parameter": names,
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def top_parameters(morris_table: pd.DataFrame, names: list[str], k: int) -> list[str]:
    """The ``k`` parameters with the largest mu* relative to the largest of their outcome, on
    any outcome (ties in config order); returned in config order."""
    score = pd.Series(0.0, index=names)
    for _, group in morris_table.groupby("outcome", sort=False):
        top = group["mu_star"].max()
        if top > 0:
            score = np.maximum(score, group.set_index("parameter")["mu_star"] / top)
    order = sorted(names, key=lambda p: (-score[p], names.index(p)))
    chosen = set(order[:k])
    return [p for p in names if p in chosen]


_base: dict[tuple, tuple] = {}  # (common overrides, base seed) -> (composed config, its world)


def run_point(task: tuple) -> list[dict]:
    """Run one parameter point over its replicate seeds; one row per run, with the outcomes
    (a probability's as 0/1, a mean's as a float) read from the run's summary."""
    from sim.runner.config import compose
    from sim.runner.simulate import prepare, simulate

    stage, index, values, common, base_seed, seeds, outcomes = task
    if (common, base_seed) not in _base:
        base = compose([*common, f"seed={base_seed}"])
        _base[common, base_seed] = (base, prepare(base).world)
    base, world = _base[common, base_seed]
    # the world is built once a process: a point changes model settings only, unless a
    # parameter is a world key
    same_world = not any(key.startswith("world.") for key, _ in values)
    kinds = {o.name: (bool if o.kind == "probability" else float) for o in study_outcomes(outcomes)}
    rows = []
    with point_config(base, values) as cfg:
        prepared = prepare(cfg, world if same_world else None)
        for r in range(seeds):
            s = simulate(cfg, r, prepared)["summary"].iloc[0]  # seeded from cfg.seed = base_seed
            rows.append(
                {
                    "stage": stage,
                    "point": index,
                    "replicate": r,
                    "seed": int(s["seed"]),
                    **{name: kind(s[name]) for name, kind in kinds.items()},
                }
            )
    return rows


def _plain_value(cfg, key: str) -> bool:
    """Whether ``key`` holds a value of its own in ``cfg`` (not an interpolation, not missing)."""
    from omegaconf import DictConfig

    parent_key, _, leaf = key.rpartition(".")
    parent = OmegaConf.select(cfg, parent_key) if parent_key else cfg
    return (
        isinstance(parent, DictConfig)
        and leaf in parent
        and not OmegaConf.is_interpolation(parent, leaf)
        and not OmegaConf.is_missing(parent, leaf)
    )


@contextmanager
def point_config(base, values):
    """``base`` with a point's ``values`` (``(key, value)`` pairs) set, for the block: set in
    ``base`` itself and put back when the block ends, however it ends, when each key holds a
    plain value there (copying the whole config costs as much as checking it: about a tenth of
    a point of three runs); else set in a copy.

    Examples:
        >>> base = OmegaConf.create({"model": {"a": 1.0, "b": "${model.a}"}})
        >>> with point_config(base, [("model.a", 2.0)]) as cfg:
        ...     cfg is base, cfg.model.b
        (True, 2.0)
        >>> with point_config(base, [("model.b", 3.0)]) as cfg:
        ...     cfg is base, cfg.model.b
        (False, 3.0)
        >>> OmegaConf.to_container(base)
        {'model': {'a': 1.0, 'b': '${model.a}'}}
    """
    in_place = all(_plain_value(base, key) for key, _ in values)
    cfg = base if in_place else base.copy()
    saved = [(key, OmegaConf.select(base, key)) for key, _ in values] if in_place else []
    try:
        for key, value in values:
            OmegaConf.update(cfg, key, float(value), merge=False)
        yield cfg
    finally:
        for key, value in reversed(saved):
            OmegaConf.update(cfg, key, value, merge=False)


def evaluate(stage: str, prob: dict, x: np.ndarray, cfg, seeds: int, workers: int):
    """Run every row of a design; returns (per-run table, per-point outcome table: the design
    and each outcome's mean over the seeds)."""
    outcomes = tuple(cfg.outcomes)
    tasks = [
        (
            stage,
            i,
            tuple(zip(prob["names"], map(float, row), strict=True)),
            tuple(cfg.common),
            int(cfg.base_seed),
            seeds,
            outcomes,
        )
        for i, row in enumerate(x)
    ]
    rows = [row for point in run_tasks(run_point, tasks, workers, stage, 4) for row in point]
    runs = pd.DataFrame(rows).sort_values(["point", "replicate"], ignore_index=True)
    per_point = runs.groupby("point")[list(outcomes)].mean()
    design = pd.DataFrame(x, columns=prob["names"])
    design.index.name = "point"
    return runs, design.join(per_point).reset_index()


def morris_table(cfg, prob: dict, x: np.ndarray, points: pd.DataFrame) -> pd.DataFrame:
    """Morris indices of every outcome (column ``outcome``), in the order of ``cfg.outcomes``."""
    levels, seed = int(cfg.morris.levels), int(cfg.morris.sample_seed)
    return pd.concat(
        [
            morris_indices(prob, x, points[k].to_numpy(float), levels, seed).assign(outcome=k)
            for k in cfg.outcomes
        ],
        ignore_index=True,
    )


def sobol_table(cfg, prob: dict, points: pd.DataFrame) -> pd.DataFrame:
    """Sobol indices of every outcome (column ``outcome``), in the order of ``cfg.outcomes``."""
    seed = int(cfg.sobol.sample_seed)
    return pd.concat(
        [
            sobol_indices(prob, points[k].to_numpy(float), seed).assign(outcome=k)
            for k in cfg.outcomes
        ],
        ignore_index=True,
    )


@dataclass
class Analysis:
    """Both stages: designs, runs, per-point outcomes and indices, and the priors varied."""

    priors: list
    defaults: dict
    x_morris: np.ndarray
    runs_morris: pd.DataFrame
    points_morris: pd.DataFrame
    morris: pd.DataFrame
    kept: list[str]
    x_sobol: np.ndarray
    runs_sobol: pd.DataFrame
    points_sobol: pd.DataFrame
    sobol: pd.DataFrame

    def stats(self, dose: float) -> dict:
        """Counts and the share of runs in which an Asian NATO formed, for the report."""
        return {
            "dose": dose,
            "morris_runs": len(self.runs_morris),
            "sobol_runs": len(self.runs_sobol),
            "morris_points": len(self.points_morris),
            "sobol_points": len(self.points_sobol),
            "p_morris": float(self.runs_morris["asian_nato_formed"].mean()),
            "p_sobol": float(self.runs_sobol["asian_nato_formed"].mean()),
        }


def check_design(points: pd.DataFrame, prob: dict, x: np.ndarray) -> None:
    """Raise ValueError unless a saved per-point table holds the design ``x`` of ``prob``."""
    design = points.reindex(columns=prob["names"]).to_numpy(float)
    if design.shape != x.shape or not np.allclose(design, x):
        raise ValueError("the saved results were made with another design")


def analyse(cfg, workers: int, saved: dict | None = None) -> Analysis:
    """Screen, choose, then compute Sobol indices. With ``saved`` (``runs``, ``morris_design``,
    ``sobol_design`` tables of an earlier run of the same designs, outcome columns under
    today's names: :data:`LEGACY_NAMES`) nothing is run.

    Raises:
        ValueError: ``saved`` was made with another Morris or Sobol design; a parameter that is
            not a prior; a prior's range that does not hold the model's default.
    """
    base = base_config(cfg)
    priors = study_priors(cfg, base)
    full = problem(priors)
    values = defaults(base, priors)
    check_problem(full, values)
    m = cfg.morris
    u_m = morris_design(unit(full), int(m.trajectories), int(m.levels), int(m.sample_seed))
    x_m = to_values(priors, full, u_m)
    if saved is not None:
        runs = saved["runs"]
        runs_m, runs_s = (
            runs[runs["stage"] == s].reset_index(drop=True) for s in ("morris", "sobol")
        )
        points_m = saved["morris_design"]
        check_design(points_m, full, x_m)
    else:
        runs_m, points_m = evaluate("morris", full, x_m, cfg, int(m.seeds), workers)
    morris_t = morris_table(cfg, unit(full), u_m, points_m)
    kept = top_parameters(morris_t, full["names"], int(cfg.sobol.top_k))
    sub = problem(priors, kept)
    u_s = sobol_design(unit(sub), int(cfg.sobol.n), int(cfg.sobol.sample_seed))
    x_s = to_values(priors, sub, u_s)
    if saved is not None:
        points_s = saved["sobol_design"]
        check_design(points_s, sub, x_s)
    else:
        runs_s, points_s = evaluate("sobol", sub, x_s, cfg, int(cfg.sobol.seeds), workers)
    sobol_t = sobol_table(cfg, unit(sub), points_s)
    return Analysis(
        priors, values, x_m, runs_m, points_m, morris_t, kept, x_s, runs_s, points_s, sobol_t
    )
