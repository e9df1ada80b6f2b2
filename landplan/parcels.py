"""Parcel layers in, one validated parcel table out.

Reads every layer of a scenario (GeoPackage, Shapefile, GeoJSON through pyogrio),
applies field mappings and encodings, reprojects to the scenario CRS, repairs
geometry, measures ``area_ha`` and checks every field of the contract. Every
problem of every layer is collected and raised together.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from landplan import postgis_source
from landplan.constants import COLLECTIVE_MODES, M2_PER_HA, OVERLAP_TOLERANCE_M2, SUPPLY_MODES
from landplan.domain import Kind, Status
from landplan.errors import ProblemLog
from landplan.fields import FieldReader
from landplan.scenario import LayerSpec, Scenario, SwapSpec

log = logging.getLogger(__name__)

PARCEL_COLUMNS = [
    "parcel_id",
    "kind",
    "zoning",
    "park",
    "area_ha",
    "dev_cost",
    "floor_area_m2",
    "far",
    "supply_modes",
    "status",
    "standard_land",
    "available_year",
    "swap_out",
    "needs_quota",
    "layer",
    "geometry",
]

# Modes a parcel offers when its layer leaves supply_modes empty.
DEFAULT_MODES = {
    Kind.FACTORY: "lease;split_sale;transfer",
    Kind.VACANT: "flexible;lease;transfer",
    Kind.COLLECTIVE: ";".join(COLLECTIVE_MODES),
}


def load_parcels(scenario: Scenario) -> gpd.GeoDataFrame:
    """Load every parcel layer of ``scenario`` into one table (docs/inputs.md, "Parcels").

    Returns
    -------
    GeoDataFrame
        One row per parcel, columns ``PARCEL_COLUMNS``, geometry in ``scenario.crs``,
        ``area_ha`` in hectares measured in that CRS.

    Raises
    ------
    InputError
        Every problem found in any layer, together.
    """
    problems = ProblemLog()
    frames = []
    for spec in scenario.layers:
        frame = read_layer(spec, scenario.crs, problems, swap=scenario.consolidation.swap)
        if frame is not None:
            frames.append(frame)
    if not frames:
        problems.raise_if_any()
    parcels = pd.concat(frames, ignore_index=True) if frames else _empty(scenario.crs)
    parcels = gpd.GeoDataFrame(parcels, geometry="geometry", crs=scenario.crs)
    _check_unique_ids(parcels, {spec.name: spec.source for spec in scenario.layers}, problems)
    problems.raise_if_any()
    warn_overlaps(parcels)
    log.info("loaded %s parcels from %s layers", f"{len(parcels):,}", len(frames))
    return parcels


def read_layer(
    spec: LayerSpec, crs: str, problems: ProblemLog, *, swap: SwapSpec | None = None
) -> gpd.GeoDataFrame | None:
    """Read one layer entry into contract columns; problems go to ``problems``.

    With ``swap`` (``consolidation.swap``), its two named yes/no columns become
    ``swap_out`` and ``needs_quota``; else both are false.
    """
    if spec.url is not None:
        raw = postgis_source.read_layer(spec, problems)
    else:
        raw = _read_file(spec, problems)
    if raw is None:
        return None
    source, layer = spec.source, spec.layer
    raw = _apply_field_map(raw, spec, problems)
    if raw is None:
        return None
    if raw.crs is None:
        if spec.crs is None:
            problems.add(
                source,
                "layer has no CRS (no .prj file or SRID), so areas cannot be measured",
                layer=layer,
                fix="set 'crs:' on this layer entry, e.g. crs: EPSG:4548",
            )
            return None
        raw = raw.set_crs(spec.crs)
    elif spec.crs is not None and not raw.crs.equals(spec.crs):
        log.warning("%s: layer CRS %s overridden by crs: %s", source, raw.crs, spec.crs)
        raw = raw.set_crs(spec.crs, allow_override=True)
    raw = raw.to_crs(crs)

    rows = pd.Series(np.arange(1, len(raw) + 1), index=raw.index).astype(str)
    ids = raw["parcel_id"].astype(object) if "parcel_id" in raw else rows
    ids = ids.where(~ids.map(_blankish), "row " + rows)
    reader = FieldReader(raw, ids, source, layer, problems)
    out = pd.DataFrame(index=raw.index)
    out["parcel_id"] = reader.text("parcel_id", required=True)
    out["kind"] = spec.kind
    out["zoning"] = reader.text("zoning", required=True).str.upper()
    out["park"] = reader.text("park", required=spec.park is None, default=spec.park)
    out["dev_cost"] = reader.number("dev_cost")
    factory = spec.kind == Kind.FACTORY
    out["floor_area_m2"] = reader.number("floor_area_m2", required=factory, positive=factory)
    out["far"] = reader.number("far", positive=True)
    modes = reader.modes("supply_modes", SUPPLY_MODES)
    out["supply_modes"] = modes.where(modes != "", DEFAULT_MODES.get(spec.kind, ""))
    if spec.kind == Kind.COLLECTIVE:
        _check_collective_modes(out, ids, spec, problems)
    out["status"] = reader.choice("status", [x.value for x in Status], Status.AVAILABLE)
    out["standard_land"] = reader.boolean("standard_land")
    out["available_year"] = reader.number("available_year", integer=True)
    no = pd.Series(False, index=raw.index, dtype=bool)
    out["swap_out"] = reader.boolean(swap.out) if swap is not None else no
    out["needs_quota"] = reader.boolean(swap.needs_quota) if swap is not None else no
    out["layer"] = spec.name
    geometry = _clean_geometry(raw.geometry, ids, source, layer, problems)
    out = gpd.GeoDataFrame(out, geometry=geometry, crs=crs)
    out["area_ha"] = out.geometry.area.to_numpy() / M2_PER_HA
    return out[PARCEL_COLUMNS]


def _read_file(spec: LayerSpec, problems: ProblemLog) -> gpd.GeoDataFrame | None:
    assert spec.path is not None
    source = str(spec.path)
    try:
        names = [str(n) for n in pyogrio.list_layers(spec.path)[:, 0]]
    except (DataSourceError, DataLayerError) as exc:
        problems.add(
            source,
            f"cannot open as a GIS file: {_one_line(exc)}",
            fix="give a GeoPackage, Shapefile or GeoJSON file",
        )
        return None
    layer = spec.layer
    if layer is not None and layer not in names:
        problems.add(
            source,
            f"no layer named {layer!r}; the file has {', '.join(names)}",
            layer=layer,
            fix="correct 'layer:' in the scenario",
        )
        return None
    if layer is None and len(names) > 1:
        problems.add(
            source,
            f"the file has several layers ({', '.join(names)})",
            fix="name one with 'layer:'",
        )
        return None
    is_shapefile = spec.path.suffix.lower() in {".shp", ".dbf"}
    guess = spec.encoding is None and is_shapefile and not spec.path.with_suffix(".cpg").exists()
    try:
        frame = pyogrio.read_dataframe(
            spec.path, layer=layer, encoding="latin1" if guess else spec.encoding
        )
    except UnicodeDecodeError:
        if not is_shapefile:
            raise
        # a DBF field name holds 10 bytes: a long Chinese name cut mid-character
        frame = pyogrio.read_dataframe(spec.path, layer=layer, encoding="latin1")
        return _cut_names(frame, spec, problems)
    except (DataSourceError, DataLayerError, ValueError) as exc:
        problems.add(
            source,
            f"cannot read: {_one_line(exc)}",
            layer=layer,
            fix="check the file, or declare 'encoding:' for the layer",
        )
        return None
    if guess:
        frame = _recover_encoding(frame, spec, problems)
    return frame


def _recover_encoding(
    frame: gpd.GeoDataFrame, spec: LayerSpec, problems: ProblemLog
) -> gpd.GeoDataFrame | None:
    """Decode a Shapefile that declares no encoding, without ever returning garbled text.

    The DBF was read as Latin-1, which maps every byte to one character, so the
    original bytes are recoverable. They are decoded as UTF-8, else as GB18030 (the
    superset of GBK that Chinese offices use); the choice is logged.
    """
    text_columns = [
        c
        for c in frame.columns
        if c != "geometry" and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c]))
    ]
    samples = [str(c) for c in frame.columns] + [
        v for c in text_columns for v in frame[c].dropna().astype(str)
    ]
    raw = [s.encode("latin1") for s in samples]
    if all(b.isascii() for b in raw):
        return frame
    for encoding in ("utf-8", "gb18030"):
        try:
            for b in raw:
                b.decode(encoding)
        except UnicodeDecodeError:
            continue
        log.warning(
            "%s: no encoding declared and no .cpg file; the text decodes as %s, "
            "so that is used (declare 'encoding:' to silence this)",
            spec.source,
            encoding,
        )

        def fix(value: object, enc: str = encoding) -> object:
            return value.encode("latin1").decode(enc) if isinstance(value, str) else value

        frame = frame.rename(columns={c: fix(c) for c in frame.columns if c != "geometry"})
        for column in text_columns:
            fixed = fix(column)
            frame[fixed] = frame[fixed].map(fix)
        return frame
    problems.add(
        spec.source,
        "attribute text is neither UTF-8 nor GBK/GB18030",
        layer=spec.layer,
        fix="declare the layer's 'encoding:' in the scenario (e.g. big5, latin1)",
    )
    return None


def _cut_names(
    frame: gpd.GeoDataFrame, spec: LayerSpec, problems: ProblemLog
) -> gpd.GeoDataFrame | None:
    """A Shapefile whose field names were cut at the DBF's 10 bytes in the middle of a
    character (read as Latin-1, so every byte is kept): the names lose the broken
    character, the values are decoded in the layer's encoding (its ``.cpg``, else
    ``encoding:``, else UTF-8). ``fields:`` keys then match the cut names."""
    assert spec.path is not None
    cpg = spec.path.with_suffix(".cpg")
    encoding = spec.encoding or (cpg.read_text().strip() if cpg.is_file() else "utf-8")
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "utf-8"
    names = {
        c: c.encode("latin1").decode(encoding, errors="ignore")
        for c in frame.columns
        if c != "geometry"
    }
    cut = [f"{names[c]}" for c in names if names[c].encode(encoding) != c.encode("latin1")]
    try:
        for column in names:
            if pd.api.types.is_string_dtype(frame[column]):
                frame[column] = frame[column].map(
                    lambda v: v.encode("latin1").decode(encoding) if isinstance(v, str) else v
                )
    except UnicodeDecodeError:
        problems.add(
            spec.source,
            f"attribute text is not {encoding}, as the layer's .cpg file says",
            layer=spec.layer,
            fix="declare the layer's 'encoding:' in the scenario (e.g. gbk)",
        )
        return None
    log.warning(
        "%s: the Shapefile cut field names to 10 bytes, inside a character: %s "
        "(fields: may name them in full; a GeoPackage keeps whole names)",
        spec.source,
        ", ".join(cut),
    )
    return frame.rename(columns=names)


def _apply_field_map(
    frame: gpd.GeoDataFrame, spec: LayerSpec, problems: ProblemLog
) -> gpd.GeoDataFrame | None:
    fields = dict(spec.fields)
    for src in list(fields):  # a name a Shapefile cut to 10 bytes matches its cut form
        for encoding in ("utf-8", "gb18030"):
            short = src.encode(encoding)[:10].decode(encoding, errors="ignore")
            if src not in frame.columns and short != src and short in frame.columns:
                fields[short] = fields.pop(src)
                break
    missing = [src for src in fields if src not in frame.columns]
    for src in missing:
        columns = ", ".join(str(c) for c in frame.columns if c != "geometry")
        problems.add(
            spec.source,
            f"mapped column {src!r} not found; the layer has {columns}",
            layer=spec.layer,
            field=src,
            fix="correct 'fields:' in the scenario",
        )
    if missing:
        return None
    return frame.rename(columns=fields)


def _check_collective_modes(
    out: pd.DataFrame, ids: pd.Series, spec: LayerSpec, problems: ProblemLog
) -> None:
    allowed = set(COLLECTIVE_MODES)
    for i, modes in enumerate(out["supply_modes"]):
        extra = set(filter(None, modes.split(";"))) - allowed
        if extra:
            problems.add(
                spec.source,
                f"collective land cannot be supplied by {', '.join(sorted(extra))}",
                layer=spec.layer,
                row=str(ids.iloc[i]),
                field="supply_modes",
                fix="collective land enters the market only by lease, equity or joint",
            )


def _clean_geometry(
    geometry: gpd.GeoSeries, ids: pd.Series, source: str, layer: str | None, problems: ProblemLog
) -> np.ndarray:
    """Polygons only, 2-D, valid; invalid ones repaired and named in the log."""
    geoms = shapely.force_2d(geometry.to_numpy())
    ids_arr = ids.astype(str).to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i in np.flatnonzero(missing):
        problems.add(
            source,
            "geometry is empty",
            layer=layer,
            row=ids_arr[i],
            field="geometry",
            fix="draw the parcel or remove the row",
        )
    types = shapely.get_type_id(geoms)
    polygonal = np.isin(types, [3, 6])  # Polygon, MultiPolygon
    for i in np.flatnonzero(~polygonal & ~missing):
        kind = shapely.get_type_id(geoms[i])
        problems.add(
            source,
            f"geometry is not a polygon (type id {kind})",
            layer=layer,
            row=ids_arr[i],
            field="geometry",
            fix="parcels must be polygons",
        )
    invalid = polygonal & ~missing & ~shapely.is_valid(geoms)
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid])
        geoms[invalid] = [_polygonal_part(g) for g in repaired]
        log.warning(
            "%s: repaired %d invalid geometries: %s",
            source,
            int(invalid.sum()),
            ", ".join(ids_arr[invalid][:20]) + (" …" if invalid.sum() > 20 else ""),
        )
    collapsed = polygonal & ~missing & (shapely.area(geoms) <= 0)
    for i in np.flatnonzero(collapsed):
        problems.add(
            source,
            "geometry has no area (collapsed or degenerate)",
            layer=layer,
            row=ids_arr[i],
            field="geometry",
            fix="redraw the parcel",
        )
    result: np.ndarray = geoms
    return result


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts)


def _check_unique_ids(
    parcels: gpd.GeoDataFrame, sources: dict[str, str], problems: ProblemLog
) -> None:
    ids = parcels["parcel_id"]
    dup = ids.duplicated(keep=False) & (ids != "")
    for pid, group in parcels[dup].groupby("parcel_id", sort=True):
        layers = sorted(set(group["layer"]))
        files = ", ".join(dict.fromkeys(sources.get(name, name) for name in layers))
        problems.add(
            files,
            f"parcel_id {pid!r} is used {len(group)} times (layers {', '.join(layers)})",
            layer=layers[0] if len(layers) == 1 else None,
            row=str(pid),
            field="parcel_id",
            fix="make parcel ids unique across all layers",
        )


def warn_overlaps(parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """Pairs of parcels from different layers that overlap by more than 1 m².

    Returns them (``parcel_a, parcel_b, overlap_m2``) and logs a warning.
    """
    geoms = parcels.geometry.to_numpy()
    left, right = parcels.sindex.query(geoms, predicate="intersects")
    layers = parcels["layer"].to_numpy()
    keep = (left < right) & (layers[left] != layers[right])
    left, right = left[keep], right[keep]
    area = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    big = area > OVERLAP_TOLERANCE_M2
    ids = parcels["parcel_id"].to_numpy()
    pairs = pd.DataFrame(
        {"parcel_a": ids[left[big]], "parcel_b": ids[right[big]], "overlap_m2": area[big]}
    )
    if len(pairs):
        shown = "; ".join(
            f"{r.parcel_a} × {r.parcel_b} {r.overlap_m2:,.0f} m²"
            for r in pairs.head(10).itertuples()
        )
        more = f" (and {len(pairs) - 10} more)" if len(pairs) > 10 else ""
        log.warning("%d parcel pairs of different layers overlap: %s%s", len(pairs), shown, more)
    return pairs


def _empty(crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in PARCEL_COLUMNS}, geometry="geometry", crs=crs)


def _blankish(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == ""


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
