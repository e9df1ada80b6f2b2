"""Priced pairs: every eligible pair priced once, in one place.

For each eligible (project, parcel) pair this stage works out the land it uses,
its base share and cap under the cost-share rule, what the district fund would
pay for it, and its value in the objective as a sum of named terms (``TERMS``,
docs/model.md "Objective"). The model, the explanations and the output all read
this table; the cost-share rule itself (``costshare.share_costs``) runs once
more, on the plan.

The terms of any set of pairs come from one function over the same arrays
(``Context``), so the value the solver saw and the breakdown a planner reads
cannot differ. Pairs are priced in chunks, so millions of them never hold more
than a chunk's worth of temporary arrays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from landplan.consolidation import Places
from landplan.constants import M2_PER_HA
from landplan.costshare import base_and_cap, spread_ceiling
from landplan.domain import LAND_KINDS, Bearer, Need
from landplan.eligibility import Eligibility
from landplan.firm_evaluation import Evaluation
from landplan.inputs import Inputs
from landplan.messages import Words, say
from landplan.scenario import CostShare, Objective, Phasing, Targets

log = logging.getLogger(__name__)

# The objective's terms, in the order a reader sees them (allocation.csv ``v_*``).
TERMS = (
    "output",
    "tax",
    "jobs",
    "hightech",
    "major",
    "positioning",
    "preferred_park",
    "near",
    "land",
    "subsidy",
    "deferred",
    "spread",
    "renewal",
    "delay",
)

# Exact ties are broken towards the smaller parcel, then the parcel listed first
# (parcel ids in sorted order): each pair's value is lowered by at most
# TIE_BREAK × (area in ha + 1), far below any difference a weight makes.
TIE_BREAK = 1e-4

_CHUNK = 1 << 20  # pairs priced at a time


@dataclass(frozen=True)
class Context:
    """What pricing reads, as arrays by project and by parcel (row positions).

    Codes: ``sector`` and ``preferred`` by project, ``park`` by parcel, index
    ``sectors`` and ``parks``; ``leads[park, sector]`` is True where the sector is
    one of the park's leading sectors. ``near_score[k, parcel]`` and
    ``near_applies[k, project]`` per proximity entry k, with ``near_weight[k]``.
    """

    projects: pd.DataFrame
    parcels: pd.DataFrame
    sectors: np.ndarray
    parks: np.ndarray
    sector: np.ndarray
    preferred: np.ndarray
    park: np.ndarray
    leads: np.ndarray
    near_score: np.ndarray
    near_applies: np.ndarray
    near_weight: np.ndarray
    rank: np.ndarray
    objective: Objective
    costshare: CostShare
    # the places: the parcels, then the merged sites ("parcels" above is their table)
    places: Places
    # per parcel: what recovering it costs in the objective (renewal land only, else 0)
    renewal_charge: np.ndarray | None = None
    # the plan over years (pairs then carry a ``year``)
    phasing: Phasing | None = None

    @staticmethod
    def of(inputs: Inputs, land: Places, evaluation: Evaluation | None = None) -> Context:
        scenario = inputs.scenario
        parcels = pd.DataFrame(land.table.drop(columns="geometry"))
        parcels["park_avg_cost"] = parcels["park"].map(inputs.park_avg).to_numpy(dtype=float)
        parcels["floor_rate"] = parcels["park"].map(inputs.floor_rate).to_numpy(dtype=float)
        projects = inputs.tables.projects
        sectors = np.array(sorted(set(projects["sector"]) | set(inputs.tables.zoning)), dtype=str)
        parks = np.array(sorted(set(parcels["park"])), dtype=str)
        leads = np.zeros((len(parks), len(sectors)), dtype=bool)
        known = set(parks)
        for park, leading in zip(
            inputs.tables.parks["park"], inputs.tables.parks["leading_sectors"], strict=True
        ):
            if park in known and isinstance(leading, tuple):
                leads[int(np.searchsorted(parks, park)), np.isin(sectors, leading)] = True
        project_sector = np.searchsorted(sectors, projects["sector"].to_numpy(dtype=str))
        park_index = pd.Series(np.arange(len(parks)), index=parks)
        preferred = projects["park"].map(park_index).fillna(-1).to_numpy(dtype=np.int64)
        near = inputs.near
        # a site's score: its members' scores weighted by area
        area = inputs.parcels["area_ha"].to_numpy(dtype=float)
        weight = land.cover @ area
        near_score = np.array(
            [(land.cover @ (area * layer.score)) / weight for layer in near]
        ).reshape(len(near), len(parcels))
        near_applies = np.array(
            [
                np.isin(projects["sector"].to_numpy(), layer.spec.sectors)
                if layer.spec.sectors
                else np.ones(len(projects), dtype=bool)
                for layer in near
            ]
        ).reshape(len(near), len(projects))
        order = np.argsort(parcels["parcel_id"].to_numpy(dtype=str), kind="stable")
        rank = np.empty(len(parcels))
        rank[order] = np.arange(len(parcels)) / max(len(parcels), 1)
        return Context(
            projects=projects,
            parcels=parcels,
            sectors=sectors,
            parks=parks,
            sector=project_sector,
            preferred=preferred,
            park=np.searchsorted(parks, parcels["park"].to_numpy(dtype=str)),
            leads=leads,
            near_score=near_score,
            near_applies=near_applies,
            near_weight=np.array([layer.spec.weight for layer in near], dtype=float),
            rank=rank,
            objective=scenario.objective,
            costshare=scenario.costshare,
            places=land,
            renewal_charge=_renewal_charge(len(parcels), evaluation, scenario.objective),
            phasing=scenario.phasing,
        )


@dataclass(frozen=True)
class PricedPairs:
    """The pair table the model is built from, and what it was priced with.

    Attributes
    ----------
    pairs
        One row per eligible pair: ``project``, ``parcel`` (row positions, int32),
        ``land_ha`` (land the pair uses: the parcel's area, or a tenant's
        floor-space share of its factory's land), ``subsidy`` (万元 the fund pays if
        the pair is placed), ``value`` (the pair's objective coefficient). Under
        ``shortfall: spread`` also ``shortfall`` (what the cap removes, 万元) and
        ``ceiling`` (what the pair could bear of its park's shortfall, 万元). Under
        ``phasing`` also ``first_year`` and ``years`` (the pair may start in any of
        ``years`` years from ``first_year``), and ``decay``: what its value loses for
        each year later than ``first_year`` (``value`` is its value in ``first_year``).
        A placement is a pair and an *offset*, its year less ``first_year`` (always 0
        without phasing).
    context
        The arrays the pairs were priced from (projects, parcels, weights).
    targets
        The plan's targets imposed as rows.
    no_pairs
        ``project_id`` -> why it has no eligible parcel.
    evaluation
        The firms' 亩均 evaluation and renewal supply (``evaluation:`` in the scenario).
    """

    pairs: pd.DataFrame
    context: Context
    targets: Targets
    no_pairs: dict[str, Words]
    evaluation: Evaluation | None = None

    @property
    def projects(self) -> pd.DataFrame:
        return self.context.projects

    @property
    def parcels(self) -> pd.DataFrame:
        return self.context.parcels

    @property
    def objective(self) -> Objective:
        return self.context.objective

    @property
    def costshare(self) -> CostShare:
        return self.context.costshare

    @property
    def budget(self) -> float | None:
        return self.costshare.budget

    def withholding(self, parcel: int) -> PricedPairs:
        """These pairs without those on ``parcel`` (a row position: a parcel or a merged
        site) and on every place that shares a parcel with it: the problem if that
        land were taken back. Projects left with no pair say so in ``no_pairs``."""
        cover = self.context.places.cover
        sharing = np.asarray((cover @ cover[parcel].T).todense()).ravel() > 0
        on = sharing[self.pairs["parcel"].to_numpy()]
        lost = set(self.pairs.loc[on, "project"]) - set(self.pairs.loc[~on, "project"])
        pid = self.projects["project_id"].to_numpy()
        parcel_id = self.parcels["parcel_id"].iloc[parcel]
        no_pairs = dict(self.no_pairs)
        for p in sorted(lost):
            no_pairs[pid[p]] = say("why.withheld", parcel=parcel_id)
        pairs = self.pairs[~on].reset_index(drop=True)
        return PricedPairs(pairs, self.context, self.targets, no_pairs, self.evaluation)

    @property
    def phased(self) -> bool:
        """The pairs carry years (``phasing``)."""
        return "first_year" in self.pairs

    def keys(self, rows: np.ndarray, offsets: np.ndarray | None = None) -> list[tuple[Any, ...]]:
        """``(project_id, parcel_id)``, with the ``year`` under phasing, of the placements
        (``rows`` at ``offsets``): how a plan names them (a solver start, ``plan_keys``)."""
        columns: list[Any] = [x.tolist() for x in self.ids(rows)]
        if self.phased:
            columns.append(self.years_of(rows, offsets).tolist())
        return list(zip(*columns, strict=True))

    def years_of(self, rows: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
        """The year of each placement (``rows`` at ``offsets``; 0 where none given)."""
        first: np.ndarray = self.pairs["first_year"].to_numpy()[rows].astype(np.int64)
        return first if offsets is None else first + np.asarray(offsets, dtype=np.int64)

    def values_of(self, rows: np.ndarray, offsets: np.ndarray | None = None) -> np.ndarray:
        """The objective coefficient of each placement (``rows`` at ``offsets``)."""
        value: np.ndarray = self.pairs["value"].to_numpy()[rows]
        if self.phased and offsets is not None:
            value = value - self.pairs["decay"].to_numpy()[rows] * offsets
        return value

    def every_year(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every placement of the pairs at ``rows``: each pair once per year it may
        start in, as (rows, offsets), in the order of ``rows`` then year."""
        rows = np.asarray(rows, dtype=np.int64)
        if not self.phased:
            return rows, np.zeros(len(rows), dtype=np.int64)
        count = self.pairs["years"].to_numpy()[rows].astype(np.int64)
        out = np.repeat(rows, count)
        offsets = np.arange(len(out)) - np.repeat(np.cumsum(count) - count, count)
        return out, offsets

    def placement(self, keys: set[tuple[Any, ...]]) -> tuple[np.ndarray, np.ndarray]:
        """The placements a plan names (``keys`` as ``keys`` makes them) that are still
        eligible, as (rows, offsets) in row order."""
        project = {pid: k for k, pid in enumerate(self.projects["project_id"])}
        parcel = {jid: k for k, jid in enumerate(self.parcels["parcel_id"])}
        named = [
            (project[key[0]], parcel[key[1]], key[2] if len(key) > 2 else None)
            for key in keys
            if key[0] in project and key[1] in parcel
        ]
        if not named or not len(self.pairs):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # pairs are sorted by (project, parcel): one combined key finds each
        width = len(self.parcels)
        combined = self.pairs["project"].to_numpy(np.int64) * width
        combined += self.pairs["parcel"].to_numpy()
        wanted = np.array([p * width + j for p, j, _ in named], dtype=np.int64)
        rows = np.minimum(np.searchsorted(combined, wanted), len(combined) - 1)
        found = combined[rows] == wanted
        offsets = np.zeros(len(named), dtype=np.int64)
        if self.phased:
            year = np.array([-1 if t is None else int(t) for _, _, t in named], dtype=np.int64)
            offsets = year - self.pairs["first_year"].to_numpy()[rows]
            found &= (offsets >= 0) & (offsets < self.pairs["years"].to_numpy()[rows])
        order = np.argsort(rows[found], kind="stable")
        return rows[found][order], offsets[found][order]

    def ids(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project and parcel ids of the pairs at ``rows``."""
        p = self.pairs["project"].to_numpy()[rows]
        j = self.pairs["parcel"].to_numpy()[rows]
        return (
            self.projects["project_id"].to_numpy()[p],
            self.parcels["parcel_id"].to_numpy()[j],
        )


def price_pairs(inputs: Inputs, eligibility: Eligibility) -> PricedPairs:
    """Price every eligible pair of ``inputs`` (see the module docstring)."""
    context = Context.of(inputs, eligibility.places, eligibility.evaluation)
    p = eligibility.pairs["project"].to_numpy()
    j = eligibility.pairs["parcel"].to_numpy()
    phased = "first_year" in eligibility.pairs
    year = eligibility.pairs["first_year"].to_numpy() if phased else None
    land = np.empty(len(p))
    subsidy = np.empty(len(p))
    value = np.empty(len(p))
    decay = np.zeros(len(p))
    shortfall = np.empty(len(p))
    for start in range(0, len(p), _CHUNK):
        part = slice(start, start + _CHUNK)
        priced = _price(context, p[part], j[part])
        land[part] = priced["land_ha"]
        subsidy[part] = priced["subsidy"]
        shortfall[part] = priced["shortfall"]
        in_part = None if year is None else year[part]
        terms = _terms(context, p[part], j[part], priced, in_part)
        value[part] = sum(terms.values()) - _tie_break(context, j[part], priced["land_ha"])
        if context.phasing is not None:
            rest = sum(v for k, v in terms.items() if k != "delay")
            decay[part] = context.phasing.delay_weight * np.maximum(rest, 0.0)
    pairs = pd.DataFrame(
        {
            "project": p.astype(np.int32),
            "parcel": j.astype(np.int32),
            "land_ha": land,
            "subsidy": subsidy,
            "value": value,
        }
    )
    if phased:
        pairs["first_year"] = eligibility.pairs["first_year"].to_numpy()
        pairs["years"] = eligibility.pairs["years"].to_numpy()
        pairs["decay"] = decay
    if context.costshare.shortfall == Bearer.SPREAD:
        pairs["shortfall"] = shortfall
        pairs["ceiling"] = _spread_ceilings(context, pairs)
    log.info("priced %s pairs", f"{len(pairs):,}")
    return PricedPairs(
        pairs=pairs,
        context=context,
        targets=inputs.scenario.targets,
        no_pairs=dict(eligibility.reasons),
        evaluation=eligibility.evaluation,
    )


def _price(context: Context, p: np.ndarray, j: np.ndarray) -> dict[str, np.ndarray]:
    """Land, floor space, base share, cap, shortfall and subsidy of pairs ``(p, j)``."""
    projects, parcels, params = context.projects, context.parcels, context.costshare
    area = parcels["area_ha"].to_numpy(dtype=float)[j]
    is_floor = projects["need"].to_numpy()[p] == Need.FLOOR
    floor_need = projects["floor_m2"].to_numpy(dtype=float)[p]
    floor_total = parcels["floor_area_m2"].to_numpy(dtype=float)[j]
    land = np.where(is_floor, area * floor_need / np.where(is_floor, floor_total, 1.0), area)
    # Permitted floor space a pair takes: a tenant's floor_m2; a land project's
    # parcel area × its plot ratio (NaN where the parcel gives none).
    far = parcels["far"].to_numpy(dtype=float)[j]
    floor_used = np.where(is_floor, floor_need, area * M2_PER_HA * far)
    park_avg = parcels["park_avg_cost"].to_numpy(dtype=float)[j]
    base, cap = base_and_cap(
        params=params,
        park_avg=park_avg,
        land=land,
        hightech=projects["hightech"].to_numpy(dtype=bool)[p],
        dev_cost=parcels["dev_cost"].to_numpy(dtype=float)[j],
        parcel_area=area,
        floor_rate=parcels["floor_rate"].to_numpy(dtype=float)[j],
        floor_used=floor_used,
    )
    shortfall = np.maximum(base - cap, 0.0)
    # Under spread and deferred the fund pays nothing up front; spread's fund
    # payment is per park and enters the model as its own column.
    subsidy = shortfall if params.shortfall == Bearer.SUBSIDY else np.zeros_like(shortfall)
    return {
        "land_ha": land,
        "floor_used_m2": floor_used,
        "park_avg_cost": park_avg,
        "base_share": base,
        "cap": cap,
        "shortfall": shortfall,
        "subsidy": subsidy,
    }


def _terms(
    context: Context,
    p: np.ndarray,
    j: np.ndarray,
    priced: dict[str, np.ndarray],
    year: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The pair's value in the objective, term by term (``TERMS``).

    ``delay``: under ``phasing``, a pair started t − start_year years late loses
    ``delay_weight`` × that of the rest of its value (of nothing when the rest is
    below zero: waiting does not make a loss smaller)."""
    weights, projects = context.objective, context.projects
    bearer = context.costshare.shortfall

    def attr(column: str) -> np.ndarray:
        values: np.ndarray = projects[column].to_numpy(dtype=float)[p]
        return values

    park = context.park[j]
    near = np.zeros(len(p))
    for k, weight in enumerate(context.near_weight):
        near += weight * context.near_score[k, j] * context.near_applies[k, p]
    shortfall = priced["shortfall"]
    terms = {
        "output": weights.output * attr("output"),
        "tax": weights.tax * attr("tax"),
        "jobs": weights.jobs * attr("jobs"),
        "hightech": weights.hightech * attr("hightech"),
        "major": weights.major * attr("major"),
        "positioning": weights.positioning * context.leads[park, context.sector[p]],
        "preferred_park": weights.preferred_park * (context.preferred[p] == park),
        "near": near,
        "land": -weights.land * priced["land_ha"],
        "subsidy": -weights.subsidy * priced["subsidy"],
        "deferred": -weights.deferred_weight * shortfall * (bearer == Bearer.DEFERRED),
        # under spread, what the pair shifts onto the park's other users (the fund's
        # share of it comes back through the fund column: docs/model.md)
        "spread": -weights.spread * shortfall * (bearer == Bearer.SPREAD),
        "renewal": (
            np.zeros(len(p)) if context.renewal_charge is None else -context.renewal_charge[j]
        ),
    }
    terms["delay"] = np.zeros(len(p))
    if year is not None and context.phasing is not None:
        start = attr("start_year")
        late = year - np.where(np.isnan(start), context.phasing.first, start)
        rest = np.maximum(sum(terms.values()), 0.0)
        terms["delay"] = -context.phasing.delay_weight * late * rest
    return terms


def _renewal_charge(
    n_parcels: int, evaluation: Evaluation | None, weights: Objective
) -> np.ndarray | None:
    """Per parcel, the recovery cost plus the firms' lost yield at the objective's
    weights × ``renewal.lost_yield_weight`` (docs/evaluation.md); None without renewal."""
    if evaluation is None or evaluation.renewal is None:
        return None
    supply = evaluation.supply
    lost = (
        weights.output * supply["lost_output"]
        + weights.tax * supply["lost_tax"]
        + weights.jobs * supply["lost_jobs"]
    )
    charge = np.zeros(n_parcels)
    charge[supply["parcel"].to_numpy(dtype=np.int64)] = (
        supply["cost"] + evaluation.renewal.lost_yield_weight * lost
    ).to_numpy(dtype=float)
    return charge


def _tie_break(context: Context, j: np.ndarray, land: np.ndarray) -> np.ndarray:
    """The tiny preference that decides exact ties: smaller parcel, then the lower id."""
    result: np.ndarray = TIE_BREAK * (land + context.rank[j])
    return result


def tie_breaks(priced: PricedPairs) -> tuple[np.ndarray, float]:
    """Each pair's tie-break (taken off its value) and the most any plan can carry.

    The solver maximises values net of the tie-break; a plan's true value adds its
    pairs' tie-breaks back, and the solver's bound plus the second number (each
    project's largest, summed) bounds the true value of every plan.
    """
    j = priced.pairs["parcel"].to_numpy()
    ties = _tie_break(priced.context, j, priced.pairs["land_ha"].to_numpy())
    p = priced.pairs["project"].to_numpy()
    if not len(p):
        return ties, 0.0
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])  # pairs are sorted by project
    return ties, float(np.maximum.reduceat(ties, starts).sum())


def _spread_ceilings(context: Context, pairs: pd.DataFrame) -> np.ndarray:
    """What each non-high-tech pair could bear of its park's shortfall if placed, 万元.

    A bearer is a non-high-tech pair with a positive base share. It can bear up
    to ``spread_max_ratio × avg × land``; with no ceiling, up to the largest
    shortfall its park could have (Σ over projects of their largest shortfall
    there), which in the model means "the fund pays nothing while any bearer is
    placed", as ``share_costs`` does.
    """
    p = pairs["project"].to_numpy()
    j = pairs["parcel"].to_numpy()
    park = context.park[j]
    hightech = context.projects["hightech"].to_numpy(dtype=bool)[p]
    park_avg = context.parcels["park_avg_cost"].to_numpy(dtype=float)[j]
    bearer = ~hightech & (park_avg * pairs["land_ha"].to_numpy() > 0)
    if context.costshare.spread_max_ratio is not None:
        ceiling = spread_ceiling(context.costshare, park_avg, pairs["land_ha"].to_numpy())
    else:
        worst = (
            pd.DataFrame({"park": park, "p": p, "s": pairs["shortfall"].to_numpy()})
            .groupby(["park", "p"])["s"]
            .max()
            .groupby(level="park")
            .sum()
        )
        ceiling = worst.reindex(np.arange(len(context.parks)), fill_value=0.0).to_numpy()[park]
    result: np.ndarray = np.where(bearer, ceiling, 0.0)
    return result


def describe(
    priced: PricedPairs, rows: np.ndarray, offsets: np.ndarray | None = None
) -> pd.DataFrame:
    """The placements ``rows`` (pairs) at ``offsets`` (years after each pair's first;
    none: its first) with what a reader and the cost-share rule need.

    Columns: ``project_id, parcel_id, project, parcel, park, kind, hightech,
    leading, preferred, land_ha, park_avg_cost, parcel_area_ha, parcel_dev_cost,
    floor_rate, floor_used_m2, subsidy, value``, ``year`` under phasing, and
    ``v_<term>`` for each term of the value (they add up to ``value``, but for the
    tie-break of at most ``TIE_BREAK × (area + 1)``).
    """
    rows = np.asarray(rows, dtype=np.int64)
    context, pairs = priced.context, priced.pairs
    projects, parcels = context.projects, context.parcels
    p = pairs["project"].to_numpy()[rows]
    j = pairs["parcel"].to_numpy()[rows]
    year = priced.years_of(rows, offsets) if priced.phased else None
    parts = _price(context, p, j)
    terms = _terms(context, p, j, parts, year)
    project_ids, parcel_ids = priced.ids(rows)
    out = pd.DataFrame(
        {
            "project_id": project_ids,
            "parcel_id": parcel_ids,
            "project": p,
            "parcel": j,
            "park": parcels["park"].to_numpy()[j],
            "kind": parcels["kind"].to_numpy()[j],
            "hightech": projects["hightech"].to_numpy(dtype=bool)[p],
            "leading": context.leads[context.park[j], context.sector[p]],
            "preferred": context.preferred[p] == context.park[j],
            "land_ha": parts["land_ha"],
            "park_avg_cost": parts["park_avg_cost"],
            "parcel_area_ha": parcels["area_ha"].to_numpy(dtype=float)[j],
            "parcel_dev_cost": parcels["dev_cost"].to_numpy(dtype=float)[j],
            "floor_rate": parcels["floor_rate"].to_numpy(dtype=float)[j],
            "floor_used_m2": parts["floor_used_m2"],
            "subsidy": parts["subsidy"],
            "value": priced.values_of(rows, offsets),
        }
    )
    if year is not None:
        out["year"] = year.astype(np.int64)
    for name in TERMS:
        out[f"v_{name}"] = terms[name]
    return out


def plan_keys(placed: pd.DataFrame) -> set[tuple[Any, ...]]:
    """The placements of a plan table (``describe``) as ``PricedPairs.keys`` names them."""
    columns = ["project_id", "parcel_id", *(["year"] if "year" in placed else [])]
    return set(placed[columns].astype(object).itertuples(index=False, name=None))


def is_land_pair(priced: PricedPairs) -> np.ndarray:
    """True for pairs on land parcels (a whole parcel), False for factory tenants."""
    land_parcel = priced.parcels["kind"].isin(LAND_KINDS).to_numpy()
    result: np.ndarray = land_parcel[priced.pairs["parcel"].to_numpy()]
    return result
