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
from matplotlib.patches import Rectangle

from landplan.charts import Image, figure, png
from landplan.constants import MU_PER_HA
from landplan.domain import Lang
from landplan.firm_evaluation import park_tiers
from landplan.folder import PlanFolder, read_folder
from landplan.fonts import embed
from landplan.messages import Words, label, say
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
    year_headers,
    year_totals,
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
    "policy": "report.policy",
    "none": "none",
}


def kpi_chart(summary: dict[str, Any], lang: str) -> Image:
    """Each indicator as a share of its target: the baseline, this plan, target = 100%."""
    rows = [r for r in kpi_rows(summary, lang) if r["target"] and r["baseline"] is not None]
    base = [100 * r["baseline"] / r["target"] for r in rows]
    plan = [np.nan if r["plan"] is None else 100 * r["plan"] / r["target"] for r in rows]
    years = year_headers(summary, lang)
    fig = figure(figsize=(7, 3.2))
    ax = fig.subplots()
    y = np.arange(len(rows))
    ax.barh(y + 0.2, base, height=0.38, color="#bbbbbb", label=years["baseline"])
    ax.barh(y - 0.2, plan, height=0.38, color="#0072B2", label=label("chart.plan", lang))
    ax.axvline(100, color="#D55E00", linestyle="--", label=years["target"])
    ax.set_yticks(y, [r["indicator"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel(label("chart.share_of_target", lang))
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)
    return png(fig, alt=label("report.kpis", lang))


def overview_map(folder: PlanFolder, lang: str) -> Image:
    """A static map: parcels by kind, placed parcels by sector, park names."""
    parcels = folder.parcels
    labels = folder.summary.get("sector_labels", {})
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
        point = group.geometry.union_all().centroid
        ax.annotate(str(park), (point.x, point.y), ha="center", fontsize=9)
    handles = [Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#222") for c in sectors.values()]
    names = [sector_name(s, lang, labels) for s in sectors]
    ax.legend(handles, names, fontsize=7, loc="lower left", title=label("chart.sector", lang))
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
    total = year_totals(folder, lang)
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
        "total": frame_table(total, lang, digits),
        "parks": parks,
    }


def build_report(folder: PlanFolder, lang: str | None = None) -> str:
    """The self-contained ``report.html`` text."""
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
    years = year_headers(s, lang)
    rows = kpi_rows(s, lang)
    kpis = pd.DataFrame(rows)[["indicator", "unit", "baseline", "target", "plan", "met"]]
    kpis["met"] = ["" if m is None else bool(m) for m in kpis["met"]]
    kpi_table = frame_table(kpis, lang)
    kpi_table.headers[2:4] = [years["baseline"], years["target"]]
    alloc = folder.allocation.assign(sector_code=folder.allocation["sector"].astype(str))
    labels = s.get("sector_labels", {})
    alloc = alloc.assign(sector=alloc["sector_code"].map(lambda x: sector_name(x, lang, labels)))
    placed = alloc[alloc["status"] == "placed"].assign(
        park=lambda a: folder.park_of(a["parcel_id"]).astype(str)
    )
    placed_list = placed[["project_id", "name", "sector", "park", "parcel_id", "land_ha"]].assign(
        land_ha=lambda a: pd.to_numeric(a["land_ha"], errors="coerce"),
        why=placed["why_zh" if lang == Lang.ZH else "why"],
    )
    placed_list.insert(6, "land_mu", placed_list["land_ha"] * MU_PER_HA)
    unplaced = unplaced_reasons(alloc[alloc["status"] != "placed"], lang)
    unplaced = unplaced[["project_id", "name", "sector", "reason", "detail"]]
    by_park = folder.costshare_by_park.copy()
    by_park.insert(
        list(by_park.columns).index("land_ha") + 1, "land_mu", by_park["land_ha"] * MU_PER_HA
    )
    if not (by_park["spread_burden"] > 0).any():  # no one bears a spread shortfall
        by_park = by_park.drop(columns=["bearers_mu", "burden_per_mu"])
    by_park["park"] = by_park["park"].replace({"total": label("total", lang)})
    status = s["status"]
    solver = [
        (label("head.status", lang), label(f"solver.{status}", lang, default=status)),
        (label("report.objective", lang), f"{s['objective']:,.0f}"),
        (label("report.bound", lang), f"{s['best_bound']:,.0f}"),
        (label("report.gap", lang), "—" if s["gap"] is None else f"{100 * s['gap']:.4f}%"),
        (label("report.solver_name", lang), s["solver"]),
        (label("report.runtime", lang), f"{s['runtime_s']:.1f}"),
        (label("report.model", lang), _model_size(s["model"], lang)),
    ]
    digits = {"land_ha": 4, "land_mu": 2}
    page = render(
        "report.html",
        lang=lang,
        title=folder.title,
        meta=_meta(folder, lang),
        w={key: label(entry, lang) for key, entry in _WORDS.items()},
        headline=headline,
        kpis=kpi_table,
        kpi_chart=kpi_chart(s, lang),
        policy=policy_lines(s, lang),
        flags=positioning_flags(s, lang),
        positioning=positioning_table(folder, placed, lang),
        placed=frame_table(placed_list, lang, digits),
        unplaced=frame_table(unplaced, lang),
        by_park=frame_table(by_park, lang, digits),
        evaluation=evaluation_section(folder, lang),
        consolidation=consolidation_section(folder, lang),
        phasing=phasing_section(folder, lang),
        overview=overview_map(folder, lang),
        solver=solver,
        settings=settings(folder.scenario, lang),
        files=input_files(folder.scenario, lang),
    )
    return embed(page)


def _model_size(size: dict[str, Any], lang: str) -> str:
    """The model's size in words; its rows by their names in the model."""
    rows = ", ".join(f"{kind} {n:,}" for kind, n in size["rows"].items())
    return say(
        "report.model_size",
        binaries=size["binaries"],
        continuous=size["continuous"],
        rows=sum(size["rows"].values()),
        kinds=rows,
        nonzeros=size["nonzeros"],
    ).in_(lang)


def _meta(folder: PlanFolder, lang: str) -> str:
    """Under the title: the issuing unit, the day the plan was made, the scenario."""
    when = str(folder.scenario.get("run_at") or "")[:10]
    day = ""
    if when:
        y, m, d = (int(x) for x in when.split("-"))
        day = f"{y}年{m}月{d}日" if lang == Lang.ZH else f"{d} {_MONTHS[m - 1]} {y}"
    parts = [
        folder.issuer,
        day,
        say("report.scenario_name", name=folder.summary["scenario"]).in_(lang),
    ]
    return " · ".join(p for p in parts if p)


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def policy_lines(summary: dict[str, Any], lang: str) -> list[str]:
    """The policy questions answered in sentences: the budget, what more of it buys,
    placing every project, the spread burden per 亩."""
    lines: list[Words] = []
    answers = summary.get("policy") or {}
    budget = answers.get("budget")
    if budget and budget.get("budget"):
        share = budget["used"] / budget["budget"] if budget["budget"] else 0.0
        key = "policy.binding" if budget["binding"] else "policy.slack"
        lines.append(say(key, budget=budget["budget"], used=budget["used"], share=share))
        if budget["binding"] and budget["shadow_price"]:
            holds = budget["holds_for"]
            if holds is None or holds == float("inf"):
                lines.append(say("policy.price_open", price=budget["shadow_price"]))
            else:
                lines.append(say("policy.price", price=budget["shadow_price"], holds=holds))
        step = budget.get("step")
        if step and step.get("status") != "infeasible":
            if step["placed"] or step["moved"]:
                lines.append(
                    say(
                        "policy.step",
                        amount=step["amount"],
                        placed=step["placed"],
                        hightech=step["hightech"],
                        added="、".join(step["added"]) or "—",
                        output=step["output"],
                        tax=step["tax"],
                        subsidy=step["subsidy"],
                        moved=len(step["moved"]),
                    )
                )
            else:
                lines.append(say("policy.step_none", amount=step["amount"]))
    if budget and budget.get("yearly"):
        shown = [
            say("policy.year_price", year=year, price=v["shadow_price"] or 0.0)
            for year, v in sorted(budget["yearly"].items())
        ]
        lines.append(say("policy.yearly", years=_joined(shown, "，", ", ")))
    everyone = answers.get("place_all")
    if everyone:
        if everyone.get("no_place"):
            ids = everyone["no_place"]
            lines.append(say("policy.no_place", n=len(ids), ids="、".join(ids)))
        if everyone["feasible"]:
            over = everyone.get("over_budget")
            key = "policy.all_feasible" if over is None else "policy.all_feasible_budget"
            lines.append(
                say(
                    key,
                    n=everyone["with_a_place"],
                    subsidy=everyone["subsidy"],
                    over=over or 0.0,
                    land=everyone["land_ha"],
                    mu=everyone["land_ha"] * MU_PER_HA,
                )
            )
        else:
            lines.append(
                say("policy.all_infeasible", n=everyone["with_a_place"], most=everyone["most"])
            )
    cs = summary["costshare"]
    if cs.get("burden_per_mu"):
        parks = [
            say("policy.park_burden", park=park, per=v["burden_per_mu"])
            for park, v in cs["by_park"].items()
            if v.get("burden_per_mu")
        ]
        lines.append(
            say(
                "policy.spread",
                burden=cs["spread_burden"],
                mu=cs["bearers_mu"],
                per=cs["burden_per_mu"],
                parks=_joined(parks, "；", "; "),
            )
        )
    return [w.in_(lang) for w in lines]


# the report flags a plan whose high-tech projects leave their sectors' parks: fewer
# than this share of them in such a park, or this far below the other projects' share
LEADING_SHARE_FLOOR = 0.5
LEADING_SHARE_DROP = 0.2


def positioning_flags(summary: dict[str, Any], lang: str) -> list[str]:
    """A warning when high-tech projects leave the parks led by their sectors."""
    facts = summary.get("positioning") or {}
    mine, others = facts.get("hightech_share"), facts.get("others_share")
    if mine is None:
        return []
    if mine >= LEADING_SHARE_FLOOR and (others is None or others - mine < LEADING_SHARE_DROP):
        return []
    words = say(
        "flag.positioning",
        n=facts["hightech_placed"],
        lead=facts["hightech_in_leading_park"],
        share=mine,
        others=others if others is not None else 0.0,
        cheap=facts["hightech_in_cheapest_park"],
        park=facts.get("cheapest_park") or "—",
        cap=summary["costshare"]["cap_ratio"],
    )
    return [words.in_(lang)]


def _joined(parts: list[Words], zh: str, en: str) -> Words:
    return Words(zh.join(p.zh for p in parts), en.join(p.en for p in parts))


# the settings the report lists, in words: (scenario section, key)
_SETTINGS = [
    ("costshare", "method"),
    ("costshare", "cap_ratio"),
    ("costshare", "shortfall"),
    ("costshare", "budget"),
    ("objective", "priority"),
    ("objective", "output"),
    ("objective", "tax"),
    ("objective", "hightech"),
    ("objective", "major"),
    ("objective", "subsidy"),
    ("objective", "positioning"),
    ("objective", "preferred_park"),
    ("objective", "land"),
    ("solver", "name"),
    ("solver", "gap"),
    ("solver", "time_limit"),
]


def settings(scenario: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The scenario's main settings in words (no machine paths)."""
    rows = [
        (label("report.scenario_name_label", lang), str(scenario.get("name", ""))),
        (label("report.crs", lang), str(scenario.get("crs", ""))),
    ]
    for section, key in _SETTINGS:
        value = (scenario.get(section) or {}).get(key)
        if value is None:
            shown = label("none", lang)
        elif key == "cap_ratio":
            shown = f"{float(value):.0%}"
        elif isinstance(value, str):
            shown = label(f"value.{value}", lang, default=value)
        else:
            shown = f"{value:,.10g}"
        rows.append((label(f"setting.{section}.{key}", lang), shown))
    for key, level in (scenario.get("targets") or {}).items():
        rows.append((label(f"kpi.{key}", lang, default=key), f"≥ {level:,.10g}"))
    phasing = scenario.get("phasing")
    if phasing:
        first, last = phasing["years"]
        rows.append((label("report.phasing_years", lang), f"{first}–{last}"))
    return rows


def input_files(scenario: dict[str, Any], lang: str) -> Table:
    """The input files by name (not where the machine keeps them), with their hashes."""
    hashes = scenario.get("inputs_sha256") or {}
    rows = [[Cell(_file_name(path)), Cell(digest[:16])] for path, digest in hashes.items()]
    return Table([label("report.input_file", lang), "SHA-256"], rows)


def _file_name(path: str) -> str:
    """A file's name; a database source as it is (its URL carries no password)."""
    return path if path.startswith("postgis:") else Path(path).name


def write_report(out_dir: Path, target: Path, lang: str | None = None) -> None:
    """Build ``report.html`` from ``out_dir`` and write it to ``target``."""
    target.write_text(build_report(read_folder(out_dir), lang), encoding="utf-8")
