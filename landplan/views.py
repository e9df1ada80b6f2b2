"""What the pages say about a plan: the figures and words the map, the report, the
workbook and the sweep page share, computed once from an output folder's tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from landplan.constants import MU_PER_HA
from landplan.domain import Lang
from landplan.messages import label

# The location terms of a placed pair's value, as the report and map show them.
WHY_TERMS = (
    "v_positioning",
    "v_preferred_park",
    "v_near",
    "v_land",
    "v_subsidy",
    "v_deferred",
    "v_spread",
    "v_renewal",
)


def sector_name(code: str, lang: str, labels: dict[str, str]) -> str:
    """A sector in words: zoning.csv's ``label_zh`` in Chinese, else the code spelled out."""
    if lang == Lang.ZH and labels.get(code):
        return labels[code]
    return code.replace("_", " ")


def why_here(row: pd.Series, lang: str) -> str:
    """A placed pair's location terms in words: ``主导产业 +4,000；用地 −2,250``."""
    parts = []
    for term in WHY_TERMS:
        value = pd.to_numeric(row.get(term, 0.0), errors="coerce")
        if pd.notna(value) and abs(value) >= 0.5:
            parts.append(f"{label(term, lang)} {value:+,.0f}".replace("-", "−"))
    return ("；" if lang == Lang.ZH else "; ").join(parts)


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
    """The plan's indicators as a page shows them (shares in percent): each 2025
    target with 2020 and this plan, then 亩均 output and tax (the plan sets no target
    for them)."""
    rows = []
    for key, t in summary["targets_2025"].items():
        scale = 100.0 if t["unit"] == "%" else 1.0  # shares are fractions in the data
        rows.append(
            {
                "key": key,
                "indicator": label(f"kpi.{key}", lang, default=t["label"]),
                "unit": label(f"unit.{t['unit']}", lang, default=t["unit"]),
                "base2020": _scaled(t["2020"], scale),
                "target2025": _scaled(t["2025"], scale),
                "plan": _scaled(t["plan"], scale),
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
                "base2020": None,
                "target2025": None,
                "plan": value,
            }
        )
    return rows


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


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
