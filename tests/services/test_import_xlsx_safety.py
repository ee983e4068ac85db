"""Workbooks: macros are refused whatever the file is called; formulas come in as text, named."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook
from sqlmodel import col, select

from caseapp.models import Woman
from caseapp.services.context import Ctx
from tests.services.import_kit import errors, problems, run


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "women"
    sheet.append(["woman_ref", "first_name", "referral_date"])
    sheet.append(["W-1", "=1+1", "2025-01-06"])
    sheet.append(["W-2", "Amira", "2025-01-06"])
    book.save(path)
    return path


def test_a_formula_cell_is_imported_as_its_text_and_named_in_the_report(
    manager: Ctx, tmp_path: Path
) -> None:
    report = run(manager, _workbook(tmp_path / "women.xlsx"))
    assert report.ok and report.committed
    assert "women.xlsx[women]:2: first_name: cell B2 held a formula; imported as its text" in (
        problems(report)
    )
    with manager.read() as session:
        names = set(session.exec(select(col(Woman.first_name))))
    assert names == {"=1+1", "Amira"}


def test_a_workbook_with_macros_is_refused_whatever_its_name(manager: Ctx, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 64)
    report = run(manager, path)
    assert not report.committed
    assert any("contains macros (vbaProject.bin)" in line for line in errors(report))
