"""PostGIS benchmark: load 100,000 parcels from a table, write a 100,000-row result back.

Usage: python bench/bench_postgis.py [N]
Starts a throwaway server (tests/pgserver.py), stores N synthetic parcels both as a
PostGIS table and as a GeoPackage, then times ``load_parcels`` from each, and the
result's parcel layer (N rows with geometry) written to each: PostGIS through
``postgis.write_table`` in one transaction, as ``run --to-postgis`` does.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from sqlalchemy import text

    from bench import synthetic
    from landplan import postgis_sink, postgis_source
    from landplan.domain import Kind
    from landplan.parcels import load_parcels
    from landplan.scenario import LayerSpec, Scenario, TableSpec
    from tests.pgserver import PASSWORD, Server

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    parcels = synthetic.parcels_frame(n)
    server = Server()
    try:
        url = server.url()
        os.environ["PGPASSWORD"] = PASSWORD
        with tempfile.TemporaryDirectory() as tmp:
            gpkg = Path(tmp) / "parcels.gpkg"
            parcels.to_file(gpkg, layer="parcels", engine="pyogrio")
            eng = postgis_source.engine(url)
            with eng.begin() as conn:
                conn.execute(text("CREATE SCHEMA src"))
                parcels.rename_geometry("geom").to_postgis("parcels", conn, schema="src")
            eng.dispose()

            def scenario(spec: LayerSpec) -> Scenario:
                layers = (spec,)
                return Scenario(
                    "bench", gpkg, "EPSG:4548", layers, TableSpec(gpkg), TableSpec(gpkg)
                )

            t = time.perf_counter()
            from_file = load_parcels(
                scenario(LayerSpec(kind=Kind.VACANT, path=gpkg, layer="parcels"))
            )
            file_s = time.perf_counter() - t
            t = time.perf_counter()
            from_db = load_parcels(
                scenario(LayerSpec(kind=Kind.VACANT, url=url, table="src.parcels"))
            )
            db_s = time.perf_counter() - t
            assert len(from_file) == len(from_db) == n

            result = from_db.assign(project_ids="P-1", share=1.0, subsidy=0.5)
            t = time.perf_counter()
            result.to_file(Path(tmp) / "out.gpkg", layer="parcels", engine="pyogrio")
            write_file_s = time.perf_counter() - t
            t = time.perf_counter()
            with postgis_source.connection(url, "bench") as conn:
                conn.execute(text("CREATE SCHEMA IF NOT EXISTS plan"))
                postgis_sink.write_table(conn, result, "parcels", schema="plan", mode="replace")
            write_db_s = time.perf_counter() - t
    finally:
        server.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n:,} parcels: load_parcels from GeoPackage {file_s:.2f} s, from PostGIS {db_s:.2f} s; "
        f"write the {n:,}-row result: GeoPackage {write_file_s:.2f} s, PostGIS (one "
        f"transaction) {write_db_s:.2f} s; peak RSS {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
