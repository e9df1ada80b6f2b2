"""Loading benchmark: a 100,000-parcel GeoPackage, raw read vs. landplan's full load.

Usage: python bench/bench_load.py [N]   (default 100000; the layer is cached in bench/data/)
Prints the raw pyogrio read time, the end-to-end ``load_parcels`` time (field checks,
reprojection, geometry validation, overlap check included) and the peak memory.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pyogrio
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.synthetic import parcels_frame  # noqa: E402
from landplan.parcels import load_parcels  # noqa: E402
from landplan.scenario import load_scenario  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    data = ROOT / "bench" / "data"
    data.mkdir(parents=True, exist_ok=True)
    gpkg = data / f"parcels-{n}.gpkg"
    if not gpkg.exists():
        frame = parcels_frame(n)
        frame["standard_land"] = frame["standard_land"].map({True: "是", False: "否"})
        frame.drop(columns=["kind", "area_ha", "layer"]).to_file(
            gpkg, layer="parcels", engine="pyogrio"
        )
    (data / "projects.csv").write_text("project_id,sector\n", encoding="utf-8")
    (data / "zoning.csv").write_text("sector,allowed_zoning\nx,M1\n", encoding="utf-8")
    scenario_file = data / "load.yaml"
    scenario_file.write_text(
        yaml.safe_dump(
            {
                "name": "load",
                "crs": "EPSG:4548",
                "projects": "projects.csv",
                "zoning": "zoning.csv",
                "layers": [{"path": gpkg.name, "layer": "parcels", "kind": "vacant"}],
            }
        )
    )
    t = time.perf_counter()
    raw = pyogrio.read_dataframe(gpkg, layer="parcels")
    t_raw = time.perf_counter() - t
    scenario = load_scenario(scenario_file)
    t = time.perf_counter()
    parcels = load_parcels(scenario)
    t_full = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"parcels {len(parcels):,} (raw {len(raw):,}); file {gpkg.stat().st_size / 2**20:.1f} MiB"
    )
    print(
        f"pyogrio read: {t_raw:.2f} s; load_parcels end to end: {t_full:.2f} s; "
        f"peak RSS {peak:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
