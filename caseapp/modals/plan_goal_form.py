"""A goal in her support plan: need area, what she is aiming for, target date, status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import GOAL_STATUSES, NEED_AREAS
from caseapp.services import plans
from caseapp.services.plans import GoalView
from caseapp.services.validation import show_date
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.text_fields import CompactInput

# "ACC  Accommodation ..." so typing the code's letters finds the area.
AREA_CHOICES = [(code, f"{code}  {label}") for code, label in NEED_AREAS.items()]


def target_from(typed: str, today: date) -> str:
    """`+30` means thirty days from `today`; anything else is passed on as typed."""
    text = typed.strip()
    if text.startswith("+") and text[1:].isdigit():
        return show_date(today + timedelta(days=int(text[1:])))
    return text


class PlanGoalForm(FieldForm[GoalView]):
    """Add a goal to her plan, or change one (`goal`); returns the saved goal."""

    HELP = (
        "## Support plan goal\n\n"
        "- **Need area**: ←/→, or type its code (`pa` for PAR).\n"
        "- **Goal**: what she is aiming for, in her words where possible.\n"
        "- **Target date**: when to look at it again: 24/11/2026, or `+30` for thirty days "
        "from today. An open goal past its target shows as overdue on the home screen.\n"
        "- **Status** (when changing a goal): open, achieved, partly or not achieved.\n\n"
        "Enter or **ctrl+s** saves, **Esc** closes without saving."
    )

    def __init__(
        self,
        woman_id: int,
        *,
        goal: GoalView | None = None,
        need_area: str | None = None,
    ) -> None:
        super().__init__("Change support plan goal" if goal else "New support plan goal")
        self.woman_id = woman_id
        self.goal = goal
        self.need_area = goal.need_area if goal else (need_area or next(iter(NEED_AREAS)))

    def rows(self) -> Iterable[Widget]:
        goal = self.goal
        yield FieldRow(
            "Need area", ChoiceField(AREA_CHOICES, self.need_area, id="need-area"), "need_area"
        )
        yield FieldRow(
            "Goal",
            CompactInput(
                goal.description if goal else "",
                "what she is aiming for",
                id="description",
                max_length=plans.DESCRIPTION_LIMIT,
            ),
            "description",
        )
        yield FieldRow(
            "Target date",
            DateInput(
                goal.target_date if goal else None,
                id="target-date",
                placeholder="24/11/2026, or +30 for 30 days from today",
            ),
            "target_date",
        )
        if goal is not None:
            yield FieldRow("Status", ChoiceField(GOAL_STATUSES, goal.status, id="status"), "status")

    def collect(self) -> dict[str, Any]:
        data = {
            "need_area": self.value("need_area"),
            "description": self.value("description"),
            "target_date": target_from(self.value("target_date"), self.ctx.clock.today()),
        }
        if self.goal is not None:
            data["status"] = self.value("status")
        return data

    def perform(self, data: Any) -> GoalView:
        if self.goal is None:
            return plans.add_goal(self.ctx, self.woman_id, **data)
        return plans.update_goal(self.ctx, self.goal.id, **data)
