"""Why each project was placed where it was, or why it was not placed at all.

Reasons (``reason`` codes, stable for scripts): ``no eligible parcel``,
``outcompeted``, ``budget``, ``not worth placing``, ``solver stopped``; ``detail``
gives what a sponsor asks next (which rule, which parcel, which project took it,
how much subsidy was missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landplan.allocate import Allocation
from landplan.valuation import PricedPairs, is_land_pair

OUTCOME_COLUMNS = ["project_id", "parcel_id", "status", "reason", "detail"]


def explain(priced: PricedPairs, allocation: Allocation) -> pd.DataFrame:
    """One row per project: ``project_id, parcel_id, status, reason, detail``."""
    projects, parcels, pairs = priced.projects, priced.parcels, priced.pairs
    budget = priced.budget
    chosen = allocation.chosen
    placed = allocation.placed
    p_all = pairs["project"].to_numpy()
    j_all = pairs["parcel"].to_numpy()
    land_pair = is_land_pair(priced)
    floor_need = projects["floor_m2"].to_numpy(dtype=float)
    used_floor = np.bincount(
        j_all[chosen], weights=floor_need[p_all[chosen]], minlength=len(parcels)
    )
    free_floor = np.nan_to_num(parcels["floor_area_m2"].to_numpy(dtype=float)) - used_floor
    taken = np.zeros(len(parcels), dtype=bool)
    taken[j_all[chosen][land_pair[chosen]]] = True
    taken_by = placed.groupby("parcel")["project_id"].agg(lambda s: ", ".join(sorted(s)))
    budget_left = None if budget is None else budget - float(placed["subsidy"].sum())
    where = dict(zip(placed["project_id"], placed["parcel_id"], strict=True))
    jid = parcels["parcel_id"].to_numpy()
    value = pairs["value"].to_numpy()
    subsidy = pairs["subsidy"].to_numpy()
    starts = np.searchsorted(p_all, np.arange(len(projects) + 1))  # pairs are sorted by project
    rows = []
    for i, pid in enumerate(projects["project_id"]):
        if pid in where:
            rows.append((pid, where[pid], "placed", "", ""))
            continue
        if pid in priced.no_pairs:
            rows.append((pid, "", "unplaced", "no eligible parcel", priced.no_pairs[pid]))
            continue
        own = np.arange(starts[i], starts[i + 1])
        j = j_all[own]
        free = np.where(land_pair[own], ~taken[j], free_floor[j] >= floor_need[i])
        best = own[np.argmax(value[own])]
        if not free.any():
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "outcompeted",
                    f"all {len(own)} eligible parcels are taken; its best, "
                    f"{jid[j_all[best]]}, went to {taken_by.get(j_all[best], '')}",
                )
            )
            continue
        options = own[free]
        affordable = (
            options if budget_left is None else options[subsidy[options] <= budget_left + 1e-6]
        )
        worth = options[value[options] > 0]
        if len(worth) and (not len(affordable) or value[affordable].max() <= 0):
            top = worth[np.argmax(value[worth])]
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "budget",
                    f"its best free parcel {jid[j_all[top]]} needs {subsidy[top]:,.0f} 万元 of "
                    f"subsidy; {budget_left or 0:,.0f} 万元 of the budget is left",
                )
            )
        elif not len(worth):
            top = options[np.argmax(value[options])]
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "not worth placing",
                    f"its best free parcel {jid[j_all[top]]} adds {value[top]:,.0f} to the "
                    "objective (the subsidy outweighs its benefits)",
                )
            )
        else:
            top = affordable[np.argmax(value[affordable])]
            rows.append(
                (
                    pid,
                    "",
                    "unplaced",
                    "solver stopped",
                    f"placing it on {jid[j_all[top]]} would add {value[top]:,.0f}; the "
                    f"solver stopped at a {100 * allocation.gap:.3f}% gap",
                )
            )
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
