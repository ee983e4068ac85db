"""Forms: Esc asks before throwing typed work away; a fixed field loses its error at once."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from caseapp.modals.contact_form import ContactForm
from caseapp.modals.discard import DiscardModal
from caseapp.modals.field_form import FieldRow
from caseapp.screens.woman import WomanScreen, open_woman_screen
from caseapp.services.context import Ctx
from caseapp.services.women import open_woman
from tests.harness.app import make_app, settle, type_text, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman


async def _contact_form(pilot: Pilot[Any], woman_id: int) -> ContactForm:
    await unlock(pilot)
    open_woman_screen(pilot.app, woman_id)
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ContactForm)
    return form


async def test_esc_with_nothing_typed_closes_at_once(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await _contact_form(pilot, woman.id)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)


async def test_esc_asks_and_any_other_key_goes_back_to_the_form(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _contact_form(pilot, woman.id)
        form.control("note").focus()
        await type_text(pilot, "half a sentence")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DiscardModal)
        assert "Discard what you typed?" in str(app.screen.query("Static").first().render())
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form and form.value("note") == "half a sentence"
        for discard_key in ("escape", "y"):
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, DiscardModal)
            if discard_key == "y":
                await pilot.press("y")
                await settle(pilot)
                break
            await pilot.press("space")  # not a discard key either
            await settle(pilot)
            assert app.screen is form
        assert isinstance(app.screen, WomanScreen)
        assert open_woman(manager, woman.id).contacts == ()


async def test_esc_twice_discards(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _contact_form(pilot, woman.id)
        form.control("note").focus()
        await type_text(pilot, "gone")
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)


async def test_a_fixed_field_loses_its_error_at_once(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _contact_form(pilot, woman.id)
        form.control("time").focus()
        await pilot.press("ctrl+u")
        await type_text(pilot, "25:99")
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = {row.field: row for row in form.query(FieldRow)}
        assert rows["time"].has_class("-error")
        await pilot.press("backspace")
        await settle(pilot)
        assert not rows["time"].has_class("-error")
        assert not form.query_one("#form-message").has_class("-shown")
        await type_text(pilot, "9")  # back to what was refused: the hint returns
        assert rows["time"].has_class("-error")
