"""Contacts (engagements) with a woman: log one in a few keystrokes, list them newest first.

The first attended contact makes a referred woman active. Contacts on a closed case are
refused: reopen her first, so the return never counts work on a closed case.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from sqlmodel import Session, col, func, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Engagement, Hub, User
from caseapp.models.codes import ATTENDANCE, ATTENDED, DELIVERY_MODES, ENGAGEMENT_TYPES, NEED_AREAS
from caseapp.services.access import get_visible_woman
from caseapp.services.checks import Checker
from caseapp.services.context import Ctx
from caseapp.services.her_record import mark_changed, read_part
from caseapp.services.permissions import require, require_for

MAX_MINUTES = 12 * 60


@dataclass(frozen=True)
class ContactInput:
    """A contact as typed in the form; the defaults are an attended 1-2-1 in person today."""

    date: str | date | None = "today"
    time: str | time | None = "now"
    type: str = "one_to_one"
    attendance: str = "attended"
    duration_minutes: int | str | None = None
    delivery: str | None = "in_person"
    need_areas: tuple[str, ...] = ()
    hub_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ContactInfo:
    """A contact as shown: when, what, whether she came, who logged it."""

    id: int
    woman_id: int
    date: date
    time: time | None
    type: str
    attendance: str
    duration_minutes: int | None
    delivery: str | None
    hub_id: int | None
    hub_name: str
    need_areas: tuple[str, ...]
    keyworker_id: int | None
    keyworker_name: str
    note: str
    created_at: datetime

    @property
    def attended(self) -> bool:
        """Whether she came (late counts as attended)."""
        return self.attendance in ATTENDED


def _check(entered: ContactInput, *, today: date, now: time) -> dict[str, Any]:
    check = Checker()
    values: dict[str, Any] = {
        "date": check.date(entered.date, "date", today=today, required=True),
        "time": check.time(entered.time, "time", now=now),
        "type": check.code(entered.type, ENGAGEMENT_TYPES, "type", required=True),
        "attendance": check.code(entered.attendance, ATTENDANCE, "attendance", required=True),
        "duration_minutes": check.integer(
            entered.duration_minutes, "duration_minutes", low=1, high=MAX_MINUTES, unit="minutes"
        ),
        "delivery": check.code(entered.delivery, DELIVERY_MODES, "delivery"),
        "need_areas": ";".join(check.codes(entered.need_areas, NEED_AREAS, "need_areas")),
        "note": check.text(entered.note, "note", limit=20000, multiline=True),
    }
    check.done()
    return values


def _hub_exists(session: Session, hub_id: int | None) -> bool:
    return hub_id is None or session.get(Hub, hub_id) is not None


def log_contact(
    ctx: Ctx,
    woman_id: int,
    entered: ContactInput | None = None,
) -> ContactInfo:
    """Log a contact with her; the first attended one makes a referred woman active."""
    require(ctx, "women.edit", subject_id=woman_id)
    entered = entered or ContactInput()
    values = _check(entered, today=ctx.clock.today(), now=ctx.clock.now())
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        if woman.status == "closed":
            raise ValidationError(
                "Her case is closed: reopen it before logging a contact.", {"woman": "closed"}
            )
        hub_id = entered.hub_id if entered.hub_id is not None else woman.hub_id
        if not _hub_exists(session, hub_id):
            raise ValidationError("Hub: choose one of the hubs listed.", {"hub_id": "unknown"})
        engagement = Engagement(
            woman_id=woman_id, hub_id=hub_id, keyworker_id=ctx.actor.user_id, **values
        )
        session.add(engagement)
        changed = ["contact"]
        if woman.status == "referred" and engagement.attendance in ATTENDED:
            woman.status = "active"
            changed.append("status")
        session.flush()
        mark_changed(session, ctx, woman, "contact_logged", changed, contact_id=engagement.id)
        return _info(session, engagement)


def edit_contact(
    ctx: Ctx,
    contact_id: int,
    entered: ContactInput,
) -> ContactInfo:
    """Correct a contact: whoever logged it, or a manager."""
    require(ctx, "women.edit")
    values = _check(entered, today=ctx.clock.today(), now=ctx.clock.now())
    with ctx.write() as session:
        engagement = session.get(Engagement, contact_id)
        if engagement is None:
            raise NotFound("No such contact.")
        woman = get_visible_woman(session, ctx, engagement.woman_id)
        require_for(
            ctx,
            "contacts.edit_others",
            owner_id=engagement.keyworker_id,
            subject_id=woman.id,
            subject_ref=woman.reference,
            message="Only whoever logged a contact, or a manager, may correct it.",
        )
        if entered.hub_id is not None:
            if not _hub_exists(session, entered.hub_id):
                raise ValidationError("Hub: choose one of the hubs listed.", {"hub_id": "unknown"})
            values["hub_id"] = entered.hub_id
        changed = [name for name, value in values.items() if getattr(engagement, name) != value]
        for name, value in values.items():
            setattr(engagement, name, value)
        session.add(engagement)
        if changed:
            mark_changed(session, ctx, woman, "contact_changed", changed, contact_id=contact_id)
        return _info(session, engagement)


def load_contacts(session: Session, woman_id: int, limit: int | None) -> list[ContactInfo]:
    """Her contacts, newest first (the caller has already checked she may be seen)."""
    stmt = (
        select(Engagement, Hub.name, User.display_name, User.username)
        .outerjoin(Hub, col(Hub.id) == col(Engagement.hub_id))
        .outerjoin(User, col(User.id) == col(Engagement.keyworker_id))
        .where(col(Engagement.woman_id) == woman_id)
        .order_by(
            col(Engagement.date).desc(),
            col(Engagement.time).desc().nulls_last(),
            col(Engagement.id).desc(),
        )
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_make(e, hub or "", shown or user or "") for e, hub, shown, user in session.exec(stmt)]


def count_contacts(session: Session, woman_id: int) -> int:
    """How many contacts she has had."""
    stmt = select(func.count()).select_from(Engagement).where(col(Engagement.woman_id) == woman_id)
    return int(session.exec(stmt).one())


def list_contacts(ctx: Ctx, woman_id: int, *, limit: int | None = None) -> list[ContactInfo]:
    """Her contacts newest first; reading them is recorded like opening her record."""
    return read_part(
        ctx, woman_id, "contacts", lambda session, wid: load_contacts(session, wid, limit)
    )


def as_input(contact: ContactInfo) -> ContactInput:
    """A contact's values as form input (to correct it)."""
    return replace(
        ContactInput(),
        date=contact.date,
        time=contact.time,
        type=contact.type,
        attendance=contact.attendance,
        duration_minutes=contact.duration_minutes,
        delivery=contact.delivery,
        need_areas=contact.need_areas,
        hub_id=contact.hub_id,
        note=contact.note,
    )


def _info(session: Session, engagement: Engagement) -> ContactInfo:
    hub = session.get(Hub, engagement.hub_id) if engagement.hub_id else None
    user = session.get(User, engagement.keyworker_id) if engagement.keyworker_id else None
    name = (user.display_name or user.username) if user else ""
    return _make(engagement, hub.name if hub else "", name)


def _make(e: Engagement, hub_name: str, keyworker_name: str) -> ContactInfo:
    assert e.id is not None
    return ContactInfo(
        id=e.id,
        woman_id=e.woman_id,
        date=e.date,
        time=e.time,
        type=e.type,
        attendance=e.attendance,
        duration_minutes=e.duration_minutes,
        delivery=e.delivery,
        hub_id=e.hub_id,
        hub_name=hub_name,
        need_areas=tuple(code for code in e.need_areas.split(";") if code),
        keyworker_id=e.keyworker_id,
        keyworker_name=keyworker_name,
        note=e.note,
        created_at=e.created_at,
    )


def last_attended(session: Session, woman_id: int) -> date | None:
    """The date of her last attended contact, if any."""
    stmt = select(func.max(col(Engagement.date))).where(
        col(Engagement.woman_id) == woman_id, col(Engagement.attendance).in_(sorted(ATTENDED))
    )
    value = session.exec(stmt).one()
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
