"""Spatial reference layers: read once, checked, measured against the parcels."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from landplan.errors import ProblemLog
from landplan.scenario import NearSpec
from landplan.spatial import proximity, read_near


def test_proximity_score_worked_by_hand() -> None:
    parcels = np.array([box(0, 0, 10, 10), box(100, 0, 110, 10), box(600, 0, 610, 10)])
    features = np.array([Point(5, 5), Point(-300, 5)])
    # inside (d 0) -> 1; 95 m from (5, 5) -> 1 - 95/500; 595 m off (beyond 500) -> 0
    assert proximity(parcels, features, 500.0) == pytest.approx([1.0, 1 - 95 / 500, 0.0])


def test_near_layer_in_another_crs_is_reprojected_and_a_bad_one_is_named(
    tmp_path: Path,
) -> None:
    path = tmp_path / "near.gpkg"
    station = gpd.GeoSeries([Point(450_000, 4_395_000)], crs="EPSG:4548").to_crs("EPSG:4326")
    gpd.GeoDataFrame({"name": ["s"]}, geometry=station).to_file(path, layer="stations")
    parcels = gpd.GeoDataFrame(
        geometry=[box(450_100, 4_395_000, 450_200, 4_395_100)], crs="EPSG:4548"
    )
    good = NearSpec(name="s", path=path, layer="stations", within_m=1000.0, weight=1.0)
    bad = NearSpec(name="x", path=path, layer="missing", within_m=1000.0, weight=1.0)
    problems = ProblemLog()
    layers = read_near((good, bad), parcels, crs="EPSG:4548", problems=problems)
    assert len(layers) == 1 and layers[0].score == pytest.approx([0.9], abs=1e-6)
    assert len(problems.problems) == 1
    assert "near[1]" in str(problems.problems[0]) and "layer missing" in str(problems.problems[0])
