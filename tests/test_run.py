"""The stages in order: ``compute`` in memory, ``run`` to a folder whole or not at all."""

from __future__ import annotations

from pathlib import Path

from landplan.run import compute, run
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, project_row


def test_compute_writes_nothing_and_run_writes_the_folder(
    make_scenario: Builder, tmp_path: Path
) -> None:
    path = make_scenario(
        land=[land_row("L1", 0), land_row("L2", 1)],
        projects=[project_row("P1"), project_row("P2", output=2000)],
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    result = compute(load_scenario(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert set(result.allocation.placed["project_id"]) == {"P1", "P2"}
    assert result.importance is None and result.runtime_s > 0
    out = tmp_path / "out"
    again = run(load_scenario(path), out)
    assert set(again.allocation.placed["project_id"]) == {"P1", "P2"}
    written = {p.name for p in out.iterdir()}
    assert {"allocation.csv", "summary.json", "map.html", "report.html", "plan.xlsx"} <= written
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no leftovers


def test_importance_is_computed_only_when_asked(make_scenario: Builder) -> None:
    path = make_scenario(land=[land_row("L1", 0)], projects=[project_row("P1")])
    result = compute(load_scenario(path), importance=True)
    assert result.importance is not None
    assert list(result.importance["parcel_id"]) == ["L1"]
