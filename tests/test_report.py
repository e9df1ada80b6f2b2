"""report.html in a real browser, in Chinese and in English: offline, complete, every
image decoded, headed with the plan's title, issuer and date, the policy questions
answered, no machine path, and printable on A4 landscape without overflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from landplan.cli import main
from landplan.constants import MU_PER_HA
from landplan.messages import label
from tests.browser import Page, a4_landscape

# A4 landscape less the page's margins (297 - 2 x 10 mm) at 96 dots per inch
A4_WIDE_PX = int((297 - 20) / 25.4 * 96)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_report_offline_and_complete(
    browser: Any, demo_out: Path, tmp_path: Path, lang: str
) -> None:
    path = demo_out / "report.html"
    if lang == "en":  # rebuilt from the folder in the other language
        path = tmp_path / "report-en.html"
        assert main(["report", str(demo_out), "--lang", "en", "-q"]) == 0
        (demo_out / "report.html").replace(path)
        assert main(["report", str(demo_out), "-q"]) == 0  # the folder's own, in Chinese
    page = Page(browser, path)
    try:
        assert page.requests == [] and page.errors == []
        body = page.page.inner_text("body")
        summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
        assert f"{summary['projects']['placed']} / 122" in body
        for key in summary["plan_targets"]:
            assert label(f"kpi.{key}", lang) in body
        assert label("kpi.tax_per_mu", lang) in body  # 亩均 tax in the KPI table
        assert f"{summary['kpis']['tax_per_mu']:,.2f}" in body
        land = summary["land_used_ha"]
        assert f"{land:,.1f} / {land * MU_PER_HA:,.0f}" in body  # ha and 亩
        allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
        unplaced = allocation[allocation["status"] != "placed"]
        assert len(unplaced)
        for row in unplaced.itertuples():
            detail = row.detail_zh if lang == "zh" else row.detail
            reason = row.reason_zh if lang == "zh" else row.reason
            assert row.project_id in body and detail in body and reason in body
        # why here: against the next best place, in words and units
        placed = allocation[allocation["status"] == "placed"]
        why = placed["why_zh" if lang == "zh" else "why"]
        assert why.str.len().min() > 0 and why.iloc[0] in body
        assert page.js("() => document.images.length") >= 2
        assert page.js("() => Array.from(document.images).every(i => i.naturalWidth > 0)")
        page.shot(f"report-demo-{lang}.png")
    finally:
        page.close()


def test_the_report_heads_with_the_plan_and_answers_policy_questions(demo_out: Path) -> None:
    page = (demo_out / "report.html").read_text(encoding="utf-8")
    resolved = (demo_out / "scenario.resolved.yaml").read_text(encoding="utf-8")
    day = resolved.split("run_at: '")[1][:10].split("-")
    header = page.split("</header>")[0]
    assert "大兴区高精尖产业用地配置方案（演示）" in header
    assert "大兴区经济和信息化局（演示）" in header
    assert f"{int(day[0])}年{int(day[1])}月{int(day[2])}日" in header
    # the scenario without the machine's paths: files by name, with their hashes
    root = str(Path(__file__).resolve().parents[1])
    assert root not in page and "/tmp/" not in page
    assert "projects-demo.csv" in page and "collective_land.shp" in page
    # the budget binds: its price and what 10,000 万元 more buys, placing every project
    assert "预算约束是紧的" in page and "影子价格" in page
    assert "若预算增加10,000万元（重新求解）：多落位" in page
    assert "若要落位全部121个有可选地块的项目" in page and "P-077" in page
    # high-tech projects drift to the cheapest park: flagged, with the cap as set
    assert "高精尖项目偏离本产业主导园区" in page and "按70%封顶" in page


def test_the_report_prints_on_a4_landscape_without_overflow(
    browser: Any, demo_out: Path, tmp_path: Path
) -> None:
    page = Page(browser, demo_out / "report.html")
    try:
        page.page.emulate_media(media="print")
        page.page.set_viewport_size({"width": A4_WIDE_PX, "height": 700})
        widest = page.js(
            """() => Math.max(...Array.from(document.querySelectorAll('table, img'))
                 .map(e => e.getBoundingClientRect().right))"""
        )
        assert widest <= A4_WIDE_PX + 1, widest
        assert page.js("() => document.documentElement.scrollWidth") <= A4_WIDE_PX + 1
        sizes = page.pdf(tmp_path / "report.pdf")
        assert len(sizes) > 5 and all(a4_landscape(size) for size in sizes)
    finally:
        page.close()
