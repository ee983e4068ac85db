"""Group sessions and their registers: create, take the register fast, head count, cancel.

Managers see and run every session; a keyworker runs the sessions she facilitates and can put
on a register only the women she may see (`access.visible_women`). Women on a register whom
the actor may not see are shown without name or reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, case, delete, exists, insert, or_, true, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import GroupAttendance, GroupSession, Setting, User, Woman
from caseapp.models.codes import ATTENDED, GROUP_STATUSES, REGISTER_ATTENDANCE
from caseapp.services import audit
from caseapp.services.access import get_visible_woman, visible_women
from caseapp.services.context import Ctx
from caseapp.services.permissions import allowed, deny, require
from caseapp.services.recording import (
    Choice,
    check_code,
    check_hub,
    check_int,
    clean_field,
    hub_choices,
    hub_names,
    keyed,
    name_of,
    staff_choices,
    user_names,
    woman_name,
)
from caseapp.services.validation import fold, parse_date

TITLE_LIMIT = 200
HEAD_COUNT_MAX = 500
# A session may be planned ahead, but not further than this (a mistyped year, usually).
PLAN_AHEAD = timedelta(days=366)
# Space on the register cycles through these, in this order.
REGISTER_CYCLE = ("attended", "late", "did_not_attend")
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
class WomanPick:
    """A woman found when searching to add to a register."""

    woman_id: int
    reference: str
    name: str
    on_register: bool


@dataclass(frozen=True)
class SessionChoices:
    """What the session form offers: hubs, who may facilitate, titles used before."""

    hubs: tuple[Choice, ...]
    facilitators: tuple[Choice, ...]
    titles: tuple[str, ...]


@dataclass(frozen=True)
class WomanGroup:
    """A group session on her record and how she attended it."""

    session_id: int
    reference: str
    title: str
    date: date
    hub: str
    status: str
    attendance: str


def next_attendance(code: str) -> str:
    """The mark after `code` when space is pressed on the register."""
    if code not in REGISTER_CYCLE:
        return REGISTER_CYCLE[0]
    return REGISTER_CYCLE[(REGISTER_CYCLE.index(code) + 1) % len(REGISTER_CYCLE)]


# -- loading and access ----------------------------------------------------------------------


def _may_run(ctx: Ctx, gs: GroupSession) -> bool:
    if not allowed(ctx, "groups.manage"):
        return False
    return ctx.actor.is_manager or gs.facilitator_id == ctx.actor.user_id


def _load(session: Session, ctx: Ctx, session_id: int) -> GroupSession:
    """The session if the actor manages it or facilitates it; a refusal is audited."""
    require(ctx, "groups.manage")
    gs = session.get(GroupSession, session_id)
    if gs is None:
        raise NotFound("No such group session.")
    if not _may_run(ctx, gs):
        deny(
            ctx,
            "groups.manage",
            subject_ref=gs.reference,
            message="You can open and change only the group sessions you facilitate.",
        )
    return gs


def _load_open(session: Session, ctx: Ctx, session_id: int) -> GroupSession:
    gs = _load(session, ctx, session_id)
    if gs.status == "cancelled":
        raise ValidationError(
            "This session was cancelled; reinstate it before changing its register.",
            {"status": "cancelled"},
        )
    return gs


def _session_filter(ctx: Ctx) -> ColumnElement[bool]:
    """Managers see every session; a keyworker the sessions she facilitates."""
    if ctx.actor.is_manager:
        return true()
    return col(GroupSession.facilitator_id) == ctx.actor.user_id


def _views(session: Session, sessions: Sequence[GroupSession]) -> list[GroupSessionView]:
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


def _register(session: Session, ctx: Ctx, gs: GroupSession) -> Register:
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
    views = _views(session, [gs] if previous is None else [gs, previous])
    return Register(
        views[0],
        tuple(entries),
        views[1] if previous is not None else None,
        _may_run(ctx, gs) and gs.status == "held",
    )


def _visible_woman_ids(session: Session, ctx: Ctx, ids: Iterable[int]) -> dict[int, Woman]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.exec(select(Woman).where(col(Woman.id).in_(wanted), visible_women(ctx)))
    return {w.id: w for w in rows if w.id is not None}


def _check_all_visible(session: Session, ctx: Ctx, ids: Iterable[int]) -> dict[int, Woman]:
    """Every woman in `ids`, or the access rule's refusal for the first she may not see."""
    wanted = list(dict.fromkeys(ids))
    found = _visible_woman_ids(session, ctx, wanted)
    for woman_id in wanted:
        if woman_id not in found:
            get_visible_woman(session, ctx, woman_id)  # raises NotFound or an audited refusal
    return found


# -- sessions --------------------------------------------------------------------------------


def _clean_session(
    session: Session,
    ctx: Ctx,
    title: str,
    when: str | date | None,
    hub_id: int | None,
    facilitator_id: int | None,
    today: date | None,
) -> tuple[str, date, int | None, int]:
    today = today or ctx.clock.today()
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
        if not ctx.actor.is_manager:
            deny(
                ctx,
                "groups.manage",
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
    latest = session.exec(
        select(func.max(col(GroupSession.reference))).where(
            col(GroupSession.reference) >= stem, col(GroupSession.reference) < f"{stem}~"
        )
    ).one()
    tail = latest[len(stem) :] if latest else ""
    return f"{stem}{(int(tail) + 1 if tail.isdigit() else 1):04d}"


def _add_entries(
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
    today: date | None = None,
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
        today: the date to check against (tests).

    Raises:
        ValidationError: no title, a bad date, an unknown hub or facilitator.
        PermissionDenied: the role may not run groups, or a keyworker named someone else.
    """
    require(ctx, "groups.manage")
    with ctx.write() as session:
        text, day, hub, facilitator = _clean_session(
            session, ctx, title, date, hub_id, facilitator_id, today
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
        return _register(session, ctx, gs)


def _copy_previous(session: Session, ctx: Ctx, gs: GroupSession) -> list[int]:
    previous = _previous(session, gs)
    if previous is None:
        return []
    ids = session.exec(
        select(col(GroupAttendance.woman_id)).where(col(GroupAttendance.session_id) == previous.id)
    ).all()
    women = _visible_woman_ids(session, ctx, ids)
    active = {wid: w for wid, w in women.items() if w.status != "closed"}
    return _add_entries(session, ctx, gs, active, COPIED_ATTENDANCE, copied_from=previous.reference)


def copy_previous_register(ctx: Ctx, session_id: int) -> Register:
    """Add the women from the previous session of the same title (marked did not attend)."""
    with ctx.write() as session:
        gs = _load_open(session, ctx, session_id)
        _copy_previous(session, ctx, gs)
        return _register(session, ctx, gs)


def update_session(
    ctx: Ctx,
    session_id: int,
    *,
    title: str,
    date: str | date | None,
    hub_id: int | None,
    facilitator_id: int | None,
    today: date | None = None,
) -> GroupSessionView:
    """Change a session's title, date, hub or facilitator (the reference stays)."""
    with ctx.write() as session:
        gs = _load(session, ctx, session_id)
        text, day, hub, facilitator = _clean_session(
            session, ctx, title, date, hub_id, facilitator_id, today
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
        return _views(session, [gs])[0]


def _set_status(ctx: Ctx, session_id: int, status: str, action: str) -> GroupSessionView:
    check_code(status, GROUP_STATUSES, "Status")
    with ctx.write() as session:
        gs = _load(session, ctx, session_id)
        if gs.status != status:
            gs.status = status
            session.add(gs)
            audit.record(session, ctx, action, subject_ref=gs.reference, fields=["status"])
        return _views(session, [gs])[0]


def cancel_session(ctx: Ctx, session_id: int) -> GroupSessionView:
    """Mark a session cancelled: its register is kept but counts for nothing in the return."""
    return _set_status(ctx, session_id, "cancelled", "group_session_cancelled")


def reinstate_session(ctx: Ctx, session_id: int) -> GroupSessionView:
    """Undo a cancellation."""
    return _set_status(ctx, session_id, "held", "group_session_reinstated")


def get_session(ctx: Ctx, session_id: int) -> GroupSessionView:
    """One session the actor manages or facilitates."""
    with ctx.read() as session:
        return _views(session, [_load(session, ctx, session_id)])[0]


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
    query = select(GroupSession).where(_session_filter(ctx))
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
        return _views(session, found)


def title_suggestions(ctx: Ctx, *, limit: int = 100) -> list[str]:
    """Titles of recent sessions the actor may see, most recent first, for completion."""
    if not allowed(ctx, "groups.manage"):
        return []
    with ctx.read() as session:
        rows = session.exec(
            select(col(GroupSession.title))
            .where(_session_filter(ctx))
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
    if not ctx.actor.is_manager:
        staff = [c for c in staff if c.id == ctx.actor.user_id]
    return SessionChoices(tuple(hub_choices(ctx)), tuple(staff), tuple(title_suggestions(ctx)))


# -- the register ----------------------------------------------------------------------------


def get_register(ctx: Ctx, session_id: int) -> Register:
    """A session's register: names of the women the actor may see, in name order."""
    with ctx.read() as session:
        return _register(session, ctx, _load(session, ctx, session_id))


def search_women(
    ctx: Ctx, text: str, *, session_id: int | None = None, limit: int = 20
) -> list[WomanPick]:
    """Women the actor may see whose name or reference starts with what was typed.

    Each word must start one of her names (first, last or preferred); text with a digit is
    also matched against the start of her case reference. Closed cases are left out.
    """
    words = fold(text).split()
    if not words:
        return []
    first = words[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"{first}%"
    matches = [
        col(Woman.first_norm).like(pattern, escape="\\"),
        col(Woman.last_norm).like(pattern, escape="\\"),
        col(Woman.preferred_norm).like(pattern, escape="\\"),
    ]
    if any(ch.isdigit() for ch in text):
        ref = text.strip().upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches.append(col(Woman.reference).like(f"{ref}%", escape="\\"))
    query = (
        select(Woman)
        .where(or_(*matches), col(Woman.status) != "closed", visible_women(ctx))
        .order_by(col(Woman.last_norm), col(Woman.first_norm), col(Woman.id))
        .limit(limit * 5)
    )
    with ctx.read() as session:
        on_register: set[int] = set()
        if session_id is not None:
            on_register = set(
                session.exec(
                    select(col(GroupAttendance.woman_id)).where(
                        col(GroupAttendance.session_id) == session_id
                    )
                )
            )
        picks = []
        for woman in session.exec(query):
            names = f"{woman.first_norm} {woman.last_norm} {woman.preferred_norm}".split()
            rest_ok = all(any(n.startswith(w) for n in names) for w in words[1:])
            if not rest_ok:
                continue
            assert woman.id is not None
            picks.append(
                WomanPick(woman.id, woman.reference, woman_name(woman), woman.id in on_register)
            )
            if len(picks) >= limit:
                break
        return picks


def recent_attendees(
    ctx: Ctx, session_id: int, *, days: int = 90, limit: int = 30
) -> list[WomanPick]:
    """Women who came to the actor's sessions in the `days` before this one, not yet on it.

    The most regular at sessions of the same title come first, then at any; only women the
    actor may see and whose case is open. For adding to a first register in a few keys.
    """
    with ctx.read() as session:
        gs = _load(session, ctx, session_id)
        rows = session.exec(
            select(col(GroupAttendance.woman_id), col(GroupSession.title))
            .join(GroupSession, col(GroupSession.id) == col(GroupAttendance.session_id))
            .where(
                _session_filter(ctx),
                col(GroupSession.id) != session_id,
                col(GroupSession.status) == "held",
                col(GroupSession.date) >= gs.date - timedelta(days=days),
                col(GroupSession.date) <= gs.date,
                col(GroupAttendance.attendance).in_(ATTENDED),
            )
        ).all()
        on_register = set(
            session.exec(
                select(col(GroupAttendance.woman_id)).where(
                    col(GroupAttendance.session_id) == session_id
                )
            )
        )
        wanted = fold(gs.title)
        rank: dict[int, tuple[int, int]] = {}
        for woman_id, title in rows:
            if woman_id in on_register:
                continue
            same, times = rank.get(woman_id, (0, 0))
            rank[woman_id] = (same + int(fold(title) == wanted), times + 1)
        women = {
            wid: w
            for wid, w in _visible_woman_ids(session, ctx, rank).items()
            if w.status != "closed"
        }
    ordered = sorted(
        women.values(),
        key=lambda w: (-rank[w.id or 0][0], -rank[w.id or 0][1], w.last_norm, w.first_norm),
    )
    return [WomanPick(w.id or 0, w.reference, woman_name(w), False) for w in ordered[:limit]]


def add_to_register(
    ctx: Ctx, session_id: int, woman_ids: Sequence[int], *, attendance: str = "attended"
) -> Register:
    """Put women on the register (women already on it are left as they are).

    Raises:
        PermissionDenied: not her session, or a woman the actor may not see (audited).
        ValidationError: the session is cancelled, or an unknown attendance mark.
    """
    attendance = check_code(attendance, REGISTER_ATTENDANCE, "Attendance")
    with ctx.write() as session:
        gs = _load_open(session, ctx, session_id)
        women = _check_all_visible(session, ctx, woman_ids)
        _add_entries(session, ctx, gs, women, attendance)
        return _register(session, ctx, gs)


def mark_register(ctx: Ctx, session_id: int, marks: Mapping[int, str]) -> Register:
    """Set attendance for women on the register: woman id to attended, late or did_not_attend.

    Raises:
        NotFound: a woman who is not on this register.
        PermissionDenied: not her session, or a woman the actor may not see (audited).
        ValidationError: the session is cancelled, or an unknown mark.
    """
    cleaned = {wid: check_code(m, REGISTER_ATTENDANCE, "Attendance") for wid, m in marks.items()}
    with ctx.write() as session:
        gs = _load_open(session, ctx, session_id)
        women = _check_all_visible(session, ctx, cleaned)
        current = dict(
            session.exec(
                select(col(GroupAttendance.woman_id), col(GroupAttendance.attendance)).where(
                    col(GroupAttendance.session_id) == session_id,
                    col(GroupAttendance.woman_id).in_(list(cleaned)),
                )
            ).all()
        )
        missing = set(cleaned) - set(current)
        if missing:
            raise NotFound("She is not on this session's register.")
        for wid, mark in cleaned.items():
            if current[wid] == mark:
                continue
            session.execute(
                update(GroupAttendance)
                .where(
                    col(GroupAttendance.session_id) == session_id,
                    col(GroupAttendance.woman_id) == wid,
                )
                .values(attendance=mark)
            )
            audit.record(
                session,
                ctx,
                "register_marked",
                subject_id=wid,
                subject_ref=women[wid].reference,
                fields=["attendance"],
                group_session=gs.reference,
            )
        return _register(session, ctx, gs)


def remove_from_register(ctx: Ctx, session_id: int, woman_id: int) -> Register:
    """Take a woman off the register (added by mistake)."""
    with ctx.write() as session:
        gs = _load_open(session, ctx, session_id)
        women = _check_all_visible(session, ctx, [woman_id])
        result = session.execute(
            delete(GroupAttendance).where(
                col(GroupAttendance.session_id) == session_id,
                col(GroupAttendance.woman_id) == woman_id,
            )
        )
        if getattr(result, "rowcount", 0):
            audit.record(
                session,
                ctx,
                "register_removed",
                subject_id=woman_id,
                subject_ref=women[woman_id].reference,
                group_session=gs.reference,
            )
        return _register(session, ctx, gs)


def set_head_count(ctx: Ctx, session_id: int, count: int | str) -> GroupSessionView:
    """Record how many women attended without giving their names (0 to 500)."""
    number = check_int(count, "Head count", 0, HEAD_COUNT_MAX, key="count")
    with ctx.write() as session:
        gs = _load_open(session, ctx, session_id)
        if gs.anonymous_attendees != number:
            gs.anonymous_attendees = number
            session.add(gs)
            audit.record(
                session,
                ctx,
                "group_head_count_set",
                subject_ref=gs.reference,
                fields=["anonymous_attendees"],
            )
        return _views(session, [gs])[0]


def groups_for_woman(ctx: Ctx, woman_id: int, *, attended_only: bool = False) -> list[WomanGroup]:
    """The group sessions on her record, newest first, with how she attended each.

    Raises:
        NotFound: no such woman.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    query = (
        select(GroupSession, col(GroupAttendance.attendance))
        .join(GroupAttendance, col(GroupAttendance.session_id) == col(GroupSession.id))
        .where(col(GroupAttendance.woman_id) == woman_id)
        .order_by(col(GroupSession.date).desc(), col(GroupSession.id).desc())
    )
    if attended_only:
        query = query.where(
            col(GroupAttendance.attendance).in_(ATTENDED), col(GroupSession.status) == "held"
        )
    with ctx.read() as session:
        get_visible_woman(session, ctx, woman_id)
        rows = session.exec(query).all()
        hubs = hub_names(session, (gs.hub_id for gs, _ in rows))
    return [
        WomanGroup(
            gs.id or 0,
            gs.reference,
            gs.title,
            gs.date,
            hubs.get(gs.hub_id or 0, ""),
            gs.status,
            mark,
        )
        for gs, mark in rows
    ]
