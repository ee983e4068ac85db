"""A woman's record as typed in a form (input) and as read back (output), and the conversions.

Input types hold what a form gives (text or codes, checked by `women`); output types are
frozen, detached copies of stored rows. `as_input` turns what is held back into form input.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime

from caseapp.errors import CaseappError
from caseapp.models import Referral, User, Woman
from caseapp.services.ages import unlikely_age_message
from caseapp.services.caseload import display_name
from caseapp.services.consent import ConsentInfo, current_consent
from caseapp.services.contacts import ContactInfo
from caseapp.services.flags import FlagInfo


class PossibleDuplicate(CaseappError):
    """Someone with the same folded name and date of birth is already held."""

    exit_code = 6

    def __init__(self, references: tuple[str, ...]) -> None:
        self.references = references
        shown = ", ".join(references[:3]) + (" ..." if len(references) > 3 else "")
        super().__init__(
            f"Possible duplicate of {shown}: same name and date of birth. "
            "Check before saving; save again to add her anyway."
        )


class UnlikelyAge(PossibleDuplicate):
    """A date of birth that makes her younger than 16 or older than 110 at referral.

    Confirmed like a possible duplicate (the form's second save), so it needs no new path.
    """

    def __init__(self, age: int, references: tuple[str, ...] = ()) -> None:
        self.references = references
        also = f" Also a possible duplicate of {', '.join(references[:3])}." if references else ""
        CaseappError.__init__(
            self,
            f"Date of birth {unlikely_age_message(age)}.{also} "
            "Check before saving; save again to add her anyway.",
        )


@dataclass(frozen=True)
class WomanInput:
    """Her details and equality monitoring as typed in a form (codes, or None = not recorded)."""

    first_name: str = ""
    last_name: str = ""
    preferred_name: str = ""
    date_of_birth: str | date | None = None
    phone: str = ""
    safe_contact_note: str = ""
    borough: str | None = None
    hub_id: int | None = None
    ethnicity: str | None = None
    disability: str | None = None
    gender_identity_same: str | None = None
    sexual_orientation: str | None = None
    religion: str | None = None
    nationality: str | None = None
    pregnant: str | None = None
    dependent_children: int | str | None = None


@dataclass(frozen=True)
class ReferralInput:
    """A referral as typed: when, from whom, her criminal-justice status."""

    referral_date: str | date | None = "today"
    source: str | None = None
    cj_status: str | None = None
    referrer_org: str = ""
    police_bcu: str = ""


@dataclass(frozen=True)
class WomanInfo:
    """Her record's own fields (the lists hanging off it are in `WomanRecord`)."""

    id: int
    reference: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: date | None
    phone: str
    safe_contact_note: str
    borough_code: str | None
    hub_id: int | None
    keyworker_id: int | None
    status: str
    ethnicity: str | None
    disability: str | None
    gender_identity_same: str | None
    sexual_orientation: str | None
    religion: str | None
    nationality: str | None
    pregnant: str | None
    dependent_children: int | None
    closed_on: date | None
    closure_reason: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def name(self) -> str:
        """Her name as shown: first and last, with a different preferred name in brackets."""
        return display_name(self.first_name, self.last_name, self.preferred_name)


@dataclass(frozen=True)
class ReferralInfo:
    """A referral into the service."""

    id: int
    referral_date: date
    source: str | None
    cj_status: str | None
    referrer_org: str
    police_bcu: str
    allocated_to_id: int | None


@dataclass(frozen=True)
class ClosureInfo:
    """A closure of her case and, if she came back, when it was reopened."""

    id: int
    closed_on: date
    reason: str
    note: str
    closed_by: str
    reopened_on: date | None


@dataclass(frozen=True)
class StaffMember:
    """A member of staff a woman can be allocated to or shared with."""

    id: int
    name: str
    role: str


@dataclass(frozen=True)
class WomanRecord:
    """Everything shown when her record is open."""

    woman: WomanInfo
    hub_name: str
    borough_name: str
    keyworker_name: str
    referrals: tuple[ReferralInfo, ...]
    flags: tuple[FlagInfo, ...]
    consents: tuple[ConsentInfo, ...]
    contacts: tuple[ContactInfo, ...]
    contact_count: int
    closures: tuple[ClosureInfo, ...]
    shared_with: tuple[StaffMember, ...]
    last_contact: date | None
    read_on: date
    """Today by the context's clock when it was read: her age and "days ago" count from it."""

    @property
    def active_flags(self) -> tuple[FlagInfo, ...]:
        """Flags shown beside her name."""
        return tuple(f for f in self.flags if f.active)

    @property
    def consent(self) -> ConsentInfo | None:
        """The consent that stands now, if any."""
        return current_consent(list(self.consents))

    @property
    def referral(self) -> ReferralInfo | None:
        """Her latest referral."""
        return self.referrals[0] if self.referrals else None


def user_name(user: User | None) -> str:
    """The name staff are shown by: display name, else username ("" for nobody)."""
    return (user.display_name or user.username) if user else ""


def staff_member(user: User) -> StaffMember:
    """A user as someone she can be allocated to or shared with."""
    assert user.id is not None
    return StaffMember(user.id, user_name(user), user.role)


def woman_info(woman: Woman) -> WomanInfo:
    """Her row's own fields, detached."""
    assert woman.id is not None
    names = {f.name for f in fields(WomanInfo)}
    return WomanInfo(**{name: getattr(woman, name) for name in names})


def referral_info(r: Referral) -> ReferralInfo:
    """A referral row, detached."""
    assert r.id is not None
    return ReferralInfo(
        r.id,
        r.referral_date,
        r.source,
        r.cj_status,
        r.referrer_org,
        r.police_bcu,
        r.allocated_to_id,
    )


def as_input(detail: WomanInfo) -> WomanInput:
    """Her current details as form input (to edit them)."""
    return WomanInput(
        **{
            f.name: getattr(detail, f.name)
            for f in fields(WomanInput)
            if f.name not in ("borough",)
        },
        borough=detail.borough_code,
    )


def as_referral_input(referral: ReferralInfo) -> ReferralInput:
    """A referral as form input (to correct it)."""
    return ReferralInput(
        referral.referral_date,
        referral.source,
        referral.cj_status,
        referral.referrer_org,
        referral.police_bcu,
    )
