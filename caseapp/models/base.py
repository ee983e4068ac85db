"""Shared column helpers for the SQLModel tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlalchemy.types import TypeEngine
from sqlmodel import Field

from caseapp.clock import current


def utcnow() -> datetime:
    """Return the current time in UTC by the one clock (aware; stored as UTC text)."""
    return current().utcnow()


def folded(max_length: int) -> TypeEngine[str]:
    """Text compared case-insensitively on SQLite (NOCASE, so `LIKE 'abc%'` uses its index).

    PostgreSQL has no NOCASE collation: the `*_norm` columns already hold lower-case text,
    so the byte-order "C" collation lets a `LIKE 'abc%'` prefix search use a plain index there.
    """
    return String(max_length, collation="NOCASE").with_variant(
        String(max_length, collation="C"), "postgresql"
    )


def nocase(max_length: int, *, index: bool = False, nullable: bool = True) -> object:
    """A text column compared case-insensitively, so `LIKE 'abc%'` can use its index."""
    return Field(
        default=None,
        sa_column=Column(folded(max_length), index=index, nullable=nullable),
    )
