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
    "next_best",
    "why",
    "why_zh",
]


@dataclass(frozen=True)
class _WhyHere:
    """Why a placed project's place beat its next-best alternative, and the best
    place in a park led by its sector, in natural units: subsidy (万元), land (ha),
    the sector's park, the preferred park, the year, renewal cost."""

    priced: PricedPairs
    taken_by: dict[int, str]  # a land parcel in use (merged sites: each member) -> project

    def say(self, chosen: int, own: np.ndarray) -> tuple[str, Words]:
        """``(next-best place id, words)`` for the pair ``chosen`` among ``own``."""
        pairs, context = self.priced.pairs, self.priced.context
        j = pairs["parcel"].to_numpy()
        others = own[j[own] != j[chosen]]
        if not len(others):
            return "", say("why.only_place")
        value = pairs["value"].to_numpy()
        best = int(others[np.argmax(value[others])])
        parts = [self._versus("why.next_best", chosen, best)]
        p = int(pairs["project"].iloc[chosen])
        leads = context.leads[context.park[j], context.sector[p]]
        if not leads[chosen]:
            led = others[leads[others]]
            if len(led):
                top = int(led[np.argmax(value[led])])
                if top != best:
                    parts.append(self._versus("why.sector_park", chosen, top))
            else:
                parts.append(say("why.no_sector_park"))
        return str(self.priced.parcels["parcel_id"].iloc[j[best]]), _joined(parts)

    def _versus(self, key: str, chosen: int, other: int) -> Words:
        """The alternative ``other`` against ``chosen``: what it would have taken more
        (or given less), each difference in its own unit."""
        pairs, context = self.priced.pairs, self.priced.context
        j = pairs["parcel"].to_numpy()
        p = int(pairs["project"].iloc[chosen])
        diffs: list[Words] = []
        more = float(pairs["subsidy"].iloc[other] - pairs["subsidy"].iloc[chosen])
        if abs(more) >= 0.5:
            diffs.append(
                say("why.d_subsidy_more" if more > 0 else "why.d_subsidy_less", x=abs(more))
            )
        land = float(pairs["land_ha"].iloc[other] - pairs["land_ha"].iloc[chosen])
        if abs(land) >= 0.005:
            diffs.append(say("why.d_land_more" if land > 0 else "why.d_land_less", x=abs(land)))
        lead = context.leads[context.park[j[[chosen, other]]], context.sector[p]]
        if lead[0] != lead[1]:
            diffs.append(say("why.d_not_sector_park" if lead[0] else "why.d_sector_park"))
        preferred = context.preferred[p] == context.park[j[[chosen, other]]]
        if preferred[0] != preferred[1]:
            diffs.append(say("why.d_not_preferred" if preferred[0] else "why.d_preferred"))
        if "year" in pairs:
            late = int(pairs["year"].iloc[other] - pairs["year"].iloc[chosen])
            if late:
                diffs.append(say("why.d_later" if late > 0 else "why.d_earlier", n=abs(late)))
        charge = context.renewal_charge
        if charge is not None and charge[j[other]] > charge[j[chosen]] + 0.5:
            diffs.append(say("why.d_renewal", x=float(charge[j[other]] - charge[j[chosen]])))
        gap = float(pairs["value"].iloc[chosen] - pairs["value"].iloc[other])
        if not diffs:
            diffs.append(say("why.d_value", x=gap))
        members = context.places.cover[int(j[other])].indices
        own_id = str(self.priced.projects["project_id"].iloc[p])
        takers = sorted({self.taken_by[m] for m in members if m in self.taken_by} - {own_id})
        park = str(self.priced.parcels["park"].iloc[j[other]])
        place = str(self.priced.parcels["parcel_id"].iloc[j[other]])
        head = say(key, place=place, park=park)
        words = _joined(diffs, "、", ", ")
        if takers:
            return say("why.versus_taken", head=head, diffs=words, taker="、".join(takers))
        if gap < 0:  # better on its own: the plan as a whole gave it up
            return say("why.versus_plan", head=head, diffs=words)
        return say("why.versus", head=head, diffs=words)


def _joined(parts: list[Words], zh: str = "；", en: str = "; ") -> Words:
    return Words(zh.join(w.zh for w in parts), en.join(w.en for w in parts))


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
    cover = priced.context.places.cover
    held: dict[int, str] = {}
    for pid, place, on_land in zip(
        placed["project_id"], placed["parcel"], land_pair[chosen], strict=True
    ):
        if on_land:
            held |= dict.fromkeys(cover[int(place)].indices.tolist(), str(pid))
    reasons = _WhyHere(priced, held)
    none = Words("", "")
    rows: list[tuple[str, str, str, Reason | str, Words, str, Words]] = []
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
            pick = int(chosen[np.searchsorted(p_all[chosen], i)])
            best, why = reasons.say(pick, np.arange(starts[i], starts[i + 1]))
            rows.append((pid, where[pid], "placed", "", detail, best, why))
            continue
        if pid in priced.no_pairs:
            rows.append(
                (pid, "", "unplaced", Reason.NO_ELIGIBLE_PARCEL, priced.no_pairs[pid], "", none)
            )
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
            rows.append((pid, "", "unplaced", Reason.OUTCOMPETED, detail, "", none))
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
            rows.append((pid, "", "unplaced", Reason.ANNUAL_CAPS, detail, "", none))
        elif len(worth) and (not len(affordable) or value[affordable].max() <= 0):
            top = worth[np.argmax(value[worth])]
            detail = say(
                "why.budget", parcel=jid[j_all[top]], subsidy=subsidy[top], left=budget_left or 0
            )
            rows.append((pid, "", "unplaced", Reason.BUDGET, detail, "", none))
        elif not len(worth):
            top = options[np.argmax(value[options])]
            detail = say("why.not_worth", parcel=jid[j_all[top]], value=value[top])
            rows.append((pid, "", "unplaced", Reason.NOT_WORTH_PLACING, detail, "", none))
        else:
            top = affordable[np.argmax(value[affordable])]
            detail = say(
                "why.stopped", parcel=jid[j_all[top]], value=value[top], gap=100 * allocation.gap
            )
            rows.append((pid, "", "unplaced", Reason.SOLVER_STOPPED, detail, "", none))
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
                best,
                why.en,
                why.zh,
            )
            for pid, j, status, reason, detail, best, why in rows
        ],
        columns=OUTCOME_COLUMNS,
    )
