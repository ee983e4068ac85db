"""Writing the return: formats, manifest, export record, identifiers, formulas, unsafe paths."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import col, select

from caseapp.errors import ExportError, PermissionDenied
from caseapp.export import csv_return, xlsx
from caseapp.export.files import FileExists
from caseapp.export.tables import ReturnDocument, Table
from caseapp.models import AuditEvent, ExportEvent
from caseapp.services import returns, settings
from caseapp.services.audit import verify_chain
from caseapp.services.context import Ctx
from caseapp.services.returns_metrics import HEADLINE_CODES
from tests.export import return_sample
from tests.export.return_sample import MARKERS, PERIOD

FORMULAS = ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://example.invalid")')


@pytest.fixture
def sample(manager: Ctx) -> Ctx:
    return_sample.build(manager.store)
    return manager


def all_bytes(paths: list[Path]) -> bytes:
    """Every byte a reader of these files could see (XLSX unzipped)."""
    out = b""
    for path in paths:
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                out += b"".join(archive.read(name) for name in archive.namelist())
        else:
            out += path.read_bytes()
    return out


def export_all(ctx: Ctx, folder: Path) -> list[Path]:
    written: list[Path] = []
    for fmt in returns.FORMATS:
        result = returns.export(ctx, PERIOD, fmt, folder / fmt if fmt == "csv" else folder)
        written.extend([*result.files, result.manifest])
    return written


def test_csv_writes_one_file_per_table_and_a_manifest(sample: Ctx, tmp_path: Path) -> None:
    result = returns.export(sample, PERIOD, "csv", tmp_path / "october")
    names = sorted(p.name for p in (tmp_path / "october").iterdir())
    assert names == sorted([*(p.name for p in result.files), "manifest.json"])
    assert result.manifest.name == "manifest.json"
    headline = (tmp_path / "october" / "headline.csv").read_text("utf-8").splitlines()
    assert headline[0] == "code,label,value"
    assert [line.split(",")[0] for line in headline[1:]] == list(HEADLINE_CODES)


def test_manifest_records_period_rules_files_and_the_audit_head(
    sample: Ctx, tmp_path: Path
) -> None:
    head_before = dict(sample.store.key_file.audit_head)
    result = returns.export(sample, PERIOD, "xlsx", tmp_path / "oct.xlsx", threshold=12)
    manifest = json.loads(result.manifest.read_text("utf-8"))
    assert result.manifest.name == "oct.xlsx.manifest.json"
    assert manifest["period"] == {"from": "2026-10-01", "to": "2026-10-31", "label": "October 2026"}
    assert manifest["provider"] == "Women's Centre"
    assert manifest["generated_by"] == {"role": "manager", "user_id": 1}
    assert manifest["rules"]["threshold"] == 12
    assert manifest["rules"]["threshold_source"] == "given for this export"
    assert manifest["audit_head"] == head_before
    [entry] = manifest["files"]
    data = (tmp_path / "oct.xlsx").read_bytes()
    assert entry == {
        "name": "oct.xlsx",
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    assert manifest["suppressed"], "the sample has small cells"
    assert all(set(item) == {"table", "cell", "label", "reason"} for item in manifest["suppressed"])


def test_every_export_is_recorded_and_audited(sample: Ctx, tmp_path: Path) -> None:
    result = returns.export(sample, PERIOD, "json", tmp_path)
    with sample.read() as session:
        event = session.exec(select(ExportEvent)).one()
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert (event.kind, event.period_from, event.period_to) == (
        "return",
        "2026-10-01",
        "2026-10-31",
    )
    assert event.user_id == 1
    assert event.manifest_sha256 == hashlib.sha256(result.manifest.read_bytes()).hexdigest()
    assert [f["name"] for f in json.loads(event.files)] == [result.target.name]
    assert last is not None and last.action == "return_exported"
    detail = json.loads(last.detail)
    assert detail["format"] == "json" and detail["manifest_sha256"] == event.manifest_sha256
    assert verify_chain(sample.store).ok


def test_json_has_exactly_the_promised_shape(sample: Ctx, tmp_path: Path) -> None:
    result = returns.export(sample, PERIOD, "json", tmp_path / "r.json")
    body = json.loads(result.target.read_text("utf-8"))
    assert list(body) == ["period", "metrics", "breakdowns", "suppressed", "manifest"]
    assert body["period"] == {"from": "2026-10-01", "to": "2026-10-31"}
    outcome_codes = [
        f"outcome_{q}"
        for q in ("felt_safe", "health_wellbeing", "financial_management", "parenting")
    ]
    assert list(body["metrics"]) == [*HEADLINE_CODES, *outcome_codes]
    for code in HEADLINE_CODES:  # a small count of women is "[c]" (6 cases closed here)
        assert type(body["metrics"][code]) is int or body["metrics"][code] == "[c]"
    assert body["metrics"]["cases_closed"] == "[c]"
    for code in outcome_codes:
        assert list(body["metrics"][code]) == ["numerator", "denominator", "percent"]
    assert body["metrics"]["women_supported"] == 40  # each had an attended contact
    assert body["suppressed"] == body["manifest"]["suppressed"]
    assert "files" not in body["manifest"]  # a file cannot hold its own hash: see the sidecar


def test_no_output_holds_a_name_birth_date_reference_phone_postcode_or_note(
    sample: Ctx, tmp_path: Path
) -> None:
    blob = all_bytes(export_all(sample, tmp_path))
    assert blob
    for marker in MARKERS:
        assert marker.encode("utf-8") not in blob, marker


def test_formula_text_is_neutralised_in_csv_and_never_a_formula_in_xlsx(
    sample: Ctx, tmp_path: Path
) -> None:
    settings.set_value(sample, "provider_name", FORMULAS[-1])
    doc = ReturnDocument(
        "2026-10-01",
        "2026-10-31",
        {},
        {},
        (),
        (Table("t", "T", ("=head", "value"), tuple((text, 1) for text in FORMULAS)),),
        {"provider": FORMULAS[-1]},
    )
    text = csv_return.render(doc)["t.csv"].decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0].startswith("'=head")
    for line in lines[1:-1]:
        assert line.lstrip('"').startswith("'"), line
    data = xlsx.render(doc, doc.manifest, sample.clock.utcnow())
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    result = returns.export(sample, PERIOD, "xlsx", tmp_path / "real.xlsx")
    for book_path in (path, result.target):
        book = openpyxl.load_workbook(book_path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    manifest_sheet = openpyxl.load_workbook(result.target)["manifest"]
    provider = [r[1] for r in manifest_sheet.iter_rows(values_only=True) if r[0] == "provider"]
    assert provider == ["'" + FORMULAS[-1]]


def test_a_path_with_dotdot_is_refused_and_nothing_is_written(sample: Ctx, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    for fmt, out in (("xlsx", tmp_path / "a" / ".." / "r.xlsx"), ("csv", tmp_path / "a" / "..")):
        with pytest.raises(ExportError, match=r"\.\."):
            returns.export(sample, PERIOD, fmt, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert list((tmp_path / "a").iterdir()) == []


def test_a_symlink_at_the_target_is_refused_and_its_target_untouched(
    sample: Ctx, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "r.json").symlink_to(elsewhere)
    with pytest.raises(ExportError, match="symbolic link"):
        returns.export(sample, PERIOD, "json", out / "r.json")
    (out / "headline.csv").symlink_to(elsewhere)
    with pytest.raises(ExportError, match="symbolic link"):
        returns.export(sample, PERIOD, "csv", out)
    assert elsewhere.read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == ["headline.csv", "r.json"]


def test_a_missing_folder_is_refused(sample: Ctx, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        returns.export(sample, PERIOD, "xlsx", tmp_path / "no" / "such" / "r.xlsx")
    with pytest.raises(ExportError, match="does not exist"):
        returns.export(sample, PERIOD, "csv", tmp_path / "no" / "such")
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_refused(sample: Ctx, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="read-only"):
            returns.export(sample, PERIOD, "json", folder / "r.json")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_full_disk_leaves_nothing_behind_and_records_nothing(
    sample: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    calls = {"n": 0}

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 5:  # the fifth file of the set cannot be flushed
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr("caseapp.export.files.os.fsync", failing_fsync)
    with pytest.raises(ExportError, match="No space left"):
        returns.export(sample, PERIOD, "csv", tmp_path / "october")
    assert not (tmp_path / "october").exists()
    with sample.read() as session:
        assert session.exec(select(ExportEvent)).all() == []


def test_a_keyworker_is_refused_and_nothing_is_written(
    sample: Ctx, make_user, tmp_path: Path
) -> None:
    keyworker = make_user("kate")
    with pytest.raises(PermissionDenied, match="commissioner's return"):
        returns.export(keyworker, PERIOD, "csv", tmp_path / "october")
    assert not (tmp_path / "october").exists()
    with sample.read() as session:
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert last is not None and last.action == "permission_denied"


def test_an_existing_folder_for_xlsx_gets_a_dated_file_name(sample: Ctx, tmp_path: Path) -> None:
    result = returns.export(sample, PERIOD, "xlsx", tmp_path)
    assert result.target.name == "return-2026-10-01-to-2026-10-31.xlsx"
    assert result.manifest.name == "return-2026-10-01-to-2026-10-31.xlsx.manifest.json"
    assert result.target.exists() and result.manifest.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_an_export_never_overwrites_unless_asked_and_each_file_keeps_its_manifest(
    sample: Ctx, tmp_path: Path
) -> None:
    as_json = returns.export(sample, PERIOD, "json", tmp_path / "ret.json", threshold=12)
    as_xlsx = returns.export(sample, PERIOD, "xlsx", tmp_path / "ret.xlsx", threshold=12)
    assert as_json.manifest != as_xlsx.manifest and as_json.manifest.exists()
    before = as_json.target.read_bytes()
    with pytest.raises(FileExists, match="already there"):
        returns.export(sample, PERIOD, "json", tmp_path / "ret.json", threshold=12)
    assert as_json.target.read_bytes() == before
    again = returns.export(
        sample, PERIOD, "json", tmp_path / "ret.json", threshold=12, overwrite=True
    )
    assert again.manifest == as_json.manifest
