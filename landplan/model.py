"""The integer program as data: built from the pair table, inspectable before solving.

One binary per eligible pair. Rows, each with a stable name:
``assign[P]`` (each project at most one parcel; exactly one if must-place),
``parcel_once[J]`` (a land parcel hosts at most one project), ``floor_cap[J]``
(a factory's tenants fit its floor space), ``budget`` (total subsidy ≤ budget).
The objective (maximised) is each pair's value: the project's weighted output,
tax, jobs, high-tech and major bonuses, less the weighted subsidy the pair needs.

With ``shortfall: spread`` the fund pays only what the park's other users cannot
bear. Water-filling gives every bearer up to its ceiling before the fund pays, so
park k's fund payment is exactly ``max(0, S_k − C_k)``: S_k the placed high-tech
shortfall, C_k the placed bearers' ceilings. One continuous column ``fund[k] ≥ 0``
per park with row ``spread[k]: S_k − C_k − fund[k] ≤ 0`` models it; ``fund[k]``
enters the objective and the budget row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from landplan.constants import LAND_KINDS
from landplan.scenario import Objective


@dataclass(frozen=True)
class Model:
    """A maximisation MIP over binaries: max c·x, row_lower ≤ A x ≤ row_upper.

    Attributes
    ----------
    c
        Objective coefficient of each pair (variable).
    A
        Constraint matrix, CSR, one row per named constraint.
    row_lower, row_upper
        Row bounds (``-inf``/``inf`` where open).
    row_names, col_names
        Stable names: ``assign[P-001]``, ``x[P-001,V-BIO-003]``.
    project, parcel
        Row positions (in the project and parcel tables) of each variable's pair;
        −1 for continuous columns.
    integer
        True for binary (pair) columns, False for continuous ``fund[k]`` columns.
        Pair columns come first, in the pair table's order.
    """

    c: np.ndarray
    A: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: np.ndarray
    col_names: np.ndarray
    project: np.ndarray
    parcel: np.ndarray
    integer: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.c)

    @property
    def n_pairs(self) -> int:
        return int(self.integer.sum())

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    def describe(self) -> str:
        kinds = pd.Series([n.split("[")[0] for n in self.row_names]).value_counts()
        rows = ", ".join(f"{k} {v:,}" for k, v in kinds.items())
        continuous = self.n_cols - self.n_pairs
        extra = f" and {continuous} continuous" if continuous else ""
        return (
            f"{self.n_pairs:,} binaries{extra}, {self.n_rows:,} rows ({rows}), "
            f"{self.A.nnz:,} nonzeros"
        )

    def subset(self, cols: np.ndarray) -> Model:
        """The model restricted to ``cols`` and the rows that touch them."""
        sub = self.A[:, cols].tocsr()
        rows = np.flatnonzero(np.diff(sub.indptr) > 0)
        return Model(
            c=self.c[cols],
            A=sub[rows],
            row_lower=self.row_lower[rows],
            row_upper=self.row_upper[rows],
            row_names=self.row_names[rows],
            col_names=self.col_names[cols],
            project=self.project[cols],
            parcel=self.parcel[cols],
            integer=self.integer[cols],
        )

    def components(self) -> list[np.ndarray]:
        """Column sets that share no row: independent problems, largest first."""
        if self.n_cols == 0:
            return []
        # Bipartite graph of variables and rows: O(nnz) edges, never variables².
        coo = self.A.tocoo()
        size = self.n_cols + self.n_rows
        graph = sp.coo_matrix(
            (np.ones(coo.nnz, dtype=np.int8), (coo.col, self.n_cols + coo.row)), shape=(size, size)
        )
        _, labels = connected_components(graph, directed=False)
        labels = labels[: self.n_cols]
        order = np.argsort(labels, kind="stable")
        _, starts = np.unique(labels[order], return_index=True)
        parts = np.split(order, starts[1:])
        return sorted(parts, key=len, reverse=True)

    def write(self, path: Path) -> None:
        """Write the model as ``.lp`` (readable) or ``.mps`` (names kept, sanitised)."""
        if path.suffix.lower() == ".mps":
            path.write_text(self.to_mps(names=True), encoding="utf-8")
        else:
            path.write_text(self.to_lp(), encoding="utf-8")

    def to_mps(self, names: bool = False) -> str:
        """Free MPS, minimising −c. With ``names=False`` columns are x0…, rows r0…."""
        cols = (
            [_safe(n) for n in self.col_names] if names else [f"x{i}" for i in range(self.n_cols)]
        )
        rows = (
            [_safe(n) for n in self.row_names] if names else [f"r{i}" for i in range(self.n_rows)]
        )
        out = ["NAME landplan", "ROWS", " N obj"]
        for name, lo, hi in zip(rows, self.row_lower, self.row_upper, strict=True):
            sense = "E" if lo == hi else ("L" if np.isinf(lo) else ("G" if np.isinf(hi) else "L"))
            out.append(f" {sense} {name}")
        out.append("COLUMNS")
        csc = self.A.tocsc()
        in_int = False
        for k, col in enumerate(cols):
            if bool(self.integer[k]) != in_int:
                in_int = not in_int
                out.append(f" MARKER 'MARKER' '{'INTORG' if in_int else 'INTEND'}'")
            out.append(f" {col} obj {-self.c[k]:.12g}")
            start, end = csc.indptr[k], csc.indptr[k + 1]
            for r, v in zip(csc.indices[start:end], csc.data[start:end], strict=True):
                out.append(f" {col} {rows[r]} {v:.12g}")
        if in_int:
            out.append(" MARKER 'MARKER' 'INTEND'")
        out.append("RHS")
        ranges = []
        for name, lo, hi in zip(rows, self.row_lower, self.row_upper, strict=True):
            if np.isinf(hi):
                out.append(f" rhs {name} {lo:.12g}")
            else:
                out.append(f" rhs {name} {hi:.12g}")
                if not np.isinf(lo) and lo != hi:
                    ranges.append(f" rng {name} {hi - lo:.12g}")
        if ranges:
            out += ["RANGES", *ranges]
        out.append("BOUNDS")
        # CBC reads bounds by fixed columns; continuous columns keep the default [0, inf)
        out += [f" BV BND       {col}" for col, i in zip(cols, self.integer, strict=True) if i]
        out.append("ENDATA")
        return "\n".join(out) + "\n"

    def to_lp(self) -> str:
        """CPLEX LP text with the model's own names."""
        cols = [_safe(n, lp=True) for n in self.col_names]

        def expr(idx: np.ndarray, vals: np.ndarray) -> str:
            terms = [
                f"{'+' if v >= 0 else '-'} {abs(v):.12g} {cols[i]}"
                for i, v in zip(idx, vals, strict=True)
            ]
            return " ".join(terms) if terms else "0"

        objective = expr(np.arange(self.n_cols), self.c)
        lines = ["\\ landplan allocation model", "Maximize", f" value: {objective}", "Subject To"]
        for r, name in enumerate(self.row_names):
            start, end = self.A.indptr[r], self.A.indptr[r + 1]
            body = expr(self.A.indices[start:end], self.A.data[start:end])
            lo, hi = self.row_lower[r], self.row_upper[r]
            if lo == hi:
                lines.append(f" {_safe(name, lp=True)}: {body} = {hi:.12g}")
            else:
                if not np.isinf(hi):
                    lines.append(f" {_safe(name, lp=True)}: {body} <= {hi:.12g}")
                if not np.isinf(lo):
                    lines.append(f" {_safe(name, lp=True)}_lo: {body} >= {lo:.12g}")
        lines += ["Binary", *(f" {c}" for c, i in zip(cols, self.integer, strict=True) if i)]
        lines.append("End")
        return "\n".join(lines) + "\n"


def _safe(name: str, lp: bool = False) -> str:
    """Names for model files. MPS: no white space. LP also reserves ``-+[]:<>=^*/``."""
    text = re.sub(r"\s", "_", str(name))
    if lp:
        text = text.replace("-", ".").replace("[", "(").replace("]", ")")
        text = re.sub(r"[+:<>=^*/]", "_", text)
    return text


def pair_values(projects: pd.DataFrame, weights: Objective) -> np.ndarray:
    """The objective value of placing each project, before subsidy."""
    return (
        projects["output"].to_numpy(dtype=float) * weights.output
        + projects["tax"].to_numpy(dtype=float) * weights.tax
        + projects["jobs"].to_numpy(dtype=float) * weights.jobs
        + projects["hightech"].to_numpy(dtype=float) * weights.hightech
        + projects["major"].to_numpy(dtype=float) * weights.major
    )


@dataclass(frozen=True)
class SpreadTerms:
    """Per-pair terms of the ``spread`` bearer, aligned with the pair table.

    Attributes
    ----------
    park
        The pair's park.
    shortfall
        What the cap removes from the pair's base share (high-tech pairs), 万元.
    ceiling
        What the pair could bear of its park's shortfall if placed (non-high-tech
        pairs; 0 for the others), 万元. With no ceiling set, any bearer can bear
        the whole park's shortfall: the sum of its projects' largest shortfalls.
    """

    park: np.ndarray
    shortfall: np.ndarray
    ceiling: np.ndarray


def build_model(
    pairs: pd.DataFrame,
    parcels: pd.DataFrame,
    projects: pd.DataFrame,
    subsidy: np.ndarray,
    weights: Objective,
    budget: float | None,
    spread: SpreadTerms | None = None,
) -> Model:
    """The MIP for ``pairs`` (CONTRACT, "Allocation"), built as one sparse matrix.

    ``subsidy`` is the fund's payment per pair (万元); it enters the objective with
    ``weights.subsidy`` and the ``budget`` row when a budget is set. With
    ``spread`` the fund's payment is per park instead (module docstring).
    """
    p = pairs["project"].to_numpy(dtype=np.int64)
    j = pairs["parcel"].to_numpy(dtype=np.int64)
    n = len(pairs)
    cols = np.arange(n)
    c = pair_values(projects, weights)[p] - weights.subsidy * subsidy
    fund_parks = (
        np.unique(spread.park[spread.shortfall > 0]) if spread is not None else np.array([])
    )
    fund_cols = n + np.arange(len(fund_parks))
    row_parts: list[
        tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]
    ] = []

    # assign[P]: one row per project that has pairs
    proj_u, proj_row = np.unique(p, return_inverse=True)
    must = projects["must_place"].to_numpy(dtype=bool)[proj_u]
    pid = projects["project_id"].to_numpy()
    row_parts.append(
        (
            proj_row,
            cols,
            np.ones(n),
            np.where(must, 1.0, -np.inf),
            np.ones(len(proj_u)),
            [f"assign[{x}]" for x in pid[proj_u]],
        )
    )

    jid = parcels["parcel_id"].to_numpy()
    is_land = parcels["kind"].isin(LAND_KINDS).to_numpy()[j]
    # parcel_once[J]: land parcels wanted by two or more projects
    land_u, land_row, land_count = np.unique(j[is_land], return_inverse=True, return_counts=True)
    keep = land_count[land_row] >= 2
    shared = land_u[land_count >= 2]
    remap = np.cumsum(land_count >= 2) - 1
    row_parts.append(
        (
            remap[land_row[keep]],
            cols[is_land][keep],
            np.ones(int(keep.sum())),
            np.full(len(shared), -np.inf),
            np.ones(len(shared)),
            [f"parcel_once[{x}]" for x in jid[shared]],
        )
    )

    # floor_cap[J]: factories whose candidates together need more than they have
    floor_need = projects["floor_m2"].to_numpy(dtype=float)[p]
    fac = ~is_land
    fac_u, fac_row = np.unique(j[fac], return_inverse=True)
    demand = np.bincount(fac_row, weights=floor_need[fac], minlength=len(fac_u))
    capacity = parcels["floor_area_m2"].to_numpy(dtype=float)[fac_u]
    binding = demand > capacity
    remap = np.cumsum(binding) - 1
    sel = binding[fac_row]
    row_parts.append(
        (
            remap[fac_row[sel]],
            cols[fac][sel],
            floor_need[fac][sel],
            np.full(int(binding.sum()), -np.inf),
            capacity[binding],
            [f"floor_cap[{x}]" for x in jid[fac_u[binding]]],
        )
    )

    if spread is not None and len(fund_parks):
        # spread[k]: Σ shortfall·x − Σ ceiling·x − fund[k] ≤ 0 over park k's pairs
        k_of = {park: k for k, park in enumerate(fund_parks)}
        k = np.array([k_of.get(park, -1) for park in spread.park], dtype=np.int64)
        terms = (k >= 0) & ((spread.shortfall > 0) | (spread.ceiling > 0))
        row_parts.append(
            (
                np.concatenate([k[terms], np.arange(len(fund_parks))]),
                np.concatenate([cols[terms], fund_cols]),
                np.concatenate(
                    [(spread.shortfall - spread.ceiling)[terms], -np.ones(len(fund_parks))]
                ),
                np.full(len(fund_parks), -np.inf),
                np.zeros(len(fund_parks)),
                [f"spread[{park}]" for park in fund_parks],
            )
        )

    pos = subsidy > 0
    if budget is not None and (pos.any() or len(fund_parks)):
        row_parts.append(
            (
                np.zeros(int(pos.sum()) + len(fund_parks), dtype=np.int64),
                np.concatenate([cols[pos], fund_cols]),
                np.concatenate([subsidy[pos], np.ones(len(fund_parks))]),
                np.array([-np.inf]),
                np.array([float(budget)]),
                ["budget"],
            )
        )

    offset = 0
    r_all, c_all, v_all, lo_all, hi_all, names = [], [], [], [], [], []
    for r, cc, v, lo, hi, nm in row_parts:
        r_all.append(r + offset)
        c_all.append(cc)
        v_all.append(v)
        lo_all.append(lo)
        hi_all.append(hi)
        names += nm
        offset += len(nm)
    n_all = n + len(fund_parks)
    A = sp.csr_matrix(
        (np.concatenate(v_all), (np.concatenate(r_all), np.concatenate(c_all))),
        shape=(offset, n_all),
    )
    col_names = [f"x[{a},{b}]" for a, b in zip(pid[p], jid[j], strict=True)]
    col_names += [f"fund[{park}]" for park in fund_parks]
    none = np.full(len(fund_parks), -1, dtype=np.int64)
    return Model(
        c=np.concatenate([c, np.full(len(fund_parks), -weights.subsidy)]),
        A=A,
        row_lower=np.concatenate(lo_all),
        row_upper=np.concatenate(hi_all),
        row_names=np.array(names, dtype=object),
        col_names=np.array(col_names, dtype=object),
        project=np.concatenate([p, none]),
        parcel=np.concatenate([j, none]),
        integer=np.arange(n_all) < n,
    )
