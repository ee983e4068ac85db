"""Text fields that never send a control character from user data to the terminal.

Textual's `Input` and `TextArea` draw their text as it is, so a stored name holding
`\\x1b[2J` would clear the screen when put in an edit form. These draw every control and
bidi-override character as a visible stand-in (`caseapp.textsafe.visible`) while keeping what
was stored, or typed, unchanged.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Input, TextArea

from caseapp.textsafe import visible
from caseapp.widgets.own_keys import own_key_first


class SafeInput(Input):
    """An `Input` whose text is drawn with control characters made visible (one for one)."""

    async def _on_key(self, event: events.Key) -> None:
        # Backspace, ctrl+u, the arrows: run here, in the order typed (see `own_key_first`).
        if not await own_key_first(self, event, types_text=True):
            await super()._on_key(event)

    @property
    def _value(self) -> Text:
        if self.password:
            return Text("•" * len(self.value), no_wrap=True, overflow="ignore", end="")
        # `visible` maps each character to exactly one, so cursor positions still line up.
        shown = "".join(visible(ch) or " " for ch in self.value)
        return Text(shown, no_wrap=True, overflow="ignore", end="")


class CompactInput(SafeInput):
    """A `SafeInput` drawn one line high without a border, so forms fit 80x24."""

    DEFAULT_CSS = """
    CompactInput { height: 1; border: none; padding: 0 1; background: $boost; width: 1fr; }
    CompactInput:focus { background: $accent 40%; border: none; }
    CompactInput.-invalid { border: none; }
    """

    def __init__(
        self,
        value: str | None = None,
        placeholder: str = "",
        *,
        id: str | None = None,
        max_length: int = 0,
        restrict: str | None = None,
    ) -> None:
        super().__init__(
            value,
            placeholder,
            id=id,
            max_length=max_length,
            restrict=restrict,
            select_on_focus=False,
            compact=True,
        )


class SafeTextArea(TextArea):
    """A several-line note: stored text is edited as shown (control characters visible).

    `value` is the stored text, unchanged, until she edits it; pasted control characters
    become their visible stand-ins so none can reach the terminal.
    """

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        self._original = text
        self._shown = visible(text, keep_newlines=True)
        super().__init__(self._shown, id=id, compact=True)

    @property
    def value(self) -> str:
        """What to save: the stored text if untouched, else what is in the field."""
        return self._original if self.text == self._shown else self.text

    async def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.insert(visible(event.text, keep_newlines=True))
