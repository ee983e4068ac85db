"""Retention: who is past the policy, purge with confirmation, clock checks.

docs/security.md, "Clock moved back".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from caseapp.cli.main import main
from caseapp.clock import FrozenClock
from caseapp.errors import PermissionDenied, ValidationError
from caseapp.models import AuditEvent, Woman
from caseapp.services import audit, audit_log, retention, settings
from caseapp.services.context import Ctx
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.women import insert_woman_with_every_record

TODAY = date(2026, 11, 24)


def _women(manager: Ctx) -> None:
    # 7 years: due 2025
    insert_woman_with_every_record(manager, "MIN-2018-00001", closed_on=date(2019, 3, 1))
    # due today
    insert_woman_with_every_record(manager, "MIN-2020-00001", closed_on=date(2020, 11, 24))
    # due tomorrow
    insert_woman_with_every_record(manager, "MIN-2020-00002", closed_on=date(2020, 11, 25))
    # 5 years
    insert_woman_with_every_record(manager, "MIN-2021-00001", closed_on=date(2021, 6, 1))
    # open since 2017: never listed
    insert_woman_with_every_record(manager, "MIN-2017-00001")


def _refs(review: retention.Review) -> list[str]:
    return [c.reference for c in review.candidates]


def test_review_lists_closed_women_past_the_policy(manager: Ctx) -> None:
    _women(manager)
    review = retention.review(manager)
    assert review.years == 6 and review.clock_ok and review.clock_message == ""
    assert _refs(review) == ["MIN-2018-00001", "MIN-2020-00001"]
    first = review.candidates[0]
    assert first.closed_on == date(2019, 3, 1) and first.due_on == date(2025, 3, 1)
    assert first.name == "Ada Lovelace" and first.keyworker == "Maria Manager"

    retention.set_policy(manager, 5)
    assert _refs(retention.review(manager)) == [
        "MIN-2018-00001",
        "MIN-2020-00001",
        "MIN-2020-00002",
        "MIN-2021-00001",
    ]
    with manager.read() as session:
        changed = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "setting_changed")
        ).one()
    assert json.loads(changed.detail) == {"fields": ["retention_years"]}
    with pytest.raises(ValidationError):
        retention.set_policy(manager, 0)


def test_due_date_handles_leap_days() -> None:
    assert retention.due_date(date(2020, 2, 29), 6) == date(2026, 2, 28)
    assert retention.due_date(date(2020, 2, 29), 4) == date(2024, 2, 29)


def test_purge_needs_the_typed_phrase_and_only_takes_due_records(manager: Ctx) -> None:
    _women(manager)
    due = ["MIN-2018-00001", "MIN-2020-00001"]
    with pytest.raises(ValidationError, match="erase 2"):
        retention.purge(manager, due, confirmation="yes")
    with pytest.raises(ValidationError, match="MIN-2021-00001"):
        retention.purge(manager, ["MIN-2018-00001", "MIN-2021-00001"], confirmation="erase 2")
    with manager.read() as session:
        assert session.exec(select(func.count()).select_from(Woman)).one() == 5

    result = retention.purge(manager, due, confirmation="Erase 2")

    assert result.references == tuple(due) and result.scrubbed
    assert _refs(retention.review(manager)) == []
    with manager.read() as session:
        assert session.exec(select(func.count()).select_from(Woman)).one() == 3
        tombs = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "erased")).all()
    details = [json.loads(t.detail) for t in tombs]
    assert [d["reason"] for d in details] == ["retention", "retention"]
    assert all(d["policy_years"] == 6 and d["clock_confirmed"] is False for d in details)


def test_case22_clock_moved_back_keeps_audit_order_and_blocks_purge(
    manager: Ctx, clock: FrozenClock
) -> None:
    _women(manager)
    # The computer's clock goes back a day; people keep working.
    clock.advance(timedelta(days=-1))
    for years in (7, 8):
        settings.set_value(manager, "retention_years", str(years))
    settings.set_value(manager, "retention_years", "6")

    # Order is by sequence, not time: the chain verifies and the newest entry comes first.
    assert audit.verify_chain(manager.store).ok
    page = audit_log.query(manager, limit=4).entries
    assert [e.seq for e in page] == sorted((e.seq for e in page), reverse=True)
    assert page[0].at < page[-1].at  # written later, stamped earlier

    behind = retention.review(manager)
    assert not behind.clock_ok and "gone backwards" in behind.clock_message
    # The list is still shown (it changes nothing), but nothing is purged on that clock.
    due = _refs(behind)
    assert due
    with pytest.raises(retention.ClockBehind, match="Nothing was erased"):
        retention.purge(manager, due, confirmation=f"erase {len(due)}")
    with manager.read() as session:
        assert session.exec(select(func.count()).select_from(Woman)).one() == 5

    result = retention.purge(manager, due, confirmation=f"erase {len(due)}", clock_confirmed=True)
    assert result.references == tuple(due)
    with manager.read() as session:
        tomb = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "erased")).first()
    assert tomb is not None and json.loads(tomb.detail)["clock_confirmed"] is True
    assert audit.verify_chain(manager.store).ok


def test_keyworker_cannot_review_or_purge(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    kw = make_user("kw1")
    _women(manager)
    with pytest.raises(PermissionDenied):
        retention.review(kw)
    with pytest.raises(PermissionDenied):
        retention.purge(kw, ["MIN-2018-00001"], confirmation="erase 1")
    with manager.read() as session:
        denials = session.exec(
            select(func.count()).where(col(AuditEvent.action) == "permission_denied")
        ).one()
    assert denials == 2


def test_cli_retention_list_policy_and_purge(
    manager: Ctx,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _women(manager)
    manager.store.close()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    base = ["--store", str(store_path), "--user", MANAGER]
    assert main(["retention", "policy", *base]) == 0
    assert "kept 6 years" in capsys.readouterr().out
    assert main(["retention", "list", *base]) == 0
    listed = capsys.readouterr().out
    assert "MIN-2018-00001" in listed and "MIN-2021-00001" not in listed
    assert main(["retention", "purge", *base]) == 6  # no terminal and no --yes
    assert main(["retention", "purge", *base, "MIN-2018-00001", "--yes"]) == 0
    assert "Purged 1 record(s)" in capsys.readouterr().out
    assert main(["retention", "policy", *base, "--years", "10"]) == 0
    assert "kept 10 years" in capsys.readouterr().out
