from __future__ import annotations

import logging
import os
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from landplan.errors import InputError
from landplan.parcels import load_parcels
from landplan.scenario import load_scenario
from tests.conftest import DEMO, X0, Y0, Builder, land_row, plot

ROOT = Path(__file__).resolve().parents[1]


def test_demo_loads_every_layer_with_chinese_text() -> None:
    parcels = load_parcels(load_scenario(DEMO))
    counts = parcels["kind"].value_counts().to_dict()
    assert counts == {"vacant": 612, "collective": 137, "factory": 65}
    assert parcels["parcel_id"].is_unique
    assert set(parcels["park"]) == {
        "生物医药基地",
        "临空经济区",
        "氢能示范区",
        "中关村大兴园",
        "镇级产业园",
    }
    collective = parcels[parcels["kind"] == "collective"]
    assert set(collective["supply_modes"].str.split(";").explode()) <= {"lease", "equity", "joint"}
    assert (parcels["area_ha"] > 0).all()
    assert parcels.crs.to_epsg() == 4548
    # Demo sits near Daxing: 39.6–39.8°N, 116.3–116.6°E
    lon_lat = parcels.to_crs(4490).total_bounds
    assert 116.25 < lon_lat[0] < lon_lat[2] < 116.65
    assert 39.55 < lon_lat[1] < lon_lat[3] < 39.82


def test_areas_of_rectangles_are_measured_in_hectares(make_scenario: Builder) -> None:
    land = [
        land_row("A", 0, geometry=plot(0, 100, 200)),  # 2.0 ha
        land_row("B", 1, geometry=plot(1, 50, 30)),  # 0.15 ha
    ]
    parcels = load_parcels(load_scenario(make_scenario(land=land)))
    assert parcels.set_index("parcel_id")["area_ha"].to_dict() == pytest.approx(
        {"A": 2.0, "B": 0.15}
    )


def test_layers_in_other_crs_are_reprojected_before_measuring(
    make_scenario: Builder, tmp_path: Path
) -> None:
    # 300 m × 300 m in zone-39 Gauss-Kruger (EPSG:4527) is 9 ha in EPSG:4548 too,
    # to within the two zones' scale-factor difference (< 0.1 % this close to 117°E).
    square = gpd.GeoDataFrame(
        [land_row("Z", 0, geometry=box(39_450_000, 4_395_000, 39_450_300, 4_395_300))],
        crs="EPSG:4527",
    )
    square.to_file(tmp_path / "other.gpkg", layer="x", engine="pyogrio")
    geo = gpd.GeoDataFrame([land_row("G", 0)], crs="EPSG:4548").to_crs("EPSG:4326")
    geo.to_file(tmp_path / "geo.geojson", driver="GeoJSON", engine="pyogrio")
    layers = [
        {"path": "other.gpkg", "layer": "x", "kind": "vacant"},
        {"path": "geo.geojson", "kind": "vacant"},
    ]
    parcels = load_parcels(load_scenario(make_scenario(layers=layers)))
    area = parcels.set_index("parcel_id")["area_ha"]
    assert area["Z"] == pytest.approx(9.0, rel=1e-3)
    assert area["G"] == pytest.approx(1.0, rel=1e-6)


def _write_gbk_shapefile(folder: Path, cpg: bool) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "地块编号": ["C-1", "C-2"],
            "用地性质": ["M1", "M2"],
            "所属园区": ["魏善庄", "采育镇"],
            "供地方式": ["租赁;入股", "联营"],
        },
        geometry=[plot(0), plot(1)],
        crs="EPSG:4548",
    )
    path = folder / "村集体.shp"
    frame.to_file(path, encoding="gbk", engine="pyogrio")
    if not cpg:
        os.remove(path.with_suffix(".cpg"))
    return path


@pytest.mark.parametrize("declared", [None, "gbk"])
def test_gbk_shapefile_without_cpg_reads_back_chinese(
    make_scenario: Builder, tmp_path: Path, declared: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    _write_gbk_shapefile(tmp_path, cpg=False)
    layer = {
        "path": "村集体.shp",
        "kind": "collective",
        "fields": {
            "地块编号": "parcel_id",
            "用地性质": "zoning",
            "所属园区": "park",
            "供地方式": "supply_modes",
        },
    }
    if declared:
        layer["encoding"] = declared
    with caplog.at_level(logging.WARNING):
        parcels = load_parcels(load_scenario(make_scenario(layers=[layer])))
    assert parcels["park"].tolist() == ["魏善庄", "采育镇"]
    assert parcels["supply_modes"].tolist() == ["equity;lease", "joint"]
    if declared is None:
        assert "decodes as gb18030" in caplog.text
    else:
        assert "gb18030" not in caplog.text


def test_undecodable_shapefile_text_stops_with_advice(
    make_scenario: Builder, tmp_path: Path
) -> None:
    frame = gpd.GeoDataFrame(
        {"parcel_id": ["X"], "zoning": ["M1"], "park": ["\u00ff\u00fe\u0080"]},
        geometry=[plot(0)],
        crs="EPSG:4548",
    )
    path = tmp_path / "bad.shp"
    frame.to_file(path, encoding="latin1", engine="pyogrio")
    os.remove(path.with_suffix(".cpg"))
    with pytest.raises(InputError, match=r"bad\.shp.*neither UTF-8 nor GBK.*encoding:"):
        load_parcels(load_scenario(make_scenario(layers=[{"path": "bad.shp", "kind": "vacant"}])))


def test_invalid_geometry_is_repaired_and_reported(
    make_scenario: Builder, caplog: pytest.LogCaptureFixture
) -> None:
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    with caplog.at_level(logging.WARNING):
        parcels = load_parcels(
            load_scenario(make_scenario(land=[land_row("BOW", 0, geometry=bowtie)]))
        )
    assert "repaired 1 invalid geometries: BOW" in caplog.text
    geom = parcels.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type in {"Polygon", "MultiPolygon"}
    assert parcels["area_ha"].iloc[0] == pytest.approx(0.5)  # two triangles of 2,500 m²


def test_z_coordinates_dropped_and_multipart_kept_whole(make_scenario: Builder) -> None:
    z_square = Polygon([(X0, Y0, 5), (X0 + 100, Y0, 5), (X0 + 100, Y0 + 100, 6), (X0, Y0 + 100, 5)])
    two = MultiPolygon([plot(3), plot(5)])
    parcels = load_parcels(
        load_scenario(
            make_scenario(
                land=[land_row("Z", 0, geometry=z_square), land_row("M", 3, geometry=two)]
            )
        )
    )
    assert not parcels.geometry.has_z.any()
    assert len(parcels) == 2
    assert parcels.set_index("parcel_id")["area_ha"].to_dict() == pytest.approx(
        {"Z": 1.0, "M": 2.0}
    )


def test_overlapping_parcels_of_different_layers_are_warned(
    make_scenario: Builder, caplog: pytest.LogCaptureFixture
) -> None:
    factory = land_row("F1", 0, floor_area_m2=5000, geometry=box(X0 + 50, Y0, X0 + 150, Y0 + 100))
    with caplog.at_level(logging.WARNING):
        load_parcels(load_scenario(make_scenario(factories=[factory])))
    assert "1 parcel pairs of different layers overlap: L1 × F1 5,000 m²" in caplog.text


def test_every_layer_problem_is_reported_together(make_scenario: Builder) -> None:
    land = [land_row("L1", 0, dev_cost="abc"), land_row("L1", 1, status="gone")]
    factories = [land_row("F1", 2, floor_area_m2="")]
    with pytest.raises(InputError) as info:
        load_parcels(load_scenario(make_scenario(land=land, factories=factories)))
    text = str(info.value)
    assert "field dev_cost: is not a number, got 'abc'" in text
    assert "field status: is not a known value, got 'gone'" in text
    assert "field floor_area_m2: required value is empty" in text
    assert "parcel_id 'L1' is used 2 times" in text
    assert len(info.value.problems) == 4


def test_layer_without_crs_stops_unless_declared(make_scenario: Builder, tmp_path: Path) -> None:
    row = {k: v for k, v in land_row("N", 0).items() if len(k) <= 10}  # DBF name limit
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame([row]).to_file(tmp_path / "nocrs.shp", engine="pyogrio")
    layer = {"path": "nocrs.shp", "kind": "vacant"}
    with pytest.raises(InputError, match=r"nocrs\.shp.*no CRS.*crs: EPSG:4548"):
        load_parcels(load_scenario(make_scenario(layers=[layer])))
    parcels = load_parcels(load_scenario(make_scenario(layers=[{**layer, "crs": "EPSG:4548"}])))
    assert parcels["area_ha"].iloc[0] == pytest.approx(1.0)


def test_a_utf8_shapefile_whose_names_were_cut_mid_character(
    make_scenario: Builder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A DBF field name holds 10 bytes: GDAL cuts 地块编号 (12 bytes in UTF-8) inside
    its last character. The layer still reads, and fields: may name the whole name."""
    frame = gpd.GeoDataFrame(
        {
            "地块编号": ["A1", "A2"],
            "用地性质": ["M1", "M1"],
            "所属园区名称": ["园区甲", "园区乙"],
            "开发成本": [100.0, 200.0],
        },
        geometry=[plot(0), plot(1)],
        crs="EPSG:4548",
    )
    with pytest.warns(RuntimeWarning, match="laundered"):  # GDAL says it cut the names
        frame.to_file(tmp_path / "地块.shp", engine="pyogrio", encoding="UTF-8")
    layer = {
        "path": "地块.shp",
        "kind": "vacant",
        "fields": {"地块编号": "parcel_id", "用地性质": "zoning", "所属园区名称": "park"},
    }
    extra = {"layers": [layer]}
    with caplog.at_level(logging.WARNING):
        parcels = load_parcels(load_scenario(make_scenario(**extra)))
    assert parcels["parcel_id"].tolist() == ["A1", "A2"]
    assert parcels["park"].tolist() == ["园区甲", "园区乙"]  # values whole, in Chinese
    assert "cut field names to 10 bytes" in caplog.text and "地块编" in caplog.text
