"""Tests for ``alliance-sim-landscape`` (sim/cli/landscape.py): the peer case through the
command, one-line errors with nothing written, and the chunked table against the in-memory one.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import landscape as cli
from sim.core import landscape as lt

FIXTURE = Path(__file__).parent / "fixtures" / "landscape_syria_2016"


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def write_actors(path: Path, names, sizes, header=("name", "size")) -> Path:
    lines = [",".join(header)] + [f"{a},{s}" for a, s in zip(names, sizes, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_matrix(path: Path, names, matrix, diagonal_empty: bool = True) -> Path:
    rows = [",".join(["", *names])]
    for i, a in enumerate(names):
        cells = [
            "" if (i == j and diagonal_empty) else repr(float(matrix[i][j]))
            for j in range(len(names))
        ]
        rows.append(",".join([a, *cells]))
    path.write_text("\n".join(rows) + "\n")
    return path


def run(args, capsys) -> tuple[int, str, str]:
    """Run the command in-process; (exit status, stdout, stderr)."""
    try:
        cli.main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def random_case(seed: int, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    names = [f"A{i}" for i in range(n)]
    sizes = rng.uniform(0.5, 20.0, n)
    p = rng.normal(size=(n, n))
    p = np.triu(p, 1) + np.triu(p, 1).T
    return names, sizes, p


@pytest.fixture(scope="module")
def syria_inputs(tmp_path_factory) -> dict:
    """The peer case's inputs, with the actors named by the propensity matrix's labels (the
    published files label the same actors differently: 'Baghdad' is 'Iraq', and so on)."""
    folder = tmp_path_factory.mktemp("syria")
    actors = pd.read_csv(FIXTURE / "actors.csv")
    labels = list(pd.read_csv(FIXTURE / "propensity_1to5.csv", index_col=0, nrows=0).columns)
    path = write_actors(
        folder / "actors.csv", labels, actors["strength"], header=("name", "strength")
    )
    return {"actors": path, "propensity": FIXTURE / "propensity_1to5.csv", "labels": labels}


def published_rows(labels: list[str]) -> list[dict]:
    """The published all_configurations.csv: sides 1/2, energy, frustrations, flag."""
    with (FIXTURE / "all_configurations.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    n = len(labels)
    header = next(r for r in rows if r[:2] == ["", labels[0]])
    assert header[1 : n + 1] == labels and header[2 * n + 2] == "Local Min"
    out = []
    for r in rows:
        if len(r) == len(header) and r[0].strip().isdigit():
            out.append(
                {
                    "sides": [int(v) for v in r[1 : n + 1]],
                    "energy": float(r[n + 1]),
                    "frustration": [float(v) for v in r[n + 2 : 2 * n + 2]],
                    "local_minimum": {"TRUE": True, "FALSE": False}[r[2 * n + 2]],
                }
            )
    return out


# --------------------------------------------------------------------------------------------
# The peer case
# --------------------------------------------------------------------------------------------


def test_peer_case_table_equals_the_published_one_exactly(syria_inputs, tmp_path, capsys):
    out = tmp_path / "landscape.csv"
    code, stdout, err = run(
        [syria_inputs["actors"], syria_inputs["propensity"], "--midpoint", "3", "--out", out],
        capsys,
    )
    assert code == 0, err
    assert err == ""
    labels = syria_inputs["labels"]
    table = pd.read_csv(out).set_index("configuration")
    assert list(table.columns) == [
        *labels,
        "energy",
        *[f"{a}_frustration" for a in labels],
        "local_minimum",
    ]
    assert table.index.tolist() == list(range(1024))
    published = published_rows(labels)
    assert len(published) == 1024
    seen = set()
    for row in published:
        k = lt.configuration_index(row["sides"])
        seen.add(k)
        ours = table.loc[k]
        # published: the US (actor 1) always on side 1 of 1/2; ours: on side 0 of 0/1
        assert ours[labels].tolist() == [s - 1 for s in row["sides"]], k
        assert ours["energy"] == row["energy"], k
        assert ours[[f"{a}_frustration" for a in labels]].tolist() == row["frustration"], k
        assert bool(ours["local_minimum"]) is row["local_minimum"], k
    assert seen == set(range(1024))
    # the printed minima: the published global minimum, the only local one
    assert "Global minimum: energy -83200" in stdout
    grouping = "{US, Rus, Syr, S.A., Iran, Hez, IqKrd, Iraq} vs {Tur, ISIS, Nursa}"
    assert grouping in stdout
    assert "Local minima: 1\n" in stdout
    assert "1. energy -83200 (global)" in stdout


def test_console_script_runs_in_a_fresh_process(syria_inputs, tmp_path):
    out = tmp_path / "t.csv"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli.landscape",
            str(syria_inputs["actors"]),
            str(syria_inputs["propensity"]),
            "--midpoint=3",
            f"--out={out}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Global minimum: energy -83200" in result.stdout
    assert len(pd.read_csv(out)) == 1024
    bad = subprocess.run(
        [sys.executable, "-m", "sim.cli.landscape", "nope.csv", "nope.csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("alliance-sim-landscape: error: actors file not found")


def test_without_out_prints_minima_and_writes_nothing(syria_inputs, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run(
        [syria_inputs["actors"], syria_inputs["propensity"], "--midpoint", "3"], capsys
    )
    assert code == 0
    assert "energy -83200" in stdout and "Table:" not in stdout
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------------
# Chunked output against the in-memory table
# --------------------------------------------------------------------------------------------


def engine_rows(sizes, p, chunk_rows) -> pd.DataFrame:
    """The engine's own chunks, concatenated, in the table's layout."""
    chunks = list(lt.enumerate_configurations(sizes, p, chunk_size=chunk_rows))
    return pd.DataFrame(
        {
            "energy": np.concatenate([c.energy for c in chunks]),
            "local_minimum": np.concatenate([c.local_minimum for c in chunks]),
        }
    )


@pytest.mark.parametrize("chunk_rows", [1, 37, 512, 1 << 15])
def test_chunked_table_equals_in_memory_table(tmp_path, chunk_rows):
    """Random real-valued 10-actor case. The file holds exactly the engine's numbers for the
    same chunking (floats are written in shortest round-trip form); against the one-block
    in-memory table, sides and flags are identical and energies and frustrations agree to
    1e-12 (BLAS may round the last bit differently for blocks of other shapes)."""
    names, sizes, p = random_case(2024, 10)
    out = tmp_path / "t.csv"
    summary = cli.write_table(out, names, sizes, p, chunk_rows=chunk_rows)
    written = pd.read_csv(out, index_col="configuration")
    same_blocks = engine_rows(sizes, p, chunk_rows)
    np.testing.assert_array_equal(written["energy"].to_numpy(), same_blocks["energy"].to_numpy())
    expected = lt.landscape_table(sizes, p, names)
    exact = chunk_rows == 1 << 15
    pd.testing.assert_frame_equal(
        written, expected, check_dtype=False, check_exact=exact, rtol=1e-12, atol=1e-9
    )
    assert written["local_minimum"].tolist() == expected["local_minimum"].tolist()
    assert written[names].to_numpy().tolist() == expected[names].to_numpy().tolist()
    found = lt.minima(sizes, p)
    assert summary.rows == 512
    assert summary.global_energy == pytest.approx(found.global_energy, rel=1e-12)
    assert summary.global_k == lt.configuration_index(found.global_sides)
    assert summary.local_count == len(found.local_minima)
    assert [k for k, _ in summary.local] == [lt.configuration_index(s) for s in found.local_minima]


@pytest.mark.parametrize("chunk_rows", [1, 37, 512])
def test_chunked_table_is_exact_for_integer_inputs(tmp_path, chunk_rows):
    rng = np.random.default_rng(11)
    names = [f"A{i}" for i in range(10)]
    sizes = rng.integers(0, 30, 10).astype(float)
    p = rng.integers(-4, 5, (10, 10)).astype(float)
    p = np.triu(p, 1) + np.triu(p, 1).T
    out = tmp_path / "t.csv"
    cli.write_table(out, names, sizes, p, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(
        pd.read_csv(out, index_col="configuration"),
        lt.landscape_table(sizes, p, names),
        check_dtype=False,
        check_exact=True,
    )


def test_command_table_equals_in_memory_table(tmp_path, capsys):
    names, sizes, p = random_case(7, 10)
    actors = write_actors(tmp_path / "a.csv", names, [repr(float(s)) for s in sizes])
    matrix = write_matrix(tmp_path / "p.csv", names, p + 3.0)
    out = tmp_path / "sub" / "t.csv"  # the folder is created
    code, stdout, err = run([actors, matrix, "--midpoint", "3", "--out", out], capsys)
    assert code == 0, err
    written = pd.read_csv(out, index_col="configuration")
    expected = lt.landscape_table(sizes, (p + 3.0) - 3.0, names)
    pd.testing.assert_frame_equal(written, expected, check_dtype=False, check_exact=True)
    assert f"Local minima: {int(expected['local_minimum'].sum())}" in stdout


def test_matrix_in_another_order_than_the_actors(tmp_path, capsys):
    names, sizes, p = random_case(3, 6)
    order = [4, 2, 0, 5, 1, 3]
    actors = write_actors(tmp_path / "a.csv", names, sizes)
    shuffled = write_matrix(tmp_path / "p.csv", [names[i] for i in order], p[np.ix_(order, order)])
    out = tmp_path / "t.csv"
    assert run([actors, shuffled, "--out", out], capsys)[0] == 0
    expected = lt.landscape_table(sizes, p, names)
    pd.testing.assert_frame_equal(
        pd.read_csv(out, index_col="configuration"), expected, check_dtype=False, check_exact=True
    )


def test_many_tied_minima_are_counted_and_the_listing_is_capped(tmp_path, capsys):
    names = [f"A{i}" for i in range(8)]
    actors = write_actors(tmp_path / "a.csv", names, [1] * 8)
    matrix = write_matrix(tmp_path / "p.csv", names, np.zeros((8, 8)))
    code, stdout, _ = run([actors, matrix], capsys)
    assert code == 0
    assert "Local minima: 128" in stdout  # all ties: every configuration is a local minimum
    assert f"{cli.SHOW_MINIMA}. energy 0" in stdout
    assert f"{cli.SHOW_MINIMA + 1}. energy" not in stdout
    assert f"... and {128 - cli.SHOW_MINIMA} more" in stdout


def test_memory_is_bounded_by_the_chunk_not_the_table(tmp_path):
    """17 actors: 65,536 rows x 37 columns (about 19 MB as float64) written with 2,048-row
    chunks; the Python-side peak must stay far below the whole table."""
    names, sizes, p = random_case(1, 17)
    tracemalloc.start()
    try:
        cli.write_table(tmp_path / "t.csv", names, sizes, p, chunk_rows=2048)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4e6, peak
    with (tmp_path / "t.csv").open() as handle:
        assert sum(1 for _ in handle) == 1 + 2**16


# --------------------------------------------------------------------------------------------
# Bad input: one line, exit 2, nothing written
# --------------------------------------------------------------------------------------------

NAMES = ["A", "B", "C"]
GOOD_P = np.array([[0, 1, -1], [1, 0, 2], [-1, 2, 0]], dtype=float)


def _case(tmp_path: Path, kind: str) -> tuple[list, str]:
    a = write_actors(tmp_path / "a.csv", NAMES, [1, 2, 3])
    p = write_matrix(tmp_path / "p.csv", NAMES, GOOD_P)
    if kind == "missing actors":
        return [tmp_path / "none.csv", p], "actors file not found"
    if kind == "missing propensity":
        return [a, tmp_path / "none.csv"], "propensity file not found"
    if kind == "non-square":
        p.write_text(",A,B,C\nA,,1,-1\nB,1,,2\n")
        return [a, p], "not a square matrix"
    if kind == "asymmetric":
        bad = GOOD_P.copy()
        bad[0, 1] = 5
        write_matrix(p, NAMES, bad)
        return [a, p], "not symmetric"
    if kind == "labels mismatch":
        write_matrix(p, ["A", "B", "X"], GOOD_P)
        return [a, p], "not actors"
    if kind == "label missing":
        write_actors(a, [*NAMES, "D"], [1, 2, 3, 4])
        return [a, p], "no row/column for ['D']"
    if kind == "non-numeric propensity":
        p.write_text(",A,B,C\nA,,1,x\nB,1,,2\nC,x,2,\n")
        return [a, p], "non-numeric value at (A, C)"
    if kind == "infinite propensity":
        p.write_text(",A,B,C\nA,,1,inf\nB,1,,2\nC,inf,2,\n")
        return [a, p], "infinite"
    if kind == "negative size":
        write_actors(a, NAMES, [1, -2, 3])
        return [a, p], "negative for ['B']"
    if kind == "non-numeric size":
        write_actors(a, NAMES, [1, "big", 3])
        return [a, p], "not a finite number for ['B']"
    if kind == "no size column":
        a.write_text("name,weight\nA,1\nB,2\nC,3\n")
        return [a, p], "needs a name column"
    if kind == "repeated name":
        write_actors(a, ["A", "B", "A"], [1, 2, 3])
        return [a, p], "repeated"
    if kind == "one actor":
        write_actors(a, ["A"], [1])
        return [a, p], "at least two actors"
    if kind == "empty actors":
        a.write_text("")
        return [a, p], "not a readable CSV"
    if kind == "too many actors":
        names = [f"A{i}" for i in range(25)]
        write_actors(a, names, [1] * 25)
        return [a, p], "25 actors give 16,777,216 configurations; the limit is 24"
    if kind == "limit below n":
        return [a, p, "--max-actors", "2"], "the limit is 2 actors"
    if kind == "bad midpoint":
        return [a, p, "--midpoint", "three"], "--midpoint"
    if kind == "nan midpoint":
        return [a, p, "--midpoint", "nan"], "--midpoint must be a finite number"
    if kind == "out is a folder":
        (tmp_path / "folder").mkdir()
        return [a, p, "--out", tmp_path / "folder"], "is a folder"
    raise AssertionError(kind)


BAD_KINDS = [
    "missing actors",
    "missing propensity",
    "non-square",
    "asymmetric",
    "labels mismatch",
    "label missing",
    "non-numeric propensity",
    "infinite propensity",
    "negative size",
    "non-numeric size",
    "no size column",
    "repeated name",
    "one actor",
    "empty actors",
    "too many actors",
    "limit below n",
    "bad midpoint",
    "nan midpoint",
    "out is a folder",
]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys, kind):
    args, message = _case(tmp_path, kind)
    out = tmp_path / "out" / "t.csv"
    if "--out" not in args:
        args = [*args, "--out", out]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, stdout, err = run(args, capsys)
    assert code == 2
    assert stdout == ""
    assert err.startswith("alliance-sim-landscape: error: "), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert message in err, err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no partial or temp file


def test_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    names, sizes, p = random_case(5, 8)
    out = tmp_path / "t.csv"
    out.write_text("an earlier table\n")
    real = lt.enumerate_configurations

    def broken(*args, **kwargs):
        for number, chunk in enumerate(real(*args, **kwargs)):
            if number == 2:
                raise OSError(28, "No space left on device")
            yield chunk

    monkeypatch.setattr(lt, "enumerate_configurations", broken)
    with pytest.raises(OSError):
        cli.write_table(out, names, sizes, p, chunk_rows=16)
    assert out.read_text() == "an earlier table\n"  # the old file is untouched
    assert [f.name for f in tmp_path.iterdir()] == ["t.csv"]  # no temp file left


def test_write_failure_is_one_line(tmp_path, capsys, monkeypatch):
    names, sizes, p = random_case(5, 4)
    actors = write_actors(tmp_path / "a.csv", names, sizes)
    matrix = write_matrix(tmp_path / "p.csv", names, p)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "write_table", refuse)
    code, _, err = run([actors, matrix, "--out", tmp_path / "t.csv"], capsys)
    assert code == 2
    assert err.startswith(
        f"alliance-sim-landscape: error: cannot write --out {tmp_path / 't.csv'}: Permission denied"
    )
    assert err.count("\n") == 1
