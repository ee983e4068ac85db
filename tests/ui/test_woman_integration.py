"""Her record reaches assessments, the support plan, outcomes, groups and subject requests."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Input, TabbedContent

from caseapp.modals.assessment_form import AssessmentForm
from caseapp.modals.outcomes_form import OutcomesForm
from caseapp.screens.distance import DistanceScreen
from caseapp.screens.plan import PlanScreen
from caseapp.screens.subject_requests import SubjectRequestsScreen
from caseapp.screens.woman import WomanScreen
from caseapp.services import plans
from caseapp.services.context import Ctx
from caseapp.widgets.woman_groups import WomanGroupsView
from tests.harness.app import make_app, screen_text, settle
from tests.harness.clock import TODAY, fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman
from tests.ui.test_keyworker_woman import open_her


async def test_needs_plan_and_outcomes_open_from_her_record(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    woman = add_woman(anna)
    plans.add_goal(
        anna,
        woman.id,
        need_area="ACC",
        description="Keep the tenancy",
        target_date="2027-01-31",
    )
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, DistanceScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, AssessmentForm)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        assert "Keep the tenancy" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, OutcomesForm)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_groups_tab_and_requests_are_for_the_right_people(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    anna = make_user("anna")
    woman = add_woman(anna)
    app = make_app(anna)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_her(pilot, woman.id)
        await pilot.press("7")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-groups"
        assert screen.query_one(WomanGroupsView).rows == []
        # A keyworker has no subject-access key: it is hidden, and pressing it does nothing.
        assert screen.check_action("requests", ()) is False  # not her role: not offered
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)

    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_her(pilot, woman.id)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, SubjectRequestsScreen)
        assert app.screen.query_one("#requests-ref", Input).value == woman.reference
