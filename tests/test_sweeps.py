"""Sweeps from the command line: launchers, replicate splits, the end-of-sweep table, resume,
paired sweeps and the compare command.

The end-to-end tests run ``alliance-sim`` in subprocesses on the five-actor world with a short
horizon and no plots, so each sweep costs a few seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.errors import UserError
from sim.runner.sweep import expected_jobs, load_results, paired_jobs

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
SMALL = [
    "world=classroom5",
    "model.horizon=3",
    "run.plots=false",
    "run.csv=false",
]
OUTCOME_COLUMNS = ["asian_nato_formed", "us_burden_share_end", "china_budget_change_pct"]


def sweep(folder: Path, *args: str, check: bool = True, env=None) -> subprocess.CompletedProcess:
    """Run ``alliance-sim -m`` into ``folder``."""
    cmd = [str(BIN / "alliance-sim"), "-m", f"hydra.sweep.dir={folder}", *SMALL, *args]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env=env, cwd=folder.parent
    )
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def runs_of(folder: Path) -> pd.DataFrame:
    """The sweep's table, in replicate-seed order (launchers may finish jobs in any order)."""
    table = pd.read_parquet(folder / "runs.parquet")
    return table.sort_values(["replicate_seed"]).reset_index(drop=True)


def model_rows(table: pd.DataFrame) -> pd.DataFrame:
    """What the model computed: seeds and every summary column, not how jobs were cut."""
    drop = [c for c in ("job", "folder", "run.replicates", "run.first_replicate") if c in table]
    return table.drop(columns=drop).sort_values("replicate_seed").reset_index(drop=True)


# ----------------------------------------------------------------------------- expansion


def parse(*overrides: str):
    return OverridesParser.create().parse_overrides(list(overrides))


def test_paired_sweep_zips_lists_and_keeps_fixed_overrides():
    jobs = paired_jobs(parse("a=1,2,3", "b=x,y,z", "c=7"))
    assert jobs == [["a=1", "b=x", "c=7"], ["a=2", "b=y", "c=7"], ["a=3", "b=z", "c=7"]]


def test_paired_sweep_crosses_the_keys_named_in_cross():
    jobs = paired_jobs(parse("a=1,2", "b=x,y", "seed=1,2,3"), cross=["seed"])
    assert len(jobs) == 6
    assert jobs[:3] == [
        ["a=1", "b=x", "seed=1"],
        ["a=1", "b=x", "seed=2"],
        ["a=1", "b=x", "seed=3"],
    ]
    assert {tuple(j[:2]) for j in jobs} == {("a=1", "b=x"), ("a=2", "b=y")}


def test_paired_sweep_refuses_lists_of_different_lengths():
    with pytest.raises(UserError, match=r"equal lengths .*a has 3, b has 2"):
        paired_jobs(parse("a=1,2,3", "b=x,y"))


def test_paired_sweep_refuses_a_cross_key_that_is_not_swept():
    with pytest.raises(UserError, match="cross names seed"):
        paired_jobs(parse("a=1,2", "seed=4"), cross=["seed"])


def test_basic_sweep_expansion_is_the_cartesian_product():
    jobs = expected_jobs(["a=1,2,3", "b=x,y", "c=0"])
    assert len(jobs) == 6
    assert len({tuple(j) for j in jobs}) == 6
    paired = expected_jobs(["a=1,2", "b=x,y"], {"_target_": "x.PairedSweeper", "cross": []})
    assert paired == [["a=1", "b=x"], ["a=2", "b=y"]]


# ----------------------------------------------------------------------------- launchers


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A basic-launcher sweep: 2 scenarios x 2 seeds x 2 replicates."""
    folder = tmp_path_factory.mktemp("ref") / "sweep"
    sweep(folder, "scenario=baseline,injection_1p5b", "seed=1,2", "run.replicates=2")
    return folder


def test_sweep_table_has_a_row_per_job_and_replicate_and_the_swept_columns(reference):
    table = pd.read_parquet(reference / "runs.parquet")
    assert len(table) == 2 * 2 * 2
    for column in ("job", "folder", "scenario", "seed", "replicate", "replicate_seed"):
        assert column in table.columns
    assert set(table["scenario"]) == {"baseline", "injection_1p5b"}
    assert set(table["seed"]) == {1, 2}
    assert set(table["replicate"]) == {0, 1}
    assert table["replicate_seed"].nunique() == 4  # scenarios share seeds: paired comparison
    for column in OUTCOME_COLUMNS:
        assert column in table.columns
    assert (reference / "runs.csv").is_file()
    summary = pd.read_csv(reference / "summary.csv")
    assert list(summary["scenario"]) == ["baseline", "injection_1p5b"]
    assert list(summary["n"]) == [4, 4]
    low, mean, high = (summary[f"us_burden_share_end{s}"] for s in ("_low", "", "_high"))
    assert ((low <= mean) & (mean <= high)).all()
    res = load_results(reference)
    assert res.kind == "sweep" and res.params == ["scenario"]
    assert sorted(p.name for p in (reference / "plots").glob("*.png")) == [
        "outcomes_vs_scenario.png"
    ]


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_launchers_give_identical_tables(reference, tmp_path, launcher):
    folder = tmp_path / launcher
    extra = ["hydra.launcher.n_jobs=2"] if launcher == "joblib" else []
    sweep(
        folder,
        f"hydra/launcher={launcher}",
        *extra,
        "scenario=baseline,injection_1p5b",
        "seed=1,2",
        "run.replicates=2",
    )
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(reference))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ray_cluster_launcher_gives_identical_tables(reference, tmp_path):
    """Start a local Ray cluster, run the sweep on it, stop the cluster.

    The head is started from another folder than the sweep's, and the sweep folder is given
    relative: the jobs (whose working folder is the head's) must still write where the
    submitting command looks (the folder is resolved once, by the submitter)."""
    ray = BIN / "ray"
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray")  # short: Ray's socket paths must fit 107 bytes
    head_cwd = tmp_path / "head"
    head_cwd.mkdir()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    start = subprocess.run(
        [
            str(ray),
            "start",
            "--head",
            f"--port={port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp}",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=head_cwd,
    )
    assert start.returncode == 0, start.stderr[-2000:]
    try:
        folder = tmp_path / "ray_sweep"
        cmd = [str(BIN / "alliance-sim"), "-m", "hydra.sweep.dir=ray_sweep", *SMALL]
        cmd += ["hydra/launcher=ray_cluster", "scenario=baseline,injection_1p5b", "seed=1,2"]
        proc = subprocess.run(
            [*cmd, "run.replicates=2"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
            env={**env, "RAY_ADDRESS": f"127.0.0.1:{port}"},
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Sweep complete" in proc.stdout, proc.stdout[-2000:]
        assert not (head_cwd / "ray_sweep").exists()
        pd.testing.assert_frame_equal(runs_of(folder), runs_of(reference))
    finally:
        subprocess.run([str(ray), "stop", "--force"], capture_output=True, timeout=120, env=env)
        shutil.rmtree(temp, ignore_errors=True)


def test_replicates_split_over_jobs_give_the_same_runs(tmp_path):
    """One job of 4 replicates equals 2 jobs of 2 (first_replicate 0 and 2), and the split
    sweep's summary pools the 4 as the single job's does (``run.first_replicate`` is not a
    parameter: no row, column or plot of its own)."""
    one = tmp_path / "one"
    sweep(one, "seed=5", "run.replicates=4")
    split = tmp_path / "split"
    sweep(split, "seed=5", "run.replicates=2", "run.first_replicate=0,2")
    a, b = model_rows(runs_of(one)), model_rows(runs_of(split))
    pd.testing.assert_frame_equal(a, b)
    assert sorted(a["replicate"]) == [0, 1, 2, 3]
    pooled, summary = (pd.read_csv(f / "summary.csv") for f in (one, split))
    pd.testing.assert_frame_equal(summary, pooled)
    assert len(summary) == 1 and summary["n"].tolist() == [4]
    assert not list(split.glob("plots/*.png"))


def test_a_sweep_of_seeds_alone_says_why_it_has_no_plots(tmp_path):
    """Seeds are replicates, pooled into one row: no parameter to plot, and the sweep's last
    line says so (it said "nothing swept")."""
    small = [o for o in SMALL if not o.startswith("run.plots")]
    cmd = [str(BIN / "alliance-sim"), "-m", f"hydra.sweep.dir={tmp_path / 's'}", *small]
    proc = subprocess.run(
        [*cmd, "seed=1,2"], capture_output=True, text=True, timeout=600, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "plots: none (no parameter swept; seeds, if any, are replicates, pooled)" in proc.stdout
    assert not list((tmp_path / "s").glob("plots/*.png"))


# ----------------------------------------------------------------------------- resume


def test_resume_reruns_only_the_unfinished_jobs(reference, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    jobs = sorted(p for p in folder.iterdir() if p.is_dir() and (p / ".hydra").is_dir())
    victim = jobs[2]
    # What a run killed mid-way leaves: some tables, no manifest; no sweep table.
    (victim / "manifest.json").unlink()
    (victim / "summary.parquet").unlink()
    for name in ("runs.parquet", "runs.csv", "summary.csv", "sweep.json"):
        (folder / name).unlink()
    before = {p.name: (p / "manifest.json").stat().st_mtime_ns for p in jobs if p != victim}
    args = ["scenario=baseline,injection_1p5b", "seed=1,2", "run.replicates=2"]
    refused = sweep(folder, *args, check=False)
    assert refused.returncode == 2
    assert "run.resume=true" in refused.stderr and "Traceback" not in refused.stderr
    proc = sweep(folder, *args, "run.resume=true")
    assert proc.stdout.count("already complete, skipped") == 3
    after = {p.name: (p / "manifest.json").stat().st_mtime_ns for p in jobs if p != victim}
    assert after == before
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(reference))


SEEDS = ",".join(str(i) for i in range(1, 13))


def test_a_killed_sweep_leaves_nothing_that_looks_complete_and_resumes(tmp_path):
    """Kill -9 a 12-job sweep once its first job has finished, then resume it."""
    folder = tmp_path / "sweep"
    cmd = [
        str(BIN / "alliance-sim"),
        "-m",
        f"hydra.sweep.dir={folder}",
        *SMALL,
        "model.horizon=8",
        f"seed={SEEDS}",
        "run.replicates=3",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list(folder.glob("*/manifest.json")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert list(folder.glob("*/manifest.json")), "no job finished before the kill"
    assert not (folder / "sweep.json").exists() and not (folder / "runs.parquet").exists()
    with pytest.raises(UserError, match="sweep did not finish"):
        load_results(folder)
    for job in (p for p in folder.iterdir() if p.is_dir() and not (p / "manifest.json").exists()):
        with pytest.raises(UserError):  # an unfinished job is never read as a result
            load_results(job)
    sweep(folder, "model.horizon=8", f"seed={SEEDS}", "run.replicates=3", "run.resume=true")
    fresh = tmp_path / "fresh"
    sweep(fresh, "model.horizon=8", f"seed={SEEDS}", "run.replicates=3")
    pd.testing.assert_frame_equal(runs_of(folder), runs_of(fresh))


def test_resume_without_a_folder_is_refused(tmp_path):
    proc = subprocess.run(
        [str(BIN / "alliance-sim"), "run.resume=true"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "hydra.run.dir=FOLDER" in proc.stderr
    assert not (tmp_path / "outputs").exists()


def test_paired_sweep_from_the_command_line(tmp_path):
    folder = tmp_path / "paired"
    sweep(
        folder,
        "hydra/sweeper=paired",
        "hydra.sweeper.cross=[seed]",
        "model.alignment.coercion_weight=0.5,2",
        "model.alignment.autonomy_weight=0.001,0.004",
        "seed=1,2",
    )
    table = pd.read_parquet(folder / "runs.parquet")
    pairs = set(
        zip(
            table["model.alignment.coercion_weight"],
            table["model.alignment.autonomy_weight"],
            strict=True,
        )
    )
    assert pairs == {(0.5, 0.001), (2.0, 0.004)}
    assert len(table) == 4
    bad = sweep(
        tmp_path / "bad",
        "hydra/sweeper=paired",
        "model.alignment.coercion_weight=0.5,1,2",
        "model.alignment.autonomy_weight=0.001,0.004",
        check=False,
    )
    assert bad.returncode == 2 and "equal lengths" in bad.stderr
    assert not (tmp_path / "bad").exists()


# ----------------------------------------------------------------------------- compare


def compare(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "alliance-sim-compare"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_compare_splits_a_sweep_and_writes_its_tables(reference, tmp_path):
    out = tmp_path / "cmp"
    proc = compare(str(reference), "--by", "scenario", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "A: scenario=baseline" in proc.stdout and "B: scenario=injection_1p5b" in proc.stdout
    assert "scenario.name" in proc.stdout  # the config difference
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["arm"]) == {"scenario=baseline", "scenario=injection_1p5b"}
    runs = pd.read_parquet(reference / "runs.parquet")
    burden = table[(table["outcome"] == "us_burden_share_end")].set_index("arm")
    means = runs.groupby("scenario")["us_burden_share_end"].mean()
    assert burden.loc["scenario=baseline", "mean"] == pytest.approx(means["baseline"])
    diff = means["injection_1p5b"] - means["baseline"]
    assert burden.loc["scenario=injection_1p5b", "diff"] == pytest.approx(diff)
    assert (out / "comparison.png").is_file() and (out / "manifest.json").is_file()


def test_compare_by_seed_says_seeds_are_replicates(reference, tmp_path):
    """The reference sweep swept seed=1,2: --by seed is refused with what seeds are (it said
    the sweep did not vary them)."""
    proc = compare(str(reference), "--by", "seed", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "alliance-sim-compare: error: --by seed: it makes replicates (seeds and replicate "
        "splits are pooled within each arm of a sweep), not a parameter to split by; its swept "
        "parameters: scenario"
    ]


def test_compare_runs_configs_itself(tmp_path):
    out = tmp_path / "cmp"
    proc = compare(
        "--run",
        "world=classroom5 model.horizon=3",
        "--run",
        "world=classroom5 model.horizon=3 model.alignment.coercion_weight=3",
        "--replicates",
        "3",
        "--no-plot",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "model.alignment.coercion_weight" in proc.stdout
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["n"]) == {3}


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "nope", "is not a folder"),
        (lambda d: d, "holds no results"),
        (lambda d: _incomplete_run(d), "incomplete run"),
        (lambda d: _incomplete_sweep(d), "incomplete sweep"),
    ],
)
def test_compare_refuses_folders_that_are_not_complete_results(reference, tmp_path, make, message):
    bad = make(tmp_path)
    proc = compare(str(reference), str(bad), cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0


def _incomplete_run(d: Path) -> Path:
    run = d / "run"
    run.mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(run / "summary.parquet")
    return run


def _incomplete_sweep(d: Path) -> Path:
    s = d / "sweep"
    s.mkdir()
    (s / "sweep.json").write_text('{"complete": false, "incomplete_jobs": ["2_x"]}')
    return s


def test_compare_needs_two_arms(reference, tmp_path):
    proc = compare(str(reference), cwd=tmp_path)
    assert proc.returncode == 2 and "at least two arms" in proc.stderr


def test_resuming_a_finished_single_run_skips_it_and_refuses_another_config(tmp_path):
    run = [str(BIN / "alliance-sim"), *SMALL, f"hydra.run.dir={tmp_path / 'run'}"]
    first = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert first.returncode == 0, first.stderr
    manifest = (tmp_path / "run" / "manifest.json").stat().st_mtime_ns
    again = subprocess.run(
        [*run, "run.resume=true"], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert "already complete, skipped" in again.stdout
    other = subprocess.run(
        [*run, "run.resume=true", "seed=4"], capture_output=True, text=True, cwd=tmp_path
    )
    assert other.returncode == 2 and "different config" in other.stderr
    assert "Traceback" not in other.stderr
    assert (tmp_path / "run" / "manifest.json").stat().st_mtime_ns == manifest
    assert "seed=4" not in (tmp_path / "run" / ".hydra" / "overrides.yaml").read_text()


def test_resume_with_other_overrides_is_refused_before_anything_changes(reference, tmp_path):
    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    record = sorted(folder.glob("*/.hydra/overrides.yaml"))
    before = [p.read_text() for p in record]
    proc = sweep(
        folder,
        "scenario=baseline,injection_1p5b",
        "seed=2,1",  # the same values in another order: job numbers no longer match
        "run.replicates=2",
        "run.resume=true",
        check=False,
    )
    assert proc.returncode == 2
    assert "written by a different sweep" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0
    assert [p.read_text() for p in record] == before


def test_a_resumed_sweep_first_marks_the_old_table_stale(reference, tmp_path):
    from sim.runner.sweep import invalidate

    folder = tmp_path / "sweep"
    shutil.copytree(reference, folder)
    assert load_results(folder).kind == "sweep"
    invalidate(folder, jobs=5)
    assert not (folder / "runs.parquet").exists() and not (folder / "summary.csv").exists()
    with pytest.raises(UserError, match="incomplete sweep"):
        load_results(folder)
