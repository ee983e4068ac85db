"""Screens that paint what changed up to 120 times a second instead of Textual's 60.

A keystroke paints twice: the letter echoed at once, the results when they come. Textual
paints a screen at most every 1/60 s, so results ready a few ms after the echo waited up to
17 ms for the next paint; every 1/120 s halves that wait. Only what changed is painted, so
nothing is drawn more often while nothing changes.

A screen may also hold its paints for a moment when what it would paint is about to be
replaced (a filter chosen: the rows shown now are for the old one), so the next frame shows
the new results instead of drawing the old ones once more on the way.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.timer import Timer

if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen[Any]
else:
    _Base = object  # a mixin: Textual reads CSS and component classes from the real bases

FRAME = 1 / 120
"""Shortest time between two paints of a screen that lists results as she types."""


class QuickFrames(_Base):
    """A screen whose paints may follow each other every `FRAME` seconds."""

    _quick_frames: Timer | None = None
    _held_until: float = 0.0

    def hold_frames(self, seconds: float) -> None:
        """Paint nothing until `release_frames`, or for `seconds` at most (nothing lost)."""
        self._held_until = time.monotonic() + seconds

    def release_frames(self) -> None:
        """Paint again from the next frame (whatever changed meanwhile is painted then)."""
        self._held_until = 0.0

    def _on_timer_update(self) -> None:
        if self._held_until and time.monotonic() < self._held_until:
            return  # the timer keeps running while held: the next frame looks again
        self._held_until = 0.0
        super()._on_timer_update()  # type: ignore[misc]

    @property
    def _update_timer(self) -> Timer:
        if self._quick_frames is None:
            self._quick_frames = self.set_interval(
                FRAME, self._on_timer_update, name="screen_update", pause=True
            )
        return self._quick_frames
