"""Group sessions: create, edit, cancel and list them; the register is in `group_register`.

Managers see and run every session; a keyworker runs the sessions she facilitates and can put
on a register only the women she may see (`access.visible_women`). Women on a register whom
the actor may not see are shown without name or reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, case, exists, insert, or_, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import GroupAttendance, GroupSession, Setting, User, Woman
from caseapp.models.codes import ATTENDED, GROUP_STATUSES
from caseapp.services import audit
from caseapp.services.access import visible_women
from caseapp.services.context import Ctx
from caseapp.services.permissions import allowed, allowed_for, deny, require, require_for
from caseapp.services.recording import (
    Choice,
    check_code,
    check_hub,
    clean_field,
    hub_choices,
    hub_names,
    keyed,
    name_of,
    staff_choices,
    user_names,
)
from caseapp.services.validation import fold, parse_date

TITLE_LIMIT = 200
# A session may be planned ahead, but not further than this (a mistyped year, usually).
PLAN_AHEAD = timedelta(days=366)
# Women copied from the previous session start as not attended, so nobody is counted as
# present until the facilitator marks her (or marks everyone with one key).
COPIED_ATTENDANCE = "did_not_attend"
# How far back the previous session of the same title is looked for.
PREVIOUS_LOOKBACK = 1000
HIDDEN_NAME = "Not on your caseload"


@dataclass(frozen=True)
class GroupSessionView:
    """A group session with its register counts."""

    id: int
    reference: str
    title: str
    date: date
    hub_id: int | None
    hub: str
    facilitator_id: int | None
    facilitator: str
    status: str
    anonymous_attendees: int
    registered: int
    attended: int

    @property
    def total_attendance(self) -> int:
        """Attended or late on the register, plus the anonymous head count."""
        return self.attended + self.anonymous_attendees


@dataclass(frozen=True)
class RegisterEntry:
    """One woman on a register; `visible` is False when the actor may not see who she is."""

    woman_id: int
    reference: str
    name: str
    attendance: str
    visible: bool


@dataclass(frozen=True)
class Register:
    """A session, its register in name order, and the previous session of the same title."""

    session: GroupSessionView
    entries: tuple[RegisterEntry, ...]
    previous: GroupSessionView | None
    can_edit: bool


@dataclass(frozen=True)
class SessionChoices:
    """What the session form offers: hubs, who may facilitate, titles used before."""

    hubs: tuple[Choice, ...]
    facilitators: tuple[Choice, ...]
    titles: tuple[str, ...]


# -- loading and access ----------------------------------------------------------------------


def _may_run(ctx: Ctx, gs: GroupSession) -> bool:
    if not allowed(ctx, "groups.manage"):
        return False
    return allowed_for(ctx, "groups.others", owner_id=gs.facilitator_id)


def load_session(session: Session, ctx: Ctx, session_id: int) -> GroupSession:
    """The session if the actor manages it or facilitates it; a refusal is audited."""
    require(ctx, "groups.manage")
    gs = session.get(GroupSession, session_id)
    if gs is None:
        raise NotFound("No such group session.")
    require_for(
        ctx,
        "groups.others",
        owner_id=gs.facilitator_id,
        subject_ref=gs.reference,
        message="You can open and change only the group sessions you facilitate.",
    )
    return gs


def load_open_session(session: Session, ctx: Ctx, session_id: int) -> GroupSession:
    gs = load_session(session, ctx, session_id)
    if gs.status == "cancelled":
        raise ValidationError(
            "This session was cancelled; reinstate it before changing its register.",
            {"status": "cancelled"},
        )
    return gs


def session_filter(ctx: Ctx) -> ColumnElement[bool]:
    """Managers see every session; a keyworker the sessions she facilitates."""
    if allowed(ctx, "groups.others"):
        return true()
    return col(GroupSession.facilitator_id) == ctx.actor.user_id


def session_views(session: Session, sessions: Sequence[GroupSession]) -> list[GroupSessionView]:
    ids = [gs.id for gs in sessions if gs.id is not None]
    counts: dict[int, tuple[int, int]] = {}
    if ids:
        # A CASE, not a summed boolean: SQLAlchemy would read a boolean sum back as True.
        attended = func.sum(case((col(GroupAttendance.attendance).in_(ATTENDED), 1), else_=0))
        for sid, total, came in session.exec(
            select(col(GroupAttendance.session_id), func.count(), attended)
            .where(col(GroupAttendance.session_id).in_(ids))
            .group_by(col(GroupAttendance.session_id))
        ):
            counts[sid] = (int(total), int(came or 0))
    hubs = hub_names(session, (gs.hub_id for gs in sessions))
    staff = user_names(session, (gs.facilitator_id for gs in sessions))
    views = []
    for gs in sessions:
        assert gs.id is not None
        on_register, present = counts.get(gs.id, (0, 0))
        views.append(
            GroupSessionView(
                gs.id,
                gs.reference,
                gs.title,
                gs.date,
                gs.hub_id,
                hubs.get(gs.hub_id or 0, ""),
                gs.facilitator_id,
                staff.get(gs.facilitator_id or 0, ""),
                gs.status,
                gs.anonymous_attendees,
                on_register,
                present,
            )
        )
    return views


def _previous(session: Session, gs: GroupSession) -> GroupSession | None:
    """The latest earlier held session of the same title (compared folded) with a register."""
    wanted = fold(gs.title)
    has_register = exists().where(col(GroupAttendance.session_id) == col(GroupSession.id))
    # Ids and titles only, newest first: titles are folded here (accents and case ignored),
    # which SQLite's lower() cannot do.
    candidates = session.exec(
        select(col(GroupSession.id), col(GroupSession.title))
        .where(
            or_(
                col(GroupSession.date) < gs.date,
                (col(GroupSession.date) == gs.date) & (col(GroupSession.id) < gs.id),
            ),
            col(GroupSession.status) == "held",
            has_register,
        )
        .order_by(col(GroupSession.date).desc(), col(GroupSession.id).desc())
        .limit(PREVIOUS_LOOKBACK)
    )
    found = next((sid for sid, title in candidates if fold(title) == wanted), None)
    return session.get(GroupSession, found) if found is not None else None


def build_register(session: Session, ctx: Ctx, gs: GroupSession) -> Register:
    assert gs.id is not None
    # Whether the actor may see each woman, as a column: her name is left out if not.
    seen_clause = visible_women(ctx)
    rows = session.execute(
        sa_select(
            col(GroupAttendance.woman_id),
            col(GroupAttendance.attendance),
            col(Woman.reference),
            col(Woman.first_name),
            col(Woman.last_name),
            col(Woman.preferred_name),
            seen_clause,
        )
        .join(Woman, col(Woman.id) == col(GroupAttendance.woman_id))
        .where(col(GroupAttendance.session_id) == gs.id)
    ).all()
    entries = [
        RegisterEntry(
            woman_id,
            reference if seen else "",
            name_of(first, last, preferred, reference) if seen else HIDDEN_NAME,
            mark,
            bool(seen),
        )
        for woman_id, mark, reference, first, last, preferred, seen in rows
    ]
    entries.sort(key=lambda e: (not e.visible, fold(e.name), e.reference, e.woman_id))
    previous = _previous(session, gs)
    views = session_views(session, [gs] if previous is None else [gs, previous])
    return Register(
        views[0],
        tuple(entries),
        views[1] if previous is not None else None,
        _may_run(ctx, gs) and gs.status == "held",
    )


def visible_women_by_id(session: Session, ctx: Ctx, ids: Iterable[int]) -> dict[int, Woman]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(select(Woman).where(col(Woman.id).in_(wanted), visible_women(ctx)))
    return {w.id: w for w in rows if w.id is not None}


# -- sessions --------------------------------------------------------------------------------


def _clean_session(
    session: Session,
    ctx: Ctx,
    title: str,
    when: str | date | None,
    hub_id: int | None,
    facilitator_id: int | None,
    today: date,
) -> tuple[str, date, int | None, int]:
    text = clean_field(title, "Title", "title", limit=TITLE_LIMIT)
    if not text:
        raise ValidationError(
            "Title: required (for example 'Healthy relationships').", {"title": "required"}
        )
    with keyed("date"):
        day = parse_date(when, "Date", today=today)
    if day is None:
        raise ValidationError("Date: required.", {"date": "required"})
    if day > today + PLAN_AHEAD:
        raise ValidationError("Date: more than a year ahead; check the year.", {"date": "far"})
    facilitator = ctx.actor.user_id if facilitator_id is None else facilitator_id
    if facilitator != ctx.actor.user_id:
        # Naming someone else as facilitator is running her session (`groups.others`).
        if not allowed(ctx, "groups.others"):
            deny(
                ctx,
                "groups.others",
                message="You can run sessions only as their facilitator; ask a manager.",
            )
        user = session.get(User, facilitator)
        if user is None or not user.active or user.role not in ("keyworker", "manager"):
            raise ValidationError(
                "Facilitator: choose an active keyworker or manager.", {"facilitator": "choose"}
            )
    return text, day, check_hub(session, hub_id), facilitator


def _next_reference(session: Session, day: date) -> str:
    # A hub's store has its own prefix (set when it joins sync), so two stores working
    # offline never issue the same session reference.
    prefix = session.get(Setting, "group_reference_prefix")
    stem = f"{prefix.value if prefix else 'GRP'}-{day.year}-"
    if session.get_bind().dialect.name == "postgresql":
        # Many logins write at once on PostgreSQL (SQLite has one writer): hold a lock until
        # this transaction ends, so a second session waits and reads the first one's number.
        session.exec(select(func.pg_advisory_xact_lock(func.hashtext("caseapp.group_reference"))))
    latest = session.exec(
        select(func.max(col(GroupSession.reference))).where(
            col(GroupSession.reference) >= stem, col(GroupSession.reference) < f"{stem}~"
        )
    ).one()
    tail = latest[len(stem) :] if latest else ""
    return f"{stem}{(int(tail) + 1 if tail.isdigit() else 1):04d}"


def add_entries(
    session: Session,
    ctx: Ctx,
    gs: GroupSession,
    women: Mapping[int, Woman],
    attendance: str,
    **detail: object,
) -> list[int]:
    """Insert the women not yet on the register; audit each. Returns who was added."""
    present = set(
        session.exec(
            select(col(GroupAttendance.woman_id)).where(col(GroupAttendance.session_id) == gs.id)
        )
    )
    added = [wid for wid in women if wid not in present]
    if added:
        session.execute(
            insert(GroupAttendance),
            [{"session_id": gs.id, "woman_id": wid, "attendance": attendance} for wid in added],
        )
        for wid in added:
            audit.record(
                session,
                ctx,
                "register_added",
                subject_id=wid,
                subject_ref=women[wid].reference,
                fields=["attendance"],
                group_session=gs.reference,
                **detail,
            )
    return added


def create_session(
    ctx: Ctx,
    *,
    title: str,
    date: str | date | None,
    hub_id: int | None = None,
    facilitator_id: int | None = None,
    copy_previous: bool = True,
) -> Register:
    """Create a held session with a new reference (GRP-2026-0001) and return its register.

    Args:
        ctx: who is acting.
        title: what the group is, e.g. "Healthy relationships".
        date: when it meets (typed text or a date; up to a year ahead).
        hub_id: where.
        facilitator_id: who runs it; defaults to the actor. Only a manager may name another.
        copy_previous: start the register with the women (the actor may see) on the previous
            session of the same title, marked did not attend until the facilitator marks them.

    Raises:
        ValidationError: no title, a bad date, an unknown hub or facilitator.
        PermissionDenied: the role may not run groups, or a keyworker named someone else.
    """
    require(ctx, "groups.manage")
    with ctx.write() as session:
        text, day, hub, facilitator = _clean_session(
            session, ctx, title, date, hub_id, facilitator_id, ctx.clock.today()
        )
        gs = GroupSession(
            reference=_next_reference(session, day),
            title=text,
            date=day,
            hub_id=hub,
            facilitator_id=facilitator,
            status="held",
        )
        session.add(gs)
        session.flush()
        audit.record(
            session,
            ctx,
            "group_session_created",
            subject_ref=gs.reference,
            fields=["title", "date", "hub_id", "facilitator_id"],
        )
        if copy_previous:
            _copy_previous(session, ctx, gs)
        return build_register(session, ctx, gs)


def _copy_previous(session: Session, ctx: Ctx, gs: GroupSession) -> list[int]:
    previous = _previous(session, gs)
    if previous is None:
        return []
    ids = session.exec(
        select(col(GroupAttendance.woman_id)).where(col(GroupAttendance.session_id) == previous.id)
    ).all()
    women = visible_women_by_id(session, ctx, ids)
    active = {wid: w for wid, w in women.items() if w.status != "closed"}
    return add_entries(session, ctx, gs, active, COPIED_ATTENDANCE, copied_from=previous.reference)


def copy_previous_register(ctx: Ctx, session_id: int) -> Register:
    """Add the women from the previous session of the same title (marked did not attend)."""
    with ctx.write() as session:
        gs = load_open_session(session, ctx, session_id)
        _copy_previous(session, ctx, gs)
        return build_register(session, ctx, gs)


def update_session(
    ctx: Ctx,
    session_id: int,
    *,
    title: str,
    date: str | date | None,
    hub_id: int | None,
    facilitator_id: int | None,
) -> GroupSessionView:
    """Change a session's title, date, hub or facilitator (the reference stays)."""
    with ctx.write() as session:
        gs = load_session(session, ctx, session_id)
        text, day, hub, facilitator = _clean_session(
            session, ctx, title, date, hub_id, facilitator_id, ctx.clock.today()
        )
        changes = {"title": text, "date": day, "hub_id": hub, "facilitator_id": facilitator}
        fields = [name for name, value in changes.items() if getattr(gs, name) != value]
        if fields:
            for name, value in changes.items():
                setattr(gs, name, value)
            session.add(gs)
            audit.record(
                session, ctx, "group_session_updated", subject_ref=gs.reference, fields=fields
            )
        return session_views(session, [gs])[0]


def _set_status(ctx: Ctx, session_id: int, status: str, action: str) -> GroupSessionView:
    check_code(status, GROUP_STATUSES, "Status")
    with ctx.write() as session:
        gs = load_session(session, ctx, session_id)
        if gs.status != status:
            gs.status = status
            session.add(gs)
            audit.record(session, ctx, action, subject_ref=gs.reference, fields=["status"])
        return session_views(session, [gs])[0]


def cancel_session(ctx: Ctx, session_id: int) -> GroupSessionView:
    """Mark a session cancelled: its register is kept but counts for nothing in the return."""
    return _set_status(ctx, session_id, "cancelled", "group_session_cancelled")


def reinstate_session(ctx: Ctx, session_id: int) -> GroupSessionView:
    """Undo a cancellation."""
    return _set_status(ctx, session_id, "held", "group_session_reinstated")


def get_session(ctx: Ctx, session_id: int) -> GroupSessionView:
    """One session the actor manages or facilitates."""
    with ctx.read() as session:
        return session_views(session, [load_session(session, ctx, session_id)])[0]


def list_sessions(
    ctx: Ctx,
    *,
    search: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 500,
) -> list[GroupSessionView]:
    """Sessions newest first: every one for a manager, her own for a facilitating keyworker.

    Args:
        ctx: who is acting.
        search: words that must each appear in the title or reference (case and accents ignored).
        date_from: first date included.
        date_to: last date included.
        limit: at most this many sessions.
    """
    require(ctx, "groups.manage")
    query = select(GroupSession).where(session_filter(ctx))
    if date_from is not None:
        query = query.where(col(GroupSession.date) >= date_from)
    if date_to is not None:
        query = query.where(col(GroupSession.date) <= date_to)
    query = query.order_by(col(GroupSession.date).desc(), col(GroupSession.id).desc())
    words = fold(search).split()
    with ctx.read() as session:
        if words:
            # Titles are few (hundreds a year): fold in Python so accents and case never matter.
            found = [
                gs
                for gs in session.exec(query)
                if all(w in fold(f"{gs.title} {gs.reference}") for w in words)
            ][:limit]
        else:
            found = list(session.exec(query.limit(limit)).all())
        return session_views(session, found)


def title_suggestions(ctx: Ctx, *, limit: int = 100) -> list[str]:
    """Titles of recent sessions the actor may see, most recent first, for completion."""
    if not allowed(ctx, "groups.manage"):
        return []
    with ctx.read() as session:
        rows = session.exec(
            select(col(GroupSession.title))
            .where(session_filter(ctx))
            .order_by(col(GroupSession.date).desc())
            .limit(limit * 5)
        )
        seen: dict[str, str] = {}
        for title in rows:
            seen.setdefault(fold(title), title)
        return list(seen.values())[:limit]


def session_choices(ctx: Ctx) -> SessionChoices:
    """Hubs, facilitators (a keyworker: only herself) and recent titles for the form."""
    require(ctx, "groups.manage")
    staff = staff_choices(ctx)
    if not allowed(ctx, "groups.others"):
        staff = [c for c in staff if c.id == ctx.actor.user_id]
    return SessionChoices(tuple(hub_choices(ctx)), tuple(staff), tuple(title_suggestions(ctx)))
