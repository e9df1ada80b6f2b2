"""Tracking major projects (挂图推进): backward deadlines, overdue items, bad rows, the
battle map (CONTRACT "v2: phasing and tracking", docs/phasing.md, "Tracking")."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from landplan.cli import main
from tests.browser import Page, a4_landscape
from tests.conftest import build_scenario, land_row, project_row

AS_OF = "2026-11-22"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan placing two major projects (start 2025 and 2026) and a minor one, run once."""
    land = [land_row(f"L{k}", k) for k in range(3)]
    projects = [
        project_row("M1", major="true", start_year=2025, name="一号重大项目"),
        project_row("M2", major="true", start_year=2026, name="二号重大项目"),
        project_row("S1", start_year=2026),
    ]
    folder = tmp_path_factory.mktemp("tracking")
    path = build_scenario(
        folder,
        land=land,
        projects=projects,
        extra={"tracking": {"signed_to_started": 6, "started_to_finished": 18}},
    )
    out = folder / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    return out


@pytest.fixture
def plan_out(planned: Path, tmp_path: Path) -> Path:
    """The plan's folder, each test its own copy (tracking writes into it)."""
    return Path(shutil.copytree(planned, tmp_path / "out"))


def write(tmp_path: Path, rows: list[str], name: str = "tracking.csv") -> Path:
    path = tmp_path / name
    path.write_text("project_id,stage,planned,actual,unit\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def test_deadlines_scheduled_backwards_worked_by_hand(plan_out: Path, tmp_path: Path) -> None:
    """Months 6 (签约→开工), 18 (开工→竣工), 6 (竣工→投产, the default), target two
    years after the plan year. M1 (2025): 投产 2027-12-31 → 竣工 2027-06-30; 开工 is
    planned 2026-03-31, so 签约 is due 2025-09-30 (done 2025-05-01) and 开工 is
    overdue by 236 days on 2026-11-22. M2 (2026), no rows: 投产 2028-12-31 → 竣工
    2028-06-30 → 开工 2026-12-30 → 签约 2026-06-30, overdue by 145 days."""
    file = write(tmp_path, ["M1,签约,,2025-05-01,区发改委", "M1,开工,2026-03-31,,区住建委"])
    assert main(["track", str(plan_out), str(file), "--as-of", AS_OF, "-q"]) == 0
    table = pd.read_csv(plan_out / "tracking.csv", keep_default_na=False)
    got = table.set_index(["project_id", "stage"])
    assert set(table["project_id"]) == {"M1", "M2"}  # majors only: S1 is not tracked
    expected = {
        ("M1", "signed"): ("2025-09-30", "scheduled", "done", ""),
        ("M1", "started"): ("2026-03-31", "planned", "overdue", "236"),
        ("M1", "finished"): ("2027-06-30", "scheduled", "pending", ""),
        ("M1", "producing"): ("2027-12-31", "target", "pending", ""),
        ("M2", "signed"): ("2026-06-30", "scheduled", "overdue", "145"),
        ("M2", "started"): ("2026-12-30", "scheduled", "pending", ""),
        ("M2", "finished"): ("2028-06-30", "scheduled", "pending", ""),
        ("M2", "producing"): ("2028-12-31", "target", "pending", ""),
    }
    for key, (deadline, source, status, days) in expected.items():
        row = got.loc[key]
        assert (row["deadline"], row["deadline_from"], row["status"]) == (deadline, source, status)
        assert str(row["overdue_days"]) == days
    assert got.loc[("M1", "started"), "unit"] == "区住建委"
    assert got.loc[("M1", "finished"), "unit"] == "区发改委"  # the project's first unit
    assert got.loc[("M1", "signed"), "stage_zh"] == "签约"


def test_a_stage_done_late_and_a_planned_target(plan_out: Path, tmp_path: Path) -> None:
    file = write(
        tmp_path,
        ["M1,签约,2025-03-31,2025-04-10,区发改委", "M1,投产,2027-06-30,,", "S1,签约,,,"],
        name="tracking.xlsx.csv",
    )
    book = tmp_path / "tracking.xlsx"
    pd.read_csv(file, dtype=str, keep_default_na=False).to_excel(book, index=False)
    assert main(["track", str(plan_out), str(book), "--as-of", "2025-05-01", "-q"]) == 0
    got = pd.read_csv(plan_out / "tracking.csv").set_index(["project_id", "stage"])
    assert got.loc[("M1", "signed"), "status"] == "done_late"
    assert got.loc[("M1", "signed"), "late_days"] == 10
    # 投产 planned 2027-06-30 → 竣工 2026-12-30 → 开工 2025-06-30 (due within 30 days)
    assert got.loc[("M1", "finished"), "deadline"] == "2026-12-30"
    assert got.loc[("M1", "started"), "deadline"] == "2025-06-30"
    assert "S1" in set(got.index.get_level_values(0))  # a listed minor project is tracked


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["P9,签约,,,"], "row 2 (P9), field project_id: project_id 'P9' is not a project"),
        (["M1,开工,,2025-06-01,"], "M1 reached 开工 but has no actual date for 签约"),
        (
            ["M1,签约,2025-06-01,,", "M1,开工,2025-03-01,,"],
            "row 3 (M1), field planned: planned dates out of order for M1",
        ),
        (["M1,奠基,,,"], "stage '奠基' is not one of 签约, 开工, 竣工, 投产"),
        (["M1,签约,2025-13-01,,"], "planned '2025-13-01' is not a date"),
        (["M1,签约,,2027-01-01,"], "actual 2027-01-01 is after the tracking date 2026-11-22"),
        (["M1,签约,,,", "M1,签约,,,"], "project M1 has 2 rows for stage 签约"),
    ],
)
def test_bad_tracking_rows_are_clear_errors(
    plan_out: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rows: list[str],
    message: str,
) -> None:
    file = write(tmp_path, rows)
    assert main(["track", str(plan_out), str(file), "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert str(file) in err and "Traceback" not in err
    assert not (plan_out / "tracking.html").exists()  # nothing half-written
    assert not (plan_out / "tracking.csv").exists()


def test_battle_map_offline_with_the_overdue_count(
    browser: Any, plan_out: Path, tmp_path: Path
) -> None:
    file = write(tmp_path, ["M1,签约,,2025-05-01,区发改委", "M1,开工,2026-03-31,,区住建委"])
    assert main(["track", str(plan_out), str(file), "--as-of", AS_OF, "-q"]) == 0
    page = Page(browser, plan_out / "tracking.html")
    try:
        assert page.requests == []  # no request leaves the page
        assert page.errors == []
        assert page.page.inner_text("#lp-overdue-count") == "逾期事项 (2)"
        # a neutral credit line, as on the parcel map
        credit = page.js("() => document.querySelector('.leaflet-control-attribution').innerHTML")
        assert "Leaflet" in credit and "<svg" not in credit
        # on paper: one A4 landscape page, the map sized to it
        sizes = page.pdf(tmp_path / "tracking.pdf")
        assert len(sizes) == 1 and a4_landscape(sizes[0])
        listed = page.page.inner_text("#lp-overdue")
        assert "M1" in listed and "M2" in listed and "236" in listed
        # a project's popup: stages, deadlines and the responsible unit
        text = page.js(
            """() => { var found = ''; lpTrack.data.layers.forEach(function (name) {
                 window[name].eachLayer(function (l) {
                   if (l.feature.properties.project_id === 'M1' && !found) {
                     l.openPopup(); found = document.querySelector('.leaflet-popup-content')
                       .innerText; } }); }); return found; }"""
        )
        assert "2026-03-31" in text and "区住建委" in text and "逾期" in text
        page.shot("tracking-popup.png")
    finally:
        page.close()


def test_dates_as_offices_write_them_and_excel_date_cells(plan_out: Path, tmp_path: Path) -> None:
    """A date typed into Excel is a date cell; in a CSV, 2026/3/31 or 2026年3月31日."""
    book = tmp_path / "tracking.xlsx"
    frame = pd.DataFrame(
        {
            "项目编号": ["M1", "M1", "M2"],
            "阶段": ["签约", "开工", "签约"],
            "计划日期": [None, datetime(2026, 3, 31), None],  # Excel date cells
            "实际日期": [date(2025, 5, 1), None, None],
            "责任单位": ["区发改委", "区住建委", ""],
        }
    )
    frame.to_excel(book, index=False)
    assert main(["track", str(plan_out), str(book), "--as-of", AS_OF, "-q"]) == 0
    first = pd.read_csv(plan_out / "tracking.csv").set_index(["project_id", "stage"])
    file = write(tmp_path, ["M1,签约,,2025/5/1,区发改委", "M1,开工,2026年3月31日,,区住建委"])
    assert main(["track", str(plan_out), str(file), "--as-of", AS_OF, "-q"]) == 0
    second = pd.read_csv(plan_out / "tracking.csv").set_index(["project_id", "stage"])
    assert first["deadline"].equals(second["deadline"]) and first["status"].equals(second["status"])
    assert second.loc[("M1", "started"), "deadline"] == "2026-03-31"
    assert second.loc[("M1", "signed"), "actual"] == "2025-05-01"


def test_tracking_for_people_in_chinese(plan_out: Path, tmp_path: Path) -> None:
    file = write(tmp_path, ["M1,签约,,2025-05-01,区发改委", "M1,开工,2026-03-31,,区住建委"])
    assert main(["track", str(plan_out), str(file), "--as-of", AS_OF, "-q"]) == 0
    raw = (plan_out / "tracking.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    table = pd.read_csv(plan_out / "tracking.csv").set_index(["project_id", "stage"])
    assert table.loc[("M1", "started"), "status_zh"] == "逾期"
    assert table.loc[("M1", "started"), "deadline_from_zh"] == "计划日期"
    rows = list(load_workbook(plan_out / "tracking.xlsx").active.iter_rows(values_only=True))
    assert rows[0][:6] == ("项目编号", "项目名称", "地块编号", "园区", "阶段", "责任单位")
    started = next(r for r in rows if r[0] == "M1" and r[4] == "开工")
    assert "逾期" in started and date(2026, 3, 31) in [
        v.date() if isinstance(v, datetime) else v for v in started
    ]
