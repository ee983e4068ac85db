"""Store contents for tests: many rows at once, and the hashes of a store's files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import insert

from caseapp import paths
from caseapp.models import Woman
from caseapp.store.store import Store

ROWS_FOR_MANY_PAGES = 3000


def fill(store: Store, rows: int = ROWS_FOR_MANY_PAGES, *, prefix: str = "R") -> None:
    """Insert `rows` women in one Core executemany so the file spans hundreds of pages."""
    with store.write() as session:
        session.execute(
            insert(Woman),
            [
                {
                    "reference": f"{prefix}{i:06d}",
                    "first_name": f"Synthetic{i}",
                    "last_name": "Person" * 5,
                    "safe_contact_note": "call after six " * 12,
                    "is_synthetic": True,
                }
                for i in range(rows)
            ],
        )


def file_hashes(path: Path) -> dict[str, str | None]:
    """SHA-256 of the store, its key file and its WAL (None when absent)."""
    out: dict[str, str | None] = {}
    for label, file in (
        ("store", path),
        ("keys", paths.key_file_path(path)),
        ("wal", Path(f"{path}-wal")),
    ):
        out[label] = hashlib.sha256(file.read_bytes()).hexdigest() if file.exists() else None
    return out
