"""What the pages say about a plan: the figures and words the map, the report, the
workbook and the sweep page share, computed once from an output folder's tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from landplan.constants import MU_PER_HA
from landplan.domain import Lang
from landplan.folder import PlanFolder
from landplan.messages import label, say


def sector_name(code: str, lang: str, labels: dict[str, str]) -> str:
    """A sector in words: zoning.csv's ``label_zh`` in Chinese, else the code spelled out."""
    if lang == Lang.ZH and labels.get(code):
        return labels[code]
    return code.replace("_", " ")


def unplaced_reasons(unplaced: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``unplaced`` with ``reason`` and ``detail`` in ``lang`` and the code in
    ``reason_code`` (allocation.csv has them in English and, beside, in Chinese)."""
    out = unplaced.rename(columns={"reason": "reason_code"})
    out["reason"] = [label(f"reason.{code}", lang, default=code) for code in out["reason_code"]]
    if lang == Lang.ZH and "detail_zh" in out:
        out["detail"] = out["detail_zh"].where(out["detail_zh"] != "", out["detail"])
    return out


def headline_counts(summary: dict[str, Any]) -> dict[str, str]:
    """The headline's counts ("103 / 120") and the budget used, as the report and
    ``plan.xlsx`` show them (keys of the catalogue's ``head.*``)."""
    used = summary["costshare"].get("budget_used")
    return {
        "placed": f"{summary['projects']['placed']} / {summary['projects']['total']}",
        "hightech": f"{summary['hightech']['placed']} / {summary['hightech']['total']}",
        "major": f"{summary['major']['placed']} / {summary['major']['total']}",
        "budget_used": "—" if used is None else f"{100 * used:.1f}%",
    }


def kpi_rows(summary: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The plan's indicators as a page shows them (shares in percent): each row of the
    plan's target table with its baseline, target and this plan, then 亩均 output and
    tax (the plan sets no target for them)."""
    rows = []
    for key, t in summary["plan_targets"].items():
        scale = 100.0 if t["unit"] == "%" else 1.0  # shares are fractions in the data
        rows.append(
            {
                "key": key,
                "indicator": label(f"kpi.{key}", lang),
                "unit": label(f"unit.{t['unit']}", lang),
                "baseline": _scaled(t["baseline"], scale),
                "target": _scaled(t["target"], scale),
                "plan": _scaled(t["plan"], scale),
                "met": t["met"],
            }
        )
    kpis = summary["kpis"]
    per_ha = kpis.get("output_per_ha")
    for key, value in (
        ("output_per_mu", None if per_ha is None else per_ha / MU_PER_HA),
        ("tax_per_mu", kpis.get("tax_per_mu")),
    ):
        rows.append(
            {
                "key": key,
                "indicator": label(f"kpi.{key}", lang),
                "unit": label("unit.万元/mu", lang),
                "baseline": None,
                "target": None,
                "plan": value,
                "met": None,
            }
        )
    return rows


def year_headers(summary: dict[str, Any], lang: str) -> dict[str, str]:
    """The target table's column headers with the plan's own years ("2020年")."""
    plan = summary["plan"]
    return {
        "baseline": say("head.baseline_year", year=plan["baseline_year"]).in_(lang),
        "target": say("head.target_year", year=plan["target_year"]).in_(lang),
    }


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


def year_totals(folder: PlanFolder, lang: str) -> pd.DataFrame:
    """Under phasing, per year the projects started (of them late), the land handed over
    and the subsidy paid against the year's caps (ha and 亩), then the whole planning
    period against the plan-wide budget (``costshare.budget``)."""
    by_year = folder.supply_by_year
    assert by_year is not None
    total = by_year[by_year["park"] == "total"].drop(columns="park")
    whole = {
        "year": label("phasing.whole_period", lang),
        "projects": int(total["projects"].sum()),
        "late": int(total["late"].sum()),
        "land_ha": float(total["land_ha"].sum()),
        "land_cap_ha": np.nan,
        "subsidy": float(total["subsidy"].sum()),
        "budget": folder.summary["costshare"].get("budget") or np.nan,
    }
    table = pd.concat([total.astype({"year": str}), pd.DataFrame([whole])], ignore_index=True)
    table.insert(4, "land_mu", table["land_ha"] * MU_PER_HA)
    table.insert(6, "land_cap_mu", table["land_cap_ha"] * MU_PER_HA)
    table["budget_left"] = table["budget"] - table["subsidy"]
    return table


@dataclass(frozen=True)
class Cell:
    """One table cell as a page shows it: its text and its class (``n``: a number,
    right-aligned)."""

    text: str
    cls: str | None = None


@dataclass(frozen=True)
class Table:
    """A table for a page: headers in the page's language, rows of cells."""

    headers: list[str]
    rows: list[list[Cell]]
    cls: str | None = None


def number(value: Any, digits: int = 2) -> str:
    """A number with thousands separators (integers as integers); blank for missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float | np.floating):
        return f"{value:,.{digits}f}"
    return str(value)


def frame_table(frame: pd.DataFrame, lang: str, digits: dict[str, int] | None = None) -> Table:
    """``frame`` as a page's table: headers in ``lang``, numbers with thousands
    separators (``digits`` per column, else 2), yes/no in words."""
    digits = digits or {}
    words = {True: label("yes", lang), False: label("no", lang)}
    rows = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if isinstance(value, bool | np.bool_):
                cells.append(Cell(words[bool(value)]))
            elif isinstance(value, int | float | np.integer | np.floating):
                cells.append(Cell(number(value, digits.get(str(column), 2)), "n"))
            else:
                cells.append(Cell(number(value)))
        rows.append(cells)
    headers = [label(str(c), lang, default=str(c)) for c in frame.columns]
    return Table(headers, rows)
