"""Subject requests with real keys: write her pack, erase her after typing her reference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlmodel import func, select
from textual.widgets import Input, Static

from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.typed_confirm import TypedConfirmModal
from caseapp.models import Woman
from caseapp.screens.home import HomeScreen
from caseapp.screens.subject_requests import SubjectRequestsScreen
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, type_text, unlock
from tests.harness.women import insert_woman_with_every_record


def _result(app: object) -> str:
    return str(app.screen.query_one("#requests-result", Static).render())  # type: ignore[attr-defined]


async def test_write_a_pack_then_erase(manager: Ctx, tmp_path: Path) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001", marker="Requested")
    insert_woman_with_every_record(manager, "MIN-2026-00002")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, SubjectRequestsScreen)
        await pilot.press("f2")
        assert "Type her reference first" in _result(app)
        await type_text(pilot, "min-2026-00001")
        await pilot.press("enter")  # on to the folder
        assert app.screen.query_one("#requests-folder", Input).has_focus
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, str(tmp_path / "pack"))
        await pilot.press("enter")
        await settle(pilot)
        assert "written (and recorded)" in _result(app)
        assert len(list((tmp_path / "pack").iterdir())) == 2

        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, TypedConfirmModal)
        assert app.screen.expected == "MIN-2026-00001"
        assert "Requested" in str(app.screen.body)
        await type_text(pilot, "MIN-2026-00001")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SubjectRequestsScreen)
        assert "Erased MIN-2026-00001" in _result(app)

        # Asking again says when she was erased.
        await type_text(pilot, "MIN-2026-00001")
        await pilot.press("f8")
        await settle(pilot)
        assert "she was erased on" in _result(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    with manager.read() as session:
        assert session.exec(select(func.count()).select_from(Woman)).one() == 1


async def test_escape_in_the_confirmation_erases_nothing(manager: Ctx) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("d")
        await settle(pilot)
        await type_text(pilot, "MIN-2026-00001")
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SubjectRequestsScreen)
    with manager.read() as session:
        assert session.exec(select(func.count()).select_from(Woman)).one() == 1


async def test_keyworker_cannot_open_it(make_user: Callable[..., Ctx]) -> None:
    app = make_app(make_user("kw1"))
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_a_pack_already_there_is_replaced_only_when_she_says_so(
    manager: Ctx, tmp_path: Path
) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    folder = tmp_path / "pack"
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("d")
        await settle(pilot)
        await type_text(pilot, "MIN-2026-00001")
        await pilot.press("enter")
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, str(folder))
        await pilot.press("enter")
        await settle(pilot)
        [page] = folder.glob("*.html")
        page.write_text("hers, not ours", "utf-8")

        await pilot.press("enter")  # the same pack again, the same day
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "already" in str(app.screen.question)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, SubjectRequestsScreen)
        assert "not replaced" in _result(app)
        assert page.read_text("utf-8") == "hers, not ours"

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert "written (and recorded)" in _result(app)
        assert "hers, not ours" not in page.read_text("utf-8")
