"""Nothing typed is lost: an open form becomes a draft when the store locks or caseapp stops."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from caseapp.clock import FrozenClock
from caseapp.modals.contact_form import ContactForm
from caseapp.modals.discard import DraftOfferModal
from caseapp.modals.field_form import FieldForm
from caseapp.screens.unlock import UnlockScreen
from caseapp.screens.woman import WomanScreen, open_woman_screen
from caseapp.services import drafts
from caseapp.services.context import Ctx
from caseapp.services.women import open_woman
from tests.harness.app import make_app, notices, settle, type_text, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman

NOTE = "Talked about housing and the court date"


async def _her_contact_form(pilot: Pilot[Any], woman_id: int) -> ContactForm:
    await unlock(pilot)
    open_woman_screen(pilot.app, woman_id)
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ContactForm)
    form.control("note").focus()
    await type_text(pilot, NOTE)
    return form


async def _unlock_again(pilot: Pilot[Any]) -> None:
    """Unlock where a draft may open over the home screen."""
    await pilot.press(*"passphrase", "enter")
    await settle(pilot)
    await settle(pilot)


def _tree_text(app: object) -> str:
    parts = []
    for screen in app.screen_stack:  # type: ignore[attr-defined]
        for widget in screen.query("*"):
            if isinstance(widget, Static):
                parts.append(str(widget.render()))
            parts.append(str(getattr(widget, "value", "")))
            parts.append(str(getattr(widget, "text", "")))
    return "\n".join(parts)


async def test_lock_keeps_the_open_form_and_unlock_brings_it_back(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    woman = add_woman(anna, "Dora", "Keeling")
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        await _her_contact_form(pilot, woman.id)
        await pilot.press("ctrl+l")
        # The screen is cleared at once, before any worker has run.
        assert isinstance(app.screen, UnlockScreen)
        assert len(app.screen_stack) == 2
        await settle(pilot)
        assert "Keeling" not in _tree_text(app) and NOTE not in _tree_text(app)
        assert "store is locked" not in " ".join(notices(app))
        kept = drafts.my_drafts(anna)
        assert [(d.reason, d.woman_id, d.content["note"]) for d in kept] == [
            ("lock", woman.id, NOTE)
        ]
        assert drafts.my_drafts(manager) == []  # hers alone

        await _unlock_again(pilot)
        form = app.screen
        assert isinstance(form, ContactForm)
        assert isinstance(app.screen_stack[-2], WomanScreen)
        assert form.value("note") == NOTE
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)
        assert open_woman(anna, woman.id).contacts[0].note == NOTE
        assert drafts.my_drafts(anna) == []


async def test_idle_lock_keeps_the_form_too(manager: Ctx, clock: FrozenClock) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await _her_contact_form(pilot, woman.id)
        clock.advance(timedelta(seconds=app.idle_seconds + 1))
        app.check_idle_lock()
        assert isinstance(app.screen, UnlockScreen)
        await settle(pilot)
        assert [d.content["note"] for d in drafts.my_drafts(manager)] == [NOTE]


async def test_a_draft_left_by_a_crash_is_offered_at_the_next_unlock(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _her_contact_form(pilot, woman.id)
        form.autosave()  # the timer's tick
        await settle(pilot)
        assert [d.reason for d in drafts.my_drafts(manager)] == ["autosave"]
        app.lock_finished.wait()
    # No lock ran its course above as far as the draft is concerned: a new app finds it.
    again = make_app(manager)
    async with again.run_test(size=(80, 24)) as pilot:
        await _unlock_again(pilot)
        assert isinstance(again.screen, DraftOfferModal)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(again.screen, ContactForm)
        assert again.screen.value("note") == NOTE


async def test_discarding_deletes_the_draft(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _her_contact_form(pilot, woman.id)
        form.autosave()
        await settle(pilot)
        assert len(drafts.my_drafts(manager)) == 1
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)
        assert drafts.my_drafts(manager) == []


async def test_lock_does_not_wait_for_a_busy_writer(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await _her_contact_form(pilot, woman.id)
        assert app.ctx is not None
        store = app.ctx.store
        with store._write_lock:  # an import or an erasure holds the writer
            await pilot.press("ctrl+l")
            assert isinstance(app.screen, UnlockScreen)
            assert not isinstance(app.screen_stack[-1], FieldForm)
            assert not app.lock_finished.is_set()
        await settle(pilot)
        app.lock_finished.wait()
        assert [d.content["note"] for d in drafts.my_drafts(manager)] == [NOTE]


def test_a_draft_on_her_record_is_in_her_pack_and_goes_with_her(
    manager: Ctx, tmp_path: object
) -> None:
    from pathlib import Path

    from caseapp.services import erasure, sar

    woman = add_woman(manager)
    other = add_woman(manager, "Olive", "Other", born="02/03/1980")
    drafts.save_draft(
        manager,
        route={"screen": "woman", "woman_id": woman.id},
        form={"action": "contact"},
        content={"note": NOTE},
        title="Log a contact",
        woman_id=woman.id,
    )
    drafts.save_draft(manager, route={}, form={}, content={"note": "elsewhere"}, title="x")
    result = sar.export_pack(manager, woman.reference, Path(str(tmp_path)))
    assert NOTE in result.json_path.read_text() and NOTE in result.html_path.read_text()
    assert "elsewhere" not in result.json_path.read_text()
    other_pack = sar.export_pack(manager, other.reference, Path(str(tmp_path)) / "o")
    assert NOTE not in other_pack.json_path.read_text()
    erasure.erase(manager, woman.reference, confirmation=woman.reference)
    assert [d.content["note"] for d in drafts.my_drafts(manager)] == ["elsewhere"]


async def test_a_new_womans_form_and_a_plan_goal_come_back_too(manager: Ctx) -> None:
    from caseapp.modals.plan_goal_form import PlanGoalForm
    from caseapp.modals.woman_form import WomanForm
    from caseapp.screens.plan import PlanScreen

    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, WomanForm)
        await type_text(pilot, "Philippa")
        await pilot.press("ctrl+l")
        await settle(pilot)
        await _unlock_again(pilot)
        assert isinstance(app.screen, WomanForm)
        assert app.screen.value("first_name") == "Philippa"
        await pilot.press("escape", "y")
        await settle(pilot)
        open_woman_screen(app, woman.id)
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        goal = app.screen
        assert isinstance(goal, PlanGoalForm)
        goal.control("description").focus()
        await type_text(pilot, "Open a bank account")
        await pilot.press("ctrl+l")
        await settle(pilot)
        await _unlock_again(pilot)
        assert isinstance(app.screen, PlanGoalForm)
        assert isinstance(app.screen_stack[-2], PlanScreen)
        assert app.screen.value("description") == "Open a bank account"
