"""Possible duplicates: women registered on two stores with one name and date of birth.

The list, and the highlighted pair side by side; **1**/**2** open either woman's record.
Sync never merges them and merging is not built: the screen says what to do instead.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from caseapp.screens.base import CaseScreen
from caseapp.sync import duplicates
from caseapp.sync.duplicates import TwinSide, TwinView
from caseapp.widgets.fast_table import FastTable
from caseapp.widgets.safe import safe


class DuplicatesScreen(CaseScreen):
    """Every possible duplicate she may see, the two records side by side."""

    DEFAULT_CSS = """
    #duplicates-title { padding: 0 1; height: 1; }
    #duplicates-table { height: 1fr; }
    #duplicates-sides { height: 9; }
    .duplicate-side { width: 1fr; height: 9; border: round $accent; padding: 0 1; }
    #duplicates-what { padding: 0 1; height: 3; color: $text-muted; }
    """
    HELP = (
        "## Possible duplicates\n\n"
        "Two stores registered a woman with the same name and date of birth (at a hub and at "
        "the centre while they were offline, say). **↑/↓** choose a pair: both records are "
        "shown side by side below, with whose caseload each is on and which store registered "
        "her.\n\n"
        "**1** opens the left record, **2** the right one; **Esc** comes back here. **F5** "
        "reads the list again.\n\n" + duplicates.WHAT_TO_DO
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "open_side(1)", "Open left", id="duplicates-open-1"),
        Binding("2", "open_side(2)", "Open right", id="duplicates-open-2"),
        Binding("f5", "refresh", "Refresh", show=False, id="duplicates-refresh"),
        Binding("escape", "back", "Back", id="duplicates-back"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Open the left record", "open_side(1)", "Her record, on the left of the pair (1)"),
        ("Open the right record", "open_side(2)", "Her record, on the right of the pair (2)"),
        ("Refresh possible duplicates", "refresh", "Read the list again (F5)"),
    )

    class Loaded(Message):
        """The possible duplicates were read."""

        def __init__(self, found: list[TwinView]) -> None:
            super().__init__()
            self.found = found

    def __init__(self) -> None:
        super().__init__()
        self.found: list[TwinView] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Possible duplicates", style="bold"), id="duplicates-title")
        yield FastTable(id="duplicates-table")
        with Horizontal(id="duplicates-sides"):
            for n in (1, 2):
                yield Static("", id=f"duplicates-side-{n}", classes="duplicate-side")
        yield Static(duplicates.WHAT_TO_DO, id="duplicates-what", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#duplicates-table", FastTable)
        table.add_column("Left", key="left", width=36)
        table.add_column("Right", key="right", width=36)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="duplicates-read")
    def load(self) -> None:
        """Read the possible duplicates."""
        self.post_message(self.Loaded(duplicates.possible_duplicates(self.ctx)))

    def action_refresh(self) -> None:
        """Read the list again."""
        self.load()

    def on_duplicates_screen_loaded(self, message: Loaded) -> None:
        self.found = message.found
        rows = [
            (
                f"{t.first.reference} {t.second.reference}",
                tuple(_cell(side) for side in (t.first, t.second)),
            )
            for t in self.found
        ]
        self.query_one("#duplicates-table", FastTable).show_rows(rows, keep_cursor=True)
        title = Text(f"Possible duplicates ({len(self.found)})", style="bold")
        if not self.found:
            title.append("  None: no two stores registered one woman twice.", style="dim")
        self.query_one("#duplicates-title", Static).update(title)
        self._show_selected()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#duplicates-table")
    def _highlighted(self) -> None:
        self._show_selected()

    def _selected(self) -> TwinView | None:
        if not self.found:
            return None
        row = self.query_one("#duplicates-table", DataTable).cursor_row
        return self.found[min(max(row, 0), len(self.found) - 1)]

    def _show_selected(self) -> None:
        twin = self._selected()
        for n in (1, 2):
            box = self.query_one(f"#duplicates-side-{n}", Static)
            box.display = twin is not None
            if twin is not None:
                box.update(_side(n, twin.first if n == 1 else twin.second))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Opening a record needs a pair highlighted."""
        if action == "open_side":
            return True if self.found else None
        return True

    def action_open_side(self, number: int) -> None:
        """Open the left (1) or right (2) woman's record of the highlighted pair."""
        twin = self._selected()
        if twin is None:
            return
        from caseapp.screens.woman import WomanScreen

        side = twin.first if number == 1 else twin.second
        self.app.push_screen(WomanScreen(side.woman_id))

    def action_back(self) -> None:
        """Back to where she came from."""
        self.dismiss()


def _cell(side: TwinSide) -> Text:
    """One woman in a list cell: her reference and name."""
    text = safe(side.reference, limit=16, style="bold")
    text.append(" ")
    text.append_text(safe(side.name, limit=35 - len(text.plain)))
    return text


def _side(number: int, side: TwinSide) -> Text:
    """One woman in her box: the key that opens her record, then who she is."""
    text = Text(f"{number}  ", style="bold")
    text.append("open her record\n", style="dim")
    text.append_text(safe(side.reference, limit=16, style="bold"))
    text.append(" ")
    text.append_text(safe(side.name, limit=24))
    text.append(f"\nborn {side.born or 'not given'} · {side.status}\nkeyworker: ")
    text.append_text(safe(side.keyworker or "none", limit=24))
    text.append("\nregistered ")
    text.append_text(safe(side.registered, limit=40))
    return text
