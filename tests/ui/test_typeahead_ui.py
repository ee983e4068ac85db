"""Keys typed faster than the screen redraws still land where she meant them.

A fast typist, or a slow laptop, puts several keys in the app's queue before the first has
been handled. Textual sends each key to the widget focused when the app reads it, so a Tab
still waiting in a field's queue would let the letters after it land in the field she left.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from caseapp.app import build_app
from caseapp.modals.woman_form import WomanForm
from caseapp.screens.unlock import UnlockScreen
from caseapp.services.context import Ctx
from caseapp.widgets.text_fields import SafeTextArea
from tests.harness.app import burst, make_app, settle, type_text, unlock
from tests.harness.women import add_woman


async def name_fields(pilot: Pilot[Any]) -> tuple[Input, Input]:
    """Unlock, open the new-woman form with `n`; its first two fields (first name focused)."""
    await unlock(pilot)
    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, WomanForm)
    first = form.focused
    assert isinstance(first, Input)
    second = form.focus_chain[form.focus_chain.index(first) + 1]
    assert isinstance(second, Input)
    return first, second


async def test_letters_after_a_tab_go_to_the_next_field(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        first, second = await name_fields(pilot)
        await burst(pilot, "A", "m", "tab", "K", "h", "shift+tab", "y")
        assert (first.value, second.value) == ("Amy", "Kh")


async def test_a_passphrase_typed_straight_after_the_username_is_not_lost(manager: Ctx) -> None:
    app = build_app(manager.store.path, unlock_fn=lambda *_: None)  # type: ignore[arg-type,return-value]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        app.lock_finished.clear()  # keep the in-use check (the test holds the store) quiet
        await burst(pilot, "m", "e", "enter", "p", "w")
        username = screen.query_one("#username", Input)
        passphrase = screen.query_one("#passphrase", Input)
        assert (username.value, passphrase.value) == ("me", "pw")
        assert screen.focused is passphrase


async def test_letters_typed_as_a_form_opens_wait_for_its_first_field(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        # `n` opens the new-woman form; the name is typed as soon as the form is pushed,
        # before it has been built and has focused its first field.
        app.post_message(events.Key("n", "n"))
        while not isinstance(app.screen, WomanForm):
            await asyncio.sleep(0)  # a turn of the event loop, not a wait for time
        assert app.screen.focused is None
        await burst(pilot, "A", "m", "y", "tab", "K")
        form = app.screen
        assert isinstance(form, WomanForm)
        first = form.query(Input).first()
        second = form.focus_chain[form.focus_chain.index(first) + 1]
        assert isinstance(second, Input)
        assert (first.value, second.value) == ("Amy", "K")


async def test_corrections_typed_in_a_burst_apply_where_they_were_typed(manager: Ctx) -> None:
    # A field's own keys (Backspace, ctrl+u, the arrows) used to travel up to the app to find
    # their binding while the letters typed after them went straight in: "Janr", Backspace,
    # "e" became "Janr" (the e went in, then the Backspace took it away).
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        first, second = await name_fields(pilot)
        await burst(pilot, *"Janr", "backspace", "e", "tab", *"Smyth", "ctrl+u", *"Smith")
        assert (first.value, second.value) == ("Jane", "Smith")
        await burst(pilot, "shift+tab", "home", "delete", "J", "end", "left", "backspace", "n")
        assert first.value == "Jane"


async def test_a_note_corrected_in_a_burst_keeps_every_key_in_order(manager: Ctx) -> None:
    add_woman(manager, "Qz7Marker", "Smith")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "qz7")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        note = app.screen.query_one("#contact-note", SafeTextArea)
        note.focus()
        await settle(pilot)
        await burst(pilot, *"Talkd", "backspace", *"ed", "left", "left", "backspace", "k", "end")
        assert note.text == "Talked"
