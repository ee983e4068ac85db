"""What the audit log says, for tests that check a change or an opening was recorded."""

from __future__ import annotations

import json

from sqlmodel import col, select

from caseapp.models import AuditEvent
from caseapp.services.context import Ctx
from caseapp.store.store import Store


def audit_actions(ctx: Ctx, subject_id: int | None = None) -> list[tuple[str, str]]:
    """(action, detail JSON) of the audit log, optionally for one woman, oldest first."""
    with ctx.read() as session:
        stmt = select(AuditEvent).order_by(col(AuditEvent.seq))
        if subject_id is not None:
            stmt = stmt.where(col(AuditEvent.subject_id) == subject_id)
        return [(e.action, e.detail) for e in session.exec(stmt)]


def audit_events(store: Store, action: str) -> list[tuple[int | None, str, dict[str, object]]]:
    """(subject_id, subject_ref, detail) of every audit entry with `action`, oldest first."""
    with store.read() as session:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == action).order_by(col(AuditEvent.seq))
        ).all()
        return [(r.subject_id, r.subject_ref, json.loads(r.detail)) for r in rows]
