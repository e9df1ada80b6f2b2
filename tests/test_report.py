"""report.html in a real browser, in Chinese and in English: offline, complete,
every image decoded, the unplaced projects' reasons in the page's language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from landplan.cli import main
from landplan.constants import MU_PER_HA
from landplan.messages import label
from tests.browser import Page


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
        for key in summary["targets_2025"]:
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
        assert page.js("() => document.images.length") >= 2
        assert page.js("() => Array.from(document.images).every(i => i.naturalWidth > 0)")
        page.shot(f"report-demo-{lang}.png")
    finally:
        page.close()
