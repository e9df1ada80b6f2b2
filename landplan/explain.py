"""Why each project was placed where it was, or why it was not placed at all.

Reasons (``reason`` codes, ``domain.Reason``, stable for scripts): ``no eligible
parcel``, ``annual caps`` (under phasing: each free option's year has no land or
budget left), ``outcompeted``, ``budget``, ``not worth placing``, ``solver
stopped``; ``detail``
gives what a sponsor asks next (which rule, which parcel, which project took it,
how much subsidy was missing), in English, and ``reason_zh`` / ``detail_zh`` say
both in Chinese (``messages.CATALOGUE``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from landplan.allocate import Allocation
from landplan.domain import Reason
from landplan.messages import ZH, Words, label, say
from landplan.valuation import PricedPairs, is_land_pair

OUTCOME_COLUMNS = [
    "project_id",
    "parcel_id",
    "status",
    "reason",
    "detail",
    "reason_zh",
    "detail_zh",
]


@dataclass(frozen=True)
class _YearLeft:
    """Under phasing, what the plan leaves of each year's land cap (by park and for
    the district) and budget, to tell a project stopped by them."""

    priced: PricedPairs
    land_pair: np.ndarray  # per pair: on land (counts towards the land caps)
    land: dict[tuple[str | None, int], float]
    budget: dict[int, float]

    @staticmethod
    def of(priced: PricedPairs, chosen: np.ndarray, land_pair: np.ndarray) -> _YearLeft:
        phasing = priced.context.phasing
        assert phasing is not None
        pairs = priced.pairs.iloc[chosen]
        park = priced.parcels["park"].to_numpy()[pairs["parcel"].to_numpy()]
        land = np.where(land_pair[chosen], pairs["land_ha"].to_numpy(), 0.0)
        year = pairs["year"].to_numpy()
        left = {
            (where, t): cap - float(land[(year == t) & ((park == where) if where else True)].sum())
            for where, t, cap in phasing.land_caps()
        }
        spent = pairs.groupby("year")["subsidy"].sum()
        budget = {t: cap - float(spent.get(t, 0.0)) for t, cap in (phasing.budget or {}).items()}
        return _YearLeft(priced, land_pair, left, budget)

    def _room(self, k: int) -> tuple[float, float]:
        pairs = self.priced.pairs
        t = int(pairs["year"].iloc[k])
        park = str(self.priced.parcels["park"].iloc[int(pairs["parcel"].iloc[k])])
        land = min(self.land.get((None, t), np.inf), self.land.get((park, t), np.inf))
        return land, self.budget.get(t, np.inf)

    def fits(self, rows: np.ndarray) -> np.ndarray:
        """Per option: its land and subsidy fit what its year has left."""
        need = self.priced.pairs["land_ha"].to_numpy()[rows] * self.land_pair[rows]
        subsidy = self.priced.pairs["subsidy"].to_numpy()[rows]
        room = np.array([self._room(int(k)) for k in rows]).reshape(len(rows), 2)
        result: np.ndarray = (need <= room[:, 0] + 1e-9) & (subsidy <= room[:, 1] + 1e-6)
        return result

    def say(self, k: int, n: int) -> Words:
        """Why option ``k`` does not fit: its year's land cap, else its year's budget."""
        pairs = self.priced.pairs
        land, budget = self._room(k)
        need = float(pairs["land_ha"].iloc[k])
        short_of_land = bool(self.land_pair[k]) and need > land + 1e-9
        key, left = ("why.annual_land", land) if short_of_land else ("why.annual_budget", budget)
        return say(
            key,
            n=n,
            parcel=self.priced.parcels["parcel_id"].iloc[int(pairs["parcel"].iloc[k])],
            year=int(pairs["year"].iloc[k]),
            need=need if short_of_land else float(pairs["subsidy"].iloc[k]),
            left=max(left, 0.0),
        )


def explain(priced: PricedPairs, allocation: Allocation) -> pd.DataFrame:
    """One row per project: ``project_id, parcel_id, status, reason, detail`` and the
    reason and detail in Chinese."""
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
    place_of = dict(zip(placed["project_id"], placed["parcel"], strict=True))
    n_parcels = priced.context.places.n_parcels
    area = parcels["area_ha"].to_numpy(dtype=float)
    jid = parcels["parcel_id"].to_numpy()
    value = pairs["value"].to_numpy()
    subsidy = pairs["subsidy"].to_numpy()
    starts = np.searchsorted(p_all, np.arange(len(projects) + 1))  # pairs are sorted by project
    caps = _YearLeft.of(priced, chosen, land_pair) if priced.context.phasing is not None else None
    rows: list[tuple[str, str, str, Reason | str, Words]] = []
    for i, pid in enumerate(projects["project_id"]):
        if pid in where:
            site = int(place_of[pid])
            detail = Words("", "")
            if site >= n_parcels:  # a merged site: say why
                detail = say(
                    "why.merged",
                    n=len(priced.context.places.members(site)),
                    area=area[site],
                    low=projects["area_min_ha"].iloc[i],
                    high=projects["area_max_ha"].iloc[i],
                )
            rows.append((pid, where[pid], "placed", "", detail))
            continue
        if pid in priced.no_pairs:
            rows.append((pid, "", "unplaced", Reason.NO_ELIGIBLE_PARCEL, priced.no_pairs[pid]))
            continue
        own = np.arange(starts[i], starts[i + 1])
        j = j_all[own]
        free = np.where(land_pair[own], ~taken[j], free_floor[j] >= floor_need[i])
        best = own[np.argmax(value[own])]
        if not free.any():
            detail = say(
                "why.outcompeted",
                n=len(own),
                parcel=jid[j_all[best]],
                taker=taken_by.get(j_all[best], ""),
            )
            rows.append((pid, "", "unplaced", Reason.OUTCOMPETED, detail))
            continue
        options = own[free]
        affordable = (
            options if budget_left is None else options[subsidy[options] <= budget_left + 1e-6]
        )
        worth = options[value[options] > 0]
        in_caps = caps.fits(options) if caps is not None else np.ones(len(options), dtype=bool)
        if len(worth) and not in_caps[value[options] > 0].any():
            top = worth[np.argmax(value[worth])]
            detail = caps.say(top, len(worth)) if caps is not None else Words("", "")
            rows.append((pid, "", "unplaced", Reason.ANNUAL_CAPS, detail))
        elif len(worth) and (not len(affordable) or value[affordable].max() <= 0):
            top = worth[np.argmax(value[worth])]
            detail = say(
                "why.budget", parcel=jid[j_all[top]], subsidy=subsidy[top], left=budget_left or 0
            )
            rows.append((pid, "", "unplaced", Reason.BUDGET, detail))
        elif not len(worth):
            top = options[np.argmax(value[options])]
            detail = say("why.not_worth", parcel=jid[j_all[top]], value=value[top])
            rows.append((pid, "", "unplaced", Reason.NOT_WORTH_PLACING, detail))
        else:
            top = affordable[np.argmax(value[affordable])]
            detail = say(
                "why.stopped", parcel=jid[j_all[top]], value=value[top], gap=100 * allocation.gap
            )
            rows.append((pid, "", "unplaced", Reason.SOLVER_STOPPED, detail))
    return pd.DataFrame(
        [
            (
                pid,
                j,
                status,
                str(reason),
                detail.en,
                label(f"reason.{reason}", ZH) if reason else "",
                detail.zh,
            )
            for pid, j, status, reason, detail in rows
        ],
        columns=OUTCOME_COLUMNS,
    )
