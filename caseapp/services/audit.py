"""The tamper-evident audit log: each entry's HMAC covers the previous entry's HMAC.

Every write path records here inside its own transaction, so an action and its audit entry
commit together or not at all. Values of changed fields are never logged, only their names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from caseapp.models import AuditEvent
from caseapp.models.base import utcnow
from caseapp.services.context import Ctx
from caseapp.store.store import Store

GENESIS = "0" * 64


def _entry_bytes(event: AuditEvent) -> bytes:
    fields = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "user_id": event.user_id,
        "username": event.username,
        "role": event.role,
        "action": event.action,
        "subject_id": event.subject_id,
        "subject_ref": event.subject_ref,
        "detail": event.detail,
        "prev": event.prev_hmac,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hmac(key: bytes, event: AuditEvent) -> str:
    """The HMAC-SHA-256 of one entry (which includes the previous entry's HMAC)."""
    return hmac.new(key, _entry_bytes(event), hashlib.sha256).hexdigest()


def append(
    session: Session,
    store: Store,
    action: str,
    *,
    user_id: int | None = None,
    username: str = "",
    role: str = "",
    subject_id: int | None = None,
    subject_ref: str = "",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one entry to the chain in `session`'s transaction (the caller commits)."""
    if session.get_bind().dialect.name == "postgresql":
        return _append_on_server(session, action, subject_id, subject_ref, detail)
    last = session.exec(
        select(col(AuditEvent.seq), col(AuditEvent.hmac))
        .order_by(col(AuditEvent.seq).desc())
        .limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    head_seq = int(store.key_file.audit_head.get("seq", 0))
    if head_seq >= seq:
        # The log ends before the head recorded in the key file: its tail was cut off. Chain
        # on from the recorded head, so the gap stays for `verify` to report instead of new
        # entries quietly re-using the missing sequence numbers and moving the head over it.
        seq, prev = head_seq + 1, str(store.key_file.audit_head.get("hmac", ""))
    event = AuditEvent(
        seq=seq,
        at=at or utcnow(),
        user_id=user_id,
        username=username,
        role=role,
        action=action,
        subject_id=subject_id,
        subject_ref=subject_ref,
        detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False),
        prev_hmac=prev,
        hmac="",
    )
    event.hmac = entry_hmac(store.audit_key, event)
    session.add(event)
    session.flush()
    store.pending_head = {"seq": seq, "hmac": event.hmac}
    return event


def _append_on_server(
    session: Session,
    action: str,
    subject_id: int | None,
    subject_ref: str,
    detail: dict[str, Any] | None,
) -> AuditEvent:
    """On PostgreSQL the server appends and chains the entry (`caseapp_audit()`, migration 0010).

    No login may write the audit table or read the chain's key, and the server names the
    actor from the login that authenticated, so the user given by the caller is not sent.
    """
    text_detail = json.dumps(detail or {}, sort_keys=True, ensure_ascii=False)
    seq = session.exec(
        select(func.caseapp_audit(action, subject_id, subject_ref, text_detail))
    ).one()
    return AuditEvent(
        seq=int(seq),
        action=action,
        subject_id=subject_id,
        subject_ref=subject_ref,
        detail=text_detail,
        prev_hmac="",
        hmac="",
    )


def record(
    session: Session,
    ctx: Ctx,
    action: str,
    *,
    subject_id: int | None = None,
    subject_ref: str = "",
    fields: Iterable[str] = (),
    **detail: Any,
) -> AuditEvent:
    """Record an action by the signed-in user; `fields` names what changed, never values."""
    extra: dict[str, Any] = dict(detail)
    names = sorted(set(fields))
    if names:
        extra["fields"] = names
    return append(
        session,
        ctx.store,
        action,
        user_id=ctx.actor.user_id,
        username=ctx.actor.username,
        role=ctx.actor.role,
        subject_id=subject_id,
        subject_ref=subject_ref,
        detail=extra,
        at=ctx.clock.utcnow(),
    )


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: ok, entries checked, and the first bad entry."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    message: str
    head_seq: int
    head_hmac: str


def _verify_on_server(store: Store) -> ChainReport:
    """On PostgreSQL only the server holds the key: `caseapp_audit_verify()` walks the chain."""
    with store.read() as session:
        conn = session.connection()
        checked, bad = conn.exec_driver_sql("SELECT * FROM caseapp_audit_verify()").one()
        last = conn.exec_driver_sql(
            "SELECT seq, hmac FROM auditevent ORDER BY seq DESC LIMIT 1"
        ).first()
    head_seq, head_hmac = (int(last[0]), str(last[1])) if last else (0, "")
    if bad is not None:
        message = f"audit entry {bad} has been altered or reordered"
        return ChainReport(False, int(checked), int(bad), message, head_seq, head_hmac)
    message = f"audit chain intact ({checked} entries)"
    return ChainReport(True, int(checked), None, message, head_seq, head_hmac)


def verify_chain(store: Store) -> ChainReport:
    """Walk the log in order and check every HMAC, the sequence and the head in the key file."""
    if store.engine.dialect.name == "postgresql":
        return _verify_on_server(store)
    head = store.key_file.audit_head
    head_seq = int(head.get("seq", 0))
    head_hmac = str(head.get("hmac", ""))
    prev = GENESIS
    expected_seq = 1
    checked = 0
    with store.read() as session:
        rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))
        for event in rows:
            if event.seq != expected_seq:
                return ChainReport(
                    False,
                    checked,
                    expected_seq,
                    f"audit entry {expected_seq} is missing",
                    head_seq,
                    head_hmac,
                )
            if event.prev_hmac != prev or not hmac.compare_digest(
                event.hmac, entry_hmac(store.audit_key, event)
            ):
                return ChainReport(
                    False,
                    checked,
                    event.seq,
                    f"audit entry {event.seq} has been altered or reordered",
                    head_seq,
                    head_hmac,
                )
            if event.seq == head_seq and event.hmac != head_hmac:
                return ChainReport(
                    False,
                    checked,
                    event.seq,
                    f"audit entry {event.seq} does not match the recorded head",
                    head_seq,
                    head_hmac,
                )
            prev = event.hmac
            expected_seq += 1
            checked += 1
    last_seq = expected_seq - 1
    if last_seq < head_seq:
        return ChainReport(
            False,
            checked,
            last_seq + 1,
            f"audit entries after {last_seq} are missing (the head is {head_seq})",
            head_seq,
            head_hmac,
        )
    return ChainReport(
        True, checked, None, f"audit chain intact ({checked} entries)", head_seq, head_hmac
    )
