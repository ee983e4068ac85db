"""Shared column helpers for the SQLModel tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, String
from sqlmodel import Field


def utcnow() -> datetime:
    """Return the current time in UTC (aware; stored as UTC text)."""
    return datetime.now(UTC)


def nocase(max_length: int, *, index: bool = False, nullable: bool = True) -> object:
    """A text column compared case-insensitively, so `LIKE 'abc%'` can use its index."""
    return Field(
        default=None,
        sa_column=Column(String(max_length, collation="NOCASE"), index=index, nullable=nullable),
    )
