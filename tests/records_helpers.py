"""Rows for tests of assessments, plans, outcomes, groups and activities, written directly."""

from __future__ import annotations

import json
from itertools import count

from sqlmodel import col, select

from caseapp.models import AuditEvent, Hub, Woman
from caseapp.services.validation import fold
from caseapp.store.store import Store

_numbers = count(1)


def add_woman(
    store: Store,
    first: str = "Jane",
    last: str = "Doe",
    *,
    keyworker_id: int | None = None,
    children: int | None = None,
    status: str = "active",
    preferred: str = "",
) -> int:
    """Insert a woman straight into the store and return her id."""
    number = next(_numbers)
    with store.write() as session:
        woman = Woman(
            reference=f"MIN-2026-{number:05d}",
            first_name=first,
            last_name=last,
            preferred_name=preferred,
            first_norm=fold(first),
            last_norm=fold(last),
            preferred_norm=fold(preferred),
            keyworker_id=keyworker_id,
            dependent_children=children,
            status=status,
        )
        session.add(woman)
        session.flush()
        assert woman.id is not None
        return woman.id


def reference_of(store: Store, woman_id: int) -> str:
    """Her case reference."""
    with store.read() as session:
        woman = session.get(Woman, woman_id)
        assert woman is not None
        return woman.reference


def add_hub(store: Store, code: str = "north", name: str = "North Hub") -> int:
    """Insert an active hub and return its id."""
    with store.write() as session:
        hub = Hub(code=code, name=name)
        session.add(hub)
        session.flush()
        assert hub.id is not None
        return hub.id


def audit_events(store: Store, action: str) -> list[tuple[int | None, str, dict[str, object]]]:
    """(subject_id, subject_ref, detail) of every audit entry with `action`, oldest first."""
    with store.read() as session:
        rows = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == action).order_by(col(AuditEvent.seq))
        ).all()
        return [(r.subject_id, r.subject_ref, json.loads(r.detail)) for r in rows]
