"""CSV files for Excel: the encodings, the formula guard, and reading them back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landplan.csvfiles import csv_text, encoding_of, read_csv, write_csv

HOSTILE = ['=HYPERLINK("http://x","点击")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "'quoted"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_excel_reads_chinese_and_no_cell_is_a_formula(tmp_path: Path, encoding: str) -> None:
    frame = pd.DataFrame(
        {"name": ["生物医药园", *HOSTILE], "n": [1, -2, 3, 4, 5, 6, 7], "mix": ["=a", 1, *"23456"]}
    )
    path = tmp_path / "t.csv"
    write_csv(frame, path, encoding=encoding)
    raw = path.read_bytes()
    # what Excel on Chinese Windows decodes: UTF-8 when it sees the BOM, else GBK/GB18030
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    text = raw.decode("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030")
    cells = [line.split(",")[0] for line in text.splitlines()[1:]]
    assert cells[0] == "生物医药园"
    # every text cell Excel would start a formula with begins with an apostrophe; the
    # negative number stays a number
    assert all(not c.lstrip('"').startswith(("=", "+", "-", "@", "\t")) for c in cells)
    assert text.splitlines()[2].split(",")[-2] == "-2"
    assert encoding_of(path) == encoding
    back = read_csv(path)
    pd.testing.assert_frame_equal(back[["name", "n"]], frame[["name", "n"]])
    assert back["mix"].iloc[0] == "=a"


def test_csv_text_is_guarded_the_same() -> None:
    text = csv_text(pd.DataFrame({"name": ["=1+1", "ok"], "x": [np.nan, 1.5]}))
    assert text.splitlines()[1] == "'=1+1,"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("=+-@'\t a中1,\""), min_size=1), min_size=1))
def test_any_text_reads_back_as_it_was(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    frame = pd.DataFrame({"id": range(len(texts)), "name": texts})
    write_csv(frame, path)
    back = read_csv(path, dtype=str, keep_default_na=False)
    assert list(back["name"]) == texts
