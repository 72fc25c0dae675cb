"""Scenario events: the registry of kinds, each kind's ``from_config``, the shared checks, and a
kind added at test time (the worked example of docs/extending.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from sim.errors import UserError
from sim.world.builder import build_world
from sim.world.events import (
    EVENT_KINDS,
    Accession,
    AffinityShift,
    BudgetShock,
    CredibilityShift,
    Event,
    Exercise,
    RivalResponse,
    SidePayment,
    SpendingTarget,
    build_event,
    build_events,
    register,
)
from sim.world.events.base import event_key
from sim.world.events.checks import listed_states, nonnegative, one_state, present_states
from sim.world.state import WorldState


@pytest.fixture(scope="module")
def world():
    """The classroom world: USA, JPN, KOR, CHN and EUR (NATO-Europe, an aggregate)."""
    from sim.runner.config import compose

    return build_world(compose(["world=classroom5"]).world)


def test_registry_holds_the_eight_kinds_in_order():
    assert list(EVENT_KINDS.items()) == [
        ("side_payment", SidePayment),
        ("budget_shock", BudgetShock),
        ("spending_target", SpendingTarget),
        ("exercise", Exercise),
        ("rival_response", RivalResponse),
        ("credibility_shift", CredibilityShift),
        ("affinity_shift", AffinityShift),
        ("accession", Accession),
    ]


def _state(world):
    from sim.world.state import WorldState

    return WorldState.initial(world, 0.1)


def test_credibility_shift_acts_once_in_its_start_year(world):
    ev = build_event("doubt", {"kind": "credibility_shift", "state": "USA", "change": -0.2}, world)
    iso = world.iso3
    usa = iso.index("USA")
    assert isinstance(ev, CredibilityShift) and len(ev.recipients) == world.n - 1
    s = _state(world)
    before = s.credibility.copy()
    s.year = 2024
    ev.post(s)  # not yet
    np.testing.assert_array_equal(s.credibility, before)
    s.year = 2025
    ev.post(s)
    expected = before.copy()
    others = [i for i in range(world.n) if i != usa]
    expected[others, usa] = np.clip(before[others, usa] - 0.2, 0, 1)
    np.testing.assert_allclose(s.credibility, expected, rtol=0, atol=1e-15)
    s.year = 2026
    ev.post(s)  # once only
    np.testing.assert_allclose(s.credibility, expected, rtol=0, atol=1e-15)


def test_affinity_shift_is_symmetric_clipped_and_limited_to_recipients(world):
    ev = build_event(
        "aggression",
        {"kind": "affinity_shift", "state": "CHN", "recipients": ["JPN", "KOR"], "change": -1.5},
        world,
    )
    iso = world.iso3
    chn, jpn, kor = (iso.index(c) for c in ("CHN", "JPN", "KOR"))
    s = _state(world)
    before = s.affinity.copy()
    s.year = 2025
    ev.post(s)
    for j in (jpn, kor):
        assert s.affinity[chn, j] == s.affinity[j, chn] == max(-1.0, before[chn, j] - 1.5)
    untouched = np.ones_like(before, dtype=bool)
    untouched[chn, [jpn, kor]] = untouched[[jpn, kor], chn] = False
    np.testing.assert_array_equal(s.affinity[untouched], before[untouched])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "credibility_shift", "change": -0.2}, "state is required"),
        ({"kind": "credibility_shift", "state": "USA", "change": -1.5}, "between -1 and 1"),
        ({"kind": "affinity_shift", "state": "CHN", "recipients": ["CHN"]}, "must not list CHN"),
        ({"kind": "affinity_shift", "state": "XXX"}, "unknown"),
    ],
)
def test_shift_events_refuse_bad_fields(world, fields, message):
    with pytest.raises(UserError, match=message):
        build_event("x", fields, world)


def test_unknown_kind_lists_the_registered_kinds(world):
    with pytest.raises(UserError, match="kind 'parade' is unknown; use one of side_payment, ") as e:
        build_event("x", {"kind": "parade"}, world)
    assert str(e.value).endswith(", ".join(EVENT_KINDS))


def test_a_kind_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="'exercise' is already registered"):
        register("exercise")(Exercise)
    assert EVENT_KINDS["exercise"] is Exercise


def test_the_base_class_builds_nothing(world):
    with pytest.raises(NotImplementedError):
        Event.from_config("x", None, world)


def test_duration_is_checked_before_the_kind(world):
    with pytest.raises(UserError, match=r"scenario\.events\.x\.duration_years must be at least 1"):
        build_event("x", {"kind": "parade", "duration_years": 0}, world)


@pytest.mark.parametrize(
    ("start", "duration", "end", "years"),
    [(2026, None, None, "from 2026"), (2026, 1, 2026, "in 2026"), (2026, 3, 2028, "2026-2028")],
)
def test_timing_of_every_kind(world, start, duration, end, years):
    spec = {"kind": "exercise", "participants": ["USA", "JPN"]}
    ev = build_event("drills", {**spec, "start_year": start, "duration_years": duration}, world)
    assert (ev.name, ev.start_year, ev.end_year, ev.years()) == ("drills", start, end, years)
    assert ev.active(start) and not ev.active(start - 1)
    assert ev.active(2100) == (end is None)


def test_side_payment_from_config(world):
    ev = build_event(
        "aid",
        {
            "kind": "side_payment",
            "donor": "USA",
            "recipients": ["JPN", "KOR", "AUS"],  # AUS is known but not in this world
            "amount_usd_bn": 2.0,
            "condition_level": "formal",
            "condition_partners": 2,
            "channels": {"capability": 0.5, "credibility": 0.5},
        },
        world,
    )
    iso = world.iso3
    assert isinstance(ev, SidePayment)
    assert ev.donor == iso.index("USA")
    assert ev.recipients == (iso.index("JPN"), iso.index("KOR"))
    assert (ev.condition_level, ev.condition_partners) == (3, 1)  # capped: one other present
    assert ev.channels == (0.5, 0.0, 0.5, 0.0)  # capability, interoperability, credibility, budget


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"allocation": "lottery"}, r"allocation 'lottery' is unknown; use one of equal, need"),
        ({"channels": {"bribes": 1.0}}, r"unknown channel\(s\) \['bribes'\]"),
        ({"channels": {"capability": 0.5}}, r"channels must sum to 1 \(they sum to 0.5\)"),
        ({"donor": None}, r"aid.donor is required for this event kind"),
        ({"recipients": ["USA", "JPN"]}, r"the donor cannot also be a recipient"),
        ({"condition_partners": 2}, r"condition_partners must be between 0 and 1"),
        ({"condition_level": "marriage"}, r"unknown commitment level 'marriage'"),
    ],
)
def test_side_payment_refuses(world, fields, message):
    spec = {"kind": "side_payment", "donor": "USA", "recipients": ["JPN", "KOR"], **fields}
    with pytest.raises(UserError, match=message):
        build_event("aid", spec, world)


def test_budget_shock_from_config(world):
    ev = build_event("shock", {"kind": "budget_shock", "state": "GBR", "pct_gdp": 3.0}, world)
    assert isinstance(ev, BudgetShock)
    assert ev.state_index == world.iso3.index("EUR")  # a member stands for its aggregate
    assert (ev.spending_usd_bn, ev.pct_gdp) == (None, 3.0)
    with pytest.raises(UserError, match="give exactly one of spending_usd_bn and pct_gdp"):
        build_event("shock", {"kind": "budget_shock", "state": "USA"}, world)


def test_spending_target_from_config(world):
    spec = {
        "kind": "spending_target",
        "members": ["DEU", "FRA", "USA"],
        "target_pct_gdp": 3.5,
        "pct_gdp": 2.0,
        "by_year": 2030,
    }
    ev = build_event("pledge", spec, world)
    assert isinstance(ev, SpendingTarget)
    assert ev.members == (world.iso3.index("EUR"), world.iso3.index("USA"))
    assert (ev.target, ev.start_target, ev.by_year, ev.weight) == (0.035, 0.02, 2030, 0.3)
    with pytest.raises(UserError, match=r"pledge\.by_year is before start_year"):
        build_event("pledge", {**spec, "by_year": 2020}, world)


def test_exercise_from_config(world):
    ev = build_event(
        "drills",
        {"kind": "exercise", "participants": ["JPN", "KOR"], "affinity_gain": 0.05},
        world,
    )
    assert isinstance(ev, Exercise)
    assert (ev.affinity_gain, ev.credibility_gain, ev.max_affinity) == (0.05, 0.0, 1.0)
    with pytest.raises(UserError, match="participants needs at least two states"):
        build_event("drills", {"kind": "exercise", "participants": ["DEU", "FRA"]}, world)


def test_rival_response_from_config(world):
    spec = {"kind": "rival_response", "actor": "CHN", "reaction": 0.1, "courted": ["AUS"]}
    ev = build_event("rival", spec, world)
    assert isinstance(ev, RivalResponse)
    assert (ev.actor, ev.reaction, ev.courted) == (world.iso3.index("CHN"), 0.1, ())
    with pytest.raises(UserError, match=r"unknown scenario\.events\.rival\.courted 'XXX'"):
        build_event("rival", {**spec, "courted": ["XXX"]}, world)


def test_events_are_built_in_the_order_of_their_names(world):
    specs = {
        "b": {"kind": "exercise", "participants": ["USA", "JPN"]},
        "a": {"kind": "budget_shock", "state": "USA", "spending_usd_bn": 900.0},
    }
    assert [e.name for e in build_events(specs, world)] == ["a", "b"]


def test_shared_checks(world):
    iso = world.iso3
    assert one_state(world, "POL", "k") == iso.index("EUR")
    with pytest.raises(UserError, match="k is required"):
        one_state(world, None, "k")
    assert listed_states(world, ["KOR", "AUS", "JPN"], "k") == (iso.index("KOR"), iso.index("JPN"))
    assert listed_states(world, ["DEU", "FRA"], "k") == (iso.index("EUR"),)  # listed once
    assert present_states(world, ["AUS"], "k") == ()
    for codes, message in (
        ([], "k must list at least one state"),
        (["AUS"], r"k: none of \['AUS'\] is in world 'classroom5'"),
        (["ZZZ"], "unknown k 'ZZZ' in world 'classroom5'"),
    ):
        with pytest.raises(UserError, match=message):
            listed_states(world, codes, "k")
    assert nonnegative(0, "k") == 0.0
    for bad in (None, -1):
        with pytest.raises(UserError, match="k must be a non-negative number"):
            nonnegative(bad, "k")


# --- a kind added at test time: the worked example of docs/extending.md ---------------------


@pytest.fixture
def gdp_shock():
    """Register a toy ``gdp_shock`` kind for one test, then remove it (a ``gdp_shock`` added to
    the package by following docs/extending.md is set aside meanwhile and put back)."""
    kept = EVENT_KINDS.pop("gdp_shock", None)

    @register("gdp_shock")
    @dataclass
    class GdpShock(Event):
        """A fall in one state's GDP: each active year it loses ``pct_gdp`` percent of it."""

        state_index: int = 0
        loss: float = 0.0

        @classmethod
        def from_config(cls, name, spec, world):
            where = event_key(name)
            loss = nonnegative(spec.pct_gdp, f"{where}.pct_gdp") / 100.0
            return cls(
                **cls.timing(name, spec),
                state_index=one_state(world, spec.state, f"{where}.state"),
                loss=loss,
            )

        def post(self, state: WorldState) -> None:
            state.gdp[self.state_index] *= 1.0 - self.loss

    yield GdpShock
    del EVENT_KINDS["gdp_shock"]
    if kept is not None:
        EVENT_KINDS["gdp_shock"] = kept


def test_a_kind_registered_at_test_time_runs_in_a_scenario(gdp_shock, compose_cfg, run_tables):
    common = ("world=classroom5", "model.horizon=4", "seed=3")
    shock = "{kind: gdp_shock, state: JPN, pct_gdp: 10, start_year: 2026, duration_years: 1}"
    cfg = compose_cfg(*common, f"+scenario.events.crash={shock}")
    with pytest.raises(UserError, match="kind 'gdp_shock' is unknown"):
        EVENT_KINDS.pop("gdp_shock")
        try:
            run_tables(cfg)
        finally:
            register("gdp_shock")(gdp_shock)
    tables = run_tables(cfg)
    shocked = tables["states"].set_index(["year", "iso3"])["gdp_usd_bn"]
    base = run_tables(compose_cfg(*common))["states"].set_index(["year", "iso3"])["gdp_usd_bn"]
    ratio = (shocked / base).unstack()
    np.testing.assert_allclose(ratio.loc[[2024, 2025], :], 1.0, rtol=1e-12)
    np.testing.assert_allclose(ratio.loc[2026:, "JPN"], 0.9, rtol=1e-12)  # lost for good
    np.testing.assert_allclose(ratio.loc[2026:].drop(columns="JPN"), 1.0, rtol=1e-12)
    assert tables["events"]["reason"].str.contains("crash (GdpShock) in 2026", regex=False).any()
