"""Tests of the run figures (``sim.plots``), drawn from synthetic run tables."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from sim.plots import (
    DEFAULT_SPENDING_TARGETS,
    default_network_years,
    draw_budgets,
    draw_run_plots,
)
from sim.plots.camps import camps, classify_states
from sim.plots.coalitions import tie_level_matrix
from sim.plots.layout import geographic_layout
from sim.plots.network import MIN_DISTANCE, NetworkLayout
from tests.synthetic_run import synthetic_tables

REPO = Path(__file__).resolve().parents[1]
KEY_STATES = ["USA", "JPN", "KOR", "CHN", "AUS", "PHL", "DEU"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Columns of each table, as documented in docs/outputs.md.
CONTRACT = {
    "actors": "iso3 name region group regime capital_lat capital_lon gdp_usd_bn_2024 "
    "defence_usd_bn_2024 defence_pct_gdp_2024",
    "states": "step year iso3 name gdp_usd_bn defence_usd_bn defence_pct_gdp "
    "best_response_pct_gdp capability_usd_bn allied_capability_usd_bn threat_usd_bn security "
    "aid_received_usd_bn utility u_security u_consumption u_entrapment u_autonomy u_coercion "
    "u_affinity u_side_payments u_target n_ties n_formal_ties",
    "ties": "step year a b level level_name source",
    "alliances": "step year alliance kind formality members n_members "
    "combined_capability_usd_bn burden_shares us_burden_share is_asian_nato is_nato_asia_link",
    "events": "step year kind actor partner alliance from_level to_level delta_utility_actor "
    "delta_utility_partner terms reason",
    "summary": "scenario world seed horizon asian_nato_formed asian_nato_year "
    "asian_nato_members nato_asia_link nato_asia_link_year us_burden_share_start "
    "us_burden_share_end china_budget_change_pct japan_budget_change_pct "
    "korea_budget_change_pct polarisation_start polarisation_end n_formal_blocs_end",
}


def assert_png(path: Path, min_width: int = 600, min_height: int = 300) -> np.ndarray:
    """Check that ``path`` is a decodable, non-blank PNG of a sensible size; return its pixels."""
    assert path.is_file(), path
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"
    pixels = imread(path)
    height, width = pixels.shape[:2]
    assert min_width <= width <= 4000, (path, width)
    assert min_height <= height <= 4000, (path, height)
    assert float(pixels[..., :3].std()) > 0.02, f"{path} looks blank"
    return pixels


def expected_names(years: list[int]) -> list[str]:
    return ["coalitions.png", *(f"network_{y}.png" for y in years), "budgets.png", "payoffs.png"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return synthetic_tables(n_states=41, n_steps=12, seed=3)


@pytest.fixture(scope="module")
def full_run(tables, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("plots")
    paths = draw_run_plots(
        tables,
        out,
        key_states=KEY_STATES,
        spending_targets=DEFAULT_SPENDING_TARGETS,
        title="synthetic, seed 3",
    )
    return out, paths


# --- the synthetic run follows the contract ---------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_synthetic_tables_follow_the_contract(tables, name):
    assert list(tables[name].columns) == CONTRACT[name].split()
    assert len(tables[name]) > 0


def test_synthetic_run_is_realistic_and_seeded(tables):
    states, ties, alliances = tables["states"], tables["ties"], tables["alliances"]
    assert {"USA", "JPN", "KOR", "CHN", "AUS", "PHL", "DEU", "GBR", "FRA"} <= set(states.iso3)
    assert (states.year == 2024 + states.step).all()
    assert (ties.a < ties.b).all()
    assert set(ties.level) <= {1, 2, 3}
    asian = alliances[alliances.is_asian_nato]
    assert 2024 < asian.year.min() < states.year.max()  # forms mid-run
    terms = [c for c in states.columns if c.startswith("u_")]
    assert np.allclose(states[terms].sum(axis=1), states.utility)
    again = synthetic_tables(n_states=41, n_steps=12, seed=3)
    pd.testing.assert_frame_equal(again["states"], states)
    other = synthetic_tables(n_states=41, n_steps=12, seed=4)
    assert not np.allclose(other["states"].defence_pct_gdp, states.defence_pct_gdp)


# --- the figures --------------------------------------------------------------------------------


def test_every_figure_is_written_and_returned(full_run, tables):
    out, paths = full_run
    years = sorted(tables["states"].year.unique())
    network_years = [years[0], years[len(years) // 2], years[-1]]
    assert [p.name for p in paths] == expected_names(network_years)
    assert sorted(out.iterdir()) == sorted(paths)
    for path in paths:
        assert_png(path)


def test_figures_are_drawn_at_about_150_dpi(full_run):
    _, paths = full_run
    budgets = next(p for p in paths if p.name == "budgets.png")
    pixels = imread(budgets)
    assert pixels.shape[1] == pytest.approx(11 * 150, abs=2)  # an 11-inch-wide figure


def test_network_layout_keeps_nodes_apart(tables):
    layout = NetworkLayout(tables)
    assert set(layout.nodes) == set(tables["actors"].iso3)
    points = np.array([*layout.nodes.values(), *layout.hubs.values()])
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).T)
    np.fill_diagonal(dist, np.inf)
    assert dist.min() >= 0.95 * MIN_DISTANCE
    assert "NATO" in layout.hubs


def test_layout_is_roughly_geographic():
    pos = geographic_layout(
        ["DEU", "CHN", "USA", "AUS"], [52.5, 39.9, 38.9, -35.3], [13.4, 116.4, -77.0, 149.1]
    )
    # Pacific-centred: Europe left of China, the Americas right of China; Australia lowest.
    assert pos["DEU"][0] < pos["CHN"][0] < pos["USA"][0]
    assert pos["AUS"][1] == min(p[1] for p in pos.values())


def test_tie_level_matrix_takes_the_highest_level():
    ties = pd.DataFrame(
        {
            "year": [2024, 2024, 2025, 2025],
            "a": ["JPN", "JPN", "JPN", "CHN"],
            "b": ["USA", "USA", "USA", "KOR"],
            "level": [3, 1, 2, 1],  # a duplicate pair: the higher level must win
            "source": ["bilateral"] * 4,
        }
    )
    m = tie_level_matrix(ties, ["JPN", "KOR", "USA"], "USA", [2024, 2025])
    assert m[0].tolist() == [3.0, 2.0]
    assert m[1].tolist() == [0.0, 0.0]
    assert np.isnan(m[2]).all()


def test_camps_are_groups_linked_by_formal_ties_and_partners_are_classified():
    ties = pd.DataFrame(
        {
            "a": ["JPN", "JPN", "CHN", "AUS", "PRK", "IND", "IND", "TWN"],
            "b": ["USA", "KOR", "RUS", "IND", "RUS", "USA", "RUS", "USA"],
            "level": [3, 3, 3, 1, 3, 2, 2, 2],
        }
    )
    isos = ["AUS", "CHN", "IND", "JPN", "KOR", "PRK", "RUS", "TWN", "USA"]
    assert camps(isos, ties) == [{"CHN", "PRK", "RUS"}, {"JPN", "KOR", "USA"}]
    assert camps(isos, ties, min_level=2) == [set(isos) - {"AUS"}]
    budget = {"USA": 997.0, "CHN": 314.0, "RUS": 149.0, "JPN": 55.0}
    classes = classify_states(isos, ties, budget)
    assert classes["KOR"] == ("USA", "member")
    assert classes["PRK"] == ("CHN", "member")  # named after the largest budget
    assert classes["TWN"] == ("USA", "partner")
    assert classes["IND"] == ("", "between")  # partner of both camps
    assert classes["AUS"] == ("", "none")  # an alignment does not make a partner


def test_default_network_years():
    assert default_network_years([2024 + i for i in range(11)]) == [2024, 2029, 2034]
    assert default_network_years([2024]) == [2024]
    assert default_network_years([2024, 2025]) == [2024, 2025]
    assert default_network_years([]) == []


def test_chosen_network_years_and_years_outside_the_run(tables, tmp_path):
    with pytest.warns(UserWarning, match="1999"):
        paths = draw_run_plots(
            tables, tmp_path, key_states=KEY_STATES, network_years=[2030, 1999, 2030]
        )
    assert [p.name for p in paths] == expected_names([2030])
    assert sorted(tmp_path.iterdir()) == sorted(paths)


# --- empty and degenerate runs ------------------------------------------------------------------


def _without(tables: dict[str, pd.DataFrame], *names: str) -> dict[str, pd.DataFrame]:
    """The tables with ``names`` emptied (columns kept, no rows)."""
    return {k: (v.iloc[0:0] if k in names else v) for k, v in tables.items()}


@pytest.mark.parametrize(
    "case",
    ["no_ties", "no_alliances", "no_ties_no_alliances", "single_year", "small_world"],
)
def test_degenerate_runs_do_not_crash(case, tmp_path):
    if case == "single_year":
        tables = synthetic_tables(n_states=12, n_steps=0, seed=0)
    elif case == "small_world":
        tables = synthetic_tables(n_states=10, n_steps=3, seed=0)
    else:
        full = synthetic_tables(n_states=20, n_steps=6, seed=0)
        emptied = {"no_ties": ["ties"], "no_alliances": ["alliances"]}.get(
            case, ["ties", "alliances"]
        )
        tables = _without(full, *emptied)
    paths = draw_run_plots(
        tables, tmp_path, key_states=KEY_STATES, spending_targets=DEFAULT_SPENDING_TARGETS
    )
    years = sorted(tables["states"].year.unique())
    assert [p.name for p in paths] == expected_names(default_network_years(years))
    assert sorted(tmp_path.iterdir()) == sorted(paths)
    for path in paths:
        assert_png(path)


def test_no_tables_at_all(tmp_path):
    paths = draw_run_plots({}, tmp_path, key_states=KEY_STATES)
    assert [p.name for p in paths] == ["coalitions.png", "budgets.png", "payoffs.png"]
    for path in paths:
        assert_png(path)


def test_no_key_states_in_the_run(tables, tmp_path):
    paths = draw_run_plots(tables, tmp_path, key_states=["XXX"], network_years=[2024])
    assert [p.name for p in paths] == expected_names([2024])
    for path in paths:
        assert_png(path)


def test_a_missing_contract_column_is_reported(tables, tmp_path):
    broken = dict(tables, states=tables["states"].drop(columns="defence_pct_gdp"))
    with pytest.raises(ValueError, match="defence_pct_gdp"):
        draw_budgets(broken, tmp_path, key_states=KEY_STATES)


def test_spending_targets_change_the_budget_figure(tables, tmp_path):
    plain = draw_budgets(tables, tmp_path / "a", key_states=["JPN"])
    marked = draw_budgets(
        tables, tmp_path / "b", key_states=["JPN"], spending_targets={"target": 3.0}
    )
    assert not np.array_equal(imread(plain), imread(marked))


def test_plotting_never_imports_pyplot(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from sim.plots import draw_run_plots
        from tests.synthetic_run import synthetic_tables
        draw_run_plots(synthetic_tables(n_states=12, n_steps=2), Path({str(tmp_path)!r}),
                       key_states=["USA", "JPN"])
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "MPLBACKEND": "Agg", "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
