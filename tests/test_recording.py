"""The fast recording paths against plain reference implementations kept here as oracles: the
clique search (and its cache), the yearly NATO-Asia links, the table building, the blocs'
update and the summary. Each fast path must give exactly what the plain one gives."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from property import SEEDS, graphs

from sim import outcomes as oc
from sim.core import coalitions, payoffs
from sim.schema import LEVELS, PredicatesConfig

PROPERTY = settings(deadline=None, max_examples=80)
FAST = ("model.horizon=6", "model.engine=compiled")


# --------------------------------------------------------------------------------------------
# Maximal cliques: a plain enumeration as the oracle
# --------------------------------------------------------------------------------------------


def plain_cliques(adj: np.ndarray, min_size: int) -> list[tuple[int, ...]]:
    """Every maximal clique by plain Bron-Kerbosch on Python sets (Tomita's pivot, taken by a
    plain maximum; no bitsets, no pruning)."""
    n = adj.shape[0]
    nb = [{j for j in range(n) if j != i and adj[i, j]} for i in range(n)]
    out: list[tuple[int, ...]] = []

    def expand(r: set, p: set, x: set) -> None:
        if not p and not x:
            if len(r) >= min_size:
                out.append(tuple(sorted(r)))
            return
        pivot = max(sorted(p | x), key=lambda u: len(p & nb[u]))
        for v in sorted(p - nb[pivot]):
            expand(r | {v}, p & nb[v], x & nb[v])
            p = p - {v}
            x = x | {v}

    expand(set(), set(range(n)), set())
    return sorted(out)


def brute_cliques(adj: np.ndarray, min_size: int) -> list[tuple[int, ...]]:
    """Every subset that is a clique and that no other node extends (small graphs only)."""
    n = adj.shape[0]

    def clique(c) -> bool:
        return all(adj[i, j] for i, j in itertools.combinations(c, 2))

    found = []
    for size in range(max(min_size, 1), n + 1):
        for c in itertools.combinations(range(n), size):
            if clique(c) and not any(all(adj[v, i] for i in c) for v in range(n) if v not in c):
                found.append(c)
    return sorted(found)


@PROPERTY
@given(graphs(max_n=18), st.sampled_from([1, 2, 3, 4, 5]))
def test_fast_cliques_equal_the_plain_enumeration(adj, min_size):
    assert coalitions.maximal_cliques(adj, min_size) == plain_cliques(adj, min_size)


@PROPERTY
@given(graphs(max_n=9), st.sampled_from([1, 2, 3]))
def test_fast_cliques_equal_brute_force_on_small_graphs(adj, min_size):
    assert coalitions.maximal_cliques(adj, min_size) == brute_cliques(adj, min_size)


def test_fast_cliques_on_alliance_like_graphs():
    """A big bloc (NATO-sized) with overlapping smaller ones and noise, at 40-120 states."""
    rng = np.random.default_rng(11)
    for n in (40, 80, 120):
        for _ in range(5):
            adj = rng.random((n, n)) < 0.05
            big = rng.choice(n, size=n // 3, replace=False)
            adj[np.ix_(big, big)] = True
            for _ in range(4):
                small = rng.choice(n, size=4, replace=False)
                adj[np.ix_(small, small)] = True
            adj = adj | adj.T
            assert coalitions.maximal_cliques(adj) == plain_cliques(adj, 3)


@settings(deadline=None, max_examples=40)
@given(SEEDS, st.integers(min_value=2, max_value=16))
def test_the_clique_cache_recomputes_only_when_the_graph_changes(seed, n):
    rng = np.random.default_rng(seed)
    cache = coalitions.CliqueCache()
    adj = np.triu(rng.random((n, n)) < 0.4, k=1)
    adj = adj | adj.T
    searches = 0
    previous = None
    for _ in range(8):
        if rng.random() < 0.5:  # a year in which one formal tie changes
            i, j = rng.choice(n, size=2, replace=False)
            adj[i, j] = adj[j, i] = not adj[i, j]
        searches += previous is None or not np.array_equal(previous, adj)
        previous = adj.copy()
        got = cache(adj, 3)
        assert got == coalitions.maximal_cliques(adj, 3)
        got.append((99,))  # the caller's list is its own
        assert cache.computed == searches
    assert cache(adj, 2) == coalitions.maximal_cliques(adj, 2)  # another size: searched again


# --------------------------------------------------------------------------------------------
# The yearly NATO-Asia links: the definition (dicts by code) as the oracle
# --------------------------------------------------------------------------------------------


def links_by_definition(levels, iso, capability, members, pred) -> list[oc.Link]:
    """``nato_asia_links`` fed as its docstring says, from dicts by code."""
    european = [
        iso[k]
        for k in members or ()
        if iso[k] != pred.asian_nato_hub and iso[k] not in pred.link_asian
    ]
    asian = [a for a in pred.link_asian if a in iso]
    cap = {c: float(capability[k]) for k, c in enumerate(iso)}
    level = {(a, e): int(levels[iso.index(a), iso.index(e)]) for a in asian for e in european}
    return oc.nato_asia_links(asian, european, cap, level, pred)


@settings(deadline=None, max_examples=150)
@given(
    SEEDS,
    st.integers(min_value=3, max_value=30),
    st.sampled_from(LEVELS[1:]),
    st.integers(min_value=0, max_value=4),
    st.floats(min_value=0.0, max_value=1.0),
    st.booleans(),
)
def test_yearly_links_equal_the_definition(seed, n, min_level, partners, share, any_formal):
    rng = np.random.default_rng(seed)
    codes = ["USA", "JPN", "KOR", "AUS", "GBR", "FRA", "DEU", "ITA", "CAN", "POL", "ESP", "NLD"]
    iso = [*rng.permutation(codes)[: min(n, len(codes))]]
    iso += [f"X{k:02d}" for k in range(n - len(iso))]
    levels = np.triu(rng.integers(0, 4, size=(n, n)), k=1)
    levels = levels + levels.T
    capability = rng.lognormal(3.0, 2.0, size=n) * (rng.random(n) < 0.9)
    members = None if rng.random() < 0.1 else rng.permutation(n)[: rng.integers(0, n)].tolist()
    pred = PredicatesConfig(
        link_min_level=min_level,
        link_min_partners=partners,
        link_min_share=share,
        link_any_formal=any_formal,
    )
    fast = oc.nato_asia_links_now(levels, iso, capability, members, pred)
    assert fast == links_by_definition(levels, iso, capability, members, pred)  # exact shares


# --------------------------------------------------------------------------------------------
# A run's tables: the plain ways of building them as the oracle
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(compose_cfg):
    """Models run to their horizon, on the default world, the class world and a scenario."""
    from sim.runner.simulate import prepare, run_model

    out = []
    for overrides in [(), ("world=classroom5",), ("scenario=asian_nato_proposal",)]:
        prepared = prepare(compose_cfg(*FAST, *overrides))
        out += [run_model(prepared, seed) for seed in (0, 3)]
    return out


def plain_tables(model) -> dict[str, pd.DataFrame]:
    """The tables built the plain way, from the recorder's rows."""
    r, w = model.recorder, model.world
    n, steps = w.n, len(r.years)
    data = np.stack(r.snapshots)
    from sim.abm.recorder import EVENT_COLUMNS, STATE_SERIES

    states = pd.DataFrame(data.reshape(steps * n, -1), columns=list(STATE_SERIES))
    states.insert(0, "name", np.tile(w.names, steps))
    states.insert(0, "iso3", np.tile(w.iso3, steps))
    states.insert(0, "year", np.repeat(r.years, n))
    states.insert(0, "step", np.repeat(np.arange(steps), n))
    for col in ("n_ties", "n_formal_ties"):
        states[col] = states[col].astype(int)
    rows = [
        (step, year, w.iso3[a], w.iso3[b], int(lv), int(source))
        for step, year, aa, bb, lvs, sources in r.tie_rows
        for a, b, lv, source in zip(aa, bb, lvs, sources, strict=True)
    ]
    names = [*model.treaty_names]
    ties = pd.DataFrame(
        [
            {
                "step": step,
                "year": year,
                "a": min(a, b),
                "b": max(a, b),
                "level": lv,
                "level_name": LEVELS[lv],
                "source": names[source] if source >= 0 else "bilateral",
            }
            for step, year, a, b, lv, source in rows
        ],
        columns=["step", "year", "a", "b", "level", "level_name", "source"],
    )
    events = pd.DataFrame(r.events, columns=list(EVENT_COLUMNS))
    for col in ("from_level", "to_level"):
        events[col] = events[col].astype("Int64")
    return {
        "states": states,
        "ties": ties,
        "alliances": pd.DataFrame(r.alliance_rows),
        "events": events,
    }


def test_the_tables_equal_the_plain_build(runs):
    for model in runs:
        fast, plain = model.recorder.tables(seed=5), plain_tables(model)
        for name, table in plain.items():
            pd.testing.assert_frame_equal(fast[name], table, check_exact=True, obj=name)
            assert list(fast[name].dtypes) == list(table.dtypes), name


def test_the_summary_equals_the_one_read_off_the_tables(runs):
    """The summary from the links the run recorded every year equals the summary from a
    RunResult that reads them off the ties table, built as a one-row frame the plain way."""
    for model in runs:
        r = model.recorder
        t = r.tables(seed=5, replicate={"base_seed": 1, "replicate": 2})
        pred = model.params.predicates
        fast = r.result
        series = {"us_burden_share": r.us_burden_share, "polarisation": r.polarisation}
        plain = oc.RunResult(t["states"], t["alliances"], series, t["ties"])
        assert plain.recorded_links is None
        row = oc.summary_row(plain, pred)
        assert fast.recorded_links is not None
        assert fast.links == plain.links  # Link by Link, shares exactly
        identity = {
            "scenario": model.scenario_name,
            "world": model.world.name,
            "base_seed": 1,
            "replicate": 2,
            "seed": 5,
            "horizon": r.years[-1] - r.years[0],
        }
        expected = pd.DataFrame([{**identity, **row}]).astype(
            {"asian_nato_year": "Int64", "nato_asia_link_year": "Int64"}
        )
        pd.testing.assert_frame_equal(t["summary"], expected, check_exact=True)


def test_the_selections_outcomes_share_equal_plain_selections(runs):
    for model in runs:
        t = model.recorder.tables(seed=5)
        run = model.recorder.result
        a, s = t["alliances"], t["states"]
        if len(a):
            pd.testing.assert_frame_equal(run.last_step, a[a["step"] == a["step"].max()])
            pd.testing.assert_frame_equal(run.asian, a[a["is_asian_nato"]])
            last = run.last_step
            assert oc.n_formal_blocs_end(run) == len(last[last["kind"] == "bloc"])
        for code in (*model.world.iso3[:3], "XXX"):
            plain = s[s["iso3"] == code]["defence_usd_bn"].to_numpy()
            np.testing.assert_array_equal(run.values_of(code, "defence_usd_bn"), plain)


def plain_update_blocs(self) -> None:
    """``AllianceModel._update_blocs`` without the cache or the unchanged-blocs shortcut."""
    cliques = [frozenset(c) for c in plain_cliques(self.levels >= 3, 3)]
    treaty_sets = {frozenset(t.members) for t in self.state.treaties}
    cliques = [c for c in cliques if c not in treaty_sets]
    old = dict(self._blocs)
    new: dict[frozenset[int], str] = {}
    pairs, ended = coalitions.match_blocs(old, cliques)
    for c, best in pairs:
        if best is not None:
            name = old[best]
            for j in sorted(c - best):
                self.log("accession", actor=self.world.iso3[j], alliance=name)
            for j in sorted(best - c):
                self.log("exit", actor=self.world.iso3[j], alliance=name)
        else:
            self._bloc_count += 1
            name = f"Bloc {self._bloc_count}"
            self.log("formation", alliance=name)
        new[c] = name
    for o in ended:
        self.log("dissolution", alliance=old[o])
    self._blocs = new


@pytest.mark.parametrize("scenario", ["asian_nato_proposal", "trilateral_drills"])
def test_the_blocs_equal_a_plain_update_every_year(compose_cfg, monkeypatch, scenario):
    """Blocs, their names and their events, year by year, with and without the shortcuts."""
    from sim.abm.model import AllianceModel
    from sim.runner.simulate import prepare

    prepared = prepare(compose_cfg("model.horizon=12", f"scenario={scenario}"))
    p = prepared

    def history(model) -> list:
        seen = [dict(model.blocs)]
        for _ in range(p.params.horizon):
            model.step()
            seen.append(dict(model.blocs))
        kinds = {"accession", "exit", "formation", "dissolution"}
        logged = [(e["year"], e["kind"], e["actor"], e["alliance"]) for e in model.recorder.events]
        return [seen, [e for e in logged if e[1] in kinds]]

    def model():
        return AllianceModel(p.world, p.params, p.events, rng=2, scenario_name=p.scenario)

    fast = history(model())
    monkeypatch.setattr(AllianceModel, "_update_blocs", plain_update_blocs)
    assert history(model()) == fast


# --------------------------------------------------------------------------------------------
# A year's record: the plain computation, group by group and pair by pair, as the oracle
# --------------------------------------------------------------------------------------------


def plain_year(model) -> tuple[np.ndarray, tuple, list[dict], list[oc.Link], float]:
    """The year's snapshot, ties, alliance rows, links and hub share computed the plain way:
    one column_stack, every pair above the diagonal, each group's ``burden_shares`` formatted
    member by member, the links by their definition."""
    m, s = model, model.state
    pred, iso, n = m.params.predicates, m.world.iso3, m.world.n
    terms = m.utility_terms()
    pooled, reliability = m.ctx.allies(np.arange(n), m.levels)
    allied = pooled * reliability
    paid = getattr(m, "aid_paid", None)
    received = np.zeros(n) if paid is None else paid.sum(axis=0)
    given_ = np.zeros(n) if paid is None else paid.sum(axis=1)
    security = payoffs.security(s.capability, allied, m.ctx.threat)
    snap = np.column_stack(
        [
            *(s.gdp, s.spending, 100 * s.share, 100 * m.best_response, s.capability, allied),
            *(m.ctx.threat, security, received, given_, reliability, 100 * terms.sum(axis=1)),
            *(100 * terms, (m.levels >= 1).sum(axis=1), (m.levels >= 3).sum(axis=1)),
        ]
    )
    a, b = np.nonzero(np.triu(m.levels > 0, 1))
    lv = m.levels[a, b]
    ties = (a, b, lv, np.where(m.treaty_levels[a, b] >= lv, m.treaty_source[a, b], -1))
    link_treaty = s.treaty(pred.link_treaty)
    members = None if link_treaty is None else link_treaty.members
    links = links_by_definition(m.levels, list(iso), s.capability, members, pred)
    link = any(k.linked for k in links) or any(iso[k] in pred.link_asian for k in members or ())
    groups = [(t.name, "treaty", t.members, t.level) for t in s.treaties]
    groups += [(name, "bloc", sorted(c), 3) for c, name in m.blocs.items()]
    rows = []
    for name, kind, group, level in groups:
        codes = [iso[j] for j in group]
        shares = coalitions.burden_shares(s.spending, group)
        hub = pred.asian_nato_hub
        rows.append(
            {
                "alliance": name,
                "kind": kind,
                "formality": LEVELS[level],
                "members": ";".join(codes),
                "n_members": len(codes),
                "combined_capability_usd_bn": float(s.capability[list(group)].sum()),
                "burden_shares": ";".join(
                    f"{c}:{v:.4f}" for c, v in zip(codes, shares, strict=True)
                ),
                "us_burden_share": float(shares[codes.index(hub)]) if hub in codes else np.nan,
                "is_asian_nato": coalitions.is_asian_nato(
                    codes, hub, pred.asian_nato_candidates, pred.asian_nato_min
                ),
                "is_nato_asia_link": link and kind == "treaty" and name == pred.link_treaty,
            }
        )
    us = list(iso).index(pred.asian_nato_hub)
    group = [us, *np.flatnonzero(m.levels[us] >= 3).tolist()]
    return snap, ties, rows, links, float(coalitions.burden_shares(s.spending, group)[0])


def randomise_year(model, rng: np.random.Generator) -> None:
    """Random spending shares (a treaty's members at zero in places: its shares are NaN),
    random symmetric levels and the blocs they make, as a year might leave them."""
    s, n = model.state, model.world.n
    s.share = rng.uniform(0, 0.06, n) * (rng.random(n) < 0.8)
    if rng.random() < 0.5 and s.treaties:
        s.share[s.treaties[rng.integers(len(s.treaties))].members] = 0.0
    levels = np.triu(rng.integers(0, 4, (n, n)), 1).astype(np.int8)
    model.levels = np.maximum(np.maximum(levels, levels.T), model.treaty_levels)
    model._update_blocs()  # the blocs of the new levels: the recorder's layout changes


@pytest.mark.parametrize("world", ["world=default", "world=classroom5"])
def test_a_years_record_equals_the_plain_computation(compose_cfg, world):
    """Every recorded year of runs on random states (spending, levels) equals the plain
    computation of the same year: the snapshot, the ties, the alliance rows, the links."""
    from sim.runner.simulate import prepare, run_model

    prepared = prepare(compose_cfg(*FAST, "scenario=asian_nato_proposal", world))
    rng = np.random.default_rng(5)
    for seed in (0, 1):
        model = run_model(prepared, seed)
        r = model.recorder
        for year in range(8):
            if year % 2:
                randomise_year(model, rng)
            snap, ties, rows, links, hub_share = plain_year(model)
            before = len(r.alliance_columns["step"])
            r.record()
            step = len(r.years) - 1
            np.testing.assert_array_equal(r.snapshots[-1], snap)
            for got, expected in zip(r.tie_rows[-1][2:], ties, strict=True):
                assert got.dtype == expected.dtype
                np.testing.assert_array_equal(got, expected)
            got = pd.DataFrame(r.alliance_rows[before:])
            expected = pd.DataFrame([{"step": step, "year": model.state.year, **x} for x in rows])
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
            assert r.links[model.state.year] == links
            assert r.us_burden_share[-1] == hub_share or np.isnan(hub_share)
            assert np.isnan(r.us_burden_share[-1]) == np.isnan(hub_share)
            assert r.asian_nato_now == any(x["is_asian_nato"] for x in rows)
        assert len(r._layouts) > 1  # the alliance rows' layout was worked out again
