"""A woman's record and what hangs directly off it: referral, consent, flags, closure, sharing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from caseapp.models.base import folded, utcnow


class Woman(SQLModel, table=True):
    """A woman the service supports. `*_norm` columns hold folded names for indexed search."""

    __table_args__ = (
        Index("ix_woman_keyworker_status", "keyworker_id", "status"),
        Index("ix_woman_dup", "last_norm", "first_norm", "date_of_birth"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True, index=True)
    first_name: str = Field(default="", max_length=200)
    last_name: str = Field(default="", max_length=200)
    preferred_name: str = Field(default="", max_length=200)
    first_norm: str = Field(default="", sa_column=Column(folded(200), index=True, default=""))
    last_norm: str = Field(default="", sa_column=Column(folded(200), index=True, default=""))
    preferred_norm: str = Field(default="", sa_column=Column(folded(200), index=True, default=""))
    date_of_birth: date | None = Field(default=None, index=True)
    phone: str = Field(default="", max_length=40)
    safe_contact_note: str = Field(default="", max_length=2000)
    borough_code: str | None = Field(default=None, foreign_key="borough.gss_code", index=True)
    hub_id: int | None = Field(default=None, foreign_key="hub.id", index=True)
    keyworker_id: int | None = Field(default=None, foreign_key="app_user.id")
    status: str = Field(default="referred", max_length=12, index=True)
    ethnicity: str | None = Field(default=None, max_length=40)
    disability: str | None = Field(default=None, max_length=20)
    gender_identity_same: str | None = Field(default=None, max_length=20)
    sexual_orientation: str | None = Field(default=None, max_length=30)
    religion: str | None = Field(default=None, max_length=30)
    nationality: str | None = Field(default=None, max_length=20)
    pregnant: str | None = Field(default=None, max_length=5)
    dependent_children: int | None = None
    closed_on: date | None = Field(default=None, index=True)
    closure_reason: str | None = Field(default=None, max_length=30)
    is_synthetic: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WomanShare(SQLModel, table=True):
    """A woman shared with a keyworker who is not her allocated keyworker."""

    woman_id: int = Field(foreign_key="woman.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)


class Referral(SQLModel, table=True):
    """A referral into the service; a woman re-referred after closure has another."""

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", index=True, ondelete="CASCADE")
    referral_date: date = Field(index=True)
    source: str | None = Field(default=None, max_length=30)
    cj_status: str | None = Field(default=None, max_length=30)
    referrer_org: str = Field(default="", max_length=200)
    police_bcu: str = Field(default="", max_length=60)
    allocated_to_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Consent(SQLModel, table=True):
    """What she agreed to, when, who took it, and when she withdrew it."""

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", index=True, ondelete="CASCADE")
    given_on: date
    scope_service: bool = True
    scope_data_processing: bool = True
    scope_sharing: bool = False
    sharing_agencies: str = Field(default="", max_length=500)
    privacy_notice_version: str = Field(default="", max_length=20)
    taken_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    withdrawn_on: date | None = None
    withdrawn_reason: str = Field(default="", max_length=500)


class Flag(SQLModel, table=True):
    """A flag shown beside her name until it is cleared; cleared flags stay as history."""

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", index=True, ondelete="CASCADE")
    type: str = Field(max_length=30)
    reason: str = Field(default="", max_length=2000)
    raised_on: date
    raised_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    cleared_on: date | None = None
    cleared_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    clear_reason: str = Field(default="", max_length=2000)


class Closure(SQLModel, table=True):
    """A closure of her case, with the reopening that ended it if any."""

    id: int | None = Field(default=None, primary_key=True)
    woman_id: int = Field(foreign_key="woman.id", index=True, ondelete="CASCADE")
    closed_on: date = Field(index=True)
    reason: str = Field(max_length=30)
    note: str = Field(default="", max_length=2000)
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reopened_on: date | None = None
    reopened_by_id: int | None = Field(default=None, foreign_key="app_user.id")
