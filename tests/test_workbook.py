"""plan.xlsx against the folder's CSVs; Excel and Chinese CSV tables read in."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from landplan.workbook import write_workbook
from tests.conftest import DEMO


def _sheet(path: Path, name: str) -> pd.DataFrame:
    rows = list(load_workbook(path)[name].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_plan_xlsx_holds_the_csvs_figures_with_chinese_headers(demo_out: Path) -> None:
    book = demo_out / "plan.xlsx"
    workbook = load_workbook(book)
    assert workbook.sheetnames == ["指标对照", "项目落位", "成本分摊", "园区汇总", "未落位项目"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
    allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
    placed = allocation[allocation["status"] == "placed"].set_index("project_id")
    sheet = _sheet(book, "项目落位").set_index("项目编号")
    assert sorted(sheet.index) == sorted(placed.index)
    land = pd.to_numeric(placed["land_ha"])
    assert (sheet["用地（公顷）"] - land[sheet.index]).abs().max() < 1e-9
    assert (sheet["用地（亩）"] - 15 * sheet["用地（公顷）"]).abs().max() < 1e-3
    assert set(sheet["高精尖"]) <= {"是", "否"}
    shares = pd.read_csv(demo_out / "costshare.csv")
    money = _sheet(book, "成本分摊")
    assert len(money) == len(shares)
    assert money["区级补贴（万元）"].sum() == pytest.approx(shares["subsidy"].sum())
    parks = _sheet(book, "园区汇总").set_index("园区")
    assert parks.loc["合计", "区级补贴（万元）"] == pytest.approx(shares["subsidy"].sum(), abs=1e-3)
    unplaced = _sheet(book, "未落位项目")
    expected = allocation[allocation["status"] != "placed"]
    assert list(unplaced["原因代码"]) == list(expected["reason"])
    assert "补贴预算不足" in set(unplaced["原因"])
    kpis = _sheet(book, "指标对照").set_index("指标")
    tax = allocation.loc[allocation["status"] == "placed", "project_id"].map(
        pd.read_csv(DEMO.parent / "projects-demo.csv").set_index("project_id")["tax"]
    )
    land_mu = 15 * pd.to_numeric(allocation["land_ha"], errors="coerce").sum()
    assert kpis.loc["亩均税收", "本方案"] == pytest.approx(tax.sum() / land_mu, abs=1e-3)
    assert kpis.loc["地均工业产值", "2025年目标"] == 10000


def test_plan_xlsx_in_english(demo_out: Path, tmp_path: Path) -> None:
    target = tmp_path / "plan-en.xlsx"
    write_workbook(demo_out, target, "en")
    assert load_workbook(target).sheetnames[1] == "Placed projects"
    assert "Land (mu)" in _sheet(target, "Placed projects").columns
