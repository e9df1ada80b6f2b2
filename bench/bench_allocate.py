"""Allocation benchmark: eligibility, model build, solve, LP bound, peak memory.

Usage: python bench/bench_allocate.py            # every case, each in its own process
       python bench/bench_allocate.py CASE SOLVER  # one case (demo, district, city)

Cases: demo (the Daxing demo), district (5,000 parcels × 500 projects, about 200k
pairs), city (50,000 parcels × 2,000 projects). Prints one line per case and solver.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {"district": (5_000, 500, 0.40, 150_000.0), "city": (50_000, 2_000, 0.05, 600_000.0)}


def one(case: str, solver: str) -> dict[str, object]:
    from dataclasses import replace

    from landplan.allocate import allocate
    from landplan.eligibility import eligible_pairs
    from landplan.inputs import load_inputs
    from landplan.model import build_model
    from landplan.scenario import load_scenario
    from landplan.solve import solve
    from landplan.valuation import price_pairs

    t0 = time.perf_counter()
    if case == "demo":
        scenario = load_scenario(ROOT / "scenarios" / "daxing-demo.yaml", {"solver.name": solver})
        inputs = load_inputs(scenario)
    else:
        from bench import synthetic

        n, m, width, budget = CASES[case]
        inputs = synthetic.inputs(n, m, width, solver, budget)
        scenario = inputs.scenario
    t_load = time.perf_counter() - t0
    t = time.perf_counter()
    elig = eligible_pairs(inputs)
    t_elig = time.perf_counter() - t
    t = time.perf_counter()
    priced = price_pairs(inputs, elig)
    model = build_model(priced)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    relaxed = solve(model, replace(scenario.solver, name="highs"), relax=True)
    t_lp = time.perf_counter() - t
    t = time.perf_counter()
    alloc = allocate(priced, scenario.solver)
    t_alloc = time.perf_counter() - t
    total = time.perf_counter() - t0 - t_lp - t_build  # allocate() builds again
    return {
        "case": case,
        "solver": solver,
        "parcels": len(inputs.parcels),
        "projects": len(inputs.tables.projects),
        "pairs": len(elig.pairs),
        "load_s": round(t_load, 2),
        "eligibility_s": round(t_elig, 2),
        "build_s": round(t_build, 2),
        "solve_s": round(alloc.runtime_s, 2),
        "allocate_s": round(t_alloc, 2),
        "end_to_end_s": round(total, 2),
        "status": alloc.status,
        "objective": round(alloc.objective),
        "lp_bound": round(relaxed.objective),
        "gap_to_lp_pct": round(100 * (relaxed.objective - alloc.objective) / relaxed.objective, 4),
        "placed": len(alloc.placed),
        "parts": alloc.components,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "lp_s": round(t_lp, 2),
    }


def pulp_build(case: str) -> dict[str, object]:
    """Build the same model with PuLP's expression layer, for comparison."""
    import pulp

    from bench import synthetic
    from landplan.eligibility import eligible_pairs
    from landplan.model import build_model
    from landplan.valuation import price_pairs

    n, m, width, budget = CASES[case]
    inputs = synthetic.inputs(n, m, width, "cbc", budget)
    priced = price_pairs(inputs, eligible_pairs(inputs))
    t = time.perf_counter()
    model = build_model(priced)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    prob = pulp.LpProblem("landplan", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{k}", cat="Binary") for k in range(model.n_cols)]
    prob += pulp.lpSum(c * v for c, v in zip(model.c, x, strict=True))
    A = model.A.tocsr()
    for r in range(model.n_rows):
        s, e = A.indptr[r], A.indptr[r + 1]
        prob += pulp.lpSum(A.data[k] * x[A.indices[k]] for k in range(s, e)) <= model.row_upper[r]
    theirs = time.perf_counter() - t
    return {
        "case": case,
        "pairs": model.n_cols,
        "sparse_build_s": round(ours, 2),
        "pulp_build_s": round(theirs, 2),
    }


def main() -> None:
    if len(sys.argv) == 3:
        result = pulp_build(sys.argv[1]) if sys.argv[2] == "pulp" else one(sys.argv[1], sys.argv[2])
        print(json.dumps(result))
        return
    for case in ("demo", "district", "city"):
        for solver in ("cbc", "highs"):
            done = subprocess.run(
                [sys.executable, __file__, case, solver], capture_output=True, text=True
            )
            print(
                done.stdout.strip() or f"{case} {solver} failed: {done.stderr.strip()[-300:]}",
                flush=True,
            )
    done = subprocess.run(
        [sys.executable, __file__, "district", "pulp"], capture_output=True, text=True
    )
    print(done.stdout.strip() or done.stderr.strip()[-300:], flush=True)


if __name__ == "__main__":
    main()
