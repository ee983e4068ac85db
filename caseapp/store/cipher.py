"""Refuse to work without SQLCipher, and refuse a store file that is plain SQLite.

A plain `sqlite3` module standing in for `sqlcipher3` accepts `PRAGMA key` silently and
writes everything in the clear, so the cipher is asked for its version before any store is
created or opened, and a file that starts with SQLite's plain header is never taken for one.
"""

from __future__ import annotations

from pathlib import Path

from caseapp.errors import StoreDamaged
from caseapp.store import engine

PLAIN_HEADER = b"SQLite format 3\x00"

MISSING = (
    "SQLCipher is not available to this caseapp (a plain SQLite module was found instead), "
    "so it cannot encrypt: nothing was created or opened. Reinstall caseapp with sqlcipher3."
)


class CipherMissing(StoreDamaged):
    """The database module does not encrypt (exit 3, like any refusal to trust a store)."""


def require_cipher() -> None:
    """Raise `CipherMissing` unless `PRAGMA cipher_version` names a SQLCipher version."""
    try:
        # Looked up on the engine module at call time, so the module actually used is checked.
        conn = engine.sqlcipher3.connect(":memory:")
        try:
            rows = conn.execute("PRAGMA cipher_version").fetchall()
        finally:
            conn.close()
    except Exception as exc:  # any failure here means no usable cipher
        raise CipherMissing(MISSING) from exc
    if not rows or not rows[0] or not str(rows[0][0] or "").strip():
        raise CipherMissing(MISSING)


def refuse_plain(path: Path) -> None:
    """Raise `StoreDamaged` if `path` is an unencrypted SQLite file (a missing file passes)."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(len(PLAIN_HEADER))
    except (FileNotFoundError, IsADirectoryError):
        return
    if head == PLAIN_HEADER:
        raise StoreDamaged(
            f"{Path(path).name} is a plain, unencrypted SQLite file, not a caseapp store: "
            "caseapp will not open it or write to it."
        )
