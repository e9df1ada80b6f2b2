"""Infeasibility proven by the solver, explained: the targets no plan meets, each with
the best level a plan reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from landplan.cli import main
from landplan.errors import InfeasibleError
from landplan.run import compute
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, plot, project_row


def test_an_unreachable_target_exits_3_naming_it_and_the_best_level(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # P1 must be placed: 1,000 万元 on 1 ha. With P2 (5,000 on 1 ha) the plan
    # reaches 6,000 / 2 ha = 3,000 万元/ha at best, short of 4,000.
    path = make_scenario(
        projects=[
            project_row("P1", output=1000, must_place="1"),
            project_row("P2", output=5000),
        ],
        extra={"targets": {"output_per_ha": 4000}},
    )
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 3
    assert "output_per_ha 4,000 万元/ha: the best plan reaches 3,000 万元/ha" in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_must_place_projects_stopped_by_annual_land_caps_blame_the_caps(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two must-place projects, one plot each; 2025-2026 supply 1 ha in all and no delay
    # past 2026: without the caps both fit. No budget is set, so none is blamed.
    land = [land_row("L1", 0, available_year=2025), land_row("L2", 1, available_year=2025)]
    projects = [project_row(f"P{k}", start_year=2025, must_place="true") for k in (1, 2)]
    phasing = {"years": [2025, 2026], "land_ha": {2025: 1.0, 2026: 0.0}}
    path = make_scenario(land=land, projects=projects, extra={"phasing": phasing})
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 3
    assert "annual land caps (phasing.land_ha)" in err and "phasing.max_delay" in err
    assert "costshare.budget" not in err and "floor space" not in err
    assert not (tmp_path / "out").exists()
    # the same in Chinese, for a page in Chinese (a sweep's failed point)
    with pytest.raises(InfeasibleError) as caught:
        compute(load_scenario(path))
    assert "年度供地上限（phasing.land_ha）" in caught.value.zh


def test_the_generic_message_names_only_the_limits_that_are_set(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two must-place high-tech projects; park average 2,000 万元 / 3 ha: 200 万元 of
    # subsidy on the 1 ha plot, 400 on the 2 ha one. Each alone fits the budget of
    # 500 (the precheck passes), both need 600: parcels and budget together.
    land = [land_row("L1", 0), land_row("L2", 1, geometry=plot(1, 200, 100))]
    projects = [project_row(f"P{k}", must_place="true", hightech="true") for k in (1, 2)]
    path = make_scenario(land=land, projects=projects, extra={"costshare": {"budget": 500}})
    code = main(["run", str(path), "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 3
    assert "the solver proved that no plan places every must-place project" in err
    assert "parcels (one project per land parcel)" in err and "costshare.budget" in err
    assert "targets" not in err and "floor space" not in err and "quota" not in err
