"""Allocation: check, build, split, solve, and explain every decision.

Works on the plain pair table from ``eligibility``; no geometry here.
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

from landplan.constants import LAND_KINDS, M2_PER_HA
from landplan.costshare import (
    pair_subsidy,
    park_average_cost,
    park_floor_rate,
    require_costs,
    spread_terms,
)
from landplan.eligibility import Eligibility
from landplan.errors import InfeasibleError
from landplan.inputs import Inputs
from landplan.model import Model, SpreadTerms, build_model
from landplan.scenario import SolverOptions
from landplan.solve import INFEASIBLE, OPTIMAL, TIME_LIMIT, Solution, solve

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
        The plan's objective, the solver's proven bound, their relative gap.
    placed
        The chosen pairs: the pair table's columns plus ``subsidy`` and ``value``.
    outcome
        One row per project: ``project_id, parcel_id, status, reason, detail``.
    pairs
        Every eligible pair with ``park, hightech, parcel_area_ha, parcel_dev_cost,
        subsidy, value`` (what the model saw).
    park_avg
        Park average land cost, 万元/ha.
    floor_rate
        Park cost per m² of permitted floor space, 万元/m² (method ``floor``), else None.
    """

    status: str
    objective: float
    bound: float
    gap: float
    solver: str
    runtime_s: float
    model_size: str
    components: int
    placed: pd.DataFrame
    outcome: pd.DataFrame
    pairs: pd.DataFrame
    park_avg: pd.Series
    floor_rate: pd.Series | None


def pair_attributes(
    inputs: Inputs, eligibility: Eligibility
) -> tuple[pd.DataFrame, pd.Series, pd.Series | None]:
    """The pair table with what the cost-share rule and the model need.

    Returns the pairs, the park average cost and (method ``floor``) the park
    floor rate.
    """
    parcels, projects = inputs.parcels, inputs.tables.projects
    params = inputs.scenario.costshare
    pairs = eligibility.pairs.copy()
    j, p = pairs["parcel"].to_numpy(), pairs["project"].to_numpy()
    pairs["park"] = parcels["park"].to_numpy()[j]
    pairs["hightech"] = projects["hightech"].to_numpy()[p]
    pairs["parcel_area_ha"] = parcels["area_ha"].to_numpy()[j]
    pairs["parcel_dev_cost"] = parcels["dev_cost"].to_numpy(dtype=float)[j]
    # Permitted floor space a pair takes: a tenant's floor_m2; a land project's
    # parcel area × its plot ratio (NaN where the parcel gives none).
    is_floor = projects["need"].to_numpy()[p] == "floor"
    land_floor = (
        pairs["parcel_area_ha"].to_numpy() * M2_PER_HA * parcels["far"].to_numpy(dtype=float)[j]
    )
    pairs["floor_used_m2"] = np.where(
        is_floor, projects["floor_m2"].to_numpy(dtype=float)[p], land_floor
    )
    avg = park_average_cost(parcels, inputs.tables.parks)
    rate = park_floor_rate(inputs.tables.parks) if params.method == "floor" else None
    require_costs(avg, set(pairs["park"]), str(inputs.scenario.file), rate)
    pairs["subsidy"] = pair_subsidy(pairs, avg, params, rate)
    return pairs, avg, rate


def allocate(
    inputs: Inputs,
    eligibility: Eligibility,
    export_model: Path | None = None,
    start: set[tuple[str, str]] | None = None,
) -> Allocation:
    """The best plan under the scenario's rules (CONTRACT, "Allocation").

    ``start`` is a plan to start the solver from, as ``(project_id, parcel_id)``
    pairs (e.g. the previous sweep point's); pairs no longer eligible are dropped.

    Raises
    ------
    InfeasibleError
        Before solving, when must-place projects, locked parcels or the budget
        obviously cannot be satisfied; after solving, when the solver proves it.
    """
    scenario = inputs.scenario
    parcels, projects = inputs.parcels, inputs.tables.projects
    pairs, avg, rate = pair_attributes(inputs, eligibility)
    precheck(inputs, eligibility, pairs)
    spread = None
    if scenario.costshare.shortfall == "spread":
        shortfall, ceiling = spread_terms(pairs, avg, scenario.costshare, rate)
        spread = SpreadTerms(pairs["park"].to_numpy(), shortfall, ceiling)
    model = build_model(
        pairs,
        parcels,
        projects,
        pairs["subsidy"].to_numpy(),
        scenario.objective,
        scenario.costshare.budget,
        spread,
    )
    pairs["value"] = model.c[: len(pairs)]
    log.info("model: %s", model.describe())
    if export_model is not None:
        model.write(export_model)
        log.info("model written to %s", export_model)
    x0 = None
    if start is not None:
        keys = zip(pairs["project_id"], pairs["parcel_id"], strict=True)
        x0 = np.concatenate(
            [
                np.fromiter((key in start for key in keys), dtype=float, count=len(pairs)),
                np.zeros(model.n_cols - len(pairs)),
            ]
        )
    solution, n_parts = solve_split(model, scenario.solver, x0)
    if solution.status == INFEASIBLE:
        raise InfeasibleError(
            "the solver proved that no plan places every must-place project within the "
            "floor space, parcel and budget limits; run 'landplan validate' and check "
            "must_place, locked_parcel and costshare.budget"
        )
    chosen = solution.x[: len(pairs)] > 0.5
    placed = pairs[chosen].reset_index(drop=True)
    outcome = explain(inputs, eligibility, pairs, chosen, solution)
    log.info(
        "%s: placed %d of %d projects, objective %s (bound %s, gap %.4f%%) in %.1f s",
        solution.status,
        len(placed),
        len(projects),
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
        solver=scenario.solver.name,
        runtime_s=solution.runtime_s,
        model_size=model.describe(),
        components=n_parts,
        placed=placed,
        outcome=outcome,
        pairs=pairs,
        park_avg=avg,
        floor_rate=rate,
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
    status = OPTIMAL
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
        if result.status == INFEASIBLE:
            return result, len(parts)
        if result.status == TIME_LIMIT:
            status = TIME_LIMIT
        x[cols] = result.x
        objective += result.objective
        bound += result.bound
        runtime += result.runtime_s
    return Solution(status, x, objective, bound, runtime), len(parts)


def precheck(inputs: Inputs, eligibility: Eligibility, pairs: pd.DataFrame) -> None:
    """Catch what makes the problem infeasible before the solver runs (with numbers)."""
    projects, parcels = inputs.tables.projects, inputs.parcels
    must = projects["must_place"].to_numpy(dtype=bool)
    messages = [
        f"must-place project {pid} has {eligibility.reasons[pid]}"
        for pid in projects.loc[must, "project_id"]
        if pid in eligibility.reasons
    ]
    messages += _matching_conflicts(projects, parcels, pairs)
    budget = inputs.scenario.costshare.budget
    if budget is not None and not messages:
        need = pairs[must[pairs["project"].to_numpy()]].groupby("project_id")["subsidy"].min()
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


def _matching_conflicts(
    projects: pd.DataFrame, parcels: pd.DataFrame, pairs: pd.DataFrame
) -> list[str]:
    """Must-place projects that together need more parcels or floor space than exist."""
    must = projects["must_place"].to_numpy(dtype=bool)
    land_kind = parcels["kind"].isin(LAND_KINDS).to_numpy()
    mp = pairs[must[pairs["project"].to_numpy()]]
    messages = []
    land = mp[land_kind[mp["parcel"].to_numpy()]]
    if len(land):
        rows, row_of = np.unique(land["project"], return_inverse=True)
        cols, col_of = np.unique(land["parcel"], return_inverse=True)
        graph = sp.csr_matrix((np.ones(len(land)), (row_of, col_of)), shape=(len(rows), len(cols)))
        match = maximum_bipartite_matching(graph, perm_type="column")
        owner = np.full(len(cols), -1)
        owner[match[match >= 0]] = np.flatnonzero(match >= 0)
        pid, jid = projects["project_id"].to_numpy(), parcels["parcel_id"].to_numpy()
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
    floor = mp[~land_kind[mp["parcel"].to_numpy()]]
    only = floor.groupby("project").filter(lambda g: len(g) == 1)
    need = projects["floor_m2"].to_numpy(dtype=float)
    for j, group in only.groupby("parcel"):
        total = float(need[group["project"].to_numpy()].sum())
        have = float(parcels["floor_area_m2"].iloc[int(j)])
        if total > have:
            messages.append(
                f"must-place projects {', '.join(sorted(group['project_id']))} can only go to "
                f"factory {parcels['parcel_id'].iloc[int(j)]} and need {total:,.0f} m² of its "
                f"{have:,.0f} m² — clear must_place on some or admit other factories"
            )
    return messages


def best_of(options: pd.DataFrame) -> pd.Series:
    """The pair with the highest objective value."""
    return options.iloc[int(np.argmax(options["value"].to_numpy()))]


def explain(
    inputs: Inputs,
    eligibility: Eligibility,
    pairs: pd.DataFrame,
    chosen: np.ndarray,
    solution: Solution,
) -> pd.DataFrame:
    """Placed, or why not: ``no eligible parcel``, ``outcompeted``, ``budget``,
    ``not worth placing`` or ``solver stopped``, with the details a sponsor asks for."""
    projects, parcels = inputs.tables.projects, inputs.parcels
    budget = inputs.scenario.costshare.budget
    placed = pairs[chosen]
    land_kind = parcels["kind"].isin(LAND_KINDS).to_numpy()
    used_floor = np.bincount(
        placed["parcel"],
        weights=projects["floor_m2"].to_numpy(dtype=float)[placed["project"]],
        minlength=len(parcels),
    )
    free_floor = np.nan_to_num(parcels["floor_area_m2"].to_numpy(dtype=float)) - used_floor
    taken_by = placed.groupby("parcel")["project_id"].agg(lambda s: ", ".join(sorted(s)))
    budget_left = None if budget is None else budget - float(placed["subsidy"].sum())
    where = dict(zip(placed["project_id"], placed["parcel_id"], strict=True))
    floor_need = projects["floor_m2"].to_numpy(dtype=float)
    by_project = {k: g for k, g in pairs.groupby("project_id", sort=False)}
    rows = []
    for i, pid in enumerate(projects["project_id"]):
        if pid in where:
            rows.append((pid, where[pid], "placed", "", ""))
            continue
        if pid in eligibility.reasons:
            rows.append((pid, "", "unplaced", "no eligible parcel", eligibility.reasons[pid]))
            continue
        own = by_project[pid]
        j = own["parcel"].to_numpy()
        free = np.where(land_kind[j], ~np.isin(j, placed["parcel"]), free_floor[j] >= floor_need[i])
        best = best_of(own)
        if not free.any():
            taker = taken_by.get(best["parcel"], "")
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "outcompeted",
                    f"all {len(own)} eligible parcels are taken; its best, "
                    f"{best['parcel_id']}, went to {taker}",
                )
            )
            continue
        options = own[free]
        affordable = (
            options if budget_left is None else options[options["subsidy"] <= budget_left + 1e-6]
        )
        worth = options[options["value"] > 0]
        if len(worth) and (not len(affordable) or affordable["value"].max() <= 0):
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "budget",
                    f"its best free parcel {best_of(worth)['parcel_id']} needs "
                    f"{best_of(worth)['subsidy']:,.0f} 万元 of subsidy; "
                    f"{budget_left or 0:,.0f} 万元 of the budget is left",
                )
            )
        elif not len(worth):
            top = best_of(options)
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "not worth placing",
                    f"its best free parcel {top['parcel_id']} adds {top['value']:,.0f} to the "
                    "objective (the subsidy outweighs its benefits)",
                )
            )
        else:
            top = best_of(affordable)
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "solver stopped",
                    f"placing it on {top['parcel_id']} would add {top['value']:,.0f}; the "
                    f"solver stopped at a {100 * solution.gap:.3f}% gap",
                )
            )
    return pd.DataFrame(rows, columns=["project_id", "parcel_id", "status", "reason", "detail"])
