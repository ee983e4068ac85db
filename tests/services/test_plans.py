"""Support plan goals: validation, status changes, order, access and overdue goals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from caseapp.errors import NotFound, PermissionDenied, ValidationError
from caseapp.models import WomanShare
from caseapp.services import plans, waiting
from caseapp.services.context import Ctx
from tests.harness.audit import audit_events
from tests.harness.women import insert_woman, reference_of

TODAY = date(2026, 11, 24)


def _goal(ctx: Ctx, woman: int, target: date, area: str = "ACC", text: str = "A tenancy") -> int:
    return plans.add_goal(ctx, woman, need_area=area, description=text, target_date=target).id


def test_add_and_list_in_working_order(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    late = _goal(manager, woman, date(2026, 12, 31), "FIN", "Clear rent arrears")
    soon = _goal(manager, woman, date(2026, 12, 1), "MH", "See the GP about sleep")
    done = _goal(manager, woman, date(2026, 10, 1), "ETE", "Enrol on a course")
    plans.set_goal_status(manager, done, "achieved")
    goals = plans.list_goals(manager, woman)
    assert [g.id for g in goals] == [soon, late, done]
    assert goals[0].description == "See the GP about sleep"
    assert goals[2].status == "achieved"
    assert goals[0].created_by == "Maria Manager"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"need_area": "XYZ"}, "Need area"),
        ({"description": "   "}, "Goal"),
        ({"target_date": ""}, "Target date: required"),
        ({"target_date": "31/13/2026"}, "not a real date"),
        ({"target_date": "01/01/2036"}, "five years"),
        ({"description": "x" * 2001}, "2,000"),
    ],
)
def test_refuses_bad_goals(manager: Ctx, kwargs: dict[str, object], message: str) -> None:
    woman = insert_woman(manager.store)
    args: dict[str, object] = {
        "need_area": "ACC",
        "description": "Find a tenancy",
        "target_date": "01/02/2027",
    }
    args.update(kwargs)
    with pytest.raises(ValidationError, match=message):
        plans.add_goal(manager, woman, **args)  # type: ignore[arg-type]
    assert plans.list_goals(manager, woman) == []


def test_update_audits_changed_field_names(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    goal = _goal(manager, woman, date(2027, 1, 1), text="Private words")
    updated = plans.update_goal(
        manager,
        goal,
        need_area="ACC",
        description="Private words, reworded",
        target_date="01/02/2027",
        status="partly_achieved",
    )
    assert (updated.target_date, updated.status) == (date(2027, 2, 1), "partly_achieved")
    [(subject, ref, detail)] = audit_events(manager.store, "goal_updated")
    assert (subject, ref) == (woman, reference_of(manager.store, woman))
    assert detail["fields"] == ["description", "status", "target_date"]
    assert "Private" not in str(audit_events(manager.store, "goal_added"))
    with pytest.raises(ValidationError, match="Status"):
        plans.set_goal_status(manager, goal, "abandoned")


def test_delete_goal(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    goal = _goal(manager, woman, date(2027, 1, 1))
    plans.delete_goal(manager, goal)
    assert plans.list_goals(manager, woman) == []
    with pytest.raises(NotFound):
        plans.set_goal_status(manager, goal, "achieved")


def test_overdue_goals_only_open_past_target_and_visible(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    ama = insert_woman(manager.store, "Ama", "Owusu", keyworker_id=kim.actor.user_id)
    bea = insert_woman(manager.store, "Bea", "Smith", keyworker_id=lee.actor.user_id)
    gone = insert_woman(
        manager.store, "Cat", "Jones", keyworker_id=kim.actor.user_id, status="closed"
    )
    oldest = _goal(kim, ama, date(2026, 10, 1), text="Oldest")
    _goal(kim, ama, date(2026, 11, 24), text="Due today, not overdue")
    newer = _goal(kim, ama, date(2026, 11, 20), text="Newer")
    done = _goal(kim, ama, date(2026, 9, 1), text="Done")
    plans.set_goal_status(kim, done, "not_achieved")
    lees = _goal(lee, bea, date(2026, 11, 1), text="Lee's woman")
    _goal(manager, gone, date(2026, 9, 1), text="Closed case")

    mine = plans.overdue_goals(kim)
    assert [g.goal_id for g in mine] == [oldest, newer]
    assert mine[0].days_overdue == 54
    assert mine[0].name == "Ama Owusu" and mine[0].reference == reference_of(kim.store, ama)
    assert [g.goal_id for g in plans.overdue_goals(lee)] == [lees]
    everyone = plans.overdue_goals(manager)
    assert [g.goal_id for g in everyone] == [oldest, lees, newer]
    assert plans.overdue_goals(manager, caseload_only=True) == []
    assert len(plans.overdue_goals(manager, limit=1)) == 1


def test_the_home_screen_lists_exactly_the_women_with_overdue_goals(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    ama = insert_woman(manager.store, "Ama", "Owusu", keyworker_id=kim.actor.user_id)
    bea = insert_woman(manager.store, "Bea", "Smith", keyworker_id=kim.actor.user_id)
    cat = insert_woman(manager.store, "Cat", "Jones", keyworker_id=kim.actor.user_id)
    gone = insert_woman(
        manager.store, "Dee", "Brown", keyworker_id=kim.actor.user_id, status="closed"
    )
    _goal(kim, ama, date(2026, 10, 1), text="Oldest")
    _goal(kim, ama, date(2026, 11, 20), text="Newer")
    _goal(kim, bea, date(2026, 11, 24), text="Due today, not overdue")
    done = _goal(kim, cat, date(2026, 9, 1), text="Done")
    plans.set_goal_status(kim, done, "achieved")
    _goal(manager, gone, date(2026, 9, 1), text="Closed case")

    for ctx in (kim, manager):
        overdue = plans.overdue_goals(ctx, limit=None)
        section = next(s for s in waiting.waiting_for_me(ctx).sections if s.code == "goals")
        listed = {item.woman.id for item in section.items}
        assert listed == {g.woman_id for g in overdue} == {ama}
        assert section.items[0].why == "goal due 01/10/2026 (54 days overdue)"


def test_keyworker_cannot_touch_another_caseload(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    ama = insert_woman(manager.store, keyworker_id=kim.actor.user_id)
    goal = _goal(kim, ama, date(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        plans.add_goal(lee, ama, need_area="MH", description="x", target_date="01/01/2027")
    with pytest.raises(PermissionDenied):
        plans.set_goal_status(lee, goal, "achieved")
    with pytest.raises(PermissionDenied):
        plans.list_goals(lee, ama)
    assert [d[0] for d in audit_events(manager.store, "permission_denied")] == [ama, ama, ama]
    assert plans.list_goals(kim, ama)[0].status == "open"


def test_problems_name_the_form_field(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    for kwargs, field in (
        ({"need_area": "XX"}, "need_area"),
        ({"description": ""}, "description"),
        ({"target_date": "soon"}, "target_date"),
    ):
        args: dict[str, object] = {
            "need_area": "ACC",
            "description": "A tenancy",
            "target_date": "01/02/2027",
            **kwargs,
        }
        with pytest.raises(ValidationError) as caught:
            plans.add_goal(manager, woman, **args)  # type: ignore[arg-type]
        assert list(caught.value.fields) == [field]


def test_overdue_goals_of_a_woman_shared_with_her(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    bea = insert_woman(manager.store, "Bea", "Smith", keyworker_id=lee.actor.user_id)
    goal = _goal(lee, bea, date(2026, 11, 1))
    assert plans.overdue_goals(kim) == []
    with manager.store.write() as session:
        session.add(WomanShare(woman_id=bea, user_id=kim.actor.user_id))
    assert [g.goal_id for g in plans.overdue_goals(kim)] == [goal]
    # Shared, not allocated: not on her own caseload.
    assert plans.overdue_goals(kim, caseload_only=True) == []
    assert [g.goal_id for g in plans.overdue_goals(lee, caseload_only=True)] == [goal]
