"""The inputs stage: every layer and table of a scenario, validated together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd

from landplan.errors import InputError, Problem, ProblemLog
from landplan.parcels import load_parcels
from landplan.projects import Tables, cross_check, load_tables
from landplan.scenario import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inputs:
    """Everything a scenario reads, validated."""

    scenario: Scenario
    parcels: gpd.GeoDataFrame
    tables: Tables


def load_inputs(scenario: Scenario) -> Inputs:
    """Read every layer and table; raise one InputError with every problem found."""
    problems: list[Problem] = []
    parcels = None
    try:
        parcels = load_parcels(scenario)
    except InputError as exc:
        problems += exc.problems
    table_log = ProblemLog()
    tables = load_tables(scenario, table_log)
    if parcels is not None:
        cross_check(parcels, tables, scenario.projects, table_log)
    problems += table_log.problems
    if problems:
        raise InputError(problems)
    assert parcels is not None
    return Inputs(scenario=scenario, parcels=parcels, tables=tables)
