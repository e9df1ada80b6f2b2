"""Allocation: check, build, split and solve the priced pair table.

Takes the priced pairs and the solver options, nothing else; works on plain
tables, no geometry.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_bipartite_matching

from landplan.domain import SolveStatus
from landplan.errors import InfeasibleError
from landplan.model import Model, build_model
from landplan.scenario import SolverOptions
from landplan.solve import Solution, solve
from landplan.valuation import PricedPairs, describe, is_land_pair

log = logging.getLogger(__name__)

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


def allocate(
    priced: PricedPairs,
    options: SolverOptions,
    *,
    start: set[tuple[str, str]] | None = None,
    export_model: Path | None = None,
) -> Allocation:
    """The best plan for the priced pairs (docs/model.md).

    ``start`` is a plan to start the solver from, as ``(project_id, parcel_id)``
    pairs (e.g. the previous sweep point's); pairs no longer eligible are dropped.

    Raises
    ------
    InfeasibleError
        Before solving, when must-place projects, locked parcels or the budget
        obviously cannot be satisfied; after solving, when the solver proves it.
    """
    precheck(priced)
    model = build_model(priced)
    log.info("model: %s", model.describe())
    if export_model is not None:
        model.write(export_model)
        log.info("model written to %s", export_model)
    x0 = None
    if start is not None:
        project_ids, parcel_ids = priced.ids(np.arange(len(priced.pairs)))
        keys = zip(project_ids, parcel_ids, strict=True)
        x0 = np.zeros(model.n_cols)
        x0[: len(priced.pairs)] = np.fromiter(
            (key in start for key in keys), dtype=float, count=len(priced.pairs)
        )
    solution, n_parts = solve_split(model, options, x0)
    if solution.status == SolveStatus.INFEASIBLE:
        raise InfeasibleError(
            "the solver proved that no plan places every must-place project within the "
            "floor space, parcel and budget limits; run 'landplan validate' and check "
            "must_place, locked_parcel and costshare.budget"
        )
    chosen = np.flatnonzero(solution.x[: len(priced.pairs)] > 0.5)
    log.info(
        "%s: placed %d of %d projects, objective %s (bound %s, gap %.4f%%) in %.1f s",
        solution.status,
        len(chosen),
        len(priced.projects),
        f"{solution.objective:,.0f}",
        f"{solution.bound:,.0f}",
        100 * solution.gap,
        solution.runtime_s,
    )
    return Allocation(
        status=solution.status,
        objective=solution.objective,
        bound=solution.bound,
        gap=solution.gap,
        solver=options.name,
        runtime_s=solution.runtime_s,
        model_size=model.describe(),
        components=n_parts,
        chosen=chosen,
        placed=describe(priced, chosen),
    )


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
