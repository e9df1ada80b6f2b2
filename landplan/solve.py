"""Solve a ``Model`` with HiGHS (in process) or CBC (PuLP's bundled binary).

Both take the model's sparse matrix as it is: HiGHS through ``highspy.passModel``,
CBC through an MPS file that HiGHS's own writer writes. PuLP's expression layer is
not used (at 200k variables building ``lpSum`` expressions costs more than
solving; see ``bench/bench_allocate.py``). ``export_model`` writes the model for
people and other solvers, with its row and column names, by the same writer.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from pulp.apis import coin_api

from landplan.domain import SolverName, SolveStatus
from landplan.errors import SolverError
from landplan.model import Model
from landplan.scenario import SolverOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Solution:
    """What a solver returned, with the same fields whatever happened.

    Attributes
    ----------
    status
        ``optimal`` (within the gap), ``time_limit`` (stopped with a plan) or ``infeasible``.
    x
        0/1 per variable (all zero when infeasible).
    objective, bound
        The plan's objective and the best bound the solver proved (maximisation).
    runtime_s
        Wall-clock seconds in the solver.
    """

    status: SolveStatus
    x: np.ndarray
    objective: float
    bound: float
    runtime_s: float

    @property
    def gap(self) -> float:
        if self.status == SolveStatus.INFEASIBLE:
            return float("nan")
        return relative_gap(self.objective, self.bound)


@dataclass(frozen=True)
class Limits:
    """What else a MIP solve stops at, and which columns it may move (the search's
    neighbourhoods, ``search``).

    Attributes
    ----------
    nodes
        Branch-and-bound nodes: a limit of work, the same on every machine.
    target
        HiGHS stops at the first plan worth at least this.
    lower, upper
        Per column: 1 in ``lower`` fixes a column at 1, 0 in ``upper`` at 0.
    quiet
        No progress lines (a neighbourhood's solve among many).
    light
        HiGHS's light presolve (for the neighbourhoods: its full presolve took 11 s
        of an 11.3 s solve on a city's, the light one 0.04 s of 0.26 s).
    presolve
        False: no presolve at all (a whole model under ``engine.PRESOLVE_FROM``
        columns: on a demo parcel's re-solve, HiGHS's presolve and its probing took
        0.4 of a 0.75 s solve).
    """

    nodes: int | None = None
    target: float | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None
    quiet: bool = False
    light: bool = False
    presolve: bool = True


def relative_gap(objective: float, bound: float) -> float:
    """|bound − objective| ÷ max(|bound|, 1), the gap every report states (HiGHS
    divides by at least 1 too: a plan worth 0 under a bound of 0.02 is not 100% off)."""
    return abs(bound - objective) / max(abs(bound), 1.0)


def solve(
    model: Model,
    options: SolverOptions,
    *,
    relax: bool = False,
    start: np.ndarray | None = None,
    limits: Limits | None = None,
) -> Solution:
    """Solve ``model``; ``relax=True`` drops integrality (HiGHS only) for the LP bound.

    ``start`` (0/1 per pair column) is a plan to start from, e.g. the previous
    sweep point's; continuous columns are completed here. A start that breaks a
    row is not passed on: both solvers would only spend time repairing it.
    A solve that stops at a ``limits`` node count or target says ``time_limit``
    (a plan, not proven within the gap).
    """
    assert model.years is None, "make the model concrete first"
    if model.n_cols == 0:
        return Solution(SolveStatus.OPTIMAL, np.zeros(0), 0.0, 0.0, 0.0)
    full = None if start is None or relax else complete_start(model, start)
    limits = limits or Limits()
    if options.name == SolverName.HIGHS or relax:
        return _solve_highs(model, options, relax, full, limits)
    return _solve_cbc(model, options, full, limits)


def complete_start(model: Model, start: np.ndarray) -> np.ndarray | None:
    """``start`` with each continuous column at the least value its rows allow.

    Continuous columns appear only as ``−fund`` in ``row ≤ 0`` rows (``model``),
    so the least feasible value is the rest of the row's activity, floored at 0.
    Returns None when the completed plan breaks a row.
    """
    x = np.where(model.integer, np.round(start), 0.0)
    cont = np.flatnonzero(~model.integer)
    if len(cont):
        activity = model.A @ x
        csc = model.A
        for col in cont:
            rows = csc.indices[csc.indptr[col] : csc.indptr[col + 1]]
            coef = csc.data[csc.indptr[col] : csc.indptr[col + 1]]
            need = (activity[rows] - model.row_upper[rows]) / -coef
            x[col] = max(0.0, float(np.max(need[coef < 0], initial=0.0)))
    activity = model.A @ x
    tol = 1e-6 * np.maximum(1.0, np.abs(model.row_upper[np.isfinite(model.row_upper)]))
    upper_ok = np.all(
        activity[np.isfinite(model.row_upper)]
        <= model.row_upper[np.isfinite(model.row_upper)] + tol
    )
    lower_ok = np.all(activity >= model.row_lower - 1e-6)
    return x if upper_ok and lower_ok else None


class Progress:
    """The incumbent, bound and gap while a MIP runs, logged every few seconds.

    One log line per report (stderr; ``-q`` hides them), so that a long solve
    shows it is alive and how close it is, in a terminal or a CI log alike.
    """

    EVERY_S = 5.0

    def __init__(self, solver: str) -> None:
        self.solver = solver
        self.clock = time.perf_counter()
        self.last = self.clock

    def report(self, plan: float, bound: float) -> None:
        now = time.perf_counter()
        if now - self.last < self.EVERY_S:
            return
        self.last = now
        if not np.isfinite(plan):
            log.info(
                "%s %.0f s: no plan yet, bound %s", self.solver, now - self.clock, f"{bound:,.0f}"
            )
            return
        gap = abs(bound - plan) / max(abs(bound), 1e-9)
        log.info(
            "%s %.0f s: plan %s, bound %s, gap %.3f%%",
            self.solver,
            now - self.clock,
            f"{plan:,.0f}",
            f"{bound:,.0f}",
            100 * gap,
        )

    def highs(self, event: Any) -> None:
        out = event.data_out
        self.report(float(out.mip_primal_bound), float(out.mip_dual_bound))

    def cbc(self, line: str) -> None:
        """A CBC log line; its progress lines carry both numbers (negated: CBC minimises)."""
        found = _CBC_PROGRESS.search(line)
        if found:
            self.report(-float(found[1]), -float(found[2]))


_CBC_PROGRESS = re.compile(r"(-?[\d.eE+]+) best solution, best possible (-?[\d.eE+]+)")


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing. HiGHS writes a banner to stdout when a
    process makes its first instance, before any option can be set; that one is made
    with stdout pointed at the null device (``-q`` and importance workers stay quiet)."""
    global _BANNER_DUE
    if _BANNER_DUE:
        with _no_stdout():
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        _BANNER_DUE = False
    else:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    return h


_BANNER_DUE = True


@contextmanager
def _no_stdout() -> Iterator[None]:
    """The process's standard output (file descriptor 1) to the null device."""
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _highs(options: SolverOptions) -> highspy.Highs:
    """A quiet HiGHS instance with the scenario's limits (run it with ``_run``)."""
    h = _quiet_highs()
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.gap))
    h.setOptionValue("threads", int(options.threads))
    return h


# HiGHS keeps one thread pool per process, sized by the first run after a reset; an
# instance that asks for more threads than the pool has answers "not set". Solves
# with different thread counts alternate (the LP kept warm for importance, the
# neighbourhoods on one thread, a plan on the scenario's), so the pool is resized
# whenever the next run needs another size.
_POOL = {"threads": 0}


def _run(h: highspy.Highs) -> None:
    _, value = h.getOptionValue("threads")
    threads = int(value)
    if threads != _POOL["threads"]:
        highspy.Highs.resetGlobalScheduler(True)
        _POOL["threads"] = threads
    h.run()


def _highs_lp(model: Model, *, minimise: bool = False) -> highspy.HighsLp:
    """The model as HiGHS's column-wise LP: maximising c, or minimising −c."""
    lp = highspy.HighsLp()
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.sense_ = highspy.ObjSense.kMinimize if minimise else highspy.ObjSense.kMaximize
    lp.col_cost_ = -model.c.astype(float) if minimise else model.c.astype(float)
    lp.col_lower_ = np.zeros(model.n_cols)
    inf = highspy.kHighsInf
    lp.col_upper_ = np.where(np.isinf(model.upper), inf, model.upper)
    lp.row_lower_ = np.where(np.isinf(model.row_lower), -inf, model.row_lower)
    lp.row_upper_ = np.where(np.isinf(model.row_upper), inf, model.row_upper)
    csc = model.A
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    lp.a_matrix_.num_col_ = model.n_cols
    lp.a_matrix_.num_row_ = model.n_rows
    return lp


def _integral(lp: highspy.HighsLp, model: Model) -> None:
    kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
    lp.integrality_ = [kinds[i] for i in model.integer.astype(np.int8).tolist()]


def _write(lp: highspy.HighsLp, path: Path) -> None:
    h = _quiet_highs()
    h.passModel(lp)
    if h.writeModel(str(path)) == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS could not write the model to {path}")


def export_model(model: Model, path: Path) -> None:
    """Write ``model`` with its names: ``.mps`` (minimising −c, as every MPS reader
    expects) or ``.lp`` (maximising c; names in ASCII, ``[`` ``]`` as ``(`` ``)``,
    other characters the LP format reserves as ``_`` or ``.``, Chinese as ``u`` and
    its code point), both by HiGHS's writer; CBC and HiGHS read either."""
    lp_format = path.suffix.lower() != ".mps"
    model = model.concrete()  # every (pair, year) column under phasing
    lp = _highs_lp(model, minimise=not lp_format)
    _integral(lp, model)
    name = _lp_name if lp_format else _mps_name
    lp.col_names_ = [name(n) for n in model.col_names()]
    lp.row_names_ = [name(str(n)) for n in model.row_names]
    _write(lp, path)
    if lp_format:
        _long_section_names(path)


# HiGHS heads the LP file's sections "bin", "gen" and "semi" (empty ones too); CBC's
# LP reader (CoinLpIO) knows only the long names and reads "bin" as a variable, so
# it would solve the relaxation. The sections get their long names, empty ones go.
_SECTIONS = {"bin": "binary", "gen": "general", "semi": "semi-continuous"}
_KEYWORDS = {"max", "min", "st", "bounds", "end", *_SECTIONS}


def _long_section_names(path: Path) -> None:
    lines = path.read_text(encoding="ascii").splitlines()
    out: list[str] = []
    for k, line in enumerate(lines):
        if line in _SECTIONS:
            following = lines[k + 1] if k + 1 < len(lines) else "end"
            if following in _KEYWORDS:
                continue  # an empty section
            line = _SECTIONS[line]
        out.append(line)
    path.write_text("\n".join(out) + "\n", encoding="ascii")


def _mps_name(name: str) -> str:
    """MPS: a name is one word."""
    return re.sub(r"\s", "_", name)


def _lp_name(name: str) -> str:
    """The LP format's names: ASCII letters, digits and ``!"#$%&()/,.;?@_`'{}|~``."""
    text = _mps_name(name).replace("-", ".").replace("[", "(").replace("]", ")")
    text = re.sub(r"[+:<>=^*/]", "_", text)
    return "".join(c if c.isascii() else f"u{ord(c):04x}" for c in text)


def _open_upper(model: Model) -> np.ndarray:
    """Column upper bounds for the LP session: none on pair columns, whose ``assign``
    row already keeps them at most 1. Left as bounds, they would take the duals the
    assign rows should carry (a degenerate split), and a project's every other
    placement would price in."""
    upper = np.where((model.pair >= 0) & (model.upper > 0), np.inf, model.upper)
    return np.where(np.isinf(upper), highspy.kHighsInf, upper)


class LpSession:
    """The LP relaxation of a concrete model, kept warm as columns are added.

    Every row of the model is in the LP from the start (rows without columns
    are harmless), so the row duals price every column the model stands for.
    """

    def __init__(self, model: Model, options: SolverOptions) -> None:
        self.parts = [model]
        self.h = _highs(options)
        lp = _highs_lp(model)
        lp.col_upper_ = _open_upper(model)
        self.h.passModel(lp)

    @property
    def model(self) -> Model:
        """The concrete model of the columns in the LP, in the LP's order."""
        if len(self.parts) > 1:
            first = self.parts[0]
            self.parts = [
                replace(
                    first,
                    c=np.concatenate([m.c for m in self.parts]),
                    A=sp.csc_matrix(sp.hstack([m.A for m in self.parts])),
                    upper=np.concatenate([m.upper for m in self.parts]),
                    integer=np.concatenate([m.integer for m in self.parts]),
                    pair=np.concatenate([m.pair for m in self.parts]),
                    offset=np.concatenate([m.offset for m in self.parts]),
                    project=np.concatenate([m.project for m in self.parts]),
                    aux_names=np.concatenate([m.aux_names for m in self.parts]),
                )
            ]
        return self.parts[0]

    def add(self, part: Model) -> None:
        """Add the columns of ``part`` (a concrete model over the same rows)."""
        A = part.A
        self.h.addCols(
            part.n_cols,
            part.c.astype(float),
            np.zeros(part.n_cols),
            _open_upper(part),
            int(A.nnz),
            A.indptr[:-1].astype(np.int32),
            A.indices.astype(np.int32),
            A.data.astype(float),
        )
        self.parts.append(part)

    def set_upper(self, cols: np.ndarray, upper: np.ndarray) -> None:
        """Set the upper bounds of the LP's columns ``cols`` (positions in ``model``)."""
        cols = np.asarray(cols, dtype=np.int32)
        if len(cols):
            bounds = np.where(np.isinf(upper), highspy.kHighsInf, upper).astype(float)
            self.h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), bounds)

    def primal(self) -> np.ndarray:
        """The LP's column values, in ``model``'s order. Call after ``run``."""
        return np.asarray(self.h.getSolution().col_value, dtype=float)

    def rise(self, row: int) -> float:
        """How far row ``row``'s bound can rise with its dual unchanged (the LP's basis
        stays optimal; HiGHS's ranging), in the row's units; ``inf`` when it can rise
        without end. Call after ``run``."""
        status, ranging = self.h.getRanging()
        if status != highspy.HighsStatus.kOk:
            raise SolverError("HiGHS could not range the LP")
        up = float(ranging.row_bound_up.value_[row])
        upper = float(self.parts[0].row_upper[row])
        return float("inf") if up >= highspy.kHighsInf else up - upper

    def run(self) -> tuple[SolveStatus, np.ndarray]:
        """Solve; the status and the row duals (maximising; zero when infeasible)."""
        _run(self.h)
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kUnknown:
            # on a degenerate LP the warm basis can leave HiGHS undecided: from scratch
            self.h.clearSolver()
            _run(self.h)
            status = self.h.getModelStatus()
        no_duals = np.zeros(self.parts[0].n_rows)
        if status == highspy.HighsModelStatus.kModelEmpty:
            return SolveStatus.OPTIMAL, no_duals
        if status == highspy.HighsModelStatus.kInfeasible:
            return SolveStatus.INFEASIBLE, no_duals
        if status != highspy.HighsModelStatus.kOptimal:
            raise SolverError(f"HiGHS stopped on the LP: {self.h.modelStatusToString(status)}")
        return SolveStatus.OPTIMAL, np.asarray(self.h.getSolution().row_dual, dtype=float)


def _solve_highs(
    model: Model,
    options: SolverOptions,
    relax: bool,
    start: np.ndarray | None,
    limits: Limits,
) -> Solution:
    h = _highs(options)
    lp = _highs_lp(model)
    _bounds(lp, limits)
    if not relax:
        _integral(lp, model)
        progress = Progress("HiGHS")
        target = limits.target

        def watch(event: Any) -> None:
            if not limits.quiet:
                progress.highs(event)
            found = float(event.data_out.mip_primal_bound)
            if target is not None and np.isfinite(found) and found >= target:
                event.data_in.user_interrupt = True

        h.cbMipInterrupt.subscribe(watch)
        if limits.nodes is not None:
            h.setOptionValue("mip_max_nodes", int(limits.nodes))
        if limits.light:
            h.setOptionValue("presolve_mode", 2)
        if not limits.presolve:
            h.setOptionValue("presolve", "off")
    clock = time.perf_counter()
    h.passModel(lp)
    if start is not None:
        given = highspy.HighsSolution()
        given.col_value = list(start)
        given.value_valid = True
        h.setSolution(given)
    _run(h)
    runtime = time.perf_counter() - clock
    status = h.getModelStatus()
    info = h.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return Solution(
            SolveStatus.INFEASIBLE, np.zeros(model.n_cols), float("nan"), float("nan"), runtime
        )
    x = np.asarray(h.getSolution().col_value, dtype=float)
    if len(x) != model.n_cols or info.primal_solution_status == 0:
        raise SolverError(f"HiGHS found no plan: {h.modelStatusToString(status)}")
    if not relax:
        x = np.where(model.integer, np.round(x), x)
    objective = float(model.c @ x)
    if relax:
        return Solution(SolveStatus.OPTIMAL, x, objective, objective, runtime)
    bound = float(info.mip_dual_bound)
    kind = (
        SolveStatus.OPTIMAL
        if status == highspy.HighsModelStatus.kOptimal
        else SolveStatus.TIME_LIMIT
    )
    if kind == SolveStatus.TIME_LIMIT and status not in _STOPPED:
        raise SolverError(f"HiGHS stopped: {h.modelStatusToString(status)}")
    return Solution(kind, x, objective, max(bound, objective), runtime)


# a MIP stopped with a plan: time, a node limit, a target reached (interrupt)
_STOPPED = (
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kInterrupt,
)


def _bounds(lp: highspy.HighsLp, limits: Limits) -> None:
    """Columns fixed by ``limits``: at 1 where ``lower`` is 1, at 0 where ``upper`` is 0."""
    if limits.lower is not None:
        lp.col_lower_ = np.asarray(limits.lower, dtype=float)
    if limits.upper is not None:
        lp.col_upper_ = np.minimum(np.asarray(lp.col_upper_), limits.upper)


def _infeasible(model: Model, runtime: float) -> Solution:
    nan = float("nan")
    return Solution(SolveStatus.INFEASIBLE, np.zeros(model.n_cols), nan, nan, runtime)


def cbc_path() -> str:
    """The CBC binary bundled with PuLP 3 (``pulp.apis.coin_api.pulp_cbc_path``)."""
    path = str(coin_api.pulp_cbc_path)
    if not Path(path).exists():
        raise SolverError(f"CBC not found at {path}; reinstall pulp>=3.3,<4 (it bundles CBC)")
    return str(path)


def _solve_cbc(
    model: Model, options: SolverOptions, start: np.ndarray | None, limits: Limits
) -> Solution:
    with tempfile.TemporaryDirectory(prefix="landplan-cbc-") as tmp:
        mps = Path(tmp) / "model.mps"
        sol = Path(tmp) / "solution.txt"
        lp = _highs_lp(model, minimise=True)  # CBC minimises; its columns c0, c1, ...
        _bounds(lp, limits)
        _integral(lp, model)
        _write(lp, mps)
        warm: list[str] = []
        if start is not None:
            # CBC's MIP start file has the layout of its solution file (as PuLP writes it)
            mst = Path(tmp) / "start.txt"
            lines = ["Stopped on time - objective value 0"]
            lines += [f"{k:>7} c{k} {v:>15.12g} {0:>23}" for k, v in enumerate(start)]
            mst.write_text("\n".join(lines) + "\n", encoding="ascii")
            warm = ["-mips", str(mst)]
        command = [
            cbc_path(),
            str(mps),
            *warm,
            "-sec",
            f"{options.time_limit:g}",
            "-ratio",
            f"{options.gap:g}",
            # 100 + n: n threads with a repeatable search (same plan on every run)
            "-threads",
            str(100 + options.threads if options.threads > 1 else 1),
            "-timeMode",
            "elapsed",
            *(["-maxNodes", str(limits.nodes)] if limits.nodes is not None else []),
            "-solve",
            "-solu",
            str(sol),
        ]
        clock = time.perf_counter()
        code, stdout = _run_cbc(command)
        if code < 0 and warm:
            # CBC 2.10's repeatable parallel search can crash on a MIP start
            # (signal 11 on the demo under costshare.method=floor); without it, it does not
            log.warning(
                "CBC crashed (signal %d) on the start plan; solving again without it", -code
            )
            code, stdout = _run_cbc([c for c in command if c not in warm])
        runtime = time.perf_counter() - clock
        if not sol.exists():
            tail = " ".join(stdout.split()[-30:])
            raise SolverError(f"CBC failed (exit {code}): {tail}")
        lines = sol.read_text().splitlines()
    head = lines[0].lower() if lines else ""
    if "infeasible" in head:
        return Solution(
            SolveStatus.INFEASIBLE, np.zeros(model.n_cols), float("nan"), float("nan"), runtime
        )
    x = np.zeros(model.n_cols)
    for line in lines[1:]:
        parts = line.replace("**", " ").split()
        if len(parts) >= 3 and parts[1].startswith("c"):
            x[int(parts[1][1:])] = float(parts[2])
    x = np.where(model.integer, np.round(x), x)
    objective = float(model.c @ x)
    if "optimal" in head:
        kind = SolveStatus.OPTIMAL
    elif "stopped" in head:
        kind = SolveStatus.TIME_LIMIT
    else:
        raise SolverError(f"CBC returned: {lines[0] if lines else 'nothing'}")
    bound = _cbc_bound(stdout, objective, kind)
    return Solution(kind, x, objective, bound, runtime)


def _run_cbc(command: list[str]) -> tuple[int, str]:
    """Run CBC, passing its progress lines on as they come; exit code and log."""
    progress = Progress("CBC")
    lines = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as cbc:
        for line in cbc.stdout or ():
            lines.append(line)
            progress.cbc(line)
    return cbc.returncode, "".join(lines)


def _cbc_bound(stdout: str, objective: float, kind: str) -> float:
    """The proven bound from CBC's log (it minimised −c, so bounds change sign).

    Stopped within the gap, CBC names the gap it closed to; a finished search
    proves the plan optimal; stopped on time, it prints the lower bound. The
    progress lines' "best possible" is stale by the end and never used.
    """
    closed = re.findall(r"Exiting as integer gap of (-?[\d.eE+]+)", stdout)
    if closed:
        return objective + abs(float(closed[-1]))
    lower = re.findall(r"Lower bound:\s+(-?[\d.eE+]+)", stdout)
    if lower:
        return max(-float(lower[-1]), objective)
    if kind == SolveStatus.OPTIMAL:
        return objective
    return float("inf")
