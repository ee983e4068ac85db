"""A group session: title, date, hub, facilitator; a new one may start from the last register."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Select, Static

from caseapp.modals.record_form import FormModal
from caseapp.services import clock, groups
from caseapp.services.groups import GroupSessionView, Register
from caseapp.services.recording import Choice, hub_choices, staff_choices
from caseapp.services.validation import show_date
from caseapp.widgets.safe import safe


@dataclass(frozen=True)
class _Choices:
    """What the form offers: hubs, facilitators, titles used before."""

    hubs: list[Choice]
    staff: list[Choice]
    titles: list[str]


class GroupSessionForm(FormModal[Register | GroupSessionView]):
    """New session (returns its `Register`) or a change to one (returns the session)."""

    DEFAULT_CSS = """
    GroupSessionForm Select { width: 1fr; }
    GroupSessionForm Checkbox { margin-left: 14; border: none; padding: 0; }
    """
    HELP = (
        "## Group session\n\n"
        "**Title**: titles used before are offered as you type; the right arrow accepts one. "
        "**Date**: 24/11/2026, today or yesterday. **Hub** and **facilitator** (a keyworker "
        "always facilitates her own sessions; a manager may choose).\n\n"
        "A new session whose title was used before starts with that session's register "
        "(marked *did not attend* until you mark them) unless you untick it.\n\n"
        "**ctrl+s** saves and opens the register, **Esc** closes without saving."
    )

    def __init__(
        self, session: GroupSessionView | None = None, *, today: date | None = None
    ) -> None:
        super().__init__()
        self.session = session
        self.today = today or clock.today()
        self.choices = _Choices([], [], [])

    def compose(self) -> ComposeResult:
        current = self.session
        with Vertical(classes="form-box"):
            title = "Change group session" if current else "New group session"
            if current:
                title += f" {current.reference}"
            yield Static(title, classes="form-title", markup=False)
            with Horizontal(classes="form-row"):
                yield Static("Title", classes="form-label")
                yield Input(
                    current.title if current else "",
                    id="title",
                    compact=True,
                    max_length=groups.TITLE_LIMIT,
                    placeholder="e.g. Healthy relationships",
                )
            with Horizontal(classes="form-row"):
                yield Static("Date", classes="form-label")
                yield Input(
                    show_date(current.date if current else self.today),
                    id="date",
                    compact=True,
                    max_length=20,
                )
            with Horizontal(classes="form-row"):
                yield Static("Hub", classes="form-label")
                yield Select[int]([], id="hub", compact=True, prompt="(no hub)")
            with Horizontal(classes="form-row"):
                yield Static("Facilitator", classes="form-label")
                yield Select[int]([], id="facilitator", compact=True, prompt="(you)")
            if current is None:
                yield Checkbox(
                    "Start from the last register of this title",
                    value=True,
                    id="copy",
                    compact=True,
                )
            yield Static("", classes="form-error")
            yield Static("Tab next field · ctrl+s save · Esc cancel", classes="form-hint")

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()
        ctx = self.ctx
        self.load(
            lambda: _Choices(hub_choices(ctx), staff_choices(ctx), groups.title_suggestions(ctx))
        )

    def loaded(self, data: object) -> None:
        assert isinstance(data, _Choices)
        self.choices = data
        self.query_one("#title", Input).suggester = SuggestFromList(
            data.titles, case_sensitive=False
        )
        hub = self.query_one("#hub", Select)
        hub.set_options([(safe(c.label), c.id) for c in data.hubs])
        if self.session is not None and self.session.hub_id is not None:
            hub.value = self.session.hub_id
        facilitator = self.query_one("#facilitator", Select)
        actor = self.ctx.actor
        staff = data.staff if actor.is_manager else [c for c in data.staff if c.id == actor.user_id]
        facilitator.set_options([(safe(c.label), c.id) for c in staff])
        wanted = self.session.facilitator_id if self.session else actor.user_id
        if any(c.id == wanted for c in staff):
            facilitator.value = wanted
        facilitator.disabled = not actor.is_manager

    def submit(self) -> Callable[[], Register | GroupSessionView] | None:
        title = self.query_one("#title", Input).value
        when = self.query_one("#date", Input).value
        hub_value = self.query_one("#hub", Select).value
        hub_id = hub_value if isinstance(hub_value, int) else None
        fac_value = self.query_one("#facilitator", Select).value
        facilitator = fac_value if isinstance(fac_value, int) else None
        ctx, today, current = self.ctx, self.today, self.session
        if current is None:
            copy = self.query_one("#copy", Checkbox).value
            return lambda: groups.create_session(
                ctx,
                title=title,
                date=when,
                hub_id=hub_id,
                facilitator_id=facilitator,
                copy_previous=copy,
                today=today,
            )
        return lambda: groups.update_session(
            ctx,
            current.id,
            title=title,
            date=when,
            hub_id=hub_id,
            facilitator_id=facilitator,
            today=today,
        )
