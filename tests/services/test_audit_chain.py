"""Tampering with the audit log: an edited, deleted, reordered or cut entry is named by verify."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseapp.cli.main import main
from caseapp.services import audit, settings
from caseapp.services.context import Ctx
from caseapp.services.session import lock, unlock
from caseapp.store.engine import raw_connect
from caseapp.store.store import open_raw
from tests.conftest import MANAGER, PASSPHRASE

ENTRIES = 10


@pytest.fixture
def logged(manager: Ctx, store_path: Path) -> bytes:
    """A closed store whose log holds ENTRIES entries; returns the data key for tampering."""
    for i in range(ENTRIES - 1):  # entry 1 is the store's creation
        settings.set_value(manager, "retention_years", str(6 + i))
    key = manager.store.data_key
    assert audit.verify_chain(manager.store).checked == ENTRIES
    manager.store.close()
    return key


def _sql(path: Path, key: bytes, *statements: str) -> None:
    conn = raw_connect(path, key)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _verify(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    status = main(["verify", "--store", str(path), "--user", MANAGER])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_healthy_store_verifies_with_exit_0(
    logged: bytes,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, output = _verify(store_path, monkeypatch, capsys)
    assert status == 0, output
    assert "audit chain intact" in output and "no damage found" in output


SWAP = (
    "UPDATE auditevent SET seq = -4 WHERE seq = 4",
    "UPDATE auditevent SET seq = 4 WHERE seq = 5",
    "UPDATE auditevent SET seq = 5 WHERE seq = -4",
)

TAMPERS: dict[str, tuple[tuple[str, ...], str]] = {
    "edited detail": (
        ('UPDATE auditevent SET detail = \'{"fields":["x"]}\' WHERE seq = 4',),
        "audit entry 4 has been altered",
    ),
    "edited user": (
        ("UPDATE auditevent SET username = 'someone' WHERE seq = 6",),
        "audit entry 6 has been altered",
    ),
    "edited time": (
        ("UPDATE auditevent SET at = '2020-01-01 00:00:00.000000' WHERE seq = 3",),
        "audit entry 3 has been altered",
    ),
    "deleted": (("DELETE FROM auditevent WHERE seq = 5",), "audit entry 5 is missing"),
    "reordered": (SWAP, "audit entry 4 has been altered or reordered"),
    "two edits, the first named": (
        (
            "UPDATE auditevent SET action = 'lock' WHERE seq = 7",
            "UPDATE auditevent SET action = 'lock' WHERE seq = 5",
        ),
        "audit entry 5 has been altered",
    ),
    "tail cut off": (
        (f"DELETE FROM auditevent WHERE seq > {ENTRIES - 2}",),
        # verify's own unlock entry chains on from the recorded head, leaving the gap.
        f"audit entry {ENTRIES - 1} is missing",
    ),
    "everything deleted": (("DELETE FROM auditevent",), "audit entry 1 is missing"),
}


@pytest.mark.parametrize("case", list(TAMPERS))
def test_tampering_is_named_and_exits_non_zero(
    case: str,
    logged: bytes,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    statements, expected = TAMPERS[case]
    _sql(store_path, logged, *statements)
    status, output = _verify(store_path, monkeypatch, capsys)
    assert status == 3, output
    assert expected in output
    assert "Restore from your latest backup" in output


def test_cut_off_tail_is_still_found_after_later_unlocks(
    logged: bytes,
    store_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """New entries must not re-use the missing numbers and paper over the cut."""
    _sql(store_path, logged, f"DELETE FROM auditevent WHERE seq > {ENTRIES - 2}")
    for _ in range(3):  # people keep using the store before anyone runs verify
        lock(unlock(store_path, MANAGER, PASSPHRASE).ctx)
    status, output = _verify(store_path, monkeypatch, capsys)
    assert status == 3
    assert f"audit entry {ENTRIES - 1} is missing" in output


def test_service_report_names_first_bad_entry(logged: bytes, store_path: Path) -> None:
    _sql(store_path, logged, "UPDATE auditevent SET role = 'admin' WHERE seq = 2")
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    try:
        report = audit.verify_chain(ctx.store)
    finally:
        lock(ctx)
    assert not report.ok and report.first_bad_seq == 2


def test_cut_tail_without_new_entries_is_reported_against_the_head(
    logged: bytes, store_path: Path
) -> None:
    _sql(store_path, logged, f"DELETE FROM auditevent WHERE seq > {ENTRIES - 3}")
    with open_raw(store_path, logged) as store:  # opens without writing an entry
        report = audit.verify_chain(store)
    assert not report.ok and report.first_bad_seq == ENTRIES - 2
    assert report.head_seq == ENTRIES
    assert f"after {ENTRIES - 3} are missing (the head is {ENTRIES})" in report.message
