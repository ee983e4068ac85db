"""What a person sees of sync: status, conflicts and possible duplicates; resolving, revoking."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from caseapp.errors import NotFound, PermissionDenied
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.sync import capture, pgsync, prune, replica
from caseapp.sync.capture import load_me
from caseapp.sync.db import is_pg, lock, run
from caseapp.sync.exchange import (
    check_can_sync,
    me_of,
    peer_rows,
    stamp_time,
    to_send,
    visible_ids,
)
from caseapp.sync.rows import from_wire, local_of
from caseapp.sync.schema import BY_NAME, quote


@dataclass(frozen=True)
class PeerStatus:
    """One peer as `sync status` shows it."""

    store: str
    name: str
    role: str
    last_sent: str
    last_received: str
    waiting: int
    revoked: bool
    behind: bool = False  # it lacks changes this log no longer holds: enrol it again


@dataclass(frozen=True)
class Status:
    """This store's part in sync."""

    store: str
    name: str
    role: str
    peers: tuple[PeerStatus, ...]
    open_conflicts: int
    possible_duplicates: int = 0
    log: prune.LogSize | None = None


def status(ctx: Ctx, *, log: bool = True) -> Status:
    """Peers, last exchange each way, changes waiting for each, open conflicts; with `log`,
    the change log's size (the home screen's line leaves it out)."""
    with ctx.read() as session:
        conn = session.connection()
        me = me_of(conn)
        row = run(conn, "SELECT name FROM sync_self WHERE id = 1").one()
        peers = tuple(
            PeerStatus(
                str(p[0]),
                str(p[1]),
                str(p[2]),
                stamp_time(str(p[7])) if p[7] else "",
                stamp_time(str(p[8])) if p[8] else "",
                len(to_send(conn, p)),
                bool(p[6]),
                not p[6] and prune.behind(conn, json.loads(p[5])),
            )
            for p in peer_rows(conn)
        )
        count = run(conn, "SELECT count(*) FROM sync_conflict WHERE status = 'open'").one()[0]
        twins = len(_duplicates(session, ctx))
        size = prune.measure(conn) if log else None
        return Status(me.store_uid, str(row[0]), me.role, peers, int(count), twins, size)


def prune_log(ctx: Ctx) -> tuple[int, prune.LogSize]:
    """Remove now the log entries every peer holds and old enough (a sync does it too);
    audited. Returns how many went and the log after."""
    with ctx.write() as session:
        conn = session.connection()
        lock(conn)
        me = me_of(conn)
        check_can_sync(ctx, me)
        capture.process(conn)
        removed = prune.prune(conn)
        after = prune.measure(conn)
        audit.record(
            session, ctx, "sync_pruned", removed=removed, entries=after.entries, size=after.size
        )
    return removed, after


@dataclass(frozen=True)
class Side:
    """One value of a conflicting field, who wrote it and when."""

    value: Any
    user: str
    at: str
    stamp: str


@dataclass(frozen=True)
class Conflict:
    """An open conflict: her reference, the record and field, both values and the ancestor."""

    id: int
    reference: str
    table: str
    field: str
    ancestor: Any
    sides: tuple[Side, ...]
    current: Any


def conflicts(ctx: Ctx) -> list[Conflict]:
    """Every open conflict this person may see (a keyworker: her caseload's)."""
    with ctx.read() as session:
        conn = session.connection()
        me_of(conn)
        visible = None if ctx.actor.is_manager else visible_ids(session, ctx)
        out = []
        for cid, tbl, _uid, name, owner, sides, ancestor in run(
            conn,
            "SELECT id, tbl, uid, field, owner, sides, ancestor FROM sync_conflict "
            "WHERE status = 'open' ORDER BY id",
        ):
            woman = local_of(conn, "woman", str(owner)) if owner else None
            if visible is not None and (woman is None or woman not in visible):
                continue
            ref = (
                run(conn, "SELECT reference FROM woman WHERE id = ?", (woman,)).first()
                if woman is not None
                else None
            )
            parts = tuple(
                Side(s["value"], s["user"], stamp_time(s["stamp"]), s["stamp"])
                for s in json.loads(sides)
            )
            out.append(
                Conflict(
                    int(cid),
                    str(ref[0]) if ref else "",
                    str(tbl),
                    str(name),
                    json.loads(ancestor),
                    parts,
                    parts[-1].value,
                )
            )
        return out


@dataclass(frozen=True)
class Twin:
    """Two women registered on different stores with the same name and date of birth."""

    first: str
    second: str


def _duplicates(session: Session, ctx: Ctx) -> list[Twin]:
    visible = None if ctx.actor.is_manager else visible_ids(session, ctx)
    rows = run(
        session.connection(),
        "SELECT a.id, a.reference, b.id, b.reference FROM woman a "
        "JOIN woman b ON b.last_norm = a.last_norm AND b.first_norm = a.first_norm "
        "AND b.date_of_birth = a.date_of_birth AND b.id > a.id "
        "JOIN sync_row ra ON ra.tbl = 'woman' AND ra.local_id = a.id "
        "JOIN sync_row rb ON rb.tbl = 'woman' AND rb.local_id = b.id "
        "WHERE ra.origin != rb.origin ORDER BY a.reference, b.reference",
    )
    return [
        Twin(str(r[1]), str(r[3]))
        for r in rows
        if visible is None or (int(r[0]) in visible and int(r[2]) in visible)
    ]


def possible_duplicates(ctx: Ctx) -> list[Twin]:
    """Women registered on two stores who may be one woman: for a person to look at, never
    merged by sync (registered offline at a hub and at the centre, say)."""
    with ctx.read() as session:
        me_of(session.connection())
        return _duplicates(session, ctx)


def conflicts_for(ctx: Ctx, reference: str) -> list[Conflict]:
    """Her open conflicts (for the marker on her record), as `conflicts` lists them."""
    return [c for c in conflicts(ctx) if c.reference == reference]


def resolve(ctx: Ctx, conflict_id: int, value: Any) -> None:
    """Keep one value (or a third): written as an ordinary change, which closes the conflict
    here and, when it arrives, on every other store."""
    with ctx.write() as session:
        conn = session.connection()
        lock(conn)  # before her write and its audit entry: the one order anyone waits in
        me_of(conn)
        row = run(
            conn,
            "SELECT tbl, uid, field, owner FROM sync_conflict WHERE id = ? AND status = 'open'",
            (conflict_id,),
        ).first()
        if row is None:
            raise NotFound("No open conflict with that number.")
        spec = BY_NAME[str(row[0])]
        if not ctx.actor.is_manager:
            woman = local_of(conn, "woman", str(row[3]))
            if woman is None or woman not in visible_ids(session, ctx):
                raise PermissionDenied("This conflict is on a record you cannot see.")
        local = from_wire(conn, spec, {str(row[2]): value}, {str(row[2])})[str(row[2])]
        rowid = local_of(conn, spec.name, str(row[1]))
        if rowid is None:
            raise NotFound("The record of that conflict is no longer here.")
        audit.record(
            session,
            ctx,
            "sync_conflict_resolved",
            conflict=conflict_id,
            fields=[f"{spec.name}.{row[2]}"],
        )
        # The audit entry goes first: capture takes this unit of work's author from it.
        run(
            conn,
            f"UPDATE {quote(spec.name)} SET {quote(str(row[2]))} = ? WHERE rowid = ?",
            (local, rowid),
        )
        # Logged even when the value kept is the one shown here already: the write replaces
        # every leaf, which is what closes the conflict on the other stores.
        capture.process(conn, force=frozenset({(spec.name, rowid, str(row[2]))}))
        run(
            conn,
            "UPDATE sync_conflict SET status = 'resolved', resolved_by = ? WHERE id = ?",
            (ctx.actor.username, conflict_id),
        )


def sync_checks(ctx: Ctx) -> list[tuple[bool, str]]:
    """For `caseapp verify`: the copies of every hub's audit chain held here."""
    with ctx.read() as session:
        conn = session.connection()
        if is_pg(conn) and not pgsync.may_sync(conn):
            return []  # an admin's login: the sync tables are the managers'
        if load_me(conn) is None:
            return []
        return replica.verify(conn)


def revoke(ctx: Ctx, name_or_id: str) -> str:
    """Refuse every future bundle from a hub (managers); returns its store id."""
    if not ctx.actor.is_manager:
        raise PermissionDenied("Only a manager can revoke a hub.")
    with ctx.write() as session:
        conn = session.connection()
        me_of(conn)
        row = run(
            conn,
            "SELECT store_uid FROM sync_peer WHERE name = ? OR store_uid = ?",
            (name_or_id, name_or_id),
        ).first()
        if row is None:
            raise NotFound(f"No peer called {name_or_id}.")
        run(conn, "UPDATE sync_peer SET revoked = ? WHERE store_uid = ?", (True, row[0]))
        audit.record(session, ctx, "sync_revoked", peer=str(row[0]))
        return str(row[0])
