"""The allocation engine: a model solved by column generation (from
``PRICING_FROM`` placements up) or whole, in its independent parts."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from landplan.column_generation import PricingStats, settled, solve_priced
from landplan.domain import SolveStatus
from landplan.model import Model, Placements, start_vector
from landplan.scenario import SolverOptions
from landplan.solve import Limits, Solution, solve

log = logging.getLogger(__name__)

# Models with fewer placements (pairs, or (pair, year) under phasing) go to the
# solver whole: pricing would keep most of them anyway (the demo's 3,394 pairs,
# 20 per project, are 2,400).
PRICING_FROM = 20_000
# HiGHS presolves a whole model (or part) from this many columns; below, its presolve
# (its probing above all) costs more than it saves: the demo's 3,754 columns solve in
# 0.6 s without it, 0.9 s with; the phased demo's 13,524 in 39.6 s without, 8.9 s with
PRESOLVE_FROM = 5_000

# Components smaller than this are solved together in one call: they are
# independent anyway, and one solver call each would cost more than solving.
SMALL_COMPONENT = 200


@dataclass(frozen=True)
class Solved:
    """What the engine returns: the solution, the concrete model it is a solution of
    (under pricing, the kept placements), the number of independent parts solved
    (1 under pricing or when the start settled it) and what pricing did."""

    solution: Solution
    model: Model
    parts: int
    pricing: PricingStats | None


def solve_model(
    model: Model,
    options: SolverOptions,
    start: Placements | None = None,
    *,
    integral: bool = False,
) -> Solved:
    """Solve by pricing (``solver.pricing``, the default, from ``PRICING_FROM``
    placements) or the whole model in independent parts.

    A ``start`` that the LP bound proves within the gap is the answer without a
    MIP (``pricing.settled``; ``integral``: the objective is a count).
    """
    if options.pricing and model.n_placements > PRICING_FROM:
        solution, kept, stats = solve_priced(model, options, start, integral=integral)
        return Solved(solution, kept, 1, stats)
    whole = model.concrete()
    given = None if start is None else start_vector(whole, start)
    if given is not None:
        lp = solve(whole, options, relax=True)
        if lp.status != SolveStatus.INFEASIBLE:
            done = settled(
                whole,
                options,
                given,
                bound=lp.objective,
                runtime_s=lp.runtime_s,
                integral=integral,
            )
            if done is not None:
                log.info("the start plan is within the gap of the LP bound")
                return Solved(done, whole, 1, None)
    solution, parts = solve_split(whole, options, given)
    return Solved(solution, whole, parts, None)


def solve_split(
    model: Model, options: SolverOptions, start: np.ndarray | None = None
) -> tuple[Solution, int]:
    """Solve the model's independent parts separately and add the results up.

    ``start``, a plan per column, is split with the model and passed to each part.
    """
    parts = model.components()
    big = [p for p in parts if len(p) >= SMALL_COMPONENT]
    small = [p for p in parts if len(p) < SMALL_COMPONENT]
    batches = big + ([np.concatenate(small)] if small else [])
    x = np.zeros(model.n_cols)
    objective = bound = runtime = 0.0
    status = SolveStatus.OPTIMAL
    deadline = time.perf_counter() + options.time_limit
    for k, cols in enumerate(batches):
        left = max(deadline - time.perf_counter(), 1.0)
        if len(batches) > 1:
            log.info("solving part %d of %d (%s variables)", k + 1, len(batches), f"{len(cols):,}")
        result = solve(
            model.subset(cols),
            replace(options, time_limit=left),
            start=None if start is None else start[cols],
            limits=Limits(presolve=len(cols) > PRESOLVE_FROM),
        )
        if result.status == SolveStatus.INFEASIBLE:
            return result, len(parts)
        if result.status == SolveStatus.TIME_LIMIT:
            status = SolveStatus.TIME_LIMIT
        x[cols] = result.x
        objective += result.objective
        bound += result.bound
        runtime += result.runtime_s
    return Solution(status, x, objective, bound, runtime), len(parts)
