"""Retention: list women whose records are past the policy, and purge them with confirmation.

The policy keeps a record for `retention_years` (default six) after her case was closed; a
woman re-referred since is not closed and so never listed. Purging erases through
`erasure`, one transaction for the whole confirmed list. Nothing is purged while the wall
clock reads earlier than the newest audit entry (the clock has gone backwards, so "six years
ago" cannot be trusted) unless the manager confirms the clock explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import col, func, select

from caseapp.errors import CaseappError, ValidationError
from caseapp.models import AuditEvent, User, Woman
from caseapp.services import settings
from caseapp.services.context import Ctx
from caseapp.services.erasure import ErasureResult, erase_women, normalise_reference
from caseapp.services.permissions import require

# A wall clock this far behind the newest audit entry counts as gone backwards; small NTP
# corrections are not worth a question.
CLOCK_SLACK = timedelta(minutes=2)


class ClockBehind(CaseappError):
    """The wall clock reads earlier than the newest audit entry."""

    exit_code = 6  # invalid as asked: confirm the date with --clock-is-right


@dataclass(frozen=True)
class Candidate:
    """A woman past the retention period."""

    woman_id: int
    reference: str
    name: str
    keyworker: str
    closed_on: date
    due_on: date


@dataclass(frozen=True)
class Review:
    """The retention review: the policy, today's date, who is past it, and the clock check."""

    years: int
    today: date
    candidates: tuple[Candidate, ...]
    clock_ok: bool
    newest_entry_at: datetime | None

    @property
    def clock_message(self) -> str:
        """What to tell a manager when the clock looks wrong (empty when it is fine)."""
        if self.clock_ok or self.newest_entry_at is None:
            return ""
        return (
            f"This computer's clock ({self.today:%d/%m/%Y}) is earlier than the newest audit "
            f"entry ({self.newest_entry_at:%d/%m/%Y %H:%M} UTC): it may have gone backwards. "
            "Check the date before purging."
        )


def due_date(closed_on: date, years: int) -> date:
    """The day a record closed on `closed_on` becomes due for deletion (29 Feb → 28 Feb)."""
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:
        return closed_on.replace(year=closed_on.year + years, day=28)


def _newest_entry_at(ctx: Ctx) -> datetime | None:
    with ctx.read() as session:
        # The latest time, not the last entry's: after a jump back the last entry is
        # stamped earlier than the ones before it.
        return session.exec(select(func.max(col(AuditEvent.at)))).one()


def review(ctx: Ctx) -> Review:
    """Who is past the retention period today (managers)."""
    require(ctx, "retention")
    years = settings.get_int(ctx, "retention_years")
    now = ctx.clock.utcnow()
    today = now.date()
    newest = _newest_entry_at(ctx)
    clock_ok = newest is None or now >= newest - CLOCK_SLACK
    # A day's margin for 29 February; the exact due date is checked below.
    latest_closure = due_date(today, -years) + timedelta(days=1)
    with ctx.read() as session:
        # Plain columns, not ORM objects: a provider years into caseapp lists thousands.
        rows = session.execute(
            sa_select(
                col(Woman.id),
                col(Woman.reference),
                col(Woman.first_name),
                col(Woman.last_name),
                col(Woman.closed_on),
                col(User.display_name),
                col(User.username),
            )
            .join(User, col(User.id) == col(Woman.keyworker_id), isouter=True)
            .where(
                col(Woman.status) == "closed",
                col(Woman.closed_on).is_not(None),
                col(Woman.closed_on) <= latest_closure,
            )
            .order_by(col(Woman.closed_on), col(Woman.reference))
        ).all()
    candidates = []
    for wid, ref, first, last, closed_on, display, username in rows:
        due = due_date(closed_on, years)
        if due > today:
            continue
        name = " ".join(p for p in (first, last) if p)
        candidates.append(Candidate(wid, ref, name, display or username or "", closed_on, due))
    return Review(years, today, tuple(candidates), clock_ok, newest)


def confirmation_phrase(count: int) -> str:
    """What a manager types to confirm purging `count` records."""
    return f"erase {count}"


def purge(
    ctx: Ctx,
    references: Sequence[str],
    *,
    confirmation: str,
    clock_confirmed: bool = False,
) -> ErasureResult:
    """Erase women past the retention period (managers), all in one transaction.

    Args:
        ctx: who is acting; needs `retention` and `erase`.
        references: the women to purge; each must be past the period today.
        confirmation: what the manager typed; must be `confirmation_phrase(len(references))`.
        clock_confirmed: the manager has checked the date although the clock reads earlier
            than the newest audit entry.

    Raises:
        ClockBehind: the clock has gone backwards and `clock_confirmed` is False.
        ValidationError: wrong confirmation, or a reference that is not past the period.
    """
    require(ctx, "retention")
    require(ctx, "erase")
    refs = list(dict.fromkeys(normalise_reference(r) for r in references if r.strip()))
    if not refs:
        raise ValidationError("Choose at least one record to purge.")
    expected = confirmation_phrase(len(refs))
    if confirmation.strip().casefold() != expected:
        raise ValidationError(
            f"Type “{expected}” to confirm; nothing was erased.", {"confirmation": expected}
        )
    current = review(ctx)
    if not current.clock_ok and not clock_confirmed:
        raise ClockBehind(current.clock_message + " Nothing was erased.")
    due = {c.reference.upper() for c in current.candidates}
    early = [r for r in refs if r not in due]
    if early:
        raise ValidationError(
            f"Not past the retention period: {', '.join(early)}. Nothing was erased."
        )
    return erase_women(
        ctx,
        refs,
        reason="retention",
        policy_years=current.years,
        clock_confirmed=not current.clock_ok,
    )


def set_policy(ctx: Ctx, years: int | str) -> int:
    """Change how many years after closure a record is kept (managers; audited)."""
    settings.set_value(ctx, "retention_years", str(years).strip())
    return settings.get_int(ctx, "retention_years")
