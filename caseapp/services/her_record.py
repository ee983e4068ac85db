"""The two steps every service touching a woman's record repeats, in one place.

`read_part` opens part of her record (access checked, the opening audited); `mark_changed`
stamps her record as changed and audits the change in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlmodel import Session

from caseapp.models import Woman
from caseapp.services import audit
from caseapp.services.access import get_visible_woman
from caseapp.services.context import Ctx
from caseapp.services.permissions import require

T = TypeVar("T")


def read_part(ctx: Ctx, woman_id: int, part: str, load: Callable[[Session, int], T]) -> T:
    """Read one part of her record (`load(session, woman_id)`), auditing it as an opening."""
    require(ctx, "women.view", subject_id=woman_id)
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        audit.record(
            session,
            ctx,
            "woman_opened",
            subject_id=woman_id,
            subject_ref=woman.reference,
            part=part,
        )
        return load(session, woman_id)


def mark_changed(
    session: Session,
    ctx: Ctx,
    woman: Woman,
    action: str,
    fields: Iterable[str],
    **detail: Any,
) -> None:
    """Stamp her record's `updated_at` and audit `action` naming the fields (never values)."""
    woman.updated_at = ctx.clock.utcnow()
    session.add(woman)
    audit.record(
        session,
        ctx,
        action,
        subject_id=woman.id,
        subject_ref=woman.reference,
        fields=fields,
        **detail,
    )
