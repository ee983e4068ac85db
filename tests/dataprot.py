"""Helpers for the data-protection tests: a woman with everything attached, and page decryption."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
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
    Outcome,
    PlanGoal,
    Referral,
    Woman,
    WomanShare,
)
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.store.engine import PAGE_SIZE

# SQLCipher 4 keeps a 16-byte IV and a 64-byte HMAC at the end of every page.
RESERVE = 80
SALT = 16


def add_woman(
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


def decrypted_pages(path: Path, key: bytes) -> list[bytes]:
    """Decrypt every page of a SQLCipher 4 file with the raw key (free pages included).

    SQLCipher's own export only copies live rows; reading the pages directly also sees what
    a deletion may have left behind in freed space.
    """
    data = path.read_bytes()
    pages: list[bytes] = []
    for offset in range(0, len(data) - PAGE_SIZE + 1, PAGE_SIZE):
        page = data[offset : offset + PAGE_SIZE]
        start = SALT if offset == 0 else 0
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        pages.append(decryptor.update(page[start : PAGE_SIZE - RESERVE]) + decryptor.finalize())
    return pages


def wal_frames(path: Path, key: bytes) -> list[bytes]:
    """Decrypt every frame of a `-wal` file (32-byte header, 24-byte frame headers)."""
    wal = Path(f"{path}-wal")
    if not wal.exists():
        return []
    data = wal.read_bytes()
    frames: list[bytes] = []
    offset = 32
    while offset + 24 + PAGE_SIZE <= len(data):
        page_no = int.from_bytes(data[offset : offset + 4], "big")
        page = data[offset + 24 : offset + 24 + PAGE_SIZE]
        start = SALT if page_no == 1 else 0
        iv = page[PAGE_SIZE - RESERVE : PAGE_SIZE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        frames.append(decryptor.update(page[start : PAGE_SIZE - RESERVE]) + decryptor.finalize())
        offset += 24 + PAGE_SIZE
    return frames


def needles(marker: str) -> list[bytes]:
    """The byte forms a marker could take in a page: UTF-8 and folded lower case."""
    return [marker.encode("utf-8"), marker.lower().encode("utf-8")]


def holds(chunks: list[bytes], marker: str) -> bool:
    """Whether any decrypted page or frame holds the marker."""
    return any(n in chunk for chunk in chunks for n in needles(marker))


def utc(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """An aware UTC datetime for tests."""
    return datetime(year, month, day, hour, tzinfo=UTC)
