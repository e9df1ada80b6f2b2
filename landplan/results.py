"""A run's result and the tables derived from it (what the output files hold).

Both the output folder and the PostGIS sink write these tables; neither builds
them itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from landplan.allocate import Allocation
from landplan.constants import INDICATOR_UNITS, MU_PER_HA, SUPPLY_MODES, VERSION
from landplan.domain import LAND_KINDS, Rule
from landplan.inputs import Inputs
from landplan.messages import ZH, label
from landplan.scenario import PlanSpec
from landplan.valuation import TERMS, PricedPairs


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced, before it is written.

    Attributes
    ----------
    outcome
        One row per project: where it went or why not (``explain.explain``).
    shares
        The cost shares of the placed pairs (``costshare.share_costs``).
    importance
        Per parcel used, the fall of the objective without it
        (``importance.parcel_importance``), when asked for (``run --importance``).
    policy
        The budget's price and what more of it buys, what placing every project
        would take (``policy.policy_answers``), when asked for.
    """

    inputs: Inputs
    priced: PricedPairs
    allocation: Allocation
    outcome: pd.DataFrame
    shares: pd.DataFrame
    runtime_s: float
    importance: pd.DataFrame | None = None
    policy: dict[str, Any] | None = None


def allocation_table(result: RunResult) -> pd.DataFrame:
    """One row per project: where it goes or why not, with its figures.

    Placed projects carry ``objective_value`` and its terms ``v_<term>`` (they add
    up to it), so a reader sees why the pair was worth placing.
    """
    projects = result.inputs.tables.projects
    table = result.outcome.merge(
        projects[["project_id", "name", "sector", "hightech", "major", "must_place", "need"]],
        on="project_id",
    )
    placed = result.allocation.placed.set_index("project_id")
    # the year the land is handed over: the model's under phasing, else start_year
    year = placed["year"] if "year" in placed else projects.set_index("project_id")["start_year"]
    on = table["status"] == "placed"
    table.insert(2, "year", table["project_id"].map(year).where(on).astype("Int64"))
    table["land_ha"] = table["project_id"].map(placed["land_ha"]).round(4)
    table["objective_value"] = table["project_id"].map(placed["value"]).round(2)
    for term in TERMS:
        table[f"v_{term}"] = table["project_id"].map(placed[f"v_{term}"]).round(2)
    if result.importance is not None:
        by_parcel = result.importance.set_index("parcel_id")
        table["importance"] = table["parcel_id"].map(by_parcel["importance"])
    return table


def parcel_layer(result: RunResult) -> gpd.GeoDataFrame:
    """Every parcel with its project(s) and cost-share sums.

    ``share_ratio`` is the share borne per ha of land used over the park average
    (1.0 = the park average; a capped high-tech parcel shows ``cap_ratio``).
    """
    parcels = result.inputs.parcels
    projects = result.inputs.tables.projects.set_index("project_id")
    placed = on_members(result, result.allocation.placed.sort_values("project_id"), ["land_ha"])
    shares = on_members(result, result.shares, ["base_share", "share", "subsidy", "spread_burden"])
    layer = parcels[["parcel_id", "kind", "zoning", "park", "area_ha", "status", "geometry"]].copy()
    placed = placed.assign(
        name=placed["project_id"].map(projects["name"]),
        sector=placed["project_id"].map(projects["sector"]),
    )
    by_parcel = placed.groupby("parcel_id").agg(
        project_ids=("project_id", ";".join),
        project_names=("name", ";".join),
        sectors=("sector", lambda s: ";".join(dict.fromkeys(s))),
        sector=("sector", "first"),
        n_projects=("project_id", "size"),
        land_used_ha=("land_ha", "sum"),
        site=("site", "first"),
        **(
            {"years": ("year", lambda s: ";".join(str(y) for y in sorted(set(s))))}
            if "year" in placed
            else {}
        ),
    )
    capped = shares["hightech"] & (shares["base_share"] > shares["cap"] + 1e-9)
    money = (
        shares.assign(capped=capped)
        .groupby("parcel_id")
        .agg(
            base_share=("base_share", "sum"),
            share=("share", "sum"),
            subsidy=("subsidy", "sum"),
            spread_burden=("spread_burden", "sum"),
            park_avg_cost=("park_avg_cost", "first"),
            capped=("capped", "any"),
        )
    )
    layer = layer.join(by_parcel, on="parcel_id").join(money, on="parcel_id")
    for column in ("project_ids", "project_names", "sectors", "sector", "site", "years"):
        if column in layer:
            layer[column] = layer[column].astype(object).where(layer[column].notna(), "")
    swaps = swaps_table(result)
    direction = (
        {} if swaps is None else dict(zip(swaps["parcel_id"], swaps["direction"], strict=True))
    )
    layer["swap"] = [direction.get(x, "") for x in layer["parcel_id"]]
    layer["n_projects"] = layer["n_projects"].fillna(0).astype(int)
    layer["capped"] = layer["capped"].fillna(False).astype(bool)
    for column in ("land_used_ha", "base_share", "share", "subsidy", "spread_burden"):
        layer[column] = layer[column].fillna(0.0)
    layer["share_ratio"] = (
        layer["share"] / (layer["land_used_ha"] * layer["park_avg_cost"])
    ).where(layer["land_used_ha"] > 0)
    if result.importance is not None:
        # a parcel the plan does not use loses it nothing: importance 0
        worth = result.importance.set_index("parcel_id")
        # a merged site's members carry the site's importance
        place = layer["site"].where(layer["site"] != "", layer["parcel_id"])
        status = place.map(worth["status"]).fillna("")
        for column in ("importance", "importance_pct"):
            layer[column] = place.map(worth[column]).where(status != "", 0.0)
        # where the loss is an interval, its lower end (the upper is ``importance``)
        layer["importance_low"] = place.map(worth["importance_low"]).where(status == "interval")
        layer["withhold"] = status
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=parcels.crs)


def on_members(result: RunResult, frame: pd.DataFrame, shared: list[str]) -> pd.DataFrame:
    """``frame`` (rows with a ``parcel_id``) with each row on a merged site repeated for
    every member parcel, its ``shared`` columns split by the members' area; column
    ``site`` names the merged site ("" for a row on a parcel)."""
    places = result.priced.context.places
    table = places.table
    position = pd.Series(np.arange(len(table)), index=table["parcel_id"].to_numpy())
    j = frame["parcel_id"].map(position).to_numpy(dtype=np.int64)
    used = places.cover[j].tocoo()
    area = table["area_ha"].to_numpy(dtype=float)
    out = frame.iloc[used.row].reset_index(drop=True)
    on_site = j[used.row] >= places.n_parcels
    out["site"] = np.where(on_site, out["parcel_id"], "")
    out["parcel_id"] = table["parcel_id"].to_numpy()[used.col]
    share = np.where(on_site, area[used.col] / area[j[used.row]], 1.0)
    for column in shared:
        out[column] = out[column].to_numpy(dtype=float) * share
    spread: pd.DataFrame = out
    return spread


def used_parcels(result: RunResult) -> np.ndarray:
    """The parcels (row positions) the plan uses, merged sites' members included."""
    places = result.priced.context.places
    j = result.priced.pairs["parcel"].to_numpy()[result.allocation.chosen]
    found: np.ndarray = np.unique(places.cover[j].indices)
    return found


def swaps_table(result: RunResult) -> pd.DataFrame | None:
    """``swaps.csv`` under ``consolidation.swap``: each parcel the plan returns
    (``out``, freeing ``quota_ha`` = ratio × area) and each parcel lacking quota it
    uses (``in``, taking its area); columns ``parcel_id, direction, area_ha, scope,
    park, quota_ha``, by scope, outs first."""
    places = result.priced.context.places
    swap = places.spec.swap
    if swap is None:
        return None
    parcels = result.inputs.parcels
    ids = parcels["parcel_id"].to_numpy()
    out = np.flatnonzero(np.isin(ids, result.allocation.returned))
    used = used_parcels(result)
    activated = used[places.needs_quota[used]]
    area = parcels["area_ha"].to_numpy(dtype=float)
    rows = np.concatenate([out, activated])
    table = pd.DataFrame(
        {
            "parcel_id": ids[rows],
            "direction": ["out"] * len(out) + ["in"] * len(activated),
            "area_ha": area[rows].round(4),
            "scope": places.scope[rows].astype(str),
            "park": parcels["park"].to_numpy()[rows],
            "quota_ha": np.concatenate([swap.ratio * area[out], area[activated]]).round(4),
        }
    )
    ordered: pd.DataFrame = table.sort_values(
        ["scope", "direction", "parcel_id"], ascending=[True, False, True]
    )
    return ordered


def quota_balance(swaps: pd.DataFrame | None) -> pd.DataFrame:
    """Per quota scope of ``swaps`` (``swaps_table``): quota freed by returns, used by
    parcels lacking it, and left (never negative)."""
    if swaps is None or not len(swaps):
        return pd.DataFrame(columns=["scope", "returned_ha", "freed_ha", "used_ha", "left_ha"])
    by = swaps.pivot_table(
        index="scope", columns="direction", values=["area_ha", "quota_ha"], aggfunc="sum"
    ).fillna(0.0)

    def column(value: str, direction: str) -> pd.Series:
        if (value, direction) in by.columns:
            found: pd.Series = by[(value, direction)]
            return found
        return pd.Series(0.0, index=by.index)

    table = pd.DataFrame(
        {
            "returned_ha": column("area_ha", "out"),
            "freed_ha": column("quota_ha", "out"),
            "used_ha": column("quota_ha", "in"),
        }
    )
    table["left_ha"] = table["freed_ha"] - table["used_ha"]
    return table.round(4).reset_index()


def _consolidation_summary(result: RunResult) -> dict[str, Any] | None:
    """summary.json's ``consolidation``: merged sites offered and used, swaps, quota."""
    places = result.priced.context.places
    spec = places.spec
    if spec.merge is None and spec.swap is None:
        return None
    placed = result.allocation.placed
    on_sites = placed[placed["parcel"].to_numpy() >= places.n_parcels]
    swaps = swaps_table(result)

    def moved(direction: str) -> dict[str, Any]:
        if swaps is None:
            return {"parcels": 0, "ha": 0.0}
        area = swaps.loc[swaps["direction"] == direction, "area_ha"]
        return {"parcels": len(area), "ha": round(float(area.sum()), 4)}

    return {
        "merged_sites_offered": places.n_sites,
        "placed_on_merged_sites": {
            str(p): str(j)
            for p, j in zip(on_sites["project_id"], on_sites["parcel_id"], strict=True)
        },
        "returned": moved("out"),
        "activated": moved("in"),
        "quota": {
            str(row["scope"]): {k: float(v) for k, v in row.items() if k != "scope"}
            for row in quota_balance(swaps).to_dict("records")
        },
    }


def supply_plan(result: RunResult) -> pd.DataFrame | None:
    """``supply_plan.csv`` under ``phasing`` (年度供地计划): one row per placed pair,
    ``year, park, parcel_id, project_id, supply_mode, land_ha, subsidy``, with
    ``kind``, ``start_year`` and ``delay`` (years after start_year), by year and park.

    ``supply_mode`` is the first of the modes the project accepts and the parcel
    offers, in ``SUPPLY_MODES`` order; ``subsidy`` is what the fund pays for the
    pair (costshare.csv). Only land kinds count towards ``phasing.land_ha``.
    ``supply_mode_zh`` and ``kind_zh`` say mode and kind in Chinese."""
    if result.inputs.scenario.phasing is None:
        return None
    placed = result.allocation.placed
    projects = result.inputs.tables.projects.set_index("project_id")
    places = result.priced.parcels.set_index("parcel_id")
    wanted = projects.loc[placed["project_id"], "supply_modes"].to_numpy()
    offered = places.loc[placed["parcel_id"], "supply_modes"].to_numpy()
    start = projects.loc[placed["project_id"], "start_year"].to_numpy(dtype=float)
    subsidy = result.shares.set_index("project_id")["subsidy"]
    table = pd.DataFrame(
        {
            "year": placed["year"].to_numpy(),
            "park": placed["park"].to_numpy(),
            "parcel_id": placed["parcel_id"].to_numpy(),
            "project_id": placed["project_id"].to_numpy(),
            "supply_mode": [_first_mode(w, o) for w, o in zip(wanted, offered, strict=True)],
            "land_ha": placed["land_ha"].to_numpy().round(4),
            "subsidy": placed["project_id"].map(subsidy).to_numpy().round(4),
            "kind": placed["kind"].to_numpy(),
            "start_year": pd.array(start, dtype="Int64"),
        }
    )
    table["delay"] = table["year"] - table["start_year"].fillna(table["year"])
    table["supply_mode_zh"] = [label(f"mode.{m}", ZH, default=m) for m in table["supply_mode"]]
    table["kind_zh"] = [label(f"kind.{k}", ZH) for k in table["kind"]]
    ordered: pd.DataFrame = table.sort_values(["year", "park", "parcel_id"]).reset_index(drop=True)
    return ordered


def _first_mode(wanted: str, offered: str) -> str:
    """The first mode (``SUPPLY_MODES`` order) both accept; empty ``wanted``: any."""
    want = set(wanted.split(";")) - {""}
    offer = set(offered.split(";")) - {""}
    both = [m for m in SUPPLY_MODES if m in offer and (not want or m in want)]
    return both[0] if both else ""


def phasing_table(result: RunResult, plan: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Per year (``park`` = ``total``) and per park in it: projects started, of them
    started late, land handed over (land kinds, ha) against its cap, subsidy paid
    against the year's budget (总量 rows only); NaN where no cap is set."""
    phasing = result.inputs.scenario.phasing
    plan = supply_plan(result) if plan is None else plan
    if phasing is None or plan is None:
        return None
    land = plan["land_ha"].where(plan["kind"].isin(LAND_KINDS), 0.0)
    plan = plan.assign(land_ha=land, late=plan["delay"] > 0)
    caps = {(park or "total", t): ha for park, t, ha in phasing.land_caps()}
    parks = sorted(set(plan["park"]) | {p for p, _ in caps if p != "total"})
    rows = []
    for t in phasing.span:
        in_year = plan[plan["year"] == t]
        for park in ["total", *parks]:
            part = in_year if park == "total" else in_year[in_year["park"] == park]
            if park != "total" and not len(part) and (park, t) not in caps:
                continue
            rows.append(
                {
                    "year": t,
                    "park": park,
                    "projects": len(part),
                    "late": int(part["late"].sum()),
                    "land_ha": round(float(part["land_ha"].sum()), 4),
                    "land_cap_ha": caps.get((park, t), np.nan),
                    "subsidy": round(float(part["subsidy"].sum()), 4),
                    "budget": (phasing.budget or {}).get(t, np.nan) if park == "total" else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _phasing_summary(result: RunResult) -> dict[str, Any] | None:
    """summary.json's ``phasing``: the years, and per year the district's figures."""
    table = phasing_table(result)
    if table is None:
        return None
    phasing = result.inputs.scenario.phasing
    assert phasing is not None
    total = table[table["park"] == "total"]
    return {
        "years": list(phasing.years),
        "max_delay": phasing.max_delay,
        "delay_weight": phasing.delay_weight,
        "late_projects": int(total["late"].sum()),
        "by_year": {
            str(row["year"]): {
                k: (None if isinstance(v, float) and np.isnan(v) else v)
                for k, v in row.items()
                if k not in ("year", "park")
            }
            for row in total.to_dict("records")
        },
    }


def constraint_layer(result: RunResult) -> gpd.GeoDataFrame | None:
    """The scenario's spatial rules as one layer (``name, rule, sectors``), or None."""
    shapes = []
    for layer in result.inputs.constraints:
        spec = layer.spec
        rule = spec.rule.value if spec.rule == Rule.EXCLUDE else f"buffer {spec.distance_m:g} m"
        shapes.append(
            gpd.GeoDataFrame(
                {"name": spec.name, "rule": rule, "sectors": ";".join(spec.sectors)},
                geometry=layer.shapes.to_numpy(),
                index=range(len(layer.shapes)),
                crs=result.inputs.parcels.crs,
            )
        )
    if not shapes:
        return None
    return gpd.GeoDataFrame(pd.concat(shapes, ignore_index=True), geometry="geometry")


def costshare_by_park(result: RunResult) -> pd.DataFrame:
    """Per park and in total: base shares, shares borne, subsidy, spread, deferred;
    under ``shortfall: spread`` the land of the users who bear it (``bearers_mu``) and
    what they bear per 亩 (``burden_per_mu``, 万元/亩).

    The last row (``park`` = ``total``) carries the budget and the share of it used.
    """
    shares = result.shares.assign(
        bearers_mu=lambda t: t["land_ha"].where(t["spread_burden"] > 0, 0.0) * MU_PER_HA
    )
    money = ["base_share", "share", "subsidy", "spread_burden", "deferred"]
    table = shares.groupby("park").agg(
        park_avg_cost=("park_avg_cost", "first"),
        pairs=("project_id", "size"),
        hightech_pairs=("hightech", "sum"),
        land_ha=("land_ha", "sum"),
        **{m: (m, "sum") for m in money},
        bearers_mu=("bearers_mu", "sum"),
    )
    table = table.reset_index()
    total = {**table.drop(columns="park").sum(), "park": "total", "park_avg_cost": np.nan}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table[["pairs", "hightech_pairs"]] = table[["pairs", "hightech_pairs"]].astype(int)
    budget = result.inputs.scenario.costshare.budget
    table["budget"] = np.where(table["park"] == "total", budget or np.nan, np.nan)
    table["budget_used"] = table["subsidy"] / table["budget"]
    table["burden_per_mu"] = table["spread_burden"] / table["bearers_mu"].where(
        table["bearers_mu"] > 0
    )
    return table


def plan_kpis(placed_projects: pd.DataFrame, land_ha: float) -> dict[str, float | None]:
    """The plan's indicators over the placed projects, each a ratio in its own unit:
    output per ha (万元/ha), tax per mu (万元/亩), labour productivity (万元/person),
    R&D intensity and high-tech output share (fractions). The keys are those of
    ``constants.INDICATOR_UNITS`` and of the targets a scenario imposes (``Target``)."""
    output = float(placed_projects["output"].sum())

    def ratio(a: float, b: float, digits: int = 4) -> float | None:
        return round(a / b, digits) if b > 0 else None

    hightech = float(placed_projects.loc[placed_projects["hightech"], "output"].sum())
    return {
        "output_per_ha": ratio(output, land_ha),
        "tax_per_mu": ratio(float(placed_projects["tax"].sum()), land_ha * MU_PER_HA),
        "labour_productivity": ratio(output, float(placed_projects["jobs"].sum())),
        "rd_intensity": ratio(float(placed_projects["rd_spend"].sum()), output, 6),
        "hightech_output_share": ratio(hightech, output, 6),
    }


def park_table(result: RunResult) -> pd.DataFrame:
    """Per park: its leading sectors, what was placed there, land, output per ha, 亩均 tax.

    Columns: ``park, leading_sectors, placed, placed_leading, land_ha, output,
    tax, output_per_ha, tax_per_mu``; one row per park with land to allocate or a
    placed pair, sorted by park.
    """
    placed = result.allocation.placed
    projects = result.inputs.tables.projects.set_index("project_id")
    leading = dict(
        zip(
            result.inputs.tables.parks["park"],
            result.inputs.tables.parks["leading_sectors"],
            strict=True,
        )
    )
    parks = sorted(set(result.inputs.parcels["park"]))
    frame = placed.assign(
        output=placed["project_id"].map(projects["output"]).to_numpy(dtype=float),
        tax=placed["project_id"].map(projects["tax"]).to_numpy(dtype=float),
    )
    grouped = frame.groupby("park").agg(
        placed=("project_id", "size"),
        placed_leading=("leading", "sum"),
        land_ha=("land_ha", "sum"),
        output=("output", "sum"),
        tax=("tax", "sum"),
    )
    table = grouped.reindex(parks, fill_value=0).reset_index(names="park")
    table["leading_sectors"] = [";".join(leading.get(p, ()) or ()) for p in table["park"]]
    land = table["land_ha"].where(table["land_ha"] > 0)
    table["output_per_ha"] = table["output"] / land
    table["tax_per_mu"] = table["tax"] / (land * MU_PER_HA)
    table[["placed", "placed_leading"]] = table[["placed", "placed_leading"]].astype(int)
    columns = ["park", "leading_sectors", "placed", "placed_leading", "land_ha", "output", "tax"]
    return table[[*columns, "output_per_ha", "tax_per_mu"]]


def summary(result: RunResult) -> dict[str, Any]:
    """``summary.json``: solver outcome, counts, land, cost-share totals, plan KPIs."""
    alloc = result.allocation
    projects = result.inputs.tables.projects
    is_placed = projects["project_id"].isin(set(alloc.placed["project_id"]))
    placed_projects = projects[is_placed]
    land = float(alloc.placed["land_ha"].sum())
    land_by_kind = alloc.placed.groupby("kind")["land_ha"].sum()
    shares = result.shares
    params = result.inputs.scenario.costshare
    subsidy = float(shares["subsidy"].sum())
    kpis = plan_kpis(placed_projects, land)
    outcome = result.outcome

    def count(mask: pd.Series) -> dict[str, int]:
        return {"placed": int((mask & is_placed).sum()), "total": int(mask.sum())}

    parks = costshare_by_park(result).set_index("park").drop(index="total")
    money = ["base_share", "share", "subsidy", "spread_burden", "deferred"]
    by_park = parks[[*money, "bearers_mu", "burden_per_mu"]]
    bearers = float(parks["bearers_mu"].sum())
    return {
        "scenario": result.inputs.scenario.name,
        "status": alloc.status.value,
        "objective": round(alloc.objective, 4),
        "best_bound": round(alloc.bound, 4),
        "gap": None if np.isnan(alloc.gap) else round(alloc.gap, 8),
        "solver": alloc.solver,
        "runtime_s": round(result.runtime_s, 3),
        "solve_s": round(alloc.runtime_s, 3),
        "model": alloc.model_size,
        "components": alloc.components,
        "pricing": None
        if alloc.pricing is None
        else {
            "pairs": alloc.pricing.pairs,
            "kept": alloc.pricing.kept,
            "rounds": alloc.pricing.rounds,
            "closing_added": alloc.pricing.closing_added,
            "full_lp_bound": round(alloc.pricing.lp_bound, 4),
        },
        "projects": count(pd.Series(True, index=projects.index)),
        "hightech": count(projects["hightech"]),
        "major": count(projects["major"]),
        "must_place": count(projects["must_place"]),
        "unplaced_reasons": outcome.loc[outcome["status"] == "unplaced", "reason"]
        .value_counts()
        .to_dict(),
        "land_used_ha": round(land, 4),
        "land_used_ha_by_kind": {str(k): round(float(v), 4) for k, v in land_by_kind.items()},
        "costshare": {
            "method": params.method.value,
            "cap_ratio": params.cap_ratio,
            "shortfall": params.shortfall.value,
            "base_share": round(float(shares["base_share"].sum()), 4),
            "share": round(float(shares["share"].sum()), 4),
            "subsidy": round(subsidy, 4),
            "spread_burden": round(float(shares["spread_burden"].sum()), 4),
            "deferred": round(float(shares["deferred"].sum()), 4),
            "budget": params.budget,
            "budget_used": None if not params.budget else round(subsidy / params.budget, 6),
            "bearers_mu": round(bearers, 4),
            "burden_per_mu": round(float(shares["spread_burden"].sum()) / bearers, 4)
            if bearers > 0
            else None,
            "by_park": {
                str(k): {c: _rounded(v, 4) for c, v in row.items()} for k, row in by_park.iterrows()
            },
        },
        "kpis": kpis,
        "positioning": _positioning(result),
        "parks": {
            str(row["park"]): {
                "leading_sectors": row["leading_sectors"],
                "placed": int(row["placed"]),
                "placed_leading": int(row["placed_leading"]),
                "land_ha": _rounded(row["land_ha"], 4),
                "output_per_ha": _rounded(row["output_per_ha"], 2),
                "tax_per_mu": _rounded(row["tax_per_mu"], 4),
            }
            for row in park_table(result).to_dict("records")
        },
        "importance": None
        if result.importance is None
        else {
            "parcels": len(result.importance),
            "cannot_withhold": int((result.importance["status"] == "infeasible").sum()),
            "intervals": int((result.importance["status"] == "interval").sum()),
            "total": round(float(result.importance["importance"].sum()), 4),
        },
        "priority": {
            "rule": result.inputs.scenario.objective.priority.value,
            "most_hightech": alloc.hightech_first,
        },
        "targets": {
            target.value: {"level": level, "plan": kpis[target.value]}
            for target, level in result.inputs.scenario.targets.items()
        },
        "evaluation": _evaluation_summary(result),
        "consolidation": _consolidation_summary(result),
        "phasing": _phasing_summary(result),
        "sector_labels": dict(result.inputs.tables.sector_labels),
        "plan": _plan_header(result),
        "policy": result.policy,
        "plan_targets": plan_targets(result.inputs.scenario.plan, kpis),
    }


def _positioning(result: RunResult) -> dict[str, Any]:
    """summary.json's ``positioning``: how many placed projects sit in a park whose
    leading sectors include theirs (all, high-tech, the others), in their preferred
    park, and in the park with the lowest average land cost (where the high-tech cap
    costs the fund least, so a plan drifts there)."""
    placed = result.allocation.placed
    hightech = placed["hightech"].to_numpy(dtype=bool)
    leading = placed["leading"].to_numpy(dtype=bool)
    average = result.inputs.park_avg.dropna()
    cheapest = str(average.idxmin()) if len(average) else None

    def share(mask: np.ndarray) -> float | None:
        return round(float(leading[mask].mean()), 4) if mask.any() else None

    return {
        "placed_in_leading_park": int(leading.sum()),
        "share": share(np.ones(len(placed), dtype=bool)),
        "placed_in_preferred_park": int(placed["preferred"].sum()),
        "hightech_placed": int(hightech.sum()),
        "hightech_in_leading_park": int((leading & hightech).sum()),
        "hightech_share": share(hightech),
        "others_share": share(~hightech),
        "cheapest_park": cheapest,
        "hightech_in_cheapest_park": int((hightech & (placed["park"] == cheapest)).sum()),
    }


def _plan_header(result: RunResult) -> dict[str, Any]:
    """summary.json's ``plan``: the title, issuing unit and years the pages head with."""
    plan = result.inputs.scenario.plan
    return {
        "title": plan.title or result.inputs.scenario.name,
        "issuer": plan.issuer,
        "baseline_year": plan.baseline_year,
        "target_year": plan.target_year,
    }


def plan_targets(plan: PlanSpec, kpis: dict[str, float | None]) -> dict[str, dict[str, Any]]:
    """summary.json's ``plan_targets``: each indicator of the plan's table with its unit,
    baseline, target, this plan's figure (``kpis``) and whether the plan meets it."""
    rows = {}
    for key, row in plan.indicators.items():
        value = kpis.get(key)
        met = None if value is None or row.target is None else bool(value >= row.target)
        rows[key] = {
            "unit": INDICATOR_UNITS[key],
            "baseline": row.baseline,
            "target": row.target,
            "plan": value,
            "met": met,
        }
    return rows


def evaluation_table(result: RunResult) -> pd.DataFrame | None:
    """``evaluation.csv``: one row per firm, its indicators, score and tier; with
    renewal, ``recovered`` and the project placed on its land (``for_project``)."""
    evaluation = result.priced.evaluation
    if evaluation is None:
        return None
    table = evaluation.firms.copy()
    if evaluation.renewal is not None:
        taken = result.allocation.placed.groupby("parcel_id")["project_id"].agg(";".join)
        offered = set(evaluation.supply["parcel_id"])
        table["offered"] = table["parcel_id"].isin(offered)
        table["for_project"] = table["parcel_id"].map(taken).where(table["offered"], "")
        table["for_project"] = table["for_project"].fillna("")
        table["recovered"] = table["for_project"] != ""
    return table


def renewal_table(result: RunResult) -> pd.DataFrame:
    """The renewal land the plan recovers: per parcel its firms, what recovering it
    costs and loses, and the project it goes to with that project's figures.

    Columns: ``parcel_id, park, area_ha, firms, firm_names, tier, project_id, name,
    cost, lost_output, lost_tax, output, tax`` (万元 a year; cost once).
    """
    columns = [
        "parcel_id",
        "park",
        "area_ha",
        "firms",
        "firm_names",
        "tier",
        "project_id",
        "name",
        "cost",
        "lost_output",
        "lost_tax",
        "output",
        "tax",
    ]
    evaluation = result.priced.evaluation
    if evaluation is None or evaluation.renewal is None:
        return pd.DataFrame(columns=columns)
    placed = result.allocation.placed[["parcel_id", "project_id"]]
    table = evaluation.supply.merge(placed, on="parcel_id")
    projects = result.inputs.tables.projects.set_index("project_id")
    names = evaluation.firms.groupby("parcel_id")["firm"].agg("、".join)
    table["firm_names"] = table["parcel_id"].map(names)
    table["tier"] = table["worst"]
    for column in ("name", "output", "tax"):
        table[column] = table["project_id"].map(projects[column])
    return table[columns].sort_values(["park", "parcel_id"]).reset_index(drop=True)


def yield_change(result: RunResult, recovered: pd.DataFrame) -> pd.DataFrame:
    """Per park, 亩均 output and tax of its land in use, before and after the plan's
    renewal (``recovered``: ``renewal_table``): recovered firms leave, the new
    projects on their land come in.

    Columns: ``park, firms, land_mu, output_per_mu, tax_per_mu, recovered_mu,
    output_per_mu_after, tax_per_mu_after`` (万元/亩).
    """
    evaluation = result.priced.evaluation
    if evaluation is None:
        return pd.DataFrame()
    firms = evaluation.firms
    gone = firms["parcel_id"].isin(set(recovered["parcel_id"]))
    before = firms.groupby("park").agg(
        firms=("firm", "size"),
        land_mu=("land_mu", "sum"),
        output=("output", "sum"),
        tax=("tax", "sum"),
    )
    lost = firms[gone].groupby("park")[["land_mu", "output", "tax"]].sum()
    new = recovered.assign(land_mu=recovered["area_ha"] * MU_PER_HA).groupby("park")[
        ["land_mu", "output", "tax"]
    ]
    gained = new.sum().astype(float)
    after = before[["land_mu", "output", "tax"]].sub(lost, fill_value=0).add(gained, fill_value=0)
    table = pd.DataFrame(
        {
            "firms": before["firms"],
            "land_mu": before["land_mu"],
            "output_per_mu": before["output"] / before["land_mu"],
            "tax_per_mu": before["tax"] / before["land_mu"],
            "recovered_mu": lost["land_mu"].reindex(before.index, fill_value=0.0),
            "output_per_mu_after": after["output"] / after["land_mu"],
            "tax_per_mu_after": after["tax"] / after["land_mu"],
        }
    )
    return table.reset_index(names="park")


def _evaluation_summary(result: RunResult) -> dict[str, Any] | None:
    """summary.json's ``evaluation``: tiers, benchmarks and the renewal it made."""
    evaluation = result.priced.evaluation
    if evaluation is None:
        return None
    firms, parcels = evaluation.firms, evaluation.parcels
    recovered = renewal_table(result)
    tiers = firms.groupby("tier").agg(firms=("firm", "size"), land_ha=("land_ha", "sum"))
    out: dict[str, Any] = {
        "firms": len(firms),
        "parcels": len(parcels),
        "benchmarks": {k: round(v, 6) for k, v in evaluation.benchmarks.items()},
        "tiers": {
            str(t): {"firms": int(row["firms"]), "land_ha": round(float(row["land_ha"]), 4)}
            for t, row in tiers.iterrows()
        },
        "renewal": None,
    }
    if evaluation.renewal is not None:
        supply = evaluation.supply
        out["renewal"] = {
            "tiers": list(evaluation.renewal.tiers),
            "offered_parcels": len(supply),
            "offered_ha": round(float(supply["area_ha"].sum()), 4),
            "recovered_parcels": len(recovered),
            "recovered_ha": round(float(recovered["area_ha"].sum()), 4),
            "recovered_firms": int(recovered["firms"].sum()),
            "cost": round(float(recovered["cost"].sum()), 4),
            "lost_output": round(float(recovered["lost_output"].sum()), 4),
            "lost_tax": round(float(recovered["lost_tax"].sum()), 4),
            "new_output": round(float(recovered["output"].sum()), 4),
            "new_tax": round(float(recovered["tax"].sum()), 4),
            "recovered": [
                {k: (_rounded(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
                for row in recovered.to_dict("records")
            ],
            "by_park": {
                str(row["park"]): {
                    k: _rounded(v, 4) for k, v in row.items() if k not in ("park", "firms")
                }
                for row in yield_change(result, recovered).to_dict("records")
            },
        }
    return out


def _rounded(value: Any, digits: int) -> float | None:
    """A number for JSON: rounded, None where missing."""
    number = float(value)
    return None if np.isnan(number) else round(number, digits)


def resolved(result: RunResult) -> dict[str, Any]:
    """The scenario as run: defaults filled in, every input file hashed."""
    scenario = result.inputs.scenario
    data = scenario.to_dict()
    data["inputs_sha256"] = {str(f): _sha256(f) for f in scenario.files() if f.is_file()}
    tables = [spec.source for spec in scenario.layers if spec.url is not None]
    if tables:  # database layers: the parcels as read, hashed in a stable order
        read = result.inputs.parcels
        names = [s.name for s in scenario.layers if s.url is not None]
        mine = read[read["layer"].isin(names)]
        digest = pd.util.hash_pandas_object(
            mine.drop(columns="geometry").assign(wkb=mine.geometry.to_wkb()), index=False
        )
        data["inputs_sha256"]["postgis: " + "; ".join(tables)] = hashlib.sha256(
            digest.to_numpy().tobytes()
        ).hexdigest()
    data["landplan_version"] = VERSION
    data["run_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
