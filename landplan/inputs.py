"""The input stage: every file a scenario names, read once and checked together.

This is the only stage that reads input files and the only one that raises
``InputError``: everything that can be checked without solving is checked here
(layers, tables, spatial rules, locked parcels, the parks' land costs), and all
problems are reported in one pass. ``landplan validate`` is this stage plus an
inventory, so a scenario it accepts never makes ``landplan run`` exit 2.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from landplan.costshare import cost_problems, park_average_cost, park_floor_rate
from landplan.domain import Status
from landplan.errors import InputError, Problem, ProblemLog
from landplan.parcels import load_parcels
from landplan.scenario import Scenario
from landplan.spatial import NearLayer, SpatialLayer, read_constraints, read_near
from landplan.tables import Tables, load_tables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inputs:
    """Everything a scenario reads, validated.

    Attributes
    ----------
    parcels
        One row per parcel (docs/inputs.md, "Parcels"), geometry in the scenario CRS.
    tables
        Projects, zoning, parks.
    constraints
        The spatial rules' layers, in the scenario CRS.
    near
        The proximity layers, each with every parcel's score.
    park_avg
        Each park's average land development cost, 万元/ha.
    floor_rate
        Each park's cost per m² of permitted floor space, 万元/m² (NaN where
        ``parks.csv`` gives no ``floor_area_m2``).
    """

    scenario: Scenario
    parcels: gpd.GeoDataFrame
    tables: Tables
    constraints: tuple[SpatialLayer, ...]
    near: tuple[NearLayer, ...]
    park_avg: pd.Series
    floor_rate: pd.Series


def load_inputs(scenario: Scenario) -> Inputs:
    """Read every layer and table; raise one InputError with every problem found."""
    problems: list[Problem] = []
    parcels = None
    try:
        parcels = load_parcels(scenario)
    except InputError as exc:
        problems += exc.problems
    found = ProblemLog()
    tables = load_tables(scenario, found)
    constraints = read_constraints(scenario.constraints, scenario.crs, found)
    if parcels is None:
        raise InputError(problems + found.problems)
    near = read_near(scenario.near, parcels, crs=scenario.crs, problems=found)
    problems += found.problems
    avg = park_average_cost(parcels, tables.parks)
    rate = park_floor_rate(tables.parks)
    inputs = Inputs(
        scenario=scenario,
        parcels=parcels,
        tables=tables,
        constraints=constraints,
        near=near,
        park_avg=avg,
        floor_rate=rate,
    )
    problems += cross_check(inputs)
    if problems:
        raise InputError(problems)
    return inputs


def cross_check(inputs: Inputs, scenario: Scenario | None = None) -> list[Problem]:
    """Checks that need several inputs together, for ``scenario`` (default: the inputs').

    A sweep calls this for each point, since a point may change what is checked
    (``costshare.method: floor`` needs every park's permitted floor space).
    """
    scenario = scenario or inputs.scenario
    parcels, tables = inputs.parcels, inputs.tables
    found = ProblemLog()
    known = set(parcels["parcel_id"])
    source = str(scenario.projects.path)
    locked = tables.projects[tables.projects["locked_parcel"] != ""]
    for row in locked.itertuples():
        if row.locked_parcel not in known:
            found.add(
                source,
                f"locked_parcel {row.locked_parcel!r} is not in any parcel layer",
                row=str(row.project_id),
                field="locked_parcel",
                fix="correct the parcel id or clear locked_parcel",
            )
    for parcel_id, group in locked.groupby("locked_parcel"):
        if len(group) > 1:
            found.add(
                source,
                f"parcel {parcel_id!r} is promised to {len(group)} projects: "
                f"{', '.join(group['project_id'])}",
                row=str(group["project_id"].iloc[1]),
                field="locked_parcel",
                fix="promise each parcel to one project (a promised parcel is reserved for it)",
            )
    parks = set(parcels["park"])
    projects = tables.projects
    for row in projects[(projects["park"] != "") & ~projects["park"].isin(parks)].itertuples():
        found.add(
            source,
            f"preferred park {row.park!r} is not the park of any parcel",
            row=str(row.project_id),
            field="park",
            fix=f"use one of {', '.join(sorted(parks))}, or leave it empty",
        )
    caps = scenario.phasing.land_caps() if scenario.phasing is not None else []
    for park in sorted({park for park, _, _ in caps if park is not None} - parks):
        found.add(
            str(scenario.file),
            f"caps the land of park {park!r}, which no parcel is in",
            field=f"phasing.land_ha.{park}",
            fix=f"use parks of the parcel layers: {', '.join(sorted(parks))}",
        )
    for k, spec in enumerate(scenario.near):
        unknown = [x for x in spec.sectors if x not in tables.zoning]
        if unknown:
            found.add(
                str(scenario.file),
                f"names sectors the zoning table does not have: {', '.join(map(repr, unknown))}",
                field=f"near[{k}].sectors",
                fix=f"use sectors of the zoning table: {', '.join(sorted(tables.zoning))}",
            )
    found.problems.extend(_firm_problems(inputs, scenario))
    unknown_parks = set(tables.parks["park"]) - parks
    if unknown_parks:
        log.warning("parks table names parks with no parcel: %s", ", ".join(sorted(unknown_parks)))
    supply = parcels.loc[parcels["status"] == Status.AVAILABLE, "park"]
    cost_source = str(scenario.parks.path if scenario.parks is not None else scenario.file)
    return found.problems + cost_problems(
        avg=inputs.park_avg,
        floor_rate=inputs.floor_rate,
        parks=supply,
        params=scenario.costshare,
        source=cost_source,
    )


def _firm_problems(inputs: Inputs, scenario: Scenario) -> list[Problem]:
    """The firms table against the parcels and what the evaluation weighs."""
    firms = inputs.tables.firms
    if scenario.firms is None:
        return []
    found = ProblemLog()
    source = str(scenario.firms.path)
    known = set(inputs.parcels["parcel_id"])
    unknown = firms[(firms["parcel_id"] != "") & ~firms["parcel_id"].isin(known)]
    for row in unknown.head(20).itertuples():
        found.add(
            source,
            f"parcel_id {row.parcel_id!r} is not in any parcel layer",
            row=str(row.firm),
            field="parcel_id",
            fix="correct the parcel id, or add the parcel to a layer",
        )
    if len(unknown) > 20:
        found.add(source, f"{len(unknown) - 20} more firms on unknown parcels", field="parcel_id")
    if scenario.evaluation is not None:
        need = {  # indicator -> the figure it needs besides tax, output and land
            "value_added_per_mu": "value_added",
            "value_added_per_energy": "energy_tce",
            "rd_intensity": "rd_spend",
            "labour_productivity": "jobs",
        }
        for name, spec in scenario.evaluation.indicators.items():
            column = need.get(name)
            if spec.weight > 0 and column is not None and firms[column].isna().all():
                found.add(
                    source,
                    f"no firm has a '{column}' figure, which {name} needs",
                    field=column,
                    fix=f"fill in '{column}', or set evaluation.indicators.{name}.weight to 0",
                )
    return found.problems
