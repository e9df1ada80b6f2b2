"""The project, zoning and park tables: CSV in UTF-8 or GBK, or Excel, to one table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from landplan.errors import ProblemLog
from landplan.scenario import TableSpec
from landplan.tables import read_projects, read_table, read_zoning
from tests.conftest import DEMO

ZONING = read_zoning(TableSpec(DEMO.parent / "zoning.csv"), ProblemLog())[0]


@pytest.mark.parametrize("form", ["xlsx", "gb18030", "utf-8-sig"])
def test_project_table_as_excel_or_chinese_csv_reads_the_same(tmp_path: Path, form: str) -> None:
    """The demo's project table saved as Chinese offices save it reads to the same table
    (and so gives the same plan)."""
    source = DEMO.parent / "projects-demo.csv"
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    if form == "xlsx":
        spec = TableSpec(tmp_path / "项目库.xlsx", "2025年")
        with pd.ExcelWriter(spec.path) as writer:
            pd.DataFrame({"说明": ["首页"]}).to_excel(writer, sheet_name="说明", index=False)
            raw.to_excel(writer, sheet_name="2025年", index=False)
    else:
        spec = TableSpec(tmp_path / "projects-zh.csv")
        raw.to_csv(spec.path, index=False, encoding=form)
    problems = ProblemLog()
    found = read_projects(spec, ZONING, problems)
    assert problems.problems == []
    expected = read_projects(TableSpec(source), ZONING, ProblemLog())
    pd.testing.assert_frame_equal(found, expected)


def test_text_that_is_neither_utf8_nor_gbk_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "projects.csv"
    path.write_bytes(b"project_id,name\nP1,\xff\xfe\xfd\n")
    problems = ProblemLog()
    assert read_table(TableSpec(path), problems) is None
    assert "neither UTF-8 nor GBK/GB18030" in str(problems.problems[0])


def test_zoning_labels_and_a_sector_twice(tmp_path: Path) -> None:
    path = tmp_path / "zoning.csv"
    path.write_text(
        "sector,allowed_zoning,label_zh\nbio,m1; M4,医药健康\nit,M4,\nbio,M2,医药\n",
        encoding="utf-8",
    )
    problems = ProblemLog()
    zoning, labels = read_zoning(TableSpec(path), problems)
    assert zoning["it"] == frozenset({"M4"}) and labels["it"] == "it"  # no label: the code
    assert [str(p) for p in problems.problems] == [
        f"{path}, row bio, field sector: sector 'bio' appears twice — keep one row per sector"
    ]


def test_an_old_excel_file_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "projects.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    problems = ProblemLog()
    assert read_table(TableSpec(path), problems) is None
    assert "save it as .xlsx" in str(problems.problems[0])
