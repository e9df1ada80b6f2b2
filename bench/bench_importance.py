"""Parcel importance: what it costs beside the plan itself.

Usage: python bench/bench_importance.py [demo|district|district+phasing]   # default: all

demo: ``landplan run`` with and without ``--importance`` as commands (interpreter,
loading and outputs included; 2 workers), and in process (``compute``). district:
the 5,000 × 500 district of bench_engine (20,000 万元), every used parcel's
importance in process on 2 workers; ``+phasing`` over 2025–2030 as bench_engine.
Prints the times, their ratio, and how the parcels were settled (exact from the
brackets, solved again, intervals).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _commands(path: Path) -> dict[str, float]:
    """Wall time of ``landplan run`` as a user types it, with and without importance."""
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("run_s", []), ("run_importance_s", ["--importance"])):
            t = time.perf_counter()
            subprocess.run(
                ["landplan", "run", str(path), "-q", f"--out={tmp}/{name}", *extra],
                check=True,
                capture_output=True,
            )
            times[name] = round(time.perf_counter() - t, 2)
    return times


def one(case: str) -> dict[str, object]:
    from bench.bench_engine import phasing, scenario_file
    from landplan.allocate import allocate
    from landplan.eligibility import eligible_pairs
    from landplan.importance import parcel_importance
    from landplan.inputs import load_inputs
    from landplan.scenario import load_scenario
    from landplan.valuation import price_pairs

    overrides: dict[str, object] = {"solver.gap": 0.001} if case != "demo" else {}
    if case.endswith("+phasing"):
        overrides["phasing"] = phasing(case.removesuffix("+phasing"))
    path = scenario_file(case)
    scenario = load_scenario(path, overrides)
    t = time.perf_counter()
    inputs = load_inputs(scenario)
    priced = price_pairs(inputs, eligible_pairs(inputs))
    allocation = allocate(priced, scenario.solver)
    plan_s = time.perf_counter() - t
    t = time.perf_counter()
    table = parcel_importance(
        priced,
        allocation,
        scenario.solver,
        workers=2,
        tolerance=scenario.policy.importance_tolerance,
    )
    importance_s = time.perf_counter() - t
    row: dict[str, object] = {
        "case": case,
        "pairs": len(priced.pairs),
        "parcels_used": len(table),
        "plan_s": round(plan_s, 2),
        "importance_s": round(importance_s, 2),
        "importance_over_plan": round(importance_s / plan_s, 1),
        "exact": int(table["exact"].sum()),
        "intervals": int((table["status"] == "interval").sum()),
        "infeasible": int((table["status"] == "infeasible").sum()),
        "time_limit": int((table["status"] == "time_limit").sum()),
    }
    if case == "demo":
        row.update(_commands(path))
        row["commands_ratio"] = round(row["run_importance_s"] / row["run_s"], 2)  # type: ignore[operator]
    return row


def main() -> None:
    cases = sys.argv[1:] or ["demo", "district", "district+phasing"]
    for case in cases:
        print(json.dumps(one(case)), flush=True)


if __name__ == "__main__":
    main()
