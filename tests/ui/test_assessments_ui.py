"""Pilot tests of the assessment and outcome forms, the distance-travelled view and the plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from caseapp.modals.assessment_form import AssessmentForm, AssessmentGrid
from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.outcomes_form import OutcomesForm
from caseapp.modals.plan_goal_form import PlanGoalForm
from caseapp.screens.distance import DistanceScreen
from caseapp.screens.plan import PlanScreen
from caseapp.services import assessments, outcomes, plans
from caseapp.services.assessments import ItemInput
from caseapp.services.context import Ctx
from caseapp.widgets.choice import ChoiceField
from tests.harness.app import app_showing, notices, screen_text, settle
from tests.harness.women import insert_woman

TODAY = date(2026, 11, 24)


def _two_assessments(ctx: Ctx, woman: int) -> None:
    assessments.record_assessment(
        ctx,
        woman,
        kind="baseline",
        date=date(2026, 3, 2),
        items=[ItemInput("MH", "high", 3), ItemInput("ACC", "medium", 5)],
    )
    assessments.record_assessment(
        ctx,
        woman,
        kind="review",
        date=date(2026, 6, 2),
        items=[ItemInput("MH", "medium", 6), ItemInput("ACC", "high", 4)],
    )


async def test_assessment_grid_from_the_keyboard(manager: Ctx) -> None:
    woman = insert_woman(manager.store, "Ama", "Owusu")
    form = AssessmentForm(woman)
    async with app_showing(manager, form) as pilot:
        assert "Needs assessment · Ama Owusu" in screen_text(pilot.app)
        assert form.query_one("#kind", ChoiceField).value == "baseline"
        # ACC medium 6 (moves on), ETE high, 0 for 10, FIN: a note, then level low.
        await pilot.press("m", "6", "h", "0", "enter")
        await settle(pilot)
        await pilot.press(*"Rent arrears [b]", "enter", "l")
        await pilot.press("down", "down", "n", "backspace")  # PH cleared again
        await pilot.press("tab", "tab", *"First meeting", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is not form
    [saved] = assessments.list_assessments(manager, woman)
    assert (saved.kind, saved.date, saved.note) == ("baseline", TODAY, "First meeting")
    assert [(i.need_area, i.level, i.score, i.note) for i in saved.items] == [
        ("ACC", "medium", 6, ""),
        ("ETE", "high", 10, ""),
        ("FIN", "low", None, "Rent arrears [b]"),
    ]


async def test_assessment_form_says_what_to_fix_and_stays_open(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    form = AssessmentForm(woman)
    async with app_showing(manager, form) as pilot:
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert "at least one need area" in screen_text(pilot.app)
        await pilot.press("shift+tab", "shift+tab", "ctrl+a", "ctrl+k", *"25/11/2026", "tab", "e")
        assert form.query_one("#kind", ChoiceField).value == "exit"
        await pilot.press("tab", "l", "4", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert "field to fix" in screen_text(pilot.app) and "future" in screen_text(pilot.app)
    assert assessments.list_assessments(manager, woman) == []


async def test_correcting_an_assessment_shows_it_and_the_one_before(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    _two_assessments(manager, woman)
    review = assessments.list_assessments(manager, woman)[-1]
    form = AssessmentForm(woman, assessment_id=review.id)
    async with app_showing(manager, form) as pilot:
        grid = form.query_one(AssessmentGrid)
        assert form.query_one("#kind", ChoiceField).value == "review"
        assert "Correct assessment" in screen_text(pilot.app)
        rows = screen_text(pilot.app)
        assert "H 3" in rows and "M 5" in rows  # the baseline beside each area
        assert grid.entries["MH"].score == 6
        await pilot.press("down", "down", "down", "7", "ctrl+s")
        await settle(pilot)
    updated = assessments.get_assessment(manager, review.id)
    assert updated.item("MH") is not None and updated.item("MH").score == 7  # type: ignore[union-attr]


async def test_outcomes_form_one_key_per_question(manager: Ctx) -> None:
    woman = insert_woman(manager.store, "Ama", "Owusu", children=0)
    outcomes.record_outcomes(
        manager,
        woman,
        kind="baseline",
        date=date(2026, 3, 1),
        answers={"felt_safe": 2},
    )
    form = OutcomesForm(woman)
    async with app_showing(manager, form) as pilot:
        text = screen_text(pilot.app)
        assert "Outcome questions · Ama Owusu" in text and "n/a" in text
        assert form.query_one("#kind", ChoiceField).value == "review"
        await pilot.press("4", "3", "minus", "5")  # parenting: not asked, she has no children
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is not form
    latest = outcomes.list_outcomes(manager, woman)[-1]
    assert (latest.kind, latest.date) == ("review", TODAY)
    assert latest.answers == (("felt_safe", 4), ("health_wellbeing", 3))


async def test_distance_screen_keys(manager: Ctx) -> None:
    woman = insert_woman(manager.store, "Ama", "Owusu")
    _two_assessments(manager, woman)
    screen = DistanceScreen(woman)
    async with app_showing(manager, screen) as pilot:
        text = screen_text(pilot.app)
        assert "Distance travelled · Ama Owusu" in text
        assert "+3 better" in text and "-1 worse" in text and "not scored yet" in text
        assert "none recorded yet" in text
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AssessmentForm)
        assert pilot.app.screen.assessment_id is None
        await pilot.press("escape", "o")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OutcomesForm)
        await pilot.press("3", "ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "(baseline → last): Safer 3\n" in screen_text(pilot.app)
        await pilot.press("enter")  # the newest assessment, to correct
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, AssessmentForm) and form.assessment_id is not None
        await pilot.press("escape", "down", "delete")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert [a.kind for a in assessments.list_assessments(manager, woman)] == ["review"]
        assert "no later score" in screen_text(pilot.app)
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is not screen


async def test_plan_screen_and_goal_form(manager: Ctx) -> None:
    woman = insert_woman(manager.store)
    plans.add_goal(
        manager,
        woman,
        need_area="FIN",
        description="Clear arrears",
        target_date=date(2026, 11, 1),
    )
    screen = PlanScreen(woman, title="Ama Owusu")
    async with app_showing(manager, screen) as pilot:
        text = screen_text(pilot.app)
        assert "Support plan · Ama Owusu" in text and "Clear arrears" in text
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, PlanGoalForm)
        await pilot.press("e")  # typing a code's letters picks the area
        assert form.query_one("#need-area", ChoiceField).value == "ETE"
        await pilot.press("tab", *"Enrol on a course", "tab", *"+30")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is screen
        goals = plans.list_goals(manager, woman)
        new = next(g for g in goals if g.need_area == "ETE")
        assert new.target_date == TODAY + timedelta(days=30)
        # The cursor is on the first goal (open, earliest target): mark it achieved.
        first = goals[0]
        await pilot.press("a")
        await settle(pilot)
        assert {g.id: g.status for g in plans.list_goals(manager, woman)}[first.id] == "achieved"
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PlanGoalForm)
        await pilot.press("escape", "delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert len(plans.list_goals(manager, woman)) == 1


async def test_distance_of_a_woman_not_hers_is_refused(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kim = make_user("kim")
    lee = make_user("lee")
    woman = insert_woman(manager.store, "Ama", "Owusu", keyworker_id=kim.actor.user_id)
    _two_assessments(manager, woman)
    async with app_showing(lee, DistanceScreen(woman)) as pilot:
        assert any("not on your caseload" in n for n in notices(pilot.app))
        assert "Ama" not in screen_text(pilot.app) and "better" not in screen_text(pilot.app)
    async with app_showing(kim, DistanceScreen(woman)) as pilot:
        assert "+3 better" in screen_text(pilot.app)
