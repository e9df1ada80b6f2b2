"""Priced pairs: every eligible pair priced once, in one place.

For each eligible (project, parcel) pair this stage works out the land it uses,
its base share and cap under the cost-share rule, what the district fund would
pay for it, and its value in the objective, as a sum of named terms
(``TERMS``). The model, the explanations and the output all read this table; the
cost-share rule itself (``costshare.share_costs``) runs once more, on the plan.

``pair_terms`` computes the terms of any set of pairs from the same arrays, so
the value the solver saw and the breakdown a planner reads cannot differ. Pairs
are priced in chunks, so millions of them never hold more than a chunk's worth of
temporary arrays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landplan.constants import M2_PER_HA
from landplan.costshare import base_and_cap, spread_ceiling
from landplan.domain import LAND_KINDS, Bearer, Need
from landplan.eligibility import Eligibility
from landplan.inputs import Inputs
from landplan.scenario import CostShare, Objective

log = logging.getLogger(__name__)

# The objective's terms, in the order a reader sees them (allocation.csv ``v_*``).
TERMS = ("output", "tax", "jobs", "hightech", "major", "subsidy")

_CHUNK = 1 << 20  # pairs priced at a time


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
        ``ceiling`` (what the pair could bear of its park's shortfall, 万元).
    projects
        The project table; ``project`` indexes its rows.
    parcels
        The parcel table without geometry, with ``park_avg_cost`` and
        ``floor_rate``; ``parcel`` indexes its rows.
    no_pairs
        ``project_id`` -> why it has no eligible parcel.
    """

    pairs: pd.DataFrame
    projects: pd.DataFrame
    parcels: pd.DataFrame
    objective: Objective
    costshare: CostShare
    no_pairs: dict[str, str]

    @property
    def budget(self) -> float | None:
        return self.costshare.budget

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
    scenario = inputs.scenario
    parcels = pd.DataFrame(inputs.parcels.drop(columns="geometry"))
    parcels["park_avg_cost"] = parcels["park"].map(inputs.park_avg).to_numpy(dtype=float)
    parcels["floor_rate"] = parcels["park"].map(inputs.floor_rate).to_numpy(dtype=float)
    projects = inputs.tables.projects
    p = eligibility.pairs["project"].to_numpy()
    j = eligibility.pairs["parcel"].to_numpy()
    land = np.empty(len(p))
    subsidy = np.empty(len(p))
    value = np.empty(len(p))
    shortfall = np.empty(len(p))
    for start in range(0, len(p), _CHUNK):
        part = slice(start, start + _CHUNK)
        priced = _price(projects, parcels, scenario.costshare, p[part], j[part])
        land[part] = priced["land_ha"]
        subsidy[part] = priced["subsidy"]
        shortfall[part] = priced["shortfall"]
        value[part] = sum(_terms(projects, scenario.objective, p[part], priced).values())
    pairs = pd.DataFrame(
        {
            "project": p.astype(np.int32),
            "parcel": j.astype(np.int32),
            "land_ha": land,
            "subsidy": subsidy,
            "value": value,
        }
    )
    if scenario.costshare.shortfall == Bearer.SPREAD:
        pairs["shortfall"] = shortfall
        pairs["ceiling"] = _spread_ceilings(projects, parcels, scenario.costshare, pairs)
    log.info("priced %s pairs", f"{len(pairs):,}")
    return PricedPairs(
        pairs=pairs,
        projects=projects,
        parcels=parcels,
        objective=scenario.objective,
        costshare=scenario.costshare,
        no_pairs=dict(eligibility.reasons),
    )


def _price(
    projects: pd.DataFrame,
    parcels: pd.DataFrame,
    params: CostShare,
    p: np.ndarray,
    j: np.ndarray,
) -> dict[str, np.ndarray]:
    """Land, floor space, base share, cap, shortfall and subsidy of pairs ``(p, j)``."""
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
    hightech = projects["hightech"].to_numpy(dtype=bool)[p]
    base, cap = base_and_cap(
        params=params,
        park_avg=park_avg,
        land=land,
        hightech=hightech,
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
    projects: pd.DataFrame, weights: Objective, p: np.ndarray, priced: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The pair's value in the objective, term by term (``TERMS``)."""

    def attr(column: str) -> np.ndarray:
        values: np.ndarray = projects[column].to_numpy(dtype=float)[p]
        return values

    return {
        "output": weights.output * attr("output"),
        "tax": weights.tax * attr("tax"),
        "jobs": weights.jobs * attr("jobs"),
        "hightech": weights.hightech * attr("hightech"),
        "major": weights.major * attr("major"),
        "subsidy": -weights.subsidy * priced["subsidy"],
    }


def _spread_ceilings(
    projects: pd.DataFrame, parcels: pd.DataFrame, params: CostShare, pairs: pd.DataFrame
) -> np.ndarray:
    """What each non-high-tech pair could bear of its park's shortfall if placed, 万元.

    A bearer is a non-high-tech pair with a positive base share. It can bear up
    to ``spread_max_ratio × avg × land``; with no ceiling, up to the largest
    shortfall its park could have (Σ over projects of their largest shortfall
    there), which in the model means "the fund pays nothing while any bearer is
    placed", as ``share_costs`` does.
    """
    p = pairs["project"].to_numpy()
    j = pairs["parcel"].to_numpy()
    park_codes, park_of = np.unique(parcels["park"].to_numpy(dtype=str), return_inverse=True)
    park = park_of[j]
    hightech = projects["hightech"].to_numpy(dtype=bool)[p]
    park_avg = parcels["park_avg_cost"].to_numpy(dtype=float)[j]
    bearer = ~hightech & (park_avg * pairs["land_ha"].to_numpy() > 0)
    if params.spread_max_ratio is not None:
        ceiling = spread_ceiling(params, park_avg, pairs["land_ha"].to_numpy())
    else:
        worst = (
            pd.DataFrame({"park": park, "p": p, "s": pairs["shortfall"].to_numpy()})
            .groupby(["park", "p"])["s"]
            .max()
            .groupby(level="park")
            .sum()
        )
        ceiling = worst.reindex(np.arange(len(park_codes)), fill_value=0.0).to_numpy()[park]
    result: np.ndarray = np.where(bearer, ceiling, 0.0)
    return result


def describe(priced: PricedPairs, rows: np.ndarray) -> pd.DataFrame:
    """The pairs at ``rows`` with what a reader and the cost-share rule need.

    Columns: ``project_id, parcel_id, project, parcel, park, hightech, land_ha,
    park_avg_cost, parcel_area_ha, parcel_dev_cost, floor_rate, floor_used_m2,
    subsidy, value``, and ``v_<term>`` for each term of the value (they add up to
    ``value``).
    """
    rows = np.asarray(rows, dtype=np.int64)
    pairs, projects, parcels = priced.pairs, priced.projects, priced.parcels
    p = pairs["project"].to_numpy()[rows]
    j = pairs["parcel"].to_numpy()[rows]
    parts = _price(projects, parcels, priced.costshare, p, j)
    terms = _terms(projects, priced.objective, p, parts)
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
            "land_ha": parts["land_ha"],
            "park_avg_cost": parts["park_avg_cost"],
            "parcel_area_ha": parcels["area_ha"].to_numpy(dtype=float)[j],
            "parcel_dev_cost": parcels["dev_cost"].to_numpy(dtype=float)[j],
            "floor_rate": parcels["floor_rate"].to_numpy(dtype=float)[j],
            "floor_used_m2": parts["floor_used_m2"],
            "subsidy": parts["subsidy"],
            "value": pairs["value"].to_numpy()[rows],
        }
    )
    for name in TERMS:
        out[f"v_{name}"] = terms[name]
    return out


def is_land_pair(priced: PricedPairs) -> np.ndarray:
    """True for pairs on land parcels (a whole parcel), False for factory tenants."""
    land_parcel = priced.parcels["kind"].isin(LAND_KINDS).to_numpy()
    result: np.ndarray = land_parcel[priced.pairs["parcel"].to_numpy()]
    return result
