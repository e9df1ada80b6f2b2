"""Allocation end to end: plans against the contract and independently computed optima."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from landplan.cli import main
from landplan.errors import InfeasibleError
from landplan.model import build_model
from landplan.run import compute
from landplan.scenario import load_scenario
from landplan.ties import canonical
from tests.conftest import Builder, land_row, project_row
from tests.instances import priced_table
from tests.oracle import brute_force, check_plan, eligible
from tests.scenarios import LocationOracle, random_scenario


def test_plans_satisfy_the_contract_and_are_optimal_end_to_end(make_scenario: Builder) -> None:
    rng = np.random.default_rng(11)
    for _ in range(10):
        scenario = load_scenario(random_scenario(rng, make_scenario), {"solver.gap": 0.0})
        result = compute(scenario)
        parcels = result.inputs.parcels.drop(columns="geometry").to_dict("records")
        by_id = {p["parcel_id"]: p for p in parcels}
        projects = result.inputs.tables.projects.to_dict("records")
        zoning = {k: set(v) for k, v in result.inputs.tables.zoning.items()}
        entry = {"investment_per_ha": 500.0}
        # the pairs themselves are checked against the oracle in test_eligibility
        expected_pairs = {
            (p["project_id"], j["parcel_id"])
            for p in projects
            for j in parcels
            if eligible(p, j, zoning, entry)
        }
        # Subsidy by hand: (1 - 0.7) × park average × land, high-tech only; park A only.
        avg = sum(j["dev_cost"] for j in parcels) / sum(j["area_ha"] for j in parcels)

        def land_of(p: dict[str, Any], j: dict[str, Any]) -> float:
            if p["need"] == "land":
                return float(j["area_ha"])
            return float(j["area_ha"] * p["floor_m2"] / j["floor_area_m2"])

        by_proj = {p["project_id"]: p for p in projects}
        subsidy = {
            (p, j): 0.3 * avg * land_of(by_proj[p], by_id[j]) if by_proj[p]["hightech"] else 0.0
            for p, j in expected_pairs
        }
        placements = dict(
            zip(
                result.allocation.placed["project_id"],
                result.allocation.placed["parcel_id"],
                strict=True,
            )
        )
        budget = scenario.costshare.budget
        assert check_plan(placements, projects, by_id, zoning, subsidy, budget, entry) == []
        options: dict[str, list[tuple[str, float, float]]] = {p["project_id"]: [] for p in projects}
        for p, j in expected_pairs:
            options[p].append((j, by_proj[p]["output"] - subsidy[(p, j)], subsidy[(p, j)]))
        best = brute_force(
            options,
            set(),
            {j["parcel_id"] for j in parcels if j["kind"] == "vacant"},
            {p["project_id"]: p["floor_m2"] for p in projects},
            {j["parcel_id"]: j["floor_area_m2"] for j in parcels},
            budget,
        )
        assert result.allocation.objective == pytest.approx(best, abs=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"projects": [project_row("P1", sector="it", must_place="是")]},
            r"must-place project P1 has no eligible parcel — zoning",
        ),
        (
            {
                "land": [land_row("L1", 0)],
                "projects": [
                    project_row("P1", must_place="yes"),
                    project_row("P2", must_place="yes"),
                ],
            },
            r"must-place projects P1, P2 \(2\) can only use parcels L1 \(1\)",
        ),
        (
            {
                "projects": [project_row("P1", must_place="1", hightech="1")],
                "extra": {"costshare": {"budget": 100}},
            },
            r"needs at least 300 万元 of subsidy .* costshare.budget is 100",
        ),
        (
            {
                "factories": [land_row("F1", 5, floor_area_m2=3000)],
                "projects": [
                    project_row(f"P{i}", need="floor", floor_m2=2000, must_place="1")
                    for i in (1, 2)
                ],
            },
            r"P1, P2 can only go to factory F1 and need 4,000 m² of its 3,000 m²",
        ),
        (
            {
                "land": [land_row("L1", 0, zoning="B29")],
                "projects": [project_row("P1", must_place="1", locked_parcel="L1")],
            },
            r"P1 has no eligible parcel — locked parcel L1 is not eligible: zoning",
        ),
    ],
)
def test_infeasibility_is_explained_before_solving(
    make_scenario: Builder, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InfeasibleError, match=message):
        compute(load_scenario(make_scenario(**kwargs)))


def test_floor_projects_share_a_factory_within_its_floor_space(make_scenario: Builder) -> None:
    factory = land_row("F1", 5, floor_area_m2=5000, supply_modes="lease")
    projects = [
        project_row(f"P{i}", need="floor", floor_m2=2000, output=100 * i) for i in (1, 2, 3)
    ]
    result = compute(load_scenario(make_scenario(factories=[factory], projects=projects)))
    placed = result.allocation.placed.set_index("project_id")
    assert sorted(placed.index) == ["P2", "P3"]  # 4,000 of 5,000 m²; P1 would overfill
    assert placed.loc["P3", "land_ha"] == pytest.approx(1.0 * 2000 / 5000)
    # output 200 + 300, tax 100 each × weight 5
    assert result.allocation.objective == pytest.approx(200 + 300 + 2 * 500)


def test_spread_run_pays_what_the_model_counted(make_scenario: Builder) -> None:
    # Park P: two high-tech projects (shortfall 0.3 × avg × land each) and one
    # non-high-tech bearer whose ceiling (0.05 × avg × land) covers part of it.
    land = [land_row(f"L{i}", i, dev_cost=1000.0, park="P") for i in range(4)]
    projects = [
        project_row("H1", hightech="true", output=900),
        project_row("H2", hightech="true", output=800),
        project_row("N1", hightech="false", output=300),
    ]
    path = make_scenario(
        land=land,
        projects=projects,
        extra={
            "costshare": {"shortfall": "spread", "spread_max_ratio": 0.05, "budget": 500},
            "objective": {"output": 1, "tax": 0, "jobs": 0, "hightech": 0, "major": 0},
        },
    )
    result = compute(load_scenario(path))
    placed = result.allocation.placed
    subsidy = float(result.shares["subsidy"].sum())
    # By hand: shortfall 0.3 × 1000 × 1 ha = 300 per high-tech project, ceiling
    # 0.05 × 1000 × 1 = 50 for N1. All three: fund 550 > 500. H1+H2: 600. H1+N1:
    # fund 250, value 900 + 300 − 250 = 950, the best (H1 alone: 600).
    assert sorted(placed["project_id"]) == ["H1", "N1"]
    assert subsidy == pytest.approx(250.0)
    assert result.allocation.objective == pytest.approx(950.0)
    # the objective the solver reports is the placed values less the fund's real payment
    values = result.inputs.tables.projects.set_index("project_id")["output"]
    assert result.allocation.objective == pytest.approx(
        float(values[placed["project_id"]].sum()) - subsidy, abs=1e-6
    )
    assert subsidy <= 500 + 1e-6


@pytest.mark.parametrize("solver", ["cbc", "highs"])
def test_location_terms_targets_and_priority_against_enumeration(
    make_scenario: Builder, solver: str
) -> None:
    """Every v2 term on, with targets, priority and promised parcels, against enumeration."""
    rng = np.random.default_rng(29)
    seen = {"hightech_first": 0, "binding target": 0, "locked": 0}
    for _ in range(14):
        path = random_scenario(rng, make_scenario, location=True)
        scenario = load_scenario(path, {"solver.gap": 0.0, "solver.name": solver})
        oracle = LocationOracle(scenario)
        best = oracle.best()
        # no project must be placed, so the empty plan meets every row
        assert best is not None
        result = compute(scenario)
        # the true value (the tie-break added back)
        assert result.allocation.objective == pytest.approx(best, abs=1e-3)
        placed = result.allocation.placed
        target = scenario.targets.output_per_ha
        if target is not None:
            output = result.inputs.tables.projects.set_index("project_id")["output"]
            assert output[placed["project_id"]].sum() >= target * placed["land_ha"].sum() - 1e-6
            free = oracle.best(with_target=False)
            seen["binding target"] += free != best
        locked = result.inputs.tables.projects.query("locked_parcel != ''")
        for project_id, parcel_id in zip(
            locked["project_id"], locked["locked_parcel"], strict=True
        ):
            holders = placed.loc[placed["parcel_id"] == parcel_id, "project_id"]
            assert set(holders) <= {project_id}
        seen["locked"] += len(locked) > 0
        seen["hightech_first"] += scenario.objective.priority == "hightech_first"
    assert min(seen.values()) >= 1, seen  # every feature was exercised


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


def test_equal_value_rotation_of_three_comes_out_in_id_order() -> None:
    """P0 fits L0 and L1, P1 fits L1 and L2, P2 fits L2 and L0: no two can exchange,
    but all three can rotate at equal value (value = project part + parcel part)."""
    project_part, parcel_part = [100.0, 200.0, 300.0], [10.0, 20.0, 30.0]
    fits = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 0), (2, 2)]
    pairs = pd.DataFrame(
        {
            "project": [p for p, _ in fits],
            "parcel": [j for _, j in fits],
            "land_ha": 1.0,
            "subsidy": 0.0,
            "value": [project_part[p] + parcel_part[j] for p, j in fits],
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": ["P0", "P1", "P2"],
            "need": "land",
            "must_place": False,
            "hightech": False,
            "floor_m2": np.nan,
        }
    )
    for column in ("output", "tax", "jobs", "rd_spend", "major"):
        projects[column] = 0.0
    parcels = pd.DataFrame(
        {
            "parcel_id": ["L0", "L1", "L2"],
            "kind": "vacant",
            "park": "A",
            "area_ha": 1.0,
            "floor_area_m2": np.nan,
        }
    )
    priced = priced_table(pairs=pairs, projects=projects, parcels=parcels)
    model = build_model(priced)
    rotated = np.zeros(model.n_cols)
    rotated[[1, 3, 4]] = 1  # P0-L1, P1-L2, P2-L0
    chosen = canonical(priced, model, rotated)
    assert [fits[k] for k in chosen] == [(0, 0), (1, 1), (2, 2)]
