"""The output folder, written whole or not at all (CONTRACT, "Output folder").

Everything is written into a hidden sibling folder first; only when every file is
complete does it replace the target. A run that fails or is interrupted leaves
the earlier folder as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import yaml

from landplan import __version__
from landplan.allocate import Allocation
from landplan.constants import MU_PER_HA, PLAN_TARGETS
from landplan.inputs import Inputs
from landplan.maps import write_map
from landplan.qgis import write_styles
from landplan.report import write_report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced, before it is written."""

    inputs: Inputs
    allocation: Allocation
    shares: pd.DataFrame
    runtime_s: float


def write_folder(
    out_dir: Path,
    writers: dict[str, Callable[[Path], object]],
    before_commit: Callable[[], object] | None = None,
) -> None:
    """Write ``writers`` (file name -> writer) into ``out_dir`` atomically.

    ``before_commit`` (e.g. the PostGIS transaction) runs once every file is
    written and before the folder is put in place; if it fails, nothing is.
    """
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name, writer in writers.items():
            writer(tmp / name)
        if before_commit is not None:
            before_commit()
        if out_dir.exists():
            out_dir.rename(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not out_dir.exists():
            old.rename(out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
    log.info("wrote %s", out_dir)


def writers(result: RunResult) -> dict[str, Callable[[Path], object]]:
    """The contract's files (maps and report are added by their own stage)."""
    return {
        "allocation.csv": lambda p: allocation_table(result).to_csv(p, index=False),
        "costshare.csv": lambda p: result.shares.to_csv(p, index=False, float_format="%.4f"),
        "costshare_by_park.csv": lambda p: costshare_by_park(result).to_csv(
            p, index=False, float_format="%.4f"
        ),
        "allocation.gpkg": lambda p: write_gpkg(result, p),
        "summary.json": lambda p: p.write_text(
            json.dumps(summary(result), ensure_ascii=False, indent=2), encoding="utf-8"
        ),
        "scenario.resolved.yaml": lambda p: p.write_text(
            yaml.safe_dump(resolved(result), allow_unicode=True, sort_keys=False), encoding="utf-8"
        ),
        # built from the files above, as 'landplan map/report OUT_DIR' rebuild them
        "map.html": lambda p: write_map(p.parent, p),
        "report.html": lambda p: write_report(p.parent, p),
    }


def write_gpkg(result: RunResult, path: Path) -> None:
    """``allocation.gpkg``: layer ``parcels`` (styled for QGIS) and ``constraints``."""
    parcels = parcel_layer(result)
    # GeoPackage 1.2: what the GDAL of desktop QGIS and Debian's gdal-bin read fully
    parcels.to_file(
        path, layer="parcels", driver="GPKG", engine="pyogrio", dataset_options={"VERSION": "1.2"}
    )
    sectors = sorted(set(result.inputs.tables.projects["sector"].astype(str)))
    write_styles(path, sectors, [c for c in parcels.columns if c != "geometry"])
    shapes = []
    for spec in result.inputs.scenario.constraints:
        layer = pyogrio.read_dataframe(spec.path, layer=spec.layer, columns=[])
        layer = layer.to_crs(result.inputs.parcels.crs)
        layer["name"] = spec.name
        layer["rule"] = spec.rule if spec.rule == "exclude" else f"buffer {spec.distance_m:g} m"
        layer["sectors"] = ";".join(spec.sectors)
        shapes.append(layer[["name", "rule", "sectors", "geometry"]])
    if shapes:
        constraints = gpd.GeoDataFrame(pd.concat(shapes, ignore_index=True), geometry="geometry")
        constraints.to_file(path, layer="constraints", driver="GPKG", engine="pyogrio")


def allocation_table(result: RunResult) -> pd.DataFrame:
    """One row per project: where it goes or why not, with its figures."""
    projects = result.inputs.tables.projects
    table = result.allocation.outcome.merge(
        projects[["project_id", "name", "sector", "hightech", "major", "must_place", "need"]],
        on="project_id",
    )
    placed = result.allocation.placed.set_index("project_id")
    table["land_ha"] = table["project_id"].map(placed["land_ha"]).round(4)
    table["objective_value"] = table["project_id"].map(placed["value"]).round(2)
    return table


def parcel_layer(result: RunResult) -> gpd.GeoDataFrame:
    """Every parcel with its project(s) and cost-share sums.

    ``share_ratio`` is the share borne per ha of land used over the park average
    (1.0 = the park average; a capped high-tech parcel shows ``cap_ratio``).
    """
    parcels = result.inputs.parcels
    projects = result.inputs.tables.projects.set_index("project_id")
    placed = result.allocation.placed.sort_values("project_id")
    shares = result.shares
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
    for column in ("project_ids", "project_names", "sectors", "sector"):
        layer[column] = layer[column].fillna("")
    layer["n_projects"] = layer["n_projects"].fillna(0).astype(int)
    layer["capped"] = layer["capped"].fillna(False).astype(bool)
    for column in ("land_used_ha", "base_share", "share", "subsidy", "spread_burden"):
        layer[column] = layer[column].fillna(0.0)
    layer["share_ratio"] = (
        layer["share"] / (layer["land_used_ha"] * layer["park_avg_cost"])
    ).where(layer["land_used_ha"] > 0)
    return gpd.GeoDataFrame(layer, geometry="geometry", crs=parcels.crs)


def costshare_by_park(result: RunResult) -> pd.DataFrame:
    """Per park and in total: base shares, shares borne, subsidy, spread, deferred.

    The last row (``park`` = ``total``) carries the budget and the share of it used.
    """
    shares = result.shares
    money = ["base_share", "share", "subsidy", "spread_burden", "deferred"]
    table = shares.groupby("park").agg(
        park_avg_cost=("park_avg_cost", "first"),
        pairs=("project_id", "size"),
        hightech_pairs=("hightech", "sum"),
        land_ha=("land_ha", "sum"),
        **{m: (m, "sum") for m in money},
    )
    table = table.reset_index()
    total = {**table.drop(columns="park").sum(), "park": "total", "park_avg_cost": np.nan}
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    table[["pairs", "hightech_pairs"]] = table[["pairs", "hightech_pairs"]].astype(int)
    budget = result.inputs.scenario.costshare.budget
    table["budget"] = np.where(table["park"] == "total", budget or np.nan, np.nan)
    table["budget_used"] = table["subsidy"] / table["budget"]
    return table


def plan_kpis(placed_projects: pd.DataFrame, land_ha: float) -> dict[str, float | None]:
    """The plan's indicators (DOMAIN.md) over the placed projects."""
    output = float(placed_projects["output"].sum())
    jobs = float(placed_projects["jobs"].sum())

    def ratio(a: float, b: float, scale: float = 1.0) -> float | None:
        return round(a / b * scale, 4) if b > 0 else None

    return {
        "output_per_ha": ratio(output, land_ha),
        "tax_per_mu": ratio(float(placed_projects["tax"].sum()), land_ha * MU_PER_HA),
        "labour_productivity": ratio(output, jobs),
        "rd_intensity": ratio(float(placed_projects["rd_spend"].sum()), output, 100.0),
        "hightech_share": ratio(
            float(placed_projects.loc[placed_projects["hightech"], "output"].sum()), output, 100.0
        ),
    }


def summary(result: RunResult) -> dict[str, Any]:
    """``summary.json``: solver outcome, counts, land, cost-share totals, plan KPIs."""
    alloc = result.allocation
    projects = result.inputs.tables.projects
    placed_ids = set(alloc.placed["project_id"])
    is_placed = projects["project_id"].isin(placed_ids)
    placed_projects = projects[is_placed]
    land = float(alloc.placed["land_ha"].sum())
    parcels = result.inputs.parcels
    kind_of = parcels.set_index("parcel_id")["kind"]
    land_by_kind = alloc.placed.groupby(alloc.placed["parcel_id"].map(kind_of))["land_ha"].sum()
    shares = result.shares
    budget = result.inputs.scenario.costshare.budget
    subsidy = float(shares["subsidy"].sum())
    kpis = plan_kpis(placed_projects, land)

    def count(mask: pd.Series) -> dict[str, int]:
        return {"placed": int((mask & is_placed).sum()), "total": int(mask.sum())}

    by_park = shares.groupby("park")[
        ["base_share", "share", "subsidy", "spread_burden", "deferred"]
    ].sum()
    return {
        "scenario": result.inputs.scenario.name,
        "status": alloc.status,
        "objective": round(alloc.objective, 4),
        "best_bound": round(alloc.bound, 4),
        "gap": None if np.isnan(alloc.gap) else round(alloc.gap, 8),
        "solver": alloc.solver,
        "runtime_s": round(result.runtime_s, 3),
        "solve_s": round(alloc.runtime_s, 3),
        "model": alloc.model_size,
        "components": alloc.components,
        "projects": count(pd.Series(True, index=projects.index)),
        "hightech": count(projects["hightech"]),
        "major": count(projects["major"]),
        "must_place": count(projects["must_place"]),
        "unplaced_reasons": alloc.outcome.loc[alloc.outcome["status"] == "unplaced", "reason"]
        .value_counts()
        .to_dict(),
        "land_used_ha": round(land, 4),
        "land_used_ha_by_kind": {k: round(float(v), 4) for k, v in land_by_kind.items()},
        "costshare": {
            "method": result.inputs.scenario.costshare.method,
            "cap_ratio": result.inputs.scenario.costshare.cap_ratio,
            "shortfall": result.inputs.scenario.costshare.shortfall,
            "base_share": round(float(shares["base_share"].sum()), 4),
            "share": round(float(shares["share"].sum()), 4),
            "subsidy": round(subsidy, 4),
            "spread_burden": round(float(shares["spread_burden"].sum()), 4),
            "deferred": round(float(shares["deferred"].sum()), 4),
            "budget": budget,
            "budget_used": None if not budget else round(subsidy / budget, 6),
            "by_park": {
                str(k): {c: round(float(v), 4) for c, v in row.items()}
                for k, row in by_park.iterrows()
            },
        },
        "kpis": kpis,
        "sector_labels": dict(result.inputs.tables.sector_labels),
        "targets_2025": {
            key: {"label": label, "unit": unit, "2020": base, "2025": target, "plan": kpis.get(key)}
            for key, (label, unit, base, target) in PLAN_TARGETS.items()
        },
    }


def resolved(result: RunResult) -> dict[str, Any]:
    """The scenario as run: defaults filled in, every input file hashed."""
    scenario = result.inputs.scenario
    data = scenario.to_dict()
    files: set[Path] = {scenario.file, scenario.projects, scenario.zoning}
    if scenario.parks:
        files.add(scenario.parks)
    tables = []
    for spec in scenario.layers:
        if spec.url is not None:
            tables.append(spec.source)
        if spec.path is not None:
            files.add(spec.path)
            if spec.path.suffix.lower() == ".shp":
                files.add(spec.path.with_suffix(".dbf"))
    files |= {c.path for c in scenario.constraints}
    data["inputs_sha256"] = {str(f): _sha256(f) for f in sorted(files) if f.is_file()}
    if tables:  # database layers: the parcels as read, hashed in a stable order
        read = result.inputs.parcels
        names = [s.table or "sql" for s in scenario.layers if s.url is not None]
        mine = read[read["layer"].isin(names)]
        digest = pd.util.hash_pandas_object(
            mine.drop(columns="geometry").assign(wkb=mine.geometry.to_wkb()), index=False
        )
        data["inputs_sha256"]["postgis: " + "; ".join(tables)] = hashlib.sha256(
            digest.to_numpy().tobytes()
        ).hexdigest()
    data["landplan_version"] = __version__
    data["run_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return data


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
