"""Small questions about typed work: discard it, or open a draft found at unlock."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

DISCARD_QUESTION = "Discard what you typed?"


class DiscardModal(ModalScreen[bool]):
    """Esc again or y discards (True); any other key goes back to the form (False)."""

    DEFAULT_CSS = """
    DiscardModal { align: center middle; }
    DiscardModal > Vertical {
        width: 64; height: auto; border: round $warning; background: $surface; padding: 0 1;
    }
    DiscardModal .discard-keys { color: $text-muted; margin-top: 1; }
    """
    HELP = (
        "## Discard what you typed?\n\n**Esc** again or **y** throws away what you typed in "
        "the form; any other key goes back to it."
    )

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(DISCARD_QUESTION, markup=False)
            yield Static(
                "Esc or y  discard      any other key  back to the form",
                classes="discard-keys",
                markup=False,
            )

    def on_key(self, event: events.Key) -> None:
        # Every key answers: a stray key never discards, and never reaches the form below.
        event.stop()
        event.prevent_default()
        self.dismiss(event.key in ("escape", "y"))


class DraftOfferModal(ModalScreen[str]):
    """A draft left by a crash: y opens it ("open"), d discards it ("discard"), Esc keeps it."""

    DEFAULT_CSS = """
    DraftOfferModal { align: center middle; }
    DraftOfferModal > Vertical {
        width: 64; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    DraftOfferModal .offer-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer('open')", "Open it", id="offer-open"),
        Binding("d", "answer('discard')", "Discard it", id="offer-discard"),
        Binding("escape", "answer('later')", "Later", id="offer-later"),
    ]
    HELP = (
        "## A draft was not saved\n\ncaseapp stopped while you were typing in a form. **y** "
        "opens the form again with what you typed, **d** discards it, **Esc** keeps it for "
        "your next unlock."
    )

    def __init__(self, title: Text, when: str) -> None:
        super().__init__()
        self.draft_title = title
        self.when = when

    def compose(self) -> ComposeResult:
        text = Text("You were typing in a form when caseapp stopped (")
        text.append(self.when)
        text.append("):\n")
        text.append_text(self.draft_title)
        text.append("\nOpen it again?")
        with Vertical():
            yield Static(text)
            yield Static(
                "y  open it      d  discard it      Esc  later", classes="offer-keys", markup=False
            )

    def action_answer(self, answer: str) -> None:
        """Close with the answer."""
        self.dismiss(answer)
