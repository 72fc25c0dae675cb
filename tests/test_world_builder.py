"""The world builder, one step at a time (``sim.world.builder``), and the steps together."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sim.errors import UserError
from sim.schema import AggregateConfig, TreatyConfig
from sim.world import builder as b


def _table() -> pd.DataFrame:
    """Four states: AAA, BBB and CCC, and DDD with no GDP figure."""
    return pd.DataFrame(
        {
            "name": ["Aland", "Bland", "Cland", "Dland"],
            "gdp_usd_bn": [1000.0, 500.0, 800.0, np.nan],
            "defence_usd_bn": [20.0, 10.0, 30.0, 5.0],
            "lat": [10.0, 12.0, 30.0, 0.0],
            "lon": [10.0, 14.0, 40.0, 0.0],
        },
        index=pd.Index(["AAA", "BBB", "CCC", "DDD"], name="iso3"),
    )


def _world_cfg(**fields) -> SimpleNamespace:
    """The fields of a WorldConfig that the steps read, at their defaults."""
    cfg = {
        "source": "builtin",
        "actors_csv": None,
        "propensity_csv": None,
        "propensity_midpoint": 0.0,
        "propensity_scale": 1.0,
        "regime": {},
        "gdp_growth": {},
        "projection_range_km": {},
        "credibility": {},
        "coercion_propensity": {},
        "min_pct_gdp": {},
        "max_pct_gdp": {},
        "affinity_regime_weight": 0.3,
    }
    return SimpleNamespace(**{**cfg, **fields})


def test_read_states_by_source(tmp_path):
    builtin = b.read_states(_world_cfg())
    assert {"USA", "JPN", "DEU"} <= set(builtin.index)
    path = tmp_path / "actors.csv"
    path.write_text(
        "iso3,name,gdp_usd_bn,defence_usd_bn,lat,lon\nAAA,A,1000,20,10,10\nBBB,B,500,10,12,14\n"
    )
    assert list(b.read_states(_world_cfg(source="csv", actors_csv=str(path))).index) == [
        "AAA",
        "BBB",
    ]
    for fields, message in (
        ({"actors_csv": str(path)}, "read only with world=csv"),
        ({"source": "csv", "actors_csv": "???"}, "world=csv needs world.actors_csv=PATH"),
        ({"source": "web"}, "unknown world.source 'web'; use 'builtin' or 'csv'"),
    ):
        with pytest.raises(UserError, match=message):
            b.read_states(_world_cfg(**fields))


def test_typed_entries_and_their_errors():
    typed = b.typed_entries({"T": {"members": ["AAA", "BBB"]}}, TreatyConfig, "world.treaties")
    assert typed["T"] == TreatyConfig(members=["AAA", "BBB"])
    assert b.typed_entries(None, TreatyConfig, "world.treaties") == {}
    with pytest.raises(UserError, match=r"world\.treaties\.T\.colour"):
        b.typed_entries(
            {"T": {"members": ["AAA"], "colour": "red"}}, TreatyConfig, "world.treaties"
        )


def test_check_actors():
    base, aggs = _table(), {"ZZZ": AggregateConfig(name="Z", members=["AAA"])}
    assert b.check_actors(None, base, aggs) == ["AAA", "BBB", "CCC", "DDD"]
    assert b.check_actors(["ZZZ", "CCC"], base, aggs) == ["ZZZ", "CCC"]
    with pytest.raises(UserError, match=r"world\.actors lists a state twice"):
        b.check_actors(["AAA", "AAA"], base, aggs)
    with pytest.raises(UserError, match=r"unknown actor 'XXX' in world\.actors; known: AAA, BBB"):
        b.check_actors(["XXX"], base, aggs)


def test_data_overrides_are_applied():
    base = _table()
    b.apply_data_overrides(base, {"DDD": {"gdp_usd_bn": 50}, "AAA": {"defence_usd_bn": 0}})
    assert base.loc["DDD", "gdp_usd_bn"] == 50.0
    assert base.loc["AAA", "defence_usd_bn"] == 0.0
    b.apply_data_overrides(base, None)
    for overrides, message in (
        ({"XXX": {"gdp_usd_bn": 1}}, "unknown state 'XXX' in world.data_overrides"),
        ({"AAA": {"lat": 1}}, "AAA.lat: only gdp_usd_bn and defence_usd_bn may be set"),
        ({"AAA": {"gdp_usd_bn": -1}}, r"AAA\.gdp_usd_bn is negative \(-1\)"),
    ):
        with pytest.raises(UserError, match=message):
            b.apply_data_overrides(base, overrides)


def test_aggregate_members_and_simulated_states():
    base = _table()
    aggs = {"ZZZ": AggregateConfig(name="Z", members=["AAA", "BBB"])}
    members_of = b.aggregate_members(aggs, base)
    assert members_of == {"ZZZ": ["AAA", "BBB"]}
    assert b.simulated_states(["CCC", "ZZZ"], members_of) == ["CCC", "AAA", "BBB"]
    with pytest.raises(UserError, match=r"unknown state 'XXX' in world\.aggregates\.YYY\.members"):
        b.aggregate_members({"YYY": AggregateConfig(name="Y", members=["XXX"])}, base)


def test_check_figures():
    base = _table()
    b.check_figures(base, ["AAA", "BBB"])
    with pytest.raises(
        UserError, match=r"no gdp_usd_bn figure for DDD .*world\.data_overrides\.DDD"
    ):
        b.check_figures(base, ["AAA", "DDD"])
    base.loc["BBB", "lat"] = np.nan
    with pytest.raises(UserError, match="no capital coordinates for BBB"):
        b.check_figures(base, ["BBB"])


def test_per_state_values_read_with_default():
    codes, known = ["AAA", "BBB", "CCC"], {"AAA", "BBB", "CCC"}
    np.testing.assert_array_equal(
        b.per_state({"default": 0.5, "BBB": 0.9}, codes, known, "k", 1.0), [0.5, 0.9, 0.5]
    )
    np.testing.assert_array_equal(b.per_state({"CCC": 2}, codes, known, "k", 1.0), [1, 1, 2])
    with pytest.raises(UserError, match=r"unknown state 'XXX' in world\.k; use an iso3 code"):
        b.per_state({"XXX": 1.0}, codes, known, "k", 1.0)


def test_a_table_column_beats_the_config():
    base, full = _table(), ["AAA", "BBB", "CCC"]
    base["regime"] = [0.2, np.nan, "x", 1.0]  # where the table has no number, the config's
    vec = b.column_or(base, full, set(full), "regime", {"default": -0.5, "CCC": 0.7}, 1.0)
    np.testing.assert_array_equal(vec, [0.2, -0.5, 0.7])
    np.testing.assert_array_equal(
        b.column_or(base, full, set(full), "gdp_growth", None, 0.03), 0.03
    )


def test_state_settings_and_their_ranges():
    base, full = _table(), ["AAA", "BBB"]
    v = b.state_settings(_world_cfg(min_pct_gdp={"AAA": 1.5}), base, full, set(full))
    assert set(v) == {"regime", "growth", "range_km", "credibility", "coercion"} | {
        "min_pct",
        "max_pct",
    }
    np.testing.assert_array_equal(v["range_km"], [3000.0, 3000.0])
    np.testing.assert_array_equal(v["min_pct"], [1.5, np.nan])
    assert np.isnan(v["max_pct"]).all()
    for fields, message in (
        ({"credibility": {"AAA": 1.5}}, "world.credibility must lie between 0 and 1"),
        ({"regime": {"default": -2}}, "world.regime must lie between -1 and 1"),
        ({"projection_range_km": {"BBB": 0}}, "world.projection_range_km must be positive"),
        ({"coercion_propensity": {"XXX": 0}}, "unknown state 'XXX' in world.coercion_propensity"),
    ):
        with pytest.raises(UserError, match=message):
            b.state_settings(_world_cfg(**fields), base, full, set(full))


def test_treaties_keep_their_simulated_members():
    treaties = {"T": TreatyConfig(members=["AAA", "BBB", "CCC"], open_to=["DDD"])}
    known = {"AAA", "BBB", "CCC", "DDD"}
    assert b.treaty_states(treaties, known, ["AAA", "CCC"]) == {"T": ["AAA", "CCC"]}
    with pytest.raises(UserError, match=r"unknown state 'DDD' in world\.treaties\.T"):
        b.treaty_states(treaties, known - {"DDD"}, ["AAA"])


def test_pairs_and_treaties_expand():
    assert b.split_pair("AAA-BBB", "-", "w") == ("AAA", "BBB")
    for bad in ("AAABBB", "AAA-", "A-B-C"):
        with pytest.raises(UserError, match=f"malformed pair '{bad}' in w; write it as AAA-BBB"):
            b.split_pair(bad, "-", "w")
    treaties, known = {"T": ["AAA", "BBB"]}, {"AAA", "BBB", "CCC"}
    assert b.expand("@T", treaties, known, "w") == ["AAA", "BBB"]
    assert b.expand("CCC", treaties, known, "w") == ["CCC"]
    with pytest.raises(UserError, match="unknown treaty 'U' in w; known: T"):
        b.expand("@U", treaties, known, "w")
    with pytest.raises(UserError, match="unknown state 'XXX' in w"):
        b.expand("XXX", treaties, known, "w")


def test_affinity_from_regime_plus_adjustments():
    regime = np.array([1.0, 0.5, -1.0])
    base = b.base_affinity(_world_cfg(affinity_regime_weight=0.4), regime, ["A", "B", "C"])
    np.testing.assert_allclose(base, 0.4 * np.array([[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]]))
    pos = {"AAA": 0, "BBB": 1, "CCC": 2}
    adjusted = b.adjust_affinity(
        base.copy(),
        {"@T-CCC": -0.5, "AAA-BBB": 2.0, "AAA-DDD": 1.0},  # DDD is known, not simulated
        pos,
        {"T": ["AAA", "BBB"]},
        {"AAA", "BBB", "CCC", "DDD"},
    )
    expected = [[0, 1, -0.5], [1, 0, -0.5], [-0.5, -0.5, 0]]  # clipped, zero diagonal
    np.testing.assert_allclose(adjusted, expected)


def test_affinity_from_a_propensity_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(",AAA,BBB\nAAA,,4\nBBB,4,\n")
    cfg = _world_cfg(propensity_csv=str(path), propensity_midpoint=2.0, propensity_scale=4.0)
    affinity = b.base_affinity(cfg, np.zeros(2), ["AAA", "BBB"])  # (4 - 2) / 4
    np.testing.assert_allclose(affinity, [[0, 0.5], [0.5, 0]])
    wide = _world_cfg(propensity_csv=str(path), propensity_scale=2.0)
    with pytest.raises(UserError, match=r"propensities must map to -1\.\.1 \(got 0\.00\.\.2\.00\)"):
        b.base_affinity(wide, None, ["AAA", "BBB"])
    with pytest.raises(UserError, match=r"world\.propensity_scale must be positive"):
        b.base_affinity(_world_cfg(propensity_csv=str(path), propensity_scale=0), None, [])


def test_trade_and_ties_matrices():
    pos, known = {"AAA": 0, "BBB": 1}, {"AAA", "BBB", "CCC"}
    trade = b.trade_matrix({"AAA-BBB": 5.0, "BBB-CCC": 9.0}, pos, known, 2)
    np.testing.assert_allclose(trade, [[0, 0.05], [0, 0]])  # exporter row, importer column
    ties = b.ties_matrix({"AAA-BBB": "partnership", "AAA-CCC": "formal"}, pos, known, 2)
    assert ties.dtype == np.int8
    np.testing.assert_array_equal(ties, [[0, 2], [2, 0]])
    with pytest.raises(UserError, match=r"world\.trade_exposure_pct_gdp\.AAA-BBB is negative"):
        b.trade_matrix({"AAA-BBB": -1.0}, pos, known, 2)
    with pytest.raises(UserError, match=r"unknown state 'XXX' in world\.ties"):
        b.ties_matrix({"AAA-XXX": "formal"}, pos, known, 2)
    with pytest.raises(UserError, match=r"unknown commitment level 'pact' in world\.ties\.AAA-BBB"):
        b.ties_matrix({"AAA-BBB": "pact"}, pos, known, 2)


def _groups() -> b.Groups:
    """Actor 0 is CCC alone; actor 1 merges AAA and BBB."""
    pos = {"CCC": 0, "AAA": 1, "BBB": 2}
    return b.Groups.of(
        ["CCC", "ZZZ"],
        {"ZZZ": ["AAA", "BBB"]},
        pos,
        gdp=np.array([800.0, 1000.0, 500.0]),
        spending=np.array([30.0, 20.0, 10.0]),
    )


def test_aggregates_are_merged():
    g = _groups()
    assert g.members == [[0], [1, 2]]
    assert g.actor_of() == {0: 0, 1: 1, 2: 1}
    np.testing.assert_array_equal(g.single(), [True, False])
    vec = np.array([1.0, 0.0, 3.0])
    np.testing.assert_allclose(g.agg_vec(vec, "sum"), [1, 3])
    np.testing.assert_allclose(g.agg_vec(np.array([1.0, np.nan, np.nan]), "max"), [1, np.nan])
    np.testing.assert_allclose(g.agg_vec(vec, "gdp"), [1, 1])  # (0*1000 + 3*500) / 1500
    np.testing.assert_allclose(g.agg_vec(vec, "capability"), [1, 1], rtol=1e-9)  # by spending
    mat = np.array([[0, 0.3, 0.6], [0.3, 0, 1.0], [0.6, 1.0, 0]])
    np.testing.assert_allclose(g.agg_pairs(mat, "max"), [[0, 0.6], [0.6, 0]])
    np.testing.assert_allclose(g.agg_pairs(mat, "exports")[1, 0], (0.3 * 1000 + 0.6 * 500) / 1500)
    np.testing.assert_allclose(g.agg_pairs(mat, "capability")[0, 1], (0.3 * 20 + 0.6 * 10) / 30)


def loop_agg_pairs(groups: b.Groups, mat: np.ndarray, how: str) -> np.ndarray:
    """``Groups.agg_pairs`` as it was, a Python loop over every pair of actors (the oracle)."""
    m = len(groups.members)
    out = np.zeros((m, m), dtype=mat.dtype)
    for a, ga in enumerate(groups.members):
        for c, gc in enumerate(groups.members):
            if a == c:
                continue
            block = mat[np.ix_(ga, gc)]
            if how == "max":
                out[a, c] = block.max()
            elif how == "exports":
                out[a, c] = (block * groups.gdp[ga][:, None]).sum() / groups.gdp[ga].sum()
            else:
                w = np.outer(groups.capability[ga], groups.capability[gc])
                out[a, c] = (block * w).sum() / w.sum()
    return out


def random_groups(rng: np.random.Generator, n: int) -> b.Groups:
    """n states in random order, all single or some merged into aggregates."""
    order = rng.permutation(n).tolist()
    cuts = sorted(rng.choice(np.arange(1, n), size=int(rng.integers(0, n // 2 + 1)), replace=False))
    single = rng.random() < 0.3 or n < 2
    members = [[k] for k in order] if single else [g.tolist() for g in np.split(order, cuts)]
    gdp = np.exp(rng.normal(3, 2, n))
    spending = gdp * rng.uniform(0, 0.05, n) * (rng.random(n) < 0.9)
    return b.Groups(members, gdp, spending + 1e-9)


@pytest.mark.parametrize("seed", range(40))
def test_agg_pairs_is_the_loops_to_the_bit(seed, monkeypatch):
    """The pairs of single states computed together give the floats of the loop over every
    pair (signed zeros and NaN included), whatever the blocks of rows."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    groups = random_groups(rng, n)
    monkeypatch.setattr(b, "PAIR_BLOCK", int(rng.choice([1, 7, 1 << 22])))
    mat = rng.uniform(-1, 1, (n, n)) * rng.choice([1e-300, 1.0, 1e300], (n, n))
    mat[rng.random((n, n)) < 0.2] = 0.0
    mat[rng.random((n, n)) < 0.1] = -0.0
    mat[rng.random((n, n)) < 0.05] = np.nan
    for how in ("max", "exports", "capability"):
        want, got = loop_agg_pairs(groups, mat, how), groups.agg_pairs(mat, how)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))
    ties = rng.integers(0, 4, (n, n)).astype(np.int8)
    got = groups.agg_pairs(ties, "max")
    assert got.dtype == np.int8
    np.testing.assert_array_equal(got, loop_agg_pairs(groups, ties, "max"))


def test_capitals_of_actors_and_aggregates():
    base = _table()
    g = _groups()
    full = ["CCC", "AAA", "BBB"]
    lat, lon = b.capital_coordinates(base, full, ["CCC", "ZZZ"], {"ZZZ": None}, g)
    np.testing.assert_allclose(lat, [30, (10 * 1000 + 12 * 500) / 1500])
    lat, lon = b.capital_coordinates(base, full, ["CCC", "EUR"], {"EUR": None}, g)
    assert (lat[1], lon[1]) == (50.85, 4.35)  # Brussels, from the capitals table


def test_treaties_are_expanded_to_the_final_actors():
    cfgs = {
        "T": TreatyConfig(members=["CCC", "AAA"], open_to=["BBB"], target_pct_gdp=2.0),
        "U": TreatyConfig(members=["AAA", "BBB"]),  # one actor once merged: dropped
    }
    members = {"T": ["CCC", "AAA"], "U": ["AAA", "BBB"]}
    pos, g = {"CCC": 0, "AAA": 1, "BBB": 2}, _groups()
    (t,) = b.build_treaties(cfgs, members, pos, g.actor_of())
    assert (t.name, t.members, t.level, t.target_share, t.open_to) == ("T", [0, 1], 3, 0.02, [])
    cfgs["T"].level = "bond"
    with pytest.raises(UserError, match=r"unknown commitment level 'bond' in world\.treaties\.T"):
        b.build_treaties(cfgs, members, pos, g.actor_of())


def test_names_and_regions():
    base = _table()
    base["region"] = [np.nan, "Atlantis", np.nan, np.nan]
    aggs = {"ZZZ": AggregateConfig(name="Zland", members=["AAA"], region="Nowhere")}
    assert [b.actor_name(c, base, aggs) for c in ("AAA", "ZZZ")] == ["Aland", "Zland"]
    regions = [b.actor_region(c, base, aggs) for c in ("AAA", "BBB", "ZZZ")]
    assert regions == ["Europe", "Atlantis", "Nowhere"]
    assert b.actor_region("USA", pd.DataFrame(index=["USA"]), {}) == "North America"


def test_build_world_runs_the_steps():
    from sim.runner.config import compose

    full = b.build_world(compose(["world=default"]).world)
    small = b.build_world(compose(["world=classroom5"]).world)
    assert small.iso3 == ["USA", "JPN", "KOR", "CHN", "EUR"]
    eur = [full.iso3.index(c) for c in small.aggregate_of]
    assert small.gdp[4] == pytest.approx(full.gdp[eur].sum(), rel=1e-12)
    assert small.ties[0, 4] == full.ties[np.ix_([0], eur)].max()
    assert small.affinity[0, 1] == pytest.approx(full.affinity[0, 1], rel=1e-12)
    assert np.isnan(small.min_share[4])
    assert small.names[4] == "NATO-Europe" and small.regions[4] == "Europe"
