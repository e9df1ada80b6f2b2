"""``map.html``: the plan on a parcel map that opens from disk with no network.

Built with folium from an output folder (``allocation.gpkg``, ``allocation.csv``,
``summary.json``, ``scenario.resolved.yaml``), so ``landplan map OUT_DIR`` rebuilds
exactly what ``landplan run`` wrote. Leaflet's script and style sheet are inlined
from ``landplan/static`` and every reference to another host is removed, so the
page makes no request unless the scenario names a tile server.

Every text from the data reaches the page as JSON and is put on screen with
``textContent`` (popups, tooltips, the search list and the unplaced panel), so a
parcel called ``<script>`` shows as text.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import yaml

from landplan.constants import MU_PER_HA
from landplan.domain import Datum, Indicator, Lang, Status
from landplan.errors import InputError, LandplanError, Problem
from landplan.evaluation import parcel_scores
from landplan.messages import CATALOGUE, label
from landplan.scenario import MapSpec

log = logging.getLogger(__name__)

# Display geometry: simplified to this many metres, coordinates to 1e-6° (~0.1 m).
SIMPLIFY_M = 1.0
PRECISION = 6

# Parcels by status and kind: status as the outline (colour and dash), kind as a
# pale fill, so that neither can be mistaken for a sector's strong fill. Colours
# from the Okabe-Ito and Paul Tol palettes, which stay distinct with colour-blind eyes.
STATUS_OUTLINES = {
    Status.AVAILABLE: ("#0072B2", "", 0.8),
    Status.RESERVED: ("#D55E00", "6 4", 1.8),
    Status.OCCUPIED: ("#555555", "2 3", 1.4),
}
STATUS_COLOURS = {status: colour for status, (colour, _, _) in STATUS_OUTLINES.items()}
KIND_FILLS = {"factory": "#dde7f0", "vacant": "#f6f1d8", "collective": "#eadccd"}
# Sectors of placed parcels: Paul Tol's "muted" scheme, then his "light" one.
SECTOR_PALETTE = [
    "#CC6677",
    "#332288",
    "#DDCC77",
    "#117733",
    "#88CCEE",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#77AADD",
    "#EE8866",
    "#BBCC33",
]
# Cost-share layer: share borne per ha of land used, as a fraction of the park average.
RATIO_CLASSES = [
    (0.0, 0.7, "#2166ac"),
    (0.7, 0.95, "#92c5de"),
    (0.95, 1.05, "#f7f7f7"),
    (1.05, 1.3, "#f4a582"),
    (1.3, np.inf, "#b2182b"),
]

# Importance layer: the fall of the objective without the parcel, % of the objective.
IMPORTANCE_CLASSES = [
    (0.0, 0.1, "#fee5d9"),
    (0.1, 0.5, "#fcae91"),
    (0.5, 1.0, "#fb6a4a"),
    (1.0, np.inf, "#cb181d"),
]
CANNOT_WITHHOLD = "#252525"
# 亩均 tiers: ColorBrewer RdBu ends (colour-blind safe), A blue to D red.
TIER_COLOURS = {"A": "#2166ac", "B": "#92c5de", "C": "#f4a582", "D": "#b2182b"}
# consolidation: merged sites outlined, returned land filled, activated land outlined
# (ColorBrewer Dark2: purple, green, orange)
SWAP_STYLES = {"merged": "#7570b3", "out": "#1b9e77", "in": "#d95f02"}
# what the tier popup lists for each firm
FIRM_FIGURES = ("score", *(i.value for i in Indicator))
# Parcel and project ids are written on the parcels from this zoom level on.
LABEL_ZOOM = 16
# Sentences filled in Python: the page needs none of them.
_NOT_ON_MAP = {"why", "none", "funnel", "report", "sheet", "sweep", "chart", "kpi", "head"}


def sector_name(code: str, lang: str, labels: dict[str, str]) -> str:
    """A sector in words: zoning.csv's ``label_zh`` in Chinese, else the code spelled out."""
    if lang == Lang.ZH and labels.get(code):
        return labels[code]
    return code.replace("_", " ")


# The location terms of a placed pair's value, as the report and map show them.
WHY_TERMS = (
    "v_positioning",
    "v_preferred_park",
    "v_near",
    "v_land",
    "v_subsidy",
    "v_deferred",
    "v_spread",
    "v_renewal",
)


def why_here(row: pd.Series, lang: str) -> str:
    """A placed pair's location terms in words: ``主导产业 +4,000；用地 −2,250``."""
    parts = []
    for term in WHY_TERMS:
        value = pd.to_numeric(row.get(term, 0.0), errors="coerce")
        if pd.notna(value) and abs(value) >= 0.5:
            parts.append(f"{label(term, lang)} {value:+,.0f}".replace("-", "−"))
    return ("；" if lang == Lang.ZH else "; ").join(parts)


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


# -- reading an output folder ----------------------------------------------------------


@dataclass(frozen=True)
class Folder:
    """What the map and the report read from an output folder."""

    path: Path
    parcels: gpd.GeoDataFrame
    constraints: gpd.GeoDataFrame
    allocation: pd.DataFrame
    costshare_by_park: pd.DataFrame
    summary: dict[str, Any]
    scenario: dict[str, Any]
    evaluation: pd.DataFrame | None = None  # evaluation.csv, when the run evaluated firms
    swaps: pd.DataFrame | None = None  # swaps.csv, under consolidation.swap


def read_folder(out_dir: Path) -> Folder:
    """Read an output folder written by ``landplan run``; exit 2 if it is not one."""
    try:
        parcels = gpd.read_file(out_dir / "allocation.gpkg", layer="parcels", engine="pyogrio")
        layers = [str(n) for n in pyogrio.list_layers(out_dir / "allocation.gpkg")[:, 0]]
        constraints = (
            gpd.read_file(out_dir / "allocation.gpkg", layer="constraints", engine="pyogrio")
            if "constraints" in layers
            else gpd.GeoDataFrame({"name": [], "rule": []}, geometry=[], crs=parcels.crs)
        )
        allocation = pd.read_csv(out_dir / "allocation.csv", keep_default_na=False)
        by_park = pd.read_csv(out_dir / "costshare_by_park.csv")
        summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
        scenario = yaml.safe_load((out_dir / "scenario.resolved.yaml").read_text(encoding="utf-8"))
        firms = out_dir / "evaluation.csv"
        evaluation = (
            pd.read_csv(firms, keep_default_na=False, na_values=[""]) if firms.is_file() else None
        )
        swapped = out_dir / "swaps.csv"
        swaps = pd.read_csv(swapped, keep_default_na=False) if swapped.is_file() else None
    except (OSError, ValueError, KeyError, pyogrio.errors.DataSourceError) as exc:
        raise InputError(
            [
                Problem(
                    str(out_dir),
                    f"not a complete landplan output folder: {exc}",
                    fix="give a folder written by 'landplan run' (run it again if unsure)",
                )
            ]
        ) from None
    return Folder(
        out_dir, parcels, constraints, allocation, by_park, summary, scenario, evaluation, swaps
    )


def park_of(folder: Folder, parcel_ids: pd.Series) -> pd.Series:
    """The park of each parcel id, or of a merged site (``A+B``: its members' park)."""
    parks = folder.parcels.set_index("parcel_id")["park"]
    found: pd.Series = parcel_ids.astype(str).str.split("+").str[0].map(parks)
    return found


def map_spec(scenario: dict[str, Any]) -> MapSpec:
    """The ``map:`` section of ``scenario.resolved.yaml``."""
    raw = scenario.get("map") or {}
    return MapSpec(
        lang=Lang(raw.get("lang") or MapSpec.lang),
        tiles=raw.get("tiles"),
        attribution=str(raw.get("attribution") or ""),
        datum=Datum(raw.get("datum") or MapSpec.datum),
    )


# -- building the page -----------------------------------------------------------------


def sentence(key: str) -> bool:
    """True for the catalogue's entries the map page never needs (filled in Python)."""
    return "." in key and key.split(".")[0] in _NOT_ON_MAP


def unplaced_reasons(unplaced: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``unplaced`` with ``reason`` and ``detail`` in ``lang`` and the code in
    ``reason_code`` (allocation.csv has them in English and, beside, in Chinese)."""
    out = unplaced.rename(columns={"reason": "reason_code"})
    out["reason"] = [label(f"reason.{code}", lang, default=code) for code in out["reason_code"]]
    if lang == Lang.ZH and "detail_zh" in out:
        out["detail"] = out["detail_zh"].where(out["detail_zh"] != "", out["detail"])
    return out


def headline_counts(summary: dict[str, Any]) -> dict[str, str]:
    """The headline's counts ("103 / 120") and the budget used, as the report and
    ``plan.xlsx`` show them (keys of the catalogue's ``head.*``)."""
    used = summary["costshare"].get("budget_used")
    return {
        "placed": f"{summary['projects']['placed']} / {summary['projects']['total']}",
        "hightech": f"{summary['hightech']['placed']} / {summary['hightech']['total']}",
        "major": f"{summary['major']['placed']} / {summary['major']['total']}",
        "budget_used": "—" if used is None else f"{100 * used:.1f}%",
    }


def kpi_rows(summary: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The plan's indicators: each 2025 target with 2020 and this plan, then 亩均
    output and tax (the plan sets no target for them)."""
    rows = [
        {
            "key": key,
            "indicator": label(f"kpi.{key}", lang, default=t["label"]),
            "unit": label(f"unit.{t['unit']}", lang, default=t["unit"]),
            "base2020": t["2020"],
            "target2025": t["2025"],
            "plan": t["plan"],
        }
        for key, t in summary["targets_2025"].items()
    ]
    kpis = summary["kpis"]
    per_ha = kpis.get("output_per_ha")
    for key, value in (
        ("output_per_mu", None if per_ha is None else per_ha / MU_PER_HA),
        ("tax_per_mu", kpis.get("tax_per_mu")),
    ):
        rows.append(
            {
                "key": key,
                "indicator": label(f"kpi.{key}", lang),
                "unit": label("unit.万元/mu", lang),
                "base2020": None,
                "target2025": None,
                "plan": value,
            }
        )
    return rows


def sector_colours(sectors: list[str]) -> dict[str, str]:
    return {s: SECTOR_PALETTE[k % len(SECTOR_PALETTE)] for k, s in enumerate(sorted(sectors))}


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


def _props(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
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


def _feature_collection(frame: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
    shapes = [json.loads(g) for g in shapely.to_geojson(frame.geometry.to_numpy())]
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": k, "properties": p, "geometry": g}
            for k, (p, g) in enumerate(zip(_props(frame, columns), shapes, strict=True))
        ],
    }


class OfflineMap(folium.Map):
    """A folium map that shows and saves itself self-contained (Leaflet inlined),
    so that it displays in a notebook on an intranet without internet."""

    def page(self) -> str:
        """The whole page, every script and style inlined."""
        return offline(self.get_root().render())

    def _repr_html_(self, **_kwargs: Any) -> str:
        text = html.escape(self.page(), quote=True)
        return (
            f'<iframe srcdoc="{text}" style="width:100%;height:640px;border:none" '
            'sandbox="allow-scripts"></iframe>'
        )

    def save(
        self, outfile: str | bytes | Path | BinaryIO, close_file: bool = True, **_kwargs: Any
    ) -> None:
        if isinstance(outfile, str | bytes | Path):
            Path(os.fsdecode(outfile)).write_text(self.page(), encoding="utf-8")
        else:
            outfile.write(self.page().encode("utf-8"))


def build_map(folder: Folder, lang: str | None = None) -> str:
    """The self-contained ``map.html`` text, in ``lang`` (default: the scenario's)."""
    return folium_map(folder, lang).page()


def folium_map(folder: Folder, lang: str | None = None) -> OfflineMap:
    """The map of ``folder`` as a folium map, in ``lang`` (default: the scenario's)."""
    options = map_spec(folder.scenario)
    lang = lang or options.lang
    parcels = folder.parcels
    if parcels.crs is None or not len(parcels):
        raise LandplanError(f"{folder.path}: allocation.gpkg has no parcels to map")
    display = to_display(parcels, options)
    display["area_mu"] = (parcels["area_ha"] * MU_PER_HA).round(2)
    display["land_used_mu"] = (parcels["land_used_ha"] * MU_PER_HA).round(2)
    placed = display[display["project_ids"] != ""]
    boundaries = _park_outlines(parcels, options)
    # the opening view: the parks (the parcels where no park is drawn)
    west, south, east, north = (display if boundaries is None else boundaries).total_bounds
    m = OfflineMap(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        prefer_canvas=True,
        control_scale=False,  # the page adds a metric-only scale
        zoom_control=True,
    )
    if options.tiles:
        folium.TileLayer(
            options.tiles, attr=options.attribution or "tiles", name="base map", overlay=False
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])

    fields = ["parcel_id", "kind", "zoning", "park", "area_ha", "area_mu", "status", "project_ids"]
    money = ["sectors", "project_names", "land_used_ha", "land_used_mu", "base_share", "share"]
    money += ["subsidy"]
    money += ["spread_burden", "share_ratio", "capped"]
    years = "years" in parcels.columns  # phasing
    if years:
        money += ["years"]
    worth = "importance" in parcels.columns  # run --importance
    if worth:
        money += ["importance", "importance_pct", "withhold"]
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
            _feature_collection(frame, columns),
            name=name,
            show=show,
            style_function=None,
            on_each_feature=folium.JsCode(f"function(f, l) {{ landplan.bind(f, l, '{key}'); }}"),
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
    sectors = sorted(set(folder.allocation["sector"].astype(str)))
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
        "ratioClasses": [[lo, None if np.isinf(hi) else hi, c] for lo, hi, c in RATIO_CLASSES],
        "importanceClasses": [
            [lo, None if np.isinf(hi) else hi, c] for lo, hi, c in IMPORTANCE_CLASSES
        ]
        if worth
        else [],
        "cannotWithhold": CANNOT_WITHHOLD,
        "tierColours": TIER_COLOURS if firms is not None else {},
        "swapStyles": SWAP_STYLES if consolidated is not None else {},
        "firms": {} if firms is None else _firm_rows(firms),
        "parkLabels": [] if boundaries is None else list(boundaries["park"]),
        "unplaced": _props(
            unplaced_reasons(unplaced, lang), ["project_id", "name", "reason", "detail"]
        ),
        "why": {
            str(row["project_id"]): why_here(row, lang)
            for _, row in folder.allocation[folder.allocation["status"] == "placed"].iterrows()
        },
        "title": folder.summary.get("scenario", ""),
        "years": sorted({y for v in parcels["years"] for y in str(v).split(";") if y})
        if years
        else [],
    }
    root: Any = m.get_root()  # a branca Figure (typed as Element)
    root.header.add_child(folium.Element(f"<style>{_CSS}</style>"))
    root.header.add_child(
        folium.Element(f"<script>var landplan = {_JS_HELPERS};</script>"), name="landplan_helpers"
    )
    # folium writes the map's own script when the page renders, after anything added
    # here, so the helpers start once the document (and so the map) is complete.
    start = (
        "document.addEventListener('DOMContentLoaded', function () "
        f"{{ landplan.start({_json_for_script(config)}); }});"
    )
    root.header.add_child(folium.Element(f"<script>{start}</script>"), name="landplan_start")
    return m


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
    """An outline around each park's parcels (closing the road gaps between them)."""
    if not len(parcels):
        return None
    merged = parcels.dissolve(by="park", as_index=False)[["park", "geometry"]]
    merged["geometry"] = merged.geometry.buffer(40).buffer(-35).simplify(5)
    return to_display(merged, options)


def _json_for_script(data: Any) -> str:
    """JSON safe inside a <script> element (no ``</script>``, no ``<!--``)."""
    return (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


_EXTERNAL_SCRIPT = re.compile(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>\s*', re.I)
_EXTERNAL_STYLE = re.compile(r'<link[^>]*\bhref="https?://[^"]*"[^>]*/?>\s*', re.I)


def offline(page: str) -> str:
    """Drop every script and style sheet from another host; inline Leaflet's."""
    static = resources.files("landplan") / "static"
    script = (static / "leaflet.js").read_text(encoding="utf-8")
    style = (static / "leaflet.css").read_text(encoding="utf-8")
    page = _EXTERNAL_SCRIPT.sub("", page)
    page = _EXTERNAL_STYLE.sub("", page)
    inline = f"<style>{style}</style><script>{script}</script>"
    page = page.replace("<head>", "<head>" + inline, 1)
    # links a reader may click (Leaflet's attribution) are fine; anything loaded is not
    left = re.findall(r'<(?:script|link|img|iframe)[^>]*(?:src|href)="(https?://[^"]+)"', page)
    left += re.findall(r"url\((?:'|\")?(https?://[^)'\"]+)", page)
    if left:
        raise LandplanError(f"bug: the map still refers to {left[:3]}")
    return page


_CSS = """
html, body {height: 100%; margin: 0}
.lp-panel {background: rgba(255,255,255,.95); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.35); font: 12px/1.4 sans-serif; max-width: 320px}
.lp-panel h4 {margin: 0 0 4px; font-size: 13px}
.lp-panel h4 button {float: right; margin-left: 8px; font-size: 11px; cursor: pointer}
.lp-folded .lp-body {display: none}
.lp-folded h4 {margin: 0}
.lp-unplaced {max-height: 32vh; overflow-y: auto; margin: 0; padding-left: 16px}
.lp-unplaced li {margin-bottom: 3px}
#lp-legend .lp-body {max-height: 60vh; overflow-y: auto}
.lp-swatch {display: inline-block; width: 14px; height: 10px; margin-right: 4px;
  vertical-align: middle; border: 1px solid #555}
.lp-popup table {border-collapse: collapse}
.lp-popup th {text-align: left; padding-right: 8px; color: #555; font-weight: normal}
.lp-why {margin-top: 4px; color: #333; max-width: 300px}
.lp-popup {max-height: 320px; overflow-y: auto}
.lp-firm-name {margin-top: 6px; font-weight: bold}
.lp-firm td {text-align: right}
.lp-park-label, .lp-label {pointer-events: none}
.lp-park-label span {font: bold 13px sans-serif; color: #222; white-space: nowrap;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff}
.lp-label span {display: block; transform: translate(-50%, -50%); font: 11px sans-serif;
  color: #111; white-space: nowrap; text-align: center;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 2px #fff}
.lp-label b {font-weight: bold}
.lp-search input {width: 190px}
"""

# Plain ES5 so that the page works in the older browsers intranets keep.
_JS_HELPERS = r"""{
  config: null, index: {}, labels: null,
  styles: {
    status: function (f) {
      var c = landplan.config, p = f.properties;
      var line = c.statusOutlines[p.status] || ['#333', '', 1];
      return {color: line[0], weight: line[2], dashArray: line[1] || null,
              fillColor: c.kindFills[p.kind] || '#eee', fillOpacity: 0.9};
    },
    sector: function (f) {
      var c = landplan.config, s = (f.properties.sectors || '').split(';')[0];
      return {color: '#222', weight: 1, fillColor: c.sectorColours[s] || '#666',
              fillOpacity: 0.85};
    },
    ratio: function (f) {
      var c = landplan.config, r = f.properties.share_ratio, colour = '#ccc';
      for (var i = 0; i < c.ratioClasses.length; i++) {
        var k = c.ratioClasses[i];
        if (r !== null && r >= k[0] && (k[1] === null || r < k[1])) { colour = k[2]; }
      }
      var capped = f.properties.capped;
      return {color: capped ? '#000' : '#555', weight: capped ? 2.5 : 1,
              dashArray: capped ? '4 3' : null, fillColor: colour, fillOpacity: 0.85};
    },
    tier: function (f) {
      var c = landplan.config, p = f.properties;
      var recovered = p.renewal === 'recovered', offered = p.renewal === 'offered';
      return {color: recovered || offered ? '#000' : '#555',
              weight: recovered ? 3 : offered ? 2 : 0.8,
              dashArray: offered ? '5 3' : null,
              fillColor: c.tierColours[p.tier] || '#ccc', fillOpacity: 0.85};
    },
    swap: function (f) {
      var c = landplan.config, p = f.properties, colour = c.swapStyles[p.swap] || '#333';
      if (p.swap === 'out') {
        return {color: colour, weight: 1.5, fillColor: colour, fillOpacity: 0.75};
      }
      return {color: colour, weight: p.swap === 'merged' ? 3.5 : 3,
              dashArray: p.swap === 'merged' ? '8 4' : null, fill: false};
    },
    importance: function (f) {
      var c = landplan.config, p = f.properties, r = p.importance_pct, colour = '#ccc';
      for (var i = 0; i < c.importanceClasses.length; i++) {
        var k = c.importanceClasses[i];
        if (r !== undefined && r !== null && r >= k[0] && (k[1] === null || r < k[1])) {
          colour = k[2];
        }
      }
      if (p.withhold === 'infeasible') { colour = c.cannotWithhold; }
      return {color: '#555', weight: 1, fillColor: colour, fillOpacity: 0.85};
    }
  },
  el: function (tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  },
  num: function (v, digits) {
    var lang = landplan.config.lang === 'zh' ? 'zh-CN' : 'en-GB';
    return Number(v).toLocaleString(lang, {maximumFractionDigits: digits});
  },
  popup: function (p, key) {
    var c = landplan.config, t = c.text, box = landplan.el('div', null, 'lp-popup');
    var table = landplan.el('table');
    var rows = ['parcel_id', 'kind', 'zoning', 'park', 'area_ha', 'area_mu', 'status'];
    if (key === 'tiers') { rows = rows.concat(['tier', 'score', 'firms', 'renewal']); }
    if (key === 'consolidation') { rows = ['parcel_id', 'park', 'area_ha', 'area_mu', 'swap']; }
    rows.push('site');
    if (p.project_ids) {
      rows = rows.concat(['project_ids', 'project_names', 'sectors', 'years',
                          'land_used_ha', 'land_used_mu']);
      if (key === 'costshare' || key === 'allocation' || key === 'importance') {
        rows = rows.concat(['base_share', 'share', 'subsidy', 'spread_burden', 'share_ratio',
                            'capped', 'importance', 'importance_pct', 'withhold']);
      }
    }
    for (var i = 0; i < rows.length; i++) {
      var name = rows[i], v = p[name];
      if (v === null || v === undefined || v === '') { continue; }
      if (name === 'kind' || name === 'status' || name === 'tier' || name === 'renewal' ||
          name === 'swap') {
        v = t[name + '.' + v] || v;
      }
      else if (name === 'capped') { v = v ? t.yes : t.no; }
      else if (name === 'withhold') {
        if (v !== 'infeasible') { continue; }
        v = t['map.cannot_withhold'];
      } else if (name === 'sectors') {
        v = String(v).split(';').map(function (s) { return c.sectorLabels[s] || s; }).join('；');
      } else if (typeof v === 'number') {
        v = landplan.num(v, name === 'share_ratio' ? 3 : name.slice(-3) === '_ha' ? 4 : 2);
      }
      var tr = landplan.el('tr');
      tr.appendChild(landplan.el('th', t[name] || name));
      tr.appendChild(landplan.el('td', v));
      table.appendChild(tr);
    }
    box.appendChild(table);
    var firms = key === 'tiers' ? (c.firms[p.parcel_id] || []) : [];
    for (var f = 0; f < firms.length; f++) {
      var firm = firms[f], sub = landplan.el('table', null, 'lp-firm');
      var head = landplan.el('div', firm.firm + ' · ' + (t['tier.' + firm.tier] || firm.tier),
                             'lp-firm-name');
      box.appendChild(head);
      for (var r in firm) {
        if (r === 'firm' || r === 'tier') { continue; }
        var line = landplan.el('tr');
        line.appendChild(landplan.el('th', t[r] || r));
        line.appendChild(landplan.el('td', r === 'rd_intensity'
          ? landplan.num(100 * firm[r], 2) + '%' : landplan.num(firm[r], 2)));
        sub.appendChild(line);
      }
      box.appendChild(sub);
    }
    if (p.project_ids && (key === 'allocation' || key === 'costshare')) {
      var ids = String(p.project_ids).split(';');
      for (var k = 0; k < ids.length; k++) {
        var why = c.why[ids[k]];
        if (why) {
          box.appendChild(landplan.el('div', t['map.why'] + ' ' + ids[k] + '：' + why, 'lp-why'));
        }
      }
    }
    return box;
  },
  bind: function (f, layer, key) {
    var p = f.properties;
    layer.bindPopup(function () { return landplan.popup(p, key); });
    var tip = p.parcel_id + (p.project_ids ? ' · ' + p.project_ids : '');
    layer.bindTooltip(landplan.el('span', tip), {sticky: true});
    var ids = [p.parcel_id].concat(p.project_ids ? p.project_ids.split(';') : []);
    for (var i = 0; i < ids.length; i++) {
      var k = String(ids[i]).toLowerCase();
      if (!landplan.index[k] || key === 'allocation') { landplan.index[k] = layer; }
    }
    if (key === 'factory' || key === 'vacant' || key === 'collective') {
      // its label, shown from config.labelZoom on: the parcel id, its projects in bold
      var span = landplan.el('span');
      span.appendChild(landplan.el('div', p.parcel_id));
      if (p.project_ids) {
        var ids = String(p.project_ids).split(';');
        var more = ids.length > 1 ? ' +' + (ids.length - 1) : '';
        span.appendChild(landplan.el('b', ids[0] + more));
      }
      landplan.pending.push([layer, span]);
    }
  },
  pending: [],
  control: function (position, build) {
    var C = L.Control.extend({onAdd: function () {
      var div = landplan.el('div', null, 'lp-panel');
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      build(div);
      return div;
    }});
    return new C({position: position});
  },
  foldable: function (div, title, body, folded) {
    // a panel whose body folds away behind its title
    var t = landplan.config.text, head = landplan.el('h4', title);
    var button = landplan.el('button', folded ? t['map.show'] : t['map.hide']);
    button.type = 'button';
    button.className = 'lp-fold';
    button.addEventListener('click', function () {
      var now = div.className.indexOf('lp-folded') < 0;
      div.className = now ? div.className + ' lp-folded' : div.className.replace(' lp-folded', '');
      button.textContent = now ? t['map.show'] : t['map.hide'];
    });
    head.appendChild(button);
    body.className += ' lp-body';
    div.appendChild(head);
    div.appendChild(body);
    if (folded) { div.className += ' lp-folded'; }
  },
  find: function (query) {
    var layer = landplan.index[String(query).trim().toLowerCase()];
    var map = window[landplan.config.map];
    if (!layer) { return false; }
    var group = null;
    for (var key in landplan.config.layers) {
      var g = window[landplan.config.layers[key]];
      if (g && g.hasLayer && g.hasLayer(layer)) { group = g; }
    }
    if (group && !map.hasLayer(group)) { map.addLayer(group); }
    map.fitBounds(layer.getBounds(), {maxZoom: 17});
    layer.openPopup(layer.getBounds().getCenter());
    return true;
  },
  legend: function (div) {
    var config = landplan.config, t = config.text, body = landplan.el('div');
    function row(fill, label, line, dash) {
      var r = landplan.el('div'), s = landplan.el('span', null, 'lp-swatch');
      s.style.background = fill;
      if (line) {
        var kind = !dash ? 'solid ' : dash.length > 3 ? 'dashed ' : 'dotted ';
        s.style.border = '2px ' + kind + line;
      }
      r.appendChild(s); r.appendChild(document.createTextNode(label)); body.appendChild(r);
    }
    body.appendChild(landplan.el('b', t['map.allocation']));
    for (var s in config.sectorColours) {
      row(config.sectorColours[s], config.sectorLabels[s] || s);
    }
    body.appendChild(landplan.el('b', t['map.kind_fill']));
    for (var k in config.kindFills) { row(config.kindFills[k], t['kind.' + k] || k); }
    body.appendChild(landplan.el('b', t['map.status_outline']));
    for (var st in config.statusOutlines) {
      var o = config.statusOutlines[st];
      row('#fff', t['status.' + st] || st, o[0], o[1]);
    }
    body.appendChild(landplan.el('b', t['map.costshare']));
    for (var i = 0; i < config.ratioClasses.length; i++) {
      var c = config.ratioClasses[i];
      row(c[2], c[0] + (c[1] === null ? '+' : '–' + c[1]));
    }
    row('#fff', t.capped, '#000', '4 3');
    if (Object.keys(config.tierColours).length) {
      body.appendChild(landplan.el('b', t['map.tiers']));
      for (var tier in config.tierColours) { row(config.tierColours[tier], t['tier.' + tier]); }
      row('#fff', t['renewal.offered'], '#000', '5 3');
      row('#fff', t['renewal.recovered'], '#000');
    }
    if (Object.keys(config.swapStyles).length) {
      var sw = config.swapStyles;
      body.appendChild(landplan.el('b', t['map.consolidation']));
      row('#fff', t['swap.merged'], sw.merged, '8 4');
      row(sw.out, t['swap.out']);
      row('#fff', t['swap.in'], sw['in']);
    }
    if (config.importanceClasses.length) {
      body.appendChild(landplan.el('b', t.importance_pct));
      for (var m = 0; m < config.importanceClasses.length; m++) {
        var q = config.importanceClasses[m];
        row(q[2], q[0] + (q[1] === null ? '+' : '–' + q[1]));
      }
      row(config.cannotWithhold, t['map.cannot_withhold']);
    }
    landplan.foldable(div, t['map.legend'], body, false);
  },
  showLabels: function () {
    var map = window[landplan.config.map], on = map.getZoom() >= landplan.config.labelZoom;
    if (!landplan.labels) {
      landplan.labels = L.layerGroup();
      for (var i = 0; i < landplan.pending.length; i++) {
        var layer = landplan.pending[i][0], span = landplan.pending[i][1];
        L.marker(layer.getBounds().getCenter(), {
          interactive: false, keyboard: false,
          icon: L.divIcon({className: 'lp-label', html: span, iconSize: null})
        }).addTo(landplan.labels);
      }
    }
    if (on && !map.hasLayer(landplan.labels)) { map.addLayer(landplan.labels); }
    if (!on && map.hasLayer(landplan.labels)) { map.removeLayer(landplan.labels); }
  },
  start: function (config) {
    landplan.config = config;
    var map = window[config.map], t = config.text;
    // a canvas hands a click to the topmost shape containing it, filled or not
    for (var i = 0; i < config.passive.length; i++) {
      window[config.passive[i]].eachLayer(function (l) { l.options.interactive = false; });
    }
    for (var key in config.styles) {
      var layer = window[config.layers[key]], style = landplan.styles[config.styles[key]];
      layer.options.style = style;
      layer.setStyle(style);
    }
    L.control.scale({metric: true, imperial: false, position: 'bottomright'}).addTo(map);
    landplan.control('topleft', function (div) {
      div.className += ' lp-search';
      var input = landplan.el('input'), note = landplan.el('div');
      input.type = 'search'; input.placeholder = t['map.search']; input.id = 'lp-search';
      input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') {
          note.textContent = landplan.find(input.value) ? '' : t['map.not_found'];
        }
      });
      div.appendChild(input); div.appendChild(note);
    }).addTo(map);
    landplan.control('bottomleft', function (div) {
      div.id = 'lp-unplaced';
      var list = landplan.el('ul', null, 'lp-unplaced');
      for (var i = 0; i < config.unplaced.length; i++) {
        var u = config.unplaced[i], li = landplan.el('li');
        li.appendChild(landplan.el('b', u.project_id + ' ' + (u.name || '')));
        var colon = config.lang === 'zh' ? '：' : ': ';
        li.appendChild(landplan.el('div', u.reason + (u.detail ? colon + u.detail : '')));
        list.appendChild(li);
      }
      if (!config.unplaced.length) { list.appendChild(landplan.el('li', t.none)); }
      var title = t['map.unplaced'] + ' (' + config.unplaced.length + ')';
      landplan.foldable(div, title, list, window.innerHeight < 700);
    }).addTo(map);
    landplan.control('bottomright', function (div) {
      div.id = 'lp-legend';
      landplan.legend(div);
    }).addTo(map);
    var parks = config.layers.parks && window[config.layers.parks];
    if (parks) {
      var n = 0;
      parks.eachLayer(function (l) {
        if (l.setIcon && n < config.parkLabels.length) {
          var span = landplan.el('span', config.parkLabels[n++]);
          l.options.interactive = false;  // a label must not swallow clicks on parcels
          l.setIcon(L.divIcon({className: 'lp-park-label', html: span, iconSize: null}));
        }
      });
    }
    if (config.years && config.years.length) { landplan.yearFilter(map); }
    map.on('zoomend', landplan.showLabels);
    landplan.showLabels();
  },
  // phasing: show the placed parcels of one handover year (allocation, cost share,
  // importance), or of all
  yearFilter: function (map) {
    var c = landplan.config, t = c.text, keys = ['allocation', 'costshare', 'importance'];
    var all = {};
    keys.forEach(function (k) {
      if (c.layers[k]) { all[k] = window[c.layers[k]].getLayers(); }
    });
    landplan.control('topleft', function (div) {
      div.className += ' lp-search';
      var select = landplan.el('select');
      select.id = 'lp-year';
      select.title = t['map.year_filter'];
      select.appendChild(landplan.el('option', t['map.all_years']));
      select.options[0].value = '';
      c.years.forEach(function (y) {
        var o = landplan.el('option', t['map.year_filter'] + ' ' + y);
        o.value = y; select.appendChild(o);
      });
      select.addEventListener('change', function () {
        var y = select.value;
        for (var k in all) {
          var layer = window[c.layers[k]];
          layer.clearLayers();
          all[k].forEach(function (l) {
            var mine = String(l.feature.properties.years || '').split(';');
            if (!y || mine.indexOf(y) >= 0) { layer.addLayer(l); }
          });
        }
      });
      div.appendChild(select);
    }).addTo(map);
  }
}"""


def write_map(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``map.html`` from ``out_dir`` and write it to ``target``."""
    target.write_text(build_map(read_folder(out_dir), lang), encoding="utf-8")
