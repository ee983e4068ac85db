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
from typing import Any

from sqlmodel import col, select

from caseapp.models import AuditEvent
from caseapp.store.store import Store

ACTION = "backup_taken"
PURPOSE = "backup queue"


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
