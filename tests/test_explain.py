"""Why a project was not placed, and why a placed one is where it is: each on a case
built by hand."""

from __future__ import annotations

from typing import Any

import pandas as pd

from landplan.run import compute
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, plot, project_row
from tests.scenarios import OUTPUT_LESS_SUBSIDY


def _explained(make_scenario: Builder, **kwargs: Any) -> pd.DataFrame:
    scenario = load_scenario(make_scenario(**kwargs))
    return compute(scenario).outcome.set_index("project_id")


def test_reason_no_eligible_parcel_names_the_binding_rule(make_scenario: Builder) -> None:
    out = _explained(make_scenario, projects=[project_row("P1", sector="it")])
    assert out.loc["P1", "reason"] == "no eligible parcel"
    assert "zoning: no available land parcel zoned B29/M4" in out.loc["P1", "detail"]
    out = _explained(make_scenario, projects=[project_row("P1", area_min_ha=3, area_max_ha=4)])
    assert "size: no land parcel zoned M1/M4 with 3–4 ha" in out.loc["P1", "detail"]


def test_reason_outcompeted_names_the_winner(make_scenario: Builder) -> None:
    out = _explained(
        make_scenario,
        land=[land_row("L1", 0)],
        projects=[project_row("P1", output=1000), project_row("P2", output=5000)],
    )
    assert out.loc["P2", "status"] == "placed" and out.loc["P2", "parcel_id"] == "L1"
    assert out.loc["P1", "reason"] == "outcompeted"
    assert "its best, L1, went to P2" in out.loc["P1", "detail"]


def test_reason_budget(make_scenario: Builder) -> None:
    # park average 1,000 万元/ha, 1 ha, cap 70%: the high-tech project needs 300 of subsidy
    out = _explained(
        make_scenario,
        land=[land_row("L1", 0), land_row("L2", 1)],
        projects=[project_row("P1", hightech="true"), project_row("P2", output=900)],
        extra={"costshare": {"budget": 200}},
    )
    assert out.loc["P2", "status"] == "placed"
    assert out.loc["P1", "reason"] == "budget"
    assert "needs 300 万元 of subsidy; 200 万元 of the budget is left" in out.loc["P1", "detail"]


def test_reason_not_worth_placing(make_scenario: Builder) -> None:
    out = _explained(
        make_scenario,
        projects=[project_row("P1", hightech="true", output=10, tax=0)],
        extra={"objective": {"hightech": 0, "subsidy": 1}},
    )
    assert out.loc["P1", "reason"] == "not worth placing"
    assert "adds -290 to the objective" in out.loc["P1", "detail"]


def test_why_here_against_the_next_best_place_and_the_sectors_park(
    make_scenario: Builder,
) -> None:
    """Park A averages 1,000 万元/ha, B 2,000 and leads bio. H (bio, high-tech) on L0
    (A, 1 ha) draws 300 万元 of subsidy. Its next best is L2 (A, 1.5 ha: 450 万元),
    taken by N, the only project zoned for it; the best in bio's park is L1 (B, 1 ha:
    600 万元)."""
    parks = [
        {"park": "A", "total_dev_cost": 10_000, "developable_area_ha": 10, "leading_sectors": ""},
        {
            "park": "B",
            "total_dev_cost": 20_000,
            "developable_area_ha": 10,
            "leading_sectors": "bio",
        },
    ]
    land = [
        land_row("L0", 0),
        land_row("L1", 1, park="B"),
        land_row("L2", 2, zoning="M4", geometry=plot(2, 150, 100)),
    ]
    out = _explained(
        make_scenario,
        land=land,
        parks=parks,
        projects=[
            project_row("H", hightech="true", output=1000),
            project_row("N", sector="it", output=3000),
        ],
        zoning={"bio": "M1;M4", "it": "M4"},
        extra={"objective": OUTPUT_LESS_SUBSIDY},
    )
    assert out.loc["H", "parcel_id"] == "L0" and out.loc["N", "parcel_id"] == "L2"
    assert out.loc["H", "next_best"] == "L2"
    assert out.loc["H", "why"] == (
        "next best L2 (A) went to N; besides, it needs 150 万元 more subsidy, "
        "takes 0.50 ha more land; best in a park led by its sector, L1 (B): "
        "needs 300 万元 more subsidy, is in a park led by its sector"
    )
    assert out.loc["H", "why_zh"].startswith("次优地块L2（A）已落位N，且区级补贴多150万元")
    assert out.loc["N", "why"] == "its only eligible place"
