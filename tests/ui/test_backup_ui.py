"""The Backup screen with real keys: take a backup, refuse what must be refused, lock safely."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import col, select
from textual.pilot import Pilot

from caseapp.models import AuditEvent, Woman
from caseapp.palette.actions import CaseCommands
from caseapp.screens.backup import BackupScreen
from caseapp.screens.unlock import UnlockScreen
from caseapp.services import backup, backup_record
from caseapp.services.context import Ctx
from caseapp.services.session import lock, unlock
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.app import make_app, notices, screen_text, settle, type_text
from tests.harness.app import unlock as unlock_app
from tests.harness.women import add_woman

SIZE = (80, 24)


def _names(ctx: Ctx) -> list[str]:
    with ctx.read() as session:
        return sorted(f"{w.first_name} {w.last_name}" for w in session.exec(select(Woman)))


def _actions(ctx: Ctx) -> list[str]:
    with ctx.read() as session:
        return list(
            session.exec(select(col(AuditEvent.action)).order_by(col(AuditEvent.seq))).all()
        )


async def _open(pilot: Pilot[Any]) -> BackupScreen:
    await unlock_app(pilot)
    await pilot.press("b")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BackupScreen)
    return screen


async def _retype(pilot: Pilot[Any], text: str) -> None:
    """Replace the path in the field (focused, its text selected) with `text`."""
    await pilot.press("ctrl+u")
    await type_text(pilot, text)


async def test_take_a_backup_from_the_screen_and_restore_it(manager: Ctx, tmp_path: Path) -> None:
    add_woman(manager, "Amara", "Okafor")
    add_woman(manager, "Bea", "Lind", born="03/04/1985")
    app = make_app(manager)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await _open(pilot)
        assert "No backup has been taken" in screen_text(app)
        # The default is a dated file in her documents folder (here: her home, which has none).
        field = screen.out_field
        home = Path.home()
        assert field.value == str(home / "caseapp-backup-2026-11-24.cabk")
        await pilot.press("enter")
        await settle(pilot)
        out = home / "caseapp-backup-2026-11-24.cabk"
        text = screen_text(app)
        assert out.is_file()
        assert f"Backed up to {out}" in text
        assert "2 women" in text
        assert f"caseapp restore {out}\n    --store {manager.store.path} --replace" in text
        assert "command line" in text
        # The backup is listed as the latest, and the next is suggested beside it.
        assert "caseapp-backup-2026-11-24.cabk" in str(screen.query_one("#backup-last").render())
        assert field.value == str(home / "caseapp-backup-2026-11-24-2.cabk")
    assert _actions(manager).count("backup_taken") == 1
    assert [(t.file, t.folder) for t in backup_record.recent(manager)] == [(out.name, str(home))]
    manager.store.close()
    target = tmp_path / "restored" / "caseapp.db"
    target.parent.mkdir()
    backup.restore(out, target, MANAGER, PASSPHRASE)
    restored = unlock(target, MANAGER, PASSPHRASE).ctx
    try:
        assert _names(restored) == ["Amara Okafor", "Bea Lind"]
    finally:
        lock(restored)


async def test_an_existing_file_is_replaced_only_when_she_confirms(manager: Ctx) -> None:
    # A bare name goes into the suggested folder (her home here): short to type.
    out = Path.home() / "kept.cabk"
    out.write_bytes(b"last week's backup")
    app = make_app(manager)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _open(pilot)
        await _retype(pilot, out.name)
        await pilot.press("enter")
        await settle(pilot, failed_workers=True)
        text = screen_text(app)
        assert "kept.cabk is already there: nothing was written." in text
        assert "Enter again replaces it" in text
        assert out.read_bytes() == b"last week's backup"
        said = notices(app)
        assert not any("Traceback" in n or "Error" in n for n in said)
        assert sum("already there" in n for n in said) == 1  # once, not once per class
        # A missing folder: one line, nothing written.
        await _retype(pilot, "gone/b.cabk")
        await pilot.press("enter")
        await settle(pilot, failed_workers=True)
        assert "does not exist" in screen_text(app)
        assert not (Path.home() / "gone").exists()
        # The same existing file again, then Enter again: replaced.
        await _retype(pilot, out.name)
        await pilot.press("enter")
        await settle(pilot, failed_workers=True)
        assert out.read_bytes() == b"last week's backup"
        await pilot.press("enter")
        await settle(pilot)
        assert f"Backed up to {out}" in screen_text(app)
    assert backup.inspect(out)["format"] == backup.FORMAT
    assert _actions(manager).count("backup_taken") == 1


async def test_a_lock_while_the_backup_runs_waits_for_it(manager: Ctx) -> None:
    app = make_app(manager)
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        # Another write in progress holds the backup back from its audit entry, so the lock
        # surely comes while the backup runs.
        with manager.store.write():
            held.set()
            release.wait(30)

    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await _open(pilot)
        out = Path(screen.out_field.value)
        other = threading.Thread(target=writer)
        other.start()
        held.wait(30)
        try:
            await pilot.press("enter")
            job = screen.job
            assert job is not None and not job.done.is_set()  # held: surely still running
            assert screen.writes_on_lock() is not None  # so the lock will wait for it
            await pilot.press("ctrl+l")
        finally:
            release.set()
            other.join()
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
    assert backup.inspect(out)["format"] == backup.FORMAT
    actions = _actions(manager)
    # Taken, recorded, and only then locked: the lock did not close the store under it.
    assert actions[-2:] == ["backup_taken", "lock"]


async def test_a_keyworker_is_not_offered_backups(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    amina = make_user("amina")
    app = make_app(amina)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock_app(pilot)
        assert "Backup" not in screen_text(app)
        palette = [title for title, _action, _help in CaseCommands(app.screen)._commands()]
        assert palette and not any("Backup" in title for title in palette)
        await pilot.press("b")
        await settle(pilot)
        assert not isinstance(app.screen, BackupScreen)
