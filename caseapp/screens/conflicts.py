"""Open sync conflicts: the list, and the highlighted one's values side by side to choose from.

A field changed on two stores between exchanges keeps both values until a person chooses:
**1**/**2** keep a side, **t** types a third; the choice travels with the next sync. Enter
opens her record; **d** lists possible duplicates (one woman registered on two stores).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from caseapp.modals.conflict_value_form import ConflictValueForm
from caseapp.screens.base import CaseScreen
from caseapp.sync import desk, duplicates
from caseapp.sync.desk import ConflictView
from caseapp.widgets.fast_table import FastTable
from caseapp.widgets.safe import safe

MAX_SIDES = 4


class ConflictsScreen(CaseScreen):
    """Every open conflict she may see; keep one value or type another."""

    HELP = (
        "## Conflicts\n\n"
        "A field changed on two stores between exchanges (her phone at the hub and at the "
        "centre, say) keeps both values, with who wrote each and when; both stores show the "
        "later one until someone chooses. **↑/↓** choose a conflict: its values are shown "
        "side by side below.\n\n"
        "**1** or **2** (or **3**, **4** when more stores wrote it) keeps that value, **t** "
        "types another, **Enter** opens her record, **F5** reads the list again, **Esc** goes "
        "back. A choice closes the conflict here and, with the next sync, on every other store; "
        "it is in the audit log.\n\n"
        "When two stores registered a woman with the same name and date of birth, the title "
        "says how many possible duplicates there are and **d** shows them side by side."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "keep(1)", "Keep 1", id="conflicts-keep-1"),
        Binding("2", "keep(2)", "Keep 2", id="conflicts-keep-2"),
        Binding("3", "keep(3)", "Keep 3", show=False, id="conflicts-keep-3"),
        Binding("4", "keep(4)", "Keep 4", show=False, id="conflicts-keep-4"),
        Binding("t", "type_value", "Type another", id="conflicts-type"),
        # Not in the footer (no room at 80 columns): the title names the key when it applies.
        Binding("d", "duplicates", "Duplicates", show=False, id="conflicts-duplicates"),
        Binding("f5", "refresh", "Refresh", show=False, id="conflicts-refresh"),
        Binding("escape", "back", "Back", id="conflicts-back"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Keep the first value", "keep(1)", "Resolve the highlighted conflict with value 1 (1)"),
        ("Keep the second value", "keep(2)", "Resolve the highlighted conflict with value 2 (2)"),
        ("Type another value", "type_value", "Resolve the highlighted conflict (t)"),
        ("Open her record", "open_record", "The woman the highlighted conflict is about (Enter)"),
        ("Possible duplicates", "duplicates", "Women registered on two stores, side by side (d)"),
        ("Refresh conflicts", "refresh", "Read the open conflicts again (F5)"),
    )

    class Loaded(Message):
        """The open conflicts were read."""

        def __init__(self, found: list[ConflictView], records: dict[str, int], twins: int) -> None:
            super().__init__()
            self.found = found
            self.records = records
            self.twins = twins

    class Resolved(Message):
        """A conflict was resolved with `value`."""

        def __init__(self, conflict: ConflictView, value: Any) -> None:
            super().__init__()
            self.conflict = conflict
            self.value = value

    def __init__(self) -> None:
        super().__init__()
        self.found: list[ConflictView] = []
        self.records: dict[str, int] = {}  # her record's id by reference
        self.twins = 0
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Open conflicts", style="bold"), id="conflicts-title")
        yield FastTable(id="conflicts-table")
        yield Static("", id="conflicts-before")
        with Horizontal(id="conflicts-sides"):
            for n in range(1, MAX_SIDES + 1):
                yield Static("", id=f"conflicts-side-{n}", classes="conflict-side")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#conflicts-table", FastTable)
        table.add_column("#", key="id", width=4)
        table.add_column("Woman", key="woman", width=20)
        table.add_column("What", key="what", width=20)
        table.add_column("Values", key="values", width=26)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="conflicts-read")
    def load(self) -> None:
        """Read the open conflicts, the records they are about and the possible duplicates."""
        found = desk.conflicts(self.ctx)
        records = {}
        for ref in {c.reference for c in found if c.reference}:
            woman_id = duplicates.record_of(self.ctx, ref)
            if woman_id is not None:
                records[ref] = woman_id
        self.post_message(self.Loaded(found, records, duplicates.count(self.ctx)))

    def action_refresh(self) -> None:
        """Read the list again."""
        self.load()

    def on_conflicts_screen_loaded(self, message: Loaded) -> None:
        self.found = message.found
        self.records = message.records
        self.twins = message.twins
        table = self.query_one("#conflicts-table", FastTable)
        rows = []
        for c in self.found:
            values = " / ".join(side[0] for side in c.sides)
            cells = (
                Text(str(c.id)),
                safe(c.name or c.reference, limit=20),
                safe(c.what, limit=20),
                safe(values, limit=26),
            )
            rows.append((str(c.id), cells))
        table.show_rows(rows, keep_cursor=True)
        count = len(self.found)
        title = Text(f"Open conflicts ({count})", style="bold")
        if self.twins:  # first: the line has room for little else at 80 columns
            title.append(
                f"  {self.twins} possible duplicate{'s' if self.twins != 1 else ''} (d)",
                style="bold yellow",
            )
        if not count:
            ok = "No field to choose." if self.twins else "Nothing to choose: every field agrees."
            title.append(f"  {ok}", style="dim")
        self.query_one("#conflicts-title", Static).update(title)
        self._show_selected()
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#conflicts-table")
    def _highlighted(self) -> None:
        self._show_selected()

    def _selected(self) -> ConflictView | None:
        if not self.found:
            return None
        row = self.query_one("#conflicts-table", DataTable).cursor_row
        return self.found[min(max(row, 0), len(self.found) - 1)]

    def _show_selected(self) -> None:
        conflict = self._selected()
        before = self.query_one("#conflicts-before", Static)
        boxes = [self.query_one(f"#conflicts-side-{n}", Static) for n in range(1, MAX_SIDES + 1)]
        if conflict is None:
            before.update("")
            for box in boxes:
                box.display = False
            return
        line = Text(f"#{conflict.id} ", style="bold")
        line.append_text(safe(conflict.reference, limit=20, style="bold"))
        if conflict.name:
            line.append(" ")
            line.append_text(safe(conflict.name, limit=24))
        line.append(f" · {conflict.what} · before: ")
        line.append_text(safe(conflict.before, limit=20))
        before.update(line)
        for n, box in enumerate(boxes, start=1):
            if n > len(conflict.sides):
                box.display = False
                continue
            value, user, at = conflict.sides[n - 1]
            text = Text(f"{n}  ", style="bold")
            text.append("keep this\n", style="dim")
            text.append_text(safe(value, limit=200, style="bold"))
            text.append("\nby ")
            text.append_text(safe(user, limit=20))
            text.append(f"\n{at}", style="dim")
            box.update(text)
            box.display = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keeping or typing needs a conflict highlighted (and that many values)."""
        if action == "keep":
            conflict = self._selected()
            number = int(str(parameters[0])) if parameters else 1
            if conflict is None:
                return None
            if number > len(conflict.sides):
                return None if number <= 2 else False
            return True
        if action == "type_value":
            return True if self.found else None
        if action == "duplicates":
            return self.twins > 0
        return True

    @on(DataTable.RowSelected, "#conflicts-table")
    def _chosen(self) -> None:
        self.action_open_record()

    def action_open_record(self) -> None:
        """Open the record of the woman the highlighted conflict is about."""
        conflict = self._selected()
        if conflict is None:
            return
        woman_id = self.records.get(conflict.reference)
        if woman_id is None:
            self.notify(
                f"This conflict is about {conflict.what.split(':')[0]}, not a woman's record "
                "held here.",
                markup=False,
            )
            return
        from caseapp.screens.woman import WomanScreen

        self.app.push_screen(WomanScreen(woman_id))

    def action_duplicates(self) -> None:
        """Show the possible duplicates side by side."""
        from caseapp.screens.duplicates import DuplicatesScreen

        self.app.push_screen(DuplicatesScreen())

    def action_keep(self, number: int) -> None:
        """Keep value `number` of the highlighted conflict."""
        conflict = self._selected()
        if conflict is None or self.busy or number > len(conflict.sides):
            return
        self.busy = True
        self._keep(conflict, number)

    @work(thread=True, exit_on_error=False, group="conflicts-write")
    def _keep(self, conflict: ConflictView, number: int) -> None:
        try:
            value = desk.keep(self.ctx, conflict, number)
        finally:
            self.busy = False
        self.post_message(self.Resolved(conflict, value))

    def action_type_value(self) -> None:
        """Resolve the highlighted conflict with a value she types."""
        conflict = self._selected()
        if conflict is None:
            return

        def saved(result: tuple[Any] | None) -> None:
            if result is not None:
                self.post_message(self.Resolved(conflict, result[0]))

        self.app.push_screen(ConflictValueForm(conflict), saved)

    def on_conflicts_screen_resolved(self, message: Resolved) -> None:
        kept = desk.show_value(message.value)
        self.notify(
            f"Kept {kept} for {message.conflict.reference or 'the record'} "
            f"({message.conflict.what}); the choice travels with the next sync.",
            title="Conflict resolved",
            markup=False,
        )
        self.load()

    def action_back(self) -> None:
        """Back to where she came from."""
        self.dismiss()
