"""Consolidating scattered land: merged sites of adjacent plots, and quota swaps.

Merged sites (``consolidation.merge``). Two available land parcels are
neighbours when they lie within ``gap_m`` of each other (touching, or across an
internal road to be closed); that is the contract's "union connected when each
is buffered by gap_m/2". A site is a connected set of 2..``max_parcels``
neighbours of one park and one kind (and, with ``same_zoning``, one code).
Neighbours come from the parcels' STRtree (``dwithin``); connected sets are
enumerated once each (ESU: grown from their lowest member, extended only by
higher ones and by the newest member's own neighbours).

The table of sites is kept small by what a site is for: fitting a project that
none of its members fits alone. A site is kept only when some land project's
area range holds the site's area but starts above its largest member (``useful``),
and a set stops growing once its area is above every project's range. The pair
rule "merged" applies the same test per pair.

Places. Eligibility, pricing and the model see *places*: the parcels, then the
merged sites as rows of the same shape (``parcel_id`` = member ids joined by
``+``, area and cost the members' sums, the zoning their common code, the
supply modes those all members offer, the year the latest member's). ``cover``
says which parcels each place uses, so "each parcel at most once" is one row per
parcel over every place that covers it.

Quota swaps (``consolidation.swap``). ``returnable`` parcels (the ``out`` column,
or smaller than ``out_below_ha``; available land, not promised, not lacking
quota themselves) may be returned to non-construction use, which frees
``ratio × area`` of quota in their scope; a ``needs_quota`` parcel is used only
against quota freed in its scope (a park, or the district).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from landplan.domain import LAND_KINDS, Need, QuotaScope
from landplan.inputs import Inputs
from landplan.messages import EN, ZH, Words, label, say
from landplan.scenario import Consolidation, MergeSpec, SwapSpec

log = logging.getLogger(__name__)

SITE_LAYER = "merged"
DISTRICT = "district"


@dataclass(frozen=True)
class Places:
    """The parcels, then the merged sites, and what each uses.

    Attributes
    ----------
    table
        Parcels (row positions as in ``inputs.parcels``), then one row per merged
        site in the same columns, plus ``largest_ha`` (a site's largest member; a
        parcel's own area).
    n_parcels
        How many rows are parcels; rows from there on are sites.
    cover
        CSR, places × parcels: 1 where the place uses the parcel (a parcel
        covers itself).
    returnable
        Per parcel: may be returned to free quota (``swap``).
    needs_quota
        Per parcel: lacks quota, so is used only against quota freed in its scope.
    scope
        Per parcel: its quota scope (the park's name or ``district``).
    spec
        ``consolidation:`` as given.
    """

    table: gpd.GeoDataFrame
    n_parcels: int
    cover: sp.csr_matrix
    returnable: np.ndarray
    needs_quota: np.ndarray
    scope: np.ndarray
    spec: Consolidation

    @property
    def n_sites(self) -> int:
        return len(self.table) - self.n_parcels

    def members(self, place: int) -> np.ndarray:
        """The parcels (row positions) ``place`` uses."""
        row: np.ndarray = self.cover.indices[
            self.cover.indptr[place] : self.cover.indptr[place + 1]
        ]
        return row

    def freeable(self) -> dict[str, float]:
        """Per scope, the quota that returning every returnable parcel would free (ha)."""
        swap = self.spec.swap
        if swap is None:
            return {}
        area = self.table["area_ha"].to_numpy(dtype=float)[: self.n_parcels]
        frame = pd.DataFrame({"scope": self.scope, "quota": swap.ratio * area})
        sums = frame[self.returnable].groupby("scope")["quota"].sum()
        return {str(k): float(v) for k, v in sums.items()}

    def place_scope(self) -> np.ndarray:
        """Per place: its quota scope (a site's plots are in one park, so any plot's)."""
        first = self.cover.indices[self.cover.indptr[:-1]]
        found: np.ndarray = self.scope[first]
        return found

    def quota_need(self) -> np.ndarray:
        """Per place: the area of its parcels that lack quota (ha)."""
        area = self.table["area_ha"].to_numpy(dtype=float)[: self.n_parcels]
        need: np.ndarray = self.cover @ np.where(self.needs_quota, area, 0.0)
        return need


def parcels_only(table: pd.DataFrame, spec: Consolidation | None = None) -> Places:
    """Places that are just the parcels of ``table`` (no merged site, no swap)."""
    n = len(table)
    return Places(
        table=gpd.GeoDataFrame(table.assign(largest_ha=table["area_ha"].to_numpy(dtype=float))),
        n_parcels=n,
        cover=sp.identity(n, format="csr", dtype=float),
        returnable=np.zeros(n, dtype=bool),
        needs_quota=np.zeros(n, dtype=bool),
        scope=np.full(n, "", dtype=object),
        spec=spec or Consolidation(),
    )


def places(inputs: Inputs, supply: np.ndarray, *, promised: np.ndarray, year: np.ndarray) -> Places:
    """The places of ``inputs``: parcels, and merged sites of ``supply`` land parcels
    not ``promised`` (``year``: when each parcel can be handed over)."""
    parcels = inputs.parcels
    spec = inputs.scenario.consolidation
    land = parcels["kind"].isin(LAND_KINDS).to_numpy()
    free = supply & ~promised & land & (parcels["status"].to_numpy() == "available")
    sites: list[tuple[int, ...]] = []
    if spec.merge is not None:
        sites = merged_sets(parcels, free, spec.merge, ranges=_land_ranges(inputs.tables.projects))
    table = _place_table(parcels, sites, year)
    n = len(parcels)
    rows = np.concatenate(
        [np.arange(n), np.repeat(np.arange(len(sites)) + n, [len(s) for s in sites])]
    )
    cols = np.concatenate(
        [np.arange(n), np.fromiter((j for s in sites for j in s), dtype=np.int64)]
    )
    cover = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(n + len(sites), n), dtype=float
    )
    returnable, needs, scope = _quota_flags(parcels, free, spec.swap)
    if sites:
        log.info("%d merged sites from %d available land parcels", len(sites), int(free.sum()))
    return Places(table, n, cover, returnable, needs, scope, spec)


def _land_ranges(projects: pd.DataFrame) -> np.ndarray:
    """The land projects' area ranges (ha), one row ``(min, max)`` each."""
    land = projects["need"].to_numpy() == Need.LAND
    ranges: np.ndarray = projects.loc[land, ["area_min_ha", "area_max_ha"]].to_numpy(dtype=float)
    return ranges


def neighbours(parcels: gpd.GeoDataFrame, which: np.ndarray, merge: MergeSpec) -> list[set[int]]:
    """For each parcel, the parcels among ``which`` within ``gap_m`` of it that a site
    may join it with (same park, kind and, with ``same_zoning``, code)."""
    idx = np.flatnonzero(which)
    adjacent: list[set[int]] = [set() for _ in range(len(parcels))]
    if len(idx) < 2:
        return adjacent
    geoms = parcels.geometry.to_numpy()[idx]
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=merge.gap_m)
    a, b = idx[a], idx[b]
    same = (a < b) & (parcels["park"].to_numpy()[a] == parcels["park"].to_numpy()[b])
    same &= parcels["kind"].to_numpy()[a] == parcels["kind"].to_numpy()[b]
    if merge.same_zoning:
        same &= parcels["zoning"].to_numpy()[a] == parcels["zoning"].to_numpy()[b]
    for x, y in zip(a[same].tolist(), b[same].tolist(), strict=True):
        adjacent[x].add(y)
        adjacent[y].add(x)
    return adjacent


def merged_sets(
    parcels: gpd.GeoDataFrame, which: np.ndarray, merge: MergeSpec, *, ranges: np.ndarray
) -> list[tuple[int, ...]]:
    """Every connected set of 2..``max_parcels`` neighbours among ``which`` that is
    ``useful`` for one of the area ``ranges``; each set's members in id order."""
    if not len(ranges):
        return []
    adjacent = neighbours(parcels, which, merge)
    area = parcels["area_ha"].to_numpy(dtype=float)
    ids = parcels["parcel_id"].to_numpy(dtype=str)
    fits = _Ranges(ranges)
    found: list[tuple[int, ...]] = []

    def extend(chosen: list[int], total: float, frontier: set[int], root: int) -> None:
        if len(chosen) >= 2 and fits.useful(total, max(area[chosen])):
            found.append(tuple(sorted(chosen, key=lambda j: ids[j])))
        if len(chosen) == merge.max_parcels or total > fits.top:
            return
        frontier = set(frontier)
        near_chosen = set(chosen).union(*(adjacent[c] for c in chosen))
        while frontier:
            w = frontier.pop()
            grown = frontier | {u for u in adjacent[w] if u > root and u not in near_chosen}
            extend([*chosen, w], total + area[w], grown, root)

    for v in np.flatnonzero(which).tolist():
        extend([v], area[v], {u for u in adjacent[v] if u > v}, v)
    return found


class _Ranges:
    """Area ranges of land projects, asked: does any range hold ``total`` and start
    above ``largest``? (A site is for what none of its members fits.)"""

    def __init__(self, ranges: np.ndarray) -> None:
        order = np.argsort(ranges[:, 0], kind="stable")
        self.low = ranges[order, 0]
        self.top = float(ranges[:, 1].max())
        # a sparse table of the tops: level t holds the maximum over [k, k + 2^t)
        self.levels = [ranges[order, 1]]
        while 2 ** len(self.levels) <= len(self.low):
            last, half = self.levels[-1], 2 ** (len(self.levels) - 1)
            self.levels.append(np.maximum(last[:-half], last[half:]))

    def useful(self, total: float, largest: float) -> bool:
        # the ranges with largest < low ≤ total are [k, end) in order of low
        k = int(np.searchsorted(self.low, largest, side="right"))
        end = int(np.searchsorted(self.low, total, side="right"))
        if k >= end:
            return False
        t = (end - k).bit_length() - 1
        level = self.levels[t]
        return max(float(level[k]), float(level[end - 2**t])) >= total


def _place_table(
    parcels: gpd.GeoDataFrame,
    sites: list[tuple[int, ...]],
    year: np.ndarray,
) -> gpd.GeoDataFrame:
    """Parcels then sites, in the parcel table's columns plus ``largest_ha``."""
    own = parcels.assign(largest_ha=parcels["area_ha"].to_numpy(dtype=float))
    if not sites:
        return own
    # every column once as an array: a site is a few indices into them
    area = parcels["area_ha"].to_numpy(dtype=float)
    ids = parcels["parcel_id"].to_numpy(dtype=str)
    kind, zoning, park = (parcels[c].to_numpy() for c in ("kind", "zoning", "park"))
    modes = [set(filter(None, str(m).split(";"))) for m in parcels["supply_modes"]]
    dev_cost = parcels["dev_cost"].to_numpy(dtype=float)
    far = parcels["far"].to_numpy(dtype=float)
    standard = parcels["standard_land"].to_numpy(dtype=bool)
    needs_quota = parcels["needs_quota"].to_numpy(dtype=bool)
    shapes = parcels.geometry.to_numpy()
    rows = []
    for members in sites:
        m = list(members)
        a = area[m]
        biggest = m[int(np.argmax(a))]
        years = year[m]
        rows.append(
            {
                "parcel_id": "+".join(ids[m]),
                "kind": kind[m[0]],
                "zoning": zoning[biggest],
                "park": park[m[0]],
                "area_ha": float(a.sum()),
                "dev_cost": float(dev_cost[m].sum()),  # NaN if any member has none
                "floor_area_m2": np.nan,
                "far": float(np.average(far[m], weights=a))
                if not np.isnan(far[m]).any()
                else np.nan,
                "supply_modes": ";".join(sorted(set.intersection(*(modes[j] for j in m)))),
                "status": "available",
                "standard_land": bool(standard[m].all()),
                "available_year": np.nan if np.isnan(years).all() else float(np.nanmax(years)),
                "swap_out": False,
                "needs_quota": bool(needs_quota[m].any()),
                "layer": SITE_LAYER,
                "geometry": shapely.union_all(shapes[m]),
                "largest_ha": float(a.max()),
            }
        )
    site_table = gpd.GeoDataFrame(rows, geometry="geometry", crs=parcels.crs)
    return gpd.GeoDataFrame(
        pd.concat([own, site_table], ignore_index=True), geometry="geometry", crs=parcels.crs
    )


def _quota_flags(
    parcels: gpd.GeoDataFrame, free: np.ndarray, swap: SwapSpec | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per parcel: returnable, lacking quota, and its quota scope."""
    n = len(parcels)
    if swap is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.full(n, "", dtype=object)
    needs = (
        parcels["needs_quota"].to_numpy(dtype=bool) & parcels["kind"].isin(LAND_KINDS).to_numpy()
    )
    out = parcels["swap_out"].to_numpy(dtype=bool)
    if swap.out_below_ha is not None:
        out = out | (parcels["area_ha"].to_numpy(dtype=float) < swap.out_below_ha)
    returnable = out & free & ~needs
    if swap.scope == QuotaScope.DISTRICT:
        scope = np.full(n, DISTRICT, dtype=object)
    else:
        scope = parcels["park"].to_numpy(dtype=object)
    return returnable, needs, scope


def blocked_sites(
    inputs: Inputs, reasons: dict[str, Words], usable: np.ndarray
) -> dict[str, Words]:
    """For land projects in ``reasons`` (no eligible place): a merged site that would
    fit them but uses parcels not ``usable`` (reserved, occupied, promised), named
    with those parcels, so that a planner sees what to free. One site per project:
    the fewest blocked members, then the smallest area."""
    merge = inputs.scenario.consolidation.merge
    assert merge is not None
    parcels, projects = inputs.parcels, inputs.tables.projects
    zoning = inputs.tables.zoning
    land = parcels["kind"].isin(LAND_KINDS).to_numpy()
    codes = parcels["zoning"].to_numpy()
    area = parcels["area_ha"].to_numpy(dtype=float)
    ids = parcels["parcel_id"].to_numpy(dtype=str)
    status = parcels["status"].to_numpy(dtype=str)
    index = pd.Series(np.arange(len(projects)), index=projects["project_id"].to_numpy())
    wanting = [
        int(index[pid]) for pid in reasons if projects["need"].iloc[int(index[pid])] == Need.LAND
    ]
    by_codes: dict[frozenset[str], list[int]] = {}
    for i in wanting:
        by_codes.setdefault(zoning.get(projects["sector"].iloc[i], frozenset()), []).append(i)
    found: dict[str, Words] = {}
    for allowed, group in by_codes.items():
        which = land & np.isin(codes, list(allowed))
        ranges = projects.iloc[group][["area_min_ha", "area_max_ha"]].to_numpy(dtype=float)
        sets = [
            s
            for s in merged_sets(parcels, which, merge, ranges=ranges)
            if not usable[list(s)].all()
        ]
        for i in group:
            low, high = ranges[group.index(i)]
            fitting = [
                s for s in sets if low <= area[list(s)].sum() <= high and low > area[list(s)].max()
            ]
            if not fitting:
                continue
            best = min(fitting, key=lambda s: (int((~usable[list(s)]).sum()), area[list(s)].sum()))
            blocked = [j for j in best if not usable[j]]

            def why(j: int, lang: str) -> str:
                word = f"status.{status[j]}" if status[j] != "available" else "funnel.promised"
                return f"{ids[j]}" + (
                    f"（{label(word, lang)}）" if lang == ZH else f" ({label(word, lang)})"
                )

            found[str(projects["project_id"].iloc[i])] = say(
                "none.blocked_site",
                site="+".join(ids[list(best)]),
                area=float(area[list(best)].sum()),
                blocked=Words(
                    "、".join(why(j, ZH) for j in blocked), ", ".join(why(j, EN) for j in blocked)
                ),
            )
    return found
