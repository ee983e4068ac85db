"""Needs assessments (baseline, review, exit) and the distance she has travelled since baseline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from caseapp.errors import NotFound, ValidationError
from caseapp.models import Assessment, AssessmentItem, Woman
from caseapp.models.codes import ASSESSMENT_KINDS, NEED_AREAS, NEED_LEVELS
from caseapp.services import audit
from caseapp.services.access import get_visible_woman
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.recording import (
    check_code,
    check_int,
    clean_field,
    past_date,
    user_names,
    woman_name,
)

SCORE_MIN, SCORE_MAX = 1, 10
ITEM_NOTE_LIMIT = 4000
NOTE_LIMIT = 20000


@dataclass(frozen=True)
class ItemInput:
    """What was typed for one need area; an area with no level, score or note is not saved."""

    need_area: str
    level: str | None = None
    score: int | str | None = None
    note: str = ""


@dataclass(frozen=True)
class AssessmentItemView:
    """One need area of a saved assessment."""

    need_area: str
    level: str | None
    score: int | None
    note: str


@dataclass(frozen=True)
class AssessmentView:
    """A saved assessment with its items in need-area order."""

    id: int
    woman_id: int
    date: date
    kind: str
    assessor: str
    note: str
    items: tuple[AssessmentItemView, ...]

    def item(self, need_area: str) -> AssessmentItemView | None:
        """The item for `need_area`, if one was recorded."""
        for entry in self.items:
            if entry.need_area == need_area:
                return entry
        return None


@dataclass(frozen=True)
class AssessmentStart:
    """What the assessment form shows: who she is, the kind to suggest, the one before.

    `current` is the assessment being corrected (None for a new one); `previous` is her
    latest assessment before it, shown beside each area for comparison.
    """

    woman_id: int
    reference: str
    name: str
    suggested_kind: str
    previous: AssessmentView | None
    current: AssessmentView | None = None


@dataclass(frozen=True)
class ScorePoint:
    """One area's level and score in one assessment."""

    assessment_id: int
    date: date
    kind: str
    level: str | None
    score: int | None


@dataclass(frozen=True)
class AreaDistance:
    """One need area: her baseline score, the latest one after it, and every point in between."""

    need_area: str
    baseline: ScorePoint | None
    latest: ScorePoint | None
    history: tuple[ScorePoint, ...]

    @property
    def change(self) -> int | None:
        """Latest score minus baseline score (positive is better); None without both."""
        if self.baseline is None or self.latest is None:
            return None
        assert self.baseline.score is not None and self.latest.score is not None
        return self.latest.score - self.baseline.score


@dataclass(frozen=True)
class DistanceTravelled:
    """Every need area's distance travelled, and her assessments oldest first."""

    woman_id: int
    reference: str
    name: str
    areas: tuple[AreaDistance, ...]
    assessments: tuple[AssessmentView, ...]


_AREA_ORDER = {code: i for i, code in enumerate(NEED_AREAS)}


def _clean_items(items: Iterable[ItemInput]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for item in items:
        area = check_code(item.need_area, NEED_AREAS, "Need area", key="items")
        if area in seen:
            raise ValidationError(f"Need area {area} appears twice.", {area: "twice"})
        seen.add(area)
        level = (item.level or "").strip() or None
        if level is not None:
            level = check_code(level, NEED_LEVELS, f"{area} level", key=area)
        score = None
        if item.score is not None and str(item.score).strip():
            score = check_int(item.score, f"{area} score", SCORE_MIN, SCORE_MAX, key=area)
        note = clean_field(item.note, f"{area} note", area, limit=ITEM_NOTE_LIMIT, multiline=True)
        if level is None and score is None and not note:
            continue
        rows.append({"need_area": area, "level": level, "score": score, "note": note})
    if not rows:
        raise ValidationError(
            "Record a level or a score for at least one need area.", {"items": "empty"}
        )
    rows.sort(key=lambda row: _AREA_ORDER[str(row["need_area"])])
    return rows


def _views(session: Session, assessments: Sequence[Assessment]) -> list[AssessmentView]:
    ids = [a.id for a in assessments if a.id is not None]
    items: dict[int, list[AssessmentItemView]] = {i: [] for i in ids}
    if ids:
        for row in session.exec(
            select(AssessmentItem).where(col(AssessmentItem.assessment_id).in_(ids))
        ):
            items[row.assessment_id].append(
                AssessmentItemView(row.need_area, row.level, row.score, row.note)
            )
    names = user_names(session, (a.assessor_id for a in assessments))
    views = []
    for a in assessments:
        assert a.id is not None
        entries = sorted(items[a.id], key=lambda e: _AREA_ORDER.get(e.need_area, 99))
        views.append(
            AssessmentView(
                a.id,
                a.woman_id,
                a.date,
                a.kind,
                names.get(a.assessor_id or 0, ""),
                a.note,
                tuple(entries),
            )
        )
    return views


def _changed_fields(
    old: AssessmentView | None, kind: str, when: date, note: str, rows: list[dict[str, object]]
) -> list[str]:
    """Names (never values) of what differs from `old`; everything present when it is new."""
    fields = []
    for name, before, after in (
        ("date", old.date if old else None, when),
        ("kind", old.kind if old else None, kind),
        ("note", old.note if old else "", note),
    ):
        if before != after:
            fields.append(name)
    new = {str(r["need_area"]): r for r in rows}
    for area in NEED_AREAS:
        before_item = old.item(area) if old else None
        after_item = new.get(area)
        for part in ("level", "score", "note"):
            empty = "" if part == "note" else None
            was = getattr(before_item, part) if before_item else empty
            now = after_item[part] if after_item else empty
            if was != now:
                fields.append(f"{area}.{part}")
    return fields


def _clean(
    kind: str, when: str | date | None, note: str, items: Iterable[ItemInput], today: date | None
) -> tuple[str, date, str, list[dict[str, object]]]:
    """Kind, date (not in the future), overall note and items, checked; or a ValidationError."""
    return (
        check_code(kind, ASSESSMENT_KINDS, "Kind"),
        past_date(when, "Date", today),
        clean_field(note, "Note", "note", limit=NOTE_LIMIT, multiline=True),
        _clean_items(items),
    )


def _load(session: Session, ctx: Ctx, assessment_id: int) -> tuple[Assessment, Woman]:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("No such assessment.")
    woman = get_visible_woman(session, ctx, assessment.woman_id)
    return assessment, woman


def record_assessment(
    ctx: Ctx,
    woman_id: int,
    *,
    kind: str,
    date: str | date | None,
    items: Iterable[ItemInput],
    note: str = "",
) -> AssessmentView:
    """Save a new needs assessment for a woman the actor may see.

    Args:
        ctx: who is acting.
        woman_id: the woman assessed.
        kind: `baseline`, `review` or `exit`.
        date: when it was done (not in the future); typed text or a date.
        items: one entry per need area assessed (level, 1-10 score where 10 is best, note).
        note: an overall note.

    Raises:
        ValidationError: a bad kind, date, level or score, or nothing recorded.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    require(ctx, "women.edit", subject_id=woman_id)
    kind, when, overall, rows = _clean(kind, date, note, items, ctx.clock.today())
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        assessment = Assessment(
            woman_id=woman_id, date=when, kind=kind, assessor_id=ctx.actor.user_id, note=overall
        )
        session.add(assessment)
        session.flush()
        assert assessment.id is not None
        session.execute(
            insert(AssessmentItem), [{"assessment_id": assessment.id, **row} for row in rows]
        )
        audit.record(
            session,
            ctx,
            "assessment_recorded",
            subject_id=woman_id,
            subject_ref=woman.reference,
            fields=_changed_fields(None, kind, when, overall, rows),
            assessment_id=assessment.id,
        )
        return _views(session, [assessment])[0]


def update_assessment(
    ctx: Ctx,
    assessment_id: int,
    *,
    kind: str,
    date: str | date | None,
    items: Iterable[ItemInput],
    note: str = "",
) -> AssessmentView:
    """Correct a saved assessment: its kind, date, note and every item are replaced.

    Raises:
        NotFound: no such assessment.
        ValidationError: as for `record_assessment`.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    require(ctx, "women.edit")
    kind, when, overall, rows = _clean(kind, date, note, items, ctx.clock.today())
    with ctx.write() as session:
        assessment, woman = _load(session, ctx, assessment_id)
        old = _views(session, [assessment])[0]
        fields = _changed_fields(old, kind, when, overall, rows)
        if not fields:
            return old
        assessment.kind, assessment.date, assessment.note = kind, when, overall
        session.add(assessment)
        session.execute(
            delete(AssessmentItem).where(col(AssessmentItem.assessment_id) == assessment_id)
        )
        session.execute(
            insert(AssessmentItem), [{"assessment_id": assessment_id, **row} for row in rows]
        )
        session.flush()
        audit.record(
            session,
            ctx,
            "assessment_updated",
            subject_id=woman.id,
            subject_ref=woman.reference,
            fields=fields,
            assessment_id=assessment_id,
        )
        return _views(session, [assessment])[0]


def delete_assessment(ctx: Ctx, assessment_id: int) -> None:
    """Remove an assessment recorded in error (her keyworker or a manager)."""
    require(ctx, "women.edit")
    with ctx.write() as session:
        assessment, woman = _load(session, ctx, assessment_id)
        session.execute(
            delete(AssessmentItem).where(col(AssessmentItem.assessment_id) == assessment_id)
        )
        session.delete(assessment)
        audit.record(
            session,
            ctx,
            "assessment_deleted",
            subject_id=woman.id,
            subject_ref=woman.reference,
            assessment_id=assessment_id,
        )


def get_assessment(ctx: Ctx, assessment_id: int) -> AssessmentView:
    """One assessment of a woman the actor may see."""
    with ctx.read() as session:
        assessment, _woman = _load(session, ctx, assessment_id)
        return _views(session, [assessment])[0]


def _assessments(session: Session, woman_id: int) -> list[AssessmentView]:
    rows = session.exec(
        select(Assessment)
        .where(col(Assessment.woman_id) == woman_id)
        .order_by(col(Assessment.date), col(Assessment.id))
    ).all()
    return _views(session, rows)


def list_assessments(ctx: Ctx, woman_id: int) -> list[AssessmentView]:
    """Her assessments, oldest first."""
    with ctx.read() as session:
        get_visible_woman(session, ctx, woman_id)
        return _assessments(session, woman_id)


def suggest_kind(assessments: Sequence[AssessmentView]) -> str:
    """`baseline` until she has one, then `review`."""
    return "review" if any(a.kind == "baseline" for a in assessments) else "baseline"


def start_assessment(
    ctx: Ctx, woman_id: int, *, assessment_id: int | None = None
) -> AssessmentStart:
    """What the assessment form shows before anything is typed (or, given an id, to correct).

    Raises:
        NotFound: no such woman, or no such assessment of hers.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    with ctx.read() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        history = _assessments(session, woman_id)
    current = None
    if assessment_id is not None:
        current = next((a for a in history if a.id == assessment_id), None)
        if current is None:
            raise NotFound("No such assessment of hers.")
        history = history[: history.index(current)]
    return AssessmentStart(
        woman_id,
        woman.reference,
        woman_name(woman),
        current.kind if current else suggest_kind(history),
        history[-1] if history else None,
        current,
    )


def _area_distance(area: str, history: Sequence[AssessmentView]) -> AreaDistance:
    points = []
    for a in history:
        entry = a.item(area)
        if entry is not None and (entry.score is not None or entry.level is not None):
            points.append(ScorePoint(a.id, a.date, a.kind, entry.level, entry.score))
    scored = [p for p in points if p.score is not None]
    # Her baseline is the earliest baseline assessment that scored the area; a woman assessed
    # first at review (transferred in, say) is measured from her first score instead.
    baseline = next((p for p in scored if p.kind == "baseline"), scored[0] if scored else None)
    latest = None
    if baseline is not None:
        after = [
            p for p in scored if (p.date, p.assessment_id) > (baseline.date, baseline.assessment_id)
        ]
        latest = after[-1] if after else None
    return AreaDistance(area, baseline, latest, tuple(points))


def distance_travelled(ctx: Ctx, woman_id: int) -> DistanceTravelled:
    """For each need area, her baseline score against the latest one, with the history.

    Raises:
        NotFound: no such woman.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    with ctx.read() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        history = _assessments(session, woman_id)
    areas = tuple(_area_distance(area, history) for area in NEED_AREAS)
    return DistanceTravelled(woman_id, woman.reference, woman_name(woman), areas, tuple(history))
