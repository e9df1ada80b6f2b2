"""landplan compare: what moved, appeared or dropped between two plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from landplan.cli import main
from tests.conftest import Builder, land_row, project_row


def test_compare_two_runs(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_scenario(
        land=[land_row("L1", 0), land_row("L2", 1)],
        projects=[project_row("P1", hightech="true", must_place="true"), project_row("P2")],
    )
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(path), "--out", str(a), "-q"]) == 0
    capsys.readouterr()
    # B: one parcel fewer, so P2 is outcompeted by the must-place P1
    path_b = make_scenario(
        land=[land_row("L1", 0)],
        projects=[project_row("P1", hightech="true", must_place="true"), project_row("P2")],
    )
    assert main(["run", str(path_b), "--out", str(b), "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "dropped 1" in out and "dropped  P2: was on L" in out and "outcompeted" in out
    assert "projects placed" in out and "-1.0" in out
