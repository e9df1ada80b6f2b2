"""Eligible pairs against a loop oracle that shares no code with landplan."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from landplan.eligibility import eligible_pairs
from landplan.inputs import load_inputs
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, plot, project_row
from tests.oracle import eligible
from tests.scenarios import random_scenario


def test_pairs_equal_the_oracles_on_random_scenarios(make_scenario: Builder) -> None:
    rng = np.random.default_rng(11)
    for _ in range(10):
        inputs = load_inputs(load_scenario(random_scenario(rng, make_scenario)))
        found = eligible_pairs(inputs)
        parcels = inputs.parcels.drop(columns="geometry").to_dict("records")
        projects = inputs.tables.projects.to_dict("records")
        zoning = {k: set(v) for k, v in inputs.tables.zoning.items()}
        expected = {
            (p["project_id"], j["parcel_id"])
            for p in projects
            for j in parcels
            if eligible(p, j, zoning, {"investment_per_ha": 500.0})
        }
        pid = inputs.tables.projects["project_id"].to_numpy()
        jid = inputs.parcels["parcel_id"].to_numpy()
        got = set(zip(pid[found.pairs["project"]], jid[found.pairs["parcel"]], strict=True))
        assert got == expected
        # every project's candidates are accounted for by the funnel
        rules = [c for c in found.funnel.columns if c not in ("candidates", "eligible")]
        assert (found.funnel["candidates"] - found.funnel[rules].sum(axis=1)).equals(
            found.funnel["eligible"]
        )


def test_spatial_rules_apply_to_their_sectors_only(make_scenario: Builder, tmp_path: Path) -> None:
    # a residential point 150 m from L1's edge: a 200 m buffer rule hits L1 only for "it"
    x, y = plot(0).bounds[0] - 150, plot(0).bounds[1]
    gpd.GeoDataFrame({"name": ["village"]}, geometry=[Point(x, y)], crs="EPSG:4548").to_file(
        tmp_path / "res.gpkg", layer="res", engine="pyogrio"
    )
    rule = {
        "name": "safety distance",
        "path": "res.gpkg",
        "layer": "res",
        "rule": "buffer",
        "distance_m": 200,
        "sectors": ["it"],
    }
    path = make_scenario(
        land=[land_row("L1", 0, zoning="M4")],
        projects=[project_row("P1", sector="it"), project_row("P2", sector="bio")],
        extra={"constraints": [rule]},
    )
    found = eligible_pairs(load_inputs(load_scenario(path)))
    assert found.pairs["project"].tolist() == [1]
    assert found.funnel.loc["P1", "spatial:safety distance"] == 1
    assert (
        "safety distance: the 1 fitting land parcel(s) are all excluded" in found.reasons["P1"].en
    )
    assert "safety distance：1个规模相符的地块均被该空间约束排除" in found.reasons["P1"].zh


def test_no_eligible_parcel_names_the_binding_rule(make_scenario: Builder) -> None:
    path = make_scenario(
        projects=[
            project_row("P1", sector="it"),
            project_row("P2", area_min_ha=3, area_max_ha=4),
        ]
    )
    reasons = eligible_pairs(load_inputs(load_scenario(path))).reasons
    assert "zoning: no available land parcel zoned B29/M4" in reasons["P1"].en
    assert "size: no land parcel zoned M1/M4 with 3–4 ha" in reasons["P2"].en
    assert "用地性质：无用地性质为B29/M4的可用地块" in reasons["P1"].zh
    assert "规模：无用地性质为M1/M4且规模为3–4公顷的地块" in reasons["P2"].zh
