"""Random small scenarios written to disk, for end-to-end checks against the oracle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

from landplan.inputs import load_inputs
from landplan.scenario import Scenario
from tests.conftest import X0, Y0, Builder, land_row, plot, project_row
from tests.oracle import brute_force, eligible

# Objective weights: a pair is worth its output less the subsidy it draws
OUTPUT_LESS_SUBSIDY = {"output": 1, "tax": 0, "jobs": 0, "hightech": 0, "major": 0, "subsidy": 1}
# With ``location=True``: park average costs (万元/ha) and the station layer's entry
PARK_AVG = {"A": 1000.0, "B": 2000.0}
NEAR_ENTRY = {
    "layer": {"path": "parcels.gpkg", "layer": "stations"},
    "sectors": ["bio"],
    "within_m": 3000,
    "weight": 400,
}


def random_scenario(
    rng: np.random.Generator, make_scenario: Builder, *, location: bool = False
) -> Path:
    """3–6 projects on 4–8 plots and 0–2 factories, all in park A.

    ``location=True`` spreads the plots over parks A and B (``parks.csv`` with
    leading sectors), gives projects preferred parks and maybe a promised
    parcel, adds a station layer with a ``near`` entry, and draws the location
    weights, an output-per-ha target and the priority rule.
    """
    land, factories = [], []
    for i in range(int(rng.integers(4, 9))):
        w = float(rng.choice([60, 100, 140, 180]))
        land.append(
            land_row(
                f"L{i}",
                i,
                zoning=str(rng.choice(["M1", "M4", "B29"])),
                geometry=plot(i, w, 100),
                status=str(rng.choice(["available"] * 5 + ["reserved"])),
                supply_modes=str(rng.choice(["", "transfer", "lease", "flexible;lease"])),
                available_year=int(rng.choice([2024, 2026, 2028])),
                dev_cost=float(rng.integers(500, 3000)),
                park=str(rng.choice(["A", "B"])) if location else "A",
            )
        )
    for i in range(int(rng.integers(0, 3))):
        factories.append(
            land_row(
                f"F{i}",
                20 + i,
                zoning=str(rng.choice(["M1", "M4"])),
                floor_area_m2=float(rng.integers(2, 9) * 1000),
                supply_modes="lease;split_sale",
            )
        )
    projects = []
    for k in range(int(rng.integers(3, 7))):
        floor = bool(factories) and rng.random() < 0.3
        lo = float(rng.choice([0.4, 0.8, 1.2]))
        projects.append(
            project_row(
                f"P{k}",
                sector=str(rng.choice(["bio", "it"])),
                need="floor" if floor else "land",
                area_min_ha="" if floor else lo,
                area_max_ha="" if floor else lo + float(rng.choice([0.3, 1.0])),
                floor_m2=float(rng.integers(1, 5) * 1000) if floor else "",
                hightech=str(rng.random() < 0.6).lower(),
                output=int(rng.integers(100, 5000)),
                supply_modes=str(rng.choice(["", "", "transfer", "lease"])),
                start_year=int(rng.choice([2025, 2027])),
                investment=int(rng.integers(100, 3000)),
                park=str(rng.choice(["", "A", "B"])) if location else "",
            )
        )
    if location and rng.random() < 0.5:
        promised = land[int(rng.integers(len(land)))]["parcel_id"]
        projects[int(rng.integers(len(projects)))]["locked_parcel"] = promised
    budget = float(rng.choice([500, 2000])) if rng.random() < 0.5 else None
    objective: dict[str, Any] = dict(OUTPUT_LESS_SUBSIDY)
    extra: dict[str, Any] = {
        "costshare": {"budget": budget},
        "entry_standards": {"investment_per_ha": 500},
        "objective": objective,
    }
    parks = None
    if location:
        objective.update(
            positioning=float(rng.choice([0, 800])),
            preferred_park=float(rng.choice([0, 500])),
            land=float(rng.choice([0, 300])),
            priority=str(rng.choice(["weighted", "hightech_first"])),
        )
        target = int(rng.choice([0, 3000, 4500]))
        extra["near"] = [NEAR_ENTRY]
        if target:
            extra["targets"] = {"output_per_ha": target}
        parks = [
            {
                "park": park,
                "total_dev_cost": avg * 10,
                "developable_area_ha": 10,
                "leading_sectors": str(rng.choice(["bio", "it", "bio;it", ""])),
            }
            for park, avg in PARK_AVG.items()
        ]
    path = make_scenario(
        land=land, factories=factories or None, projects=projects, parks=parks, extra=extra
    )
    if location:
        station = Point(X0 + float(rng.uniform(0, 8000)), Y0 + 300)
        gpd.GeoDataFrame(geometry=[station], crs="EPSG:4548").to_file(
            path.parent / "parcels.gpkg", layer="stations", engine="pyogrio"
        )
    return path


class LocationOracle:
    """Optima of a ``random_scenario(location=True)`` by enumeration, each pair
    priced from the contract's formula (tests/oracle.py), not by landplan."""

    def __init__(self, scenario: Scenario) -> None:
        objective, near = scenario.objective, scenario.near[0]
        self.scenario = scenario
        station = gpd.read_file(scenario.file.parent / "parcels.gpkg", layer="stations").geometry[0]
        inputs = load_inputs(scenario)  # reads the files; no landplan rule is used below
        self.parcels = inputs.parcels.to_dict("records")
        self.projects = inputs.tables.projects.to_dict("records")
        zoning = {k: set(v) for k, v in inputs.tables.zoning.items()}
        parks = inputs.tables.parks
        leading = dict(zip(parks["park"], parks["leading_sectors"], strict=True))
        projects = self.projects
        reserved = {p["locked_parcel"]: p["project_id"] for p in projects if p["locked_parcel"]}
        self.options: dict[str, list[tuple[str, float, float]]] = {
            p["project_id"]: [] for p in projects
        }
        self.values: dict[tuple[str, str], float] = {}
        self.land_used: dict[tuple[str, str], float] = {}
        for p in projects:
            for j in self.parcels:
                if not eligible(p, j, zoning, {"investment_per_ha": 500.0}, reserved):
                    continue
                a = j["area_ha"] * (
                    1.0 if p["need"] == "land" else p["floor_m2"] / j["floor_area_m2"]
                )
                # a parcel's cost is its park's average here: the fund pays what is over the cap
                share = 1.0 - scenario.costshare.cap_ratio
                subsidy = share * PARK_AVG[j["park"]] * a if p["hightech"] else 0.0
                d = j["geometry"].distance(station)
                value = (
                    p["output"]
                    - subsidy
                    + objective.positioning * (p["sector"] in leading[j["park"]])
                    + objective.preferred_park * (p["park"] == j["park"])
                    - objective.land * a
                    + near.weight * max(0.0, 1 - d / near.within_m) * (p["sector"] == "bio")
                )
                self.options[p["project_id"]].append((j["parcel_id"], value, subsidy))
                self.values[p["project_id"], j["parcel_id"]] = value
                self.land_used[p["project_id"], j["parcel_id"]] = a
        self.hightech = {p["project_id"] for p in projects if p["hightech"]}

    def value(self, plan: dict[str, str]) -> float:
        return sum(self.values[p, j] for p, j in plan.items())

    def best(
        self,
        *,
        with_target: bool = True,
        without: frozenset[str] = frozenset(),
        accept: Callable[[dict[str, str]], bool] | None = None,
        lexicographic: bool = True,
    ) -> float | None:
        """The best value; ``without`` parcels withheld, ``accept`` rejecting plans
        for further reasons, ``lexicographic=False`` ignoring ``hightech_first``."""
        target = self.scenario.targets.output_per_ha
        by_proj = {p["project_id"]: p for p in self.projects}

        def ok(plan: dict[str, str]) -> bool:
            if accept is not None and not accept(plan):
                return False
            if target is None or not with_target:
                return True
            return (
                sum(by_proj[p]["output"] - target * self.land_used[p, j] for p, j in plan.items())
                >= -1e-6
            )

        first = lexicographic and self.scenario.objective.priority == "hightech_first"
        return brute_force(
            {p: [o for o in opts if o[0] not in without] for p, opts in self.options.items()},
            {p["project_id"] for p in self.projects if p["must_place"]},
            {j["parcel_id"] for j in self.parcels if j["kind"] == "vacant"},
            {p["project_id"]: p["floor_m2"] for p in self.projects},
            {j["parcel_id"]: j["floor_area_m2"] for j in self.parcels},
            self.scenario.costshare.budget,
            accept=ok,
            first=self.hightech if first else None,
        )
