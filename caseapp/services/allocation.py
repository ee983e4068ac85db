"""Allocating a woman to a keyworker and sharing her record with others; the staff to choose from.

Allocation is a manager's; her keyworker or a manager may share her record. Every change is
audited in the same transaction (`her_record.mark_changed`).
"""

from __future__ import annotations

from sqlmodel import col, delete, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Referral, User, Woman, WomanShare
from caseapp.services.context import Ctx
from caseapp.services.her_record import mark_changed
from caseapp.services.permissions import require, require_for
from caseapp.services.validation import fold
from caseapp.services.women import check_staff, woman_for_change
from caseapp.services.women_types import StaffMember, WomanInfo, staff_member, woman_info


def allocate(ctx: Ctx, woman_id: int, keyworker_id: int | None) -> WomanInfo:
    """Allocate her to a keyworker (or to nobody); managers only."""
    require(ctx, "women.allocate", subject_id=woman_id)
    with ctx.write() as session:
        woman = woman_for_change(session, ctx, woman_id)
        if keyworker_id is not None:
            check_staff(session, keyworker_id, "keyworker")
        if woman.keyworker_id == keyworker_id:
            return woman_info(woman)
        woman.keyworker_id = keyworker_id
        if keyworker_id is not None:
            # Her new keyworker sees her by allocation; a share would only linger.
            session.exec(
                delete(WomanShare).where(
                    col(WomanShare.woman_id) == woman_id, col(WomanShare.user_id) == keyworker_id
                )
            )
            pending = session.exec(
                select(Referral).where(
                    col(Referral.woman_id) == woman_id, col(Referral.allocated_to_id).is_(None)
                )
            ).all()
            for row in pending:
                row.allocated_to_id = keyworker_id
                session.add(row)
        mark_changed(
            session, ctx, woman, "woman_allocated", ["keyworker_id"], keyworker_id=keyworker_id
        )
        return woman_info(woman)


def _may_share(ctx: Ctx, woman: Woman) -> None:
    require_for(
        ctx,
        "women.share",
        owner_id=woman.keyworker_id,
        subject_id=woman.id,
        subject_ref=woman.reference,
        message="Only her keyworker or a manager may share her record.",
    )


def share_woman(ctx: Ctx, woman_id: int, user_id: int) -> StaffMember:
    """Share her record with another keyworker (her keyworker or a manager may)."""
    with ctx.write() as session:
        woman = woman_for_change(session, ctx, woman_id)
        _may_share(ctx, woman)
        user = check_staff(session, user_id, "user_id")
        if user_id == woman.keyworker_id:
            raise ValidationError(
                "She is already on that keyworker's caseload.", {"user_id": "her keyworker"}
            )
        if session.get(WomanShare, (woman_id, user_id)) is None:
            session.add(WomanShare(woman_id=woman_id, user_id=user_id))
            mark_changed(session, ctx, woman, "woman_shared", ["shared_with"], user_id=user_id)
        return staff_member(user)


def unshare_woman(ctx: Ctx, woman_id: int, user_id: int) -> None:
    """Stop sharing her record with a keyworker."""
    with ctx.write() as session:
        woman = woman_for_change(session, ctx, woman_id)
        _may_share(ctx, woman)
        share = session.get(WomanShare, (woman_id, user_id))
        if share is None:
            raise NotFound("Her record is not shared with that person.")
        session.delete(share)
        mark_changed(session, ctx, woman, "woman_unshared", ["shared_with"], user_id=user_id)


def staff(ctx: Ctx, *, roles: tuple[str, ...] = ("keyworker", "manager")) -> list[StaffMember]:
    """Active staff a woman can be allocated to or shared with, by name."""
    require(ctx, "women.view")
    with ctx.read() as session:
        users = session.exec(
            select(User).where(col(User.active) == True, col(User.role).in_(roles))  # noqa: E712
        ).all()
        return sorted((staff_member(u) for u in users), key=lambda m: fold(m.name))
