"""Group sessions with their registers, and non-client outputs (activities)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from caseapp.models.base import utcnow


class GroupSession(SQLModel, table=True):
    """A group session; `anonymous_attendees` counts women who did not give their names."""

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True, index=True)
    title: str = Field(max_length=200)
    date: dt.date = Field(index=True)
    hub_id: int | None = Field(default=None, foreign_key="hub.id")
    facilitator_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    status: str = Field(default="held", max_length=10)
    anonymous_attendees: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow)


class GroupAttendance(SQLModel, table=True):
    """A woman on a session's register."""

    session_id: int = Field(foreign_key="groupsession.id", primary_key=True, ondelete="CASCADE")
    woman_id: int = Field(foreign_key="woman.id", primary_key=True, index=True, ondelete="CASCADE")
    attendance: str = Field(default="attended", max_length=20)


class Activity(SQLModel, table=True):
    """A dated non-client output: training for the judiciary or professionals, peer mentors."""

    id: int | None = Field(default=None, primary_key=True)
    date: dt.date = Field(index=True)
    type: str = Field(max_length=30)
    sessions: int = 1
    participants: int = 0
    hub_id: int | None = Field(default=None, foreign_key="hub.id")
    description: str = Field(default="", max_length=2000)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
