"""Return periods: calendar months, calendar quarters, financial years and any two dates.

Every period includes both of its end dates. Quarters are calendar quarters (2026Q3 is
July to September 2026), because that is how the command line and the commissioner's
quarterly monitoring name them; the financial year runs from 1 April (`--year 2025` is
1 April 2025 to 31 March 2026).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from caseapp.errors import ValidationError
from caseapp.services.validation import parse_date, show_date

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})(?:/\d{2}|-\d{2})?$")

KINDS = ("month", "quarter", "year", "range")


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive span of dates and how it was chosen (kind: month, quarter, year, range)."""

    start: date
    end: date
    kind: str = "range"

    @property
    def label(self) -> str:
        """A short human name: "October 2026", "2026 Q3", "2025/26", or the two dates."""
        if self.kind == "month":
            return self.start.strftime("%B %Y")
        if self.kind == "quarter":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start.year}/{(self.start.year + 1) % 100:02d}"
        return f"{show_date(self.start)} to {show_date(self.end)}"

    @property
    def span(self) -> str:
        """The two dates, the British way."""
        return f"{show_date(self.start)}–{show_date(self.end)}"

    def shifted(self, steps: int) -> Period:
        """The period `steps` periods later (earlier when negative), of the same kind."""
        if self.kind == "month":
            return month_period(*_add_months(self.start.year, self.start.month, steps))
        if self.kind == "quarter":
            year, mon = _add_months(self.start.year, self.start.month, 3 * steps)
            return quarter_period(year, (mon - 1) // 3 + 1)
        if self.kind == "year":
            return financial_year(self.start.year + steps)
        length = (self.end - self.start).days + 1
        return Period(
            self.start + timedelta(days=length * steps),
            self.end + timedelta(days=length * steps),
            "range",
        )


def _add_months(year: int, month: int, steps: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + steps
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> date:
    next_year, next_month = _add_months(year, month, 1)
    return date(next_year, next_month, 1) - timedelta(days=1)


def month_period(year: int, month: int) -> Period:
    """A calendar month."""
    if not 1 <= month <= 12 or not 1900 <= year <= 9998:
        raise ValidationError(f"{year}-{month:02d} is not a month.", {"month": "YYYY-MM"})
    return Period(date(year, month, 1), _month_end(year, month), "month")


def quarter_period(year: int, quarter: int) -> Period:
    """A calendar quarter: Q1 January–March ... Q4 October–December."""
    if not 1 <= quarter <= 4 or not 1900 <= year <= 9998:
        raise ValidationError(f"{year}Q{quarter} is not a quarter.", {"quarter": "YYYYQn"})
    first = 3 * (quarter - 1) + 1
    return Period(date(year, first, 1), _month_end(year, first + 2), "quarter")


def financial_year(start_year: int) -> Period:
    """The financial year from 1 April `start_year` to 31 March of the next year."""
    if not 1900 <= start_year <= 9998:
        raise ValidationError(f"{start_year} is not a year.", {"year": "YYYY"})
    return Period(date(start_year, 4, 1), date(start_year + 1, 3, 31), "year")


def date_range(start: date, end: date) -> Period:
    """Any two dates, both included."""
    if end < start:
        raise ValidationError(
            f"The period ends ({show_date(end)}) before it starts ({show_date(start)}).",
            {"to": "on or after the start"},
        )
    return Period(start, end, "range")


def parse_month(text: str) -> Period:
    """`2026-10` → October 2026."""
    match = _MONTH.match(text.strip())
    if not match:
        raise ValidationError(f"{text!r}: give a month as YYYY-MM, e.g. 2026-10.")
    return month_period(int(match.group(1)), int(match.group(2)))


def parse_quarter(text: str) -> Period:
    """`2026Q3` → the calendar quarter July–September 2026."""
    match = _QUARTER.match(text.strip())
    if not match:
        raise ValidationError(f"{text!r}: give a quarter as YYYYQn, e.g. 2026Q3 (July–September).")
    return quarter_period(int(match.group(1)), int(match.group(2)))


def parse_year(text: str) -> Period:
    """`2025` (or `2025/26`) → the financial year 1 April 2025 – 31 March 2026."""
    match = _YEAR.match(text.strip())
    if not match:
        raise ValidationError(f"{text!r}: give the year the financial year starts, e.g. 2025.")
    return financial_year(int(match.group(1)))


def parse_range(start: str, end: str) -> Period:
    """Two dates typed as 2026-10-01 or 01/10/2026, both included."""
    first = parse_date(start, "from")
    last = parse_date(end, "to")
    if first is None or last is None:
        raise ValidationError("Give both dates of the period.", {"from": "date", "to": "date"})
    return date_range(first, last)


def containing(kind: str, day: date) -> Period:
    """The period of `kind` (month, quarter or year) that contains `day`."""
    if kind == "month":
        return month_period(day.year, day.month)
    if kind == "quarter":
        return quarter_period(day.year, (day.month - 1) // 3 + 1)
    if kind == "year":
        return financial_year(day.year if day.month >= 4 else day.year - 1)
    raise ValidationError(f"Unknown kind of period {kind!r}.")


def last_complete(kind: str, today: date) -> Period:
    """The latest month, quarter or financial year that ended before `today`."""
    return containing(kind, today).shifted(-1)


def months_ending(end: date, count: int = 12) -> tuple[Period, ...]:
    """The `count` calendar months up to and including the month of `end`, oldest first."""
    last = month_period(end.year, end.month)
    return tuple(last.shifted(step) for step in range(1 - count, 1))
