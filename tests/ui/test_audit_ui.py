"""The audit log screen with real keys: open, filter, pick, page, help; who may open it."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import DataTable, Input, Static

from caseapp.modals.help import HelpModal
from caseapp.modals.pick import PickModal
from caseapp.screens.audit import PAGE, AuditScreen
from caseapp.screens.home import HomeScreen
from caseapp.services import audit
from caseapp.services.context import Ctx
from tests.dataprot import utc
from tests.harness.app import make_app, screen_text, settle, type_text, unlock

HOSTILE = "[bold red]x[/]\x1b[2J"


def _entries(ctx: Ctx, count: int, *, username: str = "kw1", ref: str = "MIN-2026-00001") -> None:
    with ctx.write() as session:
        for i in range(count):
            audit.append(
                session,
                ctx.store,
                "record_opened",
                username=username,
                role="keyworker",
                subject_ref=ref,
                at=utc(2026, 3, 1 + i % 28),
            )


def _table(app: object) -> DataTable[object]:
    return app.screen.query_one("#audit-table", DataTable)  # type: ignore[attr-defined]


async def test_manager_filters_the_log_by_typing(manager: Ctx) -> None:
    _entries(manager, 3)
    _entries(manager, 2, username="kw2", ref="MIN-2026-00002")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert _table(app).row_count == 6  # five entries and the store's creation
        assert _table(app).has_focus
        await pilot.press("f2")
        await type_text(pilot, "kw2")
        await pilot.press("enter")
        await settle(pilot)
        assert _table(app).row_count == 2 and _table(app).has_focus
        assert "MIN-2026-00002" in screen_text(app) and "MIN-2026-00001" not in screen_text(app)
        # The woman filter on its own, typed in lower case.
        await pilot.press("f5", "f2", "tab")
        await type_text(pilot, "min-2026-00001")
        await pilot.press("enter")
        await settle(pilot)
        assert _table(app).row_count == 3
        detail = str(app.screen.query_one("#audit-detail", Static).render())
        assert "record_opened" in detail and "MIN-2026-00001" in detail
        # A date the calendar does not have is explained, not run.
        await pilot.press("f5", "f2", "tab", "tab", "tab")
        await type_text(pilot, "30/02/2026")
        await pilot.press("enter")
        await settle(pilot)
        assert "not a real date" in str(app.screen.query_one("#audit-status", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_pick_an_action_and_page_through(manager: Ctx) -> None:
    _entries(manager, PAGE + 20)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        assert _table(app).row_count == PAGE
        assert screen.check_action("newer", ()) is None  # dimmed on the first page
        await pilot.press("f7")
        await settle(pilot)
        assert _table(app).row_count == 21 and "Page 2" in screen_text(app)
        assert screen.check_action("older", ()) is None
        await pilot.press("f8")
        await settle(pilot)
        assert _table(app).row_count == PAGE
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await type_text(pilot, "store")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert app.screen.query_one("#audit-action", Input).value == "store_created"
        assert _table(app).row_count == 1


async def test_hostile_text_is_shown_literally(manager: Ctx) -> None:
    _entries(manager, 1, username=HOSTILE, ref=HOSTILE)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("l")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]" in text and "\x1b" not in text and "\u241b[2J" in text


async def test_admin_opens_it_and_reads_its_help(make_user: Callable[..., Ctx]) -> None:
    app = make_app(make_user("ad1", role="admin"))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpModal) and "Audit log" in app.screen.text


async def test_a_keyworker_cannot_open_it(make_user: Callable[..., Ctx]) -> None:
    app = make_app(make_user("kw1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        app.action_go("audit")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
