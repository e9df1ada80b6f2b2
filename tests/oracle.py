"""Independent re-statements of the contract, in plain loops, for the tests.

Nothing here imports landplan's eligibility, model or cost-share code: the tests
check landplan against what the contract says, not against itself.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

LAND = {"vacant", "collective"}


def eligible(
    project: dict[str, Any],
    parcel: dict[str, Any],
    zoning: dict[str, set[str]],
    entry: dict[str, float],
    reserved: dict[str, str] | None = None,
) -> bool:
    """docs/model.md "Eligible pairs", one pair at a time (spatial rules not included).

    ``reserved`` maps a parcel promised as some project's ``locked_parcel`` to
    that project: nobody else may have it.
    """
    if project["locked_parcel"] and project["locked_parcel"] != parcel["parcel_id"]:
        return False
    holder = (reserved or {}).get(parcel["parcel_id"])
    if holder is not None and holder != project["project_id"]:
        return False
    if parcel["status"] != "available":
        return False
    land_need = project["need"] == "land"
    if land_need != (parcel["kind"] in LAND):
        return False
    if parcel["zoning"] not in zoning.get(project["sector"], set()):
        return False
    if land_need:
        if not project["area_min_ha"] <= parcel["area_ha"] <= project["area_max_ha"]:
            return False
    elif not project["floor_m2"] <= parcel["floor_area_m2"]:
        return False
    wants = set(filter(None, project["supply_modes"].split(";")))
    offers = set(filter(None, parcel["supply_modes"].split(";")))
    if wants and not wants & offers:
        return False
    a, s = parcel["available_year"], project["start_year"]
    if not (math.isnan(a) or math.isnan(s)) and a > s:
        return False
    if land_need:
        area = parcel["area_ha"]
        if (
            entry.get("investment_per_ha", 0)
            and project["investment"] / area < entry["investment_per_ha"]
        ):
            return False
        if entry.get("output_per_ha", 0) and project["output"] / area < entry["output_per_ha"]:
            return False
        if entry.get("tax_per_mu", 0) and project["tax"] / (area * 15) < entry["tax_per_mu"]:
            return False
    return True


def check_plan(
    placements: dict[str, str],
    projects: list[dict[str, Any]],
    parcels: dict[str, dict[str, Any]],
    zoning: dict[str, set[str]],
    subsidy: dict[tuple[str, str], float],
    budget: float | None,
    entry: dict[str, float] | None = None,
) -> list[str]:
    """Every contract constraint a plan must satisfy; returns what it violates."""
    wrong = []
    used: dict[str, list[str]] = {}
    for p in projects:
        j = placements.get(p["project_id"])
        if j is None:
            if p["must_place"]:
                wrong.append(f"must-place {p['project_id']} unplaced")
            continue
        if not eligible(p, parcels[j], zoning, entry or {}):
            wrong.append(f"{p['project_id']} on ineligible {j}")
        used.setdefault(j, []).append(p["project_id"])
    by_id = {p["project_id"]: p for p in projects}
    for j, tenants in used.items():
        if parcels[j]["kind"] in LAND and len(tenants) > 1:
            wrong.append(f"land parcel {j} hosts {tenants}")
        if parcels[j]["kind"] == "factory":
            need = sum(by_id[t]["floor_m2"] for t in tenants)
            if need > parcels[j]["floor_area_m2"] + 1e-6:
                wrong.append(f"factory {j} over capacity: {need}")
    if budget is not None:
        spent = sum(subsidy.get((p, j), 0.0) for p, j in placements.items())
        if spent > budget + 1e-6:
            wrong.append(f"budget exceeded: {spent} > {budget}")
    return wrong


def brute_force(
    options: dict[str, list[tuple[str, float, float]]],
    must: set[str],
    land: set[str],
    floor_need: dict[str, float],
    capacity: dict[str, float],
    budget: float | None,
    accept: Callable[[dict[str, str]], bool] | None = None,
    first: set[str] | None = None,
) -> float | None:
    """Best objective by enumerating every assignment (tiny instances only).

    ``options[p]`` lists ``(parcel, value, subsidy)``; ``None`` when nothing is feasible.
    ``accept`` rejects plans (``{project: parcel}``) for further reasons (targets);
    with ``first``, plans placing more of those projects win whatever their value.
    """
    projects = sorted(options)
    choices = [[None, *options[p]] for p in projects]
    best: tuple[int, float] | None = None
    for combo in itertools.product(*choices):
        taken: dict[str, float] = {}
        ok, value, spent = True, 0.0, 0.0
        for p, choice in zip(projects, combo, strict=True):
            if choice is None:
                if p in must:
                    ok = False
                    break
                continue
            j, v, s = choice
            if j in land:
                if j in taken:
                    ok = False
                    break
                taken[j] = 1
            else:
                taken[j] = taken.get(j, 0.0) + floor_need[p]
                if taken[j] > capacity[j] + 1e-9:
                    ok = False
                    break
            value += v
            spent += s
        if not ok or (budget is not None and spent > budget + 1e-9):
            continue
        plan = {p: c[0] for p, c in zip(projects, combo, strict=True) if c is not None}
        if accept is not None and not accept(plan):
            continue
        key = (len(set(plan) & first) if first is not None else 0, value)
        if best is None or key > best:
            best = key
    return None if best is None else best[1]
