"""A plan over the placements pricing kept, within the gap of the full LP bound.

The restricted MIP finds a plan within the gap of its own bound, which can lie
below the full LP bound L by more than the gap: under phasing the yearly land and
budget rows are knapsacks the LP does not tighten, and branch and bound spends
its time on them (at the root, for seconds, more or fewer as the columns happen
to be ordered). What has to be found is a plan worth (1 − gap)·L, so the search
aims there, not at the MIP's own gap (docs/model.md "Finding a plan"):

1. **The LP's ones fixed**: every placement at 1 in the LP optimum is kept and
   the rest (the few fractional projects, the unplaced) solved as a small MIP.
   When the LP is nearly integral, as a one-year plan's is, this is the plan.
2. **Neighbourhoods**, while the plan is short of (1 − gap)·L: most placements
   of the plan are fixed and the rest solved again, each a small MIP (HiGHS, one
   thread, ``NODES`` nodes, from the plan): the projects of two consecutive
   years (phasing), of one park, a random quarter of them, those where the plan
   and the LP optimum differ, and under phasing every project's year with its
   place kept. Unplaced projects may come in. A neighbourhood's plan replaces
   the plan when it is worth more; every solve stops at the first plan worth
   (1 − gap)·L. After a round without gain the neighbourhoods double in size, up
   to the whole restricted problem, whose node limit then doubles.

Every limit is a count, not a time, so one scenario gives one plan on any
machine; only ``solver.time_limit`` depends on the machine, and a plan stopped by
it says ``time_limit``. The neighbourhoods are HiGHS's whatever ``solver.name``
says: they are many small solves, in process (CBC would start a process and
write a file for each); the restricted problem's fallback and the closing step
use the chosen solver.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from landplan.domain import SolverName, SolveStatus
from landplan.model import Model
from landplan.scenario import SolverOptions
from landplan.solve import Limits, Solution, complete_start, relative_gap, solve

log = logging.getLogger(__name__)

NODES = 200
SHARE = 0.25  # of the placed projects freed at once by the random neighbourhood
SEED = 20_250_101


@dataclass(frozen=True)
class Found:
    """The plan ``search`` found, and how: rounds of neighbourhoods and how many of
    them improved the plan."""

    solution: Solution
    rounds: int = 0
    improved: int = 0


def search(
    model: Model,
    options: SolverOptions,
    *,
    bound: float,
    start: np.ndarray | None,
    clock: float,
    lp: np.ndarray,
    integral: bool = False,
) -> Found:
    """The best plan of the concrete ``model`` (the kept placements) within the gap of
    ``bound`` (the full LP bound) that the steps of the module docstring find before
    the time limit; ``lp``, the LP optimum over the same columns."""
    deadline = clock + options.time_limit
    target = bound - options.gap * abs(bound)
    if integral:  # a count: the best is at most the bound rounded down
        target = min(target, math.floor(bound + 1e-6))
    small = replace(options, name=SolverName.HIGHS, threads=1, gap=0.0)
    ones = np.where((model.pair >= 0) & (lp > 1 - 1e-6), 1.0, 0.0)
    first = solve_fixed(
        model,
        replace(small, time_limit=_left(deadline)),
        Limits(nodes=NODES, target=target, lower=ones, quiet=True, light=True),
        None,
    )
    # a neighbourhood's bound says nothing of the restricted problem
    first = replace(first, bound=np.inf)
    if first.status == SolveStatus.INFEASIBLE:  # the LP's ones leave a must-place project out
        first = solve(
            model,
            replace(options, time_limit=_left(deadline)),
            start=start,
            limits=Limits(nodes=NODES, target=target),
        )
    if start is not None and first.status != SolveStatus.INFEASIBLE:
        given = complete_start(model, start)
        if given is not None and float(model.c @ given) > first.objective:
            first = replace(first, x=given, objective=float(model.c @ given))
    if first.status == SolveStatus.INFEASIBLE or _reached(first, target):
        return Found(_settle(first, target))
    log.info(
        "search: a plan %s, %.3f%% below the full LP bound; searching neighbourhoods",
        f"{first.objective:,.0f}",
        100 * relative_gap(first.objective, bound),
    )
    return _neighbourhoods(
        model, small, first, bound=bound, target=target, deadline=deadline, lp=lp
    )


def _reached(solution: Solution, target: float) -> bool:
    return solution.objective >= target - 1e-9 * max(1.0, abs(target))


def _settle(solution: Solution, target: float) -> Solution:
    """A plan at the target is within the gap: say so, whatever stopped the solver."""
    if solution.status != SolveStatus.INFEASIBLE and _reached(solution, target):
        return replace(solution, status=SolveStatus.OPTIMAL)
    return solution


def _left(deadline: float) -> float:
    return max(deadline - time.perf_counter(), 1.0)


def _neighbourhoods(
    model: Model,
    small: SolverOptions,
    first: Solution,
    *,
    bound: float,
    target: float,
    deadline: float,
    lp: np.ndarray,
) -> Found:
    """Step 2 of the module docstring, from the plan ``first``. Ends within the gap,
    at the time limit (``time_limit``), or with the restricted problem solved to
    optimality (``optimal``, its bound in the solution: the caller closes it)."""
    rng = np.random.default_rng(SEED)
    best = first
    proven = first.bound  # a bound on the restricted problem, if any solve gave one
    share, nodes = SHARE, NODES
    rounds = improved = 0
    while time.perf_counter() < deadline:
        gained = False
        for name, free in _kinds(model, best.x, rng, share, lp):
            if time.perf_counter() >= deadline:
                break
            found = solve_fixed(
                model,
                replace(small, time_limit=_left(deadline)),
                _fixing(model, best.x, free, nodes, target),
                best.x,
            )
            rounds += 1
            if found.status == SolveStatus.INFEASIBLE:
                continue
            if name == "all":  # the restricted problem itself: its bound holds for it
                proven = min(proven, found.bound)
                if found.status == SolveStatus.OPTIMAL:  # solved: nothing left to search
                    return Found(found, rounds, improved)
            found = replace(found, bound=proven)
            if found.objective > best.objective + 1e-9 * max(1.0, abs(best.objective)):
                log.info(
                    "search: %s: %s (%.3f%% below the full LP bound)",
                    name,
                    f"{found.objective:,.0f}",
                    100 * relative_gap(found.objective, bound),
                )
                best = found
                gained = True
                improved += 1
                if _reached(best, target):
                    return Found(_settle(best, target), rounds, improved)
        if not gained:
            if share >= 1.0:
                nodes *= 2
            share = min(2 * share, 1.0)
    return Found(replace(best, status=SolveStatus.TIME_LIMIT, bound=proven), rounds, improved)


def _kinds(
    model: Model, x: np.ndarray, rng: np.random.Generator, share: float, lp: np.ndarray | None
) -> Iterator[tuple[str, np.ndarray | None]]:
    """The neighbourhoods of one round: a name and the placed projects they free
    (None for the schedule: every placed project keeps its place, years move)."""
    pairs = np.flatnonzero(model.pair >= 0)
    on = pairs[x[pairs] > 0.5]
    placed = np.unique(model.project[on])
    who = model.pair_names
    if share >= 1.0 or not len(placed):
        yield "all", placed
        return
    year = who.years(model.pair[on], model.offset[on])
    years = np.unique(year)
    for k in range(len(years) - 1):
        yield f"years {years[k]}-{years[k + 1]}", model.project[on[np.isin(year, years[k : k + 2])]]
    park = who.park[who.parcel[model.pair[on]]]
    for one in np.unique(park):
        yield "park", model.project[on[park == one]]
    count = max(math.ceil(share * len(placed)), 1)
    yield "random", rng.choice(placed, size=count, replace=False)
    if lp is not None:
        differ = pairs[(lp[pairs] > 0.5) != (x[pairs] > 0.5)]
        yield "lp", np.intersect1d(placed, model.project[differ])
    if who.first_year is not None:
        yield "schedule", None


def solve_fixed(
    model: Model, options: SolverOptions, limits: Limits, start: np.ndarray | None
) -> Solution:
    """``model`` solved with the columns ``limits`` fixes taken out first: those at 1
    leave their rows' activity behind, those at 0 and those that no longer fit a row
    of non-negative entries go, as do rows left without columns. (HiGHS's presolve
    does the same, but on a city's 40,000 kept columns it took 9.6 s of a 10.2 s
    solve.) The plan over every column of ``model``."""
    lower = np.zeros(model.n_cols) if limits.lower is None else limits.lower
    upper = np.ones(model.n_cols) if limits.upper is None else limits.upper
    base = np.where(lower > 0.5, 1.0, 0.0)
    activity = model.A @ base
    room = model.row_upper - activity
    free = (lower < 0.5) & (upper > 0.5)
    # a free column that would overfill a row whose entries are all ≥ 0 cannot move
    entries = model.A.tocoo()
    negative = np.zeros(model.n_rows, dtype=bool)
    negative[entries.row[entries.data < 0]] = True
    over = ~negative[entries.row] & (entries.data > room[entries.row] + 1e-9)
    free[entries.col[over]] = False
    cols = np.flatnonzero(free)
    constant = float(model.c @ base)
    touched = np.bincount(model.A[:, cols].indices, minlength=model.n_rows) > 0
    # a row no free column can change must hold as the fixed columns leave it
    idle = ~touched & ((activity < model.row_lower - 1e-6) | (activity > model.row_upper + 1e-6))
    if idle.any():
        return Solution(SolveStatus.INFEASIBLE, base, np.nan, np.nan, 0.0)
    if not len(cols):
        return Solution(SolveStatus.OPTIMAL, base, constant, constant, 0.0)
    rows = np.flatnonzero(touched)
    sub = model.subset(cols)
    sub = replace(
        sub,
        row_lower=model.row_lower[rows] - activity[rows],
        row_upper=model.row_upper[rows] - activity[rows],
    )
    target = None if limits.target is None else limits.target - constant
    found = solve(
        sub,
        options,
        start=None if start is None else start[cols],
        limits=replace(limits, target=target, lower=None, upper=None),
    )
    if found.status == SolveStatus.INFEASIBLE:
        return found
    x = base.copy()
    x[cols] = found.x
    return replace(found, x=x, objective=found.objective + constant, bound=found.bound + constant)


def _fixing(
    model: Model, x: np.ndarray, free: np.ndarray | None, nodes: int, target: float
) -> Limits:
    """Column bounds that keep the plan ``x`` but for the projects ``free`` (unplaced
    projects may come in); ``free`` None: every placed project keeps its place and
    may change its year, the unplaced stay out."""
    is_pair = model.pair >= 0
    on = is_pair & (x > 0.5)
    lower = np.zeros(model.n_cols)
    upper = np.ones(model.n_cols)
    if free is None:
        place = model.pair_names.parcel[np.maximum(model.pair, 0)]
        kept = np.full(len(model.pair_names.project_ids), -1, dtype=np.int64)
        kept[model.project[on]] = place[on]
        upper[is_pair & (kept[np.maximum(model.project, 0)] != place)] = 0.0
    else:
        lower[on & ~np.isin(model.project, free)] = 1.0
    return Limits(nodes=nodes, target=target, lower=lower, upper=upper, quiet=True, light=True)
