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


@pytest.mark.parametrize("solver", SOLVERS)
def test_reported_bound_lies_between_the_optimum_and_the_lp_bound(solver: str) -> None:
    rng = np.random.default_rng(31)
    for _ in range(30):
        inst = random_instance(rng)
        expected = enumerate_best(inst)
        if expected is None:
            continue
        model = build_model(inst.priced)
        relaxed = solve(model, SolverOptions(), relax=True).objective
        result = solve(model, SolverOptions(name=solver, gap=0.0))  # type: ignore[arg-type]
        assert expected - 1e-6 <= result.bound <= relaxed + 1e-6


@pytest.mark.parametrize(
    ("tail", "bound"),
    [
        # stopped within the gap: the progress line's "best possible" is stale
        (
            "best solution, best possible -2887535.9 (22.56 seconds)\n"
            "Cbc0011I Exiting as integer gap of 287.71362 less than 1e-10 or 0.01%\n"
            "Result - Optimal solution found\n",
            2887248.2 + 287.71362,
        ),
        # a finished search after progress lines
        (
            "best solution, best possible -2671616.0 (0.2 seconds)\n"
            "Cbc0001I Search completed - best objective -2887248.2\n"
            "Result - Optimal solution found\n",
            2887248.2,
        ),
        (
            "Result - Stopped on time limit\nObjective value: -2887248.2\n"
            "Lower bound:                    -2889009.838\n",
            2889009.838,
        ),
    ],
)
def test_cbc_bound_read_from_its_log(tail: str, bound: float) -> None:
    from landplan.solve import _cbc_bound

    kind = SolveStatus.TIME_LIMIT if "time limit" in tail else SolveStatus.OPTIMAL
    assert _cbc_bound(tail, 2887248.2, kind) == pytest.approx(bound)


def test_highs_solves_again_with_another_thread_count() -> None:
    """HiGHS sizes one thread pool per process; a second run asking for more still works."""
    rng = np.random.default_rng(5)
    model = build_model(random_instance(rng).priced)
    first = solve(model, SolverOptions(name="highs", threads=1, gap=0.0))  # type: ignore[arg-type]
    second = solve(model, SolverOptions(name="highs", threads=2, gap=0.0))  # type: ignore[arg-type]
    assert first.status == second.status
    if first.status == SolveStatus.OPTIMAL:
        assert first.objective == pytest.approx(second.objective)


def test_progress_lines_from_a_cbc_log(caplog: pytest.LogCaptureFixture) -> None:
    from landplan.solve import Progress

    progress = Progress("CBC")
    progress.EVERY_S = 0.0
    with caplog.at_level("INFO", logger="landplan.solve"):
        progress.cbc(
            "Cbc0010I After 300 nodes, 12 on tree, -990 best solution, "
            "best possible -1000 (2.1 seconds)"
        )
        progress.cbc("Cbc0038I Full problem 452 rows 3394 columns")  # not a progress line
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert "plan 990, bound 1,000, gap 1.000%" in lines[0]
