"""Rows on the wire: local ids become uids, usernames and hub codes, and back again."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from caseapp.sync.db import insert_id, is_pg, run, to_pg, wire_values
from caseapp.sync.ids import natural_uid
from caseapp.sync.schema import BY_NAME, Spec, columns, quote

Values = dict[str, Any]


class Missing(Exception):
    """A row refers to another row this store does not hold (erased, or outside its scope)."""


def uid_of(conn: Connection, table: str, local_id: int | None) -> str | None:
    """The uid of a row with an integer id, if it has one."""
    if local_id is None:
        return None
    row = run(
        conn, "SELECT uid FROM sync_row WHERE tbl = ? AND local_id = ?", (table, local_id)
    ).first()
    return str(row[0]) if row else None


def local_of(conn: Connection, table: str, uid: str) -> int | None:
    """The local id of a row with an integer id, from its uid."""
    ahead = _KNOWN.table
    if ahead is not None and (table, uid) in ahead:
        return ahead[(table, uid)]
    row = run(conn, "SELECT local_id FROM sync_row WHERE uid = ? AND tbl = ?", (uid, table)).first()
    return int(row[0]) if row else None


class _Known(threading.local):
    """Local ids read ahead for a batch of changes being applied: (table, uid) -> id or None,
    and ("user", username) / ("hub", code) -> id. A key not held is asked of the store."""

    table: dict[tuple[str, str], int | None] | None = None


_KNOWN = _Known()
_AHEAD = 500  # uids to a look-up statement (SQLite takes 32,766 parameters)


@contextlib.contextmanager
def reading_ahead(conn: Connection, wanted: set[tuple[str, str]]) -> Iterator[None]:
    """Answer `local_of` for the `wanted` (table, uid) pairs, and every member of staff and
    hub, from a few statements read now, rather than a round trip each (a PostgreSQL centre).

    The caller keeps the answers true while the block runs: `known` after each row it maps
    and `forget_known` before anything else changes `sync_row`, `app_user` or `hub`.
    """
    ahead: dict[tuple[str, str], int | None] = dict.fromkeys(wanted)
    uids = sorted({uid for _table, uid in wanted})
    for at in range(0, len(uids), _AHEAD):
        part = uids[at : at + _AHEAD]
        rows = run(
            conn,
            f"SELECT tbl, uid, local_id FROM sync_row WHERE uid IN ({', '.join('?' * len(part))})",
            tuple(part),
        )
        for table, uid, local_id in rows:
            if (str(table), str(uid)) in ahead:
                ahead[(str(table), str(uid))] = int(local_id)
    for name, user_id in run(conn, "SELECT username, id FROM app_user"):
        ahead[("user", str(name))] = int(user_id)
    for code, hub_id in run(conn, "SELECT code, id FROM hub"):
        ahead[("hub", str(code))] = int(hub_id)
    _KNOWN.table = ahead
    try:
        yield
    finally:
        _KNOWN.table = None


def known(kind: str, key: str, local_id: int) -> None:
    """Note a row mapped (or a member of staff or hub added) while reading ahead."""
    if _KNOWN.table is not None:
        _KNOWN.table[(kind, key)] = local_id


def forget_known() -> None:
    """Drop what was read ahead: from here every look-up asks the store again."""
    if _KNOWN.table is not None:
        _KNOWN.table = {}


class _Memo(threading.local):
    """Reference lookups remembered while one unit of work's changes are stamped."""

    table: dict[tuple[str, Any], Any] | None = None


_MEMO = _Memo()


@contextlib.contextmanager
def remembering() -> Iterator[None]:
    """Remember reference lookups until the block ends (an import refers to one woman often)."""
    _MEMO.table = {}
    try:
        yield
    finally:
        _MEMO.table = None


def remember(kind: str, value: Any, result: Any) -> None:
    """Note a lookup's answer made before it is in the store (a uid given in this batch)."""
    if _MEMO.table is not None:
        _MEMO.table[(kind, value)] = result


def _ref_to_wire(conn: Connection, kind: str, value: Any) -> Any:
    if value is None:
        return None
    memo = _MEMO.table
    if memo is None:
        return _lookup(conn, kind, value)
    key = (kind, value)
    if key not in memo:
        memo[key] = _lookup(conn, kind, value)
    return memo[key]


def _lookup(conn: Connection, kind: str, value: Any) -> Any:
    if kind == "user":
        row = run(conn, "SELECT username FROM app_user WHERE id = ?", (value,)).first()
        return str(row[0]) if row else None
    if kind == "hub":
        row = run(conn, "SELECT code FROM hub WHERE id = ?", (value,)).first()
        return str(row[0]) if row else None
    return uid_of(conn, kind, int(value))


def _ref_from_wire(conn: Connection, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in ("user", "hub"):
        ahead = _KNOWN.table.get((kind, str(value))) if _KNOWN.table is not None else None
        if ahead is not None:
            return ahead
    if kind == "user":
        row = run(conn, "SELECT id FROM app_user WHERE username = ?", (str(value),)).first()
        if row:
            return int(row[0])
        # A member of staff this store has not met: kept as a name only, with no key slot,
        # so she cannot sign in here but her work is attributed to her.
        made = insert_id(
            conn,
            "INSERT INTO app_user (username, display_name, role, active, created_at) "
            "VALUES (?, ?, 'keyworker', ?, CURRENT_TIMESTAMP)",
            (str(value), str(value), False),
        )
        known("user", str(value), made)
        return made
    if kind == "hub":
        row = run(conn, "SELECT id FROM hub WHERE code = ?", (str(value),)).first()
        if row:
            return int(row[0])
        made = insert_id(
            conn,
            "INSERT INTO hub (code, name, active) VALUES (?, ?, ?)",
            (str(value), str(value), True),
        )
        known("hub", str(value), made)
        return made
    local = local_of(conn, kind, str(value))
    if local is None:
        raise Missing(f"{kind} {value}")
    return local


def to_wire(conn: Connection, spec: Spec, values: Values) -> Values:
    """A row's values with references translated; the local id is left out."""
    out: Values = {}
    for name, value in values.items():
        if name == "id":
            continue
        kind = spec.refs.get(name)
        out[name] = _ref_to_wire(conn, kind, value) if kind else value
    return out


def from_wire(conn: Connection, spec: Spec, values: Values, known: set[str]) -> Values:
    """Wire values as local column values; unknown columns are refused (schema mismatch)."""
    out: Values = {}
    for name, value in values.items():
        if name not in known or name == "id":
            raise ValueError(f"column {spec.name}.{name} is not in this store's schema")
        kind = spec.refs.get(name)
        out[name] = _ref_from_wire(conn, kind, value) if kind else value
    return to_pg(conn, spec.name, out)


def row_uid(conn: Connection, spec: Spec, local_id: int | None, wire: Values) -> str | None:
    """The uid of a row: its mapping for id tables, derived from its natural key otherwise."""
    if spec.natural:
        parts = [wire.get(c) for c in spec.natural]
        if any(p is None for p in parts):
            return None
        return natural_uid(spec.name, *(str(p) for p in parts))
    return uid_of(conn, spec.name, local_id)


def owner_of(conn: Connection, spec: Spec, uid: str, wire: Values) -> str:
    """The uid of the woman a row belongs to ("" for groups and activities)."""
    if spec.owner == "id":
        return uid
    if not spec.owner:
        return ""
    ref = wire.get(spec.owner)
    if ref is None:
        return ""
    parent = spec.refs.get(spec.owner, "")
    if parent == "woman":
        return str(ref)
    local = local_of(conn, parent, str(ref))
    if local is None:
        return ""
    parent_spec = BY_NAME[parent]
    row = read_row(conn, parent, local)
    if row is None:
        return ""
    return owner_of(conn, parent_spec, str(ref), to_wire(conn, parent_spec, row))


def read_row(conn: Connection, table: str, rowid: int) -> Values | None:
    """One row's current values by rowid."""
    cols = columns(conn, table)
    row = run(
        conn,
        f"SELECT {', '.join(quote(c) for c in cols)} FROM {quote(table)} WHERE rowid = ?",
        (rowid,),
    ).first()
    return wire_values(conn, table, dict(zip(cols, row, strict=True))) if row else None


def find_local(conn: Connection, spec: Spec, uid: str, wire: Values | None) -> Any:
    """The rowid holding a uid here, or None (for natural keys, `wire` names the key).

    On PostgreSQL a row with a natural key is located by a tuple of its key's values.
    """
    if not spec.natural:
        return local_of(conn, spec.name, uid)
    if wire is None:
        return None
    try:
        key = from_wire(conn, spec, {c: wire.get(c) for c in spec.natural}, set(spec.natural))
    except Missing:
        return None
    where = " AND ".join(f"{quote(c)} = ?" for c in spec.natural)
    values = tuple(key[c] for c in spec.natural)
    if is_pg(conn):
        # No rowid there: a row with a natural key is found by the key itself.
        found = run(conn, f"SELECT 1 FROM {quote(spec.name)} WHERE {where}", values).first()
        return values if found else None
    row = run(conn, f"SELECT rowid FROM {quote(spec.name)} WHERE {where}", values).first()
    return int(row[0]) if row else None


def where_row(spec: Spec, loc: Any) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause and parameters picking the row `find_local` found."""
    if isinstance(loc, tuple):
        return " AND ".join(f"{quote(c)} = ?" for c in spec.natural), loc
    return "rowid = ?", (loc,)


def dumps(value: Any) -> str:
    """Canonical JSON (sorted keys, no spaces) so equal values compare equal as text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
