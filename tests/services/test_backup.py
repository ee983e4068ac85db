"""Backups and restores: last commit, encrypted, every row back, checked.

docs/security.md, "Backup during a write".
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caseapp import paths
from caseapp.cli.main import main
from caseapp.errors import (
    ExportError,
    PassphraseIncorrect,
    PermissionDenied,
    StoreDamaged,
    StoreExists,
    StoreInUse,
    ValidationError,
)
from caseapp.services import audit, audit_log, backup
from caseapp.services.context import Ctx
from caseapp.services.session import lock, unlock
from caseapp.store.engine import raw_connect
from tests.conftest import MANAGER, PASSPHRASE
from tests.dataprot import decrypted_pages, holds
from tests.harness.women import insert_woman_with_every_record

MARKER = "Qwpzbackupmarker"


def _dump(path: Path, key: bytes, *, audit_upto: int | None = None) -> dict[str, list[Any]]:
    """Every row of every table, in a stable order (audit entries up to a sequence number)."""
    conn = raw_connect(path, key)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out: dict[str, list[Any]] = {}
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            if table == "auditevent" and audit_upto is not None:
                rows = [r for r in rows if r[0] <= audit_upto]
            if table == "setting":
                # A restore moves the store's generation on past the one it replaced.
                rows = [r for r in rows if r[0] != "store_generation"]
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        conn.close()


FILLED = 12  # few enough that SQLite's 1,000-page auto-checkpoint never runs mid-test


def _filled(manager: Ctx) -> None:
    for i in range(FILLED):
        insert_woman_with_every_record(
            manager, f"MIN-2026-{i + 1:05d}", marker=f"{MARKER}{i}", group_ref=f"G{i % 3}"
        )


def test_case9_backup_with_a_commit_in_the_wal_restores_every_row(
    manager: Ctx, store_path: Path, tmp_path: Path
) -> None:
    _filled(manager)
    key = manager.store.data_key
    wal = Path(f"{store_path}-wal")
    # The last commit is still in the WAL, not yet in the main file.
    last = insert_woman_with_every_record(manager, "MIN-2026-00099", marker=f"{MARKER}last")
    assert wal.stat().st_size > 0
    assert not holds(decrypted_pages(store_path, key), f"{MARKER}last")

    out = tmp_path / "backups" / "nightly.cabk"
    out.parent.mkdir()
    info = backup.create(manager, out)

    assert info.path == out and out.exists() and out.stat().st_mode & 0o777 == 0o600
    assert dict(info.counts)["woman"] == FILLED + 1
    before = _dump(store_path, key, audit_upto=info.audit_seq)
    # Encrypted: no marker, name or reference anywhere in the file's bytes.
    raw = out.read_bytes()
    for needle in (MARKER.encode(), b"Lovelace", b"MIN-2026-00099", b"SQLite format 3"):
        assert needle not in raw
    # The backup itself is recorded, after the snapshot it describes.
    entries = audit_log.query(manager, audit_log.make_filter(action="backup_taken")).entries
    assert len(entries) == 1 and entries[0].seq == info.audit_seq + 1

    manager.store.close()
    target = tmp_path / "restored" / "caseapp.db"
    target.parent.mkdir()
    report = backup.restore(out, target, MANAGER, PASSPHRASE)
    after = _dump(target, key, audit_upto=info.audit_seq)
    assert after == before
    assert any(row[0] == last for row in after["woman"])
    # The restored store opens normally, its chain is whole and records the restore.
    ctx = unlock(target, MANAGER, PASSPHRASE).ctx
    try:
        assert audit.verify_chain(ctx.store).ok
        restored = audit_log.query(ctx, audit_log.make_filter(action="restored")).entries
        assert [e.seq for e in restored] == [report.audit_seq]
    finally:
        lock(ctx)


def test_backup_copy_is_readable_only_with_the_key(
    manager: Ctx, store_path: Path, tmp_path: Path
) -> None:
    _filled(manager)
    out = tmp_path / "b.zip"
    backup.create(manager, out)
    extracted = tmp_path / "x.db"
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "store.db", "store.db.keys"]
        extracted.write_bytes(archive.read("store.db"))
        keys = json.loads(archive.read("store.db.keys"))
    assert "slots" in keys and "data_key" not in json.dumps(keys)
    # Positive control: with the data key the pages do hold the marker.
    assert holds(decrypted_pages(extracted, manager.store.data_key), MARKER)


def test_backup_beside_a_running_app(
    manager: Ctx,
    store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The app keeps its lock; `caseapp backup` still writes a consistent, checked backup."""
    _filled(manager)
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "while-open.cabk"
    status = main(["backup", "--store", str(store_path), "--user", MANAGER, "--out", str(out)])
    assert status == 0
    assert "open elsewhere" in capsys.readouterr().out
    manifest = backup.inspect(out)
    assert manifest["counts"]["woman"] == FILLED
    manager.store.close()
    # The queued entry reaches the audit log at the next unlock.
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    try:
        taken = audit_log.query(ctx, audit_log.make_filter(action="backup_taken")).entries
        assert [e.username for e in taken] == [MANAGER]
        assert audit.verify_chain(ctx.store).ok
    finally:
        lock(ctx)


def test_cli_backup_and_restore_round_trip(
    manager: Ctx,
    store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _filled(manager)
    key = manager.store.data_key
    manager.store.close()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "b.cabk"
    base = ["--store", str(store_path), "--user", MANAGER]
    assert main(["backup", *base, "--out", str(out)]) == 0
    manifest = backup.inspect(out)
    # Restoring over an existing store needs --replace; then every row comes back.
    assert main(["restore", str(out), *base]) == 6  # an existing store: invalid input
    assert "--replace" in capsys.readouterr().err
    later = unlock(store_path, MANAGER, PASSPHRASE).ctx
    insert_woman_with_every_record(later, "MIN-2026-00500")  # a change made after the backup
    lock(later)
    assert main(["restore", str(out), *base, "--replace"]) == 0
    assert "every check passed" in capsys.readouterr().out
    rows = _dump(store_path, key, audit_upto=manifest["audit_head"]["seq"])
    assert len(rows["woman"]) == FILLED
    assert not Path(f"{store_path}-wal").exists() or Path(f"{store_path}-wal").stat().st_size == 0


@pytest.fixture
def a_backup(manager: Ctx, tmp_path: Path) -> Path:
    """A backup of a small store, and the store closed."""
    _filled(manager)
    out = tmp_path / "b.cabk"
    backup.create(manager, out)
    manager.store.close()
    return out


def _rezip(source: Path, dest: Path, change: Callable[[str, bytes], bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))


def _flip_page(name: str, data: bytes) -> bytes:
    if name != "store.db":
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def test_restore_refuses_damaged_backups_and_changes_nothing(
    a_backup: Path, tmp_path: Path, store_path: Path
) -> None:
    before = store_path.read_bytes()
    keys_before = paths.key_file_path(store_path).read_bytes()

    flipped = tmp_path / "flipped.cabk"
    _rezip(a_backup, flipped, _flip_page)
    with pytest.raises(StoreDamaged, match="damaged"):
        backup.restore(flipped, store_path, MANAGER, PASSPHRASE, replace=True)

    # A byte flipped with the manifest's digest updated: SQLCipher's page HMAC catches it.
    manifest = backup.inspect(a_backup)
    with zipfile.ZipFile(a_backup) as archive:
        db = _flip_page("store.db", archive.read("store.db"))
        keys = archive.read("store.db.keys")
    manifest["members"]["store.db"]["sha256"] = hashlib.sha256(db).hexdigest()
    rehashed = tmp_path / "rehashed.cabk"
    with zipfile.ZipFile(rehashed, "w") as new:
        new.writestr("manifest.json", json.dumps(manifest))
        new.writestr("store.db.keys", keys)
        new.writestr("store.db", db)
    with pytest.raises(StoreDamaged):
        backup.restore(rehashed, store_path, MANAGER, PASSPHRASE, replace=True)

    counted = tmp_path / "counted.cabk"

    def more_women(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        body = json.loads(data)
        body["counts"]["woman"] += 1
        return json.dumps(body).encode()

    _rezip(a_backup, counted, more_women)
    with pytest.raises(StoreDamaged, match="manifest has been altered"):
        backup.restore(counted, store_path, MANAGER, PASSPHRASE, replace=True)

    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    with pytest.raises(ValidationError, match="not a caseapp backup"):
        backup.restore(not_zip, store_path, MANAGER, PASSPHRASE, replace=True)

    with pytest.raises(PassphraseIncorrect):
        backup.restore(a_backup, store_path, MANAGER, "wrong passphrase", replace=True)

    assert store_path.read_bytes() == before
    assert paths.key_file_path(store_path).read_bytes() == keys_before
    assert not [p.name for p in store_path.parent.iterdir() if p.name.startswith(".caseapp-work")]


def test_restore_never_touches_an_open_store(a_backup: Path, store_path: Path) -> None:
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    try:
        before = store_path.read_bytes()
        with pytest.raises(StoreInUse):
            backup.restore(a_backup, store_path, MANAGER, PASSPHRASE, replace=True)
        assert store_path.read_bytes() == before
    finally:
        lock(ctx)


def test_restore_without_replace_refuses_an_existing_store(
    a_backup: Path, store_path: Path
) -> None:
    with pytest.raises(StoreExists):
        backup.restore(a_backup, store_path, MANAGER, PASSPHRASE)


def test_only_managers_and_admins_back_up_or_restore(
    manager: Ctx, make_user: Callable[..., Ctx], tmp_path: Path
) -> None:
    kw = make_user("kw1")
    with pytest.raises(PermissionDenied):
        backup.create(kw, tmp_path / "kw.cabk")
    assert not (tmp_path / "kw.cabk").exists()
    admin = make_user("ad1", role="admin")
    backup.create(admin, tmp_path / "admin.cabk")
    manager.store.close()
    target = tmp_path / "r" / "caseapp.db"
    target.parent.mkdir()
    with pytest.raises(PermissionDenied):
        backup.restore(tmp_path / "admin.cabk", target, "kw1", PASSPHRASE)
    assert not target.exists()


def test_backup_refuses_to_overwrite_the_store_itself(manager: Ctx, store_path: Path) -> None:
    keys = paths.key_file_path(store_path)
    before = keys.read_bytes()
    with pytest.raises(ValidationError):
        backup.create(manager, keys)
    assert keys.read_bytes() == before


def test_a_failed_write_is_one_clear_line_and_leaves_nothing(manager: Ctx, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()  # a folder where the backup file should go
    with pytest.raises(ExportError, match="Could not write the backup taken"):
        backup.create(manager, tmp_path / "taken")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "store") == ["home", "taken"]
    assert not list((tmp_path / "taken").iterdir())
