"""Who may see which woman: one rule, used by every service that touches a woman's data."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, true
from sqlmodel import Session, col, func, select

from caseapp.errors import NotFound
from caseapp.models import Woman, WomanShare
from caseapp.services.context import Ctx
from caseapp.services.permissions import deny


def visible_women(ctx: Ctx) -> ColumnElement[bool]:
    """A WHERE clause on `Woman` limiting rows to those the actor may see.

    Managers see everyone in the provider; keyworkers their own caseload and women shared
    with them; admins (users and keys only) see no woman.
    """
    role = ctx.actor.role
    if role == "manager":
        return true()
    if role != "keyworker":
        return false()
    shared = exists().where(
        col(WomanShare.woman_id) == col(Woman.id), col(WomanShare.user_id) == ctx.actor.user_id
    )
    return or_(col(Woman.keyworker_id) == ctx.actor.user_id, shared)


def _existing_reference(session: Session, woman_id: int) -> str | None:
    """The reference of a woman who exists, whether or not the actor may see her.

    On PostgreSQL row-level security hides her from the login, so a definer function
    (migration 0010) answers, and the refusal is audited as on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        found = session.exec(select(func.caseapp_woman_reference(woman_id))).one()
        return None if found is None else str(found)
    existing = session.get(Woman, woman_id)
    return None if existing is None else existing.reference


def get_visible_woman(session: Session, ctx: Ctx, woman_id: int) -> Woman:
    """Load a woman the actor may see, or raise.

    A woman who does not exist raises `NotFound`; one who exists but is not the actor's
    raises `PermissionDenied` and the refusal is audited.
    """
    woman = session.exec(select(Woman).where(col(Woman.id) == woman_id, visible_women(ctx))).first()
    if woman is not None:
        return woman
    reference = _existing_reference(session, woman_id)
    if reference is None:
        raise NotFound("No such woman.")
    deny(
        ctx,
        "women.view",
        subject_id=woman_id,
        subject_ref=reference,
        message="She is not on your caseload and has not been shared with you.",
    )
