"""Reading the audit log for managers: filter by user, woman, action and dates, newest first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from caseapp.errors import ValidationError
from caseapp.models import AuditEvent
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.validation import clean_text, parse_date

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class AuditEntry:
    """One audit entry as shown to a manager; `detail` is a short summary, never a value."""

    seq: int
    at: datetime
    username: str
    role: str
    action: str
    subject_id: int | None
    subject_ref: str
    detail: str


@dataclass(frozen=True)
class AuditFilter:
    """What to show: every field empty means everything."""

    username: str = ""
    woman_ref: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def is_empty(self) -> bool:
        """Whether no filter is set."""
        return self == AuditFilter()


@dataclass(frozen=True)
class AuditPage:
    """A page of entries, newest first; `next_before` is the cursor for the older page."""

    entries: tuple[AuditEntry, ...]
    next_before: int | None


def make_filter(
    *,
    username: str = "",
    woman_ref: str = "",
    action: str = "",
    date_from: str | date | None = None,
    date_to: str | date | None = None,
) -> AuditFilter:
    """Check what a person typed and build a filter (dates as 24/11/2026 or 2026-11-24)."""
    first = parse_date(date_from, "from") if date_from else None
    last = parse_date(date_to, "to") if date_to else None
    if first and last and first > last:
        raise ValidationError("The 'from' date is after the 'to' date.", {"from": "after 'to'"})
    return AuditFilter(
        username=clean_text(username, "user", limit=64),
        woman_ref=clean_text(woman_ref, "woman", limit=40).upper(),
        action=clean_text(action, "action", limit=40).lower(),
        date_from=first,
        date_to=last,
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(flt: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.username:
        where.append(func.lower(col(AuditEvent.username)) == flt.username.lower())
    if flt.woman_ref:
        where.append(func.upper(col(AuditEvent.subject_ref)) == flt.woman_ref)
    if flt.action:
        where.append(col(AuditEvent.action) == flt.action)
    if flt.date_from:
        where.append(col(AuditEvent.at) >= _day_start(flt.date_from))
    if flt.date_to:
        where.append(col(AuditEvent.at) < _day_start(flt.date_to + timedelta(days=1)))
    return where


def summarise(detail: str) -> str:
    """A one-line summary of an entry's detail JSON (field names and counts, never values)."""
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return detail[:200]
    if not isinstance(data, dict):
        return str(data)[:200]
    parts: list[str] = []
    for key, value in sorted(data.items()):
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
        else:
            shown = str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


def entry_of(event: AuditEvent) -> AuditEntry:
    """The public form of one stored entry."""
    return AuditEntry(
        seq=event.seq,
        at=event.at,
        username=event.username,
        role=event.role,
        action=event.action,
        subject_id=event.subject_id,
        subject_ref=event.subject_ref,
        detail=summarise(event.detail),
    )


def query(
    ctx: Ctx, flt: AuditFilter | None = None, *, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of entries matching `flt`, newest first (managers and admins).

    Args:
        ctx: who is asking; needs the `audit.view` permission.
        flt: the filter; None shows everything.
        before: only entries with a sequence number below this (the cursor of the page
            before); paging by sequence stays correct while new entries arrive.
        limit: entries per page.
    """
    require(ctx, "audit.view")
    flt = flt or AuditFilter()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    where = _conditions(flt)
    if before is not None:
        where.append(col(AuditEvent.seq) < before)
    with ctx.read() as session:
        rows = session.exec(
            select(AuditEvent).where(*where).order_by(col(AuditEvent.seq).desc()).limit(limit + 1)
        ).all()
    entries = tuple(entry_of(e) for e in rows[:limit])
    more = len(rows) > limit
    return AuditPage(entries, entries[-1].seq if more and entries else None)


def actions(ctx: Ctx) -> list[str]:
    """Every action that occurs in the log, for the filter's choice list."""
    require(ctx, "audit.view")
    with ctx.read() as session:
        return sorted(session.exec(select(col(AuditEvent.action)).distinct()).all())


def usernames(ctx: Ctx) -> list[str]:
    """Every username that occurs in the log (including failed unlocks), for the filter."""
    require(ctx, "audit.view")
    with ctx.read() as session:
        names = session.exec(select(col(AuditEvent.username)).distinct()).all()
    return sorted({n for n in names if n}, key=str.casefold)


def erasure_floor(session: Session, woman_id: int) -> int:
    """The sequence number of the last erasure tombstone for this row id (0 if none).

    SQLite may give a new woman the row id of an erased one; entries before the tombstone
    belong to the erased woman and must never be shown as hers.
    """
    floor = session.exec(
        select(func.max(col(AuditEvent.seq))).where(
            col(AuditEvent.action) == "erased", col(AuditEvent.subject_id) == woman_id
        )
    ).one()
    return int(floor or 0)


def about_woman(session: Session, woman_id: int, reference: str) -> list[AuditEntry]:
    """Every entry whose subject is this woman, oldest first (for subject access)."""
    floor = erasure_floor(session, woman_id)
    rows = session.exec(
        select(AuditEvent)
        .where(
            or_(
                func.upper(col(AuditEvent.subject_ref)) == reference.upper(),
                # An entry naming only the row id (no reference) is hers too.
                and_(col(AuditEvent.subject_id) == woman_id, col(AuditEvent.subject_ref) == ""),
            ),
            col(AuditEvent.seq) > floor,
        )
        .order_by(col(AuditEvent.seq))
    ).all()
    return [entry_of(e) for e in rows]
