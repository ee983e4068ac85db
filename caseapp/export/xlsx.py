"""The return as an XLSX workbook: a sheet per table and a manifest sheet, no formulas.

Every sheet starts with a title row naming the table, the period and the provider (a sheet
copied out of the workbook still says what it is); a `percent` column holds numbers in a
percentage format (67 is written 0.67, shown 67%), so it sorts and sums as a percentage.

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


PERCENT_FORMAT = "0%"


def _write_table(sheet: Worksheet, table: Table, title: str) -> None:
    _put(sheet, 1, 1, title)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=12)
    for column, heading in enumerate(table.header, start=1):
        _put(sheet, 2, column, heading)
        sheet.cell(row=2, column=column).font = Font(bold=True)
    percent = {i for i, heading in enumerate(table.header, start=1) if heading == "percent"}
    for row_index, row in enumerate(table.rows, start=3):
        for column, value in enumerate(row, start=1):
            if column in percent and isinstance(value, int) and not isinstance(value, bool):
                cell = sheet.cell(row=row_index, column=column)
                cell.value = value / 100
                cell.number_format = PERCENT_FORMAT
                continue
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
    provider = str(manifest.get("provider") or "")
    for table in (*doc.tables, manifest_mod.as_table(manifest)):
        title = f"{table.title} · {doc.period_from} to {doc.period_to}"
        if provider:
            title += f" · {provider}"
        _write_table(book.create_sheet(title=table.name[:31]), table, title)
    book.properties.creator = "caseapp"
    naive = generated_at.replace(tzinfo=None)  # openpyxl stores UTC without a zone
    book.properties.created = naive
    book.properties.modified = naive
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
