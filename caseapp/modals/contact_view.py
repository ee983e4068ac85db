"""One contact, read in full: when, what kind, who, and the whole note (scrollable)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from caseapp.models.codes import ATTENDANCE, DELIVERY_MODES, ENGAGEMENT_TYPES, label
from caseapp.services.contacts import ContactInfo
from caseapp.services.validation import show_date
from caseapp.widgets.safe import safe


def describe_contact(contact: ContactInfo) -> Text:
    """The contact's facts, one per line, then its note as written."""
    c = contact
    at = f" {c.time.strftime('%H:%M')}" if c.time else ""
    minutes = f", {c.duration_minutes} minutes" if c.duration_minutes else ""
    text = Text()
    for name, value in (
        ("When", f"{show_date(c.date)}{at}{minutes}"),
        ("Kind", f"{label(ENGAGEMENT_TYPES, c.type)}, {label(ATTENDANCE, c.attendance)}"),
        ("Delivery", label(DELIVERY_MODES, c.delivery) if c.delivery else "not recorded"),
        ("Hub", c.hub_name or "none"),
        ("Need areas", ", ".join(c.need_areas) or "none"),
        ("By", c.keyworker_name),
    ):
        text.append(f"{name}: ", style="bold")
        text.append_text(safe(value))
        text.append("\n")
    text.append("Note:\n", style="bold")
    text.append_text(safe(c.note or "(no note)", keep_newlines=True))
    return text


class ContactViewModal(ModalScreen[str | None]):
    """Read-only; `e` dismisses with "edit" (the record opens the correction form)."""

    DEFAULT_CSS = """
    ContactViewModal { align: center middle; }
    ContactViewModal > Vertical {
        width: 78; height: auto; max-height: 22; border: round $accent;
        background: $surface; padding: 0 1;
    }
    ContactViewModal #contact-view-title { text-style: bold; color: $accent; }
    ContactViewModal VerticalScroll { height: auto; max-height: 18; }
    ContactViewModal #contact-view-keys { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "edit", "Correct", id="contact-view-edit"),
        Binding("escape,q", "close", "Back", id="contact-view-close"),
        Binding("f1", "app.help", "Help", id="contact-view-help"),
    ]
    HELP = (
        "## A contact\n\nEverything recorded about this contact, with the whole note: ↑/↓ and "
        "Page Up/Down scroll it. **e** corrects the contact; **Esc** goes back."
    )

    def __init__(self, contact: ContactInfo, woman_name: str) -> None:
        super().__init__()
        self.contact = contact
        self.woman_name = woman_name

    def compose(self) -> ComposeResult:
        title = Text("Contact with ").append_text(safe(self.woman_name, limit=50))
        with Vertical():
            yield Static(title, id="contact-view-title")
            with VerticalScroll(id="contact-view-body"):
                yield Static(describe_contact(self.contact), id="contact-view-text")
            yield Static("e corrects · Esc back · ↑↓ scroll", id="contact-view-keys", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_edit(self) -> None:
        """Correct this contact."""
        self.dismiss("edit")

    def action_close(self) -> None:
        """Back to her record."""
        self.dismiss(None)
