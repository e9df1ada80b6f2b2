"""Spatial reference layers (constraint layers), read once in the input stage.

Each layer is read, checked (readable, has a CRS, has features) and reprojected
to the scenario CRS here; later stages only use the shapes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from landplan.errors import ProblemLog
from landplan.scenario import ConstraintSpec

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
