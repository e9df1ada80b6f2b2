"""PostGIS in and out, against a real throwaway server started here on 127.0.0.1.

The server is Debian's PostgreSQL with PostGIS (installed by tests/system-deps.sh),
in a temporary directory, on a free port, with password authentication; it is
stopped and removed afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import yaml
from sqlalchemy import create_engine, text

from landplan import postgis_sink
from landplan.cli import main
from landplan.parcels import load_parcels
from landplan.scenario import load_scenario
from tests.conftest import DEMO, ROOT
from tests.pgserver import PASSWORD, Server, free_port

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    old = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = PASSWORD  # as a planner's session would have it
    try:
        yield s
    finally:
        if old is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = old
        s.stop()


@pytest.fixture(scope="module")
def demo_in_db(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's parcel layers copied into PostGIS, and a scenario reading them."""
    engine = create_engine(server.url(password=True).replace("://", "+psycopg://", 1))
    gpkg = ROOT / "gis" / "daxing-demo.gpkg"
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA planning"))
        for layer in ("standard_factories", "vacant_plots"):
            frame = gpd.read_file(gpkg, layer=layer)
            frame.rename_geometry("geom").to_postgis(layer, conn, schema="planning")
        col = gpd.read_file(ROOT / "gis" / "collective_land.shp", encoding="gbk")
        col.rename_geometry("geom").to_postgis("collective", conn, schema="planning")
        pd.DataFrame({"a": [1]}).to_sql("no_geometry", conn, schema="planning", index=False)
    engine.dispose()
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for layer in doc["layers"]:
        table = {"standard_factories": "planning.standard_factories"}.get(
            layer.get("layer", ""), "planning.vacant_plots"
        )
        if layer["kind"] == "collective":
            table = "planning.collective"
            layer.pop("encoding")
        layer.pop("path")
        layer.pop("layer", None)
        layer.update(url=server.url(), table=table)
    for c in doc["constraints"]:
        c["path"] = str(ROOT / "gis" / Path(c["path"]).name)
    for n in doc["near"]:
        n["layer"]["path"] = str(ROOT / "gis" / Path(n["layer"]["path"]).name)
    for key in ("projects", "zoning", "parks", "firms"):
        doc[key] = str(DEMO.parent / doc[key])
    path = tmp_path_factory.mktemp("db") / "demo-db.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_demo_layers_through_postgis_give_the_same_parcels(demo_in_db: Path) -> None:
    from_files = load_parcels(load_scenario(DEMO)).sort_values("parcel_id")
    from_db = load_parcels(load_scenario(demo_in_db)).sort_values("parcel_id")
    assert len(from_db) == len(from_files) == 814
    columns = [c for c in from_files.columns if c not in ("geometry", "layer")]
    pd.testing.assert_frame_equal(
        from_db[columns].reset_index(drop=True), from_files[columns].reset_index(drop=True)
    )
    assert from_db.crs.equals(from_files.crs)
    assert (
        from_db.geometry.reset_index(drop=True)
        .geom_equals_exact(from_files.geometry.reset_index(drop=True), tolerance=1e-6)
        .all()
    )


def _tables(server: Server, schema: str) -> dict[str, int]:
    rows = server.query(
        f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'"
    )
    return {r[0]: server.query(f'SELECT count(*) FROM "{schema}"."{r[0]}"')[0][0] for r in rows}


def test_run_writes_its_tables_replacing_or_adding(
    server: Server, demo_in_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", str(demo_in_db), "--out", str(tmp_path / "o"), "-q", "--solver", "highs"]
    args += ["--to-postgis", server.url(password=True), "--schema", "plan"]
    assert main(args) == 0
    counts = _tables(server, "plan")
    placed = len(pd.read_csv(tmp_path / "o" / "costshare.csv"))
    assert counts == {"parcels": 814, "allocation": 122, "costshare": placed, "runs": 1}
    srid = server.query("SELECT Find_SRID('plan', 'parcels', 'geometry')")[0][0]
    assert srid == 4548
    assert main(args) == 0  # replaces
    assert _tables(server, "plan")["runs"] == 1
    assert main([*args, "--keep-history"]) == 0  # adds rows keyed by run id
    counts = _tables(server, "plan")
    assert counts["runs"] == 2 and counts["allocation"] == 2 * 122
    assert len(server.query('SELECT DISTINCT run_id FROM plan."allocation"')) == 2
    # the password is in no output file and in no message
    for f in (tmp_path / "o").iterdir():
        if f.suffix in (".yaml", ".json", ".csv", ".html"):
            assert PASSWORD not in f.read_text(encoding="utf-8")
    assert PASSWORD not in capsys.readouterr().err


def test_a_failure_in_the_last_table_leaves_the_old_tables(
    server: Server, demo_in_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["run", str(demo_in_db), "--out", str(tmp_path / "o"), "-q", "--solver", "highs"]
    args += ["--to-postgis", server.url(), "--schema", "safe"]
    assert main(args) == 0
    before = server.query('SELECT run_id FROM safe."runs"')
    folder_before = sorted(p.name for p in (tmp_path / "o").iterdir())
    real = postgis_sink.write_table

    def failing(conn: Any, frame: Any, name: str, *, schema: str, mode: Any) -> None:
        if name == "runs":  # the last table: the others are already replaced
            conn.execute(text("SELECT 1/0"))
        real(conn, frame, name, schema=schema, mode=mode)

    monkeypatch.setattr(postgis_sink, "write_table", failing)
    assert main(args) == 4  # not bad input: the results could not be written
    assert server.query('SELECT run_id FROM safe."runs"') == before
    assert len(server.query('SELECT DISTINCT run_id FROM safe."allocation"')) == 1
    assert server.query('SELECT DISTINCT run_id FROM safe."allocation"')[0] == before[0]
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == folder_before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"table": "planning.missing"}, "does not exist"),
        ({"table": "planning.no_geometry"}, "has no geometry column"),
        ({"table": "planning.vacant_plots; DROP TABLE x"}, "not a plain schema.table name"),
        ({"url": "mysql://x@127.0.0.1/db"}, "must be a postgresql:// URL"),
    ],
)
def test_bad_layer_entries(
    demo_in_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, str],
    message: str,
) -> None:
    doc = yaml.safe_load(demo_in_db.read_text(encoding="utf-8"))
    doc["layers"][1].update(change)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_wrong_password_and_server_down(
    server: Server,
    demo_in_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = yaml.safe_load(demo_in_db.read_text(encoding="utf-8"))
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PGPASSWORD", "wrong")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the database refused the login" in err and "PGPASSWORD" in err
    assert "wrong" not in err.replace("wrong password", "")
    for layer in doc["layers"]:
        layer["url"] = f"postgresql://postgres@127.0.0.1:{free_port()}/landplan"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the database" in err and "Traceback" not in err
    # a run to a server that is down stops before computing and writes nothing anywhere
    args = ["run", str(DEMO), "--out", str(tmp_path / "o"), "-q"]
    assert main([*args, "--to-postgis", doc["layers"][0]["url"]]) == 2
    assert "--to-postgis" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_layer_from_a_query(demo_in_db: Path, tmp_path: Path) -> None:
    doc = yaml.safe_load(demo_in_db.read_text(encoding="utf-8"))
    vacant = doc["layers"][1]
    vacant.pop("table")
    vacant["sql"] = "SELECT * FROM planning.vacant_plots WHERE park = '临空经济区'"
    doc["layers"] = [vacant]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    parcels = load_parcels(load_scenario(path))
    expected = gpd.read_file(ROOT / "gis" / "daxing-demo.gpkg", layer="vacant_plots")
    assert len(parcels) == int((expected["park"] == "临空经济区").sum()) > 0
    assert set(parcels["layer"]) == {"sql"} and parcels.crs.to_epsg() == 4548
