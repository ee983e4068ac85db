"""One-line choosers for code lists: fast from the keyboard, never a popup.

`ChoiceField` picks one code: left/right (or space) step through the options and typing the
first letters of a label jumps to it. `CodeSet` picks several codes (need areas): left/right
move along the line and space toggles. Labels are shown as data, never as markup.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from caseapp.widgets.own_keys import own_key_first
from caseapp.widgets.safe import safe

TYPE_AHEAD_SECONDS = 1.0

Options = Mapping[str, str] | Sequence[tuple[str, str]]


def _pairs(options: Options) -> list[tuple[str, str]]:
    if isinstance(options, Mapping):
        return list(options.items())
    return list(options)


class ChoiceField(Widget, can_focus=True):
    """Choose one code from a list; `blank` (if given) is the "not recorded" choice."""

    DEFAULT_CSS = """
    ChoiceField { height: 1; width: 1fr; padding: 0 1; background: $boost; }
    ChoiceField:focus { background: $accent 40%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Previous", show=False, id="choice-previous"),
        Binding("right,space", "step(1)", "Next", show=False, id="choice-next"),
        Binding("home", "first", "First", show=False, id="choice-first"),
        Binding("end", "last", "Last", show=False, id="choice-last"),
    ]

    index: reactive[int] = reactive(0)

    class Changed(Message):
        """The choice changed."""

        def __init__(self, field: ChoiceField, value: str | None) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> ChoiceField:
            """The field that changed."""
            return self.field

    def __init__(
        self,
        options: Options,
        value: str | None = None,
        *,
        blank: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        pairs = _pairs(options)
        self.options: list[tuple[str | None, str]] = [(None, blank)] if blank is not None else []
        self.options.extend(pairs)
        self._typed = ""
        self._typed_at = 0.0
        self.set_reactive(ChoiceField.index, self._index_of(value))

    def _index_of(self, value: str | None) -> int:
        for i, (code, _label) in enumerate(self.options):
            if code == value:
                return i
        return 0

    @property
    def value(self) -> str | None:
        """The chosen code (None for the blank choice)."""
        return self.options[self.index][0] if self.options else None

    @value.setter
    def value(self, code: str | None) -> None:
        self.index = self._index_of(code)

    @property
    def label(self) -> str:
        """The chosen option's label."""
        return self.options[self.index][1] if self.options else ""

    def render(self) -> Text:
        text = Text("‹ ")
        text.append_text(safe(self.label))
        text.append(" ›")
        if self.has_focus and len(self.options) > 1:
            text.append(f"  {self.index + 1}/{len(self.options)}  ←→ or type", style="dim")
        return text

    def watch_index(self, old: int, new: int) -> None:
        if old != new:
            self.post_message(self.Changed(self, self.value))

    def action_step(self, delta: int) -> None:
        """Move to the next or previous option, wrapping round."""
        if self.options:
            self.index = (self.index + delta) % len(self.options)

    def action_first(self) -> None:
        """Go to the first option."""
        self.index = 0

    def action_last(self) -> None:
        """Go to the last option."""
        self.index = max(len(self.options) - 1, 0)

    async def on_key(self, event: events.Key) -> None:
        """Typing letters jumps to the next option whose label begins with them."""
        # Its arrows and space run here, in the order typed (see `own_key_first`).
        if await own_key_first(self, event):
            return
        char = event.character
        if not char or not char.isprintable() or char == " " or len(char) != 1:
            return
        now = time.monotonic()
        self._typed = (self._typed if now - self._typed_at < TYPE_AHEAD_SECONDS else "") + char
        self._typed_at = now
        if self._jump(self._typed, start=self.index) or self._jump(char, start=self.index + 1):
            self._typed = self._typed if self._matches(self.index, self._typed) else char
        event.stop()
        event.prevent_default()

    def _matches(self, i: int, typed: str) -> bool:
        return self.options[i][1].casefold().startswith(typed.casefold())

    def _jump(self, typed: str, *, start: int) -> bool:
        count = len(self.options)
        for step in range(count):
            i = (start + step) % count
            if self._matches(i, typed):
                self.index = i
                return True
        return False

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


class CodeSet(Widget, can_focus=True):
    """Choose several codes shown on one line; the focused code's label is shown below."""

    async def on_key(self, event: events.Key) -> None:
        """Its arrows and space run here, in the order typed (see `own_key_first`)."""
        await own_key_first(self, event)

    DEFAULT_CSS = """
    CodeSet { height: 2; width: 1fr; padding: 0 1; background: $boost; }
    CodeSet:focus { background: $accent 40%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous", show=False, id="codes-previous"),
        Binding("right", "move(1)", "Next", show=False, id="codes-next"),
        Binding("space", "tick", "Tick or untick", show=False, id="codes-toggle"),
    ]

    cursor: reactive[int] = reactive(0)

    class Changed(Message):
        """A code was ticked or unticked."""

        def __init__(self, field: CodeSet) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> CodeSet:
            """The field that changed."""
            return self.field

    def __init__(
        self,
        options: Options,
        chosen: Iterable[str] = (),
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.options = _pairs(options)
        self.chosen: set[str] = set(chosen)

    @property
    def value(self) -> tuple[str, ...]:
        """The ticked codes, in the list's order."""
        return tuple(code for code, _label in self.options if code in self.chosen)

    def render(self) -> Text:
        line = Text()
        for i, (code, _label) in enumerate(self.options):
            ticked = code in self.chosen
            style = "reverse" if (i == self.cursor and self.has_focus) else ""
            style += " bold" if ticked else " dim"
            line.append(("✓" if ticked else "·") + code, style=style.strip())
            line.append(" ")
        code, label = self.options[self.cursor] if self.options else ("", "")
        line.append("\n")
        if self.has_focus:
            line.append_text(safe(f"{code}: {label}  (space ticks, ←→ move)", style="italic"))
        else:
            chosen = ", ".join(self.value) or "none ticked"
            line.append_text(safe(chosen, style="dim"))
        return line

    def action_move(self, delta: int) -> None:
        """Move along the line, wrapping round."""
        if self.options:
            self.cursor = (self.cursor + delta) % len(self.options)

    def action_tick(self) -> None:
        """Tick or untick the code under the cursor."""
        if not self.options:
            return
        code = self.options[self.cursor][0]
        self.chosen.symmetric_difference_update({code})
        self.refresh()
        self.post_message(self.Changed(self))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
