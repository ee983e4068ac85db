"""Failed-unlock counting and back-off, persisted beside the store (no key needed to write it)."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from caseapp.errors import TooManyAttempts
from caseapp.store.atomic import atomic_write_bytes

FREE_ATTEMPTS = 5
FIRST_DELAY = 30
MAX_DELAY = 15 * 60


@dataclass
class AttemptState:
    """Counters kept in `<store>.state`. `pending` holds failures not yet in the audit log."""

    consecutive: int = 0
    since_success: int = 0
    locked_until: float = 0.0
    pending: list[dict[str, object]] = field(default_factory=list)


class Attempts:
    """Reads and updates the failure counters; `clock` is injectable for tests."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock

    def load(self) -> AttemptState:
        """Read the state; a missing or unreadable file counts as no failures."""
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return AttemptState(
                consecutive=int(data.get("consecutive", 0)),
                since_success=int(data.get("since_success", 0)),
                locked_until=float(data.get("locked_until", 0.0)),
                pending=list(data.get("pending", []))[-200:],
            )
        except (OSError, ValueError, TypeError, AttributeError):
            return AttemptState()

    def save(self, state: AttemptState) -> None:
        """Write the state atomically; a read-only folder is reported later, by the store."""
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.path, json.dumps(asdict(state)).encode("utf-8"))

    def check(self) -> None:
        """Raise `TooManyAttempts` while a back-off delay is running."""
        state = self.load()
        wait = state.locked_until - self.clock()
        if wait > 0:
            raise TooManyAttempts(int(wait + 0.999))

    def failed(self, username: str) -> AttemptState:
        """Count a failure; from the fifth in a row, start a delay doubling from 30 s to 15 min."""
        state = self.load()
        state.consecutive += 1
        state.since_success += 1
        now = self.clock()
        state.pending.append({"action": "unlock_failed", "at": now, "username": username[:64]})
        if state.consecutive >= FREE_ATTEMPTS:
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (state.consecutive - FREE_ATTEMPTS))
            state.locked_until = now + delay
        self.save(state)
        return state

    def note(self, action: str, username: str, detail: dict[str, object] | None = None) -> None:
        """Queue an event for the audit log that happened without the store open."""
        state = self.load()
        event: dict[str, object] = {"action": action, "at": self.clock(), "username": username[:64]}
        if detail:
            event["detail"] = detail
        state.pending.append(event)
        self.save(state)

    def reset_keeping_events(self) -> None:
        """End the back-off but keep queued events for the next user unlock to audit."""
        state = self.load()
        state.consecutive = 0
        state.locked_until = 0.0
        self.save(state)

    def succeeded(self) -> AttemptState:
        """Reset the counters; return the state as it was (to report and audit the failures)."""
        before = self.load()
        self.save(AttemptState())
        return before
