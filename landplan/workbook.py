"""``plan.xlsx`` (and ``evaluation.xlsx``, ``tracking.xlsx``): the plan as a committee
member opens it in Excel and prints it.

Built from the output folder's files, as the map and the report are. One table per
sheet: the headline, the indicators against the plan's targets, the placed
projects (with their year, supply mode, land kind and why there), the annual
supply plan and the years' totals (under phasing), the cost shares, the parks, the
unplaced projects with their reasons in words. Headers and values in the
scenario's language (``map.lang``; Chinese by default), land in ha and 亩, numbers
stored as numbers with formats, shares as percent.

Every sheet prints on A4 landscape, one page wide, its header row repeated on
every page, the plan's title in the page header and "page n of m" in the footer.
No cell is ever a formula: text is stored as text whatever it begins with, so a
project named ``=HYPERLINK(...)`` stays a name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from wcwidth import wcswidth

from landplan.constants import MU_PER_HA
from landplan.domain import Indicator, Lang
from landplan.firm_evaluation import park_tiers
from landplan.folder import PlanFolder, read_folder
from landplan.messages import label, say
from landplan.views import kpi_rows, sector_name, unplaced_reasons, year_headers, year_totals

MONEY = "#,##0.00"
AREA = "#,##0.0000"
MU = "#,##0.00"
COUNT = "#,##0"
SHARE = "0.0%"
FORMATS = {
    "land_ha": AREA,
    "land_mu": MU,
    "area_ha": AREA,
    "objective_value": MONEY,
    "park_avg_cost": MONEY,
    "base_share": MONEY,
    "cap": MONEY,
    "share": MONEY,
    "subsidy": MONEY,
    "spread_burden": MONEY,
    "deferred": MONEY,
    "budget": MONEY,
    "budget_left": MONEY,
    "budget_used": SHARE,
    "bearers_mu": MU,
    "burden_per_mu": MONEY,
    "pairs": COUNT,
    "hightech_pairs": COUNT,
    "placed": COUNT,
    "placed_leading": COUNT,
    "projects": COUNT,
    "late": COUNT,
    "year": "0",
    "start_year": "0",
    "delay": "0",
    "land_cap_ha": AREA,
    "land_cap_mu": MU,
    "output_per_ha": MONEY,
    "tax_per_mu": MONEY,
    "importance": MONEY,
    "score": "0.0",
    "cd_land_share": SHARE,
    "cd_land_mu": MU,
    **{i.value: "#,##0.00" for i in Indicator},
    "rd_intensity": "0.00%",
    **{f"{i.value}_vs_benchmark": SHARE for i in Indicator},
    "overdue_days": COUNT,
    "late_days": COUNT,
}
MAX_WIDTH = 60
A4 = 9  # openpyxl's paper size code for A4


def write_workbook(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``plan.xlsx`` from ``out_dir`` and write it to ``target``."""
    folder = read_folder(out_dir)
    lang = lang or folder.map.lang
    title = folder.title
    workbook = Workbook()
    default = workbook.active
    for key, frame in sheets(folder, lang).items():
        name = label(f"sheet.{key}", lang)
        sheet = workbook.create_sheet(name)
        if key == "kpis":
            _fill_indicators(sheet, frame, folder.summary, lang)
        else:
            _fill(sheet, frame, lang)
        _print_setup(sheet, f"{title} — {name}", lang)
    if default is not None:
        workbook.remove(default)
    workbook.save(target)


def write_table_book(
    frame: pd.DataFrame, target: Path, *, sheet: str, title: str, lang: str
) -> None:
    """One table on one sheet, as ``plan.xlsx``'s sheets are (``tracking.xlsx``)."""
    workbook = Workbook()
    page = workbook.active
    assert page is not None
    page.title = label(f"sheet.{sheet}", lang)
    _fill(page, frame, lang)
    _print_setup(page, f"{title} — {page.title}", lang)
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
        sheet = workbook.create_sheet(label(f"sheet.{key}", lang))
        _fill(sheet, frame, lang)
        _print_setup(sheet, sheet.title, lang)
    if default is not None:
        workbook.remove(default)
    workbook.save(target)


def sheets(folder: PlanFolder, lang: str) -> dict[str, pd.DataFrame]:
    """Each sheet's table, columns still named as in the folder's files (the indicator
    sheet's rows are built from the summary)."""
    alloc = folder.allocation
    labels = folder.summary.get("sector_labels", {})
    alloc = alloc.assign(
        sector=alloc["sector"].astype(str).map(lambda s: sector_name(s, lang, labels))
    )
    placed = alloc[alloc["status"] == "placed"].copy()
    for column in ("land_ha", "objective_value", "importance", "year"):
        if column in placed:
            placed[column] = pd.to_numeric(placed[column])
    placed["park"] = folder.park_of(placed["parcel_id"])
    placed["land_mu"] = (placed["land_ha"] * MU_PER_HA).round(4)
    kinds = folder.parcels.set_index("parcel_id")["kind"]
    placed["kind"] = [
        label(f"kind.{kinds.get(p.split('+')[0], '')}", lang, default="")
        for p in placed["parcel_id"].astype(str)
    ]
    placed["why"] = placed["why_zh" if lang == Lang.ZH else "why"]
    columns = ["project_id", "name", "sector", "hightech", "major", "park", "parcel_id", "kind"]
    plan = folder.supply_plan
    if plan is not None:  # phasing: the year and the supply mode of each placement
        modes = plan.set_index("project_id")["supply_mode"]
        placed["supply_mode"] = [
            label(f"mode.{modes.get(p, '')}", lang, default="") for p in placed["project_id"]
        ]
        columns += ["year", "supply_mode"]
    columns += ["land_ha", "land_mu", "why"]
    if "importance" in placed:
        columns.append("importance")
    unplaced = unplaced_reasons(alloc[alloc["status"] != "placed"], lang)
    shares = folder.costshare.copy()
    _insert_mu(shares)
    out = {
        "headline": headline_table(folder.summary, lang),
        "kpis": pd.DataFrame(kpi_rows(folder.summary, lang))[
            ["indicator", "unit", "baseline", "target", "plan", "met"]
        ],
        "allocation": placed[columns].sort_values(["park", "project_id"]),
    }
    if plan is not None and folder.supply_by_year is not None:
        out["supply_plan"] = _supply_plan(plan, placed, lang)
        out["supply_by_year"] = year_totals(folder, lang)
    out |= {
        "costshare": shares,
        "parks": _parks(folder, lang),
        "unplaced": unplaced[["project_id", "name", "sector", "reason", "detail"]],
    }
    return out


def _supply_plan(plan: pd.DataFrame, placed: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The annual supply plan (年度供地计划): year by year, park by park."""
    names = placed.set_index("project_id")["name"]
    table = plan.assign(
        name=plan["project_id"].map(names),
        supply_mode=[label(f"mode.{m}", lang, default=m) for m in plan["supply_mode"]],
        kind=[label(f"kind.{k}", lang) for k in plan["kind"]],
    )
    columns = ["year", "park", "parcel_id", "project_id", "name", "kind", "supply_mode"]
    table = table[[*columns, "land_ha", "subsidy", "start_year", "delay"]]
    _insert_mu(table)
    return table


def _parks(folder: PlanFolder, lang: str) -> pd.DataFrame:
    labels = folder.summary.get("sector_labels", {})
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
    if not (parks["spread_burden"] > 0).any():  # no one bears a spread shortfall
        parks = parks.drop(columns=["bearers_mu", "burden_per_mu"])
    _insert_mu(parks)
    return parks


def _insert_mu(frame: pd.DataFrame) -> None:
    """``land_mu`` right after ``land_ha``."""
    where = list(frame.columns).index("land_ha") + 1
    frame.insert(where, "land_mu", (pd.to_numeric(frame["land_ha"]) * MU_PER_HA).round(4))


def headline_table(summary: dict[str, Any], lang: str) -> pd.DataFrame:
    """The headline figures as numbers: what the plan achieves, out of what, and the
    proportion (``item, value, of, proportion``)."""
    cs = summary["costshare"]
    land = float(summary["land_used_ha"])

    def counted(key: str) -> dict[str, Any]:
        placed, total = summary[key]["placed"], summary[key]["total"]
        return {
            "item": label(f"head.{'placed' if key == 'projects' else key}", lang),
            "value": placed,
            "of": total,
            "proportion": placed / total if total else None,
        }

    budget = cs.get("budget")
    status = summary["status"]
    rows = [
        counted("projects"),
        counted("hightech"),
        counted("major"),
        {"item": label("head.land_ha", lang), "value": land},
        {"item": label("head.land_mu", lang), "value": land * MU_PER_HA},
        {
            "item": label("head.subsidy", lang),
            "value": cs["subsidy"],
            "of": budget,
            "proportion": cs.get("budget_used"),
        },
        {"item": label("head.status", lang), "value": label(f"solver.{status}", lang)},
        {"item": label("head.gap", lang), "proportion": summary["gap"]},
    ]
    return pd.DataFrame(rows, columns=["item", "value", "of", "proportion"])


def _fill_indicators(
    sheet: Worksheet, frame: pd.DataFrame, summary: dict[str, Any], lang: str
) -> None:
    """The indicators against the plan's targets: shares stored as fractions and shown
    as percent, the rest with two decimals; met in words."""
    years = year_headers(summary, lang)
    table = frame.copy()
    percent = (frame["unit"] == "%").to_numpy()
    for column in ("baseline", "target", "plan"):
        table[column] = [
            None if v is None or pd.isna(v) else (v / 100 if p else v)
            for v, p in zip(table[column], percent, strict=True)
        ]
    table["met"] = [
        "" if m is None or pd.isna(m) else label("yes" if m else "no", lang) for m in table["met"]
    ]
    _fill(sheet, table, lang, headers={"baseline": years["baseline"], "target": years["target"]})
    for row, is_share in enumerate(percent, start=2):
        for col in (3, 4, 5):
            sheet.cell(row=row, column=col).number_format = "0.00%" if is_share else "#,##0.00"


def _fill(
    sheet: Worksheet, frame: pd.DataFrame, lang: str, headers: dict[str, str] | None = None
) -> None:
    """One table on ``sheet``: bold frozen headers, numbers with formats, text as text
    (never a formula), widths by the text's display width, a filter on the table."""
    words = {True: label("yes", lang), False: label("no", lang)}
    frame = frame.copy()
    for column in frame.columns:
        if len(frame) and frame[column].map(lambda v: isinstance(v, bool)).all():
            frame[column] = frame[column].map(words)
    names = [
        (headers or {}).get(str(c)) or label(str(c), lang, default=str(c)) for c in frame.columns
    ]
    sheet.append(names)
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # "=..." is text, never a formula
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    for k, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(k)
        number = FORMATS.get(str(column))
        if number is None and str(column) in ("value", "of"):
            number = "#,##0.##"
        if str(column) == "proportion":
            number = "0.00%"
        if number is not None:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                cell.number_format = number
        shown = [names[k - 1], *(_shown(v, number) for v in frame[column])]
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(wcswidth(s) for s in shown) + 2)
        if max(wcswidth(s) for s in shown) + 2 > MAX_WIDTH:  # long text wraps
            for (cell,) in sheet.iter_rows(min_row=2, min_col=k, max_col=k):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.auto_filter.ref = sheet.dimensions


def _print_setup(sheet: Worksheet, title: str, lang: str) -> None:
    """A4 landscape, one page wide, the header row on every page, the title above and
    the page number below."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.print_area = sheet.dimensions
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    header, footer = sheet.oddHeader, sheet.oddFooter
    if header is not None and footer is not None:
        header.center.text = title.replace("&", "&&")
        footer.center.text = say("sheet.page").in_(lang)


def _cell(value: Any) -> Any:
    """A value openpyxl writes: NaN as an empty cell, numpy scalars as Python."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if value is pd.NA:
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
