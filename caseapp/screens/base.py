"""The base for caseapp's screens: help text, the service context, worker error handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.screen import Screen
from textual.worker import Worker, WorkerState

from caseapp.errors import CaseappError
from caseapp.logsetup import log_exception

if TYPE_CHECKING:
    from caseapp.app import CaseApp
    from caseapp.modals.field_form import FieldForm
    from caseapp.services.context import Ctx
    from caseapp.services.drafts import DraftView


class CaseScreen(Screen[None]):
    """A screen that knows the signed-in context and explains itself on F1."""

    HELP: ClassVar[str] = "No help has been written for this screen yet."
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    """(title, action, help) triples this screen adds to the command palette."""

    def on_mount(self) -> None:
        # A compact footer (one space between keys) so each screen's keys, Lock, Quit and
        # Help fit in 80 columns beside the palette's ^p.
        from textual.widgets import Footer

        for footer in self.query(Footer):
            footer.compact = True

    def fresh(self) -> None:
        """Look as a first visit would: called when a screen kept for the session is opened
        again (`Destination.kept`); a screen built anew at each visit has nothing to do."""

    def data_shown(self) -> None:
        """Its first data is on screen: keep what it holds out of the collections made while
        she works on it (a full collection walks every object not frozen; see gc_pacing)."""
        self.call_after_refresh(self.case_app.collector.settle)

    def help_text(self) -> str:
        """F1's text for this screen (screens leave out what the actor's role cannot do)."""
        return self.HELP

    def palette_entries(self) -> list[tuple[str, str, str]]:
        """This screen's palette entries whose action applies to the actor now."""
        return [entry for entry in self.PALETTE if self.check_action(entry[1], ())]

    pending_draft: DraftView | None = None
    """A draft to open again once the screen is ready (set when restoring after an unlock)."""

    # -- drafts: forms that survive a lock or a crash --------------------------------------

    def writes_on_lock(self) -> Callable[[Ctx], object] | None:
        """Work this screen still owes the store, done by the lock before the key goes."""
        return None

    def draft_route(self) -> dict[str, Any] | None:
        """How to open this screen again (`screens.restore`), or None: its forms keep no draft."""
        return None

    def open_form(
        self,
        form: FieldForm[Any],
        callback: Callable[[Any], None] | None = None,
        *,
        spec: dict[str, Any],
    ) -> None:
        """Push `form`; `spec` names the action that opens it, so a draft can reopen it."""
        route = self.draft_route()
        if route is not None:
            form.draft_route = route
            form.draft_spec = spec
            form.draft_woman_id = route.get("woman_id")
            draft = self.pending_draft
            if draft is not None and draft.form == spec:
                self.pending_draft = None
                form.draft_id = draft.id
                form.restore_content = draft.content
        self.app.push_screen(form, callback)

    def resume_draft(self) -> None:
        """Open the pending draft's form through the action that opened it (screen ready)."""
        draft = self.pending_draft
        if draft is None:
            return
        action = str(draft.form.get("action", ""))
        method = getattr(self, f"action_{action}", None)
        if callable(method):
            method(*draft.form.get("args", []))
        if self.pending_draft is draft:
            # The form cannot open now (her case closed meanwhile, a role changed): keep the
            # draft and say so rather than lose it silently.
            self.pending_draft = None
            self.notify(
                "A draft could not be opened again here; it is kept.",
                severity="warning",
                markup=False,
            )

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
        if getattr(self.app, "ctx", True) is None:
            # Locked while the worker ran: its failure is the lock, not something to report.
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
