"""A DataTable for lists that change with every keystroke: nothing measured, rows swapped whole.

Textual's `DataTable` measures every cell of every new row (to size auto-width columns), and
`add_row` sets the cursor and wakes the table once per row. Here every column has a fixed
width and every row is one line, so nothing needs measuring: `show_rows` replaces the rows in
one step (and does nothing when they are the same rows), `append_rows` adds a page at the end.
Written against textual 8.2.8 (pinned): it fills the same structures `add_row` fills.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import RenderableType
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets._data_table import Row, RowKey

Cells = tuple[RenderableType, ...]
"""One row's cells, in column order."""


class FastTable(DataTable[Any]):
    """A row-cursor table whose columns all have fixed widths (pass `width=` to `add_column`)."""

    def __init__(self, *, id: str | None = None, cursor_type: str = "row") -> None:
        super().__init__(id=id, cursor_type=cursor_type)  # type: ignore[arg-type]
        self._shown: list[tuple[str, Cells]] = []

    def show_rows(self, rows: Sequence[tuple[str, Cells]], *, keep_cursor: bool = False) -> bool:
        """Replace every row with `rows` ((key, cells) pairs); False when nothing changed.

        The cursor goes back to the top unless `keep_cursor` (then it stays on the same line,
        or the last one).
        """
        if list(rows) == self._shown:
            return False
        row = self.cursor_row
        self.clear()
        self._add(rows)
        if keep_cursor and rows:
            self.move_cursor(row=min(max(row, 0), len(rows) - 1))
        return True

    def append_rows(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """Add rows at the end, keeping the cursor and scroll where they are."""
        self._add(rows)

    def clear(self, columns: bool = False) -> FastTable:
        """Remove every row (and the columns too if asked)."""
        self._shown = []
        super().clear(columns)
        return self

    def _add(self, rows: Iterable[tuple[str, Cells]]) -> None:
        had_rows = bool(self.rows)
        column_keys = [column.key for column in self.ordered_columns]
        index = len(self.rows)
        locations, data, metadata, new = self._row_locations, self._data, self.rows, self._new_rows
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in locations:
                raise ValueError(f"The row key {key!r} is listed twice.")
            locations[row_key] = index
            data[row_key] = dict(zip(column_keys, cells, strict=True))
            metadata[row_key] = Row(row_key, 1)
            new.add(row_key)
            self._shown.append((key, cells))
            index += 1
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = self.cursor_coordinate
        if not had_rows and self.rows and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self.refresh()
        self.check_idle()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Fixed widths and one-line rows: the size follows from the counts, no cell measured.
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        header_height = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values())
        self.virtual_size = Size(width, len(self.rows) + header_height)
