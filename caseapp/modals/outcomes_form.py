"""The outcome questions in one quick form: a digit 1-5 each, parenting only where it applies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static

from caseapp.modals.record_form import FormModal
from caseapp.models.codes import ASSESSMENT_KINDS, OUTCOME_QUESTIONS
from caseapp.services import clock, outcomes
from caseapp.services.outcomes import PARENTING, OutcomeSet, OutcomeStart
from caseapp.services.validation import show_date
from caseapp.widgets.choice_bar import ChoiceBar
from caseapp.widgets.safe import safe


class OutcomeGrid(DataTable[Text]):
    """One row per question: 1-5 answers it and moves down, - or Backspace skips it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(n),
                f"answer({n})",
                "Answer 1-5; moves down" if n == 1 else f"Answer {n}",
                id=f"answer-{n}",
                show=n == 1,
            )
            for n in range(outcomes.ANSWER_MIN, outcomes.ANSWER_MAX + 1)
        ),
        Binding("minus,backspace,delete", "skip", "Skip question", id="answer-skip"),
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


class OutcomesForm(FormModal[OutcomeSet]):
    """Her answers to the commissioner's outcome questions at baseline, review or exit."""

    DEFAULT_CSS = """
    OutcomesForm OutcomeGrid { height: 5; margin: 1 0 0 0; }
    """
    HELP = (
        "## Outcome questions\n\n"
        "Ask her each question and type her answer, **1** to **5** (5 is strongly agree, "
        "or much better); each answer moves to the next question. **-** skips a question "
        "she does not answer. Parenting is asked only where she has children.\n\n"
        "*Baseline* and *Last* show her earlier answers. The date and kind are filled in; "
        "Shift+Tab goes back to change them. Answering again on the same day and kind "
        "replaces those answers.\n\n**ctrl+s** saves, **Esc** closes without saving."
    )

    def __init__(self, woman_id: int, *, today: date | None = None) -> None:
        super().__init__()
        self.woman_id = woman_id
        self.today = today or clock.today()

    def compose(self) -> ComposeResult:
        with Vertical(classes="form-box"):
            yield Static("Outcome questions", classes="form-title", id="form-title")
            with Horizontal(classes="form-row"):
                yield Static("Date", classes="form-label")
                yield Input(show_date(self.today), id="date", compact=True, max_length=20)
            with Horizontal(classes="form-row"):
                yield Static("Kind", classes="form-label")
                yield ChoiceBar(list(ASSESSMENT_KINDS.items()), id="kind")
            yield OutcomeGrid(id="grid")
            yield Static(
                "1 much worse / strongly disagree  …  5 much better / strongly agree",
                classes="form-hint",
            )
            yield Static("", classes="form-error")
            yield Static("1-5 answer · - skip · ctrl+s save · Esc cancel", classes="form-hint")

    def on_mount(self) -> None:
        self.query_one(OutcomeGrid).focus()
        ctx, woman_id = self.ctx, self.woman_id
        self.load(lambda: outcomes.start_outcomes(ctx, woman_id))

    def loaded(self, data: object) -> None:
        assert isinstance(data, OutcomeStart)
        self.query_one("#form-title", Static).update(
            Text.assemble(
                ("Outcome questions · ", "bold"), safe(data.name, limit=40), f" ({data.reference})"
            )
        )
        self.query_one("#kind", ChoiceBar).value = data.suggested_kind
        self.query_one(OutcomeGrid).fill(data)

    def submit(self) -> Callable[[], OutcomeSet] | None:
        grid = self.query_one(OutcomeGrid)
        answers = {q: v for q, v in grid.answers.items() if grid.applies(q)}
        kind = self.query_one("#kind", ChoiceBar).value
        when = self.query_one("#date", Input).value
        ctx, woman_id, today = self.ctx, self.woman_id, self.today
        return lambda: outcomes.record_outcomes(
            ctx, woman_id, kind=kind, date=when, answers=answers, today=today
        )
