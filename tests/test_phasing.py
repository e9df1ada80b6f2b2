"""Phasing: a plan over years under annual caps (CONTRACT "v2: phasing and tracking",
docs/phasing.md)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from landplan.cli import main
from landplan.column_generation import solve_priced
from landplan.domain import SolveStatus
from landplan.engine import solve_model
from landplan.model import build_model, placements_of
from landplan.run import compute
from landplan.scenario import Phasing, SolverOptions, load_scenario
from tests.conftest import Builder, land_row, project_row
from tests.instances import priced_table, random_instance

FIRST, LAST = 2025, 2028


def random_phased(rng: np.random.Generator) -> tuple[Any, dict[str, Any]]:
    """A random instance spread over 2025–2028: start and availability years, yearly
    budgets and land caps (district or park A), a delay window and weight. Each
    pair's window and its value in every year are written here from the contract:
    the priced table gets the window, ``facts["rows"]`` every (pair, year)."""
    while True:
        inst = random_instance(rng)
        priced = inst.priced
        n_proj, n_parcels = len(priced.projects), len(priced.parcels)
        start = rng.integers(2024, 2028, n_proj).astype(float)
        start[rng.random(n_proj) < 0.15] = np.nan
        available = rng.choice([np.nan, 2025, 2026, 2027, 2028], n_parcels)
        max_delay = int(rng.integers(0, 3))
        weight = float(rng.choice([0.0, 0.1, 0.3]))
        rows, windows = [], []
        for k, base in enumerate(priced.pairs.itertuples()):
            s = FIRST if np.isnan(start[base.project]) else start[base.project]
            a = available[base.parcel]
            low = max(s, FIRST, -np.inf if np.isnan(a) else a)
            high = min(s + max_delay, LAST)
            for t in range(int(low), int(high) + 1):
                late = t - s
                value = inst.values[k] - weight * late * max(inst.values[k], 0.0)
                rows.append((base.project, base.parcel, t, inst.subsidy[k], value))
            if low <= high:
                first_value = inst.values[k] - weight * (low - s) * max(inst.values[k], 0.0)
                decay = weight * max(inst.values[k], 0.0)
                windows.append(
                    (
                        base.project,
                        base.parcel,
                        inst.subsidy[k],
                        first_value,
                        low,
                        high - low + 1,
                        decay,
                    )
                )
        choices = np.bincount([r[0] for r in rows], minlength=n_proj) + 1
        if np.prod(choices.astype(float)) <= 40_000:
            break
    years = list(range(FIRST, LAST + 1))
    budget = {t: float(rng.integers(0, 50)) for t in years if rng.random() < 0.5}
    caps = {t: float(rng.integers(0, 3)) for t in years if rng.random() < 0.6}
    land: Any = caps if rng.random() < 0.6 else {"A": caps}
    phasing = Phasing(
        years=(FIRST, LAST),
        budget=budget or None,
        land_ha=land if caps else None,
        max_delay=max_delay,
        delay_weight=weight,
    )
    every = pd.DataFrame(rows, columns=["project", "parcel", "year", "subsidy", "value"])
    every = every.astype({"project": np.int64, "parcel": np.int64, "year": np.int64})
    every.insert(3, "land_ha", 1.0)
    columns = ["project", "parcel", "subsidy", "value", "first_year", "years", "decay"]
    pairs = pd.DataFrame(windows, columns=columns).astype(
        {
            "project": np.int32,
            "parcel": np.int32,
            "subsidy": float,
            "value": float,
            "first_year": np.int16,
            "years": np.int8,
            "decay": float,
        }
    )
    pairs.insert(2, "land_ha", 1.0)
    projects = priced.projects.assign(start_year=start)
    parcels = priced.parcels.assign(available_year=available)
    phased = priced_table(
        pairs=pairs,
        projects=projects,
        parcels=parcels,
        objective=priced.objective,
        costshare=priced.costshare,
        phasing=phasing,
    )
    return phased, {"budget": inst.budget, "phasing": phasing, "rows": every}


def best_by_enumeration(priced: Any, facts: dict[str, Any]) -> float | None:
    """Every choice of (pair, year) or nothing per project, checked against the
    contract: a land parcel once over all years, factories within floor space, the
    plan's budget, each year's budget and land caps (land parcels only)."""
    pairs, projects, parcels = facts["rows"], priced.projects, priced.parcels
    phasing: Phasing = facts["phasing"]
    land_parcel = (parcels["kind"] != "factory").to_numpy()
    park = parcels["park"].to_numpy()
    capacity = parcels["floor_area_m2"].to_numpy()
    need = projects["floor_m2"].to_numpy()
    must = projects["must_place"].to_numpy()
    by_project: dict[int, list[int]] = {p: [] for p in range(len(projects))}
    for k, p in enumerate(pairs["project"]):
        by_project[int(p)].append(k)
    caps = phasing.land_caps()
    best = None
    for combo in itertools.product(*[[None, *ks] for ks in by_project.values()]):
        if any(must[p] and by_project[p] and combo[p] is None for p in by_project):
            continue
        ks = [k for k in combo if k is not None]
        rows = pairs.iloc[ks]
        js = rows["parcel"].to_numpy()
        on_land = js[land_parcel[js]]
        if len(on_land) != len(set(on_land)):
            continue
        floor = rows.groupby("parcel")["project"].apply(lambda s: need[s.to_numpy()].sum())
        if any(not land_parcel[j] and floor[j] > capacity[j] + 1e-9 for j in floor.index):
            continue
        spent = float(rows["subsidy"].sum())
        if facts["budget"] is not None and spent > facts["budget"] + 1e-9:
            continue
        by_year = rows.groupby("year")["subsidy"].sum()
        if any(by_year.get(t, 0.0) > cap + 1e-9 for t, cap in (phasing.budget or {}).items()):
            continue
        land_rows = rows[land_parcel[js]]
        over = False
        for where, t, cap in caps:
            sel = (land_rows["year"] == t) & (
                True if where is None else park[land_rows["parcel"]] == where
            )
            over |= float(land_rows.loc[sel, "land_ha"].sum()) > cap + 1e-9
        if over:
            continue
        value = float(rows["value"].sum())
        best = value if best is None or value > best else best
    return best


def lp_bound_by_dense_lp(priced: Any, facts: dict[str, Any]) -> float | None:
    """The LP relaxation of the phased model, written here as dense rows over every
    (pair, year) of ``facts["rows"]`` and solved by scipy (None: infeasible)."""
    rows, projects, parcels = facts["rows"], priced.projects, priced.parcels
    phasing: Phasing = facts["phasing"]
    n = len(rows)
    if not n:  # a must-place project with no pair is the precheck's, as in the enumeration
        return 0.0
    p = rows["project"].to_numpy()
    j = rows["parcel"].to_numpy()
    year = rows["year"].to_numpy()
    land_parcel = (parcels["kind"] != "factory").to_numpy()
    park = parcels["park"].to_numpy()
    upper_rows, upper_rhs, lower_rows, lower_rhs = [], [], [], []
    for k in range(len(projects)):
        mine = (p == k).astype(float)
        if mine.any():
            upper_rows.append(mine)
            upper_rhs.append(1.0)
            if projects["must_place"].iloc[k]:
                lower_rows.append(-mine)
                lower_rhs.append(-1.0)
    for parcel in range(len(parcels)):
        on = (j == parcel).astype(float)
        if land_parcel[parcel]:
            upper_rows.append(on)
            upper_rhs.append(1.0)
        else:
            upper_rows.append(on * np.nan_to_num(projects["floor_m2"].to_numpy(dtype=float))[p])
            upper_rhs.append(float(parcels["floor_area_m2"].iloc[parcel]))
    subsidy = rows["subsidy"].to_numpy()
    if facts["budget"] is not None:
        upper_rows.append(subsidy)
        upper_rhs.append(float(facts["budget"]))
    for t, cap in (phasing.budget or {}).items():
        upper_rows.append(subsidy * (year == t))
        upper_rhs.append(cap)
    land = rows["land_ha"].to_numpy() * land_parcel[j]
    for where, t, cap in phasing.land_caps():
        upper_rows.append(land * (year == t) * ((park[j] == where) if where else True))
        upper_rhs.append(cap)
    found = linprog(
        -rows["value"].to_numpy(),
        A_ub=np.array(upper_rows + lower_rows),
        b_ub=np.array(upper_rhs + lower_rhs),
        bounds=(0, 1),
    )
    return None if found.status == 2 else float(-found.fun)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_optimum_over_years_matches_enumeration(solver: str) -> None:
    """The whole model and the pricing engine against enumeration; pricing's bound
    against the LP of every (pair, year) written here (the columns are made lazily)."""
    rng = np.random.default_rng(1601)
    checked = infeasible = bounds = 0
    for _ in range(40):
        priced, facts = random_phased(rng)
        expected = best_by_enumeration(priced, facts)
        options = SolverOptions(name=solver, gap=0.0)  # type: ignore[arg-type]
        model = build_model(priced)
        by_pricing, _, stats = solve_priced(model, options, first=1, add=1)
        for solution in (solve_model(model, options).solution, by_pricing):
            if expected is None:
                assert solution.status == SolveStatus.INFEASIBLE
                infeasible += 1
                continue
            assert solution.objective == pytest.approx(expected, abs=1e-6)
            checked += 1
        if stats is not None:
            dense = lp_bound_by_dense_lp(priced, facts)
            assert dense is not None
            assert stats.lp_bound == pytest.approx(dense, abs=1e-6)
            assert by_pricing.bound <= dense + 1e-6
            bounds += 1
    assert checked >= 60 and bounds >= 25
    assert infeasible < checked


def test_a_later_year_is_priced_in_over_several_rounds() -> None:
    """Six projects, each a plot of its own, all best in 2025 and losing a tenth of
    their value a year; 2025, 2026 and 2027 take one hectare each, 2028 three. Two
    more are tenants of a large factory (no land cap). Pricing starts from every
    pair's first year and must bring the plots' later years in, round by round;
    the tenants' later years, which no plan wants, are never made."""
    n = 6
    parcels = pd.DataFrame(
        {
            "parcel_id": [f"L{k}" for k in range(n)] + ["F0"],
            "kind": ["vacant"] * n + ["factory"],
            "park": "A",
            "area_ha": 1.0,
            "floor_area_m2": [np.nan] * n + [10_000.0],
            "available_year": np.nan,
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": [f"P{k}" for k in range(n)] + ["T0", "T1"],
            "need": ["land"] * n + ["floor"] * 2,
            "floor_m2": [np.nan] * n + [1_000.0, 1_000.0],
            "must_place": False,
            "hightech": False,
            "start_year": 2025.0,
        }
    )
    worth = np.r_[100.0 + 10 * np.arange(n), 50.0, 60.0]
    pairs = pd.DataFrame(
        {
            "project": np.arange(n + 2, dtype=np.int32),
            "parcel": np.r_[np.arange(n), n, n].astype(np.int32),
            "land_ha": np.r_[np.ones(n), 0.1, 0.1],
            "subsidy": 0.0,
            "value": worth,
            "first_year": np.full(n + 2, 2025, dtype=np.int16),
            "years": np.full(n + 2, 4, dtype=np.int8),
            "decay": 0.1 * worth,
        }
    )
    caps = {2025: 1.0, 2026: 1.0, 2027: 1.0, 2028: 3.0}
    phasing = Phasing(years=(2025, 2028), land_ha=caps, delay_weight=0.1, max_delay=3)
    priced = priced_table(pairs=pairs, projects=projects, parcels=parcels, phasing=phasing)
    model = build_model(priced)
    options = SolverOptions(name="highs", gap=0.0)  # type: ignore[arg-type]
    found, kept, stats = solve_priced(model, options, first=1, add=1)
    assert stats is not None and stats.rounds >= 3
    made = set(
        zip(kept.pair[kept.pair >= 0].tolist(), kept.offset[kept.pair >= 0].tolist(), strict=True)
    )
    assert {(6, 0), (7, 0)} <= made and not {(6, d) for d in (1, 2, 3)} & made, sorted(made)
    # by hand: the more a plot's project is worth, the earlier it goes: P5 in 2025,
    # P4 in 2026, P3 in 2027, the rest in 2028; the tenants in 2025
    assert found.objective == pytest.approx(150 + 0.9 * 140 + 0.8 * 130 + 0.7 * 330 + 110)
    chosen, offsets = placements_of(kept, found.x)
    placed = sorted(zip(chosen.tolist(), offsets.tolist(), strict=True))
    assert placed == [(0, 3), (1, 3), (2, 3), (3, 2), (4, 1), (5, 0), (6, 0), (7, 0)]


def phased_scenario(make_scenario: Builder, phasing: dict[str, Any]) -> Path:
    """Five plots available 2024–2028 in two parks, six projects wanting 2025–2027."""
    land = [
        land_row("L1", 0, available_year=2024),
        land_row("L2", 1, available_year=2025, park="B"),
        land_row("L3", 2, available_year=2026),
        land_row("L4", 3, available_year=2027, park="B"),
        land_row("L5", 4, available_year=2028),
    ]
    projects = [
        project_row(f"P{k}", start_year=year, output=1000 + 100 * k, hightech="true")
        for k, year in enumerate([2025, 2025, 2026, 2026, 2027, 2027])
    ]
    return make_scenario(land=land, projects=projects, extra={"phasing": phasing})


@pytest.mark.parametrize(
    "phasing",
    [
        {"years": [2025, 2030], "land_ha": 1.0, "max_delay": 2},
        {"years": [2025, 2028], "land_ha": {"A": {2025: 1.0, 2026: 0.0}, "B": 1.0}},
        {"years": [2025, 2030], "budget": 0, "max_delay": 3, "delay_weight": 0.2},
    ],
)
def test_plans_hold_every_annual_cap_and_no_parcel_is_early_or_twice(
    make_scenario: Builder, tmp_path: Path, phasing: dict[str, Any]
) -> None:
    path = phased_scenario(make_scenario, phasing)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q", "--set", "solver.gap=0"]) == 0
    allocation = pd.read_csv(out / "allocation.csv")
    placed = allocation[allocation["status"] == "placed"]
    plan = pd.read_csv(out / "supply_plan.csv")
    assert list(plan.columns[:7]) == [
        "year",
        "park",
        "parcel_id",
        "project_id",
        "supply_mode",
        "land_ha",
        "subsidy",
    ]
    assert sorted(plan["project_id"]) == sorted(placed["project_id"])
    assert plan["parcel_id"].is_unique  # handed over once
    available = {"L1": 2024, "L2": 2025, "L3": 2026, "L4": 2027, "L5": 2028}
    start = {f"P{k}": y for k, y in enumerate([2025, 2025, 2026, 2026, 2027, 2027])}
    delay = phasing.get("max_delay", 2)
    for row in plan.itertuples():
        assert row.year >= available[row.parcel_id]  # never before it is available
        assert start[row.project_id] <= row.year <= start[row.project_id] + delay
        assert row.delay == row.year - start[row.project_id]
    by_year = pd.read_csv(out / "supply_by_year.csv")
    assert (by_year["land_ha"] <= by_year["land_cap_ha"].fillna(np.inf) + 1e-9).all()
    assert (by_year["subsidy"] <= by_year["budget"].fillna(np.inf) + 1e-6).all()
    parsed = load_scenario(path).phasing
    assert parsed is not None
    for park, year, cap in parsed.land_caps():
        in_cap = plan[(plan["year"] == year) & ((plan["park"] == park) if park else True)]
        assert in_cap["land_ha"].sum() <= cap + 1e-9
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["phasing"]["years"] == phasing["years"]
    assert placed["year"].notna().all()


def test_a_project_waits_for_a_cap_and_pays_its_delay(make_scenario: Builder) -> None:
    """Worked by hand: two projects want 2025 and one plot each; 2025 takes 1 ha. The
    one worth more goes first; the other waits a year and loses 10% of its value."""
    land = [land_row("L1", 0, available_year=2025), land_row("L2", 1, available_year=2025)]
    projects = [
        project_row("HI", start_year=2025, output=2000, tax=0),
        project_row("LO", start_year=2025, output=1000, tax=0),
    ]
    phasing = {"years": [2025, 2027], "land_ha": {2025: 1.0}, "delay_weight": 0.1}
    path = make_scenario(
        land=land,
        projects=projects,
        extra={
            "phasing": phasing,
            "objective": {"output": 1, "tax": 0, "jobs": 0, "hightech": 0, "land": 0},
        },
    )
    result = compute(load_scenario(path, {"solver.gap": 0}))
    placed = result.allocation.placed.set_index("project_id")
    assert placed.loc["HI", "year"] == 2025
    assert placed.loc["LO", "year"] == 2026
    assert placed.loc["LO", "v_delay"] == pytest.approx(-0.1 * 1000)
    assert result.allocation.objective == pytest.approx(2000 + 900, abs=1e-3)


@pytest.mark.parametrize(
    ("phasing", "message"),
    [
        ({"years": [2030, 2025]}, "phasing.years must be [first year, last year]"),
        ({"years": [2025, 2030], "budget": {2040: 5}}, "phasing.budget.2040 must be a planning"),
        ({"years": [2025, 2030], "land_ha": {"Z": {2026: 5}}}, "caps the land of park 'Z'"),
        ({"years": [2025, 2030], "delay_weight": 2}, "phasing.delay_weight must be in"),
        ({"years": [2025, 2030], "max_year": 2}, "phasing.max_year is not a known key"),
    ],
)
def test_bad_phasing_settings_are_clear_errors(
    make_scenario: Builder, capsys: pytest.CaptureFixture[str], phasing: Any, message: str
) -> None:
    path = phased_scenario(make_scenario, phasing)
    assert main(["validate", str(path), "-q"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_scenario_extends_another(make_scenario: Builder) -> None:
    base = phased_scenario(make_scenario, {"years": [2025, 2030]})
    child = base.parent / "child.yaml"
    child.write_text(
        "extends: " + base.name + "\nname: child\nphasing: {max_delay: 1}\n", encoding="utf-8"
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.phasing is not None
    assert (scenario.phasing.first, scenario.phasing.max_delay) == (2025, 1)
    assert len(scenario.layers) == len(load_scenario(base).layers)


def test_a_project_stopped_by_the_annual_caps_says_so(make_scenario: Builder) -> None:
    land = [land_row("L1", 0, available_year=2025), land_row("L2", 1, available_year=2025)]
    projects = [
        project_row("HI", start_year=2025, output=2000),
        project_row("LO", start_year=2025, output=1000),
    ]
    phasing = {"years": [2025, 2027], "land_ha": {2025: 1.0, 2026: 0.5, 2027: 0.0}}
    path = make_scenario(land=land, projects=projects, extra={"phasing": phasing})
    result = compute(load_scenario(path, {"solver.gap": 0}))
    outcome = result.outcome.set_index("project_id")
    assert outcome.loc["LO", "reason"] == "annual caps"
    assert (
        "in 2025, needs 1.00 ha and that year's land cap has 0.00 ha left"
        in outcome.loc["LO", "detail"]
    )
    assert "供地上限仅余" in outcome.loc["LO", "detail_zh"]


def test_a_set_value_cut_at_its_commas_is_a_clear_error(
    make_scenario: Builder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = phased_scenario(make_scenario, {"years": [2025, 2030]})
    args = [
        "run",
        str(path),
        "--out",
        str(tmp_path / "o"),
        "--set",
        "phasing={years: [2025, 2030]}",
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "is not a YAML value" in err and "internal error" not in err
