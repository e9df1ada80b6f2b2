"""Sharing land development cost under the high-tech cap (a pure function).

The plan's rule: the development cost shared by high-tech project land shall not
exceed ``cap_ratio`` (0.70 in the plan; always from the scenario) of the park's
average land cost. What the cap removes (the shortfall) is borne by the district
fund (``subsidy``), by the park's other land users (``spread``) or booked against
the park's unallocated land (``deferred``).

Identity, per park and in total:
``Σ share + Σ subsidy + Σ deferred = Σ base_share``; no high-tech share exceeds its cap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from landplan.errors import InputError, LandplanError, Problem
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
    return avg


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


def require_costs(
    avg: pd.Series,
    parks_used: set[str],
    source: str,
    floor_rate: pd.Series | None = None,
) -> None:
    """Stop when a park that hosts a pair has no average cost (or floor rate, if asked)."""
    problems = [
        Problem(
            source,
            f"park {p!r} has no average land cost",
            row=p,
            field="dev_cost",
            fix="give dev_cost on its parcels or a row in parks.csv",
        )
        for p in sorted(parks_used)
        if not np.isfinite(avg.get(p, np.nan))
    ]
    if floor_rate is not None:
        problems += [
            Problem(
                source,
                f"costshare.method is floor but park {p!r} has no permitted floor space",
                row=p,
                field="floor_area_m2",
                fix="give floor_area_m2 (permitted floor space, m²) for it in parks.csv, "
                "or use method area",
            )
            for p in sorted(parks_used)
            if not np.isfinite(floor_rate.get(p, np.nan))
        ]
    if problems:
        raise InputError(problems)


def base_and_cap(
    pairs: pd.DataFrame,
    avg: pd.Series,
    params: CostShare,
    floor_rate: pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Base share and cap of each pair, 万元.

    ``pairs`` needs ``park``, ``hightech``, ``land_ha`` (the land the pair uses),
    ``parcel_area_ha`` and ``parcel_dev_cost`` (NaN where unknown); method ``floor``
    also needs ``floor_used_m2`` (the permitted floor space the pair takes, NaN
    where unknown) and ``floor_rate`` (万元/m² by park). The cap is always on land:
    ``cap_ratio × avg × land``, and infinite for pairs that are not high-tech.
    """
    park_avg = pairs["park"].map(avg).to_numpy(dtype=float)
    land = pairs["land_ha"].to_numpy(dtype=float)
    base = park_avg * land
    if params.method == "actual":
        dev = pairs["parcel_dev_cost"].to_numpy(dtype=float)
        own = dev * land / pairs["parcel_area_ha"].to_numpy(dtype=float)
        base = np.where(np.isnan(dev), base, own)
    elif params.method == "floor":
        if floor_rate is None:
            raise LandplanError("bug: method floor needs the parks' floor rates")
        rate = pairs["park"].map(floor_rate).to_numpy(dtype=float)
        used = pairs["floor_used_m2"].to_numpy(dtype=float)
        base = np.where(np.isnan(used), base, rate * used)
    cap = np.where(
        pairs["hightech"].to_numpy(dtype=bool), params.cap_ratio * park_avg * land, np.inf
    )
    return base, cap


def pair_subsidy(
    pairs: pd.DataFrame,
    avg: pd.Series,
    params: CostShare,
    floor_rate: pd.Series | None = None,
) -> np.ndarray:
    """What the district fund would pay if this pair were placed, 万元.

    Exact for ``shortfall: subsidy``. For ``spread`` and ``deferred`` the fund pays
    nothing up front, so the model sees no subsidy.
    """
    base, cap = base_and_cap(pairs, avg, params, floor_rate)
    shortfall = np.maximum(base - cap, 0.0)
    return shortfall if params.shortfall == "subsidy" else np.zeros_like(shortfall)


def spread_terms(
    pairs: pd.DataFrame,
    avg: pd.Series,
    params: CostShare,
    floor_rate: pd.Series | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: the shortfall it causes and what it could bear (``shortfall: spread``).

    A bearer is a non-high-tech pair with a positive base share. It can bear up
    to ``spread_max_ratio × avg × land``; with no ceiling, up to the largest
    shortfall its park could have (Σ over projects of their largest shortfall
    there), which in the model means "the fund pays nothing while any bearer is
    placed", as ``share_costs`` does.
    """
    base, cap = base_and_cap(pairs, avg, params, floor_rate)
    shortfall = np.maximum(base - cap, 0.0)
    bearer = ~pairs["hightech"].to_numpy(dtype=bool) & (base > 0)
    if params.spread_max_ratio is not None:
        room = params.spread_max_ratio * pairs["park"].map(avg).to_numpy(dtype=float)
        ceiling = room * pairs["land_ha"].to_numpy(dtype=float)
    else:
        worst = (
            pd.DataFrame({"park": pairs["park"], "p": pairs["project"], "s": shortfall})
            .groupby(["park", "p"])["s"]
            .max()
            .groupby(level="park")
            .sum()
        )
        ceiling = pairs["park"].map(worst).to_numpy(dtype=float)
    return shortfall, np.where(bearer, ceiling, 0.0)


def share_costs(
    placed: pd.DataFrame,
    avg: pd.Series,
    params: CostShare,
    floor_rate: pd.Series | None = None,
) -> pd.DataFrame:
    """Cost shares of the placed pairs (one row each, ``SHARE_COLUMNS``).

    Parameters
    ----------
    placed
        ``project_id, parcel_id, park, hightech, land_ha, parcel_area_ha,
        parcel_dev_cost``, one row per placed pair.
    avg
        Park average land cost, 万元/ha (``park_average_cost``).
    params
        Method, cap ratio, shortfall bearer, spread ceiling.
    floor_rate
        Park cost per m² of permitted floor space, 万元/m² (method ``floor`` only).

    Raises
    ------
    LandplanError
        If conservation or the cap fails: that is a bug, and the run must stop.
    """
    out = placed[["project_id", "parcel_id", "park", "hightech", "land_ha"]].copy()
    out["park_avg_cost"] = placed["park"].map(avg).to_numpy(dtype=float)
    base, cap = base_and_cap(placed, avg, params, floor_rate)
    shortfall = np.maximum(base - cap, 0.0)
    share = base - shortfall
    subsidy = np.zeros(len(out))
    spread = np.zeros(len(out))
    deferred = np.zeros(len(out))
    if params.shortfall == "subsidy":
        subsidy = shortfall.copy()
    elif params.shortfall == "deferred":
        deferred = shortfall.copy()
    else:
        spread, unborne = _spread(out, base, shortfall, params)
        share = share + spread
        subsidy = unborne
    out["base_share"] = base
    out["cap"] = cap
    out["share"] = share
    out["subsidy"] = subsidy
    out["spread_burden"] = spread
    out["deferred"] = deferred
    check_identity(out)
    return out[SHARE_COLUMNS].reset_index(drop=True)


def _spread(
    out: pd.DataFrame, base: np.ndarray, shortfall: np.ndarray, params: CostShare
) -> tuple[np.ndarray, np.ndarray]:
    """Non-high-tech pairs of a park bear its shortfall in proportion to base share.

    With ``spread_max_ratio`` r, no bearer's extra exceeds ``r × avg × land``; what
    they cannot bear is filled up among the others (water-filling), and what no
    one can bear is paid by the fund, booked on the high-tech pairs that caused it.
    """
    spread = np.zeros(len(out))
    unborne = np.zeros(len(out))
    parks = out["park"].to_numpy()
    hightech = out["hightech"].to_numpy(dtype=bool)
    ceiling_all = (
        params.spread_max_ratio * out["park_avg_cost"].to_numpy() * out["land_ha"].to_numpy()
        if params.spread_max_ratio is not None
        else np.full(len(out), np.inf)
    )
    for park in np.unique(parks):
        in_park = parks == park
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
