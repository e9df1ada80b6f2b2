"""Reading an output folder back: every page's one reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from landplan.cli import main
from landplan.errors import InputError
from landplan.folder import read_folder
from tests.conftest import Builder, project_row


def test_map_of_a_folder_that_is_not_an_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["map", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a complete landplan output folder" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_each_table_is_read_once_when_first_asked_for(demo_out: Path) -> None:
    folder = read_folder(demo_out)
    assert "parcels" not in vars(folder)  # not read until asked for
    assert len(folder.parcels) == 814 and folder.parcels is folder.parcels
    assert folder.map.lang == "zh" and folder.summary["scenario"] == "daxing-demo"
    assert folder.supply_by_year is None  # the one-year demo has no annual plan
    assert folder.evaluation is not None and folder.swaps is not None
    # a merged site's park is its members' park
    site = folder.allocation.loc[folder.allocation["parcel_id"].str.contains("+", regex=False)]
    parks = folder.park_of(site["parcel_id"])
    members = folder.parcels.set_index("parcel_id")["park"]
    assert len(site) and parks.notna().all()
    assert list(parks) == [members[p.split("+")[1]] for p in site["parcel_id"]]


def test_a_broken_file_names_itself(demo_out: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(demo_out, broken)
    (broken / "summary.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=r"summary\.json"):
        read_folder(broken)


def test_a_folder_written_in_gb18030_reads_back_and_its_pages_rebuild(
    make_scenario: Builder, tmp_path: Path
) -> None:
    projects = [project_row("P1", name="=生物医药（一期）"), project_row("P2", name="'芯片'")]
    path = make_scenario(projects=projects, extra={"output": {"csv_encoding": "gb18030"}})
    out = tmp_path / "o"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    folder = read_folder(out)
    assert folder.csv_encoding == "gb18030"
    names = dict(zip(folder.allocation["project_id"], folder.allocation["name"], strict=True))
    assert names == {"P1": "=生物医药（一期）", "P2": "'芯片'"}
    (out / "map.html").unlink()
    assert main(["map", str(out)]) == 0
    page = (out / "map.html").read_text(encoding="utf-8")
    assert json.dumps("=生物医药（一期）")[1:-1] in page  # in the map's data, as JSON
