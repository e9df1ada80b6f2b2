"""Reading an output folder back: every page's one reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from landplan.cli import main
from landplan.errors import InputError
from landplan.folder import read_folder


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
