"""Group sessions, newest first: every session for a manager, her own for a keyworker."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import get_current_worker

from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.group_session_form import GroupSessionForm
from caseapp.screens.base import CaseScreen
from caseapp.screens.register import RegisterScreen, session_heading
from caseapp.services import groups
from caseapp.services.groups import GroupSessionView, Register, SessionChoices
from caseapp.services.validation import show_date
from caseapp.widgets.fast_table import FastTable
from caseapp.widgets.safe import safe


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

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Group sessions", style="bold"), id="groups-title")
        yield Input(
            id="groups-search", compact=True, placeholder="/ to filter by title or reference"
        )
        yield FastTable(id="groups-table")
        yield Static("", id="groups-empty")
        yield Footer()

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
        """Read the list again with the current filter."""
        self._load(self.query_one("#groups-search", Input).value)

    @work(thread=True, exit_on_error=False, exclusive=True, group="groups-read")
    def _load(self, typed: str) -> None:
        # A filter already typed past is not read at all.
        if get_current_worker().is_cancelled:
            return
        sessions = groups.list_sessions(self.ctx, search=typed)
        if not get_current_worker().is_cancelled:
            self.post_message(self.SessionsLoaded(typed, sessions))

    @on(Input.Changed, "#groups-search")
    def _filter_typed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#groups-search")
    def _filter_done(self) -> None:
        self.query_one("#groups-table", DataTable).focus()

    def on_groups_screen_sessions_loaded(self, message: SessionsLoaded) -> None:
        if message.typed != self.query_one("#groups-search", Input).value:
            return
        table = self.query_one("#groups-table", FastTable)
        self.sessions = message.sessions
        rows = []
        for view in self.sessions:
            cancelled = view.status == "cancelled"
            title = safe(view.title, limit=23, style="strike dim" if cancelled else "")
            cells = (
                Text(show_date(view.date)),
                Text(view.reference, style="dim"),
                title,
                safe(view.facilitator, limit=12),
                Text("cancelled", style="dim") if cancelled else attendance_cell(view),
            )
            rows.append((str(view.id), cells))
        # Back from a register, the same sessions only have their counts redrawn.
        table.show_rows(rows, keep_cursor=True)
        empty = ""
        if not self.sessions:
            empty = "No sessions match." if message.typed else "No sessions yet: n starts one."
        self.query_one("#groups-empty", Static).update(empty)
        self.refresh_bindings()

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
