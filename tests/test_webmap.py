"""What every web map shares: the GCJ-02 shift, display geometry, the offline page."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from landplan.errors import LandplanError
from landplan.scenario import MapSpec
from landplan.webmap import base_map, offline, wgs84_to_gcj02

# Published test vectors of the GCJ-02 algorithm (eviltransform): WGS-84 -> GCJ-02.
GCJ_VECTORS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


def test_gcj02_shift_matches_published_vectors() -> None:
    wgs = np.array([w for w, _ in GCJ_VECTORS])
    lon, lat = wgs84_to_gcj02(wgs[:, 1], wgs[:, 0])
    expected = np.array([g for _, g in GCJ_VECTORS])
    assert lat == pytest.approx(expected[:, 0], abs=1e-9)
    assert lon == pytest.approx(expected[:, 1], abs=1e-9)
    # outside China nothing moves (Tokyo, Reykjavik)
    lon, lat = wgs84_to_gcj02(np.array([139.767125, -21.9426]), np.array([35.681236, 64.1466]))
    assert list(lon) == [139.767125, -21.9426] and list(lat) == [35.681236, 64.1466]


def test_an_offline_page_loads_nothing_and_shows_in_a_notebook() -> None:
    display = gpd.GeoDataFrame(geometry=[box(116.3, 39.7, 116.31, 39.71)], crs="EPSG:4326")
    m = base_map(display, MapSpec())
    page = m.page()
    assert "L.map(" in page and "unpkg.com" not in page and "cdn.jsdelivr" not in page
    frame = m._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;script&gt;" in frame
    # a page that still loads from another host is a bug, not a silent leak
    with pytest.raises(LandplanError, match="still refers to"):
        offline('<head></head><img src="http://example.com/x.png">')
