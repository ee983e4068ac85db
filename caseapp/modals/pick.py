"""Pick one item from a list, narrowing it by typing: keyworkers, hubs, boroughs, filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_remove import AwaitRemove
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from caseapp.services.validation import fold
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import SafeInput

# The option id for the empty key ("everyone", "unallocated"): OptionList ids cannot be empty.
NO_KEY = "-none-"


class PickModal(ModalScreen[str | None]):
    """Dismisses with the chosen option's key, or None when cancelled with Esc."""

    DEFAULT_CSS = """
    PickModal { align: center middle; }
    PickModal > Vertical {
        width: 60; height: auto; max-height: 20; border: round $accent;
        background: $surface; padding: 0 1;
    }
    PickModal #pick-title { text-style: bold; color: $accent; }
    PickModal Input { height: 1; border: none; padding: 0 1; background: $boost; }
    PickModal OptionList { height: auto; max-height: 14; border: none; padding: 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick-cancel"),
        # A modal hides the app's bindings, so F1 is bound here too.
        Binding("f1", "app.help", "Help", id="pick-help"),
        Binding("down", "move(1)", "Next", show=False, id="pick-down"),
        Binding("up", "move(-1)", "Previous", show=False, id="pick-up"),
    ]
    HELP = (
        "## Choose\n\nType to narrow the list, ↑/↓ to move, **Enter** to choose, **Esc** to "
        "leave things as they were."
    )

    def __init__(
        self, title: str, options: Sequence[tuple[str, str]], current: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.options = list(options)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="pick-title")
            yield SafeInput(placeholder="type to narrow", id="pick-filter", compact=True)
            yield OptionList(id="pick-list")
        yield Footer()

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, typed: str) -> None:
        wanted = fold(typed)
        listing = self.query_one("#pick-list", OptionList)
        listing.clear_options()
        chosen = None
        for key, label in self.options:
            if wanted and wanted not in fold(label):
                continue
            marker = "● " if key == self.current else "  "
            listing.add_option(Option(Text(marker).append_text(safe(label)), id=key or NO_KEY))
            if key == self.current:
                chosen = listing.option_count - 1
        if listing.option_count:
            listing.highlighted = chosen if chosen is not None and not wanted else 0

    @on(Input.Changed, "#pick-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#pick-filter")
    def _choose_highlighted(self) -> None:
        listing = self.query_one("#pick-list", OptionList)
        if listing.highlighted is not None:
            self._done(listing.get_option_at_index(listing.highlighted).id)

    @on(OptionList.OptionSelected, "#pick-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self._done(event.option.id)

    def _done(self, option_id: str | None) -> None:
        self.dismiss("" if option_id == NO_KEY else option_id)

    def remove(self) -> AwaitRemove:
        """Taken down once closed, without laying out the screen it covered again.

        Textual lays out the app's screen after removing any child of the app, a screen
        included; nothing under a closed pick list has moved (a window resized meanwhile is
        laid out as that screen resumes), and the layout repainted the rows a filter chosen
        here is about to replace (about 8 ms of a 30 ms choice).
        """
        return self.app._prune(self)

    def action_move(self, delta: int) -> None:
        """Move the highlight while the cursor stays in the filter."""
        listing = self.query_one("#pick-list", OptionList)
        if listing.option_count:
            current = listing.highlighted if listing.highlighted is not None else -1
            listing.highlighted = max(0, min(listing.option_count - 1, current + delta))

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
