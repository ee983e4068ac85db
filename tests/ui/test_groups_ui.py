"""Pilot tests of the group sessions list, the register and its modals, and activities."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlmodel import select
from textual.app import ComposeResult

from caseapp.app import CaseApp
from caseapp.modals.activity_form import ActivityForm
from caseapp.modals.add_to_register import AddToRegisterModal, HeadCountModal
from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.group_session_form import GroupSessionForm
from caseapp.models import GroupAttendance
from caseapp.screens.activities import ActivitiesScreen
from caseapp.screens.base import CaseScreen
from caseapp.screens.groups import GroupsScreen
from caseapp.screens.register import RegisterScreen
from caseapp.services import activities, group_register, groups
from caseapp.services.activities import ActivityInput
from caseapp.services.context import Ctx
from caseapp.widgets.woman_groups import WomanGroupsView
from tests.harness.app import app_showing, notices, screen_text, settle
from tests.harness.clock import TODAY
from tests.harness.clock import fixed_clock as fixed_clock  # autouse: today is 24/11/2026
from tests.harness.women import add_hub, insert_woman

NAMES = [
    "Ama Owusu", "Bea Adams", "Cat Brown", "Dee Clarke", "Eve Davis", "Fay Evans",
    "Gwen Fox", "Hana Green", "Iris Hall", "Jo King", "Kay Lowe", "Liz Moore",
]  # fmt: skip


def _women(ctx: Ctx, names: list[str], keyworker_id: int | None = None) -> list[int]:
    return [insert_woman(ctx.store, *n.split(), keyworker_id=keyworker_id) for n in names]


def _marks(ctx: Ctx, session_id: int) -> dict[str, str]:
    return {e.name: e.attendance for e in group_register.get_register(ctx, session_id).entries}


async def test_new_session_starts_from_the_last_register(manager: Ctx) -> None:
    add_hub(manager.store)
    women = _women(manager, NAMES[:3])
    last = groups.create_session(manager, title="Healthy relationships", date=date(2026, 1, 5))
    group_register.add_to_register(manager, last.session.id, women)
    screen = GroupsScreen()
    async with app_showing(manager, screen) as pilot:
        assert "Healthy relationships" in screen_text(pilot.app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, GroupSessionForm)
        await pilot.press(*"heal", "right", "ctrl+s")  # right accepts the offered title
        await settle(pilot)
        register = pilot.app.screen
        assert isinstance(register, RegisterScreen)
        text = screen_text(register.app)  # type: ignore[arg-type]
        assert "Did not attend 3" in text and "GRP-" in text
        sessions = groups.list_sessions(manager)
        assert sessions[0].title == "Healthy relationships" and sessions[0].date == TODAY
        await pilot.press("a", "escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert screen.sessions[0].attended == 1  # the list is read again on return


async def test_enter_typed_ahead_of_the_search_adds_the_woman_typed(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter pressed before the search for the last letter answered waits for it: the list
    still shown is for fewer letters and highlights someone else."""
    insert_woman(manager.store, "Zoa", "Abbot")
    insert_woman(manager.store, "Zoe", "Young")
    sid = groups.create_session(manager, title="Yoga", date=date(2026, 1, 5)).session.id
    search = group_register.search_women
    zoe_free = threading.Event()

    def held(ctx: Ctx, typed: str, **kwargs: Any) -> Any:
        if typed == "zoe":
            zoe_free.wait(timeout=30)
        return search(ctx, typed, **kwargs)

    monkeypatch.setattr(group_register, "search_women", held)
    try:
        async with app_showing(manager, RegisterScreen(sid)) as pilot:
            await pilot.press("plus")
            await settle(pilot)
            await pilot.press(*"zo")
            await settle(pilot)
            assert "Zoa Abbot" in screen_text(pilot.app)  # highlighted, above Zoe
            await pilot.press("e", "enter")  # before the search for "zoe" answers
            await pilot.pause()
            zoe_free.set()
            await settle(pilot)
            assert "Added 1: Zoe Young" in screen_text(pilot.app)
    finally:
        zoe_free.set()
    assert list(_marks(manager, sid)) == ["Zoe Young"]


async def test_marks_still_being_saved_are_kept_when_she_goes_back(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Esc while a mark is being written, with another made meanwhile: both are saved
    before the register closes (the one waiting behind the write was lost)."""
    women = _women(manager, NAMES[:2])
    sid = groups.create_session(manager, title="Art", date=date(2026, 1, 5)).session.id
    group_register.add_to_register(manager, sid, women, attendance="did_not_attend")
    mark = group_register.mark_register
    writing, first_free = threading.Event(), threading.Event()

    def held(ctx: Ctx, session_id: int, batch: dict[int, str]) -> Any:
        if not writing.is_set():
            writing.set()
            first_free.wait(timeout=30)
        return mark(ctx, session_id, batch)

    monkeypatch.setattr(group_register, "mark_register", held)
    try:
        async with app_showing(manager, RegisterScreen(sid)) as pilot:
            register = pilot.app.screen
            await pilot.press("a")
            for _ in range(100):  # the first mark's write has started, and is held
                if writing.is_set():
                    break
                await pilot.pause()
            await pilot.press("a", "escape")  # the second waits behind it; then back
            first_free.set()
            await settle(pilot)
            assert pilot.app.screen is not register
    finally:
        first_free.set()
    assert _marks(manager, sid) == {"Ama Owusu": "attended", "Bea Adams": "attended"}


async def test_marks_not_yet_saved_are_saved_by_a_lock(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+l while a mark is being written, with another made meanwhile: the lock saves
    both before the key goes (both were lost: one waiting, one overtaken by the lock)."""
    women = _women(manager, NAMES[:2])
    sid = groups.create_session(manager, title="Art", date=date(2026, 1, 5)).session.id
    group_register.add_to_register(manager, sid, women, attendance="did_not_attend")
    mark = group_register.mark_register
    writing, first_free = threading.Event(), threading.Event()

    def held(ctx: Ctx, session_id: int, batch: dict[int, str]) -> Any:
        if not writing.is_set():
            writing.set()
            first_free.wait(timeout=30)
        return mark(ctx, session_id, batch)

    monkeypatch.setattr(group_register, "mark_register", held)
    try:
        async with app_showing(manager, RegisterScreen(sid)) as pilot:
            await pilot.press("a")
            for _ in range(100):  # the first mark's write has started, and is held
                if writing.is_set():
                    break
                await pilot.pause()
            await pilot.press("a", "ctrl+l")  # the second waits behind it; then lock
            await settle(pilot, failed_workers=True)
            app = pilot.app
            assert isinstance(app, CaseApp) and app.lock_finished.is_set()
            first_free.set()
            await settle(pilot, failed_workers=True)
    finally:
        first_free.set()
    assert _marks(manager, sid) == {"Ama Owusu": "attended", "Bea Adams": "attended"}


async def test_twelve_women_in_twelve_keys(manager: Ctx) -> None:
    women = _women(manager, NAMES)
    last = groups.create_session(manager, title="Art", date=date(2026, 1, 5))
    group_register.add_to_register(manager, last.session.id, women)
    today = groups.create_session(manager, title="Art", date=date(2026, 1, 12))
    async with app_showing(manager, RegisterScreen(today.session.id)) as pilot:
        # One key per woman: it marks her and moves to the next.
        await pilot.press("a", "a", "l", "a", "d", "a", "a", "a", "a", "a", "a", "a")
        await settle(pilot)
        assert "Attended 10 · Late 1 · Did not attend 1" in screen_text(pilot.app)
    marks = _marks(manager, today.session.id)
    assert marks["Cat Brown"] == "late" and marks["Eve Davis"] == "did_not_attend"
    assert list(marks.values()).count("attended") == 10


async def test_register_keys(manager: Ctx) -> None:
    women = _women(manager, NAMES[:3])
    insert_woman(manager.store, "Zoe", "Young")
    sid = groups.create_session(manager, title="Yoga", date=date(2026, 1, 5)).session.id
    group_register.add_to_register(manager, sid, women, attendance="did_not_attend")
    screen = RegisterScreen(sid)
    async with app_showing(manager, screen) as pilot:
        await pilot.press("A")
        await settle(pilot)
        assert set(_marks(manager, sid).values()) == {"attended"}
        await pilot.press("space", "space", "down", "space")  # Ama: late → absent; Bea: late
        await settle(pilot)
        assert _marks(manager, sid) == {
            "Ama Owusu": "did_not_attend",
            "Bea Adams": "late",
            "Cat Brown": "attended",
        }
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HeadCountModal)
        await pilot.press("4", "enter")
        await settle(pilot)
        assert groups.get_session(manager, sid).anonymous_attendees == 4
        assert "Head count 4 · Total present 6" in screen_text(pilot.app)
        await pilot.press("plus")
        await settle(pilot)
        adding = pilot.app.screen
        assert isinstance(adding, AddToRegisterModal)
        await pilot.press(*"zo", "enter")
        await settle(pilot)
        assert pilot.app.screen is adding and "Added 1: Zoe Young" in screen_text(pilot.app)
        await pilot.press(*"am")
        await settle(pilot)
        assert "on the register" in screen_text(pilot.app)  # Ama is already on it
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert _marks(manager, sid)["Zoe Young"] == "attended"
        await pilot.press("up", "up", "up", "delete")  # the cursor was on Bea: now Ama
        await settle(pilot)
        assert "Ama Owusu" not in _marks(manager, sid)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert groups.get_session(manager, sid).status == "cancelled"
        assert "CANCELLED" in screen_text(pilot.app)
        before = _marks(manager, sid)
        await pilot.press("a", "A", "space")  # dimmed: a cancelled register cannot change
        await settle(pilot)
        assert _marks(manager, sid) == before
        await pilot.press("c")
        await settle(pilot)
        assert groups.get_session(manager, sid).status == "held"
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(pilot.app.screen, GroupSessionForm)
        await pilot.press("ctrl+a", "ctrl+k", *"Yoga and breathing", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "Yoga and breathing" in screen_text(pilot.app)


async def test_facilitator_sees_other_women_without_names(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    hers = _women(manager, ["Ama Owusu"], keyworker_id=kim.actor.user_id)
    other = _women(manager, ["Bea Adams"])
    sid = groups.create_session(kim, title="Art", date=date(2026, 1, 5)).session.id
    group_register.add_to_register(manager, sid, hers + other)
    async with app_showing(kim, RegisterScreen(sid)) as pilot:
        text = screen_text(pilot.app)
        assert "Ama Owusu" in text and "Bea Adams" not in text
        assert "Not on your caseload" in text
        await pilot.press("down", "d")
        await settle(pilot)
        assert _marks(manager, sid)["Bea Adams"] == "attended"
        await pilot.press("plus", *"bea")
        await settle(pilot)
        assert "Nobody found on your caseload." in screen_text(pilot.app)


async def test_groups_list_filter_and_cancel(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    groups.create_session(manager, title="Yoga", date=date(2026, 1, 5))
    groups.create_session(manager, title="Art [b]club[/b]", date=date(2026, 1, 6))
    groups.create_session(manager, title="Kim's group", date=date(2026, 1, 7),
                          facilitator_id=kim.actor.user_id)  # fmt: skip
    screen = GroupsScreen()
    async with app_showing(manager, screen) as pilot:
        assert "Art [b]club[/b]" in screen_text(pilot.app)  # shown literally
        await pilot.press("slash", *"yog")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Yoga" in text and "Art" not in text
        await pilot.press("escape", "c")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "cancelled" in screen_text(pilot.app)
        assert [s.status for s in groups.list_sessions(manager, search="yoga")] == ["cancelled"]
        await pilot.press("c")  # reinstates without asking
        await settle(pilot)
        assert [s.status for s in groups.list_sessions(manager, search="yoga")] == ["held"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, RegisterScreen)
    async with app_showing(kim, GroupsScreen()) as pilot:
        text = screen_text(pilot.app)
        assert "Kim's group" in text and "Yoga" not in text


async def test_activities_screen(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    add_hub(manager.store, "south", "South Hub")
    kim = make_user("kim")
    activities.record_activity(kim, ActivityInput("judiciary_training", TODAY, 2, 30))
    screen = ActivitiesScreen()
    async with app_showing(manager, screen) as pilot:
        assert "Judiciary" in screen_text(pilot.app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ActivityForm)
        await pilot.press("right", "right", "tab", "tab", "tab", *"2", "tab", *"9", "tab")
        await pilot.press(*"Cohort 3", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        text = screen_text(pilot.app)
        assert "9 trained" in text and "Cohort 3" in text
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ActivityForm)
        await pilot.press("escape", "delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [a.description for a in activities.list_activities(manager)] == [""]
    async with app_showing(kim, ActivitiesScreen()) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")  # attendees left empty for judiciary training: fine
        await settle(pilot)
        assert len(activities.list_activities(kim)) == 2


class _HerRecord(CaseScreen):
    """Stands in for the woman's record screen, with the groups tab's content."""

    def __init__(self, woman_id: int) -> None:
        super().__init__()
        self.woman_id = woman_id

    def compose(self) -> ComposeResult:
        yield WomanGroupsView(self.woman_id)


async def test_her_groups_tab(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    [ama] = _women(manager, ["Ama Owusu"], keyworker_id=kim.actor.user_id)
    held = groups.create_session(manager, title="Art [i]", date=date(2026, 1, 5)).session.id
    missed = groups.create_session(manager, title="Yoga", date=date(2026, 1, 12)).session.id
    dropped = groups.create_session(manager, title="Cooking", date=date(2026, 1, 19)).session.id
    for sid in (held, missed, dropped):
        group_register.add_to_register(manager, sid, [ama])
    group_register.mark_register(manager, missed, {ama: "did_not_attend"})
    groups.cancel_session(manager, dropped)
    async with app_showing(kim, _HerRecord(ama)) as pilot:
        text = screen_text(pilot.app)
        assert "Came to 1 of 3 group sessions" in text
        assert "Art [i]" in text and "Did not attend" in text and "Cancelled" in text
    async with app_showing(lee, _HerRecord(ama)) as pilot:
        assert any("not on your caseload" in n for n in notices(pilot.app))


async def test_imported_cancellations_show_their_labels(manager: Ctx) -> None:
    [ama, bea] = _women(manager, ["Ama Owusu", "Bea Adams"])
    sid = groups.create_session(manager, title="Art", date=date(2026, 1, 5)).session.id
    group_register.add_to_register(manager, sid, [ama, bea])
    # The import takes the interchange's every attendance code; the register's keys make
    # only three, so these reach the screens only from an import.
    with manager.write() as session:
        for row in session.exec(select(GroupAttendance)).all():
            row.attendance = "cancelled_by_woman" if row.woman_id == ama else "cancelled_by_service"
            session.add(row)
    async with app_showing(manager, RegisterScreen(sid)) as pilot:
        text = screen_text(pilot.app)
        assert "Cancelled by her" in text and "Cancelled by us" in text
        assert "cancelled_by" not in text
    async with app_showing(manager, _HerRecord(ama)) as pilot:
        text = screen_text(pilot.app)
        assert "Cancelled by her" in text and "cancelled_by" not in text
