"""The audit log as managers read it: filters by user, woman, action and dates; stable paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.errors import PermissionDenied, ValidationError
from caseapp.services import audit, audit_log
from caseapp.services.context import Ctx
from tests.conftest import MANAGER, PASSPHRASE
from tests.dataprot import utc
from tests.harness.women import insert_woman_with_every_record


@pytest.fixture
def history(manager: Ctx, make_user: Callable[..., Ctx]) -> Ctx:
    """A log with entries by two people, about two women, on three days."""
    kw = make_user("kw1")
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    insert_woman_with_every_record(manager, "MIN-2026-00002")
    with manager.write() as session:
        for day, who, ref in (
            (utc(2026, 3, 1), "kw1", "MIN-2026-00001"),
            (utc(2026, 3, 2), "kw1", "MIN-2026-00002"),
            (utc(2026, 3, 3), "mgr", "MIN-2026-00001"),
        ):
            audit.append(
                session,
                manager.store,
                "record_opened",
                username=who,
                role="keyworker",
                subject_ref=ref,
                at=day,
            )
    return kw


def _seqs(page: audit_log.AuditPage) -> list[int]:
    return [e.seq for e in page.entries]


def test_filters(manager: Ctx, history: Ctx) -> None:
    by_kw = audit_log.query(manager, audit_log.make_filter(username="KW1"))
    assert {e.username for e in by_kw.entries} == {"kw1"}
    about = audit_log.query(manager, audit_log.make_filter(woman_ref=" min-2026-00001"))
    assert {e.subject_ref for e in about.entries} == {"MIN-2026-00001"}
    assert [e.action for e in about.entries] == ["record_opened", "record_opened", "woman_created"]
    opened = audit_log.query(
        manager, audit_log.make_filter(action="record_opened", date_from="02/03/2026")
    )
    assert [e.at.date() for e in opened.entries] == [date(2026, 3, 3), date(2026, 3, 2)]
    one_day = audit_log.query(
        manager, audit_log.make_filter(date_from="2026-03-02", date_to="2026-03-02")
    )
    assert [e.subject_ref for e in one_day.entries] == ["MIN-2026-00002"]
    assert "record_opened" in audit_log.actions(manager)
    assert audit_log.usernames(manager) == ["kw1", "mgr"]
    with pytest.raises(ValidationError, match="after"):
        audit_log.make_filter(date_from="03/03/2026", date_to="01/03/2026")
    with pytest.raises(ValidationError):
        audit_log.make_filter(date_from="31/02/2026")


def test_paging_is_by_sequence_and_stable_under_new_entries(manager: Ctx, history: Ctx) -> None:
    everything = _seqs(audit_log.query(manager, limit=1000))
    first = audit_log.query(manager, limit=3)
    assert _seqs(first) == everything[:3] and first.next_before == everything[2]
    insert_woman_with_every_record(manager, "MIN-2026-00003")  # new entries arrive between pages
    second = audit_log.query(manager, before=first.next_before, limit=3)
    assert _seqs(second) == everything[3:6]
    last = audit_log.query(manager, before=everything[-2], limit=3)
    assert _seqs(last) == everything[-1:] and last.next_before is None


def test_detail_is_summarised_without_values(manager: Ctx) -> None:
    with manager.write() as session:
        audit.record(session, manager, "woman_changed", subject_ref="X", fields=["phone", "name"])
    entry = audit_log.query(manager, limit=1).entries[0]
    assert entry.detail == "fields: name, phone"


def test_who_may_read_the_log(manager: Ctx, make_user: Callable[..., Ctx]) -> None:
    admin = make_user("ad1", role="admin")
    assert audit_log.query(admin).entries
    kw = make_user("kw1")
    with pytest.raises(PermissionDenied):
        audit_log.query(kw)
    denial = audit_log.query(manager, audit_log.make_filter(action="permission_denied"))
    assert [e.username for e in denial.entries] == ["kw1"]


def test_cli_audit(
    manager: Ctx,
    history: Ctx,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    manager.store.close()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    base = ["audit", "--store", str(store_path), "--user", MANAGER]
    assert main([*base, "--woman", "MIN-2026-00002", "--by", "kw1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "02/03/2026" in lines[1] and "record_opened" in lines[1]
    assert main([*base, "--limit", "2"]) == 0
    assert "--before" in capsys.readouterr().out
    assert main([*base, "--from", "30/02/2026"]) == 6
