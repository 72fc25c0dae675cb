"""``alliance-sim-landscape``: the energy landscape of two-sided alignments (Axelrod & Bennett).

    alliance-sim-landscape actors.csv propensity.csv
    alliance-sim-landscape actors.csv propensity_1to5.csv --midpoint 3 --out landscape.csv

Reads the actors (a CSV with a name column, ``name`` or ``actor``, and a size column, ``size``
or ``strength``; other columns are ignored) and a labelled square matrix of pairwise
propensities (first column and header: the actors' names, in any order; empty diagonal
allowed). ``--midpoint X`` subtracts X from every propensity, for survey scales such as 1-5
whose midpoint 3 means "neutral". Prints the global minimum and every local minimum (sides
listed by actor name, with their energies); with ``--out FILE``, writes the whole landscape as
CSV: one row per two-sided configuration (mirror images once, actor 1 always on side 0), with
its index ``configuration``, each actor's side (0/1), ``energy``, each actor's size-weighted
frustration ``<name>_frustration`` and ``local_minimum``. The table is computed and written in
chunks, so memory stays bounded whatever the number of actors (24 actors: 8.4 million rows);
the file appears only once complete.

Conventions are those of ``sim.core.landscape`` (energy over ordered pairs; ties count as
local minima). Bad input gets one line on stderr and exit status 2; nothing is written.
"""

from __future__ import annotations

import heapq
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.cli.args import OneLineParser, check_writable, run_main, writing
from sim.core import landscape as lt
from sim.errors import UserError

PROG = "alliance-sim-landscape"
DEFAULT_MAX_ACTORS = 24
HARD_MAX_ACTORS = 40
NAME_COLUMNS = ("name", "actor")
SIZE_COLUMNS = ("size", "strength")
CHUNK_ROWS = 1 << 15  # as landscape_table and minima: the same BLAS blocks, the same bits
SHOW_MINIMA = 20  # local minima printed: the lowest in energy


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def read_actors(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Names and sizes from an actors CSV.

    Raises:
        UserError: missing or unreadable file, no name or size column, a missing or repeated
            name, a missing, non-numeric, infinite or negative size, fewer than two actors.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"actors file not found: {path}")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(
            f"actors file {path} is not a readable CSV: {exc}".splitlines()[0]
        ) from None
    columns = {str(c).strip().lower(): c for c in table.columns}
    name_col = next((columns[c] for c in NAME_COLUMNS if c in columns), None)
    size_col = next((columns[c] for c in SIZE_COLUMNS if c in columns), None)
    if name_col is None or size_col is None:
        raise UserError(
            f"actors file {path} needs a name column ({' or '.join(NAME_COLUMNS)}) and a size "
            f"column ({' or '.join(SIZE_COLUMNS)}); it has {', '.join(map(str, table.columns))}"
        )
    names = [str(v).strip() for v in table[name_col]]
    if any(not v for v in names):
        raise UserError(f"actors file {path}: a name is missing (row {names.index('') + 2})")
    repeated = sorted({v for v in names if names.count(v) > 1})
    if repeated:
        raise UserError(f"actors file {path}: names must be unique (repeated: {repeated})")
    sizes = pd.to_numeric(table[size_col].str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = [n for n, s in zip(names, sizes, strict=True) if not np.isfinite(s)]
    if bad:
        raise UserError(f"actors file {path}: size is missing or not a finite number for {bad}")
    negative = [n for n, s in zip(names, sizes, strict=True) if s < 0]
    if negative:
        raise UserError(f"actors file {path}: size is negative for {negative}; sizes are >= 0")
    if len(names) < 2:
        raise UserError(f"actors file {path}: a landscape needs at least two actors")
    return names, sizes


def read_propensity(path: str | Path, names: list[str], midpoint: float = 0.0) -> np.ndarray:
    """The propensity matrix ordered as ``names``, with ``midpoint`` subtracted, diagonal 0.

    Raises:
        UserError: missing file, not square, labels that differ from the actors' names, a
            missing, non-numeric or infinite off-diagonal value, or an asymmetric matrix.
    """
    from sim.world.tables import read_propensity_csv

    path = Path(path)
    if not path.is_file():
        raise UserError(f"propensity file not found: {path}")
    try:
        labels = [str(c).strip() for c in pd.read_csv(path, index_col=0, nrows=0).columns]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(
            f"propensity file {path} is not a readable CSV: {exc}".splitlines()[0]
        ) from None
    extra = [c for c in labels if c not in names]
    if extra and len(labels) == len(set(labels)):
        missing = [n for n in names if n not in labels]
        raise UserError(
            f"propensity file {path}: labels {extra} are not actors"
            + (f" (actors without a row/column: {missing})" if missing else "")
        )
    matrix = read_propensity_csv(path, names)  # square, labels, numbers, symmetry
    if not np.all(np.isfinite(matrix)):
        raise UserError(f"propensity file {path} holds an infinite value")
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = matrix - float(midpoint)
    np.fill_diagonal(matrix, 0.0)
    if not np.all(np.isfinite(matrix)):
        raise UserError(
            f"propensity file {path}: a value minus --midpoint {midpoint:g} overflows; rescale "
            "the values or the midpoint"
        )
    return matrix


# --------------------------------------------------------------------------------------------
# The landscape
# --------------------------------------------------------------------------------------------


class Summary:
    """What a pass over the landscape found: the global minimum and the local minima.

    Memory stays bounded: of the local minima it keeps only the :data:`SHOW_MINIMA` lowest in
    energy (ties: the lowest configuration index), in a heap, and counts the rest.
    """

    def __init__(self) -> None:
        self.rows = 0
        self.global_k = -1
        self.global_energy = np.inf
        self.local_count = 0
        self._heap: list[tuple[float, int]] = []  # (-energy, -k): the worst kept one on top

    @property
    def local(self) -> list[tuple[int, float]]:
        """The lowest local minima kept, as (index k, energy), lowest energy first."""
        return sorted(((-k, -e) for e, k in self._heap), key=lambda ke: (ke[1], ke[0]))

    def update(self, chunk: lt.LandscapeChunk) -> None:
        self.rows += len(chunk.energy)
        r = int(np.argmin(chunk.energy))
        if chunk.energy[r] < self.global_energy:  # strict: ties keep the lowest index
            self.global_energy = float(chunk.energy[r])
            self.global_k = chunk.start + r
        hits = np.flatnonzero(chunk.local_minimum)
        self.local_count += hits.size
        energies = chunk.energy[hits]
        best = hits[np.lexsort((hits, energies))[:SHOW_MINIMA]]  # this chunk's lowest, in order
        for r in best:
            item = (-float(chunk.energy[r]), -(chunk.start + int(r)))
            if len(self._heap) < SHOW_MINIMA:
                heapq.heappush(self._heap, item)
            elif item > self._heap[0]:
                heapq.heapreplace(self._heap, item)
            else:
                break  # the rest of this chunk's are higher still


def _arrow_schema(names: list[str]):
    import pyarrow as pa

    from sim.files import safe_cell

    fields = [pa.field("configuration", pa.int64())]
    # Column names come from the user's file: neutralised against spreadsheet formulas.
    fields += [pa.field(safe_cell(n), pa.uint8()) for n in names]
    fields.append(pa.field("energy", pa.float64()))
    fields += [pa.field(safe_cell(f"{n}_frustration"), pa.float64()) for n in names]
    fields.append(pa.field("local_minimum", pa.bool_()))
    return pa.schema(fields)


def _arrow_chunk(chunk: lt.LandscapeChunk, schema):
    import pyarrow as pa

    m, n = chunk.sides.shape
    arrays = [pa.array(np.arange(chunk.start, chunk.start + m, dtype=np.int64))]
    arrays += [pa.array(np.ascontiguousarray(chunk.sides[:, i])) for i in range(n)]
    arrays.append(pa.array(chunk.energy))
    arrays += [pa.array(np.ascontiguousarray(chunk.weighted_frustration[:, i])) for i in range(n)]
    arrays.append(pa.array(chunk.local_minimum))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def write_table(
    path: Path,
    names: list[str],
    sizes: np.ndarray,
    propensity: np.ndarray,
    chunk_rows: int = CHUNK_ROWS,
) -> Summary:
    """Write the whole landscape as CSV, chunk by chunk, atomically; return what it found.

    Floats are written in their shortest round-trip form, so reading the file back gives
    exactly the engine's numbers.
    """
    import pyarrow.csv as pacsv

    from sim.files import atomic_write

    summary = Summary()
    schema = _arrow_schema(names)

    def write(tmp: Path) -> None:
        options = pacsv.WriteOptions(quoting_style="needed")
        with pacsv.CSVWriter(str(tmp), schema, write_options=options) as writer:
            for chunk in lt.enumerate_configurations(sizes, propensity, chunk_size=chunk_rows):
                summary.update(chunk)
                writer.write_batch(_arrow_chunk(chunk, schema))

    atomic_write(Path(path), write)
    return summary


def scan(sizes: np.ndarray, propensity: np.ndarray, chunk_rows: int = CHUNK_ROWS) -> Summary:
    """The global and local minima, streaming the enumeration without keeping it."""
    summary = Summary()
    for chunk in lt.enumerate_configurations(sizes, propensity, chunk_size=chunk_rows):
        summary.update(chunk)
    return summary


def _sides_text(k: int, names: list[str]) -> str:
    sides = lt.sides_from_index(k, len(names))
    first = [a for a, s in zip(names, sides, strict=True) if s == 0]
    second = [a for a, s in zip(names, sides, strict=True) if s == 1]
    return f"{{{', '.join(first)}}} vs {{{', '.join(second) or '-'}}}"


def _num(value: float) -> str:
    return f"{value:.12g}"


def report(summary: Summary, names: list[str], out: Path | None, seconds: float) -> None:
    """Print the minima, lowest energy first (the global one first), and where the table went."""
    n = len(names)
    print(f"{n} actors, {summary.rows:,} two-sided configurations (mirror images once)")
    print(f"Global minimum: energy {_num(summary.global_energy)}")
    print(f"  {_sides_text(summary.global_k, names)}")
    shown = summary.local
    hidden = summary.local_count - len(shown)
    print(
        f"Local minima: {summary.local_count:,}"
        + (f" (the {len(shown)} lowest in energy below)" if hidden else "")
    )
    for number, (k, e) in enumerate(shown, start=1):
        tag = " (global)" if k == summary.global_k else ""
        print(f"  {number}. energy {_num(e)}{tag}: {_sides_text(k, names)}")
    if hidden:
        print(
            f"  ... and {hidden:,} more local minima not shown; "
            + (
                f"the table flags them all (column local_minimum of {out})"
                if out
                else "--out FILE writes them all (column local_minimum)"
            )
        )
    if out is not None:
        print(f"Table: {out} ({summary.rows:,} rows)")
    print(f"Time: {seconds:.2f} s")


def _parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        description="Global and local minima of Axelrod & Bennett's landscape (every two-sided "
        "configuration), and optionally the whole table as CSV.",
    )
    parser.add_argument("actors", help="CSV with a name (or actor) and a size (or strength) column")
    parser.add_argument("propensity", help="labelled square CSV of pairwise propensities")
    parser.add_argument(
        "--midpoint",
        type=float,
        default=0.0,
        help="subtract this from every propensity (e.g. 3 for a 1-5 scale)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="write the whole landscape to this CSV file (a new file: an existing one is not "
        "overwritten)",
    )
    parser.add_argument(
        "--max-actors",
        type=int,
        default=DEFAULT_MAX_ACTORS,
        help=f"refuse more actors than this (default {DEFAULT_MAX_ACTORS}; the table has "
        f"2^(n-1) rows; at most {HARD_MAX_ACTORS})",
    )
    return parser


def _main(argv: list[str] | None) -> None:
    args = _parser().parse_args(argv)
    if not np.isfinite(args.midpoint):
        raise UserError(f"--midpoint must be a finite number (got {args.midpoint})")
    if not 2 <= args.max_actors <= HARD_MAX_ACTORS:
        raise UserError(f"--max-actors must be between 2 and {HARD_MAX_ACTORS}")
    if args.out is not None:
        check_writable(args.out, "--out")
        if args.out.exists() or args.out.is_symlink():
            raise UserError(
                f"--out {args.out} already exists; give a new file name (nothing is overwritten)"
            )
    try:
        names, sizes = read_actors(args.actors)
        if len(names) > args.max_actors:
            raise UserError(
                f"{len(names)} actors give {2 ** (len(names) - 1):,} configurations; the limit "
                f"is {args.max_actors} actors (raise it with --max-actors, at most "
                f"{HARD_MAX_ACTORS})"
            )
        propensity = read_propensity(args.propensity, names, args.midpoint)
        lt.weights(sizes, propensity)  # the engine's own checks, before anything is written
    except ValueError as exc:  # UserError, and the engine's ValueError on bad input
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot read the input files: {exc.strerror or exc}") from None
    start = time.perf_counter()
    if args.out is None:
        summary = scan(sizes, propensity)
    else:
        with writing(args.out, "--out"):
            summary = write_table(args.out, names, sizes, propensity)
    report(summary, names, args.out, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: exits with 0, 2 (a user error, one line) or 130 (Ctrl-C)."""
    sys.exit(run_main(PROG, _main, argv))


if __name__ == "__main__":
    main()
