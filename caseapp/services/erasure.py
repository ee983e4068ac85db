"""Erasure: remove a woman and everything attached to her, keep only a tombstone, scrub the pages.

Her rows go in one transaction (the foreign keys cascade; `foreign_keys=ON` is checked first).
The audit log keeps a tombstone naming no one: her row id, the reason, how many records went,
and an HMAC of her reference under a key derived from the data key, so a manager can later
confirm that a given reference was erased without the log listing it. Earlier audit entries
keep her case reference (a pseudonym; rewriting them would break the tamper-evident chain).
Afterwards the WAL is checkpointed and the file vacuumed with `secure_delete` on, so no page of
the store or its WAL still holds what she told the service.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from caseapp.errors import NotFound, StoreDamaged, ValidationError
from caseapp.models import AuditEvent, ExportEvent, Setting, Woman
from caseapp.services import audit
from caseapp.services.access import get_visible_woman
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.references import floor_key
from caseapp.store import generations
from caseapp.store.store import Store

ERASED = "erased"
_NUMBERED = re.compile(r"^(.*-)(\d+)$")


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure removed: references, records per table, whether pages were scrubbed."""

    references: tuple[str, ...]
    removed: tuple[tuple[str, int], ...]
    scrubbed: bool

    @property
    def total(self) -> int:
        """Records removed across every table."""
        return sum(n for _, n in self.removed)


def normalise_reference(reference: str) -> str:
    """References compare without surrounding spaces and case."""
    return reference.strip().upper()


def _on_server(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


def reference_hmac(store: Store, reference: str) -> str:
    """A keyed one-way digest of a reference, for the tombstone."""
    # The stable tombstone key: digests made before a change of data key still match.
    key = store.stable["erasure tombstone"]
    return hmac.new(key, normalise_reference(reference).encode("utf-8"), hashlib.sha256).hexdigest()


def visible_woman_by_reference(session: Session, ctx: Ctx, reference: str) -> Woman:
    """The woman with this reference if the actor may see her (refusals are audited)."""
    ref = normalise_reference(reference)
    found = session.exec(
        select(col(Woman.id)).where(func.upper(col(Woman.reference)) == ref)
    ).first()
    if found is None:
        raise NotFound(f"No woman has the reference {ref}.")
    return get_visible_woman(session, ctx, found)


@dataclass(frozen=True)
class ErasurePreview:
    """Who would be erased and how many records hang off her, shown before confirming."""

    reference: str
    name: str
    status: str
    closed_on: date | None
    records: tuple[tuple[str, int], ...]


def _dependent_tables() -> list[tuple[Table, Any]]:
    # Every table with a foreign key to woman.id, found from the models so a table added
    # later is counted (and, having ON DELETE CASCADE, erased) without editing this file.
    woman = Woman.__table__  # type: ignore[attr-defined]
    found: list[tuple[Table, Any]] = []
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is woman:
                found.append((table, fk.parent))
    return found


def _check_foreign_keys(session: Session) -> None:
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL always enforces foreign keys; only SQLite's are per connection
    enabled = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enabled != 1:
        # Without enforcement the cascade would silently leave her contacts behind.
        raise StoreDamaged("Foreign keys are not enforced on this connection; nothing erased.")


def _raise_floor(session: Session, reference: str) -> None:
    match = _NUMBERED.match(reference)
    if not match:
        return
    # `next_reference` never issues a reference at or below the floor, so her reference
    # (which earlier audit entries still carry) is never given to someone else.
    key = floor_key(match.group(1))
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=reference))
    elif reference > row.value:
        row.value = reference
        session.add(row)


def _count_attached(session: Session, woman_id: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, column in _dependent_tables():
        count = session.execute(
            select(func.count()).select_from(table).where(column == woman_id)
        ).scalar_one()
        if count:
            counts[table.name] = counts.get(table.name, 0) + int(count)
    return counts


def preview(ctx: Ctx, reference: str) -> ErasurePreview:
    """What erasing this reference would remove (managers); the look is audited."""
    require(ctx, "erase", subject_ref=normalise_reference(reference))
    with ctx.write() as session:
        woman = visible_woman_by_reference(session, ctx, reference)
        assert woman.id is not None
        counts = _count_attached(session, woman.id)
        audit.record(
            session, ctx, "erasure_previewed", subject_id=woman.id, subject_ref=woman.reference
        )
        name = " ".join(p for p in (woman.first_name, woman.last_name) if p)
        return ErasurePreview(
            woman.reference, name, woman.status, woman.closed_on, tuple(sorted(counts.items()))
        )


def _erase_one(
    session: Session, ctx: Ctx, reference: str, reason: str, extra: dict[str, Any]
) -> dict[str, int]:
    woman = visible_woman_by_reference(session, ctx, reference)
    return _erase_woman(session, ctx, woman, reason, extra)


def _erase_woman(
    session: Session, ctx: Ctx, woman: Woman, reason: str, extra: dict[str, Any]
) -> dict[str, int]:
    woman_id = woman.id
    assert woman_id is not None
    removed = _count_attached(session, woman_id)
    # Records of packs made about her (file names hold her reference) go with her; the audit
    # log keeps the fact that they were made.
    packs = session.execute(
        select(func.count()).where(col(ExportEvent.subject_id) == woman_id)
    ).scalar_one()
    if packs:
        session.execute(delete(ExportEvent).where(col(ExportEvent.subject_id) == woman_id))
        removed["exportevent"] = int(packs)
    session.execute(delete(Woman).where(col(Woman.id) == woman_id))
    removed["woman"] = 1
    _raise_floor(session, woman.reference)
    if _on_server(ctx.store):
        # No tombstone key and no key file on PostgreSQL: the tombstone keeps no digest (as a
        # PostgreSQL centre's sync erasures), and restoring is the server's own tools' work.
        audit.record(session, ctx, ERASED, subject_id=woman_id, reason=reason, removed=removed)
        return removed
    digest = reference_hmac(ctx.store, woman.reference)
    audit.record(
        session,
        ctx,
        ERASED,
        subject_id=woman_id,
        reason=reason,
        reference_hmac=digest,
        removed=removed,
        **extra,
    )
    # Remembered in the key file too (saved with this transaction's audit head), so restoring
    # a backup from before today erases her again.
    if digest not in ctx.store.key_file.erasures:
        ctx.store.key_file.erasures.append(digest)
    return removed


def erase_women(ctx: Ctx, references: Sequence[str], *, reason: str, **extra: Any) -> ErasureResult:
    """Erase several women in one transaction, then scrub the store once.

    The caller has checked the permission and the person's confirmation (see `erase` and
    `retention.purge`). Either every listed woman goes or, on any error, none does.
    """
    require(ctx, "erase")
    refs = tuple(dict.fromkeys(normalise_reference(r) for r in references if r.strip()))
    if not refs:
        raise ValidationError("No reference given: nothing erased.")
    totals: dict[str, int] = {}
    server = _on_server(ctx.store)
    known = [] if server else list(ctx.store.key_file.erasures)
    try:
        with ctx.write() as session:
            _check_foreign_keys(session)
            for ref in refs:
                for table, n in _erase_one(session, ctx, ref, reason, extra).items():
                    totals[table] = totals.get(table, 0) + n
    except BaseException as exc:
        if not server:
            ctx.store.key_file.erasures = known  # nothing was erased: remember nothing new
        if not isinstance(exc, IntegrityError):
            raise
        # A table that points at her without ON DELETE CASCADE: refuse rather than orphan it.
        raise StoreDamaged(
            "Her record is still referenced by a table that cannot be erased with her; "
            "nothing was erased."
        ) from exc
    if server:
        # Nothing for caseapp to clear: the server's vacuum reclaims the deleted rows, and
        # its WAL and backups are its administrator's (docs/postgresql.md, "Erasure").
        return ErasureResult(refs, tuple(sorted(totals.items())), True)
    kf = ctx.store.key_file
    generations.record(
        kf.store_id, ctx.store.generation, kf.generation, kf.erasures, at=ctx.store.path
    )
    scrubbed = scrub(ctx.store)
    return ErasureResult(refs, tuple(sorted(totals.items())), scrubbed)


def reapply(ctx: Ctx, digests: set[str]) -> tuple[str, ...]:
    """After a restore: erase again every woman whose reference digest is in `digests`.

    The restore does this to its checked copy before anyone can open it; whoever restores
    need not be allowed to erase (it is the earlier erasure being kept, not a new one).
    Returns the references erased again.
    """
    if not digests:
        return ()
    with ctx.write() as session:
        _check_foreign_keys(session)
        again = [
            woman
            for woman in session.exec(select(Woman))
            if reference_hmac(ctx.store, woman.reference) in digests
        ]
        for woman in again:
            _erase_woman(session, ctx, woman, "erased before; re-applied after a restore", {})
    if again:
        scrub(ctx.store)
    return tuple(w.reference for w in again)


def erase(ctx: Ctx, reference: str, *, confirmation: str, reason: str = "request") -> ErasureResult:
    """Erase one woman on request (managers). `confirmation` must repeat her reference.

    Args:
        ctx: who is acting; needs the `erase` permission (a refusal is audited).
        reference: her case reference.
        confirmation: what the person typed to confirm; it must equal the reference.
        reason: recorded in the tombstone (`request`, `retention`, `duplicate`, ...).
    """
    require(ctx, "erase", subject_ref=normalise_reference(reference))
    if normalise_reference(confirmation) != normalise_reference(reference):
        raise ValidationError(
            f"Type the reference {normalise_reference(reference)} exactly to confirm; "
            "nothing was erased.",
            {"confirmation": "the reference"},
        )
    return erase_women(ctx, [reference], reason=reason)


def _checkpoint(conn: Any) -> bool:
    busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return int(busy) == 0


def scrub(store: Store) -> bool:
    """Fold the WAL into the file, rebuild it without free pages, and empty the WAL again.

    Returns False when another connection kept the WAL from being emptied (the erased rows
    are gone either way; `secure_delete` already zeroed them in the pages they left).
    """
    # Holding the writer lock keeps this process's other writes out while VACUUM runs; the
    # session itself is never used, so it opens no transaction.
    with store.write():
        raw = store.engine.raw_connection()
        try:
            conn = raw.driver_connection
            assert conn is not None
            first = _checkpoint(conn)
            conn.execute("VACUUM")
            second = _checkpoint(conn)
        finally:
            raw.close()
    return first and second


def was_erased(ctx: Ctx, reference: str) -> datetime | None:
    """When a woman with this reference was erased, if she was (managers)."""
    require(ctx, "erase")
    digest = reference_hmac(ctx.store, reference)
    with ctx.read() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == ERASED)
            .order_by(col(AuditEvent.seq).desc())
        ).all()
    for event in rows:
        try:
            detail = json.loads(event.detail)
        except ValueError:
            continue
        if isinstance(detail, dict) and hmac.compare_digest(
            str(detail.get("reference_hmac", "")), digest
        ):
            return event.at
    return None
