"""The one bulk write path: SQLAlchemy Core `insert()` executemany in chunks, explicit ids.

The demo provider and the import both write through here. Ids are allocated up front from
`max(id) + 1` inside the writer's transaction (one writer at a time), so child rows can point
at their parents without a round trip per row. On PostgreSQL the table's id sequence is then
moved past the ids written, so the services' next row there does not reuse one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import islice
from typing import Any, cast

from sqlalchemy import Connection, String, Table, func, insert, select
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
    # psycopg's dialect names its parameters (%(name)s); the rows go as tuples, so the
    # statement is compiled with positional %s markers, which psycopg also takes.
    dialect = conn.dialect
    if not dialect.positional:
        dialect = cast(Any, type(dialect))(paramstyle="format")
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
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
        tuples = list(zip(*values, strict=True))
        if conn.dialect.name == "postgresql":
            _insert_values(conn, table_of(model), sql, tuples)
        else:
            conn.exec_driver_sql(sql, tuples)
        count += len(block)
        if progress is not None:
            progress(len(block))
    if count and conn.dialect.name == "postgresql" and sql and "id" in table_of(model).c:
        _advance_sequence(conn, table_of(model))
    return count


def _insert_values(conn: Connection, table: Table, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """On PostgreSQL, the chunk's rows in one statement: a column's values as one array each,
    `INSERT INTO t (a, b) SELECT * FROM unnest(%s::integer[], %s::varchar(40)[])`.

    One statement a row made row-level security rebuild its subquery for every row and the
    audit trigger (migration 0015) lock the chain and read its last entry for every row. A
    `VALUES (...), (...)` statement of a thousand rows did neither, but its text (sixty
    thousand markers) was parsed afresh by the driver and the server for every chunk; this
    one is the same few lines whatever the chunk's size. `unnest` gives the rows in the order
    of the arrays, so ids and audit entries come in the order they did.
    """
    # The compiled statement's head names the columns in the order of each row's values.
    head = sql.split(" RETURNING ", 1)[0].rsplit(" VALUES ", 1)[0]
    names = [name.strip().strip('"') for name in head[head.index("(") + 1 : -1].split(",")]
    casts = ", ".join(f"%s::{_array_of(conn, table, name)}[]" for name in names)
    columns = [list(column) for column in zip(*rows, strict=True)]
    conn.exec_driver_sql(f"{head} SELECT * FROM unnest({casts})", tuple(columns))


def _array_of(conn: Connection, table: Table, name: str) -> str:
    """The element type of a column's array: text for any string, so the column's own length
    is checked as the row is stored (an explicit cast to `varchar(n)` would cut it short)."""
    column_type = table.c[name].type
    # SQLModel's strings are a decorator around String.
    if isinstance(column_type, String) or isinstance(getattr(column_type, "impl", None), String):
        return "text"
    return column_type.compile(dialect=conn.dialect)


def _advance_sequence(conn: Connection, table: Table) -> None:
    """Move the id sequence past the highest id, using only `nextval` (a login's USAGE right:
    `setval` would need UPDATE on the sequence, which no caseapp login holds)."""
    sequence = conn.exec_driver_sql(
        "SELECT pg_get_serial_sequence(%(t)s, 'id')", {"t": table.name}
    ).scalar()
    if sequence is None:
        return
    highest = conn.execute(select(func.max(table.c.id))).scalar() or 0
    current = conn.exec_driver_sql("SELECT nextval(%(s)s)", {"s": sequence}).scalar_one()
    if current < highest:
        # A sequence is not transactional: values drawn here stay drawn if the import rolls
        # back, which leaves a gap in the ids and nothing else.
        conn.exec_driver_sql(
            "SELECT max(nextval(%(s)s)) FROM generate_series(1, %(n)s)",
            {"s": sequence, "n": highest - current},
        )
