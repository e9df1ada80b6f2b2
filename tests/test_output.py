"""The output folder: the contract's files, atomic writes, exit codes, model export."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import highspy
import pandas as pd
import pytest
import yaml

from landplan import output
from landplan.cli import main
from tests.conftest import DEMO, Builder, land_row, project_row


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_demo_run_writes_the_contract_files(demo_out: Path) -> None:
    names = {p.name for p in demo_out.iterdir()}
    assert {
        "allocation.csv",
        "costshare.csv",
        "allocation.gpkg",
        "summary.json",
        "scenario.resolved.yaml",
        "costshare_by_park.csv",
        "map.html",
        "report.html",
    } <= names
    allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
    assert len(allocation) == 122 and allocation["project_id"].is_unique
    assert set(allocation["status"]) == {"placed", "unplaced"}
    unplaced = allocation[allocation["status"] == "unplaced"]
    assert (unplaced["reason"] != "").all() and (unplaced["parcel_id"] == "").all()
    summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and summary["gap"] <= 1e-4
    assert summary["best_bound"] >= summary["objective"]
    assert summary["projects"]["placed"] == int((allocation["status"] == "placed").sum())
    assert summary["costshare"]["subsidy"] <= 60_000 + 1e-6  # the demo's budget
    assert set(summary["kpis"]) == {
        "output_per_ha",
        "tax_per_mu",
        "labour_productivity",
        "rd_intensity",
        "hightech_output_share",
    }
    shares = pd.read_csv(demo_out / "costshare.csv")
    assert len(shares) == summary["projects"]["placed"]
    # conservation, up to the CSV's rounding to 0.0001 万元 per cell
    assert shares["share"].sum() + shares["subsidy"].sum() == pytest.approx(
        shares["base_share"].sum(), abs=1e-4 * len(shares)
    )
    layer = gpd.read_file(demo_out / "allocation.gpkg", layer="parcels")
    assert len(layer) == 814 and layer.crs.to_epsg() == 4548
    # a merged site's project is shown on each of its plots
    on_sites = layer["site"] != ""
    placed_on = layer.loc[~on_sites, "n_projects"].sum() + layer.loc[on_sites, "site"].nunique()
    assert placed_on == summary["projects"]["placed"]
    constraints = gpd.read_file(demo_out / "allocation.gpkg", layer="constraints")
    assert sorted(set(constraints["name"])) == ["氢能安全距离", "生态保护红线"]
    resolved = yaml.safe_load((demo_out / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    assert resolved["costshare"]["cap_ratio"] == 0.7 and resolved["solver"]["threads"] == 2
    assert any(k.endswith("collective_land.dbf") for k in resolved["inputs_sha256"])


def test_kpis_are_computed_from_the_placed_projects(demo_out: Path) -> None:
    summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
    allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
    projects = pd.read_csv(DEMO.parent / "projects-demo.csv")
    placed = projects[
        projects["project_id"].isin(allocation.loc[allocation["status"] == "placed", "project_id"])
    ]
    land = allocation["land_ha"].replace("", 0).astype(float).sum()
    assert summary["kpis"]["output_per_ha"] == pytest.approx(
        placed["output"].sum() / land, rel=1e-4
    )
    assert summary["kpis"]["tax_per_mu"] == pytest.approx(
        placed["tax"].sum() / (land * 15), rel=1e-4
    )
    ht = placed["hightech"] == "是"
    assert summary["kpis"]["hightech_output_share"] == pytest.approx(
        placed.loc[ht, "output"].sum() / placed["output"].sum(), rel=1e-5
    )
    assert summary["kpis"]["rd_intensity"] == pytest.approx(
        placed["rd_spend"].sum() / placed["output"].sum(), rel=1e-5
    )  # a fraction in the data, like targets.rd_intensity
    assert summary["targets"]["output_per_ha"]["plan"] == summary["kpis"]["output_per_ha"]


def test_both_solvers_agree_on_the_demo(demo_out: Path, demo_cbc_out: Path) -> None:
    highs = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
    assert highs["solver"] == "highs"  # the demo's (and the default) solver
    cbc = json.loads((demo_cbc_out / "summary.json").read_text(encoding="utf-8"))
    assert cbc["solver"] == "cbc"
    # each solver's plan lies under the other's proven bound, within both gaps
    assert highs["objective"] <= cbc["best_bound"] + 1e-6
    assert cbc["objective"] <= highs["best_bound"] + 1e-6
    assert highs["objective"] == pytest.approx(cbc["objective"], rel=2e-4)


def test_exported_model_solves_to_the_same_objective(
    make_scenario: Builder, tmp_path: Path
) -> None:
    path = make_scenario(
        land=[land_row("L1", 0), land_row("L2", 1)],
        projects=[
            project_row("P1", output=500),
            project_row("P2", output=900),
            project_row("P3", output=700),
        ],
    )
    lp = tmp_path / "model.lp"
    assert (
        main(["run", str(path), "--out", str(tmp_path / "o"), "--export-model", str(lp), "-q"]) == 0
    )
    text = lp.read_text()
    assert "parcel_once(L1)" in text and "assign(P1)" in text
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(lp))
    h.run()
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert h.getInfo().objective_function_value == pytest.approx(summary["objective"])


def test_a_failed_run_leaves_the_earlier_folder_byte_identical(
    make_scenario: Builder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_scenario()
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    before = _hashes(out)

    def broken(*args: object) -> dict[str, object]:
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C while files are written

    monkeypatch.setattr(output, "summary", broken)
    assert main(["run", str(path), "--out", str(out), "-q"]) == 130
    assert _hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_a_full_disk_is_an_output_error_and_changes_nothing(
    make_scenario: Builder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import errno

    path = make_scenario()
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    before = _hashes(out)

    def full(*args: object) -> dict[str, object]:
        raise OSError(errno.ENOSPC, "No space left on device", "summary.json")

    monkeypatch.setattr(output, "summary", full)
    assert main(["run", str(path), "--out", str(out), "-q"]) == 4
    err = capsys.readouterr().err
    assert "No space left on device" in err and "nothing was changed" in err
    assert "Traceback" not in err
    assert _hashes(out) == before
    # an output folder whose parent is a file cannot be made either
    (tmp_path / "file").write_text("x")
    assert main(["run", str(path), "--out", str(tmp_path / "file" / "o"), "-q"]) == 4


def test_hidden_folders_of_dead_runs_are_removed(make_scenario: Builder, tmp_path: Path) -> None:
    path = make_scenario()
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    stale = tmp_path / f".out.tmp-{dead}"
    stale.mkdir()
    (stale / "allocation.csv").write_text("half")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "-q"]) == 0
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_bad_input_to_run_writes_nothing(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_scenario(land=[land_row("L1", 0, dev_cost="x")])
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()
    assert "Traceback" not in capsys.readouterr().err


def test_infeasible_run_exits_3(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_scenario(projects=[project_row("P1", sector="it", must_place="是")])
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 3
    assert "must-place project P1 has no eligible parcel" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_costshare_by_park_adds_up_to_the_pair_table(demo_out: Path) -> None:
    pairs = pd.read_csv(demo_out / "costshare.csv")
    parks = pd.read_csv(demo_out / "costshare_by_park.csv").set_index("park")
    money = ["base_share", "share", "subsidy", "spread_burden", "deferred"]
    by_park = pairs.groupby("park")[money].sum()
    for park, row in by_park.iterrows():
        assert parks.loc[park, money].to_numpy() == pytest.approx(row.to_numpy(), abs=1e-3)
    total = parks.loc["total"]
    assert total[money].to_numpy() == pytest.approx(pairs[money].sum().to_numpy(), abs=1e-3)
    assert total["pairs"] == len(pairs)
    assert total["budget_used"] == pytest.approx(total["subsidy"] / total["budget"], abs=1e-4)
    assert total["subsidy"] <= total["budget"] + 1e-6


def test_floor_method_from_the_command_line(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    land = [land_row("L1", 0, far=2.5), land_row("L2", 1)]
    projects = [project_row("H1", hightech="true"), project_row("N1", output=500)]
    path = make_scenario(land=land, projects=projects)
    # without the parks' permitted floor space the floor method cannot charge
    args = ["run", str(path), "--out", str(tmp_path / "o"), "--set", "costshare.method=floor"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "park 'A'" in err and "floor_area_m2" in err and "parks.csv" in err
    assert not (tmp_path / "o").exists()
    # Park A: 2,000 万元 over 2 ha and 40,000 m² -> 0.05 万元/m², avg 1,000 万元/ha.
    (tmp_path / "parks.csv").write_text(
        "park,total_dev_cost,developable_area_ha,floor_area_m2\nA,2000,2,40000\n"
    )
    scenario = yaml.safe_load(path.read_text())
    scenario["parks"] = str(tmp_path / "parks.csv")
    path.write_text(yaml.safe_dump(scenario))
    assert main([*args, "-q"]) == 0
    shares = pd.read_csv(tmp_path / "o" / "costshare.csv").set_index("parcel_id")
    # L1 (1 ha at plot ratio 2.5 = 25,000 m²): 0.05 × 25,000 = 1,250; L2 has no
    # plot ratio: avg × land = 1,000. H1 is capped at 0.7 × 1,000 × 1 = 700.
    assert sorted(shares["base_share"]) == pytest.approx([1000.0, 1250.0])
    capped = shares[shares["hightech"]].iloc[0]
    assert capped["share"] == pytest.approx(700.0)
    assert capped["subsidy"] == pytest.approx(capped["base_share"] - 700.0)
