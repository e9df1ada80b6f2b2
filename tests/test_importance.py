"""Parcel importance against optima found by enumeration without each parcel."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from landplan.allocate import Allocation
from landplan.cli import main
from landplan.engine import solve_model
from landplan.importance import parcel_importance
from landplan.model import build_model, placements_of
from landplan.results import parcel_layer
from landplan.run import compute
from landplan.scenario import SolverOptions, load_scenario
from landplan.valuation import tie_breaks
from tests.browser import Page
from tests.conftest import X0, Y0, Builder, land_row, project_row
from tests.scenarios import LocationOracle, random_scenario
from tests.test_phasing import best_by_enumeration, random_phased


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_importance_is_the_fall_of_the_optimum_without_the_parcel(
    make_scenario: Builder, solver: str
) -> None:
    rng = np.random.default_rng(17)
    """At tolerance 0 every figure is exact and equals the enumerated loss; at a
    wide tolerance every interval holds it, and a figure marked exact is within the
    tolerance of it."""
    seen = {"parcels": 0, "positive": 0, "infeasible": 0, "hightech_first": 0, "intervals": 0}
    for _ in range(10):
        path = random_scenario(rng, make_scenario, location=True)
        scenario = load_scenario(path, {"solver.gap": 0.0, "solver.name": solver})
        oracle = LocationOracle(scenario)
        best = oracle.best()
        assert best is not None
        truth = {}
        for tolerance in (0.0, 0.05):
            scenario = load_scenario(
                path,
                {
                    "solver.gap": 0.0,
                    "solver.name": solver,
                    "policy.importance_tolerance": tolerance,
                },
            )
            result = compute(scenario, importance=True, policy=False)
            assert result.importance is not None
            table = result.importance.set_index("parcel_id")
            assert set(table.index) == set(result.allocation.placed["parcel_id"])
            for parcel, row in table.iterrows():
                if parcel not in truth:
                    truth[parcel] = oracle.best(without=frozenset({str(parcel)}))
                without = truth[parcel]
                if without is None:
                    assert row["status"] == "infeasible"
                    seen["infeasible"] += tolerance == 0
                    continue
                lost = best - without
                assert row["importance_low"] - 1e-2 <= lost <= row["importance_high"] + 1e-2
                if tolerance == 0:
                    assert row["exact"] and row["status"] == "optimal"
                    assert row["importance"] == pytest.approx(lost, abs=1e-2)
                    seen["positive"] += row["importance"] > 1
                    seen["parcels"] += 1
                elif row["exact"]:
                    assert abs(row["importance"] - lost) <= tolerance * abs(best) + 1e-2
                else:
                    assert row["status"] == "interval"
                    seen["intervals"] += 1
        seen["hightech_first"] += scenario.objective.priority == "hightech_first"
    assert seen["parcels"] >= 10 and seen["positive"] >= 5 and seen["hightech_first"] >= 1, seen
    assert seen["intervals"] >= 1, seen


def test_unused_parcel_is_worth_nothing_and_a_must_place_site_cannot_be_withheld(
    make_scenario: Builder,
) -> None:
    # P1 must be placed and only the 3-ha L1 fits it; P2 fits L2 or L3 (1 ha each)
    land = [land_row("L1", 0), land_row("L2", 1), land_row("L3", 2)]
    land[0]["geometry"] = box(X0, Y0, X0 + 200, Y0 + 150)
    projects = [
        project_row("P1", must_place="1", area_min_ha=2.5, area_max_ha=4.0),
        project_row("P2", area_min_ha=0.5, area_max_ha=2.0, output=500),
    ]
    scenario = load_scenario(make_scenario(land=land, projects=projects), {"solver.gap": 0.0})
    result = compute(scenario, importance=True)
    assert result.importance is not None
    table = result.importance.set_index("parcel_id")
    assert table.loc["L1", "status"] == "infeasible"
    assert "must-place project P1" in table.loc["L1", "detail"]
    assert "L1, which is withheld" in table.loc["L1", "detail"]
    site = result.allocation.placed.set_index("project_id").loc["P2", "parcel_id"]
    # P2 has another site just as good: withholding its parcel loses nothing
    assert table.loc[site, "importance"] == pytest.approx(0.0, abs=1e-3)
    layer = pd.DataFrame(parcel_layer(result)).set_index("parcel_id")
    unused = ({"L2", "L3"} - {site}).pop()
    assert layer.loc[unused, "importance"] == 0.0
    assert layer.loc[unused, "withhold"] == ""
    assert layer.loc["L1", "withhold"] == "infeasible"


def test_run_importance_writes_the_table_the_column_and_the_map_layer(
    make_scenario: Builder, tmp_path: Path
) -> None:
    land = [land_row(f"L{i}", i) for i in range(3)]
    projects = [project_row(f"P{k}", output=1000 * (k + 1)) for k in range(2)]
    out = tmp_path / "out"
    code = main(
        [
            "run",
            str(make_scenario(land=land, projects=projects)),
            "--importance",
            "--workers",
            "2",
            "--out",
            str(out),
            "-q",
        ]
    )
    assert code == 0
    table = pd.read_csv(out / "importance.csv")
    allocation = pd.read_csv(out / "allocation.csv", keep_default_na=False)
    placed = allocation[allocation["status"] == "placed"]
    assert sorted(table["parcel_id"]) == sorted(placed["parcel_id"])
    # three equal plots for two projects: any one can be replaced by the third
    assert (table["importance"] == 0).all() and (table["status"] == "optimal").all()
    assert "importance" in allocation.columns
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["importance"] == {
        "parcels": 2,
        "cannot_withhold": 0,
        "intervals": 0,
        "total": 0.0,
    }
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "地块重要性（收回后的损失）" in page and '"importanceClasses": [["0.00–0.10"' in page


def test_importance_over_years_against_enumeration() -> None:
    """Phased instances: each used parcel's loss against the enumerated optimum over
    every (pair, year) without it; exact at tolerance 0, held by the interval at 5%."""
    rng = np.random.default_rng(2707)
    checked = intervals = 0
    for _ in range(25):
        priced, facts = random_phased(rng)
        best = best_by_enumeration(priced, facts)
        if best is None:
            continue
        options = SolverOptions(name="highs", gap=0.0)  # type: ignore[arg-type]
        allocation = _allocation(priced, options)
        for tolerance in (0.0, 0.05):
            table = parcel_importance(priced, allocation, options, tolerance=tolerance)
            for row in table.itertuples():
                j = int(np.flatnonzero(priced.parcels["parcel_id"] == row.parcel_id)[0])
                rows = facts["rows"]
                kept = rows[rows["parcel"] != j]
                must = priced.projects["must_place"].to_numpy()
                stranded = set(rows["project"][must[rows["project"]]]) - set(kept["project"])
                without = None if stranded else best_by_enumeration(priced, facts | {"rows": kept})
                if without is None:
                    assert row.status == "infeasible"
                    continue
                lost = best - without
                assert row.importance_low - 1e-2 <= lost <= row.importance_high + 1e-2
                if tolerance == 0:
                    assert row.exact and row.importance == pytest.approx(lost, abs=1e-2)
                    checked += 1
                intervals += not row.exact
    assert checked >= 15 and intervals >= 1, (checked, intervals)


def _allocation(priced: Any, options: SolverOptions) -> Allocation:
    """What importance reads of a plan, from the engine's solve of a priced table
    without the pipeline's columns (``allocate`` describes placed pairs for outputs)."""
    solved = solve_model(build_model(priced), options)
    rows, offsets = placements_of(solved.model, solved.solution.x)
    ties, most = tie_breaks(priced)
    placed = pd.DataFrame(
        {
            "parcel": priced.pairs["parcel"].to_numpy()[rows],
            "project_id": priced.projects["project_id"].to_numpy()[
                priced.pairs["project"].to_numpy()[rows]
            ],
        }
    )
    plan = SimpleNamespace(
        chosen=rows,
        offsets=offsets,
        objective=solved.solution.objective + float(ties[rows].sum()),
        bound=solved.solution.bound + most,
        hightech_first=None,
        returned=[],
        placed=placed,
    )
    return cast(Allocation, plan)


POPUP = """(id) => {
  var c = landplan.config, map = window[c.map], g = window[c.layers.importance], hit = null;
  map.addLayer(g);
  g.eachLayer(function (l) { if (l.feature.properties.parcel_id === id) hit = l; });
  hit.fire('click', {latlng: hit.getBounds().getCenter()});
  return Array.from(document.querySelectorAll('.leaflet-popup-content th')).map(e => e.innerText);
}"""


def test_the_importance_popup_leads_with_the_loss(
    browser: Any, make_scenario: Builder, tmp_path: Path
) -> None:
    """A placed parcel's popup on the importance layer is tall (parcel, project, cost
    shares): the loss comes right after the parcel's id, before anything to scroll."""
    land = [land_row(f"L{i}", i) for i in range(2)]
    projects = [project_row("P0", output=1000), project_row("P1", output=3000)]
    out = tmp_path / "out"
    path = make_scenario(land=land, projects=projects)
    assert main(["run", str(path), "--importance", "--workers", "1", "--out", str(out), "-q"]) == 0
    parcel = pd.read_csv(out / "importance.csv")["parcel_id"].iloc[0]
    page = Page(browser, out / "map.html", (1366, 768))
    try:
        heads = page.js(POPUP, parcel)
        assert heads[:3] == ["地块编号", "地块重要性（目标值降幅）", "重要性（占目标值%）"], heads
        assert "项目编号" in heads[3:]  # the rest follows
        assert not page.errors and not page.requests
    finally:
        page.close()
