"""Change capture: triggers note every row change, the commit stamps them into the change log.

Triggers (installed only on a store that takes part in sync) see every write, whether made
through the ORM, Core statements or the bulk import, and put the old and new values in
`sync_pending` inside the same transaction. Just before the commit, `process` nets them per row,
gives new rows their uid, stamps each change with the hybrid logical clock and the author (the
user of the transaction's audit entry), and writes it to `sync_change`: the change, its audit
entry and its log entry commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, SessionTransaction

from caseapp.errors import NotFound
from caseapp.sync import ids, pgsync
from caseapp.sync.db import is_pg, lock, run, try_lock, wire_values
from caseapp.sync.rows import (
    Values,
    dumps,
    owner_of,
    remember,
    remembering,
    row_uid,
    to_wire,
    uid_of,
)
from caseapp.sync.schema import BY_NAME, SPECS, Spec, columns, quote

# Per engine (one per unlocked store): "on", "off" or "repair"; see `_after_begin`.
_STATE: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
PREFIX = "sync_capture_"
SEQ_PER_MS = 1_000_000  # a change's number: its stamp's milliseconds, then its counter

# The wall clock for stamps; tests replace it to run days in a second.
clock: list[ids.Wall] = [time.time]


def now() -> float:
    """The wall time the clock gives."""
    return clock[0]()


@dataclass
class Me:
    """This store's sync identity and clock, read at the start of a unit of work."""

    store_uid: str
    role: str
    hlc: ids.Hlc
    next_seq: int
    extra: dict[str, Any] = field(default_factory=dict)

    def save(self, conn: Connection) -> None:
        """Write the clock and the next sequence number back."""
        run(
            conn,
            "UPDATE sync_self SET hlc_wall = ?, hlc_count = ?, next_seq = ? WHERE id = 1",
            (self.hlc.wall, self.hlc.count, self.next_seq),
        )


def load_me(conn: Connection) -> Me | None:
    """This store's identity, or None when it takes no part in sync."""
    row = run(
        conn, "SELECT store_uid, role, hlc_wall, hlc_count, next_seq FROM sync_self WHERE id = 1"
    ).first()
    if row is None:
        return None
    return Me(str(row[0]), str(row[1]), ids.Hlc(str(row[0]), int(row[2]), int(row[3])), int(row[4]))


# ---- triggers -------------------------------------------------------------------------------


def _trigger_sql(conn: Connection, spec: Spec) -> dict[str, str]:
    cols = columns(conn, spec.name)
    digest = hashlib.sha256(",".join(cols).encode()).hexdigest()[:8]
    table = quote(spec.name)

    def obj(alias: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {alias}.{quote(c)}" for c in cols) + ")"

    name = f"{PREFIX}{spec.name}_{digest}"
    ins = "INSERT INTO sync_pending (tbl, rid, op, old, new) VALUES"
    return {
        f"{name}_i": f'CREATE TRIGGER "{name}_i" AFTER INSERT ON {table} BEGIN '
        f"{ins} ('{spec.name}', NEW.rowid, 'I', NULL, {obj('NEW')}); END",
        f"{name}_u": f'CREATE TRIGGER "{name}_u" AFTER UPDATE ON {table} BEGIN '
        f"{ins} ('{spec.name}', NEW.rowid, 'U', {obj('OLD')}, {obj('NEW')}); END",
        f"{name}_d": f'CREATE TRIGGER "{name}_d" AFTER DELETE ON {table} BEGIN '
        f"{ins} ('{spec.name}', OLD.rowid, 'D', {obj('OLD')}, NULL); END",
    }


def triggers_current(conn: Connection) -> bool:
    """Whether every synced table has its capture triggers for its present columns."""
    if is_pg(conn):
        return pgsync.installed(conn)
    have = _installed(conn)
    want = {n for spec in SPECS for n in _trigger_sql(conn, spec)}
    return have == want


def _installed(conn: Connection) -> set[str]:
    rows = run(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
        (PREFIX + "%",),
    )
    return {str(r[0]) for r in rows}


def install(conn: Connection) -> None:
    """(Re)create the capture triggers to match each synced table's columns now."""
    if is_pg(conn):
        # Only the schema's owner may create triggers there (migration 0012 does it).
        if not pgsync.installed(conn):
            raise NotFound(
                "Sync's triggers are not in this PostgreSQL database: its owner runs "
                "`caseapp init` (or an upgrade) to install them."
            )
        return
    have = _installed(conn)
    want: dict[str, str] = {}
    for spec in SPECS:
        want.update(_trigger_sql(conn, spec))
    for name in have - set(want):
        run(conn, f'DROP TRIGGER "{name}"')
    for name, sql in want.items():
        if name not in have:
            run(conn, sql)


def enabled(conn: Connection) -> bool:
    """Whether this store takes part in sync (has its identity row)."""
    if is_pg(conn):
        # A keyworker's login may not read the sync tables: her changes wait in
        # `sync_pending` (written by the owner's trigger) for a manager's unit of work.
        return pgsync.may_sync(conn) and load_me(conn) is not None
    has_table = run(
        conn, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_self'"
    ).first()
    return bool(has_table) and load_me(conn) is not None


@event.listens_for(Session, "after_begin")
def _after_begin(session: Session, transaction: SessionTransaction, conn: Connection) -> None:
    # Checked once per engine: a migration that rebuilt a synced table drops its triggers, so
    # they are put back before the first unit of work on the upgraded store writes anything.
    engine = conn.engine
    if _STATE.get(engine) in ("on", "off"):
        return
    if not enabled(conn):
        _STATE[engine] = "off"
    elif triggers_current(conn):
        _STATE[engine] = "on"
    else:
        # Not cached as done: a read session rolls this back, the next unit of work repeats it.
        install(conn)
        _STATE[engine] = "repair"


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if not session.in_transaction():
        return
    if _STATE.get(session.get_bind().engine) in ("on", "repair"):
        process(session.connection(), wait=False)


def recheck(engine: Engine) -> None:
    """After enrolment or join has committed: the next unit of work looks again."""
    _STATE.pop(engine, None)


# ---- stamping -------------------------------------------------------------------------------


@dataclass
class Episode:
    """The net effect of one transaction on one row."""

    spec: Spec
    rid: int
    existed: bool
    before: Values | None
    after: Values | None = None
    alive: bool = False
    by: str = ""  # the author, where the trigger names her (PostgreSQL)


def _net(conn: Connection, rows: list[Any]) -> list[Episode]:
    done: list[Episode] = []
    open_: dict[tuple[str, Any], Episode] = {}
    for _n, tbl, rid, op, old, new in rows:
        spec = BY_NAME.get(str(tbl))
        if spec is None:
            continue
        old_v = json.loads(old) if old else None
        new_v = json.loads(new) if new else None
        # PostgreSQL's trigger names the login that wrote the row (its author) beside the row.
        by = ""
        for side in (old_v, new_v):
            if side is not None:
                by = str(side.pop(pgsync.AUTHOR, "") or by)
        old_v = None if old_v is None else wire_values(conn, spec.name, old_v)
        new_v = None if new_v is None else wire_values(conn, spec.name, new_v)
        values = new_v if new_v is not None else old_v
        assert values is not None
        key = (spec.name, tuple(values[c] for c in spec.natural) if spec.natural else values["id"])
        ep = open_.get(key)
        if ep is not None and op == "I" and not ep.alive and not spec.natural:
            # Deleted, then a new row took the same id: two different rows.
            done.append(ep)
            ep = None
        if ep is None:
            ep = Episode(spec, int(rid), op != "I", old_v if op != "I" else None)
            open_[key] = ep
        ep.rid = int(rid)
        ep.by = by or ep.by
        if op == "D":
            ep.after, ep.alive = None, False
        else:
            ep.after, ep.alive = new_v, True
    return done + list(open_.values())


def latest_username(conn: Connection) -> str:
    """The author of this unit of work: the user of its newest audit entry."""
    row = run(conn, "SELECT username FROM auditevent ORDER BY seq DESC LIMIT 1").first()
    return str(row[0]) if row else ""


def leaves(conn: Connection, table: str, uid: str, name: str) -> list[Any]:
    """The writes of a field that no later write has replaced: (stamp, value, username, old)."""
    rows = run(
        conn,
        "SELECT stamp, parents, value, username, old FROM sync_field "
        "WHERE tbl = ? AND uid = ? AND field = ?",
        (table, uid, name),
    ).fetchall()
    replaced: set[str] = set()
    for r in rows:
        replaced.update(json.loads(r[1]))
    tops = [(r[0], r[2], r[3], r[4]) for r in rows if r[0] not in replaced]
    return sorted(tops, key=lambda r: str(r[0]))


def process(
    conn: Connection,
    *,
    emit: bool = True,
    force: frozenset[tuple[str, int, str]] = frozenset(),
    wait: bool = True,
) -> int:
    """Stamp the pending row changes into the change log; return how many changes.

    With `emit=False` (while a bundle is applied, which logs what it applies itself) only the
    uid mappings of deleted rows are dropped. `force` names (table, rowid, field) writes to log
    even when the value is unchanged: a conflict resolved by keeping the value shown here.
    With `wait=False` (a commit's own stamping, on PostgreSQL) nothing is stamped while
    someone else holds the sync lock.
    """
    if is_pg(conn):
        # Others write at the same time: take exactly the rows deleted here, under the lock
        # that numbers changes one transaction at a time.
        if run(conn, "SELECT 1 FROM sync_pending LIMIT 1").first() is None:
            return 0
        if not wait:
            if not try_lock(conn):
                return 0  # someone is syncing: the rows wait for the next stamp, not lost
        else:
            lock(conn)
        pending = sorted(
            run(conn, "DELETE FROM sync_pending RETURNING n, tbl, rid, op, old, new").fetchall(),
            key=lambda r: int(r[0]),
        )
    else:
        pending = list(run(conn, "SELECT n, tbl, rid, op, old, new FROM sync_pending ORDER BY n"))
        if pending:
            run(conn, "DELETE FROM sync_pending")
    if not pending:
        return 0
    me = load_me(conn)
    episodes = _net(conn, list(pending))
    if me is None or not emit:
        for ep in episodes:
            if ep.existed and not ep.alive and not ep.spec.natural:
                run(
                    conn,
                    "DELETE FROM sync_row WHERE tbl = ? AND local_id = ?",
                    (ep.spec.name, ep.rid),
                )
        return 0
    user = latest_username(conn)
    erased: set[str] = set()
    for ep in episodes:
        if ep.spec.name == "woman" and ep.existed and not ep.alive:
            uid = uid_of(conn, "woman", ep.rid)
            if uid:
                erased.add(uid)
    count = 0
    out = _Out(known=_known_uids(conn, episodes))
    with remembering():
        for ep in episodes:
            count += _emit(conn, out, me, ep, ep.by or user, erased, force)
    for uid in sorted(erased):
        _log(out, me, user, "woman", uid, uid, "E", {})
        count += 1
    out.flush(conn)
    for uid in sorted(erased):
        forget_woman(conn, uid, me.hlc.stamp())
    if count:
        run(
            conn,
            "INSERT INTO sync_clock (origin, seq) VALUES (?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET seq = max(seq, excluded.seq)",
            (me.store_uid, me.next_seq - 1),
        )
    me.save(conn)
    return count


@dataclass
class _Out:
    """Log entries and uid mappings made while stamping, written together at the end."""

    changes: list[tuple[Any, ...]] = field(default_factory=list)
    mappings: list[tuple[Any, ...]] = field(default_factory=list)
    known: dict[tuple[str, int], str] = field(default_factory=dict)

    def flush(self, conn: Connection) -> None:
        """Write what was collected."""
        if self.mappings:
            run(
                conn,
                "INSERT OR REPLACE INTO sync_row (tbl, local_id, uid, origin) VALUES (?, ?, ?, ?)",
                self.mappings,
            )
        if self.changes:
            run(
                conn,
                "INSERT INTO sync_change (origin, seq, hlc, username, tbl, uid, owner, op, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.changes,
            )
        self.mappings, self.changes = [], []


def _known_uids(conn: Connection, episodes: list[Episode]) -> dict[tuple[str, int], str]:
    """The uids already given to the rows new in this batch (normally none)."""
    known: dict[tuple[str, int], str] = {}
    fresh: dict[str, list[int]] = {}
    for ep in episodes:
        if not ep.existed and ep.alive and not ep.spec.natural:
            fresh.setdefault(ep.spec.name, []).append(ep.rid)
    for table, rids in fresh.items():
        rows = run(
            conn,
            "SELECT local_id, uid FROM sync_row WHERE tbl = ? AND local_id BETWEEN ? AND ?",
            (table, min(rids), max(rids)),
        )
        known.update({(table, int(r[0])): str(r[1]) for r in rows})
    return known


def _log(
    out: _Out,
    me: Me,
    user: str,
    table: str,
    uid: str,
    owner: str,
    op: str,
    data: Values,
    stamp: str | None = None,
) -> str:
    hlc = stamp or me.hlc.tick(now())
    # Numbered from the clock, not by counting: a store restored from an old copy carries on
    # above every number it sent before, so no new change is taken for one already held.
    wall, count = ids.parse(hlc)
    seq = max(me.next_seq, wall * SEQ_PER_MS + count)
    out.changes.append((me.store_uid, seq, hlc, user, table, uid, owner, op, dumps(data)))
    me.next_seq = seq + 1
    return hlc


def _emit(
    conn: Connection,
    out: _Out,
    me: Me,
    ep: Episode,
    user: str,
    erased: set[str],
    force: frozenset[tuple[str, int, str]] = frozenset(),
) -> int:
    spec = ep.spec
    if not ep.existed and not ep.alive:
        return 0
    if not ep.alive:  # deleted
        wire = to_wire(conn, spec, ep.before or {})
        uid = row_uid(conn, spec, ep.rid, wire)
        owner = owner_of(conn, spec, uid, wire) if uid else ""
        if not spec.natural:
            run(conn, "DELETE FROM sync_row WHERE tbl = ? AND local_id = ?", (spec.name, ep.rid))
        if uid is None or spec.name == "woman" or owner in erased:
            return 0
        data: Values = {"key": {c: wire[c] for c in spec.natural}} if spec.natural else {}
        bury(conn, uid, _log(out, me, user, spec.name, uid, owner, "D", data))
        run(conn, "DELETE FROM sync_field WHERE uid = ?", (uid,))
        return 1
    wire = to_wire(conn, spec, ep.after or {})
    if not ep.existed:
        if spec.natural:
            uid = row_uid(conn, spec, ep.rid, wire)
        else:
            uid = out.known.get((spec.name, ep.rid)) or ids.uuid7(now())
            out.mappings.append((spec.name, ep.rid, uid, me.store_uid))
            remember(spec.name, ep.rid, uid)
        if uid is None:
            return 0
        _log(out, me, user, spec.name, uid, owner_of(conn, spec, uid, wire), "I", wire)
        return 1
    before = to_wire(conn, spec, ep.before or {})
    changed = {
        k: v for k, v in wire.items() if before.get(k) != v or (spec.name, ep.rid, k) in force
    }
    if not changed:
        return 0
    uid = row_uid(conn, spec, ep.rid, wire)
    if uid is None:
        return 0
    owner = owner_of(conn, spec, uid, wire)
    hlc = me.hlc.tick(now())
    fields: Values = {}
    for name, value in sorted(changed.items()):
        parents = [str(r[0]) for r in leaves(conn, spec.name, uid, name)]
        fields[name] = {"p": parents, "o": before.get(name), "v": value}
        run(
            conn,
            "INSERT OR REPLACE INTO sync_field "
            "(tbl, uid, field, stamp, parents, old, value, username, owner) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                spec.name,
                uid,
                name,
                hlc,
                dumps(parents),
                dumps(before.get(name)),
                dumps(value),
                user,
                owner,
            ),
        )
        run(
            conn,
            "UPDATE sync_conflict SET status = 'resolved', resolved_by = ?, resolved = ? "
            "WHERE tbl = ? AND uid = ? AND field = ? AND status = 'open'",
            (user, hlc, spec.name, uid, name),
        )
    data = {"f": fields}
    if spec.natural:
        data["key"] = {c: wire[c] for c in spec.natural}
    _log(out, me, user, spec.name, uid, owner, "U", data, stamp=hlc)
    return 1


def bury(conn: Connection, uid: str, stamp: str) -> None:
    """Keep a removed row's tombstone at its latest removal: it suppresses older changes."""
    run(
        conn,
        "INSERT INTO sync_tombstone (uid, hlc) VALUES (?, ?) "
        "ON CONFLICT (uid) DO UPDATE SET hlc = max(hlc, excluded.hlc)",
        (uid, stamp),
    )


def forget_woman(conn: Connection, uid: str, stamp: str) -> int:
    """After her erasure: keep a tombstone, drop everything the sync tables held about her.

    Returns how many of this store's logged changes about her were dropped.
    """
    me = load_me(conn)
    mine = 0
    if me is not None:
        row = run(
            conn,
            "SELECT count(*) FROM sync_change WHERE owner = ? AND origin = ? AND op != 'E'",
            (uid, me.store_uid),
        ).first()
        mine = int(row[0]) if row else 0
    run(conn, "INSERT OR IGNORE INTO sync_tombstone (uid, hlc) VALUES (?, ?)", (uid, stamp))
    run(conn, "DELETE FROM sync_change WHERE owner = ? AND op != 'E'", (uid,))
    run(conn, "DELETE FROM sync_field WHERE owner = ?", (uid,))
    run(conn, "DELETE FROM sync_conflict WHERE owner = ?", (uid,))
    return mine
