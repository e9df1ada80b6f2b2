"""Allocation: the plan for the priced pair table.

Takes the priced pairs and the solver options, nothing else; works on plain
tables, no geometry. It checks what obviously blocks every plan (``precheck``),
builds the model (``model``), solves it (``engine``), explains a proven
infeasibility (``diagnose``) and orders exact ties (``ties``).

``objective.priority: hightech_first`` is two exact solves: the first finds the
most high-tech projects any plan can place (H), the second the best value among
plans that place at least H (row ``priority[hightech]``). A single solve with a
lexicographic weight would need a weight above the whole value range, which
would make the relative gap meaningless; two solves keep both optima exact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from landplan.column_generation import PricingStats
from landplan.diagnose import why_infeasible
from landplan.domain import Priority, SolveStatus
from landplan.engine import solve_model
from landplan.errors import InfeasibleError
from landplan.model import (
    Model,
    Placements,
    build_model,
    placements_of,
    returned_parcels,
    start_vector,
)
from landplan.precheck import precheck
from landplan.scenario import SolverOptions
from landplan.solve import complete_start, relative_gap
from landplan.solve import export_model as write_model
from landplan.ties import canonical
from landplan.valuation import PricedPairs, describe, tie_breaks

log = logging.getLogger(__name__)


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
    offsets
        Under phasing, each chosen pair's year after its first (else zeros).
    placed
        The chosen pairs in their years, described (``valuation.describe``).
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
    model_size: dict[str, Any]
    components: int
    chosen: np.ndarray
    offsets: np.ndarray
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
    x0 = None if start is None else priced.placement(start)
    most = None
    if distinct is not None:
        model, most = _distinct_rows(priced, model, distinct), distinct.hightech
    elif priced.objective.priority == Priority.HIGHTECH_FIRST:
        model, x0, most = _hightech_first(priced, model, options, x0)
    log.info("model: %s", model.describe())
    if export_model is not None:
        write_model(model, export_model)
        log.info("model written to %s", export_model)
    solved = solve_model(model, options, x0)
    solution, pricing = solved.solution, solved.pricing
    if pricing is not None:
        log.info(pricing.describe())
    if solution.status == SolveStatus.INFEASIBLE:
        if distinct is not None:
            raise InfeasibleError(
                f"no further plan worth at least {distinct.floor:,.0f} differs from each of "
                f"the {len(distinct.earlier)} earlier plans in {distinct.min_diff} placements"
            )
        why = why_infeasible(priced, model, options)
        raise InfeasibleError(why.en, why.zh)
    chosen, offsets = canonical(priced, model, solved.model, solution.x)
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
        model_size=model.size(),
        components=solved.parts,
        chosen=chosen,
        offsets=offsets,
        placed=describe(priced, chosen, offsets),
        hightech_first=most,
        pricing=pricing,
        returned=tuple(returned_parcels(solved.model, solution.x)),
    )


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
        # leaving out a placement: its pair in no year
        names.append(f"differ[{k + 1}]")
        ones = np.ones(len(plan))
        rows.append(sp.csr_matrix((ones, (np.zeros(len(plan)), plan)), shape=(1, model.n_cols)))
        lower.append(-np.inf)
        upper.append(float(len(plan) - distinct.min_diff))
    slopes = None
    if model.years is not None:  # the floor row's values fall with the years, as c does
        value_slope = sp.csr_matrix(model.years.c_slope[None, :])
        slopes = sp.vstack([value_slope, sp.csr_matrix((len(names) - 1, model.n_pairs))])
    return model.with_rows(
        names, sp.vstack(rows), lower=np.array(lower), upper=np.array(upper), slopes=slopes
    )


def _hightech_first(
    priced: PricedPairs, model: Model, options: SolverOptions, start: Placements | None
) -> tuple[Model, Placements, int]:
    """The most high-tech projects any plan places (H), and the model with the row
    ``priority[hightech]``: Σ x over high-tech pairs ≥ H. Returns a start for the second
    solve: the first solve's plan or ``start``, whichever satisfies the new row and
    is worth more."""
    # a count: at gap 0 the first solve's H is the true maximum
    counted = solve_model(
        model.with_objective(_hightech_columns(priced, model)),
        replace(options, gap=0.0),
        start,
        integral=True,
    )
    first = counted.solution
    if first.status == SolveStatus.INFEASIBLE:
        why = why_infeasible(priced, model, options)
        raise InfeasibleError(why.en, why.zh)
    most = round(first.objective)
    log.info(
        "high-tech first: at most %d high-tech projects can be placed%s",
        most,
        "" if first.status == SolveStatus.OPTIMAL else " (found in the time limit; not proven)",
    )
    ranked = with_priority_row(priced, model, most)
    found = placements_of(counted.model, first.x)
    # the better start for the second solve: the given plan (a sweep's previous
    # point, usually worth more) if it still places H high-tech projects
    if (
        start is not None
        and _fits(ranked, start)
        and priced.values_of(*start).sum() > priced.values_of(*found).sum()
    ):
        return ranked, start, most
    return ranked, found, most


def _fits(model: Model, plan: Placements) -> bool:
    """``plan`` keeps every row of ``model``."""
    concrete = model.concrete(*plan)
    return complete_start(concrete, start_vector(concrete, plan)) is not None


def with_priority_row(priced: PricedPairs, model: Model, most: int) -> Model:
    """``model`` with ``priority[hightech]``: Σ x over high-tech pairs ≥ ``most``."""
    row = sp.csr_matrix(_hightech_columns(priced, model)[None, :])
    return model.with_rows(
        ["priority[hightech]"], row, lower=np.array([float(most)]), upper=np.array([np.inf])
    )


def _hightech_columns(priced: PricedPairs, model: Model) -> np.ndarray:
    """1.0 for the columns of high-tech projects' pairs, 0.0 for the rest."""
    hightech = priced.projects["hightech"].to_numpy(dtype=bool)
    result: np.ndarray = ((model.pair >= 0) & hightech[np.maximum(model.project, 0)]).astype(float)
    return result
