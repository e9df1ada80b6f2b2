"""Each objective term of a pair's value, against numbers worked by hand.

Two parks of 1 ha plots: A (average cost 1,000 万元/ha, leading sector bio) and
B (1,500 万元/ha, leading it); a station 250 m from L1 (in A), 982 m from L2.
P1: bio, high-tech, prefers park B. P2: it, not high-tech, no preference.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from landplan.eligibility import eligible_pairs
from landplan.inputs import load_inputs
from landplan.scenario import load_scenario
from landplan.valuation import TERMS, describe, price_pairs
from tests.conftest import X0, Y0, Builder, land_row, project_row
from tests.scenarios import OUTPUT_LESS_SUBSIDY

WEIGHTS = OUTPUT_LESS_SUBSIDY | {"positioning": 400, "preferred_park": 300, "land": 50}
NEAR = 200 * (1 - 250 / 900)  # weight × (1 − d / within_m) for L1; L2 is beyond 900 m
TIE = 1e-3  # a value carries its tie-break, at most TIE_BREAK × (area + 1)


def _values(make_scenario: Builder, **extra: Any) -> dict[tuple[str, str], dict[str, float]]:
    path = make_scenario(
        land=[land_row("L1", 0, zoning="M4", park="A"), land_row("L2", 1, zoning="M4", park="B")],
        projects=[
            project_row("P1", sector="bio", hightech="true", park="B"),
            project_row("P2", sector="it"),
        ],
        parks=[
            {
                "park": "A",
                "total_dev_cost": 2000,
                "developable_area_ha": 2,
                "leading_sectors": "bio",
            },
            {
                "park": "B",
                "total_dev_cost": 3000,
                "developable_area_ha": 2,
                "leading_sectors": "it",
            },
        ],
        extra={
            "objective": WEIGHTS | extra.pop("objective", {}),
            "near": [
                {
                    "layer": {"path": "parcels.gpkg", "layer": "stations"},
                    "sectors": ["bio"],
                    "within_m": 900,
                    "weight": 200,
                }
            ],
            **extra,
        },
    )
    station = gpd.GeoDataFrame(geometry=[Point(X0 + 50, Y0 + 350)], crs="EPSG:4548")
    station.to_file(path.parent / "parcels.gpkg", layer="stations", engine="pyogrio")
    inputs = load_inputs(load_scenario(path))
    priced = price_pairs(inputs, eligible_pairs(inputs))
    table = describe(priced, np.arange(len(priced.pairs)))
    return {
        (r["project_id"], r["parcel_id"]): {
            **{t: float(r[f"v_{t}"]) for t in TERMS},
            "value": float(r["value"]),
            "paid": float(r["subsidy"]),
        }
        for r in table.to_dict("records")
    }


def test_every_term_worked_by_hand(make_scenario: Builder) -> None:
    v = _values(make_scenario)
    # P1 in A: leading bio, the station 250 m away; high-tech: 30% of 1,000 × 1 ha subsidised
    assert v["P1", "L1"]["positioning"] == 400 and v["P1", "L1"]["preferred_park"] == 0
    assert v["P1", "L1"]["near"] == pytest.approx(NEAR, abs=TIE)
    assert v["P1", "L1"]["paid"] == pytest.approx(300, abs=TIE)
    assert v["P1", "L1"]["value"] == pytest.approx(1000 + 400 + NEAR - 50 - 300, abs=TIE)
    # P1 in B, its preferred park: no positioning, no station, 30% of 1,500
    assert v["P1", "L2"]["value"] == pytest.approx(1000 + 300 - 50 - 450, abs=TIE)
    # P2 (it): leading in B only, no near entry for its sector, no subsidy
    assert v["P2", "L1"]["value"] == pytest.approx(1000 - 50, abs=TIE)
    assert v["P2", "L2"]["value"] == pytest.approx(1000 + 400 - 50, abs=TIE)
    for terms in v.values():
        assert terms["land"] == pytest.approx(-50, abs=TIE)
        assert sum(terms[t] for t in TERMS) == pytest.approx(terms["value"], abs=TIE)


def test_deferred_and_spread_shortfalls_cost_their_weight(make_scenario: Builder) -> None:
    deferred = _values(make_scenario, costshare={"shortfall": "deferred"})
    # the fund pays nothing; the 300 万元 deferred costs the subsidy weight by default
    assert deferred["P1", "L1"]["paid"] == 0
    assert deferred["P1", "L1"]["deferred"] == pytest.approx(-300, abs=TIE)
    heavier = _values(
        make_scenario, costshare={"shortfall": "deferred"}, objective={"deferred": 2.5}
    )
    assert heavier["P1", "L1"]["deferred"] == pytest.approx(-750, abs=TIE)
    assert heavier["P1", "L2"]["value"] == pytest.approx(1000 + 300 - 50 - 2.5 * 450, abs=TIE)
    spread = _values(make_scenario, costshare={"shortfall": "spread"}, objective={"spread": 0.5})
    assert spread["P1", "L1"]["spread"] == pytest.approx(-150, abs=TIE)
    assert spread["P2", "L2"]["spread"] == 0  # not high-tech: no shortfall of its own
