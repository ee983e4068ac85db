"""Driving the real app in tests: build it as the command line does, wait, and read the screen.

Every UI test builds the app through `caseapp.app.build_app`, the factory `caseapp` itself
uses; the only hook a test replaces is how the unlock screen opens the store (`unlock_fn`), so
the app is never reached into from outside.
"""

from __future__ import annotations

import contextlib
import gc
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.notifications import Notification, Notifications
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static
from textual.worker import WorkerError, WorkerFailed

from caseapp.app import CaseApp, build_app
from caseapp.services.context import Ctx
from caseapp.services.session import UnlockOutcome

SIZE = (80, 24)


class KeptNotifications(Notifications):
    """Textual's notifications, each also kept as it was raised: Textual drops one once its
    time (5 s by the wall clock) is up, which a test on a loaded machine can outlast. Clearing
    them (the app does at a lock) clears what is kept too."""

    def __init__(self) -> None:
        super().__init__()
        self.raised: list[Notification] = []

    def add(self, notification: Notification) -> KeptNotifications:
        self.raised.append(notification)
        super().add(notification)
        return self

    def clear(self) -> KeptNotifications:
        self.raised.clear()
        super().clear()
        return self


def keep_notices(app: CaseApp) -> CaseApp:
    """`app`, with its notifications kept for `notices` however long the test takes."""
    app._notifications = KeptNotifications()
    return app


def make_app(ctx: Ctx, **options: Any) -> CaseApp:
    """The real app on `ctx`'s store, whose unlock (any passphrase typed) opens it as `ctx`.

    `options` go to `build_app` (`tap_clock`, `demo_hint`); the app gets a twin of the
    open store, so its locking and quitting leave the test's handle open.
    """

    def unlock_as_ctx(_path: Path, _username: str, _passphrase: str) -> UnlockOutcome:
        return UnlockOutcome(Ctx(ctx.store.twin(), ctx.actor, ctx.clock), 0)

    return keep_notices(
        build_app(ctx.store.path, username=ctx.actor.username, unlock_fn=unlock_as_ctx, **options)
    )


SETTLE_ROUNDS = 3
"""Rounds `settle` always takes: a worker's reply often starts the next worker."""
SETTLE_MAX_ROUNDS = 30
"""Rounds after which `settle` stops waiting even if workers keep starting."""


async def settle(pilot: Pilot[Any], *, failed_workers: bool = False) -> None:
    """Let messages, workers and their replies finish (never a sleep).

    Each round handles the messages waiting and then waits for every worker running, one by
    one; it goes on while replies start new workers. A worker cancelled meanwhile (a newer
    search replaced it, or its screen closed) is finished with. A failed worker raises
    `WorkerFailed` here unless `failed_workers` says the test expects one (the app shows the
    failure as a notification, which such a test then reads).
    """
    app = pilot.app
    for done in range(SETTLE_MAX_ROUNDS):
        await pilot.pause()
        running = list(app.workers)
        if not running and done >= SETTLE_ROUNDS - 1:
            break
        # One at a time: gathering them would stop at the first cancelled or failed one
        # while the others still run.
        for worker in running:
            try:
                await worker.wait()
            except WorkerFailed:
                if not failed_workers:
                    raise
            except WorkerError:
                pass  # cancelled: stopped on purpose, nothing of it is left to come
    await pilot.pause()


async def freed(pilot: Pilot[Any], ref: weakref.ref[Any]) -> bool:
    """Whether what `ref` names is freed once the app has finished taking it down.

    A screen popped or removed is taken down by a task of its own, not a worker, so `settle`
    may return while it is still attached: give the app turns (never a sleep) and collect
    after each until it is gone or the turns run out.
    """
    for _ in range(SETTLE_MAX_ROUNDS):
        gc.collect()
        if ref() is None:
            return True
        await pilot.pause()
    return False


async def unlock(pilot: Pilot[Any]) -> None:
    """Type a passphrase on the unlock screen and press Enter, as a person would."""
    from caseapp.screens.home import HomeScreen

    await pilot.pause()
    await pilot.press(*"passphrase", "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)


@contextlib.asynccontextmanager
async def app_showing(ctx: Ctx, screen: Screen[Any]) -> AsyncIterator[Pilot[Any]]:
    """The real app at 80x24, unlocked as `ctx` by typing, with `screen` pushed over home.

    The screen's first load may fail (a screen refusing its user does): the test reads that
    from `notices`.
    """
    app = make_app(ctx)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await unlock(pilot)
        await app.push_screen(screen)
        await settle(pilot, failed_workers=True)
        yield pilot


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Put every key in the app's queue at once, as keys that arrive together would be."""
    for key in keys:
        character = key if len(key) == 1 else None
        pilot.app.post_message(events.Key(key, character))
    await settle(pilot)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type text key by key (each character as the key that makes it)."""
    await pilot.press(*(_character_to_key(ch) for ch in text))


def screen_text(app: App[Any]) -> str:
    """Everything the current screen shows, as plain text (a table's cells joined by " | ")."""
    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Static):
            parts.append(str(widget.render()))
        elif isinstance(widget, DataTable):
            for row in range(widget.row_count):
                parts.append(" | ".join(str(c) for c in widget.get_row_at(row)))
        elif isinstance(widget, OptionList):
            for i in range(widget.option_count):
                parts.append(str(widget.get_option_at_index(i).prompt))
    return "\n".join(parts)


def notices(app: App[Any]) -> list[str]:
    """The notifications shown so far (Textual keeps no public list of them): all of them
    since the last clearing when the app keeps them (`keep_notices`), else those still up."""
    shown = app._notifications
    kept = shown.raised if isinstance(shown, KeptNotifications) else shown
    return [str(n.message) for n in kept]
