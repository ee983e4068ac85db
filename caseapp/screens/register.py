"""A group session's register, taken fast: one key marks a woman and moves to the next."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static
from textual.worker import Worker, WorkerState

from caseapp.modals.add_to_register import AddToRegisterModal, HeadCountModal
from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.group_session_form import GroupSessionForm
from caseapp.models.codes import ATTENDANCE, ATTENDED, label
from caseapp.screens.base import CaseScreen
from caseapp.services import group_register, groups
from caseapp.services.groups import GroupSessionView, Register, SessionChoices
from caseapp.services.validation import show_date
from caseapp.widgets.fast_table import FastTable
from caseapp.widgets.quiet_footer import QuietFooter
from caseapp.widgets.safe import safe

if TYPE_CHECKING:
    from caseapp.services.context import Ctx

MARKS = {
    "attended": ("✔ Attended", "green"),
    "late": ("◷ Late", "yellow"),
    "did_not_attend": ("✘ Did not attend", "dim"),
}


def mark_text(code: str) -> Text:
    """How an attendance mark is shown (the words, so colour is never the only signal)."""
    # An imported cancellation has no key here but still reads as words, never as its code.
    words, style = MARKS.get(code, (label(ATTENDANCE, code), "dim"))
    return Text(words, style=style)


def session_heading(view: GroupSessionView) -> Text:
    """`Healthy relationships · 24/11/2026 · North Hub · Maria Manager · GRP-2026-0001`."""
    text = safe(view.title, limit=34, style="bold")
    for part in (show_date(view.date), view.hub, view.facilitator):
        if part:
            text.append(" · ")
            text.append_text(safe(part, limit=20))
    text.append(f" · {view.reference}", style="dim")
    return text


class RegisterScreen(CaseScreen):
    """The register of one session (by id); marks are saved as they are made."""

    HELP = (
        "## Register\n\n"
        "Go down the list: **a** attended, **l** late, **d** did not attend; each marks "
        "her and moves to the next. **space** cycles the mark without moving. **A** marks "
        "everyone attended (then mark the few who were not).\n\n"
        "A new session starts with the women from the last session of the same title, "
        "marked *did not attend* until you mark them; **p** copies them in if it did not.\n\n"
        "**+** adds a woman (search by name; Enter adds; Esc returns here). **Delete** takes "
        "her off. **h** records the anonymous head count: women who came without giving "
        "their names. **e** changes the session's details, **c** cancels the session (or "
        "reinstates it). Every mark is saved at once."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "mark('attended')", "Attended", id="register-attended"),
        Binding("l", "mark('late')", "Late", id="register-late"),
        Binding("d", "mark('did_not_attend')", "Absent", id="register-absent"),
        Binding("space", "cycle", "Cycle", id="register-cycle"),
        Binding("A", "all_attended", "All", id="register-all"),
        Binding("plus,insert", "add", "Add", key_display="+", id="register-add"),
        Binding("h", "head_count", "Count", id="register-count"),
        Binding("delete", "remove", "Remove", id="register-remove", show=False),
        Binding("p", "copy_previous", "Copy last register", id="register-copy", show=False),
        Binding("e", "edit_session", "Session details", id="register-edit", show=False),
        Binding("c", "toggle_cancelled", "Cancel/reinstate", id="register-cancel", show=False),
        Binding("escape", "back", "Back", id="register-back"),
    ]
    PALETTE = (
        ("Add a woman to the register", "add", "Search by name and add her"),
        ("Mark everyone attended", "all_attended", "Then mark the few who were not"),
        ("Anonymous head count", "head_count", "Women who came without giving their names"),
        ("Copy the last register", "copy_previous", "Women from the last session of this title"),
        ("Change session details", "edit_session", "Title, date, hub, facilitator"),
        ("Cancel or reinstate the session", "toggle_cancelled", "A cancelled session counts nil"),
    )

    class RegisterLoaded(Message):
        """The register was read or written; this is how it now stands in the store."""

        def __init__(self, register: Register, *, after_write: bool = False) -> None:
            super().__init__()
            self.register = register
            self.after_write = after_write

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.register: Register | None = None
        self.order: list[int] = []
        self.marks: dict[int, str] = {}
        self.seen: dict[int, bool] = {}
        self.pending: dict[int, str] = {}
        self.saving = False
        # The batch being written now: a lock written before it reaches the store saves it too.
        self._in_flight: dict[int, str] = {}
        # Esc while marks are still being written: go back once they are all in the store.
        self._back_when_saved = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Register", id="register-title")
        yield Static("", id="register-summary")
        yield FastTable(id="register-table")
        yield Static("", id="register-empty")
        yield QuietFooter()

    def on_mount(self) -> None:
        table = self.query_one("#register-table", DataTable)
        table.add_column("#", key="n", width=3)
        table.add_column("Name", key="name", width=34)
        table.add_column("Reference", key="reference", width=14)
        table.add_column("Attendance", key="mark", width=16)
        table.focus()
        self.reload()

    # -- reading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the register from the store."""
        self._load()

    @work(thread=True, exit_on_error=False, exclusive=True, group="register-read")
    def _load(self) -> None:
        self.post_message(
            self.RegisterLoaded(group_register.get_register(self.ctx, self.session_id))
        )

    def on_register_screen_register_loaded(self, message: RegisterLoaded) -> None:
        if message.after_write:
            self.saving = False
            self._in_flight = {}
            if self.pending:
                self._flush()  # marks made while saving: save them, show the store after
                return
            if self._back_when_saved:
                self.dismiss()
                return
        if self.register is None:
            self.data_shown()
        self.show_register(message.register)

    def show_register(self, register: Register) -> None:
        """Redraw everything from `register`, keeping the cursor where it was."""
        self.register = register
        table = self.query_one("#register-table", FastTable)
        self.order = [e.woman_id for e in register.entries]
        self.marks = {e.woman_id: e.attendance for e in register.entries}
        self.seen = {e.woman_id: e.visible for e in register.entries}
        rows = []
        for number, entry in enumerate(register.entries, start=1):
            name = safe(entry.name, limit=34, style="" if entry.visible else "dim italic")
            cells = (
                Text(str(number), style="dim"),
                name,
                Text(entry.reference),
                mark_text(entry.attendance),
            )
            rows.append((str(entry.woman_id), cells))
        # After a mark is saved the register reads back as shown: nothing is redrawn, and
        # the cursor stays on the woman she is about to mark.
        table.show_rows(rows, keep_cursor=True)
        self.query_one("#register-title", Static).update(session_heading(register.session))
        self._summarise()
        self.refresh_bindings()

    def _summarise(self) -> None:
        register = self.register
        if register is None:
            return
        counts = {code: 0 for code in MARKS}
        for mark in self.marks.values():
            counts[mark] = counts.get(mark, 0) + 1
        head = register.session.anonymous_attendees
        present = sum(n for code, n in counts.items() if code in ATTENDED)
        summary = Text()
        if register.session.status == "cancelled":
            summary.append("CANCELLED ", style="bold reverse red")
            summary.append(" (c reinstates) ")
        summary.append(
            f"Attended {counts['attended']} · Late {counts['late']} · "
            f"Did not attend {counts['did_not_attend']} · Head count {head} · "
            f"Total present {present + head}"
        )
        self.query_one("#register-summary", Static).update(summary)
        empty = ""
        if not self.order:
            empty = "Nobody on the register yet: + adds a woman"
            if register.previous is not None and register.can_edit:
                empty += f", p copies the {show_date(register.previous.date)} register"
            empty += "."
        self.query_one("#register-empty", Static).update(empty)

    # -- marking -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim what does not apply: marking needs an open register with women on it."""
        register = self.register
        if action in ("back", "toggle_cancelled", "edit_session"):
            return True
        if register is None or not register.can_edit:
            return None
        if action in ("mark", "cycle", "all_attended", "remove"):
            return True if self.order else None
        if action == "copy_previous":
            return True if register.previous is not None else None
        return True

    def _current(self) -> int | None:
        table = self.query_one("#register-table", DataTable)
        if not self.order or table.cursor_row < 0:
            return None
        woman_id = self.order[min(table.cursor_row, len(self.order) - 1)]
        if not self.seen.get(woman_id, False):
            self.notify(
                "She is not on your caseload: ask a manager to mark her.",
                severity="warning",
                markup=False,
            )
            return None
        return woman_id

    def _set(self, woman_id: int, mark: str) -> None:
        self.marks[woman_id] = mark
        table = self.query_one("#register-table", DataTable)
        table.update_cell(str(woman_id), "mark", mark_text(mark))
        self.pending[woman_id] = mark
        self._summarise()

    def action_mark(self, mark: str) -> None:
        """Mark the woman under the cursor and move to the next."""
        woman_id = self._current()
        if woman_id is not None:
            self._set(woman_id, mark)
            self._flush()
        self.query_one("#register-table", DataTable).action_cursor_down()

    def action_cycle(self) -> None:
        """Attended → late → did not attend → attended, without moving."""
        woman_id = self._current()
        if woman_id is not None:
            self._set(woman_id, group_register.next_attendance(self.marks[woman_id]))
            self._flush()

    def action_all_attended(self) -> None:
        """Mark every woman (that the actor may see) attended."""
        for woman_id in self.order:
            if self.seen.get(woman_id) and self.marks[woman_id] != "attended":
                self._set(woman_id, "attended")
        self._flush()

    def _flush(self) -> None:
        # One write at a time, in the order the keys were pressed; marks made meanwhile
        # are batched into the next write.
        if self.saving or not self.pending:
            return
        batch, self.pending = self.pending, {}
        self.saving = True
        self._in_flight = batch
        self._save_marks(batch)

    def writes_on_lock(self) -> Callable[[Ctx], object] | None:
        """Marks not yet in the store (waiting, or in a write the lock may overtake)."""
        owed = {**self._in_flight, **self.pending}
        if not owed:
            return None
        self.pending, self._in_flight = {}, {}
        session_id = self.session_id
        return lambda ctx: group_register.mark_register(ctx, session_id, owed)

    @work(thread=True, exit_on_error=False, group="register-write")
    def _save_marks(self, batch: dict[int, str]) -> None:
        register = group_register.mark_register(self.ctx, self.session_id, batch)
        self.post_message(self.RegisterLoaded(register, after_write=True))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed write is shown; the register is read again so the screen tells the truth."""
        # CaseScreen's handler (called after this one) shows the error.
        if event.state == WorkerState.ERROR and event.worker.group.startswith("register-write"):
            self.saving = False
            self.pending.clear()
            self._in_flight = {}
            self._back_when_saved = False  # stay: she sees the error and the register as saved
            self.reload()

    # -- other actions -----------------------------------------------------------------------

    def action_add(self) -> None:
        """Search for women and add them."""
        title = self.register.session.title if self.register else ""

        def added(count: int | None) -> None:
            if count:
                self.notify(f"{count} added to the register.", markup=False)
            self.reload()

        self.app.push_screen(AddToRegisterModal(self.session_id, title=title), added)

    def action_remove(self) -> None:
        """Take the woman under the cursor off the register."""
        woman_id = self._current()
        if woman_id is not None:
            self._write_then_show(
                lambda: group_register.remove_from_register(self.ctx, self.session_id, woman_id)
            )

    def action_copy_previous(self) -> None:
        """Add the women from the last session of this title."""
        self._write_then_show(lambda: groups.copy_previous_register(self.ctx, self.session_id))

    @work(thread=True, exit_on_error=False, group="register-write-other")
    def _write_then_show(self, call: object) -> None:
        assert callable(call)
        register = call()
        assert isinstance(register, Register)
        self.post_message(self.RegisterLoaded(register))

    def action_head_count(self) -> None:
        """Record the anonymous head count."""
        if self.register is not None:
            self.app.push_screen(HeadCountModal(self.register.session), lambda _r: self.reload())

    def action_edit_session(self) -> None:
        """Change the title, date, hub or facilitator."""
        if self.register is not None:
            self._open_form(self.register.session)

    class ChoicesLoaded(Message):
        """What the session form offers was read."""

        def __init__(self, choices: SessionChoices, session: GroupSessionView) -> None:
            super().__init__()
            self.choices = choices
            self.session = session

    @work(thread=True, exit_on_error=False, group="register-form")
    def _open_form(self, session: GroupSessionView) -> None:
        self.post_message(self.ChoicesLoaded(groups.session_choices(self.ctx), session))

    def on_register_screen_choices_loaded(self, message: ChoicesLoaded) -> None:
        form = GroupSessionForm(message.choices, message.session)
        self.app.push_screen(form, lambda _r: self.reload())

    def action_toggle_cancelled(self) -> None:
        """Cancel the session (after asking), or reinstate a cancelled one."""
        register = self.register
        if register is None:
            return
        if register.session.status == "cancelled":
            self._status(reinstate=True)
            return
        question = Text("Cancel this session? Its register is kept but it counts for nothing ")
        question.append("in the return until it is reinstated.\n\n")
        question.append_text(session_heading(register.session))

        def answered(yes: bool | None) -> None:
            if yes:
                self._status(reinstate=False)

        self.app.push_screen(ConfirmModal(question), answered)

    @work(thread=True, exit_on_error=False, group="register-write-other")
    def _status(self, *, reinstate: bool) -> None:
        if reinstate:
            groups.reinstate_session(self.ctx, self.session_id)
        else:
            groups.cancel_session(self.ctx, self.session_id)
        self.post_message(
            self.RegisterLoaded(group_register.get_register(self.ctx, self.session_id))
        )

    def action_back(self) -> None:
        """Back to the list of sessions (once every mark made is saved)."""
        if self.saving or self.pending:
            # Closing now would drop the marks still waiting to be written, and the list
            # behind would count without the one being written.
            self._back_when_saved = True
            return
        self.dismiss()
