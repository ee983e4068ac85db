"""Failed unlocks: five free tries, then a persisted delay doubling from 30 s to 15 min."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import col, select

from caseapp import paths
from caseapp.errors import PassphraseIncorrect, TooManyAttempts
from caseapp.models import AuditEvent
from caseapp.services.audit import verify_chain
from caseapp.services.session import attempts_note, lock, unlock
from caseapp.store.attempts import Attempts
from caseapp.store.store import open_store
from tests.conftest import MANAGER, PASSPHRASE


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_delay_doubles_from_30_seconds_to_15_minutes(tmp_path: Path) -> None:
    clock = FakeClock()
    state_path = tmp_path / "s.state"
    delays = []
    for _ in range(12):
        # A fresh object each time: the counters must come from the file, not from memory.
        attempts = Attempts(state_path, clock)
        attempts.check()
        state = attempts.failed("mgr")
        delays.append(round(state.locked_until - clock()) if state.locked_until else 0)
        if state.locked_until:
            with pytest.raises(TooManyAttempts):
                Attempts(state_path, clock).check()
            clock.advance(state.locked_until - clock())
    assert delays == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]


def test_wait_message_counts_down(tmp_path: Path) -> None:
    clock = FakeClock()
    attempts = Attempts(tmp_path / "s.state", clock)
    for _ in range(6):
        attempts.failed("mgr")
    clock.advance(1.5)
    with pytest.raises(TooManyAttempts) as caught:
        attempts.check()
    assert caught.value.wait_seconds == 59
    assert str(caught.value) == "Too many failed attempts: try again in 59 s."
    clock.advance(58)
    with pytest.raises(TooManyAttempts, match="in 1 s"):
        attempts.check()
    clock.advance(1)
    attempts.check()


def test_unreadable_state_counts_as_no_failures(tmp_path: Path) -> None:
    path = tmp_path / "s.state"
    path.write_bytes(b"\xff{not json")
    assert Attempts(path).load().consecutive == 0


def test_backoff_through_unlock_then_failures_reported(
    closed_store_path: Path,
) -> None:
    clock = FakeClock()
    for _ in range(5):
        with pytest.raises(PassphraseIncorrect):
            open_store(closed_store_path, MANAGER, "wrong guess", clock=clock)
    # Now even the right passphrase waits, and the key file is not even tried.
    with pytest.raises(TooManyAttempts, match="30 s"):
        open_store(closed_store_path, MANAGER, PASSPHRASE, clock=clock)
    saved = json.loads(paths.state_file_path(closed_store_path).read_text("utf-8"))
    assert saved["consecutive"] == 5
    assert all("wrong" not in json.dumps(event) for event in saved["pending"])
    clock.advance(30)
    outcome = unlock(closed_store_path, MANAGER, PASSPHRASE, clock=clock)
    assert outcome.failures_since_last == 5
    with outcome.ctx.read() as session:
        actions = list(session.exec(select(col(AuditEvent.action)).order_by(col(AuditEvent.seq))))
    assert actions.count("unlock_failed") == 5
    assert actions[-1] == "unlock"
    assert verify_chain(outcome.ctx.store).ok
    lock(outcome.ctx)
    # The count is reported once: the next unlock starts from zero.
    again = unlock(closed_store_path, MANAGER, PASSPHRASE, clock=clock)
    assert again.failures_since_last == 0
    lock(again.ctx)


def test_success_resets_the_run(closed_store_path: Path) -> None:
    clock = FakeClock()
    for _ in range(4):
        with pytest.raises(PassphraseIncorrect):
            open_store(closed_store_path, MANAGER, "wrong guess", clock=clock)
    outcome = unlock(closed_store_path, MANAGER, PASSPHRASE, clock=clock)
    assert outcome.failures_since_last == 4
    lock(outcome.ctx)
    for _ in range(4):
        with pytest.raises(PassphraseIncorrect):
            open_store(closed_store_path, MANAGER, "wrong guess", clock=clock)
    # Four more after a success do not trip the delay: it counts failures in a row.
    opened = open_store(closed_store_path, MANAGER, PASSPHRASE, clock=clock)
    opened.store.close()


def test_attempts_note_warns_before_the_pause(closed_store_path: Path) -> None:
    clock = FakeClock()
    notes = []
    for _ in range(5):
        with pytest.raises(PassphraseIncorrect):
            open_store(closed_store_path, MANAGER, "wrong guess", clock=clock)
        notes.append(attempts_note(closed_store_path, clock=clock))
    assert notes == [
        "",
        "",
        "2 more tries before unlocking pauses.",
        "1 more try before unlocking pauses.",
        "Unlocking is paused for 30 s.",
    ]
    clock.advance(12.5)
    assert attempts_note(closed_store_path, clock=clock) == "Unlocking is paused for 18 s."


def test_a_passphrase_typed_as_username_is_not_kept(closed_store_path: Path) -> None:
    secret = "my Secret passphrase 42"
    for name in (secret, MANAGER.upper()):
        with pytest.raises(PassphraseIncorrect):
            open_store(closed_store_path, name, "wrong guess")
    state = paths.state_file_path(closed_store_path).read_text("utf-8")
    assert secret not in state and secret.lower() not in state
    assert [e["username"] for e in json.loads(state)["pending"]] == [
        "(unknown username)",
        MANAGER,
    ]
    outcome = unlock(closed_store_path, MANAGER, PASSPHRASE)
    with outcome.ctx.read() as session:
        details = [e.detail + e.username for e in session.exec(select(AuditEvent))]
    lock(outcome.ctx)
    assert not any(secret in d for d in details)
