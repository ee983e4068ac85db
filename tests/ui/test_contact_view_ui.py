"""Enter on a contact shows all of it, the whole note scrollable; e there corrects it."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import DataTable

from caseapp.modals.contact_form import ContactForm
from caseapp.modals.contact_view import ContactViewModal
from caseapp.screens.woman import WomanScreen, open_woman_screen
from caseapp.services.contacts import ContactInput, log_contact
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman

LONG_NOTE = "\n".join(f"Line {n}: what we talked about, in her words." for n in range(1, 41))


async def test_enter_reads_the_whole_note_and_e_corrects(manager: Ctx) -> None:
    woman = add_woman(manager)
    log_contact(manager, woman.id, ContactInput(note=LONG_NOTE))
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        open_woman_screen(app, woman.id)
        await settle(pilot)
        record = app.screen
        await pilot.press("2")
        await settle(pilot)
        record.query_one("#contacts-table", DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, ContactViewModal)
        text = str(view.query_one("#contact-view-text").render())
        assert "Line 1:" in text and "Line 40:" in text
        body = view.query_one(VerticalScroll)
        assert body.max_scroll_y > 0  # longer than the window: it scrolls
        await pilot.press("end")
        await settle(pilot)
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactForm) and form.contact is not None
        assert form.value("note") == LONG_NOTE
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)
