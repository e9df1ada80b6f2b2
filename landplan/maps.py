"""``map.html``: the plan on a parcel map that opens from disk with no network.

Built with folium from an output folder (``folder.PlanFolder``), so ``landplan map
OUT_DIR`` rebuilds exactly what ``landplan run`` wrote. The page's style and script
are ``landplan/static/map.css`` and ``map.js``, inlined with Leaflet's
(``webmap.offline``); the page makes no request unless the scenario names a tile
server.

Every text from the data reaches the page as JSON and is put on screen with
``textContent`` (popups, tooltips, the search list and the unplaced panel), so a
parcel called ``<script>`` shows as text.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landplan.constants import MU_PER_HA
from landplan.domain import Indicator, Lang
from landplan.errors import LandplanError
from landplan.firm_evaluation import parcel_scores
from landplan.folder import PlanFolder, read_folder
from landplan.messages import CATALOGUE, label, say
from landplan.palettes import (
    CANNOT_WITHHOLD,
    IMPORTANCE_CLASSES,
    KIND_FILLS,
    STATUS_OUTLINES,
    SWAP_STYLES,
    TIER_COLOURS,
    ratio_class,
    ratio_classes,
    sector_colours,
)
from landplan.render import render
from landplan.scenario import MapSpec
from landplan.views import sector_name, unplaced_reasons
from landplan.webmap import OfflineMap, base_map, feature_collection, properties, to_display

log = logging.getLogger(__name__)

# what the tier popup lists for each firm
FIRM_FIGURES = ("score", *(i.value for i in Indicator))
# Parcel and project ids are written on the parcels from this zoom level on.
LABEL_ZOOM = 16
HULL_FROM = 5_000  # parcels: park outlines as concave hulls (``_park_outlines``)
# Sentences filled in Python: the page needs none of them.
_NOT_ON_MAP = {"why", "none", "funnel", "report", "sheet", "sweep", "chart", "kpi", "head"}


def sentence(key: str) -> bool:
    """True for the catalogue's entries the map page never needs (filled in Python)."""
    return "." in key and key.split(".")[0] in _NOT_ON_MAP


def build_map(folder: PlanFolder, lang: str | None = None) -> str:
    """The self-contained ``map.html`` text, in ``lang`` (default: the scenario's)."""
    return folium_map(folder, lang).page()


def folium_map(folder: PlanFolder, lang: str | None = None) -> OfflineMap:
    """The map of ``folder`` as a folium map, in ``lang`` (default: the scenario's)."""
    options = folder.map
    lang = lang or options.lang
    parcels = folder.parcels
    if parcels.crs is None or not len(parcels):
        raise LandplanError(f"{folder.path}: allocation.gpkg has no parcels to map")
    display = to_display(parcels, options)
    display["area_mu"] = (parcels["area_ha"] * MU_PER_HA).round(2)
    display["land_used_mu"] = (parcels["land_used_ha"] * MU_PER_HA).round(2)
    cap = float(folder.summary["costshare"]["cap_ratio"])
    ratios = ratio_classes(cap)
    display["ratio_class"] = [ratio_class(float(r), ratios) for r in display["share_ratio"]]
    worth = "importance" in parcels.columns  # run --importance
    if worth:
        display["importance_class"] = [
            _class_of(float(v), IMPORTANCE_CLASSES) for v in display["importance_pct"]
        ]
    placed = display[display["project_ids"] != ""]
    boundaries = _park_outlines(parcels, options)
    # the opening view: the parks (the parcels where no park is drawn)
    m = base_map(
        display if boundaries is None else boundaries,
        options,
        control_scale=False,  # the page adds a metric-only scale
        zoom_control=True,
    )

    fields = ["parcel_id", "kind", "zoning", "park", "area_ha", "area_mu", "status", "project_ids"]
    money = ["sectors", "project_names", "land_used_ha", "land_used_mu", "base_share", "share"]
    money += ["subsidy"]
    money += ["spread_burden", "share_ratio", "capped", "ratio_class"]
    years = "years" in parcels.columns  # phasing
    if years:
        money += ["years"]
    if worth:
        money += ["importance", "importance_low", "importance_pct", "importance_class", "withhold"]
    layers: dict[str, str] = {}
    styles: dict[str, str] = {}
    passive: list[str] = []  # drawn for context: they must not catch clicks meant for parcels

    def add(
        name: str,
        key: str,
        frame: gpd.GeoDataFrame,
        *,
        style: str,
        show: bool = True,
        columns: list[str] | None = None,
    ) -> None:
        if columns is None:
            columns = fields if key in ("factory", "vacant", "collective") else [*fields, *money]
        layer = folium.GeoJson(
            feature_collection(frame, columns),
            name=name,
            show=show,
            style_function=None,
        )
        layer.add_to(m)
        layers[key] = layer.get_name()
        styles[key] = style

    for kind in ("factory", "vacant", "collective"):
        subset = display[display["kind"] == kind]
        if len(subset):
            add(label(f"kind.{kind}", lang), kind, subset, style="status")
    add(label("map.allocation", lang), "allocation", placed, style="sector")
    add(label("map.costshare", lang), "costshare", placed, style="ratio", show=False)
    if worth:
        add(label("map.importance", lang), "importance", placed, style="importance", show=False)
    firms = folder.evaluation
    if firms is not None and len(firms):
        tiers = _tiered_parcels(display, firms, folder.scenario)
        columns = [*fields, "tier", "score", "firms", "renewal"]
        add(label("map.tiers", lang), "tiers", tiers, style="tier", show=False, columns=columns)
    consolidated = _consolidation_features(display)
    if consolidated is not None:
        columns = ["parcel_id", "park", "area_ha", "area_mu", "project_ids", "swap", "site"]
        add(
            label("map.consolidation", lang),
            "consolidation",
            consolidated,
            style="swap",
            columns=columns,
        )
    constraints = to_display(folder.constraints, options) if len(folder.constraints) else None
    if constraints is not None:
        for name, group in constraints.groupby("name"):
            fc = json.loads(group[["name", "rule", "geometry"]].to_json())
            layer = folium.GeoJson(
                fc,
                name=f"{label('map.constraint', lang)}: {name}",
                style_function=lambda _f: {
                    "color": "#b2182b",
                    "weight": 1.5,
                    "dashArray": "6 4",
                    "fillColor": "#b2182b",
                    "fillOpacity": 0.12,
                },
            )
            layer.add_to(m)
            passive.append(layer.get_name())
    if boundaries is not None:
        group = folium.FeatureGroup(name=label("map.parks", lang))
        outline = folium.GeoJson(
            json.loads(boundaries[["park", "geometry"]].to_json()),
            style_function=lambda _f: {"color": "#333", "weight": 2, "fill": False},
        )
        outline.add_to(group)
        passive.append(outline.get_name())
        for row in boundaries.itertuples():
            point = row.geometry.representative_point()
            folium.Marker(
                [point.y, point.x],
                icon=folium.DivIcon(html="", class_name="lp-park-label"),
            ).add_to(group)
        group.add_to(m)
        layers["parks"] = group.get_name()
    folium.LayerControl(collapsed=False).add_to(m)

    unplaced = folder.allocation[folder.allocation["status"] != "placed"]
    placed_rows = folder.allocation[folder.allocation["status"] == "placed"]
    why = placed_rows["why_zh" if lang == Lang.ZH else "why"]
    sectors = sorted(set(folder.allocation["sector"].astype(str)))
    west, south, east, north = display.total_bounds
    park_bounds = {
        str(park): [[b[1], b[0]], [b[3], b[2]]]
        for park, b in display.groupby("park").geometry.agg(lambda g: list(g.total_bounds)).items()
    }
    config = {
        "lang": lang,
        "map": m.get_name(),
        "layers": layers,
        "styles": styles,
        "passive": passive,
        "text": {k: label(k, lang) for k in CATALOGUE if not sentence(k)},
        "statusOutlines": STATUS_OUTLINES,
        "kindFills": KIND_FILLS,
        "sectorColours": sector_colours(sectors),
        # zh: the sector names of zoning.csv's label_zh; en: the codes spelled out
        "sectorLabels": {
            s: sector_name(s, lang, folder.summary.get("sector_labels", {})) for s in sectors
        },
        "labelZoom": LABEL_ZOOM,
        "ratioClasses": [
            [_span(lo, hi, k == 0), colour] for k, (lo, hi, colour) in enumerate(ratios)
        ],
        "capText": say("map.capped", ratio=cap).in_(lang),
        "importanceClasses": [[_span(lo, hi, False), c] for lo, hi, c in IMPORTANCE_CLASSES]
        if worth
        else [],
        "zoningLabels": {
            str(code): label(f"zoning.{code}", lang)
            for code in sorted(set(parcels["zoning"].astype(str)))
            if f"zoning.{code}" in CATALOGUE
        },
        "cannotWithhold": CANNOT_WITHHOLD,
        "tierColours": TIER_COLOURS if firms is not None else {},
        "swapStyles": SWAP_STYLES if consolidated is not None else {},
        "firms": {} if firms is None else _firm_rows(firms),
        "parkNames": [] if boundaries is None else list(boundaries["park"]),
        "parkBounds": park_bounds,
        "bounds": [[south, west], [north, east]],
        "unplaced": properties(
            unplaced_reasons(unplaced, lang), ["project_id", "name", "reason", "detail"]
        ),
        "why": dict(zip(placed_rows["project_id"].astype(str), why, strict=True)),
        "title": folder.summary.get("scenario", ""),
        "years": sorted({y for v in parcels["years"] for y in str(v).split(";") if y})
        if years
        else [],
    }
    root: Any = m.get_root()  # a branca Figure (typed as Element)
    # folium writes the map's own script when the page renders, after anything added
    # here, so the page's script starts once the document (and so the map) is complete.
    root.header.add_child(folium.Element(render("map_head.html", config=config)))
    return m


def _class_of(value: float, classes: list[tuple[float, float, str]]) -> int | None:
    """The class (``[low, high)``) that holds ``value``; None when missing."""
    if value != value:
        return None
    for k, (low, high, _) in enumerate(classes):
        if low <= value < high:
            return k
    return len(classes) - 1


def _span(low: float, high: float, at_cap: bool) -> str:
    """A legend class in words: ``≤ 0.60``, ``0.60–0.95``, ``≥ 1.30``."""
    if at_cap:
        return f"≤ {high:.2f}"
    if np.isinf(high):
        return f"≥ {low:.2f}"
    return f"{low:.2f}–{high:.2f}"


def _consolidation_features(display: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The merged sites the plan uses (one outline each, its members dissolved) and the
    parcels it returns (``out``) or activates with freed quota (``in``); None when the
    run did neither."""
    if "site" not in display.columns or "swap" not in display.columns:
        return None
    members = display[display["site"].fillna("") != ""]
    sites = members.dissolve(
        by="site", aggfunc={"park": "first", "area_ha": "sum", "project_ids": "first"}
    ).reset_index()
    sites = sites.assign(parcel_id=sites["site"], swap="merged")
    swaps = display[display["swap"].fillna("") != ""].assign(site="")
    if not len(sites) and not len(swaps):
        return None
    frame = pd.concat([sites, swaps], ignore_index=True)
    frame["area_mu"] = (frame["area_ha"] * MU_PER_HA).round(2)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=display.crs)


def _tiered_parcels(
    display: gpd.GeoDataFrame, firms: pd.DataFrame, scenario: dict[str, Any]
) -> gpd.GeoDataFrame:
    """The parcels with firms: the tier of their land-weighted score, how many firms,
    and ``renewal``: ``recovered`` (by this plan), ``offered`` or empty."""
    thresholds = (scenario.get("evaluation") or {}).get("tiers") or {}
    frame = parcel_scores(firms, "parcel_id", thresholds)
    frame["renewal"] = ""
    if "offered" in firms:
        offered = set(firms.loc[firms["offered"].astype(bool), "parcel_id"])
        recovered = set(firms.loc[firms["recovered"].astype(bool), "parcel_id"])
        frame.loc[frame.index.isin(offered), "renewal"] = "offered"
        frame.loc[frame.index.isin(recovered), "renewal"] = "recovered"
    out: gpd.GeoDataFrame = display.join(frame.drop(columns="land_ha"), on="parcel_id", how="inner")
    return out


def _firm_rows(firms: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Per parcel, its firms as the popup lists them: name, tier and figures."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for record in firms.to_dict("records"):
        figures = {
            k: round(float(record[k]), 4)
            for k in FIRM_FIGURES
            if pd.notna(record.get(k)) and np.isfinite(float(record[k]))
        }
        rows.setdefault(str(record["parcel_id"]), []).append(
            {"firm": record["firm"], "tier": record["tier"], **figures}
        )
    return rows


def _park_outlines(parcels: gpd.GeoDataFrame, options: MapSpec) -> gpd.GeoDataFrame | None:
    """An outline around each park's parcels: their union with the road gaps closed
    (a 40 m buffer and back); from ``HULL_FROM`` parcels, the concave hull of their
    corners instead (closing took 61 s of a 63 s map on 50,000 parcels, the hull 2 s)."""
    if not len(parcels):
        return None
    if len(parcels) < HULL_FROM:
        merged = parcels.dissolve(by="park", as_index=False)[["park", "geometry"]]
        merged["geometry"] = merged.geometry.buffer(40).buffer(-35).simplify(5)
        return to_display(merged, options)
    parks = sorted(parcels["park"].unique())
    hulls = [
        shapely.concave_hull(
            shapely.multipoints(shapely.get_coordinates(parcels.geometry[parcels["park"] == park])),
            ratio=0.05,
        )
        for park in parks
    ]
    outlines = gpd.GeoDataFrame({"park": parks}, geometry=hulls, crs=parcels.crs)
    return to_display(outlines, options)


def write_map(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``map.html`` from ``out_dir`` and write it to ``target``."""
    target.write_text(build_map(read_folder(out_dir), lang), encoding="utf-8")
