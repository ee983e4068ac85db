"""What is waiting for me: the home screen's list of women who need something today.

A keyworker sees her own caseload and women shared with her; a manager sees the whole
provider, or one keyworker's caseload when she filters by keyworker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, exists, func, not_, or_
from sqlmodel import col, select

from caseapp.models import (
    Consent,
    Engagement,
    Flag,
    GroupAttendance,
    GroupSession,
    PlanGoal,
    Referral,
    Woman,
    WomanShare,
)
from caseapp.models.codes import ATTENDED, FLAG_BADGES
from caseapp.services import plans
from caseapp.services.access import visible_women
from caseapp.services.caseload import UNALLOCATED, WomanRow, order_by, row_select, to_rows
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.validation import show_date

OVERDUE_DAYS = 28
SECTION_LIMIT = 50
"""Women listed per section; the total is still counted (a manager's provider is large)."""


@dataclass(frozen=True)
class WaitingItem:
    """A woman and why she is waiting."""

    woman: WomanRow
    why: str


@dataclass(frozen=True)
class WaitingSection:
    """One kind of thing waiting, with the women listed (at most `SECTION_LIMIT`) and a total."""

    code: str
    title: str
    items: tuple[WaitingItem, ...]
    total: int


@dataclass(frozen=True)
class Waiting:
    """Everything waiting for the actor (or, for a manager, for one keyworker or everyone)."""

    sections: tuple[WaitingSection, ...]
    keyworker_id: int | None
    today: date

    @property
    def empty(self) -> bool:
        """Nothing waiting at all."""
        return not any(s.total for s in self.sections)


def _scope(ctx: Ctx, keyworker_id: int | None) -> list[ColumnElement[bool]]:
    """Whose women: mine (allocated or shared), one keyworker's, or everyone's (managers)."""
    terms: list[ColumnElement[bool]] = [visible_women(ctx)]
    if ctx.actor.is_manager and keyworker_id is not None:
        if keyworker_id == UNALLOCATED:
            terms.append(col(Woman.keyworker_id).is_(None))
        else:
            shared = exists().where(
                col(WomanShare.woman_id) == col(Woman.id), col(WomanShare.user_id) == keyworker_id
            )
            terms.append(or_(col(Woman.keyworker_id) == keyworker_id, shared))
    return terms


def _group_attended() -> list[ColumnElement[bool]]:
    """She was at a held group session (attended or late): that is contact too."""
    return [
        col(GroupAttendance.woman_id) == col(Woman.id),
        col(GroupAttendance.session_id) == col(GroupSession.id),
        col(GroupSession.status) == "held",
        col(GroupAttendance.attendance).in_(sorted(ATTENDED)),
    ]


def _attended_since(since: date) -> ColumnElement[bool]:
    contact = exists().where(
        col(Engagement.woman_id) == col(Woman.id),
        col(Engagement.attendance).in_(sorted(ATTENDED)),
        col(Engagement.date) >= since,
    )
    group = exists().where(*_group_attended(), col(GroupSession.date) >= since)
    return or_(contact, group)


def _last_group() -> ScalarSelect[Any]:
    """The date of the last held group session she attended."""
    return (
        select(func.max(col(GroupSession.date)))
        .where(*_group_attended())
        .correlate(Woman)
        .scalar_subquery()
    )


def _has_consent() -> ColumnElement[bool]:
    return exists().where(
        col(Consent.woman_id) == col(Woman.id), col(Consent.withdrawn_on).is_(None)
    )


def _has_flag() -> ColumnElement[bool]:
    return exists().where(col(Flag.woman_id) == col(Woman.id), col(Flag.cleared_on).is_(None))


def _latest_referral() -> ColumnElement[date]:
    return (
        select(func.max(col(Referral.referral_date)))
        .where(col(Referral.woman_id) == col(Woman.id))
        .correlate(Woman)
        .scalar_subquery()
    )


def waiting_for_me(
    ctx: Ctx,
    *,
    keyworker_id: int | None = None,
    limit: int = SECTION_LIMIT,
) -> Waiting:
    """The sections of the home screen, each listing the women in it and why.

    `keyworker_id` (managers only) narrows to one keyworker's caseload; `UNALLOCATED` to
    women with no keyworker. For keyworkers it is ignored: they see only their own.
    """
    require(ctx, "women.view")
    today = ctx.clock.today()
    scope = _scope(ctx, keyworker_id)
    is_open = col(Woman.status).in_(("referred", "active"))
    since = today - timedelta(days=OVERDUE_DAYS)
    mine_label = "My" if not ctx.actor.is_manager and keyworker_id is None else "Active"
    definitions: list[tuple[str, str, list[ColumnElement[bool]]]] = [
        ("referred", "New referrals", [col(Woman.status) == "referred"]),
        (
            "overdue",
            f"No attended contact for {OVERDUE_DAYS} days",
            [col(Woman.status) == "active", not_(_attended_since(since))],
        ),
        ("flagged", "Active flags", [is_open, _has_flag()]),
        ("consent", "Consent missing", [is_open, not_(_has_consent())]),
        ("goals", "Support-plan goals overdue", [is_open, _goal_overdue(today)]),
        ("active", f"{mine_label} caseload", [col(Woman.status) == "active"]),
    ]
    if ctx.actor.is_manager and keyworker_id is None:
        definitions.insert(
            1,
            (
                "unallocated",
                "Unallocated referrals",
                [is_open, col(Woman.keyworker_id).is_(None)],
            ),
        )
    sections = []
    with ctx.read() as session:
        for code, title, where in definitions:
            terms = [*scope, *where]
            total = session.execute(
                select(func.count()).select_from(Woman).where(and_(*terms))
            ).scalar_one()
            # Overdue women longest unseen first; every other list by name (an index order).
            order = order_by("last_contact" if code == "overdue" else "name")
            referral_date = _latest_referral().label("referral_date")
            last_group = _last_group().label("last_group")
            stmt = (
                row_select().add_columns(referral_date, last_group).where(*terms).order_by(*order)
            )
            if code == "goals":
                stmt = stmt.add_columns(_earliest_overdue(today).label("goal_due"))
            result = session.execute(stmt.limit(limit)).all()
            rows = to_rows(result)
            items = tuple(
                WaitingItem(
                    row,
                    _why(code, _seen(row, raw.last_group), raw.referral_date, today)
                    if code != "goals"
                    else _goal_why(raw.goal_due, today),
                )
                for row, raw in zip(rows, result, strict=True)
            )
            sections.append(WaitingSection(code, title, items, int(total)))
    return Waiting(tuple(sections), keyworker_id if ctx.actor.is_manager else None, today)


def _goal_overdue(today: date) -> ColumnElement[bool]:
    """She has an overdue support-plan goal (as `plans.overdue_goals` lists them)."""
    return exists().where(col(PlanGoal.woman_id) == col(Woman.id), plans.overdue_condition(today))


def _earliest_overdue(today: date) -> ScalarSelect[Any]:
    """The target date of her longest-overdue open goal."""
    return (
        select(func.min(col(PlanGoal.target_date)))
        .where(col(PlanGoal.woman_id) == col(Woman.id), plans.overdue_condition(today))
        .scalar_subquery()
    )


def _goal_why(due: object, today: date) -> str:
    when = due if isinstance(due, date) else _parse(due)
    if when is None:
        return "goal overdue"
    return f"goal due {show_date(when)} ({(today - when).days} days overdue)"


def _why(code: str, row: WomanRow, referred: object, today: date) -> str:
    if code in ("referred", "unallocated"):
        when = referred if isinstance(referred, date) else _parse(referred)
        return f"referred {show_date(when)}" if when else "referred"
    if code == "overdue":
        if row.last_contact is None:
            return "no attended contact yet"
        days = (today - row.last_contact).days
        return f"last seen {show_date(row.last_contact)} ({days} days)"
    if code == "flagged":
        return " ".join(FLAG_BADGES.get(f, f) for f in row.flags)
    if code == "consent":
        return "no consent recorded"
    if row.last_contact is None:
        return "not seen yet"
    return f"last seen {show_date(row.last_contact)}"


def _seen(row: WomanRow, last_group: object) -> WomanRow:
    """Her row with her last contact counting group sessions she attended."""
    group = last_group if isinstance(last_group, date) else _parse(last_group)
    if group is None or (row.last_contact is not None and row.last_contact >= group):
        return row
    return replace(row, last_contact=group)


def _parse(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None
