"""Group sessions and registers: references, access by role, the fast register, head counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.services import group_register, groups, users
from caseapp.services.context import Ctx
from tests.harness.audit import audit_events
from tests.harness.women import add_hub, insert_woman, reference_of

TODAY = date(2026, 11, 24)


def _session(
    ctx: Ctx, title: str = "Healthy relationships", day: date = TODAY, **kw: object
) -> int:
    return groups.create_session(ctx, title=title, date=day, **kw).session.id  # type: ignore[arg-type]


def test_create_gives_references_and_defaults(manager: Ctx) -> None:
    hub = add_hub(manager.store)
    first = groups.create_session(
        manager, title="  Healthy relationships ", date="17/11/2026", hub_id=hub
    )
    second = groups.create_session(manager, title="Art", date=TODAY)
    next_year = groups.create_session(manager, title="Art", date="05/01/2027")
    assert first.session.reference == "GRP-2026-0001"
    assert second.session.reference == "GRP-2026-0002"
    assert next_year.session.reference == "GRP-2027-0001"
    view = first.session
    assert (view.title, view.date, view.hub, view.facilitator, view.status) == (
        "Healthy relationships",
        date(2026, 11, 17),
        "North Hub",
        "Maria Manager",
        "held",
    )
    assert first.entries == () and first.previous is None and first.can_edit
    [(_, ref, detail)] = audit_events(manager.store, "group_session_created")[:1]
    assert ref == "GRP-2026-0001"
    assert detail["fields"] == ["date", "facilitator_id", "hub_id", "title"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": " "}, "Title"),
        ({"date": ""}, "Date: required"),
        ({"date": "30/02/2026"}, "not a real date"),
        ({"date": "01/01/2028"}, "a year ahead"),
        ({"hub_id": 999}, "Hub"),
        ({"facilitator_id": 999}, "Facilitator"),
    ],
)
def test_create_refuses_bad_input(manager: Ctx, kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"title": "Art", "date": TODAY}
    args.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        groups.create_session(manager, **args)  # type: ignore[arg-type]
    assert groups.list_sessions(manager) == []


def test_keyworker_facilitates_her_own_sessions_only(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    own = _session(kim)
    assert groups.get_session(kim, own).facilitator_id == kim.actor.user_id
    with pytest.raises(PermissionDenied):
        groups.create_session(kim, title="Art", date=TODAY, facilitator_id=lee.actor.user_id)
    leads = _session(manager, "Art", facilitator_id=lee.actor.user_id)
    assert [s.id for s in groups.list_sessions(kim)] == [own]
    assert [s.id for s in groups.list_sessions(lee)] == [leads]
    assert {s.id for s in groups.list_sessions(manager)} == {own, leads}
    for call in (
        lambda: group_register.get_register(kim, leads),
        lambda: groups.cancel_session(kim, leads),
        lambda: group_register.set_head_count(kim, leads, 3),
    ):
        with pytest.raises(PermissionDenied, match="facilitate"):
            call()
    denied = audit_events(manager.store, "permission_denied")
    assert len(denied) == 4
    assert {d[2]["permission"] for d in denied} == {"groups.others"}
    assert denied[-1][1] == groups.get_session(manager, leads).reference


def test_admin_cannot_run_groups(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    admin = make_user("ada", role="admin")
    with pytest.raises(PermissionDenied):
        groups.create_session(admin, title="Art", date=TODAY)
    assert groups.title_suggestions(admin) == []


def test_take_a_register(manager: Ctx) -> None:
    sid = _session(manager)
    ama = insert_woman(manager.store, "Ama", "Owusu")
    bea = insert_woman(manager.store, "Bea", "Adams")
    register = group_register.add_to_register(manager, sid, [ama, bea, ama])
    assert [(e.name, e.attendance) for e in register.entries] == [
        ("Ama Owusu", "attended"),
        ("Bea Adams", "attended"),
    ]
    assert (register.session.registered, register.session.attended) == (2, 2)
    register = group_register.mark_register(manager, sid, {bea: "late", ama: "did_not_attend"})
    assert {e.woman_id: e.attendance for e in register.entries} == {
        ama: "did_not_attend",
        bea: "late",
    }
    view = group_register.set_head_count(manager, sid, "3")
    assert (view.registered, view.attended, view.anonymous_attendees) == (2, 1, 3)
    assert view.total_attendance == 4
    register = group_register.remove_from_register(manager, sid, ama)
    assert [e.woman_id for e in register.entries] == [bea]
    # One audit entry per woman for each change, naming the field, never the mark.
    added = audit_events(manager.store, "register_added")
    assert [a[0] for a in added] == [ama, bea]
    assert added[0][1] == reference_of(manager.store, ama)
    assert added[0][2] == {"fields": ["attendance"], "group_session": "GRP-2026-0001"}
    assert len(audit_events(manager.store, "register_marked")) == 2
    assert len(audit_events(manager.store, "register_removed")) == 1
    assert len(audit_events(manager.store, "group_head_count_set")) == 1


def test_register_rules(manager: Ctx) -> None:
    sid = _session(manager)
    ama = insert_woman(manager.store)
    other = insert_woman(manager.store)
    group_register.add_to_register(manager, sid, [ama])
    with pytest.raises(ValidationError, match="Attendance"):
        group_register.mark_register(manager, sid, {ama: "cancelled_by_woman"})
    with pytest.raises(NotFound, match="register"):
        group_register.mark_register(manager, sid, {other: "late"})
    with pytest.raises(NotFound):
        group_register.add_to_register(manager, sid, [999_999])
    for bad in (-1, 501, "lots"):
        with pytest.raises(ValidationError, match="Head count"):
            group_register.set_head_count(manager, sid, bad)


def test_space_cycles_through_the_three_marks() -> None:
    assert group_register.next_attendance("attended") == "late"
    assert group_register.next_attendance("late") == "did_not_attend"
    assert group_register.next_attendance("did_not_attend") == "attended"
    assert group_register.next_attendance("cancelled_by_woman") == "attended"


def test_cancel_freezes_the_register_until_reinstated(manager: Ctx) -> None:
    sid = _session(manager)
    ama = insert_woman(manager.store)
    group_register.add_to_register(manager, sid, [ama])
    assert groups.cancel_session(manager, sid).status == "cancelled"
    register = group_register.get_register(manager, sid)
    assert not register.can_edit and len(register.entries) == 1
    with pytest.raises(ValidationError, match="cancelled"):
        group_register.mark_register(manager, sid, {ama: "late"})
    with pytest.raises(ValidationError, match="cancelled"):
        group_register.set_head_count(manager, sid, 2)
    assert groups.reinstate_session(manager, sid).status == "held"
    assert group_register.mark_register(manager, sid, {ama: "late"}).entries[0].attendance == "late"
    assert [e[1] for e in audit_events(manager.store, "group_session_cancelled")] == [
        "GRP-2026-0001"
    ]
    assert len(audit_events(manager.store, "group_session_reinstated")) == 1


def test_keyworker_registers_only_women_she_may_see(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    hers = insert_woman(manager.store, "Ama", "Owusu", keyworker_id=kim.actor.user_id)
    not_hers = insert_woman(manager.store, "Bea", "Adams", keyworker_id=lee.actor.user_id)
    sid = _session(kim)
    with pytest.raises(PermissionDenied):
        group_register.add_to_register(kim, sid, [hers, not_hers])
    assert group_register.get_register(kim, sid).entries == ()  # all or nothing
    [(subject, _ref, detail)] = audit_events(manager.store, "permission_denied")
    assert subject == not_hers and detail["permission"] == "women.view"
    # A manager may add anyone; the facilitator then sees a woman not hers without her name.
    group_register.add_to_register(kim, sid, [hers])
    group_register.add_to_register(manager, sid, [not_hers])
    entries = group_register.get_register(kim, sid).entries
    assert [(e.name, e.visible, e.reference) for e in entries] == [
        ("Ama Owusu", True, reference_of(manager.store, hers)),
        (groups.HIDDEN_NAME, False, ""),
    ]
    with pytest.raises(PermissionDenied):
        group_register.mark_register(kim, sid, {not_hers: "late"})
    full = group_register.get_register(manager, sid).entries
    assert [e.name for e in full] == ["Ama Owusu", "Bea Adams"]


def test_new_session_starts_from_the_previous_register(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    mine = [
        insert_woman(manager.store, f"W{i}", "Kim", keyworker_id=kim.actor.user_id)
        for i in range(3)
    ]
    closed = insert_woman(
        manager.store, "Closed", "Kim", keyworker_id=kim.actor.user_id, status="closed"
    )
    other = insert_woman(manager.store, "Other", "Lee")
    last_week = _session(manager, "Café club", date(2026, 11, 17), facilitator_id=kim.actor.user_id)
    group_register.add_to_register(manager, last_week, [*mine, closed, other])
    _session(manager, "Art", date(2026, 11, 20))  # another title: ignored
    cancelled = _session(manager, "Cafe Club", date(2026, 11, 21))
    group_register.add_to_register(manager, cancelled, [other])
    groups.cancel_session(manager, cancelled)

    created = groups.create_session(kim, title="CAFE CLUB", date=TODAY)
    assert created.previous is not None and created.previous.id == last_week
    # Only women she may see, open cases, marked not attended until she marks them.
    assert sorted(e.woman_id for e in created.entries) == sorted(mine)
    assert {e.attendance for e in created.entries} == {"did_not_attend"}
    copied = audit_events(manager.store, "register_added")[-3:]
    assert {c[2]["copied_from"] for c in copied} == {"GRP-2026-0001"}

    fresh = groups.create_session(kim, title="Café club", date=TODAY, copy_previous=False)
    assert fresh.entries == ()
    again = groups.copy_previous_register(kim, fresh.session.id)
    assert len(again.entries) == 3
    # Copying twice adds nobody twice.
    assert len(groups.copy_previous_register(kim, fresh.session.id).entries) == 3


def test_search_women_for_the_register(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    ama = insert_woman(manager.store, "Amélie", "Owusu", keyworker_id=kim.actor.user_id)
    insert_woman(manager.store, "Amy", "Lee")  # not kim's
    insert_woman(manager.store, "Amara", "Owen", keyworker_id=kim.actor.user_id, status="closed")
    jo = insert_woman(
        manager.store, "Joanne", "Smith", keyworker_id=kim.actor.user_id, preferred="Jo"
    )
    sid = _session(kim)
    group_register.add_to_register(kim, sid, [jo])
    assert [p.woman_id for p in group_register.search_women(kim, "ame")] == [ama]
    assert [p.name for p in group_register.search_women(manager, "am")] == [
        "Amy Lee",
        "Amélie Owusu",
    ]
    assert [p.woman_id for p in group_register.search_women(kim, "AM OW")] == [ama]
    [pick] = group_register.search_women(kim, "jo", session_id=sid)
    assert (pick.woman_id, pick.name, pick.on_register) == (jo, "Jo Smith", True)
    assert (
        group_register.search_women(kim, reference_of(manager.store, ama).lower())[0].woman_id
        == ama
    )
    for literal in ("%", "_", "'; DROP TABLE woman;--", "   "):
        assert group_register.search_women(kim, literal) == []


def test_groups_on_her_record(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    hub = add_hub(manager.store)
    ama = insert_woman(manager.store, keyworker_id=kim.actor.user_id)
    older = _session(manager, "Art", date(2026, 10, 1), hub_id=hub)
    newer = _session(manager, "Yoga", date(2026, 11, 1))
    dropped = _session(manager, "Cooking", date(2026, 11, 5))
    for sid in (older, newer, dropped):
        group_register.add_to_register(manager, sid, [ama])
    group_register.mark_register(manager, newer, {ama: "did_not_attend"})
    groups.cancel_session(manager, dropped)
    listed = group_register.groups_for_woman(kim, ama)
    assert [(g.title, g.attendance, g.status) for g in listed] == [
        ("Cooking", "attended", "cancelled"),
        ("Yoga", "did_not_attend", "held"),
        ("Art", "attended", "held"),
    ]
    assert listed[2].hub == "North Hub" and listed[2].reference == "GRP-2026-0001"
    assert [g.title for g in group_register.groups_for_woman(kim, ama, attended_only=True)] == [
        "Art"
    ]
    with pytest.raises(PermissionDenied):
        group_register.groups_for_woman(lee, ama)


def test_update_session_and_list_search(manager: Ctx) -> None:
    hub = add_hub(manager.store, "south", "South Hub")
    kim = users.add_user(manager, "kim", "keyworker", "correct horse battery")
    sid = _session(manager, "Art")
    _session(manager, "Yoga", date(2026, 11, 1))
    view = groups.update_session(
        manager,
        sid,
        title="Art and café",
        date="23/11/2026",
        hub_id=hub,
        facilitator_id=kim.id,
    )
    assert (view.title, view.hub, view.facilitator) == ("Art and café", "South Hub", "kim")
    [(_, _, detail)] = audit_events(manager.store, "group_session_updated")
    assert detail["fields"] == ["date", "facilitator_id", "hub_id", "title"]
    assert [s.title for s in groups.list_sessions(manager, search="CAFE")] == ["Art and café"]
    assert [s.title for s in groups.list_sessions(manager, search="grp-2026-0002")] == ["Yoga"]
    assert [s.title for s in groups.list_sessions(manager, date_to=date(2026, 11, 2))] == ["Yoga"]
    assert groups.title_suggestions(manager) == ["Art and café", "Yoga"]


def test_recent_attendees_for_a_first_register(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kim = make_user("kim")
    ama, bea, cat, dee = (
        insert_woman(manager.store, name, "K", keyworker_id=kim.actor.user_id)
        for name in ("Ama", "Bea", "Cat", "Dee")
    )
    lees = insert_woman(manager.store, "Eve", "L")
    art = _session(kim, "Art", date(2026, 11, 10))
    yoga = _session(kim, "Yoga", date(2026, 11, 12))
    yoga2 = _session(kim, "Yoga", date(2026, 11, 13))
    old = _session(kim, "Yoga", date(2026, 6, 1))
    group_register.add_to_register(kim, art, [ama, bea])
    group_register.add_to_register(kim, yoga, [cat, bea])
    group_register.add_to_register(kim, yoga2, [cat, dee])
    group_register.mark_register(kim, yoga2, {dee: "did_not_attend"})
    group_register.add_to_register(kim, old, [dee])
    group_register.add_to_register(manager, art, [lees])
    today = _session(kim, "yoga", date(2026, 11, 17), copy_previous=False)
    group_register.add_to_register(kim, today, [ama])
    picks = group_register.recent_attendees(kim, today)
    # Same title first (Cat twice, Bea once), then other sessions; attended only, 90 days,
    # never a woman she may not see or one already on the register.
    assert [p.woman_id for p in picks] == [cat, bea]


def test_problems_name_the_form_field(manager: Ctx) -> None:
    for kwargs, field in (
        ({"title": ""}, "title"),
        ({"title": "x\x00"}, "title"),
        ({"date": "32/01/2026"}, "date"),
        ({"facilitator_id": 999}, "facilitator"),
    ):
        args: dict[str, object] = {"title": "Art", "date": TODAY, **kwargs}
        with pytest.raises(ValidationError) as caught:
            groups.create_session(manager, **args)  # type: ignore[arg-type]
        assert list(caught.value.fields) == [field]
    sid = _session(manager)
    with pytest.raises(ValidationError) as caught:
        group_register.set_head_count(manager, sid, "lots")
    assert list(caught.value.fields) == ["count"]
