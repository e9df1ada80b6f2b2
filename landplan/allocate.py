"""Allocation: check, build, split and solve the priced pair table.

Takes the priced pairs and the solver options, nothing else; works on plain
tables, no geometry.

``objective.priority: hightech_first`` is two exact solves: the first finds the
most high-tech projects any plan can place (H), the second the best value among
plans that place at least H (row ``priority[hightech]``). A single solve with a
lexicographic weight would need a weight above the whole value range, which
would make the relative gap meaningless; two solves keep both optima exact.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_bipartite_matching

from landplan.domain import LAND_KINDS, Priority, SolveStatus, Target
from landplan.errors import InfeasibleError
from landplan.model import Model, build_model, returned_parcels, target_coefficients
from landplan.pricing import PricingStats, settled, solve_priced
from landplan.scenario import SolverOptions
from landplan.solve import Solution, complete_start, relative_gap, solve
from landplan.valuation import PricedPairs, describe, is_land_pair, tie_breaks

log = logging.getLogger(__name__)

# Models with fewer pair columns go to the solver whole: pricing would keep
# most of them anyway (the demo's 3,394 pairs, 20 per project, are 2,400).
PRICING_FROM = 20_000

# Components smaller than this are solved together in one call: they are
# independent anyway, and one solver call each would cost more than solving.
SMALL_COMPONENT = 200


@dataclass(frozen=True)
class Allocation:
    """The plan and how it was found; the same fields whatever happened.

    Attributes
    ----------
    status
        ``optimal`` (within the gap) or ``time_limit`` (best plan found in time).
    objective, bound, gap
        The plan's objective, the proven bound, their relative gap.
    chosen
        Rows of the pair table that the plan places.
    placed
        The chosen pairs, described (``valuation.describe``).
    hightech_first
        Under ``priority: hightech_first``, the most high-tech projects a plan can
        place (the first solve's optimum); else None.
    returned
        The ids of the parcels the plan returns to non-construction use to free
        quota (``consolidation.swap``).
    """

    status: SolveStatus
    objective: float
    bound: float
    gap: float
    solver: str
    runtime_s: float
    model_size: str
    components: int
    chosen: np.ndarray
    placed: pd.DataFrame
    hightech_first: int | None = None
    pricing: PricingStats | None = None
    returned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Distinct:
    """What an alternative plan must satisfy (``landplan alternatives``).

    Attributes
    ----------
    floor
        The least true objective it may have.
    earlier
        The pair rows of each earlier plan; of each, at least ``min_diff``
        placements must be left out (a no-good cut per earlier plan).
    hightech
        Under ``hightech_first``, the optimum's number of high-tech projects
        placed, which every alternative keeps (row ``priority[hightech]``).
    """

    floor: float
    earlier: tuple[np.ndarray, ...]
    min_diff: int
    hightech: int | None


def allocate(
    priced: PricedPairs,
    options: SolverOptions,
    *,
    start: set[tuple[Any, ...]] | None = None,
    export_model: Path | None = None,
    distinct: Distinct | None = None,
) -> Allocation:
    """The best plan for the priced pairs (docs/model.md).

    ``start`` is a plan to start the solver from, as ``(project_id, parcel_id)``
    pairs, with the year under phasing (``PricedPairs.keys``; e.g. the previous sweep
    point's); pairs no longer eligible are dropped.
    With ``distinct``, the best plan that also satisfies it (an alternative).

    Raises
    ------
    InfeasibleError
        Before solving, when must-place projects, locked parcels or the budget
        obviously cannot be satisfied; after solving, when the solver proves it
        (with ``distinct``: when no further alternative exists).
    """
    precheck(priced)
    model = build_model(priced)
    x0 = None
    if start is not None:
        keys = priced.keys(np.arange(len(priced.pairs)))
        x0 = np.zeros(model.n_cols)
        x0[: len(priced.pairs)] = np.fromiter(
            (key in start for key in keys), dtype=float, count=len(priced.pairs)
        )
    most = None
    if distinct is not None:
        model, most = _distinct_rows(priced, model, distinct), distinct.hightech
    elif priced.objective.priority == Priority.HIGHTECH_FIRST:
        model, x0, most = _hightech_first(priced, model, options, x0)
    log.info("model: %s", model.describe())
    if export_model is not None:
        model.write(export_model)
        log.info("model written to %s", export_model)
    solution, n_parts, pricing = solve_model(model, options, x0)
    if pricing is not None:
        log.info(pricing.describe())
    if solution.status == SolveStatus.INFEASIBLE:
        if distinct is not None:
            raise InfeasibleError(
                f"no further plan worth at least {distinct.floor:,.0f} differs from each of "
                f"the {len(distinct.earlier)} earlier plans in {distinct.min_diff} placements"
            )
        raise InfeasibleError(why_infeasible(priced, model, options))
    chosen = canonical(priced, model, solution.x)
    # report true values: the tie-break added back, the bound widened by its most
    ties, most_ties = tie_breaks(priced)
    objective = solution.objective + float(ties[chosen].sum())
    bound = max(solution.bound + most_ties, objective)
    log.info(
        "%s: placed %d of %d projects, objective %s (bound %s, gap %.4f%%) in %.1f s",
        solution.status,
        len(chosen),
        len(priced.projects),
        f"{objective:,.0f}",
        f"{bound:,.0f}",
        100 * relative_gap(objective, bound),
        solution.runtime_s,
    )
    return Allocation(
        status=solution.status,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        solver=options.name,
        runtime_s=solution.runtime_s,
        model_size=model.describe(),
        components=n_parts,
        chosen=chosen,
        placed=describe(priced, chosen),
        hightech_first=most,
        pricing=pricing,
        returned=tuple(returned_parcels(model, solution.x)),
    )


def canonical(priced: PricedPairs, model: Model, x: np.ndarray) -> np.ndarray:
    """The plan's pairs with equal-value exchanges ordered: lower project id, lower parcel id.

    Two placed projects that could exchange parcels with the plan's value, its
    land and every row unchanged are an exact tie no objective term decides
    (same park, same area, same sector); the solvers break it differently.
    Such exchanges are made until, among them, the lower project id holds the
    lower parcel id, so that equal plans come out as equal tables. Each
    exchange undoes an inversion of that order, so this ends. Candidates are
    found with array operations (millions of pairs); only the few exact ties
    are checked row by row.
    """
    pairs = priced.pairs
    n = len(pairs)
    chosen = np.flatnonzero(x[:n] > 0.5)
    if not len(chosen):
        return chosen.astype(np.int64)
    p = pairs["project"].to_numpy().astype(np.int64)
    j = pairs["parcel"].to_numpy().astype(np.int64)
    value = pairs["value"].to_numpy(dtype=float)
    land = pairs["land_ha"].to_numpy(dtype=float)
    n_parcels = len(priced.parcels)
    # under phasing each project keeps its year in an exchange
    year = _years(priced)
    span = int(year.max()) + 1
    key = (p * n_parcels + j) * span + year
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]
    project_rank = _ranks(priced.projects["project_id"])
    parcel_rank = _ranks(priced.parcels["parcel_id"])
    x = np.where(model.integer, np.round(x), x)
    activity = model.A @ x
    low, high = model.row_lower - 1e-7, model.row_upper + 1e-7
    while True:
        slot = np.full(len(priced.projects), -1, dtype=np.int64)
        slot[p[chosen]] = chosen
        held = chosen[np.argsort(j[chosen], kind="stable")]
        first = np.searchsorted(j[held], j, side="left")
        count = np.searchsorted(j[held], j, side="right") - first
        # ks: a placed project's pairs on parcels someone else holds
        ks = np.flatnonzero(
            (slot[p] >= 0)
            & (count > 0)
            & (slot[p] != np.arange(n))
            & (year == year[np.maximum(slot[p], 0)])
        )
        # one row per (k, holder of k's parcel): factories have several holders
        c = count[ks]
        k = np.repeat(ks, c)
        offset = np.arange(len(k)) - np.repeat(np.cumsum(c) - c, c)
        b = held[first[k] + offset]
        a = slot[p[k]]
        wanted = (p[b] * n_parcels + j[a]) * span + year[b]
        want = np.minimum(np.searchsorted(sorted_key, wanted), n - 1)
        exists = sorted_key[want] == wanted
        new_b = by_key[want]
        ok = (
            exists
            & (p[a] != p[b])
            & (j[a] != j[b])
            & ((project_rank[p[a]] < project_rank[p[b]]) != (parcel_rank[j[a]] < parcel_rank[j[b]]))
            & (
                np.abs(value[k] + value[new_b] - value[a] - value[b])
                <= 1e-9 * (np.abs(value[a] + value[b]) + 1.0)
            )
            & (np.abs(land[k] + land[new_b] - land[a] - land[b]) <= 1e-9)
        )
        placed = set(chosen.tolist())
        changed = False
        for ka, kb, kk, knb in zip(a[ok], b[ok], k[ok], new_b[ok], strict=True):
            if not {ka, kb} <= placed:
                continue
            moved = activity + _column_sum(model.A, (kk, knb)) - _column_sum(model.A, (ka, kb))
            if (moved < low).any() or (moved > high).any():
                continue
            activity = moved
            placed -= {ka, kb}
            placed |= {kk, knb}
            changed = True
        chosen = np.array(sorted(placed), dtype=np.int64)
        if not changed:
            ranks = (project_rank, parcel_rank)
            rotated = _rotate_three(priced, model, chosen, activity, (low, high), ranks, year)
            if rotated is None:
                return chosen
            chosen, activity = rotated


def _rotate_three(
    priced: PricedPairs,
    model: Model,
    chosen: np.ndarray,
    activity: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    ranks: tuple[np.ndarray, np.ndarray],
    year: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """One equal-value rotation of three land parcels among three placed projects
    that no exchange of two can make, when it gives the lower project ids lower
    parcel ids (the projects' parcels, read in project order, come earlier in
    parcel order); None when there is none. Such cycles arise where a pair's value
    is a project part plus a parcel part (same park, every term separable)."""
    pairs = priced.pairs
    p = pairs["project"].to_numpy()
    j = pairs["parcel"].to_numpy()
    value = pairs["value"].to_numpy(dtype=float)
    project_rank, parcel_rank = ranks
    land_parcel = priced.parcels["kind"].isin(LAND_KINDS).to_numpy()
    mine = [int(a) for a in chosen if land_parcel[j[a]]]
    holder = {int(j[a]): a for a in mine}
    slot = {int(p[a]): a for a in mine}
    # the pairs of these projects on these parcels, in the project's own year: a -> b
    # where a's project has a pair on b's parcel (``year``: each pair's, from ``_years``)
    slot_year = np.full(len(priced.projects), -1, dtype=np.int64)
    slot_year[p[mine]] = year[mine]
    near = np.flatnonzero(
        np.isin(p, list(slot)) & np.isin(j, list(holder)) & (year == slot_year[p])
    )
    lookup = {(int(p[k]), int(j[k])): int(k) for k in near}
    edges: dict[int, list[tuple[int, int]]] = {}
    for k in near:
        a, b = slot[int(p[k])], holder[int(j[k])]
        if a != b:
            edges.setdefault(a, []).append((b, int(k)))
    low, high = bounds
    for a in mine:
        for b, ab in edges.get(a, []):
            for c, bc in edges.get(b, []):
                if c == a:
                    continue
                ca = lookup.get((int(p[c]), int(j[a])))
                if ca is None:
                    continue
                old, new = (a, b, c), (ab, bc, ca)
                before = sum(value[x] for x in old)
                if abs(sum(value[x] for x in new) - before) > 1e-9 * (abs(before) + 1.0):
                    continue
                order = sorted(range(3), key=lambda i: project_rank[p[old[i]]])
                if [parcel_rank[j[new[i]]] for i in order] >= [
                    parcel_rank[j[old[i]]] for i in order
                ]:
                    continue
                moved = activity + _column_sum(model.A, new) - _column_sum(model.A, old)
                if (moved < low).any() or (moved > high).any():
                    continue
                kept = set(chosen.tolist()) - set(old) | set(new)
                return np.array(sorted(kept), dtype=np.int64), moved
    return None


def _years(priced: PricedPairs) -> np.ndarray:
    """Each pair's year counted from the first (0 without phasing)."""
    if "year" not in priced.pairs or not len(priced.pairs):
        return np.zeros(len(priced.pairs), dtype=np.int64)
    year = priced.pairs["year"].to_numpy().astype(np.int64)
    found: np.ndarray = year - year.min()
    return found


def _ranks(ids: pd.Series) -> np.ndarray:
    """Each id's position in sorted order."""
    order: np.ndarray = np.argsort(np.argsort(ids.to_numpy(dtype=str), kind="stable"))
    return order


def _column_sum(A: sp.csc_matrix, cols: tuple[int, ...]) -> np.ndarray:
    """The sum of columns ``cols`` of ``A``, dense."""
    total = np.zeros(A.shape[0])
    for col in cols:
        span = slice(A.indptr[col], A.indptr[col + 1])
        np.add.at(total, A.indices[span], A.data[span])
    return total


def _distinct_rows(priced: PricedPairs, model: Model, distinct: Distinct) -> Model:
    """``model`` with the rows of ``distinct``: ``floor`` (true objective ≥ floor),
    ``differ[k]`` (Σ x over plan k's pairs ≤ its size − min_diff) and, if set,
    ``priority[hightech]``."""
    small = [k + 1 for k, plan in enumerate(distinct.earlier) if len(plan) < distinct.min_diff]
    if small:
        raise InfeasibleError(
            f"no further plan: plan {small[0]} places fewer than {distinct.min_diff} projects, "
            "so no plan can leave out that many of its placements"
        )
    if distinct.hightech is not None:
        model = with_priority_row(priced, model, distinct.hightech)
    true_value = model.c.copy()
    true_value[: len(priced.pairs)] += tie_breaks(priced)[0]
    names = ["floor"]
    rows = [sp.csr_matrix(true_value[None, :])]
    lower, upper = [distinct.floor], [np.inf]
    for k, plan in enumerate(distinct.earlier):
        names.append(f"differ[{k + 1}]")
        ones = np.ones(len(plan))
        rows.append(sp.csr_matrix((ones, (np.zeros(len(plan)), plan)), shape=(1, model.n_cols)))
        lower.append(-np.inf)
        upper.append(float(len(plan) - distinct.min_diff))
    return model.with_rows(names, sp.vstack(rows), np.array(lower), np.array(upper))


def _hightech_first(
    priced: PricedPairs, model: Model, options: SolverOptions, start: np.ndarray | None
) -> tuple[Model, np.ndarray, int]:
    """The most high-tech projects any plan places (H), and the model with the row
    ``priority[hightech]``: Σ x over high-tech pairs ≥ H. Returns a start for the second
    solve: the first solve's plan or ``start``, whichever satisfies the new row and
    is worth more."""
    # a count: at gap 0 the first solve's H is the true maximum
    first, _, _ = solve_model(
        model.with_objective(_hightech_columns(priced, model)),
        replace(options, gap=0.0),
        start,
        integral=True,
    )
    if first.status == SolveStatus.INFEASIBLE:
        raise InfeasibleError(why_infeasible(priced, model, options))
    most = round(first.objective)
    log.info(
        "high-tech first: at most %d high-tech projects can be placed%s",
        most,
        "" if first.status == SolveStatus.OPTIMAL else " (found in the time limit; not proven)",
    )
    ranked = with_priority_row(priced, model, most)
    # the better start for the second solve: the given plan (a sweep's previous
    # point, usually worth more) if it still places H high-tech projects
    given = None if start is None else complete_start(ranked, start)
    if given is not None and ranked.c @ given > ranked.c @ first.x:
        return ranked, given, most
    return ranked, first.x, most


def with_priority_row(priced: PricedPairs, model: Model, most: int) -> Model:
    """``model`` with ``priority[hightech]``: Σ x over high-tech pairs ≥ ``most``."""
    row = sp.csr_matrix(_hightech_columns(priced, model)[None, :])
    return model.with_rows(["priority[hightech]"], row, np.array([float(most)]), np.array([np.inf]))


def _hightech_columns(priced: PricedPairs, model: Model) -> np.ndarray:
    """1.0 for the columns of high-tech projects' pairs, 0.0 for the rest."""
    hightech = priced.projects["hightech"].to_numpy(dtype=bool)
    result: np.ndarray = ((model.pair >= 0) & hightech[np.maximum(model.project, 0)]).astype(float)
    return result


_TARGET_UNITS = {
    Target.OUTPUT_PER_HA: ("{:,.0f} 万元/ha", 1.0),
    Target.LABOUR_PRODUCTIVITY: ("{:,.1f} 万元/person", 1.0),
    Target.RD_INTENSITY: ("{:.2f}%", 100.0),
    Target.HIGHTECH_OUTPUT_SHARE: ("{:.1f}%", 100.0),
}


def why_infeasible(priced: PricedPairs, model: Model, options: SolverOptions) -> str:
    """What blocks every plan, once the solver has proved that none exists.

    With targets: the model without them is solved; if it has plans, each
    target's best reachable level is found (Dinkelbach's iteration on the ratio
    the target bounds, a few solves) and every target that no plan meets is named
    with that level.
    """
    generic = (
        "the solver proved that no plan places every must-place project within the "
        "floor space, parcel and budget limits; run 'landplan validate' and check "
        "must_place, locked_parcel and costshare.budget"
    )
    targets = priced.targets.items()
    if not targets:
        return generic
    free = model.without_rows("target[")
    if solve_model(free, options)[0].status == SolveStatus.INFEASIBLE:
        return generic
    missed: list[str] = []
    reach: list[str] = []
    for target, level in targets:
        best = _best_level(priced, free, options, target, level)
        shown, scale = _TARGET_UNITS[target]
        text = (
            f"{target.value} {shown.format(level * scale)}: the best plan reaches "
            f"{shown.format(best * scale)}"
        )
        (missed if best < level - 1e-9 * max(1.0, abs(level)) else reach).append(text)
    if missed:
        return (
            "no plan that places every must-place project meets the target "
            + "; ".join(missed)
            + " — lower the target (targets:) or clear must_place on the projects that "
            "fall short"
        )
    return (
        "each target can be met alone but not all together by a plan that places every "
        "must-place project (" + "; ".join(reach) + ") — lower one of the targets"
    )


def _best_level(
    priced: PricedPairs, model: Model, options: SolverOptions, target: Target, level: float
) -> float:
    """The highest value of ``target``'s ratio N/D over the plans of ``model``.

    Dinkelbach's iteration: for λ, F(λ) = max Σ (N − λD) x over the plans; the
    best plan's ratio is the next λ. F falls as λ rises and is 0 at the optimum
    ratio, so from any start the second λ is at or below it and the rest climb to
    it (each step a solve; a handful suffice). Starts at the target level.
    """
    n_pairs = len(priced.pairs)
    numerator = target_coefficients(priced, target, 0.0)
    denominator = numerator - target_coefficients(priced, target, 1.0)
    ratio = level
    for _ in range(12):
        c = np.zeros(model.n_cols)
        c[:n_pairs] = target_coefficients(priced, target, ratio)
        found, _, _ = solve_model(model.with_objective(c), replace(options, gap=0.0))
        x = found.x[:n_pairs]
        n, d = float(numerator @ x), float(denominator @ x)
        if d <= 0:
            return ratio
        if abs(found.objective) <= 1e-9 * max(1.0, abs(n)):
            return ratio  # F(λ) = 0: λ is the best ratio
        ratio = n / d
    return ratio


def solve_model(
    model: Model,
    options: SolverOptions,
    start: np.ndarray | None = None,
    *,
    integral: bool = False,
) -> tuple[Solution, int, PricingStats | None]:
    """Solve by pricing (``solver.pricing``, the default, from ``PRICING_FROM`` pairs)
    or the whole model in independent parts.

    A ``start`` that the LP bound proves within the gap is the answer without a
    MIP (``pricing.settled``; ``integral``: the objective is a count). Returns
    the solution, the number of independent parts (1 under pricing or when the
    start settled it) and what pricing did.
    """
    if options.pricing and model.n_pairs > PRICING_FROM:
        solution, stats = solve_priced(model, options, start, integral=integral)
        return solution, 1, stats
    if start is not None:
        lp = solve(model, options, relax=True)
        if lp.status != SolveStatus.INFEASIBLE:
            done = settled(model, options, start, lp.objective, lp.runtime_s, integral=integral)
            if done is not None:
                log.info("the start plan is within the gap of the LP bound")
                return done, 1, None
    solution, parts = solve_split(model, options, start)
    return solution, parts, None


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


def precheck(priced: PricedPairs) -> None:
    """Catch what makes the problem infeasible before the solver runs (with numbers)."""
    projects = priced.projects
    must = projects["must_place"].to_numpy(dtype=bool)
    messages = [
        f"must-place project {pid} has {priced.no_pairs[pid]}"
        for pid in projects.loc[must, "project_id"]
        if pid in priced.no_pairs
    ]
    messages += _matching_conflicts(priced)
    budget = priced.budget
    if budget is not None and not messages:
        pairs = priced.pairs
        on_must = must[pairs["project"].to_numpy()]
        need = pairs[on_must].groupby("project")["subsidy"].min()
        need.index = projects["project_id"].to_numpy()[need.index.to_numpy()]
        if need.sum() > budget + 1e-6:
            top = need.sort_values(ascending=False).head(5)
            named = ", ".join(f"{k} {v:,.0f}" for k, v in top.items() if v > 0)
            messages.append(
                f"budget: placing the must-place projects needs at least {need.sum():,.0f} 万元 "
                f"of subsidy (each on its cheapest eligible parcel: {named}), but "
                f"costshare.budget is {budget:,.0f} 万元 — raise the budget or clear must_place"
            )
    if messages:
        raise InfeasibleError("no feasible plan:\n  " + "\n  ".join(messages))


def _matching_conflicts(priced: PricedPairs) -> list[str]:
    """Must-place projects that together need more parcels or floor space than exist."""
    projects, parcels, pairs = priced.projects, priced.parcels, priced.pairs
    must = projects["must_place"].to_numpy(dtype=bool)
    on_must = must[pairs["project"].to_numpy()]
    land_pair = is_land_pair(priced)
    messages = []
    land = pairs[on_must & land_pair]
    pid, jid = projects["project_id"].to_numpy(), parcels["parcel_id"].to_numpy()
    if len(land):
        rows, row_of = np.unique(land["project"], return_inverse=True)
        cols, col_of = np.unique(land["parcel"], return_inverse=True)
        graph = sp.csr_matrix((np.ones(len(land)), (row_of, col_of)), shape=(len(rows), len(cols)))
        match = maximum_bipartite_matching(graph, perm_type="column")
        owner = np.full(len(cols), -1)
        owner[match[match >= 0]] = np.flatnonzero(match >= 0)
        for u in np.flatnonzero(match < 0):
            # Hall's condition fails: the projects reachable from u by alternating
            # paths outnumber the parcels they can use.
            group, seen, frontier = {u}, set(), [u]
            while frontier:
                r = frontier.pop()
                for c in graph.indices[graph.indptr[r] : graph.indptr[r + 1]]:
                    if c not in seen:
                        seen.add(c)
                        if owner[c] >= 0 and owner[c] not in group:
                            group.add(owner[c])
                            frontier.append(owner[c])
            names = ", ".join(sorted(pid[rows[list(group)]]))
            places = ", ".join(sorted(jid[cols[sorted(seen)]]))
            messages.append(
                f"must-place projects {names} ({len(group)}) can only use parcels {places} "
                f"({len(seen)}); each land parcel hosts one project — free more parcels, "
                "widen their area ranges or clear must_place"
            )
            break  # one conflict set says it; more would repeat the same projects
    floor = pairs[on_must & ~land_pair]
    only = floor[floor.groupby("project")["project"].transform("size") == 1]
    need = projects["floor_m2"].to_numpy(dtype=float)
    for j, group in only.groupby("parcel"):
        total = float(need[group["project"].to_numpy()].sum())
        have = float(parcels["floor_area_m2"].iloc[int(j)])
        if total > have:
            tenants = ", ".join(sorted(pid[group["project"].to_numpy()]))
            messages.append(
                f"must-place projects {tenants} can only go to factory {jid[int(j)]} and need "
                f"{total:,.0f} m² of its {have:,.0f} m² — clear must_place on some or admit "
                "other factories"
            )
    return messages
