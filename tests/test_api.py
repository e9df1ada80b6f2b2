"""The notebook API, through the README's own example."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

import landplan
from landplan.errors import InputError
from tests.conftest import ROOT


def test_the_readme_notebook_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In a notebook", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    monkeypatch.chdir(tmp_path)
    os.symlink(ROOT / "scenarios", tmp_path / "scenarios")
    space: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), space)
    result = space["result"]
    assert isinstance(result, landplan.Plan)
    placed = space["placed"]
    assert isinstance(placed, pd.DataFrame) and len(placed) == result.summary["projects"]["placed"]
    assert set(result.parcels.columns) >= {"parcel_id", "geometry", "project_ids"}
    subsidy = space["subsidy"]
    assert isinstance(subsidy, pd.Series)
    assert subsidy.sum() == pytest.approx(result.summary["costshare"]["subsidy"], abs=0.01)
    assert (tmp_path / "out" / "cap-0.6" / "map.html").exists()
    shown = result.map()._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and "leaflet" in shown.lower()
    assert not re.search(r"src=&quot;https?://", shown)  # nothing loaded from the internet
    table = space["table"]
    assert isinstance(table, pd.DataFrame)
    assert list(table["costshare.cap_ratio"]) == [0.6, 0.7]
    assert (table["status"] == "optimal").all()


def test_bad_overrides_raise_the_commands_input_error() -> None:
    with pytest.raises(InputError, match="cap_ratio"):
        landplan.plan(ROOT / "scenarios" / "daxing-demo.yaml", costshare__cap_ratio=7)
