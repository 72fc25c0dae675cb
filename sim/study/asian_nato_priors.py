"""The priors part of the Asian NATO experiment: how the answer moves over the judgement
parameters' priors, apart from the Monte Carlo error of the seeds.

The design: ``D`` joint draws from the priors group (``configs/priors/default.yaml``), points
``0 .. D-1`` of the scrambled Sobol design that :func:`sim.runner.priors.draw` builds from the
study's base seed; each draw is run at every dose of the priors' grid over the same ``S``
replicate seeds (replicates ``0 .. S-1`` of ``SeedSequence(base_seed)``, the seeds the
dose-response part uses first), so for each draw and dose the probability ``P_d`` is estimated
from ``S`` runs. Only whether and when an Asian NATO forms is recorded, so a run stops in the
year one first exists (the years before are those of the full run: the same model, seed and
draws; ``until_formed``).

From the runs (``cube``: draws x seeds x doses, 0/1):

- per dose: the mean over draws with its Monte Carlo interval (:func:`crossed_interval`: the
  runs share draws and seeds, so they are not independent), the spread of ``P_d`` over the draws
  (5 % and 95 % quantiles, :func:`sim.stats.draw_spread`) and how much of that spread is the
  seeds' noise (:func:`spread_parts`);
- per draw: the threshold dose where ``P_d`` first reaches one half (:func:`crossing`);
- the dose where the draw-averaged curve reaches one half, with bootstrap intervals
  (:func:`curve_threshold`);
- which parameters move the threshold: Spearman's rank correlation of each drawn parameter with
  the per-draw threshold and with ``P_d`` at the middle dose (:func:`drivers`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim import stats
from sim.study.metrics import spearman
from sim.study.pool import run_tasks

KEYS = ("formed_10", "formed_20")
"""The 0/1 outcomes of a priors run (an Asian NATO within 10 and 20 years)."""


@dataclass(frozen=True)
class Design:
    """The priors part's design: the priors, the D x d drawn values, the doses and seeds."""

    priors: list
    values: np.ndarray
    doses: tuple[float, ...]
    seeds: int
    base_seed: int
    cases: tuple[tuple[float, tuple[str, ...]], ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        """The ``prior.<path>`` column of each prior, in the design's order."""
        return [p.column for p in self.priors]


def overrides(cfg, dose: float) -> tuple[str, ...]:
    """The config overrides of the priors part at ``dose`` (USD bn a year)."""
    part, amount_key = cfg.priors, cfg.dose_response.amount_key
    return (
        *cfg.common,
        f"priors={part.group}",
        f"scenario={part.scenario}",
        f"{amount_key}={dose}",
    )


def design(cfg) -> Design:
    """The priors part's design from the study's config (deterministic: base seed and priors)."""
    from sim.runner.config import compose
    from sim.runner.priors import draw, load_priors

    part, base_seed = cfg.priors, int(cfg.base_seed)
    doses = tuple(float(d) for d in part.doses_usd_bn)
    cases = tuple((float(d), overrides(cfg, d)) for d in part.doses_usd_bn)
    priors = load_priors(compose([*cases[0][1], f"seed={base_seed}"]))
    values = draw(priors, base_seed, range(int(part.draws)))
    return Design(priors, values, doses, int(part.seeds), base_seed, cases)


def until_formed(prepared, seed: int) -> tuple[int | None, str, int]:
    """Run one model until an Asian NATO exists or the horizon ends: ``(the year it first
    existed or None, its members, the years run)``; the year and members are those of the full
    run (``asian_nato_year``, ``asian_nato_members`` of :mod:`sim.outcomes`)."""
    from sim.abm.model import AllianceModel

    model = AllianceModel(
        prepared.world, prepared.params, prepared.events, rng=seed, scenario_name=prepared.scenario
    )
    steps = 0
    while not model.recorder.asian_nato_now and steps < prepared.params.horizon:
        model.step()
        steps += 1
    if not model.recorder.asian_nato_now:
        return None, "", steps
    first = next(row for row in model.recorder.alliance_rows if row["is_asian_nato"])
    return int(first["year"]), str(first["members"]), steps


_composed: dict[tuple[str, ...], object] = {}


def run_draw(task: tuple) -> list[dict]:
    """Run one draw at every dose over the part's seeds; one row per run, with the draw's
    values as ``prior.*`` columns (the world is built once per draw: doses change only the
    scenario)."""
    from sim.runner.config import compose
    from sim.runner.priors import apply, columns, load_priors
    from sim.runner.simulate import prepare, replicate_seed

    index, values, cases, seeds, base_seed = task
    rows, world = [], None
    for dose, over in cases:
        if over not in _composed:
            base = compose([*over, f"seed={base_seed}"])
            _composed[over] = (base, load_priors(base))
        base, priors = _composed[over]
        prepared = prepare(apply(base, priors, values), world=world)
        world, first = prepared.world, prepared.world.base_year
        for r in range(seeds):
            seed = replicate_seed(base_seed, r)
            year, members, steps = until_formed(prepared, seed)
            formed = year is not None
            rows.append(
                {
                    "draw": index,
                    "dose_usd_bn": dose,
                    "replicate": r,
                    "seed": seed,
                    "formed_10": formed and year <= first + 10,
                    "formed_20": formed and year <= first + 20,
                    "formed_year": year,
                    "members": members,
                    "years_run": steps,
                    **columns(priors, values),
                }
            )
    return rows


def run_priors(d: Design, workers: int) -> pd.DataFrame:
    """Every draw at every dose over the seeds (one task a draw); rows sorted by draw, dose and
    replicate."""
    tasks = [
        (i, tuple(map(float, v)), d.cases, d.seeds, d.base_seed) for i, v in enumerate(d.values)
    ]
    rows = [row for draw_rows in run_tasks(run_draw, tasks, workers, "draws") for row in draw_rows]
    return pd.DataFrame(rows).sort_values(["draw", "dose_usd_bn", "replicate"], ignore_index=True)


def check_saved(runs: pd.DataFrame, d: Design) -> None:
    """Raise ValueError unless saved priors runs are those of the design ``d`` (for
    ``--report-only``)."""
    expected = len(d.values) * d.seeds * len(d.doses)
    if len(runs) != expected or sorted(runs["dose_usd_bn"].unique()) != sorted(d.doses):
        raise ValueError("the saved priors runs were made with other draws, doses or seeds")
    first = runs.drop_duplicates("draw").sort_values("draw")
    saved = first.reindex(columns=d.columns).to_numpy(float)
    if saved.shape != d.values.shape or not np.allclose(saved, d.values, rtol=1e-12, atol=0):
        raise ValueError("the saved priors runs drew other parameter values")


def cube(runs: pd.DataFrame, key: str, doses, seeds: int) -> np.ndarray:
    """The 0/1 outcome ``key`` as an array draws x seeds x doses."""
    draws = int(runs["draw"].max()) + 1
    k = {float(x): j for j, x in enumerate(doses)}
    out = np.full((draws, seeds, len(doses)), np.nan)
    d, r = runs["draw"].to_numpy(int), runs["replicate"].to_numpy(int)
    j = runs["dose_usd_bn"].map(lambda x: k[float(x)]).to_numpy(int)
    out[d, r, j] = runs[key].to_numpy(float)
    return out


def crossing(doses, p, level: float = 0.5) -> float:
    """The dose where the curve ``p`` over ``doses`` (ascending) first reaches ``level``:
    interpolated linearly in log dose between grid doses (linearly in dose from a dose of 0);
    NaN if no dose reaches it."""
    x, y = np.asarray(doses, float), np.asarray(p, float)
    hit = np.flatnonzero(y >= level)
    if hit.size == 0:
        return math.nan
    k = int(hit[0])
    if k == 0:
        return float(x[0])
    x0, x1, y0, y1 = x[k - 1], x[k], y[k - 1], y[k]
    t = (level - y0) / (y1 - y0)
    if x0 <= 0:
        return float(x0 + t * (x1 - x0))
    return float(math.exp(math.log(x0) + t * (math.log(x1) - math.log(x0))))


def crossed_interval(y: np.ndarray) -> tuple[float, float, float, float]:
    """Mean of a 0/1 table draws x seeds and its 95 % Monte Carlo interval: ``(mean, low, high,
    n_eff)``.

    The runs share draws (rows) and seeds (columns: the same seeds in every draw), so they are
    not independent: the variance of the mean is that of a crossed random-effects design,
    ``(MS_draws + max(0, MS_seeds - MS_residual)) / (D S)`` (two-way ANOVA mean squares), and
    the interval is Wilson's with the effective number of runs ``n_eff = m (1 - m) / var``
    (at most ``D S``; ``D``, one run a draw, when every run agrees and no variance is seen).
    """
    y = np.asarray(y, float)
    n_d, n_s = y.shape
    m = float(y.mean())
    if n_d < 2 or n_s < 2 or m in (0.0, 1.0):
        n_eff = float(n_d)
    else:
        rows, cols = y.mean(axis=1), y.mean(axis=0)
        ms_draws = n_s * rows.var(ddof=1)
        ms_seeds = n_d * cols.var(ddof=1)
        resid = y - rows[:, None] - cols[None, :] + m
        ms_res = (resid**2).sum() / ((n_d - 1) * (n_s - 1))
        var = (ms_draws + max(0.0, ms_seeds - ms_res)) / (n_d * n_s)
        n_eff = float(np.clip(m * (1 - m) / var, 1.0, n_d * n_s)) if var > 0 else n_d * n_s
    p, lo, hi = stats.wilson(m * n_eff, n_eff)
    return p, lo, hi, n_eff


def spread_parts(p_draw: np.ndarray, seeds: int) -> tuple[float, float, float]:
    """The standard deviation of the per-draw ``P_d`` over draws and its two parts: ``(total,
    seeds' noise, parameters)``. With ``S`` seeds a ``P_d`` has binomial noise of variance
    ``p (1 - p) / S``, estimated without bias by ``P_d (1 - P_d) / (S - 1)``; the parameters'
    part is what is left (at least 0)."""
    p = np.asarray(p_draw, float)
    total = float(p.var(ddof=1)) if p.size > 1 else math.nan
    noise = float(np.mean(p * (1 - p)) / (seeds - 1)) if seeds > 1 else math.nan
    return math.sqrt(total), math.sqrt(noise), math.sqrt(max(0.0, total - noise))


def per_dose(c: np.ndarray, doses, key: str) -> pd.DataFrame:
    """One row per dose: the mean over draws with its Monte Carlo interval, the spread of the
    per-draw probability over draws and its parts, and each seed's mean over draws."""
    n_draws, n_seeds, _ = c.shape
    labels = np.repeat(np.arange(n_draws), n_seeds)
    rows = []
    for j, dose in enumerate(doses):
        y = c[:, :, j]
        p_draw = y.mean(axis=1)
        mean, lo, hi, n_eff = crossed_interval(y)
        spread = stats.draw_spread(y.ravel(), labels, binary=True)
        total, noise, params = spread_parts(p_draw, n_seeds)
        row = {"outcome": key, "dose_usd_bn": float(dose), "runs": y.size, "draws": n_draws}
        row |= {"seeds_per_draw": n_seeds, "mean": mean, "mc_lo": lo, "mc_hi": hi}
        row |= {"n_eff": n_eff, "spread_p05": spread["low"], "spread_p95": spread["high"]}
        row |= {"sd_draws": total, "sd_seed_noise": noise, "sd_parameters": params}
        row |= {"share_draws_at_half": float(np.mean(p_draw >= 0.5))}
        row |= {f"mean_seed{r}": float(y[:, r].mean()) for r in range(n_seeds)}
        rows.append(row)
    return pd.DataFrame(rows)


def quantiles(x, qs=(0.05, 0.5, 0.95)) -> list[float]:
    """Quantiles of thresholds where NaN (never on the grid) counts as beyond every dose: order
    statistics (no interpolation), ``inf`` when the quantile falls among the nevers."""
    v = np.where(np.isnan(np.asarray(x, float)), np.inf, np.asarray(x, float))
    return [float(np.quantile(v, q, method="inverted_cdf")) for q in qs]


def curve_threshold(
    c: np.ndarray, doses, level: float, boot: int, seed: int, seeds_too: bool = False
) -> dict[str, float]:
    """The dose where the curve averaged over draws and seeds first reaches ``level``, and its
    95 % percentile bootstrap interval over draws (with ``seeds_too``, the seeds resampled too:
    a pigeonhole bootstrap of the crossed design); ``inf`` bounds when resampled curves never
    reach it often enough."""
    n_d, n_s, _ = c.shape
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(boot):
        sub = c[rng.integers(0, n_d, n_d)]
        if seeds_too:
            sub = sub[:, rng.integers(0, n_s, n_s)]
        found.append(crossing(doses, sub.mean(axis=(0, 1)), level))
    lo, hi = quantiles(found, (0.025, 0.975))
    return {
        "threshold": crossing(doses, c.mean(axis=(0, 1)), level),
        "lo": lo,
        "hi": hi,
        "never_share": float(np.mean(np.isnan(found))),
    }


def per_draw(c: np.ndarray, d: Design, level: float) -> pd.DataFrame:
    """One row per draw: its values, ``P_d`` at each dose and its threshold (NaN: never)."""
    p = c.mean(axis=1)
    table = pd.DataFrame(d.values, columns=d.columns)
    table.insert(0, "draw", np.arange(len(table)))
    for j, dose in enumerate(d.doses):
        table[f"p_{dose:g}"] = p[:, j]
    table["threshold_usd_bn"] = [crossing(d.doses, row, level) for row in p]
    table["never"] = table["threshold_usd_bn"].isna()
    return table


def rank_interval(rho: float, n: int) -> tuple[float, float]:
    """95 % interval of a Spearman correlation: Fisher's z with the variance 1.06 / (n - 3)
    (Fieller, Hartley and Pearson 1957)."""
    if math.isnan(rho) or n < 4:
        return math.nan, math.nan
    z, se = math.atanh(max(min(rho, 0.999999), -0.999999)), math.sqrt(1.06 / (n - 3))
    q = stats.z_value()
    return math.tanh(z - q * se), math.tanh(z + q * se)


def drivers(draws: pd.DataFrame, d: Design, mid_dose: float) -> pd.DataFrame:
    """Each prior's Spearman correlation with the per-draw threshold (never: above every dose)
    and with ``P_d`` at ``mid_dose``, with 95 % intervals; sorted by the first, largest first."""
    beyond = 10 * max(d.doses)
    threshold = draws["threshold_usd_bn"].fillna(beyond)
    p_mid = draws[f"p_{mid_dose:g}"]
    rows = []
    for prior in d.priors:
        x = draws[prior.column]
        row = {"parameter": prior.path, "low": prior.low, "high": prior.high}
        row["scale"] = prior.scale
        for name, y in (("threshold", threshold), ("p_mid", p_mid)):
            rho = spearman(x, y)
            row[f"rho_{name}"] = rho
            row[f"rho_{name}_lo"], row[f"rho_{name}_hi"] = rank_interval(rho, len(x))
        rows.append(row)
    table = pd.DataFrame(rows).assign(mid_dose_usd_bn=mid_dose)
    order = table["rho_threshold"].abs().fillna(-1).sort_values(ascending=False).index
    return table.loc[order].reset_index(drop=True)


def default_threshold(dose_runs: pd.DataFrame, level: float, boot: int, seed: int) -> dict:
    """The threshold of the dose-response at the default parameters (``dose_runs``: the dose
    part's runs, columns ``dose_usd_bn``, ``replicate``, ``formed_20``) and its 95 % bootstrap
    interval over the seeds (resampled jointly across doses: every dose runs the same seeds)."""
    table = dose_runs.pivot(index="replicate", columns="dose_usd_bn", values="formed_20")
    doses = [float(x) for x in table.columns]
    y = table.to_numpy(float)[:, None, :]  # seeds play the draws' part, one 'seed' each
    return curve_threshold(y, doses, level, boot, seed)


@dataclass
class PriorsAnalysis:
    """The priors part's tables: per dose, per draw, the drivers and the thresholds."""

    doses: pd.DataFrame
    draws: pd.DataFrame
    drivers: pd.DataFrame
    thresholds: pd.DataFrame
    mid_dose: float

    def tables(self) -> tuple[pd.DataFrame, ...]:
        """The tables written to results/: priors, priors_draws, drivers, thresholds."""
        return self.doses, self.draws, self.drivers, self.thresholds


def analyse(cfg, d: Design, runs: pd.DataFrame, dose_runs: pd.DataFrame) -> PriorsAnalysis:
    """Every table of the priors part from its runs and the dose part's runs."""
    part = cfg.priors
    level, boot, bseed = float(part.level), int(part.bootstrap), int(part.bootstrap_seed)
    cubes = {k: cube(runs, k, d.doses, d.seeds) for k in KEYS}
    doses = pd.concat([per_dose(cubes[k], d.doses, k) for k in KEYS], ignore_index=True)
    draws = per_draw(cubes["formed_20"], d, level)
    p20 = doses[doses["outcome"] == "formed_20"]
    mid = float(p20.loc[(p20["mean"] - 0.5).abs().idxmin(), "dose_usd_bn"])
    per = draws["threshold_usd_bn"]
    p05, p50, p95 = quantiles(per)
    c20 = cubes["formed_20"]
    rows = [
        {"what": "default parameters", "interval": "95 % bootstrap over seeds"}
        | default_threshold(dose_runs, level, boot, bseed),
        {"what": "per draw", "interval": "5-95 % of draws", "threshold": p50}
        | {"lo": p05, "hi": p95, "never_share": float(per.isna().mean())},
        {"what": "averaged curve", "interval": "95 % bootstrap over draws"}
        | curve_threshold(c20, d.doses, level, boot, bseed),
        {"what": "averaged curve", "interval": "95 % bootstrap over draws and seeds"}
        | curve_threshold(c20, d.doses, level, boot, bseed, seeds_too=True),
    ]
    return PriorsAnalysis(doses, draws, drivers(draws, d, mid), pd.DataFrame(rows), mid)
