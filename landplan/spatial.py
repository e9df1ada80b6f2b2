"""Spatial reference layers, read once in the input stage: the spatial rules'
layers and the proximity layers (``near:``).

Each layer is read, checked (readable, has a CRS, has features) and reprojected
to the scenario CRS here. Proximity is measured here too, once per parcel and
layer, with a spatial index; later stages only use the numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from landplan.errors import ProblemLog
from landplan.scenario import ConstraintSpec, NearSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpatialLayer:
    """A constraint layer's rule and its shapes in the scenario CRS."""

    spec: ConstraintSpec
    shapes: gpd.GeoSeries


def read_shapes(
    path: Path, layer: str | None, *, crs: str, where: str, problems: ProblemLog
) -> gpd.GeoSeries | None:
    """The geometries of one layer in ``crs``; problems (named by ``where``) go to ``problems``."""
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, columns=[])
    except (DataSourceError, DataLayerError, ValueError, OSError) as exc:
        problems.add(
            str(path),
            f"cannot read the layer: {' '.join(str(exc).split())}",
            layer=layer,
            field=where,
            fix=f"check '{where}' in the scenario (path and layer name)",
        )
        return None
    if frame.crs is None:
        problems.add(
            str(path),
            "the layer has no CRS, so distances to it cannot be measured",
            layer=layer,
            field=where,
            fix="give the layer a .prj file, or store it in a GeoPackage with its CRS",
        )
        return None
    shapes = frame.geometry.to_crs(crs)
    empty = shapes.isna() | shapely.is_empty(shapes.to_numpy())
    if empty.all():
        problems.add(
            str(path),
            "the layer has no features",
            layer=layer,
            field=where,
            fix="check the layer, or remove the entry",
        )
        return None
    return shapes[~empty].reset_index(drop=True)


def read_constraints(
    specs: tuple[ConstraintSpec, ...], crs: str, problems: ProblemLog
) -> tuple[SpatialLayer, ...]:
    """Every constraint layer of a scenario, read once."""
    layers = []
    for k, spec in enumerate(specs):
        shapes = read_shapes(
            spec.path, spec.layer, crs=crs, where=f"constraints[{k}]", problems=problems
        )
        if shapes is not None:
            log.info("constraint %r: %d features", spec.name, len(shapes))
            layers.append(SpatialLayer(spec, shapes))
    return tuple(layers)


@dataclass(frozen=True)
class NearLayer:
    """A proximity layer: its entry and each parcel's score, ``max(0, 1 − d / within_m)``."""

    spec: NearSpec
    score: np.ndarray  # per parcel, in [0, 1]


def read_near(
    specs: tuple[NearSpec, ...], parcels: gpd.GeoDataFrame, *, crs: str, problems: ProblemLog
) -> tuple[NearLayer, ...]:
    """Every ``near:`` layer, read once and measured against every parcel."""
    layers = []
    for k, spec in enumerate(specs):
        shapes = read_shapes(spec.path, spec.layer, crs=crs, where=f"near[{k}]", problems=problems)
        if shapes is None:
            continue
        score = proximity(parcels.geometry.to_numpy(), shapes.to_numpy(), spec.within_m)
        log.info(
            "near %r: %d features, %d parcels within %g m",
            spec.name,
            len(shapes),
            int((score > 0).sum()),
            spec.within_m,
        )
        layers.append(NearLayer(spec, score))
    return tuple(layers)


def proximity(parcels: np.ndarray, features: np.ndarray, within_m: float) -> np.ndarray:
    """``max(0, 1 − d / within_m)`` per parcel, d its distance to the nearest feature.

    One nearest-neighbour query on an STR-tree of the features, limited to
    ``within_m``: parcels farther away are never measured and score 0.
    """
    tree = shapely.STRtree(features)
    (hit, _), distance = tree.query_nearest(
        parcels, max_distance=within_m, return_distance=True, all_matches=False
    )
    score = np.zeros(len(parcels))
    # a parcel equidistant from two features appears twice, with the same distance
    score[hit] = np.maximum(0.0, 1.0 - distance / within_m)
    return score
