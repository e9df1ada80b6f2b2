"""The allocation engine: pricing against the full model, stage by stage, from files.

Usage: python bench/bench_engine.py                      # every case below
       python bench/bench_engine.py CASE SOLVER PRICING [TIME_LIMIT]   # one run

Cases: demo (the Daxing demo), district (5,000 parcels × 500 projects), city
(50,000 × 2,000 with wide size ranges: over 5 million eligible pairs); a case
with ``+merge`` (``district+merge``) also offers merged sites of up to three
plots within 30 m (docs/consolidation.md); with ``+phasing`` the plan runs over
2025–2030 with a yearly subsidy budget and land cap that bind (``PHASING``),
max_delay 2 and delay_weight 0.05 (docs/phasing.md). Each run
is its own process (for its peak memory); it reads the layers from a GeoPackage
as ``landplan run`` does and goes as far as the cost shares (``compute``), at a
0.1% gap. Quality is stated against the full problem's LP bound: pricing's
certificate L(y), which is that bound (docs/model.md "Pricing").
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the district of issue 27 (a 20,000 万元 budget); the city as before
CASES = {"district": (5_000, 500, 0.40, 20_000.0), "city": (50_000, 2_000, 0.45, 600_000.0)}
RUNS = [
    ("demo", "highs", True),
    ("demo", "cbc", True),
    ("district", "highs", True),
    ("district", "cbc", True),
    ("district", "highs", False),
    ("district", "cbc", False),
    ("city", "highs", True),
    ("city", "cbc", True),
    ("city", "highs", False),
    ("district+merge", "highs", True),
    ("city+merge", "highs", True),
    ("district+phasing", "highs", True),
    ("city+phasing", "highs", True),
]
# +phasing, 2025-2030: a yearly subsidy budget (万元) and land cap (ha) that bind
PHASING = {"district": (5_000.0, 60.0), "city": (80_000.0, 250.0)}


def phasing(base: str) -> dict[str, object]:
    """The ``phasing:`` of ``base`` + phasing: 2025–2030, yearly caps that bind."""
    budget, land = PHASING[base]
    return {
        "years": [2025, 2030],
        "budget": budget,
        "land_ha": land,
        "max_delay": 2,
        "delay_weight": 0.05,
    }


def scenario_file(case: str) -> Path:
    case = case.removesuffix("+merge").removesuffix("+phasing")
    if case == "demo":
        return ROOT / "scenarios" / "daxing-demo.yaml"
    from bench import synthetic

    folder = Path("/tmp/landplan-bench") / case
    if not (folder / "scenario.yaml").exists():
        synthetic.write_scenario(folder, *CASES[case])
    return folder / "scenario.yaml"


def one(case: str, solver: str, pricing: bool, time_limit: float) -> dict[str, object]:
    from landplan.allocate import allocate, with_priority_row
    from landplan.column_generation import price_lp
    from landplan.costshare import share_costs
    from landplan.eligibility import eligible_pairs
    from landplan.inputs import load_inputs
    from landplan.model import build_model
    from landplan.scenario import load_scenario
    from landplan.valuation import price_pairs

    overrides: dict[str, object] = {
        "solver.name": solver,
        "solver.gap": 0.001,
        "solver.pricing": pricing,
        "solver.time_limit": time_limit,
    }
    if case.endswith("+merge"):
        overrides["consolidation.merge.gap_m"] = 30.0
    if case.endswith("+phasing"):
        base = case.removesuffix("+phasing")
        overrides["phasing"] = phasing(base)
    clock = time.perf_counter()
    scenario = load_scenario(scenario_file(case), overrides)
    inputs = load_inputs(scenario)
    stages = {"load_s": time.perf_counter() - clock}
    t = time.perf_counter()
    eligibility = eligible_pairs(inputs)
    stages["eligibility_s"] = time.perf_counter() - t
    t = time.perf_counter()
    priced = price_pairs(inputs, eligibility)
    stages["valuation_s"] = time.perf_counter() - t
    t = time.perf_counter()
    row: dict[str, object] = {"case": case, "solver": solver, "pricing": pricing}
    try:
        allocation = allocate(priced, scenario.solver)
    except Exception as exc:  # the full path on the city: report, do not stop the bench
        row.update(status=f"failed: {type(exc).__name__}: {str(exc)[:120]}")
        allocation = None
    stages["allocate_s"] = time.perf_counter() - t
    if allocation is not None:
        t = time.perf_counter()
        share_costs(allocation.placed, scenario.costshare)
        stages["costshare_s"] = time.perf_counter() - t
    end_to_end = time.perf_counter() - clock
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the full problem's LP bound, the same certificate for both paths (not timed)
    model = build_model(priced)
    if allocation is not None and allocation.hightech_first is not None:
        # priority: hightech_first: the second stage's model, with its row
        model = with_priority_row(priced, model, allocation.hightech_first)
    certificate = price_lp(model, replace(scenario.solver, name="highs"), first=1, add=50)
    assert certificate is None or certificate.finished
    row["pairs"] = len(priced.pairs)
    row["placements"] = model.n_placements
    row.update({k: round(v, 2) for k, v in stages.items()})
    row["end_to_end_s"] = round(end_to_end, 2)
    row["peak_mb"] = round(peak)
    if certificate is not None:
        row["full_lp_bound"] = round(certificate.bound)
    if allocation is not None:
        row.update(status=str(allocation.status), objective=round(allocation.objective))
        row["placed"] = len(allocation.placed)
        lp = certificate.bound if certificate is not None else allocation.bound
        row["gap_to_full_lp_pct"] = round(100 * (lp - allocation.objective) / abs(lp), 4)
        row["reported_gap_pct"] = round(100 * allocation.gap, 4)
        if allocation.pricing is not None:
            stats = allocation.pricing
            row.update(
                kept=stats.kept,
                rounds=stats.rounds,
                closing_added=stats.closing_added,
                pricing_lp_s=round(stats.lp_s, 2),
                mip_s=round(stats.mip_s, 2),
            )
    return row


def main() -> None:
    if len(sys.argv) >= 4:
        limit = float(sys.argv[4]) if len(sys.argv) > 4 else 600.0
        print(json.dumps(one(sys.argv[1], sys.argv[2], sys.argv[3] == "1", limit)), flush=True)
        return
    for case, solver, pricing in RUNS:
        limit = "180" if case == "city" and not pricing else "600"
        args = [sys.executable, __file__, case, solver, "1" if pricing else "0", limit]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        lines = done.stdout.strip().splitlines()
        print(lines[-1] if lines else json.dumps({"case": case, "error": done.stderr[-300:]}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
