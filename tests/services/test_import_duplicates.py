"""The import report names every incoming woman who may be someone held or listed above."""

from __future__ import annotations

from pathlib import Path

from caseapp.services.context import Ctx
from tests.harness.women import add_woman
from tests.services.import_kit import problems, run, write_table


def test_import_reports_look_alike_duplicates_of_held_women_and_within_the_file(
    manager: Ctx, tmp_path: Path
) -> None:
    held = add_woman(manager, "Jane", "Smith", born="01/02/1990")
    folder = tmp_path / "in"
    folder.mkdir()
    base = {"referral_date": "2025-01-06"}
    write_table(
        folder,
        "women",
        {**base, "woman_ref": "W-1", "first_name": "Jаne", "last_name": "Smith",
         "date_of_birth": "1990-02-01"},
        {**base, "woman_ref": "W-2", "first_name": "Amira", "last_name": "Khan",
         "date_of_birth": "1985-05-05"},
        {**base, "woman_ref": "W-3", "first_name": "KHAN", "last_name": "Amira\u200b",
         "date_of_birth": "1985-05-05"},
        {**base, "woman_ref": "W-4", "first_name": "Amira", "last_name": "Khan",
         "date_of_birth": "1985-05-06"},
    )  # fmt: skip
    report = run(manager, folder)
    assert report.ok and report.committed
    lines = problems(report)
    assert any(
        line.startswith("women.csv:2: first_name:") and f"as {held.reference} already held" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("women.csv:4: first_name:") and "as W-2 on line 3 of this file" in line
        for line in lines
    ), lines
    assert not any("W-4" in line for line in lines)
    assert sum(f.created for f in report.files) == 4  # nothing merged
