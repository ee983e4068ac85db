"""The plain SQLite baseline: the store decrypted, opened by SQLCipher's own SQLite, no key.

A baseline run on Python's `sqlite3` would compare two SQLite versions as well as encryption;
opening the copy with `sqlcipher3` and the store's pragmas leaves encryption the only change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import StaticPool

from caseapp.store.engine import CACHE_KIB, PRAGMAS, raw_connect

# The SQLite library both sides run (sqlcipher3's; Python's own sqlite3 is older).
SQLITE_VERSION: str = sqlcipher3.dbapi2.sqlite_version


def plain_copy(path: Path, key: bytes, folder: Path) -> Path:
    """The same database decrypted into a plain SQLite file, for the baseline."""
    plain = folder / "plain.db"
    conn = raw_connect(path, key)
    conn.execute(f"ATTACH DATABASE '{plain}' AS plaintext KEY ''")
    conn.execute("SELECT sqlcipher_export('plaintext')")
    conn.execute("DETACH DATABASE plaintext")
    conn.close()
    return plain


def plain_connect(path: Path) -> Any:
    """One connection to the plain copy: the store's engine and pragmas, without a key."""
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma).fetchall()
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}").fetchall()  # the store's main cache
    return conn


def plain_engine(path: Path) -> Engine:
    """An SQLAlchemy engine over the plain copy, one connection, as `plain_connect` opens."""
    return create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher3.dbapi2,
        creator=lambda: plain_connect(path),
        poolclass=StaticPool,
    )
