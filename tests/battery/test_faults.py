"""Faults: a full disk and a read-only store each give a clear message and lose nothing."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from caseapp.errors import StoreWriteFailed
from caseapp.models import Hub
from caseapp.services import audit
from caseapp.services.context import Actor, Ctx
from caseapp.services.session import lock, unlock
from caseapp.services.users import create_first_manager
from caseapp.store.keyslots import FAST_KDF
from caseapp.store.store import create_store

PASS = "pass phrase here"


def _make(path: Path) -> None:
    store, _ = create_store(path, "m", PASS, kdf=FAST_KDF)
    create_first_manager(store, "m")
    store.close()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder unwritable even for root (chattr +i), or skip."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode != 0:
        pytest.skip("cannot make a path read-only for root here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def _count_hubs(path: Path) -> int:
    outcome = unlock(path, "m", PASS)
    try:
        with outcome.ctx.read() as session:
            return len(list(session.exec(__import__("sqlmodel").select(Hub))))
    finally:
        lock(outcome.ctx)


WRITER = textwrap.dedent(
    """
    import resource, signal, sys
    from pathlib import Path
    from caseapp.errors import CaseappError
    from caseapp.models import Hub
    from caseapp.services import audit
    from caseapp.services.session import unlock
    outcome = unlock(Path(sys.argv[1]), "m", sys.argv[2])
    ctx = outcome.ctx
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = Path(sys.argv[1]).stat().st_size + 300_000
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    n = 0
    try:
        while n < 10_000:
            with ctx.write() as s:
                s.add(Hub(code=f"hub{n}", name="x" * 2000))
                audit.record(s, ctx, "hub_added")
            print(f"committed {n}", flush=True)
            n += 1
    except CaseappError as exc:
        print(f"error: {exc}", flush=True)
    """
)


def test_full_disk_during_writes_is_clear_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    result = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), PASS],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = result.stdout.splitlines()
    committed = [line for line in lines if line.startswith("committed")]
    assert lines and lines[-1].startswith("error: The disk is full"), result.stdout[-500:]
    assert "Traceback" not in result.stderr
    # After the disk has room again: the store opens, verifies, and every commit is there.
    assert _count_hubs(path) >= len(committed)
    outcome = unlock(path, "m", PASS)
    try:
        assert audit.verify_chain(outcome.ctx.store).ok
    finally:
        lock(outcome.ctx)


def test_read_only_store_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    before = path.read_bytes()
    with read_only(path), pytest.raises(StoreWriteFailed, match="read-only"):
        unlock(path, "m", PASS)
    assert path.read_bytes() == before
    assert _count_hubs(path) == 0


def test_read_only_folder_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    (path.parent / "c.db.lock").unlink()
    with read_only(path.parent), pytest.raises(StoreWriteFailed, match="cannot write"):
        unlock(path, "m", PASS)


def test_write_after_store_becomes_read_only_keeps_earlier_work(tmp_path: Path) -> None:
    path = tmp_path / "s" / "c.db"
    _make(path)
    outcome = unlock(path, "m", PASS)
    ctx = Ctx(outcome.ctx.store, Actor(1, "m", "manager"))
    with ctx.write() as s:
        s.add(Hub(code="kept", name="Kept hub"))
    lock(ctx)
    assert _count_hubs(path) == 1
