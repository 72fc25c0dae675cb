"""The NATO back-test (experiments/backtest_nato): NATO allies' defence shares, 2014 to 2024.

The world starts from the first year's figures, the threat changes after it as a scenario
(:func:`with_params` builds the events from a parameter point), and the model runs to the last
year. The parameters named under ``estimate`` in the config are estimated by a bounded optimiser
(:func:`estimate`) minimising the in-sample mean absolute error over ally-years, with the same
model seeds for every evaluation (common random numbers, so the objective is deterministic); the
others are held at the values under ``fixed``. A bootstrap over allies (:func:`bootstrap_fit`)
re-estimates on resampled allies, warm-started from the point estimate, for the parameters'
intervals and the out-of-sample MAE's. Each split of the config (``splits``: the last in-sample
year) is estimated on its own in-sample years only and scored on the rest against a naive and a
drift forecast (:func:`evaluate`); :func:`verdict` gives the acceptance checks.

Everything runs as tasks over processes (:func:`fit` with ``jobs``): every seed comes from the
config's base seed and the task's place (split, start, replicate), never from process order, so
the results are the same for any number of processes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf, open_dict

from sim.study.metrics import mae, spearman
from sim.study.pool import run_tasks

MODEL_KEYS = ("model.",)  # parameter keys set on the model config; the others shape the scenario
START_KEY, BOOTSTRAP_KEY = 1, 2  # spawn keys of SeedSequence(base_seed): starts, bootstrap draws

SCORES = ("out_mae", "out_mae_drawn", "naive_out_mae_drawn", "drift_out_mae_drawn", "change_rho")
"""A bootstrap fit's scores (:func:`bootstrap_fit`)."""

SimulateFn = Callable[[dict, int], pd.DataFrame]
"""``simulate_fn(params, last_year)``: simulated shares (``iso3, year, share_pct``) from the
first year to ``last_year`` at a parameter point (every estimated and fixed key)."""


# --- the figures ---------------------------------------------------------------------------


def load_actual(path: Path, exclude: Sequence[str] = ()) -> pd.DataFrame:
    """Actual defence shares: one row per ally and year (``iso3, year, share_pct, gdp_usd_bn``);
    the aggregates and states without figures are dropped."""
    d = pd.read_csv(path)
    d = d[~d["iso3"].str.startswith("NATO_") & ~d["iso3"].isin(list(exclude))]
    d = d.dropna(subset=["defence_pct_gdp"])
    return pd.DataFrame(
        {
            "iso3": d["iso3"].astype(str),
            "year": d["year"].astype(int),
            "share_pct": d["defence_pct_gdp"].astype(float),
            "gdp_usd_bn": d["gdp_usd_bn_current"].astype(float),
        }
    ).reset_index(drop=True)


def in_sample(actual: pd.DataFrame, last_in_sample: int) -> pd.DataFrame:
    """The rows calibration may see: years up to ``last_in_sample``."""
    return actual[actual["year"] <= last_in_sample].reset_index(drop=True)


def allies_of(actual: pd.DataFrame) -> list[str]:
    """The allies with figures, sorted (the order of every ally table and bootstrap draw)."""
    return sorted(str(c) for c in actual["iso3"].unique())


# --- forecasts and scores ------------------------------------------------------------------


def naive_forecast(actual: pd.DataFrame, first_year: int, years) -> pd.DataFrame:
    """Every ally's share stays at its ``first_year`` value in each of ``years``."""
    start = actual[actual["year"] == first_year][["iso3", "share_pct"]]
    return pd.DataFrame(
        [(c, y, s) for c, s in zip(start["iso3"], start["share_pct"], strict=True) for y in years],
        columns=["iso3", "year", "share_pct"],
    )


def drift_trend(
    actual: pd.DataFrame,
    first_year: int,
    last_in_sample: int,
    weights: Mapping[str, float] | None = None,
) -> float:
    """The allies' mean yearly change of share over the in-sample years (points a year),
    weighted by ``weights`` (ally -> weight; a bootstrap draw's counts) when given."""
    seen = in_sample(actual, last_in_sample).pivot(index="iso3", columns="year", values="share_pct")
    change = (seen[last_in_sample] - seen[first_year]).dropna()
    w = (
        pd.Series(1.0, index=change.index)
        if weights is None
        else change.index.to_series().map(weights).fillna(0.0).astype(float)
    )
    return float((change * w).sum() / w.sum()) / (last_in_sample - first_year)


def drift_forecast(
    actual: pd.DataFrame,
    first_year: int,
    last_in_sample: int,
    years,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Every ally's ``first_year`` share plus the allies' mean yearly in-sample change (one
    common trend, :func:`drift_trend`, estimated on in-sample figures only)."""
    trend = drift_trend(actual, first_year, last_in_sample, weights)
    start = actual[actual["year"] == first_year].set_index("iso3")["share_pct"]
    return pd.DataFrame(
        [(c, y, s + trend * (y - first_year)) for c, s in start.items() for y in years],
        columns=["iso3", "year", "share_pct"],
    )


def paired(forecast: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Forecast and actual side by side (``share_pct_f``, ``share_pct_a``) on their common
    ally-years."""
    return forecast.merge(actual, on=["iso3", "year"], suffixes=("_f", "_a"))[
        ["iso3", "year", "share_pct_f", "share_pct_a"]
    ]


def weighted_mae(
    forecast: pd.DataFrame,
    actual: pd.DataFrame,
    years,
    weights: Mapping[str, float] | None = None,
) -> float:
    """MAE over the ally-years of ``years``; with ``weights`` (ally -> weight, e.g. how often a
    bootstrap draw took it) each ally's years count that many times (allies not named count 0).
    Without weights it is :func:`sim.study.metrics.mae` over the ally-years."""
    p = paired(forecast, actual)
    p = p[p["year"].isin(list(years))]
    err = (p["share_pct_f"] - p["share_pct_a"]).abs().to_numpy(float)
    if weights is None:
        return float(err.mean())
    w = p["iso3"].map(weights).fillna(0.0).to_numpy(float)
    return float((err * w).sum() / w.sum())


def score_by_year(forecast: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """MAE (points of GDP) and Spearman's rho across allies, per year."""
    p = paired(forecast, actual)
    rows = [
        {
            "year": y,
            "mae": mae(g["share_pct_f"], g["share_pct_a"]),
            "spearman": spearman(g["share_pct_f"], g["share_pct_a"]),
            "allies": len(g),
        }
        for y, g in p.groupby("year")
    ]
    return pd.DataFrame(rows)


def score(forecast: pd.DataFrame, actual: pd.DataFrame, years) -> dict[str, float]:
    """MAE over every ally-year of ``years``, and the mean over those years of the per-year
    Spearman's rho."""
    years = list(years)
    by_year = score_by_year(forecast[forecast["year"].isin(years)], actual)
    return {
        "mae": weighted_mae(forecast, actual, years),
        "spearman": float(by_year["spearman"].mean()),
    }


def change_rho(shares: pd.DataFrame, actual: pd.DataFrame, start: int, end: int) -> float:
    """Spearman's rho across allies of the simulated change of share from ``start`` to ``end``
    with the actual change."""
    p = paired(shares, actual).set_index(["iso3", "year"])
    wide = p.unstack("year")
    model = wide[("share_pct_f", end)] - wide[("share_pct_f", start)]
    real = wide[("share_pct_a", end)] - wide[("share_pct_a", start)]
    ok = model.notna() & real.notna()
    return spearman(model[ok], real[ok])


# --- the parameter space -------------------------------------------------------------------


@dataclass(frozen=True)
class Space:
    """The estimated parameters (bounds and start point) and the fixed ones. The optimiser
    works in the unit cube: ``u = (value - lower) / (upper - lower)`` for each estimated key."""

    keys: tuple[str, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    start: tuple[float, ...]
    fixed: Mapping[str, object] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)

    def values(self, unit) -> dict[str, float]:
        """The estimated keys' values at a point of the unit cube (clipped into it)."""
        u = np.clip(np.asarray(unit, float), 0.0, 1.0)
        lo, hi = np.asarray(self.lower), np.asarray(self.upper)
        v = np.round(lo + u * (hi - lo), 12)  # no 0.5000000000000001 in the tables
        return {k: float(x) for k, x in zip(self.keys, v, strict=True)}

    def params(self, values: Mapping[str, float]) -> dict:
        """Every parameter: the fixed values and the estimated ``values``."""
        return {**self.fixed, **{k: float(values[k]) for k in self.keys}}

    def unit(self, values: Mapping[str, float]) -> np.ndarray:
        """The unit-cube point of the estimated keys' ``values``."""
        v = np.array([float(values[k]) for k in self.keys])
        lo, hi = np.asarray(self.lower), np.asarray(self.upper)
        return (v - lo) / (hi - lo)

    def start_values(self) -> dict[str, float]:
        return dict(zip(self.keys, self.start, strict=True))


def parameter_space(cfg) -> Space:
    """The config's ``estimate`` (``key: {lower, upper, start[, note]}``) and ``fixed``
    (``key: value``) as a :class:`Space`.

    Raises:
        ValueError: no estimated key; a key both estimated and fixed; bounds not
            ``lower < upper`` or a start outside them.
    """
    est = OmegaConf.to_container(cfg.estimate, resolve=True) or {}
    fixed = OmegaConf.to_container(cfg.get("fixed") or OmegaConf.create({}), resolve=True)
    if not est:
        raise ValueError("the config estimates no parameter (estimate: is empty)")
    both = sorted(set(est) & set(fixed))
    if both:
        raise ValueError(f"estimated and fixed at once: {both}")
    lower, upper, start, notes = [], [], [], {}
    for key, spec in est.items():
        lo, hi, x0 = float(spec["lower"]), float(spec["upper"]), float(spec["start"])
        if not lo < hi or not lo <= x0 <= hi:
            raise ValueError(f"estimate.{key}: need lower < upper and lower <= start <= upper")
        lower.append(lo)
        upper.append(hi)
        start.append(x0)
        if spec.get("note"):
            notes[key] = str(spec["note"])
    return Space(tuple(est), tuple(lower), tuple(upper), tuple(start), fixed, notes)


@dataclass(frozen=True)
class Optimiser:
    """How one estimation runs: a bounded ``scipy.optimize.minimize`` method in the unit cube,
    at most ``max_evaluations`` model evaluations, a first simplex (Nelder-Mead) or set of
    directions (Powell) of edge ``step``, and the tolerances (``xatol`` in the unit cube,
    ``fatol`` in points of GDP)."""

    method: str = "Nelder-Mead"
    max_evaluations: int = 100
    step: float = 0.25
    xatol: float = 0.01
    fatol: float = 1e-4

    @classmethod
    def from_config(cls, section, max_evaluations: int | None = None, step: float | None = None):
        return cls(
            method=str(section.get("method", cls.method)),
            max_evaluations=int(max_evaluations or section.max_evaluations),
            step=float(step or section.get("step", cls.step)),
            xatol=float(section.get("xatol", cls.xatol)),
            fatol=float(section.get("fatol", cls.fatol)),
        )


def start_points(space: Space, starts: int, base_seed: int) -> list[np.ndarray]:
    """The optimiser's start points in the unit cube: the config's start, then ``starts - 1``
    points of a Latin hypercube seeded from ``base_seed`` (the same for every split)."""
    from scipy.stats import qmc

    points = [space.unit(space.start_values())]
    if starts > 1:
        rng = np.random.default_rng(np.random.SeedSequence(int(base_seed), spawn_key=(START_KEY,)))
        points += list(qmc.LatinHypercube(len(space.keys), rng=rng).random(starts - 1))
    return points


# --- estimation ----------------------------------------------------------------------------


@dataclass
class Estimate:
    """One optimisation: the best point it evaluated, its in-sample MAE, and every evaluation
    (``evaluation, <keys>, in_mae``, in the order run; a point asked for twice is run once)."""

    values: dict[str, float]
    in_mae: float
    evaluations: pd.DataFrame
    message: str

    @property
    def runs(self) -> int:
        return len(self.evaluations)


def _first_simplex(x0: np.ndarray, step: float) -> np.ndarray:
    """Nelder-Mead's first simplex: ``x0`` and one vertex ``step`` away along each axis,
    inwards where the outward one would leave the unit cube."""
    vertices = [x0]
    for i in range(len(x0)):
        v = x0.copy()
        v[i] = x0[i] + step if x0[i] + step <= 1.0 else x0[i] - step
        vertices.append(v)
    return np.array(vertices)


def estimate(
    space: Space,
    simulate_fn: SimulateFn,
    actual: pd.DataFrame,
    first_year: int,
    last_in_sample: int,
    opt: Optimiser,
    start=None,
    weights: Mapping[str, float] | None = None,
) -> Estimate:
    """Minimise the in-sample MAE over ally-years (weighted by ``weights``, see
    :func:`weighted_mae`) over the estimated parameters, from ``start`` (a unit-cube point;
    default the config's start).

    The actual figures are cut to the in-sample years before anything else, and
    ``simulate_fn`` is only ever asked for ``last_in_sample``, so no later figure can reach the
    estimate. The objective is deterministic if ``simulate_fn`` is (the same seeds for every
    point); ties go to the point evaluated first.
    """
    from scipy.optimize import minimize

    seen = in_sample(actual, last_in_sample)
    years = range(first_year + 1, last_in_sample + 1)
    done: dict[tuple, float] = {}
    rows: list[dict] = []

    def objective(u) -> float:
        u = np.clip(np.asarray(u, float), 0.0, 1.0)
        key = tuple(np.round(u, 12))
        if key not in done:
            values = space.values(u)
            sim = simulate_fn(space.params(values), last_in_sample)
            done[key] = weighted_mae(sim, seen, years, weights)
            rows.append({"evaluation": len(rows), **values, "in_mae": done[key]})
        return done[key]

    x0 = np.clip(np.asarray(space.unit(space.start_values()) if start is None else start), 0, 1)
    bounds = [(0.0, 1.0)] * len(space.keys)
    if opt.method == "Nelder-Mead":
        options = {
            "maxfev": opt.max_evaluations,
            "xatol": opt.xatol,
            "fatol": opt.fatol,
            "initial_simplex": _first_simplex(x0, opt.step),
        }
    elif opt.method == "Powell":
        options = {
            "maxfev": opt.max_evaluations,
            "xtol": opt.xatol,
            "ftol": opt.fatol,
            "direc": np.eye(len(x0)) * opt.step,
        }
    else:
        raise ValueError(f"optimiser.method: Nelder-Mead or Powell, not {opt.method!r}")
    res = minimize(objective, x0, method=opt.method, bounds=bounds, options=options)
    table = pd.DataFrame(rows)
    best = table.loc[table["in_mae"].idxmin()]  # first of equal minima
    values = {k: float(best[k]) for k in space.keys}
    return Estimate(values, float(best["in_mae"]), table, str(res.message))


def resample(allies: Sequence[str], base_seed: int, split: int, replicate: int) -> dict[str, int]:
    """Bootstrap draw ``replicate`` of split number ``split``: allies drawn with replacement,
    as ally -> times drawn (allies not drawn are absent); seeded by
    ``SeedSequence(base_seed, spawn_key=(BOOTSTRAP_KEY, split, replicate))``."""
    seq = np.random.SeedSequence(int(base_seed), spawn_key=(BOOTSTRAP_KEY, split, replicate))
    draw = np.random.default_rng(seq).integers(0, len(allies), len(allies))
    counts = np.bincount(draw, minlength=len(allies))
    return {a: int(n) for a, n in zip(allies, counts, strict=True) if n}


@dataclass
class BootFit:
    """One bootstrap replicate: the draw, its estimate, and the estimate run to the last year
    (scored out of sample on every ally, and on the drawn allies against the benchmarks)."""

    replicate: int
    weights: dict[str, int]
    estimate: Estimate
    shares: pd.DataFrame  # the allies' shares, first to last year
    scores: dict[str, float]


def bootstrap_fit(
    space: Space,
    simulate_fn: SimulateFn,
    actual: pd.DataFrame,
    years: tuple[int, int, int],
    opt: Optimiser,
    point: Mapping[str, float],
    weights: dict[str, int],
    replicate: int = 0,
    run_fn: SimulateFn | None = None,
    change: tuple[int, int] | None = None,
) -> BootFit:
    """Re-estimate on the drawn allies (``weights``) from the point estimate ``point``, then
    run that estimate to the last year with ``run_fn`` (default ``simulate_fn``).

    Args:
        years: ``(first_year, last_in_sample, last_year)``.
        change: ``(start, end)`` years of the change whose rank correlation is scored.
    """
    first, last_in, last = years
    est = estimate(space, simulate_fn, actual, first, last_in, opt, space.unit(point), weights)
    allies = allies_of(actual)
    shares = (run_fn or simulate_fn)(space.params(est.values), last)
    shares = shares[shares["iso3"].isin(allies)].reset_index(drop=True)
    out = range(last_in + 1, last + 1)
    span = range(first, last + 1)
    scores = {
        "out_mae": weighted_mae(shares, actual, out),
        "out_mae_drawn": weighted_mae(shares, actual, out, weights),
        "naive_out_mae_drawn": weighted_mae(
            naive_forecast(actual, first, span), actual, out, weights
        ),
        "drift_out_mae_drawn": weighted_mae(
            drift_forecast(actual, first, last_in, span, weights), actual, out, weights
        ),
    }
    if change is not None:
        scores["change_rho"] = change_rho(shares, actual, *change)
    return BootFit(replicate, weights, est, shares, scores)


# --- the model ------------------------------------------------------------------------------


@functools.cache
def russia_2024() -> float:
    """Russia's 2024 defence spending, USD bn (SIPRI, the table shipped with the package)."""
    from sim.world.tables import builtin_states

    return float(builtin_states().loc["RUS", "defence_usd_bn"])


def base_config(cfg, actual: pd.DataFrame, last_year: int | None = None):
    """The composed first-year world (no scenario events yet).

    It reads the first year's figures of ``actual`` (GDP and share of every ally) and, with
    ``gdp_path`` set in the experiment's config, the allies' actual GDP of the years after it up
    to ``last_year`` (default ``cfg.last_year``) as ``world.gdp_path``: a run for the in-sample
    years is given no later figure.
    """
    from sim.runner.config import compose

    first_year = int(cfg.first_year)
    last_year = int(cfg.last_year if last_year is None else last_year)
    base = compose([*cfg.compose, f"seed={cfg.base_seed}"])
    first = actual[actual["year"] == first_year].set_index("iso3")
    world = OmegaConf.to_container(cfg.world, resolve=True)
    overrides = dict(world.pop("data_overrides", {}))
    for code in world["actors"]:
        if code in first.index:  # ally: first-year GDP and NATO's headline share of GDP
            gdp = float(first.loc[code, "gdp_usd_bn"])
            overrides[code] = {
                "gdp_usd_bn": gdp,
                "defence_usd_bn": gdp * float(first.loc[code, "share_pct"]) / 100,
            }
    overrides.setdefault("ISL", {})["defence_usd_bn"] = 0.0
    path: dict[str, dict[int, float]] = {}
    if bool(cfg.get("gdp_path", False)):
        later = actual[(actual["year"] > first_year) & (actual["year"] <= last_year)]
        for code, rows in later.groupby("iso3"):
            if code in world["actors"]:
                path[str(code)] = {
                    int(y): float(g) for y, g in zip(rows["year"], rows["gdp_usd_bn"], strict=True)
                }
    with open_dict(base):  # the experiment's world adds pairs the default lacks
        merged = OmegaConf.merge(base, {"world": world})
        # assigned, not merged (OmegaConf cannot merge into its nested typed dict)
        merged.world.data_overrides = overrides
        merged.world.gdp_path = path
    merged.scenario.name = cfg.scenario.name
    return merged


def check_model_keys(base, space: Space) -> None:
    """Every ``model.*`` key of the space names a setting of the composed model config.

    Raises:
        ValueError: a key the model does not have (a typo would otherwise add a setting nobody
            reads, or fail deep in the config check).
    """
    keys = [*space.keys, *space.fixed]
    unknown = [k for k in keys if k.startswith(MODEL_KEYS) and OmegaConf.select(base, k) is None]
    if unknown:
        raise ValueError(f"not settings of the model config: {unknown}")


def with_params(base, cfg, params: Mapping[str, object], horizon: int):
    """The base config with one parameter point: the one place that turns parameters into the
    run's config and the scenario's events.

    The scenario (``cfg.scenario``): the Wales pledge, a target on the treaty's members of each
    year that tightens towards its deadline (``pledge_deadline_gain``), with the weight and the
    abandonment risk of the model's own targets (``model.budget.target_weight``,
    ``model.budget.target_abandonment_risk``); Russia's aggressions (Crimea, the full-scale
    invasion), each an affinity shift of the same size (``aggression_shift``) fading with
    distance (``aggression_gradient_km``), bordering states in full; Russia's spending from the
    invasion on; the accessions on their dates.

    Args:
        base: the first-year world (:func:`base_config`).
        cfg: the experiment's config (``scenario``, ``world``).
        params: every parameter, estimated and fixed, by key: ``model.*`` keys are set on the
            model config; the others shape the scenario here.
        horizon: years to run after the first year; no event after the last year is built
            (so a run for the in-sample years carries nothing from later years).
    """
    run = base.copy()
    run.model.horizon = int(horizon)
    for key, value in params.items():
        if key.startswith(MODEL_KEYS):
            number = isinstance(value, int | float) and not isinstance(value, bool)
            OmegaConf.update(run, key, float(value) if number else value, merge=False)
    sc = cfg.scenario
    b = run.model.budget
    pledge = sc.pledge
    events: dict[str, dict] = {
        "wales_pledge": {
            "kind": "spending_target",
            "treaty": str(pledge.treaty),
            "target_pct_gdp": float(pledge.target_pct_gdp),
            "start_year": int(pledge.start_year),
            "weight": float(b.target_weight),
            "abandonment_risk": float(b.target_abandonment_risk),
            "deadline_year": int(pledge.deadline_year),
            "deadline_gain": float(params.get("pledge_deadline_gain", 0.0)),
            "note": "Wales summit 2014: move towards 2 % of GDP within a decade",
        },
        "russia_invasion_spending": {
            "kind": "budget_shock",
            "state": str(sc.aggressor),
            "spending_usd_bn": russia_2024(),
            "start_year": int(sc.invasion_year),
            "note": "Russia's spending from the full-scale invasion on (its 2024 figure)",
        },
    }
    for name, year in sc.aggressions.items():
        events[f"aggression_{name}"] = {
            "kind": "affinity_shift",
            "state": str(sc.aggressor),
            "change": -float(params.get("aggression_shift", 0.0)),
            "gradient_km": float(params.get("aggression_gradient_km", 1000.0)),
            "borders": list(sc.borders),
            "start_year": int(year),
            "note": f"Russia's aggression ({name}): hostility rises, most near it",
        }
    for code, year in sc.accessions.items():
        events[f"accession_{code}"] = {
            "kind": "accession",
            "state": str(code),
            "treaty": str(pledge.treaty),
            "start_year": int(year),
            "note": f"{code} joins {pledge.treaty}",
        }
    last = int(base.world.base_year) + int(horizon)
    run.scenario.events = {k: v for k, v in events.items() if v["start_year"] <= last}
    return run


def simulate_shares(run_cfg, seeds: int, world) -> pd.DataFrame:
    """Mean simulated share (% of GDP) per state and year over replicates ``0 .. seeds - 1`` of
    ``run_cfg.seed`` (the same seeds at every parameter point: common random numbers);
    ``world`` is the first-year world, the same for every point."""
    from sim.runner.simulate import prepare, simulate

    prepared = prepare(run_cfg, world=world)
    frames = [
        simulate(run_cfg, r, prepared)["states"][["iso3", "year", "defence_pct_gdp"]]
        for r in range(seeds)
    ]
    out = pd.concat(frames).groupby(["iso3", "year"], as_index=False)["defence_pct_gdp"].mean()
    return out.rename(columns={"defence_pct_gdp": "share_pct"})


_CONTEXTS: dict[str, tuple] = {}  # per process: config and figures -> (base config, world)


def _context(cfg, actual: pd.DataFrame, last_year: int | None = None) -> tuple:
    """The first-year config and world for runs to ``last_year`` (default the last year),
    built once per process."""
    last_year = int(cfg.last_year if last_year is None else last_year)
    text = OmegaConf.to_yaml(cfg) + actual.to_csv() + str(last_year)
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _CONTEXTS:
        from sim.world.builder import build_world

        base = base_config(cfg, actual, last_year)
        check_model_keys(base, parameter_space(cfg))
        _CONTEXTS[key] = (base, build_world(base.world))  # parameters never change the world
    return _CONTEXTS[key]


def model_simulator(cfg, actual: pd.DataFrame, seeds: int | None = None) -> SimulateFn:
    """The model as a :data:`SimulateFn`: the first-year world of ``actual`` (built once per
    process), the scenario of :func:`with_params`, the mean over ``seeds`` replicates (default
    ``calibration_seeds``)."""
    first = int(cfg.first_year)
    n = int(cfg.calibration_seeds if seeds is None else seeds)

    def simulate_fn(params: dict, last_year: int) -> pd.DataFrame:
        base, world = _context(cfg, actual, last_year)
        return simulate_shares(with_params(base, cfg, params, last_year - first), n, world)

    return simulate_fn


# --- tasks (module-level: they run in worker processes) ------------------------------------


@dataclass(frozen=True)
class Split:
    """One split of the years: estimated on ``first_year + 1 .. last_in_sample``, scored on
    the years after it."""

    index: int
    name: str
    last_in_sample: int


def splits_of(cfg) -> list[Split]:
    """The config's splits, in order.

    Raises:
        ValueError: a split whose last in-sample year is not strictly between the first and
            the last year, or two splits of one name.
    """
    first, last = int(cfg.first_year), int(cfg.last_year)
    out = [Split(i, str(s.name), int(s.last_in_sample)) for i, s in enumerate(cfg.splits)]
    for s in out:
        if not first < s.last_in_sample < last:
            raise ValueError(f"split {s.name}: last_in_sample must lie in ({first}, {last})")
    if len({s.name for s in out}) != len(out):
        raise ValueError("two splits have the same name")
    return out


def _years(cfg, split: Split) -> tuple[int, int, int]:
    return int(cfg.first_year), split.last_in_sample, int(cfg.last_year)


def _change(cfg) -> tuple[int, int]:
    return int(cfg.checks.change_from), int(cfg.checks.change_to)


def estimate_task(task: tuple) -> Estimate:
    """One start of one split's point estimate: ``(cfg, actual, split, start)``."""
    cfg, actual, split, start = task
    space = parameter_space(cfg)
    opt = Optimiser.from_config(cfg.optimiser)
    first, last_in, _ = _years(cfg, split)
    return estimate(space, model_simulator(cfg, actual), actual, first, last_in, opt, start)


def bootstrap_task(task: tuple) -> BootFit:
    """One bootstrap replicate of one split: ``(cfg, actual, split, replicate, point)``."""
    cfg, actual, split, replicate, point = task
    space = parameter_space(cfg)
    b = cfg.bootstrap
    opt = Optimiser.from_config(cfg.optimiser, int(b.max_evaluations), float(b.step))
    weights = resample(allies_of(actual), int(cfg.base_seed), split.index, replicate)
    return bootstrap_fit(
        space,
        model_simulator(cfg, actual),
        actual,
        _years(cfg, split),
        opt,
        point,
        weights,
        replicate,
        run_fn=model_simulator(cfg, actual, int(cfg.seeds)),
        change=_change(cfg),
    )


def final_task(task: tuple) -> pd.DataFrame:
    """The point estimate run to the last year over ``seeds`` replicates: ``(cfg, actual,
    params)``; every state's shares."""
    cfg, actual, params = task
    return model_simulator(cfg, actual, int(cfg.seeds))(params, int(cfg.last_year))


def second_stage_task(task: tuple):
    """A bootstrap replicate (``("bootstrap", task)``) or a final run (``("final", task)``)."""
    kind, inner = task
    return bootstrap_task(inner) if kind == "bootstrap" else final_task(inner)


# --- the whole fit -------------------------------------------------------------------------


@dataclass
class SplitFit:
    """One split: its point estimate (the best of the starts), the bootstrap replicates, and
    the point estimate's runs to the last year."""

    split: Split
    starts: list[Estimate]
    point: Estimate
    boot: list[BootFit]
    final_cfg: object  # the composed config of the final runs
    shares: pd.DataFrame  # every state's mean share per year over ``seeds`` replicates


@dataclass
class Fit:
    space: Space
    splits: list[SplitFit]
    evaluations: pd.DataFrame  # every model evaluation of every estimation
    runs: int  # model runs in all (each evaluation is calibration_seeds runs)
    jobs: int
    full: Estimate | None = None  # the estimate on every year (``full_sample``), if asked


def fit(cfg, actual: pd.DataFrame, jobs: int = 1) -> Fit:
    """Estimate every split (``optimiser.starts`` starts each, the best kept), bootstrap each
    (``bootstrap.replicates`` replicates warm-started from its point estimate), and run each
    point estimate to the last year; tasks run over ``jobs`` processes, with the same results
    for any number."""
    space = parameter_space(cfg)
    splits = splits_of(cfg)
    base, _ = _context(cfg, actual)  # checks the keys before any process starts
    starts = start_points(space, int(cfg.optimiser.starts), int(cfg.base_seed))
    full = full_split(cfg, len(splits))
    tasks = [(cfg, actual, s, x0) for s in [*splits, *full] for x0 in starts]
    done = run_tasks(estimate_task, tasks, min(jobs, len(tasks)), "estimates")
    by_split = [done[i * len(starts) : (i + 1) * len(starts)] for i in range(len(splits))]
    points = [min(ests, key=lambda e: e.in_mae) for ests in by_split]  # first of equal minima
    full_ests = done[len(splits) * len(starts) :]
    full_point = min(full_ests, key=lambda e: e.in_mae) if full_ests else None

    b = int(cfg.bootstrap.replicates)
    tasks = [
        (cfg, actual, s, r, p.values) for s, p in zip(splits, points, strict=True) for r in range(b)
    ]
    tasks = [
        *(("final", (cfg, actual, space.params(p.values))) for p in points),
        *(("bootstrap", t) for t in tasks),
    ]  # the final runs first: one pool for both
    done = run_tasks(second_stage_task, tasks, min(jobs, len(tasks)), "bootstrap")
    finals, boots = done[: len(points)], done[len(points) :]
    fits, rows = [], []
    for i, s in enumerate(splits):
        sb = boots[i * b : (i + 1) * b]
        horizon = int(cfg.last_year) - int(cfg.first_year)
        final_cfg = with_params(base, cfg, space.params(points[i].values), horizon)
        fits.append(SplitFit(s, by_split[i], points[i], sb, final_cfg, finals[i]))
        for k, e in enumerate(by_split[i]):
            rows.append(e.evaluations.assign(split=s.name, stage="estimate", run=k))
        for bf in sb:
            rows.append(
                bf.estimate.evaluations.assign(split=s.name, stage="bootstrap", run=bf.replicate)
            )
    for k, e in enumerate(full_ests):
        rows.append(e.evaluations.assign(split=full[0].name, stage="estimate", run=k))
    evaluations = pd.concat(rows, ignore_index=True)
    evaluations = evaluations[["split", "stage", "run", "evaluation", *space.keys, "in_mae"]]
    seeds, cal = int(cfg.seeds), int(cfg.calibration_seeds)
    runs = len(evaluations) * cal + len(splits) * (b + 1) * seeds
    return Fit(space, fits, evaluations, runs, jobs, full_point)


def full_split(cfg, index: int) -> list[Split]:
    """The estimate on every year after the first (``full_sample: true``), with nothing held
    out: the values the model's defaults take (``configs/model/default.yaml``). Empty when the
    config does not ask for it."""
    if not bool(cfg.get("full_sample", False)):
        return []
    return [Split(index, "full_sample", int(cfg.last_year))]


# --- scores ---------------------------------------------------------------------------------


def interval(values, level: float) -> tuple[float, float]:
    """The central percentile interval of ``values`` at ``level`` (NaNs dropped; NaN if
    none)."""
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return (np.nan, np.nan)
    lo, hi = np.quantile(v, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


@dataclass
class Scores:
    """The point estimates against the actual shares and the two benchmarks, every split."""

    simulated: pd.DataFrame  # split x ally-year: actual, model, its bootstrap band, naive, drift
    summary: pd.DataFrame  # split x forecast x period: MAE, mean rho (model: bootstrap interval)
    by_year: pd.DataFrame  # split x forecast x year: MAE, rho
    allies: pd.DataFrame  # split x ally
    estimates: pd.DataFrame  # split x parameter: bounds, start, estimate, bootstrap interval
    bootstrap: pd.DataFrame  # split x replicate: estimate and scores
    verdict: pd.DataFrame  # split x check
    stats: dict = field(default_factory=dict)


def evaluate(cfg, actual: pd.DataFrame, result: Fit) -> Scores:
    """Score every split's point estimate, the naive and the drift forecast in and out of
    sample; the parameters' bootstrap intervals; the verdict."""
    first, last = int(cfg.first_year), int(cfg.last_year)
    level = float(cfg.bootstrap.level)
    allies = allies_of(actual)
    years = range(first, last + 1)
    naive = naive_forecast(actual, first, years)
    parts: dict[str, list[pd.DataFrame]] = {
        k: [] for k in ("simulated", "summary", "by_year", "allies", "estimates", "bootstrap")
    }
    stats: dict = {"runs": result.runs, "allies": len(allies), "splits": {}}
    for sf in result.splits:
        s, last_in = sf.split, sf.split.last_in_sample
        model = sf.shares[sf.shares["iso3"].isin(allies)].reset_index(drop=True)
        drift = drift_forecast(actual, first, last_in, years)
        forecasts = (("model", model), ("naive", naive), ("drift", drift))
        boot = _boot_table(sf, result.space)
        periods = {"in": range(first + 1, last_in + 1), "out": range(last_in + 1, last + 1)}
        summary = pd.DataFrame(
            [
                {"forecast": who, "period": name, **score(f, actual, yrs)}
                for who, f in forecasts
                for name, yrs in periods.items()
            ]
        )
        lo, hi = interval(boot["out_mae"], level)
        out_model = (summary["forecast"] == "model") & (summary["period"] == "out")
        summary.loc[out_model, ["mae_boot_lo", "mae_boot_hi"]] = [lo, hi]
        by_year = pd.concat(
            [
                score_by_year(f[f["year"] > first], actual).assign(forecast=who)
                for who, f in forecasts
            ],
            ignore_index=True,
        )
        table = _simulated(model, actual, naive, drift, sf.boot, level)
        parts["simulated"].append(table.assign(split=s.name))
        parts["summary"].append(summary.assign(split=s.name))
        parts["by_year"].append(by_year.assign(split=s.name))
        parts["allies"].append(
            ally_scores(table, allies, first, last_in, last).assign(split=s.name)
        )
        parts["estimates"].append(_estimates(result.space, sf, boot, level).assign(split=s.name))
        parts["bootstrap"].append(boot.assign(split=s.name))
        stats["splits"][s.name] = {
            "drift_per_year": drift_trend(actual, first, last_in),
            "evaluations": int(sum(e.runs for e in sf.starts)),
            "boot_evaluations": int(sum(b.estimate.runs for b in sf.boot)),
            "messages": [e.message for e in sf.starts],
        }
    frames = {k: _split_first(pd.concat(v, ignore_index=True)) for k, v in parts.items()}
    stats.update(
        {
            "russia_first": float(cfg.world.data_overrides.RUS.defence_usd_bn),
            "russia_2024": russia_2024(),
            "actual_rise": float(
                actual[actual["year"] == last]
                .set_index("iso3")["share_pct"]
                .sub(actual[actual["year"] == first].set_index("iso3")["share_pct"])
                .mean()
            ),
        }
    )
    scores = Scores(stats=stats, verdict=pd.DataFrame(), **frames)
    scores.verdict = verdict(cfg, actual, scores)
    return scores


def _split_first(table: pd.DataFrame) -> pd.DataFrame:
    return table[["split", *[c for c in table.columns if c != "split"]]]


def _boot_table(sf: SplitFit, space: Space) -> pd.DataFrame:
    """One row per bootstrap replicate: allies drawn, evaluations, estimate, scores."""
    rows = [
        {
            "replicate": b.replicate,
            "allies_drawn": len(b.weights),
            "evaluations": b.estimate.runs,
            **b.estimate.values,
            "in_mae_drawn": b.estimate.in_mae,
            **b.scores,
        }
        for b in sf.boot
    ]
    cols = ["replicate", "allies_drawn", "evaluations", *space.keys, "in_mae_drawn", *SCORES]
    return pd.DataFrame(rows, columns=None if rows else cols)


def _estimates(space: Space, sf: SplitFit, boot: pd.DataFrame, level: float) -> pd.DataFrame:
    """One row per estimated parameter: bounds, start, estimate, bootstrap interval."""
    rows = []
    for key, lo, hi, x0 in zip(space.keys, space.lower, space.upper, space.start, strict=True):
        value = sf.point.values[key]
        b_lo, b_hi = interval(boot[key], level) if key in boot else (np.nan, np.nan)
        width = hi - lo
        rows.append(
            {
                "parameter": key,
                "lower": lo,
                "upper": hi,
                "start": x0,
                "estimate": value,
                "boot_lo": b_lo,
                "boot_hi": b_hi,
                "boot_median": float(boot[key].median()) if key in boot else np.nan,
                "at_bound": bool(min(value - lo, hi - value) <= 0.01 * width),
            }
        )
    return pd.DataFrame(rows)


def _simulated(model, actual, naive, drift, boot: list[BootFit], level: float) -> pd.DataFrame:
    """Every ally-year: actual, model, the model's bootstrap band, naive, drift."""
    table = paired(model, actual).rename(columns={"share_pct_f": "model", "share_pct_a": "actual"})
    table = table.merge(naive.rename(columns={"share_pct": "naive"}), on=["iso3", "year"])
    table = table.merge(drift.rename(columns={"share_pct": "drift"}), on=["iso3", "year"])
    if boot:
        paths = pd.concat([b.shares.assign(replicate=b.replicate) for b in boot])
        q = (1 - level) / 2
        band = paths.groupby(["iso3", "year"])["share_pct"].quantile([q, 1 - q]).unstack()
        band.columns = ["model_boot_lo", "model_boot_hi"]
        table = table.merge(band.reset_index(), on=["iso3", "year"], how="left")
    else:
        table["model_boot_lo"] = table["model_boot_hi"] = np.nan
    return table[
        ["iso3", "year", "actual", "model", "model_boot_lo", "model_boot_hi", "naive", "drift"]
    ]


def ally_scores(table: pd.DataFrame, allies, first: int, last_in: int, last: int) -> pd.DataFrame:
    """One row per ally: its share at the start, the last in-sample year and the last year
    (actual and model), and the out-of-sample MAE of the model, the naive and the drift
    forecast."""
    out = table[table["year"] > last_in]
    rows = []
    for code in allies:
        t = table[table["iso3"] == code].set_index("year")
        o = out[out["iso3"] == code]
        rows.append(
            {
                "iso3": code,
                "start": t.loc[first, "actual"],
                "actual_last_in": t.loc[last_in, "actual"],
                "model_last_in": t.loc[last_in, "model"],
                "actual_end": t.loc[last, "actual"],
                "model_end": t.loc[last, "model"],
                "model_end_boot_lo": t.loc[last, "model_boot_lo"],
                "model_end_boot_hi": t.loc[last, "model_boot_hi"],
                "out_mae_model": mae(o["model"], o["actual"]),
                "out_mae_naive": mae(o["naive"], o["actual"]),
                "out_mae_drift": mae(o["drift"], o["actual"]),
            }
        )
    return pd.DataFrame(rows)


def _frontline_rows(name: str, sim: pd.DataFrame, codes, last: int, tol: float) -> list[dict]:
    """The check that each frontline ally's last-year share is within ``tol`` of the actual."""
    rows = []
    for code in codes:
        row = sim[(sim["iso3"] == code) & (sim["year"] == last)]
        if row.empty:
            raise ValueError(f"checks.frontline: no {last} figures for {code}")
        r = row.iloc[0]
        rows.append(
            {
                "split": name,
                "check": f"{last} share within {tol:g} points of the actual",
                "subject": str(code),
                "model": r["model"],
                "model_boot_lo": r["model_boot_lo"],
                "model_boot_hi": r["model_boot_hi"],
                "reference": r["actual"],
                "pass": bool(abs(r["model"] - r["actual"]) <= tol),
            }
        )
    return rows


def verdict(cfg, actual: pd.DataFrame, scores: Scores) -> pd.DataFrame:
    """The acceptance checks, per split: out-of-sample MAE of the model against the naive and
    the drift forecast (and both at once); the rank correlation across allies of the modelled
    change ``checks.change_from`` -> ``checks.change_to`` with the actual one; each frontline
    ally's last-year share within ``checks.tolerance_pts`` of the actual.

    One row per split and check: ``model`` (with its bootstrap interval where there is one)
    against ``reference``, and whether it ``pass``es.
    """
    c = cfg.checks
    level = float(cfg.bootstrap.level)
    last = int(cfg.last_year)
    start, end = _change(cfg)
    tol = float(c.tolerance_pts)
    rows = []
    for name in scores.summary["split"].unique():
        s = scores.summary[(scores.summary["split"] == name) & (scores.summary["period"] == "out")]
        s = s.set_index("forecast")
        m = s.loc["model"]
        boot = scores.bootstrap[scores.bootstrap["split"] == name]
        common = {
            "split": name,
            "model_boot_lo": m["mae_boot_lo"],
            "model_boot_hi": m["mae_boot_hi"],
        }
        for bench in ("naive", "drift"):
            rows.append(
                {
                    **common,
                    "check": f"out-of-sample MAE below the {bench} forecast's",
                    "subject": "all allies",
                    "model": m["mae"],
                    "reference": s.loc[bench, "mae"],
                    "pass": bool(m["mae"] < s.loc[bench, "mae"]),
                }
            )
        rows.append(
            {
                **common,
                "check": "out-of-sample MAE below both",
                "subject": "all allies",
                "model": m["mae"],
                "reference": min(s.loc["naive", "mae"], s.loc["drift", "mae"]),
                "pass": bool(m["mae"] < min(s.loc["naive", "mae"], s.loc["drift", "mae"])),
            }
        )
        sim = scores.simulated[scores.simulated["split"] == name]
        shares = sim[["iso3", "year", "model"]].rename(columns={"model": "share_pct"})
        rho = change_rho(shares, actual, start, end)
        r_lo, r_hi = interval(boot["change_rho"], level) if "change_rho" in boot else (np.nan,) * 2
        rows.append(
            {
                "split": name,
                "check": f"rank correlation of the {start}-{end} change above "
                f"{float(c.change_rho_min):g}",
                "subject": "all allies",
                "model": rho,
                "model_boot_lo": r_lo,
                "model_boot_hi": r_hi,
                "reference": float(c.change_rho_min),
                "pass": bool(rho > float(c.change_rho_min)),
            }
        )
        rows += _frontline_rows(name, sim, list(c.frontline), last, tol)
    cols = [
        "split",
        "check",
        "subject",
        "model",
        "model_boot_lo",
        "model_boot_hi",
        "reference",
        "pass",
    ]
    return pd.DataFrame(rows)[cols]
