"""A group session: title, date, hub, facilitator; a new one may start from the last register."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.services import groups
from caseapp.services.groups import GroupSessionView, Register, SessionChoices
from caseapp.textsafe import visible
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.text_fields import CompactInput


class GroupSessionForm(FieldForm[Register | GroupSessionView]):
    """New session (returns its `Register`) or a change to one (returns the session).

    `choices` comes from `groups.session_choices`, read by the screen that opens the form.
    """

    DEFAULT_CSS = """
    GroupSessionForm Checkbox { border: none; padding: 0; height: 1; }
    """
    HELP = (
        "## Group session\n\n"
        "- **Title**: titles used before are offered as you type; → accepts one.\n"
        "- **Date**: 24/11/2026, today or yesterday.\n"
        "- **Hub** and **Facilitator**: ←/→ or type the first letters. A keyworker "
        "facilitates her own sessions; a manager may choose anyone.\n"
        "- **Register**: a new session whose title was used before starts with the women "
        "on the last session of that title, marked *did not attend* until you mark them. "
        "Space unticks it.\n\n"
        "Enter or **ctrl+s** saves (a new session opens its register); **Esc** cancels."
    )

    def __init__(
        self,
        choices: SessionChoices,
        session: GroupSessionView | None = None,
    ) -> None:
        title = f"Change group session {session.reference}" if session else "New group session"
        super().__init__(title)
        self.choices = choices
        self.session = session

    def rows(self) -> Iterable[Widget]:
        current = self.session
        title = CompactInput(
            current.title if current else "",
            "e.g. Healthy relationships",
            id="title",
            max_length=groups.TITLE_LIMIT,
        )
        # Only titles with nothing to hide are offered: a suggestion is drawn as it is stored.
        offered = [t for t in self.choices.titles if visible(t) == t]
        title.suggester = SuggestFromList(offered, case_sensitive=False)
        yield FieldRow("Title", title, "title")
        yield FieldRow(
            "Date",
            DateInput(current.date if current else self.ctx.clock.today(), id="date"),
            "date",
        )
        hub = current.hub_id if current else None
        yield FieldRow(
            "Hub",
            ChoiceField(
                [(str(c.id), c.label) for c in self.choices.hubs],
                str(hub) if hub else None,
                blank="No hub",
                id="hub",
            ),
            "hub",
        )
        facilitator = current.facilitator_id if current else self.ctx.actor.user_id
        yield FieldRow(
            "Facilitator",
            ChoiceField(
                [(str(c.id), c.label) for c in self.choices.facilitators],
                str(facilitator) if facilitator else None,
                id="facilitator",
            ),
            "facilitator",
        )
        if current is None:
            yield FieldRow(
                "Register",
                Checkbox(
                    "start from the last register of this title", True, id="copy", compact=True
                ),
                "copy",
            )

    def collect(self) -> dict[str, Any]:
        hub = self.value("hub")
        facilitator = self.value("facilitator")
        data: dict[str, Any] = {
            "title": self.value("title"),
            "date": self.value("date"),
            "hub_id": int(hub) if hub else None,
            "facilitator_id": int(facilitator) if facilitator else None,
        }
        if self.session is None:
            data["copy_previous"] = bool(self.value("copy"))
        return data

    def perform(self, data: Any) -> Register | GroupSessionView:
        if self.session is None:
            return groups.create_session(self.ctx, **data)
        return groups.update_session(self.ctx, self.session.id, **data)
