"""Contacts, needs assessments, support plans and outcome answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from caseapp.models.base import utcnow


class Engagement(SQLModel, table=True):
    """A contact with her. `need_areas` holds codes separated by `;`."""

    __table_args__ = (
        Index("ix_engagement_woman_date", "woman_id", "date"),
        # Covering index for the return: type/attendance filters by date, distinct women.
        Index("ix_engagement_return", "date", "type", "attendance", "delivery", "woman_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", ondelete="CASCADE")
    date: dt.date
    time: dt.time | None = None
    type: str = Field(max_length=20)
    attendance: str = Field(max_length=25)
    duration_minutes: int | None = None
    delivery: str | None = Field(default=None, max_length=12)
    hub_id: int | None = Field(default=None, foreign_key="hub.id")
    need_areas: str = Field(default="", max_length=60)
    keyworker_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    note: str = Field(default="", max_length=20000)
    created_at: dt.datetime = Field(default_factory=utcnow)


class Assessment(SQLModel, table=True):
    """A dated needs assessment (baseline, review or exit)."""

    __table_args__ = (Index("ix_assessment_woman_date", "woman_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", ondelete="CASCADE")
    date: dt.date = Field(index=True)
    kind: str = Field(max_length=10)
    assessor_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str = Field(default="", max_length=20000)
    created_at: dt.datetime = Field(default_factory=utcnow)


class AssessmentItem(SQLModel, table=True):
    """One need area's level, 1-10 score (10 best) and note in an assessment."""

    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True, ondelete="CASCADE")
    need_area: str = Field(primary_key=True, max_length=4)
    level: str | None = Field(default=None, max_length=8)
    score: int | None = None
    note: str = Field(default="", max_length=4000)


class PlanGoal(SQLModel, table=True):
    """A goal in her support plan for one need area."""

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", index=True, ondelete="CASCADE")
    need_area: str = Field(max_length=4)
    description: str = Field(max_length=2000)
    target_date: dt.date | None = Field(default=None, index=True)
    status: str = Field(default="open", max_length=20)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Outcome(SQLModel, table=True):
    """Her 1-5 answer to one of the commissioner's outcome questions."""

    __table_args__ = (
        Index("ix_outcome_question_woman", "question", "woman_id", "date"),
        # The return: who gave a review or exit answer in the period (covering).
        Index("ix_outcome_kind_date", "kind", "date", "question", "woman_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", ondelete="CASCADE")
    date: dt.date
    kind: str = Field(max_length=10)
    question: str = Field(max_length=30)
    score: int
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # Orders answers given the same day (after their kind); NULL for answers from before it
    # was kept, which sort first.
    recorded_at: dt.datetime | None = Field(default_factory=utcnow, nullable=True)
