"""Exact ties broken into one canonical plan: one scenario, one plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from landplan.cli import main
from landplan.model import build_model
from landplan.ties import canonical
from tests.conftest import DEMO
from tests.instances import priced_table


def test_equal_value_rotation_of_three_comes_out_in_id_order() -> None:
    """P0 fits L0 and L1, P1 fits L1 and L2, P2 fits L2 and L0: no two can exchange,
    but all three can rotate at equal value (value = project part + parcel part)."""
    project_part, parcel_part = [100.0, 200.0, 300.0], [10.0, 20.0, 30.0]
    fits = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 0), (2, 2)]
    pairs = pd.DataFrame(
        {
            "project": [p for p, _ in fits],
            "parcel": [j for _, j in fits],
            "land_ha": 1.0,
            "subsidy": 0.0,
            "value": [project_part[p] + parcel_part[j] for p, j in fits],
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": ["P0", "P1", "P2"],
            "need": "land",
            "must_place": False,
            "hightech": False,
            "floor_m2": np.nan,
        }
    )
    for column in ("output", "tax", "jobs", "rd_spend", "major"):
        projects[column] = 0.0
    parcels = pd.DataFrame(
        {
            "parcel_id": ["L0", "L1", "L2"],
            "kind": "vacant",
            "park": "A",
            "area_ha": 1.0,
            "floor_area_m2": np.nan,
        }
    )
    priced = priced_table(pairs=pairs, projects=projects, parcels=parcels)
    model = build_model(priced)
    rotated = np.zeros(model.n_cols)
    rotated[[1, 3, 4]] = 1  # P0-L1, P1-L2, P2-L0
    chosen, _ = canonical(priced, model, model, rotated)
    assert [fits[k] for k in chosen] == [(0, 0), (1, 1), (2, 2)]


def test_same_plan_every_run_and_from_either_solver(
    demo_out: Path, demo_cbc_out: Path, tmp_path: Path
) -> None:
    """HiGHS twice gives the same file; CBC, at the same gap, the same placements."""
    assert main(["run", str(DEMO), "--out", str(tmp_path / "highs"), "-q"]) == 0
    first = (demo_out / "allocation.csv").read_bytes()
    assert (tmp_path / "highs" / "allocation.csv").read_bytes() == first

    def plan(folder: Path) -> set[tuple[str, str]]:
        table = pd.read_csv(folder / "allocation.csv", keep_default_na=False)
        return set(zip(table["project_id"], table["parcel_id"], strict=True))

    # equal-value exchanges are ordered (docs/model.md "Ties"), so equal plans are equal
    assert plan(demo_cbc_out) == plan(demo_out)
