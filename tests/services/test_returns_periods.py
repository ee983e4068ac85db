"""Return periods: months, calendar quarters, financial years from 1 April, any two dates."""

from __future__ import annotations

from datetime import date

import pytest

from caseapp.errors import ValidationError
from caseapp.services.returns_periods import (
    containing,
    last_complete,
    months_ending,
    parse_month,
    parse_quarter,
    parse_range,
    parse_year,
)


def test_month() -> None:
    period = parse_month("2024-02")
    assert (period.start, period.end, period.label) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
        "February 2024",
    )


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ],
)
def test_quarters_are_calendar_quarters(text: str, start: date, end: date) -> None:
    period = parse_quarter(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2025", "2025/26"])
def test_financial_year_runs_from_1_april(text: str) -> None:
    period = parse_year(text)
    assert (period.start, period.end, period.label) == (
        date(2025, 4, 1),
        date(2026, 3, 31),
        "2025/26",
    )


def test_any_two_dates_both_included() -> None:
    period = parse_range("31/12/2025", "2026-01-01")
    assert (period.start, period.end) == (date(2025, 12, 31), date(2026, 1, 1))
    assert period.label == "31/12/2025 to 01/01/2026"


@pytest.mark.parametrize(
    "call",
    [
        lambda: parse_month("2026-00"),
        lambda: parse_month("26-10"),
        lambda: parse_quarter("2026Q0"),
        lambda: parse_year("25"),
        lambda: parse_range("2026-10-02", "2026-10-01"),
        lambda: parse_range("", "2026-10-01"),
    ],
)
def test_bad_periods_are_refused(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        call()


def test_stepping_back_and_forward_keeps_the_kind() -> None:
    assert parse_month("2026-01").shifted(-1) == parse_month("2025-12")
    assert parse_quarter("2026Q1").shifted(-1) == parse_quarter("2025Q4")
    assert parse_year("2025").shifted(1) == parse_year("2026")
    week = parse_range("2026-10-01", "2026-10-07")
    assert week.shifted(1) == parse_range("2026-10-08", "2026-10-14")


def test_containing_and_last_complete() -> None:
    today = date(2026, 2, 14)
    assert containing("year", today) == parse_year("2025")
    assert last_complete("month", today) == parse_month("2026-01")
    assert last_complete("quarter", today) == parse_quarter("2025Q4")
    assert last_complete("year", today) == parse_year("2024")


def test_twelve_months_ending() -> None:
    months = months_ending(date(2026, 3, 15))
    assert [m.start for m in (months[0], months[-1])] == [date(2025, 4, 1), date(2026, 3, 1)]
    assert len(months) == 12
