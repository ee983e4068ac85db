"""Snapshot at 80x24 of the Conflicts screen: one open conflict, both values side by side.

The sync stamps' wall clock is held at the tests' frozen moment (then moved on a minute per
edit), so authors, times and the order of the values are the same every run.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from caseapp.clock import FrozenClock
from caseapp.screens.conflicts import ConflictsScreen
from caseapp.sync import capture
from tests.harness.app import make_app, settle, unlock
from tests.harness.women import add_woman
from tests.sync.kit import centre, enrol_hub, local_id, sync
from tests.ui.test_sync_ui import set_phone


def test_conflicts_screen(
    snap_compare: Any, tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    wall = [clock.utcnow().timestamp() - 3600]
    monkeypatch.setattr(capture, "clock", [lambda: wall[0]])
    mgr, kw = centre(tmp_path)
    jane = add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    wall[0] = (clock.utcnow() - timedelta(minutes=20)).timestamp()
    set_phone(mgr, jane.id, "0700 111111")
    wall[0] = (clock.utcnow() - timedelta(minutes=5)).timestamp()
    set_phone(hub, local_id(hub, jane.reference), "0700 222222")
    folder = tmp_path / "usb"
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)

    async def run_before(pilot: Any) -> None:
        await unlock(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConflictsScreen)

    assert snap_compare(make_app(hub), terminal_size=(80, 24), run_before=run_before)
