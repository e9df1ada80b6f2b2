"""allocation.gpkg opened in QGIS: the default style and field aliases, and GDAL's own check."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.conftest import DEMO


def test_allocation_gpkg_is_styled_for_qgis_and_passes_ogrinfo(demo_out: Path) -> None:
    import subprocess
    import xml.etree.ElementTree as ET

    import pyogrio

    gpkg = demo_out / "allocation.gpkg"
    checked = subprocess.run(["ogrinfo", "-al", "-so", str(gpkg)], capture_output=True, text=True)
    assert checked.returncode == 0
    assert "ERROR" not in checked.stderr and "Warning" not in checked.stderr
    styles = pyogrio.read_dataframe(gpkg, layer="layer_styles")
    assert len(styles) == 1
    style = styles.iloc[0]
    assert style["f_table_name"] == "parcels" and bool(style["useAsDefault"])
    assert (
        "Geometry Column = " + style["f_geometry_column"]
        in subprocess.run(
            ["ogrinfo", "-so", str(gpkg), "parcels"], capture_output=True, text=True
        ).stdout
    )
    qml = ET.fromstring(style["styleQML"].split(">", 1)[1])  # after the DOCTYPE
    values = [c.get("value") for c in qml.iter("category")]
    sectors = set(pd.read_csv(DEMO.parent / "projects-demo.csv")["sector"])
    assert sectors <= set(values)
    assert {"status: available", "status: reserved", "status: occupied"} <= set(values)
    # colours as on the web map
    from landplan.palettes import sector_colours

    first = sorted(sectors)[0]
    symbol_of = {c.get("value"): c.get("symbol") for c in qml.iter("category")}
    fills = {
        s.get("name"): o.get("value")
        for s in qml.iter("symbol")
        for o in s.iter("Option")
        if o.get("name") == "color"
    }
    r, g, b = (int(sector_colours(sorted(sectors))[first][k : k + 2], 16) for k in (1, 3, 5))
    assert fills[symbol_of[first]].startswith(f"{r},{g},{b},")
    aliases = {a.get("field"): a.get("name") for a in qml.iter("alias")}
    assert aliases["parcel_id"] == "地块编号 / Parcel"
    assert aliases["subsidy"].startswith("区级补贴")
