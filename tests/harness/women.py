"""Women (and hubs) for tests, three ways, each named for what it does.

- `add_woman`: through `services.women.create_woman`, as a keyworker adds her (audited).
- `insert_woman`: a bare row written straight into the store; returns her id.
- `insert_woman_with_every_record`: a row with one of every record attached (referral,
  consent, flag, contact, assessment, goal, outcome, group, share, export), audited, for the
  data-protection tests that look for her everywhere.
"""

from __future__ import annotations

from datetime import date, time
from itertools import count
from typing import Any

from sqlmodel import col, select

from caseapp.models import (
    Assessment,
    AssessmentItem,
    Closure,
    Consent,
    Engagement,
    ExportEvent,
    Flag,
    GroupAttendance,
    GroupSession,
    Hub,
    Outcome,
    PlanGoal,
    Referral,
    Woman,
    WomanShare,
)
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.services.validation import fold
from caseapp.services.women import create_woman
from caseapp.services.women_types import ReferralInput, WomanInfo, WomanInput
from caseapp.store.store import Store

_numbers = count(1)


def add_woman(
    ctx: Ctx,
    first: str = "Jane",
    last: str = "Smith",
    *,
    born: str | date | None = "01/02/1990",
    source: str = "probation",
    referred: str | date = date(2026, 11, 2),
    keyworker_id: int | None = None,
    confirm_duplicate: bool = False,
    **details: Any,
) -> WomanInfo:
    """Add a woman with her referral through the service, as `ctx` would on the new-woman screen.

    Audited and duplicate-checked like the real thing (a duplicate is refused unless
    `confirm_duplicate`). Use `insert_woman` when only a row is needed.
    """
    return create_woman(
        ctx,
        WomanInput(first_name=first, last_name=last, date_of_birth=born, **details),
        ReferralInput(referral_date=referred, source=source),
        keyworker_id=keyworker_id,
        confirm_duplicate=confirm_duplicate,
    )


def insert_woman(
    store: Store,
    first: str = "Jane",
    last: str = "Doe",
    *,
    keyworker_id: int | None = None,
    children: int | None = None,
    status: str = "active",
    preferred: str = "",
    reference: str | None = None,
) -> int:
    """Insert a bare woman row straight into the store (no referral, no audit); return her id."""
    number = next(_numbers)
    with store.write() as session:
        woman = Woman(
            reference=reference or f"MIN-2026-{number:05d}",
            first_name=first,
            last_name=last,
            preferred_name=preferred,
            first_norm=fold(first),
            last_norm=fold(last),
            preferred_norm=fold(preferred),
            keyworker_id=keyworker_id,
            dependent_children=children,
            status=status,
        )
        session.add(woman)
        session.flush()
        assert woman.id is not None
        return woman.id


def reference_of(store: Store, woman_id: int) -> str:
    """Her case reference."""
    with store.read() as session:
        woman = session.get(Woman, woman_id)
        assert woman is not None
        return woman.reference


def add_hub(store: Store, code: str = "north", name: str = "North Hub") -> int:
    """Insert an active hub and return its id."""
    with store.write() as session:
        hub = Hub(code=code, name=name)
        session.add(hub)
        session.flush()
        assert hub.id is not None
        return hub.id


def insert_woman_with_every_record(
    ctx: Ctx,
    reference: str,
    *,
    marker: str = "",
    keyworker_id: int | None = None,
    closed_on: date | None = None,
    shared_with: int | None = None,
    group_ref: str | None = None,
) -> int:
    """Insert a woman with one of every attached record (as the services would) and audit it.

    `marker` goes into her name, her safe-contact note and every free-text note, so a test can
    look for it in the store's pages afterwards.
    """
    with ctx.write() as session:
        woman = Woman(
            reference=reference,
            first_name=f"Ada{marker}",
            last_name=f"Lovelace{marker}",
            first_norm=f"ada{marker}".lower(),
            last_norm=f"lovelace{marker}".lower(),
            date_of_birth=date(1990, 5, 17),
            phone="07700 900123",
            safe_contact_note=f"text first {marker}",
            keyworker_id=keyworker_id or ctx.actor.user_id,
            status="closed" if closed_on else "active",
            ethnicity="white_irish",
            closed_on=closed_on,
            closure_reason="goals_met" if closed_on else None,
        )
        session.add(woman)
        session.flush()
        wid = woman.id
        assert wid is not None
        session.add(Referral(woman_id=wid, referral_date=date(2020, 1, 6), source="probation"))
        session.add(Consent(woman_id=wid, given_on=date(2020, 1, 6), taken_by_id=ctx.actor.user_id))
        session.add(
            Flag(woman_id=wid, type="marac", reason=f"flag {marker}", raised_on=date(2020, 2, 1))
        )
        if closed_on:
            session.add(Closure(woman_id=wid, closed_on=closed_on, reason="goals_met"))
        session.add(
            Engagement(
                woman_id=wid,
                date=date(2020, 2, 3),
                time=time(10, 30),
                type="one_to_one",
                attendance="attended",
                duration_minutes=60,
                note=f"contact note {marker}",
                keyworker_id=ctx.actor.user_id,
            )
        )
        assessment = Assessment(
            woman_id=wid, date=date(2020, 2, 3), kind="baseline", note=f"assessed {marker}"
        )
        session.add(assessment)
        session.flush()
        assert assessment.id is not None
        session.add(
            AssessmentItem(
                assessment_id=assessment.id, need_area="ACC", level="high", score=3, note=marker
            )
        )
        session.add(PlanGoal(woman_id=wid, need_area="ACC", description=f"find a flat {marker}"))
        session.add(
            Outcome(
                woman_id=wid, date=date(2020, 2, 3), kind="baseline", question="felt_safe", score=2
            )
        )
        if group_ref:
            group = session.exec(
                select(GroupSession).where(col(GroupSession.reference) == group_ref)
            ).first() or GroupSession(reference=group_ref, title="Art group", date=date(2020, 3, 1))
            session.add(group)
            session.flush()
            assert group.id is not None
            session.add(GroupAttendance(session_id=group.id, woman_id=wid))
        if shared_with:
            session.add(WomanShare(woman_id=wid, user_id=shared_with))
        session.add(
            ExportEvent(kind="sar", user_id=ctx.actor.user_id, subject_id=wid, files=reference)
        )
        audit.record(
            session, ctx, "woman_created", subject_id=wid, subject_ref=reference, fields=["name"]
        )
        return wid
