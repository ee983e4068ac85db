"""A group session's register: who came, marked fast; who else came; her groups on her record.

Sessions themselves (create, edit, cancel, list) are in `groups`. A keyworker can put on a
register only the women she may see (`access.visible_women`); women on a register whom the
actor may not see are shown without name or reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from caseapp.errors import NotFound
from caseapp.models import GroupAttendance, GroupSession, Woman
from caseapp.models.codes import ATTENDED, REGISTER_ATTENDANCE
from caseapp.services import audit
from caseapp.services.access import get_visible_woman, visible_women
from caseapp.services.context import Ctx
from caseapp.services.groups import (
    GroupSessionView,
    Register,
    add_entries,
    build_register,
    load_open_session,
    load_session,
    session_filter,
    session_views,
    visible_women_by_id,
)
from caseapp.services.recording import check_code, check_int, hub_names, woman_name
from caseapp.services.validation import fold

HEAD_COUNT_MAX = 500
# Space on the register cycles through these, in this order.
REGISTER_CYCLE = ("attended", "late", "did_not_attend")


@dataclass(frozen=True)
class WomanPick:
    """A woman found when searching to add to a register."""

    woman_id: int
    reference: str
    name: str
    on_register: bool


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


def _check_all_visible(session: Session, ctx: Ctx, ids: Iterable[int]) -> dict[int, Woman]:
    """Every woman in `ids`, or the access rule's refusal for the first she may not see."""
    wanted = list(dict.fromkeys(ids))
    found = visible_women_by_id(session, ctx, wanted)
    for woman_id in wanted:
        if woman_id not in found:
            get_visible_woman(session, ctx, woman_id)  # raises NotFound or an audited refusal
    return found


def get_register(ctx: Ctx, session_id: int) -> Register:
    """A session's register: names of the women the actor may see, in name order."""
    with ctx.read() as session:
        return build_register(session, ctx, load_session(session, ctx, session_id))


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
        gs = load_session(session, ctx, session_id)
        rows = session.exec(
            select(col(GroupAttendance.woman_id), col(GroupSession.title))
            .join(GroupSession, col(GroupSession.id) == col(GroupAttendance.session_id))
            .where(
                session_filter(ctx),
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
            for wid, w in visible_women_by_id(session, ctx, rank).items()
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
        gs = load_open_session(session, ctx, session_id)
        women = _check_all_visible(session, ctx, woman_ids)
        add_entries(session, ctx, gs, women, attendance)
        return build_register(session, ctx, gs)


def mark_register(ctx: Ctx, session_id: int, marks: Mapping[int, str]) -> Register:
    """Set attendance for women on the register: woman id to attended, late or did_not_attend.

    Raises:
        NotFound: a woman who is not on this register.
        PermissionDenied: not her session, or a woman the actor may not see (audited).
        ValidationError: the session is cancelled, or an unknown mark.
    """
    cleaned = {wid: check_code(m, REGISTER_ATTENDANCE, "Attendance") for wid, m in marks.items()}
    with ctx.write() as session:
        gs = load_open_session(session, ctx, session_id)
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
        return build_register(session, ctx, gs)


def remove_from_register(ctx: Ctx, session_id: int, woman_id: int) -> Register:
    """Take a woman off the register (added by mistake)."""
    with ctx.write() as session:
        gs = load_open_session(session, ctx, session_id)
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
        return build_register(session, ctx, gs)


def set_head_count(ctx: Ctx, session_id: int, count: int | str) -> GroupSessionView:
    """Record how many women attended without giving their names (0 to 500)."""
    number = check_int(count, "Head count", 0, HEAD_COUNT_MAX, key="count")
    with ctx.write() as session:
        gs = load_open_session(session, ctx, session_id)
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
        return session_views(session, [gs])[0]


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
