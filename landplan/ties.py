"""Exact ties the objective cannot decide, broken into one canonical plan.

Two placed projects that could exchange parcels (or three that could rotate
them) with the plan's value, its land and every row unchanged are an exact tie
(same park, same area, same sector); the solvers break it differently. The
exchanges are made in one fixed order so that one scenario gives one plan
(docs/model.md, "Ties").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from landplan.domain import LAND_KINDS
from landplan.model import Model
from landplan.valuation import PricedPairs


def canonical(priced: PricedPairs, model: Model, x: np.ndarray) -> np.ndarray:
    """The plan's pairs with equal-value exchanges ordered: lower project id, lower parcel id.

    Two placed projects that could exchange parcels with the plan's value, its
    land and every row unchanged are an exact tie no objective term decides
    (same park, same area, same sector); the solvers break it differently.
    Such exchanges are made until, among them, the lower project id holds the
    lower parcel id, so that equal plans come out as equal tables. Each
    exchange undoes an inversion of that order, so this ends. Candidates are
    found with array operations (millions of pairs); only the few exact ties
    are checked row by row.
    """
    pairs = priced.pairs
    n = len(pairs)
    chosen = np.flatnonzero(x[:n] > 0.5)
    if not len(chosen):
        return chosen.astype(np.int64)
    p = pairs["project"].to_numpy().astype(np.int64)
    j = pairs["parcel"].to_numpy().astype(np.int64)
    value = pairs["value"].to_numpy(dtype=float)
    land = pairs["land_ha"].to_numpy(dtype=float)
    n_parcels = len(priced.parcels)
    # under phasing each project keeps its year in an exchange
    year = _years(priced)
    span = int(year.max()) + 1
    key = (p * n_parcels + j) * span + year
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]
    project_rank = _ranks(priced.projects["project_id"])
    parcel_rank = _ranks(priced.parcels["parcel_id"])
    x = np.where(model.integer, np.round(x), x)
    activity = model.A @ x
    low, high = model.row_lower - 1e-7, model.row_upper + 1e-7
    while True:
        slot = np.full(len(priced.projects), -1, dtype=np.int64)
        slot[p[chosen]] = chosen
        held = chosen[np.argsort(j[chosen], kind="stable")]
        first = np.searchsorted(j[held], j, side="left")
        count = np.searchsorted(j[held], j, side="right") - first
        # ks: a placed project's pairs on parcels someone else holds
        ks = np.flatnonzero(
            (slot[p] >= 0)
            & (count > 0)
            & (slot[p] != np.arange(n))
            & (year == year[np.maximum(slot[p], 0)])
        )
        # one row per (k, holder of k's parcel): factories have several holders
        c = count[ks]
        k = np.repeat(ks, c)
        offset = np.arange(len(k)) - np.repeat(np.cumsum(c) - c, c)
        b = held[first[k] + offset]
        a = slot[p[k]]
        wanted = (p[b] * n_parcels + j[a]) * span + year[b]
        want = np.minimum(np.searchsorted(sorted_key, wanted), n - 1)
        exists = sorted_key[want] == wanted
        new_b = by_key[want]
        ok = (
            exists
            & (p[a] != p[b])
            & (j[a] != j[b])
            & ((project_rank[p[a]] < project_rank[p[b]]) != (parcel_rank[j[a]] < parcel_rank[j[b]]))
            & (
                np.abs(value[k] + value[new_b] - value[a] - value[b])
                <= 1e-9 * (np.abs(value[a] + value[b]) + 1.0)
            )
            & (np.abs(land[k] + land[new_b] - land[a] - land[b]) <= 1e-9)
        )
        placed = set(chosen.tolist())
        changed = False
        for ka, kb, kk, knb in zip(a[ok], b[ok], k[ok], new_b[ok], strict=True):
            if not {ka, kb} <= placed:
                continue
            moved = activity + _column_sum(model.A, (kk, knb)) - _column_sum(model.A, (ka, kb))
            if (moved < low).any() or (moved > high).any():
                continue
            activity = moved
            placed -= {ka, kb}
            placed |= {kk, knb}
            changed = True
        chosen = np.array(sorted(placed), dtype=np.int64)
        if not changed:
            ranks = (project_rank, parcel_rank)
            rotated = _rotate_three(priced, model, chosen, activity, (low, high), ranks, year)
            if rotated is None:
                return chosen
            chosen, activity = rotated


def _rotate_three(
    priced: PricedPairs,
    model: Model,
    chosen: np.ndarray,
    activity: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    ranks: tuple[np.ndarray, np.ndarray],
    year: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """One equal-value rotation of three land parcels among three placed projects
    that no exchange of two can make, when it gives the lower project ids lower
    parcel ids (the projects' parcels, read in project order, come earlier in
    parcel order); None when there is none. Such cycles arise where a pair's value
    is a project part plus a parcel part (same park, every term separable)."""
    pairs = priced.pairs
    p = pairs["project"].to_numpy()
    j = pairs["parcel"].to_numpy()
    value = pairs["value"].to_numpy(dtype=float)
    project_rank, parcel_rank = ranks
    land_parcel = priced.parcels["kind"].isin(LAND_KINDS).to_numpy()
    mine = [int(a) for a in chosen if land_parcel[j[a]]]
    holder = {int(j[a]): a for a in mine}
    slot = {int(p[a]): a for a in mine}
    # the pairs of these projects on these parcels, in the project's own year: a -> b
    # where a's project has a pair on b's parcel (``year``: each pair's, from ``_years``)
    slot_year = np.full(len(priced.projects), -1, dtype=np.int64)
    slot_year[p[mine]] = year[mine]
    near = np.flatnonzero(
        np.isin(p, list(slot)) & np.isin(j, list(holder)) & (year == slot_year[p])
    )
    lookup = {(int(p[k]), int(j[k])): int(k) for k in near}
    edges: dict[int, list[tuple[int, int]]] = {}
    for k in near:
        a, b = slot[int(p[k])], holder[int(j[k])]
        if a != b:
            edges.setdefault(a, []).append((b, int(k)))
    low, high = bounds
    for a in mine:
        for b, ab in edges.get(a, []):
            for c, bc in edges.get(b, []):
                if c == a:
                    continue
                ca = lookup.get((int(p[c]), int(j[a])))
                if ca is None:
                    continue
                old, new = (a, b, c), (ab, bc, ca)
                before = sum(value[x] for x in old)
                if abs(sum(value[x] for x in new) - before) > 1e-9 * (abs(before) + 1.0):
                    continue
                order = sorted(range(3), key=lambda i: project_rank[p[old[i]]])
                if [parcel_rank[j[new[i]]] for i in order] >= [
                    parcel_rank[j[old[i]]] for i in order
                ]:
                    continue
                moved = activity + _column_sum(model.A, new) - _column_sum(model.A, old)
                if (moved < low).any() or (moved > high).any():
                    continue
                kept = set(chosen.tolist()) - set(old) | set(new)
                return np.array(sorted(kept), dtype=np.int64), moved
    return None


def _years(priced: PricedPairs) -> np.ndarray:
    """Each pair's year counted from the first (0 without phasing)."""
    if "year" not in priced.pairs or not len(priced.pairs):
        return np.zeros(len(priced.pairs), dtype=np.int64)
    year = priced.pairs["year"].to_numpy().astype(np.int64)
    found: np.ndarray = year - year.min()
    return found


def _ranks(ids: pd.Series) -> np.ndarray:
    """Each id's position in sorted order."""
    order: np.ndarray = np.argsort(np.argsort(ids.to_numpy(dtype=str), kind="stable"))
    return order


def _column_sum(A: sp.csc_matrix, cols: tuple[int, ...]) -> np.ndarray:
    """The sum of columns ``cols`` of ``A``, dense."""
    total = np.zeros(A.shape[0])
    for col in cols:
        span = slice(A.indptr[col], A.indptr[col + 1])
        np.add.at(total, A.indices[span], A.data[span])
    return total
