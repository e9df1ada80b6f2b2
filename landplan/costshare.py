"""Sharing land development cost under the high-tech cap (pure functions).

The plan's rule: the development cost shared by high-tech project land shall not
exceed ``cap_ratio`` (0.70 in the plan; always from the scenario) of the park's
average land cost. What the cap removes (the shortfall) is borne by the district
fund (``subsidy``), by the park's other land users (``spread``) or booked against
the park's unallocated land (``deferred``).

Identity, per park and in total:
``Σ share + Σ subsidy + Σ deferred = Σ base_share``; no high-tech share exceeds its cap.

``base_and_cap`` prices any number of pairs from arrays (the valuation stage
calls it for every eligible pair); ``share_costs`` applies the whole rule once,
to the plan.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from landplan.domain import Bearer, Method
from landplan.errors import LandplanError, Problem
from landplan.scenario import CostShare

# Conservation is checked to this many 万元 (rounding of sums of floats).
TOLERANCE = 1e-6

SHARE_COLUMNS = [
    "project_id",
    "parcel_id",
    "park",
    "hightech",
    "land_ha",
    "park_avg_cost",
    "base_share",
    "cap",
    "share",
    "subsidy",
    "spread_burden",
    "deferred",
]


def park_average_cost(parcels: pd.DataFrame, parks: pd.DataFrame) -> pd.Series:
    """Average land development cost of each park, 万元/ha.

    From ``parks`` (``total_dev_cost / developable_area_ha``) where the park has a
    row, else Σ ``dev_cost`` ÷ Σ ``area_ha`` over its parcels that have a dev_cost.
    Parks with neither are NaN.
    """
    with_cost = parcels[parcels["dev_cost"].notna()]
    sums = with_cost.groupby("park")[["dev_cost", "area_ha"]].sum()
    from_parcels = sums["dev_cost"] / sums["area_ha"]
    avg = pd.Series(np.nan, index=sorted(set(parcels["park"])), dtype=float)
    avg.update(from_parcels)
    if len(parks):
        table = parks.set_index("park")
        avg = avg.reindex(avg.index.union(table.index))
        avg.update(table["total_dev_cost"] / table["developable_area_ha"])
    avg.index.name = "park"
    return avg.rename("park_avg_cost")


def park_floor_rate(parks: pd.DataFrame) -> pd.Series:
    """Each park's cost per m² of permitted floor space, 万元/m² (method ``floor``).

    ``total_dev_cost / floor_area_m2`` from ``parks.csv``; parks without
    ``floor_area_m2`` are NaN.
    """
    if not len(parks):
        return pd.Series(dtype=float, name="floor_rate")
    table = parks.set_index("park")
    rate = table["total_dev_cost"].astype(float) / table["floor_area_m2"].astype(float)
    rate.index.name = "park"
    return rate.rename("floor_rate")


def cost_problems(
    *,
    avg: pd.Series,
    floor_rate: pd.Series,
    parks: Iterable[str],
    params: CostShare,
    source: str,
) -> list[Problem]:
    """What stops pricing: a park that can host a pair without an average cost, or
    (method ``floor``) without permitted floor space."""
    wanted = sorted(set(parks))
    problems = [
        Problem(
            source,
            f"park {p!r} has land to allocate but no average land cost",
            row=p,
            field="dev_cost",
            fix="give dev_cost on its parcels or a row in parks.csv",
        )
        for p in wanted
        if not np.isfinite(avg.get(p, np.nan))
    ]
    if params.method == Method.FLOOR:
        problems += [
            Problem(
                source,
                f"costshare.method is floor but park {p!r} has no permitted floor space",
                row=p,
                field="floor_area_m2",
                fix="give floor_area_m2 (permitted floor space, m²) for it in parks.csv, "
                "or use method area",
            )
            for p in wanted
            if not np.isfinite(floor_rate.get(p, np.nan))
        ]
    return problems


def base_and_cap(
    *,
    params: CostShare,
    park_avg: np.ndarray,
    land: np.ndarray,
    hightech: np.ndarray,
    dev_cost: np.ndarray,
    parcel_area: np.ndarray,
    floor_rate: np.ndarray,
    floor_used: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Base share and cap of each pair, 万元 (arrays aligned by pair).

    ``land`` is the land the pair uses, ha; ``dev_cost`` and ``parcel_area`` the
    parcel's own cost and area (method ``actual``; NaN cost where unknown);
    ``floor_rate`` the park's 万元/m² and ``floor_used`` the permitted floor space
    the pair takes (method ``floor``; NaN where unknown). The cap is always on
    land: ``cap_ratio × avg × land``, and infinite for pairs that are not high-tech.
    """
    base = park_avg * land
    if params.method == Method.ACTUAL:
        own = dev_cost * land / parcel_area
        base = np.where(np.isnan(dev_cost), base, own)
    elif params.method == Method.FLOOR:
        base = np.where(np.isnan(floor_used), base, floor_rate * floor_used)
    cap = np.where(hightech, params.cap_ratio * park_avg * land, np.inf)
    return base, cap


def pair_base_and_cap(pairs: pd.DataFrame, params: CostShare) -> tuple[np.ndarray, np.ndarray]:
    """``base_and_cap`` for a table of pairs with the columns ``describe`` gives them."""
    return base_and_cap(
        params=params,
        park_avg=pairs["park_avg_cost"].to_numpy(dtype=float),
        land=pairs["land_ha"].to_numpy(dtype=float),
        hightech=pairs["hightech"].to_numpy(dtype=bool),
        dev_cost=pairs["parcel_dev_cost"].to_numpy(dtype=float),
        parcel_area=pairs["parcel_area_ha"].to_numpy(dtype=float),
        floor_rate=pairs["floor_rate"].to_numpy(dtype=float),
        floor_used=pairs["floor_used_m2"].to_numpy(dtype=float),
    )


def share_costs(placed: pd.DataFrame, params: CostShare) -> pd.DataFrame:
    """Cost shares of the placed pairs (one row each, ``SHARE_COLUMNS``).

    Parameters
    ----------
    placed
        One row per placed pair: ``project_id, parcel_id, park, hightech, land_ha``
        (ha), ``park_avg_cost`` (万元/ha), ``parcel_area_ha``, ``parcel_dev_cost``
        (万元), ``floor_rate`` (万元/m²) and ``floor_used_m2`` (m²). Under phasing
        also ``year``: a park's shortfall is then spread over that year's users.
    params
        Method, cap ratio, shortfall bearer, spread ceiling.

    Raises
    ------
    LandplanError
        If conservation or the cap fails: that is a bug, and the run must stop.
    """
    out = placed[["project_id", "parcel_id", "park", "hightech", "land_ha", "park_avg_cost"]].copy()
    base, cap = pair_base_and_cap(placed, params)
    shortfall = np.maximum(base - cap, 0.0)
    share = base - shortfall
    subsidy = np.zeros(len(out))
    spread = np.zeros(len(out))
    deferred = np.zeros(len(out))
    if params.shortfall == Bearer.SUBSIDY:
        subsidy = shortfall.copy()
    elif params.shortfall == Bearer.DEFERRED:
        deferred = shortfall.copy()
    else:
        pools = out["park"].astype(str).to_numpy()
        if "year" in placed:
            pools = pools + "," + placed["year"].astype(str).to_numpy()
        spread, unborne = _spread(out, pools, base, shortfall, params)
        share = share + spread
        subsidy = unborne
    out["base_share"] = base
    out["cap"] = cap
    out["share"] = share
    out["subsidy"] = subsidy
    out["spread_burden"] = spread
    out["deferred"] = deferred
    check_identity(out)
    columns = SHARE_COLUMNS[:3] + (["year"] if "year" in placed else []) + SHARE_COLUMNS[3:]
    if "year" in placed:
        out["year"] = placed["year"].to_numpy()
    return out[columns].reset_index(drop=True)


def spread_ceiling(params: CostShare, park_avg: np.ndarray, land: np.ndarray) -> np.ndarray:
    """What a bearer can take on under ``spread_max_ratio`` (∞ without one), 万元."""
    if params.spread_max_ratio is None:
        return np.full(len(land), np.inf)
    ceiling: np.ndarray = params.spread_max_ratio * park_avg * land
    return ceiling


def _spread(
    out: pd.DataFrame,
    pools: np.ndarray,
    base: np.ndarray,
    shortfall: np.ndarray,
    params: CostShare,
) -> tuple[np.ndarray, np.ndarray]:
    """Non-high-tech pairs of a pool (a park; a park's year under phasing) bear its
    shortfall in proportion to base share.

    With ``spread_max_ratio`` r, no bearer's extra exceeds ``r × avg × land``; what
    they cannot bear is filled up among the others (water-filling), and what no
    one can bear is paid by the fund, booked on the high-tech pairs that caused it.
    """
    spread = np.zeros(len(out))
    unborne = np.zeros(len(out))
    hightech = out["hightech"].to_numpy(dtype=bool)
    ceiling_all = spread_ceiling(
        params, out["park_avg_cost"].to_numpy(dtype=float), out["land_ha"].to_numpy(dtype=float)
    )
    for pool in np.unique(pools):
        in_park = pools == pool
        total = float(shortfall[in_park].sum())
        if total <= 0:
            continue
        bearers = np.flatnonzero(in_park & ~hightech & (base > 0))
        left = total
        active = bearers.copy()
        while left > TOLERANCE and len(active):
            weights = base[active] / base[active].sum()
            room = ceiling_all[active] - spread[active]
            give = np.minimum(left * weights, room)
            spread[active] += give
            left -= float(give.sum())
            active = active[room - give > TOLERANCE]
        if left > TOLERANCE:
            causes = np.flatnonzero(in_park & (shortfall > 0))
            unborne[causes] = left * shortfall[causes] / total
    return spread, unborne


def check_identity(shares: pd.DataFrame) -> None:
    """Σ share + Σ subsidy + Σ deferred = Σ base per park, and every cap holds."""
    sums = shares.groupby("park")[["base_share", "share", "subsidy", "deferred"]].sum()
    gap = (sums["share"] + sums["subsidy"] + sums["deferred"] - sums["base_share"]).abs()
    scale = np.maximum(sums["base_share"].abs(), 1.0)
    if not (gap <= TOLERANCE * scale).all():
        raise LandplanError(f"bug: cost-share conservation broken by {gap.to_dict()} 万元")
    hightech = shares["hightech"].to_numpy(dtype=bool)
    over = shares["share"].to_numpy()[hightech] - shares["cap"].to_numpy()[hightech]
    if not (over <= TOLERANCE * np.maximum(shares["cap"].to_numpy()[hightech], 1.0)).all():
        raise LandplanError("bug: a high-tech share exceeds its cap")
