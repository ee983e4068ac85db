"""A keyworker's footer, F1 help and palette offer only what her role can do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from caseapp.modals.help import HelpModal
from caseapp.palette.actions import CaseCommands
from caseapp.screens.woman import open_woman_screen
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, unlock
from tests.harness.clock import fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman

NOT_A_KEYWORKERS = ("Returns", "Audit", "Retention", "Import", "Subject", "Allocate", "erase")


def _offered(app: Any) -> str:
    """Footer keys, the F1 help (text and keys) and the palette's commands, as one text."""
    screen = app.screen
    footer = [
        str(b.description)
        for (_node, b, enabled, _tip) in screen.active_bindings.values()
        if b.show and b.description
    ]
    palette = [title for title, _action, _help in CaseCommands(screen)._commands()]
    return "\n".join([*footer, *palette])


async def _help_text(pilot: Any) -> str:
    await pilot.press("f1")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, HelpModal)
    text = modal.text + "\n" + "\n".join(desc for _key, desc in modal.keys)
    await pilot.press("escape")
    await settle(pilot)
    return text


async def test_a_keyworker_is_offered_only_her_own_work(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    amina = make_user("amina")
    woman = add_woman(amina)
    app = make_app(amina)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        home = _offered(app) + await _help_text(pilot)
        assert "Caseload" in home and "Groups" in home
        for word in NOT_A_KEYWORKERS:
            assert word not in home, word
        assert "narrows it to one keyworker" not in home
        open_woman_screen(app, woman.id)
        await settle(pilot)
        record = _offered(app) + await _help_text(pilot)
        assert "Contact" in record and "Plan" in record
        for word in NOT_A_KEYWORKERS:
            assert word not in record, word


async def test_a_manager_is_still_offered_everything(manager: Ctx) -> None:
    woman = add_woman(manager)
    app = make_app(manager)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        home = _offered(app)
        assert "Returns" in home and "Audit" in home
        open_woman_screen(app, woman.id)
        await settle(pilot)
        record = _offered(app) + await _help_text(pilot)
        assert "Allocate" in record and "erasure" in record
