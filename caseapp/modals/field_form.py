"""Forms whose every field shows its own problem underneath, saved through a service.

What she typed stays in the fields when saving fails: the service's `ValidationError.fields`
maps a field name to what to type, and each hint appears under its field. Enter in a one-line
field or ctrl+s saves; Esc cancels, asking first when something was typed. The service runs in
a thread worker.

A form opened from a screen that can be reopened (`CaseScreen.open_form`) keeps a draft of what
she typed in the encrypted store every few seconds and when the store locks, so neither a lock
nor a crash loses it; the draft goes when the form is saved or discarded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from caseapp.errors import CaseappError, ValidationError
from caseapp.logsetup import log_exception
from caseapp.modals.discard import DiscardModal
from caseapp.modals.form_state import read_control, write_control
from caseapp.widgets.choice import ChoiceField, CodeSet
from caseapp.widgets.safe import safe

if TYPE_CHECKING:
    from caseapp.services.context import Ctx

T = TypeVar("T")

AUTOSAVE_SECONDS = 3.0
"""How often an open form with changes is kept as a draft (what a crash can lose at most)."""


class FieldRow(Vertical):
    """A label and its control on one line, and the field's problem (if any) beneath."""

    DEFAULT_CSS = """
    FieldRow { height: auto; }
    FieldRow > Horizontal { height: auto; }
    FieldRow .field-label { width: 16; color: $text-muted; }
    FieldRow .field-error { color: $error; padding-left: 16; display: none; height: auto; }
    FieldRow.-error .field-error { display: block; }
    FieldRow.-error .field-label { color: $error; text-style: bold; }
    """

    def __init__(self, label: str, control: Widget, field: str) -> None:
        super().__init__(classes="field-row")
        self.label = label
        self.control = control
        self.field = field

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label, classes="field-label", markup=False)
            yield self.control
        yield Static("", classes="field-error")

    def show_error(self, hint: str | None) -> None:
        """Show what to type under the field (None clears it)."""
        self.set_class(bool(hint), "-error")
        self.query_one(".field-error", Static).update(safe(hint or ""))


class FieldForm(ModalScreen[T | None], Generic[T]):
    """A form: `rows()` lays out the fields, `collect()` reads them, `perform()` saves.

    `collect` runs on the screen's thread (it reads widgets); `perform` runs in a worker with
    what `collect` returned and calls the service. A `ValidationError` puts each hint under
    its field and focuses the first; any other `CaseappError` is shown at the top.
    """

    DEFAULT_CSS = """
    FieldForm { align: center middle; }
    FieldForm > #form-box {
        width: 78; height: auto; max-height: 22; border: round $accent;
        background: $surface; padding: 0 1;
    }
    FieldForm #form-title { text-style: bold; color: $accent; height: auto; }
    FieldForm #form-message { color: $warning; height: auto; display: none; }
    FieldForm #form-message.-shown { display: block; }
    FieldForm #form-fields { height: auto; max-height: 18; }
    FieldForm #form-keys { color: $text-muted; height: 1; }
    FieldForm TextArea { height: 3; width: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
        # A modal hides the app's bindings, so F1 is bound here too.
        Binding("f1", "app.help", "Help", id="form-help"),
        # Enter in a choice saves too; a note (TextArea) keeps Enter for new lines.
        Binding("enter", "save", "Save", show=False, id="form-enter"),
        Binding("down", "app.focus_next", "Next field", show=False, id="form-next"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="form-previous"),
    ]
    HELP: ClassVar[str] = (
        "## Form\n\nEnter (in a one-line field) or **ctrl+s** saves; **Esc** closes without "
        "saving. Tab or the arrow keys move between fields; in a choice, ←/→ or typing the "
        "first letters choose. If something needs fixing it is said under the field, and "
        "everything you typed stays."
    )
    KEYS_HINT: ClassVar[str] = "Enter or ctrl+s saves · Esc cancels · F1 help"

    class Saved(Message):
        """The service saved; `result` is what it returned."""

        def __init__(self, result: object) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        """The service refused; `error` says why (safe to show)."""

        def __init__(self, error: CaseappError) -> None:
            super().__init__()
            self.error = error

    def __init__(self, title: Text | str) -> None:
        super().__init__()
        self.form_title = title if isinstance(title, Text) else Text(title)
        self.saving = False
        # Drafts: set by `CaseScreen.open_form` when the screen below can be opened again.
        self.draft_route: dict[str, Any] | None = None
        self.draft_spec: dict[str, Any] | None = None
        self.draft_woman_id: int | None = None
        self.draft_id: int | None = None
        self.restore_content: dict[str, Any] | None = None
        self.initial: dict[str, Any] = {}
        self.finished = False
        self._drafted: dict[str, Any] | None = None
        self._draft_lock = threading.Lock()
        # What each field held when the service refused it: its hint goes once it differs.
        self._refused_values: dict[str, Any] = {}
        self._hints: dict[str, str] = {}

    @property
    def ctx(self) -> Ctx:
        """The unlocked service context."""
        ctx = getattr(self.app, "ctx", None)
        if ctx is None:
            raise CaseappError("The store is locked.")
        return ctx  # type: ignore[no-any-return]

    # -- what subclasses provide ---------------------------------------------------------

    def rows(self) -> Iterable[Widget]:
        """The form's `FieldRow`s (and any other widgets), top to bottom."""
        raise NotImplementedError

    def collect(self) -> Any:
        """Read the fields (on the screen's thread) into what `perform` needs."""
        raise NotImplementedError

    def perform(self, data: Any) -> T:
        """Call the service with `data` (in a worker thread) and return what it saved."""
        raise NotImplementedError

    def failed(self, error: CaseappError) -> bool:
        """Handle a refusal specially (return True), e.g. a possible duplicate."""
        return False

    # -- layout and helpers --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(self.form_title, id="form-title")
            yield Static("", id="form-message")
            with VerticalScroll(id="form-fields"):
                yield from self.rows()
            yield Static(self.KEYS_HINT, id="form-keys", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.initial = self.snapshot()
        if self.restore_content:
            self.apply(self.restore_content)
            self._drafted = self.snapshot()
        rows = list(self.query(FieldRow))
        if rows:
            rows[0].control.focus()
        if self.draft_route is not None:
            self.set_interval(AUTOSAVE_SECONDS, self.autosave)

    # -- what she typed: changes, drafts -------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Every field's value, as JSON-friendly data."""
        return {row.field: read_control(row.control) for row in self.query(FieldRow)}

    def apply(self, content: dict[str, Any]) -> None:
        """Put values from `snapshot` (e.g. a draft) back into the fields."""
        for row in self.query(FieldRow):
            if row.field in content:
                write_control(row.control, content[row.field])

    def mark_pristine(self) -> None:
        """Take the fields as they are now as "nothing typed" (after filling them in)."""
        self.initial = self.snapshot()

    @property
    def changed(self) -> bool:
        """Whether anything differs from how the form opened."""
        return self.snapshot() != self.initial

    def draft_payload(self, reason: str) -> dict[str, Any] | None:
        """What `services.drafts.save_draft` needs to keep this form, or None if nothing to."""
        if self.draft_route is None or self.finished:
            return None
        if not self.changed and self.draft_id is None:
            return None
        return {
            "route": self.draft_route,
            "form": self.draft_spec or {},
            "content": self.snapshot(),
            "title": self.form_title.plain,
            "woman_id": self.draft_woman_id,
            "reason": reason,
            "draft_id": self.draft_id,
        }

    def autosave(self) -> None:
        """Keep what she typed as a draft when it changed since the last one (timer)."""
        ctx = getattr(self.app, "ctx", None)
        payload = self.draft_payload("autosave")
        if ctx is None or payload is None or payload["content"] == self._drafted:
            return
        self._drafted = payload["content"]
        self.app.run_worker(
            lambda: self._draft_job(ctx, payload), thread=True, group="drafts", exit_on_error=False
        )

    def _draft_job(self, ctx: Ctx, payload: dict[str, Any] | None) -> None:
        """Write (payload) or delete (None) the draft; one at a time, and never after the end."""
        from caseapp.services import drafts

        with self._draft_lock:
            try:
                if payload is not None and not self.finished:
                    self.draft_id = drafts.save_draft(ctx, **payload)
                elif payload is None and self.draft_id is not None:
                    drafts.delete_draft(ctx, self.draft_id)
                    self.draft_id = None
            except Exception as error:  # noqa: BLE001 - a lost draft must not break the form
                log_exception(f"draft {type(self).__name__}", error)

    def finish(self) -> None:
        """The form is done with (saved or discarded): stop drafting and delete its draft."""
        self.finished = True
        ctx = getattr(self.app, "ctx", None)
        if ctx is not None and (self.draft_id is not None or self._drafted is not None):
            self.app.run_worker(
                lambda: self._draft_job(ctx, None), thread=True, group="drafts", exit_on_error=False
            )

    @on(Input.Changed)
    @on(ChoiceField.Changed)
    def _value_changed(self, event: Message) -> None:
        self._recheck(getattr(event, "control", None))

    def on_text_area_changed(self, event: Message) -> None:
        self._recheck(getattr(event, "control", None))

    @on(CodeSet.Changed)
    def _ticked(self, event: CodeSet.Changed) -> None:
        self._recheck(event.control)

    def _recheck(self, control: Widget | None) -> None:
        """A field whose value is no longer the refused one loses its hint at once."""
        if not self._refused_values or control is None:
            return
        for row in self.query(FieldRow):
            if row.control is control and row.field in self._refused_values:
                fixed = read_control(control) != self._refused_values[row.field]
                row.show_error(None if fixed else self._hints.get(row.field))
        if all(not row.has_class("-error") for row in self.query(FieldRow)):
            self.say(None)

    def say(self, message: str | Text | None) -> None:
        """Show (or clear) the message at the top of the form."""
        box = self.query_one("#form-message", Static)
        box.set_class(bool(message), "-shown")
        box.update(message if isinstance(message, Text) else safe(message or ""))

    def control(self, field: str) -> Any:
        """The control of the row for `field`."""
        for row in self.query(FieldRow):
            if row.field == field:
                return row.control
        raise KeyError(field)

    def value(self, field: str) -> Any:
        """The current value of a field's control (text, code or codes)."""
        widget = self.control(field)
        return widget.text if not hasattr(widget, "value") else widget.value

    def show_problems(self, problems: dict[str, str]) -> None:
        """Put each hint under its field; focus the first field with a problem."""
        first: Widget | None = None
        self._hints = dict(problems)
        self._refused_values = {}
        for row in self.query(FieldRow):
            hint = problems.get(row.field)
            row.show_error(hint)
            if hint:
                self._refused_values[row.field] = read_control(row.control)
            if hint and first is None:
                first = row.control
        if first is not None:
            first.focus()
            self.query_one("#form-fields", VerticalScroll).scroll_to_widget(first, animate=False)

    # -- saving --------------------------------------------------------------------------

    @on(Input.Submitted)
    def _enter_saves(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Save through the service (once at a time)."""
        if self.saving:
            return
        try:
            data = self.collect()
        except ValidationError as error:
            self._refused(error)
            return
        self.saving = True
        self._perform(data)

    @work(thread=True, exit_on_error=False, group="form-save")
    def _perform(self, data: Any) -> None:
        try:
            result = self.perform(data)
        except CaseappError as error:
            self.post_message(self.Failed(error))
        else:
            self.post_message(self.Saved(result))

    def on_field_form_saved(self, message: Saved) -> None:
        self.saving = False
        self.finish()
        self.dismiss(message.result)  # type: ignore[arg-type]

    def on_field_form_failed(self, message: Failed) -> None:
        self.saving = False
        self._refused(message.error)

    def _refused(self, error: CaseappError) -> None:
        if self.failed(error):
            return
        if isinstance(error, ValidationError):
            fields = {row.field for row in self.query(FieldRow)}
            shown = {k: v for k, v in error.fields.items() if k in fields}
            self.show_problems(shown)
            if shown and len(shown) == len(error.fields):
                count = len(shown)
                self.say(f"{count} field{'s' if count > 1 else ''} to fix: see below.")
                return
        self.say(str(error))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure: say so in the form (nothing typed is lost)."""
        if event.state != WorkerState.ERROR:
            return
        self.saving = False
        error = event.worker.error
        if error is not None:
            log_exception(f"form {type(self).__name__}", error)
            self.say(f"Not saved: something went wrong ({type(error).__name__}). See the log.")

    def action_cancel(self) -> None:
        """Close without saving; if she typed anything, ask first (Esc again or y discards)."""
        if not self.changed:
            self.finish()
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.finish()
                self.dismiss(None)

        self.app.push_screen(DiscardModal(), answered)


def run_then(app_callable: Callable[[], None]) -> Callable[[object], None]:
    """A dismiss callback that runs `app_callable` only when the form saved something."""

    def callback(result: object) -> None:
        if result is not None:
            app_callable()

    return callback
