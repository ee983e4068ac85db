"""Enter in the caseload's search opens the woman for what was typed, even typed ahead."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from caseapp.screens import caseload as caseload_screen
from caseapp.screens.woman import WomanScreen
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, type_text, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman


async def test_enter_typed_ahead_of_the_search_opens_the_woman_typed(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list still shown is for fewer letters: Enter waits for the list for all of them
    rather than open whoever the older list highlights."""
    add_woman(manager, "Jan", "Able", born=None)
    janet = add_woman(manager, "Janet", "Jones", born=None)
    add_woman(manager, "Jane", "Smith", born=None)
    search = caseload_screen.caseload
    started, free = threading.Event(), threading.Event()

    def held(ctx: Ctx, query: Any, **kwargs: Any) -> Any:
        if query.search == "jane":
            started.set()
            free.wait(timeout=30)
        return search(ctx, query, **kwargs)

    monkeypatch.setattr(caseload_screen, "caseload", held)
    app = make_app(manager)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            await pilot.press("c")
            await settle(pilot)
            await type_text(pilot, "jan")
            await settle(pilot)  # Jan Able, Janet Jones, Jane Smith: Jan Able highlighted
            await type_text(pilot, "e")
            assert started.wait(timeout=30)  # the search for "jane" runs, held
            await pilot.press("enter")
            await pilot.pause()
            free.set()
            await settle(pilot)
            assert isinstance(app.screen, WomanScreen)
            assert app.screen.woman_id == janet.id
    finally:
        free.set()
