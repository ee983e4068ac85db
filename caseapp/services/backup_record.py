"""Every backup leaves an audit entry that no edit outside the store can make vanish unnoticed.

A backup taken while caseapp is open elsewhere cannot write the audit log (one writer per
store), so its entry waits in the plain state file until the next unlock. Each backup gets a
number from a counter in the key file (whose MAC is under the data key), and a queued entry
carries an HMAC under a key kept inside the store. So an altered queued entry is refused at
the unlock, and a deleted one leaves a number with no audit entry, which `verify` names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from caseapp.export.files import FileExists as FileExists  # the Backup screen's refusal
from caseapp.models import AuditEvent
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.store.store import Store

ACTION = "backup_taken"
PURPOSE = "backup queue"
Step = Callable[[str], object]
"""What a backup reports as it goes: the step it is on."""


def _mac(key: bytes, entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "mac"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def sealed_detail(key: bytes, detail: dict[str, Any]) -> dict[str, Any]:
    """The detail of a queued backup entry with its MAC (`key`: the store's queue key)."""
    return {**detail, "mac": _mac(key, detail)}


def opened_detail(store: Store, event: dict[str, Any]) -> dict[str, Any] | None:
    """A queued event's detail once its MAC checks out, else None (altered or unsigned)."""
    detail = event.get("detail")
    if not isinstance(detail, dict):
        return None
    expected = _mac(store.stable[PURPOSE], detail)
    if not hmac.compare_digest(str(detail.get("mac", "")), expected):
        return None
    return {k: v for k, v in detail.items() if k != "mac"}


def missing_numbers(store: Store) -> list[int]:
    """Backup numbers the key file has counted but the audit log has no entry for."""
    counted = store.key_file.backups
    if counted <= 0:
        return []
    found: set[int] = set()
    with store.read() as session:
        rows = session.exec(select(col(AuditEvent.detail)).where(col(AuditEvent.action) == ACTION))
        for text in rows:
            try:
                number = json.loads(text or "{}").get("number")
            except (ValueError, AttributeError):
                continue
            if isinstance(number, int):
                found.add(number)
    return [n for n in range(1, counted + 1) if n not in found]


@dataclass(frozen=True)
class TakenBackup:
    """A backup as the audit log recorded it: when, by whom, the file and its folder."""

    at: datetime
    username: str
    file: str
    folder: str  # "" for a backup recorded before folders were


def recent(ctx: Ctx, limit: int = 3) -> list[TakenBackup]:
    """The latest backups of this store, newest first (managers and admins)."""
    require(ctx, "backup")
    with ctx.read() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == ACTION)
            .order_by(col(AuditEvent.seq).desc())
            .limit(limit)
        ).all()
    taken: list[TakenBackup] = []
    for row in rows:
        try:
            detail = json.loads(row.detail or "{}")
        except ValueError:
            detail = {}
        if not isinstance(detail, dict):
            detail = {}
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
        taken.append(
            TakenBackup(
                at, row.username, str(detail.get("file", "")), str(detail.get("folder", ""))
            )
        )
    return taken


def on_server(ctx: Ctx) -> bool:
    """Whether the store is a PostgreSQL server's: its own tools back it up, not caseapp."""
    return bool(ctx.store.engine.dialect.name == "postgresql")


def quiet(_text: str) -> None:
    """A backup's progress, reported nowhere (the command line prints only the outcome)."""


def describe(manifest: dict[str, Any]) -> str:
    """One line about a backup for the command line."""
    counts = manifest.get("counts", {})
    women = counts.get("woman", 0)
    created = str(manifest.get("created_at", ""))
    try:
        when = datetime.fromisoformat(created).strftime("%d/%m/%Y %H:%M UTC")
    except ValueError:
        when = created or "an unknown time"
    return f"backup of {when}: {women} women, {sum(counts.values())} rows in all"
