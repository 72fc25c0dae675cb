"""The scenario files' headers: every number a header states is recomputed here.

Each number is recomputed from the composed config (``sim.runner.config.compose``), the built
world (``sim.world.builder.build_world``) and the scenario's events (``sim.world.events``),
and must round to what the header says (to the digits it gives): a header whose number drifts
from the config, the world data or the model's rules fails here. ``check`` finds the phrase in
the header (lines joined), so a header edited without its test fails too.

The last tests are about what the exercise events do in the model: drills move budgets only
through the ties they change, and a credibility gain, off by default, would move them by itself.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import sim
from sim.abm.model import AllianceModel, as_params
from sim.core import coalitions, payoffs
from sim.runner.config import compose
from sim.runner.simulate import prepare
from sim.schema import LEVELS
from sim.world.builder import build_world
from sim.world.events import build_events, settle_aid
from sim.world.state import WorldState

SCENARIOS = Path(sim.__file__).parent / "configs" / "scenario"
NUMBER = r"(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)"
FORMAL = LEVELS.index("formal")
PARTNERSHIP = LEVELS.index("partnership")


# --- reading a header -----------------------------------------------------------------------
@cache
def header(name: str) -> str:
    """The scenario file's leading comment, its lines joined by single spaces."""
    lines = []
    for line in (SCENARIOS / f"{name}.yaml").read_text().splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(" ".join(lines).split())


def says(name: str, text: str) -> None:
    """The header of ``name`` says ``text`` (whitespace as in the header, lines joined)."""
    assert " ".join(text.split()) in header(name), f"{name}'s header should say: {text}"


def check(name: str, phrase: str, *values: float) -> None:
    """The header of ``name`` states ``phrase`` once, each ``{}`` a number that the matching
    value rounds to, to the digits the header gives (half a unit of its last digit)."""
    parts = " ".join(phrase.split()).split("{}")
    assert len(parts) - 1 == len(values), "one value per {}"
    pattern = NUMBER.join(re.escape(p) for p in parts)
    found = re.findall(pattern, header(name))
    assert len(found) == 1, f"{name}'s header should state '{phrase}' once (found {len(found)})"
    texts = found[0] if isinstance(found[0], tuple) else (found[0],)
    for text, value in zip(texts, values, strict=True):
        number = float(text.replace(",", ""))
        decimals = len(text.partition(".")[2])
        tolerance = 0.5 * 10.0**-decimals + 1e-9
        assert abs(value - number) <= tolerance, (
            f"{name}: '{phrase}' states {text}, the config and world give {value:.6g}"
        )


# --- the composed scenario and its world ----------------------------------------------------
@cache
def scenario(name: str) -> SimpleNamespace:
    """The scenario's composed config, built world, events and model parameters."""
    cfg = compose([f"scenario={name}"])
    world = build_world(cfg.world)
    events = build_events(cfg.scenario.events, world)
    return SimpleNamespace(cfg=cfg, world=world, events=events, params=as_params(cfg.model))


def event(name: str, key: str):
    (found,) = [e for e in scenario(name).events if e.name == key]
    return found


def idx(name: str, *codes: str):
    world = scenario(name).world
    out = [world.iso3.index(c) for c in codes]
    return out[0] if len(out) == 1 else out


def initial(name: str) -> WorldState:
    sc = scenario(name)
    return WorldState.initial(sc.world, sc.params.security.depreciation)


@cache
def replay(name: str, until: int) -> dict[int, SimpleNamespace]:
    """Year -> GDP, affinity, credibility and coercion propensity, with the scenario's events
    posted each year as the model's step posts them (GDP grows, the year's settings are reset,
    each active event posts); nothing else moves."""
    sc = scenario(name)
    s = initial(name)

    def snapshot() -> SimpleNamespace:
        return SimpleNamespace(
            gdp=s.gdp.copy(),
            affinity=s.affinity.copy(),
            credibility=s.credibility.copy(),
            coercion=s.coercion_propensity.copy(),
        )

    out = {s.year: snapshot()}
    while s.year < until:
        s.year += 1
        s.gdp = s.gdp * (1 + sc.world.growth)
        s.reset_year()
        for e in sc.events:
            if e.active(s.year):
                e.post(s)
        out[s.year] = snapshot()
    return out


def first_year(path: dict[int, SimpleNamespace], reached) -> int | None:
    """The first year in which ``reached(snapshot)`` holds."""
    return next((y for y, snap in sorted(path.items()) if reached(snap)), None)


def capability_share(name: str, members: list[str], codes: list[str]) -> float:
    """``codes``' share of the 2024 capability of ``members``."""
    k = initial(name).capability
    return sum(k[idx(name, c)] for c in codes) / sum(k[idx(name, c)] for c in members)


def european_nato(name: str) -> list[str]:
    """NATO's members other than the hub (the European allies and Canada)."""
    sc = scenario(name)
    (nato,) = [t for t in sc.world.treaties if t.name == sc.params.predicates.link_treaty]
    hub = sc.params.predicates.asian_nato_hub
    return [sc.world.iso3[k] for k in nato.members if sc.world.iso3[k] != hub]


# --- baseline and the proposal --------------------------------------------------------------
def test_baseline_treaties():
    world = scenario("baseline").world
    (nato,) = [t for t in world.treaties if t.name == "NATO"]
    check("baseline", "today's {} treaty alliances (NATO, {} members;", len(world.treaties), 32)
    assert len(nato.members) == 32
    named = {frozenset(world.iso3[k] for k in t.members) for t in world.treaties}
    for pair in ("USA JPN", "USA KOR", "USA AUS", "USA PHL", "CHN PRK", "RUS PRK"):
        assert frozenset(pair.split()) in named


def test_asian_nato_proposal_treaty():
    name = "asian_nato_proposal"
    world = scenario(name).world
    (treaty,) = [t for t in world.treaties if t.name == "Asian-NATO"]
    assert [world.iso3[k] for k in treaty.members] == ["USA", "JPN"]
    assert [world.iso3[k] for k in treaty.open_to] == ["KOR", "AUS", "PHL"]
    assert treaty.level == FORMAL and treaty.target_share == 0  # no spending target of its own
    says(name, "formal allies already, so the treaty adds no tie until someone joins")
    np.testing.assert_array_equal(initial(name).levels(), initial("baseline").levels())
    levels = initial(name).levels()
    usa, jpn = idx(name, "USA", "JPN")
    says(name, "the US is allied with all three, so Japan decides")
    assert (levels[usa, treaty.open_to] == FORMAL).all()
    assert (levels[jpn, treaty.open_to] < FORMAL).all()
    pred = scenario(name).params.predicates
    check(name, "the US and at least {} of Japan", pred.asian_nato_min)

    def asian_nato(joined) -> bool:
        members = ["USA", "JPN", *joined]
        return coalitions.is_asian_nato(
            members, pred.asian_nato_hub, pred.asian_nato_candidates, pred.asian_nato_min
        )

    three = ("KOR", "AUS", "PHL")
    needed = min(
        k for k in range(4) if all(asian_nato(c) for c in itertools.combinations(three, k))
    )
    assert not any(asian_nato(c) for c in itertools.combinations(three, needed - 1))
    check(name, "once {} of the three have joined", needed)


# --- exercises ------------------------------------------------------------------------------
def test_trilateral_drills_arithmetic():
    name = "trilateral_drills"
    ev = event(name, "freedom_edge")
    usa, jpn, kor = idx(name, "USA", "JPN", "KOR")
    assert sorted(ev.participants) == sorted([usa, jpn, kor])
    check(name, "gains +{} affinity", ev.affinity_gain)
    check(name, "capped at {} (JUDGEMENT)", ev.max_affinity)
    path = replay(name, 2050)
    cap = ev.max_affinity - 1e-9
    jk = {y: s.affinity[jpn, kor] for y, s in path.items()}
    uj = {y: s.affinity[usa, jpn] for y, s in path.items()}
    check(name, "Japan-Korea affinity rises from {} in 2024 to {} after ten years (2034)",
          jk[2024], jk[2034])  # fmt: skip
    check(name, "{} % of the way to the 2024 US-Japan level ({})",
          100 * (jk[2034] - jk[2024]) / (uj[2024] - jk[2024]), uj[2024])  # fmt: skip
    check(name, "US-Japan rises too and reaches the cap in {}",
          first_year(path, lambda s: s.affinity[usa, jpn] >= cap))  # fmt: skip
    gap = {y: uj[y] - jk[y] for y in path}
    check(name, "narrows from {} to {} in ten years (by {} %)",
          gap[2024], gap[2034], 100 * (1 - gap[2034] / gap[2024]))  # fmt: skip
    closes = first_year(path, lambda s: s.affinity[usa, jpn] - s.affinity[jpn, kor] <= 1e-9)
    check(name, "it closes in {}, when Japan-Korea reaches the cap", closes)
    assert closes == first_year(path, lambda s: s.affinity[jpn, kor] >= cap)
    # among the three affinity is positive: no hostility, before or after
    assert min(jk[2024], uj[2024], path[2024].affinity[usa, kor]) > 0


def test_japan_nato_exercises_arithmetic():
    name = "japan_nato_exercises"
    ev = event(name, "japan_nato_drills")
    four = ["GBR", "FRA", "DEU", "ITA"]
    assert [scenario(name).world.iso3[k] for k in ev.participants] == ["JPN", *four]
    europe = european_nato(name)
    spending = scenario(name).world.spending
    ranked = sorted(europe, key=lambda c: -spending[idx(name, c)])
    says(name, "they are the first, second, third and fifth largest of NATO's members other "
               "than the US (Poland is the fourth)")  # fmt: skip
    assert sorted(ranked.index(c) + 1 for c in four) == [1, 2, 3, 5]
    assert ranked[3] == "POL"
    check(name, "together they hold {} % of those members' capability",
          100 * capability_share(name, europe, four))  # fmt: skip
    check(name, "gains +{} affinity, capped at {}", ev.affinity_gain, ev.max_affinity)
    path = replay(name, 2050)
    jpn = idx(name, "JPN")
    others = idx(name, *four)
    start = path[2024].affinity[jpn, others]
    assert np.ptp(start) == 0
    reached = first_year(path, lambda s: (s.affinity[jpn, others] >= ev.max_affinity - 1e-9).all())
    check(name, "each of the four goes from {} in 2024 to the cap in {}", start[0], reached)


def test_the_link_arithmetic_in_the_exercise_header():
    """The link as the header states it is sim.outcomes' predicate at its defaults, and the
    shares it quotes are the 2024 world's."""
    from sim.outcomes import nato_asia_links

    name = "japan_nato_exercises"
    pred = scenario(name).params.predicates
    check(name, "with at least {} of NATO's members other than the US", pred.link_min_partners)
    check(name, "that together hold at least {} % of their capability", 100 * pred.link_min_share)
    assert pred.link_min_level == "partnership" and pred.link_any_formal
    assert list(pred.link_asian) == ["JPN", "KOR", "AUS"]
    europe = european_nato(name)
    levels = initial(name).levels()
    jpn = idx(name, "JPN")
    tied = [c for c in europe if levels[jpn, idx(name, c)] >= PARTNERSHIP]
    assert tied == ["GBR"]
    check(name, "its partnership with the UK, reaches {} %",
          100 * capability_share(name, europe, ["GBR"]))  # fmt: skip
    check(name, "with France as well it would reach {} %, with all four {} %",
          100 * capability_share(name, europe, ["GBR", "FRA"]),
          100 * capability_share(name, europe, ["GBR", "FRA", "DEU", "ITA"]))  # fmt: skip
    capability = dict(zip(scenario(name).world.iso3, initial(name).capability, strict=True))

    def linked(partners) -> bool:
        level = {("JPN", e): PARTNERSHIP for e in partners}
        (link,) = nato_asia_links(["JPN"], europe, capability, level, pred)
        return link.linked

    assert not linked(["GBR"]) and linked(["GBR", "FRA"])


@pytest.mark.parametrize(
    ("name", "key"),
    [("trilateral_drills", "freedom_edge"), ("japan_nato_exercises", "japan_nato_drills")],
)
def test_exercises_carry_no_credibility_gain_and_the_key_switches_it_on(name, key):
    assert event(name, key).credibility_gain == 0.0
    check(name, "(credibility_gain: {}, JUDGEMENT)", 0.0)
    override = f"scenario.events.{key}.credibility_gain=0.01"
    says(name, override)
    cfg = compose([f"scenario={name}", override])
    (on,) = [e for e in build_events(cfg.scenario.events, scenario(name).world) if e.name == key]
    assert on.credibility_gain == pytest.approx(0.01)


# --- what the drills do to budgets ----------------------------------------------------------
# 5 and 51: in the revised model the drills change a Japanese or Korean tie within 6 years
# (51: in a year's random order of moves, before Japan's budget decision)
SEEDS = (0, 1, 2, 5, 51)


def _watched(prepared, seed: int, states: list[int]):
    """A model, and ``seen[(year, i)]``: state i's commitment row when it took its budget
    decision that year (the row its budget answers)."""
    model = AllianceModel(prepared.world, prepared.params, prepared.events, rng=seed)
    seen: dict[tuple[int, int], np.ndarray] = {}
    inner = model.view.budget_inputs

    def budget_inputs(i: int):
        if i in states:
            seen.setdefault((model.state.year, i), model.levels[i].copy())
        return inner(i)

    model.view.budget_inputs = budget_inputs
    return model, seen


REFERENCE = "model.engine=reference"


@pytest.fixture(scope="module")
def prepared_runs():
    # the reference engine: _watched records the rows each budget decision saw through the
    # Python path's AllianceView.budget_inputs (the compiled engine reads them in its kernel;
    # both decide alike, experiments/engine_equality)
    horizon = "model.horizon=6"
    return (
        prepare(compose([horizon, REFERENCE])),
        prepare(compose(["scenario=trilateral_drills", horizon, REFERENCE])),
        prepare(
            compose(
                [
                    "scenario=trilateral_drills",
                    horizon,
                    REFERENCE,
                    "scenario.events.freedom_edge.credibility_gain=0.01",
                ]
            )
        ),
    )


def test_drills_move_budgets_only_through_the_ties_they_change(prepared_runs):
    """Baseline and drills, same seeds: as long as Japan's and Korea's commitment rows are
    identical in both runs through year t, their defence shares are identical through year t;
    in year t + 1 a share may differ only if the row the state's budget decision saw differed
    (a tie changed earlier that year, in the random order of moves)."""
    base_prep, drills_prep, _ = prepared_runs
    iso = base_prep.world.iso3
    rows = [iso.index("JPN"), iso.index("KOR")]
    compared = 0
    for seed in SEEDS:
        base, base_seen = _watched(base_prep, seed, rows)
        drills, drills_seen = _watched(drills_prep, seed, rows)
        identical = True  # the rows were identical at the end of every year so far
        for _ in range(6):
            base.step()
            drills.step()
            year = base.state.year
            if not identical:
                break
            for i in rows:
                if np.array_equal(base_seen[(year, i)], drills_seen[(year, i)]):
                    assert base.state.share[i] == drills.state.share[i], (seed, year, iso[i])
                    compared += 1
            identical = np.array_equal(base.levels[rows], drills.levels[rows])
            if identical:  # then also at each state's decision: through year t, all shares
                assert np.array_equal(base.state.share[rows], drills.state.share[rows])
        # the drills did change the affinities the runs compare
        jpn, kor = rows
        assert drills.state.affinity[jpn, kor] > base.state.affinity[jpn, kor]
    assert compared >= len(SEEDS)  # not vacuous


def test_a_credibility_gain_would_lower_budgets_through_credibility_alone(prepared_runs):
    """With credibility_gain switched on, Japan's and Korea's 2025 shares fall below the
    baseline's although their ties are those of the baseline when they decide: more credible
    allies make their own forces worth less (payoffs.security_lottery)."""
    base_prep, _, credible_prep = prepared_runs
    iso = base_prep.world.iso3
    rows = [iso.index("JPN"), iso.index("KOR")]
    for seed in SEEDS[:3]:
        base, base_seen = _watched(base_prep, seed, rows)
        credible, credible_seen = _watched(credible_prep, seed, rows)
        base.step()
        credible.step()
        for i in rows:
            np.testing.assert_array_equal(base_seen[(2025, i)], credible_seen[(2025, i)])
            assert credible.state.share[i] < base.state.share[i], (seed, iso[i])


# --- money and budgets ----------------------------------------------------------------------
def test_injection_arithmetic():
    name = "injection_1p5b"
    ev = event(name, "us_indo_pacific_injection")
    recipients = ["JPN", "KOR", "AUS", "PHL"]
    world = scenario(name).world
    spend = {c: world.spending[idx(name, c)] for c in recipients}
    total = sum(spend.values())
    assert [world.iso3[k] for k in ev.recipients] == recipients and ev.allocation == "equal"
    check(name, "USD {} bn is {} % of the four recipients' combined defence spending (USD {} bn)",
          ev.amount, 100 * ev.amount / total, total)  # fmt: skip
    check(name, "and {} % of the US's", 100 * ev.amount / world.spending[idx(name, "USA")])
    full = ev.amount / len(recipients)
    check(name, "A recipient paid in full gets USD {} bn a year: {} % of Japan's defence spending, "
                "{} % of South Korea's, {} % of Australia's and {} % of the Philippines'",
          full, *(100 * full / spend[c] for c in recipients))  # fmt: skip
    check(name, "in full with formal ties to at least {} other recipients",
          ev.condition_partners)  # fmt: skip
    assert ev.condition_level == FORMAL


def _paid(name: str, formal_pairs) -> dict[str, float]:
    """USD bn the injection pays each recipient in its first year under the 2024 ties plus
    ``formal_pairs`` (payoffs.aid_by_donor, the model's rule)."""
    s = initial(name)
    s.year = 2025
    s.reset_year()
    ev = event(name, "us_indo_pacific_injection")
    ev.post(s)
    for a, b in formal_pairs:
        s.set_tie(idx(name, a), idx(name, b), FORMAL)
    ctx = SimpleNamespace(
        aid_offer=s.aid_offer, aid_min_level=s.aid_min_level, aid_min_partners=s.aid_min_partners
    )
    n = scenario(name).world.n
    paid = payoffs.aid_by_donor(np.arange(n), s.levels(), ctx)[:, idx(name, "USA")]
    return {scenario(name).world.iso3[k]: float(paid[k]) for k in ev.recipients}


def test_injection_pays_nothing_in_the_2024_network_half_with_one_tie_in_full_with_two():
    name = "injection_1p5b"
    recipients = ["JPN", "KOR", "AUS", "PHL"]
    levels = initial(name).levels()
    usa = idx(name, "USA")
    says(name, "In 2024 no two of the four hold a formal tie with each other, so nothing is paid "
               "until some do")  # fmt: skip
    for a, b in itertools.combinations(recipients, 2):
        assert levels[idx(name, a), idx(name, b)] < FORMAL
    assert all(levels[usa, idx(name, c)] == FORMAL for c in recipients)
    assert set(_paid(name, []).values()) == {0.0}
    one = _paid(name, [("JPN", "KOR")])
    says(name, "pro rata short of that (half with one)")
    assert one["JPN"] == one["KOR"] == pytest.approx(0.375 / 2) and one["AUS"] == 0.0
    assert _paid(name, [("JPN", "KOR"), ("JPN", "AUS")])["JPN"] == pytest.approx(0.375)


def test_injection_full_payment_is_not_an_asian_nato_by_itself():
    """A ring of formal ties among the four pays each in full, and holds no formal bloc of the
    US with three of them."""
    name = "injection_1p5b"
    ring = [("JPN", "KOR"), ("KOR", "AUS"), ("AUS", "PHL"), ("PHL", "JPN")]
    assert list(_paid(name, ring).values()) == pytest.approx([0.375] * 4)
    s = initial(name)
    for a, b in ring:
        s.set_tie(idx(name, a), idx(name, b), FORMAL)
    pred = scenario(name).params.predicates
    iso = scenario(name).world.iso3
    cliques = coalitions.maximal_cliques(s.levels() >= FORMAL)
    assert not any(
        coalitions.is_asian_nato(
            [iso[k] for k in c],
            pred.asian_nato_hub,
            pred.asian_nato_candidates,
            pred.asian_nato_min,
        )
        for c in cliques
    )
    says(name, "which needs at least 3 of the four formally tied to each other as well as to "
               "the US")  # fmt: skip
    assert pred.asian_nato_min == 3


def test_injection_channels():
    name = "injection_1p5b"
    ev = event(name, "us_indo_pacific_injection")
    full = ev.amount / len(ev.recipients)
    check(name, "Of a full USD {} bn, {} % (USD {} bn) buys capability",
          full, 100 * ev.channels[0], ev.channels[0] * full)  # fmt: skip
    s = initial(name)
    s.year = 2025
    s.reset_year()
    ev.post(s)
    usa, jpn = idx(name, "USA", "JPN")
    paid = np.zeros((scenario(name).world.n,) * 2)
    paid[usa, jpn] = full
    affinity, credibility = s.affinity[usa, jpn], s.credibility[jpn, usa]
    settle_aid(s, paid)
    check(name, "raises the recipient's affinity with the US by {} a year and the credibility it "
                "sees in the US commitment by {} a year",
          s.affinity[usa, jpn] - affinity, s.credibility[jpn, usa] - credibility)  # fmt: skip
    drills = event("trilateral_drills", "freedom_edge")
    assert drills.credibility_gain == 0.0
    check(name, "(before the US's credibility_factor and the cap, model.security.max_credibility; "
                "the trilateral drills: +{} affinity a year and no credibility)",
          drills.affinity_gain)  # fmt: skip


def test_us_trillion_arithmetic():
    name = "us_1t_budget"
    shock = event(name, "us_one_trillion")
    target = event(name, "asian_burden_sharing")
    world = scenario(name).world
    usa = idx(name, "USA")
    gdp_2026 = replay(name, 2026)[2026].gdp[usa]
    assert shock.start_year == 2026 and target.start_year == 2026
    check(name, "{} % of the modelled 2026 GDP (USD {} bn)", shock.pct_gdp, gdp_2026)
    assert 100 * 1000 / gdp_2026 == pytest.approx(shock.pct_gdp, abs=0.005)
    check(name, "so the sum grows with GDP, {} % a year", 100 * world.growth[usa])
    share = world.share[usa]
    check(name, "(USD {} bn, {} % of GDP)", world.spending[usa], 100 * share)
    check(name, "At its 2024 share the US would spend USD {} bn in 2026", share * gdp_2026)
    check(name, "holds the US {} points of GDP below its 2024 share",
          100 * share - shock.pct_gdp)  # fmt: skip
    assert [world.iso3[k] for k in target.members] == ["JPN", "KOR", "AUS", "PHL"]
    check(name, "a soft target rising from {} % to {} % of GDP by {} ({} % in 2026, the first "
                "year), weight {} per point short",
          100 * target.start_target, 100 * target.target, target.by_year,
          100 * target.current(2026), target.weight)  # fmt: skip
    assert target.weight == scenario(name).params.budget.target_weight  # as NATO's own
    shares = {c: 100 * world.share[idx(name, c)] for c in ("JPN", "KOR", "AUS", "PHL")}
    check(name, "In 2024 Japan ({} %), Australia ({} %) and the Philippines ({} %) spent less "
                "than 2 % of GDP",
          shares["JPN"], shares["AUS"], shares["PHL"])  # fmt: skip
    assert max(shares["JPN"], shares["AUS"], shares["PHL"]) < 2 <= shares["KOR"]
    below = next(y for y in range(2026, 2036) if 100 * target.current(y) > shares["KOR"])
    check(name, "South Korea's 2024 share ({} %) is below the path only from {} ({} %)",
          shares["KOR"], below, 100 * target.current(below))  # fmt: skip


def test_hague_arithmetic():
    name = "hague_5pct"
    pledge = event(name, "hague_pledge")
    world = scenario(name).world
    nato = [*european_nato(name), "USA"]
    members = sorted(world.iso3[k] for k in pledge.members)
    assert members == sorted(nato)
    check(name, "for every NATO member (all {})", len(members))
    check(name, "the modelled target is {} % of GDP by {}", 100 * pledge.target, pledge.by_year)
    check(name, "rising linearly from today's {} % ({} % in 2025, the first year)",
          100 * pledge.start_target, 100 * pledge.current(2025))  # fmt: skip
    assert pledge.start_year == 2025
    above = [c for c in members if 100 * world.share[idx(name, c)] >= 100 * pledge.target]
    assert above == ["POL"]
    check(name, "in 2024 only Poland ({} %) of the 32 spent 3.5 % of GDP or more",
          100 * world.share[idx(name, "POL")])  # fmt: skip
    check(name, "Weight {} per point of GDP short", pledge.weight)
    assert pledge.weight == scenario(name).params.budget.target_weight


def test_china_counterbalance_arithmetic():
    name = "china_counterbalance"
    ev = event(name, "china_response")
    world = scenario(name).world
    chn, rus, prk = idx(name, "CHN", "RUS", "PRK")
    assert ev.start_year == 2025
    check(name, "China's desired share rises by {} x the growth", ev.reaction)
    path = replay(name, 2050)
    check(name, "its coercion propensity doubles, from {} to {}",
          world.coercion_propensity[chn], path[2025].coercion[chn])  # fmt: skip
    assert ev.coercion_multiplier == 2
    check(name, "affinity +{} a year, capped at {}", ev.courting_gain, ev.max_affinity)
    cap = ev.max_affinity - 1e-9
    check(name, "from {} (Russia) and {} (North Korea) in 2024, the cap is reached in {} and {}",
          world.affinity[chn, rus], world.affinity[chn, prk],
          first_year(path, lambda s: s.affinity[chn, rus] >= cap),
          first_year(path, lambda s: s.affinity[chn, prk] >= cap))  # fmt: skip


def test_non_military_security_ratios():
    name = "non_military_security"
    params = scenario(name).params
    default = scenario("baseline").params
    check(name, "the most that commitments can cost in autonomy x{}",
          params.alignment.autonomy_weight / default.alignment.autonomy_weight)  # fmt: skip
    check(name, "the expected trade loss from coercion x{}",
          params.alignment.coercion_weight / default.alignment.coercion_weight)  # fmt: skip
    ratios = np.array(params.security.level_weights[1:]) / np.array(
        default.security.level_weights[1:]
    )
    assert np.ptp(ratios) < 1e-12 and params.security.level_weights[0] == 0
    check(name, "the weight of a commitment of each level {} % lower", 100 * (1 - ratios[0]))
    assert params.alignment.calibrate_ties


def test_every_scenario_header_is_checked():
    """Each scenario file has a header, and each header's numbers are checked above (a new
    scenario file needs its test)."""
    checked = {
        "asian_nato_proposal",
        "baseline",
        "china_counterbalance",
        "hague_5pct",
        "injection_1p5b",
        "japan_nato_exercises",
        "non_military_security",
        "trilateral_drills",
        "us_1t_budget",
    }
    names = {p.stem for p in SCENARIOS.glob("*.yaml")}
    assert names == checked
    for name in names:
        assert header(name).startswith("@package _global_ ") and len(header(name)) > 200


def test_check_fails_on_a_wrong_number():
    """``check`` can fail: a value that does not round to the stated number, or a phrase the
    header does not state."""
    with pytest.raises(AssertionError, match="states 67"):
        check("trilateral_drills", "{} % of the way", 66.4)
    with pytest.raises(AssertionError, match="once"):
        check("trilateral_drills", "{} % of the whole way", 67)
    check("trilateral_drills", "{} % of the way", 66.6)


def test_replay_follows_the_model(prepared_runs):
    """The replay posts the events as the model's step does: affinity after six years of
    drills as in a model run (the ties play no part in it)."""
    _, drills_prep, _ = prepared_runs
    model = AllianceModel(drills_prep.world, drills_prep.params, drills_prep.events, rng=0)
    model.run(6)
    np.testing.assert_allclose(
        model.state.affinity, replay("trilateral_drills", 2030)[2030].affinity
    )
