"""Flags beside her name (MARAC, safeguarding, risk to staff...): raise and clear with a reason.

Cleared flags are kept as history; only one flag of each type can be active at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select as core_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Flag, User
from caseapp.models.codes import FLAG_TYPES
from caseapp.services.access import get_visible_woman
from caseapp.services.checks import Checker
from caseapp.services.context import Ctx
from caseapp.services.her_record import mark_changed, read_part
from caseapp.services.permissions import require
from caseapp.services.validation import show_date

REASON_HINT = "Type why, in a few words (it is kept with the flag's history)."


@dataclass(frozen=True)
class FlagInfo:
    """A flag, active or cleared, with who raised and cleared it and why."""

    id: int
    woman_id: int
    type: str
    reason: str
    raised_on: date
    raised_by: str
    cleared_on: date | None
    cleared_by: str
    clear_reason: str

    @property
    def active(self) -> bool:
        """Whether the flag still shows beside her name."""
        return self.cleared_on is None


def raise_flag(
    ctx: Ctx,
    woman_id: int,
    flag_type: str,
    reason: str,
    *,
    raised_on: str | date | None = "today",
) -> FlagInfo:
    """Raise a flag on her record; refused if one of that type is already active."""
    require(ctx, "women.edit", subject_id=woman_id)
    check = Checker()
    code = check.code(flag_type, FLAG_TYPES, "type", required=True)
    why = check.text(reason, "reason", limit=2000, multiline=True, required=REASON_HINT)
    when = check.date(raised_on, "date", today=ctx.clock.today(), required=True)
    check.done()
    assert code is not None and when is not None
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        existing = session.exec(
            select(Flag).where(
                col(Flag.woman_id) == woman_id,
                col(Flag.type) == code,
                col(Flag.cleared_on).is_(None),
            )
        ).first()
        if existing is not None:
            raise ValidationError(
                f"She already has an active {FLAG_TYPES[code]} flag.",
                {"type": "This flag is already active; choose another type."},
            )
        flag = Flag(
            woman_id=woman_id,
            type=code,
            reason=why,
            raised_on=when,
            raised_by_id=ctx.actor.user_id,
        )
        session.add(flag)
        session.flush()
        mark_changed(session, ctx, woman, "flag_raised", ["flag"], flag_type=code)
        return _one(session, flag)


def clear_flag(
    ctx: Ctx,
    flag_id: int,
    reason: str,
    *,
    cleared_on: str | date | None = "today",
) -> FlagInfo:
    """Clear an active flag with a reason; it stays in her flag history."""
    require(ctx, "women.edit")
    check = Checker()
    why = check.text(reason, "reason", limit=2000, multiline=True, required=REASON_HINT)
    when = check.date(cleared_on, "date", today=ctx.clock.today(), required=True)
    with ctx.write() as session:
        flag = session.get(Flag, flag_id)
        if flag is None:
            raise NotFound("No such flag.")
        woman = get_visible_woman(session, ctx, flag.woman_id)
        if flag.cleared_on is not None:
            raise ValidationError("That flag has already been cleared.", {"flag": "cleared"})
        if when is not None and when < flag.raised_on:
            shown = show_date(flag.raised_on)
            check.fail("date", f"Type a date on or after {shown}, when it was raised.")
        check.done()
        flag.cleared_on = when
        flag.cleared_by_id = ctx.actor.user_id
        flag.clear_reason = why
        session.add(flag)
        mark_changed(session, ctx, woman, "flag_cleared", ["flag"], flag_type=flag.type)
        return _one(session, flag)


def load_flags(session: Session, woman_id: int) -> list[FlagInfo]:
    """Her flags: active first (in the code list's order), then cleared, newest first."""
    raiser = aliased(User)
    clearer = aliased(User)
    stmt = (
        core_select(
            Flag,
            col(raiser.display_name),
            col(raiser.username),
            col(clearer.display_name),
            col(clearer.username),
        )
        .outerjoin(raiser, col(raiser.id) == col(Flag.raised_by_id))
        .outerjoin(clearer, col(clearer.id) == col(Flag.cleared_by_id))
        .where(col(Flag.woman_id) == woman_id)
    )
    flags = [
        _make(f, rd or ru or "", cd or cu or "")
        for f, rd, ru, cd, cu in session.execute(stmt).all()
    ]
    order = list(FLAG_TYPES)
    active = sorted(
        (f for f in flags if f.active), key=lambda f: order.index(f.type) if f.type in order else 99
    )
    cleared = sorted(
        (f for f in flags if not f.active),
        key=lambda f: (f.cleared_on or f.raised_on, f.id),
        reverse=True,
    )
    return active + cleared


def flag_history(ctx: Ctx, woman_id: int) -> list[FlagInfo]:
    """Every flag she has had (the actor must be able to see her)."""
    return read_part(ctx, woman_id, "flags", load_flags)


def _one(session: Session, flag: Flag) -> FlagInfo:
    assert flag.id is not None
    return next(f for f in load_flags(session, flag.woman_id) if f.id == flag.id)


def _make(flag: Flag, raised_by: str, cleared_by: str) -> FlagInfo:
    assert flag.id is not None
    return FlagInfo(
        id=flag.id,
        woman_id=flag.woman_id,
        type=flag.type,
        reason=flag.reason,
        raised_on=flag.raised_on,
        raised_by=raised_by,
        cleared_on=flag.cleared_on,
        cleared_by=cleared_by,
        clear_reason=flag.clear_reason,
    )
