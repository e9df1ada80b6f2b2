"""report.html in a real browser: offline, complete, every image decoded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from tests.browser import Page


def test_demo_report_offline_and_complete(browser: Any, demo_out: Path) -> None:
    page = Page(browser, demo_out / "report.html")
    try:
        assert page.requests == [] and page.errors == []
        body = page.page.inner_text("body")
        summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
        assert f"{summary['projects']['placed']} / 120" in body
        for target in summary["targets_2025"].values():
            assert target["label"] in body
        allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
        for row in allocation[allocation["status"] != "placed"].itertuples():
            assert row.project_id in body and row.detail in body  # each unplaced, and why
        assert page.js("() => document.images.length") >= 2
        assert page.js("() => Array.from(document.images).every(i => i.naturalWidth > 0)")
        page.shot("report-demo.png")
    finally:
        page.close()
