"""The one bulk write path: SQLAlchemy Core `insert()` executemany in chunks, explicit ids.

The demo provider and the import both write through here. Ids are allocated up front from
`max(id) + 1` inside the writer's transaction (one writer at a time), so child rows can point
at their parents without a round trip per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
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


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _writer(conn: Connection, model: type[SQLModel], keys: list[str]) -> tuple[str, list[Any]]:
    """The compiled Core `insert()` for these columns, and each parameter's bind processor.

    Processors are SQLAlchemy's own (dates to ISO text, aware datetimes to UTC), so rows are
    stored exactly as an ORM or Core insert would store them.
    """
    table = table_of(model)
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=keys)
    order = list(compiled.positiontup or ())
    processors = [
        table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for name in order
    ]
    return str(compiled), list(zip(order, processors, strict=True))


def insert_rows(
    conn: Connection,
    model: type[SQLModel],
    rows: Iterable[Row] | Iterable[Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert rows through Core executemany in chunks; return the count.

    Rows are dicts with the same keys, or (with `columns`) sequences in that column order,
    which saves building a dict per row on the largest tables. The statement is compiled once
    and each chunk goes to the driver's `executemany` as tuples.
    """
    count = 0
    sql = ""
    plan: list[tuple[Any, Callable[[Any], Any] | None]] = []
    for block in _chunks(rows, chunk):
        if not sql:
            keys = list(columns) if columns is not None else list(block[0])
            sql, found = _writer(conn, model, keys)
            # Column by column through a C-level cache: dates and timestamps repeat a lot.
            plan = [
                (
                    keys.index(name) if columns is not None else name,
                    lru_cache(4096)(p) if p else None,
                )
                for name, p in found
            ]
        values: list[list[Any]] = []
        for at, process in plan:
            column = [row[at] for row in block]
            values.append(list(map(process, column)) if process is not None else column)
        conn.exec_driver_sql(sql, list(zip(*values, strict=True)))
        count += len(block)
        if progress is not None:
            progress(len(block))
    return count
