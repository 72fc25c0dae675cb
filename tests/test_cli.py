"""The command line as a user meets it: a run writes a complete folder; bad input gets one
line, exit status 2, no traceback and no folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import UserError

EXE = Path(sys.executable).with_name("alliance-sim")
FAST = ["model.horizon=3", "run.plots=false"]


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run alliance-sim in ``tmp_path`` (its outputs land there)."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(EXE), *args], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )


def run_folders(tmp_path: Path) -> list[Path]:
    return (
        sorted(p for p in (tmp_path / "outputs").glob("*/*") if p.is_dir())
        if (tmp_path / "outputs").exists()
        else []
    )


def test_a_run_writes_a_complete_folder(tmp_path):
    result = cli(tmp_path, "scenario=injection_1p5b", "seed=7", "model.horizon=4")
    assert result.returncode == 0, result.stderr
    (folder,) = run_folders(tmp_path)
    assert "injection_1p5b_seed7" in folder.name
    assert str(folder.relative_to(tmp_path)) in result.stdout  # shown relative to the cwd
    for name in ("actors", "states", "ties", "alliances", "events", "summary"):
        assert (folder / f"{name}.parquet").is_file() and (folder / f"{name}.csv").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (
        manifest["seed"] == 7 and manifest["scenario"] == "injection_1p5b" and manifest["complete"]
    )
    assert (
        manifest["version"]
        and "commit" in manifest["code"]
        and manifest["libraries"]["mesa"] == "3.5.1"
    )
    assert set(manifest["files"]) >= {"config.yaml", "states.parquet", "summary.parquet"}
    config = (folder / "config.yaml").read_text()
    assert "seed: 7" in config and "injection_1p5b" in config and "amount_usd_bn: 1.5" in config
    states = pd.read_parquet(folder / "states.parquet")
    assert states["step"].max() == 4 and states["iso3"].nunique() == 40
    plots = sorted(p.name for p in (folder / "plots").glob("*.png"))
    assert {"coalitions.png", "budgets.png", "payoffs.png"} <= set(plots)
    assert any(p.startswith("network_") for p in plots)
    assert all((folder / "plots" / p).stat().st_size > 10_000 for p in plots)
    summary = pd.read_parquet(folder / "summary.parquet")
    assert len(summary) == 1 and summary["base_seed"].iloc[0] == 7


def test_runs_started_together_get_different_folders(tmp_path):
    procs = [
        subprocess.Popen(
            [str(EXE), "seed=1", *FAST],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    assert len(run_folders(tmp_path)) == 3


def test_command_line_and_python_give_the_same_tables(tmp_path, compose_cfg, run_tables):
    result = cli(tmp_path, "world=classroom5", "seed=3", *FAST)
    assert result.returncode == 0, result.stderr
    (folder,) = run_folders(tmp_path)
    tables = run_tables(compose_cfg("world=classroom5", "seed=3", *FAST))
    for name in ("states", "ties", "summary"):
        pd.testing.assert_frame_equal(pd.read_parquet(folder / f"{name}.parquet"), tables[name])


BAD_INPUTS = {
    "unknown scenario": (["scenario=nope"], "unknown scenario 'nope'"),
    "unknown world": (["world=mars"], "unknown world 'mars'"),
    "unknown key": (["model.budget.speed=1"], "unknown key 'model.budget.speed'"),
    "unknown event key": (
        ["scenario=injection_1p5b", "scenario.events.us_indo_pacific_injection.amont_usd_bn=2"],
        "amont_usd_bn",
    ),
    "wrong type": (["seed=abc"], "seed: 'abc' is not a valid integer"),
    "wrong type float": (["model.horizon=1.5"], "model.horizon"),
    "negative amount": (
        ["scenario=injection_1p5b", "scenario.events.us_indo_pacific_injection.amount_usd_bn=-5"],
        "must lie in [0, 1000000] (got -5)",
    ),
    "unknown actor": (
        ["scenario=injection_1p5b", "scenario.events.us_indo_pacific_injection.donor=XXX"],
        "unknown",
    ),
    "unknown recipient": (
        [
            "scenario=injection_1p5b",
            "scenario.events.us_indo_pacific_injection.recipients=[JPN,ZZZ]",
        ],
        "ZZZ",
    ),
    "unknown actor in world": (["world.actors=[USA,JPN,QQQ]"], "unknown actor 'QQQ'"),
    "unknown state in pairs": (["+world.affinity.JPN-XYZ=0.1"], "XYZ"),
    "bad level": (["world.ties.AUS-JPN=alliance"], "unknown commitment level 'alliance'"),
    "bad rule": (["model.alignment.rule=magic"], "model.alignment.rule 'magic'"),
    "negative horizon": (["model.horizon=-3"], "model.horizon must lie in [1, 200]"),
    "bad channels": (
        [
            "scenario=injection_1p5b",
            "scenario.events.us_indo_pacific_injection.channels={capability: 0.5}",
        ],
        "sum to 1",
    ),
    "unknown sweep value": (["-m", "scenario=baseline,nope"], "unknown scenario 'nope'"),
    "unknown flag": (["--bogus"], "unrecognized arguments: --bogus"),
    "flag without value": (["--cfg"], "expected one argument"),
    "two modes": (["-m", "--cfg", "job", "seed=1,2"], "-m and --cfg cannot be used together"),
    "bad override with --cfg": (["--cfg", "job", "scenario=nope"], "unknown scenario 'nope'"),
    "config name": (["-cn", "other"], "--config-name is not supported"),
    "missing config dir": (["--config-dir", "/no/such/dir"], "is not a folder"),
    "broken interpolation": (["seed=${no_such_key}"], "cannot resolve an interpolation"),
    "empty scenario list": (["scenario=[]"], "scenario.name must be set"),
    "missing csv": (["world=csv", "world.actors_csv=/no/such/file.csv"], "not found"),
    "csv world without file": (["world=csv"], "world.actors_csv"),
    "several values without -m": (
        ["seed=1,2"],
        "'seed=1,2' lists several values, which makes a sweep: add -m",
    ),
    "empty scenario": (
        ["scenario="],
        "scenario= needs a value: one of asian_nato_proposal, baseline",
    ),
    "wrong type in an event": (
        ["scenario=injection_1p5b", "scenario.events.us_indo_pacific_injection.amount_usd_bn=abc"],
        "scenario.events.us_indo_pacific_injection.amount_usd_bn: 'abc' is not a valid float",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gets_one_line_and_exit_2(tmp_path, case):
    args, expected = BAD_INPUTS[case]
    result = cli(tmp_path, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("alliance-sim: error: ")
    assert expected in lines[0]
    if case == "wrong type in an event":  # the value is wrong, not the field's name
        assert "valid fields" not in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "outputs").exists() and not (tmp_path / "multirun").exists()


ACTORS = (
    "iso3,name,gdp_usd_bn,defence_usd_bn,lat,lon\n"
    "AAA,Aland,1000,20,10,10\nBBB,Bland,500,10,12,14\nCCC,Cland,800,30,30,40\n"
)
PROPENSITY = ",AAA,BBB,CCC\nAAA,,0.5,-0.5\nBBB,0.5,,-0.2\nCCC,-0.5,-0.2,\n"

MALFORMED = {
    "missing column": (
        "\n".join(ln.rsplit(",", 1)[0] for ln in ACTORS.splitlines()) + "\n",
        None,
        "lacks column",
    ),
    "missing value": (ACTORS.replace("1000,20", "1000,"), None, "missing or non-numeric"),
    "text in a number": (ACTORS.replace("1000,20", "1000,lots"), None, "missing or non-numeric"),
    "negative spending": (
        ACTORS.replace("1000,20", "1000,-20"),
        None,
        "'defence_usd_bn' must be a finite number in [0, 1000000]",
    ),
    "absurd GDP": (ACTORS.replace("1000,20", "1e300,20"), None, "'gdp_usd_bn' must be a finite"),
    "infinite GDP": (ACTORS.replace("1000,20", "inf,20"), None, "'gdp_usd_bn' must be a finite"),
    "repeated code": (ACTORS.replace("BBB,Bland", "AAA,Bland"), None, "unique"),
    "non-square matrix": (
        ACTORS,
        ",AAA,BBB\nAAA,,0.5\nBBB,0.5,\nCCC,-0.5,-0.2\n",
        "not a square matrix",
    ),
    "asymmetric matrix": (
        ACTORS,
        PROPENSITY.replace("BBB,0.5,,-0.2", "BBB,0.4,,-0.2"),
        "not symmetric",
    ),
    "NaN in matrix": (
        ACTORS,
        PROPENSITY.replace("AAA,,0.5,-0.5", "AAA,,,-0.5"),
        "missing or non-numeric",
    ),
    "matrix misses a state": (
        ACTORS,
        ",AAA,BBB\nAAA,,0.5\nBBB,0.5,\n",
        "no row/column for ['CCC']",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_data_files_are_refused(tmp_path, case):
    actors, propensity, expected = MALFORMED[case]
    (tmp_path / "actors.csv").write_text(actors)
    args = ["world=csv", "world.actors_csv=actors.csv", *FAST]
    if propensity is not None:
        (tmp_path / "propensity.csv").write_text(propensity)
        args.append("world.propensity_csv=propensity.csv")
    result = cli(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "outputs").exists()


def test_a_valid_csv_world_runs(tmp_path):
    (tmp_path / "actors.csv").write_text(ACTORS)
    (tmp_path / "propensity.csv").write_text(PROPENSITY)
    result = cli(
        tmp_path,
        "world=csv",
        "world.actors_csv=actors.csv",
        "world.propensity_csv=propensity.csv",
        "run.key_states=[AAA,BBB,CCC]",
        "+world.ties.AAA-BBB=partnership",
        "model.horizon=3",
    )
    assert result.returncode == 0, result.stderr
    (folder,) = run_folders(tmp_path)
    states = pd.read_parquet(folder / "states.parquet")
    assert set(states["iso3"]) == {"AAA", "BBB", "CCC"}
    assert (folder / "manifest.json").is_file()


def test_a_failed_run_removes_the_folder_it_created(tmp_path):
    """An error inside the run (after the folder was made) removes the folder it made."""
    from sim.cli.main import fail
    from sim.runner.folders import claim, lock

    folder = tmp_path / "outputs" / "x"
    assert claim(folder, "run")
    lock(folder)
    (folder / ".hydra").mkdir()
    (folder / "states.parquet").write_text("partial")
    with pytest.raises(SystemExit) as exit_info:
        fail("something went wrong", folder)
    assert exit_info.value.code == 2
    assert not folder.exists()


def test_a_failed_run_touches_nothing_in_a_folder_it_does_not_hold(tmp_path):
    """fail() on a folder without the marker, or one another run holds, removes nothing."""
    from sim.cli.main import fail

    folder = tmp_path / "thesis"
    (folder / ".hydra").mkdir(parents=True)
    (folder / "states.parquet").write_text("the user's own file")
    (folder / "thesis.tex").write_text("chapter 1")
    with pytest.raises(SystemExit):
        fail("something went wrong", folder)
    assert sorted(p.name for p in folder.iterdir()) == [".hydra", "states.parquet", "thesis.tex"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["+model.horizn=3"], "'+model.horizn' adds a key"),
        (["+foo=1"], "'+foo' adds a key"),
        (["-m", "hydra/launcher=nope", "seed=1,2"], "unknown launcher 'nope'"),
        (["-m", "hydra/sweeper=nope", "seed=1,2"], "unknown sweeper 'nope'"),
    ],
)
def test_preflight_refuses_misspelt_additions_and_unknown_plugins(argv, message):
    from sim.cli.preflight import check

    with pytest.raises(UserError, match=re.escape(message)):
        check(argv)


def test_preflight_names_the_extra_of_a_launcher_that_is_not_installed(monkeypatch):
    from sim.cli import preflight

    monkeypatch.setitem(preflight.LAUNCHERS, "joblib", "hydra_plugins.no_such_launcher_here")
    with pytest.raises(UserError, match=r"scripts/bootstrap.sh launchers"):
        preflight.check(["-m", "hydra/launcher=joblib", "seed=1,2"])


def test_additions_to_the_configs_own_dictionaries_are_accepted():
    from sim.cli.preflight import check_additions

    check_additions(
        [
            "+world.affinity.JPN-AUS=0.5",
            "+scenario.events.drills={kind: exercise, participants: [USA, JPN]}",
            "++seed=3",
        ]
    )


@pytest.mark.parametrize(
    "argv, models",
    [
        (["-m", "seed=1,2,3"], 1),
        (["-m", "run.replicates=2", "run.first_replicate=0,2"], 1),
        (["-m", "scenario=baseline,injection_1p5b", "seed=1,2"], 2),
        (["-m", "model.horizon=5,6"], 2),
        (["-m", "world=classroom5", "seed=3,4", "model.horizon=${seed}"], 2),
        (["-m", "run.replicates=3,4", "model.horizon=${run.replicates}"], 2),
    ],
)
def test_a_sweeps_jobs_that_differ_only_in_run_or_seed_share_one_prepared_model(argv, models):
    """The preflight keeps one ``Prepared`` a model config (``config_key`` leaves out run and
    seed): jobs over seeds or replicates then share its world and its base-year calibration
    (``tests/test_sweeps.py`` holds the basic launcher's tables equal to other launchers')."""
    from sim.cli.preflight import check

    assert len(check(argv).prepared) == models


def test_every_job_of_a_sweep_is_checked_even_when_it_shares_a_prepared_model():
    from sim.cli.preflight import check

    with pytest.raises(UserError, match="outside the run"):
        check(["-m", "run.network_years=[2030],[2099]"])


def test_the_readmes_example_headline_is_what_the_run_prints(compose_cfg):
    """README.md shows the headline of ``scenario=injection_1p5b seed=7``: the lines it shows
    are the ones that run's summary gives (they had gone stale once)."""
    from sim.cli.main import headline
    from sim.runner.simulate import simulate

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("Run complete: outputs/", 1)[1].split("```", 1)[0].splitlines()[1:]
    shown = [line.strip() for line in shown if line.strip() and "tables:" not in line]
    summary = simulate(compose_cfg("scenario=injection_1p5b", "seed=7"), 0)["summary"]
    assert shown == headline(summary)


def test_a_run_of_several_replicates_says_so_in_its_headline(tmp_path):
    """With run.replicates=R the headline counts the replicates that formed an Asian NATO and
    gives the means over them (it showed replicate 0 alone, without saying so)."""
    result = cli(tmp_path, "run.replicates=3", *FAST)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "· 3 replicates" in out
    assert re.search(r"Asian NATO formed: (no \(0 of 3 replicates\)|in [1-3] of 3 replicates)", out)
    assert "(means of 3 replicates)" in out and "mean of 3 replicates)" in out


def test_the_headline_means_are_over_the_replicates_that_have_the_figure():
    """A replicate without a US burden share (no formal alliance) or China's change is left
    out of that mean, and the line says over how many it is."""
    from sim.cli.main import headline

    rows = pd.DataFrame(
        {
            "scenario": "baseline",
            "world": "default",
            "base_seed": 0,
            "horizon": 5,
            "asian_nato_formed": [False, False, False],
            "asian_nato_year": [None, None, None],
            "asian_nato_members": "",
            "us_burden_share_start": [0.5, float("nan"), 0.7],
            "us_burden_share_end": [0.6, 0.9, 0.8],
            "china_budget_change_pct": [10.0, 20.0, float("nan")],
        }
    )
    assert headline(rows)[1:] == [
        "Asian NATO formed: no (0 of 3 replicates)",
        "US burden share of its formal alliances: 0.60 -> 0.70 (means of 2 replicates)",
        "China's defence spending: +15% (USD; mean of 2 replicates)",
    ]
