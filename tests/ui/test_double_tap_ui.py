"""A double-tapped key opens a screen once and changes nothing on the screen it opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import SQLModel

from caseapp.screens.home import HomeScreen
from caseapp.screens.plan import PlanScreen
from caseapp.screens.woman import WomanScreen, open_woman_screen
from caseapp.services import consent, flags, group_register, groups, plans
from caseapp.services.context import Ctx
from tests.harness.app import make_app, settle, unlock
from tests.harness.clock import TODAY, fixed_clock  # noqa: F401 (autouse: today is 24/11/2026)
from tests.harness.women import add_woman

NOT_DATA = {"auditevent", "draft"}  # opening a screen is audited; that is not a change

WOMAN_KEYS = ("c", "f", "x", "e", "d", "o", "w", "z", "a", "s", "m", "p", "r", "ctrl+r")
HOME_KEYS = ("c", "n", "g", "a", "slash")


def _data(ctx: Ctx) -> dict[str, list[tuple[Any, ...]]]:
    with ctx.read() as session:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in session.execute(table.select()).all()),
            )
            for table in SQLModel.metadata.sorted_tables
            if table.name not in NOT_DATA
        }


def _taps() -> Callable[[], float]:
    """Keys 0.3 s apart, as a person's double tap: the app's tap clock ticks per key."""
    ticks = iter(x * 0.3 for x in range(100_000))
    return lambda: next(ticks)


async def _back_to(pilot: Any, screen: object) -> None:
    await settle(pilot)
    while pilot.app.screen is not screen:
        pilot.app.pop_screen()
        await settle(pilot)


def _her_world(manager: Ctx) -> int:
    woman = add_woman(manager, "Tara", "Tapping")
    plans.add_goal(
        manager,
        woman.id,
        need_area="ACC",
        description="Keep the tenancy",
        target_date="31/12/2026",
    )
    flags.raise_flag(manager, woman.id, "marac", "Heard at MARAC")
    consent.record_consent(manager, woman.id, consent.ConsentInput(service=True))
    register = groups.create_session(manager, title="Craft club", date=TODAY)
    group_register.add_to_register(
        manager, register.session.id, [woman.id], attendance="did_not_attend"
    )
    return woman.id


async def test_every_screen_opening_key_tapped_twice_changes_nothing(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    make_user("kw.one")  # someone to allocate or share to
    woman_id = _her_world(manager)
    before = _data(manager)
    app = make_app(manager, tap_clock=_taps())
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        for key in HOME_KEYS:
            await pilot.press(key, key)
            await _back_to(pilot, home)
        open_woman_screen(app, woman_id)
        await settle(pilot)
        record = app.screen
        assert isinstance(record, WomanScreen) and record.record is not None
        for key in WOMAN_KEYS:
            await pilot.press(key, key)
            await _back_to(pilot, record)
        # One level further: the needs screen's and the plan's own opening keys.
        for opener, keys in (("m", ("n", "e", "o")), ("p", ("n", "e", "enter"))):
            await pilot.press(opener)
            await settle(pilot)
            inner = app.screen
            for key in keys:
                await pilot.press(key, key)
                await _back_to(pilot, inner)
            await _back_to(pilot, record)
        await _back_to(pilot, home)
        await pilot.press("g")
        await settle(pilot)
        groups_screen = app.screen
        for key in ("n", "enter", "e"):
            await pilot.press(key, key)
            await _back_to(pilot, groups_screen)
    assert _data(manager) == before


async def test_p_p_on_her_record_leaves_the_goal_open(manager: Ctx) -> None:
    woman_id = _her_world(manager)
    app = make_app(manager, tap_clock=_taps())
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        open_woman_screen(app, woman_id)
        await settle(pilot)
        await pilot.press("p", "p")
        await settle(pilot)
        assert isinstance(app.screen, PlanScreen)
        assert [g.status for g in plans.list_goals(manager, woman_id)] == ["open"]
        # A deliberate key on the plan still marks: h for partly (half-way) achieved.
        await pilot.press("h")
        await settle(pilot)
        assert [g.status for g in plans.list_goals(manager, woman_id)] == ["partly_achieved"]
