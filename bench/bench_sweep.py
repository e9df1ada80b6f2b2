"""Sweep benchmark: 21 values of costshare.cap_ratio (0.50 to 1.00), 2 workers.

Usage: python bench/bench_sweep.py [demo|district] [SOLVER] [GAP] [TIME_LIMIT]
Prints the time of one full run (in process, loading included) and of the sweep
(process start, loading, 21 solves), their ratio, and the points' statuses.
One run and every sweep point use the same solver, gap and time limit.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


_FLAGS = {"solver.name": "solver", "solver.gap": "gap", "solver.time_limit": "time-limit"}


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
    fixed: dict[str, object] = {}
    for key, arg in zip(
        ("solver.name", "solver.gap", "solver.time_limit"), sys.argv[2:], strict=False
    ):
        fixed[key] = arg if key == "solver.name" else float(arg)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = (
            ROOT / "scenarios" / "daxing-demo.yaml" if case == "demo" else district_scenario(folder)
        )
        t = time.perf_counter()
        compute(load_scenario(path, {**fixed, "solver.threads": 1}))
        one = time.perf_counter() - t
        # as a user sees it: the command, interpreter start and imports included
        flags = [f"--set={k}={v}" for k, v in fixed.items()]
        t = time.perf_counter()
        subprocess.run(
            ["landplan", "run", str(path), "-q", "--threads=1", f"--out={folder / 'one'}", *flags],
            check=True,
            capture_output=True,
        )
        one_cli = time.perf_counter() - t
        caps = [round(0.5 + 0.025 * k, 3) for k in range(21)]
        t = time.perf_counter()
        table = sweep(path, {"costshare.cap_ratio": caps}, folder / "sweep", workers=2, fixed=fixed)
        wall = time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run(
            ["landplan", "sweep", str(path), "-q", f"--out={folder / 'sw'}"]
            + [f"--set=costshare.cap_ratio={','.join(map(str, caps))}"]
            + [f"--{_FLAGS[k]}={v}" for k, v in fixed.items()],
            check=True,
            capture_output=True,
        )
        wall_cli = time.perf_counter() - t
    statuses = table["status"].value_counts().to_dict()
    slowest = table.sort_values("runtime_s").iloc[-1]
    print(
        f"{case} {fixed}: one run {one:.1f} s; 21-point sweep on 2 workers {wall:.1f} s "
        f"({wall / one:.1f}× one run); points {statuses}; median point "
        f"{table['runtime_s'].median():.2f} s, slowest cap {slowest['costshare.cap_ratio']} "
        f"{slowest['runtime_s']:.1f} s; largest gap {table['gap'].max():.4%}"
    )
    print(
        f"  as commands: 'landplan run' {one_cli:.1f} s, 'landplan sweep' {wall_cli:.1f} s "
        f"({wall_cli / one_cli:.1f}× one run)"
    )


if __name__ == "__main__":
    main()
