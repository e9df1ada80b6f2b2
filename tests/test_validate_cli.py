"""Bad input through the command line: exit 2, one clean line per problem, no traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from landplan import __version__
from landplan.cli import main
from tests.conftest import DEMO, Builder, land_row, project_row

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
    "cap ratio out of range": (
        {"extra": {"costshare": {"cap_ratio": 1.4}}},
        ["scenario.yaml", "costshare.cap_ratio must be in (0, 1], got 1.4"],
    ),
    "unknown scenario key": (
        {"extra": {"objetive": {}}},
        ["scenario.yaml", "objetive", "not a known key"],
    ),
    "unknown kind": (
        {"layers": [{"path": "parcels.gpkg", "layer": "land", "kind": "farm"}]},
        ["scenario.yaml", "layers[0].kind", "factory, vacant, collective"],
    ),
    "missing layer": (
        {"layers": [{"path": "parcels.gpkg", "layer": "lnd", "kind": "vacant"}]},
        ["parcels.gpkg", "lnd", "has land"],
    ),
    "geographic scenario crs": (
        {"extra": {"crs": "EPSG:4490"}},
        ["scenario.yaml", "crs", "projected"],
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
    assert "projects: 120" in out and "no problems found" in out


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit, match="0"):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit, match="0"):
        main(["--help"])
    help_text = capsys.readouterr().out
    assert all(word in help_text for word in ("run", "validate", "sweep"))


def test_missing_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml: scenario file not found" in capsys.readouterr().err


def test_broken_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "s.yaml: not valid YAML" in capsys.readouterr().err


def test_scenario_defaults_and_overrides(make_scenario: Builder) -> None:
    from landplan.scenario import load_scenario

    path = make_scenario()
    scenario = load_scenario(path, overrides={"costshare.cap_ratio": 0.6})
    assert scenario.costshare.cap_ratio == 0.6
    assert scenario.costshare.method == "area" and scenario.costshare.shortfall == "subsidy"
    assert scenario.solver.name == "cbc" and scenario.objective.major == 5000.0
    data = scenario.to_dict()
    assert yaml.safe_load(yaml.safe_dump(data, allow_unicode=True))["costshare"]["cap_ratio"] == 0.6
