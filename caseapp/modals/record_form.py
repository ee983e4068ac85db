"""The base of the record forms: load and save in thread workers, errors shown in the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from caseapp.errors import CaseappError
from caseapp.logsetup import log_exception
from caseapp.widgets.safe import safe

if TYPE_CHECKING:
    from caseapp.services.context import Ctx

R = TypeVar("R")


class FormModal(ModalScreen[R | None], Generic[R]):
    """A form over the current screen that saves through a service and returns what it saved.

    Subclasses call `load(fn)` for what the form shows first (handled in `loaded`) and
    implement `submit()`, which returns the service call to run, or None when the form
    itself found something to fix. Escape dismisses with None.
    """

    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal .form-box {
        width: 78; height: auto; max-height: 23; border: round $accent;
        background: $surface; padding: 0 1;
    }
    FormModal .form-title { text-style: bold; color: $accent; }
    FormModal .form-label { width: 14; color: $text-muted; padding-top: 0; }
    FormModal .form-row { height: 1; margin-bottom: 0; }
    FormModal .form-row Input { width: 1fr; }
    FormModal .form-error { color: $error; min-height: 1; }
    FormModal .form-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
    ]
    HELP: ClassVar[str] = "## Form\n\nctrl+s saves, Esc closes without saving."

    class Loaded(Message):
        """The form's first data arrived from the worker."""

        def __init__(self, data: object) -> None:
            super().__init__()
            self.data = data

    class Saved(Message):
        """The service saved the record."""

        def __init__(self, result: object) -> None:
            super().__init__()
            self.result = result

    def __init__(self) -> None:
        super().__init__()
        self.saving = False

    @property
    def ctx(self) -> Ctx:
        """The unlocked service context."""
        ctx = getattr(self.app, "ctx", None)
        if ctx is None:
            raise CaseappError("The store is locked.")
        return ctx  # type: ignore[no-any-return]

    def say(self, message: str) -> None:
        """Show a message in the form's error line (literally)."""
        for line in self.query(".form-error").results(Static):
            line.update(safe(message))
            return

    # -- loading -----------------------------------------------------------------------------

    def load(self, fn: Callable[[], object]) -> None:
        """Run `fn` (a service read) in a thread; `loaded` receives its result."""
        self._load_worker(fn)

    @work(thread=True, exit_on_error=False, group="form-load")
    def _load_worker(self, fn: Callable[[], object]) -> None:
        self.post_message(self.Loaded(fn()))

    def on_form_modal_loaded(self, message: FormModal.Loaded) -> None:
        self.loaded(message.data)

    def loaded(self, data: object) -> None:
        """Fill the form from what `load` read."""

    # -- saving ------------------------------------------------------------------------------

    def submit(self) -> Callable[[], R] | None:
        """The service call that saves the form, or None after saying what to fix."""
        raise NotImplementedError

    def action_save(self) -> None:
        """ctrl+s: save in a worker, once at a time."""
        if self.saving:
            return
        call = self.submit()
        if call is None:
            return
        self.saving = True
        self.say("Saving…")
        self._save_worker(call)

    @work(thread=True, exit_on_error=False, group="form-save")
    def _save_worker(self, call: Callable[[], R]) -> None:
        self.post_message(self.Saved(call()))

    def on_form_modal_saved(self, message: FormModal.Saved) -> None:
        self.saving = False
        self.dismiss(message.result)  # type: ignore[arg-type]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed load or save is said in the form; the form stays open to fix it."""
        if event.state != WorkerState.ERROR:
            return
        self.saving = False
        error = event.worker.error
        if isinstance(error, CaseappError):
            self.say(str(error))
        elif error is not None:
            log_exception(f"form {type(self).__name__}", error)
            self.say(f"Not saved: something went wrong ({type(error).__name__}). See the log.")

    def action_cancel(self) -> None:
        """Esc: close without saving."""
        self.dismiss(None)
