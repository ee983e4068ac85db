"""The return as an XLSX workbook: a sheet per table and a manifest sheet, no formulas.

Text is written as explicit string cells after neutralising, so nothing a spreadsheet opens
can run as a formula; characters XML cannot hold are replaced rather than failing the export.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from caseapp.export import manifest as manifest_mod
from caseapp.export.files import neutralise
from caseapp.export.tables import ReturnDocument, Table, Value


def _put(sheet: Worksheet, row: int, column: int, value: Value) -> None:
    if value is None:
        return
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, int) and not isinstance(value, bool):
        cell.value = value
        return
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(neutralise(str(value))))
    cell.value = text
    cell.data_type = "s"  # never "f", whatever the text looks like


def _write_table(sheet: Worksheet, table: Table) -> None:
    for column, heading in enumerate(table.header, start=1):
        _put(sheet, 1, column, heading)
        sheet.cell(row=1, column=column).font = Font(bold=True)
    for row_index, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            _put(sheet, row_index, column, value)
    widths = [len(str(h)) for h in table.header]
    for row in table.rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], min(len(str(value or "")), 60))
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width + 2


def render(doc: ReturnDocument, manifest: Mapping[str, Any], generated_at: datetime) -> bytes:
    """The workbook's bytes; `manifest` is shown on the last sheet."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for table in (*doc.tables, manifest_mod.as_table(manifest)):
        _write_table(book.create_sheet(title=table.name[:31]), table)
    book.properties.creator = "caseapp"
    naive = generated_at.replace(tzinfo=None)  # openpyxl stores UTC without a zone
    book.properties.created = naive
    book.properties.modified = naive
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
