"""The policy answers (budget price and step, placing everyone) against hand-worked
numbers and against an independently built LP and enumeration."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from landplan.run import compute
from landplan.scenario import load_scenario
from tests.conftest import Builder, land_row, project_row
from tests.oracle import brute_force, eligible
from tests.scenarios import OUTPUT_LESS_SUBSIDY, random_scenario


def _three_for_two(make_scenario: Builder, **extra: Any) -> Any:
    """Three high-tech projects, each 300 万元 of subsidy on a 1 ha plot (0.3 × 1,000
    万元/ha), worth 900, 800, 700 of output; a budget of 650 funds two."""
    projects = [
        project_row(f"H{k}", hightech="true", output=output)
        for k, output in ((1, 900), (2, 800), (3, 700))
    ]
    path = make_scenario(
        land=[land_row(f"L{i}", i) for i in range(4)],
        projects=projects,
        extra={"costshare": {"budget": 650}, "objective": OUTPUT_LESS_SUBSIDY, **extra},
    )
    return compute(load_scenario(path, {"solver.gap": 0.0}))


def test_budget_price_step_and_place_all_by_hand(make_scenario: Builder) -> None:
    result = _three_for_two(make_scenario, policy={"budget_step": 300})
    # By hand: H1 + H2 (values 600 + 500, 600 万元). The LP relaxation adds 50/300 of
    # H3 (value 400 for 300 万元): one 万元 more is worth 4/3 until H3 is whole, at a
    # budget of 900, 250 万元 on.
    assert result.allocation.objective == pytest.approx(1100)
    budget = result.policy["budget"]
    assert budget["used"] == pytest.approx(600)
    assert budget["binding"] is True
    assert budget["shadow_price"] == pytest.approx(4 / 3, abs=1e-6)
    assert budget["holds_for"] == pytest.approx(250)
    # 300 万元 more places H3: +700 output, +100 tax, +300 subsidy, +400 objective
    step = budget["step"]
    assert (step["added"], step["dropped"], step["moved"]) == (["H3"], [], [])
    assert (step["placed"], step["hightech"]) == (1, 1)
    assert (step["output"], step["tax"], step["subsidy"], step["objective"]) == pytest.approx(
        (700, 100, 300, 400)
    )
    everyone = result.policy["place_all"]
    assert everyone["feasible"] is True and everyone["no_place"] == []
    assert everyone["subsidy"] == pytest.approx(900)
    assert everyone["over_budget"] == pytest.approx(250)
    assert everyone["land_ha"] == pytest.approx(3.0)
    assert everyone["objective_change"] == pytest.approx(400)


def test_a_budget_with_room_has_no_price_and_no_step(make_scenario: Builder) -> None:
    result = _three_for_two(make_scenario, costshare={"budget": 5000})
    budget = result.policy["budget"]
    assert budget["binding"] is False
    assert budget["shadow_price"] == 0 and budget["holds_for"] is None
    assert budget["step"] is None


def test_placing_everyone_without_enough_plots_says_how_many_can_be(
    make_scenario: Builder,
) -> None:
    projects = [project_row(f"P{k}") for k in range(3)] + [
        project_row("BIG", area_min_ha=50, area_max_ha=60)
    ]
    path = make_scenario(land=[land_row("L0", 0), land_row("L1", 1)], projects=projects)
    everyone = compute(load_scenario(path)).policy["place_all"]
    # BIG fits no plot; three projects for two plots
    assert everyone["no_place"] == ["BIG"] and everyone["with_a_place"] == 3
    assert everyone["feasible"] is False and everyone["most"] == 2


def _lp_value(
    options: dict[str, list[tuple[str, float, float]]],
    land: set[str],
    floor_need: dict[str, float],
    capacity: dict[str, float],
    budget: float,
) -> float:
    """The LP relaxation of the contract's model, built here and solved by scipy."""
    pairs = [(p, j, v, s) for p, opts in options.items() for j, v, s in opts]
    if not pairs:
        return 0.0
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    for p in options:
        rows.append(np.array([1.0 if q == p else 0.0 for q, *_ in pairs]))
        rhs.append(1.0)
    for j in {j for _, j, _, _ in pairs}:
        if j in land:
            rows.append(np.array([1.0 if k == j else 0.0 for _, k, *_ in pairs]))
            rhs.append(1.0)
        else:
            rows.append(np.array([floor_need[p] if k == j else 0.0 for p, k, *_ in pairs]))
            rhs.append(capacity[j])
    rows.append(np.array([s for *_, s in pairs]))
    rhs.append(budget)
    res = linprog(
        -np.array([v for _, _, v, _ in pairs]), A_ub=np.array(rows), b_ub=rhs, bounds=(0, 1)
    )
    assert res.status == 0
    return float(-res.fun)


def test_the_budget_price_is_the_lp_slope_and_the_step_the_enumerated_gain(
    make_scenario: Builder,
) -> None:
    """Random scenarios with a budget: the LP value rises at the stated price over the
    stated range (scipy on an LP built here), and the step's gain is the enumerated
    optimum's with the larger budget less the plan's."""
    rng = np.random.default_rng(5)
    seen = {"priced": 0, "ranged": 0, "free": 0, "step": 0}
    while sum(seen.values()) < 12 or min(seen.values()) == 0:
        path = random_scenario(rng, make_scenario)
        scenario = load_scenario(path, {"solver.gap": 0.0, "policy.budget_step": 400})
        if scenario.costshare.budget is None:
            continue
        result = compute(scenario)
        parcels = result.inputs.parcels.drop(columns="geometry").to_dict("records")
        projects = result.inputs.tables.projects.to_dict("records")
        zoning = {k: set(v) for k, v in result.inputs.tables.zoning.items()}
        avg = sum(j["dev_cost"] for j in parcels) / sum(j["area_ha"] for j in parcels)
        options: dict[str, list[tuple[str, float, float]]] = {}
        for p in projects:
            options[p["project_id"]] = []
            for j in parcels:
                if not eligible(p, j, zoning, {"investment_per_ha": 500.0}):
                    continue
                share = 1.0 if p["need"] == "land" else p["floor_m2"] / j["floor_area_m2"]
                subsidy = 0.3 * avg * j["area_ha"] * share if p["hightech"] else 0.0
                options[p["project_id"]].append((j["parcel_id"], p["output"] - subsidy, subsidy))
        land = {j["parcel_id"] for j in parcels if j["kind"] == "vacant"}
        need = {p["project_id"]: p["floor_m2"] for p in projects}
        capacity = {j["parcel_id"]: j["floor_area_m2"] for j in parcels}
        budget = float(scenario.costshare.budget)
        answer = result.policy["budget"]
        price, holds = answer["shadow_price"], answer["holds_for"]
        if price:
            rise = min(holds, 300.0) / 2
            slope = (
                _lp_value(options, land, need, capacity, budget + rise)
                - _lp_value(options, land, need, capacity, budget)
            ) / rise
            assert slope == pytest.approx(price, abs=1e-4)
            seen["priced"] += 1
            if holds < 1e6:  # past its range the price falls
                beyond = holds + 50.0
                gain = _lp_value(options, land, need, capacity, budget + beyond) - _lp_value(
                    options, land, need, capacity, budget
                )
                assert gain < price * beyond - 1e-6
                seen["ranged"] += 1
        else:
            assert _lp_value(options, land, need, capacity, budget + 50) == pytest.approx(
                _lp_value(options, land, need, capacity, budget), abs=1e-6
            )
            seen["free"] += 1
        if answer["step"] is not None:
            before = brute_force(options, set(), land, need, capacity, budget)
            after = brute_force(options, set(), land, need, capacity, budget + 400)
            assert before is not None and after is not None
            assert answer["step"]["objective"] == pytest.approx(after - before, abs=1e-3)
            seen["step"] += 1
