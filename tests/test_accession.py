"""The ``accession`` event: a state joins a treaty in its start year as a fact of the scenario
(sim/world/events/accession.py), and the model treats the new member as it treats the members
of the base year (``AllianceModel._scenario_accessions``): formal ties to the members, the
treaty's target, a calibrated rest point, a logged accession.

The small world: the US, Russia, five European allies, Finland and Sweden, starting in 2022
with Finland and Sweden outside NATO (the default world's 2024 figures stand for 2022).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.abm.model import AllianceModel
from sim.core import calibration
from sim.errors import UserError
from sim.runner.simulate import prepare
from sim.world.builder import build_world
from sim.world.events import Accession, build_event
from sim.world.state import WorldState

SMALL = (
    "world.actors=[USA,RUS,DEU,FRA,GBR,POL,EST,NOR,FIN,SWE]",
    "world.base_year=2022",
    "world.treaties.NATO.members=[USA,DEU,FRA,GBR,POL,EST,NOR]",
)
FINLAND = "+scenario.events.finland={kind: accession, state: FIN, treaty: NATO, start_year: 2023}"


@pytest.fixture(scope="module")
def small():
    from sim.runner.config import compose

    return prepare(compose([*SMALL, FINLAND, "model.horizon=12"]))


def test_accession_from_config(small):
    world = small.world
    (ev,) = small.events
    assert isinstance(ev, Accession)
    assert (ev.state, ev.treaty, ev.start_year) == (world.iso3.index("FIN"), "NATO", 2023)
    assert ev.describe(world.iso3) == "finland: FIN joins NATO in 2023"


def test_restructure_joins_once_in_the_start_year(small):
    world = small.world
    (ev,) = small.events
    fin = world.iso3.index("FIN")
    s = WorldState.initial(world, 0.1)
    nato = s.treaty("NATO")
    nato.open_to = [fin]
    before = list(nato.members)
    s.year = 2022
    assert ev.restructure(s) == [] and nato.members == before
    s.year = 2023
    assert ev.restructure(s) == [(fin, "NATO")]
    assert nato.members == sorted([*before, fin]) and nato.open_to == []
    assert s.treaty_levels()[fin, before].tolist() == [3] * len(before)
    assert ev.restructure(s) == []  # already a member: nothing happens
    s2 = WorldState.initial(world, 0.1)
    s2.year = 2023
    s2.treaties = [t for t in s2.treaties if t.name != "NATO"]  # dissolved by then
    assert ev.restructure(s2) == []


def test_a_member_already_or_a_state_absent_from_the_world_changes_nothing(compose_cfg):
    classroom = build_world(compose_cfg("world=classroom5").world)
    # Finland stands for itself in no actor of the classroom world but in NATO-Europe, a member
    ev = build_event("fin", {"kind": "accession", "state": "FIN", "treaty": "NATO"}, classroom)
    assert ev.state == classroom.iso3.index("EUR")
    assert ev.describe(classroom.iso3) == "fin: FIN (in EUR) joins NATO in 2025"
    s = WorldState.initial(classroom, 0.1)
    s.year = 2025
    assert ev.restructure(s) == []
    # a state the package knows but this world leaves out, as in a treaty's member list
    world = build_world(compose_cfg(*SMALL).world)
    ev = build_event("aus", {"kind": "accession", "state": "AUS", "treaty": "NATO"}, world)
    assert ev.state is None
    assert "AUS is not in this world: no effect" in ev.describe(world.iso3)
    s = WorldState.initial(world, 0.1)
    s.year = 2025
    assert ev.restructure(s) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"treaty": "NATO"}, r"scenario\.events\.j\.state is required for this event kind"),
        ({"state": "XXX", "treaty": "NATO"}, r"unknown scenario\.events\.j\.state 'XXX'"),
        ({"state": "FIN"}, r"scenario\.events\.j\.treaty is required, the name of a treaty of"),
        (
            {"state": "FIN", "treaty": "NAT0"},
            r"scenario\.events\.j\.treaty 'NAT0' is not a treaty of world 'default'; use one of "
            r"NATO \(a treaty is declared under world\.treaties and needs two members",
        ),
    ],
)
def test_bad_accessions_are_refused_in_one_line(compose_cfg, fields, message):
    world = build_world(compose_cfg(*SMALL).world)
    with pytest.raises(UserError, match=message) as err:
        build_event("j", {"kind": "accession", **fields}, world)
    assert "\n" not in str(err.value)


def test_bad_accessions_from_the_command_line(compose_cfg):
    """Through ``prepare``, as the command line builds them: one line."""
    bad = FINLAND.replace("treaty: NATO", "treaty: Warsaw")
    with pytest.raises(UserError, match="'Warsaw' is not a treaty of world") as err:
        prepare(compose_cfg(*SMALL, bad, "model.horizon=3"))
    assert "\n" not in str(err.value)


def test_finland_joins_and_stays(small):
    """Finland joins NATO in 2023 and stays a member to the end, in every one of 20 runs: its
    ties to the members are formal from 2023, NATO's 2 % target applies to it from 2023 (not in
    2022), and the accession is logged once, naming Finland and NATO."""
    world, params = small.world, small.params
    fin = world.iso3.index("FIN")
    for seed in range(20):
        m = AllianceModel(world, params, small.events, rng=seed)
        assert fin not in m.state.treaty("NATO").members and m.state.target_share[fin] == 0
        for _ in range(params.horizon):
            m.step()
            members = m.state.treaty("NATO").members
            assert fin in members, f"seed {seed}: FIN left NATO by {m.state.year}"
            others = [j for j in members if j != fin]
            assert (m.levels[fin, others] == 3).all()
            assert m.state.target_share[fin] == pytest.approx(0.02)
        joined = [e for e in m.recorder.events if e["kind"] == "accession" and e["actor"] == "FIN"]
        assert [(e["year"], e["alliance"]) for e in joined] == [(2023, "NATO")]
        assert "FIN joined NATO" in joined[0]["reason"]


def _at_accession(small, **alignment):
    """A model of the small world in 2023 with Finland's accession just made."""
    from dataclasses import replace

    params = small.params
    params = replace(params, alignment=replace(params.alignment, **alignment))
    m = AllianceModel(small.world, params, small.events, rng=0)
    s = m.state
    before = {"relationship": m.relationship.copy(), "levels": m.levels.copy()}
    s.year += 1
    s.reset_year()
    m._scenario_accessions()
    return m, before


def test_the_new_member_is_calibrated_as_the_base_years_members(small):
    """At its accession the new member's payoff terms would gain from leaving (a high weight on
    entrapment, no exit cost): its membership value makes leaving lose exactly the margin, as
    ``_calibrate_ties`` does for the members of the base year; the pairs the accession tied are
    calibrated again (0: a formal treaty holds them), the other pairs keep their values."""
    m, before = _at_accession(small, entrapment_weight=2.0, treaty_exit_cost=0.0)
    a = m.params.alignment
    fin = m.world.iso3.index("FIN")
    margin = a.rest_margin * a.temperature_pct_gdp / 100
    gain = m.exit_gain(fin, "NATO")
    value = m.membership_value["NATO"][fin]
    assert gain > 0
    assert value == pytest.approx(calibration.membership_values(np.array([gain]), margin)[0])
    assert gain - value == pytest.approx(-margin)
    moved = m.levels != before["levels"]
    members = [j for j in m.state.treaty("NATO").members if j != fin]
    assert moved[fin, members].all() and moved[members, fin].all()
    assert (m.relationship[moved] == 0).all()
    np.testing.assert_array_equal(m.relationship[~moved], before["relationship"][~moved])
    assert m.exit_cost(fin, "NATO") == pytest.approx(value)


def test_without_calibration_the_accession_only_changes_membership(small):
    m, before = _at_accession(small, calibrate_ties=False)
    fin = m.world.iso3.index("FIN")
    assert fin in m.state.treaty("NATO").members
    assert m.membership_value == {}
    np.testing.assert_array_equal(m.relationship, before["relationship"])


def test_accession_in_a_run_table(compose_cfg, run_tables):
    """The run's tables: the accession and the scenario line in the events, Finland in NATO's
    row of the alliances table from 2023."""
    tables = run_tables(compose_cfg(*SMALL, FINLAND, "model.horizon=2"))
    ev = tables["events"]
    rows = ev[(ev["kind"] == "accession") & (ev["actor"] == "FIN")]
    assert rows[["year", "alliance"]].values.tolist() == [[2023, "NATO"]]
    assert (ev["reason"] == "finland: FIN joins NATO in 2023").sum() == 1
    al = tables["alliances"]
    nato = al[al["alliance"] == "NATO"].set_index("year")["members"]
    assert "FIN" not in nato[2022] and "FIN" in nato[2023] and "FIN" in nato[2024]
