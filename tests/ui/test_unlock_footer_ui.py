"""From the passphrase to the home screen, the footers' keys are built only when they change."""

from __future__ import annotations

from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from caseapp.app import build_app
from caseapp.screens.home import HomeScreen
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.app import SIZE, settle


async def test_unlocking_builds_the_footer_once(
    closed_store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual's footer removed, mounted and styled its keys afresh at every change of focus
    # and of the busy state: four times on the unlock screen while the key was derived (beside
    # it, on two cores), four on the home screen, always for the same keys.
    built: list[str] = []
    recompose = Footer.recompose

    def counted(self: Footer) -> Coroutine[Any, Any, None]:
        built.append(type(self.screen).__name__)
        return recompose(self)

    monkeypatch.setattr(Footer, "recompose", counted)
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*MANAGER, "enter", *PASSPHRASE)
        await settle(pilot)
        built.clear()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert built == ["HomeScreen"]
        keys = [key.description for key in app.screen.query_one(Footer).query(FooterKey)]
        assert "Lock" in keys and "Quit" in keys
        await pilot.press("ctrl+q")
        await settle(pilot)
