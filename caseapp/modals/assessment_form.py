"""The needs assessment form: ten need areas in a grid, a level letter and a score for each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Static

from caseapp.errors import CaseappError
from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import ASSESSMENT_KINDS, NEED_AREAS, NEED_LEVELS
from caseapp.services import assessments
from caseapp.services.assessments import AssessmentStart, AssessmentView, ItemInput
from caseapp.services.validation import show_date
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput

LEVEL_KEYS = {"n": "none", "l": "low", "m": "medium", "h": "high"}
LEVEL_SHORT = {"none": "N", "low": "L", "medium": "M", "high": "H"}


class AreaEntry:
    """What has been typed for one need area (mutable while the form is open)."""

    __slots__ = ("level", "note", "score")

    def __init__(self, level: str | None = None, score: int | None = None, note: str = "") -> None:
        self.level = level
        self.score = score
        self.note = note


def _short(level: str | None, score: int | None) -> str:
    if level is None and score is None:
        return ""
    return f"{LEVEL_SHORT.get(level or '', '-')} {score if score is not None else '-'}"


class AssessmentGrid(DataTable[Text]):
    """The ten need areas: type n/l/m/h for the level, then 1-9 or 0 (for 10) for the score."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                key,
                f"level('{code}')",
                "Level" if key == "n" else f"Level {NEED_LEVELS[code]}",
                key_display="n l m h" if key == "n" else None,
                id=f"level-{code}",
                show=key == "n",
            )
            for key, code in LEVEL_KEYS.items()
        ),
        *(
            Binding(
                str(digit),
                f"score({digit or 10})",
                "Score, moves down" if digit == 1 else f"Score {digit or 10}",
                key_display="1-9 0=10" if digit == 1 else None,
                id=f"score-{digit}",
                show=digit == 1,
            )
            for digit in range(10)
        ),
        Binding("backspace,delete", "clear", "Clear", id="area-clear"),
        Binding("enter", "select_cursor", "Note", id="area-note"),
    ]

    class AreaChanged(Message):
        """The cursor moved to another area."""

        def __init__(self, area: str) -> None:
            super().__init__()
            self.area = area

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, id=id)
        self.entries: dict[str, AreaEntry] = {area: AreaEntry() for area in NEED_AREAS}
        self.previous: AssessmentView | None = None

    def on_mount(self) -> None:
        self.add_column("Need area", key="area", width=33)
        self.add_column("Level", key="level", width=6)
        self.add_column("Score", key="score", width=5)
        self.add_column("Before", key="before", width=6)
        self.add_column("Note", key="note", width=11)
        for area, label in NEED_AREAS.items():
            self.add_row(
                Text(f"{area:<4}{label}", overflow="ellipsis", no_wrap=True),
                Text(""),
                Text(""),
                Text(""),
                Text(""),
                key=area,
            )

    @property
    def area(self) -> str:
        """The need area under the cursor."""
        return list(NEED_AREAS)[self.cursor_row]

    def show(self, area: str) -> None:
        """Redraw one area's cells from its entry."""
        entry = self.entries[area]
        self.update_cell(area, "level", Text(NEED_LEVELS[entry.level] if entry.level else ""))
        score = Text(str(entry.score) if entry.score else "", justify="right")
        self.update_cell(area, "score", score)
        self.update_cell(area, "note", safe(entry.note, limit=11))
        before = self.previous.item(area) if self.previous else None
        was = _short(before.level, before.score) if before else ""
        self.update_cell(area, "before", Text(was, style="dim"))

    def fill(self, current: AssessmentView | None, previous: AssessmentView | None) -> None:
        """Show the assessment being corrected (if any) and the one before it."""
        self.previous = previous
        for area in NEED_AREAS:
            item = current.item(area) if current else None
            self.entries[area] = (
                AreaEntry(item.level, item.score, item.note) if item else AreaEntry()
            )
            self.show(area)

    def action_level(self, level: str) -> None:
        """Set the level of the area under the cursor."""
        self.entries[self.area].level = level
        self.show(self.area)

    def action_score(self, score: int) -> None:
        """Set the score and move to the next area (scores are one key: 0 means 10)."""
        self.entries[self.area].score = score
        self.show(self.area)
        self.action_cursor_down()

    def action_clear(self) -> None:
        """Clear the level, score and note of the area under the cursor."""
        self.entries[self.area] = AreaEntry()
        self.show(self.area)

    def watch_cursor_coordinate(self, old: object, new: object) -> None:
        super().watch_cursor_coordinate(old, new)  # type: ignore[arg-type]
        self.post_message(self.AreaChanged(self.area))


class AssessmentForm(FieldForm[AssessmentView]):
    """A new needs assessment for a woman, or a correction of one (`assessment_id`)."""

    DEFAULT_CSS = """
    AssessmentForm AssessmentGrid { height: 11; margin: 0; }
    """
    HELP = (
        "## Needs assessment\n\n"
        "The date and kind are filled in (baseline for her first, then review); Shift+Tab "
        "goes back to change them (type **b**, **r** or **e** for the kind).\n\n"
        "In the grid, for each need area type the level letter (**n**one, **l**ow, "
        "**m**edium, **h**igh) then the score **1**-**9**, or **0** for 10 (10 is best): "
        "the score moves to the next area. Backspace clears an area, Enter writes a note "
        "for it (Enter again returns to the grid). *Before* shows her previous assessment."
        "\n\n**ctrl+s** saves, **Esc** closes without saving."
    )
    KEYS_HINT = "n l m h level · 1-9, 0=10 score · Enter area note · ctrl+s saves · Esc"

    class StartLoaded(Message):
        """Who she is and her previous assessment were read."""

        def __init__(self, start: AssessmentStart) -> None:
            super().__init__()
            self.start = start

    def __init__(self, woman_id: int, *, assessment_id: int | None = None) -> None:
        super().__init__("Needs assessment")
        self.woman_id = woman_id
        self.assessment_id = assessment_id
        self.start: AssessmentStart | None = None
        self.note_area = next(iter(NEED_AREAS))

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Date", DateInput(self.ctx.clock.today(), id="date"), "date")
        yield FieldRow("Kind", ChoiceField(ASSESSMENT_KINDS, "baseline", id="kind"), "kind")
        yield AssessmentGrid(id="grid")
        yield FieldRow(
            f"Note for {self.note_area}",
            CompactInput(
                "",
                "note for this area (Enter returns to the grid)",
                id="area-note",
                max_length=assessments.ITEM_NOTE_LIMIT,
            ),
            "area_note",
        )
        yield FieldRow("Overall note", CompactInput("", "optional", id="note"), "note")

    def on_mount(self) -> None:
        # After FieldForm has focused the first field: typing starts in the grid.
        self.call_after_refresh(self.query_one(AssessmentGrid).focus)
        self._load_start()

    @work(thread=True, exit_on_error=False, group="form-load")
    def _load_start(self) -> None:
        try:
            start = assessments.start_assessment(
                self.ctx, self.woman_id, assessment_id=self.assessment_id
            )
        except CaseappError as error:
            self.post_message(self.Failed(error))
        else:
            self.post_message(self.StartLoaded(start))

    def on_assessment_form_start_loaded(self, message: StartLoaded) -> None:
        data = message.start
        self.start = data
        verb = "Correct assessment" if data.current else "Needs assessment"
        self.query_one("#form-title", Static).update(
            Text.assemble((f"{verb} · ", "bold"), safe(data.name, limit=40), f" ({data.reference})")
        )
        self.query_one("#kind", ChoiceField).value = data.suggested_kind
        if data.current is not None:
            self.query_one("#date", DateInput).value = show_date(data.current.date)
            self.query_one("#note", CompactInput).value = data.current.note
        self.query_one(AssessmentGrid).fill(data.current, data.previous)
        self._show_note(self.note_area)
        # What was read is not what she typed; a draft (if any) goes on top of it.
        self.mark_pristine()
        if self.restore_content:
            self.apply(self.restore_content)

    def snapshot(self) -> dict[str, Any]:
        """The fields and every area's level, score and note (the note row only mirrors one)."""
        values = super().snapshot()
        values.pop("area_note", None)
        grid = self.query_one(AssessmentGrid)
        values["areas"] = {a: [e.level, e.score, e.note] for a, e in grid.entries.items()}
        return values

    def apply(self, content: dict[str, Any]) -> None:
        """Fields, then each area's entry from a draft."""
        super().apply({k: v for k, v in content.items() if k != "area_note"})
        grid = self.query_one(AssessmentGrid)
        areas = content.get("areas")
        if isinstance(areas, dict) and grid.row_count:
            for area, entry in areas.items():
                if area in grid.entries and isinstance(entry, list) and len(entry) == 3:
                    grid.entries[area] = AreaEntry(entry[0], entry[1], str(entry[2] or ""))
                    grid.show(area)
            self._show_note(self.note_area)

    def _show_note(self, area: str) -> None:
        self.note_area = area
        row = next(r for r in self.query(FieldRow) if r.field == "area_note")
        row.query_one(".field-label", Label).update(f"Note for {area}")
        note_input = self.query_one("#area-note", CompactInput)
        with note_input.prevent(Input.Changed):
            note_input.value = self.query_one(AssessmentGrid).entries[area].note

    @on(AssessmentGrid.AreaChanged)
    def _area_changed(self, message: AssessmentGrid.AreaChanged) -> None:
        self._show_note(message.area)

    @on(DataTable.RowSelected, "#grid")
    def _edit_note(self) -> None:
        self.query_one("#area-note", CompactInput).focus()

    @on(Input.Changed, "#area-note")
    def _note_typed(self, message: Input.Changed) -> None:
        grid = self.query_one(AssessmentGrid)
        grid.entries[self.note_area].note = message.value
        grid.show(self.note_area)

    @on(Input.Submitted, "#area-note")
    def _note_done(self, message: Input.Submitted) -> None:
        message.prevent_default()  # Enter here returns to the grid; it does not save
        message.stop()
        self.query_one(AssessmentGrid).focus()

    def collect(self) -> dict[str, Any]:
        grid = self.query_one(AssessmentGrid)
        return {
            "kind": self.value("kind"),
            "date": self.value("date"),
            "note": self.value("note"),
            "items": [
                ItemInput(area, entry.level, entry.score, entry.note)
                for area, entry in grid.entries.items()
            ],
        }

    def perform(self, data: Any) -> AssessmentView:
        if self.assessment_id is None:
            return assessments.record_assessment(self.ctx, self.woman_id, **data)
        return assessments.update_assessment(self.ctx, self.assessment_id, **data)
