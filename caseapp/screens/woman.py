"""A woman's record: her name and flags at the top, then tabs (summary, contacts, details,
referral, consent, flags), and keys for everything a keyworker does with her.

Other features add tabs in `WomanScreen.tabs()`: each tab's content is a widget with a
`show_record(record)` method, called whenever her record is (re)loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from caseapp.modals.assessment_form import AssessmentForm
from caseapp.modals.close_form import CloseForm, ReopenForm
from caseapp.modals.consent_form import ConsentForm, WithdrawConsentForm
from caseapp.modals.contact_form import ContactForm
from caseapp.modals.contact_view import ContactViewModal
from caseapp.modals.field_form import FieldForm
from caseapp.modals.flag_form import ClearFlagForm, RaiseFlagForm
from caseapp.modals.outcomes_form import OutcomesForm
from caseapp.modals.pick import PickModal
from caseapp.modals.woman_form import ReferralForm, WomanForm
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
from caseapp.screens.base import CaseScreen
from caseapp.screens.distance import DistanceScreen
from caseapp.screens.navigation import back_home
from caseapp.screens.plan import PlanScreen
from caseapp.screens.subject_requests import SubjectRequestsScreen
from caseapp.services import clock, permissions
from caseapp.services.contacts import ContactInfo
from caseapp.services.hubs import HubInfo, list_hubs
from caseapp.services.validation import show_date
from caseapp.services.women import (
    StaffMember,
    WomanRecord,
    age_on,
    allocate,
    open_woman,
    share_woman,
    staff,
    unshare_woman,
)
from caseapp.widgets.flag_badges import name_with_badges
from caseapp.widgets.safe import safe
from caseapp.widgets.woman_groups import WomanGroupsView


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
    today = clock.today()
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
    age = age_on(w.date_of_birth, clock.today())
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

    def compose(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(cursor_type="row", id="contacts-table")
        yield table
        yield Static("", id="contact-note")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name, width in (
            ("Date", 10),
            ("Time", 5),
            ("Type", 13),
            ("Attendance", 14),
            ("Mins", 4),
            ("By", 12),
        ):
            table.add_column(name, width=width)

    def show_record(self, record: WomanRecord) -> None:
        """List her contacts."""
        self.contacts = list(record.contacts)
        table = self.query_one(DataTable)
        table.clear()
        for c in self.contacts:
            table.add_row(
                show_date(c.date),
                c.time.strftime("%H:%M") if c.time else "",
                Text(label(ENGAGEMENT_TYPES, c.type)),
                Text(label(ATTENDANCE, c.attendance)),
                str(c.duration_minutes or ""),
                safe(c.keyworker_name, limit=12),
                key=str(c.id),
            )
        if not self.contacts:
            self.query_one("#contact-note", Static).update("No contacts yet. Press c to log one.")
        elif record.contact_count > len(self.contacts):
            self.notify(
                f"Showing the latest {len(self.contacts)} of {record.contact_count} contacts.",
                markup=False,
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


class WomanScreen(CaseScreen):
    """Her record; everything a keyworker does with her is a key or palette entry away."""

    HELP = (
        "## Her record\n\n"
        "Her name and flags are at the top; the tabs hold her summary, contacts (newest "
        "first), details and equality monitoring, referral, consent and flags. **←/→** on "
        "the tab bar or the number keys **1-9** switch tabs. On the contacts tab, Enter on "
        "a contact shows all of it with the whole note; **e** there corrects it.\n\n"
        "**c** log a contact · **e** edit her details · **d** correct her referral · "
        "**f** raise a flag · **x** clear a flag · **o** record consent · **w** withdraw "
        "consent · **z** close her case · **u** reopen it · "
        "**a** allocate her to a keyworker (managers) · "
        "**s** share her record · **m** needs assessments and "
        "distance travelled · **p** support plan · **r** outcome answers · "
        "**ctrl+r** subject access pack or erasure (managers) · "
        "**Esc** back.\n\n"
        "Opening her record is written to the audit log, as is every change."
    )
    MANAGER_HELP = (
        "**a** allocate her to a keyworker (managers) · ",
        "**ctrl+r** subject access pack or erasure (managers) · ",
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="woman-back"),
        Binding("c", "contact", "Contact", id="woman-contact"),
        Binding("f", "raise_flag", "Flag", id="woman-flag"),
        Binding("x", "clear_flag", "Clear flag", show=False, id="woman-clear-flag"),
        Binding("e", "edit", "Edit", id="woman-edit"),
        Binding("o", "consent", "Consent", id="woman-consent"),
        Binding("z", "close_case", "Close", id="woman-close"),
        Binding("u", "reopen", "Reopen", id="woman-reopen"),
        Binding("a", "allocate", "Allocate", id="woman-allocate"),
        Binding("d", "referral", "Referral", show=False, id="woman-referral"),
        Binding("w", "withdraw", "Withdraw consent", show=False, id="woman-withdraw"),
        Binding("s", "share", "Share", show=False, id="woman-share"),
        Binding("m", "needs", "Needs", id="woman-needs"),
        Binding("p", "plan", "Plan", id="woman-plan"),
        Binding("r", "outcomes", "Outcomes", show=False, id="woman-outcomes"),
        Binding("ctrl+r", "requests", "Access/erase", show=False, id="woman-requests"),
        *(
            Binding(str(n), f"tab({n})", f"Tab {n}", show=False, id=f"woman-tab-{n}")
            for n in range(1, 10)
        ),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Log a contact", "contact", "Today, now, an attended 1-2-1 unless you change it (c)"),
        ("Raise a flag", "raise_flag", "MARAC, safeguarding, risk to staff ... (f)"),
        ("Clear a flag", "clear_flag", "With a reason; it stays in her history (x)"),
        ("Edit her details", "edit", "Names, contact, borough, hub, equality (e)"),
        ("Correct her referral", "referral", "Date, source, criminal-justice status (d)"),
        ("Record consent", "consent", "What she agreed to and when (o)"),
        ("Withdraw consent", "withdraw", "Record that she withdrew her consent (w)"),
        ("Close her case", "close_case", "With a reason (z)"),
        ("Reopen her case", "reopen", "Optionally with a new referral (u)"),
        ("Allocate to a keyworker", "allocate", "Managers: change her keyworker (a)"),
        ("Share her record", "share", "With another keyworker (s)"),
        ("Stop sharing her record", "unshare", "Take a keyworker's access away"),
        ("Needs assessments and distance travelled", "needs", "Baseline, review, exit (m)"),
        ("New needs assessment", "new_assessment", "Level and score for each need area"),
        ("Support plan", "plan", "Her goals per need area, with target dates (p)"),
        ("Record outcome answers", "outcomes", "The commissioner's four questions, 1-5 (r)"),
        ("Subject access pack or erasure", "requests", "Managers: her pack, or erase (ctrl+r)"),
        ("Back", "back", "Leave her record (Esc)"),
    )

    class Loaded(Message):
        """Her record was read."""

        def __init__(self, record: WomanRecord, hubs: list[HubInfo]) -> None:
            super().__init__()
            self.record = record
            self.hubs = hubs

    class Done(Message):
        """A change was saved; say so and reload."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    class StaffLoaded(Message):
        """Staff to choose from arrived; `purpose` says what for."""

        def __init__(self, purpose: str, people: list[StaffMember]) -> None:
            super().__init__()
            self.purpose = purpose
            self.people = people

    def __init__(self, woman_id: int) -> None:
        super().__init__()
        self.woman_id = woman_id
        self.record: WomanRecord | None = None
        self.hubs: list[HubInfo] = []

    def tabs(self) -> list[WomanTab]:
        """Her record's tabs, in order (features add theirs here)."""
        return [
            WomanTab("summary", "Summary", lambda: TextView(describe_summary, id="summary-view")),
            WomanTab("contacts", "Contacts", ContactsView),
            WomanTab("details", "Details", lambda: TextView(describe_details, id="details-view")),
            WomanTab(
                "referral", "Referral", lambda: TextView(describe_referrals, id="referral-view")
            ),
            WomanTab("consent", "Consent", lambda: TextView(describe_consent, id="consent-view")),
            WomanTab("flags", "Flags", lambda: TextView(describe_flags, id="flags-view")),
            WomanTab("groups", "Groups", lambda: WomanGroupsView(self.woman_id)),
        ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Opening her record…", id="woman-name")
        yield Static("", id="woman-line")
        with TabbedContent(id="woman-tabs"):
            for tab in self.tabs():
                with TabPane(tab.title, id=f"tab-{tab.id}"):
                    yield tab.make()
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    # -- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="woman-load")
    def load(self) -> None:
        """Open her record (audited) and the hubs for the forms."""
        record = open_woman(self.ctx, self.woman_id)
        self.post_message(self.Loaded(record, list_hubs(self.ctx)))

    def on_woman_screen_loaded(self, message: Loaded) -> None:
        self.record = message.record
        self.hubs = message.hubs
        w = message.record.woman
        self.query_one("#woman-name", Static).update(
            name_with_badges(
                safe(w.name, limit=60, style="bold"), (f.type for f in message.record.active_flags)
            )
        )
        age = age_on(w.date_of_birth, clock.today())
        parts = [w.reference, label(WOMAN_STATUSES, w.status)]
        if w.date_of_birth:
            parts.append(f"born {show_date(w.date_of_birth)} ({age})")
        line = Text(" · ".join(parts), style="dim")
        line.append(" · keyworker ", style="dim")
        line.append_text(safe(message.record.keyworker_name or "unallocated", limit=30))
        self.query_one("#woman-line", Static).update(line)
        for view in self.query("*"):
            if isinstance(view, RecordView):
                view.show_record(message.record)
        self.refresh_bindings()
        self.resume_draft()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A refused open (not hers) is said and the screen closes; other errors are said."""
        super().on_worker_state_changed(event)
        if (
            event.state == WorkerState.ERROR
            and event.worker.group == "woman-load"
            and self.record is None
            and self.is_current
        ):
            self.app.pop_screen()

    def on_woman_screen_done(self, message: Done) -> None:
        self.notify(message.message, markup=False)
        self.load()

    # -- which keys apply ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim what does not apply to her now, or to the actor's role."""
        record = self.record
        if action in ("back", "tab"):
            return True
        if record is None:
            return None
        open_case = record.woman.status != "closed"
        rules = {
            "contact": open_case,
            "clear_flag": bool(record.active_flags),
            "withdraw": record.consent is not None,
            "close_case": open_case,
            "reopen": not open_case,
            "allocate": permissions.allowed(self.ctx, "women.allocate"),
            "referral": record.referral is not None,
            "share": permissions.allowed_for(
                self.ctx, "women.share", owner_id=record.woman.keyworker_id
            ),
            "unshare": bool(record.shared_with),
            "requests": permissions.allowed(self.ctx, "sar"),
        }
        if action in ("close_case", "reopen", "allocate", "requests"):
            # One key of the pair applies at a time; the other is hidden, not dimmed. Keys
            # of another role are not hers at all: hidden from the footer, help and palette.
            return bool(rules[action])
        if action in rules:
            return True if rules[action] else None
        return True

    # -- actions -------------------------------------------------------------------------

    def help_text(self) -> str:
        """F1: the manager-only keys are left out for anyone else."""
        text = self.HELP
        if not self.ctx.actor.is_manager:
            for part in self.MANAGER_HELP:
                text = text.replace(part, "")
        return text

    def draft_route(self) -> dict[str, Any] | None:
        """Her record opens again from her id."""
        return {"screen": "woman", "woman_id": self.woman_id}

    def _form(self, form: FieldForm[Any], message: str, action: str, *args: int) -> None:
        def saved(result: object) -> None:
            if result is not None:
                self.post_message(self.Done(message))

        spec: dict[str, Any] = {"action": action}
        if args:
            spec["args"] = list(args)
        self.open_form(form, saved, spec=spec)

    def _ready(self) -> WomanRecord | None:
        if self.record is None:
            self.notify("Her record is still opening.", markup=False)
        return self.record

    def action_back(self) -> None:
        """Leave her record."""
        self.app.pop_screen()

    def action_tab(self, number: int) -> None:
        """Show tab `number` (1 is the first)."""
        tabs = self.tabs()
        if 1 <= number <= len(tabs):
            self.query_one(TabbedContent).active = f"tab-{tabs[number - 1].id}"

    def action_contact(self) -> None:
        """Log a contact with her."""
        if record := self._ready():
            w = record.woman
            self._form(
                ContactForm(w.id, w.name, self.hubs, hub_id=w.hub_id), "Contact logged.", "contact"
            )

    def action_correct_contact(self, contact_id: int) -> None:
        """Correct one of her contacts (how a draft of a correction opens again)."""
        record = self._ready()
        contact = next((c for c in record.contacts if c.id == contact_id), None) if record else None
        if record and contact:
            form = ContactForm(record.woman.id, record.woman.name, self.hubs, contact=contact)
            self._form(form, "Contact corrected.", "correct_contact", contact.id)

    @on(ContactsView.Chosen)
    def _read_contact(self, message: ContactsView.Chosen) -> None:
        """Enter on a contact: read all of it; e there corrects it."""
        contact = message.contact

        def chosen(answer: str | None) -> None:
            if answer == "edit":
                self.action_correct_contact(contact.id)

        name = self.record.woman.name if self.record else ""
        self.app.push_screen(ContactViewModal(contact, name), chosen)

    def action_raise_flag(self) -> None:
        """Raise a flag."""
        if record := self._ready():
            active = [f.type for f in record.active_flags]
            if len(active) == len(FLAG_TYPES):
                self.notify("Every kind of flag is already raised.", markup=False)
                return
            self._form(
                RaiseFlagForm(record.woman.id, record.woman.name, active),
                "Flag raised.",
                "raise_flag",
            )

    def action_clear_flag(self) -> None:
        """Clear one of her flags."""
        if (record := self._ready()) and record.active_flags:
            self._form(
                ClearFlagForm(record.woman.name, record.active_flags), "Flag cleared.", "clear_flag"
            )

    def action_edit(self) -> None:
        """Edit her details."""
        if record := self._ready():
            self._form(WomanForm(self.hubs, detail=record.woman), "Details saved.", "edit")

    def action_referral(self) -> None:
        """Correct her latest referral."""
        if (record := self._ready()) and record.referral:
            self._form(
                ReferralForm(record.woman.name, record.referral), "Referral saved.", "referral"
            )

    def action_consent(self) -> None:
        """Record her consent."""
        if record := self._ready():
            self._form(
                ConsentForm(record.woman.id, record.woman.name), "Consent recorded.", "consent"
            )

    def action_withdraw(self) -> None:
        """Record that she withdrew her consent."""
        if (record := self._ready()) and record.consent:
            form = WithdrawConsentForm(record.woman.name, record.consent)
            self._form(form, "Consent withdrawal recorded.", "withdraw")

    def action_close_case(self) -> None:
        """Close her case."""
        if (record := self._ready()) and record.woman.status != "closed":
            self._form(CloseForm(record.woman.id, record.woman.name), "Case closed.", "close_case")

    def action_reopen(self) -> None:
        """Reopen her case."""
        if (record := self._ready()) and record.woman.status == "closed":
            self._form(ReopenForm(record.woman.id, record.woman.name), "Case reopened.", "reopen")

    def _reload_after(self, _result: object) -> None:
        # Her summary and distance figures may have changed on the screen just closed.
        self.load()

    def action_needs(self) -> None:
        """Her needs assessments and the distance she has travelled."""
        if self._ready():
            self.app.push_screen(DistanceScreen(self.woman_id), self._reload_after)

    def action_new_assessment(self) -> None:
        """Record a needs assessment (baseline, review or exit)."""
        if self._ready():
            self._form(AssessmentForm(self.woman_id), "Assessment saved.", "new_assessment")

    def action_plan(self) -> None:
        """Her support plan."""
        if record := self._ready():
            screen = PlanScreen(self.woman_id, title=record.woman.name)
            self.app.push_screen(screen, self._reload_after)

    def action_outcomes(self) -> None:
        """Record her answers to the outcome questions."""
        if self._ready():
            self._form(OutcomesForm(self.woman_id), "Outcome answers saved.", "outcomes")

    def action_requests(self) -> None:
        """Managers: her subject access pack, or erasure."""
        if (record := self._ready()) and permissions.allowed(self.ctx, "sar"):
            self.app.push_screen(SubjectRequestsScreen(reference=record.woman.reference))

    def action_allocate(self) -> None:
        """Choose her keyworker (managers)."""
        if self._ready():
            self._load_staff("allocate")

    def action_share(self) -> None:
        """Share her record with another keyworker."""
        if self._ready():
            self._load_staff("share")

    def action_unshare(self) -> None:
        """Stop sharing her record with someone."""
        if (record := self._ready()) and record.shared_with:
            options = [(str(m.id), m.name) for m in record.shared_with]

            def chosen(key: str | None) -> None:
                if key:
                    self._change(
                        lambda: unshare_woman(self.ctx, self.woman_id, int(key)),
                        "No longer shared.",
                    )

            self.app.push_screen(PickModal("Stop sharing with", options), chosen)

    @work(thread=True, exit_on_error=False, group="woman-staff")
    def _load_staff(self, purpose: str) -> None:
        self.post_message(self.StaffLoaded(purpose, staff(self.ctx)))

    def on_woman_screen_staff_loaded(self, message: StaffLoaded) -> None:
        record = self.record
        if record is None:
            return
        if message.purpose == "allocate":
            options = [("", "Unallocated"), *((str(m.id), m.name) for m in message.people)]
            current = str(record.woman.keyworker_id or "")

            def allocated(key: str | None) -> None:
                if key is not None and key != current:
                    target = int(key) if key else None
                    self._change(
                        lambda: allocate(self.ctx, self.woman_id, target), "Keyworker changed."
                    )

            self.app.push_screen(PickModal("Allocate to", options, current), allocated)
            return
        taken = {record.woman.keyworker_id, *(m.id for m in record.shared_with)}
        options = [(str(m.id), m.name) for m in message.people if m.id not in taken]

        def shared(key: str | None) -> None:
            if key:
                self._change(lambda: share_woman(self.ctx, self.woman_id, int(key)), "Shared.")

        self.app.push_screen(PickModal("Share her record with", options), shared)

    @work(thread=True, exit_on_error=False, group="woman-change")
    def _change(self, call: Callable[[], object], message: str) -> None:
        call()
        self.post_message(self.Done(message))


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


def open_woman_screen(app: Any, woman_id: int) -> None:
    """Open her record over the home screen (from the palette or anywhere)."""
    if getattr(app, "ctx", None) is None:
        return
    back_home(app)
    app.push_screen(WomanScreen(woman_id))
