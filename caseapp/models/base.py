"""Shared column helpers for the SQLModel tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field

from caseapp.clock import current


def utcnow() -> datetime:
    """Return the current time in UTC by the one clock (aware; stored as UTC text)."""
    return current().utcnow()


def nocase(max_length: int, *, index: bool = False, nullable: bool = True) -> object:
    """A text column compared case-insensitively, so `LIKE 'abc%'` can use its index."""
    return Field(
        default=None,
        sa_column=Column(String(max_length, collation="NOCASE"), index=index, nullable=nullable),
    )
