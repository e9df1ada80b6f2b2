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
Such a model holds one template column per pair and makes a (pair, year) column
only when asked (``Years``, ``Model.concrete``): the engine prices every year of
every pair from the templates and makes the few it needs, so a phased city takes
about the memory of a one-year one.
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
# pairs priced at a time under phasing (``Model.reduced``)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Family:
    """Rows that hold per year (``budget[t]``, ``land[t]``, ``land[park,t]``,
    ``spread[park,t]``): a pair placed in year t puts its ``coef`` into the row of
    its group (one group, or its park) and year.

    ``group`` per pair (−1: not in these rows); ``rows[group, t − first planning
    year]`` the row (−1: that group has no row that year)."""

    coef: np.ndarray
    group: np.ndarray
    rows: np.ndarray

    def entries(
        self, pairs: np.ndarray, years: np.ndarray, start: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions among ``pairs``, rows, coefficients) of placements ``pairs`` in
        ``years``."""
        group = self.group[pairs]
        at = np.flatnonzero(group >= 0)
        rows = self.rows[group[at], years[at] - start]
        keep = rows >= 0
        return at[keep], rows[keep], self.coef[pairs[at[keep]]]

    def remapped(self, new_row: np.ndarray) -> Family:
        """The same rows renumbered (``new_row[old]``, −1 for a row that is gone)."""
        rows = np.where(self.rows >= 0, new_row[np.maximum(self.rows, 0)], -1)
        return replace(self, rows=rows)


@dataclass(frozen=True)
class Years:
    """Under ``phasing``, what makes a pair column one column per year it may start
    in (docs/model.md "Phasing"): the column of pair i in the year ``first[i] + d``
    is its template column (``Model.A``, ``Model.c``) plus d times ``c_slope[i]`` in
    the objective and ``slopes[:, i]`` in the rows, plus its entries in the
    ``families``' rows of that year. No (pair, year) column exists until
    ``Model.concrete`` makes it."""

    first: np.ndarray  # per pair: its first year
    count: np.ndarray  # per pair: how many years it may start in
    c_slope: np.ndarray  # per pair: the objective's change per year later
    start: int  # the first planning year
    families: tuple[Family, ...]
    slopes: sp.csr_matrix  # rows × pairs: each row's change per year later

    @property
    def width(self) -> int:
        """The most years any pair may start in."""
        return int(self.count.max(initial=1))


@dataclass(frozen=True)
class PairNames:
    """Who each pair column is, for names and for the search's neighbourhoods: per
    pair its project and place (row positions) and first year (phasing), the ids,
    and each place's park (a code)."""

    project: np.ndarray
    parcel: np.ndarray
    project_ids: np.ndarray
    parcel_ids: np.ndarray
    first_year: np.ndarray | None
    park: np.ndarray

    def years(self, pairs: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """The year of placements (``pairs`` at ``offsets``); the offset without phasing."""
        if self.first_year is None:
            return np.asarray(offsets, dtype=np.int64)
        found: np.ndarray = self.first_year[pairs] + offsets
        return found


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
        Pair columns come first.
    offset
        Each pair column's year after its pair's first (0 without phasing).
    project
        Each column's project (row position); −1 for the other columns.
    pair_names
        Who the pair columns are (``PairNames``).
    aux_names
        The other columns' names, in column order.
    years
        Under phasing, before ``concrete``: each pair column stands for its pair in
        every year of its window (``Years``); None for a model a solver can take.
    """

    c: np.ndarray
    A: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    pair: np.ndarray
    offset: np.ndarray
    project: np.ndarray
    pair_names: PairNames
    aux_names: np.ndarray
    years: Years | None = None

    @property
    def n_cols(self) -> int:
        return len(self.c)

    @property
    def n_pairs(self) -> int:
        """Pair columns (under ``years``: pairs, each standing for its years)."""
        return int((self.pair >= 0).sum())

    @property
    def n_placements(self) -> int:
        """Columns a solver would see for pairs: every (pair, year) under ``years``."""
        if self.years is None:
            return self.n_pairs
        return int(self.years.count.sum())

    @property
    def n_rows(self) -> int:
        return int(self.A.shape[0])

    def col_names(self, cols: np.ndarray | None = None) -> list[str]:
        """``x[P-001,V-BIO-003]`` (``x[P-001,V-BIO-003,2026]`` under phasing) for pair
        columns, the aux name for the others."""
        cols = np.arange(self.n_cols) if cols is None else np.asarray(cols)
        who = self.pair_names
        aux = iter(self.aux_names[_aux_positions(self, cols)])
        names = []
        for col in cols:
            k = self.pair[col]
            if k >= 0:
                where = f"{who.project_ids[who.project[k]]},{who.parcel_ids[who.parcel[k]]}"
                if who.first_year is not None:
                    where += f",{int(who.first_year[k]) + int(self.offset[col])}"
                names.append(f"x[{where}]")
            else:
                names.append(str(next(aux)))
        return names

    def with_rows(
        self,
        names: list[str],
        rows: sp.spmatrix,
        *,
        lower: np.ndarray,
        upper: np.ndarray,
        slopes: sp.spmatrix | None = None,
    ) -> Model:
        """This model with more rows (``rows``: one row per name over its columns).
        ``slopes``: under ``years``, each new row's change per year later, over the
        pair columns (a row of values, like the objective)."""
        years = self.years
        if years is not None:
            extra = sp.csr_matrix((len(names), self.n_pairs)) if slopes is None else slopes
            years = replace(years, slopes=sp.csr_matrix(sp.vstack([years.slopes, extra])))
        return replace(
            self,
            A=sp.csc_matrix(sp.vstack([self.A, sp.csr_matrix(rows)])),
            row_lower=np.concatenate([self.row_lower, lower]),
            row_upper=np.concatenate([self.row_upper, upper]),
            row_names=np.concatenate([self.row_names, np.array(names, dtype=object)]),
            years=years,
        )

    def without_rows(self, prefix: str) -> Model:
        """This model without the rows whose names start with ``prefix``."""
        keep = np.array([not str(n).startswith(prefix) for n in self.row_names], dtype=bool)
        years = self.years
        if years is not None:
            new_row = np.where(keep, np.cumsum(keep) - 1, -1)
            years = replace(
                years,
                families=tuple(f.remapped(new_row) for f in years.families),
                slopes=sp.csr_matrix(years.slopes[keep]),
            )
        return replace(
            self,
            A=sp.csc_matrix(self.A.tocsr()[keep]),
            row_lower=self.row_lower[keep],
            row_upper=self.row_upper[keep],
            row_names=self.row_names[keep],
            years=years,
        )

    def with_row_bounds(self, prefix: str, *, lower: float | None = None) -> Model:
        """This model with the lower bound of the rows named ``prefix…`` set."""
        hit = np.array([str(n).startswith(prefix) for n in self.row_names], dtype=bool)
        new = self.row_lower if lower is None else np.where(hit, lower, self.row_lower)
        return replace(self, row_lower=new)

    def without_pairs(self, off: np.ndarray) -> Model:
        """This model with the pairs ``off`` (per pair row, True) allowed in no year."""
        upper = self.upper.copy()
        upper[(self.pair >= 0) & off[np.maximum(self.pair, 0)]] = 0.0
        return replace(self, upper=upper)

    def with_objective(self, c: np.ndarray) -> Model:
        """This model maximising ``c`` (over its columns; the same in every year)."""
        years = self.years
        if years is not None:
            years = replace(years, c_slope=np.zeros(self.n_pairs))
        return replace(self, c=np.asarray(c, dtype=float), years=years)

    def size(self) -> dict[str, Any]:
        """How big the model is: binaries, continuous columns, rows by kind, nonzeros
        (under phasing: of every (pair, year) column, made or not)."""
        kinds = pd.Series([n.split("[")[0] for n in self.row_names]).value_counts()
        binaries = int(self.integer.sum()) + self.n_placements - self.n_pairs
        nonzeros = int(self.A.nnz)
        years = self.years
        if years is not None:
            pair_nnz = np.diff(self.A.indptr)[: self.n_pairs]
            nonzeros += int(((years.count - 1) * pair_nnz).sum())
            for offset in range(years.width):
                pairs = np.flatnonzero(years.count > offset)
                for family in years.families:
                    at, _, _ = family.entries(pairs, years.first[pairs] + offset, years.start)
                    nonzeros += len(at)
        return {
            "binaries": binaries,
            "continuous": int((~self.integer).sum()),
            "rows": {str(k): int(v) for k, v in kinds.items()},
            "nonzeros": nonzeros,
        }

    def describe(self) -> str:
        size = self.size()
        rows = ", ".join(f"{k} {v:,}" for k, v in size["rows"].items())
        extra = f" and {size['continuous']} continuous" if size["continuous"] else ""
        return (
            f"{size['binaries']:,} binaries{extra}, {self.n_rows:,} rows ({rows}), "
            f"{size['nonzeros']:,} nonzeros"
        )

    def every_placement(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (pair, offset) this model stands for, pairs in order then years."""
        pairs = np.flatnonzero(self.pair >= 0)
        if self.years is None:
            return self.pair[pairs], self.offset[pairs]
        count = self.years.count
        rows = np.repeat(np.arange(len(count)), count)
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
        return rows, offsets

    def concrete(
        self,
        pairs: np.ndarray | None = None,
        offsets: np.ndarray | None = None,
        *,
        others: bool = True,
    ) -> Model:
        """A model a solver can take: the placements ``pairs`` at ``offsets`` (default:
        every one) as columns, then (``others``) every other column. Without ``years``
        and with no placements named, this model itself."""
        aux = np.flatnonzero(self.pair < 0) if others else np.zeros(0, dtype=np.int64)
        if self.years is None:
            if pairs is None and others:
                return self
            chosen = np.flatnonzero(self.pair >= 0) if pairs is None else np.asarray(pairs)
            return self.columns(np.concatenate([chosen, aux]))
        if pairs is None:
            pairs, offsets = self.every_placement()
        pairs = np.asarray(pairs, dtype=np.int64)
        offsets = np.zeros(len(pairs), dtype=np.int64) if offsets is None else offsets
        years = self.years
        n = len(pairs)
        base = self.A[:, pairs]
        blocks = [base.tocoo()]
        if years.slopes.nnz:
            slope = sp.csc_matrix(years.slopes[:, pairs]).multiply(offsets[None, :])
            blocks.append(sp.coo_matrix(slope))
        year = years.first[pairs] + offsets
        for family in years.families:
            at, rows, coef = family.entries(pairs, year, years.start)
            blocks.append(sp.coo_matrix((coef, (rows, at)), shape=(self.n_rows, n)))
        joined = sp.coo_matrix(
            (
                np.concatenate([b.data for b in blocks]),
                (
                    np.concatenate([b.row for b in blocks]),
                    np.concatenate([b.col for b in blocks]),
                ),
            ),
            shape=(self.n_rows, n),
        )
        part = sp.csc_matrix(joined)
        part.sum_duplicates()
        return replace(
            self,
            c=np.concatenate([self.c[pairs] + offsets * years.c_slope[pairs], self.c[aux]]),
            A=sp.csc_matrix(sp.hstack([part, self.A[:, aux]])),
            upper=np.concatenate([self.upper[pairs], self.upper[aux]]),
            integer=np.concatenate([self.integer[pairs], self.integer[aux]]),
            pair=np.concatenate([self.pair[pairs], self.pair[aux]]),
            offset=np.concatenate([offsets, np.zeros(len(aux), dtype=np.int64)]),
            project=np.concatenate([self.project[pairs], self.project[aux]]),
            years=None,
        )

    def reduced(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reduced costs c − Aᵀy: of every placement, as (pairs × years, −inf where a
        pair has no such year), and of the other columns. Under ``years``, worked
        out ``_CHUNK`` pairs at a time, so that a city's 10 million pairs need no
        more than the result and a chunk's temporaries."""
        direct = self.c - self.A.T @ y
        aux = direct[self.pair < 0]
        if self.years is None:
            return direct[self.pair >= 0][:, None], aux
        years = self.years
        n = self.n_pairs
        slope = years.c_slope - years.slopes.T @ y
        out = np.full((n, years.width), -np.inf)
        for begin in range(0, n, _CHUNK):
            part = slice(begin, min(begin + _CHUNK, n))
            count = years.count[part]
            base = direct[part]
            year0 = years.first[part] - years.start
            for offset in range(years.width):
                rc = base + offset * slope[part]
                for family in years.families:
                    group = family.group[part]
                    at = np.flatnonzero((group >= 0) & (count > offset))
                    rows = family.rows[group[at], year0[at] + offset]
                    keep = rows >= 0
                    at = at[keep]
                    rc[at] -= family.coef[part][at] * y[rows[keep]]
                out[part, offset] = np.where(count > offset, rc, -np.inf)
        return out, aux

    def columns(self, cols: np.ndarray) -> Model:
        """The model with only ``cols``, every row kept (some may have no columns)."""
        assert self.years is None, "make the model concrete first"
        cols = np.asarray(cols)
        return replace(
            self,
            c=self.c[cols],
            A=sp.csc_matrix(self.A[:, cols]),
            upper=self.upper[cols],
            integer=self.integer[cols],
            pair=self.pair[cols],
            offset=self.offset[cols],
            project=self.project[cols],
            aux_names=(
                self.aux_names[_aux_positions(self, cols)]
                if (self.pair[cols] < 0).any()
                else self.aux_names[:0]
            ),
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
        assert self.years is None, "make the model concrete first"
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


Placements = tuple[np.ndarray, np.ndarray]  # pair rows and their year offsets


def placements_of(model: Model, x: np.ndarray) -> Placements:
    """The placements (pair rows, offsets) a solution ``x`` of a concrete ``model``
    makes, in pair order."""
    on = np.flatnonzero((model.pair >= 0) & (x > 0.5))
    order = np.lexsort((model.offset[on], model.pair[on]))
    return model.pair[on][order], model.offset[on][order]


def start_vector(model: Model, start: Placements) -> np.ndarray:
    """0/1 per column of a concrete ``model``: 1 for the pair columns of ``start``."""
    width = int(max(model.offset.max(initial=0), start[1].max(initial=0))) + 1
    key = np.where(model.pair >= 0, model.pair * width + model.offset, -1)
    wanted = start[0] * width + start[1]
    return np.isin(key, wanted).astype(float)


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
    fund_pools, pool, pool_family = _fund_pools(priced)
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

    families: list[Family] = []
    if len(fund_pools):
        shortfall = pairs["shortfall"].to_numpy()
        ceiling = pairs["ceiling"].to_numpy()
        # spread[k]: Σ shortfall·x − Σ ceiling·x − fund[k] ≤ 0 over park k's pairs
        # (under phasing k is a park and year: the pairs' entries come by year)
        terms = (pool >= 0) & ((shortfall > 0) | (ceiling > 0))
        first_row = len(out.names)
        by_pair = pool_family is None
        out.add(
            row=np.concatenate([pool[terms] if by_pair else [], np.arange(len(fund_pools))]),
            col=np.concatenate([cols[terms] if by_pair else [], n + np.arange(len(fund_pools))]),
            value=np.concatenate(
                [(shortfall - ceiling)[terms] if by_pair else [], -np.ones(len(fund_pools))]
            ),
            lower=np.full(len(fund_pools), -np.inf),
            upper=np.zeros(len(fund_pools)),
            names=[f"spread[{x}]" for x in fund_pools],
        )
        if pool_family is not None:
            coef = np.where(terms, shortfall - ceiling, 0.0)
            families.append(pool_family.placed(coef, first_row))

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
        families += _yearly_rows(priced, out, fund_pools, is_land)

    n_aux = len(fund_pools) + len(returns)
    n_all = n + n_aux
    A = out.matrix(n_all)
    none = np.full(n_aux, -1, dtype=np.int64)
    # returning land costs its reclamation at the subsidy weight
    swap = places.spec.swap
    reclaim = 0.0 if swap is None else swap.cost_per_ha * priced.objective.subsidy
    area = places.table["area_ha"].to_numpy(dtype=float)
    phasing = priced.context.phasing
    years = None
    if phasing is not None:
        years = Years(
            first=pairs["first_year"].to_numpy().astype(np.int64),
            count=pairs["years"].to_numpy().astype(np.int64),
            c_slope=-pairs["decay"].to_numpy(),
            start=phasing.first,
            families=tuple(families),
            slopes=sp.csr_matrix((len(out.names), n)),
        )
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
        offset=np.zeros(n_all, dtype=np.int64),
        project=np.concatenate([p.astype(np.int64), none]),
        pair_names=PairNames(
            project=p,
            parcel=j,
            project_ids=pid,
            parcel_ids=jid,
            first_year=None if years is None else years.first,
            park=np.unique(parcels["park"].to_numpy().astype(str), return_inverse=True)[1],
        ),
        aux_names=np.array(
            [f"fund[{x}]" for x in fund_pools]
            + [f"{RETURN}[{x}]" for x in places.table["parcel_id"].to_numpy()[returns]],
            dtype=object,
        ),
        years=years,
    )


@dataclass(frozen=True)
class _Groups:
    """Under phasing, rows by group and year before they are numbered: ``group`` per
    pair (−1: none), ``exists[group, t − first year]``."""

    group: np.ndarray
    exists: np.ndarray

    def placed(self, coef: np.ndarray, first_row: int) -> Family:
        """The family whose rows are numbered from ``first_row`` in (group, year) order."""
        numbered = np.cumsum(self.exists.ravel()) - 1 + first_row
        rows = np.where(self.exists, numbered.reshape(self.exists.shape), -1)
        return Family(coef=coef, group=self.group, rows=rows)


def _fund_pools(priced: PricedPairs) -> tuple[np.ndarray, np.ndarray, _Groups | None]:
    """Under ``shortfall: spread``, the pools whose pairs have a shortfall (``fund[k]``):
    parks, or ``park,year`` under ``phasing``. Without phasing each pair's pool (−1:
    none); under it, the pairs' park groups and the (park, year) pools that exist."""
    pairs = priced.pairs
    none = np.full(len(pairs), -1, dtype=np.int64)
    if priced.costshare.shortfall != Bearer.SPREAD:
        return np.array([], dtype=object), none, None
    park = priced.parcels["park"].to_numpy().astype(str)[pairs["parcel"].to_numpy()]
    short = pairs["shortfall"].to_numpy() > 0
    phasing = priced.context.phasing
    if phasing is None:
        names = np.unique(park[short])
        pool = none
        if len(names):
            at = np.minimum(np.searchsorted(names, park), len(names) - 1)
            pool = np.where(names[at] == park, at, -1)
        return names.astype(object), pool, None
    parks, group = np.unique(park, return_inverse=True)
    span = len(phasing.span)
    exists = np.zeros((len(parks), span), dtype=bool)
    first = pairs["first_year"].to_numpy().astype(np.int64) - phasing.first
    count = pairs["years"].to_numpy().astype(np.int64)
    for offset in range(int(count.max(initial=0))):
        at = short & (count > offset)
        exists[group[at], first[at] + offset] = True
    g, t = np.nonzero(exists)
    names = np.array([f"{parks[a]},{phasing.first + b}" for a, b in zip(g, t, strict=True)])
    # every pair is in its park's group; a (park, year) without a pool has no row
    return names.astype(object), np.zeros(len(pairs), dtype=np.int64), _Groups(group, exists)


def _yearly_rows(
    priced: PricedPairs, out: _Rows, fund_pools: np.ndarray, is_land: np.ndarray
) -> list[Family]:
    """``budget[t]``: subsidy and fund paid in year t ≤ its budget; ``land[t]`` /
    ``land[park,t]``: land handed over in year t (land pairs) ≤ its cap. Their pair
    entries come with each (pair, year) column (``Years``); the fund's are here."""
    phasing = priced.context.phasing
    assert phasing is not None
    pairs = priced.pairs
    n = len(pairs)
    span = len(phasing.span)
    subsidy = pairs["subsidy"].to_numpy()
    # each fund pool (park,year) enters its year's budget
    pool_year = np.array([int(str(x).rsplit(",", 1)[1]) for x in fund_pools], dtype=np.int64)
    families = []
    capped = sorted((phasing.budget or {}).items())
    if capped:
        rows = np.full((1, span), -1, dtype=np.int64)
        for t, cap in capped:
            funds = n + np.flatnonzero(pool_year == t)
            rows[0, t - phasing.first] = len(out.names)
            out.add(
                row=np.zeros(len(funds), dtype=np.int64),
                col=funds,
                value=np.ones(len(funds)),
                lower=np.array([-np.inf]),
                upper=np.array([cap]),
                names=[f"budget[{t}]"],
            )
        group = np.where(subsidy > 0, 0, -1)
        families.append(Family(coef=subsidy, group=group, rows=rows))
    park = priced.parcels["park"].to_numpy().astype(str)[pairs["parcel"].to_numpy()]
    land = np.where(is_land, pairs["land_ha"].to_numpy(), 0.0)
    caps = phasing.land_caps()
    district = [(t, cap) for where, t, cap in caps if where is None]
    if district:
        rows = np.full((1, span), -1, dtype=np.int64)
        for t, cap in district:
            rows[0, t - phasing.first] = len(out.names)
            out.add(
                row=np.zeros(0, dtype=np.int64),
                col=np.zeros(0, dtype=np.int64),
                value=np.zeros(0),
                lower=np.array([-np.inf]),
                upper=np.array([cap]),
                names=[f"land[{t}]"],
            )
        families.append(Family(coef=land, group=np.where(is_land, 0, -1), rows=rows))
    by_park = [(where, t, cap) for where, t, cap in caps if where is not None]
    if by_park:
        named = np.array(sorted({str(where) for where, _, _ in by_park}))
        rows = np.full((len(named), span), -1, dtype=np.int64)
        for where, t, cap in by_park:
            rows[int(np.searchsorted(named, str(where))), t - phasing.first] = len(out.names)
            out.add(
                row=np.zeros(0, dtype=np.int64),
                col=np.zeros(0, dtype=np.int64),
                value=np.zeros(0),
                lower=np.array([-np.inf]),
                upper=np.array([cap]),
                names=[f"land[{where},{t}]"],
            )
        at = np.minimum(np.searchsorted(named, park), len(named) - 1)
        group = np.where(is_land & (named[at] == park), at, -1)
        families.append(Family(coef=land, group=group, rows=rows))
    return families


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
