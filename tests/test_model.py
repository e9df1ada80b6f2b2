"""The model as built: row names, coefficients and bounds, checked without a solver."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from landplan.model import build_model
from landplan.scenario import CostShare, Objective
from landplan.solve import export_model
from landplan.valuation import PricedPairs
from tests.instances import priced_table


def _priced(**costshare: object) -> PricedPairs:
    """P1 (must-place) and P2 want land L1/L2; P3 and P4 are tenants of F1 (5,000 m²)."""
    parcels = pd.DataFrame(
        {
            "parcel_id": ["L1", "L2", "F1"],
            "kind": ["vacant", "collective", "factory"],
            "park": ["A", "A", "B"],
            "area_ha": [1.0, 2.0, 1.0],
            "floor_area_m2": [np.nan, np.nan, 5000.0],
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": ["P1", "P2", "P3", "P4"],
            "need": ["land", "land", "floor", "floor"],
            "floor_m2": [np.nan, np.nan, 3000.0, 4000.0],
            "must_place": [True, False, False, False],
            "hightech": [True, False, True, False],
        }
    )
    pairs = pd.DataFrame(
        {
            "project": np.array([0, 0, 1, 2, 3], dtype=np.int32),
            "parcel": np.array([0, 1, 1, 2, 2], dtype=np.int32),
            "land_ha": [1.0, 2.0, 2.0, 0.6, 0.8],
            "subsidy": [30.0, 60.0, 0.0, 10.0, 0.0],
            "value": [100.0, 70.0, 50.0, 40.0, 45.0],
        }
    )
    if costshare.get("shortfall") == "spread":
        pairs["subsidy"] = 0.0
        pairs["shortfall"] = [30.0, 60.0, 0.0, 10.0, 0.0]
        pairs["ceiling"] = [0.0, 0.0, 25.0, 0.0, 5.0]
    return priced_table(
        pairs=pairs,
        projects=projects,
        parcels=parcels,
        objective=Objective(subsidy=2.0),
        costshare=CostShare(**costshare),  # type: ignore[arg-type]
    )


def _row(model: object, name: str) -> dict[str, float]:
    A = model.A.tocsr()  # type: ignore[attr-defined]
    r = list(model.row_names).index(name)  # type: ignore[attr-defined]
    names = model.col_names()  # type: ignore[attr-defined]
    cols = A.indices[A.indptr[r] : A.indptr[r + 1]]
    return dict(zip([names[c] for c in cols], A.data[A.indptr[r] : A.indptr[r + 1]], strict=True))


def test_rows_columns_and_bounds_of_a_small_model() -> None:
    model = build_model(_priced(budget=50.0))
    assert model.col_names() == [
        "x[P1,L1]",
        "x[P1,L2]",
        "x[P2,L2]",
        "x[P3,F1]",
        "x[P4,F1]",
    ]
    assert list(model.c) == [100.0, 70.0, 50.0, 40.0, 45.0]
    assigns = ["assign[P1]", "assign[P2]", "assign[P3]", "assign[P4]"]
    assert sorted(model.row_names) == sorted(
        [*assigns, "parcel_once[L2]", "floor_cap[F1]", "budget"]
    )
    bounds = dict(
        zip(model.row_names, zip(model.row_lower, model.row_upper, strict=True), strict=True)
    )
    # must-place: exactly one; the others at most one
    assert bounds["assign[P1]"] == (1.0, 1.0)
    assert bounds["assign[P2]"] == (-np.inf, 1.0)
    # L1 is wanted by P1 only: no row; L2 by P1 and P2
    assert _row(model, "parcel_once[L2]") == {"x[P1,L2]": 1.0, "x[P2,L2]": 1.0}
    # 3,000 + 4,000 m² > 5,000 m²: the tenants' floor space against the factory's
    assert _row(model, "floor_cap[F1]") == {"x[P3,F1]": 3000.0, "x[P4,F1]": 4000.0}
    assert bounds["floor_cap[F1]"] == (-np.inf, 5000.0)
    assert _row(model, "budget") == {"x[P1,L1]": 30.0, "x[P1,L2]": 60.0, "x[P3,F1]": 10.0}
    assert bounds["budget"] == (-np.inf, 50.0)
    assert model.integer.all() and (model.upper == 1).all()


def test_no_budget_row_without_a_budget_and_no_floor_row_when_it_fits() -> None:
    priced = _priced()
    priced.projects.loc[3, "floor_m2"] = 2000.0  # 3,000 + 2,000 = 5,000 m²: fits
    model = build_model(priced)
    assert "budget" not in model.row_names
    assert not any(name.startswith("floor_cap") for name in model.row_names)


def test_spread_adds_a_fund_column_and_row_per_park() -> None:
    model = build_model(_priced(shortfall="spread", budget=100.0))
    names = model.col_names()
    assert names[-2:] == ["fund[A]", "fund[B]"]
    assert not model.integer[-2:].any() and np.isinf(model.upper[-2:]).all()
    # the fund's payment costs its weight in the objective and counts against the budget
    assert list(model.c[-2:]) == [-2.0, -2.0]
    # park A: shortfall 30/60 of P1, P2 bears up to 25; park B: P3 causes 10, P4 bears 5
    assert _row(model, "spread[A]") == {
        "x[P1,L1]": 30.0,
        "x[P1,L2]": 60.0,
        "x[P2,L2]": -25.0,
        "fund[A]": -1.0,
    }
    assert _row(model, "spread[B]") == {"x[P3,F1]": 10.0, "x[P4,F1]": -5.0, "fund[B]": -1.0}
    assert _row(model, "budget") == {"fund[A]": 1.0, "fund[B]": 1.0}


def test_subset_keeps_names_and_rows_that_touch_it() -> None:
    model = build_model(_priced(shortfall="spread", budget=100.0))
    sub = model.subset(np.array([2, 5]))  # x[P2,L2] and fund[A]
    assert sub.col_names() == ["x[P2,L2]", "fund[A]"]
    assert sorted(sub.row_names) == ["assign[P2]", "budget", "parcel_once[L2]", "spread[A]"]


def test_components_split_independent_parts() -> None:
    model = build_model(_priced())
    parts = model.components()
    # P1/P2 share L2; P3/P4 share F1 only if it binds (it does: 7,000 > 5,000 m²)
    assert sorted(sorted(p.tolist()) for p in parts) == [[0, 1, 2], [3, 4]]


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_keeps_the_names(tmp_path: object, suffix: str) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / f"m{suffix}"
    export_model(build_model(_priced(budget=50.0)), path)
    text = path.read_text()
    if suffix == ".lp":
        assert "parcel_once(L2)" in text and "assign(P1)" in text and "budget" in text
    else:
        assert "parcel_once[L2]" in text and "x[P1,L1]" in text


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_exported_model_reads_in_both_solvers_with_our_optimum(
    tmp_path: object, suffix: str
) -> None:
    """A user opens ``--export-model`` in CBC or HiGHS and finds the plan's optimum."""
    import subprocess
    from pathlib import Path

    import highspy

    from landplan.scenario import SolverOptions
    from landplan.solve import cbc_path, solve

    priced = _priced(budget=50.0)
    # ids as long as a district's (V-ZGC-052): CBC's MPS reader needs FREE for them
    for table, key in ((priced.projects, "project_id"), (priced.parcels, "parcel_id")):
        table[key] = "DAXING-" + table[key] + "-0001"
    model = build_model(priced)
    ours = solve(model, SolverOptions(gap=0.0)).objective
    path = Path(str(tmp_path)) / f"m{suffix}"
    export_model(model, path)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    # the MPS file minimises −c; the LP file maximises c
    sign = -1.0 if suffix == ".mps" else 1.0
    assert sign * h.getInfo().objective_function_value == pytest.approx(ours)
    done = subprocess.run(
        [cbc_path(), str(path), "-solve", "-quit"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-500:]
    assert "does not appear" not in done.stdout  # every section header understood
    found = float(done.stdout.split("Objective value:")[1].split()[0])
    assert sign * found == pytest.approx(ours)
