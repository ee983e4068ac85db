"""Change how many years a record is kept after her case is closed (managers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.services import retention
from caseapp.widgets.text_fields import CompactInput


class RetentionPolicyForm(FieldForm[int]):
    """One field: the retention period in whole years."""

    HELP = (
        "## Retention period\n\n"
        "How many **years after her case is closed** a record is kept before it is listed "
        "for deletion (1 to 100; the DPIA says how long). Nothing is deleted when this "
        "changes: the review lists who is past it and a manager confirms each purge."
    )

    def __init__(self, years: int) -> None:
        super().__init__("Retention period")
        self.years = years

    def rows(self) -> Iterable[Widget]:
        box = CompactInput(str(self.years), "years", id="policy-years", max_length=3)
        yield FieldRow("Years kept", box, "retention_years")

    def collect(self) -> str:
        return str(self.value("retention_years")).strip()

    def perform(self, data: Any) -> int:
        return retention.set_policy(self.ctx, str(data))
