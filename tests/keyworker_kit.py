"""Shared helpers for the keyworker's-day tests: quick women, fixed dates, an unlocked app."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from caseapp.paths import lock_file_path
from caseapp.services.context import Ctx
from caseapp.services.women import ReferralDetails, WomanDetail, WomanDetails, create_woman
from caseapp.store.engine import make_engine
from caseapp.store.lock import StoreLock
from caseapp.store.store import Store

TODAY = date(2026, 11, 24)
NOW = time(10, 30)


def add_woman(
    ctx: Ctx,
    first: str = "Jane",
    last: str = "Smith",
    *,
    born: str | date | None = "01/02/1990",
    source: str = "probation",
    referred: str | date = date(2026, 11, 2),
    keyworker_id: int | None = None,
    confirm_duplicate: bool = False,
    **details: Any,
) -> WomanDetail:
    """Create a woman with a referral (as `ctx`), confirming duplicates only if asked."""
    return create_woman(
        ctx,
        WomanDetails(first_name=first, last_name=last, date_of_birth=born, **details),
        ReferralDetails(referral_date=referred, source=source),
        keyworker_id=keyworker_id,
        confirm_duplicate=confirm_duplicate,
        today=TODAY,
    )


def audit_actions(ctx: Ctx, subject_id: int | None = None) -> list[tuple[str, str]]:
    """(action, detail JSON) of the audit log, optionally for one woman, oldest first."""
    from sqlmodel import col, select

    from caseapp.models import AuditEvent

    with ctx.read() as session:
        stmt = select(AuditEvent).order_by(col(AuditEvent.seq))
        if subject_id is not None:
            stmt = stmt.where(col(AuditEvent.subject_id) == subject_id)
        return [(e.action, e.detail) for e in session.exec(stmt)]


# -- the app, unlocked as a given user, with the clock fixed ------------------------------


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make "today" 24/11/2026 and "now" 10:30 everywhere the app asks `services.clock`.

    Autouse in every test module that imports it.
    """
    from caseapp.services import clock

    monkeypatch.setattr(clock, "today", lambda: TODAY)
    monkeypatch.setattr(clock, "now", lambda: NOW)


def twin_store(store: Store) -> Store:
    """A second handle on the test's open store with its own connections.

    The app closes (and forgets the key of) whatever it unlocked when it locks or quits; the
    twin lets it do so while the test's own handle stays open to check what was saved. It
    shares the key file and the writer lock, so the audit chain stays one chain.
    """
    twin = Store(
        store.path,
        make_engine(store.path, store.data_key),
        store.key_file,
        store.data_key,
        StoreLock(lock_file_path(store.path)),
    )
    twin._write_lock = store._write_lock
    return twin


def make_app(ctx: Ctx) -> Any:
    """The real app whose unlock hands over `ctx` (the store is already open in the test)."""
    from caseapp.app import CaseApp
    from caseapp.services.session import UnlockOutcome

    def unlock(_path: object, _username: str, _passphrase: str) -> UnlockOutcome:
        return UnlockOutcome(Ctx(twin_store(ctx.store), ctx.actor), 0)

    return CaseApp(ctx.store.path, username=ctx.actor.username, unlock_fn=unlock)


async def settle(pilot: Any) -> None:
    """Let workers finish and the screen catch up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def unlock(pilot: Any) -> None:
    """Type a passphrase on the unlock screen and press Enter, as a person would."""
    from caseapp.screens.home import HomeScreen

    await pilot.pause()
    await pilot.press(*"passphrase", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)


async def type_text(pilot: Any, text: str) -> None:
    """Type text key by key (each character as the key that makes it)."""
    from textual.keys import _character_to_key

    await pilot.press(*(_character_to_key(ch) for ch in text))


def screen_text(app: Any) -> str:
    """Everything visible on the current screen, as plain text."""
    from textual.widgets import DataTable, OptionList, Static

    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Static):
            parts.append(str(widget.render()))
        elif isinstance(widget, DataTable):
            for row in range(widget.row_count):
                parts.append(" | ".join(str(c) for c in widget.get_row_at(row)))
        elif isinstance(widget, OptionList):
            for i in range(widget.option_count):
                parts.append(str(widget.get_option_at_index(i).prompt))
    return "\n".join(parts)
