"""plan.xlsx against the folder's CSVs: one table per sheet, numbers as numbers, print
settings on every sheet, never a formula; the annual plan of a phased run."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from landplan.cli import main
from landplan.csvfiles import read_csv
from landplan.workbook import write_workbook
from tests.conftest import DEMO, Builder, land_row, project_row

HOSTILE = ['=HYPERLINK("http://example.com","点击")', "+1+1", "-2+3", "@SUM(A1:A3)"]


def _sheet(path: Path, name: str) -> pd.DataFrame:
    rows = list(load_workbook(path)[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _printable(sheet: object) -> None:
    """A4 landscape, one page wide, the header row on every page, a title above."""
    setup = sheet.page_setup  # type: ignore[attr-defined]
    assert setup.orientation == "landscape" and int(setup.paperSize) == 9
    assert setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage  # type: ignore[attr-defined]
    assert sheet.print_title_rows == "$1:$1"  # type: ignore[attr-defined]
    assert sheet.print_area  # type: ignore[attr-defined]
    assert sheet.oddHeader.center.text and "&P" in sheet.oddFooter.center.text  # type: ignore[attr-defined]


def test_plan_xlsx_holds_the_csvs_figures_with_chinese_headers(demo_out: Path) -> None:
    book = demo_out / "plan.xlsx"
    workbook = load_workbook(book)
    assert workbook.sheetnames == [
        "主要结果",
        "指标对照",
        "项目落位",
        "成本分摊",
        "园区汇总",
        "未落位项目",
    ]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.auto_filter.ref == sheet.dimensions  # one table per sheet
        _printable(sheet)
        assert "大兴区高精尖产业用地配置方案（演示）" in sheet.oddHeader.center.text
    allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
    placed = allocation[allocation["status"] == "placed"].set_index("project_id")
    sheet = _sheet(book, "项目落位").set_index("项目编号")
    assert sorted(sheet.index) == sorted(placed.index)
    land = pd.to_numeric(placed["land_ha"])
    assert (sheet["用地（公顷）"] - land[sheet.index]).abs().max() < 1e-9
    assert (sheet["用地（亩）"] - 15 * sheet["用地（公顷）"]).abs().max() < 1e-3
    assert set(sheet["高精尖"]) <= {"是", "否"}
    assert set(sheet["类型"]) <= {"标准厂房", "已征未建/未征闲置用地", "集体经营性建设用地"}
    assert sheet["为何在此（对比次优方案）"].str.contains("次优|唯一").all()
    shares = pd.read_csv(demo_out / "costshare.csv")
    money = _sheet(book, "成本分摊")
    assert len(money) == len(shares)
    assert money["区级补贴（万元）"].sum() == pytest.approx(shares["subsidy"].sum())
    parks = _sheet(book, "园区汇总").set_index("园区")
    assert parks.loc["合计", "区级补贴（万元）"] == pytest.approx(shares["subsidy"].sum(), abs=1e-3)
    unplaced = _sheet(book, "未落位项目")
    expected = allocation[allocation["status"] != "placed"]
    assert list(unplaced.columns) == ["项目编号", "项目名称", "产业", "原因", "说明"]
    assert list(unplaced["原因"]) == list(expected["reason_zh"])  # no English codes
    for text in [*unplaced["原因"], *unplaced["说明"]]:
        assert not re.search(r"\b[a-z]{3,}\b", text), text
    # the headline's figures are numbers, not "109 / 122"
    head = _sheet(book, "主要结果").set_index("项目")
    assert head.loc["落位项目", "数值"] == int(placed.shape[0])
    assert head.loc["落位项目", "总数或上限"] == len(allocation)
    assert isinstance(head.loc["区级补贴（万元）", "数值"], float)
    assert head.loc["区级补贴（万元）", "总数或上限"] == 60000  # the demo's budget
    assert head.loc["区级补贴（万元）", "比例"] == pytest.approx(
        head.loc["区级补贴（万元）", "数值"] / 60000, abs=1e-6
    )
    # indicators: numbers, shares as fractions shown in percent
    cells = load_workbook(book)["指标对照"]
    by_name = {row[0].value: row for row in cells.iter_rows(min_row=2)}
    rd = by_name["研发投入强度"]
    assert rd[2].value == pytest.approx(0.0144) and rd[2].number_format == "0.00%"
    assert by_name["地均工业产值"][3].value == 10000
    kpis = _sheet(book, "指标对照").set_index("指标")
    tax = allocation.loc[allocation["status"] == "placed", "project_id"].map(
        pd.read_csv(DEMO.parent / "projects-demo.csv").set_index("project_id")["tax"]
    )
    land_mu = 15 * pd.to_numeric(allocation["land_ha"], errors="coerce").sum()
    assert kpis.loc["亩均税收", "本方案"] == pytest.approx(tax.sum() / land_mu, abs=1e-3)


def test_plan_xlsx_in_english(demo_out: Path, tmp_path: Path) -> None:
    target = tmp_path / "plan-en.xlsx"
    write_workbook(demo_out, target, "en")
    assert load_workbook(target).sheetnames[2] == "Placed projects"
    assert "Land (mu)" in _sheet(target, "Placed projects").columns
    assert list(_sheet(target, "Indicators").columns)[2:4] == ["2020", "2025 target"]


@pytest.fixture
def phased(make_scenario: Builder, tmp_path: Path) -> Path:
    """Three projects over 2025-2027, one with a name Excel would take for a formula,
    land for one project a year; the CSVs in GB18030."""
    land = [land_row(f"L{k}", k, available_year=2025) for k in range(3)]
    projects = [
        project_row(f"P{k}", name=name, start_year=2025, hightech="true")
        for k, name in enumerate(HOSTILE[:3])
    ]
    path = make_scenario(
        land=land,
        projects=projects,
        extra={
            "phasing": {"years": [2025, 2027], "land_ha": 1.5, "max_delay": 2},
            "costshare": {"budget": 2000},
            "output": {"csv_encoding": "gb18030"},
            "plan": {"title": "测试=方案", "issuer": "测试单位"},
        },
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    return out


def test_a_phased_plan_xlsx_holds_the_annual_plan(phased: Path) -> None:
    book = phased / "plan.xlsx"
    assert load_workbook(book).sheetnames == [
        "主要结果",
        "指标对照",
        "项目落位",
        "年度供地计划",
        "分年汇总",
        "成本分摊",
        "园区汇总",
        "未落位项目",
    ]
    placed = _sheet(book, "项目落位")
    assert {"供地年份", "供地方式", "类型"} <= set(placed.columns)
    assert sorted(placed["供地年份"]) == [2025, 2026, 2027]  # one hectare a year
    assert set(placed["供地方式"]) <= {"出让", "弹性出让", "租赁"}
    supply = _sheet(book, "年度供地计划")
    assert list(supply["供地年份"]) == [2025, 2026, 2027]
    years = _sheet(book, "分年汇总")
    whole = years.iloc[-1]
    assert whole["供地年份"] == "全期合计" and whole["补贴预算（万元）"] == 2000
    assert whole["用地（公顷）"] == pytest.approx(years["用地（公顷）"].iloc[:-1].sum())
    assert years["供地上限（公顷）"].iloc[0] == 1.5


def test_no_cell_is_ever_a_formula_and_csvs_open_in_excel(phased: Path) -> None:
    names = HOSTILE[:3]
    for book in phased.glob("*.xlsx"):
        for sheet in load_workbook(book).worksheets:
            for row in sheet.iter_rows():
                assert not [c.coordinate for c in row if c.data_type == "f"], (book, sheet)
    placed = _sheet(phased / "plan.xlsx", "项目落位")
    assert sorted(placed["项目名称"]) == sorted(names)  # the names as given, as text
    # GB18030 as asked, what Excel on Chinese Windows reads; not UTF-8
    raw = (phased / "allocation.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    # a name Excel would run is written with a leading apostrophe ...
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'-2+3" in text
    # ... and landplan reads its own files back as they were
    assert sorted(read_csv(phased / "allocation.csv")["name"]) == sorted(names)
    assert main(["report", str(phased), "-q"]) == 0


def test_csvs_default_to_utf8_with_a_bom(demo_out: Path) -> None:
    for path in demo_out.glob("*.csv"):
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name  # Excel then reads UTF-8
        raw.decode("utf-8-sig")
    assert pd.read_csv(demo_out / "allocation.csv").columns[0] == "project_id"
