"""What the pages say: headline counts, indicators in their shown units, why here,
tables with separators and yes/no in words."""

from __future__ import annotations

import pandas as pd

from landplan.views import frame_table, headline_counts, kpi_rows, sector_name, why_here

SUMMARY = {
    "projects": {"placed": 103, "total": 120},
    "hightech": {"placed": 50, "total": 60},
    "major": {"placed": 9, "total": 11},
    "costshare": {"budget_used": 0.98765},
    "kpis": {"output_per_ha": 15_000.0, "tax_per_mu": 40.0},
    "targets_2025": {
        "rd_intensity": {"label": "R&D", "unit": "%", "2020": 0.0144, "2025": 0.02, "plan": 0.025},
        "output_per_ha": {
            "label": "out",
            "unit": "万元/ha",
            "2020": 5600.0,
            "2025": 10000.0,
            "plan": 15000.0,
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
    assert rows["rd_intensity"]["plan"] == 2.5 and rows["rd_intensity"]["target2025"] == 2.0
    assert rows["rd_intensity"]["base2020"] == 1.44 and rows["rd_intensity"]["unit"] == "%"
    assert rows["output_per_ha"]["plan"] == 15000.0
    assert rows["output_per_mu"]["plan"] == 1000.0  # 15,000 万元/ha ÷ 15
    assert rows["output_per_ha"]["indicator"] == "地均工业产值"


def test_why_here_in_words_with_a_true_minus() -> None:
    row = pd.Series({"v_positioning": 4000.0, "v_land": -2250.0, "v_near": 0.2})
    assert why_here(row, "zh") == "主导产业 +4,000；用地 −2,250"
    assert why_here(row, "en") == "positioning +4,000; land −2,250"


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
