"""Alternative plans against enumeration; their folder and frequency tables."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from landplan.alternatives import alternatives
from landplan.cli import main
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, project_row
from tests.scenarios import LocationOracle, random_scenario


def _placements(plan: pd.DataFrame) -> dict[str, str]:
    return dict(zip(plan["project_id"], plan["parcel_id"], strict=True))


def _differs(
    oracle: LocationOracle,
    floor: float,
    most: int | None,
    min_diff: int,
    earlier: list[dict[str, str]],
    plan: dict[str, str],
) -> bool:
    """The contract's alternative: worth the floor, H high-tech kept, differs enough."""
    if oracle.value(plan) < floor - 1e-6:
        return False
    if most is not None and len(set(plan) & oracle.hightech) < most:
        return False
    return all(sum(plan.get(p) != j for p, j in old.items()) >= min_diff for old in earlier)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_each_alternative_is_the_best_plan_that_differs_enough(
    make_scenario: Builder, solver: str
) -> None:
    rng = np.random.default_rng(23)
    seen = {"alternatives": 0, "ran_out": 0, "hightech_first": 0}
    for _ in range(30):
        path = random_scenario(rng, make_scenario, location=True)
        scenario = load_scenario(path, {"solver.gap": 0.0, "solver.name": solver})
        oracle = LocationOracle(scenario)
        within, min_diff = float(rng.choice([0.3, 0.9])), int(rng.choice([1, 2]))
        plans = alternatives(scenario, count=4, within=within, min_diff=min_diff)
        best = plans[0].allocation
        assert best.objective == pytest.approx(oracle.best(), abs=1e-3)
        floor = best.bound - within * abs(best.bound)
        most = best.hightech_first
        earlier: list[dict[str, str]] = [_placements(best.placed)]

        acceptable = functools.partial(_differs, oracle, floor, most, min_diff, earlier)

        for plan in plans[1:]:
            placed = _placements(plan.allocation.placed)
            expected = oracle.best(accept=acceptable, lexicographic=False)
            assert expected is not None
            assert plan.allocation.objective == pytest.approx(expected, abs=1e-3)
            assert plan.allocation.objective >= (1 - within) * oracle.best() - 1e-6
            assert acceptable(placed)
            earlier.append(placed)
            seen["alternatives"] += 1
        if len(plans) < 4:  # stopped: no further plan exists
            assert oracle.best(accept=acceptable, lexicographic=False) is None
            seen["ran_out"] += 1
        seen["hightech_first"] += most is not None
    assert min(seen.values()) >= 1 and seen["alternatives"] >= 8, seen


def test_alternatives_folder_and_selection_frequency(
    make_scenario: Builder, tmp_path: Path
) -> None:
    land = [land_row(f"L{i}", i) for i in range(4)]
    projects = [project_row(f"P{k}", output=1000 + 10 * k) for k in range(3)]
    path = make_scenario(land=land, projects=projects)
    out = tmp_path / "alt"
    code = main(
        ["alternatives", str(path), "--count", "3", "--min-diff", "1", "--out", str(out), "-q"]
    )
    assert code == 0
    table = pd.read_csv(out / "alternatives.csv")
    assert list(table["plan"]) == [1, 2, 3]
    plans = [
        pd.read_csv(out / f"plan-{k}" / "allocation.csv", keep_default_na=False) for k in (1, 2, 3)
    ]
    placed = [p[p["status"] == "placed"] for p in plans]
    for k, plan in enumerate(placed):
        assert (out / f"plan-{k + 1}" / "map.html").exists()
        for old in placed[:k]:  # at least one of every earlier plan's placements left out
            assert len(set(_placements(old).items()) - set(_placements(plan).items())) >= 1
    frequency = pd.read_csv(out / "frequency.csv")
    counted: dict[tuple[str, str], int] = {}
    for plan in placed:
        for pair in _placements(plan).items():
            counted[pair] = counted.get(pair, 0) + 1
    pairs = zip(frequency["project_id"], frequency["parcel_id"], strict=True)
    assert dict(zip(pairs, frequency["plans"], strict=True)) == counted
    assert (frequency["share"] == (frequency["plans"] / 3).round(4)).all()
    by_park = pd.read_csv(out / "frequency_by_park.csv").set_index("project_id")
    assert (by_park["plans_placed"] == by_park["A"]).all()
    parcels = pd.read_csv(out / "parcel_frequency.csv").set_index("parcel_id")
    assert parcels["plans"].sum() == sum(len(p) for p in placed)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--count", "0"], "--count"),
        (["--within", "1.5"], "--within"),
        (["--min-diff", "0"], "--min-diff"),
    ],
)
def test_bad_alternatives_settings_exit_2(
    make_scenario: Builder,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    named: str,
) -> None:
    code = main(["alternatives", str(make_scenario()), "--out", str(tmp_path / "x"), *args])
    assert code == 2
    assert f"error: {named}" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
