"""Typed columns out of raw tables: one problem per bad cell, named by row and field."""

from __future__ import annotations

import numpy as np
import pandas as pd

from landplan.errors import ProblemLog
from landplan.fields import FieldReader


def _reader(frame: pd.DataFrame) -> tuple[FieldReader, ProblemLog]:
    log = ProblemLog()
    return FieldReader(frame, frame["id"], "t.csv", "layer1", log), log


def test_booleans_in_the_words_offices_use() -> None:
    frame = pd.DataFrame({"id": list("abcdefg"), "flag": ["是", "否", "TRUE", "0", "", "yes", "x"]})
    reader, log = _reader(frame)
    assert reader.boolean("flag").tolist() == [True, False, True, False, False, True, False]
    assert [str(p) for p in log.problems] == [
        "t.csv, layer layer1, row g, field flag: is not a yes/no value, got 'x' — "
        "use true/false, 1/0, yes/no or 是/否"
    ]


def test_numbers_with_separators_blanks_and_bad_cells() -> None:
    frame = pd.DataFrame({"id": list("abcde"), "n": ["1,200.5", "", "abc", "-3", "2.5"]})
    reader, log = _reader(frame)
    values = reader.number("n", integer=True)
    assert values.iloc[0] == 1200.5 and np.isnan(values.iloc[1]) and np.isnan(values.iloc[2])
    assert np.isnan(values.iloc[3])  # negative: a problem, and no value
    messages = [str(p) for p in log.problems]
    assert any("row c, field n: is not a number, got 'abc'" in m for m in messages)
    assert any("row d, field n: must be zero or more, got '-3'" in m for m in messages)
    assert any("row a, field n: must be a whole number" in m for m in messages)


def test_supply_modes_in_chinese_or_english_normalised() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "c"], "m": ["出让、租赁", "lease;transfer", "gift"]})
    reader, log = _reader(frame)
    modes = reader.modes("m", ("transfer", "flexible", "lease"))
    assert modes.tolist() == ["lease;transfer", "lease;transfer", ""]
    assert len(log.problems) == 1 and "row c, field m: has an unknown supply mode" in str(
        log.problems[0]
    )


def test_a_missing_required_column_is_one_problem() -> None:
    reader, log = _reader(pd.DataFrame({"id": ["a"]}))
    reader.text("zoning", required=True)
    assert [str(p) for p in log.problems] == [
        "t.csv, layer layer1, field zoning: required field is missing — add a 'zoning' "
        "column, or map yours to it with 'fields:'"
    ]
