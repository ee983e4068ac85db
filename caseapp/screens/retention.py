"""The retention review: records past the policy, chosen with space, purged after typing."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from caseapp.modals.confirm import ConfirmModal
from caseapp.modals.retention_policy import RetentionPolicyForm
from caseapp.modals.typed_confirm import TypedConfirmModal
from caseapp.screens.base import CaseScreen
from caseapp.services import retention
from caseapp.services.erasure import ErasureResult
from caseapp.services.retention import Review
from caseapp.services.validation import show_date
from caseapp.widgets.safe import safe

COLUMNS = (("", 1), ("Reference", 15), ("Name", 20), ("Closed", 10), ("Due", 10), ("Keyworker", 10))
TICK = "✓"


def _years(n: int) -> str:
    return f"{n} year{'s' if n != 1 else ''}"


class RetentionScreen(CaseScreen):
    """Who is past the retention period, and purging them with a typed confirmation."""

    HELP = (
        "## Retention review\n\n"
        "Records are kept for the **retention period** after her case was closed (six years "
        "unless a manager changes it with **p**); this lists every record past it. A woman "
        "re-referred since is open again and is not listed.\n\n"
        "**Space** ticks or unticks the highlighted record, **a** ticks all (or none), "
        "**e** erases the ticked records: you type the words shown to confirm. Erasure "
        "removes her and everything attached; the audit log keeps only a tombstone. "
        "**F5** looks again.\n\n"
        "If this computer's clock reads earlier than the newest audit entry, the clock may "
        "have gone backwards: check the date, and you will be asked to confirm it."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="retention-back"),
        Binding("space", "tick", "Tick", id="retention-toggle"),
        Binding("a", "toggle_all", "All/none", id="retention-all"),
        Binding("e", "purge", "Erase ticked", id="retention-purge"),
        Binding("p", "policy", "Period", id="retention-policy"),
        Binding("f5", "refresh", "Refresh", id="retention-refresh"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Retention: erase the ticked records", "purge", "After a typed confirmation (e)"),
        ("Retention: tick all or none", "toggle_all", "Tick every record listed (a)"),
        ("Retention: change the period", "policy", "Years a record is kept after closure (p)"),
    )

    class Reviewed(Message):
        """The review arrived."""

        def __init__(self, review: Review) -> None:
            super().__init__()
            self.review = review

    class Purged(Message):
        """Records were erased."""

        def __init__(self, result: ErasureResult) -> None:
            super().__init__()
            self.result = result

    def __init__(self) -> None:
        super().__init__()
        self.review: Review | None = None
        self.ticked: set[str] = set()
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="retention-summary")
        yield Static("", id="retention-clock")
        table: DataTable[Text | str] = DataTable(cursor_type="row", id="retention-table")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name, width in COLUMNS:
            table.add_column(name, width=width)
        table.focus()
        self.action_refresh()

    # -- loading -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Look again (the date or the policy may have changed)."""
        self._review()

    @work(thread=True, exclusive=True, exit_on_error=False, group="retention-review")
    def _review(self) -> None:
        self.post_message(self.Reviewed(retention.review(self.ctx)))

    def on_retention_screen_reviewed(self, message: Reviewed) -> None:
        review = self.review = message.review
        due = {c.reference for c in review.candidates}
        self.ticked &= due
        table = self.query_one(DataTable)
        table.clear()
        for c in review.candidates:
            table.add_row(
                TICK if c.reference in self.ticked else "",
                safe(c.reference, limit=15),
                safe(c.name, limit=20),
                show_date(c.closed_on),
                show_date(c.due_on),
                safe(c.keyworker, limit=10),
                key=c.reference,
            )
        self._summary()
        clock = self.query_one("#retention-clock", Static)
        clock.update(safe(review.clock_message, style="bold yellow"))
        clock.display = bool(review.clock_message)
        self.refresh_bindings()

    def _summary(self) -> None:
        if self.review is None:
            return
        r = self.review
        line = Text(f"Kept {_years(r.years)} after closure · today {show_date(r.today)} · ")
        line.append(f"{len(r.candidates)} past it", style="bold")
        if self.ticked:
            line.append(f" · {len(self.ticked)} ticked")
        elif not r.candidates:
            line.append(" · nothing to do", style="dim")
        self.query_one("#retention-summary", Static).update(line)

    # -- ticking -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim ticking with nothing listed, and erasing with nothing ticked."""
        has_rows = self.review is not None and bool(self.review.candidates)
        if action in ("tick", "toggle_all"):
            return True if has_rows else None
        if action == "purge":
            return True if self.ticked and not self.busy else None
        return True

    def _highlighted_ref(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(row_key.value)

    def _mark(self, ref: str) -> None:
        table = self.query_one(DataTable)
        table.update_cell(ref, table.ordered_columns[0].key, TICK if ref in self.ticked else "")

    def action_tick(self) -> None:
        """Tick or untick the highlighted record."""
        ref = self._highlighted_ref()
        if ref is None:
            return
        self.ticked ^= {ref}
        self._mark(ref)
        self._summary()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#retention-table")
    def _enter_ticks(self) -> None:
        self.action_tick()

    def action_toggle_all(self) -> None:
        """Tick every record, or none if all are ticked."""
        if self.review is None:
            return
        every = {c.reference for c in self.review.candidates}
        self.ticked = set() if self.ticked == every else every
        for ref in every:
            self._mark(ref)
        self._summary()
        self.refresh_bindings()

    # -- purging -------------------------------------------------------------------------

    def action_purge(self) -> None:
        """Erase the ticked records after a typed confirmation (and a clock check)."""
        if not self.ticked or self.review is None or self.busy:
            return
        refs = sorted(self.ticked)
        phrase = retention.confirmation_phrase(len(refs))
        shown = ", ".join(refs[:4]) + (f" and {len(refs) - 4} more" if len(refs) > 4 else "")
        body = Text(f"Erase {len(refs)} record(s) past the retention period: ")
        body.append_text(safe(shown, limit=200))
        body.append(". Each woman and everything attached to her goes; this cannot be undone.")

        def typed(answer: str | None) -> None:
            if answer is None:
                return
            if self.review is not None and not self.review.clock_ok:
                question = Text(self.review.clock_message)
                question.append("\n\nIs today's date really ")
                question.append(show_date(self.review.today), style="bold")
                question.append("?")
                self.app.push_screen(
                    ConfirmModal(question),
                    lambda sure: self._purge(refs, answer, clock_confirmed=True) if sure else None,
                )
                return
            self._purge(refs, answer, clock_confirmed=False)

        self.app.push_screen(TypedConfirmModal("Erase records", body, phrase), typed)

    def _purge(self, refs: list[str], typed: str, *, clock_confirmed: bool) -> None:
        self.busy = True
        self.refresh_bindings()
        self._run_purge(refs, typed, clock_confirmed)

    @work(thread=True, exit_on_error=False, group="retention-purge")
    def _run_purge(self, refs: list[str], typed: str, clock_confirmed: bool) -> None:
        try:
            result = retention.purge(
                self.ctx, refs, confirmation=typed, clock_confirmed=clock_confirmed
            )
        finally:
            self.app.call_from_thread(self._done)
        self.post_message(self.Purged(result))

    def _done(self) -> None:
        self.busy = False
        self.refresh_bindings()

    def on_retention_screen_purged(self, message: Purged) -> None:
        result = message.result
        self.ticked.clear()
        note = f"Erased {len(result.references)} record(s), {result.total} rows in all."
        if not result.scrubbed:
            note += " Close caseapp elsewhere and run caseapp verify to finish clearing it."
        self.notify(note, title="Erased", markup=False)
        self.action_refresh()

    # -- policy --------------------------------------------------------------------------

    def action_policy(self) -> None:
        """Change the retention period."""
        years = self.review.years if self.review else 6

        def changed(result: int | None) -> None:
            if result is not None:
                self.notify(f"Records are now kept {_years(result)} after closure.", markup=False)
                self.action_refresh()

        self.app.push_screen(RetentionPolicyForm(years), changed)

    def action_back(self) -> None:
        """Back to where you came from."""
        self.app.pop_screen()
