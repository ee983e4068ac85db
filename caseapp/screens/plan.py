"""Her support plan: goals per need area, open ones first, overdue ones marked."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.plan_goal_form import PlanGoalForm
from caseapp.models.codes import GOAL_STATUSES, label
from caseapp.screens.base import CaseScreen
from caseapp.services import plans
from caseapp.services.plans import GoalView
from caseapp.services.validation import show_date
from caseapp.widgets.safe import safe

# Partly is h (half-way), not p: p opens the plan from her record, so a double-tapped p must
# never mark a goal.
STATUS_KEYS = {"a": "achieved", "h": "partly_achieved", "x": "not_achieved", "o": "open"}


class PlanScreen(CaseScreen):
    """Pushed from her record with her id: her goals, and keys to mark them."""

    HELP = (
        "## Support plan\n\n"
        "Her goals, open ones first by target date; an open goal past its target is marked "
        "**overdue** (it also shows on her keyworker's home screen).\n\n"
        "**n** adds a goal, **Enter** or **e** changes the selected one. Mark it with "
        "**a** achieved, **h** partly (half-way) achieved, **x** not achieved, **o** open again. "
        "**Delete** removes a goal added in error."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_goal", "New goal", id="plan-new"),
        Binding("e", "edit_goal", "Change", id="plan-edit", show=False),  # as Enter does
        Binding("a", "mark('achieved')", "Achieved", id="plan-achieved"),
        Binding("h", "mark('partly_achieved')", "Partly", id="plan-partly"),
        Binding("x", "mark('not_achieved')", "Not met", id="plan-not"),
        Binding("o", "mark('open')", "Reopen", id="plan-open", show=False),
        Binding("delete", "delete_goal", "Delete", id="plan-delete", show=False),
        Binding("escape", "back", "Back", id="plan-back"),
    ]
    PALETTE = (("New support plan goal", "new_goal", "Add a goal to her support plan"),)

    class GoalsLoaded(Message):
        """Her goals were read."""

        def __init__(self, goals: list[GoalView]) -> None:
            super().__init__()
            self.goals = goals

    def __init__(self, woman_id: int, *, title: str = "") -> None:
        super().__init__()
        self.woman_id = woman_id
        self.title_text = title
        self.goals: list[GoalView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        heading = Text.assemble(("Support plan", "bold"))
        if self.title_text:
            heading.append(" · ")
            heading.append_text(safe(self.title_text, limit=60))
        yield Static(heading, id="plan-title")
        yield DataTable(id="plan-goals", cursor_type="row")
        yield Static("", id="plan-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#plan-goals", DataTable)
        table.add_column("Area", key="area", width=4)
        table.add_column("Goal", key="goal", width=38)
        table.add_column("Target", key="target", width=10)
        table.add_column("Status", key="status", width=15)
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read her goals again."""
        self._load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="plan")
    def _load(self) -> None:
        self.post_message(self.GoalsLoaded(plans.list_goals(self.ctx, self.woman_id)))

    def on_plan_screen_goals_loaded(self, message: GoalsLoaded) -> None:
        today = self.ctx.clock.today()
        table = self.query_one("#plan-goals", DataTable)
        keep = table.cursor_row
        table.clear()
        self.goals = message.goals
        for goal in self.goals:
            overdue = goal.is_overdue(today)
            status = Text(
                "Overdue" if overdue else label(GOAL_STATUSES, goal.status),
                style="bold red" if overdue else ("dim" if goal.status != "open" else ""),
            )
            table.add_row(
                Text(goal.need_area),
                safe(goal.description, limit=38),
                Text(show_date(goal.target_date)),
                status,
                key=str(goal.id),
            )
        if self.goals:
            table.move_cursor(row=min(keep, len(self.goals) - 1))
        empty = "" if self.goals else "No goals yet: press n to add the first."
        self.query_one("#plan-empty", Static).update(empty)
        self.refresh_bindings()
        self.resume_draft()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that act on a goal need one selected."""
        if action in ("edit_goal", "mark", "delete_goal"):
            return True if self.goals else None
        return True

    def _selected(self) -> GoalView | None:
        table = self.query_one("#plan-goals", DataTable)
        if not self.goals:
            return None
        return self.goals[min(max(table.cursor_row, 0), len(self.goals) - 1)]

    def _after_form(self, result: GoalView | None) -> None:
        if result is not None:
            self.notify("Goal saved.", markup=False)
            self.reload()

    def draft_route(self) -> dict[str, object] | None:
        """Her plan opens again from her id (and the name shown in the title)."""
        return {"screen": "plan", "woman_id": self.woman_id, "title": self.title_text}

    def action_new_goal(self) -> None:
        """Add a goal."""
        self.open_form(PlanGoalForm(self.woman_id), self._after_form, spec={"action": "new_goal"})

    @on(DataTable.RowSelected, "#plan-goals")
    def _goal_chosen(self) -> None:
        self.action_edit_goal()

    def action_edit_goal(self, goal_id: int | None = None) -> None:
        """Change the selected goal (or goal `goal_id`, when a draft opens again)."""
        goal = self._selected()
        if goal_id is not None:
            goal = next((g for g in self.goals if g.id == goal_id), None)
        if goal is not None:
            form = PlanGoalForm(self.woman_id, goal=goal)
            spec = {"action": "edit_goal", "args": [goal.id]}
            self.open_form(form, self._after_form, spec=spec)

    def action_mark(self, status: str) -> None:
        """Mark the selected goal."""
        goal = self._selected()
        if goal is not None and goal.status != status:
            self._write(lambda: plans.set_goal_status(self.ctx, goal.id, status))

    def action_delete_goal(self) -> None:
        """Ask, then delete the selected goal."""
        goal = self._selected()
        if goal is None:
            return
        question = Text("Delete this goal? Only for one added in error; a goal she did not ")
        question.append("reach is marked x (not achieved).\n\n")
        question.append_text(safe(goal.description, limit=200))

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(lambda: plans.delete_goal(self.ctx, goal.id))

        self.app.push_screen(ConfirmModal(question), answered)

    class GoalChanged(Message):
        """A goal was marked or deleted."""

    @work(thread=True, exit_on_error=False, group="plan-write")
    def _write(self, call: object) -> None:
        assert callable(call)
        call()
        self.post_message(self.GoalChanged())

    def on_plan_screen_goal_changed(self) -> None:
        self.reload()

    def action_back(self) -> None:
        """Back to her record."""
        self.dismiss()
