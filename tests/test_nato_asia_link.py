"""The NATO-Asia link predicate (sim/outcomes.py: nato_asia_links) and its summary columns.

Run tables come from tests/synthetic_run.py, with the last year's ties between Asian states and
European allies set by each test; the expected shares are computed here from the states table.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from synthetic_run import LEVEL_NAMES, synthetic_tables

from sim import outcomes as oc
from sim.schema import PredicatesConfig

DEFAULT = PredicatesConfig()
N_STEPS = 2


def tables(extra_nato: dict[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """A synthetic run; ``extra_nato``: states added to the run and to NATO, with their
    capability (USD bn, every year)."""
    t = synthetic_tables(n_states=41, n_steps=N_STEPS, seed=0)
    for code, capability in (extra_nato or {}).items():
        rows = t["states"][t["states"]["iso3"] == "BEL"].copy()
        rows["iso3"], rows["name"], rows["capability_usd_bn"] = code, code, capability
        t["states"] = pd.concat([t["states"], rows], ignore_index=True)
        nato = t["alliances"]["alliance"] == "NATO"
        t["alliances"].loc[nato, "members"] = t["alliances"].loc[nato, "members"] + f";{code}"
    return t


def run_with(
    changes: dict[tuple[str, str], int],
    predicates=DEFAULT,
    extra_nato: dict[str, float] | None = None,
    with_ties: bool = True,
) -> oc.RunResult:
    """The run with the last year's ties of ``changes`` (pair -> level, 0 to remove) set."""
    t = tables(extra_nato)
    ties = t["ties"]
    last = int(ties["year"].max())
    pairs = {tuple(sorted(p)) for p in changes}
    pair = pd.Series(list(zip(ties["a"], ties["b"], strict=True)), index=ties.index)
    ties = ties[~((ties["year"] == last) & pair.isin(pairs))]
    new = [
        {
            "step": N_STEPS,
            "year": last,
            "a": min(p),
            "b": max(p),
            "level": level,
            "level_name": LEVEL_NAMES[level],
            "source": "bilateral",
        }
        for p, level in changes.items()
        if level
    ]
    ties = pd.concat([ties, pd.DataFrame(new)], ignore_index=True)
    series = {"us_burden_share": [0.5] * (N_STEPS + 1), "polarisation": [0.3] * (N_STEPS + 1)}
    return oc.RunResult(
        t["states"], t["alliances"], series, ties=ties if with_ties else None, predicates=predicates
    )


def europe_share(run: oc.RunResult, partners: list[str]) -> float:
    """``partners``' share of the last year's capability of NATO's members other than the hub
    (computed from the tables, independently of sim.outcomes)."""
    year = run.states["year"].max()
    nato = run.alliances[(run.alliances["alliance"] == "NATO") & (run.alliances["year"] == year)]
    europe = [c for c in nato["members"].iloc[0].split(";") if c != "USA"]
    capability = run.states[run.states["year"] == year].set_index("iso3")["capability_usd_bn"]
    return float(capability[partners].sum() / capability[europe].sum())


def summary(run: oc.RunResult) -> dict:
    return oc.summary_row(run, run.predicates)


def test_the_2024_like_synthetic_world_holds_no_link():
    """Japan and Australia each hold one partnership with the UK: no link."""
    row = summary(run_with({}))
    assert not row["nato_asia_link"] and pd.isna(row["nato_asia_link_year"])
    assert row["nato_asia_link_partners"] == "JPN:GBR;AUS:GBR"
    assert row["nato_asia_link_states"] == ""
    assert row["nato_asia_link_n_partners"] == 1


def test_two_large_partners_hold_the_link_at_a_share_they_reach_and_not_above():
    """A partnership of Japan with the UK and France (its only European ties) holds the link
    when the threshold is the share the two hold, and not when it is above it."""
    changes = {("FRA", "JPN"): 2}
    share = europe_share(run_with(changes), ["FRA", "GBR"])
    assert 0 < share < 1
    at = run_with(changes, replace(DEFAULT, link_min_share=share - 1e-12))
    row = summary(at)
    assert row["nato_asia_link"]
    assert row["nato_asia_link_year"] == 2024 + N_STEPS  # the FRA tie exists only then
    assert row["nato_asia_link_states"] == "JPN"
    assert row["nato_asia_link_partners"] == "JPN:FRA+GBR;AUS:GBR"
    assert row["nato_asia_link_n_partners"] == 2
    assert row["nato_asia_link_share"] == pytest.approx(share, rel=1e-12)
    (jpn,) = [k for k in at.last_links if k.state == "JPN"]
    assert jpn.partners == ("FRA", "GBR") and jpn.formal == () and jpn.linked

    above = summary(run_with(changes, replace(DEFAULT, link_min_share=share + 1e-9)))
    assert not above["nato_asia_link"] and pd.isna(above["nato_asia_link_year"])
    assert above["nato_asia_link_states"] == ""
    assert above["nato_asia_link_partners"] == "JPN:FRA+GBR;AUS:GBR"
    assert above["nato_asia_link_share"] == pytest.approx(share, rel=1e-12)
    # two partners are needed: the same share with a higher count does not hold it
    three = replace(DEFAULT, link_min_share=share - 1e-12, link_min_partners=3)
    assert not summary(run_with(changes, three))["nato_asia_link"]


def test_one_formal_tie_with_a_european_ally_counts():
    """Japan formally allied with the UK alone holds the link (link_any_formal), whatever the
    share; without link_any_formal it does not."""
    changes = {("GBR", "JPN"): 3}
    run = run_with(changes)
    row = summary(run)
    assert row["nato_asia_link"] and row["nato_asia_link_states"] == "JPN"
    assert row["nato_asia_link_partners"] == "JPN:GBR(formal);AUS:GBR"
    assert row["nato_asia_link_n_partners"] == 1
    assert row["nato_asia_link_share"] == pytest.approx(europe_share(run, ["GBR"]), rel=1e-12)
    assert europe_share(run, ["GBR"]) < DEFAULT.link_min_share  # the formal tie, not the share
    off = replace(DEFAULT, link_any_formal=False)
    assert not summary(run_with(changes, off))["nato_asia_link"]


def test_a_small_ally_alone_does_not():
    """Korea's partnership with Luxembourg alone is no link, even with one partner allowed:
    it is tied to too small a share of European NATO."""
    lux = {"LUX": 6.0}
    changes = {("KOR", "LUX"): 2}
    run = run_with(changes, extra_nato=lux)
    row = summary(run)
    assert not row["nato_asia_link"] and row["nato_asia_link_states"] == ""
    assert row["nato_asia_link_partners"] == "JPN:GBR;KOR:LUX;AUS:GBR"
    (kor,) = [k for k in run.last_links if k.state == "KOR"]
    assert kor.partners == ("LUX",) and not kor.linked
    assert kor.share == pytest.approx(europe_share(run, ["LUX"]), rel=1e-12)
    assert kor.share < 0.01
    one = replace(DEFAULT, link_min_partners=1)
    assert not summary(run_with(changes, one, extra_nato=lux))["nato_asia_link"]
    # a formal tie with it would count (link_any_formal): a mutual-defence commitment to any ally
    assert summary(run_with({("KOR", "LUX"): 3}, extra_nato=lux))["nato_asia_link_states"] == "KOR"


def test_a_run_without_its_ties_table_falls_back_to_the_yearly_flag():
    """Without ``ties`` the link is the alliances table's ``is_nato_asia_link`` flag and the
    component columns are empty."""
    run = run_with({("FRA", "JPN"): 2, ("GBR", "JPN"): 3}, with_ties=False)
    row = summary(run)
    flags = run.alliances["is_nato_asia_link"]
    last = run.alliances["step"] == run.alliances["step"].max()
    assert row["nato_asia_link"] == bool(flags[last].any())
    assert row["nato_asia_link_partners"] == "" and row["nato_asia_link_states"] == ""
    assert np.isnan(row["nato_asia_link_n_partners"]) and np.isnan(row["nato_asia_link_share"])


def test_the_tables_and_the_model_arrays_agree(compose_cfg):
    """On a real run, the link read from the recorded tables (``RunResult.links``) is the link
    computed from the model's arrays (``nato_asia_links_now``)."""
    from sim.runner.simulate import prepare, run_model

    model = run_model(prepare(compose_cfg("model.horizon=2")), seed=0)
    t = model.recorder.tables()
    pred = model.params.predicates
    run = oc.RunResult(t["states"], t["alliances"], {}, ties=t["ties"], predicates=pred)
    nato = model.state.treaty(pred.link_treaty)
    now = oc.nato_asia_links_now(
        model.levels, model.world.iso3, model.state.capability, nato.members, pred
    )
    assert [k.state for k in now] == ["JPN", "KOR", "AUS"]
    for a, b in zip(run.last_links, now, strict=True):
        assert (a.state, a.partners, a.formal, a.linked) == (
            b.state,
            b.partners,
            b.formal,
            b.linked,
        )
        assert a.share == pytest.approx(b.share, rel=1e-9)


@pytest.mark.parametrize(
    ("scenario", "held"), [("baseline", False), ("japan_nato_exercises", True)]
)
def test_the_yearly_flag_is_the_summarys_link(compose_cfg, scenario, held):
    """The alliances table's yearly ``is_nato_asia_link`` flag is set in exactly the years the
    link is held (a state ``linked``), so its first year is the summary's ``nato_asia_link_year``
    (it was once set whenever the link's states were listed, linked or not)."""
    from sim.runner.simulate import simulate

    t = simulate(compose_cfg(f"scenario={scenario}", "model.horizon=8"))
    flagged = sorted(set(t["alliances"].loc[t["alliances"].is_nato_asia_link, "year"]))
    row = t["summary"].iloc[0]
    assert bool(row["nato_asia_link"]) == held == bool(flagged)
    if held:
        assert flagged[0] == row["nato_asia_link_year"]
