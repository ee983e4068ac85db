"""New group sessions and the demo's sessions share one reference format and one numbering."""

from __future__ import annotations

import re

from sqlmodel import col, select

from caseapp.models import GroupSession
from caseapp.services import groups
from caseapp.services.context import Ctx
from caseapp.services.demo.data import populate
from tests.harness.clock import TODAY


def test_a_session_added_to_the_demo_continues_its_references(manager: Ctx) -> None:
    populate(manager.store, seed=2026, size="small", today=TODAY)
    with manager.read() as session:
        demo = list(session.exec(select(GroupSession.reference)).all())
    shape = re.compile(r"GRP-\d{4}-\d{4}")
    assert demo and all(shape.fullmatch(ref) for ref in demo), demo[:3]
    this_year = sorted(r for r in demo if r.startswith(f"GRP-{TODAY.year}-"))
    made = groups.create_session(manager, title="Drop-in", date=TODAY)
    assert shape.fullmatch(made.session.reference)
    assert made.session.reference == f"GRP-{TODAY.year}-{int(this_year[-1][-4:]) + 1:04d}"
    with manager.read() as session:
        held = session.exec(
            select(GroupSession).where(col(GroupSession.reference) == made.session.reference)
        ).all()
    assert len(held) == 1
