"""Tests of the classroom demos (sim.demos): numbers against textbook results, figures, CLI."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.core import landscape as engine
from sim.core.richardson import fixed_point_two
from sim.demos import (
    asian_nato,
    burden_sharing,
    landscape,
    richardson,
    security_dilemma,
    stag_hunt,
)
from sim.demos.cli import main
from sim.demos.games import is_pure, nash_equilibria
from sim.demos.registry import DEMOS
from sim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
DEMO_BIN = Path(sys.executable).with_name("alliance-sim-demo")


def _pngs(result, folder: Path) -> None:
    assert result.figures, "a demo must write at least one figure"
    for path in result.figures:
        assert path.parent == folder and path.suffix == ".png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in folder.iterdir() if p.name.startswith(".")], "temporary files left"
    text = result.text()
    for path in result.figures:
        assert str(path) in text


# --- security dilemma -----------------------------------------------------------------------


def test_security_dilemma_unique_defect_equilibrium(tmp_path):
    result = security_dilemma.run(tmp_path)
    _pngs(result, tmp_path)
    (eq,) = result.numbers["equilibria"]
    assert np.allclose(eq[0], [0, 1]) and np.allclose(eq[1], [0, 1])  # (arm, arm)
    assert result.numbers["critical_delta_grim"] == pytest.approx(0.5)
    assert result.numbers["critical_delta_tit_for_tat"] == pytest.approx(2 / 3)
    assert "(arm, arm)" in result.text()


@pytest.mark.parametrize(("t", "r", "p", "s"), [(5, 3, 1, 0), (10, 6, 2, 1), (4, 3, 2, 0)])
def test_critical_discount_is_where_restraint_and_deviation_pay_the_same(t, r, p, s):
    delta = security_dilemma.critical_discount_grim(t, r, p)
    assert delta == pytest.approx((t - r) / (t - p))
    # grim trigger: R / (1 - d) == T + d P / (1 - d) exactly at the critical d
    assert r / (1 - delta) == pytest.approx(t + delta * p / (1 - delta))
    coop, dev = security_dilemma.discounted_streams(delta + 0.05, 2000, t, r, p)
    assert coop[-1] > dev[-1]
    coop, dev = security_dilemma.discounted_streams(delta - 0.05, 2000, t, r, p)
    assert coop[-1] < dev[-1]
    assert security_dilemma.critical_discount_tit_for_tat(t, r, p, s) >= delta


def test_security_dilemma_rejects_a_game_that_is_not_a_prisoners_dilemma(tmp_path):
    with pytest.raises(UserError, match="temptation > reward"):
        security_dilemma.run(tmp_path, temptation=2, reward=3)
    assert not any(tmp_path.iterdir())


# --- stag hunt ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stag(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stag_hunt")
    return folder, stag_hunt.run(folder)


def test_stag_hunt_has_two_pure_and_one_mixed_equilibrium(stag):
    folder, result = stag
    _pngs(result, folder)
    eqs = result.numbers["equilibria"]
    pure = [e for e in eqs if is_pure(e)]
    mixed = [e for e in eqs if not is_pure(e)]
    assert len(pure) == 2 and len(mixed) == 1
    assert {(int(np.argmax(r)), int(np.argmax(c))) for r, c in pure} == {(0, 0), (1, 1)}
    # indifference: 4q = 3q + 2(1 - q) -> q = 2/3 for both sides
    assert mixed[0][0][0] == pytest.approx(2 / 3) and mixed[0][1][0] == pytest.approx(2 / 3)
    assert result.numbers["mixed_probability"] == pytest.approx(2 / 3)


def test_side_payment_moves_equilibria_monotonically(stag):
    _, result = stag
    thresholds = result.numbers["partner_thresholds"]
    basins = result.numbers["basins"]
    assert np.all(np.diff(thresholds) <= 1e-12) and thresholds[0] > thresholds[-1]
    assert np.all(np.diff(basins) >= -1e-12) and basins[-1] > basins[0]
    assert result.numbers["dominance_payment"] == pytest.approx(2.0)
    assert stag_hunt.partner_threshold(2.0) == 0.0
    # beyond the dominance payment the only equilibrium is (commit, commit)
    (eq,) = nash_equilibria(*stag_hunt.payoff_matrices(2.5))
    assert np.allclose(eq[0], [1, 0]) and np.allclose(eq[1], [1, 0])
    # below it, nashpy's mixed equilibrium has the patron commit with the partner's threshold
    for s in (0.3, 1.1, 1.7):
        mixed = [e for e in nash_equilibria(*stag_hunt.payoff_matrices(s)) if not is_pure(e)]
        assert mixed[0][0][0] == pytest.approx(stag_hunt.partner_threshold(s))
        assert mixed[0][1][0] == pytest.approx(stag_hunt.patron_threshold())


# --- richardson -----------------------------------------------------------------------------


def test_richardson_fixed_points_and_stability(tmp_path):
    result = richardson.run(tmp_path)
    _pngs(result, tmp_path)
    stable = result.numbers["stable"]
    case = richardson.STABLE
    expected = fixed_point_two(*case.fatigue, *case.reaction, *case.grievance)
    assert stable["stable"] and np.allclose(stable["fixed_point"], expected)
    assert np.allclose(stable["fixed_point"], [1.05 / 0.18, 1.15 / 0.18])  # (bg + kh, ah + lg)/det
    assert np.allclose(stable["final"], stable["fixed_point"], atol=0.05)
    runaway = result.numbers["runaway"]
    assert not runaway["stable"] and runaway["condition"] < 0
    assert np.all(runaway["final"] > 100)


# --- landscape ------------------------------------------------------------------------------


def _brute_force_minima(sizes, propensity):
    n = len(sizes)
    found = []
    for bits in itertools.product([0, 1], repeat=n - 1):
        sides = np.array((0, *bits), dtype=np.uint8)
        e = engine.energy(sides, sizes, propensity)
        flips = [
            engine.energy(np.where(np.arange(n) == i, 1 - sides, sides), sizes, propensity)
            for i in range(n)
        ]
        if all(f >= e - 1e-9 for f in flips):
            found.append(tuple(sides))
    return sorted(found)


def test_landscape_minima_agree_with_brute_force(tmp_path):
    result = landscape.run(tmp_path)
    _pngs(result, tmp_path)
    actors = landscape.builtin_example()
    assert len(actors.names) == 8
    got = sorted(tuple(int(v) for v in m) for m in result.numbers["minima"])
    assert got == _brute_force_minima(actors.sizes, actors.propensity)
    energies = [engine.energy(m, actors.sizes, actors.propensity) for m in got]
    assert result.numbers["global_energy"] == pytest.approx(min(energies))
    path = result.numbers["descent_energies"]
    assert np.all(np.diff(path) < 0)
    assert len(result.numbers["descent_movers"]) == len(path) - 1
    assert engine.is_local_minimum(result.numbers["final"], actors.sizes, actors.propensity)


def _write_user_landscape(folder: Path) -> tuple[Path, Path]:
    actors = folder / "actors.csv"
    actors.write_text("name,size\nA,3\nB,2\nC,2\nD,1\n")
    prop = folder / "propensity.csv"
    prop.write_text(",A,B,C,D\nA,,5,1,2\nB,5,,1,3\nC,1,1,,4\nD,2,3,4,\n")  # 1-5 scale
    return actors, prop


def test_landscape_reads_user_csvs_with_a_midpoint(tmp_path):
    actors_csv, prop_csv = _write_user_landscape(tmp_path)
    actors = landscape.read_actors(actors_csv, prop_csv, midpoint=3)
    assert actors.names == ["A", "B", "C", "D"]
    assert actors.propensity[0, 1] == 2 and actors.propensity[0, 2] == -2
    out = tmp_path / "figs"
    result = landscape.run(out, actors=actors, start=["B"])
    _pngs(result, out)
    got = sorted(tuple(int(v) for v in m) for m in result.numbers["minima"])
    assert got == _brute_force_minima(actors.sizes, actors.propensity)


# --- burden sharing -------------------------------------------------------------------------


def test_burden_sharing_on_nato_2024(tmp_path):
    result = burden_sharing.run(tmp_path)
    _pngs(result, tmp_path)
    table = result.numbers["table"]
    assert len(table) == 32 and result.numbers["n"] == 31  # Iceland reports no spending
    assert table["gdp_share"].sum() == pytest.approx(1) and table["spending_share"].sum() == (
        pytest.approx(1)
    )
    assert result.numbers["us_spending_share"] > result.numbers["us_gdp_share"] > 0.5
    # the demo's finding: GDP and defence effort are not rank-correlated across allies
    assert result.numbers["spearman_p"] > 0.05 and abs(result.numbers["spearman_rho"]) < 0.3
    assert all(table.loc[c, "defence_pct_gdp"] < 2 for c in result.numbers["below_guideline"])


# --- asian nato -----------------------------------------------------------------------------


def test_asian_nato_runs_the_model_on_the_class_world(tmp_path):
    result = asian_nato.run(tmp_path, seeds=3)
    _pngs(result, tmp_path)
    assert {p.name for p in result.figures} == {"asian_nato.png", "example_run_coalitions.png"}
    assert len(result.numbers) == len(asian_nato.ARMS) == 4
    pairs = {"-".join(p) for p in asian_nato.PAIRS}
    for arm in result.numbers.values():
        assert (arm["probability"] * 3) == int(arm["probability"] * 3)  # k of 3 runs
        assert set(arm["final_levels"]) == pairs
        assert all(0 <= level <= 3 for level in arm["final_levels"].values())
    assert result.numbers["baseline"]["aid_usd_bn"] == 0
    assert "Panel (d) follows one run, replicate" in result.text()


def test_asian_nato_example_is_the_first_run_where_the_bloc_forms():
    arm = asian_nato.ARMS[3]  # Japan-Korea affinity raised: blocs form in some runs
    result = asian_nato.run_arm(arm, 6)
    formed = list(result["formed"])
    assert any(formed), "the affinity scenario should form a bloc in some of 6 runs"
    assert result["example_replicate"] == formed.index(True)
    summary = result["example"]["summary"].iloc[0]
    assert bool(summary["asian_nato_formed"]) and summary["replicate"] == formed.index(True)
    # the shown run's Japan-Korea tie is formal in the year the bloc forms
    levels = asian_nato._pair_levels(result["example"]["ties"], ("JPN", "KOR"))
    assert levels.loc[int(summary["asian_nato_year"])] == 3


# --- command line ---------------------------------------------------------------------------


def test_cli_lists_the_demos_one_line_each():
    proc = subprocess.run([str(DEMO_BIN), "--list"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    lines = proc.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(DEMOS)


def test_cli_unknown_demo_is_one_line_and_exit_2(tmp_path):
    proc = subprocess.run(
        [str(DEMO_BIN), "chicken", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("alliance-sim-demo: error: unknown demo 'chicken'")
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["richardson", "--seeds", "3"], "--seeds does not apply"),
        (["asian_nato", "--seeds", "many"], "invalid int value"),
        (["asian_nato", "--seeds", "0"], "--seeds must be between"),
        (["landscape", "--actors", "missing.csv"], "give both --actors"),
        (["landscape", "--bogus"], "unrecognized arguments"),
        (["landscape", "--start", "USA,XYZ"], "unknown actor(s) ['XYZ']"),
    ],
)
def test_cli_bad_options_exit_2_without_writing(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("alliance-sim-demo: error: ") and message in err
    assert err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("actors", "propensity", "message"),
    [
        ("name,size\nA,1\nB,x\n", ",A,B\nA,,1\nB,1,\n", "size must be a number"),
        ("name,weight\nA,1\nB,2\n", ",A,B\nA,,1\nB,1,\n", "needs the columns name,size"),
        ("name,size\nA,1\nB,2\n", ",A,C\nA,,1\nC,1,\n", "labels must be the actors' names"),
        ("name,size\nA,1\nB,2\n", ",A,B\nA,,1\nB,2,\n", "is not symmetric"),
        ("name,size\nA,1\nB,2\n", ",A,B\nA,,oops\nB,1,\n", "missing or not a number"),
    ],
)
def test_cli_bad_landscape_csv(tmp_path, capsys, actors, propensity, message):
    (tmp_path / "a.csv").write_text(actors)
    (tmp_path / "p.csv").write_text(propensity)
    out = tmp_path / "out"
    argv = ["landscape", "--actors", str(tmp_path / "a.csv"), "--propensity"]
    assert main([*argv, str(tmp_path / "p.csv"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_cli_runs_a_demo_and_prints_its_figures(tmp_path, capsys):
    actors_csv, prop_csv = _write_user_landscape(tmp_path)
    out = tmp_path / "out"
    argv = ["landscape", "--actors", str(actors_csv), "--propensity", str(prop_csv)]
    assert main([*argv, "--midpoint", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Stable alignments" in text and str(out / "landscape.png") in text
    assert (out / "landscape.png").is_file()


def test_cli_projector_writes_one_figure_per_panel(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["security_dilemma", "--projector", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"security_dilemma_{c}.png" for c in "abc"]
    printed = capsys.readouterr().out
    assert all(str(out / n) in printed for n in names)


# --- notebook -------------------------------------------------------------------------------

NOTEBOOK = ROOT / "docs" / "notebooks" / "classroom_demos.ipynb"


def test_notebook_is_student_material_with_saved_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs for c in code), "every code cell keeps its output"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert NOTEBOOK.stat().st_size < 3_000_000
    text = [c.source for c in nb.cells]
    for name in DEMOS:
        run_at = next(i for i, t in enumerate(text) if f"{name}.run(" in t)
        predict = [
            i
            for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown" and "Predict first" in c.source and i < run_at
        ]
        assert predict, f"no 'Predict first' question before the {name} demo runs"
        after = [c.source for c in nb.cells[run_at:] if c.cell_type == "markdown"]
        assert any("Why" in t for t in after) and any("Exercise" in t for t in after), name
        shown = [
            o
            for c in nb.cells[run_at:]
            if c.cell_type == "code"
            for o in c.outputs
            if "image/png" in o.get("data", {})
        ]
        assert shown, f"no figure of the {name} demo saved in the notebook"


@pytest.mark.slow
def test_notebook_runs_from_scratch(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # a kernel spec for this interpreter in a private folder: the test never depends on what
    # kernels the machine has installed
    spec_dir = tmp_path / "jupyter" / "kernels" / "alliance-sim-test"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "alliance-sim (test)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(
        nb,
        kernel_name="alliance-sim-test",
        timeout=120,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type == "display_data" and "image/png" in o.data for o in outputs)
