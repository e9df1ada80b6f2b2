"""PostGIS layers in: parcel layers from a table or a query (the source side).

Passwords come from libpq (``PGPASSWORD`` or ``~/.pgpass``) or the URL; they are
never logged, written to outputs or shown in messages. Every database failure a
user can cause (server down, wrong password, missing table, a table without
geometry) becomes an input problem (exit 2) naming the database and the table.
The sink side (result tables out) is ``postgis_sink``; both share ``engine`` and
``connection`` from here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from landplan.errors import InputError, Problem, ProblemLog
from landplan.scenario import LayerSpec

log = logging.getLogger(__name__)

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def engine(url: str) -> Engine:
    """A SQLAlchemy engine on psycopg 3 for a ``postgresql://`` URL."""
    driver_url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
    return create_engine(driver_url, connect_args={"connect_timeout": 10}, pool_pre_ping=True)


def clean(message: str, url: str) -> str:
    """One line of a driver's message, without the URL's password."""
    text = " ".join(str(message).split())
    password = re.match(r"^[^:]+://[^:@/]+:([^@]+)@", url)
    if password:
        text = text.replace(password.group(1), "***")
    return text[:400]


def _connect_problem(exc: Exception, url: str, source: str) -> Problem:
    text = clean(str(getattr(exc, "orig", exc)), url)
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
    if not 1 <= len(parts) <= 2 or not all(IDENT.match(p) for p in parts):
        return None
    return ".".join(f'"{p}"' for p in parts)


def read_layer(spec: LayerSpec, problems: ProblemLog) -> gpd.GeoDataFrame | None:
    """Read ``table:`` or ``sql:`` of a PostGIS layer entry, CRS from the SRID."""
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
        message = clean(str(exc.orig), spec.url)
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
