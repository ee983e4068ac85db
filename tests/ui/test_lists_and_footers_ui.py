"""Home and End go to the first and last row of a list; no footer is cut off at 80x24."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import DataTable, Footer
from textual.widgets._footer import FooterKey

from caseapp.screens.woman import open_woman_screen
from caseapp.services import plans
from caseapp.services.contacts import ContactInput, log_contact
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, unlock
from tests.harness.clock import TODAY, fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman


def _cut_keys(app: Any) -> list[str]:
    """Footer keys that do not fit on the 80-column line."""
    footer = app.screen.query_one(Footer)
    right = footer.region.right
    return [
        str(key.description)
        for key in footer.query(FooterKey)
        if key.region.width == 0 or key.region.right > right
    ]


async def test_home_and_end_in_her_contacts_and_plan(manager: Ctx) -> None:
    woman = add_woman(manager)
    for days in range(6):
        log_contact(manager, woman.id, ContactInput(date=TODAY - timedelta(days=days)))
        plans.add_goal(
            manager,
            woman.id,
            need_area="ACC",
            description=f"Goal {days}",
            target_date=TODAY + timedelta(days=30 + days),
        )
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        open_woman_screen(app, woman.id)
        await settle(pilot)
        await pilot.press("2")
        table = app.screen.query_one("#contacts-table", DataTable)
        table.focus()
        await pilot.press("end")
        assert table.cursor_row == 5
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("p")
        await settle(pilot)
        goals = app.screen.query_one("#plan-goals", DataTable)
        await pilot.press("end")
        assert goals.cursor_row == 5
        await pilot.press("home")
        assert goals.cursor_row == 0


async def test_no_footer_is_cut_at_80x24(manager: Ctx, make_user: Any) -> None:
    amina = make_user("amina")
    for ctx in (amina, manager):
        woman = add_woman(ctx, "Foot", f"Er{ctx.actor.username}")
        app = make_app(ctx)
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            assert _cut_keys(app) == [], ("home", ctx.actor.role)
            open_woman_screen(app, woman.id)
            await settle(pilot)
            assert _cut_keys(app) == [], ("her record", ctx.actor.role)
            for key in ("p", "m"):
                await pilot.press(key)
                await settle(pilot)
                assert _cut_keys(app) == [], (key, ctx.actor.role)
                await pilot.press("escape")
                await settle(pilot)
