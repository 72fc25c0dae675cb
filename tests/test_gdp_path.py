"""``world.gdp_path``: actual GDP figures by state and year (USD bn), which the model follows
where given and otherwise grows GDP at the state's rate (``World.gdp_in``,
``sim.world.builder.gdp_path_table``)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.abm.model import AllianceModel
from sim.errors import UserError
from sim.runner.simulate import prepare
from sim.validate import check_config
from sim.world import builder as b

PATH = "+world.gdp_path.JPN={2025: 5000.0, 2026: 5100, 2024: 1.0}"


def _gdp_by_year(cfg, years: int) -> tuple[list[str], np.ndarray]:
    p = prepare(cfg)
    m = AllianceModel(p.world, p.params, p.events, rng=0)
    gdp = [m.state.gdp.copy()]
    for _ in range(years):
        m.step()
        gdp.append(m.state.gdp.copy())
    return p.world.iso3, np.array(gdp)


def test_a_state_with_a_path_follows_it_and_the_others_grow(compose_cfg):
    """Japan follows its path in 2025 and 2026 exactly, then grows at its rate from the last
    figure; the base year stays the data's (the path's 2024 figure is ignored); the others grow
    at their rates throughout, as without a path."""
    cfg = compose_cfg("world=classroom5", PATH, "model.horizon=4")
    iso3, gdp = _gdp_by_year(cfg, 4)
    _, plain = _gdp_by_year(compose_cfg("world=classroom5", "model.horizon=4"), 4)
    p = prepare(cfg)
    world, jpn = p.world, iso3.index("JPN")
    np.testing.assert_array_equal(gdp[0], world.gdp)  # step 0 equals the data
    assert gdp[1:3, jpn].tolist() == [5000.0, 5100.0]
    g = world.growth[jpn]
    np.testing.assert_allclose(gdp[3:, jpn], [5100 * (1 + g), 5100 * (1 + g) ** 2], rtol=1e-12)
    others = [i for i in range(world.n) if i != jpn]
    expected = world.gdp[others] * (1 + world.growth[others]) ** np.arange(5)[:, None]
    np.testing.assert_allclose(gdp[:, others], expected, rtol=1e-12)
    np.testing.assert_array_equal(gdp[:, others], plain[:, others])


def test_the_path_in_the_run_tables(compose_cfg, run_tables):
    states = run_tables(compose_cfg("world=classroom5", PATH, "model.horizon=2"))["states"]
    jpn = states[states["iso3"] == "JPN"].set_index("year")["gdp_usd_bn"]
    assert jpn[2025] == 5000.0 and jpn[2026] == 5100.0


def test_the_table_of_figures(compose_cfg):
    """One row per year after the base year up to the path's last, one column per actor, NaN
    where there is no figure; a state the package knows but the world leaves out is skipped;
    an aggregate follows the path only in a year where every member has a figure (their sum)."""
    world = b.build_world(compose_cfg("world=classroom5").world)
    assert world.gdp_path.shape == (0, world.n)
    eur = world.iso3.index("EUR")
    members = [m for m, a in world.aggregate_of.items() if a == "EUR"]
    cfg = compose_cfg(
        "world=classroom5",
        "+world.gdp_path.AUS={2026: 2000.0}",
        "+world.gdp_path.DEU={2025: 4000.0, 2027: 4100.0}",
        *(f"+world.gdp_path.{m}={{2025: 100.0}}" for m in members if m != "DEU"),
    )
    world = b.build_world(cfg.world)
    assert world.gdp_path.shape == (3, world.n)
    assert world.gdp_path[0, eur] == pytest.approx(4000.0 + 100.0 * (len(members) - 1))
    assert np.isnan(world.gdp_path[1:, eur]).all()  # members without figures: growth
    assert np.isnan(np.delete(world.gdp_path, eur, axis=1)).all()
    grown = world.gdp * (1 + world.growth)
    assert world.gdp_in(2027, world.gdp).tolist() == grown.tolist()  # beyond: growth
    assert world.gdp_in(2030, world.gdp).tolist() == grown.tolist()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("+world.gdp_path.JPN={2025: -5.0}", r"world\.gdp_path\.JPN\.2025 must lie in \(0, "),
        ("+world.gdp_path.JPN={2025: 0}", r"world\.gdp_path\.JPN\.2025 must lie in \(0, "),
        ("+world.gdp_path.JPN={2025: nan}", r"world\.gdp_path\.JPN\.2025 must be a finite number"),
        ("+world.gdp_path.JPN={2025: abc}", r"world\.gdp_path\.JPN\.2025 must be a number"),
        ("+world.gdp_path.XXX={2025: 5.0}", r"unknown state 'XXX' in world\.gdp_path"),
        ("+world.gdp_path.JPN={1850: 5.0}", r"world\.gdp_path\.JPN\.1850: the year must lie in"),
        ("+world.gdp_path.JPN={2025: [1, 2]}", r"world\.gdp_path\.JPN\.2025 must be a GDP in USD"),
    ],
)
def test_bad_paths_are_refused_in_one_line(compose_cfg, override, message):
    cfg = compose_cfg("world=classroom5", override)
    with pytest.raises(UserError, match=message) as err:
        check_config(cfg)
        b.build_world(cfg.world)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ({"JPN": {"twenty": 5.0}}, r"world\.gdp_path\.JPN\.twenty: the keys of a GDP path are"),
        ({"JPN": 5.0}, r"world\.gdp_path\.JPN must map years to GDP figures"),
        ({"JPN": {2025: float("inf")}}, r"world\.gdp_path\.JPN\.2025 must be a GDP in USD bn"),
        ({"JPN": {2025: True}}, r"world\.gdp_path\.JPN\.2025 must be a GDP in USD bn"),
    ],
)
def test_the_builder_checks_a_path_given_directly(path, message):
    """A path built outside a composed config (a study filling it from a data file) is checked
    by the builder too, in one line; years may be strings of digits."""
    from sim.world.tables import builtin_states

    base = builtin_states()
    pos = {"JPN": 0, "USA": 1}
    with pytest.raises(UserError, match=message) as err:
        b.gdp_path_table(path, base, 2024, pos)
    assert "\n" not in str(err.value)
    table = b.gdp_path_table({"JPN": {"2026": 5.0}}, base, 2024, pos)
    assert table.shape == (2, 2) and table[1, 0] == 5.0 and np.isnan(table).sum() == 3


def test_the_command_line_explains_the_form(compose_cfg):
    """A year written as a dotted key, or a number in place of a state's mapping, gets one line
    showing the form."""
    from sim.cli.preflight import compose_checked

    for override in ("+world.gdp_path.JPN.2025=5.0", "+world.gdp_path.JPN=5"):
        with pytest.raises(UserError, match=r"\+world\.gdp_path\.FIN=\{2025: 300\.0") as err:
            compose_checked([override])
        assert "\n" not in str(err.value)
