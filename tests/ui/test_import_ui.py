"""The import screen with real keys: type a path, read the dry-run report, confirm, import."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import func, select
from textual.pilot import Pilot
from textual.widgets import DataTable

from caseapp.modals.confirm import ConfirmModal
from caseapp.models import Woman
from caseapp.screens.home import HomeScreen
from caseapp.screens.import_screen import ImportScreen
from caseapp.services.context import Ctx
from tests.harness.app import make_app, screen_text, settle, type_text, unlock
from tests.services.import_kit import MALFORMED, VALID, fingerprint

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths are typed relative to the fixture folder (short to type: `valid`, `malformed`)."""
    monkeypatch.chdir(VALID.parent)


def _women(ctx: Ctx) -> int:
    with ctx.read() as session:
        return session.exec(select(func.count()).select_from(Woman)).one()


async def _open(pilot: Pilot[Any]) -> ImportScreen:
    await unlock(pilot)
    await pilot.press("i")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def test_check_then_import_with_the_keyboard(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        assert screen.check_action("commit", ()) is None  # nothing checked yet
        await type_text(pilot, VALID.name)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Would create 22 record(s)" in text
        assert "engagements.csv: 4 row(s), 4 new" in text
        assert screen.query_one(DataTable).row_count == len(screen.preview.problems)  # type: ignore[union-attr]
        assert _women(manager) == 0
        assert screen.check_action("commit", ()) is True
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert "Created 22 record(s)" in screen_text(app)
        assert _women(manager) == 3
        # Importing again is refused until the files are checked again, and then adds nothing.
        assert screen.check_action("commit", ()) is None
        await pilot.press("f5")
        await settle(pilot)
        assert "Would create 0 record(s); skipped 17 identical" in screen_text(app)


async def test_malformed_files_show_every_problem_and_cannot_be_imported(manager: Ctx) -> None:
    before = fingerprint(manager.store)
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await type_text(pilot, MALFORMED.name)
        await pilot.press("enter")
        await settle(pilot)
        assert "Import refused: 19 problem(s)" in screen_text(app)
        table = screen.query_one(DataTable)
        assert table.row_count == 19
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[:3] == ["✗", "engagements.csv:2", "time"]
        assert screen.check_action("commit", ()) is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen  # no confirmation: there is nothing to import
        assert fingerprint(manager.store)[0] == before[0]


async def test_changing_the_path_needs_a_new_check(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await type_text(pilot, VALID.name)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.check_action("commit", ()) is True
        await pilot.press("backspace")
        assert screen.check_action("commit", ()) is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert _women(manager) == 0


async def test_a_path_that_does_not_exist(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot)
        await type_text(pilot, "nowhere")
        await pilot.press("enter")
        await settle(pilot)
        assert not screen.busy
        assert screen.preview is None
        assert screen.check_action("preview", ()) is True
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_keyworkers_do_not_get_the_import(make_user: Callable[..., Ctx]) -> None:
    keyworker = make_user("kw.beth")
    app = make_app(keyworker)
    async with app.run_test(size=SIZE) as pilot:
        await unlock(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "Import records" not in screen_text(app)


async def test_help_explains_the_screen(manager: Ctx) -> None:
    app = make_app(manager)
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert "all or nothing" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
