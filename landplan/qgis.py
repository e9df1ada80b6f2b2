"""QGIS-ready ``allocation.gpkg``: a default style in ``layer_styles`` and field aliases.

QGIS reads a layer's default style from the GeoPackage's ``layer_styles`` table
(the table QGIS itself writes with "Save as default"). The style here matches the
web map: placed parcels by sector with the map's colours, other parcels by status;
field aliases carry the map's Chinese and English labels.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyogrio

from landplan.messages import CATALOGUE
from landplan.palettes import STATUS_COLOURS, sector_colours

# What QGIS shows for a parcel's class: its first sector if placed, else its status.
CLASS_EXPRESSION = 'CASE WHEN "sector" <> \'\' THEN "sector" ELSE \'status: \' || "status" END'


# QGIS reads the style's document type from this line; ElementTree writes no doctype
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"


def _rgba(colour: str, alpha: int) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[k : k + 2], 16) for k in (0, 2, 4))
    return f"{r},{g},{b},{alpha}"


def _symbol(parent: ET.Element, name: str, fill: str, alpha: int) -> None:
    """A solid fill symbol with a thin dark outline, under ``parent``."""
    options = {
        "color": _rgba(fill, alpha),
        "outline_color": _rgba("#222222", 255),
        "outline_width": "0.26",
        "outline_width_unit": "MM",
        "style": "solid",
        "outline_style": "solid",
    }
    symbol = ET.SubElement(
        parent,
        "symbol",
        {"type": "fill", "name": name, "alpha": "1", "clip_to_extent": "1", "force_rhr": "0"},
    )
    layer = ET.SubElement(
        symbol, "layer", {"class": "SimpleFill", "pass": "0", "enabled": "1", "locked": "0"}
    )
    option_map = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in options.items():
        ET.SubElement(option_map, "Option", {"name": key, "value": value, "type": "QString"})


def parcel_style_qml(sectors: list[str], fields: list[str]) -> str:
    """The QML of the parcel layer: categories by sector, then by status; aliases."""
    root = ET.Element("qgis", {"version": "3.28.0", "styleCategories": "Symbology|Fields"})
    renderer = ET.SubElement(
        root,
        "renderer-v2",
        {
            "type": "categorizedSymbol",
            "attr": CLASS_EXPRESSION,
            "symbollevels": "0",
            "enableorderby": "0",
            "forceraster": "0",
            "referencescale": "-1",
        },
    )
    categories = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    classes = [(s, c, 204) for s, c in sector_colours(sectors).items()]
    classes += [(f"status: {k}", c, 115) for k, c in STATUS_COLOURS.items()]
    for k, (value, colour, alpha) in enumerate(classes):
        label = value
        if value.startswith("status: "):
            label = CATALOGUE[f"status.{value[8:]}"][0] + " " + value
        attributes = {"value": value, "symbol": str(k), "label": label, "render": "true"}
        ET.SubElement(categories, "category", attributes)
        _symbol(symbols, str(k), colour, alpha)
    aliases = ET.SubElement(root, "aliases")
    for k, field in enumerate(fields):
        if field in CATALOGUE:
            names = {"field": field, "index": str(k), "name": " / ".join(CATALOGUE[field])}
            ET.SubElement(aliases, "alias", names)
    return DOCTYPE + ET.tostring(root, encoding="unicode")


def write_styles(gpkg: Path, sectors: list[str], fields: list[str]) -> None:
    """Add ``layer_styles`` with the parcel layer's default style to ``gpkg``."""
    styles = pd.DataFrame(
        {
            "f_table_catalog": [""],
            "f_table_schema": [""],
            "f_table_name": ["parcels"],
            "f_geometry_column": ["geom"],
            "styleName": ["landplan"],
            "styleQML": [parcel_style_qml(sectors, fields)],
            "styleSLD": [""],
            "useAsDefault": [True],
            "description": ["placed parcels by sector, others by status (as map.html)"],
            "owner": [""],
            "ui": [""],
            "update_time": [pd.Timestamp(datetime.now(UTC).replace(tzinfo=None))],
        }
    )
    pyogrio.write_dataframe(
        styles, gpkg, layer="layer_styles", driver="GPKG", layer_options={"FID": "id"}
    )
