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
from landplan.domain import Lang
from landplan.maps import TEXT, Folder, map_spec, read_folder, text

# Column headers: the folder's column names -> (Chinese, English); the map's
# labels (``maps.TEXT``) for the columns it names too.
HEADERS: dict[str, tuple[str, str]] = {
    "project_id": ("项目编号", "Project"),
    "name": ("项目名称", "Name"),
    "sector": ("产业", "Sector"),
    "hightech": ("高精尖", "High-tech"),
    "major": ("重大项目", "Major"),
    "must_place": ("必须落位", "Must place"),
    "need": ("用地需求", "Needs"),
    "land_ha": ("用地（公顷）", "Land (ha)"),
    "land_mu": ("用地（亩）", "Land (mu)"),
    "cap": ("封顶额（万元）", "Cap (10k yuan)"),
    "deferred": ("递延分摊（万元）", "Deferred (10k yuan)"),
    "pairs": ("落位项目数", "Projects placed"),
    "hightech_pairs": ("高精尖项目数", "High-tech projects"),
    "budget": ("补贴预算（万元）", "Budget (10k yuan)"),
    "budget_used": ("预算使用率", "Budget used"),
    "leading_sectors": ("主导产业", "Leading sectors"),
    "placed_leading": ("落在主导产业", "In a leading sector"),
    "output_per_ha": ("地均产值（万元/公顷）", "Output per ha (10k yuan)"),
    "tax_per_mu": ("亩均税收（万元/亩）", "Tax per mu (10k yuan)"),
    "reason_code": ("原因代码", "Reason code"),
    "reason": ("原因", "Reason"),
    "detail": ("说明", "Detail"),
    "indicator": ("指标", "Indicator"),
    "unit": ("单位", "Unit"),
    "base2020": ("2020年", "2020"),
    "target2025": ("2025年目标", "2025 target"),
    "plan": ("本方案", "This plan"),
    "met": ("达标", "Met"),
    "item": ("项目", "Item"),
    "value": ("数值", "Value"),
    "total": ("合计", "total"),
}

SHEETS: dict[str, tuple[str, str]] = {
    "kpis": ("指标对照", "Indicators"),
    "allocation": ("项目落位", "Placed projects"),
    "costshare": ("成本分摊", "Cost shares"),
    "parks": ("园区汇总", "Parks"),
    "unplaced": ("未落位项目", "Unplaced projects"),
}

# The stable reason codes of allocation.csv, in words.
REASONS: dict[str, tuple[str, str]] = {
    "no eligible parcel": ("无符合条件的地块", "no eligible parcel"),
    "outcompeted": ("被更优项目占用", "outcompeted"),
    "budget": ("补贴预算不足", "budget"),
    "not worth placing": ("落位收益为负", "not worth placing"),
    "solver stopped": ("求解器提前停止", "solver stopped"),
}

INDICATORS: dict[str, tuple[str, str]] = {
    "output_per_ha": ("地均工业产值", "industrial output per unit land"),
    "labour_productivity": ("全员劳动生产率", "labour productivity"),
    "rd_intensity": ("研发投入强度", "R&D intensity"),
    "hightech_share": ("高精尖产业占比", "high-tech share of output"),
    "output_per_mu": ("亩均产值", "output per mu"),
    "tax_per_mu": ("亩均税收", "tax per mu"),
}

HEADLINES: dict[str, tuple[str, str]] = {
    "placed": ("落位项目", "Projects placed"),
    "hightech": ("高精尖项目落位", "High-tech projects placed"),
    "major": ("重大项目落位", "Major projects placed"),
    "land_ha": ("使用土地（公顷）", "Land used (ha)"),
    "land_mu": ("使用土地（亩）", "Land used (mu)"),
    "subsidy": ("区级补贴（万元）", "District subsidy (10k yuan)"),
    "budget_used": ("补贴预算使用率", "Budget used"),
    "status": ("求解状态", "Solver status"),
    "gap": ("相对间隙", "Gap"),
}

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
}
MAX_WIDTH = 60


def write_workbook(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``plan.xlsx`` from ``out_dir`` and write it to ``target``."""
    folder = read_folder(out_dir)
    lang = lang or map_spec(folder.scenario).lang
    workbook = Workbook()
    default = workbook.active
    for key, frame in sheets(folder, lang).items():
        sheet = workbook.create_sheet(text(key, lang, SHEETS))
        _fill(sheet, frame, lang)
    if default is not None:
        workbook.remove(default)
    workbook.save(target)


def sheets(folder: Folder, lang: str) -> dict[str, pd.DataFrame]:
    """Each sheet's table, columns still named as in the folder's files."""
    alloc = folder.allocation
    labels = folder.summary.get("sector_labels", {}) if lang == Lang.ZH else {}
    alloc = alloc.assign(sector=alloc["sector"].astype(str).map(lambda s: labels.get(s, s)))
    park_of = folder.parcels.set_index("parcel_id")["park"]
    placed = alloc[alloc["status"] == "placed"].copy()
    for column in ("land_ha", "objective_value", "importance"):
        if column in placed:
            placed[column] = pd.to_numeric(placed[column])
    placed["park"] = placed["parcel_id"].map(park_of)
    placed["land_mu"] = (placed["land_ha"] * MU_PER_HA).round(4)
    columns = ["project_id", "name", "sector", "hightech", "major", "park", "parcel_id"]
    columns += ["land_ha", "land_mu", "objective_value"]
    if "importance" in placed:
        columns.append("importance")
    unplaced = alloc[alloc["status"] != "placed"].rename(columns={"reason": "reason_code"})
    unplaced["reason"] = unplaced["reason_code"].map(lambda r: text(r, lang, REASONS))
    shares = pd.read_csv(folder.path / "costshare.csv")
    _insert_mu(shares)
    parks = folder.costshare_by_park.copy()
    facts = pd.DataFrame.from_dict(folder.summary["parks"], orient="index")
    facts = facts[["leading_sectors", "placed_leading", "output_per_ha", "tax_per_mu"]]
    parks = parks.join(facts, on="park")
    parks["leading_sectors"] = parks["leading_sectors"].map(
        lambda v: (
            "、".join(labels.get(x, x) for x in str(v).split(";") if x)
            if isinstance(v, str)
            else ""
        )
    )
    parks["park"] = parks["park"].replace({"total": _header("total", lang)})
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
    head = {
        "placed": f"{summary['projects']['placed']} / {summary['projects']['total']}",
        "hightech": f"{summary['hightech']['placed']} / {summary['hightech']['total']}",
        "major": f"{summary['major']['placed']} / {summary['major']['total']}",
        "land_ha": round(land, 4),
        "land_mu": round(land * MU_PER_HA, 2),
        "subsidy": round(cs["subsidy"], 2),
        "budget_used": "—" if cs.get("budget_used") is None else f"{100 * cs['budget_used']:.1f}%",
        "status": summary["status"],
        "gap": f"{100 * (summary['gap'] or 0):.4f}%",
    }
    rows = [
        {"indicator": text(k, lang, HEADLINES), "value": v, "unit": "", "base2020": None}
        for k, v in head.items()
    ]
    yes, no = ("是", "否") if lang == Lang.ZH else ("yes", "no")
    for key, t in summary["targets_2025"].items():
        rows.append(
            {
                "indicator": text(key, lang, INDICATORS),
                "unit": t["unit"],
                "base2020": t["2020"],
                "target2025": t["2025"],
                "plan": t["plan"],
                "met": "" if t["plan"] is None else (yes if t["plan"] >= t["2025"] else no),
            }
        )
    kpis = summary["kpis"]
    for key, value, unit in (
        ("output_per_mu", kpis["output_per_ha"], "万元/亩"),
        ("tax_per_mu", kpis["tax_per_mu"], "万元/亩"),
    ):
        if key == "output_per_mu" and value is not None:
            value = value / MU_PER_HA
        rows.append({"indicator": text(key, lang, INDICATORS), "unit": unit, "plan": value})
    table = pd.DataFrame(rows)
    order = ["indicator", "value", "unit", "base2020", "target2025", "plan", "met"]
    return table.reindex(columns=order)


def _fill(sheet: Worksheet, frame: pd.DataFrame, lang: str) -> None:
    """One table on ``sheet``: bold frozen headers, formats, widths; yes/no in words."""
    words = {True: _header("yes", lang), False: _header("no", lang)}
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, bool)).all() and len(frame):
            frame[column] = frame[column].map(words)
    headers = [_header(str(c), lang) for c in frame.columns]
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


def _header(key: str, lang: str) -> str:
    return text(key, lang, HEADERS if key in HEADERS else TEXT)


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
