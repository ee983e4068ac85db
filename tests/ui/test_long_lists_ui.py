"""Long lists keep up with her keys: nothing built for text typed past, no stale rows."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from caseapp.screens import groups as groups_screen
from caseapp.screens.audit import PAGE as AUDIT_PAGE
from caseapp.screens.audit import AuditScreen
from caseapp.screens.caseload import CaseloadScreen
from caseapp.screens.groups import GroupsScreen
from caseapp.services import audit, groups
from caseapp.services.context import Ctx
from tests.harness.app import app_showing, screen_text, settle, type_text
from tests.harness.clock import fixed_clock as fixed_clock  # autouse: today is 24/11/2026
from tests.harness.women import insert_woman

TITLES = ("Healthy minds", "Money matters", "Healthy relationships")


def _sessions(ctx: Ctx) -> None:
    for day, title in enumerate(TITLES, start=5):
        groups.create_session(ctx, title=title, date=date(2026, 1, day))


def _recording(
    monkeypatch: pytest.MonkeyPatch, hold: str | None = None
) -> tuple[list[str], threading.Event]:
    """Every search the group sessions list asks the store for; a search for `hold` waits."""
    asked: list[str] = []
    free = threading.Event()
    list_sessions = groups.list_sessions

    def recorded(ctx: Ctx, **kwargs: Any) -> Any:
        asked.append(kwargs.get("search", ""))
        if kwargs.get("search") == hold:
            free.wait(timeout=30)
        return list_sessions(ctx, **kwargs)

    monkeypatch.setattr(groups, "list_sessions", recorded)
    return asked, free


async def test_typing_the_group_filter_reads_nothing_for_each_key(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every session she may see is on the screen already: each key filters them there, so
    no read is ever made (and answered late) for letters she has typed past."""
    _sessions(manager)
    asked, _free = _recording(monkeypatch)
    async with app_showing(manager, GroupsScreen()) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "heal rel")
        await settle(pilot)
        shown = screen_text(pilot.app)
    assert "Healthy relationships" in shown
    assert "Healthy minds" not in shown and "Money matters" not in shown
    assert asked == [""]  # the whole list, once, when the screen opened


async def test_a_list_too_long_to_hold_is_searched_one_read_at_a_time_latest_text_wins(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More sessions than are read at once: the store is searched, but keys typed while a
    search runs start none; when it answers, only the text now in the box is searched."""
    _sessions(manager)
    monkeypatch.setattr(groups_screen, "LOADED", 2)
    asked, free = _recording(monkeypatch, hold="h")
    try:
        async with app_showing(manager, GroupsScreen()) as pilot:
            await pilot.press("slash")
            await type_text(pilot, "heal")  # "h" is still being searched meanwhile
            free.set()
            await settle(pilot)
            shown = screen_text(pilot.app)
    finally:
        free.set()
    assert asked == ["", "h", "heal"]
    assert "Healthy relationships" in shown and "Healthy minds" in shown
    assert "Money matters" not in shown


async def test_a_long_audit_log_is_shown_a_few_screens_at_a_time(manager: Ctx) -> None:
    """Opening a long log (and each filter or page after) builds a few screens of rows, not
    hundreds she would have to scroll past; F7 goes on from the last entry listed."""
    with manager.write() as session:
        for n in range(300):
            audit.append(session, manager.store, "record_opened", username=f"kw{n % 3}")
    async with app_showing(manager, AuditScreen()) as pilot:
        table = pilot.app.screen.query_one("#audit-table", DataTable)
        first_page = [int(table.get_row_at(i)[0].plain) for i in range(table.row_count)]
        assert 30 <= len(first_page) <= 60
        await pilot.press("f7")
        await settle(pilot)
        assert int(table.get_row_at(0)[0].plain) == first_page[-1] - 1
        assert "Page 2" in screen_text(pilot.app)


async def test_picking_a_caseload_filter_keeps_the_footer_as_it_is(manager: Ctx) -> None:
    """Back from the pick list the caseload offers the same keys: the footer is not built
    again (rebuilding it was most of the time from Enter to the filtered list)."""
    insert_woman(manager.store, "Ama", "Owusu")
    async with app_showing(manager, CaseloadScreen()) as pilot:
        keys = list(pilot.app.screen.query(FooterKey))
        await pilot.press("f2")
        await settle(pilot)
        await type_text(pilot, "closed")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CaseloadScreen)
        assert "Closed" in screen_text(pilot.app)
        assert list(pilot.app.screen.query(FooterKey)) == keys


async def test_the_footer_still_follows_keys_that_come_and_go(manager: Ctx) -> None:
    """On the last page of the audit log Older is dimmed, and back on the first it is not."""
    with manager.write() as session:
        for _ in range(AUDIT_PAGE + 5):
            audit.append(session, manager.store, "record_opened", username="kw1")

    def older_dimmed(pilot: Any) -> bool:
        keys = pilot.app.screen.query(FooterKey)
        return next(k for k in keys if k.action == "older").has_class("-disabled")

    async with app_showing(manager, AuditScreen()) as pilot:
        assert not older_dimmed(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert older_dimmed(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert not older_dimmed(pilot)


async def test_moving_down_the_audit_log_never_lays_the_screen_out_again(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status line and the entry explained under the list have fixed heights: a new
    page or a move down the list redraws them, without laying out the whole screen."""
    with manager.write() as session:
        for n in range(20):
            audit.append(session, manager.store, "record_opened", username=f"kw{n}")
    laid_out: list[str] = []
    refresh = Static.refresh

    def spied(self: Static, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("layout") and self.id in ("audit-status", "audit-detail"):
            laid_out.append(self.id)
        return refresh(self, *args, **kwargs)

    async with app_showing(manager, AuditScreen()) as pilot:
        monkeypatch.setattr(Static, "refresh", spied)
        await pilot.press("down", "down", "f7", "f8")
        await settle(pilot)
        assert "kw17" in str(pilot.app.screen.query_one("#audit-detail", Static).render())
    assert laid_out == []


async def test_typing_the_group_filter_lays_nothing_out_while_sessions_match(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The line saying nothing matches only changes when that becomes true or false: each
    key that still matches sessions redraws the list alone, not the whole screen's layout."""
    _sessions(manager)
    laid_out: list[str] = []
    refresh = Static.refresh

    def spied(self: Static, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("layout", False) and self.id == "groups-empty":
            laid_out.append(self.id)
        return refresh(self, *args, **kwargs)

    async with app_showing(manager, GroupsScreen()) as pilot:
        monkeypatch.setattr(Static, "refresh", spied)
        await pilot.press("slash")
        await type_text(pilot, "healthy")
        await settle(pilot)
        assert laid_out == []
        await type_text(pilot, "zz")
        await settle(pilot)
        assert "No sessions match." in screen_text(pilot.app)


async def test_group_sessions_are_listed_a_page_at_a_time_as_she_moves_down(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clearing the filter lists a page of sessions, not every one (each key paid for
    hundreds of rows off screen); moving near the end of the page lists the next."""
    _sessions(manager)
    monkeypatch.setattr(groups_screen, "ROWS", 2)
    monkeypatch.setattr(groups_screen, "NEAR_END", 1)
    async with app_showing(manager, GroupsScreen()) as pilot:
        table = pilot.app.screen.query_one("#groups-table", DataTable)
        assert table.row_count == 2
        await pilot.press("down")
        await settle(pilot)
        assert table.row_count == 3
        await pilot.press("down", "enter")  # the session listed late opens
        await settle(pilot)
        assert "Healthy minds" in screen_text(pilot.app)  # the oldest, third in the list
