"""Consent: what she agreed to (service, data processing, sharing with named agencies) and
when she withdrew it. Her current consent is the latest one not withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Consent, User
from caseapp.services import settings
from caseapp.services.access import get_visible_woman
from caseapp.services.checks import Checker
from caseapp.services.context import Ctx
from caseapp.services.her_record import mark_changed, read_part
from caseapp.services.permissions import require
from caseapp.services.validation import show_date


@dataclass(frozen=True)
class ConsentInput:
    """Consent as typed in the form; by default service and data processing, no sharing."""

    given_on: str | date | None = "today"
    service: bool = True
    data_processing: bool = True
    sharing: bool = False
    sharing_agencies: str = ""
    privacy_notice_version: str = ""


@dataclass(frozen=True)
class ConsentInfo:
    """A consent she gave, who took it, and its withdrawal if any."""

    id: int
    woman_id: int
    given_on: date
    service: bool
    data_processing: bool
    sharing: bool
    sharing_agencies: str
    privacy_notice_version: str
    taken_by: str
    withdrawn_on: date | None
    withdrawn_reason: str

    @property
    def current(self) -> bool:
        """Whether it still stands (not withdrawn)."""
        return self.withdrawn_on is None


def record_consent(ctx: Ctx, woman_id: int, entered: ConsentInput | None = None) -> ConsentInfo:
    """Record her consent; the privacy-notice version defaults to the store's setting."""
    require(ctx, "women.edit", subject_id=woman_id)
    entered = entered or ConsentInput()
    check = Checker()
    given = check.date(entered.given_on, "given_on", today=ctx.clock.today(), required=True)
    agencies = check.text(entered.sharing_agencies, "sharing_agencies", limit=500)
    version = check.text(entered.privacy_notice_version, "privacy_notice_version", limit=20)
    if entered.sharing and not agencies:
        check.fail("sharing_agencies", "Name the agencies she agreed to share with.")
    if not (entered.service or entered.data_processing or entered.sharing):
        check.fail("service", "Choose at least one thing she agreed to.")
    check.done()
    assert given is not None
    version = version or settings.get(ctx, "privacy_notice_version")
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        consent = Consent(
            woman_id=woman_id,
            given_on=given,
            scope_service=entered.service,
            scope_data_processing=entered.data_processing,
            scope_sharing=entered.sharing,
            sharing_agencies=agencies if entered.sharing else "",
            privacy_notice_version=version,
            taken_by_id=ctx.actor.user_id,
        )
        session.add(consent)
        session.flush()
        mark_changed(session, ctx, woman, "consent_recorded", ["consent"])
        return _one(session, consent)


def withdraw_consent(
    ctx: Ctx,
    consent_id: int,
    reason: str = "",
    *,
    withdrawn_on: str | date | None = "today",
) -> ConsentInfo:
    """Record that she withdrew a consent (the record of it is kept)."""
    require(ctx, "women.edit")
    check = Checker()
    when = check.date(withdrawn_on, "withdrawn_on", today=ctx.clock.today(), required=True)
    why = check.text(reason, "reason", limit=500, multiline=True)
    with ctx.write() as session:
        consent = session.get(Consent, consent_id)
        if consent is None:
            raise NotFound("No such consent.")
        woman = get_visible_woman(session, ctx, consent.woman_id)
        if consent.withdrawn_on is not None:
            raise ValidationError("That consent has already been withdrawn.", {"consent": "done"})
        if when is not None and when < consent.given_on:
            shown = show_date(consent.given_on)
            check.fail("withdrawn_on", f"Type a date on or after {shown}, when it was given.")
        check.done()
        consent.withdrawn_on = when
        consent.withdrawn_reason = why
        session.add(consent)
        mark_changed(session, ctx, woman, "consent_withdrawn", ["consent"])
        return _one(session, consent)


def load_consents(session: Session, woman_id: int) -> list[ConsentInfo]:
    """Her consents, newest first."""
    stmt = (
        select(Consent, User.display_name, User.username)
        .outerjoin(User, col(User.id) == col(Consent.taken_by_id))
        .where(col(Consent.woman_id) == woman_id)
        .order_by(col(Consent.given_on).desc(), col(Consent.id).desc())
    )
    return [_make(c, shown or user or "") for c, shown, user in session.exec(stmt).all()]


def consent_history(ctx: Ctx, woman_id: int) -> list[ConsentInfo]:
    """Every consent she has given, newest first."""
    return read_part(ctx, woman_id, "consent", load_consents)


def current_consent(consents: list[ConsentInfo]) -> ConsentInfo | None:
    """The consent that stands now: the newest one not withdrawn."""
    return next((c for c in consents if c.current), None)


def _one(session: Session, consent: Consent) -> ConsentInfo:
    return next(c for c in load_consents(session, consent.woman_id) if c.id == consent.id)


def _make(consent: Consent, taken_by: str) -> ConsentInfo:
    assert consent.id is not None
    return ConsentInfo(
        id=consent.id,
        woman_id=consent.woman_id,
        given_on=consent.given_on,
        service=consent.scope_service,
        data_processing=consent.scope_data_processing,
        sharing=consent.scope_sharing,
        sharing_agencies=consent.sharing_agencies,
        privacy_notice_version=consent.privacy_notice_version,
        taken_by=taken_by,
        withdrawn_on=consent.withdrawn_on,
        withdrawn_reason=consent.withdrawn_reason,
    )
