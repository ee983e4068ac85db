"""A filter chosen in the caseload paints its new rows, never the old ones once more on the way."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.screen import Screen

from caseapp.screens import caseload as caseload_screen
from caseapp.screens.caseload import CaseloadScreen
from caseapp.services.caseload import CaseloadPage
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman
from tests.ui.test_keyworker_caseload import names_listed, open_caseload

WOMEN = [("Ann", "Zeal"), ("Bea", "Young"), ("Cat", "Xu")]


@pytest.fixture
def paints(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """For each paint of the caseload: whether its table held the rows for its current query."""
    seen: list[bool] = []
    paint = Screen._on_timer_update

    def recording(self: Screen[Any]) -> None:
        busy = self._dirty_widgets or self._repaint_required or self._layout_required
        if isinstance(self, CaseloadScreen) and self.is_current and busy:
            seen.append(self.page is not None and self.page.query == self.query_state)
        paint(self)

    monkeypatch.setattr(Screen, "_on_timer_update", recording)
    yield seen


async def choose_sort(pilot: Any, before_enter: Callable[[], object]) -> None:
    """F6, the next order down, then `before_enter` (counting starts there) and Enter."""
    await pilot.press("f6")
    await settle(pilot)
    await pilot.press("down")
    await settle(pilot)
    before_enter()
    await pilot.press("enter")


async def test_a_filter_chosen_is_painted_once_with_its_rows(
    manager: Ctx, paints: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow the machine, the hold lasts until the rows come (its deadline is the
    # other test's business).
    monkeypatch.setattr(caseload_screen, "HOLD_FOR_RESULTS", 60.0)
    for first, last in WOMEN:
        add_woman(manager, first, last)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        assert names_listed(app) == ["Cat Xu", "Bea Young", "Ann Zeal"]
        await choose_sort(pilot, paints.clear)  # the pick list closes over the old rows
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert app.screen.query_state.sort != "name"
        assert paints and all(paints), paints
        assert names_listed(app) != ["Cat Xu", "Bea Young", "Ann Zeal"]


async def test_a_search_that_is_slow_to_come_never_holds_the_screen_past_its_deadline(
    manager: Ctx, paints: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caseload_screen, "HOLD_FOR_RESULTS", 0.0)
    for first, last in WOMEN:
        add_woman(manager, first, last)
    gate, waiting = threading.Event(), threading.Event()
    service: Callable[..., CaseloadPage] = caseload_screen.caseload

    def slow(ctx: Ctx, query: Any, **kwargs: Any) -> CaseloadPage:
        if query.sort != "name":
            waiting.set()
            gate.wait(timeout=30)
        return service(ctx, query, **kwargs)

    monkeypatch.setattr(caseload_screen, "caseload", slow)
    app = make_app(manager)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_caseload(pilot)
            await choose_sort(pilot, paints.clear)
            await pilot.pause()
            assert waiting.wait(timeout=30)
            await pilot.pause()
            # The rows have not come, yet the screen under the closed pick list is painted.
            assert isinstance(app.screen, CaseloadScreen)
            assert False in paints
            gate.set()
            await settle(pilot)
            assert paints[-1] is True
            assert app.screen.query_state.sort != "name"
    finally:
        gate.set()


async def test_a_pick_list_closing_lays_nothing_out_again(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing under a closed pick list has moved; Textual laid the whole screen out again
    # after removing it (and repainted the old rows doing so).
    layouts: list[str] = []
    lay_out = Screen._refresh_layout

    def counting(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(type(self).__name__)
        lay_out(self, *args, **kwargs)

    for first, last in WOMEN:
        add_woman(manager, first, last)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        await choose_sort(pilot, lambda: monkeypatch.setattr(Screen, "_refresh_layout", counting))
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert app.screen.query_state.sort != "name"
        assert "CaseloadScreen" not in layouts
