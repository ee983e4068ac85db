"""F1 help: what the current screen is for and the keys it answers to."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static


class HelpModal(ModalScreen[None]):
    """Shows help text written by us (never user data, so Markdown is safe here)."""

    DEFAULT_CSS = """
    HelpModal { align: center middle; }
    HelpModal > VerticalScroll {
        width: 76; max-height: 22; border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help-close"),
    ]

    def __init__(self, text: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.text = text
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self.text)
            if self.keys:
                lines = "\n".join(f"  {key:<14} {desc}" for key, desc in self.keys)
                yield Static("Keys here:\n" + lines, markup=False)
            yield Static("Esc closes this help.", markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)
