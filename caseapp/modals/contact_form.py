"""Log (or correct) a contact: today, now, 1-2-1, attended, in person unless changed.

Logging an attended 1-2-1 is `c` then Enter; other kinds take a few arrow keys or letters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import ATTENDANCE, DELIVERY_MODES, ENGAGEMENT_TYPES, NEED_AREAS
from caseapp.services.contacts import ContactInfo, ContactInput, edit_contact, log_contact
from caseapp.services.hubs import HubInfo
from caseapp.widgets.choice import ChoiceField, CodeSet
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput, SafeTextArea


class ContactForm(FieldForm[ContactInfo]):
    """A contact with her; pass `contact` to correct one already logged."""

    HELP = (
        "## Log a contact\n\n"
        "Everything is filled in for an attended 1-2-1 in person, today, now: press **Enter** "
        "to save it as it is.\n\n"
        "- **Date**: 24/11/2026, 2026-11-24, today or yesterday.\n"
        "- **Time**: 14:30, 2:30pm or now.\n"
        "- **Type**, **Attendance**, **Delivery**, **Hub**: ←/→ or type the first letters.\n"
        "- **Minutes**: how long, as a whole number (optional).\n"
        "- **Need areas**: ←/→ move, space ticks.\n"
        "- **Note**: several lines; ctrl+s saves from here.\n\n"
        "Late counts as attended. Her first attended contact makes her active."
    )

    def __init__(
        self,
        woman_id: int,
        woman_name: str,
        hubs: Iterable[HubInfo],
        *,
        hub_id: int | None = None,
        contact: ContactInfo | None = None,
    ) -> None:
        verb = "Correct a contact with " if contact else "Log a contact with "
        super().__init__(Text(verb).append_text(safe(woman_name, limit=50)))
        self.woman_id = woman_id
        self.hubs = list(hubs)
        self.contact = contact
        self.default_hub = contact.hub_id if contact else hub_id

    def rows(self) -> Iterable[Widget]:
        c = self.contact
        when = c.date if c else "today"
        at = (
            c.time.strftime("%H:%M")
            if c and c.time
            else ("" if c else self.ctx.clock.now().strftime("%H:%M"))
        )
        hubs = [(str(h.id), h.name) for h in self.hubs]
        yield FieldRow("Date", DateInput(when, id="contact-date"), "date")
        yield FieldRow(
            "Time",
            CompactInput(at, "14:30, 2:30pm or now", id="contact-time"),
            "time",
        )
        yield FieldRow(
            "Type",
            ChoiceField(ENGAGEMENT_TYPES, c.type if c else "one_to_one", id="contact-type"),
            "type",
        )
        yield FieldRow(
            "Attendance",
            ChoiceField(ATTENDANCE, c.attendance if c else "attended", id="contact-attendance"),
            "attendance",
        )
        yield FieldRow(
            "Minutes",
            CompactInput(
                str(c.duration_minutes) if c and c.duration_minutes else "",
                "how long (optional)",
                id="contact-minutes",
                max_length=4,
                restrict=r"[0-9]*",
            ),
            "duration_minutes",
        )
        yield FieldRow(
            "Delivery",
            ChoiceField(
                DELIVERY_MODES,
                c.delivery if c else "in_person",
                blank="Not recorded",
                id="contact-delivery",
            ),
            "delivery",
        )
        yield FieldRow(
            "Hub",
            ChoiceField(
                hubs,
                str(self.default_hub) if self.default_hub else None,
                blank="No hub",
                id="contact-hub",
            ),
            "hub_id",
        )
        yield FieldRow(
            "Need areas",
            CodeSet(NEED_AREAS, c.need_areas if c else (), id="contact-needs"),
            "need_areas",
        )
        yield FieldRow("Note", SafeTextArea(c.note if c else "", id="contact-note"), "note")

    def collect(self) -> ContactInput:
        hub = self.value("hub_id")
        return ContactInput(
            date=self.value("date"),
            time=self.value("time"),
            type=self.value("type"),
            attendance=self.value("attendance"),
            duration_minutes=self.value("duration_minutes"),
            delivery=self.value("delivery"),
            need_areas=self.value("need_areas"),
            hub_id=int(hub) if hub else None,
            note=self.value("note"),
        )

    def perform(self, data: Any) -> ContactInfo:
        if self.contact is not None:
            return edit_contact(self.ctx, self.contact.id, data)
        return log_contact(self.ctx, self.woman_id, data)
