"""A twin handle on an open store: closing it leaves the store open, and it writes the same log."""

from __future__ import annotations

from sqlmodel import select

from caseapp.models import Hub
from caseapp.services import audit
from caseapp.services.context import Ctx
from caseapp.store.store import Store


def test_closing_a_twin_leaves_the_store_open(store: Store) -> None:
    twin = store.twin()
    with twin.write() as session:
        session.add(Hub(code="north", name="North Hub"))
    twin.close()
    assert store.is_open and not twin.is_open
    with store.read() as session:
        assert [h.code for h in session.exec(select(Hub))] == ["north"]


def test_a_twin_extends_the_same_audit_chain(manager: Ctx) -> None:
    twin = Ctx(manager.store.twin(), manager.actor)
    with twin.write() as session:
        audit.record(session, twin, "settings_changed", fields=["x"])
    with manager.write() as session:
        audit.record(session, manager, "settings_changed", fields=["y"])
    twin.store.close()
    report = audit.verify_chain(manager.store)
    assert report.ok, report.message
    assert report.checked >= 2
