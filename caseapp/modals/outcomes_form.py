"""The outcome questions in one quick form: a digit 1-5 each, parenting only where it applies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from caseapp.errors import CaseappError
from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import ASSESSMENT_KINDS, OUTCOME_QUESTIONS
from caseapp.services import outcomes
from caseapp.services.outcomes import PARENTING, OutcomeSet, OutcomeStart
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.safe import safe


class OutcomeGrid(DataTable[Text]):
    """One row per question: 1-5 answers it and moves down, - or Backspace skips it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(n),
                f"answer({n})",
                "Answer, moves down" if n == 1 else f"Answer {n}",
                key_display="1-5" if n == 1 else None,
                id=f"answer-{n}",
                show=n == 1,
            )
            for n in range(outcomes.ANSWER_MIN, outcomes.ANSWER_MAX + 1)
        ),
        Binding("minus,backspace,delete", "skip", "Skip", key_display="-", id="answer-skip"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id)
        self.answers: dict[str, int | None] = dict.fromkeys(OUTCOME_QUESTIONS)
        self.start: OutcomeStart | None = None

    def on_mount(self) -> None:
        self.add_column("Question", key="question", width=40)
        self.add_column("Answer", key="answer", width=6)
        self.add_column("Baseline", key="baseline", width=8)
        self.add_column("Last", key="last", width=4)
        for code, label in OUTCOME_QUESTIONS.items():
            self.add_row(Text(label), Text(""), Text(""), Text(""), key=code)

    @property
    def question(self) -> str:
        """The question under the cursor."""
        return list(OUTCOME_QUESTIONS)[self.cursor_row]

    def applies(self, question: str) -> bool:
        """Parenting is asked only unless she is recorded as having no children."""
        return not (
            question == PARENTING and self.start is not None and self.start.has_children is False
        )

    def show(self, question: str) -> None:
        """Redraw one question's answer and her earlier answers."""
        start = self.start
        if not self.applies(question):
            self.update_cell(question, "answer", Text("n/a", style="dim"))
        else:
            value = self.answers[question]
            self.update_cell(
                question, "answer", Text(str(value) if value else "", justify="center")
            )
        base = start.baseline_score(question) if start else None
        last = start.latest_score(question) if start else None
        self.update_cell(question, "baseline", Text(str(base or ""), justify="center", style="dim"))
        self.update_cell(question, "last", Text(str(last or ""), justify="center", style="dim"))

    def fill(self, start: OutcomeStart) -> None:
        """Show her earlier answers and whether parenting applies."""
        self.start = start
        for question in OUTCOME_QUESTIONS:
            self.show(question)

    def action_answer(self, value: int) -> None:
        """Answer the question under the cursor and move to the next."""
        if not self.applies(self.question):
            self.notify(
                "Parenting is asked only where she has children.", severity="warning", markup=False
            )
        else:
            self.answers[self.question] = value
            self.show(self.question)
        self.action_cursor_down()

    def action_skip(self) -> None:
        """Leave the question under the cursor unanswered."""
        self.answers[self.question] = None
        self.show(self.question)
        self.action_cursor_down()


class OutcomesForm(FieldForm[OutcomeSet]):
    """Her answers to the commissioner's outcome questions at baseline, review or exit."""

    DEFAULT_CSS = """
    OutcomesForm OutcomeGrid { height: 5; margin: 1 0 0 0; }
    OutcomesForm .outcome-scale { color: $text-muted; }
    """
    HELP = (
        "## Outcome questions\n\n"
        "Ask her each question and type her answer, **1** to **5** (5 is strongly agree, "
        "or much better); each answer moves to the next question. **-** skips a question "
        "she does not answer. Parenting is asked only where she has children.\n\n"
        "*Baseline* is her first baseline answer, *Last* her latest answer since then. The "
        "date and kind are filled in; Shift+Tab goes back to change them. Answering again "
        "on the same day and kind replaces those answers.\n\n"
        "**ctrl+s** saves, **Esc** closes without saving."
    )
    KEYS_HINT = "1-5 answer (moves down) · - skip · ctrl+s saves · Esc cancels"

    class StartLoaded(Message):
        """Her name, whether she has children and her earlier answers were read."""

        def __init__(self, start: OutcomeStart) -> None:
            super().__init__()
            self.start = start

    def __init__(self, woman_id: int) -> None:
        super().__init__("Outcome questions")
        self.woman_id = woman_id

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Date", DateInput(self.ctx.clock.today(), id="date"), "date")
        yield FieldRow("Kind", ChoiceField(ASSESSMENT_KINDS, "review", id="kind"), "kind")
        yield OutcomeGrid(id="grid")
        yield Static(
            "1 much worse / strongly disagree  …  5 much better / strongly agree",
            classes="outcome-scale",
        )

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one(OutcomeGrid).focus)
        self._load_start()

    @work(thread=True, exit_on_error=False, group="form-load")
    def _load_start(self) -> None:
        try:
            start = outcomes.start_outcomes(self.ctx, self.woman_id)
        except CaseappError as error:
            self.post_message(self.Failed(error))
        else:
            self.post_message(self.StartLoaded(start))

    def on_outcomes_form_start_loaded(self, message: StartLoaded) -> None:
        data = message.start
        self.query_one("#form-title", Static).update(
            Text.assemble(
                ("Outcome questions · ", "bold"), safe(data.name, limit=40), f" ({data.reference})"
            )
        )
        self.query_one("#kind", ChoiceField).value = data.suggested_kind
        self.query_one(OutcomeGrid).fill(data)
        # What was read is not what she typed; a draft (if any) goes on top of it.
        self.mark_pristine()
        if self.restore_content:
            self.apply(self.restore_content)

    def snapshot(self) -> dict[str, Any]:
        """The fields and the answers typed in the grid."""
        values = super().snapshot()
        values["answers"] = dict(self.query_one(OutcomeGrid).answers)
        return values

    def apply(self, content: dict[str, Any]) -> None:
        """Fields, then answers from a draft."""
        super().apply(content)
        grid = self.query_one(OutcomeGrid)
        answers = content.get("answers")
        if isinstance(answers, dict) and grid.row_count:
            for question, value in answers.items():
                if question in grid.answers and (value is None or isinstance(value, int)):
                    grid.answers[question] = value
                    grid.show(question)

    def collect(self) -> dict[str, Any]:
        grid = self.query_one(OutcomeGrid)
        return {
            "kind": self.value("kind"),
            "date": self.value("date"),
            "answers": {q: v for q, v in grid.answers.items() if grid.applies(q)},
        }

    def perform(self, data: Any) -> OutcomeSet:
        return outcomes.record_outcomes(self.ctx, self.woman_id, **data)
