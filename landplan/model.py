"""The integer program as data: built from the priced pair table, inspectable before solving.

One binary per eligible pair. Rows, each with a stable name:
``assign[P]`` (each project at most one parcel; exactly one if must-place),
``parcel_once[J]`` (a land parcel hosts at most one project, counting the merged
sites that use it and its own return), ``quota[S]`` (land lacking quota used in
scope S ≤ the quota its returned parcels free), ``floor_cap[J]``
(a factory's tenants fit its floor space), ``budget`` (total subsidy ≤ budget),
``target[T]`` (one of the plan's targets, as a linear row over the placed pairs).
Under ``phasing`` a column is a (project, place, year) triple, and two more kinds
of rows hold per year: ``budget[t]`` (subsidy paid in year t ≤ that year's
budget) and ``land[t]`` or ``land[park,t]`` (land handed over in year t ≤ its cap).
The objective (maximised) is each pair's value from the priced pair table. Under
``consolidation.swap`` one binary ``return[J]`` per returnable parcel in a scope
where some pair needs quota; it costs its reclamation (``cost_per_ha`` × area at
the subsidy weight).
Rows can be added to a built model (``with_rows``): the high-tech priority row,
alternative plans' cuts.

With ``shortfall: spread`` the fund pays only what the park's other users cannot
bear. Water-filling gives every bearer up to its ceiling before the fund pays, so
park k's fund payment is exactly ``max(0, S_k − C_k)``: S_k the placed high-tech
shortfall, C_k the placed bearers' ceilings. One continuous column ``fund[k] ≥ 0``
per park (per park and year under ``phasing``: each year's land cost is shared
among that year's users) with row ``spread[k]: S_k − C_k − fund[k] ≤ 0`` models it; ``fund[k]``
enters the budget row and the objective. What is shifted onto other users is
S_k − fund[k]; it costs ``objective.spread`` per 万元, so the pairs carry
−spread × shortfall and ``fund[k]`` costs subsidy − spread (≥ 0, which the
scenario checks), so the fund never pays more than it must.

The matrix is stored by column (CSC): the engine slices columns out of it and
prices every column with one product ``Aᵀy``. Column names are made on demand,
so a model of millions of pairs holds no name strings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from landplan.consolidation import Places
from landplan.domain import Bearer, Target
from landplan.valuation import PricedPairs, is_land_pair

# the column that returns a parcel to non-construction use (consolidation.swap)
RETURN = "return"


@dataclass(frozen=True)
class Model:
    """A maximisation MIP: max c·x, row_lower ≤ A x ≤ row_upper, 0 ≤ x ≤ upper.

    Attributes
    ----------
    c
        Objective coefficient of each column.
    A
        Constraint matrix, CSC, one row per named constraint.
    row_lower, row_upper
        Row bounds (``-inf``/``inf`` where open).
    row_names
        Stable names: ``assign[P-001]``, ``parcel_once[V-BIO-003]``, ``budget``.
    upper
        Column upper bounds: 1 for binaries, ``inf`` for ``fund[k]``.
    integer
        True for binary columns.
    pair
        Each column's row in the pair table; −1 for the other columns.
        Pair columns come first, in the pair table's order.
    project
        Each column's project (row position); −1 for the other columns.
    names
        Column names of the pair table's projects and parcels (``project_ids``,
        ``parcel_ids``) and of the other columns (``aux_names``, in column order).
    """

    c: np.ndarray
    A: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    pair: np.ndarray
    project: np.ndarray
    pair_names: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    aux_names: np.ndarray

    @property
    def n_cols(self) -> int:
        return len(self.c)

    @property
    def n_pairs(self) -> int:
        return int((self.pair >= 0).sum())

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    def col_names(self, cols: np.ndarray | None = None) -> list[str]:
        """``x[P-001,V-BIO-003]`` for pair columns, the aux name for the others."""
        cols = np.arange(self.n_cols) if cols is None else np.asarray(cols)
        pair_project, pair_parcel, project_ids, parcel_ids = self.pair_names
        aux = iter(self.aux_names[_aux_positions(self, cols)])
        names = []
        for col in cols:
            k = self.pair[col]
            if k >= 0:
                names.append(f"x[{project_ids[pair_project[k]]},{parcel_ids[pair_parcel[k]]}]")
            else:
                names.append(str(next(aux)))
        return names

    def with_rows(
        self, names: list[str], rows: sp.spmatrix, *, lower: np.ndarray, upper: np.ndarray
    ) -> Model:
        """This model with more rows (``rows``: one row per name over its columns)."""
        return replace(
            self,
            A=sp.csc_matrix(sp.vstack([self.A, sp.csr_matrix(rows)])),
            row_lower=np.concatenate([self.row_lower, lower]),
            row_upper=np.concatenate([self.row_upper, upper]),
            row_names=np.concatenate([self.row_names, np.array(names, dtype=object)]),
        )

    def without_rows(self, prefix: str) -> Model:
        """This model without the rows whose names start with ``prefix``."""
        keep = np.array([not str(n).startswith(prefix) for n in self.row_names], dtype=bool)
        return replace(
            self,
            A=sp.csc_matrix(self.A.tocsr()[keep]),
            row_lower=self.row_lower[keep],
            row_upper=self.row_upper[keep],
            row_names=self.row_names[keep],
        )

    def with_objective(self, c: np.ndarray) -> Model:
        """This model maximising ``c`` instead."""
        return replace(self, c=np.asarray(c, dtype=float))

    def size(self) -> dict[str, Any]:
        """How big the model is: binaries, continuous columns, rows by kind, nonzeros."""
        kinds = pd.Series([n.split("[")[0] for n in self.row_names]).value_counts()
        return {
            "binaries": int(self.integer.sum()),
            "continuous": int((~self.integer).sum()),
            "rows": {str(k): int(v) for k, v in kinds.items()},
            "nonzeros": int(self.A.nnz),
        }

    def describe(self) -> str:
        size = self.size()
        rows = ", ".join(f"{k} {v:,}" for k, v in size["rows"].items())
        extra = f" and {size['continuous']} continuous" if size["continuous"] else ""
        return (
            f"{size['binaries']:,} binaries{extra}, {self.n_rows:,} rows ({rows}), "
            f"{size['nonzeros']:,} nonzeros"
        )

    def columns(self, cols: np.ndarray) -> Model:
        """The model with only ``cols``, every row kept (some may have no columns)."""
        cols = np.asarray(cols)
        return replace(
            self,
            c=self.c[cols],
            A=sp.csc_matrix(self.A[:, cols]),
            upper=self.upper[cols],
            integer=self.integer[cols],
            pair=self.pair[cols],
            project=self.project[cols],
            aux_names=self.aux_names[_aux_positions(self, cols)],
        )

    def subset(self, cols: np.ndarray) -> Model:
        """The model restricted to ``cols`` and the rows that touch them."""
        sub = self.columns(cols)
        rows = np.flatnonzero(np.bincount(sub.A.indices, minlength=self.n_rows) > 0)
        return replace(
            sub,
            A=sp.csc_matrix(sub.A[rows]),
            row_lower=self.row_lower[rows],
            row_upper=self.row_upper[rows],
            row_names=self.row_names[rows],
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


def _aux_positions(model: Model, cols: np.ndarray) -> np.ndarray:
    """Positions in ``model.aux_names`` of the non-pair columns among ``cols``."""
    aux_rank = np.cumsum(model.pair < 0) - 1
    result: np.ndarray = aux_rank[cols[model.pair[cols] < 0]]
    return result


@dataclass
class _Rows:
    """Rows collected as COO triplets, then assembled into one matrix."""

    rows: list[np.ndarray]
    cols: list[np.ndarray]
    values: list[np.ndarray]
    lower: list[np.ndarray]
    upper: list[np.ndarray]
    names: list[str]

    def add(
        self,
        *,
        row: np.ndarray,
        col: np.ndarray,
        value: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        names: list[str],
    ) -> None:
        """Rows ``names`` with entries (row within this block, column, value)."""
        # int32 indices: at millions of pairs the triplets dominate the build's memory
        self.rows.append((row + len(self.names)).astype(np.int32))
        self.cols.append(col.astype(np.int32))
        self.values.append(value.astype(float))
        self.lower.append(lower)
        self.upper.append(upper)
        self.names += names

    def matrix(self, n_cols: int) -> sp.csc_matrix:
        """The rows as one CSC matrix; the triplets are released as they are joined."""
        values = np.concatenate(self.values)
        self.values.clear()
        rows = np.concatenate(self.rows)
        self.rows.clear()
        cols = np.concatenate(self.cols)
        self.cols.clear()
        coo = sp.coo_matrix((values, (rows, cols)), shape=(len(self.names), n_cols))
        del values, rows, cols
        return coo.tocsc()


def build_model(priced: PricedPairs) -> Model:
    """The MIP for the priced pairs (docs/model.md, "Rows"), built as one sparse matrix."""
    pairs, projects, parcels = priced.pairs, priced.projects, priced.parcels
    p = pairs["project"].to_numpy()
    j = pairs["parcel"].to_numpy()
    n = len(pairs)
    cols = np.arange(n)
    out = _Rows([], [], [], [], [], [])
    pid = projects["project_id"].to_numpy()
    jid = parcels["parcel_id"].to_numpy()

    # assign[P]: one row per project that has pairs
    proj_u, proj_row = np.unique(p, return_inverse=True)
    must = projects["must_place"].to_numpy(dtype=bool)[proj_u]
    out.add(
        row=proj_row,
        col=cols,
        value=np.ones(n),
        lower=np.where(must, 1.0, -np.inf),
        upper=np.ones(len(proj_u)),
        names=[f"assign[{x}]" for x in pid[proj_u]],
    )

    is_land = is_land_pair(priced)
    places = priced.context.places
    need = places.quota_need()[j]  # per pair: area of its plots that lack quota
    pair_scope = places.place_scope()[j]
    returns = _return_columns(places, need, pair_scope)
    fund_pools, pool = _fund_pools(priced)
    first_return = n + len(fund_pools)
    # parcel_once[J]: land parcels wanted by two or more columns: pairs on the parcel
    # or on a merged site that uses it, and the parcel's return column
    land_cols = cols[is_land]
    used = places.cover[j[land_cols]].tocoo()
    once_col = np.concatenate([land_cols[used.row], first_return + np.arange(len(returns))])
    once_parcel = np.concatenate([used.col, returns])
    land_u, land_row, land_count = np.unique(once_parcel, return_inverse=True, return_counts=True)
    keep = land_count[land_row] >= 2
    shared = land_u[land_count >= 2]
    remap = np.cumsum(land_count >= 2) - 1
    out.add(
        row=remap[land_row[keep]],
        col=once_col[keep],
        value=np.ones(int(keep.sum())),
        lower=np.full(len(shared), -np.inf),
        upper=np.ones(len(shared)),
        names=[f"parcel_once[{x}]" for x in places.table["parcel_id"].to_numpy()[shared]],
    )

    # quota[S]: land lacking quota used in scope S ≤ quota freed there by returns
    uses = np.flatnonzero(need > 0)
    if len(uses):
        area = places.table["area_ha"].to_numpy(dtype=float)
        swap = places.spec.swap
        ratio = swap.ratio if swap is not None else 1.0
        in_scope = np.concatenate([pair_scope[uses], places.scope[returns]]).astype(str)
        scopes, row = np.unique(in_scope, return_inverse=True)
        out.add(
            row=row,
            col=np.concatenate([uses, first_return + np.arange(len(returns))]),
            value=np.concatenate([need[uses], -ratio * area[returns]]),
            lower=np.full(len(scopes), -np.inf),
            upper=np.zeros(len(scopes)),
            names=[f"quota[{s}]" for s in scopes],
        )

    # floor_cap[J]: factories whose candidates together need more than they have
    floor_need = projects["floor_m2"].to_numpy(dtype=float)[p]
    fac = ~is_land
    fac_u, fac_row = np.unique(j[fac], return_inverse=True)
    demand = np.bincount(fac_row, weights=floor_need[fac], minlength=len(fac_u))
    capacity = parcels["floor_area_m2"].to_numpy(dtype=float)[fac_u]
    binding = demand > capacity
    sel = binding[fac_row]
    out.add(
        row=(np.cumsum(binding) - 1)[fac_row[sel]],
        col=cols[fac][sel],
        value=floor_need[fac][sel],
        lower=np.full(int(binding.sum()), -np.inf),
        upper=capacity[binding],
        names=[f"floor_cap[{x}]" for x in jid[fac_u[binding]]],
    )

    if len(fund_pools):
        shortfall = pairs["shortfall"].to_numpy()
        ceiling = pairs["ceiling"].to_numpy()
        # spread[k]: Σ shortfall·x − Σ ceiling·x − fund[k] ≤ 0 over park k's pairs
        terms = (pool >= 0) & ((shortfall > 0) | (ceiling > 0))
        out.add(
            row=np.concatenate([pool[terms], np.arange(len(fund_pools))]),
            col=np.concatenate([cols[terms], n + np.arange(len(fund_pools))]),
            value=np.concatenate([(shortfall - ceiling)[terms], -np.ones(len(fund_pools))]),
            lower=np.full(len(fund_pools), -np.inf),
            upper=np.zeros(len(fund_pools)),
            names=[f"spread[{x}]" for x in fund_pools],
        )

    # target[T]: Σ coef · x ≥ 0, each a target ratio written linearly
    for target, level in priced.targets.items():
        coef = target_coefficients(priced, target, level)
        keep = coef != 0
        out.add(
            row=np.zeros(int(keep.sum()), dtype=np.int64),
            col=cols[keep],
            value=coef[keep],
            lower=np.zeros(1),
            upper=np.full(1, np.inf),
            names=[f"target[{target.value}]"],
        )

    subsidy = pairs["subsidy"].to_numpy()
    pos = subsidy > 0
    if priced.budget is not None and (pos.any() or len(fund_pools)):
        out.add(
            row=np.zeros(int(pos.sum()) + len(fund_pools), dtype=np.int64),
            col=np.concatenate([cols[pos], n + np.arange(len(fund_pools))]),
            value=np.concatenate([subsidy[pos], np.ones(len(fund_pools))]),
            lower=np.array([-np.inf]),
            upper=np.array([float(priced.budget)]),
            names=["budget"],
        )

    if priced.context.phasing is not None:
        _yearly_rows(priced, out, pool, len(fund_pools), is_land)

    n_aux = len(fund_pools) + len(returns)
    n_all = n + n_aux
    A = out.matrix(n_all)
    none = np.full(n_aux, -1, dtype=np.int64)
    # returning land costs its reclamation at the subsidy weight
    swap = places.spec.swap
    reclaim = 0.0 if swap is None else swap.cost_per_ha * priced.objective.subsidy
    area = places.table["area_ha"].to_numpy(dtype=float)
    return Model(
        c=np.concatenate(
            [
                pairs["value"].to_numpy(),
                # the fund's 万元 costs its weight, less what it spares the other users
                np.full(len(fund_pools), priced.objective.spread - priced.objective.subsidy),
                -reclaim * area[returns],
            ]
        ),
        A=A,
        row_lower=np.concatenate(out.lower),
        row_upper=np.concatenate(out.upper),
        row_names=np.array(out.names, dtype=object),
        upper=np.concatenate([np.ones(n), np.full(len(fund_pools), np.inf), np.ones(len(returns))]),
        integer=(np.arange(n_all) < n) | (np.arange(n_all) >= first_return),
        pair=np.concatenate([cols, none]),
        project=np.concatenate([p.astype(np.int64), none]),
        pair_names=(p, j, pid, jid),
        aux_names=np.array(
            [f"fund[{x}]" for x in fund_pools]
            + [f"{RETURN}[{x}]" for x in places.table["parcel_id"].to_numpy()[returns]],
            dtype=object,
        ),
    )


def _fund_pools(priced: PricedPairs) -> tuple[np.ndarray, np.ndarray]:
    """Under ``shortfall: spread``, the pools whose pairs have a shortfall (``fund[k]``):
    parks, or ``park,year`` under ``phasing``; and each pair's pool (−1: none)."""
    pairs = priced.pairs
    if priced.costshare.shortfall != Bearer.SPREAD:
        return np.array([], dtype=object), np.full(len(pairs), -1, dtype=np.int64)
    key = priced.parcels["park"].to_numpy().astype(str)[pairs["parcel"].to_numpy()]
    if "year" in pairs:
        key = np.char.add(np.char.add(key, ","), pairs["year"].to_numpy().astype(str))
    names = np.unique(key[pairs["shortfall"].to_numpy() > 0])
    pool = np.full(len(pairs), -1, dtype=np.int64)
    if len(names):
        at = np.minimum(np.searchsorted(names, key), len(names) - 1)
        pool = np.where(names[at] == key, at, -1)
    return names.astype(object), pool


def _yearly_rows(
    priced: PricedPairs, out: _Rows, pool: np.ndarray, n_pools: int, is_land: np.ndarray
) -> None:
    """``budget[t]``: subsidy and fund paid in year t ≤ its budget; ``land[t]`` /
    ``land[park,t]``: land handed over in year t (land pairs) ≤ its cap."""
    phasing = priced.context.phasing
    assert phasing is not None
    pairs = priced.pairs
    n = len(pairs)
    year = pairs["year"].to_numpy()
    subsidy = pairs["subsidy"].to_numpy()
    # each fund pool's year: that of the pairs in it (a pool is one park and year)
    pool_year = np.full(n_pools, -1, dtype=np.int64)
    pool_year[pool[pool >= 0]] = year[pool >= 0]
    for t, cap in sorted((phasing.budget or {}).items()):
        cols = np.flatnonzero((year == t) & (subsidy > 0))
        funds = n + np.flatnonzero(pool_year == t)
        if not len(cols) and not len(funds):
            continue
        out.add(
            row=np.zeros(len(cols) + len(funds), dtype=np.int64),
            col=np.concatenate([cols, funds]),
            value=np.concatenate([subsidy[cols], np.ones(len(funds))]),
            lower=np.array([-np.inf]),
            upper=np.array([cap]),
            names=[f"budget[{t}]"],
        )
    park = priced.parcels["park"].to_numpy()[pairs["parcel"].to_numpy()]
    land = pairs["land_ha"].to_numpy()
    for where, t, cap in phasing.land_caps():
        sel = is_land & (year == t) & (True if where is None else park == where)
        cols = np.flatnonzero(sel)
        if not len(cols):
            continue
        out.add(
            row=np.zeros(len(cols), dtype=np.int64),
            col=cols,
            value=land[cols],
            lower=np.array([-np.inf]),
            upper=np.array([cap]),
            names=[f"land[{t}]" if where is None else f"land[{where},{t}]"],
        )


def _return_columns(places: Places, need: np.ndarray, pair_scope: np.ndarray) -> np.ndarray:
    """The parcels (row positions) that may be returned to free quota, in scopes where
    some pair needs quota (``need`` > 0; elsewhere returning frees nothing anyone uses)."""
    wanted = np.unique(pair_scope[need > 0].astype(str))
    found: np.ndarray = np.flatnonzero(
        places.returnable & np.isin(places.scope.astype(str), wanted)
    )
    return found


def returned_parcels(model: Model, x: np.ndarray) -> list[str]:
    """The ids of the parcels that solution ``x`` returns (``return[J]`` columns at 1)."""
    aux = np.flatnonzero(model.pair < 0)
    return [
        str(name)[len(RETURN) + 1 : -1]
        for col, name in zip(aux, model.aux_names, strict=True)
        if str(name).startswith(f"{RETURN}[") and x[col] > 0.5
    ]


def target_coefficients(priced: PricedPairs, target: Target, level: float) -> np.ndarray:
    """Per pair, its coefficient in ``target[T]`` (Σ coef · x ≥ 0 over placed pairs).

    output_per_ha: output − T·land; labour_productivity: output − T·jobs;
    rd_intensity: rd_spend − T·output; hightech_output_share: (hightech − T)·output.
    """
    projects = priced.projects
    p = priced.pairs["project"].to_numpy()

    def attr(column: str) -> np.ndarray:
        values: np.ndarray = projects[column].to_numpy(dtype=float)[p]
        return values

    if target == Target.OUTPUT_PER_HA:
        coef = attr("output") - level * priced.pairs["land_ha"].to_numpy()
    elif target == Target.LABOUR_PRODUCTIVITY:
        coef = attr("output") - level * attr("jobs")
    elif target == Target.RD_INTENSITY:
        coef = attr("rd_spend") - level * attr("output")
    else:
        coef = (attr("hightech") - level) * attr("output")
    return coef
