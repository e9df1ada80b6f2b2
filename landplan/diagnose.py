"""Why no plan exists, once the solver has proved it: the targets no plan meets,
each with the best level a plan reaches, or the rows that leave none."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from landplan.domain import SolveStatus, Target
from landplan.engine import solve_model
from landplan.model import Model, target_coefficients
from landplan.scenario import SolverOptions
from landplan.valuation import PricedPairs

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
