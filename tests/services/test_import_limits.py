"""Hostile files: oversize, zip bombs, unsafe members, XML entities, formulas, bad encodings."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from caseapp.models import Engagement, Woman
from caseapp.services.context import Ctx
from caseapp.services.interchange.read import Limits
from tests.services.import_kit import (
    MINIMAL,
    VALID,
    errors,
    fingerprint,
    minimal_set,
    problems,
    run,
    write_table,
)

SMALL = Limits(file_bytes=4096, total_bytes=16384, members=12, ratio=50, ratio_floor=1024)


def _zip(path: Path, members: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _valid_members() -> dict[str, bytes]:
    return {f"set/{p.name}": p.read_bytes() for p in sorted(VALID.iterdir())}


def _refused(manager: Ctx, path: Path, limits: Limits = SMALL) -> str:
    before = fingerprint(manager.store)
    report = run(manager, path, limits=limits)
    assert not report.ok and not report.committed
    assert fingerprint(manager.store) == before
    return "\n".join(errors(report))


def test_an_oversize_csv_is_refused_before_it_is_read(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_table(folder, "engagements", *([MINIMAL["engagements"]] * 200))
    message = _refused(manager, folder)
    assert "engagements.csv:0: -: is " in message and "the limit is 4,096 bytes" in message


def test_a_zip_bomb_is_refused_by_its_compression_ratio(manager: Ctx, tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"set/engagements.csv": b"0" * 20_000_000})
    message = _refused(manager, bomb, Limits())
    assert "unpacks" in message and "a zip bomb?" in message


def test_declared_sizes_over_the_limits_are_refused(manager: Ctx, tmp_path: Path) -> None:
    big = _zip(tmp_path / "big.zip", {"women.csv": b"x" * 5000}, method=zipfile.ZIP_STORED)
    assert "would be 5,000 bytes unpacked; the limit is 4,096 bytes" in _refused(manager, big)
    lenient = Limits(file_bytes=4096, total_bytes=16384, members=12, ratio=10_000)
    members = {f"set/{name}.csv": b"y" * 3000 for name in ("women", "flags", "outcomes")}
    members |= {f"set/{n}.csv": b"y" * 3000 for n in ("activities", "engagements", "assessments")}
    total = _zip(tmp_path / "total.zip", members)
    message = _refused(manager, total, lenient)
    assert "would be 18,000 bytes unpacked; the limit is 16,384 bytes" in message


def test_too_many_members(manager: Ctx, tmp_path: Path) -> None:
    crowd = _zip(tmp_path / "crowd.zip", {f"set/note{n}.txt": b"" for n in range(13)})
    assert "has 13 members; the limit is 12" in _refused(manager, crowd)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("a/b/women.csv", "a nested or unsafe path"),
        ("../women.csv", "a nested or unsafe path"),
        ("/tmp/women.csv", "a nested or unsafe path"),
        ("set\\women.csv", "a nested or unsafe path"),
        ("set/inner.zip", "an archive inside the archive"),
    ],
)
def test_unsafe_member_names(manager: Ctx, tmp_path: Path, name: str, why: str) -> None:
    archive = _zip(tmp_path / "odd.zip", {**_valid_members(), name: b"woman_ref\n"})
    assert why in _refused(manager, archive, Limits())


def test_symbolic_link_members(manager: Ctx, tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("set/women.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    assert "a symbolic link" in _refused(manager, archive, Limits())


def test_not_a_zip(manager: Ctx, tmp_path: Path) -> None:
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"PK not really")
    assert "fake.zip:0: -: is not a readable zip file" in _refused(manager, fake)


def test_text_that_is_not_utf8(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    (folder / "women.csv").write_bytes(
        "woman_ref,referral_date,first_name\r\nW-1,2025-01-06,Zoë\r\n".encode("latin-1")
    )
    message = _refused(manager, folder)
    assert "women.csv:2: -: is not UTF-8 text (save it as CSV UTF-8)" in message


def test_nul_bytes(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    (folder / "women.csv").write_bytes(
        b"woman_ref,referral_date,first_name\r\nW-1,2025-01-06,A\x00nn\r\n"
    )
    assert "women.csv:2: first_name: contains a NUL character; remove it" in _refused(
        manager, folder
    )


def test_a_cell_larger_than_any_field(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_table(folder, "engagements", {**MINIMAL["engagements"], "note": "n" * 150_000})
    assert "engagements.csv:2: -: cannot be read as CSV (field larger than field limit" in (
        _refused(manager, folder, Limits())
    )


# -- XLSX ------------------------------------------------------------------------------------


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _minimal_sheets() -> dict[str, list[list[object]]]:
    return {table: [list(row), list(row.values())] for table, row in MINIMAL.items()}


def test_formulas_are_kept_as_text(manager: Ctx, tmp_path: Path) -> None:
    sheets = _minimal_sheets()
    sheets["women"][0] += ["first_name", "last_name"]
    sheets["women"][1] += ['=HYPERLINK("http://example.invalid","x")', "=1+1"]
    sheets["engagements"][0] += ["note", "duration_minutes"]
    sheets["engagements"][1] += ["=cmd|' /C calc'!A0", 45]
    report = run(manager, _workbook(tmp_path / "f.xlsx", sheets))
    assert report.ok, problems(report)
    with manager.read() as session:
        woman = session.exec(select(Woman)).one()
        engagement = session.exec(select(Engagement)).one()
    assert (woman.first_name, woman.last_name) == (
        '=HYPERLINK("http://example.invalid","x")',
        "=1+1",
    )
    assert (engagement.note, engagement.duration_minutes) == ("=cmd|' /C calc'!A0", 45)


def test_a_formula_in_a_number_column_is_an_error_not_a_value(manager: Ctx, tmp_path: Path) -> None:
    sheets = _minimal_sheets()
    sheets["outcomes"][1][sheets["outcomes"][0].index("score")] = "=2+1"
    report = run(manager, _workbook(tmp_path / "f.xlsx", sheets))
    assert errors(report) == ['f.xlsx[outcomes]:2: score: "=2+1" is not a whole number']


def _with_part(source: Path, target: Path, part: str, data: bytes) -> Path:
    """Copy a workbook, replacing (or adding) one XML part; every part is compressed."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != part:
                new.writestr(info.filename, old.read(info))
        new.writestr(part, data)
    return target


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>
"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>
"""


@pytest.mark.parametrize(
    ("part", "data"),
    [("xl/sharedStrings.xml", BILLION_LAUGHS), ("xl/worksheets/sheet1.xml", EXTERNAL)],
)
def test_xml_entities_are_refused_before_parsing(
    manager: Ctx, tmp_path: Path, part: str, data: bytes
) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", _minimal_sheets())
    hostile = _with_part(plain, tmp_path / "hostile.xlsx", part, data)
    message = _refused(manager, hostile, Limits())
    assert f"part '{part}' declares a DOCTYPE or ENTITY" in message


def test_utf16_xml_parts_are_refused(manager: Ctx, tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", _minimal_sheets())
    data = '<?xml version="1.0" encoding="UTF-16"?><sst/>'.encode("utf-16")
    hostile = _with_part(plain, tmp_path / "u16.xlsx", "xl/sharedStrings.xml", data)
    assert "is UTF-16 XML" in _refused(manager, hostile, Limits())


def test_unknown_sheets_with_content_are_errors_empty_ones_ignored(
    manager: Ctx, tmp_path: Path
) -> None:
    sheets = _minimal_sheets() | {"Sheet1": []}
    assert run(manager, _workbook(tmp_path / "a.xlsx", sheets), dry_run=True).ok
    sheets["Notes"] = [["how to fill this in"]]
    report = run(manager, _workbook(tmp_path / "b.xlsx", sheets), dry_run=True)
    assert errors(report) == [
        "b.xlsx[Notes]:0: -: is not one of the interchange sheets (women, engagements, "
        "group_sessions, group_attendance, assessments, outcomes, activities, flags)"
    ]


def test_not_a_workbook(manager: Ctx, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    fake.write_bytes(buffer.getvalue())
    assert "fake.xlsx:0: -: cannot be read as an XLSX workbook" in _refused(manager, fake)


def test_an_xlsx_bomb_is_refused(manager: Ctx, tmp_path: Path) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", _minimal_sheets())
    padded = b'<?xml version="1.0"?><sst>' + b" " * 30_000_000 + b"</sst>"
    bomb = _with_part(plain, tmp_path / "bomb.xlsx", "xl/sharedStrings.xml", padded)
    assert "a zip bomb?" in _refused(manager, bomb, Limits())


def test_a_table_given_twice(manager: Ctx, tmp_path: Path) -> None:
    sheets = _minimal_sheets() | {"Women ": _minimal_sheets()["women"]}
    report = run(manager, _workbook(tmp_path / "twice.xlsx", sheets), dry_run=True)
    assert errors(report) == ["twice.xlsx[Women ]:0: -: gives women a second time; give it once"]
