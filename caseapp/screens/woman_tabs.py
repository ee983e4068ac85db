"""The tabs of her record: what each shows (summary, details, referral, consent, flags, contacts).

Each tab's content is a widget with `show_record(record)`, called by `WomanScreen` whenever her
record is (re)loaded; the text tabs are built by the `describe_*` functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from caseapp.models.codes import (
    ATTENDANCE,
    CJ_STATUSES,
    CLOSURE_REASONS,
    DELIVERY_MODES,
    ENGAGEMENT_TYPES,
    ETHNICITIES,
    FLAG_TYPES,
    NATIONALITIES,
    REFERRAL_SOURCES,
    RELIGIONS,
    SEXUAL_ORIENTATIONS,
    WOMAN_STATUSES,
    YES_NO,
    YES_NO_DECLINED,
    label,
)
from caseapp.services.contacts import ContactInfo
from caseapp.services.validation import show_date
from caseapp.services.women import age_on
from caseapp.services.women_types import WomanRecord
from caseapp.widgets.fast_table import share_width
from caseapp.widgets.safe import safe


@runtime_checkable
class RecordView(Protocol):
    """A tab's content: shown again each time her record loads."""

    def show_record(self, record: WomanRecord) -> None:
        """Display `record`."""


@dataclass(frozen=True)
class WomanTab:
    """One tab of her record: its id, title and a factory for its content."""

    id: str
    title: str
    make: Callable[[], Widget]


def _lines(*pairs: tuple[str, object]) -> Text:
    """`Label: value` lines; values are user data, so shown literally."""
    text = Text()
    for name, value in pairs:
        if text:
            text.append("\n")
        text.append(f"{name}: ", style="bold")
        text.append_text(value if isinstance(value, Text) else safe(value, keep_newlines=True))
    return text


class TextView(VerticalScroll):
    """A tab that is a scrollable block of text built from her record."""

    DEFAULT_CSS = "TextView { height: 1fr; padding: 0 1; } TextView > Static { width: 1fr; }"

    def __init__(self, describe: Callable[[WomanRecord], Text], *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=True)
        self.describe = describe

    def compose(self) -> ComposeResult:
        yield Static("Loading…")

    def show_record(self, record: WomanRecord) -> None:
        """Render her record as text."""
        self.query_one(Static).update(self.describe(record))


def describe_summary(record: WomanRecord) -> Text:
    """The summary: how to contact her safely, status, who, when last seen, consent, flags."""
    w = record.woman
    today = record.read_on
    out = Text()
    if w.safe_contact_note:
        out.append("Safe contact: ", style="bold yellow")
        out.append_text(safe(w.safe_contact_note, keep_newlines=True))
        out.append("\n")
    referral = record.referral
    referred = (
        f"referred {show_date(referral.referral_date)} by "
        f"{label(REFERRAL_SOURCES, referral.source)}"
        if referral
        else "no referral"
    )
    seen = "not seen yet"
    if record.last_contact:
        days = (today - record.last_contact).days
        ago = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")
        seen = f"{show_date(record.last_contact)} ({ago})"
    consent = record.consent
    consent_text = (
        f"given {show_date(consent.given_on)} ({_scopes(consent)})" if consent else "MISSING"
    )
    out.append_text(
        _lines(
            ("Status", f"{label(WOMAN_STATUSES, w.status)}, {referred}"),
            ("Keyworker", record.keyworker_name or "unallocated"),
            ("Hub", record.hub_name or "none"),
            ("Phone", w.phone or "not recorded"),
            ("Last attended contact", seen),
            ("Contacts", str(record.contact_count)),
            ("Consent", consent_text),
        )
    )
    for flag in record.active_flags:
        out.append("\n")
        out.append(f"Flag {FLAG_TYPES.get(flag.type, flag.type)}: ", style="bold red")
        out.append_text(safe(flag.reason))
    if record.shared_with:
        out.append("\n")
        out.append_text(_lines(("Shared with", ", ".join(m.name for m in record.shared_with))))
    if w.status == "closed" and record.closures:
        closure = record.closures[0]
        out.append("\n")
        out.append_text(
            _lines(
                (
                    "Closed",
                    f"{show_date(closure.closed_on)}: {label(CLOSURE_REASONS, closure.reason)}",
                )
            )
        )
    return out


def _scopes(consent: Any) -> str:
    parts = [
        name
        for name, agreed in (
            ("support", consent.service),
            ("her data", consent.data_processing),
            ("sharing", consent.sharing),
        )
        if agreed
    ]
    return ", ".join(parts)


def describe_details(record: WomanRecord) -> Text:
    """Her names, contact details and equality monitoring."""
    w = record.woman
    age = age_on(w.date_of_birth, record.read_on)
    born = f"{show_date(w.date_of_birth)} (age {age})" if w.date_of_birth else "not recorded"
    children = "not recorded" if w.dependent_children is None else str(w.dependent_children)
    return _lines(
        ("First name", w.first_name),
        ("Last name", w.last_name),
        ("Preferred name", w.preferred_name or "-"),
        ("Date of birth", born),
        ("Phone", w.phone or "-"),
        ("Safe contact", w.safe_contact_note or "-"),
        ("Borough", record.borough_name or "not recorded"),
        ("Hub", record.hub_name or "none"),
        ("Ethnicity", label(ETHNICITIES, w.ethnicity)),
        ("Disability", label(YES_NO_DECLINED, w.disability)),
        ("Gender as at birth", label(YES_NO_DECLINED, w.gender_identity_same)),
        ("Sexual orientation", label(SEXUAL_ORIENTATIONS, w.sexual_orientation)),
        ("Religion", label(RELIGIONS, w.religion)),
        ("Nationality", label(NATIONALITIES, w.nationality)),
        ("Pregnant", label(YES_NO, w.pregnant)),
        ("Dependent children", children),
    )


def describe_referrals(record: WomanRecord) -> Text:
    """Her referrals, latest first, and closures."""
    out = Text()
    for r in record.referrals:
        if out:
            out.append("\n\n")
        out.append_text(
            _lines(
                ("Referred on", show_date(r.referral_date)),
                ("Source", label(REFERRAL_SOURCES, r.source)),
                ("Criminal-justice status", label(CJ_STATUSES, r.cj_status)),
                ("Referrer", r.referrer_org or "-"),
                ("Police BCU", r.police_bcu or "-"),
            )
        )
    for c in record.closures:
        out.append("\n\n")
        reopened = f", reopened {show_date(c.reopened_on)}" if c.reopened_on else ""
        out.append_text(
            _lines(
                ("Closed", f"{show_date(c.closed_on)}{reopened}"),
                ("Reason", label(CLOSURE_REASONS, c.reason)),
                ("Note", c.note or "-"),
                ("By", c.closed_by),
            )
        )
    return out or Text("No referral recorded.")


def describe_consent(record: WomanRecord) -> Text:
    """Every consent she gave, newest first, with withdrawals."""
    out = Text()
    for c in record.consents:
        if out:
            out.append("\n\n")
        state = f"withdrawn {show_date(c.withdrawn_on)}" if c.withdrawn_on else "current"
        out.append_text(
            _lines(
                ("Given", f"{show_date(c.given_on)} ({state})"),
                ("Agreed to", _scopes(c) or "-"),
                ("Agencies", c.sharing_agencies or "-"),
                ("Privacy notice", c.privacy_notice_version or "-"),
                ("Taken by", c.taken_by),
            )
        )
        if c.withdrawn_on and c.withdrawn_reason:
            out.append("\n")
            out.append_text(_lines(("Why withdrawn", c.withdrawn_reason)))
    return out or Text("No consent recorded. Press o to record it.", style="bold yellow")


def describe_flags(record: WomanRecord) -> Text:
    """Active flags, then cleared ones with who cleared them and why."""
    out = Text()
    for f in record.flags:
        if out:
            out.append("\n\n")
        name = FLAG_TYPES.get(f.type, f.type)
        out.append(name, style="bold red" if f.active else "bold dim")
        out.append(" (active)" if f.active else f" (cleared {show_date(f.cleared_on)})")
        out.append("\n")
        out.append_text(
            _lines(
                ("Raised", f"{show_date(f.raised_on)} by {f.raised_by}"),
                ("Why", f.reason),
            )
        )
        if not f.active:
            out.append("\n")
            out.append_text(_lines(("Cleared by", f.cleared_by), ("Why cleared", f.clear_reason)))
    return out or Text("No flags. Press f to raise one.")


CONTACT_COLUMNS = (
    ("Date", 10),
    ("Time", 5),
    ("Type", 13),
    ("Attendance", 14),
    ("Mins", 4),
    ("By", 12),
)
"""Each contacts column's name and its width at 80 columns, as they have always been drawn."""
CONTACT_GROW = (0, 0, 1, 1, 0, 4)
"""How the columns a wider window adds are shared: most to who saw her, some to the labels."""


def contact_widths(screen_width: int) -> tuple[int, ...]:
    """The contacts columns' widths in a window `screen_width` wide (no cell is measured).

    Only the columns beyond 80 are shared out, so at 80 the table is exactly as before.
    """
    widths = tuple(width for _name, width in CONTACT_COLUMNS)
    room = sum(width + 2 for width in widths) + max(screen_width - 80, 0)
    return share_width(widths, CONTACT_GROW, room)


class ContactsView(Vertical):
    """Her contacts newest first; the highlighted contact's note shows below the table."""

    DEFAULT_CSS = """
    ContactsView { height: 1fr; }
    ContactsView DataTable { height: 1fr; }
    ContactsView #contact-note { height: 4; padding: 0 1; border-top: solid $primary; }
    """

    class Chosen(Message):
        """Enter on a contact: read it in full."""

        def __init__(self, contact: ContactInfo) -> None:
            super().__init__()
            self.contact = contact

    def __init__(self) -> None:
        super().__init__(id="contacts-view")
        self.contacts: list[ContactInfo] = []
        self._widths = contact_widths(80)

    def compose(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(cursor_type="row", id="contacts-table")
        yield table
        yield Static("", id="contact-note")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self._widths = contact_widths(self.app.size.width)
        for (name, _width), width in zip(CONTACT_COLUMNS, self._widths, strict=True):
            table.add_column(name, width=width)

    def on_resize(self, event: events.Resize) -> None:
        """A wider window shows longer labels and names whole (her contacts listed again)."""
        widths = contact_widths(self.app.size.width)
        table = self.query_one(DataTable)
        if widths == self._widths or not table.columns:
            return  # unchanged, or not mounted yet (mounting reads the window's width)
        row = table.cursor_row
        self._fill(widths)
        if self.contacts:
            table.move_cursor(row=min(max(row, 0), len(self.contacts) - 1))

    def show_record(self, record: WomanRecord) -> None:
        """List her contacts."""
        self.contacts = list(record.contacts)
        self._fill(contact_widths(self.app.size.width))
        if not self.contacts:
            self.query_one("#contact-note", Static).update("No contacts yet. Press c to log one.")
        elif record.contact_count > len(self.contacts):
            self.notify(
                f"Showing the latest {len(self.contacts)} of {record.contact_count} contacts.",
                markup=False,
            )

    def _fill(self, widths: tuple[int, ...]) -> None:
        table = self.query_one(DataTable)
        if widths != self._widths:
            self._widths = widths
            for column, width in zip(table.ordered_columns, widths, strict=True):
                column.width = width
        table.clear()
        for c in self.contacts:
            table.add_row(
                show_date(c.date),
                c.time.strftime("%H:%M") if c.time else "",
                Text(label(ENGAGEMENT_TYPES, c.type)),
                Text(label(ATTENDANCE, c.attendance)),
                str(c.duration_minutes or ""),
                safe(c.keyworker_name, limit=widths[5]),
                key=str(c.id),
            )

    @on(DataTable.RowHighlighted)
    def _show_note(self, event: DataTable.RowHighlighted) -> None:
        index = event.cursor_row
        if not 0 <= index < len(self.contacts):
            return
        c = self.contacts[index]
        needs = ", ".join(c.need_areas) or "no need areas"
        heading = Text(
            f"{show_date(c.date)} · {label(DELIVERY_MODES, c.delivery)} · "
            f"{c.hub_name or 'no hub'} · {needs}\n",
            style="dim",
        )
        self.query_one("#contact-note", Static).update(
            heading.append_text(safe(c.note or "(no note)", keep_newlines=True))
        )

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.contacts):
            self.post_message(self.Chosen(self.contacts[event.cursor_row]))
