"""A non-client output: training for the judiciary or professionals, or peer mentors trained."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static

from caseapp.modals.record_form import FormModal
from caseapp.services import activities, clock
from caseapp.services.activities import ActivityInput, ActivityView
from caseapp.services.recording import Choice, hub_choices
from caseapp.services.validation import show_date
from caseapp.widgets.choice_bar import ChoiceBar
from caseapp.widgets.safe import safe

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


class ActivityForm(FormModal[ActivityView]):
    """Record an activity, or correct one (`activity`); returns the saved activity."""

    DEFAULT_CSS = """
    ActivityForm Select { width: 1fr; }
    ActivityForm .form-row Input.number { width: 8; }
    """
    HELP = (
        "## Activity (non-client output)\n\n"
        "Training delivered to the **judiciary** or to other **professionals** (how many "
        "sessions and attendees), or **peer mentors** trained (how many completed). Left "
        "and right, or the underlined letter, choose the type. The date is when it happened "
        "(not in the future). These numbers go into the commissioner's return.\n\n"
        "**ctrl+s** saves, **Esc** closes without saving."
    )

    def __init__(self, activity: ActivityView | None = None, *, today: date | None = None) -> None:
        super().__init__()
        self.activity = activity
        self.today = today or clock.today()

    def compose(self) -> ComposeResult:
        current = self.activity
        with Vertical(classes="form-box"):
            title = "Correct activity" if current else "Record an activity"
            yield Static(title, classes="form-title")
            with Horizontal(classes="form-row"):
                yield Static("Type", classes="form-label")
                yield ChoiceBar(TYPE_CHOICES, value=current.type if current else None, id="type")
            with Horizontal(classes="form-row"):
                yield Static("Date", classes="form-label")
                yield Input(
                    show_date(current.date if current else self.today),
                    id="date",
                    compact=True,
                    max_length=20,
                )
            with Horizontal(classes="form-row"):
                yield Static("Hub", classes="form-label")
                yield Select[int]([], id="hub", compact=True, prompt="(no hub)")
            with Horizontal(classes="form-row"):
                yield Static("Sessions", classes="form-label")
                yield Input(
                    str(current.sessions if current else 1),
                    id="sessions",
                    compact=True,
                    max_length=4,
                    restrict=r"[0-9]*",
                    classes="number",
                )
            with Horizontal(classes="form-row"):
                yield Static("Attendees", classes="form-label", id="participants-label")
                yield Input(
                    str(current.participants) if current else "",
                    id="participants",
                    compact=True,
                    max_length=6,
                    restrict=r"[0-9]*",
                    classes="number",
                )
            with Horizontal(classes="form-row"):
                yield Static("Description", classes="form-label")
                yield Input(
                    current.description if current else "",
                    id="description",
                    compact=True,
                    max_length=activities.DESCRIPTION_LIMIT,
                    placeholder="e.g. Magistrates' briefing, Westminster",
                )
            yield Static("", classes="form-error")
            yield Static("Tab next field · ctrl+s save · Esc cancel", classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#type", ChoiceBar).focus()
        ctx = self.ctx
        self.load(lambda: hub_choices(ctx))

    def loaded(self, data: object) -> None:
        assert isinstance(data, list)
        hubs: list[Choice] = data
        select = self.query_one("#hub", Select)
        select.set_options([(safe(c.label), c.id) for c in hubs])
        if self.activity is not None and self.activity.hub_id is not None:
            select.value = self.activity.hub_id

    @on(ChoiceBar.Changed, "#type")
    def _type_changed(self, message: ChoiceBar.Changed) -> None:
        word = PARTICIPANT_WORDS.get(message.value, "Attendees")
        self.query_one("#participants-label", Static).update(word)

    def submit(self) -> Callable[[], ActivityView] | None:
        hub_value = self.query_one("#hub", Select).value
        entered = ActivityInput(
            type=self.query_one("#type", ChoiceBar).value,
            date=self.query_one("#date", Input).value,
            sessions=self.query_one("#sessions", Input).value,
            participants=self.query_one("#participants", Input).value or "0",
            hub_id=hub_value if isinstance(hub_value, int) else None,
            description=self.query_one("#description", Input).value,
        )
        ctx, today, current = self.ctx, self.today, self.activity
        if current is None:
            return lambda: activities.record_activity(ctx, entered, today=today)
        return lambda: activities.update_activity(ctx, current.id, entered, today=today)
