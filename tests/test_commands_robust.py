"""Robustness of the four commands besides ``alliance-sim`` (issue 13): alliance-sim-compare,
-demo, -page and -landscape.

Every user error is one line on stderr, ``<prog>: error: ...``, exit status 2, no traceback and
nothing written; Ctrl-C is one line and exit status 130; nothing the command did not create is
overwritten; CSV cells that a spreadsheet would run as formulas are neutralised.

The commands run as subprocesses of the installed console scripts (as a user runs them), except
where a test needs to break something inside (then in-process, with ``monkeypatch``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fuzz.contract import SMALL, result_folders, snapshot

from sim.cli import args as cli_args
from sim.cli import landscape as landscape_cli
from sim.core import landscape as lt
from sim.errors import UserError

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
PROGS = ("alliance-sim-compare", "alliance-sim-demo", "alliance-sim-page", "alliance-sim-landscape")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def run(prog: str, *argv, cwd: Path | None = None, timeout: float = 300):
    return subprocess.run(
        [str(BIN / prog), *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(proc, prog: str, *fragments: str) -> str:
    """Exit 2, one line on stderr starting with ``<prog>: error:``, no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith(f"{prog}: error: "), proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n"), proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, (fragment, proc.stderr)
    return proc.stderr


def write_case(folder: Path, n: int, seed: int = 1, names=None) -> tuple[Path, Path]:
    """A random landscape case of ``n`` actors: (actors.csv, propensity.csv)."""
    rng = np.random.default_rng(seed)
    names = names or [f"A{i}" for i in range(n)]
    sizes = rng.uniform(1, 10, n)
    p = rng.normal(size=(n, n))
    p = np.triu(p, 1) + np.triu(p, 1).T
    actors = folder / f"actors{n}.csv"
    actors.write_text(
        "name,size\n" + "".join(f"{a},{float(s)!r}\n" for a, s in zip(names, sizes, strict=True))
    )
    rows = [",".join(["", *names])]
    for i, a in enumerate(names):
        rows.append(",".join([a, *("" if i == j else repr(float(p[i, j])) for j in range(n))]))
    propensity = folder / f"propensity{n}.csv"
    propensity.write_text("\n".join(rows) + "\n")
    return actors, propensity


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Path]:
    """A finished run folder (2 replicates) and a finished sweep (2 scenarios x 2 replicates)."""
    return result_folders(tmp_path_factory.mktemp("results"), replicates=2)


# --------------------------------------------------------------------------------------------
# 1. One shared parser: argparse errors are one line in every command; --help still works
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prog", PROGS)
@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["--out"], "expected one argument"),
    ],
)
def test_argument_errors_are_one_line_in_every_command(prog, argv, fragment, tmp_path):
    if prog == "alliance-sim-page" and argv == ["--out"]:
        argv, fragment = ["--port", "eighty"], "invalid int value"
    if prog == "alliance-sim-landscape":
        argv = ["a.csv", "p.csv", *argv]  # its positional arguments, or that is the error
    proc = run(prog, *argv, cwd=tmp_path, timeout=60)
    err = assert_one_line_error(proc, prog, fragment, f"see {prog} --help")
    assert "usage:" not in err and proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("prog", PROGS)
def test_help_still_works_in_every_command(prog, tmp_path):
    proc = run(prog, "--help", cwd=tmp_path, timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith(f"usage: {prog}")


def test_help_imports_none_of_the_libraries_a_run_needs():
    """``alliance-sim --help`` answers without importing pandas, numba, Mesa or matplotlib (a
    table writer once imported pandas at the top and doubled the cold start of --help)."""
    code = (
        "import sys\n"
        "sys.argv = ['alliance-sim', '--help']\n"
        "from sim.cli.entry import alliance_sim\n"
        "try:\n    alliance_sim()\nexcept SystemExit:\n    pass\n"
        "heavy = ('pandas', 'numba', 'mesa', 'matplotlib')\n"
        "print('LOADED:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "alliance-sim --hydra-help" in proc.stdout  # the help was printed
    assert proc.stdout.strip().splitlines()[-1] == "LOADED:"


def test_the_commands_share_one_parser_class():
    for path in ("sim/cli/compare.py", "sim/cli/landscape.py", "sim/demos/cli.py"):
        text = (ROOT / path).read_text()
        assert "class _Parser" not in text and "OneLineParser" in text, path
    assert "OneLineParser" in (ROOT / "sim/page/cli.py").read_text()
    assert "argparse.ArgumentParser(" not in (ROOT / "sim/page/cli.py").read_text()


def test_run_main_turns_errors_into_one_line_and_a_status(capsys):
    def user_error(argv):
        raise UserError("bad thing\nsecond line")

    def interrupted(argv):
        raise KeyboardInterrupt

    def os_error(argv):
        raise PermissionError(13, "Permission denied", "/x/y.csv")

    assert cli_args.run_main("prog", user_error) == 2
    assert capsys.readouterr().err == "prog: error: bad thing\n"
    assert cli_args.run_main("prog", interrupted) == 130
    assert capsys.readouterr().err == "prog: interrupted\n"
    assert cli_args.run_main("prog", os_error) == 2
    assert capsys.readouterr().err == "prog: error: /x/y.csv: Permission denied\n"
    assert cli_args.run_main("prog", lambda argv: None) == 0


def test_check_writable_refuses_what_cannot_be_written(tmp_path):
    user_file = tmp_path / "notes.txt"
    user_file.write_text("mine")
    for path, folder, fragment in [
        (Path("/proc/no-such-dir/out.csv"), False, "files cannot be created in /proc"),
        (Path("/proc/out"), True, "files cannot be created in /proc"),
        (user_file / "out.csv", False, "is a file, not a folder"),
        (user_file / "deeper" / "out", True, "is a file, not a folder"),
        (user_file, True, "is a file; give a folder"),
        (tmp_path, False, "is a folder; give a file name"),
    ]:
        with pytest.raises(UserError) as info:
            cli_args.check_writable(path, "--out", folder=folder)
        assert fragment in str(info.value), (path, str(info.value))
    cli_args.check_writable(tmp_path / "new" / "deeper" / "t.csv")  # creatable: fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # the probe is gone


@pytest.mark.skipif(IS_ROOT, reason="root writes into read-only folders")
def test_check_writable_refuses_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(UserError, match="Permission denied"):
            cli_args.check_writable(folder / "t.csv")
    finally:
        folder.chmod(0o700)


# --------------------------------------------------------------------------------------------
# 2. Outputs that cannot be written: one line, exit 2, nothing left behind, before long work
# --------------------------------------------------------------------------------------------

BAD_OUT = [
    ("/proc/alliance-sim-test", "files cannot be created in /proc"),
    ("/sys/alliance-sim-test", "files cannot be created in /sys"),
    ("{user_file}/out", "is a file, not a folder"),
]


@pytest.mark.parametrize("out, fragment", BAD_OUT)
def test_compare_refuses_an_unwritable_out_before_reading_or_running(
    results, tmp_path, out, fragment
):
    user_file = tmp_path / "notes.txt"
    user_file.write_text("mine")
    before = snapshot(tmp_path)
    out = out.format(user_file=user_file)
    started = time.perf_counter()
    proc = run(
        "alliance-sim-compare",
        "--run",
        " ".join(SMALL),
        "--run",
        " ".join([*SMALL, "model.alignment.coercion_weight=3"]),
        "--replicates",
        "50",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert_one_line_error(proc, "alliance-sim-compare", "--out", fragment)
    assert proc.stdout == ""  # refused before running 100 replicates and printing a report
    assert time.perf_counter() - started < 30
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out, fragment", BAD_OUT)
def test_demo_refuses_an_unwritable_out(tmp_path, out, fragment):
    user_file = tmp_path / "notes.txt"
    user_file.write_text("mine")
    before = snapshot(tmp_path)
    proc = run("alliance-sim-demo", "stag_hunt", "--out", out.format(user_file=user_file))
    assert_one_line_error(proc, "alliance-sim-demo", "--out", fragment)
    assert proc.stdout == ""
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "out, fragment",
    [
        ("/proc/alliance-sim-test.csv", "files cannot be created in /proc"),
        ("/sys/alliance-sim-test.csv", "files cannot be created in /sys"),
        ("{user_file}/t.csv", "is a file, not a folder"),
        ("{user_file}", "already exists; give a new file name"),
        ("{folder}", "is a folder; give a file name"),
    ],
)
def test_landscape_refuses_an_unwritable_or_existing_out(tmp_path, out, fragment):
    actors, propensity = write_case(tmp_path, 6)
    user_file = tmp_path / "notes.txt"
    user_file.write_text("mine")
    before = snapshot(tmp_path)
    out = out.format(user_file=user_file, folder=tmp_path)
    proc = run("alliance-sim-landscape", actors, propensity, "--out", out)
    assert_one_line_error(proc, "alliance-sim-landscape", "--out", fragment)
    assert proc.stdout == ""
    assert snapshot(tmp_path) == before


def test_compare_does_not_overwrite_files_in_an_existing_out(results, tmp_path):
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "comparison.csv").write_text("my own table\n")
    before = snapshot(tmp_path)
    proc = run("alliance-sim-compare", results["run_a"], results["run_b"], "--out", out)
    assert_one_line_error(proc, "alliance-sim-compare", "already holds comparison.csv")
    assert snapshot(tmp_path) == before


def test_demo_replaces_its_own_figures_but_not_a_users_file_of_that_name(tmp_path):
    """A demo's --out may be a slides folder: its own earlier figure is replaced, a file of the
    user's with the same name stops it, and other files are never touched."""
    out = tmp_path / "slides"
    assert run("alliance-sim-demo", "stag_hunt", "--out", out).returncode == 0
    first = (out / "stag_hunt.png").read_bytes()
    assert b"Software\x00alliance-sim" in first[:4096]
    assert run("alliance-sim-demo", "stag_hunt", "--out", out).returncode == 0  # its own: fine
    (out / "stag_hunt.png").write_text("my own drawing")
    (out / "notes.txt").write_text("keep")
    before = snapshot(tmp_path)
    proc = run("alliance-sim-demo", "stag_hunt", "--out", out)
    assert_one_line_error(proc, "alliance-sim-demo", "was not written by alliance-sim")
    assert snapshot(tmp_path) == before


def test_compare_that_fails_while_writing_leaves_nothing(results, tmp_path, monkeypatch, capsys):
    from sim.cli import compare
    from sim.plots import sweep as sweep_plots

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sweep_plots, "comparison_figure", full_disk)
    out = tmp_path / "new" / "cmp"
    with pytest.raises(SystemExit) as info:
        compare.main([str(results["run_a"]), str(results["run_b"]), "--out", str(out)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        f"alliance-sim-compare: error: cannot write --out {out}: No space left on device; "
        "give a location you can write to\n"
    )
    assert list(tmp_path.iterdir()) == []  # the CSVs already written and both folders: gone


# --------------------------------------------------------------------------------------------
# 3. compare: damaged result folders
# --------------------------------------------------------------------------------------------


def _garbage_summary(results, d: Path) -> Path:
    folder = d / "run_bad"
    shutil.copytree(results["run_b"], folder)
    (folder / "summary.parquet").write_bytes(os.urandom(300))
    return folder


def _truncated_runs(results, d: Path) -> Path:
    folder = d / "sweep_bad"
    shutil.copytree(results["sweep"], folder)
    data = (folder / "runs.parquet").read_bytes()
    (folder / "runs.parquet").write_bytes(data[: len(data) // 2])
    return folder


def _job_without_manifest(results, d: Path) -> Path:
    folder = d / "sweep_bad"
    shutil.copytree(results["sweep"], folder)
    job = sorted(p for p in folder.iterdir() if (p / ".hydra").is_dir())[0]
    (job / "manifest.json").unlink()
    return folder


def _text_outcome(results, d: Path) -> Path:
    folder = d / "run_bad"
    shutil.copytree(results["run_b"], folder)
    table = pd.read_parquet(folder / "summary.parquet")
    table["us_burden_share_end"] = "lots"
    table.to_parquet(folder / "summary.parquet")
    return folder


@pytest.mark.parametrize(
    "damage, fragment",
    [
        (_garbage_summary, "results table cannot be read"),
        (_truncated_runs, "results table cannot be read"),
        (_job_without_manifest, "has no complete manifest.json"),
        (_text_outcome, "column us_burden_share_end of summary.parquet is not numeric"),
    ],
)
def test_compare_refuses_damaged_results(results, tmp_path, damage, fragment):
    bad = damage(results, tmp_path)
    out = tmp_path / "cmp"
    if bad.name.startswith("run"):
        proc = run("alliance-sim-compare", results["run_a"], bad, "--out", out)
    else:
        proc = run("alliance-sim-compare", bad, "--by", "scenario", "--out", out)
    assert_one_line_error(proc, "alliance-sim-compare", bad.name, fragment)
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# 4. page: the host and port are checked before the server starts
# --------------------------------------------------------------------------------------------


def test_page_refuses_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run("alliance-sim-page", "--host", "127.0.0.1", "--port", port, timeout=60)
    assert_one_line_error(proc, "alliance-sim-page", f"--port {port}", "in use")
    assert "serving" not in proc.stdout and proc.stdout == ""


def test_page_refuses_an_unknown_host():
    proc = run("alliance-sim-page", "--host", "no-such-host.invalid", "--port", "0", timeout=60)
    assert_one_line_error(proc, "alliance-sim-page", "--host no-such-host.invalid", "unknown host")
    assert proc.stdout == ""


def test_page_checks_in_process_exit_2(capsys):
    from sim.page import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(SystemExit) as info:
            cli.main(["--port", str(taken.getsockname()[1])])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "in use" in err


def test_page_announces_only_once_the_server_answers(capsys):
    from sim.page import cli

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        thread = cli.announce_when_up("127.0.0.1", port, timeout=30)
        time.sleep(0.6)
        assert "serving" not in capsys.readouterr().out  # bound but not listening: not up
        server.listen()
        thread.join(10)
        assert not thread.is_alive()
    out = capsys.readouterr().out
    assert out == (
        f"alliance-sim-page: serving the classroom page at http://127.0.0.1:{port}/ "
        "(Ctrl+C stops it)\n"
    )


# --------------------------------------------------------------------------------------------
# 5. landscape: Ctrl-C, a killed write's leftover, the minima it prints
# --------------------------------------------------------------------------------------------


def _wait_for_temporary(folder: Path, name: str, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.iterdir() if p.name.startswith(f".{name}.")]
        if found and found[0].stat().st_size > 0:
            return found[0]
        time.sleep(0.05)
    raise AssertionError("the command never started writing its table")


def _start_big_landscape(tmp_path: Path, out: Path) -> subprocess.Popen:
    actors, propensity = write_case(tmp_path, 22)
    return subprocess.Popen(
        [str(BIN / "alliance-sim-landscape"), str(actors), str(propensity), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_landscape_ctrl_c_is_one_line_exit_130_and_leaves_nothing(tmp_path):
    out = tmp_path / "big.csv"
    proc = _start_big_landscape(tmp_path, out)
    try:
        _wait_for_temporary(tmp_path, out.name)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert stderr == "alliance-sim-landscape: interrupted\n"
    assert "Traceback" not in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["actors22.csv", "propensity22.csv"]


def test_landscape_next_run_removes_what_a_killed_run_left(tmp_path):
    out = tmp_path / "big.csv"
    proc = _start_big_landscape(tmp_path, out)
    try:
        leftover = _wait_for_temporary(tmp_path, out.name)
        proc.kill()
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert leftover.exists() and not out.exists()
    small_actors, small_propensity = write_case(tmp_path, 5)
    again = run("alliance-sim-landscape", small_actors, small_propensity, "--out", out)
    assert again.returncode == 0, again.stderr
    assert not leftover.exists()
    assert len(pd.read_csv(out)) == 2**4
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _all_minima(sizes, propensity) -> list[tuple[float, int]]:
    found = []
    for chunk in lt.enumerate_configurations(sizes, propensity):
        for r in np.flatnonzero(chunk.local_minimum):
            found.append((float(chunk.energy[r]), chunk.start + int(r)))
    return sorted(found)


def test_landscape_prints_the_lowest_minima_sorted_and_counts_the_rest(tmp_path, capsys):
    actors, propensity = write_case(tmp_path, 22)
    names, sizes = landscape_cli.read_actors(actors)
    matrix = landscape_cli.read_propensity(propensity, names)
    expected = _all_minima(sizes, matrix)
    assert len(expected) > landscape_cli.SHOW_MINIMA  # the case has more than are printed
    with pytest.raises(SystemExit) as info:
        landscape_cli.main([str(actors), str(propensity)])
    assert info.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line for line in lines if line.startswith("  ") and ". energy " in line]
    assert len(listed) == landscape_cli.SHOW_MINIMA
    shown = [float(line.split("energy ")[1].split(":")[0].split(" ")[0]) for line in listed]
    lowest = [e for e, _ in expected[: landscape_cli.SHOW_MINIMA]]
    assert shown == pytest.approx(lowest, rel=1e-11)
    assert "(global)" in listed[0]
    more = len(expected) - landscape_cli.SHOW_MINIMA
    assert (
        f"  ... and {more:,} more local minima not shown; --out FILE writes them all" in lines[-2]
    )


def _chunk(start: int, energies, minima) -> lt.LandscapeChunk:
    m = len(energies)
    return lt.LandscapeChunk(
        start,
        np.zeros((m, 2), dtype=np.uint8),
        np.asarray(energies, dtype=float),
        np.zeros((m, 2)),
        np.asarray(minima, dtype=bool),
    )


def test_summary_keeps_the_lowest_minima_across_chunks_with_ties_by_index(monkeypatch):
    monkeypatch.setattr(landscape_cli, "SHOW_MINIMA", 3)
    summary = landscape_cli.Summary()
    summary.update(_chunk(0, [5.0, 4.0, 3.0, 9.0], [True, True, True, False]))
    summary.update(_chunk(4, [1.0, 3.0, 8.0, 0.5], [True, True, True, False]))
    summary.update(_chunk(8, [1.0, 7.0], [True, True]))
    assert summary.local_count == 8
    assert summary.local == [(4, 1.0), (8, 1.0), (2, 3.0)]  # tie at 1.0: the lower index first
    assert (summary.global_k, summary.global_energy) == (7, 0.5)
    assert len(summary._heap) == 3  # bounded memory


# --------------------------------------------------------------------------------------------
# 6. CSVs through write_csv: formula-like cells neutralised
# --------------------------------------------------------------------------------------------


def test_compare_csvs_neutralise_formula_like_cells(results, tmp_path):
    first, second = tmp_path / "=HYPERLINK(1)", tmp_path / "+SUM(1)"
    shutil.copytree(results["run_a"], first)
    shutil.copytree(results["run_b"], second)
    out = tmp_path / "cmp"
    proc = run("alliance-sim-compare", first, second, "--no-plot", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    comparison = pd.read_csv(out / "comparison.csv")
    assert set(comparison["arm"]) == {"'=HYPERLINK(1)", "'+SUM(1)"}
    diff = pd.read_csv(out / "config_diff.csv")
    assert list(diff.columns) == ["key", "'=HYPERLINK(1)", "'+SUM(1)"]
    for name in ("comparison.csv", "config_diff.csv"):
        for line in (out / name).read_text().splitlines():
            assert not any(c.startswith(("=", "+", "@")) for c in line.split(",")), line


def test_landscape_neutralises_actor_names_in_its_header(tmp_path):
    names = ["=CMD()", "-A", "@B", "USA", "+1"]
    actors, propensity = write_case(tmp_path, 5, names=names)
    out = tmp_path / "t.csv"
    proc = run("alliance-sim-landscape", actors, propensity, "--out", out)
    assert proc.returncode == 0, proc.stderr
    header = out.read_text().splitlines()[0].replace('"', "").split(",")
    assert header[1:6] == ["'=CMD()", "'-A", "'@B", "USA", "+1"]
    assert "'=CMD()_frustration" in header and "'-A_frustration" in header
    assert "{=CMD(), -A, @B, USA, +1}" in proc.stdout or "=CMD()" in proc.stdout  # printed as is


def test_no_command_writes_csv_but_through_write_csv():
    for path in [
        ROOT / "sim/cli/compare.py",
        ROOT / "sim/cli/landscape.py",
        ROOT / "sim/page/cli.py",
        *sorted((ROOT / "sim/demos").glob("*.py")),
    ]:
        assert ".to_csv(" not in path.read_text(), path


# --------------------------------------------------------------------------------------------
# Found by the fuzz tests: products that overflow
# --------------------------------------------------------------------------------------------


def test_weights_that_overflow_are_a_value_error():
    with pytest.raises(ValueError, match="too large"):
        lt.weights([1e200, 1e200, 1.0], [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    assert lt.weights([1e50, 1e50], [[0, 1], [1, 0]])[0, 1] == pytest.approx(1e100)


@pytest.mark.parametrize("prog", ["alliance-sim-landscape", "alliance-sim-demo"])
@pytest.mark.parametrize(
    "sizes, cell, extra",
    [
        ("1e300", "1", []),  # sizes whose products overflow
        ("1", "1e308", []),  # a propensity that overflows when symmetrised (numpy warned)
        ("1", "1e308", ["--midpoint", "-1e308"]),  # a value minus the midpoint overflows
        ("1", "1", ["--midpoint", "inf"]),
    ],
)
def test_values_that_overflow_are_one_line(prog, sizes, cell, extra, tmp_path):
    (tmp_path / "a.csv").write_text(f"name,size\nA,{sizes}\nB,{sizes}\nC,2\n")
    (tmp_path / "p.csv").write_text(f",A,B,C\nA,,{cell},1\nB,{cell},,1\nC,1,1,\n")
    before = snapshot(tmp_path)
    out = tmp_path / "out"
    if prog == "alliance-sim-demo":
        argv = ["landscape", "--actors", tmp_path / "a.csv", "--propensity", tmp_path / "p.csv"]
    else:
        argv = [tmp_path / "a.csv", tmp_path / "p.csv"]
    proc = run(prog, *argv, *extra, "--out", out)
    assert_one_line_error(proc, prog)  # one line: no RuntimeWarning from numpy either
    assert snapshot(tmp_path) == before and not out.exists()
