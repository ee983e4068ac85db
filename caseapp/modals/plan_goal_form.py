"""A goal in her support plan: need area, what she is aiming for, target date, status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from caseapp.modals.record_form import FormModal
from caseapp.models.codes import GOAL_STATUSES, NEED_AREAS
from caseapp.services import clock, plans
from caseapp.services.plans import GoalView
from caseapp.services.validation import show_date
from caseapp.widgets.choice_bar import ChoiceBar


class PlanGoalForm(FormModal[GoalView]):
    """Add a goal to her plan, or change one (`goal`); returns the saved goal."""

    DEFAULT_CSS = """
    PlanGoalForm #area-label { color: $text-muted; padding-left: 14; }
    """
    HELP = (
        "## Support plan goal\n\n"
        "**Need area**: left/right, or the underlined letter. **Goal**: what she is aiming "
        "for, in her words where possible. **Target**: when to look at it again "
        "(24/11/2026, or +30 for thirty days from today). When changing a goal, **Status**: "
        "open, achieved, partly achieved or not achieved.\n\n"
        "**ctrl+s** saves, **Esc** closes without saving."
    )

    def __init__(
        self,
        woman_id: int,
        *,
        goal: GoalView | None = None,
        need_area: str | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.woman_id = woman_id
        self.goal = goal
        self.need_area = goal.need_area if goal else (need_area or next(iter(NEED_AREAS)))
        self.today = today or clock.today()

    def compose(self) -> ComposeResult:
        goal = self.goal
        with Vertical(classes="form-box"):
            title = "Change support plan goal" if goal else "New support plan goal"
            yield Static(title, classes="form-title")
            with Horizontal(classes="form-row"):
                yield Static("Need area", classes="form-label")
                yield ChoiceBar(
                    [(code, code) for code in NEED_AREAS], value=self.need_area, id="area"
                )
            yield Static(NEED_AREAS[self.need_area], id="area-label")
            with Horizontal(classes="form-row"):
                yield Static("Goal", classes="form-label")
                yield Input(
                    goal.description if goal else "",
                    id="description",
                    compact=True,
                    max_length=plans.DESCRIPTION_LIMIT,
                    placeholder="what she is aiming for",
                )
            with Horizontal(classes="form-row"):
                yield Static("Target date", classes="form-label")
                yield Input(
                    show_date(goal.target_date) if goal else "",
                    id="target",
                    compact=True,
                    max_length=20,
                    placeholder="24/11/2026 or +30 (days from today)",
                )
            if goal is not None:
                with Horizontal(classes="form-row"):
                    yield Static("Status", classes="form-label")
                    yield ChoiceBar(list(GOAL_STATUSES.items()), value=goal.status, id="status")
            yield Static("", classes="form-error")
            yield Static("Tab next field · ctrl+s save · Esc cancel", classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#description" if self.goal is None else "#status").focus()

    @on(ChoiceBar.Changed, "#area")
    def _area_changed(self, message: ChoiceBar.Changed) -> None:
        self.query_one("#area-label", Static).update(NEED_AREAS.get(message.value, ""))

    def _target(self) -> str:
        """`+30` means thirty days from today; anything else goes to the service as typed."""
        typed = self.query_one("#target", Input).value.strip()
        if typed.startswith("+") and typed[1:].isdigit():
            return show_date(date.fromordinal(self.today.toordinal() + int(typed[1:])))
        return typed

    def submit(self) -> Callable[[], GoalView] | None:
        area = self.query_one("#area", ChoiceBar).value
        text = self.query_one("#description", Input).value
        target = self._target()
        ctx, today, goal = self.ctx, self.today, self.goal
        if goal is None:
            woman_id = self.woman_id
            return lambda: plans.add_goal(
                ctx, woman_id, need_area=area, description=text, target_date=target, today=today
            )
        status = self.query_one("#status", ChoiceBar).value
        return lambda: plans.update_goal(
            ctx,
            goal.id,
            need_area=area,
            description=text,
            target_date=target,
            status=status,
            today=today,
        )
