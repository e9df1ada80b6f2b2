"""What the pages say: headline counts, indicators in their shown units, why here,
tables with separators and yes/no in words."""

from __future__ import annotations

import pandas as pd

from landplan.views import frame_table, headline_counts, kpi_rows, sector_name, year_headers

SUMMARY = {
    "projects": {"placed": 103, "total": 120},
    "hightech": {"placed": 50, "total": 60},
    "major": {"placed": 9, "total": 11},
    "costshare": {"budget_used": 0.98765},
    "kpis": {"output_per_ha": 15_000.0, "tax_per_mu": 40.0},
    "plan": {"title": "t", "issuer": None, "baseline_year": 2020, "target_year": 2025},
    "plan_targets": {
        "rd_intensity": {
            "unit": "%",
            "baseline": 0.0144,
            "target": 0.02,
            "plan": 0.025,
            "met": True,
        },
        "output_per_ha": {
            "unit": "万元/ha",
            "baseline": 5600.0,
            "target": 10000.0,
            "plan": 15000.0,
            "met": True,
        },
    },
}


def test_headline_counts_and_budget_used() -> None:
    assert headline_counts(SUMMARY) == {
        "placed": "103 / 120",
        "hightech": "50 / 60",
        "major": "9 / 11",
        "budget_used": "98.8%",
    }


def test_shares_are_shown_in_percent_and_per_mu_figures_follow() -> None:
    rows = {r["key"]: r for r in kpi_rows(SUMMARY, "zh")}
    assert rows["rd_intensity"]["plan"] == 2.5 and rows["rd_intensity"]["target"] == 2.0
    assert rows["rd_intensity"]["baseline"] == 1.44 and rows["rd_intensity"]["unit"] == "%"
    assert rows["output_per_ha"]["plan"] == 15000.0
    assert rows["output_per_mu"]["plan"] == 1000.0  # 15,000 万元/ha ÷ 15
    assert rows["output_per_ha"]["indicator"] == "地均工业产值"
    assert year_headers(SUMMARY, "zh") == {"baseline": "2020年", "target": "2025年目标"}
    assert year_headers(SUMMARY, "en") == {"baseline": "2020", "target": "2025 target"}


def test_tables_and_sector_names() -> None:
    frame = pd.DataFrame({"park": ["A"], "land_ha": [1234.5678], "hightech": [True], "n": [3]})
    table = frame_table(frame, "zh", {"land_ha": 1})
    assert table.headers == ["园区", "用地（公顷）", "高精尖", "n"]
    assert [(c.text, c.cls) for c in table.rows[0]] == [
        ("A", None),
        ("1,234.6", "n"),
        ("是", None),
        ("3", "n"),
    ]
    assert sector_name("medicine_health", "zh", {"medicine_health": "医药健康"}) == "医药健康"
    assert sector_name("medicine_health", "en", {"medicine_health": "医药健康"}) == (
        "medicine health"
    )
