"""Erasure: she and everything attached go at once; no page or WAL frame keeps a trace."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, text
from sqlmodel import col, select

from caseapp.cli.main import main
from caseapp.errors import NotFound, PermissionDenied, StoreDamaged, ValidationError
from caseapp.models import (
    AssessmentItem,
    AuditEvent,
    ExportEvent,
    GroupAttendance,
    GroupSession,
    Woman,
)
from caseapp.services import audit, erasure
from caseapp.services.context import Ctx
from caseapp.services.references import next_reference
from caseapp.store.store import open_store
from tests.conftest import MANAGER, PASSPHRASE
from tests.dataprot import decrypted_pages, holds, wal_frames
from tests.harness.women import insert_woman_with_every_record

MARKER = "Zqxvbmarker"


def _rows_for(ctx: Ctx, woman_id: int) -> dict[str, int]:
    """Rows in every table that points at this woman, plus her assessments' items."""
    counts: dict[str, int] = {}
    with ctx.read() as session:
        conn = session.connection()
        found = inspect(conn)  # SQLite's or PostgreSQL's catalogue, as the store's engine
        for table in found.get_table_names():
            columns = [c["name"] for c in found.get_columns(table)]
            if "woman_id" in columns:
                counts[table] = conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE woman_id = :w"), {"w": woman_id}
                ).scalar_one()
        counts["woman"] = conn.execute(
            text("SELECT count(*) FROM woman WHERE id = :w"), {"w": woman_id}
        ).scalar_one()
        counts["assessmentitem"] = session.exec(
            select(func.count()).select_from(AssessmentItem)
        ).one()
    return counts


def test_erase_removes_her_and_everything_attached(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kw = make_user("kw1")
    gone = insert_woman_with_every_record(
        manager, "MIN-2026-00001", marker=MARKER, shared_with=kw.actor.user_id, group_ref="G1"
    )
    kept = insert_woman_with_every_record(
        manager, "MIN-2026-00002", marker="Keepme", group_ref="G1"
    )
    before = _rows_for(manager, gone)
    assert before["woman"] == 1 and before["engagement"] == 1 and before["groupattendance"] == 1
    assert before["womanshare"] == 1 and before["assessmentitem"] == 2

    result = erasure.erase(manager, "min-2026-00001 ", confirmation="MIN-2026-00001")

    assert result.references == ("MIN-2026-00001",)
    removed = dict(result.removed)
    assert removed["woman"] == 1 and removed["engagement"] == 1 and removed["exportevent"] == 1
    after = _rows_for(manager, gone)
    assert {k: v for k, v in after.items() if k != "assessmentitem"} == dict.fromkeys(
        (k for k in after if k != "assessmentitem"), 0
    )
    assert after["assessmentitem"] == 1  # only the kept woman's item remains
    with manager.read() as session:
        assert session.get(Woman, kept) is not None
        # The group session stays (other women were there); only her line on the register goes.
        assert session.exec(select(func.count()).select_from(GroupSession)).one() == 1
        register = session.exec(select(GroupAttendance)).all()
        assert [r.woman_id for r in register] == [kept]
        assert (
            session.exec(select(func.count()).where(col(ExportEvent.subject_id) == gone)).one() == 0
        )


def test_no_trace_in_pages_or_wal(manager: Ctx, store_path: Path) -> None:
    key = manager.store.data_key
    for i in range(30):  # enough rows that her pages are shared with others
        insert_woman_with_every_record(manager, f"MIN-2026-{i + 10:05d}", marker=f"Other{i}")
    insert_woman_with_every_record(manager, "MIN-2026-00001", marker=MARKER)
    # Positive control: the decryption reads her marker before erasure (page or WAL frame).
    assert holds(decrypted_pages(store_path, key) + wal_frames(store_path, key), MARKER)

    result = erasure.erase(manager, "MIN-2026-00001", confirmation="MIN-2026-00001")

    assert result.scrubbed
    wal = Path(f"{store_path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert not holds(decrypted_pages(store_path, key), MARKER)
    assert not holds(wal_frames(store_path, key), MARKER)
    assert holds(decrypted_pages(store_path, key), "Other7")  # the others are still readable
    manager.store.close()
    assert not holds(decrypted_pages(store_path, key) + wal_frames(store_path, key), MARKER)


def test_tombstone_names_no_one_and_chain_stays_whole(manager: Ctx) -> None:
    wid = insert_woman_with_every_record(manager, "MIN-2026-00001", marker=MARKER)
    erasure.erase(manager, "MIN-2026-00001", confirmation="MIN-2026-00001")
    with manager.read() as session:
        tomb = session.exec(select(AuditEvent).where(col(AuditEvent.action) == "erased")).one()
    assert tomb.subject_ref == "" and tomb.subject_id == wid
    assert MARKER not in tomb.detail and "MIN-2026-00001" not in tomb.detail
    detail = json.loads(tomb.detail)
    assert detail["reason"] == "request"
    assert detail["reference_hmac"] == erasure.reference_hmac(manager.store, "MIN-2026-00001")
    assert detail["removed"]["woman"] == 1
    assert audit.verify_chain(manager.store).ok
    assert erasure.was_erased(manager, "min-2026-00001") == tomb.at
    assert erasure.was_erased(manager, "MIN-2026-00002") is None


def test_keyworker_is_refused_and_the_refusal_recorded(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    kw = make_user("kw1")
    insert_woman_with_every_record(manager, "MIN-2026-00001", keyworker_id=kw.actor.user_id)
    with pytest.raises(PermissionDenied):
        erasure.erase(kw, "MIN-2026-00001", confirmation="MIN-2026-00001")
    with manager.read() as session:
        denial = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "permission_denied")
        ).one()
        assert session.exec(select(func.count()).select_from(Woman)).one() == 1
    assert denial.username == "kw1" and denial.subject_ref == "MIN-2026-00001"
    assert json.loads(denial.detail)["permission"] == "erase"


def test_wrong_confirmation_or_unknown_reference_erases_nothing(manager: Ctx) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    with pytest.raises(ValidationError, match="Type the reference MIN-2026-00001"):
        erasure.erase(manager, "MIN-2026-00001", confirmation="MIN-2026-0000")
    with pytest.raises(NotFound):
        erasure.erase(manager, "MIN-2026-00009", confirmation="MIN-2026-00009")
    with pytest.raises(NotFound):  # several at once: all or nothing
        erasure.erase_women(manager, ["MIN-2026-00001", "MIN-2026-00009"], reason="test")
    with manager.read() as session:
        assert session.exec(select(func.count()).select_from(Woman)).one() == 1


def test_erased_reference_is_never_issued_again(manager: Ctx) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001")
    insert_woman_with_every_record(manager, "MIN-2026-00002")
    erasure.erase(manager, "MIN-2026-00002", confirmation="MIN-2026-00002")
    with manager.read() as session:
        assert next_reference(session, today=date(2026, 5, 1)) == "MIN-2026-00003"
        assert next_reference(session, today=date(2027, 5, 1)) == "MIN-2027-00001"


def test_cli_erase_with_yes_and_with_typed_confirmation(
    manager: Ctx,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    insert_woman_with_every_record(manager, "MIN-2026-00001", marker=MARKER)
    insert_woman_with_every_record(manager, "MIN-2026-00002")
    manager.store.close()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    args = ["erase", "--store", str(store_path), "--user", MANAGER]
    assert main([*args, "MIN-2026-00001", "--yes"]) == 0
    assert "Erased MIN-2026-00001" in capsys.readouterr().out

    monkeypatch.setattr("builtins.input", lambda prompt="": "MIN-2026-0000")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert main([*args, "MIN-2026-00002"]) == 6
    assert "nothing was erased" in capsys.readouterr().err
    monkeypatch.setattr("builtins.input", lambda prompt="": "MIN-2026-00002")
    assert main([*args, "MIN-2026-00002"]) == 0

    unlocked = open_store(store_path, MANAGER, PASSPHRASE)
    try:
        with unlocked.store.read() as session:
            assert session.exec(select(func.count()).select_from(Woman)).one() == 0
    finally:
        unlocked.store.close()


def test_a_reference_without_cascade_stops_the_erasure(manager: Ctx) -> None:
    wid = insert_woman_with_every_record(manager, "MIN-2026-00001")
    with manager.write() as session:
        conn = session.connection()
        conn.exec_driver_sql(
            "CREATE TABLE legacy_note "
            "(id INTEGER PRIMARY KEY, woman_id INTEGER REFERENCES woman(id))"
        )
        conn.execute(text("INSERT INTO legacy_note (woman_id) VALUES (:w)"), {"w": wid})
    with pytest.raises(StoreDamaged, match="nothing was erased"):
        erasure.erase(manager, "MIN-2026-00001", confirmation="MIN-2026-00001")
    assert _rows_for(manager, wid)["woman"] == 1
    assert audit.verify_chain(manager.store).ok
