"""A DataTable for lists that change with every keystroke: nothing measured, rows swapped whole.

Textual's `DataTable` measures every cell of every new row (to size auto-width columns), and
`add_row` sets the cursor and wakes the table once per row. Here every column has a fixed
width and every row is one line, so nothing needs measuring: `show_rows` replaces the rows in
one step (and does nothing when they are the same rows), `append_rows` adds a page at the end.
A one-line `Text` that fits its column is drawn straight to segments, the same segments Rich's
padding and layering produce in about a seventh of the time (anything else goes through
DataTable's own drawing). A whole line is kept too, by what it shows (her cells, its place, the
cursor and the styles), so a woman listed again on the same line after a keystroke, or a line
the cursor left, is not drawn again; the component styles DataTable looks up for every cell are
looked up once a frame. Written against textual 8.2.8 (pinned): it fills the same structures
`add_row` fills, and a test compares its drawing with DataTable's cell by cell and line by line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual._segment_tools import line_crop
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets._data_table import CellCacheKey, ColumnKey, Row, RowKey

Cells = tuple[RenderableType, ...]
"""One row's cells, in column order."""
KEPT_LINES = 300
"""Drawn lines kept between frames (all dropped past this many): a screenful in a few states.

Each is a few dozen objects the garbage collector walks at every full collection, so few.
"""
KEPT_CELLS = 600
"""Drawn cells kept between frames (all dropped past this many): about a hundred rows."""


class FastTable(DataTable[Any]):
    """A row-cursor table whose columns all have fixed widths (pass `width=` to `add_column`)."""

    def __init__(self, *, id: str | None = None, cursor_type: str = "row") -> None:
        super().__init__(id=id, cursor_type=cursor_type)  # type: ignore[arg-type]
        self._shown: list[tuple[str, Cells]] = []
        self._cells_of: dict[RowKey, Cells] = {}
        # Rows added by DataTable's own methods may be taller or hold anything: drawn its way.
        self._foreign = False
        self._frame: dict[Any, Any] | None = None
        self._lines: dict[tuple[Any, ...], tuple[Cells, Strip]] = {}
        self._drawn_text: dict[int, tuple[Text, int, list[Segment]]] = {}
        self._header: tuple[tuple[Any, ...], Strip] | None = None

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
            self._cells_of[RowKey(key)] = cells
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
            cells = (*cells[:column], value, *cells[column + 1 :])
            self._shown[index] = (key, cells)
            self._cells_of[RowKey(key)] = cells

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
        self._cells_of = {}
        self._foreign = False
        if columns:
            self._header = None
        super().clear(columns)
        return self

    def add_row(self, *cells: Any, **kwargs: Any) -> RowKey:
        """DataTable's own `add_row` (its rows are drawn DataTable's way)."""
        self._foreign = True
        return super().add_row(*cells, **kwargs)

    def remove_row(self, row_key: RowKey | str) -> None:
        """DataTable's own `remove_row` (the rows left are drawn DataTable's way)."""
        self._foreign = True
        super().remove_row(row_key)

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
            self._cells_of[row_key] = cells
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
        line = self._cell_segments(cell, inner)
        lines = [list(Segment.apply_style(line, pre_style, post_style))]
        self._cell_render_cache[key] = lines
        return lines

    def _cell_segments(self, cell: Text, inner: int) -> list[Segment]:
        """A fitting one-line cell as segments, padded, before the row's styles (kept)."""
        kept = self._drawn_text.get(id(cell))
        if kept is not None and kept[0] is cell and kept[1] == inner:
            return kept[2]
        # As Text renders inside Padding: its own style under its spans, then the padding.
        text = cell
        if cell.style:
            text = Text(cell.plain, spans=[Span(0, len(cell.plain), cell.style), *cell.spans])
        pad = " " * self.cell_padding
        null = Style.null()
        line = [Segment(pad, null)] if pad else []
        line += text.render(self.app.console, end="")
        if (used := cell_len(cell.plain)) < inner:
            line.append(Segment(" " * (inner - used), null))
        if pad:
            line.append(Segment(pad, null))
        if len(self._drawn_text) >= KEPT_CELLS:
            self._drawn_text.clear()
        # The cell itself is kept with its drawing, so its id is not reused meanwhile.
        self._drawn_text[id(cell)] = (cell, inner, line)
        return line

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the visible lines (styles looked up once for the whole frame)."""
        self._frame = {}
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        """One line of the table: a kept line when nothing it shows has changed."""
        frame = self._frame
        if (
            frame is None
            or self._foreign
            or self.cursor_type != "row"
            or self.fixed_columns
            or self.fixed_rows
            or self._should_render_row_labels
        ):
            return super().render_line(y)
        if not frame:
            columns = self.ordered_columns
            frame["width"] = self.size.width
            frame["scroll"] = self.scroll_offset
            frame["base"] = self.rich_style
            frame["header"] = self.header_height if self.show_header else 0
            frame["widths"] = tuple(column.get_render_width(self) for column in columns)
        scroll_x, scroll_y = frame["scroll"]
        if y >= frame["header"]:
            y += scroll_y
        return self._line(frame, y, scroll_x, scroll_x + frame["width"])

    def _line(self, frame: dict[Any, Any], y: int, x1: int, x2: int) -> Strip:
        width, base_style, widths = frame["width"], frame["base"], frame["widths"]
        index = y - frame["header"]
        if index < 0:
            return self._header_line(frame, y, x1, x2)
        if index >= len(self._row_locations):
            return super()._render_line(y, x1, x2, base_style)
        row_key = self._row_locations.get_key(index)
        cells = self._cells_of.get(row_key) if row_key is not None else None
        if cells is None:
            return super()._render_line(y, x1, x2, base_style)
        cursor = self.cursor_coordinate.row == index
        hover = self.hover_coordinate.row == index
        row_style = base_style
        if self.zebra_stripes:
            parity = ("row", index % 2)
            if parity not in frame:
                frame[parity] = self._get_row_style(index, base_style)
            row_style = frame[parity]
        if (hover, cursor) not in frame:
            frame[hover, cursor] = self._get_styles_to_render_cell(
                False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
            )  # fmt: skip
        component, post = frame[hover, cursor]
        key = (row_key, id(cells), y, x1, x2, width, base_style, row_style, component, post,
               widths, self.cell_padding)  # fmt: skip
        kept = self._lines.get(key)
        if kept is not None and kept[0] is cells:
            return kept[1]
        segments: list[Segment] = []
        padding = 2 * self.cell_padding
        for column, (cell, render_width) in enumerate(zip(cells, widths, strict=True)):
            if not _fits_one_line(cell, render_width - padding):
                return super()._render_line(y, x1, x2, base_style)
            assert isinstance(cell, Text)
            # The same styles, in the same order, as DataTable's drawing of the cell.
            pre = row_style + Style.from_meta({"row": index, "column": column}) + component
            segments += Segment.apply_style(
                self._cell_segments(cell, render_width - padding), pre, post
            )
        # The row's styling carried to the right edge, as DataTable extends it.
        edge = row_style + component
        edge += Style.from_meta({"row": index, "column": 0, "out_of_bounds": True})
        segments.append(Segment(" " * max(0, width - sum(widths)), edge))
        strip = Strip(line_crop(segments, x1, x2, width)).adjust_cell_length(width, base_style)
        strip = strip.simplify()
        if len(self._lines) >= KEPT_LINES:
            self._lines.clear()
        self._lines[key] = (cells, strip)
        return strip

    def _header_line(self, frame: dict[Any, Any], y: int, x1: int, x2: int) -> Strip:
        # The header changes only with the columns, the styles or the mouse over it.
        base_style = frame["base"]
        if self.hover_coordinate.row == -1:
            return super()._render_line(y, x1, x2, base_style)
        labels = tuple(
            (column.label.plain, column.label.style, tuple(column.label.spans))
            for column in self.ordered_columns
        )
        key = (y, x1, x2, frame["width"], base_style, frame["widths"], labels,
               self.get_component_rich_style("datatable--header"), self.show_cursor,
               self._show_hover_cursor, self._pseudo_class_state, self.cell_padding)  # fmt: skip
        if self._header is not None and self._header[0] == key:
            return self._header[1]
        strip = super()._render_line(y, x1, x2, base_style)
        self._header = (key, strip)
        return strip

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
        size = Size(width, len(self.rows) + header_height)
        height = self.styles.height
        if height is None or height.is_auto or not self.is_mounted or not self.container_size:
            self.virtual_size = size  # the table's own height follows its rows: lay it out
            return
        if size == self.virtual_size:
            return
        # A table of fixed height: a new row count changes nothing around it, so the screen
        # is not laid out again (a tenth of a keystroke); only its scrollbar and scroll are
        # brought up to date, and the scrollbar coming or going still lays it out.
        self.set_reactive(Widget.virtual_size, size)
        self._scroll_update(size)
        self.refresh()


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
