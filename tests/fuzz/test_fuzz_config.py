"""Fuzzing ``alliance-sim``'s config: every numeric key of the schema, by its type and range.

The contract for a bad value (non-finite, huge, outside the range, the wrong type, empty, an
interpolation that does not resolve): exit status 2, one line on stderr that starts with
``alliance-sim: error:``, no traceback, no folder created, nothing of the user's changed. For a
value inside the range (ends included): the run completes with its manifest, or a check across
settings refuses it with that same one line; it never breaks.

Bad values run through the command's ``main()`` in this process (a case costs about 0.1 s; an
uncaught exception fails the test, as a traceback would); values inside the range, and a sample
of bad ones, run the installed command in a subprocess. Keys come from the schema
(``targets.TARGETS``): a new key is fuzzed without a new test. ``ALLIANCE_SIM_FUZZ_SCALE=k``
multiplies the number of cases.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.contract import COUNTS, assert_one_line, snapshot, user_files
from fuzz.targets import TARGETS, Target, bad_values, edge_values

pytestmark = pytest.mark.fuzz

SCALE = int(os.environ.get("ALLIANCE_SIM_FUZZ_SCALE", "1"))
EXE = Path(sys.executable).with_name("alliance-sim")
QUICK = ("model.horizon=2", "run.plots=false", "run.csv=false")


def fuzz_settings(cases: int, in_process: bool = False):
    """Hypothesis settings of this file: ``cases`` x ALLIANCE_SIM_FUZZ_SCALE examples, the same
    ones every run (derandomised, so that CI is reproducible), no deadline."""
    checks = [HealthCheck.too_slow]
    if in_process:  # monkeypatch is reset by the harness itself for every example
        checks.append(HealthCheck.function_scoped_fixture)
    return settings(
        max_examples=cases * SCALE, deadline=None, derandomize=True, suppress_health_check=checks
    )


class Accepted(Exception):  # noqa: N818 (a signal, not an error)
    """The command line passed every check (raised instead of creating a folder)."""


def run_in_process(argv: list[str], monkeypatch) -> tuple[int | str, str]:
    """``alliance-sim ARGV`` through ``main()`` in a fresh folder; returns (exit status or
    'accepted', stderr), with the folder's content checked unchanged."""
    from sim.cli import main as cli_main
    from sim.cli import preflight

    def accept(*args, **kwargs):
        raise Accepted

    monkeypatch.setattr(preflight, "claim_output", accept)
    monkeypatch.setattr(cli_main.hydra, "main", accept)  # --cfg, --info: Hydra would answer
    with tempfile.TemporaryDirectory() as tmp:
        root = user_files(Path(tmp))
        before = snapshot(root)
        err = io.StringIO()
        old = os.getcwd()
        os.chdir(root)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                monkeypatch.setattr(sys, "argv", ["alliance-sim", *argv])
                try:
                    cli_main.main()
                    status: int | str = 0
                except SystemExit as exc:
                    status = exc.code if isinstance(exc.code, int) else 1
                except Accepted:
                    status = "accepted"
        finally:
            os.chdir(old)
        assert snapshot(root) == before, f"{argv} changed the user's folder"
    return status, err.getvalue()


def run_subprocess(argv: list[str]) -> tuple[int, str, str, dict, dict]:
    """``alliance-sim ARGV`` as a user runs it, in a fresh folder of the user's files; returns
    the status, outputs and the folder's content before and after (the user's files plus
    whatever the run wrote; ``__manifest__``: whether ``run/manifest.json`` says complete)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = user_files(Path(tmp))
        before = snapshot(root)
        proc = subprocess.run(
            [str(EXE), *argv],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "MPLBACKEND": "Agg"},
        )
        after = snapshot(root)
        manifest = root / "run" / "manifest.json"
        if manifest.is_file():
            after["__manifest__"] = json.loads(manifest.read_text()).get("complete")
    return proc.returncode, proc.stdout, proc.stderr, before, after


targets = st.sampled_from(TARGETS)


@st.composite
def bad_case(draw) -> tuple[Target, str]:
    t = draw(targets)
    return t, draw(bad_values(t))


@st.composite
def edge_case(draw) -> tuple[Target, str]:
    t = draw(targets)
    return t, draw(edge_values(t))


def argv_for(t: Target, value: str) -> list[str]:
    quick = [q for q in QUICK if not q.startswith(t.key + "=")]
    return [*t.base, *quick, t.override(value), "hydra.run.dir=run"]


@fuzz_settings(300, in_process=True)
@given(case=bad_case())
def test_bad_values_get_one_line_and_exit_2(case, monkeypatch):
    t, value = case
    argv = argv_for(t, value)
    status, err = run_in_process(argv, monkeypatch)
    COUNTS.add("alliance-sim (in process)", status == 2)
    assert status == 2, f"{argv}: exit {status} ({err.strip()[-300:]})"
    assert_one_line(err, "alliance-sim")


@fuzz_settings(20)
@given(case=bad_case())
def test_bad_values_in_a_real_process(case):
    t, value = case
    argv = argv_for(t, value)
    status, out, err, before, after = run_subprocess(argv)
    COUNTS.add("alliance-sim (subprocess, bad)", status == 2)
    assert status == 2, f"{argv}: exit {status}\n{out[-500:]}\n{err[-1500:]}"
    assert_one_line(err, "alliance-sim")
    assert after == before, f"{argv} wrote or changed files"


@fuzz_settings(25)
@given(case=edge_case())
def test_values_inside_the_range_run_or_get_one_line(case):
    t, value = case
    argv = argv_for(t, value)
    status, _out, err, before, after = run_subprocess(argv)
    COUNTS.add("alliance-sim (subprocess, in range)", status in (0, 2))
    assert "Traceback" not in err, f"{argv}\n{err[-2000:]}"
    assert status in (0, 2), f"{argv}: exit {status}\n{err[-1500:]}"
    if status == 0:
        assert after.get("__manifest__") is True, f"{argv}: no complete manifest"
        assert {k: v for k, v in after.items() if k in before} == before
    else:
        assert_one_line(err, "alliance-sim")
        assert after == before, f"{argv} was refused but left files"


# ----------------------------------------------------------------------- CSV worlds

GOOD_ROWS = [
    ["AAA", "Aland", "1000", "20", "10", "10"],
    ["BBB", "Bland", "500", "10", "12", "14"],
    ["CCC", "Cland", "800", "30", "30", "40"],
]
HEADER = ["iso3", "name", "gdp_usd_bn", "defence_usd_bn", "lat", "lon"]
JUNK = ["", "nan", "inf", "-inf", "1e400", "-5", "1e300", "abc", "=HYPERLINK(1)", '"', "0"]


@st.composite
def malformed_world(draw) -> tuple[str, str | None]:
    """An actors CSV (and maybe a propensity matrix) with one thing broken."""
    rows = [list(r) for r in GOOD_ROWS]
    header = list(HEADER)
    how = draw(st.sampled_from(["cell", "column", "row", "bytes", "empty", "matrix", "extra"]))
    if how == "cell":
        r, c = draw(st.integers(0, 2)), draw(st.integers(2, 5))
        rows[r][c] = draw(st.sampled_from(JUNK) | st.floats(allow_nan=True).map(repr))
    elif how == "column":
        drop = draw(st.integers(0, len(header) - 1))
        header.pop(drop)
        rows = [r[:drop] + r[drop + 1 :] for r in rows]
    elif how == "row":
        rows = draw(st.sampled_from([rows[:1], [*rows, rows[0]], [*rows, ["DDD"]]]))
    elif how == "extra":
        header.append(draw(st.sampled_from(["regime", "credibility", "gdp_growth", "bogus"])))
        rows = [[*r, draw(st.sampled_from(JUNK))] for r in rows]
    if how == "bytes":
        return draw(st.binary(min_size=1, max_size=200)).decode("latin-1"), None
    if how == "empty":
        return "", None
    actors = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    if how != "matrix":
        return actors, None
    values = [[draw(st.sampled_from(["0.5", "-0.2", *JUNK])) for _ in range(3)] for _ in range(3)]
    labels = draw(st.sampled_from([["AAA", "BBB", "CCC"], ["AAA", "BBB", "ZZZ"], ["AAA", "BBB"]]))
    lines = ["," + ",".join(labels)]
    lines += [f"{a}," + ",".join(values[i][: len(labels)]) for i, a in enumerate(labels)]
    return actors, "\n".join(lines) + "\n"


@fuzz_settings(60, in_process=True)
@given(world=malformed_world())
def test_malformed_csv_worlds_get_one_line_or_run(world, monkeypatch, tmp_path_factory):
    actors, propensity = world
    folder = tmp_path_factory.mktemp("csvworld")
    (folder / "actors.csv").write_text(actors, encoding="latin-1")
    argv = ["world=csv", f"world.actors_csv={folder / 'actors.csv'}", *QUICK]
    if propensity is not None:
        (folder / "propensity.csv").write_text(propensity)
        argv.append(f"world.propensity_csv={folder / 'propensity.csv'}")
    status, err = run_in_process(argv, monkeypatch)
    COUNTS.add("alliance-sim world=csv (in process)", status in (2, "accepted"))
    assert status in (2, "accepted"), f"{argv}: exit {status} ({err.strip()[-300:]})"
    if status == 2:
        assert_one_line(err, "alliance-sim")


# ----------------------------------------------------------------------- command lines

WORDS = [
    "-m",
    "--multirun",
    "--run",
    "--cfg",
    "job",
    "hydra",
    "--info",
    "foo",
    "--bogus",
    "-c",
    "-sc",
    "--resolve",
    "--package",
    "-cn",
    "nope",
    "--config-dir",
    "/no/such/dir",
    "=",
    "seed",
    "seed=",
    "=1",
    "a=b=c",
    "seed=1,2",
    "seed=range(0,3)",
    "hydra.run.dir=",
    "hydra/launcher=x",
    "hydra/sweeper=paired",
    "scenario=",
    "scenario=[]",
    "world={a: 1}",
    "++",
    "+",
    "~seed",
    "~world",
    "model=nope",
    "'",
    '"',
    "${",
    "seed=${seed}",
    "run.resume=true",
    "--",
    "\\",
]


@fuzz_settings(120, in_process=True)
@given(argv=st.lists(st.sampled_from(WORDS) | st.text(max_size=12), min_size=1, max_size=5))
def test_junk_command_lines_never_give_a_traceback(argv, monkeypatch):
    """Whatever the command line, the checks either pass it or refuse it with one line."""
    status, err = run_in_process(argv, monkeypatch)
    COUNTS.add("alliance-sim command lines (in process)", status in (2, "accepted"))
    assert status in (2, "accepted"), f"{argv}: exit {status} ({err.strip()[-300:]})"
    if status == 2:
        assert_one_line(err, "alliance-sim")


@fuzz_settings(30)
@given(argv=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_junk_command_lines_in_a_real_process(argv):
    """As above, through Hydra itself: what the checks pass, Hydra runs without a traceback;
    nothing of the user's changes, and nothing is written outside the output folders."""
    status, _out, err, before, after = run_subprocess([*argv, *QUICK, "world=classroom5"])
    after.pop("__manifest__", None)
    COUNTS.add("alliance-sim command lines (subprocess)", status in (0, 2))
    assert "Traceback" not in err, f"{argv}\n{err[-2000:]}"
    assert status in (0, 2), f"{argv}: exit {status}\n{err[-1000:]}"
    if status == 2:
        assert_one_line(err, "alliance-sim")
        assert after == before, f"{argv} was refused but left files"
    assert {k: v for k, v in after.items() if k in before} == before
    new = {k.split("/")[0] for k in after if k not in before}
    assert new <= {"outputs", "multirun"}, f"{argv} wrote {sorted(new)}"


# ----------------------------------------------------------------------- output folders

USER_PLACES = [".", "src", "plots", "src/link", "thesis.tex", "summary.csv", "src/../plots", "./"]


@fuzz_settings(20)
@given(
    place=st.sampled_from(USER_PLACES),
    sweep=st.booleans(),
    resume=st.booleans(),
)
def test_output_folders_among_the_users_files_are_refused(place, sweep, resume):
    """Aim a run or a sweep at a folder (or file) of the user's, which holds files with the
    names the program writes and clears: refused with one line, nothing changed."""
    key = "hydra.sweep.dir" if sweep else "hydra.run.dir"
    argv = [*(["-m", "seed=1,2"] if sweep else []), *QUICK, "world=classroom5", f"{key}={place}"]
    if resume:
        argv.append("run.resume=true")
    status, _out, err, before, after = run_subprocess(argv)
    COUNTS.add("alliance-sim output folders (subprocess)", status == 2 and after == before)
    assert status == 2, f"{argv}: exit {status}\n{err[-1000:]}"
    assert_one_line(err, "alliance-sim")
    assert after == before, f"{argv} changed the user's files"
