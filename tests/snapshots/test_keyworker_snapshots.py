"""Snapshots at 80x24 of the keyworker's day: home, caseload, a woman's record, a contact form
with a validation error. Dates are fixed (today is 24/11/2026) so every run draws the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input

from caseapp.screens.woman import open_woman_screen
from caseapp.services import hubs
from caseapp.services.consent import record_consent
from caseapp.services.contacts import ContactInput, log_contact
from caseapp.services.context import Ctx
from caseapp.services.flags import raise_flag
from tests.harness.app import make_app, settle, type_text, unlock
from tests.harness.clock import NOW, TODAY, fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman


@pytest.fixture
def anna(manager: Ctx, make_user: Callable[..., Ctx]) -> Ctx:
    """A keyworker with a small, fixed caseload."""
    anna = make_user("anna")
    hub = hubs.add_hub(manager, "HACK", "Hackney Hub", ["Hackney"])
    jane = add_woman(
        anna,
        "Jane",
        "Smith",
        preferred_name="Jay",
        hub_id=hub.id,
        borough="Hackney",
        phone="07700 900123",
        safe_contact_note="Text first; only call after 6pm",
    )
    for day, at, attendance in [
        ("2026-11-03", "10:00", "attended"),
        ("2026-11-10", "14:30", "did_not_attend"),
        ("2026-11-17", "11:15", "attended"),
    ]:
        log_contact(
            anna,
            jane.id,
            ContactInput(
                date=day,
                time=at,
                attendance=attendance,
                duration_minutes="60",
                need_areas=("ACC", "MH"),
                note="Housing review; GP letter.",
            ),
        )
    raise_flag(anna, jane.id, "marac", "Heard at MARAC on 12/11")
    record_consent(anna, jane.id)
    stale = add_woman(anna, "Amira", "Khan", born="1985-03-04", hub_id=hub.id)
    log_contact(anna, stale.id, ContactInput(date="2026-10-01"))
    raise_flag(anna, stale.id, "self_harm", "Disclosed")
    add_woman(anna, "Chloe", "Okafor", born="1999-07-08", referred="2026-11-20")
    add_woman(anna, "[bold red]Dawn[/]", "Evans", born="1978-12-01", referred="2026-11-21")
    return anna


def snap(snap_compare: Any, app: Any, run_before: Callable[[Any], Any]) -> bool:
    """Compare at 80x24 after `run_before`, with text cursors held still (no blink)."""

    async def steady(pilot: Any) -> None:
        await run_before(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # which also shows the cursor: no blink mid-frame
        await pilot.pause()

    return bool(snap_compare(app, terminal_size=(80, 24), run_before=steady))


def test_home(snap_compare: Any, anna: Ctx) -> None:
    async def run_before(pilot: Any) -> None:
        await unlock(pilot)
        await settle(pilot)

    assert snap(snap_compare, make_app(anna), run_before)


def test_caseload(snap_compare: Any, anna: Ctx) -> None:
    async def run_before(pilot: Any) -> None:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)

    assert snap(snap_compare, make_app(anna), run_before)


def test_womans_record(snap_compare: Any, anna: Ctx) -> None:
    async def run_before(pilot: Any) -> None:
        await unlock(pilot)
        open_woman_screen(pilot.app, 1)
        await settle(pilot)

    assert snap(snap_compare, make_app(anna), run_before)


def test_contact_form_with_a_validation_error(snap_compare: Any, anna: Ctx) -> None:
    async def run_before(pilot: Any) -> None:
        await unlock(pilot)
        open_woman_screen(pilot.app, 1)
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("ctrl+u")
        await type_text(pilot, "31/02/2026")
        await pilot.press("tab", "tab", "tab", "tab")
        await type_text(pilot, "900")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap(snap_compare, make_app(anna), run_before)
