"""Shared helpers for the keyworker's-day tests: quick women, fixed dates, an unlocked app."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from caseapp.services.context import Ctx
from caseapp.services.women import ReferralDetails, WomanDetail, WomanDetails, create_woman

TODAY = date(2026, 11, 24)
NOW = time(10, 30)


def add_woman(
    ctx: Ctx,
    first: str = "Jane",
    last: str = "Smith",
    *,
    born: str | date | None = "01/02/1990",
    source: str = "probation",
    referred: str | date = date(2026, 11, 2),
    keyworker_id: int | None = None,
    confirm_duplicate: bool = False,
    **details: Any,
) -> WomanDetail:
    """Create a woman with a referral (as `ctx`), confirming duplicates only if asked."""
    return create_woman(
        ctx,
        WomanDetails(first_name=first, last_name=last, date_of_birth=born, **details),
        ReferralDetails(referral_date=referred, source=source),
        keyworker_id=keyworker_id,
        confirm_duplicate=confirm_duplicate,
        today=TODAY,
    )


def audit_actions(ctx: Ctx, subject_id: int | None = None) -> list[tuple[str, str]]:
    """(action, detail JSON) of the audit log, optionally for one woman, oldest first."""
    from sqlmodel import col, select

    from caseapp.models import AuditEvent

    with ctx.read() as session:
        stmt = select(AuditEvent).order_by(col(AuditEvent.seq))
        if subject_id is not None:
            stmt = stmt.where(col(AuditEvent.subject_id) == subject_id)
        return [(e.action, e.detail) for e in session.exec(stmt)]
