"""The audit log for managers and admins: filter by user, woman, action and dates, page by page."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Header, Input, Static

from caseapp.errors import ValidationError
from caseapp.modals.pick import PickModal
from caseapp.screens.base import CaseScreen
from caseapp.services import audit_log
from caseapp.services.audit_log import AuditEntry, AuditFilter, AuditPage
from caseapp.services.validation import show_date
from caseapp.widgets.fast_table import FastTable
from caseapp.widgets.quiet_footer import QuietFooter
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput

PAGE = 50
"""Entries a page: a few screens. Each page (or filter) is read and drawn on a key press, and
a page of 200 cost three times as long to read and fill as this, with 185 rows off screen."""
COLUMNS = (("No.", 6), ("When (UTC)", 16), ("User", 10), ("Action", 18), ("Woman", 15))
# (input id, placeholder, filter field); widths are in app.tcss
FILTERS = (
    ("audit-user", "user", "username"),
    ("audit-woman", "woman ref", "woman_ref"),
    ("audit-action", "action", "action"),
    ("audit-from", "from date", "date_from"),
    ("audit-to", "to date", "date_to"),
)


def when(entry: AuditEntry) -> str:
    """Its time as people write it, in UTC."""
    return f"{show_date(entry.at.date())} {entry.at:%H:%M}"


class AuditScreen(CaseScreen):
    """Who did what, newest first; nothing here can be changed."""

    HELP = (
        "## Audit log\n\n"
        "Every unlock and failed unlock, lock, record opened or changed (the fields, never "
        "their values), export, import, erasure, user change and refusal, newest first.\n\n"
        "Type in the boxes at the top (**user**, **woman ref**, **action**, **from** and "
        "**to** dates such as 24/11/2026) and press **Enter** to filter. **F3** picks an "
        "action from a list, **F4** a user; **F5** clears the filters. **F7** shows older "
        "entries, **F8** newer. **F2** jumps to the filters, **↓** into the list; the line "
        "under the list explains the highlighted entry.\n\n"
        "The log is tamper-evident: `caseapp verify` checks that no entry has been edited, "
        "removed or reordered."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="audit-back"),
        Binding("f2", "focus_filters", "Filters", id="audit-filters"),
        Binding("f3", "pick_action", "Action", id="audit-pick-action"),
        Binding("f4", "pick_user", "User", id="audit-pick-user"),
        Binding("f5", "clear", "Clear", id="audit-clear"),
        Binding("f7", "older", "Older", id="audit-older"),
        Binding("f8", "newer", "Newer", id="audit-newer"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Audit: filter by action", "pick_action", "Choose one action from the log (F3)"),
        ("Audit: filter by user", "pick_user", "Choose one user from the log (F4)"),
        ("Audit: clear the filters", "clear", "Show every entry again (F5)"),
        ("Audit: older entries", "older", "The next page back in time (F7)"),
        ("Audit: newer entries", "newer", "The page before this one (F8)"),
    )

    class Loaded(Message):
        """A page of entries arrived."""

        def __init__(self, flt: AuditFilter, before: int | None, page: AuditPage) -> None:
            super().__init__()
            self.flt = flt
            self.before = before
            self.page = page

    class ChoicesLoaded(Message):
        """The actions or users in the log arrived, for a pick list."""

        def __init__(self, field: str, values: list[str]) -> None:
            super().__init__()
            self.field = field
            self.values = values

    def __init__(self, *, woman_ref: str = "") -> None:
        super().__init__()
        self.flt = AuditFilter(woman_ref=woman_ref.strip().upper())
        # The cursor for each page shown so far: None is the newest page.
        self.cursors: list[int | None] = [None]
        self.page: AuditPage | None = None
        self.entries: dict[str, AuditEntry] = {}
        self._paging: tuple[bool, bool] | None = None  # older, newer: what the footer offers

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="audit-filter-bar"):
            for widget_id, placeholder, field in FILTERS:
                yield CompactInput(
                    str(getattr(self.flt, field) or ""), placeholder, id=widget_id, max_length=64
                )
        yield Static("", id="audit-status")
        yield FastTable(id="audit-table")
        yield Static("", id="audit-detail")
        yield QuietFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name, width in COLUMNS:
            table.add_column(name, width=width)
        table.focus()
        self.load()

    # -- loading -------------------------------------------------------------------------

    def load(self) -> None:
        """Fetch the current page for the current filter."""
        self._load(self.flt, self.cursors[-1])

    @work(thread=True, exclusive=True, exit_on_error=False, group="audit-load")
    def _load(self, flt: AuditFilter, before: int | None) -> None:
        page = audit_log.query(self.ctx, flt, before=before, limit=PAGE)
        self.post_message(self.Loaded(flt, before, page))

    def on_audit_screen_loaded(self, message: Loaded) -> None:
        if message.flt != self.flt or message.before != self.cursors[-1]:
            return  # superseded by a newer filter or page
        if self.page is None:
            self.data_shown()
        self.page = message.page
        table = self.query_one(FastTable)
        self.entries = {str(entry.seq): entry for entry in message.page.entries}
        # A page goes in at once, unmeasured (fixed widths); only what fits is drawn.
        table.show_rows(
            [
                (
                    key,
                    (
                        Text(key),
                        Text(when(entry)),
                        safe(entry.username or "—", limit=10),
                        safe(entry.action, limit=18),
                        safe(entry.subject_ref, limit=15),
                    ),
                )
                for key, entry in self.entries.items()
            ]
        )
        self._status()
        self._show_detail(table.cursor_row)
        # The footer is drawn again only when Older or Newer comes or goes, not every page.
        paging = (message.page.next_before is not None, len(self.cursors) > 1)
        if paging != self._paging:
            self._paging = paging
            self.refresh_bindings()

    def _status(self, problem: str = "") -> None:
        line = Text()
        if problem:
            line.append_text(safe(problem, style="bold red"))
        else:
            shown = len(self.page.entries) if self.page else 0
            line.append(f"Page {len(self.cursors)} · {shown} entries · newest first")
            if self.flt.is_empty:
                line.append(" · no filter", style="dim")
            if self.page is not None and self.page.next_before is not None:
                line.append(" · F7 older", style="dim")
        # One line of fixed height (app.tcss): no layout pass for new words.
        self.query_one("#audit-status", Static).update(line, layout=False)

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, row: int) -> None:
        table = self.query_one(DataTable)
        detail = Text()
        if 0 <= row < table.row_count:
            key = table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value
            entry = self.entries.get(str(key))
            if entry is not None:
                detail.append(f"#{entry.seq} {when(entry)} UTC · ")
                detail.append_text(safe(entry.username or "no user", limit=30))
                if entry.role:
                    detail.append(f" ({entry.role})")
                detail.append(" · ")
                detail.append_text(safe(entry.action, limit=40))
                if entry.subject_ref:
                    detail.append(" · ")
                    detail.append_text(safe(entry.subject_ref, limit=40))
                if entry.detail:
                    detail.append("\n")
                    detail.append_text(safe(entry.detail, limit=150, style="dim"))
        # Two lines of fixed height: a move down the list does not lay the screen out again.
        self.query_one("#audit-detail", Static).update(detail, layout=False)

    # -- filtering -----------------------------------------------------------------------

    def _typed_filter(self) -> AuditFilter:
        values = {field: self.query_one(f"#{wid}", Input).value for wid, _, field in FILTERS}
        return audit_log.make_filter(**values)

    @on(Input.Submitted)
    def _apply(self) -> None:
        try:
            flt = self._typed_filter()
        except ValidationError as exc:
            self._status(str(exc))
            return
        self._set_filter(flt)
        self.query_one(DataTable).focus()

    def _set_filter(self, flt: AuditFilter) -> None:
        self.flt = flt
        self.cursors = [None]
        self.load()

    def action_focus_filters(self) -> None:
        """Jump to the first filter box."""
        self.query_one(f"#{FILTERS[0][0]}", Input).focus()

    def action_clear(self) -> None:
        """Drop every filter."""
        for wid, _, _ in FILTERS:
            self.query_one(f"#{wid}", Input).value = ""
        self._set_filter(AuditFilter())

    def action_pick_action(self) -> None:
        """Choose the action filter from the actions in the log."""
        self._choices("action")

    def action_pick_user(self) -> None:
        """Choose the user filter from the users in the log."""
        self._choices("username")

    @work(thread=True, exit_on_error=False, group="audit-choices")
    def _choices(self, field: str) -> None:
        lister = audit_log.actions if field == "action" else audit_log.usernames
        values = lister(self.ctx)
        self.post_message(self.ChoicesLoaded(field, values))

    def on_audit_screen_choices_loaded(self, message: ChoicesLoaded) -> None:
        field = message.field
        box_id = next(wid for wid, _, f in FILTERS if f == field)
        options = [("", "any"), *((v, v) for v in message.values)]
        current = getattr(self.flt, field)

        def chosen(key: str | None) -> None:
            if key is None:
                return
            self.query_one(f"#{box_id}", Input).value = key
            self._apply()

        title = "Filter by action" if field == "action" else "Filter by user"
        self.app.push_screen(PickModal(title, options, current), chosen)

    # -- paging --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim Older on the last page and Newer on the first."""
        if action == "older":
            return True if self.page is not None and self.page.next_before is not None else None
        if action == "newer":
            return True if len(self.cursors) > 1 else None
        return True

    def action_older(self) -> None:
        """The next page back in time."""
        if self.page is not None and self.page.next_before is not None:
            self.cursors.append(self.page.next_before)
            self.load()

    def action_newer(self) -> None:
        """Back towards the newest entries."""
        if len(self.cursors) > 1:
            self.cursors.pop()
            self.load()

    def action_back(self) -> None:
        """Back to where you came from."""
        self.app.pop_screen()
