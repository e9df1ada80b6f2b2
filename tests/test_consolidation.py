"""Consolidation: merged sites of adjacent plots and construction-quota swaps
(CONTRACT "v2: consolidation", docs/consolidation.md)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import box

from landplan.allocate import allocate
from landplan.cli import main
from landplan.column_generation import solve_priced
from landplan.consolidation import Places
from landplan.domain import SolveStatus
from landplan.eligibility import eligible_pairs
from landplan.engine import solve_model
from landplan.errors import InfeasibleError
from landplan.inputs import load_inputs
from landplan.model import build_model, placements_of, returned_parcels
from landplan.scenario import (
    Consolidation,
    CostShare,
    Objective,
    SolverOptions,
    SwapSpec,
    load_scenario,
)
from landplan.valuation import price_pairs
from tests.conftest import X0, Y0, Builder, land_row, project_row
from tests.instances import priced_table


def square(x: float, y: float, w: float = 100.0, h: float = 100.0) -> Any:
    """A w×h m rectangle whose lower left corner is (x, y) m from the test origin."""
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


# A, B touch; C is across a 20 m road from B; D is far away; E touches A but is zoned M4.
STREET = [
    land_row("A", 0, geometry=square(0, 0)),
    land_row("B", 1, geometry=square(100, 0)),
    land_row("C", 2, geometry=square(220, 0)),
    land_row("D", 3, geometry=square(2000, 0)),
    land_row("E", 4, geometry=square(0, 100), zoning="M4"),
]


def sites_of(path: Path) -> set[str]:
    scenario = load_scenario(path)
    land = eligible_pairs(load_inputs(scenario)).places
    table = land.table.iloc[land.n_parcels :]
    return set(table["parcel_id"])


@pytest.mark.parametrize(
    ("merge", "span", "expected"),
    [
        # a 20 m road is within a 30 m gap; D is too far; E has another zoning
        ({"gap_m": 30}, (1.5, 3.5), {"A+B", "B+C", "A+B+C"}),
        # a 10 m gap does not cross the road
        ({"gap_m": 10}, (1.5, 3.5), {"A+B"}),
        # at most two parcels
        ({"gap_m": 30, "max_parcels": 2}, (1.5, 3.5), {"A+B", "B+C"}),
        # zoning may differ: E joins A, and B across their shared corner (a site
        # takes its largest member's code)
        (
            {"gap_m": 30, "same_zoning": False},
            (1.5, 3.5),
            {"A+B", "B+C", "A+B+C", "A+E", "B+E", "A+B+E", "B+C+E"},
        ),
        # 2.5 ha at most: no three-parcel site is of use
        ({"gap_m": 30}, (1.5, 2.5), {"A+B", "B+C"}),
        # a project that fits one parcel needs no site
        ({"gap_m": 30}, (0.5, 3.5), set()),
    ],
)
def test_candidate_sites_on_hand_drawn_plots(
    make_scenario: Builder, merge: dict[str, Any], span: tuple[float, float], expected: set[str]
) -> None:
    path = make_scenario(
        land=STREET,
        projects=[project_row("P1", area_min_ha=span[0], area_max_ha=span[1])],
        extra={"consolidation": {"merge": merge}},
    )
    assert sites_of(path) == expected


def test_reserved_or_other_park_plots_are_not_merged(make_scenario: Builder) -> None:
    land = [
        land_row("A", 0, geometry=square(0, 0)),
        land_row("B", 1, geometry=square(100, 0), status="reserved"),
        land_row("C", 2, geometry=square(0, 100), park="B"),
        land_row("D", 3, geometry=square(100, 100)),
    ]
    path = make_scenario(
        land=land,
        projects=[project_row("P1", area_min_ha=1.5, area_max_ha=2.5)],
        extra={"consolidation": {"merge": {"gap_m": 1}}},
    )
    # A-B (B reserved) and A-C, C-D (other park) are out; A and D only touch at a corner
    assert sites_of(path) == {"A+D"}


def test_a_large_project_goes_on_a_merged_site(make_scenario: Builder, tmp_path: Path) -> None:
    projects = [
        project_row("BIG", area_min_ha=1.8, area_max_ha=2.2, output=5000),
        project_row("SMALL", area_min_ha=0.5, area_max_ha=1.2, output=1000),
    ]
    path = make_scenario(
        land=STREET, projects=projects, extra={"consolidation": {"merge": {"gap_m": 30}}}
    )
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    table = pd.read_csv(out / "allocation.csv").set_index("project_id")
    big = table.loc["BIG", "parcel_id"]
    assert big in {"A+B", "B+C"}
    assert "merged site of 2 adjacent parcels" in table.loc["BIG", "detail"]
    assert "拼合" in table.loc["BIG", "detail_zh"]
    used = [j for site in table["parcel_id"].dropna() for j in site.split("+")]
    assert len(used) == len(set(used)) == 3
    layer = gpd.read_file(out / "allocation.gpkg", layer="parcels")
    members = layer[layer["site"] == big]
    assert sorted(members["parcel_id"]) == sorted(big.split("+"))
    assert (members["project_ids"] == "BIG").all()
    assert members["land_used_ha"].sum() == pytest.approx(2.0, abs=1e-3)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["consolidation"]["placed_on_merged_sites"] == {"BIG": big}


def test_infeasible_when_the_only_site_has_a_reserved_plot(make_scenario: Builder) -> None:
    land = [
        land_row("A", 0, geometry=square(0, 0)),
        land_row("B", 1, geometry=square(100, 0), status="reserved"),
    ]
    path = make_scenario(
        land=land,
        projects=[project_row("BIG", area_min_ha=1.8, area_max_ha=2.2, must_place="true")],
        extra={"consolidation": {"merge": {"gap_m": 30}}},
    )
    scenario = load_scenario(path)
    inputs = load_inputs(scenario)
    with pytest.raises(InfeasibleError) as caught:
        allocate(price_pairs(inputs, eligible_pairs(inputs)), scenario.solver)
    message = str(caught.value)
    assert "must-place project BIG" in message
    assert "A+B together (2.00 ha) would fit, but B (reserved) cannot be used" in message
    assert main(["run", str(path), "--out", str(path.parent / "out"), "-q"]) == 3


# -- quota swaps, worked by hand --------------------------------------------------------
# N lacks quota (1 ha); fragments F1 0.3 ha and F2 0.4 ha in park A, F3 0.6 ha in park B.
QUOTA_LAND = [
    land_row("N", 0, geometry=square(0, 0), needs_quota="true"),
    land_row("F1", 1, geometry=square(1000, 0, 50, 60), fragment="true"),
    land_row("F2", 2, geometry=square(2000, 0, 50, 80), fragment="true"),
    land_row("F3", 3, geometry=square(3000, 0, 60, 100), fragment="true", park="B"),
]


@pytest.mark.parametrize(
    ("swap", "out", "placed"),
    [
        # park A can free 0.7 ha < 1 ha: N cannot be used
        ({"scope": "park"}, set(), False),
        # the district frees 1.3 ha; the least area covering 1 ha is F2 + F3 (1.0 ha)
        ({"scope": "district"}, {"F2", "F3"}, True),
        # at ratio 2 park A frees 1.4 ha, and only F1 + F2 cover 1 ha
        ({"scope": "park", "ratio": 2.0}, {"F1", "F2"}, True),
        # at ratio 2 in the district F3 alone frees 1.2 ha
        ({"scope": "district", "ratio": 2.0}, {"F3"}, True),
    ],
)
def test_quota_swaps_worked_by_hand(
    make_scenario: Builder,
    tmp_path: Path,
    swap: dict[str, Any],
    out: set[str],
    placed: bool,
) -> None:
    path = make_scenario(
        land=QUOTA_LAND,
        projects=[project_row("P", area_min_ha=0.8, area_max_ha=1.2, output=5000)],
        extra={"consolidation": {"swap": swap}},
    )
    folder = tmp_path / "out"
    assert main(["run", str(path), "--out", str(folder), "-q"]) == 0
    table = pd.read_csv(folder / "allocation.csv").set_index("project_id")
    swaps = pd.read_csv(folder / "swaps.csv")
    assert list(swaps.columns[:4]) == ["parcel_id", "direction", "area_ha", "scope"]
    assert set(swaps.loc[swaps["direction"] == "out", "parcel_id"]) == out
    if placed:
        assert table.loc["P", "parcel_id"] == "N"
        assert swaps.loc[swaps["direction"] == "in", "parcel_id"].tolist() == ["N"]
        ratio = swap.get("ratio", 1.0)
        freed = swaps.loc[swaps["direction"] == "out", "area_ha"].sum() * ratio
        assert freed >= 1.0 - 1e-6
    else:
        assert table.loc["P", "reason"] == "no eligible parcel"
        assert "quota" in table.loc["P", "detail"]
        assert swaps.empty
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    for balance in summary["consolidation"]["quota"].values():
        assert balance["left_ha"] >= -1e-9


def test_small_plots_as_swap_candidates_by_size(make_scenario: Builder) -> None:
    land = [
        land_row("N", 0, geometry=square(0, 0), needs_quota="true"),
        land_row("S", 1, geometry=square(1000, 0, 100, 60)),  # 0.6 ha: returnable
        land_row("T", 2, geometry=square(2000, 0, 100, 70)),  # 0.7 ha: returnable
        land_row("U", 3, geometry=square(3000, 0, 100, 90)),  # 0.9 ha: kept
    ]
    path = make_scenario(
        land=land,
        projects=[project_row("P", area_min_ha=0.95, area_max_ha=1.2)],
        extra={"consolidation": {"swap": {"out_below_ha": 0.8}}},
    )
    land_places = eligible_pairs(load_inputs(load_scenario(path))).places
    assert list(land_places.returnable) == [False, True, True, False]
    assert land_places.freeable() == {"A": pytest.approx(1.3)}


def test_bad_swap_column_value_is_a_clear_error(
    make_scenario: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    land = [land_row("N", 0, needs_quota="maybe")]
    path = make_scenario(land=land, extra={"consolidation": {"swap": {"scope": "park"}}})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "N" in err and "needs_quota" in err and "maybe" in err and "yes/no" in err


def test_bad_consolidation_settings_are_clear_errors(
    make_scenario: Builder, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_scenario(
        extra={"consolidation": {"merge": {"max_parcels": 1}, "swap": {"scope": "city"}}}
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "consolidation.merge.max_parcels" in err
    assert "consolidation.swap.scope" in err and "city" in err


# -- the optimum against enumeration -----------------------------------------------------


def random_consolidated(rng: np.random.Generator) -> tuple[Any, dict[str, Any]]:
    """4–6 land parcels in two parks, 0–3 merged sites of two or three of a park's
    parcels, flags for quota; 2–4 projects with random pairs and values."""
    n = int(rng.integers(4, 7))
    park = rng.choice(["A", "B"], n)
    area = rng.choice([0.3, 0.5, 1.0, 1.5], n)
    sites: list[tuple[int, ...]] = []
    for _ in range(int(rng.integers(0, 4))):
        same = np.flatnonzero(park == park[int(rng.integers(n))])
        if len(same) >= 2:
            k = int(rng.integers(2, min(3, len(same)) + 1))
            members = tuple(sorted(rng.choice(same, k, replace=False).tolist()))
            if members not in sites:
                sites.append(members)
    ids = [f"L{i}" for i in range(n)] + ["+".join(f"L{i}" for i in s) for s in sites]
    rows = np.concatenate(
        [np.arange(n), np.repeat(np.arange(len(sites)) + n, [len(s) for s in sites])]
    )
    cols = np.concatenate([np.arange(n), [j for s in sites for j in s]]).astype(int)
    cover = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + len(sites), n))
    place_area = cover @ area
    needs = rng.random(n) < 0.35
    returnable = ~needs & (rng.random(n) < 0.45)
    scope_district = rng.random() < 0.4
    scope = np.array(["district"] * n if scope_district else park.tolist(), dtype=object)
    ratio = float(rng.choice([0.5, 1.0, 2.0]))
    cost = float(rng.choice([0.0, 30.0]))
    table = pd.DataFrame(
        {
            "parcel_id": ids,
            "kind": "vacant",
            "park": np.concatenate([park, [park[s[0]] for s in sites]]),
            "area_ha": place_area,
            "floor_area_m2": np.nan,
            "largest_ha": np.concatenate([area, [area[list(s)].max() for s in sites]]),
        }
    )
    n_proj = int(rng.integers(2, 5))
    projects = pd.DataFrame(
        {
            "project_id": [f"P{i}" for i in range(n_proj)],
            "need": "land",
            "floor_m2": np.nan,
            "must_place": rng.random(n_proj) < 0.15,
            "hightech": False,
        }
    )
    pair_rows = [(p, j) for p in range(n_proj) for j in range(len(ids)) if rng.random() < 0.45]
    pairs = pd.DataFrame(pair_rows, columns=["project", "parcel"], dtype=np.int32)
    pairs["land_ha"] = place_area[pairs["parcel"].to_numpy()]
    pairs["subsidy"] = 0.0
    # sites worth more, as a large project's would be, so that plans use them
    on_site = pairs["parcel"].to_numpy() >= n
    pairs["value"] = rng.integers(-10, 100, len(pairs)) + np.where(on_site, 60.0, 0.0)
    spec = Consolidation(
        swap=SwapSpec(ratio=ratio, scope="district" if scope_district else "park", cost_per_ha=cost)  # type: ignore[arg-type]
    )
    land = Places(
        table=table,  # type: ignore[arg-type]
        n_parcels=n,
        cover=cover,
        returnable=returnable,
        needs_quota=needs,
        scope=scope,
        spec=spec,
    )
    priced = priced_table(
        pairs=pairs,
        projects=projects,
        parcels=table,
        objective=Objective(subsidy=1.0),
        costshare=CostShare(),
        places=land,
    )
    facts = {
        "n": n,
        "members": [
            list(cover.indices[cover.indptr[k] : cover.indptr[k + 1]]) for k in range(len(ids))
        ],
        "area": area,
        "needs": needs,
        "returnable": returnable,
        "scope": scope,
        "ratio": ratio,
        "cost": cost,
        "must": projects["must_place"].to_numpy(),
    }
    return priced, facts


def best_by_enumeration(priced: Any, facts: dict[str, Any]) -> float | None:
    """Every assignment of projects to places (or none) and every set of returned
    parcels, checked against the contract's rules; the best value, None if none."""
    pairs = priced.pairs
    by_project: dict[int, list[int]] = {p: [] for p in range(len(priced.projects))}
    for k, p in enumerate(pairs["project"]):
        by_project[int(p)].append(k)
    returnable = [int(j) for j in np.flatnonzero(facts["returnable"])]
    area, scope = facts["area"], facts["scope"]
    best = None
    for combo in itertools.product(*[[None, *ks] for ks in by_project.values()]):
        if any(facts["must"][p] and by_project[p] and combo[p] is None for p in by_project):
            continue
        ks = [k for k in combo if k is not None]
        used = [j for k in ks for j in facts["members"][int(pairs["parcel"].iloc[k])]]
        if len(used) != len(set(used)):
            continue
        value = float(sum(pairs["value"].iloc[k] for k in ks))
        for size in range(len(returnable) + 1):
            for back in itertools.combinations(returnable, size):
                if set(back) & set(used):
                    continue
                need: dict[str, float] = {}
                for j in used:
                    if facts["needs"][j]:
                        need[scope[j]] = need.get(scope[j], 0.0) + area[j]
                for j in back:
                    need[scope[j]] = need.get(scope[j], 0.0) - facts["ratio"] * area[j]
                if any(v > 1e-9 for v in need.values()):
                    continue
                total = value - facts["cost"] * sum(area[j] for j in back)
                best = total if best is None or total > best else best
    return best


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_optimum_with_sites_and_swaps_matches_enumeration(solver: str) -> None:
    rng = np.random.default_rng(1501)
    checked = 0
    for _ in range(40):
        priced, facts = random_consolidated(rng)
        expected = best_by_enumeration(priced, facts)
        options = SolverOptions(name=solver, gap=0.0)  # type: ignore[arg-type]
        model = build_model(priced)
        # the whole model, and the pricing engine (return columns are always kept)
        whole = solve_model(model, options)
        by_pricing, kept, _ = solve_priced(model, options)
        for solution, solved in ((whole.solution, whole.model), (by_pricing, kept)):
            if expected is None:
                assert solution.status == SolveStatus.INFEASIBLE
                continue
            assert solution.objective == pytest.approx(expected, abs=1e-6)
            # the plan keeps the rules: no parcel twice, none both used and returned
            chosen, _ = placements_of(solved, solution.x)
            parcel = priced.pairs["parcel"].to_numpy()
            used = [j for k in chosen for j in facts["members"][int(parcel[k])]]
            assert len(used) == len(set(used))
            ids = list(priced.parcels["parcel_id"])
            returned = {ids.index(r) for r in returned_parcels(solved, solution.x)}
            assert not returned & set(used)
            checked += 1
    assert checked >= 60


def test_demo_merges_plots_and_swaps_quota(demo_out: Path) -> None:
    allocation = pd.read_csv(demo_out / "allocation.csv", keep_default_na=False)
    placed = allocation[allocation["status"] == "placed"].set_index("project_id")
    # P-122 is larger than any plot its sector may use: only a merged site fits it
    assert "+" in placed.loc["P-122", "parcel_id"]
    on_land = placed[placed["need"] == "land"]
    used = [j for site in on_land["parcel_id"] for j in site.split("+")]
    assert len(used) == len(set(used))  # no plot twice, alone or in a site
    swaps = pd.read_csv(demo_out / "swaps.csv")
    summary = json.loads((demo_out / "summary.json").read_text(encoding="utf-8"))
    facts = summary["consolidation"]
    assert facts["placed_on_merged_sites"]["P-122"] == placed.loc["P-122", "parcel_id"]
    assert facts["activated"]["parcels"] >= 1
    out = swaps[swaps["direction"] == "out"]
    activated = swaps[swaps["direction"] == "in"]
    assert not set(out["parcel_id"]) & set(used)
    assert set(activated["parcel_id"]) <= set(used)
    # quota balance: what the returned fragments free covers what is activated
    assert out["quota_ha"].sum() >= activated["area_ha"].sum() - 1e-6
    assert all(b["left_ha"] >= -1e-9 for b in facts["quota"].values())
    layer = gpd.read_file(demo_out / "allocation.gpkg", layer="parcels")
    site = placed.loc["P-122", "parcel_id"]
    assert sorted(layer.loc[layer["site"] == site, "parcel_id"]) == sorted(site.split("+"))
    assert set(layer.loc[layer["swap"] == "out", "parcel_id"]) == set(out["parcel_id"])
