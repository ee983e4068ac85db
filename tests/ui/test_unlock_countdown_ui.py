"""After repeated failed unlocks the pause counts down on the unlock screen."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from caseapp.clock import FrozenClock
from caseapp.screens.unlock import UnlockScreen
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle


def _said(screen: UnlockScreen) -> str:
    return str(screen.query_one("#unlock-message").render())


async def test_the_pause_ticks_down_to_a_new_try(manager: Ctx, clock: FrozenClock) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        await settle(pilot)
        wrong = "Username or passphrase incorrect. Unlocking is paused for 30 s."
        screen.post_message(UnlockScreen.UnlockFailed(wrong))
        await settle(pilot)
        assert _said(screen) == wrong
        clock.advance(timedelta(seconds=12))
        screen.tick_countdown()
        assert _said(screen) == "Username or passphrase incorrect. Unlocking is paused for 18 s."
        clock.advance(timedelta(seconds=18))
        screen.tick_countdown()
        assert _said(screen) == "You can try again now."
        paused = "Too many failed attempts: try again in 60 s."
        screen.post_message(UnlockScreen.UnlockFailed(paused))
        await settle(pilot)
        clock.advance(timedelta(seconds=1))
        screen.tick_countdown()
        assert _said(screen) == "Too many failed attempts: try again in 59 s."


async def test_a_late_in_use_check_does_not_hide_a_newer_message(manager: Ctx) -> None:
    """The check for another window runs in a thread; if it answers after a failed unlock,
    the failure stays on screen (the test's own handle holds the lock, so the check finds it)."""
    app = make_app(manager)
    app.lock_finished.clear()  # hold the in-use check until the failure has been shown
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        await pilot.pause()
        wrong = "Username or passphrase incorrect."
        screen.post_message(UnlockScreen.UnlockFailed(wrong))
        await pilot.pause()
        app.lock_finished.set()
        await settle(pilot)
        assert _said(screen) == wrong


async def test_a_check_whose_thread_starts_late_does_not_hide_a_newer_message(
    manager: Ctx,
) -> None:
    """On a busy machine the check's thread may start only after a failed unlock was shown:
    what it finds then must not replace the failure either."""
    loop = asyncio.get_running_loop()
    # One worker thread, held busy: every thread worker of the app waits for it, as on a
    # loaded machine where the check's thread is not run until later.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
    pool_free = threading.Event()
    busy = loop.run_in_executor(None, pool_free.wait, 60)
    app = make_app(manager)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, UnlockScreen)
            await pilot.pause()
            wrong = "Username or passphrase incorrect."
            screen.post_message(UnlockScreen.UnlockFailed(wrong))
            await pilot.pause()
            assert _said(screen) == wrong
            pool_free.set()
            await busy
            await settle(pilot)
            assert _said(screen) == wrong
    finally:
        pool_free.set()
