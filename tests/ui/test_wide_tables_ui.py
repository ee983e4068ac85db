"""Above 80 columns the lists use the width: names and hubs are shown whole while there is
room, and the Flags column is on screen at every width caseapp draws in."""

from __future__ import annotations

from typing import Any

from textual.app import App

from caseapp.screens.caseload import CaseloadScreen, column_widths
from caseapp.screens.home import menu_lines
from caseapp.screens.woman import open_woman_screen
from caseapp.screens.woman_tabs import contact_widths
from caseapp.services import hubs
from caseapp.services.contacts import ContactInput, log_contact
from caseapp.services.context import Ctx
from caseapp.services.flags import raise_flag
from caseapp.widgets.fast_table import share_width
from tests.harness.app import make_app, settle, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman

LONG_NAME = "Margaretha Whitworth-Okonkwo"
LONG_HUB = "Walthamstow Central Hub"


def drawn(app: App[Any]) -> str:
    """What the terminal shows, line by line (as drawn, so a cut or hidden cell is seen)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def add_long_named_woman(manager: Ctx) -> None:
    hub = hubs.add_hub(manager, "WALT", LONG_HUB, ["Waltham Forest"])
    woman = add_woman(manager, "Margaretha", "Whitworth-Okonkwo", hub_id=hub.id)
    raise_flag(manager, woman.id, "marac", "Heard at MARAC")


async def test_caseload_uses_a_wide_window_and_keeps_flags(manager: Ctx) -> None:
    add_long_named_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CaseloadScreen)
        narrow = drawn(app)
        # At 80 columns the name and hub are cut, as before, and Flags is still there.
        assert LONG_NAME not in narrow and LONG_HUB not in narrow
        assert "Flags" in narrow and "MARAC" in narrow
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        wide = drawn(app)
        assert LONG_NAME in wide and LONG_HUB in wide
        assert "Flags" in wide and "MARAC" in wide
        # And back: the cells are cut to the narrow widths again, nothing spills over.
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert drawn(app) == narrow


async def test_caseload_opened_in_a_wide_window(manager: Ctx) -> None:
    add_long_named_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(120, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("c")
        await settle(pilot)
        wide = drawn(app)
        assert LONG_NAME in wide and LONG_HUB in wide
        assert "Flags" in wide and "MARAC" in wide


async def test_home_shows_a_long_name_whole_in_a_wide_window(manager: Ctx) -> None:
    add_long_named_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await settle(pilot)
        assert LONG_NAME not in drawn(app)
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        assert LONG_NAME in drawn(app)
        # The menu above is packed item by item: no item is split across two lines.
        assert "d Subject requests" in drawn(app)


async def test_her_contacts_show_labels_and_who_whole_in_a_wide_window(manager: Ctx) -> None:
    woman = add_woman(manager)
    log_contact(
        manager,
        woman.id,
        ContactInput(type="peer_mentoring", attendance="cancelled_by_woman", duration_minutes=""),
    )
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        open_woman_screen(app, woman.id)
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        whole = ("Peer mentoring", "Cancelled by her", "Maria Manager")
        narrow = contact_line(app)
        assert not any(text in narrow for text in whole)  # cut at 80, as before
        await pilot.resize_terminal(120, 30)
        await settle(pilot)
        wide = contact_line(app)
        assert all(text in wide for text in whole)


def contact_line(app: App[Any]) -> str:
    """The contact's line in the table as drawn (her name is also in the title bar)."""
    return next(line for line in drawn(app).splitlines() if "10:30" in line)


def test_widths_follow_the_window_not_the_cells() -> None:
    # 80 columns: exactly today's widths; wider: the spare goes to name, hub and flags.
    assert column_widths(80) == (14, 16, 8, 8, 12, 8)
    assert column_widths(120) == (14, 36, 8, 23, 12, 13)
    assert sum(w + 2 for w in column_widths(157)) == 157 - 2
    assert share_width((4, 4), (1, 2), 20) == (6, 10)
    assert contact_widths(80) == (10, 5, 13, 14, 4, 12)
    assert menu_lines(["a Aa", "b Bb", "c Cc"], 11) == "a Aa   b Bb\nc Cc"
    assert share_width((4, 4), (1, 1), 10) == (4, 4)
