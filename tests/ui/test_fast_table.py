"""FastTable draws what DataTable draws, cell by cell, without measuring; rows swap whole."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable

from caseapp.widgets.fast_table import FastTable
from caseapp.widgets.flag_badges import badges
from caseapp.widgets.safe import safe

CELLS: list[Any] = [
    Text("Jane Smith"),
    Text(""),
    Text("x" * 14),  # exactly fills a 16-wide column with its padding
    Text("y" * 20),  # too long: DataTable's own drawing crops it
    Text("bold red", style="bold red"),
    badges(("marac", "interpreter")),
    Text.assemble(("a", "bold"), "b", ("c", "italic on red")),
    Text("tab\there"),
    Text("双字 wide"),
    Text("right", justify="right"),
    safe("[bold]not markup[/]", limit=16),
    Text("  spaced   "),
    "MIN-2026-00042",
    Text("line\nbreak"),
]
ROWS = [(str(i), (cell, CELLS[-1 - i])) for i, cell in enumerate(CELLS)]


class Pair(App[None]):
    """A DataTable and a FastTable holding the same rows."""

    def compose(self) -> ComposeResult:
        yield DataTable(id="plain", cursor_type="row")
        yield FastTable(id="fast")

    def on_mount(self) -> None:
        plain, fast = self.query_one("#plain", DataTable), self.query_one("#fast", FastTable)
        for table in (plain, fast):
            table.add_column("One", width=16)
            table.add_column("Two", width=16)
        for key, cells in ROWS:
            plain.add_row(*cells, key=key)
        fast.show_rows(ROWS)


async def test_fast_table_draws_every_cell_as_datatable_does() -> None:
    app = Pair()
    async with app.run_test(size=(80, 40)) as pilot:
        app.set_focus(None)  # the cursor is drawn differently in a focused table
        await pilot.pause()
        plain, fast = app.query_one("#plain", DataTable), app.query_one("#fast", FastTable)
        assert fast.row_count == plain.row_count == len(CELLS)
        assert fast.virtual_size == plain.virtual_size
        styles = [Style(), Style(color="white", bgcolor="blue"), Style(bold=True)]
        for row in range(len(CELLS)):
            for column in range(2):
                for base in styles:
                    for cursor, hover in ((False, False), (True, False), (False, True)):
                        ours = fast._render_cell(row, column, base, 16, cursor, hover)
                        theirs = plain._render_cell(row, column, base, 16, cursor, hover)
                        assert ours == theirs, (row, column, base, cursor, hover)
        region = Region(0, 0, 32, len(CELLS) + 1)
        drawn = [list(strip) for strip in fast.render_lines(region)]
        assert drawn == [list(strip) for strip in plain.render_lines(region)]


async def test_show_rows_replaces_keeps_or_appends() -> None:
    app = Pair()
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        fast = app.query_one("#fast", FastTable)
        assert not fast.show_rows(ROWS)  # the same rows: nothing to do
        fast.move_cursor(row=3)
        assert fast.show_rows(ROWS[:5], keep_cursor=True)
        assert fast.row_count == 5 and fast.cursor_row == 3
        assert fast.show_rows(ROWS[5:7])
        assert fast.cursor_row == 0
        assert [str(fast.get_row_at(i)[0]) for i in range(2)] == [str(CELLS[5]), str(CELLS[6])]
        fast.append_rows(ROWS[7:9])
        await pilot.pause()
        assert fast.row_count == 4 and fast.virtual_size.height == 5  # and the header
        assert fast.get_row_index("8") == 3


async def test_the_same_rows_again_change_only_the_cells_that_differ() -> None:
    app = Pair()
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        fast = app.query_one("#fast", FastTable)
        fast.move_cursor(row=4)
        again = list(ROWS)
        assert not fast.show_rows(again)
        again[2] = ("2", (Text(str(CELLS[2]), style="dim italic"), CELLS[-3]))
        assert fast.show_rows(again)  # a style alone is a change
        assert fast.cursor_row == 4 and fast.row_count == len(CELLS)
        assert fast.get_cell_at(Coordinate(2, 0)).style == "dim italic"
        fast.update_cell("3", fast.ordered_columns[1].key, Text("marked"))
        again[3] = ("3", (again[3][1][0], Text("marked")))
        assert not fast.show_rows(again)  # update_cell kept what it compares with in step


LISTED = [
    (str(i), (Text(f"MIN-2026-{i:05d}"), safe(f"Woman {i} Name", limit=16), badges(("marac",))))
    for i in range(30)
]
"""Rows as the caseload lists them: every cell a fitting one-line Text."""


class Tall(App[None]):
    """A DataTable and a FastTable, ten lines each, holding the same fitting rows."""

    CSS = "DataTable { height: 10; }"

    def compose(self) -> ComposeResult:
        yield DataTable(id="plain", cursor_type="row")
        yield FastTable(id="fast")

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            for name in ("Reference", "Name", "Flags"):
                table.add_column(name, width=16)
        self.fill(LISTED)

    def fill(self, rows: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Put `rows` in both tables, the way each is filled."""
        plain, fast = self.query_one("#plain", DataTable), self.query_one("#fast", FastTable)
        plain.clear()
        for key, cells in rows:
            plain.add_row(*cells, key=key)
        fast.show_rows(rows)


def drawn(table: DataTable[Any]) -> list[list[Any]]:
    """Every line the table draws now (all of it redrawn, as after a change)."""
    table.refresh()
    return [list(strip) for strip in table.render_lines(Region(0, 0, 80, 10))]


async def test_kept_lines_follow_cursor_hover_focus_scroll_stripes_and_new_rows() -> None:
    app = Tall()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        plain, fast = app.query_one("#plain", DataTable), app.query_one("#fast", FastTable)

        async def same(why: str) -> None:
            await pilot.pause()
            assert drawn(fast) == drawn(plain), why

        app.set_focus(None)  # each is drawn unfocused but when focused on purpose
        await same("first drawing")
        for table in (plain, fast):
            table.move_cursor(row=3)
        await same("cursor moved")
        app.set_focus(fast)
        await pilot.pause()
        ours = drawn(fast)
        app.set_focus(plain)
        await pilot.pause()
        assert ours == drawn(plain), "focused"
        app.set_focus(None)
        for table in (plain, fast):
            table._show_hover_cursor = True
            table.hover_coordinate = Coordinate(5, 1)
        await same("mouse over a row")
        for table in (plain, fast):
            table.hover_coordinate = Coordinate(-1, 1)
        await same("mouse over the header")
        for table in (plain, fast):
            table.zebra_stripes = True
            table.scroll_to(y=7, animate=False)
        await same("striped and scrolled")
        app.fill(LISTED[10:20])
        await same("other rows")
        app.fill(LISTED)
        await same("the first rows again, from kept lines")
        fast.update_cell("4", fast.ordered_columns[1].key, Text("marked"))
        plain.update_cell("4", plain.ordered_columns[1].key, Text("marked"))
        await same("one cell changed")


async def test_a_new_row_count_in_a_table_of_fixed_height_lays_nothing_else_out() -> None:
    app = Tall()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        fast = app.query_one("#fast", FastTable)
        layouts: list[bool] = []
        refresh_layout = app.screen._refresh_layout

        def counted(*args: Any, **kwargs: Any) -> None:
            layouts.append(True)
            refresh_layout(*args, **kwargs)

        app.screen._refresh_layout = counted  # type: ignore[method-assign]
        fast.scroll_to(y=20, animate=False)
        await pilot.pause()
        assert fast.scroll_y == 20
        fast.show_rows(LISTED[:25])
        await pilot.pause()
        assert not layouts  # only the table was redrawn
        assert fast.virtual_size.height == 26 and fast.show_vertical_scrollbar
        assert fast.max_scroll_y == 26 - 10 and fast.scroll_y <= fast.max_scroll_y
        fast.show_rows(LISTED[:3])
        await pilot.pause()
        assert not fast.show_vertical_scrollbar and fast.scroll_y == 0
        assert layouts  # the scrollbar went: that is laid out
