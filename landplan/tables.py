"""Candidate projects, the sector-to-zoning table and park totals.

Each table may be a CSV file (UTF-8, UTF-8 with BOM, or GB18030/GBK as Chinese
Excel saves it) or an Excel workbook (``.xlsx``; the first sheet, or ``sheet:``).
The encoding is detected, never guessed into garbled text.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from landplan.constants import SUPPLY_MODES
from landplan.domain import Need
from landplan.errors import ProblemLog
from landplan.fields import FieldReader
from landplan.scenario import Scenario, TableSpec

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


# The firms table (docs/inputs.md, "Firms"): annual figures in 万元, tce, persons.
FIRM_NUMBERS = ("tax", "output", "value_added", "energy_tce", "jobs", "rd_spend")
FIRM_COLUMNS = ["parcel_id", "firm", "sector", *FIRM_NUMBERS, "year", "land_share"]


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
        ``park, total_dev_cost, developable_area_ha`` (万元, ha), ``floor_area_m2``
        and ``leading_sectors`` (a tuple of sectors, 主导产业); may be empty.
    sector_labels
        sector -> display label (``label_zh`` of the zoning table, else the sector).
    firms
        The firms on land in use, ``FIRM_COLUMNS`` (and the renewal cost column
        when the scenario names one); empty without ``firms:``.
    """

    projects: pd.DataFrame
    zoning: dict[str, frozenset[str]]
    parks: pd.DataFrame
    sector_labels: dict[str, str]
    firms: pd.DataFrame


def load_tables(scenario: Scenario, problems: ProblemLog) -> Tables:
    """Read projects, zoning and parks; problems go to ``problems``."""
    zoning, labels = read_zoning(scenario.zoning, problems)
    projects = read_projects(scenario.projects, zoning, problems)
    parks = read_parks(scenario.parks, zoning, problems)
    log.info("loaded %d projects in %d sectors", len(projects), projects["sector"].nunique())
    cost_column = scenario.renewal.cost_column if scenario.renewal else None
    firms = (
        read_firms(scenario.firms, problems, cost_column)
        if scenario.firms is not None
        else pd.DataFrame(columns=FIRM_COLUMNS)
    )
    return Tables(projects=projects, zoning=zoning, parks=parks, sector_labels=labels, firms=firms)


EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def read_table(spec: TableSpec, problems: ProblemLog) -> pd.DataFrame | None:
    """A table as text cells (blank cells are ``""``); problems go to ``problems``."""
    suffix = spec.path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        frame = _read_excel(spec, problems)
    elif suffix == ".xls":
        problems.add(
            str(spec.path),
            "is an old binary Excel file (.xls)",
            fix="save it as .xlsx (Excel workbook) or as CSV",
        )
        return None
    else:
        frame = _read_csv(spec, problems)
    if frame is None:
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_csv(spec: TableSpec, problems: ProblemLog) -> pd.DataFrame | None:
    path = spec.path
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(str(path), f"cannot read: {exc.strerror}", fix="check the path")
        return None
    # Chinese Excel saves CSV as GBK (code page 936); GB18030 is its superset.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030":
            log.warning("%s: not UTF-8; read as GB18030 (GBK), as Chinese Excel saves CSV", path)
        break
    else:
        problems.add(
            str(path),
            "is neither UTF-8 nor GBK/GB18030 text",
            fix="save the table as CSV UTF-8 (or as an Excel workbook)",
        )
        return None
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.add(
            str(path),
            f"cannot read as CSV: {' '.join(str(exc).split())}",
            fix="check the CSV (one header row, commas between fields)",
        )
        return None


def _read_excel(spec: TableSpec, problems: ProblemLog) -> pd.DataFrame | None:
    source = str(spec.path)
    try:
        sheets = pd.ExcelFile(spec.path, engine="openpyxl")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        problems.add(
            source,
            f"cannot open as an Excel workbook: {' '.join(str(exc).split())}",
            fix="save it from Excel as .xlsx, or as CSV",
        )
        return None
    with sheets:
        names = [str(n) for n in sheets.sheet_names]
        if spec.sheet is not None and spec.sheet not in names:
            problems.add(
                source,
                f"no sheet named {spec.sheet!r}; the workbook has {', '.join(names)}",
                layer=spec.sheet,
                fix="correct 'sheet:' in the scenario",
            )
            return None
        sheet = spec.sheet if spec.sheet is not None else names[0]
        frame = pd.read_excel(sheets, sheet_name=sheet, dtype=object, header=0)

    # cells as text, the way they read in a CSV: integral numbers without ".0", date
    # cells (Excel's own dates, read as datetime) as ISO dates
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, datetime):
            return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    frame = frame.map(cell)
    frame = frame.loc[:, [not str(c).startswith("Unnamed:") for c in frame.columns]]
    return frame[(frame != "").any(axis=1)].reset_index(drop=True)


def read_zoning(
    spec: TableSpec, problems: ProblemLog
) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """``sector, allowed_zoning`` (codes separated by ``;``), optional ``label_zh``."""
    path = spec.path
    frame = read_table(spec, problems)
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
    spec: TableSpec, zoning: dict[str, frozenset[str]], problems: ProblemLog
) -> pd.DataFrame:
    """The candidate projects, validated row by row (docs/inputs.md, "Projects")."""
    path = spec.path
    frame = read_table(spec, problems)
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
    out["need"] = reader.choice("need", [n.value for n in Need], Need.LAND)
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

    def bad(mask: pd.Series, field: str, message: str, *, fix: str) -> None:
        for pid, value in out.loc[mask, ["project_id", field]].head(20).itertuples(index=False):
            shown = "" if pd.isna(value) or value == "" else f", got {value!r}"
            problems.add(source, message + shown, row=str(pid), field=field, fix=fix)

    dup = out["project_id"].duplicated(keep=False) & (out["project_id"] != "")
    bad(dup, "project_id", "project_id is used more than once", fix="make project ids unique")
    known = out["sector"].isin(list(zoning)) | (out["sector"] == "")
    if zoning:
        bad(
            ~known,
            "sector",
            "sector is not in the zoning table",
            fix=f"use one of {', '.join(sorted(zoning))}, or add it to the zoning table",
        )
    land = out["need"] == Need.LAND
    for column in ("area_min_ha", "area_max_ha"):
        bad(
            land & out[column].isna(),
            column,
            "land projects need an area range",
            fix=f"fill in '{column}' (ha)",
        )
    bad(
        land & (out["area_min_ha"] > out["area_max_ha"]),
        "area_min_ha",
        "area_min_ha is larger than area_max_ha",
        fix="swap or correct the range",
    )
    floor = out["need"] == Need.FLOOR
    bad(
        floor & ~(out["floor_m2"] > 0),
        "floor_m2",
        "floor projects need floor_m2 > 0",
        fix="fill in 'floor_m2' (m²)",
    )
    return out[PROJECT_COLUMNS].reset_index(drop=True)


def read_parks(
    spec: TableSpec | None, zoning: dict[str, frozenset[str]], problems: ProblemLog
) -> pd.DataFrame:
    """Optional park totals: ``park, total_dev_cost`` (万元), ``developable_area_ha``,
    and each park's ``leading_sectors`` (``;``-separated sectors, 主导产业)."""
    columns = ["park", "total_dev_cost", "developable_area_ha", "floor_area_m2", "leading_sectors"]
    if spec is None:
        return pd.DataFrame(columns=columns)
    path = spec.path
    frame = read_table(spec, problems)
    if frame is None:
        return pd.DataFrame(columns=columns)
    ids = frame["park"] if "park" in frame else pd.Series(range(2, len(frame) + 2))
    reader = FieldReader(frame, ids, str(path), None, problems)
    out = pd.DataFrame(index=frame.index)
    out["park"] = reader.text("park", required=True)
    out["total_dev_cost"] = reader.number("total_dev_cost", required=True)
    out["developable_area_ha"] = reader.number("developable_area_ha", required=True, positive=True)
    out["floor_area_m2"] = reader.number("floor_area_m2", positive=True)
    leading = reader.text("leading_sectors", required=False, default="")
    out["leading_sectors"] = leading.map(
        lambda text: tuple(dict.fromkeys(w.strip() for w in str(text).split(";") if w.strip()))
    )
    for park, sectors in zip(out["park"], out["leading_sectors"], strict=True):
        unknown = [x for x in sectors if zoning and x not in zoning]
        if unknown:
            problems.add(
                str(path),
                f"leading_sectors names sectors the zoning table does not have: "
                f"{', '.join(map(repr, unknown))}",
                row=str(park),
                field="leading_sectors",
                fix=f"use sectors of the zoning table: {', '.join(sorted(zoning))}",
            )
    for park in out.loc[out["park"].duplicated(), "park"]:
        problems.add(
            str(path),
            f"park {park!r} appears twice",
            row=str(park),
            field="park",
            fix="keep one row per park",
        )
    return out.reset_index(drop=True)


def read_firms(spec: TableSpec, problems: ProblemLog, cost_column: str | None) -> pd.DataFrame:
    """The firms on land in use, one row per firm on a parcel (docs/inputs.md, "Firms").

    ``tax`` and ``output`` are required; a blank in another figure leaves that
    indicator missing for the firm (it scores 0). ``land_share`` splits a shared
    parcel (blank: an equal part of what the given shares leave).
    """
    source = str(spec.path)
    frame = read_table(spec, problems)
    if frame is None:
        return pd.DataFrame(columns=FIRM_COLUMNS)
    rows = pd.Series(np.arange(2, len(frame) + 2)).astype(str)
    ids = frame["firm"] if "firm" in frame else "line " + rows
    ids = ids.where(ids.astype(str).str.strip() != "", "line " + rows)
    reader = FieldReader(frame, ids, source, None, problems)
    out = pd.DataFrame(index=frame.index)
    out["parcel_id"] = reader.text("parcel_id", required=True)
    out["firm"] = reader.text("firm", required=True)
    out["sector"] = reader.text("sector", required=False, default="")
    for column in FIRM_NUMBERS:
        out[column] = reader.number(column, required=column in ("tax", "output"))
    out["year"] = reader.number("year", integer=True)
    out["land_share"] = reader.number("land_share")
    if cost_column is not None:
        out[cost_column] = reader.number(cost_column, required=True)

    named = out[out["firm"] != ""]
    for (parcel, firm), group in named.groupby(["parcel_id", "firm"], sort=False):
        if len(group) > 1:
            problems.add(
                source,
                f"firm is listed {len(group)} times on parcel {parcel!r}",
                row=str(firm),
                field="firm",
                fix="keep one row per firm and parcel (add up its figures)",
            )
    for firm, group in named.groupby("firm", sort=False):
        places = sorted(set(group["parcel_id"]))
        if len(places) > 1:
            problems.add(
                source,
                f"firm is listed on {len(places)} parcels: {', '.join(places)}",
                row=str(firm),
                field="firm",
                fix="name each site of the firm apart (e.g. 'X 二厂区'): it is evaluated per site",
            )
    over = out.groupby("parcel_id")["land_share"].sum(min_count=1)
    for parcel, total in over[over > 1 + 1e-9].items():
        problems.add(
            source,
            f"the land_share of the firms on parcel {parcel!r} adds up to {total:g}",
            row=str(parcel),
            field="land_share",
            fix="give each firm's part of the parcel's land as a fraction (0.25 = a quarter), "
            "together at most 1",
        )
    return out.reset_index(drop=True)
