"""PostGIS out: a run's result tables, written in one transaction (the sink side).

``check_target`` runs before the plan is computed: a server that is down, a
refused login or a bad schema name is a problem with the command line (exit 2),
found before any work. A failure while writing is an ``OutputError`` (exit 4):
the transaction is rolled back, so the old tables stay as they were.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from typing import Literal

import geopandas as gpd
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from landplan.errors import InputError, OutputError, Problem
from landplan.postgis_source import IDENT, clean, connection
from landplan.results import RunResult, allocation_table, parcel_layer, resolved, summary
from landplan.scenario import redact

log = logging.getLogger(__name__)

TABLES = ("parcels", "allocation", "costshare", "runs")


def check_target(url: str, schema: str) -> None:
    """Connect once to the target database; raise InputError if it cannot be used."""
    source = f"--to-postgis {redact(url)}"
    if not IDENT.match(schema):
        raise InputError(
            [Problem(source, f"schema {schema!r} is not a plain name", fix="e.g. --schema plan")]
        )
    with connection(url, source) as conn:
        conn.execute(text("SELECT 1"))


def _run_row(result: RunResult, run_id: str, run_at: str) -> pd.DataFrame:
    facts = summary(result)
    inputs = resolved(result)["inputs_sha256"]
    return pd.DataFrame(
        [
            {
                "run_id": run_id,
                "run_at": run_at,
                "scenario": facts["scenario"],
                "status": facts["status"],
                "objective": facts["objective"],
                "gap": facts["gap"],
                "placed": facts["projects"]["placed"],
                "projects": facts["projects"]["total"],
                "hightech_placed": facts["hightech"]["placed"],
                "land_used_ha": facts["land_used_ha"],
                "subsidy": facts["costshare"]["subsidy"],
                "kpis": json.dumps(facts["kpis"], ensure_ascii=False),
                "inputs_sha256": json.dumps(inputs, ensure_ascii=False),
            }
        ]
    )


def write_results(
    result: RunResult, url: str, *, schema: str = "landplan", keep_history: bool = False
) -> str:
    """Write the run's tables to ``schema`` in one transaction; returns the run id.

    Tables: ``parcels`` (geometry), ``allocation``, ``costshare``, ``runs``, each
    with ``run_id``. Without ``keep_history`` the tables are replaced; with it, rows
    are added. Readers see the old tables or the new ones, never a mix: the whole
    write is one transaction (PostgreSQL's DDL is transactional), so a failure
    part-way leaves the old tables as they were.

    Raises
    ------
    OutputError
        When the database cannot be reached or refuses the write.
    """
    source = f"--to-postgis {redact(url)}"
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    run_id = f"{result.inputs.scenario.name}-{run_at}-{uuid.uuid4().hex[:8]}"
    frames: dict[str, pd.DataFrame] = {
        "parcels": parcel_layer(result),
        "allocation": allocation_table(result),
        "costshare": result.shares,
        "runs": _run_row(result, run_id, run_at),
    }
    mode: Literal["replace", "append"] = "append" if keep_history else "replace"
    try:
        with connection(url, source) as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            for name in TABLES:
                frame = frames[name].copy()
                if "run_id" not in frame:
                    frame.insert(0, "run_id", run_id)
                write_table(conn, frame, name, schema=schema, mode=mode)
    except InputError as exc:  # the server went away between the check and the write
        raise OutputError(
            f"{source}: writing the results failed; nothing was changed: {exc.problems[0].message}"
        ) from None
    except DBAPIError as exc:
        raise OutputError(
            f"{source}: writing the results failed; nothing was changed: "
            + clean(str(exc.orig), url)
            + " — check that this user may create tables in the schema"
        ) from None
    log.info("wrote %s to %s schema %s", ", ".join(TABLES), redact(url), schema)
    return run_id


def write_table(
    conn: Connection,
    frame: pd.DataFrame,
    name: str,
    *,
    schema: str,
    mode: Literal["replace", "append"],
) -> None:
    """One table inside the caller's transaction (a seam for failure tests)."""
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_postgis(name, conn, schema=schema, if_exists=mode, index=False)
    else:
        frame.to_sql(name, conn, schema=schema, if_exists=mode, index=False)
