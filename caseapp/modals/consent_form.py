"""Record her consent (what she agreed to) or record that she withdrew it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.widget import Widget

from caseapp.modals.field_form import FieldForm, FieldRow
from caseapp.models.codes import YES_NO
from caseapp.services.consent import ConsentInfo, ConsentInput, record_consent, withdraw_consent
from caseapp.services.validation import show_date
from caseapp.widgets.choice import ChoiceField
from caseapp.widgets.date_input import DateInput
from caseapp.widgets.safe import safe
from caseapp.widgets.text_fields import CompactInput


class ConsentForm(FieldForm[ConsentInfo]):
    """What she agreed to, and when."""

    HELP = (
        "## Record consent\n\n"
        "Record what she agreed to: **support** from the service, **processing** her data, "
        "and **sharing** with named agencies (name them). Yes/No: ←/→ or type y or n. The "
        "privacy-notice version defaults to the store's current one."
    )

    def __init__(self, woman_id: int, woman_name: str) -> None:
        super().__init__(Text("Record consent for ").append_text(safe(woman_name, limit=50)))
        self.woman_id = woman_id

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Given on", DateInput("today", id="consent-date"), "given_on")
        yield FieldRow("Support", ChoiceField(YES_NO, "yes", id="consent-service"), "service")
        yield FieldRow(
            "Her data",
            ChoiceField(YES_NO, "yes", id="consent-data"),
            "data_processing",
        )
        yield FieldRow("Sharing", ChoiceField(YES_NO, "no", id="consent-sharing"), "sharing")
        yield FieldRow(
            "Agencies",
            CompactInput(placeholder="who she agreed to share with", id="consent-agencies"),
            "sharing_agencies",
        )
        yield FieldRow(
            "Notice version",
            CompactInput(placeholder="the store's current version", id="consent-version"),
            "privacy_notice_version",
        )

    def collect(self) -> ConsentInput:
        return ConsentInput(
            given_on=self.value("given_on"),
            service=self.value("service") == "yes",
            data_processing=self.value("data_processing") == "yes",
            sharing=self.value("sharing") == "yes",
            sharing_agencies=self.value("sharing_agencies"),
            privacy_notice_version=self.value("privacy_notice_version"),
        )

    def perform(self, data: Any) -> ConsentInfo:
        return record_consent(self.ctx, self.woman_id, data)


class WithdrawConsentForm(FieldForm[ConsentInfo]):
    """Record that she withdrew her current consent."""

    HELP = (
        "## Withdraw consent\n\n"
        "Record the date she withdrew her consent and, if she said, why. The record of the "
        "consent itself is kept."
    )

    def __init__(self, woman_name: str, consent: ConsentInfo) -> None:
        super().__init__(
            Text("Withdraw consent given ")
            .append(show_date(consent.given_on))
            .append(" by ")
            .append_text(safe(woman_name, limit=40))
        )
        self.consent = consent

    def rows(self) -> Iterable[Widget]:
        yield FieldRow("Withdrawn on", DateInput("today", id="withdraw-date"), "withdrawn_on")
        yield FieldRow(
            "Reason", CompactInput(placeholder="optional", id="withdraw-reason"), "reason"
        )

    def collect(self) -> tuple[str, str]:
        return self.value("withdrawn_on"), self.value("reason")

    def perform(self, data: Any) -> ConsentInfo:
        when, reason = data
        return withdraw_consent(self.ctx, self.consent.id, reason, withdrawn_on=when)
