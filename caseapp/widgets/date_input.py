"""A date field that accepts today, yesterday, 24/11/2026 or 2026-11-24 and shows 24/11/2026."""

from __future__ import annotations

from datetime import date

from textual import events

from caseapp.errors import ValidationError
from caseapp.services.validation import parse_date, show_date
from caseapp.widgets.text_fields import CompactInput


class DateInput(CompactInput):
    """Shows what was typed as 24/11/2026 when the cursor leaves it (if it is a date)."""

    def __init__(
        self, value: date | str | None = None, *, id: str | None = None, placeholder: str = ""
    ) -> None:
        text = show_date(value) if isinstance(value, date) else (value or "")
        if text in ("today", "yesterday", "t", "y"):
            text = self._normalise(text)
        super().__init__(
            text,
            placeholder=placeholder or "24/11/2026, today, yesterday",
            id=id,
            max_length=20,
        )

    def _today(self) -> date | None:
        # The signed-in context's clock, the one its services read; before sign-in (None)
        # `parse_date` reads that same installed clock.
        ctx = getattr(self.app, "ctx", None)
        return None if ctx is None else ctx.clock.today()

    def _normalise(self, text: str) -> str:
        try:
            parsed = parse_date(text, today=self._today())
        except ValidationError:
            return text
        return show_date(parsed) if parsed else text

    @property
    def date(self) -> date | None:
        """The date typed, or None when empty or not a date."""
        try:
            return parse_date(self.value, today=self._today())
        except ValidationError:
            return None

    def on_blur(self, _event: events.Blur) -> None:
        """Rewrite `today` or `2026-11-24` as 24/11/2026 so she sees which day it is."""
        shown = self._normalise(self.value.strip())
        if shown != self.value:
            self.value = shown
