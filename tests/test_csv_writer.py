"""The CSV writer (``sim.files.write_csv``): pyarrow's writer, with pandas' as the fallback,
writes the values pandas' own writer would, and neutralises formula-like text as before."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.files import csv_safe, safe_cell, write_csv


@pytest.fixture(scope="module")
def run_tables(compose_cfg, run_tables):
    """Two replicates of the injection scenario, concatenated as a run folder holds them."""
    cfg = compose_cfg("scenario=injection_1p5b", "model.horizon=6")
    runs = [run_tables(cfg, r) for r in range(2)]
    return {
        name: pd.concat(
            [t[name].assign(replicate=r) for r, t in enumerate(runs)], ignore_index=True
        )
        for name in runs[0]
    }


@pytest.mark.parametrize("name", ["actors", "states", "ties", "alliances", "events", "summary"])
def test_a_run_table_reads_back_as_pandas_own_csv_does(run_tables, tmp_path, name):
    table = run_tables[name]
    write_csv(table, tmp_path / "ours.csv")
    csv_safe(table).to_csv(tmp_path / "pandas.csv", index=False)
    ours, theirs = pd.read_csv(tmp_path / "ours.csv"), pd.read_csv(tmp_path / "pandas.csv")
    # the same values to the last bit, and the same types (a float column of whole numbers,
    # such as a year's aid received, all 0.0, is written 0.0 and reads back as floats)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert len(ours) == len(table) > 0


def test_floats_read_back_exactly_and_as_floats(tmp_path):
    values = [0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308, 5e-324, -0.0, 123456789.0]
    whole = [34.0, 0.0, float("nan"), 1e16, 2.0**60, -7.0, 1.0]
    write_csv(pd.DataFrame({"x": values, "whole": whole}), tmp_path / "f.csv")
    back = pd.read_csv(tmp_path / "f.csv")
    assert back["x"].tolist() == values
    assert back["whole"].dtype == float and back["whole"].fillna(-1).tolist() == [
        34.0,
        0.0,
        -1,
        1e16,
        2.0**60,
        -7.0,
        1.0,
    ]
    assert (tmp_path / "f.csv").read_text().splitlines()[1].endswith(",34.0")


def test_formula_like_text_is_neutralised_in_every_kind_of_text_column(tmp_path):
    table = pd.DataFrame(
        {
            "=name": ["=1+2", "USA", "-0.5", "@SUM(A1)"],
            "codes": pd.Series(["+A", "B", "+A", "C"], dtype="str"),
            "objects": pd.Series(["-x", 1, None, "ok"], dtype=object),
            "lists": [["=a"], "=b", 2, None],  # unhashable cells: one at a time
            "flag": [True, False, True, False],
            "number": [-1.0, 2.0, 3.0, 4.0],
        }
    )
    write_csv(table, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert list(back.columns) == ["'=name", "codes", "objects", "lists", "flag", "number"]
    assert back["'=name"].tolist() == ["'=1+2", "USA", "-0.5", "'@SUM(A1)"]
    assert back["codes"].tolist() == ["'+A", "B", "'+A", "C"]
    assert back["objects"].tolist() == ["'-x", "1", "", "ok"]
    assert back["lists"].tolist()[1] == "'=b"
    assert back["flag"].tolist() == ["True", "False", "True", "False"]  # the debrief reads these
    for line in (tmp_path / "t.csv").read_text().splitlines():
        assert not any(cell.startswith(("=", "+", "@")) for cell in line.split(",")), line


def test_the_table_given_is_not_changed(tmp_path):
    table = pd.DataFrame({"a": ["=x", "y"], "b": [True, False]})
    before = table.copy()
    write_csv(table, tmp_path / "t.csv")
    pd.testing.assert_frame_equal(table, before)
    assert safe_cell("=x") == "'=x"
