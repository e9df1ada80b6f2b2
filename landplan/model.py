"""The integer program as data: built from the pair table, inspectable before solving.

One binary per eligible pair. Rows, each with a stable name:
``assign[P]`` (each project at most one parcel; exactly one if must-place),
``parcel_once[J]`` (a land parcel hosts at most one project), ``floor_cap[J]``
(a factory's tenants fit its floor space), ``budget`` (total subsidy ≤ budget).
The objective (maximised) is each pair's value: the project's weighted output,
tax, jobs, high-tech and major bonuses, less the weighted subsidy the pair needs.
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
        Row positions (in the project and parcel tables) of each variable's pair.
    """

    c: np.ndarray
    A: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: np.ndarray
    col_names: np.ndarray
    project: np.ndarray
    parcel: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.c)

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    def describe(self) -> str:
        kinds = pd.Series([n.split("[")[0] for n in self.row_names]).value_counts()
        rows = ", ".join(f"{k} {v:,}" for k, v in kinds.items())
        return f"{self.n_cols:,} binaries, {self.n_rows:,} rows ({rows}), {self.A.nnz:,} nonzeros"

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
        out.append(" MARKER 'MARKER' 'INTORG'")
        csc = self.A.tocsc()
        for k, col in enumerate(cols):
            out.append(f" {col} obj {-self.c[k]:.12g}")
            start, end = csc.indptr[k], csc.indptr[k + 1]
            for r, v in zip(csc.indices[start:end], csc.data[start:end], strict=True):
                out.append(f" {col} {rows[r]} {v:.12g}")
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
        out += [f" BV BND       {col}" for col in cols]  # CBC reads bounds by fixed columns
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
        lines += ["Binary", *(f" {c}" for c in cols), "End"]
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


def build_model(
    pairs: pd.DataFrame,
    parcels: pd.DataFrame,
    projects: pd.DataFrame,
    subsidy: np.ndarray,
    weights: Objective,
    budget: float | None,
) -> Model:
    """The MIP for ``pairs`` (CONTRACT, "Allocation"), built as one sparse matrix.

    ``subsidy`` is the fund's payment per pair (万元); it enters the objective with
    ``weights.subsidy`` and the ``budget`` row when a budget is set.
    """
    p = pairs["project"].to_numpy(dtype=np.int64)
    j = pairs["parcel"].to_numpy(dtype=np.int64)
    n = len(pairs)
    cols = np.arange(n)
    c = pair_values(projects, weights)[p] - weights.subsidy * subsidy
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

    if budget is not None and (subsidy > 0).any():
        pos = subsidy > 0
        row_parts.append(
            (
                np.zeros(int(pos.sum()), dtype=np.int64),
                cols[pos],
                subsidy[pos],
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
    A = sp.csr_matrix(
        (np.concatenate(v_all), (np.concatenate(r_all), np.concatenate(c_all))), shape=(offset, n)
    )
    col_names = np.array([f"x[{a},{b}]" for a, b in zip(pid[p], jid[j], strict=True)], dtype=object)
    return Model(
        c=c,
        A=A,
        row_lower=np.concatenate(lo_all),
        row_upper=np.concatenate(hi_all),
        row_names=np.array(names, dtype=object),
        col_names=np.asarray(col_names, dtype=object),
        project=p,
        parcel=j,
    )
