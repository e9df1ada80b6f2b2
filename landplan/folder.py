"""An output folder of ``landplan run``, read back: the one reader every page uses.

The map, the report, ``plan.xlsx``, the battle map, the notebook API and
``landplan compare`` read a plan through ``PlanFolder``. It reads each file
once, when first asked for. Whatever is missing or unreadable is exit 2 with the
file named, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import pandas as pd
import pyogrio
import yaml

from landplan.csvfiles import read_csv
from landplan.domain import CsvEncoding, Datum, Lang
from landplan.errors import InputError, Problem
from landplan.scenario import MapSpec

_T = TypeVar("_T")

# the files every output folder has; the rest are written only when their part runs
REQUIRED = ("allocation.csv", "summary.json", "scenario.resolved.yaml", "allocation.gpkg")
# ids stay text even where every id looks like a number
_IDS = {"project_id": str, "parcel_id": str}


class PlanFolder:
    """A plan's output folder; each table is read on first use.

    Attributes
    ----------
    path
        The folder.
    summary, scenario
        ``summary.json`` and ``scenario.resolved.yaml``, read when the folder is opened.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        missing = [f for f in REQUIRED if not (self.path / f).is_file()]
        if missing:
            raise _not_a_folder(self.path, f"{', '.join(missing)} missing")
        self.summary: dict[str, Any] = self._read("summary.json", _json)
        self.scenario: dict[str, Any] = self._read("scenario.resolved.yaml", _yaml)

    def _read(self, file: str, parse: Callable[[Path], _T]) -> _T:
        try:
            return parse(self.path / file)
        except (OSError, ValueError, KeyError, yaml.YAMLError, pyogrio.errors.DataSourceError) as e:
            raise _not_a_folder(self.path, f"{file}: {e}") from None

    def _csv(self, file: str, **options: Any) -> pd.DataFrame:
        return self._read(file, lambda path: read_csv(path, **options))

    def _optional_csv(self, file: str, **options: Any) -> pd.DataFrame | None:
        return self._csv(file, **options) if (self.path / file).is_file() else None

    @cached_property
    def map(self) -> MapSpec:
        """The scenario's ``map:`` section: the pages' language and base map."""
        raw = self.scenario.get("map") or {}
        return MapSpec(
            lang=Lang(raw.get("lang") or MapSpec.lang),
            tiles=raw.get("tiles"),
            attribution=str(raw.get("attribution") or ""),
            datum=Datum(raw.get("datum") or MapSpec.datum),
        )

    @property
    def csv_encoding(self) -> str:
        """How the scenario asked CSV files for people to be written."""
        output = self.scenario.get("output") or {}
        return str(output.get("csv_encoding") or CsvEncoding.UTF8_BOM)

    def has(self, file: str) -> bool:
        """True when the folder holds ``file``."""
        return (self.path / file).is_file()

    @cached_property
    def parcels(self) -> gpd.GeoDataFrame:
        """``allocation.gpkg``'s layer ``parcels``: every parcel with its plan columns."""
        return self._read("allocation.gpkg", lambda p: _layer(p, "parcels"))

    @cached_property
    def constraints(self) -> gpd.GeoDataFrame:
        """The spatial rules (``allocation.gpkg``'s ``constraints``; empty when none)."""

        def read(path: Path) -> gpd.GeoDataFrame:
            if "constraints" in [str(n) for n in pyogrio.list_layers(path)[:, 0]]:
                return _layer(path, "constraints")
            return gpd.GeoDataFrame({"name": [], "rule": []}, geometry=[], crs=self.parcels.crs)

        return self._read("allocation.gpkg", read)

    @cached_property
    def allocation(self) -> pd.DataFrame:
        """``allocation.csv``, blank cells as empty text."""
        return self._csv("allocation.csv", keep_default_na=False, dtype=_IDS)

    @cached_property
    def costshare(self) -> pd.DataFrame:
        """``costshare.csv``: one row per placed pair."""
        return self._csv("costshare.csv", dtype=_IDS)

    @cached_property
    def costshare_by_park(self) -> pd.DataFrame:
        """``costshare_by_park.csv``: per park and in total."""
        return self._csv("costshare_by_park.csv")

    @cached_property
    def evaluation(self) -> pd.DataFrame | None:
        """``evaluation.csv``, when the run evaluated firms."""
        return self._optional_csv("evaluation.csv", keep_default_na=False, na_values=[""])

    @cached_property
    def swaps(self) -> pd.DataFrame | None:
        """``swaps.csv``, under ``consolidation.swap``."""
        return self._optional_csv("swaps.csv", keep_default_na=False)

    @cached_property
    def supply_plan(self) -> pd.DataFrame | None:
        """``supply_plan.csv``, under ``phasing``."""
        return self._optional_csv("supply_plan.csv", keep_default_na=False, dtype=_IDS)

    @cached_property
    def supply_by_year(self) -> pd.DataFrame | None:
        """``supply_by_year.csv``, under ``phasing``."""
        return self._optional_csv("supply_by_year.csv", keep_default_na=False, na_values=[""])

    @property
    def title(self) -> str:
        """The plan's title (``plan.title``), else the scenario's name."""
        plan = self.summary.get("plan") or {}
        return str(plan.get("title") or self.summary.get("scenario", ""))

    @property
    def issuer(self) -> str:
        """The issuing unit (``plan.issuer``), or empty."""
        plan = self.summary.get("plan") or {}
        return str(plan.get("issuer") or "")

    def park_of(self, parcel_ids: pd.Series) -> pd.Series:
        """The park of each parcel id, or of a merged site (``A+B``: its members' park)."""
        parks = self.parcels.set_index("parcel_id")["park"]
        found: pd.Series = parcel_ids.astype(str).str.split("+").str[0].map(parks)
        return found


def read_folder(out_dir: Path) -> PlanFolder:
    """The output folder ``out_dir`` of ``landplan run``; exit 2 if it is not one."""
    return PlanFolder(out_dir)


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _layer(path: Path, layer: str) -> gpd.GeoDataFrame:
    frame: gpd.GeoDataFrame = gpd.read_file(path, layer=layer, engine="pyogrio")
    return frame


def _not_a_folder(path: Path, detail: str) -> InputError:
    return InputError(
        [
            Problem(
                str(path),
                f"not a complete landplan output folder: {detail}",
                fix="give a folder written by 'landplan run' (run it again if unsure)",
            )
        ]
    )
