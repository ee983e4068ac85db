"""A non-client output: training for the judiciary or professionals, or peer mentors trained."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual import on
from textual.widget import Widget
from textual.widgets import Label

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.services import activities
from caseapp.services.activities import ActivityInput, ActivityView
from caseapp.services.recording import Choice
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.text_fields import CompactInput

TYPE_CHOICES = (
    ("judiciary_training", "Judiciary"),
    ("professional_training", "Professionals"),
    ("peer_mentor_training", "Peer mentors"),
)
PARTICIPANT_WORDS = {
    "judiciary_training": "Attendees",
    "professional_training": "Attendees",
    "peer_mentor_training": "Trained",
}


class ActivityForm(FieldForm[ActivityView]):
    """Record an activity, or correct one (`activity`); returns the saved activity."""

    HELP = (
        "## Activity (non-client output)\n\n"
        "Training delivered to the **judiciary** or to other **professionals** (how many "
        "sessions and attendees), or **peer mentors** trained (how many completed).\n\n"
        "- **Type** and **Hub**: ←/→ or type the first letters.\n"
        "- **Date**: when it happened (not in the future).\n\n"
        "These numbers go into the commissioner's return. Enter or **ctrl+s** saves, "
        "**Esc** closes without saving."
    )

    def __init__(
        self,
        hubs: Sequence[Choice],
        activity: ActivityView | None = None,
    ) -> None:
        super().__init__("Correct activity" if activity else "Record an activity")
        self.hubs = list(hubs)
        self.activity = activity

    def rows(self) -> Iterable[Widget]:
        a = self.activity
        kind = a.type if a else TYPE_CHOICES[0][0]
        yield FieldRow("Type", ChoiceField(TYPE_CHOICES, kind, id="type"), "type")
        yield FieldRow(
            "Date", DateInput(a.date if a else self.ctx.clock.today(), id="date"), "date"
        )
        hub = str(a.hub_id) if a and a.hub_id else None
        yield FieldRow(
            "Hub",
            ChoiceField([(str(c.id), c.label) for c in self.hubs], hub, blank="No hub", id="hub"),
            "hub",
        )
        yield FieldRow(
            "Sessions",
            CompactInput(
                str(a.sessions if a else 1), id="sessions", max_length=4, restrict=r"[0-9]*"
            ),
            "sessions",
        )
        yield FieldRow(
            PARTICIPANT_WORDS[kind],
            CompactInput(
                str(a.participants) if a else "",
                "how many",
                id="participants",
                max_length=6,
                restrict=r"[0-9]*",
            ),
            "participants",
        )
        yield FieldRow(
            "Description",
            CompactInput(
                a.description if a else "",
                "e.g. Magistrates' briefing, Westminster",
                id="description",
                max_length=activities.DESCRIPTION_LIMIT,
            ),
            "description",
        )

    @on(ChoiceField.Changed, "#type")
    def _type_changed(self, message: ChoiceField.Changed) -> None:
        # Peer-mentor training counts people trained; training sessions count attendees.
        row = next(r for r in self.query(FieldRow) if r.field == "participants")
        row.query_one(".field-label", Label).update(PARTICIPANT_WORDS.get(message.value or "", ""))

    def collect(self) -> ActivityInput:
        hub = self.value("hub")
        return ActivityInput(
            type=self.value("type"),
            date=self.value("date"),
            sessions=self.value("sessions"),
            participants=self.value("participants") or "0",
            hub_id=int(hub) if hub else None,
            description=self.value("description"),
        )

    def perform(self, data: Any) -> ActivityView:
        if self.activity is None:
            return activities.record_activity(self.ctx, data)
        return activities.update_activity(self.ctx, self.activity.id, data)
