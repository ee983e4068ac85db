"""Snapshots at 80x24 of the audit log and retention review (update: --snapshot-update)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from textual.pilot import Pilot

from caseapp.clock import FrozenClock
from caseapp.services import audit
from caseapp.services.context import Ctx
from tests.dataprot import utc
from tests.harness.app import make_app, settle, type_text, unlock
from tests.harness.women import insert_woman_with_every_record


@pytest.fixture(autouse=True)
def stamped_at_nine(clock: FrozenClock) -> None:
    """Every entry is stamped 24/11/2026 09:00 UTC, and the review runs then too."""
    clock.set_utc(utc(2026, 11, 24, 9))


def _open(key: str, *then: str) -> Callable[[Pilot[int]], object]:
    async def run_before(pilot: Pilot[int]) -> None:
        await unlock(pilot)
        await pilot.press(key)
        await settle(pilot)
        for step in then:
            await pilot.press(step)
            await settle(pilot)

    return run_before


def test_audit_log(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    with manager.write() as session:
        for day, who, action in ((2, "kw1", "woman_opened"), (3, "[b]kw2", "permission_denied")):
            audit.append(
                session,
                manager.store,
                action,
                username=who,
                role="keyworker",
                subject_ref="MIN-2026-00001",
                detail={"permission": "women.view"},
                at=utc(2026, 11, day, 14),
            )
    app = make_app(manager)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open("l"))


def _closed(manager: Ctx) -> None:
    insert_woman_with_every_record(manager, "MIN-2018-00001", closed_on=date(2019, 3, 1))
    insert_woman_with_every_record(manager, "MIN-2019-00004", closed_on=date(2020, 1, 10))
    insert_woman_with_every_record(manager, "MIN-2022-00001", closed_on=date(2022, 6, 1))


def test_retention_review_with_one_ticked(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    _closed(manager)
    app = make_app(manager)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open("t", "space"))


def test_retention_typed_confirmation(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    _closed(manager)

    async def run_before(pilot: Pilot[int]) -> None:
        await _open("t", "a", "e")(pilot)  # type: ignore[misc]
        await type_text(pilot, "erase 3")
        await pilot.press("enter")
        await pilot.pause()

    app = make_app(manager)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_retention_clock_warning(manager: Ctx, snap_compare: Callable[..., bool]) -> None:
    _closed(manager)
    with manager.write() as session:
        audit.append(session, manager.store, "lock", username="mgr", at=utc(2026, 11, 26))
    app = make_app(manager)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open("t"))
