"""Keys that can be taken back and history that cannot be rewound: a missing cipher, key
rotation, generations and restores that re-apply erasures."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from sqlmodel import col, select

from caseapp import paths
from caseapp.cli.main import main
from caseapp.errors import PassphraseIncorrect, StoreDamaged
from caseapp.models import AuditEvent, Woman
from caseapp.services import audit, backup, erasure, maintenance, users
from caseapp.services.context import Actor, Ctx
from caseapp.services.session import lock, unlock
from caseapp.store import generations, rotation
from caseapp.store.keyslots import FAST_KDF, KeyFile
from caseapp.store.store import Store, change_passphrase, create_store, open_store
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.store import fill


@pytest.fixture
def plain_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard library's sqlite3 standing in for sqlcipher3 (it ignores PRAGMA key)."""
    monkeypatch.setattr("caseapp.store.engine.sqlcipher3", sqlite3)
    monkeypatch.setattr("caseapp.store.store.calibrate", lambda: FAST_KDF)


def test_missing_cipher_refuses_init_and_demo_and_creates_nothing(
    plain_sqlite: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    folder = tmp_path / "fresh"
    folder.mkdir()
    assert main(["init", "--store", str(folder / "s.db"), "--user", MANAGER]) == 3
    assert "SQLCipher is not available" in capsys.readouterr().err
    assert main(["demo", "--store", str(folder / "demo.db"), "--create-only"]) == 3
    assert "SQLCipher is not available" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == []


def test_missing_cipher_refuses_to_open_an_existing_store(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _code = create_store(store_path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    store.close()
    monkeypatch.setattr("caseapp.store.engine.sqlcipher3", sqlite3)
    with pytest.raises(StoreDamaged, match="SQLCipher is not available"):
        open_store(store_path, MANAGER, PASSPHRASE)


def test_a_plain_sqlite_file_in_place_of_the_store_is_refused_unchanged(store_path: Path) -> None:
    store, _code = create_store(store_path, MANAGER, PASSPHRASE, kdf=FAST_KDF)
    store.close()
    store_path.unlink()
    plain = sqlite3.connect(store_path)
    plain.execute("CREATE TABLE woman (name TEXT)")
    plain.commit()
    plain.close()
    before = store_path.read_bytes()
    with pytest.raises(StoreDamaged, match="plain, unencrypted SQLite file"):
        open_store(store_path, MANAGER, PASSPHRASE)
    assert store_path.read_bytes() == before


# -- rotation -------------------------------------------------------------------------------


def _opens(path: Path, key: bytes) -> bool:
    """Whether plain sqlcipher3 with this raw key reads the file (what a removed user would do)."""
    conn = sqlcipher3.connect(str(path))
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def _old_key(key_file_copy: Path, username: str) -> bytes:
    kf = KeyFile.load(key_file_copy)
    slot = kf.find(username)
    assert slot is not None
    return slot.open(kf.store_id, PASSPHRASE)


@pytest.fixture
def with_keyworker(new_store: Callable[[], Store], store_path: Path, tmp_path: Path) -> Path:
    """A closed store with the manager and keyworker `kim`; a copy of its key file kept aside."""
    store = new_store()
    ctx = Ctx(store, Actor(1, MANAGER, "manager"))
    users.add_user(ctx, "kim", "keyworker", PASSPHRASE, kdf=FAST_KDF)
    store.close()
    shutil.copy2(paths.key_file_path(store_path), tmp_path / "kept.keys")
    return store_path


def test_removing_a_user_changes_the_key_for_the_store_and_later_backups(
    with_keyworker: Path, tmp_path: Path
) -> None:
    old = _old_key(tmp_path / "kept.keys", "kim")
    assert _opens(with_keyworker, old)
    ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
    users.remove_user(ctx, "kim")
    backup.create(ctx, tmp_path / "after.cab")
    lock(ctx)
    assert not _opens(with_keyworker, old)
    with zipfile.ZipFile(tmp_path / "after.cab") as archive:
        archive.extract("store.db", tmp_path / "unpacked")
    assert not _opens(tmp_path / "unpacked" / "store.db", old)
    # Everyone left still unlocks, and the log (kept under its own key) still verifies.
    report = maintenance.verify(with_keyworker, MANAGER, PASSPHRASE)
    assert report.ok, report.lines
    with pytest.raises(PassphraseIncorrect):
        open_store(with_keyworker, "kim", PASSPHRASE)


def test_rekey_command_changes_the_key_with_progress_and_is_audited(
    with_keyworker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    old = _old_key(tmp_path / "kept.keys", MANAGER)
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    argv = ["rekey", "--store", str(with_keyworker), "--user"]
    assert main([*argv, "kim"]) == 5  # a keyworker may not
    assert _opens(with_keyworker, old)
    capsys.readouterr()
    assert main([*argv, MANAGER]) == 0
    out = capsys.readouterr().out
    assert "Re-encrypting" in out and "Key changed in" in out
    assert not _opens(with_keyworker, old)
    ctx = unlock(with_keyworker, "kim", PASSPHRASE).ctx
    lock(ctx)
    ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
    try:
        with ctx.read() as session:
            actions = list(session.exec(select(col(AuditEvent.action))))
    finally:
        lock(ctx)
    assert "key_changed" in actions


def test_a_crash_before_the_rekey_commits_leaves_the_old_key_and_the_rotation_due(
    with_keyworker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = unlock(with_keyworker, MANAGER, PASSPHRASE)
    old_key = old.ctx.store.data_key
    lock(old.ctx)
    with monkeypatch.context() as patch:
        patch.setattr(rotation, "_keep_stable_keys", _crash)
        ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
        with pytest.raises(SimulatedCrash):
            users.remove_user(ctx, "kim")
        _die(ctx.store)
    assert _opens(with_keyworker, old_key)
    assert KeyFile.load(paths.key_file_path(with_keyworker)).next is not None
    # The next unlock drops the half-made slots and changes the key after all.
    ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
    lock(ctx)
    assert not _opens(with_keyworker, old_key)
    kf = KeyFile.load(paths.key_file_path(with_keyworker))
    assert kf.next is None and not kf.rotation_due
    assert maintenance.verify(with_keyworker, MANAGER, PASSPHRASE).ok


def test_a_crash_after_the_rekey_commits_is_finished_with_the_new_key(
    with_keyworker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = unlock(with_keyworker, MANAGER, PASSPHRASE)
    old_key = first.ctx.store.data_key
    lock(first.ctx)
    with monkeypatch.context() as patch:
        patch.setattr(rotation, "promote", _crash)
        ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
        with pytest.raises(SimulatedCrash):
            users.rekey(ctx)
        _die(ctx.store)
    assert not _opens(with_keyworker, old_key)
    # The key file still holds the old slots and, beside them, the slots of the new key.
    kf = KeyFile.load(paths.key_file_path(with_keyworker))
    assert kf.next is not None
    for who in ("kim", MANAGER):
        ctx = unlock(with_keyworker, who, PASSPHRASE).ctx
        lock(ctx)
    assert KeyFile.load(paths.key_file_path(with_keyworker)).next is None
    assert maintenance.verify(with_keyworker, MANAGER, PASSPHRASE).ok


class SimulatedCrash(BaseException):
    """Stands for a kill at this point."""


def _crash(*_args: object, **_kwargs: object) -> None:
    raise SimulatedCrash


def _die(store: Store) -> None:
    """What a killed process leaves: its files as they are, its lock released by the kernel."""
    store._lock.release()


# -- generations ----------------------------------------------------------------------------


def _copy_files(store_path: Path, to: Path) -> None:
    to.mkdir(exist_ok=True)
    for file in (store_path, paths.key_file_path(store_path)):
        shutil.copy2(file, to / file.name)


def _put_back(store_path: Path, frm: Path, *, keys_only: bool = False) -> None:
    files = [paths.key_file_path(store_path)] + ([] if keys_only else [store_path])
    for file in files:
        shutil.copy2(frm / file.name, file)


def test_an_older_store_put_back_is_refused_naming_both_generations(
    with_keyworker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    lock(unlock(with_keyworker, MANAGER, PASSPHRASE).ctx)
    _copy_files(with_keyworker, tmp_path / "old")
    ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
    users.remove_user(ctx, "kim")
    lock(ctx)
    store_id = KeyFile.load(paths.key_file_path(with_keyworker)).store_id
    seen = generations.seen(store_id)
    _put_back(with_keyworker, tmp_path / "old")
    with pytest.raises(generations.OlderGeneration) as refused:
        unlock(with_keyworker, "kim", PASSPHRASE)
    message = str(refused.value)
    assert f"but this computer has seen {seen.store}" in message
    assert f"but this computer has seen {seen.keys}" in message
    # verify says so too, and a keyworker cannot wave it through.
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    argv = ["verify", "--store", str(with_keyworker), "--user"]
    capsys.readouterr()
    assert main([*argv, MANAGER]) == 3
    assert "older copy" in capsys.readouterr().err
    assert main([*argv, "kim", "--accept-older"]) == 5
    # A manager may accept it; that is audited and the generations move past what was seen.
    assert main([*argv, MANAGER, "--accept-older"]) == 0
    assert "generations: store" in capsys.readouterr().out
    ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
    try:
        with ctx.read() as session:
            actions = list(session.exec(select(col(AuditEvent.action))))
        assert ctx.store.generation > seen.store
    finally:
        lock(ctx)
    assert "older_copy_accepted" in actions


def test_an_older_key_file_put_back_does_not_bring_back_an_old_passphrase(
    with_keyworker: Path, tmp_path: Path
) -> None:
    _copy_files(with_keyworker, tmp_path / "old")
    change_passphrase(with_keyworker, "kim", PASSPHRASE, "a new passphrase", kdf=FAST_KDF)
    _put_back(with_keyworker, tmp_path / "old", keys_only=True)
    with pytest.raises(generations.OlderGeneration, match="key file is at generation"):
        unlock(with_keyworker, "kim", PASSPHRASE)


# -- restore cannot undo erasure --------------------------------------------------------------


def _references(path: Path) -> set[str]:
    ctx = unlock(path, MANAGER, PASSPHRASE).ctx
    try:
        with ctx.read() as session:
            return set(session.exec(select(col(Woman.reference))))
    finally:
        lock(ctx)


def _details(path: Path, action: str) -> list[dict[str, Any]]:
    ctx = unlock(path, MANAGER, PASSPHRASE).ctx
    try:
        with ctx.read() as session:
            rows = session.exec(
                select(col(AuditEvent.detail)).where(col(AuditEvent.action) == action)
            )
            return [json.loads(d) for d in rows]
    finally:
        lock(ctx)


@pytest.mark.parametrize("key_file_lost", [False, True])
def test_restoring_an_older_backup_erases_again_who_was_erased_since(
    new_store: Callable[[], Store], store_path: Path, tmp_path: Path, key_file_lost: bool
) -> None:
    store = new_store()
    fill(store, 20)
    store.close()
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    backup.create(ctx, tmp_path / "old.cab")
    erasure.erase(ctx, "R000007", confirmation="R000007")
    lock(ctx)
    head = KeyFile.load(paths.key_file_path(store_path)).audit_head
    if key_file_lost:
        paths.key_file_path(store_path).unlink()
    report = backup.restore(tmp_path / "old.cab", store_path, MANAGER, PASSPHRASE, replace=True)
    assert report.reerased == ("R000007",)
    refs = _references(store_path)
    assert "R000007" not in refs and "R000008" in refs
    (restored,) = _details(store_path, "restored")
    assert restored["erasures_reapplied"] == 1
    assert restored["replaced_generation"]["store"] > 0
    if not key_file_lost:
        assert restored["replaced_audit_head"] == head
    reasons = [d["reason"] for d in _details(store_path, "erased")]
    assert reasons.count("erased before; re-applied after a restore") == 1
    assert maintenance.verify(store_path, MANAGER, PASSPHRASE).ok


# -- a backup cannot leave no audit entry -----------------------------------------------------


def _backup_beside_open_app(store_path: Path, out: Path) -> None:
    app = unlock(store_path, MANAGER, PASSPHRASE).ctx  # caseapp open in another window
    try:
        backup.create_beside_running_app(store_path, MANAGER, PASSPHRASE, out)
        with app.write() as session:  # the app keeps working and saving its key file
            audit.record(session, app, "woman_viewed")
    finally:
        lock(app)


def test_a_queued_backup_entry_deleted_from_the_state_file_is_named_by_verify(
    closed_store_path: Path, tmp_path: Path
) -> None:
    _backup_beside_open_app(closed_store_path, tmp_path / "one.cab")
    state = paths.state_file_path(closed_store_path)
    data = json.loads(state.read_text("utf-8"))
    data["pending"] = [e for e in data["pending"] if e["action"] != "backup_taken"]
    state.write_text(json.dumps(data), "utf-8")
    report = maintenance.verify(closed_store_path, MANAGER, PASSPHRASE)
    assert not report.ok
    assert "backup number 1" in report.summary


def test_a_queued_backup_entry_reaches_the_log_and_an_edited_one_is_marked(
    closed_store_path: Path, tmp_path: Path
) -> None:
    _backup_beside_open_app(closed_store_path, tmp_path / "one.cab")
    assert maintenance.verify(closed_store_path, MANAGER, PASSPHRASE).ok
    (entry,) = _details(closed_store_path, "backup_taken")
    assert entry["number"] == 1 and entry["file"] == "one.cab"
    _backup_beside_open_app(closed_store_path, tmp_path / "two.cab")
    state = paths.state_file_path(closed_store_path)
    data = json.loads(state.read_text("utf-8"))
    for event in data["pending"]:
        if event["action"] == "backup_taken":
            event["detail"]["file"] = "somewhere-else.cab"
    state.write_text(json.dumps(data), "utf-8")
    report = maintenance.verify(closed_store_path, MANAGER, PASSPHRASE)
    assert not report.ok and "backup number 2" in report.summary
    assert len(_details(closed_store_path, "backup_entry_unverified")) == 1


def test_restoring_an_older_backup_removes_again_who_was_removed_since(
    with_keyworker: Path, tmp_path: Path
) -> None:
    old_key = _old_key(tmp_path / "kept.keys", "kim")
    ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
    backup.create(ctx, tmp_path / "old.cab")
    users.remove_user(ctx, "kim")
    lock(ctx)
    backup.restore(tmp_path / "old.cab", with_keyworker, MANAGER, PASSPHRASE, replace=True)
    with pytest.raises(PassphraseIncorrect):
        unlock(with_keyworker, "kim", PASSPHRASE)
    assert not _opens(with_keyworker, old_key)
    (restored,) = _details(with_keyworker, "restored")
    assert restored["users_removed_again"] == ["kim"]
    assert maintenance.verify(with_keyworker, MANAGER, PASSPHRASE).ok


def test_a_rekey_that_fails_before_it_commits_leaves_the_open_store_working(
    with_keyworker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    ctx = unlock(with_keyworker, MANAGER, PASSPHRASE).ctx
    with monkeypatch.context() as patch:
        patch.setattr(rotation, "_keep_stable_keys", disk_full)
        with pytest.raises(OSError):
            users.rekey(ctx)
    with ctx.write() as session:
        audit.record(session, ctx, "woman_viewed")
    lock(ctx)
    assert maintenance.verify(with_keyworker, MANAGER, PASSPHRASE).ok
