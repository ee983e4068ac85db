"""A store on a PostgreSQL server: her own login, the database's rules, no key file.

The person signs in with her caseapp username and passphrase, which are her PostgreSQL login
(SCRAM on the server). There is no data key, key file, recovery slot or writer lock: the
server holds the data, its row-level security decides what the login sees (migration 0010),
and many people write at once. `PgStore` keeps `Store`'s surface for the services (`engine`,
`read()`, `write()`, `writing`, `close()`); what only a SQLCipher file has (key slots,
rekeying, twins) refuses with a clear message.
"""

from __future__ import annotations

import contextlib
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from caseapp.errors import PassphraseIncorrect, StoreDamaged, StoreNotFound
from caseapp.store import migrate
from caseapp.store.store import NestedWrite, Store

SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def is_pg_url(store: str | Path) -> bool:
    """Whether `--store` names a PostgreSQL database rather than a SQLCipher file."""
    return isinstance(store, str) and store.startswith(SCHEMES)


def pg_engine(url: str, username: str | None = None, passphrase: str | None = None) -> Engine:
    """An engine on `url` (libpq rules: host, port, `sslmode`, `PG*` variables) as a login.

    The login's name and passphrase are set on the URL object, never spliced into text.
    """
    if importlib.util.find_spec("psycopg") is None:
        raise StoreNotFound(
            "A PostgreSQL store needs the psycopg driver: install caseapp[postgresql]."
        )
    parsed = make_url(url).set(drivername="postgresql+psycopg")
    if username is not None:
        parsed = parsed.set(username=username, password=passphrase)
    return create_engine(parsed, pool_size=5, max_overflow=5, pool_pre_ping=True)


class ServerLogins:
    """What the services ask of a key file, answered by the server: who has a login.

    `find` is truthy when the server has a login of that name; there is no audit head to
    keep beside the data (the chain lives in the database, appended by the server).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.audit_head: dict[str, Any] = {}

    def find(self, username: str) -> str | None:
        """The login's name when the server has one (she can sign in), else None."""
        with self._engine.connect() as conn:
            found = conn.execute(
                text("SELECT rolname FROM pg_roles WHERE rolname = :name AND rolcanlogin"),
                {"name": username},
            ).scalar()
        return None if found is None else str(found)


class PgStore(Store):
    """An open PostgreSQL store for one login (the services see it as a `Store`)."""

    kind = "postgresql"

    def __init__(self, url: str, engine: Engine) -> None:  # no key file, no file lock
        self.url = url
        self.path = Path("postgresql")  # not a file: shown only where a store is named
        self.engine = engine
        self.generation = 0
        self.pending_head: dict[str, Any] | None = None
        self.audit_key = b""
        self.stable = {}
        self._open = True
        self._tls = threading.local()
        self.key_file = ServerLogins(engine)  # type: ignore[assignment]

    @property
    def is_open(self) -> bool:
        """Whether the store still holds its connections."""
        return self._open

    @property
    def data_key(self) -> bytes:
        """There is none: the server holds the data."""
        raise StoreNotFound("A PostgreSQL store has no data key.")

    @property
    def writing(self) -> bool:
        """Whether the calling thread is inside `write()` (so it must not open another)."""
        return bool(getattr(self._tls, "writing", False))

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work, committed at the end; other people write at the same time.

        Entries for the audit log are appended by the server (`caseapp_audit()` and the row
        triggers) in the same transaction. A `PermissionDenied` raised inside rolls the work
        back, then its audit entry is committed in a transaction of its own, as on SQLite.
        """
        if self.writing:
            raise NestedWrite(
                "Store.write() was opened inside another write() on the same thread; "
                "pass the open session down instead."
            )
        self._tls.writing = True
        try:
            with self._unit_of_work() as session:
                yield session
        finally:
            self._tls.writing = False

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                self.pending_head = None

    def _file_only(self, *_args: object, **_kwargs: object) -> NoReturn:
        raise StoreDamaged(
            "That works on a SQLCipher store only: on PostgreSQL, logins and passwords are "
            "the server's (ask its administrator)."
        )

    save_key_file = _file_only
    set_slot = _file_only  # type: ignore[assignment]
    remove_slot = _file_only  # type: ignore[assignment]
    new_recovery_code = _file_only  # type: ignore[assignment]
    rekey = _file_only  # type: ignore[assignment]
    twin = _file_only  # type: ignore[assignment]

    def close(self) -> None:
        """Drop every connection."""
        if self._open:
            self._open = False
            self.engine.dispose()

    def __enter__(self) -> PgStore:
        return self


def open_pg_store(url: str, username: str, passphrase: str) -> PgStore:
    """Sign in to the PostgreSQL store at `url` as `username`; refuse a database not at head.

    A login cannot migrate the schema (it owns nothing): the owner runs `caseapp init`.
    """
    engine = pg_engine(url, username, passphrase)
    try:
        revision = migrate.current_revision(engine)
    except OperationalError as exc:
        engine.dispose()
        if "authentication failed" in str(exc.orig) or "password" in str(exc.orig):
            raise PassphraseIncorrect("The username or passphrase is not right.") from exc
        raise StoreNotFound(f"caseapp cannot reach the PostgreSQL server: {exc.orig}") from exc
    if revision != migrate.head_revision():
        engine.dispose()
        raise StoreDamaged(
            f"The database is at revision {revision or 'none'}, this caseapp needs "
            f"{migrate.head_revision()}: its owner runs `caseapp init` (or an upgrade) first."
        )
    return PgStore(url, engine)


GROUPS = {
    "keyworker": "caseapp_keyworker",
    "manager": "caseapp_manager",
    "admin": "caseapp_admin",
}


def create_login(conn: Connection, username: str, passphrase: str, role: str) -> None:
    """Create her PostgreSQL login, a member of her role's group (run by a role-creating owner).

    CREATE ROLE takes no bound parameters: the name is quoted as an identifier and the
    passphrase as a literal by psycopg, never pasted as typed. The server stores the SCRAM
    verifier (password_encryption = scram-sha-256), not the passphrase.
    """
    from psycopg import sql

    raw = conn.connection.driver_connection
    statement = sql.SQL("CREATE ROLE {} LOGIN IN ROLE {} PASSWORD {}").format(
        sql.Identifier(username), sql.Identifier(GROUPS[role]), sql.Literal(passphrase)
    )
    conn.exec_driver_sql(statement.as_string(raw))


def owner_store(url: str) -> PgStore:
    """The database as its owner, signed in by libpq's rules (the URL, `PG*`, `.pgpass`).

    Only `caseapp init` (and later upgrades) use it: the owner creates the schema, the roles
    and the first manager's login; it is not a login for work.
    """
    engine = pg_engine(url)
    try:
        migrate.upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StoreNotFound(f"caseapp cannot reach the PostgreSQL server: {exc.orig}") from exc
    return PgStore(url, engine)


def sync_serial(store: PgStore, table: str) -> None:
    """Move a table's id sequence past rows inserted with explicit ids (the first manager)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" (SELECT coalesce(max(id), 1) FROM {table}))"
        )
