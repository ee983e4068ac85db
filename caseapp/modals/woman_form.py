"""A new woman (details, referral, equality monitoring) or changes to her details or referral.

A new woman whose name and date of birth match someone held gets a "possible duplicate"
warning: saving again (unchanged) adds her anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from caseapp.errors import CaseappError
from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import (
    BOROUGH_NAMES,
    CJ_STATUSES,
    ETHNICITIES,
    NATIONALITIES,
    REFERRAL_SOURCES,
    RELIGIONS,
    SEXUAL_ORIENTATIONS,
    YES_NO,
    YES_NO_DECLINED,
)
from caseapp.services.hubs import HubInfo
from caseapp.services.women import create_woman, edit_referral, edit_woman
from caseapp.services.women_types import (
    PossibleDuplicate,
    ReferralInfo,
    ReferralInput,
    StaffMember,
    WomanInfo,
    WomanInput,
    as_input,
    as_referral_input,
)
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput

NOT_RECORDED = "Not recorded"
BOROUGHS_BY_NAME = sorted(BOROUGH_NAMES.items(), key=lambda item: item[1])


def _text(label: str, field: str, value: str = "", *, hint: str = "") -> FieldRow:
    # No max_length: text past the limit would vanish as she typed; the service says the limit.
    return FieldRow(label, CompactInput(value, hint, id=f"w-{field}"), field)


def _choice(label: str, field: str, options: Any, value: str | None) -> FieldRow:
    return FieldRow(label, ChoiceField(options, value, blank=NOT_RECORDED, id=f"w-{field}"), field)


def _heading(text: str) -> Static:
    return Static(Text(text, style="bold"), classes="form-heading")


def referral_rows(details: ReferralInput) -> Iterable[Widget]:
    """The rows of a referral: date, source, criminal-justice status, referrer, police BCU."""
    yield FieldRow(
        "Referred on", DateInput(details.referral_date, id="w-referral_date"), "referral_date"
    )
    yield FieldRow(
        "Source",
        ChoiceField(REFERRAL_SOURCES, details.source, blank="Choose a source", id="w-source"),
        "source",
    )
    yield _choice("CJ status", "cj_status", CJ_STATUSES, details.cj_status)
    yield _text("Referrer org", "referrer_org", details.referrer_org, hint="optional")
    yield _text("Police BCU", "police_bcu", details.police_bcu, hint="diversion only")


class WomanForm(FieldForm[WomanInfo]):
    """Her details; with no `detail` it adds a new woman with her referral."""

    HELP = (
        "## Her details\n\n"
        "Type her **first or last name** (or both); everything else can wait. Dates: "
        "24/11/2026, 2026-11-24, today or yesterday. Choices: ←/→ or type the first letters "
        "(Borough: type `hac` for Hackney). Enter or ctrl+s saves.\n\n"
        "If someone with the same name and date of birth is already held you are warned "
        "with her reference; check, then save again to add her anyway."
    )

    def __init__(
        self,
        hubs: Sequence[HubInfo],
        *,
        detail: WomanInfo | None = None,
        staff: Sequence[StaffMember] = (),
        can_allocate: bool = False,
    ) -> None:
        title = (
            Text("Edit the details of ").append_text(safe(detail.name, limit=50))
            if detail
            else Text("A new woman")
        )
        super().__init__(title)
        self.hubs = list(hubs)
        self.detail = detail
        self.staff = list(staff)
        self.can_allocate = can_allocate
        self.warned_for: tuple[str, str, str] | None = None

    def rows(self) -> Iterable[Widget]:
        d = as_input(self.detail) if self.detail else WomanInput()
        yield _text("First name", "first_name", d.first_name)
        yield _text("Last name", "last_name", d.last_name)
        yield _text("Preferred name", "preferred_name", d.preferred_name, hint="optional")
        yield FieldRow(
            "Date of birth",
            DateInput(d.date_of_birth, id="w-date_of_birth", placeholder="e.g. 24/11/1990"),
            "date_of_birth",
        )
        yield _text("Phone", "phone", d.phone)
        yield _text(
            "Safe contact",
            "safe_contact_note",
            d.safe_contact_note,
            hint="how to contact her safely",
        )
        yield _choice("Borough", "borough", BOROUGHS_BY_NAME, d.borough)
        hubs = [(str(h.id), h.name) for h in self.hubs]
        yield FieldRow(
            "Hub",
            ChoiceField(hubs, str(d.hub_id) if d.hub_id else None, blank="No hub", id="w-hub_id"),
            "hub_id",
        )
        if self.detail is None:
            yield _heading("Referral")
            yield from referral_rows(ReferralInput())
            if self.can_allocate:
                people = [(str(m.id), m.name) for m in self.staff]
                yield FieldRow(
                    "Keyworker",
                    ChoiceField(people, blank="Unallocated", id="w-keyworker"),
                    "keyworker",
                )
        yield _heading("Equality monitoring (with her agreement)")
        yield _choice("Ethnicity", "ethnicity", ETHNICITIES, d.ethnicity)
        yield _choice("Disability", "disability", YES_NO_DECLINED, d.disability)
        yield _choice(
            "Gender as birth", "gender_identity_same", YES_NO_DECLINED, d.gender_identity_same
        )
        yield _choice("Sexuality", "sexual_orientation", SEXUAL_ORIENTATIONS, d.sexual_orientation)
        yield _choice("Religion", "religion", RELIGIONS, d.religion)
        yield _choice("Nationality", "nationality", NATIONALITIES, d.nationality)
        yield _choice("Pregnant", "pregnant", YES_NO, d.pregnant)
        children = "" if d.dependent_children is None else str(d.dependent_children)
        yield FieldRow(
            "Children",
            CompactInput(
                children, "dependent children", id="w-children", max_length=2, restrict=r"[0-9]*"
            ),
            "dependent_children",
        )

    def collect(self) -> tuple[WomanInput, ReferralInput | None, int | None, bool]:
        hub = self.value("hub_id")
        details = WomanInput(
            first_name=self.value("first_name"),
            last_name=self.value("last_name"),
            preferred_name=self.value("preferred_name"),
            date_of_birth=self.value("date_of_birth"),
            phone=self.value("phone"),
            safe_contact_note=self.value("safe_contact_note"),
            borough=self.value("borough"),
            hub_id=int(hub) if hub else None,
            ethnicity=self.value("ethnicity"),
            disability=self.value("disability"),
            gender_identity_same=self.value("gender_identity_same"),
            sexual_orientation=self.value("sexual_orientation"),
            religion=self.value("religion"),
            nationality=self.value("nationality"),
            pregnant=self.value("pregnant"),
            dependent_children=self.value("dependent_children"),
        )
        if self.detail is not None:
            return details, None, None, False
        referral = ReferralInput(
            referral_date=self.value("referral_date"),
            source=self.value("source"),
            cj_status=self.value("cj_status"),
            referrer_org=self.value("referrer_org"),
            police_bcu=self.value("police_bcu"),
        )
        keyworker = self.value("keyworker") if self.can_allocate else None
        # Saving again after the duplicate warning, with the same name and birth date, confirms.
        confirm = self.warned_for == self._identity(details)
        return details, referral, int(keyworker) if keyworker else None, confirm

    @staticmethod
    def _identity(details: WomanInput) -> tuple[str, str, str]:
        return details.first_name, details.last_name, str(details.date_of_birth)

    def perform(self, data: Any) -> WomanInfo:
        details, referral, keyworker, confirm = data
        if self.detail is not None:
            return edit_woman(self.ctx, self.detail.id, details)
        return create_woman(
            self.ctx, details, referral, keyworker_id=keyworker, confirm_duplicate=confirm
        )

    def failed(self, error: CaseappError) -> bool:
        if not isinstance(error, PossibleDuplicate):
            return False
        self.warned_for = self._identity(self.collect()[0])
        self.show_problems({})
        self.say(Text("⚠ ", style="bold").append(str(error)))
        return True


class ReferralForm(FieldForm[ReferralInfo]):
    """Correct a referral's date, source, criminal-justice status or referrer."""

    HELP = (
        "## Her referral\n\n"
        "Correct when she was referred, by whom (source and organisation), her "
        "criminal-justice status, and the police BCU for diversion referrals."
    )

    def __init__(self, woman_name: str, referral: ReferralInfo) -> None:
        super().__init__(Text("Referral of ").append_text(safe(woman_name, limit=50)))
        self.referral = referral

    def rows(self) -> Iterable[Widget]:
        yield from referral_rows(as_referral_input(self.referral))

    def collect(self) -> ReferralInput:
        return ReferralInput(
            referral_date=self.value("referral_date"),
            source=self.value("source"),
            cj_status=self.value("cj_status"),
            referrer_org=self.value("referrer_org"),
            police_bcu=self.value("police_bcu"),
        )

    def perform(self, data: Any) -> ReferralInfo:
        return edit_referral(self.ctx, self.referral.id, data)
