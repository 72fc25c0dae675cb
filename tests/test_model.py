"""The model as a whole: reproducibility, calibration, bookkeeping, and the brief's behaviours
that belong to the core (free riding, balancing, wedges, mutual consent).

Statistical claims run over many seeds of the five-actor classroom world (fast), with the
tolerance stated in each test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.abm.model import AllianceModel
from sim.runner.simulate import prepare, replicate_seed, run_model
from sim.world.events import build_events

TABLES = ("actors", "states", "ties", "alliances", "events", "summary")
INJECTION = "scenario.events.us_indo_pacific_injection"


def test_same_config_and_seed_give_identical_tables(compose_cfg, run_tables):
    cfg = compose_cfg("scenario=injection_1p5b", "seed=5", "model.horizon=8")
    a, b = run_tables(cfg), run_tables(cfg)
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_same_seed_identical_in_another_process(compose_cfg, run_tables, tmp_path):
    """A run in a fresh interpreter (another hash seed) gives the same tables, aid included."""
    import subprocess
    import sys

    overrides = [
        "scenario=injection_1p5b",
        f"{INJECTION}.amount_usd_bn=80",
        "seed=9",
        "model.horizon=6",
    ]
    here = run_tables(compose_cfg(*overrides))
    assert here["states"]["aid_received_usd_bn"].sum() > 0
    code = (
        "import sys; from sim.runner.config import compose; "
        "from sim.runner.simulate import simulate; t = simulate(compose(sys.argv[2:])); "
        "[t[k].to_parquet(sys.argv[1] + f'/{k}.parquet') for k in t]"
    )
    env = {**__import__("os").environ, "PYTHONHASHSEED": "123"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path), *overrides], check=True, env=env)
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / f"{name}.parquet"), here[name])


def test_different_seeds_give_different_runs(compose_cfg, run_tables):
    a = run_tables(compose_cfg("seed=1", "model.horizon=8"))
    b = run_tables(compose_cfg("seed=2", "model.horizon=8"))
    assert not a["events"][["kind", "actor", "partner"]].equals(
        b["events"][["kind", "actor", "partner"]]
    )


def test_replicate_seeds_come_from_seed_sequence_spawn():
    spawned = np.random.SeedSequence(42).spawn(5)
    expected = [int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for s in spawned]
    assert [replicate_seed(42, r) for r in range(5)] == expected
    assert len(set(expected)) == 5


def test_calibrated_world_starts_at_its_best_responses(compose_cfg):
    """Revealed preference: every state's 2024 share is its best response in the 2024 world."""
    prepared = prepare(compose_cfg())
    m = AllianceModel(prepared.world, prepared.params, [], rng=0)
    s = m.state
    assert (s.target_share > 0).any() and (m.target_weight_now > s.target_weight).any()
    for i in range(prepared.world.n):
        br = m.view.budget_inputs(i).best_response()
        assert br == pytest.approx(s.share[i], abs=2e-6), prepared.world.iso3[i]


def test_capability_accumulates_spending_and_aid_exactly(compose_cfg, run_tables):
    """K_t = (1 - depreciation) K_{t-1} + spending_t + aid bought as capability_t (USD bn)."""
    cfg = compose_cfg("scenario=injection_1p5b", f"{INJECTION}.amount_usd_bn=80", "model.horizon=6")
    states = run_tables(cfg)["states"].sort_values(["iso3", "step"])
    dep = cfg.model.security.depreciation
    capability_share = cfg.scenario.events.us_indo_pacific_injection.channels["capability"]
    for _, rows in states.groupby("iso3"):
        k = rows["capability_usd_bn"].to_numpy()
        spend = rows["defence_usd_bn"].to_numpy()
        aid = rows["aid_received_usd_bn"].to_numpy()
        expected = (1 - dep) * k[:-1] + spend[1:] + capability_share * aid[1:]
        np.testing.assert_allclose(k[1:], expected, rtol=1e-12)
    assert states["aid_received_usd_bn"].sum() > 0


@pytest.mark.parametrize("partners_needed", [1, 2])
def test_aid_is_paid_by_the_conditions(compose_cfg, run_tables, partners_needed):
    """Each recipient gets its equal share of the offer times min(1, formal partners among the
    other recipients / partners needed), and only with a formal tie to the donor."""
    amount, recipients = 80.0, {"JPN", "KOR", "AUS", "PHL"}
    cfg = compose_cfg(
        "scenario=injection_1p5b",
        f"{INJECTION}.amount_usd_bn={amount}",
        f"{INJECTION}.condition_partners={partners_needed}",
        "model.horizon=6",
        "seed=4",
    )
    t = run_tables(cfg)
    states, ties = t["states"], t["ties"]
    assert set(states.query("aid_received_usd_bn > 0")["iso3"]) <= recipients
    formal = ties[ties.level == 3]
    for step in range(1, 7):
        year_ties = formal[formal.step == step]
        for code in recipients:
            mine = year_ties[(year_ties.a == code) | (year_ties.b == code)]
            partners = (set(mine.a) | set(mine.b)) - {code}
            expected = 0.0
            if "USA" in partners:
                expected = amount / 4 * min(1.0, len(partners & recipients) / partners_needed)
            got = states[(states.step == step) & (states.iso3 == code)][
                "aid_received_usd_bn"
            ].item()
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (step, code)
    assert states["aid_received_usd_bn"].sum() > 0


def test_mutual_consent_at_zero_temperature(compose_cfg, run_tables):
    """With no noise a tie deepens only when both sides gain, and loosens only when the
    side that loosens gains (Jackson & Wolinsky's pairwise stability)."""
    for seed in range(3):
        cfg = compose_cfg(
            "model.alignment.temperature_pct_gdp=0", f"seed={seed}", "model.horizon=10"
        )
        ev = run_tables(cfg)["events"]
        deepened = ev[ev.kind == "tie_deepened"]
        loosened = ev[ev.kind == "tie_loosened"]
        assert (deepened.delta_utility_actor > 0).all() and (
            deepened.delta_utility_partner > 0
        ).all()
        assert (loosened.delta_utility_actor > 0).all()
        declined = ev[ev.kind == "offer_declined"]
        assert (declined.delta_utility_actor <= 0).all()
        assert len(deepened) + len(loosened) > 0


def _classroom(compose_cfg, *overrides):
    return prepare(compose_cfg("world=classroom5", "model.horizon=15", *overrides))


def _mean_over_seeds(prepared, measure, seeds):
    return np.array([measure(run_model(prepared, seed)) for seed in seeds])


def _mean_level(model, pairs) -> float:
    """Sum over ``pairs`` of their commitment level, averaged over the run's years."""
    total = 0.0
    for _step, _year, a, b, level, _source in model.recorder.tie_rows:
        for i, j in pairs:
            hit = ((a == min(i, j)) & (b == max(i, j))).nonzero()[0]
            total += float(level[hit[0]]) if hit.size else 0.0
    return total / len(model.recorder.tie_rows)


def _shock(prepared, spec):
    from omegaconf import OmegaConf

    from sim.schema import EventConfig

    node = OmegaConf.merge(OmegaConf.structured(EventConfig), spec)
    prepared.events = build_events({"shock": node}, prepared.world)
    return prepared


def _yearly(prepared, seed, measure, years):
    """``measure(model)`` after each of ``years`` steps of one seeded run, averaged."""
    m = AllianceModel(prepared.world, prepared.params, prepared.events, rng=seed)
    values = []
    for _ in range(years):
        m.step()
        values.append(measure(m))
    return np.mean(values, axis=0)


def _differs(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """after - before, in standard errors of the difference of the means (paired seeds)."""
    diff = after - before
    se = diff.std(axis=0, ddof=1) / np.sqrt(len(diff))
    return diff.mean(axis=0) / np.where(se > 0, se, np.inf)


def test_balancing_rival_capability_raises_neighbours_budgets_and_alignment(compose_cfg):
    """Raising China's budget to 6 % of GDP (from 1.7 %) from 2025 raises the budgets of its
    neighbours Japan, Korea and the Philippines, and the odds that they seek deeper ties with
    states hostile to China (aligning against it): the yearly probability that each proposes
    one, from the model's own choice probabilities (``ExpectedUtility.proposal_odds``), summed
    over those ties. (Whether the partner consents is another matter: a partner far from China,
    Australia, fears entrapment in its neighbours' disputes more as China grows.) Default
    world, 12 years, the same 12 seeds with and without the shock; each mean difference (over
    the years and seeds) must exceed 2 standard errors. The shock comes after 2024: the 2024
    world is calibrated before it (a change in the world config would be calibrated away as a
    new rest point)."""
    seeds = range(12)
    base = prepare(compose_cfg("model.horizon=12"))
    shocked = _shock(
        prepare(compose_cfg("model.horizon=12")),
        {"kind": "budget_shock", "state": "CHN", "pct_gdp": 6.0},
    )
    iso = base.world.iso3
    neighbours = [iso.index(c) for c in ("JPN", "KOR", "PHL")]
    chn = iso.index("CHN")

    def measure(m):
        odds = m.rule.proposal_odds(m.view)
        against = m.ctx.hostility[:, chn] > 0  # states hostile to China
        return [*m.state.share[neighbours], odds[np.ix_(neighbours, against)].sum()]

    before = np.array([_yearly(base, replicate_seed(0, s), measure, 12) for s in seeds])
    after = np.array([_yearly(shocked, replicate_seed(0, s), measure, 12) for s in seeds])
    assert (_differs(before, after) > 2).all(), _differs(before, after)


def test_wedges_coercion_lowers_the_targets_commitment(compose_cfg):
    """Stronger Chinese coercion from 2025 (its willingness to cut trade multiplied by 5)
    lowers Korea's commitment to the US bloc: the sum of its tie levels with the US, Japan and
    Europe, averaged over the years (classroom world, 15 years, the same 40 seeds with and
    without, > 2 standard errors). After 2024: a change in the world config would be calibrated
    away as a new rest point."""
    seeds = range(40)
    low = _classroom(compose_cfg)
    high = _shock(
        _classroom(compose_cfg),
        {"kind": "rival_response", "actor": "CHN", "coercion_multiplier": 5.0},
    )
    iso = low.world.iso3
    kor = iso.index("KOR")
    others = [iso.index(c) for c in ("USA", "JPN", "EUR")]

    def commitment(m):
        return _mean_level(m, [(kor, j) for j in others])

    c_low = _mean_over_seeds(low, commitment, seeds)
    c_high = _mean_over_seeds(high, commitment, seeds)
    assert _differs(c_high, c_low) > 2, _differs(c_high, c_low)


FREE_RIDING_ACTORS = """iso3,name,gdp_usd_bn,defence_usd_bn,lat,lon
BIG,Big,20000,400,40,-80
MID,Mid,4000,80,50,10
SML,Small,1000,20,52,12
TNY,Tiny,200,4,54,14
RIV,Rival,10000,300,55,40
"""


def _free_riding_world(tmp_path, compose_cfg, members, theta=0.05):
    path = tmp_path / "actors.csv"
    path.write_text(FREE_RIDING_ACTORS)
    codes = ["BIG", "MID", "SML", "TNY", "RIV"]
    rows = [
        ",".join([c] + ["" if c == d else ("-0.8" if "RIV" in (c, d) else "0") for d in codes])
        for c in codes
    ]
    propensity = tmp_path / "propensity.csv"
    propensity.write_text("," + ",".join(codes) + "\n" + "\n".join(rows) + "\n")
    members_yaml = "[" + ",".join(members) + "]"
    return prepare(
        compose_cfg(
            "world=csv",
            f"world.actors_csv={path}",
            f"world.propensity_csv={propensity}",
            f"+world.treaties.ALLIANCE.members={members_yaml}",
            "world.projection_range_km={default: 100000}",
            "world.credibility={default: 1.0}",
            "+scenario.events.rival={kind: budget_shock, state: RIV, pct_gdp: 3.0}",
            "model.budget.calibrate_preferences=false",
            f"model.budget.theta={theta}",
            "model.budget.min_pct_gdp=0.1",
            "model.budget.max_change_pct_points=100",
            "model.budget.adjustment_speed=1",
            "model.security.publicness=1",
            "model.alignment.treaty_exit_cost=1e9",  # never leave
            "model.alignment.tie_cost_usd_bn=1e6",
            "model.alignment.temperature_pct_gdp=0",
            # a pure public good: allies always come, whatever their budgets
            "model.security.max_credibility=1",
            "model.security.credibility_budget_elasticity=0",
            "model.security.credibility_overstretch_elasticity=0",
            "model.horizon=40",
        )
    )


def test_free_riding_richer_allies_spend_larger_shares(tmp_path, compose_cfg):
    """Olson & Zeckhauser: in a pure public-good alliance with equal preferences the richest
    member carries a larger share of GDP than the smaller ones."""
    prepared = _free_riding_world(tmp_path, compose_cfg, ["BIG", "MID", "SML", "TNY"])
    m = run_model(prepared, seed=0)
    share = dict(zip(m.world.iso3, m.state.share, strict=True))
    assert share["BIG"] > share["MID"] >= share["SML"] >= share["TNY"]
    assert share["BIG"] > share["TNY"] + 0.005


def test_free_riding_small_allies_cut_when_a_big_ally_joins(tmp_path, compose_cfg):
    without = run_model(_free_riding_world(tmp_path, compose_cfg, ["MID", "SML", "TNY"]), seed=0)
    with_big = run_model(
        _free_riding_world(tmp_path, compose_cfg, ["BIG", "MID", "SML", "TNY"]), seed=0
    )
    iso = without.world.iso3
    for code in ("MID", "SML", "TNY"):
        i = iso.index(code)
        assert with_big.state.share[i] <= without.state.share[i]
    i = iso.index("MID")
    assert with_big.state.share[i] < without.state.share[i]
