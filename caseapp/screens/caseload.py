"""The caseload: type to search, F-keys to filter and sort, Enter to open a woman.

Each keystroke runs the search in a thread worker and cancels the one before: a search not
yet started never starts, one running is interrupted in SQLite, and a result for text already
typed past is dropped before it reaches the table, so the table only ever shows the latest
thing typed. A search fetches one page (more than fits on screen); moving the cursor near the
end fetches the next. Rows go into a `FastTable` (fixed widths: no cell is measured), and
each woman's cells are kept for the next keystroke that lists her again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import DataTable, Header, Input, Static
from textual.worker import get_current_worker

from caseapp.modals.pick import PickModal
from caseapp.models.codes import BOROUGH_NAMES, WOMAN_STATUSES, label
from caseapp.screens.base import CaseScreen
from caseapp.services import permissions
from caseapp.services.allocation import staff
from caseapp.services.cancel import Cancel, Cancelled
from caseapp.services.caseload import (
    SORTS,
    STATUS_FILTERS,
    UNALLOCATED,
    CaseloadPage,
    CaseloadQuery,
    WomanRow,
    caseload,
)
from caseapp.services.context import Ctx
from caseapp.services.hubs import HubInfo, borough_name, list_hubs
from caseapp.services.validation import show_date
from caseapp.services.women_types import StaffMember
from caseapp.widgets.fast_table import Cells, FastTable, share_width
from caseapp.widgets.flag_badges import badges
from caseapp.widgets.quick_frames import QuickFrames
from caseapp.widgets.quiet_footer import QuietFooter
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import SafeInput

COLUMNS = (
    ("Reference", 14),
    ("Name", 16),
    ("Status", 8),
    ("Hub", 8),
    ("Last contact", 12),
    ("Flags", 8),
)
"""Each column's name and its width at 80 columns, the narrowest window caseapp draws in."""
GROW = (0, 4, 0, 3, 0, 1)
"""How a wider window's spare columns are shared: names first, then hubs and flags."""
WIDTHS = tuple(width for _name, width in COLUMNS)
SCROLLBAR = 2
"""Kept free for the list's scrollbar, so the last column (Flags) is never pushed off."""
PAGE = 50
"""Rows fetched per search: more than fit at 80x24, few enough to fetch and draw at once."""
NEXT_PAGE = 100
"""Rows fetched when the cursor comes within `NEAR_END` rows of the last one listed."""
HOLD_FOR_RESULTS = 0.1
"""Longest a filter's choice holds the screen's paints while its results are read."""
NEAR_END = 10
CELL_CACHE = 400
"""Women whose cells are kept between keystrokes (cleared when it grows past this).

A woman's cells are about twenty objects that every full garbage collection walks: a few
hundred women cover the words being typed without making those collections long.
"""


def column_widths(screen_width: int) -> tuple[int, ...]:
    """The columns' widths in a window `screen_width` wide (no cell is measured)."""
    return share_width(WIDTHS, GROW, screen_width - SCROLLBAR)


def row_cells(row: WomanRow, widths: tuple[int, ...] = WIDTHS) -> Cells:
    """Her line in the caseload table, cut to `widths`; her text is data, never markup."""
    return (
        Text(row.reference),
        safe(row.name, limit=widths[1]),
        Text(label(WOMAN_STATUSES, row.status)),
        safe(row.hub_name, limit=widths[3]),
        Text(show_date(row.last_contact) or "never"),
        badges(row.flags),
    )


class SearchBox(SafeInput):
    """The search box: its text growing never needs the screen laid out again.

    `Input` sets its virtual size from its text on every key, and a widget's virtual size
    asks for a layout of the whole screen, which then redraws every widget (the table too)
    just to echo a letter. The box is one line of fixed width, so a repaint of it is enough.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class CaseloadScreen(QuickFrames, CaseScreen):
    """Women the actor may see, searched as she types."""

    HELP = (
        "## Caseload\n\n"
        "Type part of her **name** or **preferred name**, her **reference** (MIN-2026-00042, "
        "or just 42) or her **date of birth** (24/11/1990). The list narrows as you type. "
        "**↓** moves into the list, **Enter** opens the woman highlighted (from the search "
        "box too).\n\n"
        "**F2** status · **F3** hub · **F4** borough · **F5** keyworker · **F6** sort · "
        "**F7** clear filters · **ctrl+n** new woman · **Esc** back home.\n\n"
        "A keyworker sees her own caseload and women shared with her; a manager sees "
        "everyone in the provider. Last contact is the last contact she attended."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="caseload-back"),
        Binding("f2", "filter_status", "Status", id="caseload-status"),
        Binding("f3", "filter_hub", "Hub", id="caseload-hub"),
        Binding("f4", "filter_borough", "Borough", id="caseload-borough"),
        Binding("f5", "filter_keyworker", "Keyworker", id="caseload-keyworker"),
        Binding("f6", "sort", "Sort", id="caseload-sort"),
        Binding("f7", "clear_filters", "Clear", id="caseload-clear"),
        Binding("ctrl+n", "new_woman", "New", id="caseload-new"),
    ]
    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Filter by status", "filter_status", "Open, referred, active, closed or all (F2)"),
        ("Filter by hub", "filter_hub", "Women at one hub (F3)"),
        ("Filter by borough", "filter_borough", "Women living in one borough (F4)"),
        ("Filter by keyworker", "filter_keyworker", "One keyworker's caseload (F5)"),
        ("Sort the caseload", "sort", "By name, reference, status, last contact or hub (F6)"),
        ("Clear the filters", "clear_filters", "Back to every open case (F7)"),
        ("New woman", "new_woman", "Add a woman with her referral (ctrl+n)"),
    )

    class Found(Message):
        """A search finished."""

        def __init__(self, page: CaseloadPage) -> None:
            super().__init__()
            self.page = page

    class FoundMore(Message):
        """The next page of the current search arrived."""

        def __init__(self, page: CaseloadPage) -> None:
            super().__init__()
            self.page = page

    class Choices(Message):
        """Hubs and staff for the filters arrived."""

        def __init__(self, hubs: list[HubInfo], people: list[StaffMember]) -> None:
            super().__init__()
            self.hubs = hubs
            self.people = people

    def __init__(self) -> None:
        super().__init__()
        self.query_state = CaseloadQuery(limit=PAGE)
        self.page: CaseloadPage | None = None
        self.hubs: list[HubInfo] = []
        self.people: list[StaffMember] = []
        self._cancel = Cancel()
        self._fetching_more = False
        # Enter pressed before the results for what she typed: open once they are in.
        self._open_when_found = False
        self._cells: dict[WomanRow, Cells] = {}
        self._widths = WIDTHS
        self._picking = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield SearchBox(
            placeholder="Type a name, reference or date of birth",
            id="caseload-search",
            max_length=100,
        )
        yield Static("", id="caseload-filters")
        yield FastTable(id="caseload-table")
        yield QuietFooter()

    def on_mount(self) -> None:
        table = self.query_one(FastTable)
        self._widths = column_widths(self.app.size.width)
        for (name, _width), width in zip(COLUMNS, self._widths, strict=True):
            table.add_column(name, width=width)
        self.query_one(Input).focus()
        self._describe()
        self.search()

    def on_screen_resume(self) -> None:
        """Coming back from a woman's record (her row may have changed), or opened again."""
        self._fit(self.app.size.width)  # the window may have changed size meanwhile
        if self._picking:
            # Back from a pick list, which changed nothing: its choice searches if need be.
            self._picking = False
        elif self.page is not None:
            self.search()
            self._choices()  # a hub or a keyworker may have been added meanwhile

    def on_screen_suspend(self) -> None:
        """Left for the home screen: ready the next visit while she is elsewhere."""
        self.release_frames()  # a choice's hold ends with the screen it held
        if self not in self.app.screen_stack and self.case_app.ctx is not None:
            self.fresh()

    def fresh(self) -> None:
        """Nothing typed, no filters, the first woman highlighted: as a first visit finds it.

        Done as she leaves, so the next `c` shows the list at once (the search made on
        resuming leaves rows that have not changed as they are). Rows for another search are
        never shown meanwhile: the table is emptied until the new results come.
        """
        box = self.query_one(SearchBox)
        table = self.query_one(FastTable)
        self._open_when_found = False
        if box.value:
            with box.prevent(Input.Changed):
                box.value = ""
        box.focus()
        fresh = CaseloadQuery(limit=PAGE)
        if self.query_state != fresh:
            self.query_state = fresh
            self.page = None
            table.show_rows([])
            self._describe()
            self.search()  # its first page reads the filters' lists again
            return
        if table.row_count:
            table.move_cursor(row=0)
            table.scroll_home(animate=False)

    def on_unmount(self) -> None:
        """Taken down (at a lock): a search still running is stopped, not left to finish."""
        self._cancel.cancel()

    def on_resize(self, event: events.Resize) -> None:
        """A wider window gives names, hubs and flags more room; a narrower one less."""
        self._fit(event.size.width)

    def _fit(self, screen_width: int) -> None:
        # Only on a resize, never per keystroke: new widths mean every woman's cells are
        # cut again, so the kept cells go and the rows shown are rebuilt once.
        widths = column_widths(screen_width)
        table = self.query_one(FastTable)
        if widths == self._widths or not table.columns:
            return  # unchanged, or not mounted yet (mounting reads the window's width)
        self._widths = widths
        self._cells.clear()
        rows = self._rows(self.page.rows) if self.page is not None else []
        table.set_widths(widths, rows)

    # -- searching -----------------------------------------------------------------------

    @on(Input.Changed, "#caseload-search")
    def _typed(self, event: Input.Changed) -> None:
        self.query_state = replace(self.query_state, search=event.value)
        self.search()

    def search(self) -> None:
        """Run the current query, stopping any search still running for older text."""
        self._cancel.cancel()
        self._cancel = Cancel()
        self._fetching_more = False
        # The context is taken here, on the app's thread: a search started as a lock comes
        # finds none and never starts, rather than failing in its thread (a failed worker's
        # traceback would keep this screen alive after the lock).
        ctx = self.case_app.ctx
        if ctx is not None:
            self._search(ctx, self.query_state, self._cancel)

    def _search_held(self) -> None:
        # A filter chosen: the rows on screen are for the old one and the new ones come in a
        # few ms, so the screen (and the pick list closing over it) is painted once, with them,
        # instead of the old rows drawn again on the way (about a frame's work saved).
        self.hold_frames(HOLD_FOR_RESULTS)
        self.search()

    @work(thread=True, exclusive=True, exit_on_error=False, group="caseload-search")
    def _search(self, ctx: Ctx, query: CaseloadQuery, cancel: Cancel) -> None:
        try:
            page = caseload(ctx, query, cancel=cancel)
        except Cancelled:
            return  # typed past: nothing is built for text she no longer has
        if not cancel.cancelled and not get_current_worker().is_cancelled:
            self.post_message(self.Found(page))

    def on_caseload_screen_found(self, message: Found) -> None:
        if message.page.query != self.query_state:
            return  # an older search finished after a newer keystroke
        self.release_frames()
        self.show_page(message.page)
        if self._open_when_found:
            self._open_when_found = False
            self._open_highlighted()

    def show_page(self, page: CaseloadPage) -> None:
        """Put a page of results in the table (the same rows are left as they are)."""
        first = self.page is None
        # The same search again (back from her record): her line stays highlighted.
        same = not first and self.page is not None and self.page.query == page.query
        self.page = page
        self.query_one(FastTable).show_rows(self._rows(page.rows), keep_cursor=same)
        self._describe()
        if first:
            self._choices()  # after the first rows: the filters' lists can wait a moment
            self.data_shown()  # what the screen holds now lives while she types

    def _rows(self, rows: tuple[WomanRow, ...]) -> list[tuple[str, Cells]]:
        cache = self._cells
        if len(cache) > CELL_CACHE:
            cache.clear()
        shown = []
        for row in rows:
            cells = cache.get(row)
            if cells is None:
                cells = cache[row] = row_cells(row, self._widths)
            shown.append((str(row.id), cells))
        return shown

    @on(DataTable.RowHighlighted, "#caseload-table")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        page = self.page
        if page is None or not page.more or self._fetching_more:
            return
        ctx = self.case_app.ctx
        if ctx is not None and event.cursor_row >= len(page.rows) - NEAR_END:
            self._fetching_more = True
            more = replace(self.query_state, offset=len(page.rows), limit=NEXT_PAGE)
            self._more(ctx, more, self._cancel)

    @work(thread=True, exit_on_error=False, group="caseload-more")
    def _more(self, ctx: Ctx, query: CaseloadQuery, cancel: Cancel) -> None:
        try:
            page = caseload(ctx, query, cancel=cancel)
        except Cancelled:
            return
        if not cancel.cancelled:
            self.post_message(self.FoundMore(page))

    def on_caseload_screen_found_more(self, message: FoundMore) -> None:
        more, page = message.page, self.page
        if page is None or more.query.search_key != self.query_state.search_key:
            return  # the search changed while the next page was read
        if more.query.offset != len(page.rows):
            return
        self._fetching_more = False
        self.page = replace(page, rows=page.rows + more.rows, more=more.more)
        self.query_one(FastTable).append_rows(self._rows(more.rows))
        self._describe()

    def _choices(self) -> None:
        ctx = self.case_app.ctx  # taken on the app's thread, as a search's is
        if ctx is not None:
            self._read_choices(ctx)

    @work(thread=True, exit_on_error=False, group="caseload-choices")
    def _read_choices(self, ctx: Ctx) -> None:
        people = staff(ctx) if ctx.actor.is_manager else []
        self.post_message(self.Choices(list_hubs(ctx, include_inactive=True), people))

    def on_caseload_screen_choices(self, message: Choices) -> None:
        self.hubs, self.people = message.hubs, message.people
        self._describe()

    def _describe(self) -> None:
        q = self.query_state
        hub = next((h.name for h in self.hubs if h.id == q.hub_id), "any")
        keyworker = "any"
        if q.keyworker_id == UNALLOCATED:
            keyworker = "unallocated"
        elif q.keyworker_id is not None:
            keyworker = next((p.name for p in self.people if p.id == q.keyworker_id), "?")
        line = Text(f"{STATUS_FILTERS.get(q.status, q.status).split(' (')[0]}", style="bold")
        line.append(" · hub ")
        line.append_text(safe(hub, limit=16))
        line.append(f" · borough {borough_name(q.borough_code) or 'any'}")
        if self.ctx.actor.is_manager:
            line.append(" · keyworker ")
            line.append_text(safe(keyworker, limit=16))
        line.append(f" · by {q.sort.replace('_', ' ')}")
        if self.page is not None:
            count = len(self.page.rows)
            more = "+" if self.page.more else ""
            noun = "woman" if count == 1 and not more else "women"
            line.append(f" · {count}{more} {noun}", style="dim")
        # One line of fixed height: no layout pass for a new count.
        self.query_one("#caseload-filters", Static).update(line, layout=False)

    # -- moving and opening --------------------------------------------------------------

    @on(Input.Submitted, "#caseload-search")
    def _open_highlighted(self) -> None:
        if self.page is None or self.page.query != self.query_state:
            # Typed ahead of the search: the rows shown are for fewer letters, and the one
            # highlighted may be another woman.
            self._open_when_found = True
            return
        self._open_row(self.query_one(DataTable).cursor_row)

    @on(DataTable.RowSelected, "#caseload-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._open_row(event.cursor_row)

    def _open_row(self, index: int) -> None:
        if self.page is None or not 0 <= index < len(self.page.rows):
            self.notify("Nobody matches; type less, or clear the filters (F7).", markup=False)
            return
        from caseapp.screens.woman import WomanScreen

        self.app.push_screen(WomanScreen(self.page.rows[index].id))

    def on_key(self, event: events.Key) -> None:
        """↓ from the search box moves into the list; typing in the list types in the box."""
        search = self.query_one(Input)
        table = self.query_one(DataTable)
        if event.key == "down" and search.has_focus and table.row_count:
            table.focus()
            event.stop()
        elif event.key == "up" and table.has_focus and table.cursor_row == 0:
            search.focus()
            event.stop()
        elif table.has_focus and event.character and event.is_printable:
            search.focus()
            search.insert_text_at_cursor(event.character)
            event.stop()

    def action_back(self) -> None:
        """Back to the home screen."""
        self.app.pop_screen()

    # -- filters -------------------------------------------------------------------------

    def _pick(self, title: str, options: list[tuple[str, str]], current: str, field: str) -> None:
        def chosen(key: str | None) -> None:
            if key is None:
                return
            value: Any = key
            if field in ("hub_id", "keyworker_id"):
                value = int(key) if key else None
            elif field == "borough_code":
                value = key or None
            self.query_state = replace(self.query_state, **{field: value})
            self._describe()
            self._search_held()

        self._picking = True
        self.app.push_screen(PickModal(title, options, current), chosen)

    def action_filter_status(self) -> None:
        """Choose which cases: open, referred, active, closed or all."""
        self._pick("Show", list(STATUS_FILTERS.items()), self.query_state.status, "status")

    def action_filter_hub(self) -> None:
        """Only women at one hub."""
        options = [("", "Any hub"), *((str(h.id), h.name) for h in self.hubs)]
        current = str(self.query_state.hub_id or "")
        self._pick("Hub", options, current, "hub_id")

    def action_filter_borough(self) -> None:
        """Only women living in one borough."""
        options = [("", "Any borough"), *sorted(BOROUGH_NAMES.items(), key=lambda i: i[1])]
        self._pick("Borough", options, self.query_state.borough_code or "", "borough_code")

    def action_filter_keyworker(self) -> None:
        """Only one keyworker's caseload (managers)."""
        options = [
            ("", "Any keyworker"),
            (str(UNALLOCATED), "Unallocated"),
            *((str(p.id), p.name) for p in self.people),
        ]
        current = (
            "" if self.query_state.keyworker_id is None else str(self.query_state.keyworker_id)
        )
        self._pick("Keyworker", options, current, "keyworker_id")

    def action_sort(self) -> None:
        """Choose the order."""
        self._pick("Sort by", list(SORTS.items()), self.query_state.sort, "sort")

    def action_clear_filters(self) -> None:
        """Back to every open case, by name (the search stays)."""
        self.query_state = CaseloadQuery(search=self.query_state.search, limit=PAGE)
        self._describe()
        self._search_held()

    def action_new_woman(self) -> None:
        """Add a new woman."""
        from caseapp.screens.new_woman import NewWomanScreen

        self.app.push_screen(NewWomanScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keyworker filter is for managers; adding women needs edit rights."""
        ctx = self.case_app.ctx
        if ctx is None:
            # Locked: the footer may still ask while this screen is being replaced.
            return None if action in ("filter_keyworker", "new_woman") else True
        if action == "filter_keyworker":
            return ctx.actor.is_manager
        if action == "new_woman":
            return True if permissions.allowed(ctx, "women.edit") else None
        return True
