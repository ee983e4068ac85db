"""Case references such as MIN-2026-00042: prefix, year, and a number unique within both."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from caseapp.models import Setting, Woman


def next_reference(session: Session, *, today: date | None = None) -> str:
    """The next free reference for this year (call inside the write that inserts her)."""
    year = (today or date.today()).year
    setting = session.get(Setting, "reference_prefix")
    prefix = setting.value if setting else "MIN"
    stem = f"{prefix}-{year}-"
    latest = session.exec(
        select(func.max(col(Woman.reference))).where(col(Woman.reference).startswith(stem))
    ).one()
    number = 1
    if latest:
        tail = latest[len(stem) :]
        number = int(tail) + 1 if tail.isdigit() else 1
    return f"{stem}{number:05d}"
