"""The NATO back-test (experiments/backtest_nato): NATO allies' defence shares, 2014 to 2024.

The world starts from the 2014 figures, the threat changes after 2014 as a scenario (Crimea,
Russia's spending, the 2022 invasion, the Wales 2 % pledge), and the model runs to 2024.
Simulated shares are scored against the actual ones (MAE, Spearman's rho across allies) and
against a naive and a drift forecast; the budget parameters are calibrated by a grid search on
the in-sample years only (:func:`calibrate`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf, open_dict

from sim.study.metrics import mae, spearman

MODEL_KEYS = ("model.",)  # grid keys set on the model config; the others shape the scenario


def load_actual(path: Path, exclude: list[str] = ()) -> pd.DataFrame:
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


def naive_forecast(actual: pd.DataFrame, first_year: int, years) -> pd.DataFrame:
    """Every ally's share stays at its ``first_year`` value in each of ``years``."""
    start = actual[actual["year"] == first_year][["iso3", "share_pct"]]
    return pd.DataFrame(
        [(c, y, s) for c, s in zip(start["iso3"], start["share_pct"], strict=True) for y in years],
        columns=["iso3", "year", "share_pct"],
    )


def drift_forecast(actual: pd.DataFrame, first_year: int, last_in_sample: int, years):
    """A second benchmark: every ally's 2014 share plus the allies' mean yearly change over the
    in-sample years (one common trend, estimated on in-sample figures only)."""
    seen = in_sample(actual, last_in_sample).pivot(index="iso3", columns="year", values="share_pct")
    trend = float((seen[last_in_sample] - seen[first_year]).mean()) / (last_in_sample - first_year)
    start = seen[first_year]
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
    p = paired(forecast, actual)
    p = p[p["year"].isin(list(years))]
    by_year = score_by_year(forecast[forecast["year"].isin(list(years))], actual)
    return {
        "mae": mae(p["share_pct_f"], p["share_pct_a"]),
        "spearman": float(by_year["spearman"].mean()),
    }


def calibrate(
    grid: Mapping[str, list],
    simulate_fn: Callable[[dict, int], pd.DataFrame],
    actual: pd.DataFrame,
    first_year: int,
    last_in_sample: int,
) -> tuple[dict, pd.DataFrame]:
    """Grid search on the in-sample MAE.

    ``simulate_fn(params, last_year)`` returns simulated shares (``iso3, year, share_pct``) up to
    ``last_year``; it is only ever asked for ``last_in_sample``, and the actual figures are cut
    to the in-sample years before anything else, so no later figure can reach the calibration.

    Returns:
        (the best parameters, the table of every grid point with its in-sample MAE); ties go to
        the first point in grid order.
    """
    seen = in_sample(actual, last_in_sample)
    years = range(first_year + 1, last_in_sample + 1)
    keys = list(grid)
    rows = []
    for values in itertools.product(*(grid[k] for k in keys)):
        params = dict(zip(keys, values, strict=True))
        sim = simulate_fn(params, last_in_sample)
        rows.append({**params, **{f"in_{k}": v for k, v in score(sim, seen, years).items()}})
    table = pd.DataFrame(rows)
    best = table.loc[table["in_mae"].idxmin(), keys].to_dict()
    return best, table


@functools.cache
def russia_2024() -> float:
    """Russia's 2024 defence spending, USD bn (SIPRI, the table shipped with the package)."""
    from sim.world.tables import builtin_states

    return float(builtin_states().loc["RUS", "defence_usd_bn"])


def base_config(cfg, actual: pd.DataFrame):
    """The composed 2014 world (no scenario events yet)."""
    from sim.runner.config import compose

    base = compose([*cfg.compose, f"seed={cfg.base_seed}"])
    first = actual[actual["year"] == int(cfg.first_year)].set_index("iso3")
    world = OmegaConf.to_container(cfg.world, resolve=True)
    overrides = dict(world.pop("data_overrides", {}))
    for code in world["actors"]:
        if code in first.index:  # ally: 2014 GDP and NATO's headline share of GDP
            gdp = float(first.loc[code, "gdp_usd_bn"])
            overrides[code] = {
                "gdp_usd_bn": gdp,
                "defence_usd_bn": gdp * float(first.loc[code, "share_pct"]) / 100,
            }
    overrides.setdefault("ISL", {})["defence_usd_bn"] = 0.0
    with open_dict(base):  # the experiment's world adds pairs the default lacks
        merged = OmegaConf.merge(base, {"world": world})
        # assigned, not merged (OmegaConf cannot merge into its nested typed dict)
        merged.world.data_overrides = overrides
    merged.scenario.name = cfg.scenario.name
    return merged


def with_params(base, cfg, params: Mapping[str, float], horizon: int):
    """The base config with one parameter point: model keys set, the scenario's events built."""
    run = base.copy()
    run.model.horizon = int(horizon)
    for key, value in params.items():
        if key.startswith(MODEL_KEYS):
            OmegaConf.update(run, key, float(value), merge=False)
    sc = cfg.scenario
    russia = float(cfg.world.data_overrides.RUS.defence_usd_bn)
    crimea = russia * (1 + float(params.get("threat_change", 0.0)))
    invasion = crimea * russia_2024() / russia
    start, invaded = int(sc.pledge.start_year), int(sc.invasion_year)
    members = [m for m in base.world.treaties[sc.pledge.members_from].members]
    events = {
        "wales_pledge": {
            "kind": "spending_target",
            "members": members,
            "target_pct_gdp": float(sc.pledge.target_pct_gdp),
            "start_year": start,
            "weight": float(params.get("pledge_weight", 0.0)),
            "note": "Wales summit 2014: move towards 2 % of GDP within a decade",
        },
        "russia_after_crimea": {
            "kind": "budget_shock",
            "state": "RUS",
            "spending_usd_bn": crimea,
            "start_year": start,
            "duration_years": invaded - start,
            "note": "threat after Crimea: Russia's effective spending",
        },
        "russia_invasion": {
            "kind": "budget_shock",
            "state": "RUS",
            "spending_usd_bn": invasion,
            "start_year": invaded,
            "note": "full-scale invasion of Ukraine",
        },
    }
    last = int(base.world.base_year) + int(horizon)
    run.scenario.events = {k: v for k, v in events.items() if v["start_year"] <= last}
    return run


def simulate_shares(run_cfg, seeds: int, world) -> pd.DataFrame:
    """Mean simulated share (% of GDP) per state and year over ``seeds`` replicates (seeded from
    ``run_cfg.seed``); ``world`` is the 2014 world, the same for every grid point."""
    from sim.runner.simulate import prepare, simulate

    prepared = prepare(run_cfg, world=world)
    frames = [
        simulate(run_cfg, r, prepared)["states"][["iso3", "year", "defence_pct_gdp"]]
        for r in range(seeds)
    ]
    out = pd.concat(frames).groupby(["iso3", "year"], as_index=False)["defence_pct_gdp"].mean()
    return out.rename(columns={"defence_pct_gdp": "share_pct"})


@dataclass
class Fit:
    """The calibration and the runs of the calibrated model."""

    best: dict
    grid: pd.DataFrame  # every grid point with its in-sample scores
    near: pd.DataFrame  # the best in-sample points, with their out-of-sample MAE
    final_cfg: object  # the composed config of the final runs
    shares: pd.DataFrame  # the final runs' mean share per state and year
    runs: int


def fit(cfg, actual: pd.DataFrame) -> Fit:
    """Calibrate on the in-sample years, run the best point to the last year, and run the
    ``robustness_points`` best in-sample points out of sample (how much the out-of-sample fit
    depends on which of the near-equal points won)."""
    from sim.world.builder import build_world

    first, last_in, last = int(cfg.first_year), int(cfg.last_in_sample), int(cfg.last_year)
    base = base_config(cfg, actual)
    world = build_world(base.world)  # the grid varies model and scenario settings only
    seeds = int(cfg.calibration_seeds)
    runs = 0

    def simulate_fn(params: dict, last_year: int) -> pd.DataFrame:
        nonlocal runs
        runs += seeds
        return simulate_shares(with_params(base, cfg, params, last_year - first), seeds, world)

    grid = {k: list(v) for k, v in cfg.grid.items()}
    best, grid_table = calibrate(grid, simulate_fn, actual, first, last_in)
    final_cfg = with_params(base, cfg, best, last - first)
    shares = simulate_shares(final_cfg, int(cfg.seeds), world)
    runs += int(cfg.seeds)
    near = grid_table.nsmallest(int(cfg.robustness_points), "in_mae").reset_index(drop=True)
    out_years = range(last_in + 1, last + 1)
    for i, row in near.iterrows():
        other = simulate_fn({k: row[k] for k in grid}, last)
        near.loc[i, "out_mae"] = score(other, actual, out_years)["mae"]
    return Fit(best, grid_table, near, final_cfg, shares, runs)


@dataclass
class Scores:
    """The calibrated model against the actual shares and the two benchmarks."""

    simulated: pd.DataFrame  # every ally-year: actual, model, naive
    summary: pd.DataFrame  # forecast x period: MAE, mean rho
    by_year: pd.DataFrame  # forecast x year: MAE, rho
    allies: pd.DataFrame  # one row per ally
    model: pd.DataFrame  # the model's shares of the allies (``iso3, year, share_pct``)
    naive: pd.DataFrame  # the naive forecast, the same form
    stats: dict = field(default_factory=dict)


def evaluate(cfg, actual: pd.DataFrame, result: Fit) -> Scores:
    """Score the model, the naive and the drift forecast, in and out of sample."""
    first, last_in, last = int(cfg.first_year), int(cfg.last_in_sample), int(cfg.last_year)
    allies = sorted(actual["iso3"].unique())
    model = result.shares[result.shares["iso3"].isin(allies)].reset_index(drop=True)
    years = range(first, last + 1)
    naive = naive_forecast(actual, first, years)
    drift = drift_forecast(actual, first, last_in, years)
    forecasts = (("model", model), ("naive", naive), ("drift", drift))
    periods = {"in": range(first + 1, last_in + 1), "out": range(last_in + 1, last + 1)}
    summary = pd.DataFrame(
        [
            {"forecast": who, "period": name, **score(f, actual, yrs)}
            for who, f in forecasts
            for name, yrs in periods.items()
        ]
    )
    by_year = pd.concat(
        [score_by_year(f[f["year"] > first], actual).assign(forecast=who) for who, f in forecasts],
        ignore_index=True,
    )
    table = paired(model, actual).rename(columns={"share_pct_f": "model", "share_pct_a": "actual"})
    table = table.merge(naive.rename(columns={"share_pct": "naive"}), on=["iso3", "year"])
    ally_table = ally_scores(table, allies, first, last_in, last)
    change_a = ally_table["actual_end"] - ally_table["start"]
    change_m = ally_table["model_end"] - ally_table["start"]
    stats = {
        "runs": result.runs,
        "allies": len(allies),
        "actual_rise": float(change_a.mean()),
        "sim_rise": float(change_m.mean()),
        "rho_change": spearman(change_m, change_a),
        "russia_2014": float(cfg.world.data_overrides.RUS.defence_usd_bn),
        "russia_2024": russia_2024(),
        "drift_per_year": float(drift[drift["year"] == first + 1]["share_pct"].mean())
        - float(naive[naive["year"] == first + 1]["share_pct"].mean()),
    }
    return Scores(table, summary, by_year, ally_table, model, naive, stats)


def ally_scores(table: pd.DataFrame, allies, first: int, last_in: int, last: int) -> pd.DataFrame:
    """One row per ally: its share at the start, the end of the sample and the last year
    (actual and model), and the out-of-sample MAE of the model and the naive forecast."""
    out = table[table["year"] > last_in]
    rows = []
    for code in allies:
        t = table[table["iso3"] == code].set_index("year")
        o = out[out["iso3"] == code]
        rows.append(
            {
                "iso3": code,
                "start": t.loc[first, "actual"],
                "actual_mid": t.loc[last_in, "actual"],
                "model_mid": t.loc[last_in, "model"],
                "actual_end": t.loc[last, "actual"],
                "model_end": t.loc[last, "model"],
                "out_mae_model": mae(o["model"], o["actual"]),
                "out_mae_naive": mae(o["naive"], o["actual"]),
            }
        )
    return pd.DataFrame(rows)
