"""Which role may do what; checked in the services, and every refusal is audited."""

from __future__ import annotations

from types import MappingProxyType
from typing import NoReturn

from sqlmodel import Session

from caseapp.errors import PermissionDenied
from caseapp.services import audit
from caseapp.services.context import Ctx

KEYWORKER, MANAGER, ADMIN = "keyworker", "manager", "admin"

PERMISSIONS = MappingProxyType(
    {
        "women.view": frozenset({KEYWORKER, MANAGER}),
        "women.view_all": frozenset({MANAGER}),
        "women.edit": frozenset({KEYWORKER, MANAGER}),
        "women.allocate": frozenset({MANAGER}),
        "women.share": frozenset({MANAGER}),
        "contacts.edit_others": frozenset({MANAGER}),
        "activities.others": frozenset({MANAGER}),
        "groups.manage": frozenset({KEYWORKER, MANAGER}),
        "groups.others": frozenset({MANAGER}),
        "activities.record": frozenset({KEYWORKER, MANAGER}),
        "return.export": frozenset({MANAGER}),
        "data.export": frozenset({MANAGER}),
        "data.import": frozenset({MANAGER}),
        "sar": frozenset({MANAGER}),
        "erase": frozenset({MANAGER}),
        "retention": frozenset({MANAGER}),
        "audit.view": frozenset({MANAGER, ADMIN}),
        "users.manage": frozenset({MANAGER, ADMIN}),
        "settings.manage": frozenset({MANAGER}),
        "backup": frozenset({MANAGER, ADMIN}),
    }
)

# Permissions over one record that its owner has whatever her role: her keyworker shares her
# record, whoever logged a contact or recorded an activity corrects it, a group session's
# facilitator runs it. The roles above may do it to anyone's.
OWNER_MAY_TOO = frozenset(
    {"women.share", "contacts.edit_others", "activities.others", "groups.others"}
)

DESCRIPTIONS = MappingProxyType(
    {
        "women.view_all": "see every woman in the provider",
        "women.allocate": "allocate a woman to a keyworker",
        "women.share": "share a woman's record",
        "contacts.edit_others": "correct a contact someone else logged",
        "activities.others": "open or change an activity someone else recorded",
        "groups.others": "run a group session someone else facilitates",
        "return.export": "export the commissioner's return",
        "data.export": "export the store's data",
        "data.import": "import records",
        "sar": "produce a subject access pack",
        "erase": "erase a woman's record",
        "retention": "run the retention review",
        "audit.view": "read the audit log",
        "users.manage": "manage users",
        "settings.manage": "change store settings",
        "backup": "back up the store",
    }
)


def allowed(ctx: Ctx, permission: str) -> bool:
    """Whether the actor's role carries `permission` (unknown permissions are refused)."""
    return ctx.actor.role in PERMISSIONS.get(permission, frozenset())


def allowed_for(ctx: Ctx, permission: str, *, owner_id: int | None) -> bool:
    """Whether the actor may do this to one record whose owner is `owner_id`.

    Her role's permission covers anyone's record; for `OWNER_MAY_TOO` permissions her own
    record (she is its owner) is hers to act on too.
    """
    if allowed(ctx, permission):
        return True
    return permission in OWNER_MAY_TOO and owner_id is not None and owner_id == ctx.actor.user_id


def require_for(
    ctx: Ctx,
    permission: str,
    *,
    owner_id: int | None,
    subject_id: int | None = None,
    subject_ref: str = "",
    message: str | None = None,
) -> None:
    """Raise `PermissionDenied` (audited) unless `allowed_for` says the actor may."""
    if not allowed_for(ctx, permission, owner_id=owner_id):
        deny(ctx, permission, subject_id=subject_id, subject_ref=subject_ref, message=message)


def require(
    ctx: Ctx, permission: str, *, subject_id: int | None = None, subject_ref: str = ""
) -> None:
    """Raise `PermissionDenied` (and audit the refusal) unless the actor may do this."""
    if allowed(ctx, permission):
        return
    deny(ctx, permission, subject_id=subject_id, subject_ref=subject_ref)


def deny(
    ctx: Ctx,
    permission: str,
    *,
    subject_id: int | None = None,
    subject_ref: str = "",
    message: str | None = None,
) -> NoReturn:
    """Raise `PermissionDenied`; the refusal is audited in a transaction of its own.

    Inside a `ctx.write()` that write is rolled back first (nothing half-done is kept) and
    then records the refusal; outside one, a write is opened just to record it.
    """

    def record_refusal(session: Session) -> None:
        audit.record(
            session,
            ctx,
            "permission_denied",
            subject_id=subject_id,
            subject_ref=subject_ref,
            permission=permission,
        )

    what = DESCRIPTIONS.get(permission, permission.replace(".", " "))
    refusal = PermissionDenied(
        message or f"Your role ({ctx.actor.role}) may not {what}.",
        after_rollback=record_refusal,
    )
    if ctx.store.writing:
        raise refusal
    with ctx.write():
        raise refusal
