"""``report.html``: the scenario's results for a meeting, self-contained and printable.

Built from an output folder (like ``map.html``), so ``landplan report OUT_DIR``
rebuilds what ``landplan run`` wrote. Charts and the overview map are matplotlib
PNGs embedded as data URIs; every text from the data is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.patches import Rectangle

from landplan.charts import figure, has_cjk_font, png_img
from landplan.constants import MU_PER_HA
from landplan.domain import Lang
from landplan.maps import (
    KIND_EDGES,
    STATUS_COLOURS,
    Folder,
    map_spec,
    read_folder,
    sector_colours,
    text,
    why_here,
)

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("用地规划方案报告", "Land allocation report"),
    "headline": ("主要结果", "Headline results"),
    "kpis": ("规划指标与2025年目标", "Plan indicators against the 2025 targets"),
    "unplaced": ("未落位项目及原因", "Unplaced projects and why"),
    "placed_list": ("落位项目清单", "Placed projects"),
    "costshare": ("土地开发成本分摊（万元）", "Land development cost shares (10k yuan)"),
    "overview": ("总览图", "Overview map"),
    "solver": ("求解情况", "Solver"),
    "scenario": ("方案参数", "The scenario as run"),
    "indicator": ("指标", "indicator"),
    "unit": ("单位", "unit"),
    "base2020": ("2020年", "2020"),
    "target2025": ("2025年目标", "2025 target"),
    "plan": ("本方案", "this plan"),
    "met": ("达标", "met"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "placed": ("落位项目", "projects placed"),
    "hightech": ("高精尖项目落位", "high-tech projects placed"),
    "major": ("重大项目落位", "major projects placed"),
    "land": ("使用土地（公顷）", "land used (ha)"),
    "subsidy": ("区级补贴（万元）", "district subsidy (10k yuan)"),
    "budget": ("补贴预算使用", "budget used"),
    "status": ("状态", "status"),
    "objective": ("目标值", "objective"),
    "bound": ("上界", "best bound"),
    "gap": ("相对间隙", "gap"),
    "runtime": ("运行时间（秒）", "run time (s)"),
    "model": ("模型规模", "model"),
    "none": ("无", "none"),
    "positioning": ("园区定位与落位", "Parks' positioning and what was placed"),
    "positioning_note": (
        "★ 为园区主导产业；括号内为落在主导产业的项目数。",
        "★ marks a park's leading sectors; in brackets, projects placed in them.",
    ),
    "leading": ("主导产业", "leading sectors"),
    "land_ha_mu": ("用地（公顷 / 亩）", "land (ha / mu)"),
    "output_per_ha": ("地均产值（万元/公顷）", "output per ha (10k yuan)"),
    "tax_per_mu": ("亩均税收（万元/亩）", "tax per mu (10k yuan)"),
    "why": ("为何在此（目标值分项）", "why here (objective terms)"),
}


def word(key: str, lang: str) -> str:
    return text(key, lang, _WORDS)


def kpi_chart(targets: dict[str, Any]) -> str:
    """Each indicator as a share of its 2025 target: 2020, this plan, target = 100%."""
    keys = list(targets)
    base = [100 * targets[k]["2020"] / targets[k]["2025"] for k in keys]
    plan = [
        np.nan if targets[k]["plan"] is None else 100 * targets[k]["plan"] / targets[k]["2025"]
        for k in keys
    ]
    fig = figure(figsize=(7, 3.2))
    ax = fig.subplots()
    y = np.arange(len(keys))
    ax.barh(y + 0.2, base, height=0.38, color="#bbbbbb", label="2020")
    ax.barh(y - 0.2, plan, height=0.38, color="#2166ac", label="plan")
    ax.axvline(100, color="#b2182b", linestyle="--", label="2025 target")
    ax.set_yticks(y, [targets[k]["label"] for k in keys])
    ax.invert_yaxis()
    ax.set_xlabel("% of the 2025 target")
    ax.legend(fontsize=8, loc="lower right")
    return png_img(fig)


def overview_map(folder: Folder) -> str:
    """A static map: parcels by kind, placed parcels by sector, park names."""
    parcels = folder.parcels
    sectors = sector_colours(sorted(set(folder.allocation["sector"].astype(str))))
    fig = figure(figsize=(9, 7))
    ax = fig.subplots()
    for kind, colour in KIND_EDGES.items():
        subset = parcels[parcels["kind"] == kind]
        if len(subset):
            subset.plot(ax=ax, facecolor="#eeeeee", edgecolor=colour, linewidth=0.3)
    placed = parcels[parcels["project_ids"] != ""]
    first_sector = placed["sectors"].str.split(";").str[0]
    for sector, colour in sectors.items():
        subset = placed[first_sector == sector]
        if len(subset):
            subset.plot(ax=ax, facecolor=colour, edgecolor="#222", linewidth=0.3, label=sector)
    cjk = has_cjk_font()
    for park, group in parcels.groupby("park"):
        if not cjk and not str(park).isascii():
            continue  # no font to draw it; the tables name every park
        point = group.geometry.union_all().centroid
        ax.annotate(str(park), (point.x, point.y), ha="center", fontsize=9, weight="bold")
    handles = [Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#222") for c in sectors.values()]
    ax.legend(handles, list(sectors), fontsize=7, loc="lower left", title="sector")
    ax.set_axis_off()
    return png_img(fig)


def positioning_table(folder: Folder, placed: pd.DataFrame, lang: str) -> str:
    """Parks × sectors: projects placed, the park's leading sectors marked (★)."""
    parks = folder.summary.get("parks", {})
    if not parks:
        return html.escape(word("none", lang))
    labels = folder.summary.get("sector_labels", {}) if lang == Lang.ZH else {}
    sectors = sorted(set(folder.allocation["sector"].astype(str)))
    counts = pd.crosstab(placed["park"], placed["sector_code"])
    esc = html.escape
    head = "".join(f"<th>{esc(labels.get(x, x))}</th>" for x in sectors)
    rows = []
    for park, facts in parks.items():
        leading = set(str(facts.get("leading_sectors") or "").split(";")) - {""}
        cells = []
        for sector in sectors:
            n = int(counts.loc[park, sector]) if park in counts.index and sector in counts else 0
            mark = "★ " if sector in leading else ""
            cls = " class='lead'" if sector in leading else ""
            cells.append(f"<td{cls}>{mark}{n}</td>")
        land = float(facts.get("land_ha") or 0.0)
        out_ha, tax_mu = facts.get("output_per_ha"), facts.get("tax_per_mu")
        rows.append(
            f"<tr><td>{esc(str(park))}</td>{''.join(cells)}"
            f"<td>{facts.get('placed', 0)} ({facts.get('placed_leading', 0)})</td>"
            f"<td>{land:,.1f} / {land * MU_PER_HA:,.0f}</td>"
            f"<td>{'—' if out_ha is None else f'{out_ha:,.0f}'}</td>"
            f"<td>{'—' if tax_mu is None else f'{tax_mu:,.1f}'}</td></tr>"
        )
    return (
        f"<p>{esc(word('positioning_note', lang))}</p><table class='positioning'><tr>"
        f"<th>{esc(text('park', lang))}</th>{head}<th>Σ</th>"
        f"<th>{esc(word('land_ha_mu', lang))}</th><th>{esc(word('output_per_ha', lang))}</th>"
        f"<th>{esc(word('tax_per_mu', lang))}</th></tr>{''.join(rows)}</table>"
    )


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, na_rep="", escape=True, float_format=lambda v: f"{v:,.2f}")


def build_report(folder: Folder, lang: str | None = None) -> str:
    """The self-contained ``report.html`` text."""
    scenario = folder.scenario
    lang = lang or map_spec(scenario).lang
    s = folder.summary
    cs = s["costshare"]
    esc = html.escape

    def w(key: str) -> str:
        return esc(word(key, lang))

    headline = [
        (w("placed"), f"{s['projects']['placed']} / {s['projects']['total']}"),
        (w("hightech"), f"{s['hightech']['placed']} / {s['hightech']['total']}"),
        (w("major"), f"{s['major']['placed']} / {s['major']['total']}"),
        (w("land"), f"{s['land_used_ha']:,.1f}"),
        (w("subsidy"), f"{cs['subsidy']:,.0f}"),
        (
            w("budget"),
            "—" if cs.get("budget_used") is None else f"{100 * cs['budget_used']:.1f}%",
        ),
    ]
    targets = s["targets_2025"]
    kpi_rows = pd.DataFrame(
        [
            {
                word("indicator", lang): t["label"],
                word("unit", lang): t["unit"],
                word("base2020", lang): t["2020"],
                word("target2025", lang): t["2025"],
                word("plan", lang): t["plan"],
                word("met", lang): word("yes", lang)
                if t["plan"] is not None and t["plan"] >= t["2025"]
                else word("no", lang),
            }
            for t in targets.values()
        ]
    )
    alloc = folder.allocation.assign(sector_code=folder.allocation["sector"].astype(str))
    if lang == Lang.ZH:  # sector names as zoning.csv's label_zh gives them
        labels = s.get("sector_labels", {})
        alloc = alloc.assign(sector=alloc["sector"].map(lambda x: labels.get(x, x)))
    park_of = folder.parcels.set_index("parcel_id")["park"]
    placed = alloc[alloc["status"] == "placed"].assign(
        park=lambda a: a["parcel_id"].map(park_of).astype(str)
    )
    placed_list = placed[["project_id", "name", "sector", "park", "parcel_id", "land_ha"]].assign(
        land_ha=lambda a: pd.to_numeric(a["land_ha"], errors="coerce"),
        why=[why_here(row, lang) for _, row in placed.iterrows()],
    )
    placed_list = placed_list.rename(columns={"why": word("why", lang)})
    unplaced = alloc.loc[
        alloc["status"] != "placed", ["project_id", "name", "sector", "reason", "detail"]
    ]
    solver_rows = [
        (w("status"), s["status"]),
        (w("objective"), f"{s['objective']:,.0f}"),
        (w("bound"), f"{s['best_bound']:,.0f}"),
        (w("gap"), "—" if s["gap"] is None else f"{100 * s['gap']:.4f}%"),
        ("solver", s["solver"]),
        (w("runtime"), f"{s['runtime_s']:.1f}"),
        (w("model"), s["model"]),
    ]
    as_run = yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False)

    def pairs(rows: list[tuple[str, Any]]) -> str:
        cells = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
        return f"<table class='kv'>{cells}</table>"

    sections = [
        f"<h1>{w('title')}: {esc(str(s['scenario']))}</h1>",
        f"<h2>{w('headline')}</h2>{pairs(headline)}",
        f"<h2>{w('kpis')}</h2>{_table(kpi_rows)}{kpi_chart(targets)}",
        f"<h2>{w('positioning')}</h2>{positioning_table(folder, placed, lang)}",
        f"<h2>{w('placed_list')}</h2>{_table(placed_list) if len(placed_list) else w('none')}",
        f"<h2>{w('unplaced')}</h2>{_table(unplaced) if len(unplaced) else w('none')}",
        f"<h2>{w('costshare')}</h2>{_table(folder.costshare_by_park)}",
        f"<h2 class='page'>{w('overview')}</h2>{overview_map(folder)}",
        f"<h2>{w('solver')}</h2>{pairs(solver_rows)}",
        f"<h2>{w('scenario')}</h2><pre>{esc(as_run)}</pre>",
    ]
    status_css = "".join(f".st-{k}{{color:{v}}}" for k, v in STATUS_COLOURS.items())
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{esc(str(s['scenario']))} — {w('title')}</title><style>{_CSS}{status_css}"
        "</style></head><body>" + "\n".join(sections) + "</body></html>"
    )


_CSS = """
body {font: 13px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto;
  max-width: 1050px; color: #222}
h1 {font-size: 22px} h2 {font-size: 16px; border-bottom: 1px solid #ccc; margin-top: 1.6em}
table {border-collapse: collapse; margin: .5em 0} td, th {border: 1px solid #ccc;
  padding: 3px 7px; text-align: left} td:first-child {white-space: nowrap}
table.kv th {background: #f4f4f4; font-weight: normal}
table.positioning td.lead {background: #fff3c4; font-weight: bold}
img {max-width: 100%} pre {background: #f7f7f7; padding: 8px; font-size: 11px;
  white-space: pre-wrap}
@media print {body {margin: 0; max-width: none} h2.page {page-break-before: always}
  table, img {page-break-inside: avoid}}
"""


def write_report(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``report.html`` from ``out_dir`` and write it to ``target``."""
    target.write_text(build_report(read_folder(out_dir), lang), encoding="utf-8")
