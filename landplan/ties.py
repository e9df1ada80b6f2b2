"""Exact ties the objective cannot decide, broken into one canonical plan.

Two placed projects that could exchange parcels (or three that could rotate
them) with the plan's value, its land and every row unchanged are an exact tie
(same park, same area, same sector); the solvers break it differently. The
exchanges are made in one fixed order so that one scenario gives one plan
(docs/model.md, "Ties"). Under phasing each project keeps its year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from landplan.domain import LAND_KINDS
from landplan.model import Model, Placements, placements_of
from landplan.valuation import PricedPairs


@dataclass
class _Plan:
    """The placements being reordered and the row activity they make."""

    rows: np.ndarray
    offsets: np.ndarray
    activity: np.ndarray


def canonical(priced: PricedPairs, model: Model, solved: Model, x: np.ndarray) -> Placements:
    """The plan ``x`` (of the concrete ``solved``, made from ``model``) with equal-value
    exchanges ordered: lower project id, lower parcel id.

    Two placed projects that could exchange parcels with the plan's value, its
    land and every row unchanged are an exact tie no objective term decides
    (same park, same area, same sector); the solvers break it differently.
    Such exchanges are made until, among them, the lower project id holds the
    lower parcel id, so that equal plans come out as equal tables. Each
    exchange undoes an inversion of that order, so this ends. Candidates are
    found with array operations (millions of pairs); only the few exact ties
    are checked row by row.
    """
    rows, offsets = placements_of(solved, x)
    if not len(rows):
        return rows.astype(np.int64), offsets.astype(np.int64)
    x = np.where(solved.integer, np.round(x), x)
    plan = _Plan(rows, offsets, solved.A @ x)
    pairs = priced.pairs
    n = len(pairs)
    p = pairs["project"].to_numpy().astype(np.int64)
    j = pairs["parcel"].to_numpy().astype(np.int64)
    land = pairs["land_ha"].to_numpy(dtype=float)
    first, count = _windows(priced)
    n_parcels = len(priced.parcels)
    key = p * n_parcels + j  # sorted: pairs are in (project, parcel) order
    project_rank = _ranks(priced.projects["project_id"])
    parcel_rank = _ranks(priced.parcels["parcel_id"])
    low, high = model.row_lower - 1e-7, model.row_upper + 1e-7
    while True:
        chosen, year = plan.rows, first[plan.rows] + plan.offsets
        slot = np.full(len(priced.projects), -1, dtype=np.int64)
        slot[p[chosen]] = np.arange(len(chosen))
        slot_year = np.full(len(priced.projects), -1, dtype=np.int64)
        slot_year[p[chosen]] = year
        held = np.argsort(j[chosen], kind="stable")  # positions in chosen, by parcel
        parcel_of_held = j[chosen][held]
        is_held = np.zeros(n_parcels, dtype=bool)
        is_held[parcel_of_held] = True
        # ks: a placed project's pairs, in its own year, on parcels someone holds
        # (not its own placement)
        ks = np.flatnonzero(is_held[j] & (slot[p] >= 0))
        own_year = slot_year[p[ks]]
        ks = ks[
            (chosen[slot[p[ks]]] != ks)
            & (own_year >= first[ks])
            & (own_year < first[ks] + count[ks])
        ]
        at = np.searchsorted(parcel_of_held, j[ks], side="left")
        many = np.searchsorted(parcel_of_held, j[ks], side="right") - at
        # one row per (k, holder of k's parcel): factories have several holders
        c = many
        k = np.repeat(ks, c)
        step = np.arange(len(k)) - np.repeat(np.cumsum(c) - c, c)
        b = held[np.repeat(at, c) + step]  # position in chosen of the holder
        a = slot[p[k]]  # position in chosen of k's project
        wanted = p[chosen[b]] * n_parcels + j[chosen[a]]
        want = np.minimum(np.searchsorted(key, wanted), n - 1)
        b_year = year[b]
        exists = (
            (key[want] == wanted) & (b_year >= first[want]) & (b_year < first[want] + count[want])
        )
        new_b = want
        value_k = priced.values_of(k, year[a] - first[k])
        value_new_b = priced.values_of(new_b, b_year - first[new_b])
        value_a = priced.values_of(chosen[a], plan.offsets[a])
        value_b = priced.values_of(chosen[b], plan.offsets[b])
        pa, pb, ja, jb = p[chosen[a]], p[chosen[b]], j[chosen[a]], j[chosen[b]]
        ok = (
            exists
            & (pa != pb)
            & (ja != jb)
            & ((project_rank[pa] < project_rank[pb]) != (parcel_rank[ja] < parcel_rank[jb]))
            & (
                np.abs(value_k + value_new_b - value_a - value_b)
                <= 1e-9 * (np.abs(value_a + value_b) + 1.0)
            )
            & (np.abs(land[k] + land[new_b] - land[chosen[a]] - land[chosen[b]]) <= 1e-9)
        )
        changed = False
        taken: set[int] = set()
        for ia, ib, kk, knb in zip(a[ok], b[ok], k[ok], new_b[ok], strict=True):
            if ia in taken or ib in taken:
                continue
            old = (int(ia), int(ib))
            new = ((int(kk), int(year[ia] - first[kk])), (int(knb), int(year[ib] - first[knb])))
            if _move(model, plan, old, new, (low, high)):
                taken |= {int(ia), int(ib)}
                changed = True
        if changed:
            _sort(plan)
            continue
        if not _rotate_three(priced, model, plan, (low, high), (project_rank, parcel_rank)):
            return plan.rows, plan.offsets


def _move(
    model: Model,
    plan: _Plan,
    old: tuple[int, ...],
    new: tuple[tuple[int, int], ...],
    bounds: tuple[np.ndarray, np.ndarray],
) -> bool:
    """Replace the placements at positions ``old`` of ``plan`` by ``new`` (pair, offset)
    if every row stays within ``bounds``; whether it did."""
    out = model.concrete(plan.rows[list(old)], plan.offsets[list(old)], others=False)
    rows = np.array([r for r, _ in new], dtype=np.int64)
    offsets = np.array([d for _, d in new], dtype=np.int64)
    into = model.concrete(rows, offsets, others=False)
    moved = plan.activity + np.asarray(into.A.sum(axis=1)).ravel()
    moved -= np.asarray(out.A.sum(axis=1)).ravel()
    low, high = bounds
    if (moved < low).any() or (moved > high).any():
        return False
    plan.rows[list(old)] = rows
    plan.offsets[list(old)] = offsets
    plan.activity = moved
    return True


def _sort(plan: _Plan) -> None:
    order = np.lexsort((plan.offsets, plan.rows))
    plan.rows, plan.offsets = plan.rows[order], plan.offsets[order]


def _rotate_three(
    priced: PricedPairs,
    model: Model,
    plan: _Plan,
    bounds: tuple[np.ndarray, np.ndarray],
    ranks: tuple[np.ndarray, np.ndarray],
) -> bool:
    """One equal-value rotation of three land parcels among three placed projects
    that no exchange of two can make, when it gives the lower project ids lower
    parcel ids (the projects' parcels, read in project order, come earlier in
    parcel order); whether there was one. Such cycles arise where a pair's value
    is a project part plus a parcel part (same park, every term separable)."""
    pairs = priced.pairs
    p = pairs["project"].to_numpy()
    j = pairs["parcel"].to_numpy()
    first, count = _windows(priced)
    project_rank, parcel_rank = ranks
    land_parcel = priced.parcels["kind"].isin(LAND_KINDS).to_numpy()
    year = first[plan.rows] + plan.offsets
    mine = [i for i in range(len(plan.rows)) if land_parcel[j[plan.rows[i]]]]
    slot_year = np.full(len(priced.projects), -1, dtype=np.int64)
    slot_year[p[plan.rows[mine]]] = year[mine]
    # the pairs of these projects on these parcels, in the project's own year: a -> b
    # where a's project has a pair on b's parcel
    mine_parcels = np.zeros(len(priced.parcels), dtype=bool)
    mine_parcels[j[plan.rows[mine]]] = True
    near = np.flatnonzero(
        (slot_year[p] >= 0)
        & mine_parcels[j]
        & (slot_year[p] >= first)
        & (slot_year[p] < first + count)
    )
    if not len(near):
        return False
    # the edges a -> b: a's project on b's parcel (pair k, in a's year), and what the
    # move changes of a's value
    position = np.full(len(priced.projects), -1, dtype=np.int64)
    position[p[plan.rows[mine]]] = mine
    held_by = np.full(len(priced.parcels), -1, dtype=np.int64)
    held_by[j[plan.rows[mine]]] = mine
    src, dst = position[p[near]], held_by[j[near]]
    keep = src != dst
    near, src, dst = near[keep], src[keep], dst[keep]
    worth = priced.values_of(plan.rows, plan.offsets)
    delta = priced.values_of(near, slot_year[p[near]] - first[near]) - worth[src]
    n = len(plan.rows)
    key = src * n + dst
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]
    # every path a -> b -> c, by the out-edges of each b, in chunks of in-edges
    by_src = np.argsort(src, kind="stable")
    out_start = np.searchsorted(src[by_src], np.arange(n))
    out_count = np.searchsorted(src[by_src], np.arange(n), side="right") - out_start
    tol = 1e-9 * (np.abs(worth).sum() / max(n, 1) * 3 + 1.0)
    for chunk in np.array_split(np.arange(len(near)), max(1, len(near) // 20_000)):
        reps = out_count[dst[chunk]]
        e1 = np.repeat(chunk, reps)
        step = np.arange(len(e1)) - np.repeat(np.cumsum(reps) - reps, reps)
        e2 = by_src[out_start[dst[e1]] + step]
        a, c = src[e1], dst[e2]
        back = c * n + a
        at = np.minimum(np.searchsorted(sorted_key, back), len(sorted_key) - 1)
        e3 = by_key[at]
        hit = (c != a) & (sorted_key[at] == back)
        hit &= np.abs(delta[e1] + delta[e2] + delta[e3]) <= tol
        for x, y, z in zip(e1[hit].tolist(), e2[hit].tolist(), e3[hit].tolist(), strict=True):
            old = (int(src[x]), int(src[y]), int(src[z]))
            new = (int(near[x]), int(near[y]), int(near[z]))
            order = sorted(range(3), key=lambda i: project_rank[p[plan.rows[old[i]]]])
            if [parcel_rank[j[new[i]]] for i in order] >= [
                parcel_rank[j[plan.rows[old[i]]]] for i in order
            ]:
                continue
            moves = tuple((r, int(year[i] - first[r])) for r, i in zip(new, old, strict=True))
            if _move(model, plan, old, moves, bounds):
                _sort(plan)
                return True
    return False


def _windows(priced: PricedPairs) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's first year and number of years (0 and 1 without phasing)."""
    n = len(priced.pairs)
    if not priced.phased:
        return np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)
    return (
        priced.pairs["first_year"].to_numpy().astype(np.int64),
        priced.pairs["years"].to_numpy().astype(np.int64),
    )


def _ranks(ids: pd.Series) -> np.ndarray:
    """Each id's position in sorted order."""
    order: np.ndarray = np.argsort(np.argsort(ids.to_numpy(dtype=str), kind="stable"))
    return order
