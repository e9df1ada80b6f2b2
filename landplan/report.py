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
from landplan.evaluation import park_tiers
from landplan.maps import (
    KIND_FILLS,
    STATUS_COLOURS,
    Folder,
    headline_counts,
    kpi_rows,
    map_spec,
    park_of,
    read_folder,
    sector_colours,
    sector_name,
    unplaced_reasons,
    why_here,
)
from landplan.messages import label


def kpi_chart(summary: dict[str, Any], lang: str) -> str:
    """Each indicator as a share of its 2025 target: 2020, this plan, target = 100%."""
    rows = [r for r in kpi_rows(summary, lang) if r["target2025"]]
    base = [100 * r["base2020"] / r["target2025"] for r in rows]
    plan = [np.nan if r["plan"] is None else 100 * r["plan"] / r["target2025"] for r in rows]
    fig = figure(figsize=(7, 3.2))
    ax = fig.subplots()
    y = np.arange(len(rows))
    ax.barh(y + 0.2, base, height=0.38, color="#bbbbbb", label=label("base2020", lang))
    ax.barh(y - 0.2, plan, height=0.38, color="#0072B2", label=label("chart.plan", lang))
    ax.axvline(100, color="#D55E00", linestyle="--", label=label("chart.target", lang))
    names = [r["indicator"] for r in rows]
    if not has_cjk_font():  # no font draws Chinese: the English names
        names = [label(f"kpi.{r['key']}", Lang.EN) for r in rows]
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(label("chart.share_of_target", lang if has_cjk_font() else Lang.EN))
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)
    return png_img(fig, alt=label("report.kpis", lang))


def overview_map(folder: Folder, lang: str) -> str:
    """A static map: parcels by kind, placed parcels by sector, park names."""
    parcels = folder.parcels
    labels = folder.summary.get("sector_labels", {})
    cjk = has_cjk_font()
    shown = lang if cjk else Lang.EN  # without a font for Chinese, the legend in English
    sectors = sector_colours(sorted(set(folder.allocation["sector"].astype(str))))
    fig = figure(figsize=(9, 7))
    ax = fig.subplots()
    for kind, colour in KIND_FILLS.items():
        subset = parcels[parcels["kind"] == kind]
        if len(subset):
            subset.plot(ax=ax, facecolor=colour, edgecolor="#999999", linewidth=0.3)
    placed = parcels[parcels["project_ids"] != ""]
    first_sector = placed["sectors"].str.split(";").str[0]
    for sector, colour in sectors.items():
        subset = placed[first_sector == sector]
        if len(subset):
            subset.plot(ax=ax, facecolor=colour, edgecolor="#222", linewidth=0.3)
    for park, group in parcels.groupby("park"):
        if not cjk and not str(park).isascii():
            continue  # no font to draw it; the tables name every park
        point = group.geometry.union_all().centroid
        ax.annotate(str(park), (point.x, point.y), ha="center", fontsize=9, weight="bold")
    handles = [Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#222") for c in sectors.values()]
    names = [sector_name(s, shown, labels) for s in sectors]
    ax.legend(handles, names, fontsize=7, loc="lower left", title=label("chart.sector", shown))
    ax.set_axis_off()
    return png_img(fig, alt=label("report.overview", lang))


def positioning_table(folder: Folder, placed: pd.DataFrame, lang: str) -> str:
    """Parks × sectors: projects placed, the park's leading sectors marked (★)."""
    parks = folder.summary.get("parks", {})
    if not parks:
        return html.escape(label("none", lang))
    labels = folder.summary.get("sector_labels", {})
    sectors = sorted(set(folder.allocation["sector"].astype(str)))
    counts = pd.crosstab(placed["park"], placed["sector_code"])
    esc = html.escape
    head = "".join(f"<th>{esc(sector_name(x, lang, labels))}</th>" for x in sectors)
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
            f"<td class='n'>{facts.get('placed', 0)} ({facts.get('placed_leading', 0)})</td>"
            f"<td class='n'>{land:,.1f} / {land * MU_PER_HA:,.0f}</td>"
            f"<td class='n'>{'—' if out_ha is None else f'{out_ha:,.0f}'}</td>"
            f"<td class='n'>{'—' if tax_mu is None else f'{tax_mu:,.1f}'}</td></tr>"
        )
    return (
        f"<p>{esc(label('report.positioning_note', lang))}</p><table class='positioning'><tr>"
        f"<th>{esc(label('park', lang))}</th>{head}<th>Σ</th>"
        f"<th>{esc(label('report.land_ha_mu', lang))}</th>"
        f"<th>{esc(label('output_per_ha', lang))}</th>"
        f"<th>{esc(label('tax_per_mu', lang))}</th></tr>{''.join(rows)}</table>"
    )


def evaluation_section(folder: Folder, lang: str) -> str:
    """亩均 evaluation: tiers and land by park against the district's benchmarks, and
    the renewal land the plan recovers with the parks' 亩均 before and after."""
    facts = folder.summary.get("evaluation")
    firms = folder.evaluation
    if not facts or firms is None:
        return ""
    esc = html.escape
    benchmarks = facts.get("benchmarks", {})
    parks = park_tiers(firms, benchmarks)
    parks["park"] = parks["park"].replace({"total": label("total", lang)})
    percent = [c for c in parks.columns if c.endswith("_vs_benchmark") or c == "cd_land_share"]
    for column in percent:
        parks[column] = parks[column].map(lambda v: "—" if pd.isna(v) else f"{100 * v:.0f}%")
    bench = "；".join(
        f"{label(k, lang)} {_number(v, 4 if k == 'rd_intensity' else 2)}"
        for k, v in benchmarks.items()
    )
    parts = [
        f"<h2>{esc(label('report.evaluation', lang))}</h2>",
        f"<p>{esc(label('report.benchmarks', lang))}：{esc(bench)}</p>",
        _table(parks, lang, {"land_mu": 1, "cd_land_mu": 1}),
    ]
    renewal = facts.get("renewal")
    if renewal:
        recovered = pd.DataFrame(renewal.get("recovered") or [])
        parts.append(f"<h2>{esc(label('report.renewal', lang))}</h2>")
        ha, mu, colon, semi = (
            ("公顷", "亩", "：", "；") if lang == Lang.ZH else ("ha", "mu", ": ", "; ")
        )

        def land(key: str) -> str:
            n, area = renewal[f"{key}_parcels"], renewal[f"{key}_ha"]
            return (
                f"{esc(label(f'report.renewal_{key}', lang))}{colon}{n} / {area:,.1f} {ha} / "
                f"{area * MU_PER_HA:,.0f} {mu}"
            )

        parts.append(f"<p>{land('offered')}{semi}{land('recovered')}</p>")
        if len(recovered):
            recovered = recovered.drop(columns=["firms"])
            parts.append(_table(recovered, lang, {"area_ha": 4}))
        change = pd.DataFrame.from_dict(renewal.get("by_park") or {}, orient="index")
        if len(change):
            parts.append(_table(change.reset_index(names="park"), lang, {"land_mu": 1}))
    return "".join(parts)


def consolidation_section(folder: Folder, lang: str) -> str:
    """Merged sites and quota swaps: the projects on merged sites, and by park the
    land returned and activated and the quota left in each scope."""
    facts = folder.summary.get("consolidation")
    if not facts:
        return ""
    esc = html.escape
    ha, mu, colon, semi = (
        ("公顷", "亩", "：", "；") if lang == Lang.ZH else ("ha", "mu", ": ", "; ")
    )

    def land(key: str) -> str:
        n, area = facts[key]["parcels"], facts[key]["ha"]
        return (
            f"{esc(label(f'report.swap_{key}', lang))}{colon}{n} / {area:,.2f} {ha} / "
            f"{area * MU_PER_HA:,.1f} {mu}"
        )

    sites = facts["merged_sites_offered"]
    placed = facts["placed_on_merged_sites"]
    parts = [
        f"<h2>{esc(label('report.consolidation', lang))}</h2>",
        f"<p>{esc(label('report.sites_offered', lang))}{colon}{sites}{semi}"
        f"{esc(label('report.sites_used', lang))}{colon}{len(placed)}{semi}"
        f"{land('returned')}{semi}{land('activated')}</p>",
    ]
    if placed:
        alloc = folder.allocation.set_index("project_id")
        on_sites = pd.DataFrame(
            {
                "project_id": list(placed),
                "name": [alloc.loc[p, "name"] for p in placed],
                "parcel_id": list(placed.values()),
                "land_ha": [float(alloc.loc[p, "land_ha"]) for p in placed],
            }
        )
        on_sites["land_mu"] = on_sites["land_ha"] * MU_PER_HA
        parts.append(_table(on_sites, lang, {"land_ha": 2, "land_mu": 1}))
    swaps = folder.swaps
    if swaps is not None and len(swaps):
        moved = swaps.pivot_table(
            index="park", columns="direction", values="area_ha", aggfunc="sum", fill_value=0.0
        )
        by_park = pd.DataFrame(
            {
                "park": moved.index,
                "returned_ha": moved.get("out", 0.0),
                "activated_ha": moved.get("in", 0.0),
            }
        )
        by_park.insert(2, "returned_mu", by_park["returned_ha"] * MU_PER_HA)
        by_park["activated_mu"] = by_park["activated_ha"] * MU_PER_HA
        parts.append(_table(by_park, lang, {"returned_ha": 2, "activated_ha": 2}))
        quota = pd.DataFrame.from_dict(facts["quota"], orient="index")
        quota.index = [label(f"scope.{s}", lang, default=s) for s in quota.index]
        parts.append(_table(quota.reset_index(names="scope"), lang, {"left_ha": 2}))
        shown = swaps.assign(
            direction=[label(f"direction.{d}", lang) for d in swaps["direction"]],
            scope=[label(f"scope.{s}", lang, default=s) for s in swaps["scope"]],
        )
        parts.append(_table(shown, lang, {"area_ha": 4, "quota_ha": 4}))
    return "".join(parts)


def _number(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float | np.floating):
        return f"{value:,.{digits}f}"
    return str(value)


def phasing_section(folder: Folder, lang: str) -> str:
    """Under phasing: per year the projects started (and of them late), the land
    handed over and the subsidy paid, each against the year's cap; per park where a
    park has a cap."""
    facts = folder.summary.get("phasing")
    table_file = folder.path / "supply_by_year.csv"
    if not facts or not table_file.is_file():
        return ""
    esc = html.escape
    by_year = pd.read_csv(table_file, keep_default_na=False, na_values=[""])
    total = by_year[by_year["park"] == "total"].drop(columns="park")
    total.insert(4, "land_mu", total["land_ha"] * MU_PER_HA)
    total.insert(6, "land_cap_mu", total["land_cap_ha"] * MU_PER_HA)
    total["budget_left"] = total["budget"] - total["subsidy"]
    note = label("report.phasing_note", lang).format(
        first=facts["years"][0],
        last=facts["years"][1],
        delay=facts["max_delay"],
        weight=facts["delay_weight"],
    )
    digits = {"land_ha": 2, "land_mu": 1, "land_cap_ha": 2, "land_cap_mu": 1, "year": 0}
    parts = [
        f"<h2>{esc(label('report.phasing', lang))}</h2><p>{esc(note)}</p>",
        _table(total.astype({"year": str}), lang, digits),
    ]
    capped = by_year[(by_year["park"] != "total") & by_year["land_cap_ha"].notna()]
    if len(capped):
        parks = capped[["year", "park", "projects", "land_ha", "land_cap_ha"]]
        parts.append(f"<h3>{esc(label('report.phasing_parks', lang))}</h3>")
        parts.append(_table(parks.astype({"year": str}), lang, digits))
    return "".join(parts)


def _table(frame: pd.DataFrame, lang: str, digits: dict[str, int] | None = None) -> str:
    """``frame`` as an HTML table: headers in ``lang``, numbers right-aligned with
    thousands separators, yes/no in words, every text escaped."""
    esc = html.escape
    digits = digits or {}
    words = {True: label("yes", lang), False: label("no", lang)}
    head = "".join(f"<th>{esc(label(str(c), lang, default=str(c)))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            if isinstance(value, bool | np.bool_):
                cells.append(f"<td>{esc(words[bool(value)])}</td>")
            elif isinstance(value, int | float | np.integer | np.floating):
                cells.append(f"<td class='n'>{_number(value, digits.get(str(column), 2))}</td>")
            else:
                cells.append(f"<td>{esc(_number(value))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def build_report(folder: Folder, lang: str | None = None) -> str:
    """The self-contained ``report.html`` text."""
    scenario = folder.scenario
    lang = lang or map_spec(scenario).lang
    s = folder.summary
    cs = s["costshare"]
    esc = html.escape

    def w(key: str) -> str:
        return esc(label(key, lang))

    land = float(s["land_used_ha"])
    counts = headline_counts(s)
    headline = [
        *((w(f"head.{k}"), counts[k]) for k in ("placed", "hightech", "major")),
        (w("report.land_ha_mu"), f"{land:,.1f} / {land * MU_PER_HA:,.0f}"),
        (w("head.subsidy"), f"{cs['subsidy']:,.0f}"),
        (w("head.budget_used"), counts["budget_used"]),
    ]
    rows = kpi_rows(s, lang)
    for r in rows:
        target, plan = r["target2025"], r["plan"]
        r["met"] = "" if target is None or plan is None else bool(plan >= target)
    kpis = pd.DataFrame(rows)[["indicator", "unit", "base2020", "target2025", "plan", "met"]]
    alloc = folder.allocation.assign(sector_code=folder.allocation["sector"].astype(str))
    labels = s.get("sector_labels", {})
    alloc = alloc.assign(sector=alloc["sector_code"].map(lambda x: sector_name(x, lang, labels)))
    placed = alloc[alloc["status"] == "placed"].assign(
        park=lambda a: park_of(folder, a["parcel_id"]).astype(str)
    )
    placed_list = placed[["project_id", "name", "sector", "park", "parcel_id", "land_ha"]].assign(
        land_ha=lambda a: pd.to_numeric(a["land_ha"], errors="coerce"),
        why=[why_here(row, lang) for _, row in placed.iterrows()],
    )
    placed_list.insert(6, "land_mu", placed_list["land_ha"] * MU_PER_HA)
    unplaced = unplaced_reasons(alloc[alloc["status"] != "placed"], lang)
    unplaced = unplaced[["project_id", "name", "sector", "reason", "detail"]]
    by_park = folder.costshare_by_park.copy()
    by_park.insert(
        list(by_park.columns).index("land_ha") + 1, "land_mu", by_park["land_ha"] * MU_PER_HA
    )
    by_park["park"] = by_park["park"].replace({"total": label("total", lang)})
    status = s["status"]
    solver_rows = [
        (w("head.status"), label(f"solver.{status}", lang, default=status)),
        (w("report.objective"), f"{s['objective']:,.0f}"),
        (w("report.bound"), f"{s['best_bound']:,.0f}"),
        (w("report.gap"), "—" if s["gap"] is None else f"{100 * s['gap']:.4f}%"),
        (w("report.solver_name"), s["solver"]),
        (w("report.runtime"), f"{s['runtime_s']:.1f}"),
        (w("report.model"), s["model"]),
    ]
    as_run = yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False)

    def pairs(rows: list[tuple[str, Any]]) -> str:
        cells = "".join(f"<tr><th>{k}</th><td>{esc(str(v))}</td></tr>" for k, v in rows)
        return f"<table class='kv'>{cells}</table>"

    digits = {"land_ha": 4, "land_mu": 2}
    sections = [
        f"<h1>{w('report.title')}: {esc(str(s['scenario']))}</h1>",
        f"<h2>{w('report.headline')}</h2>{pairs(headline)}",
        f"<h2>{w('report.kpis')}</h2>{_table(kpis, lang)}{kpi_chart(s, lang)}",
        f"<h2>{w('report.positioning')}</h2>{positioning_table(folder, placed, lang)}",
        f"<h2>{w('report.placed')}</h2>"
        + (_table(placed_list, lang, digits) if len(placed_list) else w("none")),
        f"<h2>{w('report.unplaced')}</h2>"
        + (_table(unplaced, lang) if len(unplaced) else w("none")),
        f"<h2>{w('report.costshare')}</h2>{_table(by_park, lang, digits)}",
        evaluation_section(folder, lang),
        consolidation_section(folder, lang),
        phasing_section(folder, lang),
        f"<h2 class='page'>{w('report.overview')}</h2>{overview_map(folder, lang)}",
        f"<h2>{w('report.solver')}</h2>{pairs(solver_rows)}",
        f"<h2>{w('report.scenario')}</h2><pre>{esc(as_run)}</pre>",
    ]
    status_css = "".join(f".st-{k}{{color:{v}}}" for k, v in STATUS_COLOURS.items())
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{esc(str(s['scenario']))} — {w('report.title')}</title><style>{_CSS}{status_css}"
        "</style></head><body>" + "\n".join(sections) + "</body></html>"
    )


_CSS = """
body {font: 13px/1.45 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em auto;
  max-width: 1050px; color: #222}
h1 {font-size: 22px} h2 {font-size: 16px; border-bottom: 1px solid #ccc; margin-top: 1.6em}
table {border-collapse: collapse; margin: .5em 0} td, th {border: 1px solid #ccc;
  padding: 3px 7px; text-align: left} td {white-space: nowrap} td:last-child {white-space: normal}
td.n {text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums}
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
