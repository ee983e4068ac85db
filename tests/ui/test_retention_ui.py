"""The retention review with real keys: tick, erase after typing, the clock check, the period."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel import col, func, select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.retention_policy import RetentionPolicyForm
from caseapp.modals.typed_confirm import TypedConfirmModal
from caseapp.models import AuditEvent, Woman
from caseapp.screens.home import HomeScreen
from caseapp.screens.retention import RetentionScreen
from caseapp.services import audit
from caseapp.services.context import Ctx
from tests.dataprot import utc
from tests.harness.app import make_app, screen_text, settle, type_text, unlock
from tests.harness.women import insert_woman_with_every_record


def _closed(manager: Ctx) -> None:
    insert_woman_with_every_record(
        manager, "MIN-2018-00001", closed_on=date(2019, 3, 1), marker="Due"
    )
    insert_woman_with_every_record(
        manager, "MIN-2019-00001", closed_on=date(2020, 1, 10), marker="Also"
    )
    insert_woman_with_every_record(
        manager, "MIN-2022-00001", closed_on=date(2022, 6, 1), marker="Kept"
    )


def _women(ctx: Ctx) -> int:
    with ctx.read() as session:
        return session.exec(select(func.count()).select_from(Woman)).one()


async def _open(app: App[Any], pilot: Pilot[Any]) -> None:
    await unlock(pilot)
    await pilot.press("t")
    await settle(pilot)
    assert isinstance(app.screen, RetentionScreen)


async def test_tick_and_erase_after_typing(manager: Ctx) -> None:
    _closed(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        text = screen_text(app)
        assert "MIN-2018-00001" in text and "MIN-2022-00001" not in text
        assert "2 past it" in text
        assert app.screen.check_action("purge", ()) is None  # nothing ticked yet
        await pilot.press("space")
        await settle(pilot)
        assert "1 ticked" in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirmModal) and app.screen.expected == "erase 1"
        await type_text(pilot, "erase 2")
        await pilot.press("enter")
        await pilot.pause()
        problem = str(app.screen.query_one("#typed-problem", Static).render())
        assert "does not match" in problem
        await pilot.press(*["backspace"] * 7)
        await type_text(pilot, "ERASE 1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RetentionScreen)
        assert app.screen.query_one(DataTable).row_count == 1
        assert "MIN-2018-00001" not in screen_text(app)
    assert _women(manager) == 2


async def test_escape_cancels_and_all_ticks_all(manager: Ctx) -> None:
    _closed(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press("a")
        assert "2 ticked" in screen_text(app)
        await pilot.press("a")
        assert "ticked" not in screen_text(app)
        await pilot.press("a", "e")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirmModal) and app.screen.expected == "erase 2"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RetentionScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert _women(manager) == 3


async def test_clock_behind_the_log_asks_before_purging(manager: Ctx) -> None:
    _closed(manager)
    with manager.write() as session:  # written when the clock read two days later
        audit.append(session, manager.store, "lock", username="mgr", at=utc(2026, 11, 26))
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        assert "gone backwards" in screen_text(app)
        await pilot.press("space", "e")
        await settle(pilot)
        await type_text(pilot, "erase 1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, RetentionScreen)
        assert _women(manager) == 3
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, "erase 1")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 1
    assert _women(manager) == 2
    with manager.read() as session:
        tomb = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "erased")).one()
    assert json.loads(tomb.detail)["clock_confirmed"] is True


async def test_change_the_period(manager: Ctx) -> None:
    _closed(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(app, pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, RetentionPolicyForm)
        await pilot.press("end", "backspace")
        await type_text(pilot, "0")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RetentionPolicyForm)  # 0 is refused, said in the form
        assert "1 to 100" in screen_text(app)
        await pilot.press("backspace", "4")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RetentionScreen)
        assert "Kept 4 years" in screen_text(app)
        assert app.screen.query_one(DataTable).row_count == 3


async def test_keyworker_has_no_retention_review(make_user: Callable[..., Ctx]) -> None:
    app = make_app(make_user("kw1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
