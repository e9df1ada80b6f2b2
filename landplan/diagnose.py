"""Why no plan exists, once the solver has proved it: the targets no plan meets,
each with the best level a plan reaches, or the rows that leave none."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from landplan.domain import SolveStatus, Target
from landplan.engine import solve_model
from landplan.messages import Words, say
from landplan.model import Model, placements_of, target_coefficients
from landplan.scenario import SolverOptions
from landplan.valuation import PricedPairs

# each target's level in words: (Chinese, English, scale)
_TARGET_UNITS = {
    Target.OUTPUT_PER_HA: ("{:,.0f}万元/公顷", "{:,.0f} 万元/ha", 1.0),
    Target.LABOUR_PRODUCTIVITY: ("{:,.1f}万元/人", "{:,.1f} 万元/person", 1.0),
    Target.RD_INTENSITY: ("{:.2f}%", "{:.2f}%", 100.0),
    Target.HIGHTECH_OUTPUT_SHARE: ("{:.1f}%", "{:.1f}%", 100.0),
}


def why_infeasible(priced: PricedPairs, model: Model, options: SolverOptions) -> Words:
    """What blocks every plan, once the solver has proved that none exists, naming only
    limits the scenario set.

    Under phasing: if the model without its annual rows has a plan, the annual land
    caps or budgets (whichever alone leave none) are named. With targets: the model
    without them is solved; if it has plans, each target's best reachable level is
    found (Dinkelbach's iteration on the ratio the target bounds, a few solves) and
    every target that no plan meets is named with that level.
    """
    annual = _annual_caps(model, options)
    if annual is not None:
        return annual
    targets = priced.targets.items()
    free = model.without_rows("target[")
    if not targets or _infeasible(free, options):
        return _generic(priced, model)
    missed: list[Words] = []
    reach: list[Words] = []
    for target, level in targets:
        best = _best_level(priced, free, options, target, level)
        zh, en, scale = _TARGET_UNITS[target]
        text = say(
            "diagnose.target_level",
            key=target.value,
            level=Words(zh.format(level * scale), en.format(level * scale)),
            best=Words(zh.format(best * scale), en.format(best * scale)),
        )
        (missed if best < level - 1e-9 * max(1.0, abs(level)) else reach).append(text)
    if missed:
        return say("diagnose.targets", missed=_joined(missed))
    return say("diagnose.together", reach=_joined(reach))


def _joined(parts: list[Words]) -> Words:
    return Words("；".join(w.zh for w in parts), "; ".join(w.en for w in parts))


def _infeasible(model: Model, options: SolverOptions) -> bool:
    return solve_model(model, options).solution.status == SolveStatus.INFEASIBLE


def _annual_caps(model: Model, options: SolverOptions) -> Words | None:
    """Under phasing, the annual caps that leave no plan (None when a plan is blocked
    by something else, or there are none)."""
    names = [str(n) for n in model.row_names]
    land = any(n.startswith("land[") for n in names)
    budget = any(n.startswith("budget[") for n in names)
    if not (land or budget):
        return None
    if _infeasible(model.without_rows("land[").without_rows("budget["), options):
        return None  # something else blocks every plan
    if land and budget:
        if not _infeasible(model.without_rows("land["), options):
            return say("diagnose.annual_land")
        if not _infeasible(model.without_rows("budget["), options):
            return say("diagnose.annual_budget")
        return say("diagnose.annual_both")
    return say("diagnose.annual_land" if land else "diagnose.annual_budget")


def _generic(priced: PricedPairs, model: Model) -> Words:
    """No plan: the limits the model has, named as the scenario names them."""
    names = {str(n).split("[")[0] for n in model.row_names}
    limits = [say("limit.parcels")]
    if "floor_cap" in names:
        limits.append(say("limit.floor"))
    if "quota" in names:
        limits.append(say("limit.quota"))
    if priced.budget is not None:
        limits.append(say("limit.budget"))
    if "target" in names:
        limits.append(say("limit.targets"))
    if "priority" in names:
        limits.append(say("limit.priority"))
    joined = Words("、".join(w.zh for w in limits), ", ".join(w.en for w in limits))
    return say("diagnose.generic", limits=joined)


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
        solved = solve_model(model.with_objective(c), replace(options, gap=0.0))
        found = solved.solution
        chosen, _ = placements_of(solved.model, found.x)
        n, d = float(numerator[chosen].sum()), float(denominator[chosen].sum())
        if d <= 0:
            return ratio
        if abs(found.objective) <= 1e-9 * max(1.0, abs(n)):
            return ratio  # F(λ) = 0: λ is the best ratio
        ratio = n / d
    return ratio
