"""Sync's SQL on either engine: SQLite's spelling, translated for a PostgreSQL centre.

Sync's statements are written once, in SQLite's spelling (`?` parameters, `INSERT OR IGNORE`,
two-argument `max`, `rowid`); on PostgreSQL `run` rewrites the few forms that differ. Values
travel in the SQLite store's text forms (booleans 0/1, times `YYYY-MM-DD HH:MM:SS.ffffff`), so
`wire_values` turns PostgreSQL's typed values into those and `to_pg` turns them back.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.util.typing import TupleAny, Unpack

# Tables written with INSERT OR REPLACE, and the key a replaced row is found by.
REPLACE_KEYS = {
    "sync_row": ("tbl", "local_id"),
    "sync_field": ("tbl", "uid", "field", "stamp"),
    "sync_audit_batch": ("origin", "first_seq"),
    "setting": ("key",),
}
LOCK = "caseapp.sync"  # the advisory lock that queues stamping and applying on PostgreSQL
AUDIT_LOCK = "caseapp.audit"  # the audit chain's lock (migration 0010's caseapp_audit)

_REPLACE = re.compile(r"INSERT OR REPLACE INTO (\w+) \(([^)]*)\)")
_MAX2 = re.compile(r"\bmax\((\w+), ")


def is_pg(conn: Connection) -> bool:
    """Whether the connection is to a PostgreSQL store."""
    return conn.dialect.name == "postgresql"


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite's spelling of a sync statement in PostgreSQL's (remembered: a bundle sends a
    few statements thousands of times)."""
    sql = sql.replace("%", "%%").replace("?", "%s")
    sql = re.sub(r"\browid\b", "id", sql)
    sql = sql.replace(" IS NOT %s", " IS DISTINCT FROM %s")
    upsert = re.match(r"INSERT INTO (\w+) .* ON CONFLICT", sql)
    # In an upsert's SET the target's column must be named with its table (as `excluded`'s).
    sql = _MAX2.sub(rf"greatest({upsert.group(1) + '.' if upsert else ''}\1, ", sql)
    if sql.startswith("INSERT OR IGNORE INTO"):
        sql = "INSERT INTO" + sql.removeprefix("INSERT OR IGNORE INTO") + " ON CONFLICT DO NOTHING"
    found = _REPLACE.match(sql)
    if found:
        table, cols = found.group(1), [c.strip() for c in found.group(2).split(",")]
        keys = REPLACE_KEYS[table]
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in keys)
        sql = "INSERT INTO" + sql.removeprefix("INSERT OR REPLACE INTO")
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    return sql


def run(conn: Connection, sql: str, params: Any = ()) -> CursorResult[Unpack[TupleAny]]:
    """Execute one of sync's statements (a list of tuples: once per tuple) on either engine."""
    if is_pg(conn):
        sql = translate(sql)
    if isinstance(params, list) and not params:
        return conn.exec_driver_sql("SELECT 0 WHERE 1 = 0")
    return conn.exec_driver_sql(sql, params)


def insert_id(conn: Connection, sql: str, params: tuple[Any, ...]) -> int:
    """Insert one row and return its new id (`lastrowid` on SQLite, RETURNING on PostgreSQL)."""
    if is_pg(conn):
        return int(run(conn, sql + " RETURNING id", params).scalar_one())
    return int(run(conn, sql, params).lastrowid or 0)


def lock(conn: Connection) -> None:
    """On PostgreSQL, queue behind any other transaction stamping, applying or sending, and
    then behind every write in progress; held to the end of the transaction.

    Two managers syncing at once apply a bundle once and never number two changes alike. The
    second lock is the audit chain's (migration 0010): every write to a woman's records
    appends to the chain and holds that lock until it commits, so once it is taken no such
    write is in progress, none starts until this transaction commits, and every pending row
    seen is either committed before it (and stamped first, as a local change) or its own. The
    order (sync, then audit) is the only one anyone waits in: a manager's commit that holds
    the audit lock only tries the sync lock (`try_lock`). SQLite's writer lock does all this.
    """
    if is_pg(conn):
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (LOCK,))
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (AUDIT_LOCK,))


def try_lock(conn: Connection) -> bool:
    """On PostgreSQL, take the sync lock if no one holds it (a commit's stamping never waits:
    its transaction may hold the audit lock, which a sync holding this one waits for)."""
    if not is_pg(conn):
        return True
    row = conn.exec_driver_sql("SELECT pg_try_advisory_xact_lock(hashtext(%s))", (LOCK,)).one()
    return bool(row[0])


# ---- values ---------------------------------------------------------------------------------

_TYPES: dict[tuple[int, str], dict[str, str]] = {}


def pg_types(conn: Connection, table: str) -> dict[str, str]:
    """A PostgreSQL table's columns and their types, in column order (cached per engine)."""
    key = (id(conn.engine), table)
    if key not in _TYPES:
        rows = conn.exec_driver_sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            (table,),
        )
        _TYPES[key] = {str(r[0]): str(r[1]) for r in rows}
    return _TYPES[key]


def wire_value(value: Any, kind: str = "") -> Any:
    """One value in the SQLite store's form (what the wire and `sync_field` hold)."""
    if value is None:
        return None
    if isinstance(value, bool) or kind == "boolean":
        return int(bool(value))
    if isinstance(value, datetime) or (kind.startswith("timestamp") and isinstance(value, str)):
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return moment.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, time) or (kind.startswith("time ") and isinstance(value, str)):
        clock = value if isinstance(value, time) else time.fromisoformat(value)
        return clock.replace(tzinfo=None).strftime("%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def wire_values(conn: Connection, table: str, values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as SQLite holds them; unchanged on SQLite."""
    if not is_pg(conn):
        return values
    kinds = pg_types(conn, table)
    return {k: wire_value(v, kinds.get(k, "")) for k, v in values.items()}


def to_pg(conn: Connection, table: str, values: dict[str, Any]) -> dict[str, Any]:
    """Values in SQLite's form as PostgreSQL takes them (booleans); unchanged on SQLite."""
    if not is_pg(conn):
        return values
    kinds = pg_types(conn, table)
    out = {}
    for k, v in values.items():
        kind = kinds.get(k, "")
        if kind == "boolean" and v is not None:
            v = bool(v)
        elif kind in ("json", "jsonb") and v is not None and not isinstance(v, str):
            v = json.dumps(v)
        out[k] = v
    return out
