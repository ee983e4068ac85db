"""A yes/no question before something that cannot be undone: y confirms, n or Esc does not."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmModal(ModalScreen[bool]):
    """Asks `question` (a `Text`, so user text in it stays literal); dismisses True on y."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; }
    ConfirmModal > Vertical {
        width: 60; height: auto; border: round $warning; background: $surface; padding: 0 1;
    }
    ConfirmModal .confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
        # A modal hides the app's bindings, so F1 is bound here too.
        Binding("f1", "app.help", "Help", id="confirm-help"),
    ]
    HELP = "## Are you sure?\n\nPress **y** to go ahead, **n** or **Esc** to leave it as it is."

    def __init__(self, question: Text | str) -> None:
        super().__init__()
        self.question = question if isinstance(question, Text) else Text(question)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            yield Static("y  yes      n  no", classes="confirm-keys")

    def action_answer(self, answer: bool) -> None:
        """Close with the answer."""
        self.dismiss(answer)
