"""Pricing (column generation) over the pair table, with a certificate for the full problem.

Almost every eligible pair is useless: the LP optimum over each project's few
best pairs is the LP optimum over all of them, and the LP's row duals y prove
it — a left-out pair's reduced cost c − Aᵀy is then ≤ 0, computed for millions
of pairs in one sparse product. So:

1. start each project with its ``START_PER_PROJECT`` best pairs (by value), every
   non-pair column and the columns of a start plan;
2. solve that restricted LP (HiGHS, kept warm), price every column with its
   duals, add the best ``ADD_PER_PROJECT`` positive ones per project; repeat
   until none is positive. The Lagrangian bound

       L(y) = Σ_r y_r·(upper_r if y_r > 0 else lower_r) + Σ_j max(0, c_j − a_jᵀy)·ub_j

   bounds every plan of the full problem for any y; at the end it is the full
   LP bound;
3. solve the restricted MIP (the chosen solver, the chosen gap);
4. close, unless the plan is already within the gap of L(y): a plan that uses a
   left-out pair j is worth at most L(y) + rc_j, so every left-out pair with
   rc_j ≥ −(L(y) − incumbent) is added and the MIP solved again from the
   incumbent. Every plan better than the incumbent is then in the restricted
   problem, so the full problem's optimum is at most that MIP's bound.

The reported bound is min(L(y), the closed MIP's bound): never a bound of the
restricted problem alone.

If the restricted LP has no solution (must-place projects whose best pairs
collide), their every pair is added; if it still has none, the full model is
solved as it is, which proves infeasibility or finds the plan.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from landplan.domain import SolveStatus
from landplan.model import Model
from landplan.scenario import SolverOptions
from landplan.solve import LpSession, Solution, complete_start, solve

log = logging.getLogger(__name__)

START_PER_PROJECT = 20
ADD_PER_PROJECT = 5
MAX_ROUNDS = 200
# A closing step that would add more columns than this (times the kept ones)
# is skipped: the plan is then reported against the full LP bound alone.
MAX_CLOSING_FACTOR = 20


@dataclass(frozen=True)
class PricingStats:
    """What pricing did: how many pairs it saw and kept, in how many rounds."""

    pairs: int
    kept: int
    rounds: int
    closing_added: int
    lp_bound: float
    lp_s: float
    mip_s: float

    def describe(self) -> str:
        return (
            f"pricing: {self.kept:,} of {self.pairs:,} pairs kept after {self.rounds} rounds "
            f"({self.lp_s:.1f} s), {self.closing_added:,} added to close the gap; "
            f"full LP bound {self.lp_bound:,.0f}"
        )


def best_per_project(model: Model, score: np.ndarray, cols: np.ndarray, *, k: int) -> np.ndarray:
    """Among pair columns ``cols``, the ``k`` with the highest ``score`` per project."""
    if not len(cols):
        return cols
    project = model.project[cols]
    order = np.lexsort((-score[cols], project))
    ranked = cols[order]
    group = project[order]
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(len(ranked)) - np.repeat(first, np.diff(np.r_[first, len(ranked)]))
    chosen: np.ndarray = ranked[rank < k]
    return chosen


def lagrangian_bound(model: Model, y: np.ndarray) -> tuple[float, np.ndarray]:
    """L(y) (module docstring) and the reduced costs c − Aᵀy of every column."""
    # any y with the right signs gives a bound: drop solver noise on open sides
    signed = ((y > 0) & np.isfinite(model.row_upper)) | ((y < 0) & np.isfinite(model.row_lower))
    y = np.where(signed, y, 0.0)
    reduced = model.c - model.A.T @ y
    side = np.where(y > 0, model.row_upper, model.row_lower)
    active = y != 0
    rows = float(np.dot(y[active], side[active]))
    gain = np.maximum(reduced, 0.0)
    cols = float(np.dot(gain[gain > 0], model.upper[gain > 0]))
    return rows + cols, reduced


def settled(
    model: Model,
    options: SolverOptions,
    start: np.ndarray | None,
    *,
    bound: float,
    runtime_s: float,
    integral: bool = False,
) -> Solution | None:
    """``start`` as the answer when ``bound`` (on every plan of ``model``) proves it
    within the gap, so that no MIP is needed; else None.

    ``integral``: the objective takes whole values only (a count), so the bound
    may be rounded down. A sweep point whose previous plan is still good enough
    costs one LP this way.
    """
    x = None if start is None else complete_start(model, start)
    if x is None:
        return None
    value = float(model.c @ x)
    if integral:
        bound = float(np.floor(bound + 1e-6))
    if value > bound + 1e-6 * max(1.0, abs(bound)) or bound - value > options.gap * abs(bound):
        return None
    return Solution(SolveStatus.OPTIMAL, x, value, bound, runtime_s)


@dataclass(frozen=True)
class PricedLp:
    """The LP relaxation of a model, priced: the LP over the kept columns at its
    optimum (``session``), its row duals ``y``, their Lagrangian bound (the full LP
    bound when ``finished``) and every column's reduced cost."""

    session: LpSession
    y: np.ndarray
    bound: float
    reduced: np.ndarray
    in_lp: np.ndarray
    rounds: int
    finished: bool  # no column prices in: ``bound`` is the full LP bound


def price_lp(
    model: Model,
    options: SolverOptions,
    start: np.ndarray | None = None,
    *,
    first: int = START_PER_PROJECT,
    add: int = ADD_PER_PROJECT,
) -> PricedLp | None:
    """Steps 1-2 of the module docstring: the full LP bound by pricing, and the LP it
    was found with; None when the restricted LP has no solution even with every
    column of the must-place rows."""
    pair_cols = np.flatnonzero(model.pair >= 0)
    initial = [best_per_project(model, model.c, pair_cols, k=first)]
    initial.append(np.flatnonzero(model.pair < 0))
    if start is not None:
        initial.append(np.flatnonzero(start > 0.5))
    lp = LpSession(model, np.unique(np.concatenate(initial)), options)
    status, y = lp.run()
    if status == SolveStatus.INFEASIBLE:
        must = np.flatnonzero(model.row_lower > 0)
        rows_cols = np.unique(model.A.tocsr()[must].indices)
        extra = np.setdiff1d(rows_cols, lp.cols)
        if len(extra):
            lp.add(extra)
            status, y = lp.run()
        if status == SolveStatus.INFEASIBLE:
            return None
    rounds = 1
    in_lp = np.zeros(model.n_cols, dtype=bool)
    in_lp[lp.cols] = True
    while True:
        bound, reduced = lagrangian_bound(model, y)
        tol = 1e-9 * max(1.0, abs(bound))
        candidates = np.flatnonzero(~in_lp & (reduced > tol))
        if not len(candidates) or rounds >= MAX_ROUNDS:
            break
        new = best_per_project(model, reduced, candidates, k=add)
        lp.add(new)
        in_lp[new] = True
        status, y = lp.run()
        rounds += 1
    return PricedLp(lp, y, bound, reduced, in_lp, rounds, finished=not len(candidates))


def solve_priced(
    model: Model,
    options: SolverOptions,
    start: np.ndarray | None = None,
    *,
    first: int = START_PER_PROJECT,
    add: int = ADD_PER_PROJECT,
    integral: bool = False,
) -> tuple[Solution, PricingStats | None]:
    """The best plan of ``model`` by pricing (module docstring); x over every column.

    ``first`` pairs per project to start with, at most ``add`` more per project
    and round. A ``start`` within the gap of the full LP bound is returned as it
    is (``settled``). The stats are None when the full model had to be solved.
    """
    clock = time.perf_counter()
    pair_cols = np.flatnonzero(model.pair >= 0)
    relaxed = price_lp(model, options, start, first=first, add=add)
    if relaxed is None:
        log.info("pricing: the restricted LP has no solution; solving the full model")
        return solve(model, options, start=start), None
    bound, reduced, in_lp, rounds = relaxed.bound, relaxed.reduced, relaxed.in_lp, relaxed.rounds
    tol = 1e-9 * max(1.0, abs(bound))
    lp_s = time.perf_counter() - clock
    log.info(
        "pricing: LP bound %s after %d rounds, %s of %s columns",
        f"{bound:,.0f}",
        rounds,
        f"{int(in_lp.sum()):,}",
        f"{model.n_cols:,}",
    )
    kept = np.flatnonzero(in_lp)
    done = settled(model, options, start, bound=bound, runtime_s=lp_s, integral=integral)
    if done is not None:
        log.info("pricing: the start plan is within the gap of the full LP bound")
        return done, PricingStats(len(pair_cols), len(kept), rounds, 0, bound, lp_s, 0.0)
    solution, mip_s = _restricted_mip(model, options, kept, start, clock)
    if solution.status == SolveStatus.INFEASIBLE:
        return solve(model, options, start=start), None
    threshold = bound - solution.objective
    if threshold <= options.gap * abs(bound):
        # within the gap of the full LP bound already: nothing left to prove
        added = np.zeros(0, dtype=np.int64)
    else:
        added = np.flatnonzero(~in_lp & (reduced >= -threshold - tol))
    if len(added) > MAX_CLOSING_FACTOR * max(len(kept), 1):
        log.info(
            "pricing: closing would add %s pairs; the gap is stated against the full LP bound",
            f"{len(added):,}",
        )
        added = added[:0]
    mip_bound = solution.bound
    if len(added):
        kept = np.union1d(kept, added)
        solution, closing_s = _restricted_mip(model, options, kept, solution.x, clock)
        mip_bound = solution.bound
        mip_s += closing_s
    log.info("pricing: %s left-out pairs added to close the gap", f"{len(added):,}")
    if not relaxed.finished:
        mip_bound = float("inf")  # the LP was not finished: L(y) alone is the certificate
    stats = PricingStats(
        pairs=len(pair_cols),
        kept=len(kept),
        rounds=rounds,
        closing_added=len(added),
        lp_bound=bound,
        lp_s=lp_s,
        mip_s=mip_s,
    )
    certified = min(bound, mip_bound)
    return replace(solution, bound=max(certified, solution.objective)), stats


def _restricted_mip(
    model: Model,
    options: SolverOptions,
    cols: np.ndarray,
    start: np.ndarray | None,
    clock: float,
) -> tuple[Solution, float]:
    """The MIP over ``cols``, in the time left; the plan over every column, and seconds."""
    left = max(options.time_limit - (time.perf_counter() - clock), 1.0)
    sub = model.subset(cols)
    sub_start = None if start is None else start[cols]
    began = time.perf_counter()
    found = solve(sub, replace(options, time_limit=left), start=sub_start)
    x = np.zeros(model.n_cols)
    x[cols] = found.x
    return replace(found, x=x), time.perf_counter() - began
