"""A footer built again only when the keys it shows change, not at every change of focus.

Textual's `Footer` removes and mounts all of its keys whenever the screen's bindings are
updated: focus moving, a pick list closing over a screen, a page loaded. On the caseload that
was about 70 ms of the 125 from Enter in a filter's pick list to the filtered list (its keys
styled, laid out and drawn afresh), for the very same keys. Here the keys it shows, their
words and whether each is dimmed are compared first (keys not shown, such as a box's or a
list's own, do not count), and the footer is rebuilt only when they differ.
Written against textual 8.2.8 (pinned): `bindings_changed` is what the screen's signal calls.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class QuietFooter(Footer):
    """Textual's footer, rebuilt only when what it would show has changed."""

    # Textual's compact footer gives every key a margin of one on its right, the command
    # palette's key (docked right) too: when the keys overflow, the last letter hidden under
    # them showed through that margin at the window's edge ("^p palettei"). The palette's key
    # keeps the same place with that column as its own padding instead.
    DEFAULT_CSS = """
    QuietFooter.-compact FooterKey.-command-palette {
        margin-right: 0;
        padding-right: 1;
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._showing: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Rebuild the keys when the screen's active keys differ from those shown."""
        # What `compose` reads: the keys shown, in order, and the command palette's key.
        palette = screen.app.COMMAND_PALETTE_BINDING
        keys = tuple(
            (key, binding.key, binding.action, binding.description, binding.key_display,
             binding.group, binding.tooltip, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        )  # fmt: skip
        if self._bindings_ready and screen is self.screen and keys == self._showing:
            return
        super().bindings_changed(screen)
        # Only once a rebuild is on its way (the app focused, this footer on that screen).
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._showing = keys
