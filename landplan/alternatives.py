"""``landplan alternatives``: several good plans that differ, and what they share.

The first plan is the optimum (``landplan run``). Each next one is the best plan
that is worth at least ``(1 − within) ×`` the optimum's proven bound (so within
that share of the true optimum), keeps the optimum's number of high-tech
projects under ``hightech_first``, and leaves out at least ``min_diff`` of the
placements of every earlier plan (one no-good row per earlier plan,
``allocate.Distinct``). It stops at ``count`` plans or when no further plan
exists. Each plan is a complete output folder; the tables across them say how
often each project lands on each park and parcel (selection frequency, as
conservation planners report it): a placement found in every plan is robust, one
found in few is a choice the committee can make either way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from landplan.allocate import Distinct, allocate
from landplan.csvfiles import write_csv
from landplan.errors import InfeasibleError, InputError, Problem
from landplan.output import Writers, write_folder, writers
from landplan.results import RunResult
from landplan.run import compute, finish
from landplan.scenario import Scenario

log = logging.getLogger(__name__)


def _check_arguments(count: int, within: float, min_diff: int) -> None:
    """Exit 2 on settings that cannot describe a set of alternatives."""
    problems = []
    if count < 1:
        problems.append(Problem("--count", f"got {count}", fix="give 1 or more plans"))
    if not 0.0 <= within < 1.0:
        problems.append(
            Problem("--within", f"got {within}", fix="give a share from 0 to below 1, e.g. 0.01")
        )
    if min_diff < 1:
        problems.append(Problem("--min-diff", f"got {min_diff}", fix="give 1 or more placements"))
    if problems:
        raise InputError(problems)


def alternatives(
    scenario: Scenario, *, count: int, within: float, min_diff: int
) -> list[RunResult]:
    """Up to ``count`` plans (module docstring), the optimum first."""
    _check_arguments(count, within, min_diff)
    clock = time.perf_counter()
    plans = [compute(scenario)]
    inputs, priced, best = plans[0].inputs, plans[0].priced, plans[0].allocation
    floor = best.bound - within * abs(best.bound)
    while len(plans) < count:
        distinct = Distinct(
            floor=floor,
            earlier=tuple(plan.allocation.chosen for plan in plans),
            min_diff=min_diff,
            hightech=best.hightech_first,
        )
        began = time.perf_counter()
        try:
            found = allocate(priced, scenario.solver, distinct=distinct)
        except InfeasibleError as exc:
            log.info("alternatives: %s", exc)
            break
        plans.append(finish(inputs, priced, found, clock=began))
        log.info(
            "alternative %d: objective %s (%.2f%% of the optimum's bound)",
            len(plans),
            f"{found.objective:,.0f}",
            100 * found.objective / best.bound if best.bound else 100.0,
        )
    log.info("%d plans in %.1f s", len(plans), time.perf_counter() - clock)
    return plans


def overview(plans: list[RunResult]) -> pd.DataFrame:
    """``alternatives.csv``: one row per plan, its figures and how it differs."""
    best = plans[0].allocation
    placements = [_placements(plan) for plan in plans]
    rows = []
    for k, plan in enumerate(plans):
        alloc = plan.allocation
        placed = alloc.placed
        rows.append(
            {
                "plan": k + 1,
                "objective": round(alloc.objective, 2),
                "of_best_bound": round(alloc.objective / best.bound, 6) if best.bound else 1.0,
                "placed": len(placed),
                "hightech_placed": int(placed["hightech"].sum()),
                "land_used_ha": round(float(placed["land_ha"].sum()), 4),
                "subsidy": round(float(plan.shares["subsidy"].sum()), 4),
                "left_out_of_plan_1": len(placements[0] - placements[k]),
                "fewest_left_out_of_an_earlier": min(
                    (len(placements[i] - placements[k]) for i in range(k)), default=0
                ),
            }
        )
    return pd.DataFrame(rows)


def frequency(plans: list[RunResult]) -> dict[str, pd.DataFrame]:
    """The selection-frequency tables: by placement, by project and park, by parcel."""
    n = len(plans)
    placed = pd.concat([plan.allocation.placed.assign(plan=k + 1) for k, plan in enumerate(plans)])
    projects = plans[0].inputs.tables.projects[["project_id", "name", "sector"]]

    by_pair = (
        placed.groupby(["project_id", "park", "parcel_id"]).size().rename("plans").reset_index()
    )
    by_pair["share"] = (by_pair["plans"] / n).round(4)
    by_pair = projects[["project_id", "name"]].merge(by_pair, on="project_id")
    by_pair = by_pair.sort_values(
        ["project_id", "plans", "parcel_id"], ascending=[True, False, True]
    )

    wide = placed.groupby(["project_id", "park"]).size().unstack(fill_value=0)
    by_park = projects.set_index("project_id").join(wide).fillna(0)
    park_columns = list(wide.columns)
    by_park[park_columns] = by_park[park_columns].astype(int)
    by_park.insert(2, "plans_placed", by_park[park_columns].sum(axis=1).astype(int))
    by_park.insert(3, "plans", n)

    by_parcel = (
        placed.groupby(["parcel_id", "park"])["plan"].nunique().rename("plans").reset_index()
    )
    by_parcel["share"] = (by_parcel["plans"] / n).round(4)
    by_parcel = by_parcel.sort_values(["plans", "parcel_id"], ascending=[False, True])
    return {
        "frequency.csv": by_pair.reset_index(drop=True),
        "frequency_by_park.csv": by_park.reset_index(),
        "parcel_frequency.csv": by_parcel.reset_index(drop=True),
    }


def write_alternatives(plans: list[RunResult], out_dir: Path) -> None:
    """``plan-1/`` … (complete output folders) and the tables across them, atomically."""
    encoding = plans[0].inputs.scenario.output.csv_encoding
    files: Writers = {"alternatives.csv": _csv(overview(plans), encoding)}
    for name, table in frequency(plans).items():
        files[name] = _csv(table, encoding)
    for k, plan in enumerate(plans):
        for name, writer in writers(plan).items():
            files[f"plan-{k + 1}/{name}"] = _in_folder(writer)
    write_folder(out_dir, files)


def _placements(plan: RunResult) -> set[tuple[str, str]]:
    placed = plan.allocation.placed
    return set(zip(placed["project_id"], placed["parcel_id"], strict=True))


def _csv(table: pd.DataFrame, encoding: str) -> Callable[[Path], object]:
    return lambda path: write_csv(table, path, encoding=encoding)


def _in_folder(writer: Callable[[Path], object]) -> Callable[[Path], object]:
    def write(path: Path) -> object:
        path.parent.mkdir(parents=True, exist_ok=True)
        return writer(path)

    return write
