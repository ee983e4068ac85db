"""`caseapp export-data`: everything in the store, in the interchange format (managers only).

The files are the ones `caseapp import` reads, so exporting and importing into a new store
reproduces the records the format carries. Text a spreadsheet would run as a formula gets a
leading `'`; the import removes exactly that quote, so the round trip is exact.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Select, select

from caseapp.errors import ExportError
from caseapp.export.files import FORMULA_STARTS, check_out_dir, check_target
from caseapp.export.staged import StagedFiles
from caseapp.models import (
    Activity,
    Assessment,
    AssessmentItem,
    Consent,
    Engagement,
    ExportEvent,
    Flag,
    GroupAttendance,
    GroupSession,
    Hub,
    Outcome,
    Referral,
    User,
    Woman,
)
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.services.interchange.bulk import table_of
from caseapp.services.interchange.spec import COLUMNS, LOAD_ORDER
from caseapp.services.permissions import require

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class ExportedFile:
    """One file written: its name, SHA-256 and number of data rows."""

    name: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class DataExport:
    """What `export_data` wrote and where."""

    folder: Path
    files: tuple[ExportedFile, ...]


def reversible(value: object) -> str:
    """A cell's text: neutralised for spreadsheets in a way the import can undo exactly."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # to the microsecond: it orders answers of one day
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if value.lstrip("'").startswith(FORMULA_STARTS):
            return "'" + value
        return value
    return str(value)


class _HashingWriter(io.RawIOBase):
    """Pass bytes to a file while hashing them."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.digest.update(chunk)
        self.handle.write(chunk)
        return len(chunk)


def _write_csv(
    staged: StagedFiles, target: Path, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> tuple[str, int]:
    """Stream rows to a file staged for `target`; return (sha256, data rows)."""
    count = 0
    with staged.open(target) as handle:
        raw = _HashingWriter(handle)
        text = io.TextIOWrapper(
            io.BufferedWriter(raw, 1 << 16), encoding="utf-8", newline="", write_through=False
        )
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([reversible(v) for v in row])
            count += 1
        text.flush()
        text.detach()
    return raw.digest.hexdigest(), count


def _women(conn: Connection) -> Iterator[tuple[object, ...]]:
    w, hub, user = table_of(Woman), table_of(Hub), table_of(User)
    referral, consent = table_of(Referral), table_of(Consent)
    latest_referral: dict[int, tuple[Any, ...]] = {}
    query = select(
        referral.c.woman_id, referral.c.referral_date, referral.c.source, referral.c.cj_status
    ).order_by(referral.c.woman_id, referral.c.referral_date, referral.c.id)
    for woman_id, *details in conn.execute(query):
        latest_referral[woman_id] = tuple(details)  # the latest referral: her current episode
    latest_consent: dict[int, date] = {}
    query_consent = select(consent.c.woman_id, consent.c.given_on).order_by(
        consent.c.woman_id, consent.c.given_on, consent.c.id
    )
    for woman_id, given in conn.execute(query_consent):
        latest_consent[woman_id] = given
    query_women = (
        select(
            w.c.id,
            w.c.reference,
            w.c.first_name,
            w.c.last_name,
            w.c.preferred_name,
            w.c.date_of_birth,
            w.c.phone,
            w.c.safe_contact_note,
            w.c.borough_code,
            hub.c.code,
            user.c.username,
            w.c.ethnicity,
            w.c.disability,
            w.c.gender_identity_same,
            w.c.sexual_orientation,
            w.c.religion,
            w.c.nationality,
            w.c.pregnant,
            w.c.dependent_children,
            w.c.closed_on,
            w.c.closure_reason,
        )
        .select_from(w)
        .outerjoin(hub, hub.c.id == w.c.hub_id)
        .outerjoin(user, user.c.id == w.c.keyworker_id)
        .order_by(w.c.reference)
    )
    for row in conn.execute(query_women):
        woman_id = int(row[0])
        referred, source, cj = latest_referral.get(woman_id, (None, None, None))
        yield (
            *row[1:11],
            referred,
            source,
            cj,
            *row[11:19],
            latest_consent.get(woman_id),
            row[19],
            row[20],
        )


def _engagements() -> Select[Any]:
    e, w, hub, user = table_of(Engagement), table_of(Woman), table_of(Hub), table_of(User)
    return (
        select(
            w.c.reference,
            e.c.date,
            e.c.time,
            e.c.type,
            e.c.attendance,
            e.c.duration_minutes,
            e.c.delivery,
            hub.c.code,
            e.c.need_areas,
            user.c.username,
            e.c.note,
        )
        .select_from(e)
        .join(w, w.c.id == e.c.woman_id)
        .outerjoin(hub, hub.c.id == e.c.hub_id)
        .outerjoin(user, user.c.id == e.c.keyworker_id)
        .order_by(w.c.reference, e.c.date, e.c.time, e.c.id)
    )


def _group_sessions() -> Select[Any]:
    g, hub, user = table_of(GroupSession), table_of(Hub), table_of(User)
    return (
        select(
            g.c.reference,
            g.c.date,
            g.c.title,
            hub.c.code,
            user.c.username,
            g.c.status,
            g.c.anonymous_attendees,
        )
        .select_from(g)
        .outerjoin(hub, hub.c.id == g.c.hub_id)
        .outerjoin(user, user.c.id == g.c.facilitator_id)
        .order_by(g.c.reference)
    )


def _group_attendance() -> Select[Any]:
    a, g, w = table_of(GroupAttendance), table_of(GroupSession), table_of(Woman)
    return (
        select(g.c.reference, w.c.reference, a.c.attendance)
        .select_from(a)
        .join(g, g.c.id == a.c.session_id)
        .join(w, w.c.id == a.c.woman_id)
        .order_by(g.c.reference, w.c.reference)
    )


def _assessments() -> Select[Any]:
    a, item, w = table_of(Assessment), table_of(AssessmentItem), table_of(Woman)
    return (
        select(
            w.c.reference,
            a.c.date,
            a.c.kind,
            item.c.need_area,
            item.c.level,
            item.c.score,
            item.c.note,
            a.c.created_at,
        )
        .select_from(item)
        .join(a, a.c.id == item.c.assessment_id)
        .join(w, w.c.id == a.c.woman_id)
        .order_by(w.c.reference, a.c.date, a.c.kind, a.c.created_at, a.c.id, item.c.need_area)
    )


def _outcomes() -> Select[Any]:
    o, w = table_of(Outcome), table_of(Woman)
    return (
        select(w.c.reference, o.c.date, o.c.kind, o.c.question, o.c.score, o.c.recorded_at)
        .select_from(o)
        .join(w, w.c.id == o.c.woman_id)
        .order_by(w.c.reference, o.c.date, o.c.kind, o.c.question, o.c.recorded_at, o.c.id)
    )


def _activities() -> Select[Any]:
    a, hub = table_of(Activity), table_of(Hub)
    return (
        select(a.c.date, a.c.type, a.c.sessions, a.c.participants, hub.c.code, a.c.description)
        .select_from(a)
        .outerjoin(hub, hub.c.id == a.c.hub_id)
        .order_by(a.c.date, a.c.type, a.c.id)
    )


def _flags() -> Select[Any]:
    f, w = table_of(Flag), table_of(Woman)
    return (
        select(w.c.reference, f.c.type, f.c.raised_on, f.c.reason, f.c.cleared_on, f.c.clear_reason)
        .select_from(f)
        .join(w, w.c.id == f.c.woman_id)
        .order_by(w.c.reference, f.c.raised_on, f.c.type, f.c.id)
    )


_QUERIES: dict[str, Callable[[], Select[Any]]] = {
    "engagements": _engagements,
    "group_sessions": _group_sessions,
    "group_attendance": _group_attendance,
    "assessments": _assessments,
    "outcomes": _outcomes,
    "activities": _activities,
    "flags": _flags,
}


def export_data(
    ctx: Ctx, out_dir: Path, *, progress: Progress | None = None, overwrite: bool = False
) -> DataExport:
    """Write every record the interchange format carries to CSV files in `out_dir`.

    Args:
        ctx: a manager's context (`data.export`).
        out_dir: a folder (created if its parent exists). Files of the same names already
            there are refused unless `overwrite`; then they are replaced atomically.
        progress: called with each file's name as it starts.

    Returns:
        The folder and each file's name, SHA-256 and row count. The export is written to the
        audit log and as an `ExportEvent`.

    Raises:
        PermissionDenied: the actor may not export data.
        ExportError: the folder cannot be used or a file cannot be written.
    """
    require(ctx, "data.export")
    folder = check_out_dir(Path(out_dir), create=True)
    targets = {name: check_target(folder, f"{name}.csv") for name in LOAD_ORDER}
    there = [path.name for path in targets.values() if path.exists()]
    if there and not overwrite:
        raise ExportError(
            f"{folder} already holds {', '.join(there[:3])}{' ...' if len(there) > 3 else ''}: "
            "nothing was written. Choose another folder, or pass --force to replace them."
        )
    written: list[ExportedFile] = []
    with StagedFiles() as staged:
        with ctx.read() as session:
            conn = session.connection()
            for name in LOAD_ORDER:
                if progress is not None:
                    progress(f"{name}.csv", len(written))
                rows: Iterable[Sequence[object]]
                rows = _women(conn) if name == "women" else conn.execute(_QUERIES[name]())
                sha, count = _write_csv(staged, targets[name], COLUMNS[name], rows)
                written.append(ExportedFile(f"{name}.csv", sha, count))
        files = [{"name": f.name, "sha256": f.sha256, "rows": f.rows} for f in written]
        # Every woman's record is in these files: the export is on record before any of them
        # has its final name, so a kill can never leave an export nobody knows of.
        with ctx.write() as session:
            session.add(
                ExportEvent(
                    kind="data_export",
                    user_id=ctx.actor.user_id,
                    files=json.dumps(files, sort_keys=True),
                )
            )
            audit.record(session, ctx, "data_exported", files=files)
        staged.publish()
    return DataExport(folder, tuple(written))
