"""Resolve a sync conflict with a third value, typed: one field, saved through the service."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.sync.desk import ConflictView, resolve_typed
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput


class ConflictValueForm(FieldForm[tuple[Any]]):
    """The value to keep instead of either side's (saved: a one-tuple, as it may be None)."""

    HELP = (
        "## Another value\n\n"
        "Type the value to keep instead of either side's (empty clears the field). It "
        "closes the conflict here and, with the next sync, on every other store. "
        "**Enter** saves, **Esc** goes back."
    )

    def __init__(self, conflict: ConflictView) -> None:
        title = Text(f"#{conflict.id} ").append_text(safe(conflict.reference, limit=20))
        title.append(f" · {conflict.what}: another value")
        super().__init__(title)
        self.conflict = conflict

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Value", CompactInput(id="conflict-value"), "value")

    def collect(self) -> str:
        return str(self.value("value"))

    def perform(self, data: Any) -> tuple[Any]:
        return (resolve_typed(self.ctx, self.conflict, str(data)),)
