"""One write rule: no write inside a write, and a refusal is audited after its write rolls back."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import col, select

from caseapp.errors import PermissionDenied
from caseapp.models import AuditEvent, Hub
from caseapp.services import audit, permissions, women, women_types
from caseapp.services.access import get_visible_woman
from caseapp.services.context import Ctx
from caseapp.store.store import NestedWrite


def _denials(ctx: Ctx) -> list[AuditEvent]:
    """The refusals in the log, read as `ctx` (a manager: on PostgreSQL no keyworker may)."""
    with ctx.read() as session:
        return list(
            session.exec(
                select(AuditEvent).where(col(AuditEvent.action) == "permission_denied")
            ).all()
        )


def _hubs(ctx: Ctx, code: str) -> list[Hub]:
    with ctx.read() as session:
        return list(session.exec(select(Hub).where(col(Hub.code) == code)).all())


def test_a_refusal_after_a_write_is_audited_and_the_write_rolled_back(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kw1, kw2 = make_user("kw1"), make_user("kw2")
    details = women_types.WomanInput(first_name="Not", last_name="Hers")
    referral = women_types.ReferralInput(source="self", cj_status="none")
    theirs = women.create_woman(kw2, details, referral).id
    before = len(_denials(manager))
    with pytest.raises(PermissionDenied, match="not on your caseload"):
        with kw1.write() as session:
            session.add(Hub(code="ROLLED-BACK", name="Written before the refusal"))
            session.flush()
            get_visible_woman(session, kw1, theirs)
    assert _hubs(manager, "ROLLED-BACK") == []
    denials = _denials(manager)
    assert len(denials) == before + 1
    entry = denials[-1]
    assert (entry.username, entry.subject_id) == ("kw1", theirs)
    assert json.loads(entry.detail)["permission"] == "women.view"
    assert audit.verify_chain(manager.store).ok
    assert manager.store.key_file.audit_head["seq"] == entry.seq


def test_a_refusal_outside_a_write_is_audited_at_once(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kw = make_user("kw1")
    before = len(_denials(manager))
    with pytest.raises(PermissionDenied):
        permissions.require(kw, "erase")
    assert len(_denials(manager)) == before + 1


def test_a_refusal_is_audited_once_even_if_raised_again(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kw = make_user("kw1")
    before = len(_denials(manager))
    with pytest.raises(PermissionDenied) as info:
        permissions.require(kw, "erase")
    with pytest.raises(PermissionDenied), kw.write():
        raise info.value
    assert len(_denials(manager)) == before + 1


def test_re_entering_write_is_an_error_and_nothing_is_saved(manager: Ctx) -> None:
    with pytest.raises(NestedWrite, match="inside another write"):
        with manager.write() as session:
            session.add(Hub(code="OUTER", name="Outer"))
            session.flush()
            with manager.write():
                pass
    assert _hubs(manager, "OUTER") == []
    with manager.write() as session:  # the store is usable again afterwards
        session.add(Hub(code="AFTER", name="After"))
    assert len(_hubs(manager, "AFTER")) == 1


def test_re_entering_the_store_write_directly_is_an_error(manager: Ctx) -> None:
    with pytest.raises(NestedWrite), manager.store.write(), manager.store.write():
        pass
