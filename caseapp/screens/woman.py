"""A woman's record: her name and flags at the top, then tabs (summary, contacts, details,
referral, consent, flags), and keys for everything a keyworker does with her.

Other features add tabs in `WomanScreen.tabs()`: each tab's content is a widget with a
`show_record(record)` method (`woman_tabs`), called whenever her record is (re)loaded. Adding a
new woman is `new_woman.NewWomanScreen`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane
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
    FLAG_TYPES,
    WOMAN_STATUSES,
    label,
)
from caseapp.screens.base import CaseScreen
from caseapp.screens.distance import DistanceScreen
from caseapp.screens.navigation import back_home
from caseapp.screens.plan import PlanScreen
from caseapp.screens.subject_requests import SubjectRequestsScreen
from caseapp.screens.woman_tabs import (
    ContactsView,
    RecordView,
    TextView,
    WomanTab,
    describe_consent,
    describe_details,
    describe_flags,
    describe_referrals,
    describe_summary,
)
from caseapp.services import permissions
from caseapp.services.allocation import allocate, share_woman, staff, unshare_woman
from caseapp.services.hubs import HubInfo, list_hubs
from caseapp.services.validation import show_date
from caseapp.services.women import age_on, open_woman
from caseapp.services.women_types import StaffMember, WomanRecord
from caseapp.sync.desk import conflicts_about
from caseapp.widgets.flag_badges import conflict_badge, name_with_badges
from caseapp.widgets.safe import safe
from caseapp.widgets.woman_groups import WomanGroupsView


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
        # The footer keeps to the day's keys so it fits 80 columns; the rest are in F1 help
        # and the palette.
        Binding("e", "edit", "Edit", show=False, id="woman-edit"),
        Binding("o", "consent", "Consent", show=False, id="woman-consent"),
        Binding("z", "close_case", "Close", show=False, id="woman-close"),
        Binding("u", "reopen", "Reopen", show=False, id="woman-reopen"),
        Binding("a", "allocate", "Allocate", show=False, id="woman-allocate"),
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

        def __init__(self, record: WomanRecord, hubs: list[HubInfo], conflicts: int = 0) -> None:
            super().__init__()
            self.record = record
            self.hubs = hubs
            self.conflicts = conflicts

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
        # Open sync conflicts about her: a marker beside her flags until they are resolved.
        conflicts = conflicts_about(self.ctx, record.woman.reference)
        self.post_message(self.Loaded(record, list_hubs(self.ctx), conflicts))

    def on_woman_screen_loaded(self, message: Loaded) -> None:
        self.record = message.record
        self.hubs = message.hubs
        w = message.record.woman
        heading = name_with_badges(
            safe(w.name, limit=60, style="bold"), (f.type for f in message.record.active_flags)
        )
        if message.conflicts:
            heading.append(" ")
            heading.append_text(conflict_badge(message.conflicts))
        self.query_one("#woman-name", Static).update(heading)
        age = age_on(w.date_of_birth, message.record.read_on)
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


def open_woman_screen(app: Any, woman_id: int) -> None:
    """Open her record over the home screen (from the palette or anywhere)."""
    if getattr(app, "ctx", None) is None:
        return
    back_home(app)
    app.push_screen(WomanScreen(woman_id))
