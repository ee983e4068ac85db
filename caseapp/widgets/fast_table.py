"""A DataTable for lists that change with every keystroke: nothing measured, rows swapped whole.

Textual's `DataTable` measures every cell of every new row (to size auto-width columns), and
`add_row` sets the cursor and wakes the table once per row. Here every column has a fixed
width and every row is one line, so nothing needs measuring: `show_rows` replaces the rows in
one step (and does nothing when they are the same rows), `append_rows` adds a page at the end.
A one-line `Text` that fits its column is drawn straight to segments, the same segments Rich's
padding and layering produce in about a seventh of the time (anything else goes through
DataTable's own drawing). Written against textual 8.2.8 (pinned): it fills the same structures
`add_row` fills, and a test compares its drawing with DataTable's cell by cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets._data_table import CellCacheKey, ColumnKey, Row, RowKey

Cells = tuple[RenderableType, ...]
"""One row's cells, in column order."""


class FastTable(DataTable[Any]):
    """A row-cursor table whose columns all have fixed widths (pass `width=` to `add_column`)."""

    def __init__(self, *, id: str | None = None, cursor_type: str = "row") -> None:
        super().__init__(id=id, cursor_type=cursor_type)  # type: ignore[arg-type]
        self._shown: list[tuple[str, Cells]] = []

    def show_rows(self, rows: Sequence[tuple[str, Cells]], *, keep_cursor: bool = False) -> bool:
        """Show `rows` ((key, cells) pairs); False when nothing changed.

        The same keys in the same order only have the cells that differ replaced, and the
        cursor stays. Otherwise every row is replaced and the cursor goes back to the top
        unless `keep_cursor` (then it stays on the same line, or the last one).
        """
        rows = list(rows)
        if [key for key, _cells in rows] == [key for key, _cells in self._shown]:
            return self._update_in_place(rows)
        row = self.cursor_row
        self.clear()
        self._add(rows)
        if keep_cursor and rows:
            self.move_cursor(row=min(max(row, 0), len(rows) - 1))
        return True

    def _update_in_place(self, rows: list[tuple[str, Cells]]) -> bool:
        # The same women in the same order (a mark saved, her row re-read): only the cells
        # that differ are replaced; the cursor and scroll stay where she left them.
        column_keys = [column.key for column in self.ordered_columns]
        changed = False
        for index, ((key, cells), (_key, old)) in enumerate(zip(rows, self._shown, strict=True)):
            for column_key, new_cell, old_cell in zip(column_keys, cells, old, strict=True):
                if not _same(new_cell, old_cell):
                    super().update_cell(key, column_key, new_cell)
                    changed = True
            self._shown[index] = (key, cells)
        return changed

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Any,
        *,
        update_width: bool = False,
    ) -> None:
        """Change one cell (what `show_rows` compares with is kept in step)."""
        super().update_cell(row_key, column_key, value, update_width=update_width)
        index = self._row_locations.get(RowKey(row_key) if isinstance(row_key, str) else row_key)
        column = self._column_locations.get(
            ColumnKey(column_key) if isinstance(column_key, str) else column_key
        )
        if index is not None and column is not None and index < len(self._shown):
            key, cells = self._shown[index]
            self._shown[index] = (key, (*cells[:column], value, *cells[column + 1 :]))

    def set_widths(self, widths: Sequence[int], rows: Sequence[tuple[str, Cells]]) -> bool:
        """Give the columns new fixed widths and show `rows` (cells cut to fit them) instead.

        False, and nothing redrawn, when the widths are the ones the columns already have.
        The cursor stays on the same line.
        """
        columns = self.ordered_columns
        if [column.width for column in columns] == list(widths):
            return False
        for column, width in zip(columns, widths, strict=True):
            column.width = width
        row = self.cursor_row
        self.clear()
        self._add(rows)
        if rows:
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
        # Sized now rather than when the table next idles, so the new rows and any layout
        # they cause reach the screen in one frame, not two.
        self._update_dimensions(())
        self.cursor_coordinate = self.cursor_coordinate
        if not had_rows and self.rows and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self.refresh()
        self.check_idle()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        inner = width - 2 * self.cell_padding
        row_key = self._row_locations.get_key(row_index) if row_index >= 0 else None
        column_key = self._column_locations.get_key(column_index) if column_index >= 0 else None
        cell = None
        if row_key is not None and column_key is not None and self.rows[row_key].height == 1:
            cell = self._data[row_key].get(column_key)
        if row_key is None or column_key is None or not _fits_one_line(cell, inner):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        assert isinstance(cell, Text)
        key: CellCacheKey = (row_key, column_key, base_style, cursor, hover,
                             self._show_hover_cursor, self._update_count,
                             self._pseudo_class_state)  # fmt: skip
        cached = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        meta = Style.from_meta({"row": row_index, "column": column_index})
        pre_style = base_style + meta + component_style
        # As Text renders inside Padding: its own style under its spans, then the padding.
        text = cell
        if cell.style:
            text = Text(cell.plain, spans=[Span(0, len(cell.plain), cell.style), *cell.spans])
        console = self.app.console
        pad = " " * self.cell_padding
        null = Style.null()
        line = [Segment(pad, null)] if pad else []
        line += text.render(console, end="")
        if (used := cell_len(cell.plain)) < inner:
            line.append(Segment(" " * (inner - used), null))
        if pad:
            line.append(Segment(pad, null))
        lines = [list(Segment.apply_style(line, pre_style, post_style))]
        self._cell_render_cache[key] = lines
        return lines

    def _clear_caches(self) -> None:
        # Textual's LRUCache.clear() drops a ring of linked nodes: cyclic garbage holding
        # every drawn cell and line, which only a full collection (tens of ms) frees. With
        # the ring cut first, reference counting frees it all at once, keystroke by keystroke.
        caches: tuple[Any, ...] = (
            self._row_render_cache,
            self._cell_render_cache,
            self._line_cache,
            self._row_renderable_cache,
            self._offset_cache,
            self._ordered_row_cache,
        )
        for cache in caches:
            for node in cache._cache.values():
                node.clear()
        super()._clear_caches()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Fixed widths and one-line rows: the size follows from the counts, no cell measured.
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        header_height = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values())
        self.virtual_size = Size(width, len(self.rows) + header_height)


def share_width(
    widths: Sequence[int], weights: Sequence[int], room: int, *, padding: int = 1
) -> tuple[int, ...]:
    """Column widths filling `room` cells: each at least its own, the spare shared by weight.

    Worked out from the room alone, never from the cells, so a table can follow the window
    without measuring a row. With no spare room the widths are returned as they are.
    """
    spare = room - sum(width + 2 * padding for width in widths)
    total = sum(weights)
    if spare <= 0 or total <= 0:
        return tuple(widths)
    grown = [width + spare * weight // total for width, weight in zip(widths, weights, strict=True)]
    # The cells left over from rounding down go to the column with the most weight.
    grown[max(range(len(weights)), key=lambda i: weights[i])] += spare - sum(
        spare * weight // total for weight in weights
    )
    return tuple(grown)


def _fits_one_line(cell: object, width: int) -> bool:
    """A plain-justified one-line `Text` no wider than `width` (the fast drawing's case)."""
    if type(cell) is not Text or cell.justify not in (None, "default"):
        return False
    plain = cell.plain
    return "\n" not in plain and "\t" not in plain and cell_len(plain) <= width


def _same(a: object, b: object) -> bool:
    """Cells that draw the same (`Text` equality ignores its style and justification)."""
    if isinstance(a, Text) and isinstance(b, Text):
        return (a.plain, a.style, a.spans, a.justify, a.overflow) == (
            b.plain, b.style, b.spans, b.justify, b.overflow
        )  # fmt: skip
    return a == b
