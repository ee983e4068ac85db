"""Check a whole form at once: every field's problem is collected, then raised together.

Forms show each hint under its own field, so a person sees everything to fix in one go and
nothing she typed is thrown away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, time

from caseapp.errors import ValidationError
from caseapp.services.validation import clean_text, parse_date, show_date

_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$")
DATE_HINT = "Type a date such as 24/11/2026, 2026-11-24, today or yesterday."


class Checker:
    """Collects problems by field; `done()` raises one `ValidationError` naming them all."""

    def __init__(self) -> None:
        self.problems: dict[str, str] = {}

    def fail(self, field: str, hint: str) -> None:
        """Record a problem with `field` (the first one per field wins)."""
        self.problems.setdefault(field, hint)

    def done(self) -> None:
        """Raise if anything was wrong: the message lists each field's hint."""
        if self.problems:
            message = " ".join(
                f"{field.replace('_', ' ').capitalize()}: {hint}"
                for field, hint in self.problems.items()
            )
            raise ValidationError(message, dict(self.problems))

    def text(
        self,
        value: str | None,
        field: str,
        *,
        limit: int = 200,
        multiline: bool = False,
        required: str = "",
    ) -> str:
        """Clean text (no NUL, no lone surrogate, within `limit`); `required` is the hint."""
        try:
            cleaned = clean_text(value, field, limit=limit, multiline=multiline)
        except ValidationError as exc:
            self.fail(field, _hint(str(exc)))
            return ""
        if required and not cleaned:
            self.fail(field, required)
        return cleaned

    def date(
        self,
        value: str | date | None,
        field: str,
        *,
        today: date,
        allow_future: bool = False,
        earliest: date | None = None,
        required: bool = False,
    ) -> date | None:
        """Parse a date typed as 24/11/2026, 2026-11-24, today or yesterday."""
        try:
            result = parse_date(value, field, today=today, allow_future=True)
        except ValidationError as exc:
            hint = DATE_HINT if "type a date" in str(exc) else _hint(str(exc)) + " " + DATE_HINT
            self.fail(field, hint)
            return None
        if result is None:
            if required:
                self.fail(field, DATE_HINT)
            return None
        if not allow_future and result > today:
            self.fail(field, "This date is in the future; type today's date or an earlier one.")
            return None
        if earliest is not None and result < earliest:
            shown = show_date(earliest)
            self.fail(field, f"Type a date on or after {shown}.")
            return None
        return result

    def time(self, value: str | time | None, field: str, *, now: time) -> time | None:
        """Parse a time of day typed as 14:30, 1430, 2:30pm or now; empty means none."""
        if value is None or isinstance(value, time):
            return value
        text = value.strip().lower()
        if not text:
            return None
        if text in ("now", "n"):
            return now
        match = _TIME.match(text)
        hour = minute = -1
        if match:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            if match.group(3) == "pm" and hour < 12:
                hour += 12
            elif match.group(3) == "am" and hour == 12:
                hour = 0
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            self.fail(field, "Type a time such as 14:30, 2:30pm or now.")
            return None
        return time(hour, minute)

    def code(
        self,
        value: str | None,
        codes: Mapping[str, str],
        field: str,
        *,
        required: bool = False,
    ) -> str | None:
        """A code from one of the domain's lists (None when empty and not required)."""
        if value is None or value == "":
            if required:
                self.fail(field, "Choose one of the options.")
            return None
        if value not in codes:
            self.fail(field, "Choose one of the options (unknown code).")
            return None
        return value

    def codes(self, values: Iterable[str], codes: Mapping[str, str], field: str) -> tuple[str, ...]:
        """Several codes from one list, in the list's order, without repeats."""
        chosen = set(values)
        unknown = chosen - set(codes)
        if unknown:
            self.fail(field, "Choose from the options shown (unknown code).")
        return tuple(code for code in codes if code in chosen)

    def integer(
        self,
        value: int | str | None,
        field: str,
        *,
        low: int,
        high: int,
        unit: str = "",
    ) -> int | None:
        """A whole number from `low` to `high`; empty means none."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        suffix = f" {unit}" if unit else ""
        if not text.isdigit() or not low <= int(text) <= high:
            self.fail(field, f"Type a whole number from {low} to {high}{suffix}.")
            return None
        return int(text)


def _hint(message: str) -> str:
    """The part of a validation message after the field name, as a sentence."""
    _field, sep, rest = message.partition(": ")
    text = rest if sep else message
    return text[:1].upper() + text[1:]
