"""Parcel importance: how much the plan loses if a parcel it uses is taken back.

For each parcel the plan uses, the problem is solved again without that
parcel's pairs, starting from the plan minus its projects there (still a plan
unless must-place, locked or target rows break it); the importance is the fall
of the objective, the replacement cost policy staff ask about when a village or
a ministry wants a parcel back. A parcel the plan does not use has importance 0:
withholding it leaves the plan as it is. When no plan exists without the
parcel (a must-place project has no other site), the row says so instead.

Both objectives are found within the solver's gap, so a fall smaller than the
gap times the objective is not told apart from 0; it is shown as found, floored
at 0.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from landplan.allocate import Allocation, allocate
from landplan.errors import InfeasibleError
from landplan.scenario import SolverOptions
from landplan.valuation import PricedPairs

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 5.0

COLUMNS = [
    "parcel_id",
    "park",
    "project_ids",
    "importance",
    "importance_pct",
    "objective_without",
    "hightech_lost",
    "status",
    "detail",
]


def parcel_importance(
    priced: PricedPairs, allocation: Allocation, options: SolverOptions, *, workers: int = 1
) -> pd.DataFrame:
    """One row per parcel the plan uses (``COLUMNS``), most important first.

    With ``workers`` > 1 the re-solves run on that many local processes (one
    solver thread each), each given the pair table once.
    """
    chosen = allocation.chosen
    used = [int(j) for j in np.unique(priced.pairs["parcel"].to_numpy()[chosen])]
    plan = set(priced.keys(chosen, allocation.offsets))
    clock = last = time.perf_counter()
    log.info("importance: solving again without each of the %d parcels used", len(used))
    if workers > 1 and len(used) > 1:
        context = multiprocessing.get_context("spawn")  # the parent's solver threads stay put
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_share,
            initargs=(priced, plan, replace(options, threads=1)),
        )
        found: Iterator[dict[str, object]] = pool.map(_withhold_shared, used)
    else:
        pool = None
        found = (_withhold(priced, plan, options, j) for j in used)
    rows = []
    try:
        for row in found:
            rows.append(row)
            now = time.perf_counter()
            if now - last >= PROGRESS_EVERY_S:
                last = now
                log.info("importance: %d of %d parcels (%.0f s)", len(rows), len(used), now - clock)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    table = pd.DataFrame(
        rows,
        columns=["parcel_id", "project_ids", "objective_without", "hightech", "status", "detail"],
    )
    table.insert(1, "park", priced.parcels["park"].to_numpy()[used] if used else [])
    base = allocation.objective
    feasible = table["status"] != "infeasible"
    drop = (base - table["objective_without"]).clip(lower=0.0).where(feasible)
    table["importance"] = drop.round(2)
    table["importance_pct"] = (100 * drop / abs(base)).round(4) if base else 0.0
    most = allocation.hightech_first
    table["hightech_lost"] = (most - table["hightech"]).where(feasible) if most is not None else 0
    table["objective_without"] = table["objective_without"].round(2)
    infeasible = int((~feasible).sum())
    log.info(
        "importance of %d parcels in %.1f s; %d cannot be withheld without losing every plan",
        len(table),
        time.perf_counter() - clock,
        infeasible,
    )
    order = table.assign(_inf=~feasible)
    order = order.sort_values(["_inf", "importance", "parcel_id"], ascending=[False, False, True])
    return order.drop(columns="_inf")[COLUMNS].reset_index(drop=True)


def _withhold(
    priced: PricedPairs, plan: set[tuple[Any, ...]], options: SolverOptions, j: int
) -> dict[str, object]:
    """The best plan without parcel ``j``, from the plan less its projects there."""
    parcel = str(priced.parcels["parcel_id"].iloc[j])
    row: dict[str, object] = {
        "parcel_id": parcel,
        "project_ids": ";".join(sorted(key[0] for key in plan if key[1] == parcel)),
    }
    try:
        with _quiet():
            found = allocate(
                priced.withholding(j),
                options,
                start={key for key in plan if key[1] != parcel},
            )
    except InfeasibleError as exc:
        first_line = str(exc).replace("no feasible plan:", "").strip().splitlines()[0]
        return row | {
            "objective_without": np.nan,
            "hightech": np.nan,
            "status": "infeasible",
            "detail": first_line.strip(),
        }
    return row | {
        "objective_without": found.objective,
        "hightech": np.nan if found.hightech_first is None else found.hightech_first,
        "status": str(found.status),
        "detail": "",
    }


_SHARED: tuple[PricedPairs, set[tuple[Any, ...]], SolverOptions] | None = None


def _share(priced: PricedPairs, plan: set[tuple[Any, ...]], options: SolverOptions) -> None:
    """A worker's start: keep what every one of its re-solves reads."""
    global _SHARED
    _SHARED = (priced, plan, options)


def _withhold_shared(j: int) -> dict[str, object]:
    assert _SHARED is not None, "worker started without _share"
    return _withhold(*_SHARED, j)


@contextmanager
def _quiet() -> Iterator[None]:
    """The re-solves' own log lines (one solve per parcel) hidden; progress is logged here."""
    names = ("landplan.allocate", "landplan.engine", "landplan.column_generation", "landplan.solve")
    loggers = [logging.getLogger(n) for n in names]
    levels = [x.level for x in loggers]
    for x in loggers:
        x.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for x, level in zip(loggers, levels, strict=True):
            x.setLevel(level)
