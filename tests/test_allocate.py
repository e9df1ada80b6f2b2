"""Allocation against independently computed optima, plans against the contract."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from landplan.allocate import solve_split
from landplan.errors import InfeasibleError
from landplan.model import build_model
from landplan.run import compute
from landplan.scenario import Objective, SolverOptions, load_scenario
from landplan.solve import INFEASIBLE, solve
from tests.conftest import Builder, land_row, plot, project_row
from tests.oracle import brute_force, check_plan, eligible

SOLVERS = ["cbc", "highs"]


def _random_model_instance(rng: np.random.Generator) -> dict[str, Any]:
    n_land, n_fac, n_proj = (
        int(rng.integers(1, 5)),
        int(rng.integers(0, 3)),
        int(rng.integers(2, 6)),
    )
    ids = [f"L{i}" for i in range(n_land)] + [f"F{i}" for i in range(n_fac)]
    capacity = rng.integers(2, 8, n_fac) * 1000.0
    parcels = pd.DataFrame(
        {
            "parcel_id": ids,
            "kind": ["vacant"] * n_land + ["factory"] * n_fac,
            "floor_area_m2": [np.nan] * n_land + list(capacity),
        }
    )
    need = rng.choice(["land", "floor"], n_proj) if n_fac else np.array(["land"] * n_proj)
    projects = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(n_proj)],
            "need": need,
            "floor_m2": np.where(need == "floor", rng.integers(1, 5, n_proj) * 1000.0, np.nan),
            "must_place": rng.random(n_proj) < 0.2,
            "output": rng.integers(-20, 100, n_proj) * 1.0,
            "tax": 0.0,
            "jobs": 0.0,
            "hightech": rng.random(n_proj) < 0.5,
            "major": False,
        }
    )
    rows = []
    for p in range(n_proj):
        for j in range(len(ids)):
            if (need[p] == "floor") == (j >= n_land) and rng.random() < 0.6:
                rows.append((p, j))
    pairs = pd.DataFrame(rows, columns=["project", "parcel"], dtype=np.int64)
    pairs["project_id"] = projects["project_id"].to_numpy()[pairs["project"]]
    pairs["parcel_id"] = parcels["parcel_id"].to_numpy()[pairs["parcel"]]
    subsidy = np.where(
        projects["hightech"].to_numpy()[pairs["project"]], rng.integers(0, 40, len(pairs)), 0
    ).astype(float)
    budget = None if rng.random() < 0.4 else float(rng.integers(0, 60))
    return {
        "parcels": parcels,
        "projects": projects,
        "pairs": pairs,
        "subsidy": subsidy,
        "budget": budget,
        "w_subsidy": float(rng.choice([0.0, 1.0, 3.0])),
    }


def _model(inst: dict[str, Any], spread: Any = None) -> Any:
    """The model of a random instance: output only, less the weighted subsidy."""
    weights = Objective(output=1, tax=0, jobs=0, hightech=0, major=0, subsidy=inst["w_subsidy"])
    subsidy = inst["subsidy"] if spread is None else np.zeros(len(inst["pairs"]))
    return build_model(
        inst["pairs"], inst["parcels"], inst["projects"], subsidy, weights, inst["budget"], spread
    )


@pytest.mark.parametrize("solver", SOLVERS)
def test_objective_matches_brute_force_on_random_instances(solver: str) -> None:
    rng = np.random.default_rng(7)
    checked = infeasible = 0
    for _ in range(60):
        inst = _random_model_instance(rng)
        model = _model(inst)
        result, _ = solve_split(model, SolverOptions(name=solver, gap=0.0, time_limit=30))
        pairs, projects, parcels = inst["pairs"], inst["projects"], inst["parcels"]
        options: dict[str, list[tuple[str, float, float]]] = {p: [] for p in projects["project_id"]}
        for k, row in pairs.iterrows():
            value = (
                float(projects["output"].iloc[row["project"]])
                - inst["w_subsidy"] * inst["subsidy"][k]
            )
            options[row["project_id"]].append((row["parcel_id"], value, float(inst["subsidy"][k])))
        expected = brute_force(
            options,
            # a must-place project without pairs is the pre-check's job, not the model's
            must={p for p in projects.loc[projects["must_place"], "project_id"] if options[p]},
            land=set(parcels.loc[parcels["kind"] == "vacant", "parcel_id"]),
            floor_need=dict(zip(projects["project_id"], projects["floor_m2"], strict=True)),
            capacity=dict(zip(parcels["parcel_id"], parcels["floor_area_m2"], strict=True)),
            budget=inst["budget"] if (inst["subsidy"] > 0).any() else None,
        )
        if expected is None:
            assert result.status == INFEASIBLE
            infeasible += 1
        else:
            assert result.status != INFEASIBLE
            assert result.objective == pytest.approx(expected, abs=1e-6)
            assert result.bound >= result.objective - 1e-6
            checked += 1
    assert checked >= 30 and infeasible >= 1  # both outcomes were exercised


def test_lp_relaxation_bounds_the_integer_optimum() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        inst = _random_model_instance(rng)
        model = build_model(
            inst["pairs"], inst["parcels"], inst["projects"], inst["subsidy"], Objective(), None
        )
        mip = solve(model, SolverOptions(name="highs", gap=0.0))
        if mip.status == INFEASIBLE:
            continue
        relaxed = solve(model, SolverOptions(), relax=True)
        assert relaxed.objective >= mip.objective - 1e-6


def _random_scenario(rng: np.random.Generator, make_scenario: Builder) -> Path:
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


def test_plans_satisfy_the_contract_and_are_optimal_end_to_end(make_scenario: Builder) -> None:
    rng = np.random.default_rng(11)
    for _ in range(10):
        scenario = load_scenario(_random_scenario(rng, make_scenario), {"solver.gap": 0.0})
        result = compute(scenario)
        parcels = result.inputs.parcels.drop(columns="geometry").to_dict("records")
        by_id = {p["parcel_id"]: p for p in parcels}
        projects = result.inputs.tables.projects.to_dict("records")
        zoning = {k: set(v) for k, v in result.inputs.tables.zoning.items()}
        entry = {"investment_per_ha": 500.0}
        # Eligibility: the vectorised pairs are exactly the oracle's.
        expected_pairs = {
            (p["project_id"], j["parcel_id"])
            for p in projects
            for j in parcels
            if eligible(p, j, zoning, entry)
        }
        got_pairs = set(
            zip(
                result.allocation.pairs["project_id"],
                result.allocation.pairs["parcel_id"],
                strict=True,
            )
        )
        assert got_pairs == expected_pairs
        # Subsidy by hand: (1 - 0.7) × park average × land, high-tech only; park A only.
        avg = sum(j["dev_cost"] for j in parcels) / sum(j["area_ha"] for j in parcels)

        def land_of(p: dict[str, Any], j: dict[str, Any]) -> float:
            if p["need"] == "land":
                return float(j["area_ha"])
            return float(j["area_ha"] * p["floor_m2"] / j["floor_area_m2"])

        by_proj = {p["project_id"]: p for p in projects}
        subsidy = {
            (p, j): 0.3 * avg * land_of(by_proj[p], by_id[j]) if by_proj[p]["hightech"] else 0.0
            for p, j in expected_pairs
        }
        placements = dict(
            zip(
                result.allocation.placed["project_id"],
                result.allocation.placed["parcel_id"],
                strict=True,
            )
        )
        budget = scenario.costshare.budget
        assert check_plan(placements, projects, by_id, zoning, subsidy, budget, entry) == []
        options: dict[str, list[tuple[str, float, float]]] = {p["project_id"]: [] for p in projects}
        for p, j in expected_pairs:
            options[p].append((j, by_proj[p]["output"] - subsidy[(p, j)], subsidy[(p, j)]))
        best = brute_force(
            options,
            set(),
            {j["parcel_id"] for j in parcels if j["kind"] == "vacant"},
            {p["project_id"]: p["floor_m2"] for p in projects},
            {j["parcel_id"]: j["floor_area_m2"] for j in parcels},
            budget,
        )
        assert result.allocation.objective == pytest.approx(best, abs=1e-4)


def _explained(make_scenario: Builder, **kwargs: Any) -> pd.DataFrame:
    scenario = load_scenario(make_scenario(**kwargs))
    return compute(scenario).allocation.outcome.set_index("project_id")


def test_reason_no_eligible_parcel_names_the_binding_rule(make_scenario: Builder) -> None:
    out = _explained(make_scenario, projects=[project_row("P1", sector="it")])
    assert out.loc["P1", "reason"] == "no eligible parcel"
    assert "zoning: no available land parcel zoned B29/M4" in out.loc["P1", "detail"]
    out = _explained(make_scenario, projects=[project_row("P1", area_min_ha=3, area_max_ha=4)])
    assert "size: no land parcel zoned M1/M4 with 3–4 ha" in out.loc["P1", "detail"]


def test_reason_outcompeted_names_the_winner(make_scenario: Builder) -> None:
    out = _explained(
        make_scenario,
        land=[land_row("L1", 0)],
        projects=[project_row("P1", output=1000), project_row("P2", output=5000)],
    )
    assert out.loc["P2", "status"] == "placed" and out.loc["P2", "parcel_id"] == "L1"
    assert out.loc["P1", "reason"] == "outcompeted"
    assert "its best, L1, went to P2" in out.loc["P1", "detail"]


def test_reason_budget(make_scenario: Builder) -> None:
    # park average 1,000 万元/ha, 1 ha, cap 70%: the high-tech project needs 300 of subsidy
    out = _explained(
        make_scenario,
        land=[land_row("L1", 0), land_row("L2", 1)],
        projects=[project_row("P1", hightech="true"), project_row("P2", output=900)],
        extra={"costshare": {"budget": 200}},
    )
    assert out.loc["P2", "status"] == "placed"
    assert out.loc["P1", "reason"] == "budget"
    assert "needs 300 万元 of subsidy; 200 万元 of the budget is left" in out.loc["P1", "detail"]


def test_reason_not_worth_placing(make_scenario: Builder) -> None:
    out = _explained(
        make_scenario,
        projects=[project_row("P1", hightech="true", output=10, tax=0)],
        extra={"objective": {"hightech": 0, "subsidy": 1}},
    )
    assert out.loc["P1", "reason"] == "not worth placing"
    assert "adds -290 to the objective" in out.loc["P1", "detail"]


def test_spatial_rules_exclude_by_sector(make_scenario: Builder, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    # a residential point 150 m from L1's edge: a 200 m buffer rule hits L1 only for "it"
    x, y = plot(0).bounds[0] - 150, plot(0).bounds[1]
    gpd.GeoDataFrame({"name": ["village"]}, geometry=[Point(x, y)], crs="EPSG:4548").to_file(
        tmp_path / "res.gpkg", layer="res", engine="pyogrio"
    )
    rule = {
        "name": "safety distance",
        "path": "res.gpkg",
        "layer": "res",
        "rule": "buffer",
        "distance_m": 200,
        "sectors": ["it"],
    }
    land = [land_row("L1", 0, zoning="M4")]
    out = _explained(
        make_scenario,
        land=land,
        projects=[project_row("P1", sector="it")],
        extra={"constraints": [rule]},
    )
    assert out.loc["P1", "reason"] == "no eligible parcel"
    assert (
        "safety distance: the 1 fitting land parcel(s) are all excluded" in out.loc["P1", "detail"]
    )
    out = _explained(
        make_scenario,
        land=land,
        projects=[project_row("P1", sector="bio")],
        extra={"constraints": [rule]},
    )
    assert out.loc["P1", "status"] == "placed"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"projects": [project_row("P1", sector="it", must_place="是")]},
            r"must-place project P1 has no eligible parcel — zoning",
        ),
        (
            {
                "land": [land_row("L1", 0)],
                "projects": [
                    project_row("P1", must_place="yes"),
                    project_row("P2", must_place="yes"),
                ],
            },
            r"must-place projects P1, P2 \(2\) can only use parcels L1 \(1\)",
        ),
        (
            {
                "projects": [project_row("P1", must_place="1", hightech="1")],
                "extra": {"costshare": {"budget": 100}},
            },
            r"needs at least 300 万元 of subsidy .* costshare.budget is 100",
        ),
        (
            {
                "factories": [land_row("F1", 5, floor_area_m2=3000)],
                "projects": [
                    project_row(f"P{i}", need="floor", floor_m2=2000, must_place="1")
                    for i in (1, 2)
                ],
            },
            r"P1, P2 can only go to factory F1 and need 4,000 m² of its 3,000 m²",
        ),
        (
            {
                "land": [land_row("L1", 0, zoning="B29")],
                "projects": [project_row("P1", must_place="1", locked_parcel="L1")],
            },
            r"P1 has no eligible parcel — locked parcel L1 is not eligible: zoning",
        ),
    ],
)
def test_infeasibility_is_explained_before_solving(
    make_scenario: Builder, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InfeasibleError, match=message):
        compute(load_scenario(make_scenario(**kwargs)))


def test_floor_projects_share_a_factory_within_its_floor_space(make_scenario: Builder) -> None:
    factory = land_row("F1", 5, floor_area_m2=5000, supply_modes="lease")
    projects = [
        project_row(f"P{i}", need="floor", floor_m2=2000, output=100 * i) for i in (1, 2, 3)
    ]
    result = compute(load_scenario(make_scenario(factories=[factory], projects=projects)))
    placed = result.allocation.placed.set_index("project_id")
    assert sorted(placed.index) == ["P2", "P3"]  # 4,000 of 5,000 m²; P1 would overfill
    assert placed.loc["P3", "land_ha"] == pytest.approx(1.0 * 2000 / 5000)
    # output 200 + 300, tax 100 each × weight 5
    assert result.allocation.objective == pytest.approx(200 + 300 + 2 * 500)


def _best_with_spread(
    inst: dict[str, Any], park: np.ndarray, shortfall: np.ndarray, ceiling: np.ndarray
) -> float | None:
    """Enumerate every assignment; the fund pays Σ_k max(0, S_k − C_k) (by hand)."""
    pairs, projects, parcels = inst["pairs"], inst["projects"], inst["parcels"]
    is_land = dict(zip(range(len(parcels)), parcels["kind"] == "vacant", strict=True))
    capacity = parcels["floor_area_m2"].to_numpy()
    need = projects["floor_m2"].to_numpy()
    by_project: dict[int, list[int]] = {p: [] for p in range(len(projects))}
    for k, p in enumerate(pairs["project"]):
        by_project[int(p)].append(k)
    must = projects["must_place"].to_numpy()
    best = None
    for combo in itertools.product(*[[None, *ks] for ks in by_project.values()]):
        ks = [k for k in combo if k is not None]
        if any(must[p] and by_project[p] and combo[p] is None for p in range(len(projects))):
            continue
        used: dict[int, float] = {}
        ok = True
        for k in ks:
            j, p = int(pairs["parcel"].iloc[k]), int(pairs["project"].iloc[k])
            if is_land[j]:
                ok &= j not in used
                used[j] = 1.0
            else:
                used[j] = used.get(j, 0.0) + need[p]
                ok &= used[j] <= capacity[j] + 1e-9
        if not ok:
            continue
        fund = 0.0
        for k_park in set(park):
            sel = [k for k in ks if park[k] == k_park]
            fund += max(0.0, sum(shortfall[sel]) - sum(ceiling[sel]))
        if inst["budget"] is not None and fund > inst["budget"] + 1e-9:
            continue
        value = sum(float(projects["output"].iloc[pairs["project"].iloc[k]]) for k in ks)
        value -= inst["w_subsidy"] * fund
        best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("solver", SOLVERS)
def test_spread_fund_matches_brute_force(solver: str) -> None:
    from landplan.model import SpreadTerms

    rng = np.random.default_rng(19)
    checked = 0
    for _ in range(40):
        inst = _random_model_instance(rng)
        n = len(inst["pairs"])
        hightech = inst["projects"]["hightech"].to_numpy()[inst["pairs"]["project"]]
        park = rng.choice(["A", "B"], n)
        shortfall = np.where(hightech, rng.integers(0, 40, n), 0).astype(float)
        ceiling = np.where(hightech, 0, rng.integers(0, 30, n)).astype(float)
        model = _model(inst, SpreadTerms(park, shortfall, ceiling))
        result, _ = solve_split(model, SolverOptions(name=solver, gap=0.0, time_limit=30))
        expected = _best_with_spread(inst, park, shortfall, ceiling)
        if expected is None:
            assert result.status == INFEASIBLE
            continue
        assert result.status != INFEASIBLE
        assert result.objective == pytest.approx(expected, abs=1e-6)
        checked += 1
    assert checked >= 25


def test_spread_run_pays_what_the_model_counted(make_scenario: Builder) -> None:
    # Park P: two high-tech projects (shortfall 0.3 × avg × land each) and one
    # non-high-tech bearer whose ceiling (0.05 × avg × land) covers part of it.
    land = [land_row(f"L{i}", i, dev_cost=1000.0, park="P") for i in range(4)]
    projects = [
        project_row("H1", hightech="true", output=900),
        project_row("H2", hightech="true", output=800),
        project_row("N1", hightech="false", output=300),
    ]
    path = make_scenario(
        land=land,
        projects=projects,
        extra={
            "costshare": {"shortfall": "spread", "spread_max_ratio": 0.05, "budget": 500},
            "objective": {"output": 1, "tax": 0, "jobs": 0, "hightech": 0, "major": 0},
        },
    )
    result = compute(load_scenario(path))
    placed = result.allocation.placed
    subsidy = float(result.shares["subsidy"].sum())
    # By hand: shortfall 0.3 × 1000 × 1 ha = 300 per high-tech project, ceiling
    # 0.05 × 1000 × 1 = 50 for N1. All three: fund 550 > 500. H1+H2: 600. H1+N1:
    # fund 250, value 900 + 300 − 250 = 950, the best (H1 alone: 600).
    assert sorted(placed["project_id"]) == ["H1", "N1"]
    assert subsidy == pytest.approx(250.0)
    assert result.allocation.objective == pytest.approx(950.0)
    # the objective the solver reports is the placed values less the fund's real payment
    values = result.inputs.tables.projects.set_index("project_id")["output"]
    assert result.allocation.objective == pytest.approx(
        float(values[placed["project_id"]].sum()) - subsidy, abs=1e-6
    )
    assert subsidy <= 500 + 1e-6


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_start_plan_gives_the_same_optimum(solver: str) -> None:
    from landplan.solve import complete_start

    rng = np.random.default_rng(23)
    seen_good = seen_bad = 0
    for _ in range(30):
        inst = _random_model_instance(rng)
        model = _model(inst)
        options = SolverOptions(name=solver, gap=0.0, time_limit=30)
        cold = solve(model, options)
        if cold.status == INFEASIBLE:
            continue
        # the optimum itself, and a random 0/1 vector (usually breaking a row)
        for start in (cold.x, (rng.random(model.n_cols) < 0.5).astype(float)):
            ok = complete_start(model, start) is not None
            seen_good += ok
            seen_bad += not ok
            warm = solve(model, options, start=start)
            assert warm.objective == pytest.approx(cold.objective, abs=1e-6)
    assert seen_good >= 10 and seen_bad >= 5
