"""Tracking major projects stage by stage (挂图作战、挂图推进).

A plan's major projects go through 签约 signed → 开工 started → 竣工 finished →
投产 producing. The tracking file gives, per project and stage, the planned and
actual dates and the responsible unit (``project_id, stage, planned, actual,
unit``). Deadlines are scheduled backwards from the target producing date: a
stage with a planned date keeps it; one without is due the months of
``tracking:`` before the next stage's deadline (docs/phasing.md, "Tracking"). A stage with
no actual date whose deadline has passed is overdue.

``track`` writes ``tracking.csv`` (one row per project and stage) and
``tracking.html`` (the battle map: the projects' parcels coloured by stage,
overdue ones outlined in red, and the overdue list), both from the output folder
of ``landplan run`` and the tracking file; rerunning with an updated file
replaces both.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import folium
import pandas as pd

from landplan.constants import MU_PER_HA
from landplan.csvfiles import csv_text
from landplan.errors import InputError, Problem, ProblemLog
from landplan.folder import PlanFolder, read_folder
from landplan.messages import label, say
from landplan.palettes import OVERDUE, STAGE_COLOURS
from landplan.render import render
from landplan.scenario import TableSpec, Tracking
from landplan.tables import read_table
from landplan.webmap import base_map, to_display
from landplan.workbook import write_table_book

STAGES = ("signed", "started", "finished", "producing")
STAGE_WORDS = {"签约": "signed", "开工": "started", "竣工": "finished", "投产": "producing"}
# the file's columns, and what Chinese offices head them with
COLUMNS = ("project_id", "stage", "planned", "actual", "unit")
HEADER_WORDS = {
    "项目编号": "project_id",
    "阶段": "stage",
    "计划日期": "planned",
    "实际日期": "actual",
    "责任单位": "unit",
}
DUE_SOON_DAYS = 30

OUT_COLUMNS = [
    "project_id",
    "name",
    "parcel_id",
    "park",
    "stage",
    "stage_zh",
    "unit",
    "planned",
    "actual",
    "deadline",
    "deadline_from",
    "status",
    "status_zh",
    "deadline_from_zh",
    "overdue_days",
    "late_days",
]


@dataclass(frozen=True)
class Board:
    """The schedule (``OUT_COLUMNS``, one row per project and stage) and the date it
    is read on."""

    table: pd.DataFrame
    as_of: date

    @property
    def overdue(self) -> pd.DataFrame:
        found: pd.DataFrame = self.table[self.table["status"] == "overdue"]
        return found


def read_tracking(path: Path, plan: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The tracking file, checked against the plan (allocation.csv); exit 2 on any bad row.

    Rows name a placed project, a known stage (签约/开工/竣工/投产 or signed/…), ISO
    dates; per project, each stage once, no actual date after ``as_of`` or before
    an earlier stage's, and no stage done while an earlier one is not.
    """
    source = str(path)
    if not path.is_file():
        raise InputError([Problem(source, "tracking file not found", fix="check the path")])
    read = ProblemLog()
    found = read_table(TableSpec(path), read)
    read.raise_if_any()
    assert found is not None
    raw = found
    raw = raw.rename(columns={k: v for k, v in HEADER_WORDS.items() if k in raw.columns})
    missing = [c for c in ("project_id", "stage") if c not in raw.columns]
    if missing:
        raise InputError(
            [
                Problem(
                    source,
                    f"has no column {missing[0]!r} (columns: {', '.join(map(str, raw.columns))})",
                    field=missing[0],
                    fix=f"head the columns {', '.join(COLUMNS)} (or 项目编号, 阶段, 计划日期, "
                    "实际日期, 责任单位)",
                )
            ]
        )
    for column in COLUMNS:
        if column not in raw.columns:
            raw[column] = ""
    raw = raw[list(COLUMNS)].apply(lambda s: s.str.strip())
    log = ProblemLog()
    placed = set(plan.loc[plan["status"] == "placed", "project_id"])
    known = set(plan["project_id"])
    rows: list[dict[str, Any]] = []
    for k, row in enumerate(raw.to_dict("records")):
        where = {"row": f"{k + 2} ({row['project_id'] or '?'})"}  # the header is line 1
        pid = row["project_id"]
        if pid not in known:
            log.add(
                source,
                f"project_id {pid!r} is not a project of this plan",
                field="project_id",
                fix="use the project ids of allocation.csv",
                **where,
            )
            continue
        if pid not in placed:
            log.add(
                source,
                f"project {pid} is not placed by this plan, so it has no parcel to track",
                field="project_id",
                fix="drop its rows, or track it after a plan that places it",
                **where,
            )
            continue
        stage = STAGE_WORDS.get(row["stage"], row["stage"].lower())
        if stage not in STAGES:
            log.add(
                source,
                f"stage {row['stage']!r} is not one of 签约, 开工, 竣工, 投产",
                field="stage",
                fix="use 签约/开工/竣工/投产 or signed/started/finished/producing",
                **where,
            )
            continue
        dates: dict[str, date | None] = {}
        for column in ("planned", "actual"):
            text = row[column]
            dates[column] = None
            if text:
                dates[column] = parse_date(text)
                if dates[column] is None:
                    log.add(
                        source,
                        f"{column} {text!r} is not a date",
                        field=column,
                        fix="write a date such as 2026-03-31, 2026/3/31 or 2026年3月31日 "
                        "(or a date cell in Excel)",
                        **where,
                    )
        done = dates["actual"]
        if done is not None and done > as_of:
            log.add(
                source,
                f"actual {done} is after the tracking date {as_of}",
                field="actual",
                fix="give the date the stage was reached, or leave actual empty",
                **where,
            )
        rows.append({"project_id": pid, "stage": stage, "unit": row["unit"], **dates, **where})
    table = pd.DataFrame(rows, columns=["project_id", "stage", "unit", "planned", "actual", "row"])
    for (pid, stage), group in table.groupby(["project_id", "stage"]):
        if len(group) > 1:
            log.add(
                source,
                f"project {pid} has {len(group)} rows for stage {label(f'stage.{stage}', 'zh')}",
                row=str(group["row"].iloc[1]),
                field="stage",
                fix="give each stage of a project once",
            )
    for pid, group in table.groupby("project_id"):
        _check_order(source, str(pid), group, log)
    log.raise_if_any()
    return table.drop(columns="row")


# 2026-03-31, 2026-3-31, 2026/3/31, 2026.3.31, 2026年3月31日, 20260331, and any of
# these followed by a time of day (a date cell that carries one)
_DATE = re.compile(
    r"^(\d{4})(?:[-/.年]\s*(\d{1,2})[-/.月]\s*(\d{1,2})日?|(\d{2})(\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def parse_date(text: str) -> date | None:
    """A date as offices write it (``_DATE``), or None when ``text`` is not one."""
    found = _DATE.match(text.strip())
    if found is None:
        return None
    year, month, day = (
        found.group(1),
        found.group(2) or found.group(4),
        found.group(3) or found.group(5),
    )
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _check_order(source: str, pid: str, rows: pd.DataFrame, log: ProblemLog) -> None:
    """Stages of one project: dates in stage order, and none done before an earlier one."""
    order = rows.assign(rank=rows["stage"].map(STAGES.index)).sort_values("rank")
    for column in ("planned", "actual"):
        dated = order[order[column].notna()]
        for (_, before), (_, after) in zip(
            dated.iloc[:-1].iterrows(), dated.iloc[1:].iterrows(), strict=True
        ):
            if after[column] < before[column]:
                late_stage = label(f"stage.{after['stage']}", "zh")
                early_stage = label(f"stage.{before['stage']}", "zh")
                log.add(
                    source,
                    f"{column} dates out of order for {pid}: {late_stage} {after[column]} "
                    f"is before {early_stage} {before[column]}",
                    row=str(after["row"]),
                    field=column,
                    fix="stages come in the order 签约 → 开工 → 竣工 → 投产",
                )
    reached = set(order.loc[order["actual"].notna(), "stage"])
    for stage in reached:
        skipped = [s for s in STAGES[: STAGES.index(stage)] if s not in reached]
        if skipped:
            row = order.loc[order["stage"] == stage, "row"].iloc[0]
            log.add(
                source,
                f"{pid} reached {label(f'stage.{stage}', 'zh')} but has no actual date for "
                f"{'、'.join(label(f'stage.{s}', 'zh') for s in skipped)}: a stage was skipped",
                row=str(row),
                field="actual",
                fix="give the actual date of every earlier stage",
            )


def schedule(rows: pd.DataFrame, plan: pd.DataFrame, spec: Tracking, *, as_of: date) -> Board:
    """Every tracked project's four stages with deadlines and status (``Board``).

    Tracked: the plan's placed major projects and any placed project the file names.
    The target producing date is the planned 投产 date, else 31 December of the
    plan year (allocation.csv's ``year``) + ``target_years``. Going backwards, a
    stage's deadline is its planned date, else the next stage's deadline less the
    months between them.
    """
    placed = plan[plan["status"] == "placed"].set_index("project_id")
    tracked = sorted(
        set(placed.index[placed["major"].astype(str).str.lower() == "true"])
        | set(rows["project_id"])
    )
    months = {
        "signed": spec.signed_to_started,
        "started": spec.started_to_finished,
        "finished": spec.finished_to_producing,
    }
    given = rows.set_index(["project_id", "stage"])
    out = []
    for pid in tracked:
        year = pd.to_numeric(placed.loc[pid, "year"], errors="coerce")
        year = as_of.year if pd.isna(year) else int(year)
        units = rows.loc[rows["project_id"] == pid, "unit"]
        default_unit = next((u for u in units if u), "")
        deadline: date | None = None
        staged = []
        for stage in reversed(STAGES):
            planned = actual = None
            unit = default_unit
            if (pid, stage) in given.index:
                entry = given.loc[(pid, stage)]
                planned, actual = _date(entry["planned"]), _date(entry["actual"])
                unit = entry["unit"] or default_unit
            if planned is not None:
                deadline, source = planned, "planned"
            elif deadline is None:  # the producing target
                deadline, source = date(year + spec.target_years, 12, 31), "target"
            else:
                back = pd.Timestamp(deadline) - pd.DateOffset(months=months[stage])
                deadline, source = back.date(), "scheduled"
            staged.append((stage, planned, actual, deadline, source, unit))
        for stage, planned, actual, due, source, unit in reversed(staged):
            status, overdue, late = _status(actual, due, as_of)
            out.append(
                {
                    "project_id": pid,
                    "name": placed.loc[pid, "name"],
                    "parcel_id": placed.loc[pid, "parcel_id"],
                    "park": "",
                    "stage": stage,
                    "stage_zh": label(f"stage.{stage}", "zh"),
                    "unit": unit,
                    "planned": planned,
                    "actual": actual,
                    "deadline": due,
                    "deadline_from": source,
                    "status": status,
                    "status_zh": label(f"track.status.{status}", "zh"),
                    "deadline_from_zh": label(f"from.{source}", "zh"),
                    "overdue_days": overdue,
                    "late_days": late,
                }
            )
    table = pd.DataFrame(out, columns=OUT_COLUMNS)
    table["overdue_days"] = table["overdue_days"].astype("Int64")
    table["late_days"] = table["late_days"].astype("Int64")
    return Board(table, as_of)


def _date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def _status(actual: date | None, deadline: date, as_of: date) -> tuple[str, Any, Any]:
    """``done``/``done_late`` (and days late), ``overdue`` (and days), ``due`` within
    DUE_SOON_DAYS, else ``pending``."""
    if actual is not None:
        late = (actual - deadline).days
        return ("done_late", None, late) if late > 0 else ("done", None, None)
    left = (deadline - as_of).days
    if left < 0:
        return "overdue", -left, None
    return ("due" if left <= DUE_SOON_DAYS else "pending"), None, None


def reached(board: Board) -> pd.Series:
    """Per project, the last stage with an actual date (``none`` before signing)."""
    done = board.table[board.table["actual"].notna()]
    last = done.groupby("project_id")["stage"].agg(lambda s: max(s, key=STAGES.index))
    projects = pd.Index(board.table["project_id"].unique())
    found: pd.Series = last.reindex(projects).fillna("none")
    return found


def battle_map(folder: PlanFolder, board: Board, lang: str) -> str:
    """``tracking.html``: the tracked projects' parcels coloured by reached stage,
    overdue ones outlined in red, popups with the stages, deadlines and units, and
    the overdue list; self-contained like map.html."""
    options = folder.map
    parcels = folder.parcels
    ids = parcels["project_ids"].fillna("").astype(str).str.split(";")
    stage = reached(board)
    late = set(board.overdue["project_id"])
    owner = [next((p for p in ps if p in stage.index), "") for ps in ids]
    parcels = parcels.assign(project_id=owner)
    display = to_display(parcels, options)
    m = base_map(display, options)
    context = display[display["project_id"] == ""]
    folium.GeoJson(
        json.loads(context[["parcel_id", "geometry"]].to_json()),
        name=label("track.other_parcels", lang),
        style_function=lambda _f: {"color": "#aaa", "weight": 0.5, "fillColor": "#eee"},
        interactive=False,
    ).add_to(m)
    group = folium.FeatureGroup(name=label("track.projects", lang))
    layers = []
    for pid, shapes in display[display["project_id"] != ""].groupby("project_id"):
        overdue = pid in late
        style = {
            "color": OVERDUE if overdue else "#222",
            "weight": 4 if overdue else 1,
            "fillColor": STAGE_COLOURS[str(stage[pid])],
            "fillOpacity": 0.85,
        }
        layer = folium.GeoJson(
            json.loads(shapes[["parcel_id", "project_id", "geometry"]].to_json()),
            style_function=lambda _f, s=style: s,
        )
        layer.add_to(group)
        layers.append(layer.get_name())
    group.add_to(m)
    folium.LayerControl(collapsed=False, position="topleft").add_to(m)
    root: Any = m.get_root()
    data = {
        "map": m.get_name(),
        "layers": layers,
        "projects": {
            str(pid): _project(board, str(pid), str(stage[pid]), lang) for pid in stage.index
        },
        "text": {
            "parcel_id": label("parcel_id", lang),
            "reached": label("track.reached", lang),
            "columns": [
                label(f"track.{c}", lang) for c in ("stage", "deadline", "actual", "status", "unit")
            ],
        },
    }
    root.header.add_child(folium.Element(render("tracking_head.html", data=data)))
    root.html.add_child(folium.Element(_board(folder, board, stage, lang)))
    return m.page()


def _project(board: Board, pid: str, reached_stage: str, lang: str) -> dict[str, Any]:
    """A project's popup and tooltip: its name, parcel, reached stage and, per stage,
    ``[stage, deadline, done on, status, unit, overdue]``."""
    rows = board.table[board.table["project_id"] == pid]
    first = rows.iloc[0]
    stages = []
    for r in rows.itertuples():
        status = label(f"track.status.{r.status}", lang)
        if r.status == "overdue":
            status += f" {r.overdue_days} {label('track.days', lang)}"
        elif r.status == "done_late":
            status += f" {r.late_days} {label('track.days', lang)}"
        stages.append(
            [
                label(f"stage.{r.stage!s}", lang),
                str(r.deadline),
                str(r.actual or "—"),
                status,
                str(r.unit),
                r.status == "overdue",
            ]
        )
    return {
        "name": str(first["name"]),
        "parcel_id": str(first["parcel_id"]),
        "reached": label(f"stage.{reached_stage}", lang),
        "tip": f"{pid} · {label(f'stage.{reached_stage}', lang)}",
        "rows": stages,
    }


def _board(folder: PlanFolder, board: Board, stage: pd.Series, lang: str) -> str:
    """The title, the legend and the overdue list, fixed over the map."""
    overdue = board.overdue.sort_values(["overdue_days", "project_id"], ascending=[False, True])
    plan = folder.allocation.set_index("project_id")
    area = float(pd.to_numeric(plan.loc[list(stage.index), "land_ha"], errors="coerce").sum())
    words = {
        key: label(f"track.{key}", lang)
        for key in ("tracked", "plan_land", "overdue_outline", "overdue_list", "deadline", "days")
    }
    words |= {"overdue": label("track.status.overdue", lang), "none": label("none", lang)}
    return render(
        "tracking_board.html",
        title=_title(folder, board, lang),
        issuer=folder.issuer,
        words=words,
        tracked=len(stage),
        land=say("track.land", ha=area, mu=area * MU_PER_HA).in_(lang),
        legend=[
            {"colour": colour, "label": label(f"stage.{s}", lang), "count": int((stage == s).sum())}
            for s, colour in STAGE_COLOURS.items()
        ],
        overdue_colour=OVERDUE,
        overdue=[
            {
                "project_id": r.project_id,
                "name": r.name,
                "stage": label(f"stage.{r.stage}", lang),
                "deadline": r.deadline,
                "days": r.overdue_days,
                "unit": str(r.unit),
            }
            for r in overdue.itertuples()
        ],
    )


def _title(folder: PlanFolder, board: Board, lang: str) -> str:
    return label("track.title", lang).format(scenario=folder.title, date=board.as_of)


def track(out_dir: Path, file: Path, *, as_of: date, lang: str | None = None) -> Board:
    """Read the tracking file against ``out_dir``'s plan and write ``tracking.csv`` and
    ``tracking.html`` there, both or neither."""
    folder = read_folder(out_dir)
    spec = Tracking(**(folder.scenario.get("tracking") or {}))
    plan = folder.allocation
    rows = read_tracking(file, plan, as_of)
    board = schedule(rows, plan, spec, as_of=as_of)
    parks = folder.parcels.set_index("parcel_id")["park"]
    board.table["park"] = [
        parks.get(str(j).split("+")[0], "") for j in board.table["parcel_id"].astype(str)
    ]
    lang = lang or folder.map.lang
    page = battle_map(folder, board, lang)
    encoding = folder.csv_encoding
    tmps = {name: out_dir / f".{name}.tmp-{os.getpid()}" for name in TRACKING_FILES}
    try:
        tmps["tracking.csv"].write_text(csv_text(board.table), encoding=encoding)
        tmps["tracking.html"].write_text(page, encoding="utf-8")
        write_table_book(
            _for_people(board.table, lang),
            tmps["tracking.xlsx"],
            sheet="tracking",
            title=_title(folder, board, lang),
            lang=lang,
        )
        for name in TRACKING_FILES:
            tmps[name].replace(out_dir / name)
    finally:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)
    return board


# what ``track`` writes into the output folder, all or none
TRACKING_FILES = ("tracking.csv", "tracking.html", "tracking.xlsx")


def _for_people(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The schedule as ``tracking.xlsx`` shows it: stages, statuses and sources in words."""
    shown = table.drop(columns=["stage_zh", "status_zh", "deadline_from_zh"])
    shown = shown.rename(columns={"unit": "responsible_unit"})
    shown["stage"] = [label(f"stage.{s}", lang) for s in shown["stage"]]
    shown["status"] = [label(f"track.status.{s}", lang) for s in shown["status"]]
    shown["deadline_from"] = [label(f"from.{s}", lang) for s in shown["deadline_from"]]
    for column in ("planned", "actual", "deadline"):
        shown[column] = [v if isinstance(v, date) else None for v in shown[column]]
    return shown
