"""Close her case with a reason, or reopen it (optionally with a new referral)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import CJ_STATUSES, CLOSURE_REASONS, REFERRAL_SOURCES, YES_NO
from caseapp.services.women import close_woman, reopen_woman
from caseapp.services.women_types import ReferralInput, WomanInfo
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import SafeTextArea


class CloseForm(FieldForm[WomanInfo]):
    """Closure reason, date and an optional note."""

    HELP = (
        "## Close her case\n\n"
        "Choose the **reason** (←/→ or type its first letters), the date, and a note if it "
        "helps. Her record, flags and history stay; the case can be reopened."
    )

    def __init__(self, woman_id: int, woman_name: str) -> None:
        super().__init__(Text("Close the case of ").append_text(safe(woman_name, limit=50)))
        self.woman_id = woman_id

    def rows(self) -> Iterable[Widget]:
        yield FieldRow(
            "Reason",
            ChoiceField(CLOSURE_REASONS, blank="Choose a reason", id="close-reason"),
            "reason",
        )
        yield FieldRow("Closed on", DateInput("today", id="close-date"), "closed_on")
        yield FieldRow("Note", SafeTextArea(id="close-note"), "note")

    def collect(self) -> tuple[str | None, str, str]:
        return self.value("reason"), self.value("closed_on"), self.value("note")

    def perform(self, data: Any) -> WomanInfo:
        reason, when, note = data
        return close_woman(self.ctx, self.woman_id, reason, closed_on=when, note=note)


class ReopenForm(FieldForm[WomanInfo]):
    """Reopen her case; a new referral starts her again as referred."""

    HELP = (
        "## Reopen her case\n\n"
        "The date it reopens, and whether she comes back with a **new referral** (then its "
        "date, source and criminal-justice status). Without one she is active again if she "
        "has been seen before."
    )

    def __init__(self, woman_id: int, woman_name: str) -> None:
        super().__init__(Text("Reopen the case of ").append_text(safe(woman_name, limit=50)))
        self.woman_id = woman_id

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Reopened on", DateInput("today", id="reopen-date"), "reopened_on")
        yield FieldRow("New referral", ChoiceField(YES_NO, "no", id="reopen-new"), "new")
        yield FieldRow("Referred on", DateInput("today", id="reopen-referred"), "referral_date")
        yield FieldRow(
            "Source",
            ChoiceField(REFERRAL_SOURCES, blank="Choose a source", id="reopen-source"),
            "source",
        )
        yield FieldRow(
            "CJ status",
            ChoiceField(CJ_STATUSES, blank="Not recorded", id="reopen-cj"),
            "cj_status",
        )

    def collect(self) -> tuple[str, ReferralInput | None]:
        referral = None
        if self.value("new") == "yes":
            referral = ReferralInput(
                referral_date=self.value("referral_date"),
                source=self.value("source"),
                cj_status=self.value("cj_status"),
            )
        return self.value("reopened_on"), referral

    def perform(self, data: Any) -> WomanInfo:
        when, referral = data
        return reopen_woman(self.ctx, self.woman_id, reopened_on=when, referral=referral)
