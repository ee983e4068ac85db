"""Her 1-5 answers to the commissioner's outcome questions at baseline, review and exit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from caseapp.errors import ValidationError
from caseapp.models import Outcome
from caseapp.models.codes import ASSESSMENT_KINDS, OUTCOME_QUESTIONS
from caseapp.services import audit
from caseapp.services.access import get_visible_woman
from caseapp.services.context import Ctx
from caseapp.services.permissions import require
from caseapp.services.recording import check_code, check_int, past_date, woman_name

ANSWER_MIN, ANSWER_MAX = 1, 5
# The one question asked only where she has children.
PARENTING = "parenting"


@dataclass(frozen=True)
class OutcomeSet:
    """Her answers given on one date at one kind of review; unanswered questions are absent."""

    date: date
    kind: str
    answers: tuple[tuple[str, int], ...]

    def score(self, question: str) -> int | None:
        """Her answer to `question` in this set, if she gave one."""
        return dict(self.answers).get(question)


@dataclass(frozen=True)
class OutcomeStart:
    """What the outcome form shows: who she is, whether parenting applies, earlier answers.

    `baseline` is her earliest baseline answer to each question; `latest` her latest review
    or exit answer dated after it (the two the commissioner's return compares).
    """

    woman_id: int
    reference: str
    name: str
    has_children: bool | None
    suggested_kind: str
    baseline: tuple[tuple[str, int], ...]
    latest: tuple[tuple[str, int], ...]

    def baseline_score(self, question: str) -> int | None:
        """Her baseline answer to `question` (her earliest baseline one)."""
        return dict(self.baseline).get(question)

    def latest_score(self, question: str) -> int | None:
        """Her latest review or exit answer to `question` after her baseline."""
        return dict(self.latest).get(question)


def _hers(woman_id: int) -> list[ColumnElement[bool]]:
    """Her answers, phrased so the (question, woman_id, date) index is used, not a scan."""
    return [col(Outcome.question).in_(list(OUTCOME_QUESTIONS)), col(Outcome.woman_id) == woman_id]


def _rows(session: Session, woman_id: int) -> list[Outcome]:
    return list(
        session.exec(
            select(Outcome).where(*_hers(woman_id)).order_by(col(Outcome.date), col(Outcome.id))
        ).all()
    )


def _sets(rows: list[Outcome]) -> list[OutcomeSet]:
    grouped: dict[tuple[date, str], dict[str, int]] = {}
    for row in rows:
        grouped.setdefault((row.date, row.kind), {})[row.question] = row.score
    order = list(OUTCOME_QUESTIONS)
    return [
        OutcomeSet(
            when,
            kind,
            tuple(
                sorted(answers.items(), key=lambda qa: order.index(qa[0]) if qa[0] in order else 99)
            ),
        )
        for (when, kind), answers in grouped.items()
    ]


def _clean_answers(answers: Mapping[str, int | str | None]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for question, value in answers.items():
        check_code(question, OUTCOME_QUESTIONS, "Question", key="answers")
        if value is None or not str(value).strip():
            continue  # skipped: she did not answer, or it does not apply
        cleaned[question] = check_int(
            value, OUTCOME_QUESTIONS[question], ANSWER_MIN, ANSWER_MAX, key=question
        )
    if not cleaned:
        raise ValidationError(
            "Record an answer (1 to 5) to at least one question.", {"answers": "empty"}
        )
    return cleaned


def record_outcomes(
    ctx: Ctx,
    woman_id: int,
    *,
    kind: str,
    date: str | date | None,
    answers: Mapping[str, int | str | None],
) -> OutcomeSet:
    """Save her answers given on one date; answering again the same day replaces them.

    Args:
        ctx: who is acting.
        woman_id: whose answers.
        kind: `baseline`, `review` or `exit`.
        date: when she answered (not in the future).
        answers: question code to 1-5; None or blank skips a question.

    Raises:
        ValidationError: bad kind, date or answer; nothing answered; parenting answered for a
            woman recorded as having no dependent children.
        PermissionDenied: she is not on the actor's caseload (audited).
    """
    require(ctx, "women.edit", subject_id=woman_id)
    kind = check_code(kind, ASSESSMENT_KINDS, "Kind")
    when = past_date(date, "Date", ctx.clock.today())
    cleaned = _clean_answers(answers)
    with ctx.write() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        if PARENTING in cleaned and woman.dependent_children == 0:
            raise ValidationError(
                "Parenting: she is recorded as having no dependent children; leave it blank.",
                {PARENTING: "no children"},
            )
        existing = {
            row.question: row
            for row in session.exec(
                select(Outcome).where(
                    *_hers(woman_id),
                    col(Outcome.date) == when,
                    col(Outcome.kind) == kind,
                )
            )
        }
        changed = []
        for question, score in cleaned.items():
            row = existing.get(question)
            if row is None:
                row = Outcome(
                    woman_id=woman_id,
                    date=when,
                    kind=kind,
                    question=question,
                    score=score,
                    recorded_by_id=ctx.actor.user_id,
                )
            elif row.score == score:
                continue
            row.score = score
            row.recorded_by_id = ctx.actor.user_id
            session.add(row)
            changed.append(question)
        if changed:
            session.flush()
            audit.record(
                session,
                ctx,
                "outcomes_recorded",
                subject_id=woman_id,
                subject_ref=woman.reference,
                fields=changed,
                kind=kind,
            )
        rows = [r for r in _rows(session, woman_id) if r.date == when and r.kind == kind]
    return _sets(rows)[0]


def list_outcomes(ctx: Ctx, woman_id: int) -> list[OutcomeSet]:
    """Her answers grouped by date and kind, oldest first."""
    with ctx.read() as session:
        get_visible_woman(session, ctx, woman_id)
        return _sets(_rows(session, woman_id))


def start_outcomes(ctx: Ctx, woman_id: int) -> OutcomeStart:
    """What the outcome form needs: her name, whether she has children, earlier answers."""
    with ctx.read() as session:
        woman = get_visible_woman(session, ctx, woman_id)
        rows = _rows(session, woman_id)
    # As the return measures it: her earliest baseline answer, and her latest review or exit
    # answer dated after it.
    baseline: dict[str, tuple[date, int]] = {}
    latest: dict[str, int] = {}
    for row in sorted((r for r in rows if r.kind == "baseline"), key=lambda r: r.date):
        baseline.setdefault(row.question, (row.date, row.score))
    for row in rows:  # oldest first, so the last one wins
        first = baseline.get(row.question)
        if first is not None and row.kind != "baseline" and row.date > first[0]:
            latest[row.question] = row.score
    if not baseline:
        kind = "baseline"
    elif woman.status == "closed":
        kind = "exit"
    else:
        kind = "review"
    children = woman.dependent_children
    assert woman.id is not None
    return OutcomeStart(
        woman.id,
        woman.reference,
        woman_name(woman),
        None if children is None else children > 0,
        kind,
        tuple((question, score) for question, (_day, score) in baseline.items()),
        tuple(latest.items()),
    )
