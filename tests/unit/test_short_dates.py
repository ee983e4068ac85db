"""Dates typed in a form may be short: 1/12/26 (UK short year) and 1/12 (this year)."""

from __future__ import annotations

from datetime import date

import pytest

from caseapp.errors import ValidationError
from caseapp.services.validation import parse_date, read_date

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/12/26", date(2026, 12, 1)),
        ("01/12/26", date(2026, 12, 1)),
        ("1/12", date(2026, 12, 1)),
        ("24/11", date(2026, 11, 24)),
        ("1/2/90", date(1990, 2, 1)),  # a date of birth: last century
        ("1/2/36", date(2036, 2, 1)),  # ten years ahead is still this century
        ("1/2/37", date(1937, 2, 1)),
    ],
)
def test_short_forms_in_a_form(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["31/2", "30/02/26", "1/13"])
def test_a_short_date_that_is_no_day_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="not a real date"):
        parse_date(text, today=TODAY)


def test_files_still_take_only_the_two_long_forms() -> None:
    assert read_date("1/12/26") is None and read_date("1/12") is None
