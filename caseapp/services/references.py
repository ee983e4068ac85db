"""Case references such as MIN-2026-00042: prefix, year, and a number unique within both."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, func, select

from caseapp.models import Setting, Woman


def floor_key(stem: str) -> str:
    """The setting that holds the highest erased reference for a prefix and year."""
    return f"reference_floor:{stem}"[:60]


def next_reference(session: Session, *, today: date) -> str:
    """The next free reference for `today`'s year (call inside the write that inserts her)."""
    year = today.year
    setting = session.get(Setting, "reference_prefix")
    prefix = setting.value if setting else "MIN"
    stem = f"{prefix}-{year}-"
    if session.get_bind().dialect.name == "postgresql":
        # Row-level security hides other keyworkers' women from her login, so the highest
        # reference is asked of a definer function, which also holds an advisory lock until
        # the transaction ends: two people adding a woman at once get different numbers.
        latest = session.exec(select(func.caseapp_latest_reference(stem))).one()
    else:
        latest = session.exec(
            select(func.max(col(Woman.reference))).where(col(Woman.reference).startswith(stem))
        ).one()
    # An erased woman's reference stays in the audit log, so it is never issued again.
    floor = session.get(Setting, floor_key(stem))
    if floor is not None and (latest is None or floor.value > latest):
        latest = floor.value
    number = 1
    if latest:
        tail = latest[len(stem) :]
        number = int(tail) + 1 if tail.isdigit() else 1
    return f"{stem}{number:05d}"
