"""A confirmation that must be typed (a reference, "erase 3") before something irreversible."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import SafeInput


class TypedConfirmModal(ModalScreen[str | None]):
    """Dismisses with what was typed once it matches `expected` (any case), or None on Esc.

    The caller passes the typed text on to the service, which checks it again: the modal
    keeps a slip of the finger from erasing someone, the service keeps a bug from doing so.
    """

    DEFAULT_CSS = """
    TypedConfirmModal { align: center middle; }
    TypedConfirmModal > Vertical {
        width: 64; height: auto; border: round $error; background: $surface; padding: 0 1;
    }
    TypedConfirmModal #typed-title { text-style: bold; color: $error; }
    TypedConfirmModal #typed-body { margin: 1 0; height: auto; }
    TypedConfirmModal Input { height: 1; border: none; padding: 0 1; background: $boost; }
    TypedConfirmModal #typed-problem { color: $error; height: auto; min-height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="typed-cancel"),
    ]
    HELP = (
        "## Type to confirm\n\n"
        "This cannot be undone. Type the words shown, exactly, and press **Enter** to go "
        "ahead; **Esc** leaves everything as it is."
    )

    def __init__(self, title: str, body: Text | str, expected: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body if isinstance(body, Text) else Text(body)
        self.expected = expected

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="typed-title")
            yield Static(self.body, id="typed-body")
            prompt = Text("Type ")
            prompt.append_text(safe(self.expected, style="bold"))
            prompt.append(" and press Enter:")
            yield Static(prompt, id="typed-prompt")
            yield SafeInput(id="typed-input", max_length=80, compact=True)
            yield Static("", id="typed-problem")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#typed-input")
    def _submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed.casefold() == self.expected.casefold():
            self.dismiss(typed)
            return
        problem = Text("That does not match ")
        problem.append_text(safe(self.expected))
        problem.append(": nothing has been done.")
        self.query_one("#typed-problem", Static).update(problem)

    def action_cancel(self) -> None:
        """Leave without doing anything."""
        self.dismiss(None)
