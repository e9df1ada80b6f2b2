"""Which project may go on which parcel, and which rule removed each candidate.

The rules (docs/model.md, "Eligible pairs") are applied in a fixed order. The first four
(status, kind, zoning, size) are applied without building pairs: parcels are
sorted by (kind class, zoning, size) and each (project, allowed code) finds its
size range by binary search, so only pairs that pass them are ever materialised.
The rest (supply mode, year, entry standards, spatial rules) filter those pairs.
Under ``phasing:`` each pair carries the years it may be handed over in
(``first_year`` and ``years``): the model has one column per (project, place,
year), made only when the engine asks for it (docs/phasing.md).
For every project the funnel records how many candidates each rule removed.
This is the last stage that touches geometry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landplan.consolidation import Places, blocked_sites, places
from landplan.constants import MU_PER_HA, SUPPLY_MODES
from landplan.domain import LAND_KINDS, EntryScope, Need, Rule, Status
from landplan.firm_evaluation import Evaluation, evaluate
from landplan.inputs import Inputs
from landplan.messages import EN, ZH, Words, label, say
from landplan.scenario import EntryStandards, Phasing
from landplan.spatial import SpatialLayer

log = logging.getLogger(__name__)

BASE_RULES = (
    "locked",
    "status",
    "promised",
    "kind",
    "zoning",
    "size",
    "supply_mode",
    "year",
    "entry",
)


@dataclass(frozen=True)
class Eligibility:
    """Eligible pairs and the reasons for every removed candidate.

    Attributes
    ----------
    pairs
        One row per eligible pair, sorted: ``project`` and ``parcel``, the row
        positions in the project and parcel tables (int32; ids are looked up only
        where a person reads them, so millions of pairs stay small). Under
        ``phasing:`` also ``first_year`` (int16) and ``years`` (int8): the pair may
        start in any of the ``years`` years from ``first_year``.
    funnel
        Index ``project_id``; ``candidates`` then one column per rule (how many
        candidates it removed) and ``eligible``.
    reasons
        ``project_id`` -> why it has no eligible parcel (only for such projects).
    places
        The places pairs point at: the parcels (same row positions), then the
        merged sites (``consolidation``).
    evaluation
        The firms' 亩均 evaluation, when the scenario has ``evaluation:``; with
        ``renewal:`` its renewal parcels are supply here like available ones.
    """

    pairs: pd.DataFrame
    funnel: pd.DataFrame
    reasons: dict[str, Words]
    places: Places
    evaluation: Evaluation | None = None


def supply_of(
    parcels: pd.DataFrame, evaluation: Evaluation | None
) -> tuple[np.ndarray, np.ndarray]:
    """Which parcels are supply (available, or renewal land) and the year each can be
    handed over (renewal land: not before ``renewal.available_year``)."""
    supply = (parcels["status"] == Status.AVAILABLE).to_numpy().copy()
    year = parcels["available_year"].to_numpy(dtype=float).copy()
    if evaluation is not None:
        renew = evaluation.supply
        j = renew["parcel"].to_numpy(dtype=np.int64)
        supply[j] = True
        year[j] = renew["available_year"].to_numpy(dtype=float)
    return supply, year


def eligible_pairs(inputs: Inputs) -> Eligibility:
    """All eligible (project, parcel) pairs under the contract's rules and the spatial rules."""
    real, projects = inputs.parcels, inputs.tables.projects
    zoning = inputs.tables.zoning
    evaluation = evaluate(inputs)
    supply, year = supply_of(real, evaluation)
    n_proj = len(projects)
    locked_pos = _locked_positions(real, projects)
    is_locked = locked_pos >= 0
    # a parcel promised to a project (its locked_parcel) is reserved for it
    promised = np.zeros(len(real), dtype=bool)
    promised[locked_pos[is_locked]] = True
    land = places(inputs, supply, promised=promised, year=year)
    # from here on, "parcels" are the places: the parcels, then the merged sites
    parcels = land.table
    n_sites = land.n_sites
    supply = np.concatenate([supply, np.ones(n_sites, dtype=bool)])
    promised = np.concatenate([promised, np.zeros(n_sites, dtype=bool)])
    year = np.concatenate([year, parcels["available_year"].to_numpy(dtype=float)[len(real) :]])

    spatial = [(c.spec, _constraint_mask(c, parcels)) for c in inputs.constraints]
    consolidation = inputs.scenario.consolidation
    rules = [
        *BASE_RULES[:6],
        *(["merged"] if consolidation.merge is not None else []),
        *BASE_RULES[6:],
        *(["quota"] if consolidation.swap is not None else []),
        *(f"spatial:{c.name}" for c, _ in spatial),
    ]
    removed = {rule: np.zeros(n_proj, dtype=np.int64) for rule in rules}
    candidates = np.full(n_proj, len(parcels))
    removed["locked"] = np.where(is_locked, len(parcels) - 1, 0)
    p_idx, j_idx = _size_pairs(parcels, projects, zoning, ~is_locked, promised, supply, removed)
    # Locked projects: their one candidate goes through the same rules one by one.
    lp = np.flatnonzero(is_locked)
    lj = locked_pos[lp]
    keep = np.ones(len(lp), dtype=bool)
    for rule, ok in _basic_checks(parcels, projects, zoning, supply, lp, lj):
        fail = keep & ~ok
        removed[rule] += np.bincount(lp[fail], minlength=n_proj)
        keep &= ok
    p_idx = np.concatenate([p_idx, lp[keep]])
    j_idx = np.concatenate([j_idx, lj[keep]])

    keep = np.ones(len(p_idx), dtype=bool)
    entry = inputs.scenario.entry_standards
    phasing = inputs.scenario.phasing
    window = _Window.of(projects, year, phasing)
    for rule, ok in _pair_checks(parcels, projects, entry, window, land, p_idx, j_idx):
        removed[rule] += np.bincount(p_idx[~ok], minlength=n_proj)
        keep &= ok
    p_idx, j_idx = p_idx[keep], j_idx[keep]
    sectors = projects["sector"].to_numpy()
    for constraint, mask in spatial:
        applies = (
            np.isin(sectors[p_idx], constraint.sectors)
            if constraint.sectors
            else np.ones(len(p_idx), dtype=bool)
        )
        out = applies & mask[j_idx]
        removed[f"spatial:{constraint.name}"] += np.bincount(p_idx[out], minlength=n_proj)
        p_idx, j_idx = p_idx[~out], j_idx[~out]

    order = np.lexsort((j_idx, p_idx))
    p_idx, j_idx = p_idx[order], j_idx[order]
    pairs = pd.DataFrame({"project": p_idx.astype(np.int32), "parcel": j_idx.astype(np.int32)})
    if phasing is not None:
        pairs = window.spans(pairs)
    funnel = pd.DataFrame({"candidates": candidates, **removed}, index=projects["project_id"])
    funnel["eligible"] = np.bincount(p_idx, minlength=n_proj)
    assert (funnel["candidates"] - funnel[rules].sum(axis=1) == funnel["eligible"]).all()
    reasons = {
        pid: _explain_none(
            funnel.loc[pid], projects.iloc[i], zoning, parcels, locked_pos[i], window.latest[i]
        )
        for i, pid in enumerate(projects["project_id"])
        if funnel["eligible"].iloc[i] == 0
    }
    if consolidation.merge is not None:
        for pid, words in blocked_sites(
            inputs, reasons, supply[: len(real)] & ~promised[: len(real)]
        ).items():
            reasons[pid] = say("none.with_blocked", rule=reasons[pid], site=words)
    combos = "" if phasing is None else f" ({int(pairs['years'].sum()):,} with their years)"
    log.info(
        "%s eligible pairs%s for %d projects; %d projects have none",
        f"{len(pairs):,}",
        combos,
        n_proj,
        len(reasons),
    )
    return Eligibility(
        pairs=pairs, funnel=funnel, reasons=reasons, places=land, evaluation=evaluation
    )


def _locked_positions(parcels: pd.DataFrame, projects: pd.DataFrame) -> np.ndarray:
    position = pd.Series(np.arange(len(parcels)), index=parcels["parcel_id"].to_numpy())
    locked = projects["locked_parcel"].map(position)
    return locked.fillna(-1).to_numpy(dtype=np.int64)


def _kind_class(parcels: pd.DataFrame) -> np.ndarray:
    """0 for land parcels, 1 for factories."""
    return np.where(parcels["kind"].isin(LAND_KINDS).to_numpy(), 0, 1)


def _need_class(projects: pd.DataFrame) -> np.ndarray:
    """0 for projects that need land, 1 for those that need factory floor space."""
    return np.where(projects["need"].to_numpy() == Need.FLOOR, 1, 0)


def _size_of(parcels: pd.DataFrame) -> np.ndarray:
    """What the size rule compares: land area in ha, or factory floor space in m²."""
    return np.where(
        _kind_class(parcels) == 0,
        parcels["area_ha"].to_numpy(dtype=float),
        parcels["floor_area_m2"].to_numpy(dtype=float),
    )


def _size_pairs(
    parcels: pd.DataFrame,
    projects: pd.DataFrame,
    zoning: dict[str, frozenset[str]],
    which: np.ndarray,
    promised: np.ndarray,
    status_ok: np.ndarray,
    removed: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs passing status (``status_ok``: the supply), promise, kind, zoning and
    size, by binary search; counts removals."""
    n_parcels = len(parcels)
    available = status_ok & ~promised
    kind_class = _kind_class(parcels)
    codes = parcels["zoning"].to_numpy()
    size = _size_of(parcels)
    need_class = _need_class(projects)
    n_available = int(available.sum())
    per_class = np.bincount(kind_class[available], minlength=2)
    sel = np.flatnonzero(which)
    removed["status"][sel] = n_parcels - int(status_ok.sum())
    removed["promised"][sel] = int(status_ok.sum()) - n_available
    removed["kind"][sel] = n_available - per_class[need_class[sel]]

    # Groups of available parcels by (class, code), sorted by size inside each group.
    avail_idx = np.flatnonzero(available)
    frame = pd.DataFrame(
        {"j": avail_idx, "cls": kind_class[avail_idx], "code": codes[avail_idx]}
    ).assign(size=size[avail_idx])
    frame = frame.sort_values(["cls", "code", "size"], kind="stable")
    groups = {key: g for key, g in frame.groupby(["cls", "code"], sort=False)}

    lo_min = projects["area_min_ha"].to_numpy(dtype=float)
    hi_max = projects["area_max_ha"].to_numpy(dtype=float)
    floor_need = projects["floor_m2"].to_numpy(dtype=float)
    sectors = projects["sector"].to_numpy()
    p_parts, j_parts = [], []
    zoned = np.zeros(len(projects), dtype=np.int64)
    sized = np.zeros(len(projects), dtype=np.int64)
    # One pass per (class, code) group: a loop over groups, never over pairs.
    for (cls, code), group in groups.items():
        allowed = np.array([code in zoning.get(s, frozenset()) for s in sectors])
        ps = np.flatnonzero(which & allowed & (need_class == cls))
        if not len(ps):
            continue
        sizes = group["size"].to_numpy()
        zoned[ps] += len(sizes)
        if cls == 0:
            lo = np.searchsorted(sizes, lo_min[ps], side="left")
            hi = np.searchsorted(sizes, hi_max[ps], side="right")
        else:
            lo = np.searchsorted(sizes, floor_need[ps], side="left")
            hi = np.full(len(ps), len(sizes))
        count = np.maximum(hi - lo, 0)
        sized[ps] += count
        starts = np.repeat(lo - np.cumsum(count) + count, count)
        offsets = np.arange(int(count.sum())) + starts
        p_parts.append(np.repeat(ps, count))
        j_parts.append(group["j"].to_numpy()[offsets])
    removed["zoning"][sel] = per_class[need_class[sel]] - zoned[sel]
    removed["size"][sel] = zoned[sel] - sized[sel]
    if not p_parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(p_parts), np.concatenate(j_parts)


def _basic_checks(
    parcels: pd.DataFrame,
    projects: pd.DataFrame,
    zoning: dict[str, frozenset[str]],
    supply: np.ndarray,
    p: np.ndarray,
    j: np.ndarray,
) -> list[tuple[str, np.ndarray]]:
    """Status, kind, zoning and size for given pairs (used for locked projects)."""
    need_class = _need_class(projects)[p]
    size = _size_of(parcels)[j]
    land = need_class == 0
    fits = np.where(
        land,
        (projects["area_min_ha"].to_numpy(dtype=float)[p] <= size)
        & (size <= projects["area_max_ha"].to_numpy(dtype=float)[p]),
        projects["floor_m2"].to_numpy(dtype=float)[p] <= size,
    )
    sectors, codes = projects["sector"].to_numpy()[p], parcels["zoning"].to_numpy()[j]
    zoned = np.array([c in zoning.get(s, frozenset()) for s, c in zip(sectors, codes, strict=True)])
    return [
        ("status", supply[j]),
        ("kind", _kind_class(parcels)[j] == need_class),
        ("zoning", zoned.astype(bool)),
        ("size", fits),
    ]


def _mode_bits(modes: pd.Series) -> np.ndarray:
    bits = np.zeros(len(modes), dtype=np.int64)
    for k, mode in enumerate(SUPPLY_MODES):
        has = modes.str.split(";").map(lambda words, m=mode: m in words).to_numpy(dtype=bool)
        bits |= np.where(has, 1 << k, 0)
    return bits


@dataclass(frozen=True)
class _Window:
    """The years a pair may be handed over in: from max(start_year, the place's
    available_year, the first planning year) to min(start_year + max_delay, the last
    planning year); without ``phasing``, any year from available_year ≤ start_year.
    A missing start_year counts as the first planning year, a missing
    available_year as no limit."""

    start: np.ndarray  # per project
    latest: np.ndarray  # per project: the last year it may start in
    available: np.ndarray  # per place
    phasing: Phasing | None

    @staticmethod
    def of(projects: pd.DataFrame, available: np.ndarray, phasing: Phasing | None) -> _Window:
        start = projects["start_year"].to_numpy(dtype=float)
        if phasing is None:
            return _Window(start, start, available, None)
        start = np.where(np.isnan(start), phasing.first, start)
        latest = np.minimum(start + phasing.max_delay, phasing.last)
        return _Window(start, latest, available, phasing)

    def bounds(self, p: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The first and last year of each pair (first > last: none)."""
        a = np.nan_to_num(self.available[j], nan=-np.inf)
        first = -np.inf if self.phasing is None else self.phasing.first
        return np.maximum(np.maximum(self.start[p], a), first), self.latest[p]

    def ok(self, p: np.ndarray, j: np.ndarray) -> np.ndarray:
        if self.phasing is None:
            a, s = self.available[j], self.start[p]
            found: np.ndarray = np.isnan(a) | np.isnan(s) | (a <= s)
            return found
        low, high = self.bounds(p, j)
        result: np.ndarray = low <= high
        return result

    def spans(self, pairs: pd.DataFrame) -> pd.DataFrame:
        """``pairs`` with each one's window: ``first_year`` and ``years`` (its length)."""
        low, high = self.bounds(pairs["project"].to_numpy(), pairs["parcel"].to_numpy())
        return pairs.assign(first_year=low.astype(np.int16), years=(high - low + 1).astype(np.int8))


def _pair_checks(
    parcels: pd.DataFrame,
    projects: pd.DataFrame,
    entry: EntryStandards,
    window: _Window,
    land: Places,
    p: np.ndarray,
    j: np.ndarray,
) -> list[tuple[str, np.ndarray]]:
    """Merged sites, supply mode, availability year, entry standards and quota, on
    materialised pairs (the first and last with ``consolidation``).

    Each check is evaluated on the pairs that survived the previous ones, in order.
    """
    project_bits = _mode_bits(projects["supply_modes"])
    project_bits[project_bits == 0] = (1 << len(SUPPLY_MODES)) - 1  # empty = any
    parcel_bits = _mode_bits(parcels["supply_modes"])

    def mode_ok(p: np.ndarray, j: np.ndarray) -> np.ndarray:
        ok: np.ndarray = (project_bits[p] & parcel_bits[j]) != 0
        return ok

    area = parcels["area_ha"].to_numpy(dtype=float)
    land_parcel = parcels["kind"].isin(LAND_KINDS).to_numpy()
    standard = parcels["standard_land"].to_numpy(dtype=bool)
    per_ha = {
        "investment": (projects["investment"].to_numpy(dtype=float), entry.investment_per_ha),
        "output": (projects["output"].to_numpy(dtype=float), entry.output_per_ha),
        "tax": (projects["tax"].to_numpy(dtype=float) / MU_PER_HA, entry.tax_per_mu),
    }

    def entry_ok(p: np.ndarray, j: np.ndarray) -> np.ndarray:
        scoped = land_parcel[j] & (standard[j] if entry.scope == EntryScope.STANDARD_LAND else True)
        ok = np.ones(len(p), dtype=bool)
        for values, minimum in per_ha.values():
            if minimum > 0:
                ok &= values[p] / area[j] >= minimum
        result: np.ndarray = ~scoped | ok
        return result

    # a merged site is for a project none of its members fits alone
    largest = parcels["largest_ha"].to_numpy(dtype=float)
    low = projects["area_min_ha"].to_numpy(dtype=float)

    def merged_ok(p: np.ndarray, j: np.ndarray) -> np.ndarray:
        ok: np.ndarray = (j < land.n_parcels) | (low[p] > largest[j])
        return ok

    def quota_ok(p: np.ndarray, j: np.ndarray) -> np.ndarray:
        # a place using parcels that lack quota needs as much freeable in its scope
        need = land.quota_need()
        scope = pd.Series(land.place_scope())
        room = scope.map(land.freeable()).fillna(0.0).to_numpy(dtype=float)
        ok: np.ndarray = need[j] <= room[j] + 1e-9
        return ok

    checks = [
        *([("merged", merged_ok)] if land.spec.merge is not None else []),
        ("supply_mode", mode_ok),
        ("year", window.ok),
        ("entry", entry_ok),
        *([("quota", quota_ok)] if land.spec.swap is not None else []),
    ]
    results: list[tuple[str, np.ndarray]] = []
    alive = np.ones(len(p), dtype=bool)
    for rule, check in checks:
        ok = np.ones(len(p), dtype=bool)
        ok[alive] = check(p[alive], j[alive])
        results.append((rule, ok | ~alive))
        alive &= ok
    return results


def _constraint_mask(constraint: SpatialLayer, parcels: gpd.GeoDataFrame) -> np.ndarray:
    """Parcels that intersect the constraint layer (or lie within ``distance_m`` of it)."""
    shapes = constraint.shapes
    if constraint.spec.rule == Rule.BUFFER:
        shapes = shapes.buffer(constraint.spec.distance_m)
    hit = parcels.sindex.query(shapes.to_numpy(), predicate="intersects")[1]
    mask = np.zeros(len(parcels), dtype=bool)
    mask[hit] = True
    log.info("constraint %r touches %d parcels", constraint.spec.name, int(mask.sum()))
    return mask


def _explain_none(
    funnel: pd.Series,
    project: pd.Series,
    zoning: dict[str, frozenset[str]],
    parcels: pd.DataFrame,
    locked_pos: int,
    latest: float,
) -> Words:
    """Why a project has no eligible parcel: the rule that removed the last candidates.

    That rule is the binding one (relaxing it would give candidates back), which is
    what a sponsor can act on; the full funnel follows in brackets.
    """
    rules = [r for r in funnel.index if r not in ("candidates", "eligible")]
    binding = [r for r in rules if funnel[r] > 0][-1]
    left_before = int(
        funnel["candidates"] - sum(int(funnel[r]) for r in rules[: rules.index(binding)])
    )
    codes = "/".join(sorted(zoning.get(project["sector"], frozenset()))) or "—"
    need = "land" if project["need"] == Need.LAND else "floor"
    facts: dict[str, Any] = {
        "what": say(f"none.what.{need}"),
        "codes": codes,
        "n": left_before,
        "span": say(
            f"none.span.{need}",
            low=project["area_min_ha"],
            high=project["area_max_ha"],
            floor=project["floor_m2"],
        ),
        "modes": project["supply_modes"] or say("none.any_mode"),
        "year": f"{latest:.0f}",
    }
    if binding.startswith("spatial:"):
        rule = say("none.rule.spatial", name=binding.removeprefix("spatial:"), **facts)
    else:
        rule = say(f"none.rule.{binding}", **facts)
    if locked_pos >= 0:
        locked = parcels["parcel_id"].iloc[locked_pos]
        rule = say("none.locked_not_eligible", parcel=locked, rule=rule)
    removed = [r for r in rules if funnel[r] > 0]
    zh, en = (
        ("，" if lang == ZH else ", ").join(
            f"{_funnel_word(r, lang)} {int(funnel[r])}" for r in removed
        )
        for lang in (ZH, EN)
    )
    return say(
        "none.no_eligible",
        rule=rule,
        candidates=int(funnel["candidates"]),
        funnel=Words(zh, en),
    )


def _funnel_word(rule: str, lang: str) -> str:
    """A rule's name in the funnel (a spatial rule by its own name)."""
    if rule.startswith("spatial:"):
        return rule.removeprefix("spatial:")
    return label(f"funnel.{rule}", lang)
