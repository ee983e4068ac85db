"""Below 80x24 one clear line asks for a larger window; at 80x24 the app is back as it was."""

from __future__ import annotations

from caseapp.modals.too_small import TooSmallScreen
from caseapp.screens.home import HomeScreen
from caseapp.screens.unlock import UnlockScreen
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, unlock


async def test_a_small_window_asks_for_a_larger_one(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(70, 20)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert app.screen.text == (
            "Make this window at least 80x24 to use caseapp (it is 70x20 now)."
        )
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        await unlock(pilot)
        await pilot.resize_terminal(100, 23)
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        assert "100x23" in app.screen.text
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
