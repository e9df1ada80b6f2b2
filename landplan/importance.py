"""Parcel importance: how much the plan loses if a parcel it uses is taken back.

For each parcel the plan uses, the optimum without that parcel's pairs is
bracketed from both sides before anything is solved again
(docs/model.md "Parcel importance"):

- **from below**, a plan without the parcel: the plan less its projects there,
  repaired, where that breaks a row or leaves the bracket open, by a small MIP that
  may move the displaced projects, the projects on the places they could take
  instead and the unplaced, everything else kept (``search.solve_fixed``);
- **from above**, an LP bound without the parcel: the plan's LP, kept warm, with
  the parcel's columns bounded to 0 and solved again, its duals priced over every
  placement but the parcel's (a Lagrangian bound, valid for the whole problem),
  and the plan's own bound.

A bracket within the solver's gap is ``exact``; one within ``tolerance`` (a share
of the plan's objective) is reported as an ``interval``; a wider one is solved
again to the tolerance from the plan found without the parcel (on ``workers``
processes). A parcel the plan does not use has importance 0: withholding it
leaves the plan as it is. When no plan exists without the parcel (a must-place
project has no other site), the row says so instead.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from landplan.allocate import Allocation, allocate, with_priority_row
from landplan.column_generation import PricedLp, lagrangian_bound, price_lp
from landplan.domain import SolverName, SolveStatus
from landplan.engine import PRESOLVE_FROM, PRICING_FROM, solve_model
from landplan.errors import InfeasibleError
from landplan.messages import say
from landplan.model import Model, Placements, build_model, placements_of, start_vector
from landplan.scenario import SolverOptions
from landplan.search import solve_fixed
from landplan.solve import Limits, Solution, complete_start, solve
from landplan.valuation import PricedPairs, tie_breaks

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 5.0
REPAIR_NODES = 20  # a repair is a quick look; a wide bracket is solved again in full
_WITHOUT_EVERY_PLAN = "no plan keeps every must-place project and row without it"

COLUMNS = [
    "parcel_id",
    "park",
    "project_ids",
    "importance",
    "importance_low",
    "importance_high",
    "exact",
    "importance_pct",
    "objective_without",
    "hightech_lost",
    "status",
    "detail",
]


def parcel_importance(
    priced: PricedPairs,
    allocation: Allocation,
    options: SolverOptions,
    *,
    workers: int = 1,
    tolerance: float | None = None,
) -> pd.DataFrame:
    """One row per parcel the plan uses (``COLUMNS``), most important first.

    ``tolerance``: a loss bracketed more closely than this share of the plan's
    objective is reported as that interval; wider brackets are solved again, to
    that precision (default: the solver's gap). The re-solves run on ``workers``
    local processes (one solver thread each) when there are several.
    """
    clock = time.perf_counter()
    used = [int(j) for j in np.unique(priced.pairs["parcel"].to_numpy()[allocation.chosen])]
    log.info("importance: bracketing the loss without each of the %d parcels used", len(used))
    share = options.gap if tolerance is None else max(tolerance, options.gap)
    slack = allocation.bound - allocation.objective  # the plan's own uncertainty
    close = share * abs(allocation.objective) + slack
    brackets = _Brackets.of(priced, allocation, options, close)
    rows: list[dict[str, Any]] = []
    again: list[tuple[int, int, set[tuple[Any, ...]] | None]] = []
    last = clock
    for k, j in enumerate(used):
        row, start = brackets.withhold(j)
        spread = row.get("high", np.nan) - row.get("low", np.nan)
        if row["status"] == "bounded" and not spread <= close + 1e-6:  # nan: not close
            again.append((len(rows), j, start))
        rows.append(row)
        now = time.perf_counter()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            log.info(
                "importance: %d of %d parcels bracketed (%.0f s)", k + 1, len(used), now - clock
            )
    if again:
        log.info(
            "importance: %d of %d brackets wider than %s; solving them again",
            len(again),
            len(used),
            f"{close:,.0f}",
        )
        precise = replace(options, gap=max(options.gap, share))
        job = (priced, brackets.model, precise, allocation.hightech_first)
        jobs = [(j, start) for _, j, start in again]
        for (at, _, _), found in zip(again, _solve_again(job, jobs, workers), strict=True):
            rows[at] |= found
    # a bracket this narrow is exact: what the solver's gap would leave anyway
    # (and the tie-breaks, which the bounds count at their most)
    precision = options.gap * abs(allocation.bound) + slack + brackets.most_ties
    table = _table(priced, allocation, rows, precision)
    log.info(
        "importance of %d parcels in %.1f s (%d solved again; %d exact, %d intervals); "
        "%d cannot be withheld without losing every plan",
        len(table),
        time.perf_counter() - clock,
        len(again),
        int(table["exact"].sum()),
        int((~table["exact"] & (table["status"] != "infeasible")).sum()),
        int((table["status"] == "infeasible").sum()),
    )
    return table


@dataclass
class _Brackets:
    """What every parcel's brackets share: the plan's model (with the high-tech row
    under high-tech first), the placements pricing kept for it, their LP kept warm,
    and the plan as a column vector."""

    priced: PricedPairs
    options: SolverOptions
    model: Model
    relaxed: PricedLp | None
    repairs: tuple[Model, np.ndarray] | None  # the model repairs are made in, the plan in it
    ceiling: float  # the plan's proven bound: no plan without a parcel does better
    close: float  # a bracket this narrow is the answer
    ties: np.ndarray  # each pair's tie-break (``valuation.tie_breaks``)
    most_ties: float  # the most tie-breaks a plan can carry

    @staticmethod
    def of(
        priced: PricedPairs, allocation: Allocation, options: SolverOptions, close: float
    ) -> _Brackets:
        model = build_model(priced)
        if allocation.hightech_first is not None:
            model = with_priority_row(priced, model, allocation.hightech_first)
        start = (allocation.chosen, allocation.offsets)
        relaxed = price_lp(model, replace(options, name=SolverName.HIGHS), start)
        repairs = None
        if relaxed is not None:
            # repairs search the placements the LP kept; a small model's, the whole
            # model (as the engine solves it) when the plan completes there
            models = [relaxed.session.model]
            if model.n_placements <= PRICING_FROM:
                models.append(model.concrete())
            for where in models:
                plan = _plan_vector(where, start, allocation.returned)
                repairs = repairs if plan is None else (where, plan)
        ties, most_ties = tie_breaks(priced)
        return _Brackets(
            priced, options, model, relaxed, repairs, allocation.bound, close, ties, most_ties
        )

    def withhold(self, j: int) -> tuple[dict[str, Any], set[tuple[Any, ...]] | None]:
        """Parcel ``j``'s row: ``status`` ``bounded`` with ``low``/``high`` (true
        objective without it: a plan's and a bound), or ``infeasible``; and the plan
        without it to solve again from (None: no plan without it was found)."""
        priced = self.priced
        parcel = str(priced.parcels["parcel_id"].iloc[j])
        off = _withheld_pairs(priced, j)
        row: dict[str, Any] = {"parcel": j, "parcel_id": parcel}
        lost = _stranded(priced, off)
        if lost:
            reason = say("why.withheld", parcel=parcel)
            words = say("precheck.no_pairs", pid=lost[0], reason=reason)
            return row | {"status": "infeasible", "detail": words.en}, None
        if self.repairs is None:  # no LP or no plan to start from: solve again
            return row | {"status": "bounded", "low": -np.inf, "high": np.inf}, None
        # no plan without it beats the best plan with it: the plan's own bound holds too
        high = min(self._bound(off), self.ceiling)
        if high == -np.inf:
            if self.model.row_names[-1] == "priority[hightech]":
                # fewer high-tech projects may still make a plan: re-plan from scratch
                return row | {"status": "bounded", "low": -np.inf, "high": np.inf}, None
            # not even a fractional plan without it: no plan at all
            return row | {"status": "infeasible", "detail": _WITHOUT_EVERY_PLAN}, None
        kept, plan = self.repairs
        on_off = (kept.pair >= 0) & off[np.maximum(kept.pair, 0)]
        rest = complete_start(kept, np.where(on_off, 0.0, plan))  # less the parcel's projects
        repaired = None if rest is None else (kept, rest)
        # repaired when that breaks a row or leaves the bracket open: a better plan may
        # close it, and otherwise starts the re-solve (on the demo, 20.0 s of re-solves
        # from repaired plans against 22.6 s from the plan less the parcel's projects)
        if repaired is None or high - self._value(repaired) > self.close + 1e-6:
            repaired = self._repair(on_off, rest, high - self.close) or repaired
        start: set[tuple[Any, ...]] | None = None
        low = -np.inf
        if repaired is not None:
            rows, offsets = placements_of(*repaired)
            start = set(priced.keys(rows, offsets))
            low = self._value(repaired)
        return row | {"status": "bounded", "low": low, "high": high}, start

    def _value(self, plan: tuple[Model, np.ndarray]) -> float:
        """A plan's true objective (the model's objective plus its tie-breaks)."""
        rows, _ = placements_of(*plan)
        return float(plan[0].c @ plan[1]) + float(self.ties[rows].sum())

    def _repair(
        self, on_off: np.ndarray, rest: np.ndarray | None, target: float
    ) -> tuple[Model, np.ndarray] | None:
        """A plan without the parcel: free the displaced projects, the projects on the
        places they could take instead (which may move on in turn) and the unplaced;
        the rest of the plan kept; ``REPAIR_NODES`` nodes. None if no plan is found
        that way (or, under high-tech first, the count would fall: a re-solve
        decides). ``on_off``: the parcel's columns; ``rest``: the plan less its
        projects, completed (None: it breaks a row)."""
        assert self.repairs is not None
        kept, plan = self.repairs
        on = (kept.pair >= 0) & (plan > 0.5)
        displaced = np.unique(kept.project[on & on_off])
        places = kept.pair_names.parcel[np.maximum(kept.pair, 0)]
        # the places the displaced projects could take, and who holds them now
        instead = np.unique(places[np.isin(kept.project, displaced) & ~on_off])
        holders = np.unique(kept.project[on & np.isin(places, instead)])
        free = np.union1d(displaced, holders)
        lower = np.where(on & ~np.isin(kept.project, free) & ~on_off, 1.0, 0.0)
        upper = np.where(on_off, 0.0, 1.0)
        small = replace(self.options, name=SolverName.HIGHS, threads=1, gap=0.0)
        # enough: a plan the bound cannot tell from the best (true value; the model's is
        # lower by at most the tie-breaks)
        limits = Limits(
            nodes=REPAIR_NODES, target=target, lower=lower, upper=upper, quiet=True, light=True
        )
        found = solve_fixed(
            kept, small, limits, None if rest is None else np.where(on_off, 0.0, plan)
        )
        if found.status == SolveStatus.INFEASIBLE:
            return None
        return kept, found.x

    def _bound(self, off: np.ndarray) -> float:
        """The LP bound on the true objective without the parcel's pairs ``off`` (its
        columns at 0 in the warm LP, the duals priced over every other placement)."""
        relaxed = self.relaxed
        assert relaxed is not None
        session = relaxed.session
        lp = session.model
        lp_cols = np.flatnonzero((lp.pair >= 0) & off[np.maximum(lp.pair, 0)])
        session.set_upper(lp_cols, np.zeros(len(lp_cols)))
        try:
            status, y = session.run()
        finally:
            session.set_upper(lp_cols, np.full(len(lp_cols), np.inf))
        if status == SolveStatus.INFEASIBLE:
            return -np.inf  # no plan without it, even fractional
        return lagrangian_bound(self.model, y, without=off).bound + self.most_ties


def _plan_vector(model: Model, start: Placements, returned: tuple[str, ...]) -> np.ndarray | None:
    """The plan (its placements and returned parcels) as a column vector of
    ``model``, completed (None: it is not a plan of ``model``)."""
    x = start_vector(model, start)
    others = np.flatnonzero(model.pair < 0)  # in the order of aux_names
    for name in returned:  # the plan's returned parcels (swap)
        x[others[model.aux_names == f"return[{name}]"]] = 1.0
    return complete_start(model, x)


def _withheld_pairs(priced: PricedPairs, j: int) -> np.ndarray:
    """Per pair: on ``j`` or on a place that shares a parcel with it."""
    cover = priced.context.places.cover
    sharing = np.asarray((cover @ cover[j].T).todense()).ravel() > 0
    result: np.ndarray = sharing[priced.pairs["parcel"].to_numpy()]
    return result


def _stranded(priced: PricedPairs, off: np.ndarray) -> list[str]:
    """The must-place projects whose every pair is withheld."""
    p = priced.pairs["project"].to_numpy()
    must = priced.projects["must_place"].to_numpy(dtype=bool)
    on = np.bincount(p[off], minlength=len(must))
    total = np.bincount(p, minlength=len(must))
    stranded = must & (total > 0) & (on == total)
    ids: list[str] = priced.projects["project_id"].to_numpy()[stranded].tolist()
    return ids


Job = tuple[PricedPairs, Model, SolverOptions, int | None]


def _solve_again(
    job: Job, jobs: list[tuple[int, set[tuple[Any, ...]] | None]], workers: int
) -> Iterator[dict[str, Any]]:
    """The re-solves, each from its repaired plan, in process or on ``workers``."""
    if workers > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("spawn")  # the parent's solver threads stay put
        priced, model, options, most = job
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_share,
            initargs=((priced, model, replace(options, threads=1), most),),
        ) as pool:
            yield from pool.map(_resolve_shared, jobs)
        return
    for one in jobs:
        yield _resolve(job, one)


def _resolve(job: Job, one: tuple[int, set[tuple[Any, ...]] | None]) -> dict[str, Any]:
    """The best plan without parcel ``j`` (to the options' gap), from ``start`` if
    there is one: the plan's model (under high-tech first, with its high-tech count)
    with the parcel's pairs closed; from scratch (``allocate``, both stages) when the
    count cannot be kept without the parcel."""
    priced, model, options, most = job
    j, start = one
    try:
        with _quiet():
            off = _withheld_pairs(priced, j)
            plan = None if start is None else priced.placement(start)
            solved_model, found_x = _solve_without(model.without_pairs(off), options, plan)
            if found_x.status == SolveStatus.INFEASIBLE and most is not None:
                found = allocate(priced.withholding(j), options)
                return {
                    "status": str(found.status),
                    "low": found.objective,
                    "high": found.bound,
                    "hightech": found.hightech_first,
                    "solved": True,
                }
    except InfeasibleError as exc:
        first_line = str(exc).replace("no feasible plan:", "").strip().splitlines()[0]
        return {"status": "infeasible", "detail": first_line.strip()}
    if found_x.status == SolveStatus.INFEASIBLE:
        return {"status": "infeasible", "detail": _WITHOUT_EVERY_PLAN}
    rows, _ = placements_of(solved_model, found_x.x)
    ties, most_ties = tie_breaks(priced)
    return {
        "status": str(found_x.status),
        "low": found_x.objective + float(ties[rows].sum()),
        "high": found_x.bound + most_ties,
        "solved": True,
    }


def _solve_without(
    model: Model, options: SolverOptions, plan: Placements | None
) -> tuple[Model, Solution]:
    """``model`` solved from ``plan``: by the engine when pricing would solve it, else
    whole in one HiGHS solve (without the engine's LP check of the start, which a
    wide bracket has already failed, and without splitting it into parts: on the
    demo, 18 s for its 47 re-solves against 31 s through the engine)."""
    if options.pricing and model.n_placements > PRICING_FROM:
        solved = solve_model(model, options, plan)
        return solved.model, solved.solution
    whole = model.concrete()
    given = None if plan is None else start_vector(whole, plan)
    limits = Limits(quiet=True, presolve=whole.n_cols > PRESOLVE_FROM)
    return whole, solve(whole, replace(options, name=SolverName.HIGHS), start=given, limits=limits)


_SHARED: Job | None = None


def _share(job: Job) -> None:
    """A worker's start: keep what every one of its re-solves reads."""
    global _SHARED
    _SHARED = job


def _resolve_shared(one: tuple[int, set[tuple[Any, ...]] | None]) -> dict[str, Any]:
    assert _SHARED is not None, "worker started without _share"
    return _resolve(_SHARED, one)


def _table(
    priced: PricedPairs, allocation: Allocation, rows: list[dict[str, Any]], precision: float
) -> pd.DataFrame:
    """``COLUMNS`` from the rows: the plan's objective less the objective without
    each parcel, found (a plan) and bounded; most important first. A bracket no
    wider than ``precision`` (the solver's gap and the plan's own distance to its
    bound, in objective units) is ``exact``: a re-solve would say no more."""
    plan = allocation.placed.groupby("parcel")["project_id"].agg(lambda s: ";".join(sorted(s)))
    base = allocation.objective
    most = allocation.hightech_first
    out = []
    for row in rows:
        j = row["parcel"]
        infeasible = row["status"] == "infeasible"
        low = row.get("low", np.nan)  # a plan's objective without the parcel
        high = row.get("high", np.nan)  # a bound on it
        exact = not infeasible and high - low <= precision + 1e-6
        if row.get("solved"):  # solved again: to the tolerance, or stopped
            exact = exact and row["status"] == "optimal"
        status = row["status"]
        if status in ("bounded", "optimal"):
            status = "optimal" if exact else "interval"
        hightech = row.get("hightech") if row.get("hightech") is not None else most
        lost = 0 if most is None or hightech is None else most - hightech
        out.append(
            {
                "parcel_id": row["parcel_id"],
                "park": priced.parcels["park"].iloc[j],
                "project_ids": plan.get(j, ""),
                "importance": np.nan if infeasible else max(base - low, 0.0),
                "importance_low": np.nan if infeasible else max(base - high, 0.0),
                "importance_high": np.nan if infeasible else max(base - low, 0.0),
                "exact": bool(exact),
                "objective_without": np.nan if infeasible else low,
                "hightech_lost": np.nan if infeasible else lost,
                "status": status,
                "detail": row.get("detail", ""),
            }
        )
    table = pd.DataFrame(out, columns=[c for c in COLUMNS if c != "importance_pct"])
    table["importance_pct"] = (100 * table["importance"] / abs(base)).round(4) if base else 0.0
    for column in ("importance", "importance_low", "importance_high", "objective_without"):
        table[column] = table[column].round(2)
    order = table.assign(_inf=table["status"] == "infeasible")
    order = order.sort_values(["_inf", "importance", "parcel_id"], ascending=[False, False, True])
    return order.drop(columns="_inf")[COLUMNS].reset_index(drop=True)


@contextmanager
def _quiet() -> Iterator[None]:
    """The re-solves' own log lines (one solve per parcel) hidden; progress is logged here."""
    names = (
        "landplan.allocate",
        "landplan.engine",
        "landplan.column_generation",
        "landplan.search",
        "landplan.solve",
    )
    loggers = [logging.getLogger(n) for n in names]
    levels = [x.level for x in loggers]
    for x in loggers:
        x.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for x, level in zip(loggers, levels, strict=True):
            x.setLevel(level)
