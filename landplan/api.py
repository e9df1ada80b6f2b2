"""The notebook API: ``landplan.plan`` and ``landplan.sweep``.

    >>> import landplan
    >>> result = landplan.plan("scenarios/daxing-demo.yaml", costshare__cap_ratio=0.6)
    >>> result.allocation.head()        # one row per project (a DataFrame)
    >>> result.summary["kpis"]          # summary.json as a dict
    >>> result.map()                    # the map, inline in Jupyter (works offline)
    >>> result.save("out/cap-0.6")      # the output folder `landplan run` writes

Keyword overrides are scenario keys with ``__`` for the dots
(``solver__gap=0.001`` is ``solver.gap``); ``overrides=`` takes dotted keys as
they are. Errors are the command's (``landplan.errors``): ``InputError`` lists
every problem, ``InfeasibleError`` says what blocks every plan.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from landplan.folder import read_folder
from landplan.maps import folium_map
from landplan.output import write_folder, writers
from landplan.results import RunResult, allocation_table, parcel_layer, summary
from landplan.run import compute
from landplan.scenario import load_scenario
from landplan.sweep import sweep as run_sweep
from landplan.webmap import OfflineMap


@dataclass
class Plan:
    """A plan computed in memory: its tables, its summary, its map, its folder."""

    result: RunResult
    _folder: Path | None = field(default=None, repr=False)

    @property
    def allocation(self) -> pd.DataFrame:
        """``allocation.csv``: one row per project, where it goes or why not."""
        return allocation_table(self.result)

    @property
    def costshares(self) -> pd.DataFrame:
        """``costshare.csv``: one row per placed pair, who pays what (万元)."""
        return self.result.shares

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        """Every parcel with its project(s) and cost shares (``allocation.gpkg``)."""
        return parcel_layer(self.result)

    @property
    def summary(self) -> dict[str, Any]:
        """``summary.json`` as a dict."""
        return summary(self.result)

    @property
    def importance(self) -> pd.DataFrame | None:
        """``importance.csv`` when asked for (``importance=True``), else None."""
        return self.result.importance

    def save(self, folder: str | Path) -> Path:
        """Write the output folder ``landplan run`` writes (whole or not at all)."""
        path = Path(folder)
        write_folder(path, writers(self.result))
        self._folder = path
        return path

    def map(self, lang: str | None = None) -> OfflineMap:
        """The map (a folium map), built from the output folder as ``map.html`` is;
        in a notebook it displays inline, with Leaflet inlined."""
        if self._folder is not None:
            return folium_map(read_folder(self._folder), lang)
        with tempfile.TemporaryDirectory(prefix="landplan-") as tmp:
            folder = Path(tmp) / "plan"
            write_folder(folder, writers(self.result))
            return folium_map(read_folder(folder), lang)


def plan(
    scenario: str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    importance: bool = False,
    **keys: Any,
) -> Plan:
    """Compute the plan of ``scenario`` in memory (nothing is written).

    ``keys`` are scenario overrides with ``__`` for dots; ``overrides`` takes
    dotted keys. ``importance=True`` also computes each used parcel's importance.
    """
    settings = dict(overrides or {}) | {k.replace("__", "."): v for k, v in keys.items()}
    return Plan(compute(load_scenario(scenario, settings), importance=importance))


def sweep(
    scenario: str | Path,
    sets: dict[str, list[Any]],
    out: str | Path | None = None,
    *,
    workers: int = 2,
    overrides: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Run ``scenario`` for every combination of ``sets`` (dotted keys -> values);
    the table ``sweep.csv`` holds. ``out``: also keep the sweep's folder there."""
    if out is not None:
        return run_sweep(Path(scenario), sets, Path(out), workers=workers, fixed=overrides)
    with tempfile.TemporaryDirectory(prefix="landplan-sweep-") as tmp:
        return run_sweep(
            Path(scenario), sets, Path(tmp) / "sweep", workers=workers, fixed=overrides
        )
