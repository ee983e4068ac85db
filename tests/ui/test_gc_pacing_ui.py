"""Garbage collection in the app: her screens are frozen while she types, and freed on lock."""

from __future__ import annotations

import gc
import weakref

import pytest
from textual.screen import Screen

from caseapp.screens.audit import AuditScreen
from caseapp.screens.caseload import CaseloadScreen
from caseapp.screens.groups import GroupsScreen
from caseapp.screens.unlock import UnlockScreen
from caseapp.services.context import Ctx
from tests.harness.app import SIZE, freed, make_app, settle, type_text, unlock
from tests.harness.women import add_woman


def walked(obj: object) -> bool:
    """Whether a collection would walk `obj` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


async def test_the_caseload_is_left_out_of_collections_and_freed_on_lock(manager: Ctx) -> None:
    add_woman(manager, "Qz7Marker", "Smith")
    app = make_app(manager)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await unlock(pilot)
            await pilot.press("c")
            await settle(pilot)
            assert isinstance(app.screen, CaseloadScreen)
            ref = weakref.ref(app.screen)
            # Her first page is on screen: what the screen holds is walked by no collection
            # made while she types.
            assert not walked(ref())
            await type_text(pilot, "qz7")
            await settle(pilot)
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert isinstance(app.screen, UnlockScreen)
            # Locked: nothing of her session is frozen (a screen still being taken down is
            # left to the next collection, which frees it).
            screen = ref()
            if screen is not None:
                assert walked(screen)
                del screen
            assert await freed(pilot, ref)
    finally:
        gc.unfreeze()


@pytest.mark.parametrize(("key", "screen_class"), [("l", AuditScreen), ("g", GroupsScreen)])
async def test_every_long_list_leaves_what_it_shows_out_of_collections(
    manager: Ctx, key: str, screen_class: type[Screen[None]]
) -> None:
    # A full collection during her keys walks every object not frozen: the audit log's and
    # the group sessions' screens are frozen once their first page is on screen, as the
    # caseload is.
    app = make_app(manager)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await unlock(pilot)
            gc.collect()  # whatever a pause froze before the screen is opened is not its doing
            gc.unfreeze()
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen_class)
            assert not walked(app.screen)
    finally:
        gc.unfreeze()
