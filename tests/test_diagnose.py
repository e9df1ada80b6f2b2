"""Infeasibility proven by the solver, explained: the targets no plan meets, each with
the best level a plan reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from landplan.cli import main
from tests.conftest import Builder, project_row


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
