"""A woman's record: tabs, keys, dimmed actions, and every form reached from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent

from caseapp.modals.contact_form import ContactForm
from caseapp.modals.field_form import FieldForm
from caseapp.modals.help import HelpModal
from caseapp.modals.pick import PickModal
from caseapp.screens.home import HomeScreen
from caseapp.screens.woman import WomanScreen, open_woman_screen
from caseapp.services.context import Ctx
from caseapp.services.flags import raise_flag
from caseapp.services.women import open_woman
from tests.harness.app import make_app, notices, screen_text, settle, type_text, unlock
from tests.harness.clock import TODAY, fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman


async def open_her(pilot: Pilot[Any], woman_id: int) -> WomanScreen:
    await unlock(pilot)
    open_woman_screen(pilot.app, woman_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, WomanScreen) and screen.record is not None
    return screen


async def test_log_an_attended_one_to_one_in_two_keys(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    woman = add_woman(anna)
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ContactForm)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        record = open_woman(anna, woman.id)
        contact = record.contacts[0]
        assert (contact.date, contact.type, contact.attendance, contact.delivery) == (
            TODAY,
            "one_to_one",
            "attended",
            "in_person",
        )
        assert contact.time is not None and contact.time.strftime("%H:%M") == "10:30"
        assert record.woman.status == "active"
        assert "Active" in screen_text(app)
        await pilot.press("2")
        assert app.screen.query_one(TabbedContent).active == "tab-contacts"
        assert app.screen.query_one("#contacts-table", DataTable).row_count == 1


async def test_contact_with_other_choices_and_a_note(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_her(pilot, woman.id)
        await pilot.press("c")
        await settle(pilot)
        # date: yesterday; time; type: phone (typed); attendance: did not attend (typed)
        await pilot.press("ctrl+u")
        await type_text(pilot, "yesterday")
        await pilot.press("tab", "ctrl+u")
        await type_text(pilot, "9:15am")
        await pilot.press("tab", "p", "h", "tab", "d", "tab")
        await type_text(pilot, "20")
        await pilot.press("tab", "right", "tab", "tab", "space", "right", "right", "right", "space")
        await pilot.press("tab")
        await type_text(pilot, "Rang; no answer [b]x[/b]")
        await pilot.press("ctrl+s")
        await settle(pilot)
        contact = open_woman(manager, woman.id).contacts[0]
        assert contact.date.isoformat() == "2026-11-23"
        assert contact.time is not None and contact.time.strftime("%H:%M") == "09:15"
        assert (contact.type, contact.attendance, contact.duration_minutes) == (
            "phone",
            "did_not_attend",
            20,
        )
        assert contact.delivery == "phone"
        assert contact.need_areas == ("ACC", "MH")
        assert contact.note == "Rang; no answer [b]x[/b]"
        # Not attended: she is still referred.
        assert open_woman(manager, woman.id).woman.status == "referred"


async def test_contact_form_error_keeps_what_was_typed(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_her(pilot, woman.id)
        await pilot.press("c")
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, ContactForm)
        form: ContactForm = opened
        await pilot.press("ctrl+u")
        await type_text(pilot, "31/02/2026")
        await pilot.press("tab", "ctrl+u")
        await type_text(pilot, "25:99")
        await pilot.press("tab", "tab", "tab", "tab", "tab", "tab", "tab")
        await type_text(pilot, "keep this note")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # the form stays open with what was typed
        text = screen_text(app)
        assert "2 fields to fix" in text
        assert "31/02/2026 is not a real date" in text
        assert "Type a time such as 14:30, 2:30pm or now." in text
        assert form.value("date") == "31/02/2026"
        assert form.value("note") == "keep this note"
        assert app.screen.focused is form.control("date")
        # Fix the date and time and save: the note is still there.
        await pilot.press("ctrl+u")
        await type_text(pilot, "today")
        await pilot.press("tab", "ctrl+u")
        await type_text(pilot, "now")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert open_woman(manager, woman.id).contacts[0].note == "keep this note"


async def test_raise_and_clear_a_flag(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        assert screen.check_action("clear_flag", ()) is None
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("s", "e")  # Self-harm
        await pilot.press("enter")
        await settle(pilot)
        assert "Type why" in screen_text(app)
        # The cursor is in the field to fix.
        await type_text(pilot, "Disclosed at session")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert " SH " in str(screen.query_one("#woman-name").render())
        assert screen.check_action("clear_flag", ()) is True
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("down")
        await type_text(pilot, "Safe plan in place")
        await pilot.press("enter")
        await settle(pilot)
        record = open_woman(manager, woman.id)
        assert record.active_flags == () and record.flags[0].clear_reason == "Safe plan in place"


async def test_consent_record_and_withdraw(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        assert "Consent: MISSING" in screen_text(app)
        assert screen.check_action("withdraw", ()) is None
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", "y", "tab")
        await type_text(pilot, "Probation")
        await pilot.press("enter")
        await settle(pilot)
        consent = open_woman(manager, woman.id).consent
        assert consent is not None and consent.sharing and consent.sharing_agencies == "Probation"
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert open_woman(manager, woman.id).consent is None


async def test_close_and_reopen(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        assert screen.check_action("reopen", ()) is False
        await pilot.press("z")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Choose one of the options." in screen_text(app)
        await pilot.press("m")  # Moved away
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert open_woman(manager, woman.id).woman.closure_reason == "moved_away"
        assert screen.check_action("contact", ()) is None
        assert screen.check_action("reopen", ()) is True
        await pilot.press("u")
        await settle(pilot)
        await pilot.press("tab", "y", "tab", "tab", "c", "o", "ctrl+s")
        await settle(pilot)
        record = open_woman(manager, woman.id)
        assert record.woman.status == "referred"
        assert [r.source for r in record.referrals] == ["court", "probation"]


async def test_edit_details_and_referral(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_her(pilot, woman.id)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("tab", "ctrl+u")
        await type_text(pilot, "Smythe")
        await pilot.press("tab", "tab", "tab", "tab", "tab")
        await type_text(pilot, "hac")  # borough: Hackney
        await pilot.press("enter")
        await settle(pilot)
        detail = open_woman(manager, woman.id).woman
        assert (detail.last_name, detail.borough_code) == ("Smythe", "E09000012")
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("tab", "c", "o", "enter")
        await settle(pilot)
        referral = open_woman(manager, woman.id).referral
        assert referral is not None and referral.source == "court"


async def test_allocate_is_for_managers(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    anna = make_user("anna")
    make_user("bea")
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        assert screen.check_action("allocate", ()) is True
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PickModal)
        await type_text(pilot, "anna")
        await pilot.press("enter")
        await settle(pilot)
        assert open_woman(manager, woman.id).woman.keyworker_id == anna.actor.user_id
        assert "keyworker anna" in screen_text(app)


async def test_keyworker_is_not_offered_allocate_and_can_share(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(anna)
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        assert screen.check_action("allocate", ()) is False  # a manager's key: hidden
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("s")
        await settle(pilot)
        await type_text(pilot, "bea")
        await pilot.press("enter")
        await settle(pilot)
        assert [m.id for m in open_woman(anna, woman.id).shared_with] == [bea.actor.user_id]


async def test_not_her_keyworker_is_refused_and_sent_back(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    bea = make_user("bea")
    woman = add_woman(anna)
    app = make_app(bea)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        open_woman_screen(app, woman.id)
        await settle(pilot, failed_workers=True)  # her record's read is refused: the test
        assert isinstance(app.screen, HomeScreen)
        assert any("not on your caseload" in n for n in notices(app))


async def test_tabs_help_and_hostile_text(manager: Ctx) -> None:
    woman = add_woman(
        manager,
        "[bold red]Jane[/]",
        "\u202eHebrew עברית",
        safe_contact_note="[link=https://example.invalid]x[/link] \x1b[2J",
    )
    raise_flag(manager, woman.id, "marac", "[/")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        text = screen_text(app)
        assert "[bold red]Jane[/] \u2426Hebrew עברית" in text
        assert "[link=https://example.invalid]x[/link] ␛[2J" in text
        for number, tab in enumerate(screen.tabs(), start=1):
            await pilot.press(str(number))
            assert screen.query_one(TabbedContent).active == f"tab-{tab.id}"
        assert "Why: [/" in screen_text(app)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpModal) and "Her record" in app.screen.text
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_every_form_cancels_with_escape(manager: Ctx) -> None:
    woman = add_woman(manager)
    raise_flag(manager, woman.id, "marac", "why")
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        for key in ("c", "e", "d", "f", "x", "o", "z"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, FieldForm), key
            await pilot.press("f1")
            await settle(pilot)
            assert isinstance(app.screen, HelpModal)
            await pilot.press("escape", "escape")
            await settle(pilot)
            assert app.screen is screen, key
