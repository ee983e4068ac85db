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
from tests.harness.app import make_app, settle, unlock


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Put every key in the app's queue at once, as keys that arrive together would be."""
    for key in keys:
        character = key if len(key) == 1 else None
        pilot.app.post_message(events.Key(key, character))
    await settle(pilot)


async def test_letters_after_a_tab_go_to_the_next_field(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WomanForm)
        first = form.focused
        assert isinstance(first, Input)
        await burst(pilot, "A", "m", "tab", "K", "h", "shift+tab", "y")
        second = form.focus_chain[form.focus_chain.index(first) + 1]
        assert isinstance(second, Input)
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
