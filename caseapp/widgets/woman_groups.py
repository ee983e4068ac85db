"""The group sessions on her record, newest first: a tab for the woman's record screen."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from caseapp.errors import CaseappError
from caseapp.logsetup import log_exception
from caseapp.models.codes import ATTENDANCE, label
from caseapp.services import group_register
from caseapp.services.group_register import WomanGroup
from caseapp.services.validation import show_date
from caseapp.widgets.safe import safe


class WomanGroupsView(Vertical):
    """Loads her groups (`group_register.groups_for_woman`) when mounted; `reload()` reads again."""

    DEFAULT_CSS = """
    WomanGroupsView { height: 1fr; }
    WomanGroupsView DataTable { height: 1fr; }
    WomanGroupsView #woman-groups-summary { padding: 0 1; color: $text-muted; height: 1; }
    """

    class GroupsLoaded(Message):
        """Her group sessions were read."""

        def __init__(self, rows: list[WomanGroup]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self, woman_id: int, *, id: str | None = "woman-groups") -> None:
        super().__init__(id=id)
        self.woman_id = woman_id
        self.rows: list[WomanGroup] = []

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="woman-groups-summary")
        yield DataTable(cursor_type="row", id="woman-groups-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Date", key="date", width=10)
        table.add_column("Group", key="title", width=30)
        table.add_column("Hub", key="hub", width=14)
        table.add_column("Attendance", key="mark", width=15)
        self.reload()

    @work(thread=True, exit_on_error=False, exclusive=True, group="woman-groups")
    def reload(self) -> None:
        """Read her group sessions again."""
        ctx = getattr(self.app, "ctx", None)
        if ctx is None:
            raise CaseappError("The store is locked.")
        self.post_message(self.GroupsLoaded(group_register.groups_for_woman(ctx, self.woman_id)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refusal (not her woman, or locked) is said here and as a notification."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, CaseappError):
            message = str(error)
        else:
            log_exception("woman groups", error or RuntimeError("unknown"))
            message = "Her groups could not be read; details are in the log."
        self.query_one("#woman-groups-summary", Static).update(safe(message))
        self.notify(message, title="Not shown", severity="error", markup=False)

    def on_woman_groups_view_groups_loaded(self, message: GroupsLoaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        came = 0
        for row in self.rows:
            cancelled = row.status == "cancelled"
            counted = not cancelled and row.attendance in ("attended", "late")
            came += counted
            mark = "Cancelled" if cancelled else label(ATTENDANCE, row.attendance)
            table.add_row(
                Text(show_date(row.date)),
                safe(row.title, limit=30, style="strike dim" if cancelled else ""),
                safe(row.hub, limit=14),
                Text(mark, style="" if counted else "dim"),
                key=f"{row.session_id}",
            )
        summary = (
            f"Came to {came} of {len(self.rows)} group sessions she was registered for."
            if self.rows
            else "Not on any group register yet."
        )
        self.query_one("#woman-groups-summary", Static).update(summary)
