"""Raise a flag (type, reason, date) or clear one with a reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import FLAG_TYPES
from caseapp.services.flags import FlagInfo, clear_flag, raise_flag
from caseapp.services.validation import show_date
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput


def _title(verb: str, name: str) -> Text:
    return Text(verb).append_text(safe(name, limit=50))


class RaiseFlagForm(FieldForm[FlagInfo]):
    """Raise a flag; types already active are not offered."""

    HELP = (
        "## Raise a flag\n\n"
        "Choose the **type** (←/→ or type its first letters), say **why** in a few words, and "
        "the date it applies from (today unless you change it). The flag shows beside her "
        "name everywhere until it is cleared; its history is kept."
    )

    def __init__(self, woman_id: int, woman_name: str, active: Iterable[str] = ()) -> None:
        super().__init__(_title("Raise a flag for ", woman_name))
        self.woman_id = woman_id
        held = set(active)
        self.types = [(code, label) for code, label in FLAG_TYPES.items() if code not in held]

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Type", ChoiceField(self.types, id="flag-type"), "type")
        yield FieldRow(
            "Reason", CompactInput(placeholder="why, in a few words", id="flag-reason"), "reason"
        )
        yield FieldRow("From", DateInput("today", id="flag-date"), "date")

    def collect(self) -> tuple[str | None, str, str]:
        return self.value("type"), self.value("reason"), self.value("date")

    def perform(self, data: Any) -> FlagInfo:
        flag_type, reason, when = data
        return raise_flag(self.ctx, self.woman_id, flag_type or "", reason, raised_on=when)


class ClearFlagForm(FieldForm[FlagInfo]):
    """Clear one of her active flags with a reason."""

    HELP = (
        "## Clear a flag\n\n"
        "Choose which **flag** (←/→), say **why** it no longer applies, and the date. The "
        "flag stays in her history with your reason."
    )

    def __init__(self, woman_name: str, active: Sequence[FlagInfo]) -> None:
        super().__init__(_title("Clear a flag for ", woman_name))
        self.flags = list(active)

    def rows(self) -> Iterable[Widget]:
        options = [
            (str(f.id), f"{FLAG_TYPES.get(f.type, f.type)} (since {show_date(f.raised_on)})")
            for f in self.flags
        ]
        yield FieldRow("Flag", ChoiceField(options, id="clear-flag"), "flag")
        yield FieldRow(
            "Reason",
            CompactInput(placeholder="why it no longer applies", id="clear-reason"),
            "reason",
        )
        yield FieldRow("On", DateInput("today", id="clear-date"), "date")

    def collect(self) -> tuple[int, str, str]:
        return int(self.value("flag")), self.value("reason"), self.value("date")

    def perform(self, data: Any) -> FlagInfo:
        flag_id, reason, when = data
        return clear_flag(self.ctx, flag_id, reason, cleared_on=when)
