"""The return as CSV: one file per table, every text cell neutralised against formulas."""

from __future__ import annotations

from caseapp.export.files import csv_bytes
from caseapp.export.tables import ReturnDocument


def render(doc: ReturnDocument) -> dict[str, bytes]:
    """File name → CSV bytes for every table of the return (the manifest is written apart)."""
    return {f"{table.name}.csv": csv_bytes(table.header, table.rows) for table in doc.tables}
