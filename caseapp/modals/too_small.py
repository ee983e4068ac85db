"""One clear line when the terminal is smaller than caseapp's 80x24, instead of a broken layout."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small_text(width: int, height: int) -> str:
    """The line shown: what size is needed and what it is now."""
    return (
        f"Make this window at least {MIN_WIDTH}x{MIN_HEIGHT} to use caseapp "
        f"(it is {width}x{height} now)."
    )


class TooSmallScreen(ModalScreen[None]):
    """Covers everything until the window is big enough again; it holds no record data."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen > Static { width: 100%; text-align: center; }
    """

    def __init__(self, width: int, height: int) -> None:
        super().__init__()
        self.text = too_small_text(width, height)

    def compose(self) -> ComposeResult:
        yield Static(self.text, id="too-small", markup=False)

    def show_size(self, width: int, height: int) -> None:
        """Say the new size as the window changes."""
        self.text = too_small_text(width, height)
        self.query_one("#too-small", Static).update(self.text)
