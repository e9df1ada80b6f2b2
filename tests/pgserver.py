"""A throwaway PostgreSQL + PostGIS server on 127.0.0.1 (tests and benchmarks).

Debian's PostgreSQL (tests/system-deps.sh installs it), a fresh cluster in a
temporary directory on a free port, password authentication; ``stop()`` removes it.
Run as root, the server runs as the ``postgres`` user (initdb refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

PASSWORD = "s3cret-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert found, "PostgreSQL missing: run the README's test command"
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="landplan-pg-"))
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        (self.dir / "pw").write_text(PASSWORD)
        self._run(
            "initdb",
            "-D",
            str(self.dir / "data"),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={self.dir / 'pw'}",
        )
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        data, logfile = str(self.dir / "data"), str(self.dir / "log")
        self._run("pg_ctl", "-D", data, "-o", options, "-l", logfile, "-w", "start")
        self.sql("postgres", "CREATE DATABASE landplan")
        self.sql("landplan", "CREATE EXTENSION postgis")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bin / tool), *args], check=True, capture_output=True
        )

    def url(self, password: bool = False, db: str = "landplan") -> str:
        auth = f"postgres:{PASSWORD}" if password else "postgres"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"

    def sql(self, db: str, statement: str) -> None:
        engine = create_engine(
            self.url(password=True, db=db).replace("postgresql://", "postgresql+psycopg://"),
            isolation_level="AUTOCOMMIT",
        )
        with engine.connect() as conn:
            conn.execute(text(statement))
        engine.dispose()

    def query(self, statement: str) -> list[Any]:
        engine = create_engine(self.url(password=True).replace("://", "+psycopg://", 1))
        with engine.connect() as conn:
            rows = list(conn.execute(text(statement)))
        engine.dispose()
        return rows

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
