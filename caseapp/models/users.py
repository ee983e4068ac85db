"""Staff who use caseapp; their key slots live in the key file, not here."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from caseapp.models.base import utcnow


class User(SQLModel, table=True):
    """A member of staff with a role; removed users are kept for the audit trail."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=120)
    role: str = Field(max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
