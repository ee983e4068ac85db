"""Where to write: a suggested path she may keep, edit or replace; hers is never overwritten."""

from __future__ import annotations

from textual.events import Focus

from caseapp.widgets.text_fields import CompactInput


class PathField(CompactInput):
    """A path field holding a suggestion until she types her own.

    Whether she has typed is read from the field itself (its text against the last
    suggestion), never from a flag set by a message: a flag set when the screen gets round to
    her `Input.Changed` came too late when she chose a format, pressed Tab and typed a path
    faster than the screen handled the format's change, and her path was replaced.
    Focusing it selects the suggestion (typing replaces it, the arrow keys keep it to edit),
    in the field's own queue, so keys typed straight after the focus land after it.
    """

    def __init__(self, suggestion: str, *, id: str | None = None, max_length: int = 500) -> None:
        super().__init__(suggestion, id=id, max_length=max_length)
        self.suggested = suggestion

    @property
    def edited(self) -> bool:
        """Whether she has changed the path from what was suggested."""
        return self.value != self.suggested

    def suggest(self, path: str) -> None:
        """Offer `path` in place of the last suggestion, unless she has typed her own."""
        if self.edited:
            return
        self.suggested = path
        self.value = path
        self.cursor_position = len(path)  # so typing or ctrl+u starts from the end

    def forget_edit(self) -> None:
        """Take what is there for a suggestion: the next `suggest` replaces it."""
        self.suggested = self.value

    def _on_focus(self, event: Focus) -> None:
        super()._on_focus(event)
        if not self.edited:
            self.select_all()
