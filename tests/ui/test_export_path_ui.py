"""The return's export path: the documents folder by default, selected so typing replaces it."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from textual.widgets import Input

from caseapp.screens.returns import ReturnsScreen
from caseapp.services.context import Ctx
from tests.export import return_sample
from tests.harness.app import make_app, settle, type_text, unlock


@pytest.fixture
def sample(manager: Ctx) -> Ctx:
    return_sample.build(manager.store)
    return manager


async def test_the_path_box_starts_in_documents_and_typing_replaces_it(
    sample: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(documents))
    monkeypatch.chdir(tmp_path / "home")
    app = make_app(sample)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await unlock(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReturnsScreen)
        await pilot.press("e", "enter")
        await settle(pilot)
        out = screen.query_one("#returns-out", Input)
        assert app.focused is out
        assert Path(out.value).parent == documents
        target = tmp_path / "typed"
        await type_text(pilot, str(target))
        assert out.value == str(target)  # the default went: typing replaced it
        # A path that fails is not kept: the next format goes back to the documents folder.
        await pilot.press("ctrl+u")
        await type_text(pilot, "no/such/folder/r")
        await pilot.press("enter")
        await settle(pilot, failed_workers=True)
        assert screen.out_edited is False


async def test_a_period_not_yet_over_exports_only_after_a_warning(
    sample: Ctx, tmp_path: Path
) -> None:
    import json

    from caseapp.modals.confirm import ConfirmModal

    app = make_app(sample)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await unlock(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReturnsScreen)
        await pilot.press("m", "right_square_bracket")  # October, then November (not over)
        await settle(pilot)
        assert screen.period.end.isoformat() == "2026-11-30"
        await pilot.press("e", "enter")
        await settle(pilot)
        screen.query_one("#returns-out", Input).value = str(tmp_path / "nov.json")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "figures are incomplete" in app.screen.question.plain
        await pilot.press("n")
        await settle(pilot)
        assert not list(tmp_path.glob("nov*"))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        manifests = list(tmp_path.rglob("*manifest.json"))
        assert manifests and json.loads(manifests[0].read_text("utf-8"))["incomplete"]
