"""Snapshots at 80x24 of the unlock and home screens (regenerate with --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from caseapp.app import CaseApp, build_app
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.app import settle

# Relative to tmp_path (the test chdirs there) so the path on screen is the same every run.
SHOWN_PATH = Path("store/caseapp.db")


@pytest.fixture
def app(closed_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CaseApp:
    """The app on a closed store, with the store path shown the same way every run."""
    monkeypatch.chdir(tmp_path)
    assert (tmp_path / SHOWN_PATH) == closed_store_path
    return build_app(SHOWN_PATH)


async def _settle(pilot: Pilot[int]) -> None:
    # Every reply, not only the unlock's: home's lists load in workers of their own.
    await settle(pilot)
    await _steady_cursor(pilot)


async def _steady_cursor(pilot: Pilot[int]) -> None:
    # A blinking cursor is caught lit or dark depending on timing: hold it lit.
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_unlock_screen(app: CaseApp, snap_compare: Callable[..., bool]) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=_steady_cursor)


def test_unlock_screen_after_a_wrong_passphrase(
    app: CaseApp, snap_compare: Callable[..., bool]
) -> None:
    async def wrong(pilot: Pilot[int]) -> None:
        await pilot.press(*MANAGER, "enter", *"nope", "enter")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=wrong)


def test_home_screen(app: CaseApp, snap_compare: Callable[..., bool]) -> None:
    async def sign_in(pilot: Pilot[int]) -> None:
        await pilot.press(*MANAGER, "enter", *PASSPHRASE, "enter")
        await _settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=sign_in)


def test_demo_hint_on_unlock_screen(
    closed_store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    snap_compare: Callable[..., bool],
) -> None:
    monkeypatch.chdir(tmp_path)
    app = build_app(SHOWN_PATH, username=MANAGER, demo_hint="demo-passphrase")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_steady_cursor)
