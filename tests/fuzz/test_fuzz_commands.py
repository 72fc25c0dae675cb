"""Fuzzing the user-error contract of alliance-sim-compare, -demo, -page and -landscape.

Hypothesis builds inputs that are certainly wrong (each case carries at least one fault that
nothing else in it can repair) around parts that are fine: junk argument lists (unknown flags,
missing values, wrong types, out-of-range numbers), malformed landscape CSVs (non-numeric, NaN
or infinite values, negative sizes, repeated or missing names, non-square or mislabelled or
asymmetric matrices, empty files, binary junk, values whose products overflow), damaged result
folders, and output paths that cannot or must not be written (special file systems, a parent
that is a file, an existing user file). Every case runs the installed console script in a
fresh folder of user files and must give:

- exit status 2,
- exactly one line on stderr, starting with ``<prog>: error:``,
- no ``Traceback`` anywhere,
- the folder of user files unchanged (path -> size and sha256; no new file or folder).

The page is never started: every page case has a fault that stops it before solara, and only
loopback addresses are used. Run with ``-s`` to see how many cases each command got.
"""

from __future__ import annotations

import collections
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.fuzz

from fuzz.contract import BIN, COUNTS, result_folders, snapshot  # noqa: E402

CASES: collections.Counter[str] = collections.Counter()
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SIZES = {"landscape_csv": 45, "landscape_argv": 25, "compare": 35, "demo": 30, "page": 30}


# --------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------


def check_contract(prog: str, argv: list, folder: Path) -> None:
    """Run ``prog argv`` in ``folder`` and check the user-error contract."""
    CASES[prog] += 1
    before = snapshot(folder)
    proc = subprocess.run(
        [str(BIN / prog), *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    shown = (argv, proc.returncode, proc.stdout[-1500:], proc.stderr[-1500:])
    after = snapshot(folder)
    kept = (
        proc.returncode == 2
        and "Traceback" not in proc.stdout + proc.stderr
        and proc.stderr.startswith(f"{prog}: error: ")
        and proc.stderr.count("\n") == 1
        and after == before
    )
    COUNTS.add(prog, kept)
    assert "Traceback" not in proc.stdout + proc.stderr, shown
    assert proc.returncode == 2, shown
    assert proc.stderr.startswith(f"{prog}: error: "), shown
    assert proc.stderr.endswith("\n") and proc.stderr.count("\n") == 1, shown
    assert after == before, shown


@pytest.fixture(scope="module", autouse=True)
def report_cases():
    yield
    print(f"\nfuzz cases per command: {dict(sorted(CASES.items()))}, total {sum(CASES.values())}")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def new_folder(base: Path) -> Path:
    """A fresh folder for one case, holding a user's own file."""
    folder = Path(tempfile.mkdtemp(dir=base))
    (folder / "notes.txt").write_text("the user's own notes\n")
    return folder


# --------------------------------------------------------------------------------------------
# Strategies shared by the commands
# --------------------------------------------------------------------------------------------

WORD = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N"], include_characters="_."),
    min_size=1,
    max_size=10,
)
UNKNOWN_FLAG = WORD.map(lambda w: f"--zz-{w}")


def _parses(text: str, kind: type) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True


# Values argparse refuses (int("1_0") and float("nan") parse: they are filtered out).
NOT_AN_INT = st.sampled_from(["x", "1.5", "", "one", "0x10", "1e3", "--"]) | WORD.filter(
    lambda w: not _parses(w, int)
)
NOT_A_FLOAT = st.sampled_from(["x", "", "one", "1,5", "--", "3..1"]) | WORD.filter(
    lambda w: not _parses(w, float)
)

#  How an output path is bad: (kind, leaf name); see out_path.
BAD_OUT = st.tuples(st.sampled_from(["proc", "proc_deep", "sys", "parent_file", "user_file"]), WORD)


def out_path(kind: str, leaf: str, folder: Path) -> str:
    """A path the command must refuse to write: on a special file system, below a file, or a
    user's existing file."""
    return {
        "proc": f"/proc/{leaf}",
        "proc_deep": f"/proc/self/{leaf}/out",
        "sys": f"/sys/{leaf}",
        "parent_file": str(folder / "notes.txt" / leaf),
        "user_file": str(folder / "notes.txt"),
    }[kind]


@st.composite
def landscape_case(draw):
    """A valid landscape case: names, sizes (>= 0.5) and a symmetric propensity matrix."""
    n = draw(st.integers(2, 5))
    names = draw(
        st.lists(
            st.text(
                alphabet=st.characters(
                    codec="ascii", categories=["L", "N"], include_characters="_=+@-"
                ),
                min_size=1,
                max_size=6,
            ).filter(lambda s: s.upper() not in ("NA", "NAN", "NULL", "NONE", "N/A")),
            min_size=n,
            max_size=n,
            unique_by=str.lower,
        )
    )
    sizes = draw(st.lists(st.floats(0.5, 100), min_size=n, max_size=n))
    values = draw(st.lists(st.floats(-5, 5), min_size=n * n, max_size=n * n))
    matrix = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            matrix[i][j] = matrix[j][i] = values[i * n + j]
    return names, sizes, matrix


def actors_text(names, sizes) -> list[list[str]]:
    return [["name", "size"], *([a, repr(float(s))] for a, s in zip(names, sizes, strict=True))]


def matrix_text(names, matrix) -> list[list[str]]:
    rows = [["", *names]]
    for i, a in enumerate(names):
        rows.append([a, *("" if i == j else repr(matrix[i][j]) for j in range(len(names)))])
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in rows) + "\n").encode()


ACTOR_FAULTS = [
    "size_text",
    "size_nan",
    "size_inf",
    "size_negative",
    "size_empty",
    "duplicate_name",
    "empty_name",
    "no_size_column",
    "one_actor",
    "huge",
    "empty_file",
    "binary",
    "missing_file",
    "folder",
]
MATRIX_FAULTS = [
    "cell_text",
    "cell_nan",
    "cell_inf",
    "cell_empty",
    "drop_row",
    "drop_column",
    "row_label",
    "column_label",
    "asymmetric",
    "duplicate_label",
    "huge",
    "empty_file",
    "binary",
    "missing_file",
]
BAD_SIZE = {
    "size_text": st.sampled_from(["abc", "1,0", "ten", "1.2.3", "--1"]),
    "size_nan": st.sampled_from(["nan", "NaN", "NAN"]),
    "size_inf": st.sampled_from(["inf", "-inf", "Infinity", "1e999"]),
    "size_negative": st.floats(-1e6, -1e-3).map(repr),
    "size_empty": st.just(""),
}
BAD_CELL = {
    "cell_text": st.sampled_from(["high", "x", "1;2", "--"]),
    "cell_nan": st.sampled_from(["nan", "NaN"]),
    "cell_inf": st.sampled_from(["inf", "-inf", "1e999"]),
    "cell_empty": st.just(""),
}
JUNK = st.binary(min_size=1, max_size=200).map(lambda b: b"\xff\xfe\x00" + b)


@st.composite
def malformed_inputs(draw, folder: Path):
    """Write an actors and a propensity file with exactly one fault; return their paths and a
    word for the fault."""
    names, sizes, matrix = draw(landscape_case())
    n = len(names)
    actors = actors_text(names, sizes)
    rows = matrix_text(names, matrix)
    actors_bytes: bytes | None = None
    matrix_bytes: bytes | None = None
    side = draw(st.sampled_from(["actors", "propensity"]))
    i = draw(st.integers(0, n - 1))
    j = draw(st.integers(0, n - 1).filter(lambda j: j != i))
    if side == "actors":
        fault = draw(st.sampled_from(ACTOR_FAULTS))
        if fault in BAD_SIZE:
            actors[1 + i][1] = draw(BAD_SIZE[fault])
        elif fault == "duplicate_name":
            actors[1 + j][0] = actors[1 + i][0]
        elif fault == "empty_name":
            actors[1 + i][0] = ""
        elif fault == "no_size_column":
            actors[0][1] = draw(st.sampled_from(["weight", "power", "sizes"]))
        elif fault == "one_actor":
            actors = actors[:2]
            rows = [rows[0][:2], rows[1][:2]]
        elif fault == "huge":
            actors[1 + i][1] = actors[1 + j][1] = "1e200"
            rows[1 + i][1 + j] = rows[1 + j][1 + i] = "1.0"
        elif fault == "empty_file":
            actors_bytes = b""
        elif fault == "binary":
            actors_bytes = draw(JUNK)
    else:
        fault = draw(st.sampled_from(MATRIX_FAULTS))
        if fault in BAD_CELL:
            rows[1 + i][1 + j] = draw(BAD_CELL[fault])
        elif fault == "drop_row":
            rows.pop(1 + i)
        elif fault == "drop_column":
            rows = [r[: 1 + i] + r[2 + i :] for r in rows]
        elif fault == "row_label":
            rows[1 + i][0] = "zz_" + names[i]
        elif fault == "column_label":
            rows[0][1 + i] = "zz_" + names[i]
        elif fault == "asymmetric":
            rows[1 + i][1 + j] = repr(matrix[i][j] + draw(st.floats(1, 100)))
        elif fault == "duplicate_label":
            rows[1 + i][0] = names[j]
            rows[0][1 + i] = names[j]
        elif fault == "huge":
            rows[1 + i][1 + j] = rows[1 + j][1 + i] = "1e308"
        elif fault == "empty_file":
            matrix_bytes = b""
        elif fault == "binary":
            matrix_bytes = draw(JUNK)
    actors_path, matrix_path = folder / "actors.csv", folder / "propensity.csv"
    actors_path.write_bytes(to_csv(actors) if actors_bytes is None else actors_bytes)
    matrix_path.write_bytes(to_csv(rows) if matrix_bytes is None else matrix_bytes)
    if fault == "missing_file":
        (actors_path if side == "actors" else matrix_path).unlink()
    if fault == "folder":
        actors_path.unlink()
        actors_path.mkdir()
    return actors_path, matrix_path, f"{side}:{fault}"


def valid_inputs(folder: Path, case) -> tuple[Path, Path]:
    names, sizes, matrix = case
    actors_path, matrix_path = folder / "actors.csv", folder / "propensity.csv"
    actors_path.write_bytes(to_csv(actors_text(names, sizes)))
    matrix_path.write_bytes(to_csv(matrix_text(names, matrix)))
    return actors_path, matrix_path


# --------------------------------------------------------------------------------------------
# alliance-sim-landscape
# --------------------------------------------------------------------------------------------


@settings(FUZZ, max_examples=SIZES["landscape_csv"])
@given(data=st.data(), out=st.sampled_from([None, "new"]), midpoint=st.sampled_from([None, "3"]))
def test_landscape_refuses_malformed_csvs(base, data, out, midpoint):
    folder = new_folder(base)
    actors, propensity, _ = data.draw(malformed_inputs(folder), label="inputs")
    argv = [actors, propensity]
    if midpoint is not None:
        argv += ["--midpoint", midpoint]
    if out == "new":
        argv += ["--out", folder / "landscape.csv"]  # would be written, were the input good
    check_contract("alliance-sim-landscape", argv, folder)
    shutil.rmtree(folder)


LANDSCAPE_ARGV_FAULTS = st.one_of(
    UNKNOWN_FLAG.map(lambda f: [f]),
    st.sampled_from([["--out"], ["--midpoint"], ["--max-actors"]]),
    NOT_A_FLOAT.map(lambda v: [f"--midpoint={v}"]),
    st.sampled_from(["nan", "inf", "-inf", "1e999"]).map(lambda v: ["--midpoint", v]),
    NOT_AN_INT.map(lambda v: [f"--max-actors={v}"]),
    st.sampled_from(["0", "1", "41", "1000", "-2"]).map(lambda v: ["--max-actors", v]),
    WORD.map(lambda w: [f"extra_{w}"]),
)


@settings(FUZZ, max_examples=SIZES["landscape_argv"])
@given(
    case=landscape_case(),
    fault=st.one_of(
        LANDSCAPE_ARGV_FAULTS.map(lambda a: ("argv", a)),
        BAD_OUT.map(lambda o: ("out", o)),
        st.just(("too_many", None)),
        st.just(("one_positional", None)),
    ),
    noise=st.lists(st.sampled_from([["--midpoint", "0.5"], ["--max-actors", "24"]]), max_size=2),
)
def test_landscape_refuses_bad_arguments_and_outputs(base, case, fault, noise):
    folder = new_folder(base)
    actors, propensity = valid_inputs(folder, case)
    argv: list = [actors, propensity, *(t for part in noise for t in part)]
    kind, detail = fault
    if kind == "argv":
        argv += detail
    elif kind == "out":
        argv += ["--out", out_path(*detail, folder)]
    elif kind == "too_many":
        argv += ["--max-actors", "2", "--out", folder / "t.csv"]
        if len(case[0]) == 2:  # two actors are within any limit: make it three
            names, sizes, matrix = case
            grown = (
                [*names, "zz_extra"],
                [*sizes, 1.0],
                [[*r, 0.5] for r in matrix] + [[0.5] * len(names) + [0.0]],
            )
            valid_inputs(folder, grown)
    else:
        argv = [actors]
    check_contract("alliance-sim-landscape", argv, folder)
    shutil.rmtree(folder)


# --------------------------------------------------------------------------------------------
# alliance-sim-compare
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """Two finished run folders and a finished sweep, to copy into each case's folder."""
    folder = tmp_path_factory.mktemp("results")
    result_folders(folder)
    return folder


COMPARE_ARGV_FAULTS = st.one_of(
    UNKNOWN_FLAG.map(lambda f: [f]),
    st.sampled_from([["--replicates"], ["--seed"], ["--by"], ["--out"], ["--run"]]),
    NOT_AN_INT.map(lambda v: [f"--replicates={v}"]),
    NOT_AN_INT.map(lambda v: [f"--seed={v}"]),
    st.sampled_from(["0", "-1", "-30"]).map(lambda v: ["--replicates", v]),
    st.sampled_from(["-1", "-99"]).map(lambda v: [f"--seed={v}"]),
    st.sampled_from([["--by", "scenario"], ["--by", "no.such.key"]]),  # on run folders
    WORD.map(lambda w: [f"no_such_folder_{w}"]),
    st.sampled_from([["notes.txt"], ["."], ["--run", "hydra.job.name=x"], ["--run", "seed=3"]]),
)
RESULT_DAMAGE = st.sampled_from(
    [
        "summary_garbage",
        "summary_truncated",
        "summary_empty",
        "manifest_garbage",
        "manifest_missing",
        "config_missing",
        "config_garbage",
        "runs_truncated",
        "runs_garbage",
        "job_manifest_missing",
        "sweep_json_garbage",
        "only_one_arm",
    ]
)


def damage(kind: str, folder: Path, cut: float, junk: bytes) -> list[str]:
    """Damage the copies in ``folder``; return the arms to pass to compare."""
    run_b, sweep = folder / "run_b", folder / "sweep"
    if kind.startswith("summary"):
        path = run_b / "summary.parquet"
        data = path.read_bytes()
        path.write_bytes(
            {"garbage": junk, "truncated": data[: int(len(data) * cut)], "empty": b""}[
                kind.split("_")[1]
            ]
        )
    elif kind == "manifest_garbage":
        (run_b / "manifest.json").write_bytes(junk)
    elif kind == "manifest_missing":
        (run_b / "manifest.json").unlink()
    elif kind == "config_missing":
        (run_b / "config.yaml").unlink()
    elif kind == "config_garbage":
        (run_b / "config.yaml").write_bytes(b"{[: " + junk)
    elif kind.startswith("runs"):
        path = sweep / "runs.parquet"
        data = path.read_bytes()
        path.write_bytes(junk if kind == "runs_garbage" else data[: int(len(data) * cut)])
        return ["sweep", "--by", "scenario"]
    elif kind == "job_manifest_missing":
        jobs = sorted(p for p in sweep.iterdir() if (p / ".hydra").is_dir())
        (jobs[int(cut * len(jobs)) % len(jobs)] / "manifest.json").unlink()
        return ["sweep", "--by", "scenario"]
    elif kind == "sweep_json_garbage":
        (sweep / "sweep.json").write_bytes(junk)
        return ["sweep", "--by", "scenario"]
    elif kind == "only_one_arm":
        return ["run_a"]
    return ["run_a", "run_b"]


@settings(FUZZ, max_examples=SIZES["compare"])
@given(
    fault=st.one_of(
        COMPARE_ARGV_FAULTS.map(lambda a: ("argv", a)),
        BAD_OUT.map(lambda o: ("out", o)),
        st.sampled_from(["comparison.csv", "config_diff.csv", "manifest.json"]).map(
            lambda f: ("taken", f)
        ),
        RESULT_DAMAGE.map(lambda d: ("damage", d)),
    ),
    cut=st.floats(0.0, 0.95),
    junk=JUNK,
    noise=st.lists(st.sampled_from([["--no-plot"], ["--seed", "4"]]), max_size=2),
)
def test_compare_refuses_bad_arguments_folders_and_outputs(base, results, fault, cut, junk, noise):
    folder = new_folder(base)
    for name in ("run_a", "run_b", "sweep"):
        shutil.copytree(results / name, folder / name)
    kind, detail = fault
    arms = ["run_a", "run_b"]
    tail: list = ["--out", folder / "cmp"]
    if kind == "argv":
        tail += detail
    elif kind == "out":
        tail = ["--out", out_path(*detail, folder)]
    elif kind == "taken":
        (folder / "cmp").mkdir()
        (folder / "cmp" / detail).write_text("the user's own file\n")
    else:
        arms = damage(detail, folder, cut, junk)
    check_contract("alliance-sim-compare", [*arms, *(t for p in noise for t in p), *tail], folder)
    shutil.rmtree(folder)


# --------------------------------------------------------------------------------------------
# alliance-sim-demo
# --------------------------------------------------------------------------------------------

QUICK_DEMOS = ["security_dilemma", "stag_hunt", "richardson", "burden_sharing", "landscape"]
DEMO_ARGV_FAULTS = st.one_of(
    UNKNOWN_FLAG.map(lambda f: ["stag_hunt", f]),
    WORD.map(lambda w: [f"no_such_demo_{w}"]),
    st.sampled_from(QUICK_DEMOS).map(lambda d: [d, "--out"]),
    NOT_AN_INT.map(lambda v: ["asian_nato", f"--seeds={v}"]),
    st.sampled_from(["0", "-1", "100000"]).map(lambda v: ["asian_nato", "--seeds", v]),
    st.sampled_from(["stag_hunt", "richardson", "landscape"]).map(lambda d: [d, "--seeds", "3"]),
    st.sampled_from(QUICK_DEMOS[:4]).map(lambda d: [d, "--midpoint", "3"]),
    st.just(["landscape", "--actors", "actors.csv"]),
    st.just(["landscape", "--midpoint", "3"]),
    NOT_A_FLOAT.map(lambda v: ["landscape", f"--midpoint={v}"]),
    WORD.map(lambda w: ["landscape", "--start", f"zz_{w}"]),
    st.just(["stag_hunt", "extra"]),
)


@settings(FUZZ, max_examples=SIZES["demo"])
@given(
    fault=st.one_of(
        DEMO_ARGV_FAULTS.map(lambda a: ("argv", a)),
        st.tuples(st.sampled_from(QUICK_DEMOS), BAD_OUT).map(lambda t: ("out", t)),
        st.just(("csv", None)),
    ),
    data=st.data(),
)
def test_demo_refuses_bad_arguments_inputs_and_outputs(base, fault, data):
    folder = new_folder(base)
    kind, detail = fault
    if kind == "argv":
        argv = [*detail, "--out", folder / "figures"] if "--out" not in detail else detail
        if "--start" in detail:
            actors, propensity = valid_inputs(folder, data.draw(landscape_case()))
            argv += ["--actors", actors, "--propensity", propensity]
    elif kind == "out":
        demo, bad = detail
        argv = [demo, "--out", out_path(*bad, folder)]
    else:
        actors, propensity, _ = data.draw(malformed_inputs(folder), label="inputs")
        argv = ["landscape", "--actors", actors, "--propensity", propensity]
        argv += ["--out", folder / "figures"]
    check_contract("alliance-sim-demo", argv, folder)
    shutil.rmtree(folder)


# --------------------------------------------------------------------------------------------
# alliance-sim-page (never started: every case has a fault caught before solara)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def taken_port():
    """A loopback port in use for the whole module."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@settings(FUZZ, max_examples=SIZES["page"])
@given(
    fault=st.one_of(
        UNKNOWN_FLAG.map(lambda f: [f]),
        st.sampled_from([["--port"], ["--host"]]),
        NOT_AN_INT.map(lambda v: [f"--port={v}"]),
        st.integers(65536, 10**12).map(lambda v: ["--port", str(v)]),
        st.integers(-(10**6), -1).map(lambda v: [f"--port={v}"]),
        WORD.map(lambda w: ["--host", f"no-such-host-{w}.invalid"]),
        st.just(["TAKEN"]),
        WORD.map(lambda w: [f"extra_{w}"]),
    ),
    noise=st.lists(
        st.sampled_from([["--host", "127.0.0.1"], ["--host", "localhost"], ["--port", "0"]]),
        max_size=2,
    ),
)
def test_page_refuses_bad_arguments_hosts_and_ports(base, taken_port, fault, noise):
    folder = new_folder(base)
    if fault == ["TAKEN"]:
        fault = ["--host", "127.0.0.1", "--port", str(taken_port)]
    check_contract("alliance-sim-page", [*(t for p in noise for t in p), *fault], folder)
    shutil.rmtree(folder)


def test_the_fuzz_budget_is_at_least_120_cases():
    assert sum(SIZES.values()) >= 120
