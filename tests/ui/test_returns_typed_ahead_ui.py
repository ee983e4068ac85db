"""Where to write a return, typed straight after choosing the format, is kept as typed."""

from __future__ import annotations

from textual.widgets import Input

from caseapp.screens.returns import ReturnsScreen
from caseapp.services.context import Ctx
from caseapp.widgets.choice_bar import ChoiceBar
from tests.harness.app import burst, make_app, settle, unlock


async def test_a_path_typed_ahead_of_the_format_change_is_not_replaced(
    manager: Ctx,
) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReturnsScreen)
        await pilot.press("e")
        await settle(pilot)
        # Faster than the screen: the format, Tab to the path, clear it and type a new one.
        await burst(pilot, "right", "tab", "ctrl+u", *"/tmp/oct.xlsx")
        field = app.screen.query_one("#returns-out", Input)
        assert field.value == "/tmp/oct.xlsx"
        assert app.screen.query_one("#returns-format", ChoiceBar).value == "xlsx"
        # And typing on replaces nothing of it.
        await burst(pilot, *"x")
        assert field.value == "/tmp/oct.xlsxx"
