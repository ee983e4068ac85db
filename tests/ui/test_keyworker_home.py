"""The home screen: what is waiting for me, opening a woman from it, the manager's filter."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import OptionList

from caseapp.modals.help import HelpModal
from caseapp.modals.pick import PickModal
from caseapp.screens import home as home_screen
from caseapp.screens.caseload import CaseloadScreen
from caseapp.screens.home import HomeScreen
from caseapp.screens.woman import WomanScreen
from caseapp.services.contacts import ContactInput, log_contact
from caseapp.services.context import Ctx
from caseapp.services.flags import raise_flag
from tests.harness.app import make_app, screen_text, settle, unlock
from tests.harness.clock import NOW, TODAY, fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman


async def test_keyworker_sees_what_is_waiting_and_opens_a_woman(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    new = add_woman(anna, "New", "Referral", referred="2026-11-20")
    stale = add_woman(anna, "Stale", "Contact", born="1981-01-01")
    add_woman(bea, "Not", "Mine", born="1982-01-01")
    log_contact(anna, stale.id, ContactInput(date="2026-10-01"))
    raise_flag(anna, stale.id, "marac", "why")
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        text = screen_text(app)
        assert "New referrals (1)" in text
        assert "referred 20/11/2026" in text
        assert "No attended contact for 28 days (1)" in text
        assert "last seen 01/10/2026 (54 days)" in text
        assert "Active flags (1)" in text
        assert "Not Mine" not in text
        listing = app.screen.query_one("#home-waiting", OptionList)
        assert listing.has_focus
        # The first line under "New referrals" is highlighted; Enter opens her record.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)
        assert app.screen.woman_id == new.id
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        # The keyworker filter is a manager's.
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_menu_keys_open_the_caseload_and_help(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        assert "Nothing is waiting" in screen_text(app)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpModal)
        assert "waiting for me" in app.screen.text
        await pilot.press("escape")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        await pilot.press("escape")
        await pilot.press("slash")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)


async def test_manager_narrows_to_one_keyworker(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    add_woman(anna, "Annas", "Woman")
    add_woman(manager, "Nobodys", "Woman", born="1970-01-01")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        text = screen_text(app)
        assert "Unallocated referrals (1)" in text and "Annas Woman" in text
        assert "the whole provider" in text
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await pilot.press("a", "n", "n", "a", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        text = screen_text(app)
        assert "Annas Woman" in text and "Nobodys Woman" not in text
        assert "Waiting in anna" in text


async def test_hostile_names_are_shown_literally_on_home(manager: Ctx) -> None:
    add_woman(manager, "\x1b[2J\u202eJo", "[bold red]Jane[/]")
    add_woman(manager, "[@click=app.quit]x[/]", "\x07", born="1970-01-01")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        text = screen_text(app)
        assert "[bold red]Jane[/]" in text
        assert "\x1b" not in text and "\u202e" not in text
        assert "␛[2J\u2426Jo" in text
        assert "[@click=app.quit]x[/]" in text


async def test_an_older_read_of_the_list_finishing_last_is_not_shown(
    manager: Ctx, make_user: Callable[..., Ctx], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read for everyone, started before she chose one keyworker, answers after that
    keyworker's own read (its worker was cancelled, but its thread ran on): her choice stays."""
    anna = make_user("anna")
    add_woman(anna, "Annas", "Woman")
    add_woman(manager, "Nobodys", "Woman", born="1970-01-01")
    everyone_started, everyone_free, everyone_read = (threading.Event() for _ in range(3))
    hold_everyone = False
    delivered: list[object] = []
    read = home_screen.waiting_for_me
    shown = HomeScreen.on_home_screen_loaded

    def held_read(ctx: Ctx, **kwargs: Any) -> Any:
        if hold_everyone and kwargs.get("keyworker_id") is None:
            everyone_started.set()
            everyone_free.wait(timeout=30)
            found = read(ctx, **kwargs)
            everyone_read.set()
            return found
        return read(ctx, **kwargs)

    def counting(self: HomeScreen, message: Any) -> None:
        delivered.append(message)
        shown(self, message)

    monkeypatch.setattr(home_screen, "waiting_for_me", held_read)
    monkeypatch.setattr(HomeScreen, "on_home_screen_loaded", counting)
    app = make_app(manager)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            home = app.screen
            assert isinstance(home, HomeScreen)
            hold_everyone = True
            home.action_refresh()  # a read for everyone, held once its thread has started
            for _ in range(100):
                if everyone_started.is_set():
                    break
                await pilot.pause()
            assert everyone_started.is_set()
            home.keyworker_id, home.keyworker_name = anna.actor.user_id, "anna"
            home.action_refresh()  # then hers
            await settle(pilot)
            assert "Annas Woman" in screen_text(app) and "Nobodys" not in screen_text(app)
            before = len(delivered)
            everyone_free.set()
            assert everyone_read.wait(timeout=30)
            for _ in range(100):  # its reply, posted from the thread, reaches the screen
                if len(delivered) > before:
                    break
                await pilot.pause()
            assert len(delivered) == before + 1
            await settle(pilot)
            assert "Annas Woman" in screen_text(app) and "Nobodys" not in screen_text(app)
    finally:
        everyone_free.set()
