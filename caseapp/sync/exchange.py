"""Exchanging bundles through a folder, and what a person sees: status and conflicts."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session, col, select

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.models import Woman
from caseapp.services import audit, erasure
from caseapp.services.access import visible_women
from caseapp.services.context import Ctx
from caseapp.services.references import floor_key
from caseapp.store import migrate
from caseapp.store.atomic import atomic_write_bytes
from caseapp.sync import capture, pack, pgsync, prune, replica
from caseapp.sync.bundle import MAX_FILE, SUFFIX, Header, Refused, open_bundle, read_header, seal
from caseapp.sync.capture import Me, load_me
from caseapp.sync.db import is_pg, lock, run
from caseapp.sync.merge import Applied, Merger, version_vector
from caseapp.sync.rows import dumps, uid_of


@dataclass
class Report:
    """What one `sync` run did, for the command line and the app."""

    sent: list[tuple[str, int, str]] = field(default_factory=list)  # peer, changes, file
    applied: list[tuple[str, str, Applied]] = field(default_factory=list)  # file, peer, counts
    skipped: list[tuple[str, str]] = field(default_factory=list)  # file, why
    refused: list[tuple[str, str]] = field(default_factory=list)  # file, why
    open_conflicts: int = 0
    pruned: int = 0  # log entries every peer holds, removed after sending
    behind: list[str] = field(default_factory=list)  # a note for each peer that is behind


def me_of(conn: Connection) -> Me:
    """This store's sync identity, or a clear refusal when it takes no part in sync."""
    if is_pg(conn) and not pgsync.may_sync(conn):
        raise PermissionDenied("On a PostgreSQL centre, sync is the managers' work.")
    me = load_me(conn)
    if me is None:
        raise NotFound(
            "This store takes no part in sync yet: enrol a hub from the centre "
            "(`caseapp sync enrol`) or create the hub's store with `caseapp sync join`."
        )
    return me


def stamp_time(stamp: str) -> str:
    """A stamp's wall time as an ISO date and time (UTC)."""
    wall = int(stamp.split(".", 1)[0]) if stamp else 0
    return datetime.fromtimestamp(wall / 1000, UTC).isoformat(timespec="seconds")


def peer_rows(conn: Connection) -> list[Any]:
    """Every peer's row (see the SELECT for the order of the columns)."""
    return list(
        run(
            conn,
            "SELECT store_uid, name, role, kx_public, sign_public, acked, revoked, last_sent, "
            "last_received, users, held, audit_acked FROM sync_peer ORDER BY name",
        )
    )


def waiting(conn: Connection, acked: dict[str, int]) -> list[Any]:
    """The logged changes a peer that holds `acked` does not hold, in log order."""
    rows = run(
        conn,
        "SELECT origin, seq, hlc, username, tbl, uid, owner, op, data FROM sync_change ORDER BY n",
    )
    return [r for r in rows if int(r[1]) > int(acked.get(str(r[0]), 0))]


def to_send(conn: Connection, peer: Any) -> list[Any]:
    """The logged changes the next bundle for `peer` carries (a hub's: those in its scope)."""
    rows = waiting(conn, json.loads(peer[5]))
    if str(peer[2]) == "hub":
        scope = Scope(conn, peer)
        rows = [r for r in rows if scope.sends(str(r[7]), str(r[6]))]
    return rows


def check_can_sync(ctx: Ctx, me: Me) -> None:
    """The centre's store syncs through its managers; a hub's, through anyone enrolled on it."""
    if me.role == "centre" and not ctx.actor.is_manager:
        raise PermissionDenied("Only a manager can sync the centre's store.")


def make_bundle(session: Session, me: Me, peer: Any) -> tuple[bytes, int, Header]:
    """The bundle for one peer: every logged change it has not acknowledged, in log order."""
    conn = session.connection()
    rows = waiting(conn, json.loads(peer[5]))
    scope = Scope(conn, peer) if str(peer[2]) == "hub" else None
    made = me.hlc.tick(capture.now())
    # Up to where, for each origin, this bundle accounts for every change: sent, or left out
    # as about a woman outside the hub's scope (see `advance`).
    covers: dict[str, int] = {}
    for r in rows:
        covers[str(r[0])] = max(covers.get(str(r[0]), 0), int(r[1]))
    left_out: set[str] = set()
    if scope is not None:
        left_out = {str(r[6]) for r in rows if not scope.sends(str(r[7]), str(r[6]))}
        rows = [r for r in rows if scope.sends(str(r[7]), str(r[6]))]
    changes = [
        {
            "o": r[0],
            "s": r[1],
            "h": r[2],
            "u": r[3],
            "t": r[4],
            "id": r[5],
            "w": r[6],
            "op": r[7],
            "d": json.loads(r[8]),
        }
        for r in rows
    ]
    header = Header(me.store_uid, str(peer[0]), migrate.head_revision(), made)
    payload: dict[str, Any] = {
        "sender": me.store_uid,
        "recipient": str(peer[0]),
        "vv": version_vector(conn),
        "changes": changes,
        "held": sorted(
            str(r[0]) for r in run(conn, "SELECT uid FROM sync_row WHERE tbl = 'woman'")
        ),
    }
    if scope is not None:
        payload["enter"] = scope.entering()
        payload["leave"] = scope.leaving()
        payload["covers"] = covers
        payload["left_out"] = sorted(_token(made, uid) for uid in left_out)
    copied = replica.outgoing(conn, me, str(peer[2]), int(peer[11]))
    if copied is not None:
        payload["audit"] = copied
    if str(peer[2]) == "hub":
        payload["audit_held"] = replica.held(conn, str(peer[0]))
    sign = run(conn, "SELECT sign_private FROM sync_self WHERE id = 1").one()[0]
    return seal(payload, header, str(peer[3]), str(sign)), len(changes), header


class Scope:
    """What a hub may hold: its people's caseloads and shares, groups and activities.

    Changes about anyone else are not sent; a woman who entered the scope since the hub last
    reported what it holds is sent whole, one who left it is named for removal.
    """

    def __init__(self, conn: Connection, peer: Any) -> None:
        self.conn = conn
        names = json.loads(peer[9])
        marks = ",".join("?" for _ in names) or "NULL"
        user_ids = [
            int(r[0])
            for r in run(conn, f"SELECT id FROM app_user WHERE username IN ({marks})", tuple(names))
        ]
        self.ids = pack.in_scope(conn, user_ids)
        self.uids = {u: i for i in self.ids if (u := uid_of(conn, "woman", i))}
        self.held = set(json.loads(peer[10]))

    def sends(self, op: str, owner: str) -> bool:
        """Whether a change goes to this hub (erasures always do: they carry no data)."""
        return op == "E" or not owner or owner in self.uids

    def entering(self) -> dict[str, Any]:
        """Every record of the women in scope the hub does not hold."""
        new = {i for u, i in self.uids.items() if u not in self.held}
        if not new:
            return {}
        rows = pack.snapshot(self.conn, new)
        owners = {r["uid"] for r in rows["woman"]}
        fields = [
            list(r)
            for r in run(
                self.conn,
                "SELECT tbl, uid, field, stamp, parents, old, value, username, owner "
                "FROM sync_field",
            )
            if r[8] in owners
        ]
        return {"rows": rows, "fields": fields}

    def leaving(self) -> list[str]:
        """The women the hub holds who are no longer in its scope (nor erased)."""
        gone = self.held - set(self.uids)
        tombs = {str(r[0]) for r in run(self.conn, "SELECT uid FROM sync_tombstone")}
        return sorted(gone - tombs)


def apply_bundle(ctx: Ctx, blob: bytes, *, name: str = "") -> tuple[str, Applied] | None:
    """Check and apply one bundle in one transaction; None when it was applied before.

    Raises `Refused` (after auditing the refusal) when it fails any check.
    """
    digest = hashlib.sha256(blob).hexdigest()
    try:
        with ctx.write() as session:
            conn = session.connection()
            lock(conn)  # on PostgreSQL: one at a time, and no write in progress meanwhile
            me = me_of(conn)
            check_can_sync(ctx, me)
            header = read_header(blob)
            peer = run(
                conn,
                "SELECT sign_public, revoked FROM sync_peer WHERE store_uid = ?",
                (header.sender,),
            ).first()
            signer = str(peer[0]) if peer is not None and not peer[1] else None
            kx = run(conn, "SELECT kx_private FROM sync_self WHERE id = 1").one()[0]
            _header, payload = open_bundle(
                blob,
                me=me.store_uid,
                kx_private=str(kx),
                signer_public=signer,
                schema=migrate.head_revision(),
            )
            if run(conn, "SELECT 1 FROM sync_bundle WHERE digest = ?", (digest,)).first():
                return None
            erased_before = _erased_refs(conn)
            merger = Merger(conn, me)
            capture.process(conn)  # local writes not yet stamped are logged as local first
            merger.enter(payload.get("enter") or {})
            result = merger.apply(list(payload["changes"]))
            merger.leave(list(payload.get("leave") or ()))
            if peer_role(conn, header.sender) == "centre":
                advance(conn, merger, payload, header)
            if peer_role(conn, header.sender) == "hub":
                run(
                    conn,
                    "UPDATE sync_peer SET held = ? WHERE store_uid = ?",
                    (dumps(payload.get("held") or []), header.sender),
                )
                if payload.get("audit"):
                    replica.receive(conn, header.sender, payload["audit"])
            else:
                run(
                    conn,
                    "UPDATE sync_peer SET audit_acked = max(audit_acked, ?) WHERE store_uid = ?",
                    (int(payload.get("audit_held") or 0), header.sender),
                )
            # What the peer holds, by its latest word: taken as it is, not merged upwards, so a
            # peer restored from a backup is sent again what it lost (and gets its own back).
            run(
                conn,
                "UPDATE sync_peer SET acked = ?, last_received = ? "
                "WHERE store_uid = ? AND last_received < ?",
                (dumps(payload["vv"]), header.made, header.sender, header.made),
            )
            run(
                conn,
                "INSERT INTO sync_bundle (digest, sender, applied, changes) VALUES (?, ?, ?, ?)",
                (digest, header.sender, _now(), result.applied),
            )
            gone = erased_before - _erased_refs(conn)
            for reference in sorted(gone):
                _after_erasure(session, ctx, reference)
            audit.record(
                session,
                ctx,
                "sync_applied",
                sender=header.sender,
                file=name,
                applied=result.applied,
                skipped=result.skipped,
                dropped=result.dropped,
                erased=result.erased,
                discarded_edits=result.discarded_here,
            )
    except Refused as exc:
        with ctx.write() as session:
            audit.record(session, ctx, "sync_refused", file=name, reason=str(exc))
        raise
    if result.erased and getattr(ctx.store, "kind", "") != "postgresql":
        erasure.scrub(ctx.store)
    return header.sender, result


def _token(made: str, uid: str) -> str:
    # A woman's uid as a hub may test for, without learning the uids of women it does not hold.
    return hashlib.sha256(f"{made}|{uid}".encode()).hexdigest()[:16]


def advance(conn: Connection, merger: Merger, payload: dict[str, Any], header: Header) -> None:
    """On a hub, applying the centre's newest bundle: what it left out, the hub need not hold.

    The centre leaves out changes about women outside the hub's scope and says up to where it
    accounted for each origin; the hub counts those as held, or it would never report holding
    them and the centre would keep them for good. A woman the hub still holds whose changes
    were left out entered its scope in a bundle it had not reported yet, so the centre could
    not name her for removal: she is removed here as she would have been (not an erasure; the
    hub's unsent work on her still goes), and sent whole if she is in scope again. An older
    bundle applied late is left alone: its view of the scope is out of date.
    """
    row = run(
        conn, "SELECT last_received FROM sync_peer WHERE store_uid = ?", (header.sender,)
    ).first()
    if row is None or str(row[0]) >= header.made:
        return
    tokens = set(payload.get("left_out") or ())
    if tokens:
        held = [str(r[0]) for r in run(conn, "SELECT uid FROM sync_row WHERE tbl = 'woman'")]
        merger.leave([uid for uid in held if _token(header.made, uid) in tokens])
    covers = payload.get("covers") or {}
    run(
        conn,
        "INSERT INTO sync_clock (origin, seq) VALUES (?, ?) "
        "ON CONFLICT (origin) DO UPDATE SET seq = max(seq, excluded.seq)",
        sorted((str(o), int(s)) for o, s in covers.items()),
    )


def peer_role(conn: Connection, store_uid: str) -> str:
    """A peer's role ("hub" or "centre")."""
    row = run(conn, "SELECT role FROM sync_peer WHERE store_uid = ?", (store_uid,)).first()
    return str(row[0]) if row else ""


def visible_ids(session: Session, ctx: Ctx) -> set[int]:
    """The ids of the women the actor may see."""
    rows = session.exec(select(col(Woman.id)).where(visible_women(ctx)))
    return {int(i) for i in rows if i is not None}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _erased_refs(conn: Connection) -> set[str]:
    return {str(r[0]) for r in run(conn, "SELECT reference FROM woman")}


def _after_erasure(session: Session, ctx: Ctx, reference: str) -> None:
    # As a local erasure does: her reference is never issued again here, a restored backup
    # erases her again, and the log keeps only a keyed hash of her reference.
    stem, _, number = reference.rpartition("-")
    if number.isdigit():
        key = floor_key(stem + "-")
        conn = session.connection()
        row = run(conn, "SELECT value FROM setting WHERE key = ?", (key,)).first()
        if row is None or reference > str(row[0]):
            run(conn, "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (key, reference))
    if is_pg(session.connection()):
        # The server keeps no erasure list beside the data (no key file) and no tombstone key.
        audit.record(session, ctx, "sync_erasure_applied")
        return
    digest = erasure.reference_hmac(ctx.store, reference)
    if digest not in ctx.store.key_file.erasures:
        ctx.store.key_file.erasures.append(digest)
    audit.record(session, ctx, "sync_erasure_applied", reference_hmac=digest)


def exchange(ctx: Ctx, folder: Path) -> Report:
    """Apply every bundle in `folder` addressed here, then write one bundle for each peer."""
    report = Report()
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationError(f"{folder} is not a folder.")
    with ctx.read() as session:
        me = me_of(session.connection())
    check_can_sync(ctx, me)
    for path in sorted(folder.glob("*" + SUFFIX)):
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE:
            report.refused.append((path.name, "not a plain file, or larger than any bundle"))
            continue
        blob = path.read_bytes()
        try:
            header = read_header(blob)
        except Refused as exc:
            report.refused.append((path.name, str(exc)))
            continue
        if header.recipient != me.store_uid:
            continue  # another store's bundle: not ours to judge
        try:
            done = apply_bundle(ctx, blob, name=path.name)
        except Refused as exc:
            report.refused.append((path.name, str(exc)))
            continue
        if done is None:
            report.skipped.append((path.name, "applied before"))
        else:
            report.applied.append((path.name, done[0], done[1]))
    with ctx.write() as session:
        conn = session.connection()
        lock(conn)
        me = me_of(conn)
        capture.process(conn)
        for peer in peer_rows(conn):
            if peer[6]:
                continue
            blob, count, header = make_bundle(session, me, peer)
            wall = header.made.split(".", 1)[0] + header.made.split(".", 2)[1]
            name = f"{me.store_uid[:8]}-to-{str(peer[0])[:8]}-{wall}{SUFFIX}"
            for old in folder.glob(f"{me.store_uid[:8]}-to-{str(peer[0])[:8]}-*{SUFFIX}"):
                old.unlink()  # each bundle holds all its predecessors did
            atomic_write_bytes(folder / name, blob)
            run(
                conn,
                "UPDATE sync_peer SET last_sent = ? WHERE store_uid = ?",
                (header.made, peer[0]),
            )
            report.sent.append((str(peer[1]), count, name))
            if prune.behind(conn, json.loads(peer[5])):
                report.behind.append(prune.behind_note(str(peer[1]), str(peer[2])))
        me.save(conn)
        audit.record(session, ctx, "sync_sent", bundles=[(p, n) for p, n, _f in report.sent])
        # After a successful exchange: entries every peer now holds (and old enough) go.
        report.pruned = prune.prune(conn)
        if report.pruned:
            audit.record(session, ctx, "sync_pruned", removed=report.pruned)
        report.open_conflicts = int(
            run(conn, "SELECT count(*) FROM sync_conflict WHERE status = 'open'").one()[0]
        )
    return report
