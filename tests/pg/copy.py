"""Copy every row of a SQLCipher store into a PostgreSQL database (tests only)."""

from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select
from sqlmodel import SQLModel

import caseapp.models  # noqa: F401  (registers every table)


def copy_rows(source: Engine, target: Engine) -> dict[str, int]:
    """Replace the target's rows with the source's, table by table; the rows copied per table.

    Run as the superuser that owns the schema; the migrations' own seed rows are replaced so
    that both sides hold exactly the same rows (ids included).
    """
    tables = SQLModel.metadata.sorted_tables
    copied: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        for table in reversed(tables):
            dst.execute(delete(table))
        for table in tables:
            rows = [dict(row) for row in src.execute(select(table)).mappings()]
            if rows:
                dst.execute(insert(table), rows)
            copied[table.name] = len(rows)
    return copied
