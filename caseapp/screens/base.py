"""The base for caseapp's screens: help text, the service context, worker error handling."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from caseapp.errors import CaseappError
from caseapp.logsetup import log_exception

if TYPE_CHECKING:
    from caseapp.app import CaseApp
    from caseapp.services.context import Ctx


class CaseScreen(Screen[None]):
    """A screen that knows the signed-in context and explains itself on F1."""

    HELP: ClassVar[str] = "No help has been written for this screen yet."
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    """(title, action, help) triples this screen adds to the command palette."""

    @property
    def case_app(self) -> CaseApp:
        """The app, typed."""
        from caseapp.app import CaseApp

        assert isinstance(self.app, CaseApp)
        return self.app

    @property
    def ctx(self) -> Ctx:
        """The unlocked service context (screens only exist while unlocked)."""
        ctx = self.case_app.ctx
        if ctx is None:
            raise CaseappError("The store is locked.")
        return ctx

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Show a worker's failure as a notification: a clear line, never a traceback."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, CaseappError):
            self.notify(str(error), title="Not done", severity="error", markup=False)
        elif error is not None:
            log_exception(f"worker {event.worker.name}", error)
            self.notify(
                f"Something went wrong ({type(error).__name__}); nothing was lost. "
                "Details are in the log.",
                title="Error",
                severity="error",
                markup=False,
            )
