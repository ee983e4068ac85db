"""Adding a new woman: the form opens at once, and saving opens her record."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from caseapp.modals.woman_form import WomanForm
from caseapp.screens.base import CaseScreen
from caseapp.screens.woman import WomanScreen
from caseapp.services import permissions
from caseapp.services.allocation import staff
from caseapp.services.hubs import HubInfo, list_hubs
from caseapp.services.women_types import StaffMember


class NewWomanScreen(CaseScreen):
    """Adds a new woman: the form opens at once; saving opens her record."""

    HELP = WomanForm.HELP

    class Ready(Message):
        """Hubs and staff for the form were read."""

        def __init__(self, hubs: list[HubInfo], people: list[StaffMember]) -> None:
            super().__init__()
            self.hubs = hubs
            self.people = people

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("A new woman", id="new-woman-title")
        yield Footer()

    def on_mount(self) -> None:
        self._prepare()

    @work(thread=True, exit_on_error=False, group="new-woman")
    def _prepare(self) -> None:
        if not permissions.allowed(self.ctx, "women.edit"):
            permissions.require(self.ctx, "women.edit")
        people = staff(self.ctx) if permissions.allowed(self.ctx, "women.allocate") else []
        self.post_message(self.Ready(list_hubs(self.ctx), people))

    def on_new_woman_screen_ready(self, message: Ready) -> None:
        form = WomanForm(
            message.hubs,
            staff=message.people,
            can_allocate=permissions.allowed(self.ctx, "women.allocate"),
        )

        def saved(result: object) -> None:
            woman_id = getattr(result, "id", None)
            if woman_id is None:
                self.app.pop_screen()
            else:
                self.app.switch_screen(WomanScreen(woman_id))

        self.open_form(form, saved, spec={"action": "new"})

    def draft_route(self) -> dict[str, Any] | None:
        """The new-woman form opens again from nothing."""
        return {"screen": "new_woman"}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """If the form cannot open (role), say why and go back."""
        super().on_worker_state_changed(event)
        if event.state == WorkerState.ERROR and self.is_current:
            self.app.pop_screen()
