"""Non-client outputs, newest first, with this financial year's totals for the return."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from caseapp.modals.activity_form import TYPE_CHOICES, ActivityForm
from caseapp.modals.confirm import ConfirmModal
from caseapp.screens.base import CaseScreen
from caseapp.services import activities
from caseapp.services.activities import ActivityView
from caseapp.services.recording import Choice, hub_choices
from caseapp.services.validation import show_date
from caseapp.widgets.safe import safe

SHORT_TYPES = dict(TYPE_CHOICES)


def financial_year(today: date) -> tuple[date, date]:
    """The financial year (1 April to 31 March) that `today` falls in."""
    start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    return start, date(start.year + 1, 3, 31)


def totals_block(rows: list[ActivityView], today: date) -> Text:
    """This financial year's totals, one line per type, as the return counts them."""
    start, end = financial_year(today)
    in_year = [a for a in rows if start <= a.date <= end]
    text = Text()
    for index, total in enumerate(activities.totals(in_year)):
        lead = f"{start.year}/{str(end.year)[2:]} so far" if index == 0 else ""
        text.append(f"{lead:<16}", style="bold")
        text.append(f"{SHORT_TYPES[total.type]:<15}")
        if total.type == "peer_mentor_training":
            text.append(f"{total.participants:>5} trained")
        else:
            text.append(f"{total.sessions:>5} sessions {total.participants:>6} people")
        if index < 2:
            text.append("\n")
    return text


class ActivitiesScreen(CaseScreen):
    """Every activity for a manager, her own for a keyworker; n records one."""

    HELP = (
        "## Activities (non-client outputs)\n\n"
        "Training for the judiciary and for other professionals, and peer mentors trained: "
        "work with no woman attached that the commissioner's return counts. Managers see "
        "every activity; a keyworker sees those she recorded. The top line totals the "
        "current financial year (1 April to 31 March).\n\n"
        "**n** records an activity, **Enter** or **e** corrects the selected one, "
        "**Delete** removes one recorded in error."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_activity", "New activity", id="activities-new"),
        Binding("e", "edit_activity", "Correct", id="activities-edit"),
        Binding("delete", "delete_activity", "Delete", id="activities-delete"),
        Binding("escape", "back", "Back", id="activities-back"),
    ]
    PALETTE = (
        (
            "Record an activity",
            "new_activity",
            "Training for the judiciary or professionals, peer mentors trained",
        ),
    )

    class ActivitiesLoaded(Message):
        """The list of activities was read."""

        def __init__(self, rows: list[ActivityView], hubs: list[Choice]) -> None:
            super().__init__()
            self.rows = rows
            self.hubs = hubs

    class ActivityDeleted(Message):
        """An activity was deleted."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ActivityView] = []
        self.hubs: list[Choice] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Activities", style="bold"), id="activities-title")
        yield Static("", id="activities-totals")
        yield DataTable(id="activities-table", cursor_type="row")
        yield Static("", id="activities-empty")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#activities-table", DataTable)
        table.add_column("Date", key="date", width=10)
        table.add_column("Type", key="type", width=13)
        table.add_column("Sess.", key="sessions", width=5)
        table.add_column("People", key="people", width=6)
        table.add_column("Hub", key="hub", width=12)
        table.add_column("Description", key="description", width=19)
        table.focus()
        self.reload()

    def reload(self) -> None:
        """Read the activities again."""
        self._load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="activities-read")
    def _load(self) -> None:
        ctx = self.ctx
        self.post_message(self.ActivitiesLoaded(activities.list_activities(ctx), hub_choices(ctx)))

    def on_activities_screen_activities_loaded(self, message: ActivitiesLoaded) -> None:
        self.rows = message.rows
        self.hubs = message.hubs
        self.query_one("#activities-totals", Static).update(
            totals_block(self.rows, self.ctx.clock.today())
        )
        table = self.query_one("#activities-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(
                Text(show_date(row.date)),
                Text(SHORT_TYPES.get(row.type, row.type)),
                Text(str(row.sessions), justify="right"),
                Text(str(row.participants), justify="right"),
                safe(row.hub, limit=12),
                safe(row.description, limit=19),
                key=str(row.id),
            )
        if self.rows:
            table.move_cursor(row=min(max(keep, 0), len(self.rows) - 1))
        empty = "" if self.rows else "No activities recorded yet: n records one."
        self.query_one("#activities-empty", Static).update(empty)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Correct and delete need an activity selected."""
        if action in ("edit_activity", "delete_activity"):
            return True if self.rows else None
        return True

    def _selected(self) -> ActivityView | None:
        table = self.query_one("#activities-table", DataTable)
        if not self.rows:
            return None
        return self.rows[min(max(table.cursor_row, 0), len(self.rows) - 1)]

    def _after_form(self, result: ActivityView | None) -> None:
        if result is not None:
            self.notify("Activity saved.", markup=False)
            self.reload()

    def action_new_activity(self) -> None:
        """Record an activity."""
        self.app.push_screen(ActivityForm(self.hubs), self._after_form)

    @on(DataTable.RowSelected, "#activities-table")
    def action_edit_activity(self) -> None:
        """Correct the selected activity."""
        row = self._selected()
        if row is not None:
            self.app.push_screen(ActivityForm(self.hubs, row), self._after_form)

    def action_delete_activity(self) -> None:
        """Ask, then delete the selected activity."""
        row = self._selected()
        if row is None:
            return
        question = Text(
            f"Delete the {SHORT_TYPES.get(row.type, row.type).lower()} activity of "
            f"{show_date(row.date)}? Only for one recorded in error.\n\n"
        )
        question.append_text(safe(row.description, limit=200))

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(row.id)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(thread=True, exit_on_error=False, group="activities-write")
    def _delete(self, activity_id: int) -> None:
        activities.delete_activity(self.ctx, activity_id)
        self.post_message(self.ActivityDeleted())

    def on_activities_screen_activity_deleted(self) -> None:
        self.notify("Activity deleted.", markup=False)
        self.reload()

    def action_back(self) -> None:
        """Back home."""
        self.dismiss()
