"""One caseload screen per session: each `c` finds it fresh, at once; a lock takes it away."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.worker import WorkerState

from caseapp.modals.pick import PickModal
from caseapp.screens.caseload import CaseloadScreen
from caseapp.screens.home import HomeScreen
from caseapp.screens.unlock import UnlockScreen
from caseapp.screens.woman import WomanScreen
from caseapp.services.context import Ctx
from tests.harness.app import burst, freed, make_app, settle, type_text, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman
from tests.ui.test_keyworker_caseload import names_listed

EVERYONE = ["Ann Able", "Bea Baker", "Cat Cole", "Dee Dunn"]


def seed(ctx: Ctx) -> None:
    for i, name in enumerate(EVERYONE):
        first, last = name.split()
        add_woman(ctx, first, last, born=f"0{i + 1}/03/1990")


def box(app: Any) -> Input:
    return app.screen.query_one("#caseload-search", Input)


def cursor(app: Any) -> int:
    return int(app.screen.query_one("#caseload-table", DataTable).cursor_row)


async def caseload(pilot: Pilot[Any]) -> CaseloadScreen:
    await pilot.press("c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseloadScreen)
    return screen


async def test_each_visit_finds_the_same_screen_fresh(manager: Ctx) -> None:
    seed(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        first = await caseload(pilot)
        await type_text(pilot, "cole")
        await settle(pilot)
        assert names_listed(app) == ["Cat Cole"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        # Ready before she comes back: nothing typed, everyone listed.
        assert first.query_one("#caseload-search", Input).value == ""
        assert names_listed_on(first) == EVERYONE
        again = await caseload(pilot)
        assert again is first
        assert box(app).value == "" and box(app).has_focus
        assert names_listed(app) == EVERYONE and cursor(app) == 0
        # Down the list and away: the next visit starts at the top, in the search box.
        await pilot.press("down", "down", "down")
        assert cursor(app) == 2
        await pilot.press("escape")
        await settle(pilot)
        await caseload(pilot)
        assert cursor(app) == 0 and box(app).has_focus
        assert len(app.screen_stack) == 3


def names_listed_on(screen: CaseloadScreen) -> list[str]:
    table = screen.query_one("#caseload-table", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_filters_are_cleared_for_the_next_visit(manager: Ctx) -> None:
    seed(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await caseload(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await pilot.press("down", "enter")  # another order
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert app.screen.query_state.sort != "name"
        await pilot.press("escape")
        await settle(pilot)
        screen = await caseload(pilot)
        assert screen.query_state.sort == "name" and screen.query_state.search == ""
        assert names_listed(app) == EVERYONE


async def test_going_to_the_caseload_from_her_record_opens_it_fresh(manager: Ctx) -> None:
    seed(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        first = await caseload(pilot)
        await type_text(pilot, "dunn")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)
        await pilot.press("ctrl+p")
        await type_text(pilot, "go to caseload")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is first
        assert [type(s) for s in app.screen_stack[1:]] == [HomeScreen, CaseloadScreen]
        assert box(app).value == "" and names_listed(app) == EVERYONE


async def test_a_woman_added_from_home_is_listed_at_the_next_visit(manager: Ctx) -> None:
    seed(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await caseload(pilot)
        await pilot.press("escape")
        await settle(pilot)
        add_woman(manager, "Eve", "Evans", born="09/09/1999")  # as another laptop's sync would
        await caseload(pilot)
        assert names_listed(app) == [*EVERYONE, "Eve Evans"]


async def test_a_lock_takes_the_kept_screen_away(manager: Ctx) -> None:
    seed(manager)
    app = make_app(manager)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            ref = weakref.ref(await caseload(pilot))
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert isinstance(app.screen, UnlockScreen)
            assert not app.is_screen_installed("caseload")
            assert await freed(pilot, ref)  # hidden when the lock came: removed, nothing holds it
            await unlock(pilot)
            assert (await caseload(pilot)) is not None
            assert names_listed(app) == EVERYONE
    finally:
        gc.unfreeze()


async def test_leaving_and_locking_in_one_burst(manager: Ctx) -> None:
    seed(manager)
    app = make_app(manager)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            ref = weakref.ref(await caseload(pilot))
            await burst(pilot, "escape", "ctrl+l")  # popped and locked before either settles
            await settle(pilot)
            assert isinstance(app.screen, UnlockScreen)
            assert not app.is_screen_installed("caseload")
            assert await freed(pilot, ref)
    finally:
        gc.unfreeze()


async def test_a_search_asked_for_as_the_lock_comes_never_starts(manager: Ctx) -> None:
    # Leaving readies the next visit with a search; a lock in the same moment must not leave
    # that search to fail in its thread (its traceback would keep the screen alive).
    seed(manager)
    app = make_app(manager)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            screen = await caseload(pilot)
            ref = weakref.ref(screen)
            app.lock_now(reason="manual", message="Locked.")
            screen.search()
            screen.fresh()
            del screen
            await settle(pilot)
            assert isinstance(app.screen, UnlockScreen)
            assert not [w for w in app.workers if w.state == WorkerState.ERROR]
            assert await freed(pilot, ref)
    finally:
        gc.unfreeze()
