"""Sync in the app: the home screen's sync item, the Conflicts screen, the marker on her record.

Two real stores (a centre and a hub enrolled from it, as `caseapp sync enrol`/`join` make
them), the app driven by the keys a person presses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Static

from caseapp.modals.conflict_value_form import ConflictValueForm
from caseapp.modals.help import HelpModal
from caseapp.modals.sync_folder_form import SyncFolderForm
from caseapp.palette.actions import CaseCommands
from caseapp.screens.conflicts import ConflictsScreen
from caseapp.screens.duplicates import DuplicatesScreen
from caseapp.screens.woman import WomanScreen
from caseapp.services.context import Ctx
from caseapp.sync import desk, review
from tests.harness.app import make_app, notices, screen_text, settle, type_text, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman
from tests.sync.kit import centre, enrol_hub, local_id, phone, set_phone, sync

SIZE = (80, 24)


def with_conflict(tmp_path: Path) -> tuple[Ctx, Ctx, Ctx, str]:
    """Centre manager, centre keyworker and the hub's keyworker, after her phone was changed
    on both stores and they exchanged both ways: one open conflict; and her reference."""
    mgr, kw = centre(tmp_path)
    jane = add_woman(kw, "Jane", "Smith")
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    folder = tmp_path / "usb"
    set_phone(mgr, jane.id, "0700 111111")
    set_phone(hub, local_id(hub, jane.reference), "0700 222222")
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert len(review.conflicts(hub)) == 1
    return mgr, kw, hub, jane.reference


def offered(app: Any) -> str:
    """The footer's keys and the palette's commands, as one text."""
    screen = app.screen
    footer = [
        str(b.description)
        for (_node, b, enabled, _tip) in screen.active_bindings.values()
        if b.show and b.description
    ]
    palette = [title for title, _action, _help in CaseCommands(screen)._commands()]
    return "\n".join([*footer, *palette])


async def help_text(pilot: Any) -> str:
    """F1's text on the current screen (closed again)."""
    await pilot.press("f1")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, HelpModal)
    text = modal.text
    await pilot.press("escape")
    await settle(pilot)
    return text


async def test_sync_now_asks_for_the_folder_once_then_syncs(tmp_path: Path) -> None:
    mgr, _kw = centre(tmp_path)
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    stick = tmp_path / "stick"
    stick.mkdir()
    app = make_app(hub)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        line = screen_text(app)
        assert "Sync: centre · last never · 0 open conflicts" in line
        assert "s sync, o conflicts" in line and "Sync now" in offered(app)

        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SyncFolderForm)
        await type_text(pilot, str(tmp_path / "nowhere"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SyncFolderForm)  # not a folder: said under the field
        assert "Not a folder here" in screen_text(app)
        await pilot.press("ctrl+u")
        await type_text(pilot, str(stick))
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SyncFolderForm)
        done = [n for n in notices(app) if n.startswith("Synced with")]
        assert done and "sent 1 bundle(s)" in done[-1] and "0 open conflict(s)" in done[-1]
        assert desk.folder(hub) == str(stick.resolve())
        assert len(list(stick.iterdir())) == 1

        # The centre's bundle arrives on the stick; s now syncs at once, without asking.
        sync(mgr, stick)
        await pilot.press("s")
        await settle(pilot)
        assert not isinstance(app.screen, SyncFolderForm)
        done = [n for n in notices(app) if n.startswith("Synced with")]
        assert len(done) == 2 and "applied 1" in done[-1]
        assert "last never" not in screen_text(app)


async def test_a_keyworker_on_a_store_that_does_not_sync_sees_nothing_of_it(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    amina = make_user("amina")
    app = make_app(amina)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        shown = screen_text(app) + offered(app) + await help_text(pilot)
        assert "Sync" not in shown and "onflict" not in shown and "sync" not in shown
        await pilot.press("s", "o")
        await settle(pilot)
        assert not isinstance(app.screen, ConflictsScreen | SyncFolderForm)

    app = make_app(manager)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        assert "Sync: this store does not sync" in screen_text(app)
        assert "Sync now" not in offered(app)


async def test_a_keyworker_at_the_centre_sees_her_conflicts_but_cannot_sync(
    tmp_path: Path,
) -> None:
    _mgr, kw, _hub, _ref = with_conflict(tmp_path)
    app = make_app(kw)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        line = screen_text(app)
        assert "1 open conflict · o conflicts" in line and "s sync" not in line
        assert "Sync now" not in offered(app) and "Open conflicts" in offered(app)
        await pilot.press("s")
        await settle(pilot)
        assert not any(n.startswith("Synced") for n in notices(app))


async def test_keeping_a_value_resolves_the_conflict_and_clears_her_marker(
    tmp_path: Path,
) -> None:
    mgr, _kw, hub, reference = with_conflict(tmp_path)
    app = make_app(hub)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        assert "1 open conflict" in screen_text(app)
        app.push_screen(WomanScreen(local_id(hub, reference)))
        await settle(pilot)
        assert "CONFLICT" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        shown = screen_text(app)
        assert "Open conflicts (1)" in shown and reference in shown and "Jane Smith" in shown
        assert "0700 111111" in shown and "0700 222222" in shown
        assert "by mgr" in shown and "by kw" in shown
        assert "Keep 1" in offered(app) and "Type another" in offered(app)
        assert "keeps that value" in await help_text(pilot)
        first = desk.conflicts(hub)[0].sides[0][0]

        await pilot.press("1")
        await settle(pilot)
        assert review.conflicts(hub) == []
        assert phone(hub, reference) == first
        assert any(n.startswith(f"Kept {first} for {reference}") for n in notices(app))
        assert "Open conflicts (0)" in screen_text(app)

        await pilot.press("escape")
        await settle(pilot)
        assert "0 open conflicts" in screen_text(app)
        app.push_screen(WomanScreen(local_id(hub, reference)))
        await settle(pilot)
        assert "CONFLICT" not in screen_text(app)

    # The choice travels: after the next exchange the centre agrees and has no conflict.
    folder = tmp_path / "usb"
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    assert review.conflicts(mgr) == [] and phone(mgr, reference) == first


async def test_typing_a_third_value_resolves_the_conflict(tmp_path: Path) -> None:
    _mgr, _kw, hub, reference = with_conflict(tmp_path)
    app = make_app(hub)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ConflictValueForm)
        await type_text(pilot, "0700 333333")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert review.conflicts(hub) == []
        assert phone(hub, reference) == "0700 333333"


async def test_keys_do_nothing_once_nothing_is_open(tmp_path: Path) -> None:
    key = "2"
    _mgr, _kw, hub, reference = with_conflict(tmp_path)
    app = make_app(hub)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        await pilot.press("o")
        await settle(pilot)
        second = desk.conflicts(hub)[0].sides[1][0]
        await pilot.press(key)
        await settle(pilot)
        assert phone(hub, reference) == second
        await pilot.press(key, "t")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert len([n for n in notices(app) if n.startswith("Kept")]) == 1


def test_the_centres_sync_folder_does_not_travel_to_a_hub(tmp_path: Path) -> None:
    mgr, _kw = centre(tmp_path)
    enrol_hub(mgr, tmp_path, ["kw"], label="first")
    (tmp_path / "centre-usb").mkdir()
    desk.set_folder(mgr, str(tmp_path / "centre-usb"))
    hub = enrol_hub(mgr, tmp_path, ["kw"], label="second")["kw"]
    assert desk.folder(mgr) == str((tmp_path / "centre-usb").resolve())
    assert desk.folder(hub) == ""


async def test_enter_on_a_conflict_opens_her_record(tmp_path: Path) -> None:
    _mgr, _kw, hub, reference = with_conflict(tmp_path)
    app = make_app(hub)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert "Open her record" in offered(app) and "Enter" in await help_text(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WomanScreen)
        assert app.screen.woman_id == local_id(hub, reference)
        assert "CONFLICT" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)  # back to the list, nothing resolved
        assert len(review.conflicts(hub)) == 1


def with_duplicate(tmp_path: Path) -> tuple[Ctx, Ctx, str, str]:
    """Centre manager and the hub's keyworker after each registered Mary Brown, born
    01/01/1980, offline, and they exchanged both ways; her two references (centre's, hub's)."""
    mgr, kw = centre(tmp_path)
    hub = enrol_hub(mgr, tmp_path, ["kw"])["kw"]
    at_centre = add_woman(kw, "Mary", "Brown", born="01/01/1980")
    at_hub = add_woman(hub, "Mary", "Brown", born="01/01/1980")
    folder = tmp_path / "usb"
    for _ in range(2):
        sync(hub, folder)
        sync(mgr, folder)
    return mgr, hub, at_centre.reference, at_hub.reference


def on_screen(app: Any, selector: str) -> bool:
    """Whether a widget is shown whole inside the 80x24 window, above the footer."""
    region = app.screen.query_one(selector).region
    return region.height > 0 and region.x >= 0 and region.right <= 80 and region.bottom <= 23


async def test_possible_duplicates_side_by_side_open_each_record(tmp_path: Path) -> None:
    mgr, _hub, centre_ref, hub_ref = with_duplicate(tmp_path)
    app = make_app(mgr)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        # Home's sync line says so, on one line at 80 columns.
        line = str(app.screen.query_one("#home-sync", Static).render())
        assert "0 open conflicts · 1 possible duplicate · s, o" in line and len(line) <= 78
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert "1 possible duplicate (d)" in screen_text(app)
        assert "Possible duplicates" in offered(app)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        shown = screen_text(app)
        assert "Possible duplicates (1)" in shown
        left, right = sorted([centre_ref, hub_ref])
        assert f"{left} Mary Brown | {right} Mary Brown" in shown
        assert shown.count("born 01/01/1980") == 2
        assert "registered at hub on" in shown and "registered at centre (this store)" in shown
        assert "merging is not built" in shown and "Duplicate record" in shown
        for part in ("#duplicates-side-1", "#duplicates-side-2", "#duplicates-what"):
            assert on_screen(app, part), part
        assert "Open left" in offered(app) and "Open right" in offered(app)
        assert "opens the left record" in await help_text(pilot)

        for key, reference in (("1", left), ("2", right)):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, WomanScreen)
            assert app.screen.woman_id == local_id(mgr, reference)
            assert reference in screen_text(app)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, DuplicatesScreen)


async def test_no_duplicates_no_key_for_them(tmp_path: Path) -> None:
    _mgr, _kw, hub, _reference = with_conflict(tmp_path)
    app = make_app(hub)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert "possible duplicate" not in screen_text(app)
        assert "Possible duplicates" not in offered(app)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
