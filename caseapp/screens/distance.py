"""Her distance travelled: baseline against latest score per need area, and every assessment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from caseapp.modals.assessment_form import LEVEL_SHORT, AssessmentForm
from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.outcomes_form import OutcomesForm
from caseapp.models.codes import ASSESSMENT_KINDS, NEED_AREAS, OUTCOME_QUESTIONS, label
from caseapp.screens.base import CaseScreen
from caseapp.services import assessments, outcomes
from caseapp.services.assessments import AssessmentView, DistanceTravelled
from caseapp.services.outcomes import OutcomeStart
from caseapp.services.validation import show_date
from caseapp.widgets.distance_chart import DistanceChart
from caseapp.widgets.safe import safe

OUTCOME_SHORT = {
    "felt_safe": "Safer",
    "health_wellbeing": "Health",
    "financial_management": "Money",
    "parenting": "Parenting",
}


@dataclass(frozen=True)
class _Progress:
    """What the screen shows: the distance travelled and her outcome answers."""

    distance: DistanceTravelled
    outcomes: OutcomeStart


def outcome_line(start: OutcomeStart) -> Text:
    """`Outcomes (baseline → last): Safer 2→4 · Health 3 · …` (3: no answer since baseline)."""
    line = Text("Outcomes (baseline → last): ", style="bold")
    parts = []
    for question in OUTCOME_QUESTIONS:
        base, last = start.baseline_score(question), start.latest_score(question)
        if base is None:
            continue
        parts.append(f"{OUTCOME_SHORT[question]} {base}" + (f"→{last}" if last else ""))
    line.append(" · ".join(parts) if parts else "none recorded yet (o to record)")
    return line


def _cell(view: AssessmentView, area: str) -> Text:
    item = view.item(area)
    if item is None:
        return Text("")
    if item.score is not None:
        return Text(str(item.score), justify="right")
    return Text(LEVEL_SHORT.get(item.level or "", ""), justify="right", style="dim")


class DistanceScreen(CaseScreen):
    """Pushed from her record with her id: the chart, her outcomes, her assessment history."""

    HELP = (
        "## Distance travelled\n\n"
        "For each need area, her **baseline** score (the first baseline assessment that "
        "scored it) against her **latest** score, out of 10 where 10 is best: green is "
        "better, red worse. Below are her outcome answers and every assessment, newest "
        "first (a letter is a level recorded without a score).\n\n"
        "**n** records a new assessment, **Enter** or **e** corrects the selected one, "
        "**Delete** removes one recorded in error, **o** records her outcome answers."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_assessment", "New assessment", id="distance-new"),
        Binding("e", "edit_assessment", "Correct", id="distance-edit"),
        Binding("delete", "delete_assessment", "Delete", id="distance-delete", show=False),
        Binding("o", "outcomes", "Outcomes", id="distance-outcomes"),
        Binding("escape", "back", "Back", id="distance-back"),
    ]
    PALETTE = (
        ("New needs assessment", "new_assessment", "Assess her ten need areas"),
        ("Record outcome answers", "outcomes", "Her 1-5 answers at baseline, review or exit"),
    )

    class AssessmentDeleted(Message):
        """An assessment was deleted."""

    class ProgressLoaded(Message):
        """Her distance travelled and outcome answers were read."""

        def __init__(self, progress: _Progress) -> None:
            super().__init__()
            self.progress = progress

    def __init__(self, woman_id: int) -> None:
        super().__init__()
        self.woman_id = woman_id
        self.history: list[AssessmentView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Distance travelled", id="distance-title")
        yield DistanceChart(id="distance-chart")
        yield Static("", id="distance-outcomes")
        yield DataTable(id="distance-history", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#distance-history", DataTable)
        table.add_column("Date", key="date", width=10)
        table.add_column("Kind", key="kind", width=8)
        for area in NEED_AREAS:
            table.add_column(area, key=area, width=3)
        table.focus()
        self.refresh_progress()

    def refresh_progress(self) -> None:
        """Read her assessments and outcomes again."""
        self._load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="distance")
    def _load(self) -> None:
        ctx = self.ctx
        progress = _Progress(
            assessments.distance_travelled(ctx, self.woman_id),
            outcomes.start_outcomes(ctx, self.woman_id),
        )
        self.post_message(self.ProgressLoaded(progress))

    def on_distance_screen_progress_loaded(self, message: ProgressLoaded) -> None:
        distance = message.progress.distance
        self.query_one("#distance-title", Static).update(
            Text.assemble(
                ("Distance travelled · ", "bold"),
                safe(distance.name, limit=40),
                f" ({distance.reference})",
            )
        )
        self.query_one(DistanceChart).show(distance.areas)
        self.query_one("#distance-outcomes", Static).update(outcome_line(message.progress.outcomes))
        table = self.query_one("#distance-history", DataTable)
        keep = table.cursor_row
        table.clear()
        self.history = list(reversed(distance.assessments))
        for view in self.history:
            table.add_row(
                Text(show_date(view.date)),
                Text(label(ASSESSMENT_KINDS, view.kind)),
                *(_cell(view, area) for area in NEED_AREAS),
                key=str(view.id),
            )
        if self.history:
            table.move_cursor(row=min(keep, len(self.history) - 1))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Correct and delete need a selected assessment."""
        if action in ("edit_assessment", "delete_assessment"):
            return True if self.history else None
        return True

    def _selected(self) -> AssessmentView | None:
        table = self.query_one("#distance-history", DataTable)
        if not self.history or table.cursor_row < 0:
            return None
        return self.history[min(table.cursor_row, len(self.history) - 1)]

    def _after_form(self, result: object) -> None:
        if result is not None:
            self.notify("Saved.", markup=False)
            self.refresh_progress()

    def action_new_assessment(self) -> None:
        """Open the assessment form for a new assessment."""
        self.app.push_screen(AssessmentForm(self.woman_id), self._after_form)

    @on(DataTable.RowSelected, "#distance-history")
    def action_edit_assessment(self) -> None:
        """Open the selected assessment to correct it."""
        view = self._selected()
        if view is not None:
            self.app.push_screen(
                AssessmentForm(self.woman_id, assessment_id=view.id), self._after_form
            )

    def action_delete_assessment(self) -> None:
        """Ask, then delete the selected assessment."""
        view = self._selected()
        if view is None:
            return
        question = Text(
            f"Delete the {label(ASSESSMENT_KINDS, view.kind).lower()} assessment of "
            f"{show_date(view.date)}? Only do this for one recorded in error."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(view.id)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(thread=True, exit_on_error=False, group="distance-write")
    def _delete(self, assessment_id: int) -> None:
        assessments.delete_assessment(self.ctx, assessment_id)
        self.post_message(self.AssessmentDeleted())

    def on_distance_screen_assessment_deleted(self) -> None:
        self.notify("Assessment deleted.", markup=False)
        self.refresh_progress()

    def action_outcomes(self) -> None:
        """Record her outcome answers."""
        self.app.push_screen(OutcomesForm(self.woman_id), self._after_form)

    def action_back(self) -> None:
        """Back to where she was opened from."""
        self.dismiss()
