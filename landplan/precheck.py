"""What makes a plan impossible, found before the solver runs, with the numbers:
must-place projects without a parcel, more must-place projects than the parcels
they can share (Hall's condition), factories too small for their only tenants,
a budget below what the must-place projects need at the least."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_bipartite_matching

from landplan.errors import InfeasibleError
from landplan.messages import Words, say
from landplan.valuation import PricedPairs, is_land_pair


def precheck(priced: PricedPairs) -> None:
    """Catch what makes the problem infeasible before the solver runs (with numbers)."""
    projects = priced.projects
    must = projects["must_place"].to_numpy(dtype=bool)
    messages = [
        say("precheck.no_pairs", pid=pid, reason=priced.no_pairs[pid])
        for pid in projects.loc[must, "project_id"]
        if pid in priced.no_pairs
    ]
    messages += _matching_conflicts(priced)
    budget = priced.budget
    if budget is not None and not messages:
        pairs = priced.pairs
        on_must = must[pairs["project"].to_numpy()]
        need = pairs[on_must].groupby("project")["subsidy"].min()
        need.index = projects["project_id"].to_numpy()[need.index.to_numpy()]
        if need.sum() > budget + 1e-6:
            top = need.sort_values(ascending=False).head(5)
            named = ", ".join(f"{k} {v:,.0f}" for k, v in top.items() if v > 0)
            messages.append(say("precheck.budget", need=need.sum(), named=named, budget=budget))
    if messages:
        raise InfeasibleError(
            "no feasible plan:\n  " + "\n  ".join(m.en for m in messages),
            "无可行方案：\n  " + "\n  ".join(m.zh for m in messages),
        )


def _matching_conflicts(priced: PricedPairs) -> list[Words]:
    """Must-place projects that together need more parcels or floor space than exist."""
    projects, parcels, pairs = priced.projects, priced.parcels, priced.pairs
    must = projects["must_place"].to_numpy(dtype=bool)
    on_must = must[pairs["project"].to_numpy()]
    land_pair = is_land_pair(priced)
    messages: list[Words] = []
    land = pairs[on_must & land_pair]
    pid, jid = projects["project_id"].to_numpy(), parcels["parcel_id"].to_numpy()
    if len(land):
        rows, row_of = np.unique(land["project"], return_inverse=True)
        cols, col_of = np.unique(land["parcel"], return_inverse=True)
        graph = sp.csr_matrix((np.ones(len(land)), (row_of, col_of)), shape=(len(rows), len(cols)))
        match = maximum_bipartite_matching(graph, perm_type="column")
        owner = np.full(len(cols), -1)
        owner[match[match >= 0]] = np.flatnonzero(match >= 0)
        for u in np.flatnonzero(match < 0):
            # Hall's condition fails: the projects reachable from u by alternating
            # paths outnumber the parcels they can use.
            group, seen, frontier = {u}, set(), [u]
            while frontier:
                r = frontier.pop()
                for c in graph.indices[graph.indptr[r] : graph.indptr[r + 1]]:
                    if c not in seen:
                        seen.add(c)
                        if owner[c] >= 0 and owner[c] not in group:
                            group.add(owner[c])
                            frontier.append(owner[c])
            names = ", ".join(sorted(pid[rows[list(group)]]))
            places = ", ".join(sorted(jid[cols[sorted(seen)]]))
            messages.append(
                say("precheck.parcels", names=names, n=len(group), places=places, k=len(seen))
            )
            break  # one conflict set says it; more would repeat the same projects
    floor = pairs[on_must & ~land_pair]
    only = floor[floor.groupby("project")["project"].transform("size") == 1]
    need = projects["floor_m2"].to_numpy(dtype=float)
    for j, group in only.groupby("parcel"):
        total = float(need[group["project"].to_numpy()].sum())
        have = float(parcels["floor_area_m2"].iloc[int(j)])
        if total > have:
            tenants = ", ".join(sorted(pid[group["project"].to_numpy()]))
            messages.append(
                say("precheck.floor", tenants=tenants, factory=jid[int(j)], total=total, have=have)
            )
    return messages
