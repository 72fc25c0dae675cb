"""The Asian NATO experiment (experiments/asian_nato_question): does a US injection of USD 1.5 bn
a year create an 'Asian NATO'?

Three parts: a dose-response at the default parameters (the probability that an Asian NATO
forms within 10 and 20 years against the yearly injection), every scenario against the baseline
(both here), and the answer's spread over the priors of the judgement parameters
(:mod:`sim.study.asian_nato_priors`). Every point here is a set of overrides run over replicate
seeds from ``SeedSequence(base_seed)``, the same for every point. A run's outcomes are the
registry's (:mod:`sim.outcomes`), named in the study's ``config.yaml`` (``outcomes``; the
family ``<key>_share_change_pp`` over the study's ``key_states``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.study.metrics import mean_normal, probability, study_outcomes
from sim.study.pool import run_tasks

LEGACY_NAMES = {
    f"{old}_share_change_pp{end}": f"{new}_share_change_pp{end}"
    for old, new in (("jpn", "japan"), ("kor", "korea"), ("chn", "china"))
    for end in ("", "_lo", "_hi")
}
"""Columns of results written before the outcomes came from the registry, and their names now
(for ``--report-only`` on such results)."""


@dataclass(frozen=True)
class Point:
    """One configuration of the experiment: a set of overrides run over many seeds."""

    part: str  # dose or scenario
    label: str
    overrides: tuple[str, ...]
    parameter: str = ""
    value: float = math.nan
    dose: float = math.nan


def points(cfg) -> list[Point]:
    """Every point of the experiment, in a fixed order."""
    common = tuple(cfg.common)
    out = []
    dose = cfg.dose_response
    for amount in dose.amounts_usd_bn:
        overrides = (*common, f"scenario={dose.scenario}", f"{dose.amount_key}={amount}")
        out.append(Point("dose", f"{amount:g}", overrides, "amount_usd_bn", amount, amount))
    for name in cfg.scenarios:
        out.append(Point("scenario", str(name), (*common, f"scenario={name}")))
    return out


_prepared: dict[tuple[str, ...], object] = {}


def run_one(task: tuple) -> dict:
    """Run one replicate of one point; return its outcomes (one row): whether and when an Asian
    NATO formed (within 10 and 20 years, the year, its members), then the study's outcomes."""
    from sim.runner.config import compose
    from sim.runner.simulate import prepare, replicate_seed, run_model

    index, overrides, replicate, base_seed, names, key_states = task
    if overrides not in _prepared:
        _prepared[overrides] = prepare(compose([*overrides, f"seed={base_seed}"]))
    prepared = _prepared[overrides]
    seed = replicate_seed(base_seed, replicate)
    model = run_model(prepared, seed)
    model.recorder.tables(seed=seed)
    run = model.recorder.result  # the summary's own RunResult (sim.abm.recorder.run_result)
    first, members = study_outcomes(["asian_nato_year", "asian_nato_members"])
    year = first.compute(run)
    formed_year = None if pd.isna(year) else int(year)
    base_year = prepared.world.base_year
    row = {
        "point": index,
        "replicate": replicate,
        "seed": seed,
        "formed_10": formed_year is not None and formed_year <= base_year + 10,
        "formed_20": formed_year is not None and formed_year <= base_year + 20,
        "formed_year": formed_year,
        "members": members.compute(run),
    }
    for o in study_outcomes(names, dict(key_states)):
        value = o.compute(run)
        row[o.name] = bool(value) if o.kind == "probability" else float(value)
    return row


def run_all(cfg, pts: list[Point], workers: int) -> pd.DataFrame:
    """Run every point over its seeds (in parallel); rows sorted by point and replicate."""
    base_seed = int(cfg.base_seed)
    names, states = tuple(cfg.outcomes), tuple(cfg.key_states.items())
    tasks = [
        (i, p.overrides, r, base_seed, names, states)
        for i, p in enumerate(pts)
        for r in range(int(cfg.seeds))
    ]
    rows = run_tasks(run_one, tasks, workers, "runs", chunksize=8)
    return pd.DataFrame(rows).sort_values(["point", "replicate"], ignore_index=True)


def summarise(cfg, pts: list[Point], runs: pd.DataFrame) -> pd.DataFrame:
    """One row per point: probabilities with Wilson intervals, means with normal intervals."""
    found = study_outcomes(cfg.outcomes, dict(cfg.key_states))
    probabilities = ["formed_10", "formed_20", *(o.name for o in found if o.kind == "probability")]
    means = [o.name for o in found if o.kind == "mean"]
    out = []
    for i, p in enumerate(pts):
        r = runs[runs["point"] == i]
        row = {
            "part": p.part,
            "label": p.label,
            "parameter": p.parameter,
            "value": p.value,
            "dose_usd_bn": p.dose,
            "runs": len(r),
        }
        for key in probabilities:
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = probability(r[key])
        years = r["formed_year"].dropna()
        row["median_year"] = float(years.median()) if len(years) else math.nan
        members = r.loc[r["members"] != "", "members"]
        row["modal_members"] = members.mode().iloc[0] if len(members) else ""
        for key in means:
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = mean_normal(r[key])
        out.append(row)
    return pd.DataFrame(out)


def dose_runs(runs: pd.DataFrame, pts: list[Point]) -> pd.DataFrame:
    """The dose part's runs with their dose (column ``dose_usd_bn``)."""
    doses = {i: p.dose for i, p in enumerate(pts) if p.part == "dose"}
    out = runs[runs["point"].isin(list(doses))].copy()
    out["dose_usd_bn"] = out["point"].map(doses).astype(float)
    return out


def first_year_stakes(cfg) -> dict[str, float]:
    """The injection and the coercion it must outweigh, in % of GDP, in the model's 2025 world."""
    from sim.abm.model import AllianceModel
    from sim.core import payoffs
    from sim.runner.config import compose
    from sim.runner.simulate import prepare

    prepared = prepare(compose([*cfg.common, f"scenario={cfg.dose_response.scenario}"]))
    model = AllianceModel(prepared.world, prepared.params, prepared.events, rng=0)
    model.step()
    iso = prepared.world.iso3
    i = {c: iso.index(c) for c in ("JPN", "KOR", "AUS")}
    gdp = model.state.gdp

    def coercion_of_formal(state: str, partner: str) -> float:
        """The extra expected coercion loss (% of GDP) if ``state``'s tie with ``partner``
        became formal (``sim.core.payoffs.coercion_exposure``: bounded and saturating)."""
        d = model.single_change(i[state], i[partner], 3)
        return -100 * float(d[payoffs.ALIGNMENT_TERMS.index("coercion")])

    return {
        "aid_jpn": 100 * 1.5 / 4 / gdp[i["JPN"]],
        "aid_kor": 100 * 1.5 / 4 / gdp[i["KOR"]],
        "coercion_kor_jpn": coercion_of_formal("KOR", "JPN"),
        "coercion_aus_jpn": coercion_of_formal("AUS", "JPN"),
    }
