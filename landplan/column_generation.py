"""Pricing (column generation) over the placements, with a certificate for the full problem.

Almost every placement (a pair, under phasing a pair in one year) is useless: the
LP optimum over each project's few best is the LP optimum over all of them, and
the LP's row duals y prove it — a left-out placement's reduced cost c − Aᵀy is
then ≤ 0, computed for millions of pairs in one sparse product and, under
phasing, for each of their years from the same product (``Model.reduced``: a
year only adds its rows' duals and the value's fall per year of delay). No
(pair, year) column is made before it prices in. So:

1. start each project with its ``START_PER_PROJECT`` best pairs (by value, in
   their first year), every non-pair column and the placements of a start plan;
2. solve that restricted LP (HiGHS, kept warm), price every placement with its
   duals, add the best ``ADD_PER_PROJECT`` positive ones per project; repeat
   until none is positive. The Lagrangian bound

       L(y) = Σ_r y_r·(upper_r if y_r > 0 else lower_r) + Σ_j max(0, c_j − a_jᵀy)·ub_j

   bounds every plan of the full problem for any y; at the end it is the full
   LP bound;
3. find a plan over the kept placements (``search``);
4. close, unless the plan is already within the gap of L(y): a plan that uses a
   left-out placement j is worth at most L(y) + rc_j, so every left-out one with
   rc_j ≥ −(L(y) − incumbent) is added and the MIP solved again from the
   incumbent. Every plan better than the incumbent is then in the restricted
   problem, so the full problem's optimum is at most that MIP's bound.

The reported bound is min(L(y), the closed MIP's bound): never a bound of the
restricted problem alone.

If the restricted LP has no solution (must-place projects whose best pairs
collide), their every placement is added; if it still has none, the full model
is solved as it is, which proves infeasibility or finds the plan.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from landplan.domain import SolveStatus
from landplan.model import Model, Placements, placements_of, start_vector
from landplan.scenario import SolverOptions
from landplan.search import search
from landplan.solve import LpSession, Solution, complete_start, relative_gap, solve

log = logging.getLogger(__name__)

START_PER_PROJECT = 20
ADD_PER_PROJECT = 5
MAX_ROUNDS = 200
# A closing step that would add more columns than this (times the kept ones)
# is skipped: the plan is then reported against the full LP bound alone.
MAX_CLOSING_FACTOR = 20


@dataclass(frozen=True)
class PricingStats:
    """What pricing did: how many placements it saw and kept, in how many rounds."""

    pairs: int
    kept: int
    rounds: int
    closing_added: int
    lp_bound: float
    lp_s: float
    mip_s: float

    def describe(self) -> str:
        return (
            f"pricing: {self.kept:,} of {self.pairs:,} placements kept after {self.rounds} "
            f"rounds ({self.lp_s:.1f} s), {self.closing_added:,} added to close the gap; "
            f"full LP bound {self.lp_bound:,.0f}"
        )


def best_per_project(
    project: np.ndarray, score: np.ndarray, ids: np.ndarray, *, k: int
) -> np.ndarray:
    """Among ``ids`` (of ``project`` each, scored ``score``, both by id), the ``k``
    with the highest score per project."""
    if not len(ids):
        return ids
    order = np.lexsort((-score[ids], project[ids]))
    ranked = ids[order]
    group = project[ranked]
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    rank = np.arange(len(ranked)) - np.repeat(first, np.diff(np.r_[first, len(ranked)]))
    chosen: np.ndarray = ranked[rank < k]
    return chosen


@dataclass(frozen=True)
class Priced:
    """The reduced costs of every placement under one y, and L(y)."""

    bound: float
    reduced: np.ndarray  # pairs × years (−inf where a pair has no such year)


def lagrangian_bound(model: Model, y: np.ndarray, without: np.ndarray | None = None) -> Priced:
    """L(y) (module docstring) and the reduced costs of every placement; ``without``
    (per pair, True: its placements are not allowed) leaves pairs out of L(y)."""
    # any y with the right signs gives a bound: drop solver noise on open sides
    signed = ((y > 0) & np.isfinite(model.row_upper)) | ((y < 0) & np.isfinite(model.row_lower))
    y = np.where(signed, y, 0.0)
    reduced, others = model.reduced(y)
    closed = model.upper[model.pair >= 0] <= 0  # pairs allowed in no year
    if without is not None:
        closed = closed | without
    if closed.any():
        reduced[closed] = -np.inf
    side = np.where(y > 0, model.row_upper, model.row_lower)
    active = y != 0
    rows = float(np.dot(y[active], side[active]))
    gain = float(np.maximum(reduced, 0.0).sum())  # placements are binaries (ub 1)
    upper = model.upper[model.pair < 0]
    positive = others > 0
    aux = float(np.dot(others[positive], upper[positive]))
    return Priced(rows + gain + aux, reduced)


def settled(
    model: Model,
    options: SolverOptions,
    start: np.ndarray | None,
    *,
    bound: float,
    runtime_s: float,
    integral: bool = False,
) -> Solution | None:
    """``start`` (0/1 per column of the concrete ``model``) as the answer when ``bound``
    (on every plan of the full problem) proves it within the gap, so that no MIP is
    needed; else None.

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
    """The LP relaxation of a model, priced: the LP over the kept placements at its
    optimum (``session``), its row duals ``y``, their Lagrangian bound (the full LP
    bound when ``finished``) and every placement's reduced cost."""

    session: LpSession
    y: np.ndarray
    bound: float
    reduced: np.ndarray  # pairs × years
    in_lp: np.ndarray  # pairs × years: the placement is a column of the LP
    rounds: int
    finished: bool  # no placement prices in: ``bound`` is the full LP bound


def _first_placements(
    model: Model, start: Placements | None, first: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each project's ``first`` best pairs in their first year, and ``start``'s."""
    pairs = np.flatnonzero(model.pair >= 0)
    rows = best_per_project(model.project, model.c, pairs, k=first)
    offsets = np.zeros(len(rows), dtype=np.int64)
    if start is not None:
        rows = np.concatenate([rows, start[0]])
        offsets = np.concatenate([offsets, start[1]])
    width = model.years.width if model.years is not None else 1
    unique = np.unique(rows * width + offsets)
    return unique // width, unique % width


def price_lp(
    model: Model,
    options: SolverOptions,
    start: Placements | None = None,
    *,
    first: int = START_PER_PROJECT,
    add: int = ADD_PER_PROJECT,
) -> PricedLp | None:
    """Steps 1-2 of the module docstring: the full LP bound by pricing, and the LP it
    was found with; None when the restricted LP has no solution even with every
    placement of the must-place projects."""
    width = model.years.width if model.years is not None else 1
    in_lp = np.zeros((model.n_pairs, width), dtype=bool)
    rows, offsets = _first_placements(model, start, first)
    in_lp[rows, offsets] = True
    lp = LpSession(model.concrete(rows, offsets), options)
    status, y = lp.run()
    if status == SolveStatus.INFEASIBLE:
        must = np.flatnonzero(model.row_lower > 0)
        touched = np.unique(model.A.tocsr()[must].indices)
        extra = touched[model.pair[touched] >= 0]
        extra_rows, extra_offsets = _every_year(model, extra)
        fresh = ~in_lp[extra_rows, extra_offsets]
        if fresh.any():
            _add(lp, model, in_lp, extra_rows[fresh], extra_offsets[fresh])
            status, y = lp.run()
        if status == SolveStatus.INFEASIBLE:
            return None
    rounds = 1
    while True:
        priced = lagrangian_bound(model, y)
        tol = 1e-9 * max(1.0, abs(priced.bound))
        rows, offsets, score = _best_left_out(priced.reduced, in_lp, tol)
        if not len(rows) or rounds >= MAX_ROUNDS:
            break
        pick = best_per_project(model.project[rows], score, np.arange(len(rows)), k=add)
        _add(lp, model, in_lp, rows[pick], offsets[pick])
        status, y = lp.run()
        rounds += 1
    return PricedLp(lp, y, priced.bound, priced.reduced, in_lp, rounds, finished=not len(rows))


def _best_left_out(
    reduced: np.ndarray, in_lp: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair's best placement not in the LP, where its reduced cost is above
    ``tol``: (pairs, offsets, reduced costs). One per pair: a pair's other years come
    in later rounds if they still price in. The reduced costs of placements in the
    LP are set to −inf here (no copy of a city's array; nothing reads them after)."""
    if reduced.shape[1] == 1:
        rows = np.flatnonzero(~in_lp[:, 0] & (reduced[:, 0] > tol))
        return rows, np.zeros(len(rows), dtype=np.int64), reduced[rows, 0]
    reduced[in_lp] = -np.inf
    offsets = np.argmax(reduced, axis=1)
    best = np.take_along_axis(reduced, offsets[:, None], axis=1)[:, 0]
    rows = np.flatnonzero(best > tol)
    return rows, offsets[rows], best[rows]


def _every_year(model: Model, pairs: np.ndarray) -> Placements:
    """Every placement of ``pairs``."""
    if model.years is None:
        return pairs, np.zeros(len(pairs), dtype=np.int64)
    count = model.years.count[pairs]
    rows = np.repeat(pairs, count)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
    return rows, offsets


def _add(
    lp: LpSession, model: Model, in_lp: np.ndarray, rows: np.ndarray, offsets: np.ndarray
) -> None:
    lp.add(model.concrete(rows, offsets, others=False))
    in_lp[rows, offsets] = True


def solve_priced(
    model: Model,
    options: SolverOptions,
    start: Placements | None = None,
    *,
    first: int = START_PER_PROJECT,
    add: int = ADD_PER_PROJECT,
    integral: bool = False,
) -> tuple[Solution, Model, PricingStats | None]:
    """The best plan of ``model`` by pricing (module docstring): the solution and the
    concrete model it is a solution of (the kept placements and the other columns).

    ``first`` pairs per project to start with, at most ``add`` more per project
    and round. A ``start`` within the gap of the full LP bound is returned as it
    is (``settled``). The stats are None when the full model had to be solved.
    """
    clock = time.perf_counter()
    relaxed = price_lp(model, options, start, first=first, add=add)
    if relaxed is None:
        log.info("pricing: the restricted LP has no solution; solving the full model")
        whole = model.concrete()
        given = None if start is None else start_vector(whole, start)
        return solve(whole, options, start=given), whole, None
    bound, reduced, in_lp, rounds = relaxed.bound, relaxed.reduced, relaxed.in_lp, relaxed.rounds
    tol = 1e-9 * max(1.0, abs(bound))
    lp_s = time.perf_counter() - clock
    n_placements = model.n_placements
    log.info(
        "pricing: LP bound %s after %d rounds, %s of %s placements",
        f"{bound:,.0f}",
        rounds,
        f"{int(in_lp.sum()):,}",
        f"{n_placements:,}",
    )
    kept = _kept(model, in_lp)
    given = None if start is None else start_vector(kept, start)
    done = settled(kept, options, given, bound=bound, runtime_s=lp_s, integral=integral)
    if done is not None:
        log.info("pricing: the start plan is within the gap of the full LP bound")
        stats = PricingStats(n_placements, kept.n_pairs, rounds, 0, bound, lp_s, 0.0)
        return done, kept, stats
    began = time.perf_counter()
    lp_x = _onto(kept, relaxed.session.model, relaxed.session.primal())
    found = search(kept, options, bound=bound, start=given, clock=clock, integral=integral, lp=lp_x)
    solution = found.solution
    mip_s = time.perf_counter() - began
    if solution.status == SolveStatus.INFEASIBLE:
        whole = model.concrete()
        return solve(whole, options, start=None), whole, None
    threshold = bound - solution.objective
    certified = bound
    added = np.zeros((0, 2), dtype=np.int64)
    if threshold > options.gap * abs(bound):  # not yet within the gap of L(y): close
        added = np.argwhere(~in_lp & (reduced >= -threshold - tol))
        if not len(added) and relaxed.finished:
            # no left-out placement can beat the plan: the restricted bound holds for all
            certified = min(bound, solution.bound)
    if len(added) > MAX_CLOSING_FACTOR * max(kept.n_pairs, 1):
        log.info(
            "pricing: closing would add %s placements; the gap is stated against the full LP bound",
            f"{len(added):,}",
        )
        added = added[:0]
    if len(added):
        in_lp[added[:, 0], added[:, 1]] = True
        closed = _kept(model, in_lp)
        began = time.perf_counter()
        left = max(options.time_limit - (time.perf_counter() - clock), 1.0)
        incumbent = start_vector(closed, placements_of(kept, solution.x))
        solution = solve(closed, replace(options, time_limit=left), start=incumbent)
        mip_s += time.perf_counter() - began
        kept = closed
        if relaxed.finished:  # every better plan is in the closed problem
            certified = min(bound, solution.bound)
    log.info("pricing: %s left-out placements added to close the gap", f"{len(added):,}")
    stats = PricingStats(
        pairs=n_placements,
        kept=kept.n_pairs,
        rounds=rounds,
        closing_added=len(added),
        lp_bound=bound,
        lp_s=lp_s,
        mip_s=mip_s,
    )
    certified = max(certified, solution.objective)
    if relative_gap(solution.objective, certified) > options.gap + 1e-9:
        # short of the gap against a bound that holds for the whole problem
        solution = replace(solution, status=SolveStatus.TIME_LIMIT)
    runtime = time.perf_counter() - clock
    return replace(solution, bound=certified, runtime_s=runtime), kept, stats


def _onto(kept: Model, lp_model: Model, lp_x: np.ndarray) -> np.ndarray:
    """The LP's values (over ``lp_model``'s columns) on the columns of ``kept``."""
    width = int(max(kept.offset.max(initial=0), lp_model.offset.max(initial=0))) + 1

    def keys(m: Model) -> np.ndarray:
        found: np.ndarray = np.where(
            m.pair >= 0, m.pair * width + m.offset, -1 - np.arange(m.n_cols)
        )
        return found

    value = dict(zip(keys(lp_model).tolist(), lp_x.tolist(), strict=True))
    return np.array([value.get(k, 0.0) for k in keys(kept).tolist()])


def _kept(model: Model, in_lp: np.ndarray) -> Model:
    """The concrete model of the placements marked in ``in_lp`` and the other columns."""
    rows, offsets = np.nonzero(in_lp)
    return model.concrete(rows, offsets)
