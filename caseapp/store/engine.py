"""The SQLCipher engine: a raw 256-bit key, the pragmas docs/security.md asks for, a small pool."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

PAGE_SIZE = 4096
_KEYS: weakref.WeakKeyDictionary[Engine, bytearray] = weakref.WeakKeyDictionary()

# Memory, sized for what the work needs: no command or app session above 300 MB on the large
# store (a 64 MiB cache on each of seven connections once let an export peak at 340 MB). A
# command (an export, an import, the demo build, a backup) works on one thread, so on one
# connection: it gets the main cache. On the large demo build each MiB of cache was about
# 1.8 MB of peak, beside an Argon2id derivation of 64-128 MiB (calibrated per machine) that
# the peak also holds; its CPU time did not grow from 64 MiB down to 16 MiB (8 MiB took a third
# more), so 16 MiB it is.
# The app's thread workers overlap only briefly (a screen loading two panels at once): each
# connection opened beside the first gets a small cache. Worst case, every connection open:
# CACHE_KIB + (MAX_CONNECTIONS - 1) * EXTRA_CACHE_KIB = 40 MiB.
CACHE_KIB = 16 * 1024
EXTRA_CACHE_KIB = 4 * 1024
MAX_CONNECTIONS = 7

# Applied to every connection after the key. secure_delete overwrites freed pages so an
# erased woman leaves no trace; temp_store keeps sorts out of (plaintext) temp files.
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA busy_timeout = 5000",
)


def raw_connect(path: Path, key: bytes, cache_kib: int = CACHE_KIB) -> Any:
    """Open one keyed DB-API connection; the key is raw, so no KDF runs per connection."""
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    # SQLCipher prints its own errors to stderr, which would land in the middle of a screen.
    conn.execute("PRAGMA cipher_log_level = NONE")
    # PRAGMA takes no bound parameters; the text is only the hex of our own random bytes,
    # never anything a person typed (the passphrase never reaches SQL).
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    for pragma in PRAGMAS:
        conn.execute(pragma).fetchall()
    conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}").fetchall()
    return conn


def make_engine(path: Path, key: bytes, connections: int = MAX_CONNECTIONS) -> Engine:
    """Create the engine for an encrypted store.

    Textual's thread workers each run on a new thread, so a per-thread pool would open a
    connection per worker: a small shared queue pool (connections usable across threads)
    keeps it to a few keyed connections for the life of the unlock. They are opened only when
    needed and then kept (no overflow to close and reopen), so the one with the main cache
    stays; the others have small caches (see CACHE_KIB).
    """
    # The key lives in one mutable buffer that `forget_key` zeroes on lock, so a disposed
    # engine that lingers until garbage collection no longer holds it.
    holder = bytearray(key)
    # The DB-API connection that has the main cache, while it is open.
    main: list[Any] = []

    def creator() -> Any:
        if not any(holder):
            raise RuntimeError("the store is locked")
        conn = raw_connect(path, bytes(holder), EXTRA_CACHE_KIB if main else CACHE_KIB)
        if not main:
            main.append(conn)
        return conn

    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher3.dbapi2,
        creator=creator,
        poolclass=QueuePool,
        pool_size=connections,
        max_overflow=0,
        pool_pre_ping=False,
    )

    _KEYS[engine] = holder

    @event.listens_for(engine, "close")
    def _closed(dbapi_conn: Any, _record: Any) -> None:
        # The next connection opened takes over the main cache (after dispose, or an error).
        if main and main[0] is dbapi_conn:
            main.clear()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # The driver runs in autocommit (isolation_level=None); SQLAlchemy owns BEGIN/COMMIT.
        conn.exec_driver_sql("BEGIN")

    return engine


def forget_key(engine: Engine) -> None:
    """Zero the engine's copy of the key; no new connection can be opened after this."""
    holder = _KEYS.pop(engine, None)
    if holder is not None:
        holder[:] = bytes(len(holder))


def checkpoint_and_dispose(engine: Engine) -> None:
    """Fold the WAL into the main file so a copied store is whole, then close every connection."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            conn.rollback()
    finally:
        engine.dispose()
