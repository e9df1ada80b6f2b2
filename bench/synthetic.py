"""Synthetic districts of any size, built in memory (for benchmarks)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landplan.costshare import park_average_cost, park_floor_rate
from landplan.inputs import Inputs
from landplan.scenario import CostShare, Scenario, SolverOptions, TableSpec
from landplan.tables import Tables

CODES = ["M1", "M2", "M3", "M4", "W1", "A35", "B29"]
ZONING = {
    "medicine_health": frozenset({"M1", "M4", "A35"}),
    "next_gen_it": frozenset({"M1", "M4", "B29"}),
    "intelligent_manufacturing": frozenset({"M1", "M2"}),
    "hydrogen": frozenset({"M2", "M3"}),
    "tech_services": frozenset({"B29", "A35", "M4"}),
}


def parcels_frame(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` parcels on a jittered grid near Daxing in EPSG:4548: 8% factories."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    x0 = 440_000 + (i % side) * 260.0
    y0 = 4_380_000 + (i // side) * 260.0
    w = rng.uniform(60, 240, n)
    h = rng.uniform(60, 240, n)
    geoms = shapely.box(x0, y0, x0 + w, y0 + h)
    kind = np.where(
        rng.random(n) < 0.08, "factory", np.where(rng.random(n) < 0.2, "collective", "vacant")
    )
    area = w * h / 10_000
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"J{k:06d}" for k in i],
            "kind": kind,
            "zoning": rng.choice(CODES, n),
            "park": rng.choice([f"park{k}" for k in range(8)], n),
            "area_ha": area,
            "dev_cost": area * rng.lognormal(np.log(2500), 0.3, n),
            "floor_area_m2": np.where(
                kind == "factory", area * 10_000 * rng.uniform(1.5, 3.0, n), np.nan
            ),
            "far": np.nan,
            "supply_modes": np.where(
                kind == "collective", "equity;joint;lease", "flexible;lease;transfer"
            ),
            "status": np.where(rng.random(n) < 0.9, "available", "reserved"),
            "standard_land": rng.random(n) < 0.3,
            "available_year": rng.choice([2024.0, 2025.0, 2026.0, 2027.0], n),
            "layer": "synthetic",
        },
        geometry=geoms,
        crs="EPSG:4548",
    )


def projects_frame(m: int, width: float, seed: int = 2) -> pd.DataFrame:
    """``m`` projects; ``width`` scales how wide their acceptable area ranges are."""
    rng = np.random.default_rng(seed)
    floor = rng.random(m) < 0.25
    target = rng.uniform(0.5, 5.0, m)
    output = np.where(floor, 1.0, target) * rng.lognormal(np.log(10_000), 0.4, m)
    return pd.DataFrame(
        {
            "project_id": [f"P{k:05d}" for k in range(m)],
            "name": "",
            "sector": rng.choice(list(ZONING), m),
            "hightech": rng.random(m) < 0.6,
            "major": rng.random(m) < 0.1,
            "need": np.where(floor, "floor", "land"),
            "area_min_ha": np.where(floor, np.nan, target * (1 - width)),
            "area_max_ha": np.where(floor, np.nan, target * (1 + width)),
            "floor_m2": np.where(floor, rng.uniform(1_000, 8_000, m).round(-2), np.nan),
            "investment": output * 0.9,
            "output": output.round(),
            "tax": (output * 0.06).round(),
            "jobs": (output / 50).round(),
            "rd_spend": (output * 0.03).round(),
            "supply_modes": "",
            "must_place": False,
            "park": "",
            "start_year": rng.choice([2025.0, 2026.0, 2027.0], m),
            "locked_parcel": "",
        }
    )


def inputs(
    n_parcels: int, n_projects: int, width: float, solver: str, budget: float | None
) -> Inputs:
    scenario = Scenario(
        name=f"synthetic-{n_parcels}x{n_projects}",
        file=Path("synthetic.yaml"),
        crs="EPSG:4548",
        layers=(),
        projects=TableSpec(Path()),
        zoning=TableSpec(Path()),
        costshare=CostShare(budget=budget),
        solver=SolverOptions(name=solver, gap=1e-3, time_limit=600, threads=2),  # type: ignore[arg-type]
    )
    tables = Tables(
        projects=projects_frame(n_projects, width),
        zoning=ZONING,
        parks=pd.DataFrame(
            columns=[
                "park",
                "total_dev_cost",
                "developable_area_ha",
                "floor_area_m2",
                "leading_sectors",
            ]
        ),
        sector_labels={},
    )
    parcels = parcels_frame(n_parcels)
    return Inputs(
        scenario=scenario,
        parcels=parcels,
        tables=tables,
        constraints=(),
        near=(),
        park_avg=park_average_cost(parcels, tables.parks),
        floor_rate=park_floor_rate(tables.parks),
    )


def write_scenario(
    folder: Path, n_parcels: int, n_projects: int, width: float, budget: float | None
) -> Path:
    """The same district as files (a GeoPackage, CSV tables, a scenario YAML), so a
    benchmark reads layers as a run does. Parks have leading sectors and the
    objective prices positioning and land, as v2 scenarios do. Returns the YAML."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    parcels = parcels_frame(n_parcels)
    gpkg = folder / "parcels.gpkg"
    gpkg.unlink(missing_ok=True)
    layers = []
    for kind in ("vacant", "collective", "factory"):
        part = parcels[parcels["kind"] == kind].drop(columns=["kind", "area_ha", "layer"])
        if kind != "factory":
            part = part.drop(columns="floor_area_m2")
        part.to_file(gpkg, layer=kind, engine="pyogrio")
        layers.append({"path": "parcels.gpkg", "layer": kind, "kind": kind})
    projects = projects_frame(n_projects, width)
    projects.to_csv(folder / "projects.csv", index=False)
    pd.DataFrame(
        [{"sector": s, "allowed_zoning": ";".join(sorted(z))} for s, z in ZONING.items()]
    ).to_csv(folder / "zoning.csv", index=False)
    sectors = list(ZONING)
    parks = parcels.groupby("park").agg(
        total_dev_cost=("dev_cost", "sum"), developable_area_ha=("area_ha", "sum")
    )
    parks["leading_sectors"] = [
        f"{sectors[k % len(sectors)]};{sectors[(k + 2) % len(sectors)]}" for k in range(len(parks))
    ]
    parks.reset_index().to_csv(folder / "parks.csv", index=False)
    doc = {
        "name": f"synthetic-{n_parcels}x{n_projects}",
        "crs": "EPSG:4548",
        "layers": layers,
        "projects": "projects.csv",
        "zoning": "zoning.csv",
        "parks": "parks.csv",
        "objective": {"positioning": 4000, "land": 1500},
        "costshare": {"budget": budget},
        "solver": {"gap": 0.001, "time_limit": 600, "threads": 2},
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path
