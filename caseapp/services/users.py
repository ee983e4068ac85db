"""Staff accounts: users live in the store, their key slots in the key file.

On PostgreSQL a user is her own login instead: the same rules, kept again by the server's
definer functions (`store/pg_logins.py`), and no data key to change when someone leaves.
"""

from __future__ import annotations

import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.models import User
from caseapp.models.codes import ROLES
from caseapp.services import audit
from caseapp.services.context import Actor, Ctx
from caseapp.services.permissions import deny, require
from caseapp.store import pg_logins
from caseapp.store.keyslots import KdfParams
from caseapp.store.pgstore import PgStore
from caseapp.store.rotation import Progress, quiet
from caseapp.store.store import Store

MIN_PASSPHRASE = 8
MAX_PASSPHRASE = 4096


@dataclass(frozen=True)
class UserPublic:
    """A user as the UI and CLI see her."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    has_slot: bool
    created_at: datetime


def check_username(username: str) -> str:
    """Usernames: 1-64 letters, digits, dot, dash or underscore."""
    name = unicodedata.normalize("NFC", username.strip())
    if not name or len(name) > 64 or not all(ch.isalnum() or ch in "._-" for ch in name):
        raise ValidationError(
            "Username: 1 to 64 letters, digits, dots, dashes or underscores.",
            {"username": "invalid"},
        )
    return name


def check_passphrase(passphrase: str) -> str:
    """Passphrases: at least 8 characters, no NUL, any other Unicode welcome."""
    if "\x00" in passphrase:
        raise ValidationError("Passphrase: contains a NUL character.")
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(f"Passphrase: at least {MIN_PASSPHRASE} characters.")
    if len(passphrase) > MAX_PASSPHRASE:
        raise ValidationError(f"Passphrase: at most {MAX_PASSPHRASE} characters.")
    return passphrase


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"Role must be one of: {', '.join(ROLES)}.")
    return role


def _public(user: User, store: Store) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.active,
        store.key_file.find(user.username) is not None,
        user.created_at,
    )


def create_first_manager(store: Store, username: str, display_name: str = "") -> Actor:
    """Insert the store's first user (a manager) right after `create_store`."""
    with store.write() as session:
        user = User(id=1, username=username, display_name=display_name or username, role="manager")
        session.add(user)
        session.flush()
        audit.append(session, store, "store_created", user_id=1, username=username, role="manager")
    return Actor(1, username, "manager", display_name or username)


def actor_for(store: Store, user_id: int | None, username: str) -> Actor:
    """Load the active user behind a slot, or refuse."""
    with store.read() as session:
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or not user.active or user.username.casefold() != username.casefold():
            raise PermissionDenied("This account has been removed. Ask a manager.")
        assert user.id is not None
        return Actor(user.id, user.username, user.role, user.display_name)


def list_users(ctx: Ctx, *, include_removed: bool = False) -> list[UserPublic]:
    """Every user, for managers and admins; keyworkers get the active keyworker list."""
    with ctx.read() as session:
        query = select(User).order_by(User.username)
        if not include_removed:
            query = query.where(User.active == True)  # noqa: E712
        return [_public(u, ctx.store) for u in session.exec(query)]


def add_user(
    ctx: Ctx,
    username: str,
    role: str,
    passphrase: str,
    *,
    display_name: str = "",
    kdf: KdfParams | None = None,
) -> UserPublic:
    """Add a user with an initial passphrase (managers and admins)."""
    require(ctx, "users.manage")
    name = check_username(username)
    _check_role(role)
    check_passphrase(passphrase)
    if role == "admin" and ctx.actor.role != "admin" and not ctx.actor.is_manager:
        deny(ctx, "users.manage")
    with ctx.write() as session:
        if isinstance(ctx.store, PgStore):
            new_id = pg_logins.add_login(session, name, display_name or name, role, passphrase)
            added = session.get(User, new_id)
            assert added is not None
            return _public(added, ctx.store)
        clash = session.exec(select(User).where(func.lower(User.username) == name.lower())).first()
        if clash is not None:
            raise ValidationError(f"There is already a user called {clash.username}.")
        user = User(username=name, display_name=display_name or name, role=role)
        session.add(user)
        session.flush()
        assert user.id is not None
        ctx.store.set_slot(user.id, name, passphrase, kdf)
        audit.record(session, ctx, "user_added", target=name, target_role=role)
        return _public(user, ctx.store)


def remove_user(ctx: Ctx, username: str, *, progress: Progress = quiet) -> None:
    """Remove a user: her slot is deleted and the data key changed (she may have kept a copy
    of the key file or the key), so she can no longer open the store or later backups. Her
    row stays for the audit log. On PostgreSQL her login ends instead; no key changes."""
    require(ctx, "users.manage")
    if username.casefold() == ctx.actor.username.casefold():
        raise ValidationError("You cannot remove yourself; ask another manager.")
    if isinstance(ctx.store, PgStore):
        # Her login ends on the server; there is no data key she could have kept a copy of.
        with ctx.write() as session:
            pg_logins.remove_login(session, username)
        return
    with ctx.write() as session:
        user = session.exec(
            select(User).where(func.lower(User.username) == username.lower())
        ).first()
        if user is None or not user.active:
            raise NotFound(f"No active user called {username}.")
        if user.role == "manager":
            managers = session.exec(
                select(func.count())
                .select_from(User)
                .where(
                    User.role == "manager",
                    User.active == True,  # noqa: E712
                )
            ).one()
            if managers <= 1:
                raise ValidationError("You cannot remove the last manager.")
        user.active = False
        user.removed_at = ctx.clock.utcnow()
        session.add(user)
        ctx.store.remove_slot(user.username)
        audit.record(session, ctx, "user_removed", target=user.username)
    _change_key(ctx, "user removed", progress)


def reapply_removals(ctx: Ctx, user_ids: frozenset[int]) -> tuple[str, ...]:
    """After a restore: remove again the users removed since the backup (their rows stay
    inactive, their slots go). The caller then changes the key. Returns their usernames."""
    if not user_ids:
        return ()
    if ctx.actor.user_id in user_ids:
        raise PermissionDenied("Your account was removed after this backup was taken.")
    with ctx.write() as session:
        again = list(
            session.exec(
                select(User).where(col(User.id).in_(sorted(user_ids)), User.active == True)  # noqa: E712
            )
        )
        for user in again:
            user.active = False
            user.removed_at = ctx.clock.utcnow()
            session.add(user)
            ctx.store.remove_slot(user.username)
            audit.record(
                session,
                ctx,
                "user_removed",
                target=user.username,
                reason="removed before; re-applied after a restore",
            )
    return tuple(u.username for u in again)


def rekey(ctx: Ctx, *, progress: Progress = quiet) -> None:
    """Change the store's data key on request (managers and admins; audited)."""
    require(ctx, "users.manage")
    _change_key(ctx, "on request", progress)


def _change_key(ctx: Ctx, reason: str, progress: Progress) -> None:
    started = time.perf_counter()
    ctx.store.rekey(progress)
    with ctx.write() as session:
        audit.record(
            session,
            ctx,
            "key_changed",
            reason=reason,
            seconds=round(time.perf_counter() - started, 1),
            key_file_generation=ctx.store.key_file.generation,
        )


def reset_passphrase(
    ctx: Ctx, username: str, new_passphrase: str, *, kdf: KdfParams | None = None
) -> None:
    """A manager sets a new passphrase for a keyworker (rewrites one slot only)."""
    require(ctx, "users.manage")
    check_passphrase(new_passphrase)
    if isinstance(ctx.store, PgStore):
        with ctx.write() as session:
            try:
                pg_logins.reset_login(session, username, new_passphrase)
            except PermissionDenied as exc:
                deny(ctx, "users.manage", message=str(exc))
        return
    with ctx.write() as session:
        user = session.exec(
            select(User).where(func.lower(User.username) == username.lower())
        ).first()
        if user is None or not user.active:
            raise NotFound(f"No active user called {username}.")
        if user.role != "keyworker" and user.id != ctx.actor.user_id and ctx.actor.role != "admin":
            deny(
                ctx,
                "users.manage",
                message="Managers reset keyworkers' passphrases; another manager's needs "
                "an admin or the recovery code.",
            )
        ctx.store.set_slot(user.id, user.username, new_passphrase, kdf)
        audit.record(session, ctx, "passphrase_reset", target=user.username)


def change_own_passphrase(ctx: Ctx, new_passphrase: str, *, kdf: KdfParams | None = None) -> None:
    """Change the signed-in user's passphrase; the store's bytes do not change."""
    check_passphrase(new_passphrase)
    if isinstance(ctx.store, PgStore):
        with ctx.write() as session:
            pg_logins.change_own(session, ctx.actor.username, new_passphrase)
            audit.record(session, ctx, "passphrase_changed")
        return
    ctx.store.set_slot(ctx.actor.user_id, ctx.actor.username, new_passphrase, kdf)
    with ctx.write() as session:
        audit.record(session, ctx, "passphrase_changed")
