"""Export names that Windows reserves or that hide characters are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseapp.errors import ExportError
from caseapp.export.files import check_out_file

REFUSED = [
    ("CON", "reserves for a device"),
    ("aux.csv", "reserves for a device"),
    ("com1.xlsx", "reserves for a device"),
    ("LPT9.json", "reserves for a device"),
    ("Nul .txt", "reserves for a device"),
    ("report\u202etxt.csv", "control or invisible"),
    ("a\x1bb.csv", "control or invisible"),
    ("x\u200b.csv", "control or invisible"),
    ("tab\there.csv", "control or invisible"),
    ("name.", "ends in a dot"),
]


@pytest.mark.parametrize(("name", "why"), REFUSED)
def test_reserved_or_disguised_names_are_refused(tmp_path: Path, name: str, why: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ExportError, match=why):
        check_out_file(out / name)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("name", ["return-2025.csv", "console.csv", "auxiliary.xlsx", "Zoë.json"])
def test_ordinary_names_pass(tmp_path: Path, name: str) -> None:
    assert check_out_file(tmp_path / name) == tmp_path.resolve() / name
