"""Candidate projects, the sector-to-zoning table and park totals (CSV, UTF-8)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from landplan.constants import SUPPLY_MODES
from landplan.errors import ProblemLog
from landplan.fields import FieldReader
from landplan.scenario import Scenario

log = logging.getLogger(__name__)

PROJECT_COLUMNS = [
    "project_id",
    "name",
    "sector",
    "hightech",
    "major",
    "need",
    "area_min_ha",
    "area_max_ha",
    "floor_m2",
    "investment",
    "output",
    "tax",
    "jobs",
    "rd_spend",
    "supply_modes",
    "must_place",
    "park",
    "start_year",
    "locked_parcel",
]


@dataclass(frozen=True)
class Tables:
    """The non-spatial inputs of a scenario.

    Attributes
    ----------
    projects
        One row per project, ``PROJECT_COLUMNS``; money in 万元, land in ha.
    zoning
        sector -> allowed zoning codes (upper case).
    parks
        ``park, total_dev_cost, developable_area_ha`` (万元, ha); may be empty.
    sector_labels
        sector -> display label (``label_zh`` of the zoning table, else the sector).
    """

    projects: pd.DataFrame
    zoning: dict[str, frozenset[str]]
    parks: pd.DataFrame
    sector_labels: dict[str, str]


def load_tables(scenario: Scenario, problems: ProblemLog) -> Tables:
    """Read projects, zoning and parks; problems go to ``problems``."""
    zoning, labels = read_zoning(scenario.zoning, problems)
    projects = read_projects(scenario.projects, zoning, problems)
    parks = read_parks(scenario.parks, problems)
    log.info("loaded %d projects in %d sectors", len(projects), projects["sector"].nunique())
    return Tables(projects=projects, zoning=zoning, parks=parks, sector_labels=labels)


def _read_csv(path: Path, problems: ProblemLog) -> pd.DataFrame | None:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.add(str(path), "is not UTF-8 text", fix="save the table as UTF-8 CSV")
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        problems.add(
            str(path),
            f"cannot read as CSV: {' '.join(str(exc).split())}",
            fix="check the CSV (one header row, commas between fields)",
        )
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_zoning(
    path: Path, problems: ProblemLog
) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """``sector, allowed_zoning`` (codes separated by ``;``), optional ``label_zh``."""
    frame = _read_csv(path, problems)
    if frame is None:
        return {}, {}
    ids = frame["sector"] if "sector" in frame else pd.Series(range(1, len(frame) + 1))
    reader = FieldReader(frame, ids, str(path), None, problems)
    sectors = reader.text("sector", required=True)
    allowed = reader.text("allowed_zoning", required=True)
    labels = reader.text("label_zh", required=False, default="")
    zoning: dict[str, frozenset[str]] = {}
    for sector, codes in zip(sectors, allowed, strict=True):
        if sector in zoning:
            problems.add(
                str(path),
                f"sector {sector!r} appears twice",
                row=sector,
                field="sector",
                fix="keep one row per sector",
            )
        zoning[sector] = frozenset(c.strip().upper() for c in codes.split(";") if c.strip())
    label_map = {s: (lab or s) for s, lab in zip(sectors, labels, strict=True)}
    return zoning, label_map


def read_projects(
    path: Path, zoning: dict[str, frozenset[str]], problems: ProblemLog
) -> pd.DataFrame:
    """The candidate projects, validated row by row (CONTRACT: Projects)."""
    frame = _read_csv(path, problems)
    if frame is None:
        return pd.DataFrame(columns=PROJECT_COLUMNS)
    source = str(path)
    rows = pd.Series(np.arange(2, len(frame) + 2)).astype(str)  # 2 = first data line
    ids = frame["project_id"] if "project_id" in frame else "line " + rows
    ids = ids.where(ids.str.strip() != "", "line " + rows)
    reader = FieldReader(frame, ids, source, None, problems)
    out = pd.DataFrame(index=frame.index)
    out["project_id"] = reader.text("project_id", required=True)
    out["name"] = reader.text("name", required=False, default="")
    out["sector"] = reader.text("sector", required=True)
    out["hightech"] = reader.boolean("hightech")
    out["major"] = reader.boolean("major")
    out["need"] = reader.choice("need", ("land", "floor"), "land")
    out["area_min_ha"] = reader.number("area_min_ha")
    out["area_max_ha"] = reader.number("area_max_ha")
    out["floor_m2"] = reader.number("floor_m2")
    for column in ("investment", "output", "tax", "jobs", "rd_spend"):
        out[column] = reader.number(column).fillna(0.0)
    out["supply_modes"] = reader.modes("supply_modes", SUPPLY_MODES)
    out["must_place"] = reader.boolean("must_place")
    out["park"] = reader.text("park", required=False, default="")
    out["start_year"] = reader.number("start_year", integer=True)
    out["locked_parcel"] = reader.text("locked_parcel", required=False, default="")

    def bad(mask: pd.Series, field: str, message: str, fix: str) -> None:
        for pid in out.loc[mask, "project_id"].head(20):
            problems.add(source, message, row=str(pid), field=field, fix=fix)

    dup = out["project_id"].duplicated(keep=False) & (out["project_id"] != "")
    bad(dup, "project_id", "project_id is used more than once", "make project ids unique")
    known = out["sector"].isin(list(zoning)) | (out["sector"] == "")
    if zoning:
        bad(
            ~known,
            "sector",
            "sector is not in the zoning table",
            f"use one of {', '.join(sorted(zoning))}, or add it to the zoning table",
        )
    land = out["need"] == "land"
    for column in ("area_min_ha", "area_max_ha"):
        bad(
            land & out[column].isna(),
            column,
            "land projects need an area range",
            f"fill in '{column}' (ha)",
        )
    bad(
        land & (out["area_min_ha"] > out["area_max_ha"]),
        "area_min_ha",
        "area_min_ha is larger than area_max_ha",
        "swap or correct the range",
    )
    floor = out["need"] == "floor"
    bad(
        floor & ~(out["floor_m2"] > 0),
        "floor_m2",
        "floor projects need floor_m2 > 0",
        "fill in 'floor_m2' (m²)",
    )
    return out[PROJECT_COLUMNS].reset_index(drop=True)


def read_parks(path: Path | None, problems: ProblemLog) -> pd.DataFrame:
    """Optional park totals: ``park, total_dev_cost`` (万元), ``developable_area_ha``."""
    columns = ["park", "total_dev_cost", "developable_area_ha", "floor_area_m2"]
    if path is None:
        return pd.DataFrame(columns=columns)
    frame = _read_csv(path, problems)
    if frame is None:
        return pd.DataFrame(columns=columns)
    ids = frame["park"] if "park" in frame else pd.Series(range(2, len(frame) + 2))
    reader = FieldReader(frame, ids, str(path), None, problems)
    out = pd.DataFrame(index=frame.index)
    out["park"] = reader.text("park", required=True)
    out["total_dev_cost"] = reader.number("total_dev_cost", required=True)
    out["developable_area_ha"] = reader.number("developable_area_ha", required=True, positive=True)
    out["floor_area_m2"] = reader.number("floor_area_m2", positive=True)
    for park in out.loc[out["park"].duplicated(), "park"]:
        problems.add(
            str(path),
            "park appears twice",
            row=str(park),
            field="park",
            fix="keep one row per park",
        )
    return out.reset_index(drop=True)


def cross_check(parcels: pd.DataFrame, tables: Tables, source: Path, problems: ProblemLog) -> None:
    """Checks that need both tables: locked parcels exist and suit their project."""
    known = set(parcels["parcel_id"])
    locked = tables.projects[tables.projects["locked_parcel"] != ""]
    for row in locked.itertuples():
        if row.locked_parcel not in known:
            problems.add(
                str(source),
                f"locked_parcel {row.locked_parcel!r} is not in any parcel layer",
                row=str(row.project_id),
                field="locked_parcel",
                fix="correct the parcel id or clear locked_parcel",
            )
    unknown_parks = set(tables.parks["park"]) - set(parcels["park"])
    if unknown_parks:
        log.warning("parks.csv names parks with no parcel: %s", ", ".join(sorted(unknown_parks)))
