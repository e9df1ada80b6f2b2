"""Random small scenarios written to disk, for end-to-end checks against the oracle."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.conftest import Builder, land_row, plot, project_row


def random_scenario(rng: np.random.Generator, make_scenario: Builder) -> Path:
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
            )
        )
    budget = float(rng.choice([500, 2000])) if rng.random() < 0.5 else None
    return make_scenario(
        land=land,
        factories=factories or None,
        projects=projects,
        extra={
            "costshare": {"budget": budget},
            "entry_standards": {"investment_per_ha": 500},
            "objective": {
                "output": 1,
                "tax": 0,
                "jobs": 0,
                "hightech": 0,
                "major": 0,
                "subsidy": 1,
            },
        },
    )
