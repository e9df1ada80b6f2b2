"""The input stage through ``landplan validate``: every problem, exit 2, no traceback.

A scenario that validate accepts never makes ``run`` exit 2: the problems that
v1 found only later (spatial layers, park costs) are found here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from landplan.cli import main
from tests.conftest import DEMO, Builder, land_row, plot, project_row

# Each case: build arguments, then the texts the message must contain.
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "dev_cost not a number": (
        {"land": [land_row("L1", 0, dev_cost="12万")]},
        ["parcels.gpkg", "row L1", "dev_cost"],
    ),
    "duplicate parcel id": (
        {"land": [land_row("L1", 0), land_row("L1", 1)]},
        ["land", "L1", "parcel_id"],
    ),
    "duplicate across layers": (
        {"factories": [land_row("L1", 4, floor_area_m2=100)]},
        ["fact", "L1", "parcel_id"],
    ),
    "missing zoning": (
        {"land": [land_row("L1", 0, zoning="")]},
        ["parcels.gpkg", "row L1", "zoning"],
    ),
    "unknown status": (
        {"land": [land_row("L1", 0, status="sold")]},
        ["parcels.gpkg", "row L1", "status"],
    ),
    "unknown supply mode": (
        {"land": [land_row("L1", 0, supply_modes="auction")]},
        ["row L1", "supply_modes"],
    ),
    "standard_land not yes/no": (
        {"land": [land_row("L1", 0, standard_land="maybe")]},
        ["row L1", "standard_land"],
    ),
    "empty geometry": (
        {"land": [land_row("L1", 0, geometry=None)]},
        ["row L1", "geometry", "empty"],
    ),
    "factory without floor space": (
        {"factories": [land_row("F1", 5, floor_area_m2=-5)]},
        ["fact", "row F1", "floor_area_m2"],
    ),
    "available_year fractional": (
        {"land": [land_row("L1", 0, available_year=2025.5)]},
        ["row L1", "available_year"],
    ),
    "project unknown sector": (
        {"projects": [project_row("P1", sector="space")]},
        ["projects.csv", "row P1", "sector"],
    ),
    "project bad area range": (
        {"projects": [project_row("P1", area_min_ha=3, area_max_ha=1)]},
        ["projects.csv", "row P1", "area_min_ha"],
    ),
    "project bad need": (
        {"projects": [project_row("P1", need="water")]},
        ["projects.csv", "row P1", "need"],
    ),
    "project duplicate id": (
        {"projects": [project_row("P1"), project_row("P1")]},
        ["projects.csv", "P1", "project_id"],
    ),
    "floor project without floor_m2": (
        {"projects": [project_row("P1", need="floor")]},
        ["projects.csv", "row P1", "floor_m2"],
    ),
    "locked parcel unknown": (
        {"projects": [project_row("P1", locked_parcel="NOPE")]},
        ["projects.csv", "row P1", "locked_parcel", "NOPE"],
    ),
    "missing layer": (
        {"layers": [{"path": "parcels.gpkg", "layer": "lnd", "kind": "vacant"}]},
        ["parcels.gpkg", "lnd", "has land"],
    ),
    "mapped column missing": (
        {
            "layers": [
                {
                    "path": "parcels.gpkg",
                    "layer": "land",
                    "kind": "vacant",
                    "fields": {"地块编号": "parcel_id"},
                }
            ]
        },
        ["parcels.gpkg", "地块编号", "fields:"],
    ),
    "collective land by transfer": (
        {
            "layers": [{"path": "parcels.gpkg", "layer": "land", "kind": "collective"}],
            "land": [land_row("L1", 0, supply_modes="transfer")],
        },
        ["parcels.gpkg", "row L1", "supply_modes", "lease, equity or joint"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_exits_2_naming_file_and_field(
    case: str, make_scenario: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    kwargs, expected = CASES[case]
    path = make_scenario(**kwargs)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert any(all(text in line for text in expected) for line in error_lines), err


def test_problems_of_all_inputs_come_in_one_pass(
    make_scenario: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_scenario(
        land=[land_row("L1", 0, dev_cost="x")], projects=[project_row("P1", sector="space")]
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "field dev_cost" in err and "field sector" in err
    assert "2 input problems; nothing was written" in err


def test_validate_prints_the_inventory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DEMO)]) == 0
    out = capsys.readouterr().out
    assert "814 parcels" in out and "氢能示范区" in out
    assert "projects: 122" in out and "no problems found" in out


def test_validate_quiet_prints_only_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(DEMO), "-q"]) == 0
    assert capsys.readouterr().out.strip() == "no problems found"


def _write_layer(path: Path, crs: str | None) -> None:
    """A Shapefile; without ``crs`` its .prj is removed, as offices send them."""
    frame = gpd.GeoDataFrame({"name": ["x"]}, geometry=[plot(0)], crs="EPSG:4548")
    frame.to_file(path, engine="pyogrio")
    if crs is None:
        path.with_suffix(".prj").unlink()


LATE = {
    "constraint layer without CRS": (
        lambda tmp: _write_layer(tmp / "nocrs.shp", None),
        {"constraints": [{"name": "red line", "path": "nocrs.shp"}]},
        ["nocrs.shp", "constraints[0]", "no CRS"],
    ),
    "constraint layer unreadable": (
        lambda tmp: (tmp / "broken.gpkg").write_text("not a geopackage"),
        {"constraints": [{"name": "red line", "path": "broken.gpkg"}]},
        ["broken.gpkg", "constraints[0]", "cannot read the layer"],
    ),
    "park without an average cost": (
        lambda tmp: None,
        {},
        ["park 'A' has land to allocate but no average land cost", "dev_cost"],
    ),
    "floor method without park floor space": (
        lambda tmp: (tmp / "parks.csv").write_text(
            "park,total_dev_cost,developable_area_ha\nA,2000,2\n"
        ),
        {"parks": "parks.csv", "costshare": {"method": "floor"}},
        ["parks.csv", "park 'A' has no permitted floor space", "floor_area_m2"],
    ),
}


@pytest.mark.parametrize("case", list(LATE))
def test_problems_v1_found_late_are_found_by_validate(
    case: str, make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prepare, extra, expected = LATE[case]
    prepare(tmp_path)
    land = [land_row("L1", 0, dev_cost=None if "average" in case else 1000.0)]
    path = make_scenario(land=land, extra=extra)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert any(all(t in line for t in expected) for line in err.splitlines()), err
    # and run stops at the same place, with nothing written
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_a_scenario_validate_accepts_runs(make_scenario: Builder, tmp_path: Path) -> None:
    path = make_scenario()
    assert main(["validate", str(path), "-q"]) == 0
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "-q"]) == 0
