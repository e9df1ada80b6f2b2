"""What every web map of landplan shares: display geometry, the GCJ-02 shift, and a
folium map that is self-contained (Leaflet inlined, nothing from the network).

``map.html`` (``maps``) and the battle map ``tracking.html`` (``tracking``) are
built on it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

import folium
import geopandas as gpd
import numpy as np
import shapely

from landplan.domain import Datum
from landplan.errors import LandplanError
from landplan.fonts import embed
from landplan.render import render
from landplan.scenario import MapSpec

# Display geometry: simplified to this many metres, coordinates to 1e-6° (~0.1 m).
SIMPLIFY_M = 1.0
PRECISION = 6


# -- GCJ-02 ("Mars coordinates"), the datum of Gaode/AutoNavi tiles ------------------

_A = 6378245.0
_EE = 0.00669342162296594323


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS-84 coordinates to GCJ-02 (the published algorithm; exact, not a fit).

    Points outside mainland China's bounding box are returned unchanged.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20 * np.sin(6 * x * pi) + 20 * np.sin(2 * x * pi)) * 2 / 3
    dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + common
    dlat += (20 * np.sin(y * pi) + 40 * np.sin(y / 3 * pi)) * 2 / 3
    dlat += (160 * np.sin(y / 12 * pi) + 320 * np.sin(y * pi / 30)) * 2 / 3
    dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + common
    dlon += (20 * np.sin(x * pi) + 40 * np.sin(x / 3 * pi)) * 2 / 3
    dlon += (150 * np.sin(x / 12 * pi) + 300 * np.sin(x / 30 * pi)) * 2 / 3
    rad = lat / 180 * pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180 / ((_A * (1 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = dlon * 180 / (_A / sqrt_magic * np.cos(rad) * pi)
    outside = (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def _gcj02(geoms: np.ndarray) -> np.ndarray:
    def shift(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return np.asarray(shapely.transform(geoms, shift))


def to_display(frame: gpd.GeoDataFrame, options: MapSpec) -> gpd.GeoDataFrame:
    """Simplified in metres, then WGS-84 (or GCJ-02) at ~0.1 m precision."""
    out = frame.copy()
    out["geometry"] = out.geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    out = out.to_crs("EPSG:4326")
    geoms = out.geometry.to_numpy()
    if options.tile_datum == Datum.GCJ02:
        geoms = _gcj02(geoms)
    out["geometry"] = shapely.set_precision(geoms, 10**-PRECISION)
    return out[~out.geometry.is_empty]


def properties(frame: Any, columns: list[str]) -> list[dict[str, Any]]:
    """Feature properties without empty values (the page treats missing as empty)."""
    rows = frame[columns].astype(object).where(frame[columns].notna(), None)
    return [
        {
            str(k): (round(v, 2) if isinstance(v, float) else v)
            for k, v in r.items()
            if v is not None and v != ""
        }
        for r in rows.to_dict("records")
    ]


def feature_collection(frame: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
    """``frame`` as GeoJSON with ``columns`` as properties (``properties``)."""
    shapes = [json.loads(g) for g in shapely.to_geojson(frame.geometry.to_numpy())]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": k, "properties": p, "geometry": g}
            for k, (p, g) in enumerate(zip(properties(frame, columns), shapes, strict=True))
        ],
    }


class OfflineMap(folium.Map):
    """A folium map that shows and saves itself self-contained (Leaflet inlined),
    so that it displays in a notebook on an intranet without internet."""

    def page(self) -> str:
        """The whole page, every script and style inlined."""
        return offline(self.get_root().render())

    def _repr_html_(self, **_kwargs: Any) -> str:
        return render("notebook_frame.html", page=self.page())

    def save(
        self, outfile: str | bytes | Path | BinaryIO, close_file: bool = True, **_kwargs: Any
    ) -> None:
        if isinstance(outfile, str | bytes | Path):
            Path(os.fsdecode(outfile)).write_text(self.page(), encoding="utf-8")
        else:
            outfile.write(self.page().encode("utf-8"))


def base_map(display: gpd.GeoDataFrame, options: MapSpec, **kwargs: Any) -> OfflineMap:
    """An ``OfflineMap`` fitted to ``display`` (WGS-84 or GCJ-02 shapes), with the
    scenario's base tiles when it names any."""
    west, south, east, north = display.total_bounds
    m = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2], tiles=None, prefer_canvas=True, **kwargs
    )
    if options.tiles:
        folium.TileLayer(
            options.tiles, attr=options.attribution or "tiles", name="base map", overlay=False
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.I)
_EXTERNAL_STYLE = re.compile(r'<link[^>]*\bhref="https?://[^"]*"[^>]*/?>\s*', re.I)


def offline(page: str) -> str:
    """Drop every script and style sheet from another host; inline Leaflet's and the
    shipped font (cut to the page's characters)."""
    page = _EXTERNAL_SCRIPT.sub("", page)
    page = _EXTERNAL_STYLE.sub("", page)
    page = page.replace("<head>", "<head>" + render("leaflet_inline.html"), 1)
    # links a reader may click (Leaflet's attribution) are fine; anything loaded is not
    left = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)="(https?://[^"]+)"', page)
    left += re.findall(r"url\((?:'|\")?(https?://[^)'\"]+)", page)
    if left:
        raise LandplanError(f"bug: the map still refers to {left[:3]}")
    return embed(page)
