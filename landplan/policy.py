"""The questions policy staff ask of a plan, answered with numbers they can use.

- **The budget**: is the subsidy budget binding; what one more 万元 of it is worth
  to the plan (the ``budget`` row's dual in the LP relaxation, and how far the
  budget can rise with that price unchanged: HiGHS's ranging); and what the next
  ``policy.budget_step`` 万元 would buy: the plan solved again with that much more
  budget, from the plan in hand, and the projects it adds, drops and moves, the
  output, tax and subsidy it changes. Under phasing each year's budget row gets
  its price too.
- **Placing every project**: the plan solved with every project that has an
  eligible place required and no budget limit: the subsidy, land and objective it
  would take; when no such plan exists (not enough places, annual land caps,
  targets), the most projects any plan can place.

Both are exact solves of the same model with a changed row; the shadow price is an
LP figure (the relaxation's), stated as such.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from landplan.allocate import Allocation, allocate, with_priority_row
from landplan.column_generation import price_lp
from landplan.costshare import share_costs
from landplan.domain import Priority, SolveStatus
from landplan.engine import solve_model
from landplan.errors import InfeasibleError
from landplan.model import Model, build_model, placements_of
from landplan.scenario import PolicySpec, SolverOptions
from landplan.valuation import PricedPairs, describe, plan_keys, tie_breaks

log = logging.getLogger(__name__)

# a budget is binding when the plan uses this much of it, or its price is positive
BINDING_SHARE = 0.999


def policy_answers(
    priced: PricedPairs, allocation: Allocation, options: SolverOptions, spec: PolicySpec
) -> dict[str, Any]:
    """summary.json's ``policy``: ``budget`` (None without a budget) and ``place_all``
    (None when not asked for); module docstring."""
    model = _plan_model(priced, allocation)
    return {
        "budget": _budget(priced, allocation, options, spec, model),
        "place_all": _place_all(priced, allocation, options, model) if spec.place_all else None,
    }


def _plan_model(priced: PricedPairs, allocation: Allocation) -> Model:
    """The model the plan was solved in (with the high-tech row under high-tech first)."""
    model = build_model(priced)
    if allocation.hightech_first is not None:
        model = with_priority_row(priced, model, allocation.hightech_first)
    return model


def budget_prices(
    priced: PricedPairs, allocation: Allocation, options: SolverOptions
) -> dict[str, dict[str, float | None]]:
    """Per budget row (``budget``, ``budget[2026]``, …): its dual in the LP relaxation
    (objective per 万元) and how far it can rise at that price (万元)."""
    model = _plan_model(priced, allocation)
    return _prices(model, options)


def _prices(model: Model, options: SolverOptions) -> dict[str, dict[str, float | None]]:
    rows = [k for k, name in enumerate(model.row_names) if str(name).startswith("budget")]
    if not rows:
        return {}
    relaxed = price_lp(model, options)
    if relaxed is None:
        return {}
    return {
        str(model.row_names[k]): {
            "shadow_price": round(max(float(relaxed.y[k]), 0.0), 6),
            "holds_for": round(relaxed.session.rise(k), 4) if relaxed.y[k] > 1e-9 else None,
        }
        for k in rows
    }


def _budget(
    priced: PricedPairs,
    allocation: Allocation,
    options: SolverOptions,
    spec: PolicySpec,
    model: Model,
) -> dict[str, Any] | None:
    budget = priced.budget
    yearly = priced.context.phasing is not None and bool(priced.context.phasing.budget)
    if budget is None and not yearly:
        return None
    used = float(_shares(priced, allocation.placed)["subsidy"].sum())
    prices = _prices(model, options)
    whole = prices.get("budget", {"shadow_price": 0.0, "holds_for": None})
    price = float(whole["shadow_price"] or 0.0)
    out: dict[str, Any] = {
        "budget": budget,
        "used": round(used, 4),
        "binding": budget is not None and (used >= BINDING_SHARE * budget or price > 1e-9),
        "shadow_price": whole["shadow_price"],
        "holds_for": whole["holds_for"],
        "yearly": {k[len("budget[") : -1]: v for k, v in prices.items() if k != "budget"},
        "step": None,
    }
    if budget is not None and out["binding"] and spec.budget_step > 0:
        out["step"] = _with_more_budget(priced, allocation, options, spec.budget_step)
    return out


def _with_more_budget(
    priced: PricedPairs, allocation: Allocation, options: SolverOptions, step: float
) -> dict[str, Any]:
    """What the plan gains with ``step`` 万元 more budget: solved again from the plan."""
    assert priced.budget is not None
    costshare = replace(priced.costshare, budget=priced.budget + step)
    richer = replace(priced, context=replace(priced.context, costshare=costshare))
    try:
        found = allocate(richer, options, start=plan_keys(allocation.placed))
    except InfeasibleError:  # cannot happen with more budget; said plainly if it does
        return {"amount": step, "status": "infeasible"}
    return {"amount": step, "status": str(found.status), **_difference(priced, allocation, found)}


def _difference(priced: PricedPairs, before: Allocation, after: Allocation) -> dict[str, Any]:
    """Projects added, dropped and moved from ``before`` to ``after``, and the change in
    placed, high-tech placed, output, tax (万元 a year), subsidy and the objective."""
    old = before.placed.set_index("project_id")
    new = after.placed.set_index("project_id")
    projects = priced.projects.set_index("project_id")
    added = sorted(set(new.index) - set(old.index))
    dropped = sorted(set(old.index) - set(new.index))
    kept = sorted(set(new.index) & set(old.index))
    moved = [p for p in kept if new.loc[p, "parcel_id"] != old.loc[p, "parcel_id"]]

    def total(frame: pd.DataFrame, column: str) -> float:
        return float(projects.loc[list(frame.index), column].sum())

    subsidy_before = float(_shares(priced, before.placed)["subsidy"].sum())
    subsidy_after = float(_shares(priced, after.placed)["subsidy"].sum())
    return {
        "added": added,
        "dropped": dropped,
        "moved": moved,
        "placed": len(new) - len(old),
        "hightech": int(new["hightech"].sum()) - int(old["hightech"].sum()),
        "output": round(total(new, "output") - total(old, "output"), 4),
        "tax": round(total(new, "tax") - total(old, "tax"), 4),
        "subsidy": round(subsidy_after - subsidy_before, 4),
        "objective": round(after.objective - before.objective, 4),
    }


def _shares(priced: PricedPairs, placed: pd.DataFrame) -> pd.DataFrame:
    return share_costs(placed, priced.costshare)


def _place_all(
    priced: PricedPairs, allocation: Allocation, options: SolverOptions, model: Model
) -> dict[str, Any]:
    """Every project with an eligible place required, no budget: what it would take."""
    with_place = np.unique(priced.pairs["project"].to_numpy())
    free = model.without_rows("budget").without_rows("priority[")
    assign = np.array([str(n).startswith("assign[") for n in free.row_names])
    everyone = replace(free, row_lower=np.where(assign, 1.0, free.row_lower))
    out: dict[str, Any] = {
        "projects": len(priced.projects),
        "with_a_place": len(with_place),
        "no_place": sorted(
            set(priced.projects["project_id"])
            - set(priced.projects["project_id"].to_numpy()[with_place])
        ),
    }
    solved = solve_model(everyone, options)
    solution = solved.solution
    if solution.status == SolveStatus.INFEASIBLE:
        counting = free.with_objective((free.pair >= 0).astype(float))
        most = solve_model(counting, replace(options, gap=0.0), integral=True).solution
        out |= {"feasible": False, "most": round(most.objective)}
        return out
    chosen, offsets = placements_of(solved.model, solution.x)
    placed = describe(priced, chosen, offsets)
    true_value = float(solution.objective) + float(tie_breaks(priced)[0][chosen].sum())
    shares = _shares(priced, placed)
    budget = priced.budget
    subsidy = float(shares["subsidy"].sum())
    out |= {
        "feasible": True,
        "subsidy": round(subsidy, 4),
        "over_budget": None if budget is None else round(max(subsidy - budget, 0.0), 4),
        "land_ha": round(float(placed["land_ha"].sum()), 4),
        "objective_change": round(true_value - allocation.objective, 4),
        "hightech_first": priced.objective.priority == Priority.HIGHTECH_FIRST,
    }
    return out
