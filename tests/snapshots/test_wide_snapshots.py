"""Snapshots at 120x30 of the keyworker's home and caseload: the lists use the width (a long
name and hub shown whole, the Flags column on screen). Today is fixed at 24/11/2026.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input

from caseapp.services import hubs
from caseapp.services.context import Ctx
from caseapp.services.flags import raise_flag
from tests.harness.app import make_app, settle, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman
from tests.snapshots.test_keyworker_snapshots import anna  # noqa: F401 (her fixed caseload)


@pytest.fixture
def wide(anna: Ctx, manager: Ctx) -> Ctx:  # noqa: F811 (the fixture imported above)
    """Anna's caseload and one woman whose name and hub are longer than 80 columns allow."""
    hub = hubs.add_hub(manager, "WALT", "Walthamstow Central Hub", ["Waltham Forest"])
    woman = add_woman(anna, "Margaretha", "Whitworth-Okonkwo", born="1988-05-06", hub_id=hub.id)
    raise_flag(anna, woman.id, "marac", "Heard at MARAC")
    raise_flag(anna, woman.id, "self_harm", "Disclosed")
    return anna


def snap_wide(snap_compare: Any, app: Any, run_before: Callable[[Any], Any]) -> bool:
    """Compare at 120x30 after `run_before`, with text cursors held still (no blink)."""

    async def steady(pilot: Any) -> None:
        await run_before(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    return bool(snap_compare(app, terminal_size=(120, 30), run_before=steady))


def test_home_at_120_columns(snap_compare: Any, wide: Ctx) -> None:
    async def run_before(pilot: Any) -> None:
        await unlock(pilot)
        await settle(pilot)

    assert snap_wide(snap_compare, make_app(wide), run_before)


def test_caseload_at_120_columns(snap_compare: Any, wide: Ctx) -> None:
    async def run_before(pilot: Any) -> None:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)

    assert snap_wide(snap_compare, make_app(wide), run_before)
