"""Sweep benchmark: 21 values of costshare.cap_ratio (0.50 to 1.00), 2 workers.

Usage: python bench/bench_sweep.py [demo|district]
Prints the time of one full run, the sweep's wall time and their ratio.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def district_scenario(folder: Path) -> Path:
    """Write the 5,000 × 500 synthetic district as files, so sweep workers can read it."""
    from bench import synthetic

    inputs = synthetic.inputs(5_000, 500, 0.40, "cbc", 150_000.0)
    inputs.parcels.to_file(folder / "parcels.gpkg", layer="parcels", engine="pyogrio")
    projects = inputs.tables.projects
    projects.to_csv(folder / "projects.csv", index=False)
    with (folder / "zoning.csv").open("w") as f:
        f.write("sector,allowed_zoning\n")
        for sector, codes in inputs.tables.zoning.items():
            f.write(f"{sector},{';'.join(sorted(codes))}\n")
    path = folder / "district.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "district",
                "crs": "EPSG:4548",
                "projects": "projects.csv",
                "zoning": "zoning.csv",
                "layers": [{"path": "parcels.gpkg", "layer": "parcels", "kind": "vacant"}],
                "costshare": {"budget": 150_000},
                "solver": {"gap": 0.001, "time_limit": 600},
            }
        )
    )
    return path


def main() -> None:
    from landplan.run import compute
    from landplan.scenario import load_scenario
    from landplan.sweep import sweep

    case = sys.argv[1] if len(sys.argv) > 1 else "demo"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = (
            ROOT / "scenarios" / "daxing-demo.yaml" if case == "demo" else district_scenario(folder)
        )
        t = time.perf_counter()
        compute(load_scenario(path, {"solver.threads": 1}))
        one = time.perf_counter() - t
        caps = [round(0.5 + 0.025 * k, 3) for k in range(21)]
        t = time.perf_counter()
        table = sweep(path, {"costshare.cap_ratio": caps}, folder / "sweep", workers=2)
        wall = time.perf_counter() - t
    failed = int((table["status"] == "failed").sum())
    print(
        f"{case}: one run {one:.1f} s; 21-point sweep on 2 workers {wall:.1f} s "
        f"({wall / one:.1f}× one run); {failed} failed"
    )


if __name__ == "__main__":
    main()
