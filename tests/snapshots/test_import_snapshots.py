"""Snapshots at 80x24 of the import screen's dry-run report (update: --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, type_text, unlock
from tests.services.import_kit import FIXTURES


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path typed is relative, so the snapshot does not depend on where tests run."""
    monkeypatch.chdir(FIXTURES)


def _check(path: str, *then: str) -> Callable[[Pilot[int]], object]:
    async def run_before(pilot: Pilot[int]) -> None:
        await unlock(pilot)
        await pilot.press("i")
        await settle(pilot)
        await type_text(pilot, path)
        await pilot.press("enter")
        await settle(pilot)
        for key in then:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_import_refused_with_every_problem(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    app = make_app(manager)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_check("malformed", "tab", "down"))


def test_import_preview_ready(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    app = make_app(manager)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_check("valid", "tab"))
