"""Screens that paint what changed up to 120 times a second instead of Textual's 60.

A keystroke paints twice: the letter echoed at once, the results when they come. Textual
paints a screen at most every 1/60 s, so results ready a few ms after the echo waited up to
17 ms for the next paint; every 1/120 s halves that wait. Only what changed is painted, so
nothing is drawn more often while nothing changes.
"""

from __future__ import annotations

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

    @property
    def _update_timer(self) -> Timer:
        if self._quick_frames is None:
            self._quick_frames = self.set_interval(
                FRAME, self._on_timer_update, name="screen_update", pause=True
            )
        return self._quick_frames
