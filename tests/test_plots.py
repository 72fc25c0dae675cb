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
from synthetic_run import synthetic_tables

from sim.plots import (
    DEFAULT_SPENDING_TARGETS,
    default_network_years,
    draw_budgets,
    draw_run_plots,
)
from sim.plots import budgets as budgets_module
from sim.plots import payoffs as payoffs_module
from sim.plots.budgets import order_by_last_value, target_label
from sim.plots.camps import classify_states, great_power_sides
from sim.plots.coalitions import alliance_lanes, tie_level_matrix
from sim.plots.layout import geographic_layout
from sim.plots.network import (
    MIN_DISTANCE,
    NetworkLayout,
    camp_legend_entries,
    year_edges,
)
from sim.plots.payoffs import TERMS, signed, term_changes

REPO = Path(__file__).resolve().parents[1]
KEY_STATES = ["USA", "JPN", "KOR", "CHN", "AUS", "PHL", "DEU"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Columns of each table, as documented in docs/outputs.md.
CONTRACT = {
    "actors": "iso3 name region regime capital_lat capital_lon gdp_usd_bn_2024 "
    "defence_usd_bn_2024 defence_pct_gdp_2024",
    "states": "step year iso3 name gdp_usd_bn defence_usd_bn defence_pct_gdp "
    "best_response_pct_gdp capability_usd_bn allied_capability_usd_bn threat_usd_bn security "
    "aid_received_usd_bn aid_paid_usd_bn allies_reliability utility u_security u_consumption "
    "u_entrapment u_autonomy u_coercion u_affinity u_relationship u_side_payments u_target "
    "n_ties n_formal_ties",
    "ties": "step year a b level level_name source",
    "alliances": "step year alliance kind formality members n_members "
    "combined_capability_usd_bn burden_shares us_burden_share is_asian_nato is_nato_asia_link",
    "events": "step year kind actor partner alliance from_level to_level delta_utility_actor "
    "delta_utility_partner terms reason",
    "summary": "scenario world base_seed replicate seed horizon asian_nato_formed "
    "asian_nato_year asian_nato_members nato_asia_link nato_asia_link_year "
    "nato_asia_link_states nato_asia_link_partners nato_asia_link_n_partners "
    "nato_asia_link_share us_burden_share_start us_burden_share_end china_budget_change_pct "
    "japan_budget_change_pct "
    "korea_budget_change_pct china_share_change_pp polarisation_start polarisation_end "
    "n_formal_blocs_end",
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


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_the_real_model_writes_the_tables_the_figures_are_tested_on(model_tables, name):
    assert list(model_tables[name].columns) == CONTRACT[name].split()


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


def _ties(rows: list[tuple[str, str, int]], source: str = "bilateral") -> pd.DataFrame:
    a, b, level = zip(*rows, strict=True) if rows else ((), (), ())
    return pd.DataFrame({"a": a, "b": b, "level": level, "source": source})


def test_camps_follow_the_strongest_tie_with_a_great_power():
    # NATO (USA, DEU, TUR), China-Russia formal, TUR-RUS formal (a chain that links both camps),
    # India aligned with both, North Korea formal with China and Russia, Brazil with no tie.
    ties = _ties(
        [
            ("DEU", "USA", 3),
            ("TUR", "USA", 3),
            ("DEU", "TUR", 3),
            ("CHN", "RUS", 3),
            ("RUS", "TUR", 3),
            ("IND", "USA", 1),
            ("IND", "RUS", 1),
            ("CHN", "PRK", 3),
            ("PRK", "RUS", 3),
            ("TWN", "USA", 2),
            ("CHN", "TWN", 1),
            ("BRA", "DEU", 2),
        ]
    )
    isos = ["BRA", "CHN", "DEU", "IND", "PRK", "RUS", "TUR", "TWN", "USA"]
    budget = {"USA": 997.0, "CHN": 314.0, "RUS": 149.0}
    classes = classify_states(isos, ties, budget)
    assert classes["USA"] == ("USA", "great power")
    assert classes["RUS"] == ("RUS", "great power")
    assert classes["DEU"] == ("USA", "formal")
    assert classes["TWN"] == ("USA", "informal")  # partnership with the US beats alignment
    assert classes["PRK"] == ("CHN", "formal")  # China and Russia on one side: larger budget
    assert classes["TUR"] == ("", "between")  # formal with the US and with Russia
    assert classes["IND"] == ("", "between")
    assert classes["BRA"] == ("", "none")  # a tie, but with no great power
    assert great_power_sides(["USA", "CHN", "RUS"], ties) == {"USA": 0, "CHN": 1, "RUS": 1}
    # Without the China-Russia tie, the two are rival sides and North Korea sits between them.
    apart = classify_states(isos, ties[~((ties.a == "CHN") & (ties.b == "RUS"))], budget)
    assert apart["PRK"] == ("", "between")


def test_camp_legend_counts_each_colour():
    classes = {
        "USA": ("USA", "great power"),
        "DEU": ("USA", "formal"),
        "JPN": ("USA", "formal"),
        "TWN": ("USA", "informal"),
        "CHN": ("CHN", "great power"),
        "IND": ("", "between"),
        "BRA": ("", "none"),
    }
    names = {"USA": "United States", "CHN": "China"}
    colours = {"USA": "#0000ff", "CHN": "#ff0000"}
    labels = [label for _, label in camp_legend_entries(classes, ["USA", "CHN"], colours, names)]
    assert labels == [
        "United States (USA) and its 2 formal allies",
        "partners and aligned states of United States: 1",
        "China (CHN)",
        "tied as strongly to rival great powers: 1",
        "non-aligned (no tie with a great power): 1",
    ]


def _treaties(alliances: pd.DataFrame, year: int) -> dict[str, list[str]]:
    rows = alliances[(alliances.year == year) & (alliances.kind == "treaty")]
    return {n: m.split(";") for n, m in zip(rows.alliance, rows.members, strict=True)}


@pytest.mark.parametrize("source", ["contract", "bilateral", "treaty"])
def test_nato_is_a_hub_and_bilateral_treaties_are_formal_edges(tables, source):
    year = int(tables["ties"].year.max())
    ties = tables["ties"][tables["ties"].year == year]
    if source != "contract":  # a table whose source does not name the treaty
        ties = ties.assign(source=source)
    treaties = _treaties(tables["alliances"], year)
    edges = {(a, b): kind for a, b, kind in year_edges(ties, treaties, hubs=["NATO"])}
    nato = set(treaties["NATO"])
    assert not [p for p in edges if set(p) <= nato], "NATO ties must go through the hub"
    assert edges[("JPN", "USA")] == "treaty"  # US-Japan
    assert edges[("KOR", "USA")] == "treaty"  # US-ROK
    assert edges[("AUS", "USA")] == "treaty"  # ANZUS
    assert edges[("RUS", "TUR")] == "formal"  # a formal tie outside any treaty
    assert edges[("AUS", "JPN")] == "formal"  # the Asian NATO bloc is not a treaty
    levels = dict(zip(zip(ties.a, ties.b, strict=True), ties.level, strict=True))
    assert {edges[p] for p in edges if levels[p] == 1} == {"alignment"}
    # Without a hub, NATO's ties are formal edges from a treaty.
    plain = {(a, b): kind for a, b, kind in year_edges(ties, treaties, hubs=[])}
    assert plain[("DEU", "FRA") if "DEU" < "FRA" else ("FRA", "DEU")] == "treaty"


def test_network_colours_show_sides_when_a_chain_links_the_camps(tables):
    year = int(tables["ties"].year.max())
    ties = tables["ties"][tables["ties"].year == year]
    actors = tables["actors"]
    budget = dict(zip(actors.iso3, actors.defence_usd_bn_2024, strict=True))
    classes = classify_states(list(actors.iso3), ties, budget)
    assert classes["DEU"] == ("USA", "formal")
    assert classes["JPN"] == ("USA", "formal")
    assert classes["PRK"] == ("CHN", "formal")
    assert classes["TUR"] == ("", "between")
    assert classes["CHN"] == ("CHN", "great power")


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


# --- payoffs, budgets and coalitions --------------------------------------------------------


def test_term_changes_are_last_minus_first(tables):
    states = tables["states"]
    terms = [t for t in TERMS if t in states.columns]
    change = term_changes(states, ["JPN", "XXX", "USA"], terms, 2024, 2036)
    assert list(change.index) == ["JPN", "XXX", "USA"]
    jpn = states[states.iso3 == "JPN"].set_index("year")
    for term in terms:
        assert change.loc["JPN", term] == pytest.approx(jpn.loc[2036, term] - jpn.loc[2024, term])
    assert change.loc["JPN", "net"] == pytest.approx(
        jpn.loc[2036, "utility"] - jpn.loc[2024, "utility"]
    )
    assert change.loc["XXX"].isna().all()


def test_signed_never_writes_minus_zero():
    assert signed(-0.0) == "+0.00"
    assert signed(-0.004) == "+0.00"
    assert signed(-0.006) == "-0.01"
    assert signed(1.234) == "+1.23"
    assert signed(float("nan")) == "n/a"


def _captured(monkeypatch, module) -> list:
    """Keep the figures that ``module`` saves, to inspect what they show."""
    figures = []
    real = module.save_figure

    def save(fig, path):
        figures.append(fig)
        return real(fig, path)

    monkeypatch.setattr(module, "save_figure", save)
    return figures


def _bar_colours(ax) -> set[str]:
    from matplotlib.colors import to_hex

    return {to_hex(p.get_facecolor()) for p in ax.patches if p.get_width() != 0}


def test_payoffs_show_changes_and_leave_the_security_level_out(tables, tmp_path, monkeypatch):
    figures = _captured(monkeypatch, payoffs_module)
    payoffs_module.draw_payoffs(tables, tmp_path, key_states=KEY_STATES, title="t")
    fig = figures[0]
    assert "change of each utility term since 2024 (% of GDP equivalent)" in fig.get_suptitle()
    change_ax, level_ax = fig.axes[:2]
    assert "Change 2024" in change_ax.get_xlabel()
    assert "% of GDP equivalent" in change_ax.get_xlabel()
    security = TERMS["u_security"][1]
    assert security in _bar_colours(change_ax)
    assert security not in _bar_colours(level_ax)
    # The change panel is scaled to the changes, not to the security level (about 4 here).
    states = tables["states"]
    jpn = states[states.iso3 == "JPN"].set_index("year")
    assert (
        change_ax.get_xlim()[1] < 3 * abs(jpn.loc[2036, "utility"] - jpn.loc[2024, "utility"]) + 2
    )
    notes = [t.get_text() for t in change_ax.texts]
    assert any(n.startswith("net ") and "largest: " in n for n in notes)


def test_budget_legend_follows_the_lines_at_the_right_end(tables, tmp_path, monkeypatch):
    states = tables["states"]
    last = states[states.year == states.year.max()].set_index("iso3").defence_pct_gdp
    order = order_by_last_value(states, KEY_STATES)
    assert order == sorted(KEY_STATES, key=lambda i: -last[i])
    figures = _captured(monkeypatch, budgets_module)
    budgets_module.draw_budgets(tables, tmp_path, key_states=KEY_STATES)
    legend = figures[0].legends[0]
    codes = [t.get_text().rsplit("(", 1)[1].rstrip(")") for t in legend.get_texts()]
    assert codes == order


def test_target_labels_do_not_repeat_the_value():
    assert target_label("NATO target 2%", 2.0) == "NATO target 2%"
    assert target_label("Hague 2035 target", 5.0) == "Hague 2035 target\n(5% of GDP)"
    assert target_label("NATO guideline", 2.0) == "NATO guideline\n(2% of GDP)"


def test_alliances_with_fixed_members_get_one_lane(tables):
    names = dict(zip(tables["actors"].iso3, tables["actors"].name, strict=True))
    lanes = alliance_lanes(tables["alliances"], KEY_STATES, names)
    by_label = {lane.label: lane for lane in lanes}
    us_japan = by_label["US-Japan (treaty)"]
    assert set(us_japan.members.split(", ")) == {"Japan", "United States"}
    assert lanes[lanes.index(us_japan) + 1].header  # no member bars under it
    nato = by_label["NATO (treaty)"]
    assert nato.members.startswith("United States, Germany") and "others" in nato.members
    # The Asian NATO bloc gains the Philippines a year after it forms: a header and member bars.
    header = next(lane for lane in lanes if lane.label.startswith("bloc_1"))
    assert header.header and not header.members
    after = lanes[lanes.index(header) + 1 :]
    philippines = next(lane for lane in after if lane.label == "Philippines")
    assert min(philippines.years) == min(header.years) + 1


def test_member_text_of_a_bloc_formed_late_stays_inside_the_panel():
    import matplotlib.pyplot as plt

    from sim.plots.coalitions import _draw_lanes, _Lane

    years = list(range(2024, 2045))
    lanes = [
        _Lane("NATO (treaty)", years, "#4c72b0", header=True, members="United States and 31"),
        _Lane("Bloc 1 (emergent bloc)", [2044], "#55a868", header=True, members="A, B, C, D"),
        _Lane("Bloc 2 (emergent bloc)", [2040, 2041], "#c44e52", header=True, members="E, F"),
    ]
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.set_xlim(2023.5, 2044.5)
    _draw_lanes(ax, lanes)
    fig.canvas.draw()
    panel = ax.get_window_extent()
    texts = {t.get_text(): t.get_window_extent() for t in ax.texts}
    assert len(texts) == 3
    for text, box in texts.items():
        assert panel.x0 <= box.x0 and box.x1 <= panel.x1, text
    late = texts["members: A, B, C, D"]
    assert late.x1 <= ax.transData.transform((2044.45, 0))[0]  # it ends on its bar
    plt.close(fig)


# --- the real model's tables ----------------------------------------------------------------


@pytest.fixture(scope="module")
def model_tables() -> dict[str, pd.DataFrame]:
    from sim.runner.config import compose
    from sim.runner.simulate import simulate

    return simulate(compose(["seed=7", "model.horizon=3"]))


def test_real_run_draws_nato_as_a_hub_and_us_treaties_as_edges(model_tables, tmp_path):
    year = int(model_tables["ties"].year.max())
    ties = model_tables["ties"][model_tables["ties"].year == year]
    treaties = _treaties(model_tables["alliances"], year)
    layout = NetworkLayout(model_tables)
    assert "NATO" in layout.hubs
    edges = {(a, b): kind for a, b, kind in year_edges(ties, treaties, hubs=layout.hubs)}
    nato = set(treaties["NATO"])
    assert not [p for p in edges if set(p) <= nato]
    for pair in [("JPN", "USA"), ("KOR", "USA"), ("AUS", "USA"), ("PHL", "USA")]:
        assert edges[pair] == "treaty", pair
    actors = model_tables["actors"]
    budget = dict(zip(actors.iso3, actors.defence_usd_bn_2024, strict=True))
    classes = classify_states(layout.isos, ties, budget)
    assert classes["DEU"] == ("USA", "formal") and classes["JPN"] == ("USA", "formal")
    assert classes["PRK"][0] == "CHN"
    paths = draw_run_plots(model_tables, tmp_path, key_states=KEY_STATES, title="seed 7")
    for path in paths:
        assert_png(path)


def test_network_legend_texts_stay_inside_the_figure(model_tables, tmp_path, monkeypatch):
    """Every legend entry and title of the network figure of a model run (its NATO hub's entry,
    the longest, included) lies inside the figure, short of its right edge."""
    import sim.plots.network as network

    original, outside = network.save_figure, []

    def check_then_save(fig, path):
        fig.canvas.draw()
        renderer, right = fig.canvas.get_renderer(), fig.bbox.x1
        for legend in fig.legends:
            for text in [*legend.get_texts(), legend.get_title()]:
                box = text.get_window_extent(renderer)
                if box.x0 < 0 or box.x1 > right - 2:  # 2 px of margin at the edge
                    outside.append(text.get_text())
        return original(fig, path)

    monkeypatch.setattr(network, "save_figure", check_then_save)
    year = int(model_tables["ties"].year.max())
    (path,) = network.draw_network(model_tables, tmp_path, [year])
    assert path.exists()
    assert any("NATO" in t for t in model_tables["alliances"].alliance.astype(str))
    assert outside == []


def test_a_bloc_is_drawn_as_an_asian_nato_only_in_the_years_it_is_one():
    """A bloc of USA, JPN and PHL from 2027 that AUS joins in 2040, when it becomes an Asian
    NATO: its bars (header and members) take the Asian NATO's colour from 2040 only, its label
    says from when; a bloc that is one in every year it exists is an "Asian NATO bloc"."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from sim.plots._common import ASIAN_NATO_COLOUR
    from sim.plots.coalitions import _draw_lanes

    rows = [
        ("Bloc 2", y, "USA;JPN;PHL" if y < 2040 else "USA;JPN;AUS;PHL", y >= 2040)
        for y in range(2027, 2045)
    ]
    rows += [("Bloc 6", y, "USA;JPN;KOR;AUS", True) for y in (2042, 2043)]
    rows += [("Bloc 7", y, "USA;KOR;PHL", 2030 <= y <= 2035) for y in range(2028, 2045)]
    alliances = pd.DataFrame(rows, columns=["alliance", "year", "members", "is_asian_nato"])
    alliances["kind"] = "bloc"
    lanes = alliance_lanes(alliances, KEY_STATES, {"USA": "United States", "AUS": "Australia"})
    header = lanes[0]
    assert header.label == "Bloc 2 (emergent bloc, Asian NATO from 2040, 3–4 members)"
    assert header.colour != ASIAN_NATO_COLOUR and header.asian_years == tuple(range(2040, 2045))
    members = {lane.label: lane for lane in lanes[1:] if not lane.header}
    assert members["United States"].asian_years == tuple(range(2040, 2045))
    assert (
        members["Australia"].asian_years
        == tuple(range(2040, 2045))
        == tuple(members["Australia"].years)
    )
    while_ = next(lane for lane in lanes if lane.label.startswith("Bloc 7"))
    assert while_.label == "Bloc 7 (emergent bloc, Asian NATO 2030–2035)"
    always = next(lane for lane in lanes if lane.label.startswith("Bloc 6"))
    assert always.label == "Bloc 6 (Asian NATO bloc)" and always.colour == ASIAN_NATO_COLOUR

    fig, ax = plt.subplots()
    _draw_lanes(ax, [header])
    drawn = {}
    for bars in ax.collections:  # one broken_barh a colour; its bars' x extents
        colour = tuple(bars.get_facecolor()[0][:3])
        extents = [p.get_extents() for p in bars.get_paths()]
        drawn[colour] = [(round(e.x0 + 0.45), round(e.x1 - 0.45)) for e in extents]
    plt.close(fig)
    assert drawn[to_rgba(ASIAN_NATO_COLOUR)[:3]] == [(2040, 2044)]
    assert drawn[to_rgba(header.colour)[:3]] == [(2027, 2039)]
