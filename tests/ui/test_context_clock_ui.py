"""Screens, forms and the date field read today from the signed-in context's clock."""

from __future__ import annotations

from datetime import date, time

from textual.widgets import Input

from caseapp.clock import FrozenClock
from caseapp.modals.activity_form import ActivityForm
from caseapp.modals.contact_form import ContactForm
from caseapp.services.context import Ctx
from tests.harness.app import app_showing
from tests.harness.women import insert_woman


async def test_a_form_defaults_to_the_contexts_today_and_now(manager: Ctx) -> None:
    # A context whose clock differs from the installed one: the UI follows the context,
    # as its services do.
    other = Ctx(manager.store, manager.actor, FrozenClock(date(2026, 1, 5), time(9, 15)))
    async with app_showing(other, ActivityForm([])) as pilot:
        assert pilot.app.screen.query_one("#date", Input).value == "05/01/2026"
    woman = insert_woman(manager.store, "Ama", "Owusu")
    async with app_showing(other, ContactForm(woman, "Ama Owusu", [])) as pilot:
        assert pilot.app.screen.query_one("#contact-date", Input).value == "05/01/2026"
        assert pilot.app.screen.query_one("#contact-time", Input).value == "09:15"
