"""Keys typed while a screen is still opening wait for it, instead of going nowhere.

Textual hands each key to the widget focused when the app reads it. A screen pushed by a key
(`c` for a contact, `n` for a new woman) takes a moment to build and focus its first field;
until it has, a key typed straight after goes to the half-built screen, which drops it. A fast
typist, or a slow laptop, loses the first letters she typed. The app holds such keys and
hands them on, in order, once the new screen has focused its field.
"""

from __future__ import annotations

import weakref
from typing import Any

from textual import events
from textual.app import App
from textual.screen import Screen

# Never hold keys longer than this, whatever happens to the screen waited for (a slow
# laptop may take a second or more to build a form; keys must never be stuck for good).
LONGEST_HOLD_SECONDS = 5.0


class TypeAhead:
    """The keys an app holds while a pushed screen is opening, replayed to it once ready."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._held: list[events.Key] | None = None
        self._held_for: Screen[Any] | None = None

    def hold_for(self, screen: Screen[Any]) -> None:
        """Hold keys from now until `screen` has mounted and focused its first field."""
        if self._held is None:
            self._held = []
        self._held_for = screen
        screen.call_after_refresh(self._release_when_focused, screen)
        # Weakly: the safety timer must not keep a closed screen alive, with what it showed of
        # her, past a lock (a screen still held for is kept alive by `_held_for` anyway).
        later = weakref.ref(screen)
        self.app.set_timer(LONGEST_HOLD_SECONDS, lambda: self._release_if_open(later))

    def _release_if_open(self, later: weakref.ref[Screen[Any]]) -> None:
        screen = later()
        if screen is not None:
            self.release(screen)

    def _release_when_focused(self, screen: Screen[Any]) -> None:
        # A screen focuses its first field in its mount, through the app's queue: look
        # again after each refresh until it has (a screen with nothing to focus: at once).
        if screen.focused is None and (not screen.is_mounted or screen.focus_chain):
            screen.call_after_refresh(self._release_when_focused, screen)
        else:
            self.release(screen)

    def release(self, screen: Screen[Any]) -> None:
        """Hand the held keys on, in the order typed (only for the screen held for)."""
        if self._held is None or screen is not self._held_for:
            return
        held, self._held, self._held_for = self._held, None, None
        for key in held:
            self.app.post_message(key)

    def holding(self, event: events.Event) -> bool:
        """Whether `event` is a key that must wait (it is then kept, to be replayed)."""
        if self._held is None or not isinstance(event, events.Key) or event.is_forwarded:
            return False
        self._held.append(events.Key(event.key, event.character))
        return True
