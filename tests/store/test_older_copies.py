"""An older copy of a store is noticed wherever it is opened: put back in its own folder or
copied into another, from files or restored from a backup."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from caseapp import paths
from caseapp.cli.main import main
from caseapp.models import AuditEvent, Woman
from caseapp.services import backup, erasure, users
from caseapp.services.context import Actor, Ctx
from caseapp.services.session import lock, unlock
from caseapp.store import generations
from caseapp.store.keyslots import FAST_KDF, KeyFile
from caseapp.store.store import Store, change_passphrase
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.store import fill

NEW_PASSPHRASE = "a quite different passphrase"


@pytest.fixture
def two_users(new_store: Callable[[], Store], store_path: Path) -> Path:
    """A closed store with the manager and keyworker `kim`, opened once since."""
    store = new_store()
    users.add_user(Ctx(store, Actor(1, MANAGER, "manager")), "kim", "keyworker", PASSPHRASE)
    store.close()
    lock(unlock(store_path, MANAGER, PASSPHRASE).ctx)
    return store_path


def _copy(store_path: Path, folder: Path) -> Path:
    """Copy the store and its key file into `folder` (what anyone with the files can do)."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in (store_path, paths.key_file_path(store_path)):
        shutil.copy2(file, folder / file.name)
    return folder / store_path.name


def _keys(store_path: Path) -> KeyFile:
    return KeyFile.load(paths.key_file_path(store_path))


def _remove_kim(store_path: Path) -> None:
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    try:
        users.remove_user(ctx, "kim")
    finally:
        lock(ctx)


def _actions(store_path: Path) -> list[str]:
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    try:
        with ctx.read() as session:
            return list(session.exec(select(col(AuditEvent.action))))
    finally:
        lock(ctx)


@pytest.mark.parametrize("change", ["passphrase changed", "user removed"])
def test_an_older_copy_in_another_folder_is_refused_naming_both_generations(
    two_users: Path, tmp_path: Path, change: str
) -> None:
    old = _copy(two_users, tmp_path / "elsewhere")
    if change == "passphrase changed":
        change_passphrase(two_users, "kim", PASSPHRASE, NEW_PASSPHRASE, kdf=FAST_KDF)
    else:
        _remove_kim(two_users)
    seen = generations.seen(_keys(two_users).store_id)
    found = _keys(old).generation
    assert found < seen.keys
    before = old.read_bytes()
    with pytest.raises(generations.OlderGeneration) as refused:
        unlock(old, "kim", PASSPHRASE)  # the old passphrase, or a removed user, in the old copy
    message = str(refused.value)
    assert f"the key file is at generation {found}, but this computer has seen {seen.keys}" in (
        message
    )
    assert f"last opened at {two_users.resolve()}" in message
    assert old.read_bytes() == before  # nothing was opened, nothing written
    # The store itself, where it lives, still opens as before.
    user, passphrase = (
        ("kim", NEW_PASSPHRASE) if change == "passphrase changed" else (MANAGER, PASSPHRASE)
    )
    lock(unlock(two_users, user, passphrase).ctx)


def test_verify_reports_an_older_copy_elsewhere_and_a_manager_may_accept_it(
    two_users: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    old = _copy(two_users, tmp_path / "elsewhere")
    _remove_kim(two_users)
    seen = generations.seen(_keys(two_users).store_id)
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    argv = ["verify", "--store", str(old), "--user"]
    capsys.readouterr()
    assert main([*argv, MANAGER]) == 3
    err = capsys.readouterr().err
    assert "older copy" in err and f"but this computer has seen {seen.store}" in err
    assert main([*argv, "kim", "--accept-older"]) == 5  # a keyworker cannot wave it through
    assert main([*argv, MANAGER, "--accept-older"]) == 0
    assert "generations: store" in capsys.readouterr().out
    assert "older_copy_accepted" in _actions(old)
    # Accepted, that copy is the newest this computer knows: the other is now the older one.
    with pytest.raises(generations.OlderGeneration, match=str(old.resolve())):
        unlock(two_users, MANAGER, PASSPHRASE)


def test_records_kept_per_folder_before_still_count_wherever_the_store_is_opened(
    two_users: Path, tmp_path: Path
) -> None:
    store_id = _keys(two_users).store_id
    state = generations.state_dir() / generations.FILE_NAME
    # What an earlier caseapp wrote: one record per store and folder.
    old_record = {"store": 50, "keys": 60, "erasures": [], "removed": []}
    state.write_text(json.dumps({generations.place(store_id, two_users): old_record}), "utf-8")
    copy = _copy(two_users, tmp_path / "elsewhere")
    for where in (two_users, copy):
        with pytest.raises(generations.OlderGeneration, match="this computer has seen 60"):
            unlock(where, MANAGER, PASSPHRASE)
    lock(unlock(copy, MANAGER, PASSPHRASE, accept_older=True).ctx)
    data = json.loads(state.read_text("utf-8"))
    assert list(data) == [store_id]  # folded into the one record kept by the store's id
    assert data[store_id]["store"] > 50 and data[store_id]["keys"] > 60


def _references(store_path: Path) -> set[str]:
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    try:
        with ctx.read() as session:
            return set(session.exec(select(col(Woman.reference))))
    finally:
        lock(ctx)


def test_a_backup_restored_into_a_new_folder_erases_again_and_supersedes_the_old_folder(
    new_store: Callable[[], Store],
    store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    store = new_store()
    fill(store, 10)
    store.close()
    ctx = unlock(store_path, MANAGER, PASSPHRASE).ctx
    backup.create(ctx, tmp_path / "old.cab")
    erasure.erase(ctx, "R000007", confirmation="R000007")
    lock(ctx)
    target = tmp_path / "new" / "caseapp.db"
    target.parent.mkdir()
    monkeypatch.setenv("CASEAPP_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    argv = ["restore", str(tmp_path / "old.cab"), "--store", str(target), "--user", MANAGER]
    assert main(argv) == 0
    out = capsys.readouterr().out
    # Her erasure is remembered by the store's identity, not by its folder.
    assert "1 woman erased after this backup was taken was erased again" in out
    assert f"the store at {store_path.resolve()} is now an older copy" in out
    store_id = KeyFile.load(paths.key_file_path(target)).store_id
    assert generations.last_opened_at(store_id) == str(target.resolve())  # not its work copy
    refs = _references(target)
    assert "R000007" not in refs and "R000008" in refs
    # A restore is an explicit act, like --accept-older: the restored copy is now the store.
    with pytest.raises(generations.OlderGeneration, match=str(target.resolve())):
        unlock(store_path, MANAGER, PASSPHRASE)
