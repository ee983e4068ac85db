"""The anonymised return as the writers see it: plain tables and a JSON-ready document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Value = str | int | None


@dataclass(frozen=True)
class Table:
    """One output table: a CSV file or an XLSX sheet (name ≤ 31 characters)."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]


@dataclass(frozen=True)
class ReturnDocument:
    """Everything an export writes, already anonymised; it holds no record-level data.

    `metrics`, `breakdowns` and `suppressed` are the JSON format's members; `tables` are the
    same figures laid out for CSV and XLSX; `manifest` is the manifest without its file list.
    """

    period_from: str
    period_to: str
    metrics: Mapping[str, Any]
    breakdowns: Mapping[str, Any]
    suppressed: tuple[Mapping[str, str], ...]
    tables: tuple[Table, ...]
    manifest: Mapping[str, Any]
