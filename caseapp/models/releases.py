"""The release register: every return that left caseapp, with every cell it published."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from caseapp.models.base import utcnow


class ReturnRelease(SQLModel, table=True):
    """One exported return: its period, its rules and its published cells.

    `cells` is JSON, `{"table/cell": value}` with each value a number, `"[c]"` or null: the
    anonymised figures exactly as released, so a later release can be checked against them
    (docs/domain.md, rule 4a). It holds aggregates only, never a row about anyone, so erasing
    a woman leaves it as it is and a subject access request has nothing of hers to find here.
    """

    id: int | None = Field(default=None, primary_key=True)
    period_from: dt.date = Field(index=True)
    period_to: dt.date
    period_kind: str = Field(default="range", max_length=10)
    threshold: int
    rules_version: str = Field(max_length=10)
    released_at: dt.datetime = Field(default_factory=utcnow)
    manifest_sha256: str = Field(default="", max_length=64)
    cells: str = Field(max_length=200_000)
