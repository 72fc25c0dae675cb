"""The data-safety contract of ``alliance-sim`` (issue 13's findings, each a test that failed
before the fix): nothing the program did not create is deleted or overwritten; two runs never
share a folder; bad numbers are refused where they enter; folder names and CSV cells are safe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from fuzz.contract import snapshot, user_files

from sim.errors import UserError

EXE = Path(sys.executable).with_name("alliance-sim")
FAST = ["world=classroom5", "model.horizon=2", "run.plots=false"]


def cli(cwd: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(EXE), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def user_project(root: Path) -> Path:
    """A folder of the user's own work."""
    root.mkdir(parents=True, exist_ok=True)
    return user_files(root)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("alliance-sim: error: ") and "Traceback" not in result.stderr
    return lines[0]


# ----------------------------------------------------------------------- never delete


@pytest.mark.parametrize("extra", [[], ["run.resume=true"]], ids=["plain", "resume"])
def test_a_run_aimed_at_a_users_folder_is_refused_and_touches_nothing(tmp_path, extra):
    """`hydra.run.dir=.` in a project folder emptied it (thesis.tex and src/ deleted)."""
    project = user_project(tmp_path / "project")
    before = snapshot(project)
    line = one_error_line(cli(project, *FAST, "hydra.run.dir=.", *extra))
    assert "did not write" in line
    assert snapshot(project) == before


def test_a_sweep_aimed_at_a_users_folder_is_refused_and_touches_nothing(tmp_path):
    project = user_project(tmp_path / "project")
    before = snapshot(project)
    one_error_line(cli(tmp_path, "-m", *FAST, "seed=1,2", f"hydra.sweep.dir={project}"))
    assert snapshot(project) == before


def test_an_empty_folder_is_taken_and_marked(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli(tmp_path, *FAST, f"hydra.run.dir={empty}")
    assert result.returncode == 0, result.stderr
    marker = json.loads((empty / ".alliance-sim").read_text())
    assert marker["created_by"] == "alliance-sim" and marker["kind"] == "run"
    assert (empty / "manifest.json").is_file()


def test_resuming_an_interrupted_run_removes_only_what_a_run_writes(tmp_path):
    """Clearing an unfinished run of ours keeps a file the user put in it."""
    folder = tmp_path / "run"
    assert cli(tmp_path, *FAST, f"hydra.run.dir={folder}").returncode == 0
    (folder / "manifest.json").unlink()  # as if killed before the manifest
    (folder / "notes.txt").write_text("my notes on this run")
    result = cli(tmp_path, *FAST, f"hydra.run.dir={folder}", "run.resume=true")
    assert result.returncode == 0, result.stderr
    assert (folder / "notes.txt").read_text() == "my notes on this run"
    assert (folder / "manifest.json").is_file()


def test_clearing_refuses_a_folder_without_the_marker(tmp_path):
    from sim.runner.folders import clear_run_outputs

    project = user_project(tmp_path / "project")
    before = snapshot(project)
    with pytest.raises(UserError, match="no alliance-sim marker"):
        clear_run_outputs(project)
    assert snapshot(project) == before


def test_a_folder_written_before_markers_existed_is_still_the_programs(tmp_path):
    """A complete run folder of an earlier version (manifest, no marker) can be resumed."""
    folder = tmp_path / "run"
    assert cli(tmp_path, *FAST, f"hydra.run.dir={folder}").returncode == 0
    (folder / ".alliance-sim").unlink()
    result = cli(tmp_path, *FAST, f"hydra.run.dir={folder}", "run.resume=true")
    assert result.returncode == 0 and "already complete" in result.stdout, result.stderr


# ----------------------------------------------------------------------- one run, one folder


def test_a_second_run_aimed_at_a_folder_in_use_is_refused_at_once(tmp_path):
    """Two runs aimed at one folder both printed 'Run complete'; one was silently lost."""
    folder = tmp_path / "shared"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from sim.runner.folders import claim, lock; "
            f"claim({str(folder)!r}, 'run'); lock({str(folder)!r}); print('held', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        line = one_error_line(cli(tmp_path, *FAST, f"hydra.run.dir={folder}"))
        assert "in use by another alliance-sim run" in line
        assert not (folder / "states.parquet").exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    # once released, the folder is free again
    assert cli(tmp_path, *FAST, f"hydra.run.dir={folder}").returncode == 0


def test_two_runs_started_together_on_one_folder_one_is_refused(tmp_path):
    folder = tmp_path / "race"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    args = [str(EXE), "world=classroom5", "model.horizon=15", "run.plots=false"]
    procs = [
        subprocess.Popen(
            [*args, f"hydra.run.dir={folder}"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    refused = next(r for r in results if r[0] == 2)
    assert "in use" in refused[2] or "already holds finished runs" in refused[2]
    assert json.loads((folder / "manifest.json").read_text())["complete"]


# ----------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "override, expected",
    [
        ("scenario.events.us_indo_pacific_injection.amount_usd_bn=nan", "finite number"),
        ("scenario.events.us_indo_pacific_injection.amount_usd_bn=inf", "finite number"),
        ("scenario.events.us_indo_pacific_injection.amount_usd_bn=1e300", "must lie in"),
        ("seed=99999999999999999999999", "seed must lie in"),
        ("model.horizon=1000000", "model.horizon must lie in [1, 200]"),
        ("model.alignment.temperature_pct_gdp=-inf", "finite number"),
        ("world.affinity.JPN-KOR=nan", "finite number"),
    ],
)
def test_non_finite_and_absurd_numbers_are_refused_before_anything_is_written(
    tmp_path, override, expected
):
    result = cli(tmp_path, "scenario=injection_1p5b", "run.plots=false", override)
    assert expected in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_every_numeric_key_of_the_schema_declares_its_range():
    """A new numeric key must say its range (the fuzz suite and the docs read it)."""
    from sim.validate import numeric_keys

    keys = numeric_keys()
    assert len(keys) > 50
    assert [k for k, info in keys.items() if info.range is None] == []


def test_the_configuration_reference_lists_every_range():
    """docs/configuration.md holds the table the schema gives (scripts/config_reference.py)."""
    from sim.validate import ranges_markdown

    doc = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text()
    assert ranges_markdown() in doc, "run: .venv/bin/python scripts/config_reference.py"


def test_the_model_stays_finite_at_the_edges_of_the_ranges(compose_cfg, run_tables):
    """Valid extremes (the largest amount, horizon and seed) run to finite tables."""
    import numpy as np

    from sim.schema import HORIZON_MAX, SEED_MAX, USD_BN_MAX

    cfg = compose_cfg(
        "scenario=injection_1p5b",
        f"scenario.events.us_indo_pacific_injection.amount_usd_bn={USD_BN_MAX}",
        f"model.horizon={HORIZON_MAX}",
        f"seed={SEED_MAX}",
    )
    states = run_tables(cfg)["states"]
    assert states["year"].max() == 2024 + HORIZON_MAX
    assert np.isfinite(states.select_dtypes("number").to_numpy(float)).all()


def test_a_run_that_overflows_is_not_written(tmp_path):
    from sim.runner.run import check_finite

    states = pd.DataFrame({"iso3": ["USA", "JPN"], "year": [2025, 2025], "x": [1.0, float("inf")]})
    with pytest.raises(UserError, match="non-finite x for JPN in 2025"):
        check_finite(states)


# ----------------------------------------------------------------------- commands and folders


@pytest.mark.parametrize("args", [["scenario=[]"], ["world=[]"]], ids=["scenario", "world"])
def test_an_empty_config_list_gets_one_line(tmp_path, args):
    """`scenario=[]` was a 52-line traceback."""
    assert "must be set" in one_error_line(cli(tmp_path, *args))


def test_a_composed_list_with_an_unknown_member_names_the_choices(tmp_path):
    line = one_error_line(cli(tmp_path, "scenario=[baseline,nope]"))
    assert "unknown scenario 'nope'; available: " in line and "injection_1p5b" in line


@pytest.mark.parametrize(
    "path", ["/proc/alliance-sim-test", "/sys/alliance-sim-test"], ids=["proc", "sys"]
)
def test_an_unwritable_output_folder_gets_one_line(tmp_path, path):
    line = one_error_line(cli(tmp_path, *FAST, f"hydra.run.dir={path}"))
    assert "cannot use" in line and path in line


def test_a_folder_under_a_file_gets_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    line = one_error_line(cli(tmp_path, *FAST, f"hydra.run.dir={tmp_path / 'afile' / 'run'}"))
    assert "cannot use" in line
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.parametrize("name", ["a/b", "../../escape", "${oc.env:HOME}"])
def test_names_do_not_become_paths(tmp_path, name):
    """`scenario.name=a/b` or `${oc.env:HOME}` created nested folders."""
    result = cli(tmp_path, *FAST, f"scenario.name={name}")
    assert result.returncode == 0, result.stderr
    (day,) = (tmp_path / "outputs").iterdir()
    (run,) = day.iterdir()
    assert (run / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs"]


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(tmp_path):
    name = '=HYPERLINK("http://example.invalid")'
    result = cli(tmp_path, *FAST, f"scenario.name='{name}'", "hydra.run.dir=run")
    assert result.returncode == 0, result.stderr
    summary_csv = pd.read_csv(tmp_path / "run" / "summary.csv")
    assert summary_csv["scenario"].iloc[0] == "'" + name
    # Parquet keeps the value as given; numbers (negative ones too) are untouched in CSV
    assert pd.read_parquet(tmp_path / "run" / "summary.parquet")["scenario"].iloc[0] == name
    states = pd.read_csv(tmp_path / "run" / "states.csv")
    assert (states["u_entrapment"] <= 0).all() and states["u_entrapment"].dtype == float


def test_a_killed_writes_leftover_is_cleaned_by_the_next_write(tmp_path):
    from sim.files import atomic_write

    target = tmp_path / "table.csv"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".table.csv.{dead.pid}.abcd.tmp"
    stale.write_text("half a table")
    live = tmp_path / f".table.csv.{os.getpid()}.efgh.tmp"  # a live writer's: kept
    live.write_text("being written")
    other = tmp_path / ".table.csv.notes.tmp"  # not ours by name: kept
    other.write_text("x")
    atomic_write(target, lambda p: p.write_text("a,b\n"))
    assert target.read_text() == "a,b\n"
    assert not stale.exists() and live.exists() and other.exists()


def test_sweep_jobs_write_where_the_submitter_looks(tmp_path, monkeypatch):
    """The submitter resolves the sweep folder once, to an absolute path, for every job."""
    from sim.cli.preflight import check, with_folder

    monkeypatch.chdir(tmp_path)
    plan = check(["-m", "world=classroom5", "seed=1,2"])
    assert plan.folder.is_absolute() and plan.folder.parent.parent == tmp_path / "multirun"
    argv = with_folder(["-m", "seed=1,2", "hydra.sweep.dir=relative"], plan)
    assert argv[-1] == f"hydra.sweep.dir='{plan.folder}'" and "hydra.sweep.dir=relative" not in argv
    assert not (tmp_path / "multirun").exists()  # checking creates nothing


def test_a_job_whose_sweep_folder_is_not_shared_says_so(tmp_path):
    from sim.cli.main import check_sweep_folder

    with pytest.raises(UserError, match="file system they all share"):
        check_sweep_folder(tmp_path / "not-created-by-the-sweep" / "0_job")


def test_a_config_folder_of_ones_own_is_checked_and_used(tmp_path):
    """--config-dir adds the user's configs: the checks compose with them, as Hydra does."""
    mine = tmp_path / "myconf" / "scenario"
    mine.mkdir(parents=True)
    (mine / "mine.yaml").write_text("# @package _global_\nscenario:\n  name: mine\n  events: {}\n")
    result = cli(tmp_path, "--config-dir", "myconf", "scenario=mine", *FAST, "hydra.run.dir=r")
    assert result.returncode == 0, result.stderr
    assert "scenario mine" in result.stdout


# ----------------------------------------------------------------------- a review's findings


def test_a_file_named_like_the_marker_does_not_make_a_users_folder_ours(tmp_path):
    """A '.alliance-sim' of the user's (an rc file, say) is no marker: the folder is refused."""
    project = user_project(tmp_path / "proj")  # with .alliance-sim, summary.csv, plots/*.png
    assert (project / ".alliance-sim").read_text() == "my rc settings\n"
    before = snapshot(project)
    assert "did not write" in one_error_line(cli(tmp_path, *FAST, f"hydra.run.dir={project}"))
    assert snapshot(project) == before


def test_a_manifest_of_another_program_does_not_make_a_folder_ours(tmp_path):
    project = user_project(tmp_path / "proj")
    (project / "manifest.json").write_text('{"package": "other-tool", "complete": true}')
    before = snapshot(project)
    one_error_line(cli(tmp_path, *FAST, f"hydra.run.dir={project}", "run.resume=true"))
    assert snapshot(project) == before


def test_a_run_never_writes_into_a_sweeps_folder_nor_a_sweep_into_a_runs(tmp_path):
    sweep, run = tmp_path / "sw", tmp_path / "r1"
    assert cli(tmp_path, "-m", *FAST, "seed=1,2", f"hydra.sweep.dir={sweep}").returncode == 0
    assert cli(tmp_path, *FAST, f"hydra.run.dir={run}").returncode == 0
    before = snapshot(tmp_path)
    line = one_error_line(cli(tmp_path, *FAST, f"hydra.run.dir={sweep}"))
    assert "is a sweep folder of alliance-sim, not a run folder" in line
    line = one_error_line(
        cli(tmp_path, "-m", *FAST, "seed=1,2", f"hydra.sweep.dir={run}", "run.resume=true")
    )
    assert "is a run folder of alliance-sim, not a sweep folder" in line
    assert snapshot(tmp_path) == before


def test_clearing_an_interrupted_run_never_follows_a_link(tmp_path):
    from fuzz.contract import make_png

    folder = tmp_path / "r2"
    assert cli(tmp_path, *FAST, f"hydra.run.dir={folder}").returncode == 0
    (folder / "manifest.json").unlink()  # an interrupted run of ours
    figures = tmp_path / "userfigs"
    figures.mkdir()
    make_png(figures / "mine.png")
    (folder / "plots").symlink_to(figures, target_is_directory=True)
    before = snapshot(figures)
    line = one_error_line(cli(tmp_path, *FAST, f"hydra.run.dir={folder}", "run.resume=true"))
    assert "plots/ is a link" in line
    assert snapshot(figures) == before


def test_clearing_keeps_a_png_the_program_did_not_draw(tmp_path):
    from fuzz.contract import make_png

    folder = tmp_path / "r3"
    assert (
        cli(tmp_path, "world=classroom5", "model.horizon=2", f"hydra.run.dir={folder}").returncode
        == 0
    )
    (folder / "manifest.json").unlink()
    make_png(folder / "plots" / "my_annotated_copy.png")
    result = cli(tmp_path, "world=classroom5", "model.horizon=2", f"hydra.run.dir={folder}")
    assert result.returncode == 0, result.stderr
    assert (folder / "plots" / "my_annotated_copy.png").is_file()


def test_a_job_in_a_nested_sweep_subfolder_finds_its_sweep(tmp_path):
    sweep = tmp_path / "sw3"
    result = cli(
        tmp_path,
        "-m",
        *FAST,
        "seed=1,2",
        f"hydra.sweep.dir={sweep}",
        "hydra.sweep.subdir=g/${hydra.job.num}",
    )
    assert result.returncode == 0, result.stderr
    assert (sweep / "g" / "0" / "manifest.json").is_file()


def test_ctrl_c_while_the_command_starts_is_one_line(tmp_path):
    """SIGINT during the imports and the checks: one line and 130, never a traceback. A signal
    that lands while Python itself is still starting (its site imports, before the console
    script's first line: on a loaded machine that can take over 0.15 s) meets Python's own
    handling, which no program can change: such a try tests nothing and is not counted."""
    import signal
    import time

    interrupted = 0
    for delay in (0.15, 0.6, 1.2):
        proc = subprocess.Popen(
            [str(EXE), *FAST, f"hydra.run.dir={tmp_path / f'int{delay}'}"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 0:  # it finished before the signal: nothing to check
            continue
        if "Traceback" in err and "sim/cli/" not in err:  # before the entry point ran
            continue
        interrupted += 1
        assert proc.returncode == 130, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert interrupted > 0, "the command finished before every signal: nothing was tested"


def test_a_studys_report_never_replaces_a_users_file(tmp_path):
    from sim.study.results import claim

    out = tmp_path / "thesis"
    out.mkdir()
    (out / "report.md").write_text("MY THESIS REPORT\n")
    with pytest.raises(UserError, match="was not written by a study"):
        claim(out / "results", "backtest_nato", ["allies.csv"])
    assert (out / "report.md").read_text() == "MY THESIS REPORT\n"
    assert not (out / "results").exists()


def test_a_study_rerun_removes_its_old_manifest_first(tmp_path):
    """A rerun killed half-way leaves no folder that looks complete."""
    from sim.study.results import claim

    results = claim(tmp_path / "results", "backtest_nato", ["allies.csv"])
    (results / "manifest.json").write_text('{"complete": true}')
    claim(results, "backtest_nato", ["allies.csv"], rerun=False)  # a report-only rebuild
    assert (results / "manifest.json").is_file()
    claim(results, "backtest_nato", ["allies.csv"])
    assert not (results / "manifest.json").exists()


def test_a_skipped_resume_keeps_the_record_of_the_command_that_made_the_run(tmp_path):
    folder = tmp_path / "rr"
    assert cli(tmp_path, *FAST, f"hydra.run.dir={folder}").returncode == 0
    before = snapshot(folder)
    result = cli(tmp_path, *FAST, f"hydra.run.dir={folder}", "run.resume=true")
    assert result.returncode == 0 and "already complete" in result.stdout, result.stderr
    assert {k: v for k, v in snapshot(folder).items() if not k.endswith(".log")} == {
        k: v for k, v in before.items() if not k.endswith(".log")
    }


def test_a_resumed_sweep_drops_its_old_plots_but_not_a_users(tmp_path):
    from fuzz.contract import make_png

    from sim.plots._common import new_figure, save_figure
    from sim.runner.sweep import invalidate

    sweep = tmp_path / "sw"
    (sweep / "plots").mkdir(parents=True)
    (sweep / "sweep.json").write_text('{"complete": true}')
    save_figure(new_figure(1, 1), sweep / "plots" / "outcomes_vs_seed.png")
    make_png(sweep / "plots" / "mine.png")
    invalidate(sweep, jobs=2)
    assert sorted(p.name for p in (sweep / "plots").iterdir()) == ["mine.png"]
    assert not json.loads((sweep / "sweep.json").read_text())["complete"]
