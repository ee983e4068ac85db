"""Snapshots at 80x24 of the returns screen (update: --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from caseapp.services.context import Ctx
from tests.export import return_sample
from tests.harness.app import make_app, settle, unlock


@pytest.fixture(autouse=True)
def fixed_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """The export path is fixed (the frozen clock's 24/11/2026 opens the screen on October)."""
    monkeypatch.setenv("HOME", "/home/maria")  # the default export path starts here


def _open(*then: str) -> Callable[[Pilot[int]], object]:
    async def run_before(pilot: Pilot[int]) -> None:
        await unlock(pilot)
        await pilot.press("r")
        await settle(pilot)
        for key in then:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize(
    "keys",
    [(), ("b",), ("t",), ("e",)],
    ids=["headline", "breakdowns", "trend", "export-bar"],
)
def test_returns_screen(
    manager: Ctx, snap_compare: Callable[..., bool], keys: tuple[str, ...]
) -> None:
    return_sample.build(manager.store)
    assert snap_compare(make_app(manager), terminal_size=(80, 24), run_before=_open(*keys))
