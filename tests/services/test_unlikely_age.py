"""A date of birth making her under 16 or over 110 at referral needs a second look."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseapp.services.context import Ctx
from caseapp.services.women_types import UnlikelyAge
from tests.harness.women import add_woman
from tests.services.import_kit import problems, run, write_table


@pytest.mark.parametrize("born", ["01/02/2015", "01/02/1900"])
def test_the_form_warns_and_a_second_save_confirms(manager: Ctx, born: str) -> None:
    with pytest.raises(UnlikelyAge, match="at referral"):
        add_woman(manager, "Jane", "Smith", born=born)
    assert add_woman(manager, "Jane", "Smith", born=born, confirm_duplicate=True).reference


def test_a_likely_age_needs_no_confirmation(manager: Ctx) -> None:
    assert add_woman(manager, "Jane", "Smith", born="01/02/1990").reference


def test_the_import_report_has_a_line_for_an_unlikely_age(manager: Ctx, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_table(
        folder,
        "women",
        {"woman_ref": "W-1", "referral_date": "2025-01-06", "date_of_birth": "2012-03-04"},
        {"woman_ref": "W-2", "referral_date": "2025-01-06", "date_of_birth": "1990-03-04"},
    )
    report = run(manager, folder)
    assert report.ok and report.committed
    lines = [line for line in problems(report) if "at referral" in line]
    assert lines == [
        "women.csv:2: date_of_birth: makes her 12 at referral (expected 16 to 110): "
        "check the year; imported as given"
    ]
