"""The one bulk write path: SQLAlchemy Core `insert()` executemany in chunks, explicit ids.

The demo provider and the import both write through here. Ids are allocated up front from
`max(id) + 1` inside the writer's transaction (one writer at a time), so child rows can point
at their parents without a round trip per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select
from sqlmodel import SQLModel

CHUNK = 5_000

Row = dict[str, Any]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel table class."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def next_id(conn: Connection, model: type[SQLModel], column: str = "id") -> int:
    """The first free integer id of a table (call inside the write transaction)."""
    table = table_of(model)
    current = conn.execute(select(func.max(table.c[column]))).scalar()
    return int(current or 0) + 1


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_rows(
    conn: Connection,
    model: type[SQLModel],
    rows: Iterable[Row],
    *,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert dict rows (all with the same keys) through Core executemany; return the count."""
    table = table_of(model)
    statement = insert(table)
    count = 0
    for block in _chunks(rows, chunk):
        conn.execute(statement, block)
        count += len(block)
        if progress is not None:
            progress(len(block))
    return count
