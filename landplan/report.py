"""``report.html``: the scenario's results for a meeting, self-contained and printable.

Built from an output folder (like ``map.html``), so ``landplan report OUT_DIR``
rebuilds what ``landplan run`` wrote. The page is ``templates/report.html``; charts
and the overview map are matplotlib PNGs embedded as data URIs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.patches import Rectangle

from landplan.charts import Image, figure, has_cjk_font, png
from landplan.constants import MU_PER_HA
from landplan.domain import Lang
from landplan.firm_evaluation import park_tiers
from landplan.folder import PlanFolder, read_folder
from landplan.messages import label
from landplan.palettes import KIND_FILLS, sector_colours
from landplan.render import render
from landplan.views import (
    Cell,
    Table,
    frame_table,
    headline_counts,
    kpi_rows,
    number,
    sector_name,
    unplaced_reasons,
    why_here,
)

# the page's fixed words: key in the page -> catalogue key
_WORDS = {
    "title": "report.title",
    "headline": "report.headline",
    "kpis": "report.kpis",
    "positioning": "report.positioning",
    "positioning_note": "report.positioning_note",
    "placed": "report.placed",
    "unplaced": "report.unplaced",
    "costshare": "report.costshare",
    "evaluation": "report.evaluation",
    "benchmarks": "report.benchmarks",
    "renewal": "report.renewal",
    "consolidation": "report.consolidation",
    "phasing": "report.phasing",
    "phasing_parks": "report.phasing_parks",
    "overview": "report.overview",
    "solver": "report.solver",
    "scenario": "report.scenario",
    "none": "none",
}


def kpi_chart(summary: dict[str, Any], lang: str) -> Image:
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
    return png(fig, alt=label("report.kpis", lang))


def overview_map(folder: PlanFolder, lang: str) -> Image:
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
    return png(fig, alt=label("report.overview", lang))


def positioning_table(folder: PlanFolder, placed: pd.DataFrame, lang: str) -> Table | None:
    """Parks × sectors: projects placed, the park's leading sectors marked (★)."""
    parks = folder.summary.get("parks", {})
    if not parks:
        return None
    labels = folder.summary.get("sector_labels", {})
    sectors = sorted(set(folder.allocation["sector"].astype(str)))
    counts = pd.crosstab(placed["park"], placed["sector_code"])
    rows = []
    for park, facts in parks.items():
        leading = set(str(facts.get("leading_sectors") or "").split(";")) - {""}
        cells = [Cell(str(park))]
        for sector in sectors:
            n = int(counts.loc[park, sector]) if park in counts.index and sector in counts else 0
            lead = sector in leading
            cells.append(Cell(f"{'★ ' if lead else ''}{n}", "lead" if lead else None))
        land = float(facts.get("land_ha") or 0.0)
        out_ha, tax_mu = facts.get("output_per_ha"), facts.get("tax_per_mu")
        cells += [
            Cell(f"{facts.get('placed', 0)} ({facts.get('placed_leading', 0)})", "n"),
            Cell(f"{land:,.1f} / {land * MU_PER_HA:,.0f}", "n"),
            Cell("—" if out_ha is None else f"{out_ha:,.0f}", "n"),
            Cell("—" if tax_mu is None else f"{tax_mu:,.1f}", "n"),
        ]
        rows.append(cells)
    headers = [label("park", lang), *(sector_name(x, lang, labels) for x in sectors), "Σ"]
    headers += [label(k, lang) for k in ("report.land_ha_mu", "output_per_ha", "tax_per_mu")]
    return Table(headers, rows, cls="positioning")


def evaluation_section(folder: PlanFolder, lang: str) -> dict[str, Any] | None:
    """亩均 evaluation: tiers and land by park against the district's benchmarks, and
    the renewal land the plan recovers with the parks' 亩均 before and after."""
    facts = folder.summary.get("evaluation")
    firms = folder.evaluation
    if not facts or firms is None:
        return None
    benchmarks = facts.get("benchmarks", {})
    parks = park_tiers(firms, benchmarks)
    parks["park"] = parks["park"].replace({"total": label("total", lang)})
    percent = [c for c in parks.columns if c.endswith("_vs_benchmark") or c == "cd_land_share"]
    for column in percent:
        parks[column] = parks[column].map(lambda v: "—" if pd.isna(v) else f"{100 * v:.0f}%")
    bench = "；".join(
        f"{label(k, lang)} {number(v, 4 if k == 'rd_intensity' else 2)}"
        for k, v in benchmarks.items()
    )
    section: dict[str, Any] = {
        "benchmarks": bench,
        "parks": frame_table(parks, lang, {"land_mu": 1, "cd_land_mu": 1}),
        "renewal": None,
    }
    renewal = facts.get("renewal")
    if renewal:
        recovered = pd.DataFrame(renewal.get("recovered") or [])
        ha, mu, colon, semi = (
            ("公顷", "亩", "：", "；") if lang == Lang.ZH else ("ha", "mu", ": ", "; ")
        )

        def land(key: str) -> str:
            n, area = renewal[f"{key}_parcels"], renewal[f"{key}_ha"]
            return (
                f"{label(f'report.renewal_{key}', lang)}{colon}{n} / {area:,.1f} {ha} / "
                f"{area * MU_PER_HA:,.0f} {mu}"
            )

        tables = []
        if len(recovered):
            tables.append(frame_table(recovered.drop(columns=["firms"]), lang, {"area_ha": 4}))
        change = pd.DataFrame.from_dict(renewal.get("by_park") or {}, orient="index")
        if len(change):
            tables.append(frame_table(change.reset_index(names="park"), lang, {"land_mu": 1}))
        section["renewal"] = {
            "land": f"{land('offered')}{semi}{land('recovered')}",
            "tables": tables,
        }
    return section


def consolidation_section(folder: PlanFolder, lang: str) -> dict[str, Any] | None:
    """Merged sites and quota swaps: the projects on merged sites, and by park the
    land returned and activated and the quota left in each scope."""
    facts = folder.summary.get("consolidation")
    if not facts:
        return None
    ha, mu, colon, semi = (
        ("公顷", "亩", "：", "；") if lang == Lang.ZH else ("ha", "mu", ": ", "; ")
    )

    def land(key: str) -> str:
        n, area = facts[key]["parcels"], facts[key]["ha"]
        return (
            f"{label(f'report.swap_{key}', lang)}{colon}{n} / {area:,.2f} {ha} / "
            f"{area * MU_PER_HA:,.1f} {mu}"
        )

    sites = facts["merged_sites_offered"]
    placed = facts["placed_on_merged_sites"]
    summary = (
        f"{label('report.sites_offered', lang)}{colon}{sites}{semi}"
        f"{label('report.sites_used', lang)}{colon}{len(placed)}{semi}"
        f"{land('returned')}{semi}{land('activated')}"
    )
    tables = []
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
        tables.append(frame_table(on_sites, lang, {"land_ha": 2, "land_mu": 1}))
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
        tables.append(frame_table(by_park, lang, {"returned_ha": 2, "activated_ha": 2}))
        quota = pd.DataFrame.from_dict(facts["quota"], orient="index")
        quota.index = [label(f"scope.{s}", lang, default=s) for s in quota.index]
        tables.append(frame_table(quota.reset_index(names="scope"), lang, {"left_ha": 2}))
        shown = swaps.assign(
            direction=[label(f"direction.{d}", lang) for d in swaps["direction"]],
            scope=[label(f"scope.{s}", lang, default=s) for s in swaps["scope"]],
        )
        tables.append(frame_table(shown, lang, {"area_ha": 4, "quota_ha": 4}))
    return {"summary": summary, "tables": tables}


def phasing_section(folder: PlanFolder, lang: str) -> dict[str, Any] | None:
    """Under phasing: per year the projects started (and of them late), the land
    handed over and the subsidy paid, each against the year's cap; per park where a
    park has a cap."""
    facts = folder.summary.get("phasing")
    by_year = folder.supply_by_year
    if not facts or by_year is None:
        return None
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
    capped = by_year[(by_year["park"] != "total") & by_year["land_cap_ha"].notna()]
    parks = None
    if len(capped):
        columns = ["year", "park", "projects", "land_ha", "land_cap_ha"]
        parks = frame_table(capped[columns].astype({"year": str}), lang, digits)
    return {
        "note": note,
        "total": frame_table(total.astype({"year": str}), lang, digits),
        "parks": parks,
    }


def build_report(folder: PlanFolder, lang: str | None = None) -> str:
    """The self-contained ``report.html`` text."""
    scenario = folder.scenario
    lang = lang or folder.map.lang
    s = folder.summary
    cs = s["costshare"]
    land = float(s["land_used_ha"])
    counts = headline_counts(s)
    headline = [
        *((label(f"head.{k}", lang), counts[k]) for k in ("placed", "hightech", "major")),
        (label("report.land_ha_mu", lang), f"{land:,.1f} / {land * MU_PER_HA:,.0f}"),
        (label("head.subsidy", lang), f"{cs['subsidy']:,.0f}"),
        (label("head.budget_used", lang), counts["budget_used"]),
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
        park=lambda a: folder.park_of(a["parcel_id"]).astype(str)
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
    solver = [
        (label("head.status", lang), label(f"solver.{status}", lang, default=status)),
        (label("report.objective", lang), f"{s['objective']:,.0f}"),
        (label("report.bound", lang), f"{s['best_bound']:,.0f}"),
        (label("report.gap", lang), "—" if s["gap"] is None else f"{100 * s['gap']:.4f}%"),
        (label("report.solver_name", lang), s["solver"]),
        (label("report.runtime", lang), f"{s['runtime_s']:.1f}"),
        (label("report.model", lang), s["model"]),
    ]
    digits = {"land_ha": 4, "land_mu": 2}
    return render(
        "report.html",
        lang=lang,
        name=str(s["scenario"]),
        w={key: label(entry, lang) for key, entry in _WORDS.items()},
        headline=headline,
        kpis=frame_table(kpis, lang),
        kpi_chart=kpi_chart(s, lang),
        positioning=positioning_table(folder, placed, lang),
        placed=frame_table(placed_list, lang, digits),
        unplaced=frame_table(unplaced, lang),
        by_park=frame_table(by_park, lang, digits),
        evaluation=evaluation_section(folder, lang),
        consolidation=consolidation_section(folder, lang),
        phasing=phasing_section(folder, lang),
        overview=overview_map(folder, lang),
        solver=solver,
        as_run=yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False),
    )


def write_report(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``report.html`` from ``out_dir`` and write it to ``target``."""
    target.write_text(build_report(read_folder(out_dir), lang), encoding="utf-8")
