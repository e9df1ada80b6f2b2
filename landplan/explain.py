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


Option = tuple[int, int]  # a pair row and its year offset (0 without phasing)


@dataclass(frozen=True)
class _WhyHere:
    """Why a placed project's place beat its next-best alternative, and the best
    place in a park led by its sector, in natural units: subsidy (万元), land (ha),
    the sector's park, the preferred park, the year, renewal cost."""

    priced: PricedPairs
    taken_by: dict[int, str]  # a land parcel in use (merged sites: each member) -> project

    def say(self, chosen: Option, own: tuple[np.ndarray, np.ndarray]) -> tuple[str, Words]:
        """``(next-best place id, words)`` for the placement ``chosen`` among the
        project's options ``own`` (rows, offsets)."""
        pairs, context = self.priced.pairs, self.priced.context
        j = pairs["parcel"].to_numpy()
        rows, offsets = own
        other = j[rows] != j[chosen[0]]
        if not other.any():
            return "", say("why.only_place")
        rows, offsets = rows[other], offsets[other]
        value = self.priced.values_of(rows, offsets)
        top = int(np.argmax(value))
        best = (int(rows[top]), int(offsets[top]))
        parts = [self._versus("why.next_best", chosen, best)]
        p = int(pairs["project"].iloc[chosen[0]])
        leads = context.leads[context.park[j[rows]], context.sector[p]]
        if not context.leads[context.park[j[chosen[0]]], context.sector[p]]:
            if leads.any():
                at = np.flatnonzero(leads)[int(np.argmax(value[leads]))]
                led = (int(rows[at]), int(offsets[at]))
                if led != best:
                    parts.append(self._versus("why.sector_park", chosen, led))
            else:
                parts.append(say("why.no_sector_park"))
        return str(self.priced.parcels["parcel_id"].iloc[j[best[0]]]), _joined(parts)

    def _versus(self, key: str, chosen: Option, other: Option) -> Words:
        """The alternative ``other`` against ``chosen``: what it would have taken more
        (or given less), each difference in its own unit."""
        pairs, context = self.priced.pairs, self.priced.context
        j = pairs["parcel"].to_numpy()
        a, b = chosen[0], other[0]
        p = int(pairs["project"].iloc[a])
        diffs: list[Words] = []
        more = float(pairs["subsidy"].iloc[b] - pairs["subsidy"].iloc[a])
        if abs(more) >= 0.5:
            diffs.append(
                say("why.d_subsidy_more" if more > 0 else "why.d_subsidy_less", x=abs(more))
            )
        land = float(pairs["land_ha"].iloc[b] - pairs["land_ha"].iloc[a])
        if abs(land) >= 0.005:
            diffs.append(say("why.d_land_more" if land > 0 else "why.d_land_less", x=abs(land)))
        lead = context.leads[context.park[j[[a, b]]], context.sector[p]]
        if lead[0] != lead[1]:
            diffs.append(say("why.d_not_sector_park" if lead[0] else "why.d_sector_park"))
        preferred = context.preferred[p] == context.park[j[[a, b]]]
        if preferred[0] != preferred[1]:
            diffs.append(say("why.d_not_preferred" if preferred[0] else "why.d_preferred"))
        rows, offsets = np.array([a, b]), np.array([chosen[1], other[1]])
        if self.priced.phased:
            year = self.priced.years_of(rows, offsets)
            late = int(year[1] - year[0])
            if late:
                diffs.append(say("why.d_later" if late > 0 else "why.d_earlier", n=abs(late)))
        charge = context.renewal_charge
        if charge is not None and charge[j[b]] > charge[j[a]] + 0.5:
            diffs.append(say("why.d_renewal", x=float(charge[j[b]] - charge[j[a]])))
        values = self.priced.values_of(rows, offsets)
        gap = float(values[0] - values[1])
        if not diffs:
            diffs.append(say("why.d_value", x=gap))
        members = context.places.cover[int(j[b])].indices
        own_id = str(self.priced.projects["project_id"].iloc[p])
        takers = sorted({self.taken_by[m] for m in members if m in self.taken_by} - {own_id})
        park = str(self.priced.parcels["park"].iloc[j[b]])
        place = str(self.priced.parcels["parcel_id"].iloc[j[b]])
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
    def of(
        priced: PricedPairs, chosen: np.ndarray, placed: pd.DataFrame, land_pair: np.ndarray
    ) -> _YearLeft:
        """From the plan: ``chosen`` pair rows, ``placed`` (their ``describe``)."""
        phasing = priced.context.phasing
        assert phasing is not None
        park = placed["park"].to_numpy()
        land = np.where(land_pair[chosen], placed["land_ha"].to_numpy(), 0.0)
        year = placed["year"].to_numpy()
        left = {
            (where, t): cap - float(land[(year == t) & ((park == where) if where else True)].sum())
            for where, t, cap in phasing.land_caps()
        }
        spent = placed.groupby("year")["subsidy"].sum()
        budget = {t: cap - float(spent.get(t, 0.0)) for t, cap in (phasing.budget or {}).items()}
        return _YearLeft(priced, land_pair, left, budget)

    def _room(self, row: int, year: int) -> tuple[float, float]:
        park = str(self.priced.parcels["park"].iloc[int(self.priced.pairs["parcel"].iloc[row])])
        land = min(self.land.get((None, year), np.inf), self.land.get((park, year), np.inf))
        return land, self.budget.get(year, np.inf)

    def fits(self, rows: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Per option: its land and subsidy fit what its year has left."""
        need = self.priced.pairs["land_ha"].to_numpy()[rows] * self.land_pair[rows]
        subsidy = self.priced.pairs["subsidy"].to_numpy()[rows]
        years = self.priced.years_of(rows, offsets)
        room = np.array([self._room(int(k), int(t)) for k, t in zip(rows, years, strict=True)])
        room = room.reshape(len(rows), 2)
        result: np.ndarray = (need <= room[:, 0] + 1e-9) & (subsidy <= room[:, 1] + 1e-6)
        return result

    def say(self, row: int, offset: int, n: int) -> Words:
        """Why option (``row``, ``offset``) does not fit: its year's land cap, else its
        year's budget."""
        pairs = self.priced.pairs
        year = int(self.priced.years_of(np.array([row]), np.array([offset]))[0])
        land, budget = self._room(row, year)
        need = float(pairs["land_ha"].iloc[row])
        short_of_land = bool(self.land_pair[row]) and need > land + 1e-9
        key, left = ("why.annual_land", land) if short_of_land else ("why.annual_budget", budget)
        return say(
            key,
            n=n,
            parcel=self.priced.parcels["parcel_id"].iloc[int(pairs["parcel"].iloc[row])],
            year=year,
            need=need if short_of_land else float(pairs["subsidy"].iloc[row]),
            left=max(left, 0.0),
        )


def explain(priced: PricedPairs, allocation: Allocation) -> pd.DataFrame:
    """One row per project: ``project_id, parcel_id, status, reason, detail`` and the
    reason and detail in Chinese."""
    projects, parcels, pairs = priced.projects, priced.parcels, priced.pairs
    budget = priced.budget
    chosen, offsets = allocation.chosen, allocation.offsets
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
    subsidy = pairs["subsidy"].to_numpy()
    starts = np.searchsorted(p_all, np.arange(len(projects) + 1))  # pairs are sorted by project
    caps = (
        _YearLeft.of(priced, chosen, placed, land_pair)
        if priced.context.phasing is not None
        else None
    )
    cover = priced.context.places.cover
    held: dict[int, str] = {}
    for pid, place, on_land in zip(
        placed["project_id"], placed["parcel"], land_pair[chosen], strict=True
    ):
        if on_land:
            held |= dict.fromkeys(cover[int(place)].indices.tolist(), str(pid))
    reasons = _WhyHere(priced, held)
    none = Words("", "")
    slot = dict(zip(p_all[chosen].tolist(), range(len(chosen)), strict=True))
    rows: list[tuple[str, str, str, Reason | str, Words, str, Words]] = []
    for i, pid in enumerate(projects["project_id"]):
        own, own_offsets = priced.every_year(np.arange(starts[i], starts[i + 1]))
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
            k = slot[i]
            pick = (int(chosen[k]), int(offsets[k]))
            best, why = reasons.say(pick, (own, own_offsets))
            rows.append((pid, where[pid], "placed", "", detail, best, why))
            continue
        if pid in priced.no_pairs:
            rows.append(
                (pid, "", "unplaced", Reason.NO_ELIGIBLE_PARCEL, priced.no_pairs[pid], "", none)
            )
            continue
        j = j_all[own]
        value = priced.values_of(own, own_offsets)
        free = np.where(land_pair[own], ~taken[j], free_floor[j] >= floor_need[i])
        best = own[np.argmax(value)]
        if not free.any():
            detail = say(
                "why.outcompeted",
                n=len(np.unique(own)),
                parcel=jid[j_all[best]],
                taker=taken_by.get(j_all[best], ""),
            )
            rows.append((pid, "", "unplaced", Reason.OUTCOMPETED, detail, "", none))
            continue
        options, option_offsets, option_value = own[free], own_offsets[free], value[free]
        can_pay = (
            np.ones(len(options), dtype=bool)
            if budget_left is None
            else subsidy[options] <= budget_left + 1e-6
        )
        worth = option_value > 0
        in_caps = (
            caps.fits(options, option_offsets)
            if caps is not None
            else np.ones(len(options), dtype=bool)
        )
        if worth.any() and not in_caps[worth].any():
            top = np.flatnonzero(worth)[int(np.argmax(option_value[worth]))]
            assert caps is not None
            detail = caps.say(int(options[top]), int(option_offsets[top]), int(worth.sum()))
            rows.append((pid, "", "unplaced", Reason.ANNUAL_CAPS, detail, "", none))
        elif worth.any() and (not can_pay.any() or option_value[can_pay].max() <= 0):
            top = options[np.flatnonzero(worth)[int(np.argmax(option_value[worth]))]]
            detail = say(
                "why.budget", parcel=jid[j_all[top]], subsidy=subsidy[top], left=budget_left or 0
            )
            rows.append((pid, "", "unplaced", Reason.BUDGET, detail, "", none))
        elif not worth.any():
            at = int(np.argmax(option_value))
            detail = say("why.not_worth", parcel=jid[j_all[options[at]]], value=option_value[at])
            rows.append((pid, "", "unplaced", Reason.NOT_WORTH_PLACING, detail, "", none))
        else:
            at = np.flatnonzero(can_pay)[int(np.argmax(option_value[can_pay]))]
            detail = say(
                "why.stopped",
                parcel=jid[j_all[options[at]]],
                value=option_value[at],
                gap=100 * allocation.gap,
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
