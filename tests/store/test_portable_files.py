"""The lock and the atomic writes keep to rules that hold on Windows as well as Linux."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from caseapp.errors import ExportError, StoreInUse
from caseapp.export import files, staged
from caseapp.store import atomic, oslock
from caseapp.store.lock import StoreLock


def _open_paths() -> set[str]:
    """The files this process has open now (Linux's view of its own descriptors)."""
    found = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:
            continue  # the descriptor listdir itself used, closed already
    return found


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder of its own (tmp_path also holds the test's home folder)."""
    made = tmp_path / "out"
    made.mkdir()
    return made


@pytest.fixture
def windows_file_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make rename and unlink refuse a file that is still open, as Windows does."""
    real_replace: Callable[..., None] = os.replace
    real_unlink: Callable[..., None] = os.unlink

    def refuse_if_open(real: Callable[..., None]) -> Callable[..., None]:
        def call(src: str | os.PathLike[str], *rest: object) -> None:
            if os.path.realpath(src) in _open_paths():
                raise PermissionError(32, "The process cannot access the file", str(src))
            real(src, *rest)

        return call

    monkeypatch.setattr(os, "replace", refuse_if_open(real_replace))
    monkeypatch.setattr(os, "unlink", refuse_if_open(real_unlink))
    monkeypatch.setattr(atomic, "RENAME_WHILE_OPEN", False)
    monkeypatch.setattr(staged, "RENAME_WHILE_OPEN", False)


def test_a_lock_held_by_one_descriptor_refuses_another_until_unlocked(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first = os.open(path, os.O_RDWR | os.O_CREAT | oslock.O_BINARY, 0o600)
    second = os.open(path, os.O_RDWR | oslock.O_BINARY)
    try:
        oslock.try_lock(first)
        with pytest.raises(OSError):
            oslock.try_lock(second)
        oslock.unlock(first)
        oslock.try_lock(second)
    finally:
        os.close(first)
        os.close(second)


def test_a_released_store_lock_can_be_taken_again_and_names_its_holder(tmp_path: Path) -> None:
    path = tmp_path / "store.db.lock"
    first = StoreLock(path)
    first.acquire()
    with pytest.raises(StoreInUse, match=rf"\(process {os.getpid()}\)"):
        StoreLock(path).acquire()
    first.release()
    again = StoreLock(path)
    again.acquire()
    assert again.held
    again.release()


def test_atomic_write_closes_its_temporary_file_before_the_rename_where_required(
    folder: Path, windows_file_rules: None
) -> None:
    target = folder / "out.bin"
    atomic.atomic_write_bytes(target, b"first")
    atomic.atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(folder) == ["out.bin"]


def test_a_failed_atomic_write_leaves_nothing_where_open_files_cannot_be_removed(
    folder: Path, windows_file_rules: None
) -> None:
    target = folder / "out.bin"
    with pytest.raises(ValueError, match="stop"), atomic.atomic_open(target) as handle:
        handle.write(b"half")
        raise ValueError("stop")
    assert os.listdir(folder) == []


def test_an_export_of_several_files_renames_them_where_open_files_cannot_be(
    folder: Path, windows_file_rules: None
) -> None:
    written = files.write_all([(folder / "a.csv", b"a"), (folder / "m.json", b"{}")])
    assert len(written) == 2
    assert sorted(os.listdir(folder)) == ["a.csv", "m.json"]


def test_an_export_that_fails_while_writing_leaves_nothing_where_open_files_stay(
    folder: Path, windows_file_rules: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    calls = []

    def fail_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fail_second)
    with pytest.raises(ExportError, match="Nothing was left behind"):
        files.write_all([(folder / "a.csv", b"a"), (folder / "m.json", b"{}")])
    assert os.listdir(folder) == []
