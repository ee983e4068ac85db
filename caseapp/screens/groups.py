"""Group sessions, newest first: every session for a manager, her own for a keyworker.

The whole list is read once (on opening, and back from a register or a form) and the filter
narrows it on the screen as she types: no read per key, so none answers late or for letters
she has typed past. Only a list longer than `LOADED` is searched in the store, one search at
a time: keys typed meanwhile start none, and when it answers only the text then in the box
is searched (an answer for older text is never shown).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.group_session_form import GroupSessionForm
from caseapp.screens.base import CaseScreen
from caseapp.screens.register import RegisterScreen, session_heading
from caseapp.services import groups
from caseapp.services.groups import GroupSessionView, Register, SessionChoices
from caseapp.services.validation import fold, show_date
from caseapp.widgets.fast_table import Cells, FastTable
from caseapp.widgets.quiet_footer import QuietFooter
from caseapp.widgets.safe import safe

LOADED = 500
"""Sessions read at once: about a year of weekly groups at every hub, filtered on screen."""
ROWS = 100
"""Sessions listed at first: more than fit, so clearing the filter is not paid for 500 rows."""
NEAR_END = 10
"""Moving within this many rows of the last one listed lists the next `ROWS`."""


def attendance_cell(view: GroupSessionView) -> Text:
    """`12+3`: attended on the register plus the anonymous head count."""
    text = Text(str(view.attended), justify="right")
    if view.anonymous_attendees:
        text.append(f"+{view.anonymous_attendees}", style="dim")
    return text


class GroupsScreen(CaseScreen):
    """The list of group sessions; Enter opens a register, n starts a new session."""

    HELP = (
        "## Group sessions\n\n"
        "Newest first. Managers see every session; a keyworker sees the sessions she "
        "facilitates. *Came* is attended (or late) on the register, plus the anonymous head "
        "count. Cancelled sessions are struck through.\n\n"
        "**n** new session (it opens its register, started from the last session of the "
        "same title), **Enter** opens the register, **e** changes the details, **c** cancels "
        "or reinstates, **/** filters by title or reference (Esc returns to the list)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_session", "New session", id="groups-new"),
        Binding("enter", "open_register", "Register", id="groups-open", show=False),
        Binding("e", "edit_session", "Details", id="groups-edit"),
        Binding("c", "toggle_cancelled", "Cancel/reinstate", id="groups-cancel"),
        Binding("slash", "filter", "Filter", key_display="/", id="groups-filter"),
        Binding("escape", "back", "Back", id="groups-back"),
    ]
    PALETTE = (
        ("New group session", "new_session", "Create a session and take its register"),
        ("Filter group sessions", "filter", "By title or reference"),
    )

    class SessionsLoaded(Message):
        """The list of sessions was read."""

        def __init__(self, typed: str, sessions: list[GroupSessionView]) -> None:
            super().__init__()
            self.typed = typed
            self.sessions = sessions

    class SessionChanged(Message):
        """A session was cancelled or reinstated."""

    class ChoicesLoaded(Message):
        """What the session form offers was read; open it (for `session`, or a new one)."""

        def __init__(self, choices: SessionChoices, session: GroupSessionView | None) -> None:
            super().__init__()
            self.choices = choices
            self.session = session

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[GroupSessionView] = []
        # Every session she may see, as last read, each with the words its filter matches.
        self.everything: list[tuple[str, GroupSessionView]] = []
        self.complete = False  # `everything` is all of them: the filter needs no read
        self._reading: str | None = None  # the text being searched in the store now
        self._read_all = False  # the whole list is to be read again
        self._shown: str | None = None  # the text whose sessions are listed
        self._cells: dict[GroupSessionView, Cells] = {}
        self._empty: str | None = None  # what the line under the list says
        self._listed = 0  # how many of `sessions` the table lists (the first ones)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Group sessions", style="bold"), id="groups-title")
        yield Input(
            id="groups-search", compact=True, placeholder="/ to filter by title or reference"
        )
        yield FastTable(id="groups-table")
        yield Static("", id="groups-empty")
        yield QuietFooter()

    def on_mount(self) -> None:
        table = self.query_one("#groups-table", DataTable)
        table.add_column("Date", key="date", width=10)
        table.add_column("Reference", key="reference", width=13)
        table.add_column("Title", key="title", width=23)
        table.add_column("Facilitator", key="facilitator", width=12)
        table.add_column("Came", key="came", width=9)
        table.focus()

    def on_screen_resume(self) -> None:
        # Back from a register or a form (or first shown): counts may have changed.
        self.reload()

    def reload(self) -> None:
        """Read the whole list again (the filter is then applied to it)."""
        self._read_all = True
        self._shown = None
        self._next_read()

    def _typed(self) -> str:
        return self.query_one("#groups-search", Input).value

    def _next_read(self) -> None:
        # One read at a time; whatever is wanted once it answers is read then.
        if self._reading is not None:
            return
        if self._read_all:
            self._read_all = False
            typed = ""
        else:
            typed = self._typed()
            if self.complete or not typed.strip() or typed == self._shown:
                return
        self._reading = typed
        self._load(typed)

    @work(thread=True, exit_on_error=False, group="groups-read")
    def _load(self, typed: str) -> None:
        sessions = groups.list_sessions(self.ctx, search=typed, limit=LOADED)
        if not get_current_worker().is_cancelled:
            self.post_message(self.SessionsLoaded(typed, sessions))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read lets the next one start (CaseScreen's handler shows the error)."""
        if event.worker.group == "groups-read" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._reading = None

    @on(Input.Changed, "#groups-search")
    def _filter_typed(self) -> None:
        if self.complete or not self._typed().strip():
            self._show_matching()
        else:
            self._next_read()

    def _show_matching(self) -> None:
        typed = self._typed()
        words = fold(typed).split()
        found = [view for text, view in self.everything if all(w in text for w in words)]
        self._show(typed, found)

    @on(Input.Submitted, "#groups-search")
    def _filter_done(self) -> None:
        self.query_one("#groups-table", DataTable).focus()

    def on_groups_screen_sessions_loaded(self, message: SessionsLoaded) -> None:
        self._reading = None
        if message.typed == "":
            if not self.everything:
                self.data_shown()
            self.everything = [(fold(f"{v.title} {v.reference}"), v) for v in message.sessions]
            self.complete = len(message.sessions) < LOADED
            self._cells = {}
        if self.complete or not self._typed().strip():
            self._show_matching()
        elif message.typed == self._typed():
            self._show(message.typed, message.sessions)
        self._next_read()  # she typed on while this was read: her latest text

    def _show(self, typed: str, sessions: list[GroupSessionView]) -> None:
        table = self.query_one("#groups-table", FastTable)
        self.sessions = sessions
        self._shown = typed
        # A page, or as far as the cursor (back from a register far down the list).
        self._listed = min(len(sessions), max(ROWS, table.cursor_row + 1))
        # Back from a register, the same sessions only have their counts redrawn.
        table.show_rows(self._rows(sessions[: self._listed]), keep_cursor=True)
        empty = ""
        if not sessions:
            empty = "No sessions match." if typed.strip() else "No sessions yet: n starts one."
        # Changed only when nothing matches or something matches again: a key that still
        # finds sessions redraws the list alone (this line's update lays the screen out).
        if empty != self._empty:
            self._empty = empty
            self.query_one("#groups-empty", Static).update(empty)
            self.refresh_bindings()  # the keys acting on a session need one listed

    def _rows(self, sessions: list[GroupSessionView]) -> list[tuple[str, Cells]]:
        cache = self._cells
        rows = []
        for view in sessions:
            cells = cache.get(view)
            if cells is None:
                cells = cache[view] = self._row_cells(view)
            rows.append((str(view.id), cells))
        return rows

    @on(DataTable.RowHighlighted, "#groups-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        listed = self._listed
        if listed < len(self.sessions) and event.cursor_row >= listed - NEAR_END:
            self._listed = min(len(self.sessions), listed + ROWS)
            table = self.query_one("#groups-table", FastTable)
            table.append_rows(self._rows(self.sessions[listed : self._listed]))

    @staticmethod
    def _row_cells(view: GroupSessionView) -> Cells:
        cancelled = view.status == "cancelled"
        return (
            Text(show_date(view.date)),
            Text(view.reference, style="dim"),
            safe(view.title, limit=23, style="strike dim" if cancelled else ""),
            safe(view.facilitator, limit=12),
            Text("cancelled", style="dim") if cancelled else attendance_cell(view),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that act on a session need one selected."""
        if action in ("open_register", "edit_session", "toggle_cancelled"):
            return True if self.sessions else None
        return True

    def _selected(self) -> GroupSessionView | None:
        table = self.query_one("#groups-table", DataTable)
        if not self.sessions:
            return None
        return self.sessions[min(max(table.cursor_row, 0), len(self.sessions) - 1)]

    def action_new_session(self) -> None:
        """Create a session, then open its register."""
        self._open_form(None)

    @work(thread=True, exit_on_error=False, group="groups-form")
    def _open_form(self, session: GroupSessionView | None) -> None:
        self.post_message(self.ChoicesLoaded(groups.session_choices(self.ctx), session))

    def on_groups_screen_choices_loaded(self, message: ChoicesLoaded) -> None:
        def saved(result: Register | GroupSessionView | None) -> None:
            if isinstance(result, Register):  # a new session: take its register
                self.app.push_screen(RegisterScreen(result.session.id))

        self.app.push_screen(GroupSessionForm(message.choices, message.session), saved)

    @on(DataTable.RowSelected, "#groups-table")
    def action_open_register(self) -> None:
        """Open the selected session's register."""
        view = self._selected()
        if view is not None:
            self.app.push_screen(RegisterScreen(view.id))

    def action_edit_session(self) -> None:
        """Change the selected session's details."""
        view = self._selected()
        if view is not None:
            self._open_form(view)

    def action_toggle_cancelled(self) -> None:
        """Cancel the selected session (after asking) or reinstate it."""
        view = self._selected()
        if view is None:
            return
        if view.status == "cancelled":
            self._set_status(view.id, cancel=False)
            return
        question = Text("Cancel this session? Its register is kept but it counts for nothing ")
        question.append("in the return until it is reinstated.\n\n")
        question.append_text(session_heading(view))

        def answered(yes: bool | None) -> None:
            if yes:
                self._set_status(view.id, cancel=True)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(thread=True, exit_on_error=False, group="groups-write")
    def _set_status(self, session_id: int, *, cancel: bool) -> None:
        if cancel:
            groups.cancel_session(self.ctx, session_id)
        else:
            groups.reinstate_session(self.ctx, session_id)
        self.post_message(self.SessionChanged())

    def on_groups_screen_session_changed(self) -> None:
        self.reload()

    def action_filter(self) -> None:
        """Focus the filter."""
        self.query_one("#groups-search", Input).focus()

    def action_back(self) -> None:
        """Leave the filter, or go back home."""
        search = self.query_one("#groups-search", Input)
        if search.has_focus:
            self.query_one("#groups-table", DataTable).focus()
            return
        self.dismiss()
