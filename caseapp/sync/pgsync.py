"""Capture on a PostgreSQL centre: the owner's triggers (migration 0012) seen from here.

A manager's login owns no table and cannot create a trigger, so the schema's owner installs
them with the schema (migration 0012, run by `caseapp init` or an upgrade) on every synced
table, whether or not the store ever syncs. Their function runs as the owner: it notes a
keyworker's write in `sync_pending` although her login may neither read nor write the sync
tables, and adds her login's name to the row's JSON under `AUTHOR`, so the change is stamped
under her name by the manager's unit of work that next stamps the pending rows.
"""

from __future__ import annotations

from sqlalchemy import Connection

from caseapp.sync.schema import SPECS

AUTHOR = "__caseapp_by"  # the key the trigger adds to a row's JSON for its author
TRIGGER = "caseapp_sync_capture"


def installed(conn: Connection) -> bool:
    """Whether every synced table has the capture trigger."""
    rows = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname = %s AND NOT t.tgisinternal",
        (TRIGGER,),
    )
    have = {str(r[0]) for r in rows}
    return all(spec.name in have for spec in SPECS)


def may_sync(conn: Connection) -> bool:
    """Whether this login may read and write the sync tables (a manager's may)."""
    row = conn.exec_driver_sql(
        "SELECT has_table_privilege('sync_self', 'SELECT') "
        "AND has_table_privilege('sync_change', 'INSERT')"
    ).first()
    return bool(row and row[0])
