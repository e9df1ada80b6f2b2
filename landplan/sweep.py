"""``landplan sweep``: the scenario once per combination of ``--set`` values.

Points run on a local process pool (one solver thread each) or on a Dask cluster.
Inside a worker, inputs and eligibility are loaded once and reused by every point
that does not change them. A point that fails is recorded with its reason; the
others are kept. Writes ``sweep.csv`` and ``sweep.html`` (plots), atomically.
"""

from __future__ import annotations

import functools
import itertools
import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.ticker import FuncFormatter

from landplan.charts import Image, figure, png
from landplan.constants import MU_PER_HA
from landplan.csvfiles import csv_text, write_csv
from landplan.domain import Lang
from landplan.eligibility import Eligibility, eligible_pairs
from landplan.errors import InfeasibleError, InputError, LandplanError, Problem
from landplan.fonts import embed
from landplan.inputs import Inputs, cross_check, load_inputs
from landplan.messages import ZH, label, say
from landplan.output import write_folder
from landplan.policy import budget_prices
from landplan.render import render
from landplan.results import allocation_table, summary
from landplan.run import compute
from landplan.scenario import Scenario, load_scenario, parse_value
from landplan.valuation import plan_keys
from landplan.views import Cell

log = logging.getLogger(__name__)

# Keys that change the parcels or the eligible pairs; every other key reuses them.
_INPUT_KEYS = (
    "crs",
    "layers",
    "projects",
    "zoning",
    "parks",
    "constraints",
    "near",
    "entry_standards",
    "firms",
)
# Keys that change the eligible pairs but not what is read: the renewal supply,
# merged sites and swaps.
_SUPPLY_KEYS = ("evaluation", "renewal", "consolidation", "phasing")

_CACHE: dict[tuple[str, str], Any] = {}


def parse_sets(items: Iterable[str]) -> dict[str, list[Any]]:
    """``KEY=V1,V2`` strings to ``{KEY: [V1, V2]}`` with YAML-typed values."""
    sets: dict[str, list[Any]] = {}
    problems = []
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not key.strip() or not values.strip():
            problems.append(
                Problem(
                    "--set",
                    f"expected KEY=V1,V2,..., got {item!r}",
                    fix="e.g. --set costshare.cap_ratio=0.6,0.7,0.8",
                )
            )
            continue
        sets[key.strip()] = [parse_value(v.strip()) for v in values.split(",")]
    if not sets and not problems:
        problems.append(Problem("--set", "no values to sweep", fix="give at least one --set"))
    if problems:
        raise InputError(problems)
    return sets


def grid(sets: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination, in the order the values were given."""
    keys = list(sets)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*sets.values())]


def _cache_key(scenario: Scenario, part: str) -> tuple[str, str]:
    data = scenario.to_dict()
    keys = _INPUT_KEYS if part == "inputs" else (*_INPUT_KEYS, *_SUPPLY_KEYS)
    return part, repr({k: data.get(k) for k in keys})


def _cached_inputs(scenario: Scenario) -> tuple[Inputs, Eligibility, tuple[str, str]]:
    """Inputs and eligible pairs for ``scenario``, loaded once per process."""
    key = _cache_key(scenario, "inputs")
    if key not in _CACHE:
        _CACHE[key] = load_inputs(scenario)
    inputs: Inputs = _CACHE[key]
    problems = cross_check(inputs, scenario)  # what this point's own keys may break
    if problems:
        raise InputError(problems)
    ekey = _cache_key(scenario, "eligibility")
    if ekey not in _CACHE:
        _CACHE[ekey] = eligible_pairs(replace(inputs, scenario=scenario))
    return inputs, _CACHE[ekey], ekey


def run_point(
    scenario_file: str, overrides: dict[str, Any], fixed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One sweep point: a full run in memory; never raises for a point's own failure.

    ``fixed`` holds overrides for every point (solver options) that are not swept.
    The worker's previous plan on the same eligible pairs is the solver's start.
    """
    start = time.perf_counter()
    row: dict[str, Any] = dict(overrides)
    try:
        scenario = load_scenario(scenario_file, {**(fixed or {}), **overrides, "solver.threads": 1})
        inputs, eligibility, ekey = _cached_inputs(scenario)
        pkey = ("plan", ekey[1])
        start_plan = _CACHE.get(pkey)
        result = compute(
            scenario, inputs=inputs, eligibility=eligibility, start=start_plan, policy=False
        )
        prices = budget_prices(result.priced, result.allocation, scenario.solver)
        placed = result.allocation.placed
        _CACHE[pkey] = plan_keys(placed)
        facts = summary(result)
        row["_plan"] = csv_text(allocation_table(result))
    except LandplanError as exc:
        row.update(status="failed", reason=_words(str(exc)), reason_zh=_words(_in_chinese(exc)))
        row["runtime_s"] = round(time.perf_counter() - start, 3)
        return row
    cs = facts["costshare"]
    row.update(
        status=facts["status"],
        reason="",
        reason_zh="",
        objective=facts["objective"],
        gap=facts["gap"],
        placed=facts["projects"]["placed"],
        hightech_placed=facts["hightech"]["placed"],
        major_placed=facts["major"]["placed"],
        land_used_ha=facts["land_used_ha"],
        output_per_ha=facts["kpis"]["output_per_ha"],
        tax_per_mu=facts["kpis"]["tax_per_mu"],
        base_share=cs["base_share"],
        subsidy=cs["subsidy"],
        spread_burden=cs["spread_burden"],
        deferred=cs["deferred"],
        budget_used=cs["budget_used"],
        budget_shadow_price=prices.get("budget", {}).get("shadow_price"),
        burden_per_mu=cs["burden_per_mu"],
        **_renewal_columns(facts),
        warm_start=start_plan is not None,
        runtime_s=round(time.perf_counter() - start, 3),
    )
    return row


def _words(text: str) -> str:
    return " ".join(text.split())[:500]


def _in_chinese(exc: LandplanError) -> str:
    """A point's failure in Chinese: infeasibility in full; input or solver trouble
    named, its details in sweep.csv's ``reason``."""
    if isinstance(exc, InfeasibleError):
        return exc.zh
    return label("sweep.input_error" if isinstance(exc, InputError) else "sweep.solver_error", ZH)


def _renewal_columns(facts: dict[str, Any]) -> dict[str, Any]:
    """The renewal land a point recovered (only when the scenario has ``renewal:``)."""
    renewal = (facts.get("evaluation") or {}).get("renewal")
    if not renewal:
        return {}
    return {"renewal_parcels": renewal["recovered_parcels"], "renewal_ha": renewal["recovered_ha"]}


def sweep(
    scenario_file: Path,
    sets: dict[str, list[Any]],
    out_dir: Path,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    fixed: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Run every point and write ``sweep.csv`` and ``sweep.html`` (in ``map.lang``)
    to ``out_dir``.

    ``fixed`` overrides apply to every point without being swept (e.g. a looser
    ``solver.gap`` or a shorter ``solver.time_limit`` per point).
    """
    fixed = fixed or {}
    base = load_scenario(scenario_file, fixed)  # fail fast on a bad scenario
    points = grid(sets)
    for point in points:
        load_scenario(scenario_file, {**fixed, **point})  # and on a bad --set value
    # what an earlier sweep in this process loaded may have changed on disk since
    _CACHE.clear()
    log.info("sweep of %d points on %s", len(points), scheduler or f"{workers} local workers")
    start = time.perf_counter()
    rows = (
        _run_dask(scheduler, str(base.file), points, fixed)
        if scheduler
        else _run_pool(workers, str(base.file), points, fixed)
    )
    plans = [row.pop("_plan", None) for row in rows]
    table = pd.DataFrame(rows)
    table.insert(0, "point", range(len(table)))
    for column in ("reason", "reason_zh", "gap", *HEADLINES, *PAYERS):  # whatever failed
        if column not in table:
            table[column] = "" if column.startswith("reason") else float("nan")
    # what only some scenarios have (a budget's price, a spread burden): kept where any
    # point has it
    for column in ("budget_shadow_price", "burden_per_mu"):
        if column in table and table[column].isna().all():
            table = table.drop(columns=column)
    wall = time.perf_counter() - start
    log.info("sweep done in %.1f s (%d failed)", wall, int((table["status"] == "failed").sum()))
    encoding = base.output.csv_encoding
    writers: dict[str, Callable[[Path], object]] = {
        "sweep.csv": lambda p: write_csv(table, p, encoding=encoding),
        "sweep.html": lambda p: p.write_text(
            sweep_html(
                table,
                list(sets),
                name=base.plan.title or base.name,
                wall_s=wall,
                lang=base.map.lang,
            ),
            encoding="utf-8",
        ),
    }
    for k, plan in enumerate(plans):
        if plan is not None:  # a failed point has none
            writers[f"points/{k}/allocation.csv"] = functools.partial(_write_text, plan, encoding)
    write_folder(out_dir, writers)
    return table


def _write_text(text: str, encoding: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)


def _lost(point: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    """A point whose worker was lost or crashed."""
    reason = f"worker lost or crashed: {type(exc).__name__}: {exc}"
    return {
        **point,
        "status": "failed",
        "reason": reason,
        "reason_zh": label("sweep.worker_lost", ZH),
    }


def _run_pool(
    workers: int, file: str, points: list[dict[str, Any]], fixed: dict[str, Any]
) -> list[dict[str, Any]]:
    """Points on local processes. Where processes fork (Linux), the inputs and pairs
    are loaded here first, so every worker starts with them instead of reading them."""
    rows: list[dict[str, Any]] = []
    context = None
    if "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        try:
            for point in points:
                _cached_inputs(load_scenario(file, {**fixed, **point}))
        except LandplanError:
            pass  # the failing points report it themselves
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
        futures = [pool.submit(run_point, file, p, fixed) for p in points]
        for point, future in zip(points, futures, strict=True):
            try:
                rows.append(future.result())
            except Exception as exc:  # a worker died or the point raised a bug
                rows.append(_lost(point, exc))
    return rows


def _run_dask(
    address: str, file: str, points: list[dict[str, Any]], fixed: dict[str, Any]
) -> list[dict[str, Any]]:
    try:
        # Only a sweep on a cluster needs Dask; importing it costs every command
        # half a second of start-up, so it is imported here, where it is used.
        from distributed import Client
    except ImportError:
        raise InputError(
            [Problem("--scheduler", "Dask is not installed", fix="pip install 'dask[distributed]'")]
        ) from None
    try:
        client = Client(address, timeout=10)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise InputError(
            [
                Problem(
                    "--scheduler",
                    f"cannot reach {address}: {exc}",
                    fix="check the scheduler address and that it runs",
                )
            ]
        ) from None
    rows: list[dict[str, Any]] = []
    with client:
        futures = [client.submit(run_point, file, p, fixed, pure=False) for p in points]
        for point, future in zip(points, futures, strict=True):
            try:
                rows.append(future.result())
            except Exception as exc:
                rows.append(_lost(point, exc))
    return rows


# The outcomes charted against each swept key (sweep.csv's columns).
HEADLINES = (
    "placed",
    "hightech_placed",
    "subsidy",
    "spread_burden",
    "output_per_ha",
    "land_used_ha",
)
# Who bears the part of the land cost the high-tech cap takes off: column, colour.
PAYERS = {"subsidy": "#0072B2", "spread_burden": "#E69F00", "deferred": "#999999"}
_PAYER_WORDS = {
    "subsidy": "sweep.fund",
    "spread_burden": "sweep.others",
    "deferred": "sweep.deferred",
}
# The table's columns after the swept keys, and their decimals.
_COLUMNS = {
    "status": None,
    "placed": 0,
    "hightech_placed": 0,
    "budget_used": 1,
    "budget_shadow_price": 1,
    "burden_per_mu": 1,
    "gap": 4,
    "land_used_ha": 1,
    "land_used_mu": 0,
    "subsidy": 0,
    "spread_burden": 0,
    "deferred": 0,
    "output_per_ha": 0,
    "tax_per_mu": 1,
    "renewal_parcels": 0,
    "renewal_ha": 1,
    "runtime_s": 1,
}
_HEADERS = {
    "budget_used": "sweep.budget_used",
    "budget_shadow_price": "sweep.budget_shadow_price",
    "burden_per_mu": "sweep.burden_per_mu",
    "placed": "sweep.placed",
    "hightech_placed": "sweep.hightech_placed",
    "objective": "sweep.objective",
    "gap": "sweep.gap",
    "land_used_ha": "sweep.land_used_ha",
    "land_used_mu": "sweep.land_used_mu",
    "subsidy": "sweep.subsidy",
    "spread_burden": "sweep.spread",
    "deferred": "sweep.deferred_total",
    "output_per_ha": "sweep.output_per_ha",
    "tax_per_mu": "sweep.tax_per_mu",
    "renewal_parcels": "sweep.renewal_parcels",
    "renewal_ha": "sweep.renewal_ha",
    "runtime_s": "sweep.wall_s",
    "status": "sweep.status",
    "reason": "sweep.error",
}


def sweep_html(
    table: pd.DataFrame, keys: list[str], *, name: str, wall_s: float, lang: str = Lang.ZH
) -> str:
    """A self-contained page for policy staff: per swept key, the outcomes and who
    pays; then every point with its figures and a link to its plan."""
    ok = table[table["status"] != "failed"]
    outcomes = [
        {
            "title": say("sweep.outcomes", key=setting_name(key, lang)).in_(lang),
            "chart": _outcomes_chart(ok, key, [k for k in keys if k != key], lang),
        }
        for key in (keys if len(ok) else [])
    ]
    payers = None
    if len(ok):
        payers = {"title": label("sweep.who_pays", lang), "chart": _payers_chart(ok, keys, lang)}
    failed = table[table["status"] == "failed"]
    listed = ("、" if lang == ZH else ", ").join(setting_name(k, lang) for k in keys)
    page = render(
        "sweep.html",
        lang=lang,
        title=say("sweep.title", name=name).in_(lang),
        intro=say("sweep.intro", runs=len(table), keys=listed, wall=wall_s).in_(lang),
        failed=say("sweep.failed", failed=len(failed), runs=len(table)).in_(lang)
        if len(failed)
        else "",
        outcomes=outcomes,
        payers=payers,
        all_points=label("sweep.all_points", lang),
        open_plan=label("sweep.open_plan", lang),
        points=_points_table(table, keys, lang),
    )
    return embed(page)


def setting_name(key: str, lang: str) -> str:
    """A swept key in words (the key itself where the catalogue has none)."""
    return label(f"setting.{key}", lang, default=key)


def _value_words(value: Any, lang: str) -> str:
    """A swept value as people read it: numbers with separators, names in words."""
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.10g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, list):  # renewal.tiers
        return "+".join(_value_words(v, lang) for v in value) or label("none", lang)
    return label(f"value.{value}", lang, default=str(value))


def _numeric(values: pd.Series) -> bool:
    return bool(pd.to_numeric(values, errors="coerce").notna().all())


def _outcomes_chart(ok: pd.DataFrame, key: str, others: list[str], lang: str) -> Image:
    """Six panels of outcomes against ``key``: lines for a number, bars for a name;
    one line or bar group per combination of the other keys."""
    fig = figure(figsize=(13, 7))
    axes = fig.subplots(2, 3)
    numeric = _numeric(ok[key])
    groups: list[tuple[Any, pd.DataFrame]] = (
        list(ok.groupby(others, dropna=False)) if others else [("", ok)]
    )
    categories = list(dict.fromkeys(ok[key]))
    for ax, col in zip(axes.flat, HEADLINES, strict=True):
        for n, (group_key, group) in enumerate(groups):
            legend = _group_label(others, group_key, lang)
            if numeric:
                g = group.sort_values(key)
                ax.plot(g[key], g[col], marker="o", label=legend)
            else:
                width = 0.8 / len(groups)
                where = [
                    categories.index(v) + (n - (len(groups) - 1) / 2) * width for v in group[key]
                ]
                ax.bar(where, group[col], width=width, label=legend)
        if not numeric:
            ax.set_xticks(range(len(categories)), [_value_words(v, lang) for v in categories])
        ax.set_title(label(_HEADERS[col], lang), fontsize=10)
        ax.set_xlabel(setting_name(key, lang))
        ax.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.4g}")
        )
        ax.grid(alpha=0.3)
    if others:
        axes.flat[0].legend(fontsize=8)
    return png(fig, alt=setting_name(key, lang), dpi=90)


def _payers_chart(ok: pd.DataFrame, keys: list[str], lang: str) -> Image:
    """Stacked bars per point: what the district fund, the other land users and
    later land sales (deferred) bear."""
    fig = figure(figsize=(13, 4.2))
    ax = fig.subplots()
    x = list(range(len(ok)))
    bottom = [0.0] * len(ok)
    for column, colour in PAYERS.items():
        values = pd.to_numeric(ok[column], errors="coerce").fillna(0.0).tolist()
        ax.bar(x, values, bottom=bottom, color=colour, label=label(_PAYER_WORDS[column], lang))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ticks = ["\n".join(_value_words(row[k], lang) for k in keys) for _, row in ok.iterrows()]
    ax.set_xticks(x, ticks, fontsize=8)
    ax.set_xlabel(" / ".join(setting_name(k, lang) for k in keys))
    ax.set_ylabel(label("sweep.who_pays", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.12), frameon=False)
    ax.grid(alpha=0.3, axis="y")
    return png(fig, alt=label("sweep.who_pays", lang), dpi=90)


def _points_table(table: pd.DataFrame, keys: list[str], lang: str) -> dict[str, Any]:
    """Every point: its settings in words, figures with separators, a link to its plan
    and, where a point failed, why."""
    frame = table.copy()
    frame["land_used_mu"] = pd.to_numeric(frame["land_used_ha"], errors="coerce") * MU_PER_HA
    frame["gap"] = pd.to_numeric(frame["gap"], errors="coerce") * 100
    if "budget_used" in frame:
        frame["budget_used"] = pd.to_numeric(frame["budget_used"], errors="coerce") * 100
    columns = [c for c in _COLUMNS if c in frame]
    head = [label("sweep.point", lang), *(setting_name(k, lang) for k in keys)]
    head += [label(_HEADERS[c], lang) for c in columns]
    head += [label("sweep.open_plan", lang)]
    failures = bool((frame["status"] == "failed").any())
    if failures:
        head.append(label("sweep.error", lang))
    rows = []
    for _, row in frame.iterrows():
        cells = [Cell(str(int(row["point"])), "n")]
        cells += [Cell(_value_words(row[k], lang)) for k in keys]
        for c in columns:
            value, digits = row[c], _COLUMNS[c]
            if c == "status":
                cells.append(Cell(label(f"solver.{value}", lang, default=str(value))))
            elif pd.isna(value):
                cells.append(Cell(""))
            else:
                cells.append(Cell(f"{float(value):,.{digits}f}", "n"))
        point = int(row["point"])
        rows.append(
            {
                "cells": cells,
                "link": f"points/{point}/allocation.csv" if row["status"] != "failed" else "",
                "reason": str((row.get("reason_zh") if lang == ZH else row.get("reason")) or ""),
            }
        )
    return {"headers": head, "rows": rows, "failures": failures}


def _group_label(keys: list[str], values: Any, lang: str) -> str:
    values = values if isinstance(values, tuple) else (values,)
    return ", ".join(
        f"{setting_name(k, lang)} = {_value_words(v, lang)}"
        for k, v in zip(keys, values, strict=False)
    )
