"""The solvers on small random models, against an enumeration of every plan."""

from __future__ import annotations

import numpy as np
import pytest

from landplan.domain import SolveStatus
from landplan.model import build_model
from landplan.scenario import SolverOptions
from landplan.solve import complete_start, solve
from tests.instances import enumerate_best, random_instance

SOLVERS = ["cbc", "highs"]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("spread", [False, True])
def test_optimum_matches_enumeration(solver: str, spread: bool) -> None:
    rng = np.random.default_rng(7 if not spread else 19)
    checked = infeasible = 0
    for _ in range(50):
        inst = random_instance(rng, spread=spread)
        result = solve(build_model(inst.priced), SolverOptions(name=solver, gap=0.0, time_limit=30))  # type: ignore[arg-type]
        expected = enumerate_best(inst)
        if expected is None:
            assert result.status == SolveStatus.INFEASIBLE
            infeasible += 1
            continue
        assert result.status == SolveStatus.OPTIMAL
        assert result.objective == pytest.approx(expected, abs=1e-6)
        assert result.bound >= result.objective - 1e-6
        checked += 1
    assert checked >= 25 and infeasible >= 1  # both outcomes were exercised


def test_lp_relaxation_bounds_the_integer_optimum() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        model = build_model(random_instance(rng).priced)
        mip = solve(model, SolverOptions(name="highs", gap=0.0))  # type: ignore[arg-type]
        if mip.status == SolveStatus.INFEASIBLE:
            continue
        relaxed = solve(model, SolverOptions(), relax=True)
        assert relaxed.objective >= mip.objective - 1e-6


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_start_plan_gives_the_same_optimum(solver: str) -> None:
    rng = np.random.default_rng(23)
    seen_good = seen_bad = 0
    for _ in range(30):
        model = build_model(random_instance(rng).priced)
        options = SolverOptions(name=solver, gap=0.0, time_limit=30)  # type: ignore[arg-type]
        cold = solve(model, options)
        if cold.status == SolveStatus.INFEASIBLE:
            continue
        # the optimum itself, and a random 0/1 vector (usually breaking a row)
        for start in (cold.x, (rng.random(model.n_cols) < 0.5).astype(float)):
            ok = complete_start(model, start) is not None
            seen_good += ok
            seen_bad += not ok
            warm = solve(model, options, start=start)
            assert warm.objective == pytest.approx(cold.objective, abs=1e-6)
    assert seen_good >= 10 and seen_bad >= 5
