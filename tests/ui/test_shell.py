"""The app shell driven with real keys: unlock, wrong passphrase, lock, idle lock, help, palette."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Static

from caseapp.app import CaseApp, build_app
from caseapp.clock import FrozenClock
from caseapp.errors import StoreDamaged
from caseapp.modals.help import HelpModal
from caseapp.models import AuditEvent, Setting
from caseapp.screens.home import HomeScreen
from caseapp.screens.unlock import STORE_PATH_WIDTH, UnlockScreen, shorten_path
from caseapp.services.session import UnlockOutcome, lock, unlock
from caseapp.store.store import DAMAGED, open_store
from tests.conftest import MANAGER, PASSPHRASE
from tests.harness.app import SIZE, keep_notices, notices, settle


async def sign_in(
    app: CaseApp, pilot: Pilot[int], username: str = MANAGER, passphrase: str = PASSPHRASE
) -> None:
    """Type a username and passphrase as a person would, Enter after each."""
    await pilot.press(*username, "enter")
    await pilot.press(*passphrase, "enter")
    await settle(pilot)


def message(app: CaseApp) -> str:
    """What the unlock screen is telling the user."""
    return str(app.screen.query_one("#unlock-message", Static).render())


async def test_unlock_with_the_keyboard(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, UnlockScreen)
        assert app.focused is not None and app.focused.id == "username"
        await sign_in(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.ctx is not None and app.ctx.actor.username == MANAGER
        assert app.sub_title == "Maria Manager · Manager"
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["HomeScreen"]
        await pilot.press("ctrl+q")
        await settle(pilot)  # quitting waits, in workers, for the lock to be written
    assert app.return_value == 0
    assert app.ctx is None
    # Quitting locked the store: it opens again, and the lock was audited.
    outcome = unlock(closed_store_path, MANAGER, PASSPHRASE)
    with outcome.ctx.read() as session:
        actions = list(session.exec(select(col(AuditEvent.action)).order_by(col(AuditEvent.seq))))
    lock(outcome.ctx)
    assert actions[-3:] == ["unlock", "lock", "unlock"]


async def test_wrong_passphrase_says_so_and_clears_the_field(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, passphrase="not it at all")
        assert isinstance(app.screen, UnlockScreen)
        assert message(app) == "Username or passphrase incorrect."
        field = app.screen.query_one("#passphrase", Input)
        assert field.value == "" and app.focused is field and not field.disabled
        assert app.ctx is None
        # Try again straight away with the right one.
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_empty_fields_are_asked_for(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "tab", "enter")
        assert message(app) == "Type your username."
        await pilot.press(*MANAGER, "enter", "enter")
        assert message(app) == "Type your passphrase."
        assert isinstance(app.screen, UnlockScreen)


async def test_failures_since_last_unlock_are_reported(closed_store_path: Path) -> None:
    app = keep_notices(build_app(closed_store_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(app, pilot, passphrase="guess one")
        await pilot.press(*"guess two", "enter")
        await settle(pilot)
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        notes = notices(app)
        assert any("2 failed unlock attempts since your last unlock" in n for n in notes)


async def test_back_off_after_five_failures(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot, passphrase="x1")
        said = [message(app)]
        for attempt in range(2, 7):
            await pilot.press(*f"x{attempt}", "enter")
            await settle(pilot)
            said.append(message(app))
        wrong = "Username or passphrase incorrect."
        assert said[:3] == [wrong, wrong, f"{wrong} 2 more tries before unlocking pauses."]
        assert said[3] == f"{wrong} 1 more try before unlocking pauses."
        assert re.fullmatch(rf"{re.escape(wrong)} Unlocking is paused for (30|29) s\.", said[4])
        assert re.fullmatch(r"Too many failed attempts: try again in (30|29) s\.", said[5])
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert message(app).startswith("Too many failed attempts")


async def test_ctrl_l_locks_from_over_a_modal(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        assert app.ctx is not None
        store = app.ctx.store
        await pilot.press("f1")
        assert isinstance(app.screen, HelpModal)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert app.ctx is None
        await settle(pilot)  # the lock's audit entry is written in a worker
        assert app.lock_finished.is_set() and not store.is_open
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["UnlockScreen"]
        assert message(app) == "Locked."
        # Her name is kept; the cursor waits in the passphrase field.
        assert app.screen.query_one("#username", Input).value == MANAGER
        assert app.focused is app.screen.query_one("#passphrase", Input)
        # The writer lock is free: another process could open the store now.
        opened = open_store(closed_store_path, MANAGER, PASSPHRASE)
        opened.store.close()
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_lock_drops_notifications_that_may_name_a_woman(closed_store_path: Path) -> None:
    app = keep_notices(build_app(closed_store_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await sign_in(app, pilot)
        app.notify("Saved Qz7Marker's contact.", markup=False)
        await pilot.pause()
        assert len(notices(app)) == 1
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert len(notices(app)) == 0
        assert "Qz7Marker" not in app.export_screenshot()


async def test_idle_lock_by_the_wall_clock(closed_store_path: Path, clock: FrozenClock) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        assert app.idle_seconds == 300
        clock.advance(timedelta(seconds=299))
        app.check_idle_lock()
        assert app.ctx is not None
        await pilot.press("f1", "escape")  # activity restarts the count
        clock.advance(timedelta(seconds=200))
        app.check_idle_lock()
        assert app.ctx is not None
        clock.advance(timedelta(seconds=100))  # 5 minutes since the last key, as after a sleep
        app.check_idle_lock()
        await pilot.pause()
        assert app.ctx is None
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["UnlockScreen"]
        assert message(app) == "Locked after a period without activity."
    outcome = unlock(closed_store_path, MANAGER, PASSPHRASE)
    with outcome.ctx.read() as session:
        last_lock = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action) == "lock")
            .order_by(col(AuditEvent.seq).desc())
        ).first()
    lock(outcome.ctx)
    assert last_lock is not None and '"reason": "idle"' in last_lock.detail


@pytest.mark.parametrize(("stored", "seconds"), [("7", 420), ("600", 900), ("0", 60), ("x", 300)])
async def test_idle_time_comes_from_settings_within_1_to_15_minutes(
    closed_store_path: Path, stored: str, seconds: int
) -> None:
    opened = open_store(closed_store_path, MANAGER, PASSPHRASE)
    with opened.store.write() as session:
        session.add(Setting(key="idle_lock_minutes", value=stored))
    opened.store.close()
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        assert app.idle_seconds == seconds


async def test_idle_check_does_nothing_while_locked(
    closed_store_path: Path, clock: FrozenClock
) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE):
        clock.advance(timedelta(hours=1))
        app.check_idle_lock()
        assert isinstance(app.screen, UnlockScreen)
        assert message(app) == ""


async def test_lock_key_shows_only_while_unlocked(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        assert "lock" not in {b.action for (_n, b, on, _t) in app.active_bindings.values() if on}
        await sign_in(app, pilot)
        assert "lock" in {b.action for (_n, b, on, _t) in app.active_bindings.values() if on}


async def test_f1_help_opens_and_escape_closes(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpModal)
        assert app.screen.text.startswith("## Unlock")
        await pilot.press("escape")
        assert isinstance(app.screen, UnlockScreen)
        await sign_in(app, pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpModal) and app.screen.text.startswith("## Home")
        keys = dict(app.screen.keys)
        assert "Lock" in keys.values()
        await pilot.press("f1")  # F1 again also closes
        assert isinstance(app.screen, HomeScreen)


async def test_palette_runs_lock_now(closed_store_path: Path) -> None:
    app = build_app(closed_store_path)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Lock now")
        # The palette searches every provider (women too, in a thread) in its own worker
        # before it lists the hits: wait for that, not for a time a busy machine can overrun.
        await settle(pilot)
        commands = app.screen.query_one(CommandList)
        assert "Lock now" in str(commands.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await settle(pilot)
        assert app.ctx is None
        assert isinstance(app.screen, UnlockScreen)
        assert message(app) == "Locked."


async def test_second_instance_is_told_at_once(closed_store_path: Path) -> None:
    other = open_store(closed_store_path, MANAGER, PASSPHRASE)
    try:
        app = build_app(closed_store_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)  # the check runs in a worker
            assert "open in another caseapp window" in message(app)
            await sign_in(app, pilot)
            assert isinstance(app.screen, UnlockScreen)
            assert "open in another caseapp window" in message(app)
    finally:
        other.store.close()


async def test_damaged_store_is_reported_never_recreated(closed_store: Path) -> None:
    data = bytearray(closed_store.read_bytes())
    data[len(data) // 2] ^= 0x01
    closed_store.write_bytes(bytes(data))
    app = build_app(closed_store)
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(app, pilot)
        assert isinstance(app.screen, UnlockScreen)
        said = message(app)
        assert "damaged" in said and "backup" in said
        assert "caseapp init" not in said
    assert closed_store.read_bytes() == bytes(data)


async def test_missing_store_points_to_init_or_demo(store_path: Path) -> None:
    app = build_app(store_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the check runs in a worker
        assert "caseapp init" in message(app) and "caseapp demo" in message(app)
    assert not store_path.exists()


async def test_unlock_box_fits_80x24_while_busy_and_with_a_long_message(
    closed_store_path: Path,
) -> None:
    release = threading.Event()

    def slow_then_damaged(_path: Path, _user: str, _secret: str) -> UnlockOutcome:
        release.wait(timeout=30)
        raise StoreDamaged(DAMAGED.format(what="pages fail their integrity check"))

    app = build_app(closed_store_path, demo_hint="demo-passphrase", unlock_fn=slow_then_damaged)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*MANAGER, "enter", *"whatever", "enter")
        await pilot.pause()
        box = app.screen.query_one("#unlock-box")
        assert app.screen.query_one("#unlock-busy").display
        assert all(field.disabled for field in app.screen.query(Input))
        assert message(app) == "Unlocking…"
        assert box.region.y >= 0 and box.region.bottom <= SIZE[1] - 1  # above the footer
        release.set()
        await settle(pilot)
        assert message(app).startswith("The store is damaged")
        assert not app.screen.query_one("#unlock-busy").display
        assert box.region.y >= 0 and box.region.bottom <= SIZE[1] - 1


def test_long_store_paths_keep_their_end() -> None:
    short = Path("/home/kim/caseapp.db")
    assert shorten_path(short) == str(short)
    long = Path("/home/someone/with/a/very/deeply/nested/folder/for/the/store/caseapp.db")
    shown = shorten_path(long)
    assert len(shown) == STORE_PATH_WIDTH and shown.startswith("…")
    assert shown.endswith("/the/store/caseapp.db")
