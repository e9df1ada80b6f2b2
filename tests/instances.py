"""Small random instances as priced pair tables, built without any landplan stage."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from landplan.consolidation import Places, parcels_only
from landplan.scenario import CostShare, Objective, Phasing, Targets
from landplan.valuation import Context, PricedPairs


def priced_table(
    *,
    pairs: pd.DataFrame,
    projects: pd.DataFrame,
    parcels: pd.DataFrame,
    objective: Objective | None = None,
    costshare: CostShare | None = None,
    targets: Targets | None = None,
    places: Places | None = None,
    phasing: Phasing | None = None,
) -> PricedPairs:
    """A priced pair table written by hand (values given, not priced by landplan)."""
    n_proj, n_parcels = len(projects), len(parcels)
    context = Context(
        projects=projects,
        parcels=parcels,
        sectors=np.array(["s"]),
        parks=np.array(["A"]),
        sector=np.zeros(n_proj, dtype=np.int64),
        preferred=np.full(n_proj, -1),
        park=np.zeros(n_parcels, dtype=np.int64),
        leads=np.zeros((1, 1), dtype=bool),
        near_score=np.zeros((0, n_parcels)),
        near_applies=np.zeros((0, n_proj), dtype=bool),
        near_weight=np.zeros(0),
        rank=np.zeros(n_parcels),
        objective=objective or Objective(),
        costshare=costshare or CostShare(),
        places=places or parcels_only(parcels),
        phasing=phasing,
    )
    return PricedPairs(pairs=pairs, context=context, targets=targets or Targets(), no_pairs={})


@dataclass
class Instance:
    """A random instance: the priced table and what an enumeration needs."""

    priced: PricedPairs
    values: np.ndarray  # per pair, what the model should maximise
    subsidy: np.ndarray
    budget: float | None


def random_instance(
    rng: np.random.Generator,
    *,
    spread: bool = False,
) -> Instance:
    """1–4 land parcels, 0–2 factories, 2–5 projects; random pairs, values, subsidy."""
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
            "park": rng.choice(["A", "B"], n_land + n_fac),
            "area_ha": 1.0,
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
            "hightech": rng.random(n_proj) < 0.5,
        }
    )
    rows = [
        (p, j)
        for p in range(n_proj)
        for j in range(len(ids))
        if (need[p] == "floor") == (j >= n_land) and rng.random() < 0.6
    ]
    pairs = pd.DataFrame(rows, columns=["project", "parcel"], dtype=np.int32)
    p = pairs["project"].to_numpy()
    hightech = projects["hightech"].to_numpy()[p]
    subsidy = np.where(hightech, rng.integers(0, 40, len(pairs)), 0).astype(float)
    budget = None if rng.random() < 0.4 else float(rng.integers(0, 60))
    w_subsidy = float(rng.choice([0.0, 1.0, 3.0]))
    if spread:
        pairs["shortfall"] = np.where(hightech, rng.integers(0, 40, len(pairs)), 0).astype(float)
        pairs["ceiling"] = np.where(hightech, 0, rng.integers(0, 30, len(pairs))).astype(float)
        subsidy = np.zeros(len(pairs))
    values = projects["output"].to_numpy()[p] - w_subsidy * subsidy
    pairs["land_ha"] = 1.0
    pairs["subsidy"] = subsidy
    pairs["value"] = values
    priced = priced_table(
        pairs=pairs,
        projects=projects,
        parcels=parcels,
        objective=Objective(output=1, tax=0, jobs=0, hightech=0, major=0, subsidy=w_subsidy),
        costshare=CostShare(budget=budget, shortfall="spread" if spread else "subsidy"),  # type: ignore[arg-type]
    )
    return Instance(priced=priced, values=values, subsidy=subsidy, budget=budget)


def enumerate_best(inst: Instance) -> float | None:
    """The best objective by trying every assignment (tiny instances only).

    Written from the contract, not from landplan's model: each project at most
    one pair (must-place: exactly one, if it has any), a land parcel hosts one
    project, a factory's tenants fit its floor space, the fund's payment within
    the budget. Under spread the fund pays Σ_park max(0, shortfall − ceiling).
    None when no assignment is feasible.
    """
    priced = inst.priced
    pairs, projects, parcels = priced.pairs, priced.projects, priced.parcels
    is_land = (parcels["kind"] != "factory").to_numpy()
    capacity = parcels["floor_area_m2"].to_numpy()
    need = projects["floor_m2"].to_numpy()
    must = projects["must_place"].to_numpy()
    by_project: dict[int, list[int]] = {p: [] for p in range(len(projects))}
    for k, p in enumerate(pairs["project"]):
        by_project[int(p)].append(k)
    spread = "shortfall" in pairs
    park = parcels["park"].to_numpy()[pairs["parcel"].to_numpy()]
    best = None
    for combo in itertools.product(*[[None, *ks] for ks in by_project.values()]):
        if any(must[p] and by_project[p] and combo[p] is None for p in range(len(projects))):
            continue
        ks = [k for k in combo if k is not None]
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
        value = float(sum(inst.values[k] for k in ks))
        fund = float(sum(inst.subsidy[k] for k in ks))
        if spread:
            fund = 0.0
            for name in set(park):
                sel = [k for k in ks if park[k] == name]
                fund += max(
                    0.0,
                    float(pairs["shortfall"].to_numpy()[sel].sum())
                    - float(pairs["ceiling"].to_numpy()[sel].sum()),
                )
            value -= priced.objective.subsidy * fund
        if inst.budget is not None and fund > inst.budget + 1e-9:
            continue
        best = value if best is None else max(best, value)
    return best
