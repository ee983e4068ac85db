"""A one-line choice of a few codes: a letter picks one, left and right move between them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from caseapp.widgets.own_keys import own_key_first


class ChoiceBar(Widget, can_focus=True):
    """Shows every choice on one line with its hotkey underlined; the chosen one highlighted.

    Labels are ours (code lists), never user text.
    """

    DEFAULT_CSS = """
    ChoiceBar { height: 1; width: 1fr; }
    ChoiceBar:focus { background: $boost; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous choice", id="choice-prev", show=False),
        Binding("right,space", "move(1)", "Next choice", id="choice-next", show=False),
    ]

    value: reactive[str] = reactive("")

    class Changed(Message):
        """The choice changed."""

        def __init__(self, bar: ChoiceBar, value: str) -> None:
            super().__init__()
            self.bar = bar
            self.value = value

        @property
        def control(self) -> ChoiceBar:
            """The bar that changed."""
            return self.bar

    def __init__(
        self,
        choices: Sequence[tuple[str, str]],
        *,
        value: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.choices = list(choices)
        self.hotkeys = self._hotkeys()
        self.set_reactive(ChoiceBar.value, value or self.choices[0][0])

    def _hotkeys(self) -> dict[str, str]:
        # The first letter of each label not already taken picks it.
        keys: dict[str, str] = {}
        for code, label in self.choices:
            for ch in label.lower():
                if ch.isalpha() and ch not in keys:
                    keys[ch] = code
                    break
        return keys

    def render(self) -> Text:
        text = Text()
        for index, (code, label) in enumerate(self.choices):
            if index:
                text.append(" ")
            key = next((k for k, c in self.hotkeys.items() if c == code), "")
            style = "reverse bold" if code == self.value else ""
            at = label.lower().find(key) if key else -1
            piece = Text(f" {label} ", style=style)
            if at >= 0:
                piece.stylize("underline", at + 1, at + 2)
            text.append_text(piece)
        return text

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def action_move(self, step: int) -> None:
        """Move to the previous or next choice."""
        codes = [code for code, _ in self.choices]
        index = codes.index(self.value) if self.value in codes else 0
        self.value = codes[(index + step) % len(codes)]

    async def on_key(self, event: events.Key) -> None:
        # Its arrows and space run here, in the order typed (see `own_key_first`).
        if await own_key_first(self, event):
            return
        if event.character and event.character.lower() in self.hotkeys:
            self.value = self.hotkeys[event.character.lower()]
            event.stop()
            event.prevent_default()
