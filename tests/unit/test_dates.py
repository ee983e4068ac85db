"""One reading of typed dates: every place that takes DD/MM/YYYY or YYYY-MM-DD agrees."""

from __future__ import annotations

from datetime import date

import pytest

from caseapp.errors import ValidationError
from caseapp.services import caseload
from caseapp.services.interchange.cells import Cells
from caseapp.services.interchange.checked import Bad
from caseapp.services.validation import parse_date, read_date

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24/11/2026", date(2026, 11, 24)),
        ("2026-11-24", date(2026, 11, 24)),
        ("1/2/2026", date(2026, 2, 1)),
        ("2026-2-1", date(2026, 2, 1)),
        ("24-11-2026", None),
        ("2026/11/24", None),
        ("24/11/26", None),
        ("Ama", None),
    ],
)
def test_read_date_takes_the_two_forms_only(text: str, expected: date | None) -> None:
    assert read_date(text) == expected


def test_a_day_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError):
        read_date("31/02/2026")


@pytest.mark.parametrize("text", ["24/11/2026", "2026-11-24", "1/2/2026", "31/02/2026", "Ama"])
def test_forms_search_and_import_read_a_date_alike(text: str) -> None:
    try:
        expected = read_date(text)
    except ValueError:
        expected = None
    try:
        typed = parse_date(text, today=TODAY)
    except ValidationError:
        typed = None
    assert typed == expected
    assert caseload._exact_date(text) == expected
    try:
        imported = Cells.to_date(text)
    except Bad:
        imported = None
    assert imported == expected
