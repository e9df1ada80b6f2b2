"""A run's result tables, worked by hand on a small plan: what every writer writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from landplan.results import (
    RunResult,
    allocation_table,
    costshare_by_park,
    parcel_layer,
    plan_kpis,
    summary,
)
from landplan.run import compute
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, plot, project_row


@pytest.fixture
def result(make_scenario: Builder) -> RunResult:
    # L1 (1 ha) and L2 (1.44 ha) and a factory F1 of 4,000 m² on 1 ha; each parcel's
    # dev_cost is 1,000 万元 a hectare, so park A's average is 1,000 万元/ha
    land = [land_row("L1", 0), land_row("L2", 1, geometry=plot(1, 120, 120), dev_cost=1440.0)]
    factory = [land_row("F1", 5, floor_area_m2=4000, supply_modes="lease", zoning="M1")]
    projects = [
        project_row("P1", hightech="true", output=3000, tax=200, jobs=20, rd_spend=90),
        project_row("P2", area_min_ha=1.2, output=1000, tax=50, jobs=30, rd_spend=10),
        project_row("P3", need="floor", area_min_ha="", area_max_ha="", floor_m2=1000),
    ]
    path = make_scenario(land=land, factories=factory, projects=projects)
    return compute(load_scenario(path, {"solver.gap": 0.0}))


def test_kpis_worked_by_hand() -> None:
    placed = pd.DataFrame(
        {
            "output": [3000.0, 1000.0],
            "tax": [200.0, 50.0],
            "jobs": [20.0, 30.0],
            "rd_spend": [90.0, 10.0],
            "hightech": [True, False],
        }
    )
    kpis = plan_kpis(placed, land_ha=2.0)
    assert kpis == {
        "output_per_ha": 2000.0,
        "tax_per_mu": round(250.0 / 30.0, 4),  # 250 万元 on 2 ha = 30 亩
        "labour_productivity": 80.0,
        "rd_intensity": 0.025,  # a fraction: 100 / 4,000
        "hightech_output_share": 0.75,
    }
    assert plan_kpis(placed.iloc[:0], land_ha=0.0)["output_per_ha"] is None


def test_tables_of_a_small_plan(result: RunResult) -> None:
    table = allocation_table(result)
    by_id = table.set_index("project_id")
    assert by_id.loc["P1", "parcel_id"] == "L1" and by_id.loc["P2", "parcel_id"] == "L2"
    assert by_id.loc["P3", "parcel_id"] == "F1"
    # the value's terms add up to it (but for the tie-break, < 1e-3 here)
    terms = by_id.loc["P1", [c for c in table.columns if c.startswith("v_")]].sum()
    assert terms == pytest.approx(by_id.loc["P1", "objective_value"], abs=1e-2)
    layer = parcel_layer(result)
    f1 = layer.set_index("parcel_id").loc["F1"]
    assert f1["project_ids"] == "P3" and f1["land_used_ha"] == pytest.approx(0.25)  # 1,000/4,000
    # P1 is high-tech: it bears 0.7 × 1,000 万元/ha × 1 ha; the fund pays 300
    l1 = layer.set_index("parcel_id").loc["L1"]
    assert l1["share"] == pytest.approx(700.0) and l1["subsidy"] == pytest.approx(300.0)
    assert l1["share_ratio"] == pytest.approx(0.7) and bool(l1["capped"])
    by_park = costshare_by_park(result)
    total = by_park[by_park["park"] == "total"].iloc[0]
    assert total["pairs"] == 3 and total["subsidy"] == pytest.approx(300.0)
    assert total["base_share"] == pytest.approx(total["share"] + total["subsidy"])
    facts = summary(result)
    assert facts["projects"] == {"placed": 3, "total": 3}
    assert facts["land_used_ha"] == pytest.approx(1.0 + 1.44 + 0.25)
    assert facts["costshare"]["subsidy"] == pytest.approx(300.0)
    # R&D 90 + 10 + 10 (P3 has the defaults: output 1,000, rd_spend 10) over output 5,000
    assert np.isclose(facts["kpis"]["rd_intensity"], 110.0 / 5000.0)
