"""The caseload screen: search as you type, filters, sorting, opening a woman, the palette."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from caseapp.modals.pick import PickModal
from caseapp.palette.prompt_palette import PromptPalette
from caseapp.screens.caseload import CaseloadScreen
from caseapp.screens.home import HomeScreen
from caseapp.screens.new_woman import NewWomanScreen
from caseapp.screens.woman import WomanScreen
from caseapp.services.context import Ctx
from caseapp.services.women import close_woman
from tests.harness.app import make_app, screen_text, settle, type_text, unlock
from tests.harness.clock import TODAY, fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman


def names_listed(app: object) -> list[str]:
    table = app.screen.query_one("#caseload-table", DataTable)  # type: ignore[attr-defined]
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def open_caseload(pilot: Pilot[Any]) -> None:
    await unlock(pilot)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CaseloadScreen)


async def test_type_to_search_then_open(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    add_woman(anna, "Jane", "Smith")
    add_woman(anna, "Janet", "Jones", born="1980-01-01")
    add_woman(anna, "Percy", "Per%cent", born="1981-01-01")
    add_woman(bea, "Jana", "Other", born="1982-01-01")
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        assert names_listed(app) == ["Janet Jones", "Percy Per%cent", "Jane Smith"]
        assert app.screen.query_one(Input).has_focus
        await type_text(pilot, "jan")
        await settle(pilot)
        assert names_listed(app) == ["Janet Jones", "Jane Smith"]
        await type_text(pilot, "e s")
        await settle(pilot)
        assert names_listed(app) == ["Jane Smith"]
        # % is a literal character, and only her own caseload is searched.
        await pilot.press(*["backspace"] * 6, "percent_sign")
        await settle(pilot)
        assert names_listed(app) == []
        await pilot.press("backspace")
        await type_text(pilot, "per%")
        await settle(pilot)
        assert names_listed(app) == ["Percy Per%cent"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_arrow_into_the_list_and_type_back_into_search(manager: Ctx) -> None:
    add_woman(manager, "Ann", "Able")
    second = add_woman(manager, "Bet", "Baker", born="1980-01-01")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        await pilot.press("down")
        table = app.screen.query_one(DataTable)
        assert table.has_focus
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen) and app.screen.woman_id == second.id
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("up", "up", "b")
        await settle(pilot)
        search = app.screen.query_one(Input)
        assert search.has_focus and search.value == "b"
        assert names_listed(app) == ["Bet Baker"]


async def test_filters_and_sort_from_the_keyboard(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    add_woman(manager, "Ann", "Able", borough="Hackney")
    add_woman(manager, "Bet", "Baker", borough="Camden", keyworker_id=anna.actor.user_id)
    closed = add_woman(manager, "Cat", "Cole", born="1970-01-01")
    close_woman(manager, closed.id, "moved_away")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        assert names_listed(app) == ["Ann Able", "Bet Baker"]
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await type_text(pilot, "clo")
        await pilot.press("enter")
        await settle(pilot)
        assert names_listed(app) == ["Cat Cole"]
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("f4")
        await type_text(pilot, "camd")
        await pilot.press("enter")
        await settle(pilot)
        assert names_listed(app) == ["Bet Baker"]
        assert "borough Camden" in screen_text(app)
        await pilot.press("f7", "f5")
        await settle(pilot)
        await pilot.press("down", "enter")  # Unallocated
        await settle(pilot)
        assert names_listed(app) == ["Ann Able"]
        await pilot.press("f7", "f6")
        await type_text(pilot, "refer")
        await pilot.press("enter")
        await settle(pilot)
        assert "by reference" in screen_text(app)
        # Esc in a chooser leaves things as they were.
        await pilot.press("f3", "escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)


async def test_keyworker_has_no_keyworker_filter(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    add_woman(anna)
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        assert "keyworker" not in screen_text(app).split("\n")[2]


async def test_hostile_names_in_the_table(manager: Ctx) -> None:
    add_woman(manager, "[@click=app.quit]x[/]", "\x1b]0;t\x07")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        shown = names_listed(app)[0]
        assert shown.startswith("[@click=app.qui…")
        assert "\x1b" not in shown and "\x07" not in shown
        # The app is still running: the markup was not an action.
        assert app.is_running
        await pilot.press("enter")
        await settle(pilot)
        title = str(app.screen.query_one("#woman-name").render())
        assert title.startswith("[@click=app.quit]x[/] ␛]0;t␇")


async def test_ctrl_n_adds_a_woman(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_caseload(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen_stack[-2], NewWomanScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)


async def test_palette_jumps_to_a_woman(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    hers = add_woman(anna, "Zelda", "Quinn")
    add_woman(bea, "Zelda", "Other", born="1970-01-01")
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "zel")
        await settle(pilot)
        from textual.command import CommandPalette

        palette = app.screen
        assert isinstance(palette, CommandPalette)
        from textual.widgets import OptionList

        hits = palette.query_one(OptionList)
        prompts = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
        assert any("Zelda Quinn" in p for p in prompts)
        assert not any("Zelda Other" in p for p in prompts)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen) and app.screen.woman_id == hers.id


async def test_palette_says_at_once_when_no_woman_matches(manager: Ctx) -> None:
    add_woman(manager, "Zelda", "Quinn")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, PromptPalette)
        hits = palette.query_one(OptionList)
        await type_text(pilot, "zelx")
        await settle(pilot)
        # Told as soon as the searches have ended, not after a further half second.
        assert hits.option_count == 1
        assert hits.get_option_at_index(0).id == PromptPalette._NO_MATCHES
        await pilot.press("backspace")
        await settle(pilot)
        prompts = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
        assert any("Zelda Quinn" in p for p in prompts) and "No matches found" not in prompts
