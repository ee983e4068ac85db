"""Unlocking and locking: turns a username and passphrase into a service context."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from caseapp import paths
from caseapp.errors import CaseappError, PermissionDenied, StoreInUse
from caseapp.store.attempts import FREE_ATTEMPTS, Attempts
from caseapp.store.lock import StoreLock

if TYPE_CHECKING:
    from caseapp.services.context import Ctx

# The store, SQLAlchemy and the models are imported inside `unlock` and `lock`: the unlock
# screen calls `store_availability` and `attempts_note` while it is being drawn, and those
# need only the lock and attempts files (tests/cli/test_startup.py checks this).


def load_unlock_modules() -> None:
    """Import what `unlock` needs for a store file (the store, SQLAlchemy, the models).

    The unlock screen calls this first in its warm-up thread, so that a passphrase typed
    quickly starts its Argon2id derivation (which lets other threads run) sooner.
    """
    import sqlalchemy.dialects.sqlite  # noqa: F401 - loaded by the first engine otherwise
    from cryptography.hazmat.backends.openssl import backend  # noqa: F401 - first KDF's

    from caseapp.services import audit, backup_record, context, users  # noqa: F401
    from caseapp.store import generations, store  # noqa: F401


def is_pg_url(path: Path | str) -> bool:
    """Whether `path` names a PostgreSQL store; only a text path loads the server module."""
    if not isinstance(path, str):
        return False
    from caseapp.store.pgstore import is_pg_url as names_a_server

    return names_a_server(path)


@dataclass(frozen=True)
class UnlockOutcome:
    """A successful unlock: the context, and failed attempts since the last success."""

    ctx: Ctx
    failures_since_last: int


def unlock(
    path: Path | str,
    username: str,
    passphrase: str,
    *,
    clock: Callable[[], float] = time.time,
    full_check: bool | None = None,
    accept_older: bool = False,
) -> UnlockOutcome:
    """Open the store as a user, audit the unlock and any failures queued since the last one.

    `accept_older` lets a manager open a store or key file older than this computer has
    seen (audited; both generations then move past what was seen).
    A `postgresql://` URL signs in to a PostgreSQL store with her own login instead.
    """
    if is_pg_url(path):
        return _unlock_pg(str(path), username, passphrase)
    from caseapp.services import audit, backup_record
    from caseapp.services.context import Ctx
    from caseapp.services.users import actor_for
    from caseapp.store import generations
    from caseapp.store.store import open_store

    path = Path(path)
    unlocked = open_store(
        path, username, passphrase, clock=clock, full_check=full_check, accept_older=accept_older
    )
    store = unlocked.store
    try:
        actor = actor_for(store, unlocked.user_id, unlocked.username)
        if unlocked.older and actor.role != "manager":
            raise PermissionDenied(f"Only a manager can accept an older copy. {unlocked.older}")
    except CaseappError:
        store.close()
        raise
    ctx = Ctx(store, actor)
    try:
        with store.write() as session:
            for event in unlocked.pending_failures:
                at = datetime.fromtimestamp(float(str(event.get("at", 0))), UTC)
                action = str(event.get("action", "unlock_failed"))
                detail = None
                if action == backup_record.ACTION:
                    # Queued in a plain file: its MAC must check out to count as the entry.
                    detail = backup_record.opened_detail(store, event)
                    if detail is None:
                        action = "backup_entry_unverified"
                audit.append(
                    session,
                    store,
                    action,
                    username=str(event.get("username", ""))[:64],
                    detail=detail,
                    at=at,
                )
            if unlocked.older:
                audit.record(session, ctx, "older_copy_accepted", found=unlocked.older)
            audit.record(session, ctx, "unlock", failures_since_last=unlocked.failures_since_last)
        if unlocked.older:
            store.generation = generations.advance(
                store.engine, store.key_file, store.path, store.data_key
            )
    except BaseException:
        # An unlock that cannot be audited (read-only store, full disk) is no unlock.
        store.close()
        raise
    return UnlockOutcome(ctx, unlocked.failures_since_last)


def _unlock_pg(url: str, username: str, passphrase: str) -> UnlockOutcome:
    """Sign in to a PostgreSQL store: the server checks the passphrase (SCRAM) and the rules."""
    from sqlmodel import col, select

    from caseapp.models import User
    from caseapp.services import audit
    from caseapp.services.context import Ctx
    from caseapp.services.users import actor_for
    from caseapp.store.pgstore import open_pg_store

    store = open_pg_store(url, username, passphrase)
    try:
        with store.read() as session:
            found = session.exec(select(User).where(col(User.username) == username)).first()
        actor = actor_for(store, found.id if found else None, username)
        ctx = Ctx(store, actor)
        with store.write() as session:
            audit.record(session, ctx, "unlock", failures_since_last=0)
    except BaseException:
        store.close()
        raise
    return UnlockOutcome(ctx, 0)


def lock(ctx: Ctx, *, reason: str = "manual") -> None:
    """Audit the lock, then drop the connections and the key."""
    if not ctx.store.is_open:
        return
    from caseapp.services import audit

    try:
        with ctx.write() as session:
            audit.record(session, ctx, "lock", reason=reason)
    finally:
        ctx.store.close()


def attempts_note(path: Path | str, *, clock: Callable[[], float] = time.time) -> str:
    """After a failed unlock: how many tries are left before the pause, or how long it lasts."""
    if is_pg_url(path):
        return ""  # the server keeps its own count of failed sign-ins
    state = Attempts(paths.state_file_path(Path(path)), clock).load()
    wait = int(state.locked_until - clock() + 0.999)
    if wait > 0:
        return f"Unlocking is paused for {wait} s."
    left = FREE_ATTEMPTS - state.consecutive
    if 0 < left <= 2:
        return f"{left} more {'try' if left == 1 else 'tries'} before unlocking pauses."
    return ""


def store_availability(path: Path | str) -> str:
    """Why a store cannot be unlocked now (missing, or open in another window), else ""."""
    if is_pg_url(path):
        return ""  # a server: many people sign in at once, and the unlock says if it is down
    path = Path(path)
    if not path.exists():
        return f"No store at {path}. Create one with `caseapp init` or try `caseapp demo`."
    probe = StoreLock(paths.lock_file_path(path))
    try:
        probe.acquire()
    except StoreInUse as exc:
        return str(exc)
    except OSError:
        return ""  # an unreadable folder is reported properly by the unlock itself
    probe.release()
    return ""
