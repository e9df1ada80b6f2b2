"""``plan.xlsx``: the plan as a committee member opens it in Excel.

Built from the output folder's files, as the map and the report are. Sheets: the
indicators against the 2025 targets, the placed projects, the cost shares, the
parks, the unplaced projects with their reasons. Headers in the scenario's
language (``map.lang``; Chinese by default), land in ha and 亩, number formats,
frozen header rows, columns as wide as their text (Chinese characters count
double, ``wcwidth``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from wcwidth import wcswidth

from landplan.constants import MU_PER_HA
from landplan.domain import Indicator
from landplan.firm_evaluation import park_tiers
from landplan.folder import PlanFolder, read_folder
from landplan.messages import label
from landplan.views import headline_counts, kpi_rows, sector_name, unplaced_reasons

MONEY = "#,##0.00"
AREA = "#,##0.0000"
COUNT = "#,##0"
SHARE = "0.0%"
FORMATS = {
    "land_ha": AREA,
    "land_mu": "#,##0.00",
    "objective_value": MONEY,
    "park_avg_cost": MONEY,
    "base_share": MONEY,
    "cap": MONEY,
    "share": MONEY,
    "subsidy": MONEY,
    "spread_burden": MONEY,
    "deferred": MONEY,
    "budget": MONEY,
    "budget_used": SHARE,
    "pairs": COUNT,
    "hightech_pairs": COUNT,
    "placed": COUNT,
    "placed_leading": COUNT,
    "output_per_ha": MONEY,
    "tax_per_mu": MONEY,
    "importance": MONEY,
    "score": "0.0",
    "cd_land_share": SHARE,
    "cd_land_mu": "#,##0.00",
    **{i.value: "#,##0.00" for i in Indicator},
    "rd_intensity": "0.00%",
    **{f"{i.value}_vs_benchmark": SHARE for i in Indicator},
}
MAX_WIDTH = 60


def write_workbook(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``plan.xlsx`` from ``out_dir`` and write it to ``target``."""
    folder = read_folder(out_dir)
    lang = lang or folder.map.lang
    workbook = Workbook()
    default = workbook.active
    for key, frame in sheets(folder, lang).items():
        sheet = workbook.create_sheet(label(f"sheet.{key}", lang))
        _fill(sheet, frame, lang)
    if default is not None:
        workbook.remove(default)
    workbook.save(target)


def write_evaluation_book(
    firms: pd.DataFrame,
    benchmarks: dict[str, float],
    target: Path,
    *,
    recovered: pd.DataFrame | None,
    lang: str,
) -> None:
    """``evaluation.xlsx``: every firm with its indicators, score and tier; the parks
    by tier against the district's benchmarks; the recovered land, when renewal is on."""
    workbook = Workbook()
    default = workbook.active
    books = {"eval_firms": firms, "eval_parks": park_tiers(firms, benchmarks)}
    books["eval_parks"]["park"] = books["eval_parks"]["park"].replace(
        {"total": label("total", lang)}
    )
    if recovered is not None:
        books["eval_renewal"] = recovered
    for key, frame in books.items():
        _fill(workbook.create_sheet(label(f"sheet.{key}", lang)), frame, lang)
    if default is not None:
        workbook.remove(default)
    workbook.save(target)


def sheets(folder: PlanFolder, lang: str) -> dict[str, pd.DataFrame]:
    """Each sheet's table, columns still named as in the folder's files."""
    alloc = folder.allocation
    labels = folder.summary.get("sector_labels", {})
    alloc = alloc.assign(
        sector=alloc["sector"].astype(str).map(lambda s: sector_name(s, lang, labels))
    )
    placed = alloc[alloc["status"] == "placed"].copy()
    for column in ("land_ha", "objective_value", "importance"):
        if column in placed:
            placed[column] = pd.to_numeric(placed[column])
    placed["park"] = folder.park_of(placed["parcel_id"])
    placed["land_mu"] = (placed["land_ha"] * MU_PER_HA).round(4)
    columns = ["project_id", "name", "sector", "hightech", "major", "park", "parcel_id"]
    columns += ["land_ha", "land_mu", "objective_value"]
    if "importance" in placed:
        columns.append("importance")
    unplaced = unplaced_reasons(alloc[alloc["status"] != "placed"], lang)
    shares = folder.costshare.copy()
    _insert_mu(shares)
    parks = folder.costshare_by_park.copy()
    facts = pd.DataFrame.from_dict(folder.summary["parks"], orient="index")
    facts = facts[["leading_sectors", "placed_leading", "output_per_ha", "tax_per_mu"]]
    parks = parks.join(facts, on="park")
    parks["leading_sectors"] = parks["leading_sectors"].map(
        lambda v: (
            "、".join(sector_name(x, lang, labels) for x in str(v).split(";") if x)
            if isinstance(v, str)
            else ""
        )
    )
    parks["park"] = parks["park"].replace({"total": label("total", lang)})
    _insert_mu(parks)
    return {
        "kpis": kpi_table(folder.summary, lang),
        "allocation": placed[columns].sort_values(["park", "project_id"]),
        "costshare": shares,
        "parks": parks,
        "unplaced": unplaced[["project_id", "name", "sector", "reason_code", "reason", "detail"]],
    }


def _insert_mu(frame: pd.DataFrame) -> None:
    """``land_mu`` right after ``land_ha``."""
    where = list(frame.columns).index("land_ha") + 1
    frame.insert(where, "land_mu", (frame["land_ha"] * MU_PER_HA).round(4))


def kpi_table(summary: dict[str, Any], lang: str) -> pd.DataFrame:
    """The headline figures, then each indicator against 2020 and the 2025 target."""
    cs = summary["costshare"]
    land = summary["land_used_ha"]
    status = summary["status"]
    counts = headline_counts(summary)
    head = {
        **{k: counts[k] for k in ("placed", "hightech", "major")},
        "land_ha": round(land, 4),
        "land_mu": round(land * MU_PER_HA, 2),
        "subsidy": round(cs["subsidy"], 2),
        "budget_used": counts["budget_used"],
        "status": label(f"solver.{status}", lang, default=status),
        "gap": f"{100 * (summary['gap'] or 0):.4f}%",
    }
    rows: list[dict[str, Any]] = [
        {"indicator": label(f"head.{k}", lang), "value": v, "unit": "", "base2020": None}
        for k, v in head.items()
    ]
    yes, no = label("yes", lang), label("no", lang)
    for r in kpi_rows(summary, lang):
        met = None
        if r["target2025"] is not None and r["plan"] is not None:
            met = yes if r["plan"] >= r["target2025"] else no
        rows.append({**{k: v for k, v in r.items() if k != "key"}, "met": met})
    table = pd.DataFrame(rows)
    order = ["indicator", "value", "unit", "base2020", "target2025", "plan", "met"]
    return table.reindex(columns=order)


def _fill(sheet: Worksheet, frame: pd.DataFrame, lang: str) -> None:
    """One table on ``sheet``: bold frozen headers, formats, widths; yes/no in words."""
    words = {True: label("yes", lang), False: label("no", lang)}
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, bool)).all() and len(frame):
            frame[column] = frame[column].map(words)
    headers = [label(str(c), lang, default=str(c)) for c in frame.columns]
    sheet.append(headers)
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    for k, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(k)
        number = FORMATS.get(str(column))
        if number is None and column in ("base2020", "target2025", "plan"):
            number = "#,##0.00"
        if number is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                cell.number_format = number
        shown = [headers[k - 1], *(_shown(v, number) for v in frame[column])]
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(wcswidth(s) for s in shown) + 2)
    sheet.auto_filter.ref = sheet.dimensions


def _cell(value: Any) -> Any:
    """A value openpyxl writes: NaN as an empty cell, numpy scalars as Python."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _shown(value: Any, number: str | None) -> str:
    """Roughly how the cell reads, for its width."""
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, float) and number is not None:
        return f"{value:,.2f}"
    return str(value)
