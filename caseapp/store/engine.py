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
CACHE_KIB = 64 * 1024

# Applied to every connection after the key. secure_delete overwrites freed pages so an
# erased woman leaves no trace; temp_store keeps sorts out of (plaintext) temp files.
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA busy_timeout = 5000",
    f"PRAGMA cache_size = -{CACHE_KIB}",
)


def raw_connect(path: Path, key: bytes) -> Any:
    """Open one keyed DB-API connection; the key is raw, so no KDF runs per connection."""
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    # SQLCipher prints its own errors to stderr, which would land in the middle of a screen.
    conn.execute("PRAGMA cipher_log_level = NONE")
    # PRAGMA takes no bound parameters; the text is only the hex of our own random bytes,
    # never anything a person typed (the passphrase never reaches SQL).
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    for pragma in PRAGMAS:
        conn.execute(pragma).fetchall()
    return conn


def make_engine(path: Path, key: bytes, pool_size: int = 3) -> Engine:
    """Create the engine for an encrypted store.

    Textual's thread workers each run on a new thread, so a per-thread pool would open a
    connection per worker: a small shared queue pool (connections usable across threads)
    keeps it to a few keyed connections for the life of the unlock.
    """
    # The key lives in one mutable buffer that `forget_key` zeroes on lock, so a disposed
    # engine that lingers until garbage collection no longer holds it.
    holder = bytearray(key)

    def creator() -> Any:
        if not any(holder):
            raise RuntimeError("the store is locked")
        return raw_connect(path, bytes(holder))

    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher3.dbapi2,
        creator=creator,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=4,
        pool_pre_ping=False,
    )

    _KEYS[engine] = holder

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
