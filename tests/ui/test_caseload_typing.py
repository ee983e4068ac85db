"""Typing fast in the caseload: no stale result reaches the table, superseded searches stop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual import events
from textual.command import CommandList
from textual.widgets import DataTable, Input

from caseapp.palette.prompt_palette import PromptPalette
from caseapp.screens import caseload as caseload_screen
from caseapp.screens.caseload import CaseloadScreen
from caseapp.services.caseload import CaseloadPage
from caseapp.services.context import Ctx
from caseapp.widgets.quick_frames import FRAME
from tests.harness.app import make_app, settle, type_text, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman

NAMES = [("Jane", "Smith"), ("Janet", "Jones"), ("Jan", "Able"), ("Jo", "Baker"),
         ("Jade", "Cole"), ("Anna", "James"), ("Bea", "Jay")]  # fmt: skip


class Spy:
    """What the results handler put in the table, and which searches ran to the end."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []  # (search shown, what the box held then)
        self.finished: list[str] = []
        self.gates: dict[str, threading.Event] = {}
        self.waiting: dict[str, threading.Event] = {}

    def gate(self, text: str) -> None:
        """Hold the search for `text` at its start until `release(text)`."""
        self.gates[text] = threading.Event()
        self.waiting[text] = threading.Event()

    def release(self, text: str) -> None:
        self.gates[text].set()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    """Wrap the screen's results handler and its service call (at class and module level)."""
    found = Spy()
    show_page = CaseloadScreen.show_page
    service: Callable[..., CaseloadPage] = caseload_screen.caseload

    def spying_show_page(self: CaseloadScreen, page: CaseloadPage) -> None:
        found.shown.append((page.query.search, self.query_one(Input).value))
        show_page(self, page)

    def spying_service(ctx: Ctx, query: Any, **kwargs: Any) -> CaseloadPage:
        if query.search in found.gates:
            found.waiting[query.search].set()
            found.gates[query.search].wait(timeout=30)
        page = service(ctx, query, **kwargs)
        found.finished.append(query.search)
        return page

    monkeypatch.setattr(CaseloadScreen, "show_page", spying_show_page)
    monkeypatch.setattr(caseload_screen, "caseload", spying_service)
    yield found
    for gate in found.gates.values():
        gate.set()  # never leave a worker thread waiting


def names_listed(app: Any) -> list[str]:
    table = app.screen.query_one("#caseload-table", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_a_search_typed_past_is_stopped_and_never_shown(manager: Ctx, spy: Spy) -> None:
    for first, last in NAMES:
        add_woman(manager, first, last, born=None)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        spy.gate("j")
        await type_text(pilot, "j")
        assert spy.waiting["j"].wait(timeout=30)  # the search for "j" has started
        await type_text(pilot, "an")
        await settle(pilot)
        spy.release("j")
        await settle(pilot)
        assert app.screen.query_one(Input).value == "jan"
        assert names_listed(app) == ["Jan Able", "Janet Jones", "Jane Smith"]
        # The held search was stopped before its query: nothing was built for "j" at all.
        assert "j" not in spy.finished
        assert "j" not in [shown for shown, _box in spy.shown]
        # Every result shown was for what the box held at that moment.
        assert all(shown == box for shown, box in spy.shown)


async def test_keys_faster_than_the_app_never_show_an_older_result(manager: Ctx, spy: Spy) -> None:
    for first, last in NAMES:
        add_woman(manager, first, last, born=None)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        typed = "jane s"
        spy.shown.clear()
        # Every key posted at once, as a terminal delivers a burst: no waiting between them.
        assert app._driver is not None
        for ch in typed:
            key = "space" if ch == " " else ch
            app._driver.send_message(events.Key(key, ch))
        await settle(pilot)
        assert app.screen.query_one(Input).value == typed
        assert names_listed(app) == ["Jane Smith"]
        shown = [text for text, _box in spy.shown]
        assert shown and shown[-1] == typed
        assert all(text == box for text, box in spy.shown), spy.shown
        # Never an older prefix after a newer one.
        lengths = [len(text) for text in shown]
        assert lengths == sorted(lengths), shown


async def test_the_next_page_arrives_as_the_cursor_nears_the_end(manager: Ctx) -> None:
    from caseapp.screens.caseload import PAGE

    for n in range(PAGE + 12):
        add_woman(manager, f"Ann{n:03d}", "Page", born=None)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        table = app.screen.query_one("#caseload-table", DataTable)
        assert table.row_count == PAGE
        await pilot.press("down", "ctrl+end")
        await settle(pilot)
        assert table.row_count == PAGE + 12
        assert names_listed(app)[-1] == f"Ann{PAGE + 11:03d} Page"
        assert f"{PAGE + 12} women" in str(app.screen.query_one("#caseload-filters").render())


async def test_a_long_search_still_scrolls_in_its_box(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        await type_text(pilot, "q" * 90)
        await settle(pilot)
        search = app.screen.query_one(Input)
        assert search.value == "q" * 90
        # The end of what she typed, and the cursor after it, are in view.
        assert search.scroll_x > 0
        assert search.cursor_screen_offset.x < 80


async def test_results_are_painted_as_soon_as_a_paint_after_the_echo_allows(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseloadScreen)
        # Results a few ms after the echoed letter wait for the screen's next paint.
        assert FRAME <= 1 / 120
        assert screen._update_timer._interval == FRAME
        await type_text(pilot, "ab")
        await settle(pilot)
        assert screen.query_one(Input).value == "ab"


async def test_the_palette_paints_its_hits_as_soon_as_the_caseload_does(manager: Ctx) -> None:
    add_woman(manager, "Jane", "Smith")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, PromptPalette)
        assert palette._update_timer._interval == FRAME
        await type_text(pilot, "smith")
        await settle(pilot)
        hits = palette.query_one(CommandList)
        assert "Jane Smith" in str(hits.get_option_at_index(0).prompt)


async def test_a_pick_list_searches_once_for_a_choice_and_not_at_all_when_cancelled(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    for first, last in NAMES[:4]:
        add_woman(manager, first, last)
    asked: list[str] = []
    service: Callable[..., CaseloadPage] = caseload_screen.caseload

    def counting(ctx: Ctx, query: Any, **kwargs: Any) -> CaseloadPage:
        asked.append(query.sort)
        return service(ctx, query, **kwargs)

    monkeypatch.setattr(caseload_screen, "caseload", counting)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        asked.clear()
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("escape")  # nothing chosen: the list stands, nothing is read
        await settle(pilot)
        assert asked == []
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        # One search, for the order chosen (closing the list did not search the old one too).
        assert len(asked) == 1 and asked[0] != "name"
