"""PostGIS in and out: parcel layers from a table or a query, results in one transaction.

Passwords come from libpq (``PGPASSWORD`` or ``~/.pgpass``) or the URL; they are
never logged, written to outputs or shown in messages. Every database failure a
user can cause (server down, wrong password, missing table, a table without
geometry) becomes an input problem (exit 2) naming the database and the table.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import pandas as pd

from landplan.errors import InputError, Problem, ProblemLog
from landplan.scenario import LayerSpec, _redact

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from landplan.output import RunResult

log = logging.getLogger(__name__)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def engine(url: str) -> Engine:
    """A SQLAlchemy engine on psycopg 3 for a ``postgresql://`` URL."""
    from sqlalchemy import create_engine

    driver_url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
    return create_engine(driver_url, connect_args={"connect_timeout": 10}, pool_pre_ping=True)


def _clean(message: str, url: str) -> str:
    """One line of a driver's message, without the URL's password."""
    text = " ".join(str(message).split())
    password = re.match(r"^[^:]+://[^:@/]+:([^@]+)@", url)
    if password:
        text = text.replace(password.group(1), "***")
    return text[:400]


def _connect_problem(exc: Exception, url: str, source: str) -> Problem:
    text = _clean(str(getattr(exc, "orig", exc)), url)
    if "password authentication failed" in text or "no password supplied" in text:
        fix = "check the user and set PGPASSWORD or a ~/.pgpass line for this server"
        what = "the database refused the login"
    elif "does not exist" in text and "database" in text:
        fix = "check the database name in the URL"
        what = "no such database"
    else:
        fix = "check that the server runs and the host and port in the URL"
        what = "cannot reach the database"
    return Problem(source, f"{what}: {text}", fix=fix)


@contextmanager
def connection(url: str, source: str) -> Iterator[Connection]:
    """A connection in a transaction; connection failures become input problems."""
    from sqlalchemy.exc import OperationalError

    eng = engine(url)
    try:
        try:
            conn = eng.connect()
        except OperationalError as exc:
            raise InputError([_connect_problem(exc, url, source)]) from None
        with conn, conn.begin():
            yield conn
    finally:
        eng.dispose()


def _quote_table(table: str) -> str | None:
    """``schema.table`` or ``table`` as quoted SQL, or None if it is not a plain name."""
    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENT.match(p) for p in parts):
        return None
    return ".".join(f'"{p}"' for p in parts)


def read_layer(spec: LayerSpec, problems: ProblemLog) -> gpd.GeoDataFrame | None:
    """Read ``table:`` or ``sql:`` of a PostGIS layer entry, CRS from the SRID."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    assert spec.url is not None
    source = spec.source
    if spec.table is not None:
        quoted = _quote_table(spec.table)
        if quoted is None:
            problems.add(
                source,
                f"table {spec.table!r} is not a plain schema.table name",
                field="table",
                fix="give table: schema.table, or a query with sql:",
            )
            return None
        query = f"SELECT * FROM {quoted}"
    else:
        query = str(spec.sql).strip().rstrip(";")
    try:
        with connection(spec.url, source) as conn:
            probe = conn.execute(text(f"SELECT * FROM ({query}) AS q LIMIT 0"))
            names = list(probe.keys())
            raw_cursor: Any = probe.cursor
            oids = [d.type_code for d in raw_cursor.description] if raw_cursor else []
            geometry_oid = conn.execute(
                text("SELECT oid FROM pg_type WHERE typname = 'geometry'")
            ).scalar()
            geoms = [n for n, oid in zip(names, oids, strict=True) if oid == geometry_oid]
            if not geoms:
                problems.add(
                    source,
                    "has no geometry column",
                    fix="give a table or query with a PostGIS geometry column",
                )
                return None
            frame = gpd.read_postgis(text(f"SELECT * FROM ({query}) AS q"), conn, geom_col=geoms[0])
    except InputError as exc:
        for problem in exc.problems:
            problems.add(problem.source, problem.message, fix=problem.fix)
        return None
    except DBAPIError as exc:
        message = _clean(str(exc.orig), spec.url)
        fix = (
            "check the schema and table name, and that this user may read it"
            if "does not exist" in message or "permission denied" in message
            else "check the sql: query"
        )
        problems.add(source, f"the database says: {message}", fix=fix)
        return None
    if frame.crs is None and len(frame):
        log.warning("%s: geometry has SRID 0; give 'crs:' on the layer entry", source)
    return frame


# -- writing results ---------------------------------------------------------------


def _run_row(result: RunResult, run_id: str, run_at: str) -> pd.DataFrame:
    from landplan.output import resolved, summary

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


TABLES = ("parcels", "allocation", "costshare", "runs")


def write_results(
    result: RunResult, url: str, schema: str = "landplan", keep_history: bool = False
) -> str:
    """Write the run's tables to ``schema`` in one transaction; returns the run id.

    Tables: ``parcels`` (geometry), ``allocation``, ``costshare``, ``runs``, each
    with ``run_id``. Without ``keep_history`` the tables are replaced; with it, rows
    are added. Readers see the old tables or the new ones, never a mix: the whole
    write is one transaction (PostgreSQL's DDL is transactional), so a failure
    part-way leaves the old tables as they were.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from landplan.output import allocation_table, parcel_layer

    source = f"--to-postgis {_redact(url)}"
    if not _IDENT.match(schema):
        raise InputError(
            [Problem(source, f"schema {schema!r} is not a plain name", fix="e.g. --schema plan")]
        )
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
                write_table(conn, frame, name, schema, mode)
    except DBAPIError as exc:
        raise InputError(
            [
                Problem(
                    source,
                    "writing the results failed; nothing was changed: "
                    + _clean(str(exc.orig), url),
                    fix="check that this user may create tables in the schema",
                )
            ]
        ) from None
    log.info("wrote %s to %s schema %s", ", ".join(TABLES), _redact(url), schema)
    return run_id


def write_table(
    conn: Connection,
    frame: pd.DataFrame,
    name: str,
    schema: str,
    mode: Literal["replace", "append"],
) -> None:
    """One table inside the caller's transaction (a seam for failure tests)."""
    if isinstance(frame, gpd.GeoDataFrame):
        frame.to_postgis(name, conn, schema=schema, if_exists=mode, index=False)
    else:
        frame.to_sql(name, conn, schema=schema, if_exists=mode, index=False)
