"""Pricing against the full model and an enumeration, on small instances forced to price."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linear_sum_assignment

from landplan import column_generation, engine
from landplan.column_generation import solve_priced
from landplan.domain import SolveStatus
from landplan.model import build_model, placements_of
from landplan.scenario import CostShare, Objective, SolverOptions
from landplan.solve import solve
from landplan.valuation import PricedPairs
from tests.instances import enumerate_best, priced_table, random_instance

SOLVERS = ["cbc", "highs"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_priced_plan_matches_the_full_model_and_its_lp_bound(solver: str) -> None:
    rng = np.random.default_rng(41)
    options = SolverOptions(name=solver, gap=0.0)  # type: ignore[arg-type]
    checked = closed = 0
    for _ in range(150):  # about one in thirty needs the closing step
        inst = random_instance(rng)
        expected = enumerate_best(inst)
        model = build_model(inst.priced)
        found, _, stats = solve_priced(model, options, first=1, add=1)
        if expected is None:
            assert found.status == SolveStatus.INFEASIBLE
            continue
        assert found.status == SolveStatus.OPTIMAL
        assert found.objective == pytest.approx(expected, abs=1e-6)
        assert found.bound >= expected - 1e-6
        if stats is not None:
            full_lp = solve(model, options, relax=True).objective
            assert stats.lp_bound == pytest.approx(full_lp, abs=1e-6)
            assert found.bound <= full_lp + 1e-6
            closed += stats.closing_added > 0
            checked += 1
    assert checked >= 100 and closed >= 2  # the closing step was exercised


def _crowded(n: int) -> tuple[PricedPairs, float]:
    """n projects that all like parcel L00 best, then L01, ... of 3n parcels.

    Project i on parcel k is worth 100 − k·(1 + i/n): everyone ranks the
    parcels alike, so the best few pairs per project collide and pricing has
    to send projects further down the list, round after round, but never to
    the last n parcels. The optimum, found here by scipy's assignment solver,
    uses the first n.
    """
    parcels = pd.DataFrame(
        {
            "parcel_id": [f"L{k:02d}" for k in range(3 * n)],
            "kind": "vacant",
            "park": "A",
            "area_ha": 1.0,
            "floor_area_m2": np.nan,
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": [f"P{i:02d}" for i in range(n)],
            "need": "land",
            "floor_m2": np.nan,
            "must_place": False,
            "hightech": False,
        }
    )
    value = 100.0 - np.arange(3 * n)[None, :] * (1 + np.arange(n)[:, None] / n)
    p, k = np.meshgrid(np.arange(n), np.arange(3 * n), indexing="ij")
    pairs = pd.DataFrame(
        {
            "project": p.ravel().astype(np.int32),
            "parcel": k.ravel().astype(np.int32),
            "land_ha": 1.0,
            "subsidy": 0.0,
            "value": value.ravel(),
        }
    )
    priced = priced_table(
        pairs=pairs,
        projects=projects,
        parcels=parcels,
        objective=Objective(output=1, tax=0, jobs=0, hightech=0, major=0),
        costshare=CostShare(),
    )
    rows, cols = linear_sum_assignment(value, maximize=True)
    return priced, float(value[rows, cols].sum())


def test_pricing_adds_pairs_over_several_rounds() -> None:
    priced, best = _crowded(30)
    model = build_model(priced)
    options = SolverOptions(name="highs", gap=0.0)  # type: ignore[arg-type]
    found, _, stats = solve_priced(model, options, first=2, add=2)
    assert stats is not None and stats.rounds >= 3
    assert stats.kept < stats.pairs  # not everything was needed
    assert found.objective == pytest.approx(best)
    assert found.bound == pytest.approx(best)


def test_a_start_within_the_gap_of_the_lp_bound_needs_no_mip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sweep's previous plan that the LP bound proves good enough is the answer.

    The MIP paths are replaced by a failure: a settled start must not reach them.
    """
    rng = np.random.default_rng(8)
    settled = 0
    for _ in range(40):
        inst = random_instance(rng)
        expected = enumerate_best(inst)
        if expected is None:
            continue
        model = build_model(inst.priced)
        exact = SolverOptions(name="highs", gap=0.0)  # type: ignore[arg-type]
        plan = solve(model, exact)
        lp = solve(model, exact, relax=True).objective
        loose = SolverOptions(name="highs", gap=1.0)  # type: ignore[arg-type]
        with monkeypatch.context() as m:
            m.setattr(engine, "solve_split", _no_mip)
            m.setattr(column_generation, "search", _no_mip)
            start = placements_of(model, plan.x)
            for options, path in ((loose, "split"), (loose, "pricing")):
                if path == "pricing":
                    found, _, _ = column_generation.solve_priced(model, options, start)
                else:
                    found = engine.solve_model(model, options, start).solution
                assert found.objective == pytest.approx(plan.objective)
                assert found.bound == pytest.approx(lp, abs=1e-6)
                assert found.bound >= expected - 1e-6
        # at gap 0 a start short of the LP bound is not taken: the MIP runs
        if lp - plan.objective > 1e-6:
            found = engine.solve_model(model, exact, placements_of(model, plan.x)).solution
            assert found.objective == pytest.approx(expected, abs=1e-6)
        settled += 1
    assert settled >= 20


def test_a_count_settles_on_the_lp_bound_rounded_down() -> None:
    """Objective = number of projects placed: LP 1.5 proves a plan of 1 optimal."""
    # two projects, one parcel each can use; a budget that fits one and a half
    pairs = pd.DataFrame(
        {"project": [0, 1], "parcel": [0, 1], "land_ha": 1.0, "subsidy": [10.0, 10.0]}
    ).astype({"project": np.int32, "parcel": np.int32})
    pairs["value"] = 1.0
    priced = priced_table(
        pairs=pairs,
        projects=pd.DataFrame(
            {
                "project_id": ["P0", "P1"],
                "need": "land",
                "floor_m2": np.nan,
                "must_place": False,
                "hightech": True,
            }
        ),
        parcels=pd.DataFrame(
            {
                "parcel_id": ["L0", "L1"],
                "kind": "vacant",
                "park": "A",
                "area_ha": 1.0,
                "floor_area_m2": np.nan,
            }
        ),
        objective=Objective(output=0, tax=0, jobs=0, hightech=1, major=0, subsidy=0),
        costshare=CostShare(budget=15.0),
    )
    model = build_model(priced).with_objective(np.array([1.0, 1.0]))
    exact = SolverOptions(name="highs", gap=0.0)  # type: ignore[arg-type]
    assert solve(model, exact, relax=True).objective == pytest.approx(1.5)
    start = np.array([1.0, 0.0])
    assert column_generation.settled(model, exact, start, bound=1.5, runtime_s=0.0) is None
    found = column_generation.settled(model, exact, start, bound=1.5, runtime_s=0.0, integral=True)
    assert found is not None and found.objective == 1.0 and found.bound == 1.0


def _no_mip(*_args: object, **_kwargs: object) -> object:
    raise AssertionError("the MIP was solved although the start settled it")
