"""A woman's record: create (with a duplicate check), open, edit, close and reopen.

Its input and output types are in `women_types`; allocation and sharing in `allocation`.

Every function checks the actor's role and whether she may see this woman (`access.py`), and
records what it did in the audit log in the same transaction: field names only, never values.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Closure, Engagement, Hub, Referral, User, Woman, WomanShare
from caseapp.models.codes import (
    ATTENDED,
    CJ_STATUSES,
    CLOSURE_REASONS,
    ETHNICITIES,
    NATIONALITIES,
    REFERRAL_SOURCES,
    RELIGIONS,
    SEXUAL_ORIENTATIONS,
    YES_NO,
    YES_NO_DECLINED,
)
from caseapp.services import audit
from caseapp.services.access import get_visible_woman
from caseapp.services.ages import unlikely_age
from caseapp.services.checks import Checker
from caseapp.services.consent import load_consents
from caseapp.services.contacts import count_contacts, last_attended, load_contacts
from caseapp.services.context import Ctx
from caseapp.services.flags import load_flags
from caseapp.services.her_record import mark_changed
from caseapp.services.hubs import borough_name, resolve_borough
from caseapp.services.permissions import require
from caseapp.services.references import next_reference
from caseapp.services.skeleton import skeleton
from caseapp.services.validation import fold, show_date
from caseapp.services.women_types import (
    ClosureInfo,
    PossibleDuplicate,
    ReferralInfo,
    ReferralInput,
    UnlikelyAge,
    WomanInfo,
    WomanInput,
    WomanRecord,
    referral_info,
    staff_member,
    user_name,
    woman_info,
)

CONTACTS_SHOWN = 200
"""Contacts loaded with her record; older ones are counted, not loaded."""

EARLIEST_BIRTH = date(1900, 1, 1)
NAME_HINT = "Type her first name or last name (or both)."
PHONE_CHARS = frozenset("0123456789 +()-.")


# -- checking what was typed -------------------------------------------------------------


def _check_details(check: Checker, details: WomanInput, today: date) -> dict[str, Any]:
    first = check.text(details.first_name, "first_name")
    last = check.text(details.last_name, "last_name")
    if not first and not last and "first_name" not in check.problems:
        check.fail("first_name", NAME_HINT)
    phone = check.text(details.phone, "phone", limit=40)
    if phone and not set(phone) <= PHONE_CHARS:
        check.fail("phone", "Type a phone number: digits, spaces and + ( ) - only.")
    borough = None
    if details.borough:
        borough = resolve_borough(details.borough)
        if borough is None:
            check.fail("borough", "Type a London borough's name (e.g. Hackney) or GSS code.")
    return {
        "first_name": first,
        "last_name": last,
        "preferred_name": check.text(details.preferred_name, "preferred_name"),
        "date_of_birth": check.date(
            details.date_of_birth, "date_of_birth", today=today, earliest=EARLIEST_BIRTH
        ),
        "phone": phone,
        "safe_contact_note": check.text(
            details.safe_contact_note, "safe_contact_note", limit=2000, multiline=True
        ),
        "borough_code": borough,
        "hub_id": details.hub_id,
        "ethnicity": check.code(details.ethnicity, ETHNICITIES, "ethnicity"),
        "disability": check.code(details.disability, YES_NO_DECLINED, "disability"),
        "gender_identity_same": check.code(
            details.gender_identity_same, YES_NO_DECLINED, "gender_identity_same"
        ),
        "sexual_orientation": check.code(
            details.sexual_orientation, SEXUAL_ORIENTATIONS, "sexual_orientation"
        ),
        "religion": check.code(details.religion, RELIGIONS, "religion"),
        "nationality": check.code(details.nationality, NATIONALITIES, "nationality"),
        "pregnant": check.code(details.pregnant, YES_NO, "pregnant"),
        "dependent_children": check.integer(
            details.dependent_children, "dependent_children", low=0, high=20
        ),
    }


def _check_referral(check: Checker, referral: ReferralInput, today: date) -> dict[str, Any]:
    return {
        "referral_date": check.date(
            referral.referral_date, "referral_date", today=today, required=True
        ),
        "source": check.code(referral.source, REFERRAL_SOURCES, "source", required=True),
        "cj_status": check.code(referral.cj_status, CJ_STATUSES, "cj_status"),
        "referrer_org": check.text(referral.referrer_org, "referrer_org"),
        "police_bcu": check.text(referral.police_bcu, "police_bcu", limit=60),
    }


def _check_hub(check: Checker, session: Session, hub_id: int | None) -> None:
    if hub_id is not None and session.get(Hub, hub_id) is None:
        check.fail("hub_id", "Choose one of the hubs listed.")


def _norms(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_norm": fold(str(values["first_name"])),
        "last_norm": fold(str(values["last_name"])),
        "preferred_norm": fold(str(values["preferred_name"])),
    }


def check_staff(session: Session, user_id: int, field: str) -> User:
    """The active keyworker or manager `user_id`, or a ValidationError on `field`."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.role not in ("keyworker", "manager"):
        raise ValidationError(
            "Choose an active keyworker or manager.", {field: "Choose someone from the list."}
        )
    return user


# -- duplicates and creation -------------------------------------------------------------


def find_duplicates(
    session: Session, first: str, last: str, born: date | None, *, exclude: int | None = None
) -> tuple[str, ...]:
    """References of women held with the same names (either order) and birth date.

    With a date of birth, names compare by skeleton (look-alike letters and invisible
    characters folded, see `skeleton`) among the few women born that day.
    """
    f, la = fold(first), fold(last)
    if not f and not la:
        return ()
    if session.get_bind().dialect.name == "postgresql":
        # Row-level security hides other caseloads from her login: a definer function checks
        # them all and gives references only; with a birth date it compares the skeletons
        # the server computes from the same table of characters as `skeleton`.
        if born is not None:
            check = func.caseapp_possible_duplicates_by_skeleton(
                skeleton(first), skeleton(last), born, exclude
            )
        else:
            check = func.caseapp_possible_duplicates(f, la, born, exclude)
        found = session.exec(select(check))
        return tuple(str(ref) for ref in found.all())
    if born is not None:
        wanted = {(skeleton(first), skeleton(last)), (skeleton(last), skeleton(first))}
        born_then = select(Woman.id, Woman.reference, Woman.first_name, Woman.last_name).where(
            col(Woman.date_of_birth) == born
        )
        return tuple(
            sorted(
                ref
                for wid, ref, fn, ln in session.exec(born_then)
                if wid != exclude and (skeleton(fn), skeleton(ln)) in wanted
            )
        )
    same = and_(col(Woman.first_norm) == f, col(Woman.last_norm) == la)
    swapped = and_(col(Woman.first_norm) == la, col(Woman.last_norm) == f)
    stmt = select(col(Woman.reference)).where(or_(same, swapped))
    if born is not None:
        stmt = stmt.where(col(Woman.date_of_birth) == born)
    if exclude is not None:
        stmt = stmt.where(col(Woman.id) != exclude)
    return tuple(session.exec(stmt.order_by(col(Woman.reference))).all())


def create_woman(
    ctx: Ctx,
    details: WomanInput,
    referral: ReferralInput | None = None,
    *,
    keyworker_id: int | None = None,
    confirm_duplicate: bool = False,
) -> WomanInfo:
    """Add a woman with her referral and a new case reference; status `referred`.

    A keyworker's new woman is on her own caseload; a manager may allocate her at once or
    leave her unallocated. Raises `PossibleDuplicate` when someone with the same name and
    date of birth is held, unless `confirm_duplicate`.
    """
    require(ctx, "women.edit")
    today = ctx.clock.today()
    referral = referral or ReferralInput()
    if not ctx.actor.is_manager:
        if keyworker_id not in (None, ctx.actor.user_id):
            require(ctx, "women.allocate")
        keyworker_id = ctx.actor.user_id
    check = Checker()
    values = _check_details(check, details, today)
    referral_values = _check_referral(check, referral, today)
    with ctx.write() as session:
        _check_hub(check, session, details.hub_id)
        check.done()
        if keyworker_id is not None:
            check_staff(session, keyworker_id, "keyworker")
        if not confirm_duplicate:
            born = values["date_of_birth"]
            assert born is None or isinstance(born, date)
            matches = find_duplicates(
                session, str(values["first_name"]), str(values["last_name"]), born
            )
            age = unlikely_age(born, referral_values["referral_date"])
            if age is not None:
                raise UnlikelyAge(age, matches)
            if matches:
                raise PossibleDuplicate(matches)
        woman = Woman(
            reference=next_reference(session, today=today),
            keyworker_id=keyworker_id,
            status="referred",
            **_norms(values),
            **values,
        )
        session.add(woman)
        session.flush()
        assert woman.id is not None
        session.add(
            Referral(
                woman_id=woman.id,
                allocated_to_id=keyworker_id,
                **referral_values,
            )
        )
        filled = [name for name, value in values.items() if value not in (None, "")]
        audit.record(
            session,
            ctx,
            "woman_created",
            subject_id=woman.id,
            subject_ref=woman.reference,
            fields=[*filled, "referral", "keyworker_id"],
            duplicate_confirmed=confirm_duplicate,
        )
        return woman_info(woman)


# -- opening and reading -----------------------------------------------------------------


def open_woman(ctx: Ctx, woman_id: int) -> WomanRecord:
    """Open her record (audited): details, referrals, flags, consent, contacts, closures."""
    require(ctx, "women.view", subject_id=woman_id)
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        audit.record(session, ctx, "woman_opened", subject_id=woman_id, subject_ref=woman.reference)
        return _record(session, woman, ctx.clock.today())


def _record(session: Session, woman: Woman, today: date) -> WomanRecord:
    assert woman.id is not None
    hub = session.get(Hub, woman.hub_id) if woman.hub_id else None
    keyworker = session.get(User, woman.keyworker_id) if woman.keyworker_id else None
    referrals = session.exec(
        select(Referral)
        .where(col(Referral.woman_id) == woman.id)
        .order_by(col(Referral.referral_date).desc(), col(Referral.id).desc())
    ).all()
    closures = session.exec(
        select(Closure, User.display_name, User.username)
        .outerjoin(User, col(User.id) == col(Closure.closed_by_id))
        .where(col(Closure.woman_id) == woman.id)
        .order_by(col(Closure.closed_on).desc(), col(Closure.id).desc())
    ).all()
    shared = session.exec(
        select(User)
        .join(WomanShare, col(WomanShare.user_id) == col(User.id))
        .where(col(WomanShare.woman_id) == woman.id)
        .order_by(col(User.username))
    ).all()
    return WomanRecord(
        woman=woman_info(woman),
        hub_name=hub.name if hub else "",
        borough_name=borough_name(woman.borough_code),
        keyworker_name=user_name(keyworker),
        referrals=tuple(referral_info(r) for r in referrals),
        flags=tuple(load_flags(session, woman.id)),
        consents=tuple(load_consents(session, woman.id)),
        contacts=tuple(load_contacts(session, woman.id, CONTACTS_SHOWN)),
        contact_count=count_contacts(session, woman.id),
        closures=tuple(
            ClosureInfo(
                id=c.id or 0,
                closed_on=c.closed_on,
                reason=c.reason,
                note=c.note,
                closed_by=shown or user or "",
                reopened_on=c.reopened_on,
            )
            for c, shown, user in closures
        ),
        shared_with=tuple(staff_member(u) for u in shared),
        last_contact=last_attended(session, woman.id),
        read_on=today,
    )


# -- changes -----------------------------------------------------------------------------


def woman_for_change(session: Session, ctx: Ctx, woman_id: int) -> Woman:
    """Her row, once the actor may edit records and may see her."""
    require(ctx, "women.edit", subject_id=woman_id)
    return get_visible_woman(session, ctx, woman_id)


def _changed(target: object, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(target, name) != value]


def edit_woman(ctx: Ctx, woman_id: int, details: WomanInput) -> WomanInfo:
    """Change her details and equality monitoring; the audit names the fields changed."""
    require(ctx, "women.edit", subject_id=woman_id)
    check = Checker()
    values = _check_details(check, details, ctx.clock.today())
    with ctx.write() as session:
        _check_hub(check, session, details.hub_id)
        check.done()
        woman = woman_for_change(session, ctx, woman_id)
        values.update(_norms(values))
        changed = [n for n in _changed(woman, values) if not n.endswith("_norm")]
        for name, value in values.items():
            setattr(woman, name, value)
        if changed:
            mark_changed(session, ctx, woman, "woman_changed", changed)
        return woman_info(woman)


def edit_referral(ctx: Ctx, referral_id: int, referral: ReferralInput) -> ReferralInfo:
    """Correct a referral's date, source, criminal-justice status or referrer."""
    require(ctx, "women.edit")
    check = Checker()
    values = _check_referral(check, referral, ctx.clock.today())
    check.done()
    with ctx.write() as session:
        row = session.get(Referral, referral_id)
        if row is None:
            raise NotFound("No such referral.")
        woman = woman_for_change(session, ctx, row.woman_id)
        changed = _changed(row, values)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
        if changed:
            mark_changed(session, ctx, woman, "referral_changed", changed, referral_id=referral_id)
        return referral_info(row)


def close_woman(
    ctx: Ctx,
    woman_id: int,
    reason: str | None,
    *,
    closed_on: str | date | None = "today",
    note: str = "",
) -> WomanInfo:
    """Close her case with a reason (kept as a closure; her flags and history stay)."""
    check = Checker()
    code = check.code(reason, CLOSURE_REASONS, "reason", required=True)
    when = check.date(closed_on, "closed_on", today=ctx.clock.today(), required=True)
    text = check.text(note, "note", limit=2000, multiline=True)
    with ctx.write() as session:
        woman = woman_for_change(session, ctx, woman_id)
        if woman.status == "closed":
            raise ValidationError("Her case is already closed.", {"status": "closed"})
        latest = session.exec(
            select(func.max(col(Referral.referral_date))).where(col(Referral.woman_id) == woman_id)
        ).one()
        if when is not None and latest is not None and when < _as_date(latest):
            shown = show_date(_as_date(latest))
            check.fail("closed_on", f"Type a date on or after {shown}, her referral date.")
        check.done()
        assert code is not None and when is not None
        session.add(
            Closure(
                woman_id=woman_id,
                closed_on=when,
                reason=code,
                note=text,
                closed_by_id=ctx.actor.user_id,
            )
        )
        woman.status, woman.closed_on, woman.closure_reason = "closed", when, code
        mark_changed(session, ctx, woman, "woman_closed", ["status", "closed_on", "closure_reason"])
        return woman_info(woman)


def reopen_woman(
    ctx: Ctx,
    woman_id: int,
    *,
    reopened_on: str | date | None = "today",
    referral: ReferralInput | None = None,
) -> WomanInfo:
    """Reopen her case; with a new referral she starts again as `referred`."""
    today = ctx.clock.today()
    check = Checker()
    when = check.date(reopened_on, "reopened_on", today=today, required=True)
    referral_values = _check_referral(check, referral, today) if referral else None
    with ctx.write() as session:
        woman = woman_for_change(session, ctx, woman_id)
        if woman.status != "closed":
            raise ValidationError("Her case is open already.", {"status": "open"})
        closure = session.exec(
            select(Closure)
            .where(col(Closure.woman_id) == woman_id, col(Closure.reopened_on).is_(None))
            .order_by(col(Closure.closed_on).desc(), col(Closure.id).desc())
        ).first()
        if when is not None and woman.closed_on is not None and when < woman.closed_on:
            shown = show_date(woman.closed_on)
            check.fail("reopened_on", f"Type a date on or after {shown}, when it was closed.")
        check.done()
        if closure is not None:
            closure.reopened_on = when
            closure.reopened_by_id = ctx.actor.user_id
            session.add(closure)
        changed = ["status", "closed_on", "closure_reason"]
        if referral_values is not None:
            session.add(
                Referral(
                    woman_id=woman_id,
                    allocated_to_id=woman.keyworker_id,
                    **referral_values,
                )
            )
            changed.append("referral")
            woman.status = "referred"
        else:
            seen = session.exec(
                select(col(Engagement.id)).where(
                    col(Engagement.woman_id) == woman_id,
                    col(Engagement.attendance).in_(sorted(ATTENDED)),
                )
            ).first()
            woman.status = "active" if seen is not None else "referred"
        woman.closed_on, woman.closure_reason = None, None
        mark_changed(session, ctx, woman, "woman_reopened", changed)
        return woman_info(woman)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


__all__ = [
    "close_woman",
    "create_woman",
    "edit_referral",
    "edit_woman",
    "find_duplicates",
    "open_woman",
    "reopen_woman",
]


def age_on(born: date | None, on: date) -> int | None:
    """Her age in whole years on a day (None without a date of birth)."""
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
