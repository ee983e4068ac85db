"""Import behaviour: all or nothing, dry run, idempotence, the report, the audit record."""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import col, select

from caseapp.errors import PermissionDenied, ValidationError
from caseapp.models import (
    AuditEvent,
    Closure,
    Consent,
    Engagement,
    GroupAttendance,
    Hub,
    Referral,
    Woman,
)
from caseapp.services.context import Ctx
from caseapp.services.interchange import bulk
from caseapp.services.interchange.report import write_report_csv
from caseapp.services.interchange.spec import TABLES
from tests.services.import_kit import (
    MALFORMED,
    MINIMAL,
    VALID,
    copy_valid,
    counts,
    errors,
    fingerprint,
    minimal_set,
    problems,
    run,
    write_table,
)


def _woman(ctx: Ctx, ref: str) -> Woman:
    with ctx.read() as session:
        return session.exec(select(Woman).where(col(Woman.reference) == ref)).one()


def test_valid_set_with_labels_and_british_dates(
    manager: Ctx, make_user: Callable[..., Ctx]
) -> None:
    make_user("kw.amina")
    report = run(manager, VALID)
    assert report.ok, problems(report)
    assert report.committed
    assert [(f.name, f.rows, f.created) for f in report.files] == [
        ("women.csv", 3, 3),
        ("group_sessions.csv", 2, 2),
        ("engagements.csv", 4, 4),
        ("group_attendance.csv", 2, 2),
        ("assessments.csv", 4, 4),
        ("outcomes.csv", 3, 3),
        ("activities.csv", 2, 2),
        ("flags.csv", 2, 2),
    ]
    assert report.new_hubs == ("Brixton Hub", "Hackney Women's Centre")
    first = _woman(manager, "HK-0001")
    assert (first.first_name, first.first_norm, first.preferred_name) == (
        "Siobhán",
        "siobhan",
        "Shiv",
    )
    assert first.date_of_birth == date(1988, 3, 14)
    assert (first.ethnicity, first.sexual_orientation, first.borough_code) == (
        "white_irish",
        "heterosexual",
        "E09000012",
    )
    assert first.keyworker_id is not None and first.status == "active"
    third = _woman(manager, "HK-0003")
    assert third.keyworker_id == first.keyworker_id  # KW.AMINA matched case-insensitively
    assert third.hub_id == first.hub_id  # hub name matched whatever its case
    assert third.borough_code == "E09000002"  # "Barking"
    second = _woman(manager, "HK-0002")
    assert (second.status, second.closed_on, second.closure_reason) == (
        "closed",
        date(2025, 9, 30),
        "goals_met",
    )
    assert (second.nationality, second.pregnant, second.disability) == (
        "foreign",
        "yes",
        "prefer_not_to_say",
    )
    with manager.read() as session:
        referral = session.exec(select(Referral).where(col(Referral.woman_id) == first.id)).one()
        assert (referral.referral_date, referral.source, referral.cj_status) == (
            date(2025, 1, 6),
            "probation",
            "community_order",
        )
        assert session.exec(
            select(col(Consent.given_on)).where(col(Consent.woman_id) == first.id)
        ).one() == date(2025, 1, 6)
        assert session.exec(select(Closure.reason)).all() == ["goals_met"]
        assert len(session.exec(select(Hub)).all()) == 2


def test_hostile_content_is_stored_as_given(manager: Ctx) -> None:
    assert run(manager, VALID).ok
    jane = _woman(manager, "HK-0002")
    assert jane.first_name == "[bold red]Jane[/]"
    assert jane.last_name == '=HYPERLINK("http://example.invalid")'  # a formula, kept as text
    with manager.read() as session:
        notes = session.exec(select(Engagement.note).order_by(col(Engagement.id))).all()
    assert "Safety planning.\nBooked GP." in notes
    assert "-5 pounds owed; \x1b[2J cleared" in notes


def test_unknown_keyworker_and_hub_are_reported_not_fatal(manager: Ctx) -> None:
    report = run(manager, VALID)
    assert report.ok
    warnings = problems(report)
    assert (
        'women.csv:2: keyworker: no user called "kw.amina"; rows naming her are left without one'
        in [w.removeprefix("") for w in warnings]
    )
    assert (
        'women.csv:2: hub: no hub called "Hackney Women\'s Centre"; the import adds it' in warnings
    )
    assert _woman(manager, "HK-0001").keyworker_id is None


def test_malformed_set_writes_nothing(manager: Ctx) -> None:
    before = fingerprint(manager.store)
    report = run(manager, MALFORMED)
    assert not report.ok and not report.committed
    # Every bad line is named, with its column.
    assert [(p.file, p.line, p.column) for p in report.errors] == [
        ("engagements.csv", 2, "time"),
        ("engagements.csv", 3, "duration_minutes"),
        ("engagements.csv", 3, "type"),
        ("engagements.csv", 3, "woman_ref"),
        ("flags.csv", 2, "cleared_on"),
        ("group_attendance.csv", 2, "session_ref"),
        ("outcomes.csv", 1, "score"),
        ("women.csv", 1, "favourite_colour"),
        ("women.csv", 2, "date_of_birth"),
        ("women.csv", 3, "borough"),
        ("women.csv", 3, "date_of_birth"),
        ("women.csv", 3, "referral_source"),
        ("women.csv", 4, "ethnicity"),
        ("women.csv", 4, "referral_date"),
        ("women.csv", 4, "woman_ref"),
        ("women.csv", 5, "closed_date"),
        ("women.csv", 5, "woman_ref"),
        ("women.csv", 6, "closed_date"),
        ("women.csv", 6, "referral_date"),
    ]
    assert fingerprint(manager.store) == before


def test_one_bad_row_in_the_last_file_writes_nothing(manager: Ctx, tmp_path: Path) -> None:
    folder = copy_valid(tmp_path / "in")
    with (folder / "flags.csv").open("a", newline="") as handle:
        csv.writer(handle).writerow(["HK-0002", "marac", "31/04/2025", "", "", ""])
    before = fingerprint(manager.store)
    report = run(manager, folder)
    assert errors(report) == ['flags.csv:4: raised_on: "31/04/2025" is not a real date']
    assert report.headline().startswith("Import refused: 1 problem(s)")
    assert fingerprint(manager.store) == before


def test_a_failure_while_writing_rolls_everything_back(
    manager: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bulk.insert_rows
    calls = 0

    def failing(conn, model, rows, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if model is Engagement:
            raise OSError("disk full")
        return real(conn, model, rows, **kwargs)

    monkeypatch.setattr("caseapp.services.interchange.loader.insert_rows", failing)
    before = fingerprint(manager.store)
    with pytest.raises(OSError):
        run(manager, VALID)
    assert calls > 1  # women and sessions had been inserted when it failed
    assert fingerprint(manager.store) == before


def test_dry_run_counts_what_a_real_run_creates(manager: Ctx) -> None:
    before = fingerprint(manager.store)
    dry = run(manager, VALID, dry_run=True)
    assert dry.ok and not dry.committed
    assert (
        dry.headline()
        == "Would create 22 record(s); skipped 0 identical (dry run: nothing was written)."
    )
    assert fingerprint(manager.store) == before
    real = run(manager, VALID)
    assert [f.created for f in real.files] == [f.created for f in dry.files]
    assert real.headline() == "Created 22 record(s); skipped 0 identical."


def test_importing_twice_adds_nothing_twice(manager: Ctx) -> None:
    assert run(manager, VALID).ok
    after_first = counts(manager.store)
    second = run(manager, VALID)
    assert second.ok
    assert [(f.created, f.skipped, f.matched) for f in second.files] == [
        (0, 0, 3),
        (0, 0, 2),
        (0, 4, 0),
        (0, 2, 0),
        (0, 4, 0),
        (0, 3, 0),
        (0, 2, 0),
        (0, 2, 0),
    ]
    assert second.headline() == "Created 0 record(s); skipped 17 identical; matched 5 already held."
    again = counts(manager.store)
    assert {t: again[t] for t in again if t != "auditevent"} == {
        t: after_first[t] for t in after_first if t != "auditevent"
    }


def test_only_new_rows_are_added_on_a_later_run(manager: Ctx, tmp_path: Path) -> None:
    folder = copy_valid(tmp_path / "in")
    assert run(manager, folder).ok
    with (folder / "engagements.csv").open("a", newline="") as handle:
        csv.writer(handle).writerow(
            [
                "HK-0003",
                "2025-03-19",
                "14:00",
                "one_to_one",
                "attended",
                "45",
                "",
                "",
                "ACC",
                "",
                "",
            ]
        )
    report = run(manager, folder)
    engagements = next(f for f in report.files if f.name == "engagements.csv")
    assert (engagements.created, engagements.skipped) == (1, 4)


def test_identical_rows_in_one_file_count_as_a_multiset(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_table(folder, "engagements", MINIMAL["engagements"], MINIMAL["engagements"])
    first = run(manager, folder)
    assert next(f for f in first.files if f.name == "engagements.csv").created == 2
    second = run(manager, folder)
    assert next(f for f in second.files if f.name == "engagements.csv").skipped == 2
    with manager.read() as session:
        assert len(session.exec(select(Engagement)).all()) == 2


def test_a_matched_woman_is_left_as_she_is(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", women={"first_name": "Ann"})
    assert run(manager, folder).ok
    minimal_set(folder, women={"first_name": "Anne"})
    report = run(manager, folder)
    assert report.files[0].matched == 1
    assert _woman(manager, "W-1").first_name == "Ann"


def test_a_different_register_entry_is_reported_and_left(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    assert run(manager, folder).ok
    write_table(folder, "group_attendance", {**MINIMAL["group_attendance"], "attendance": "late"})
    report = run(manager, folder)
    assert report.ok
    assert (
        'group_attendance.csv:2: attendance: she is already on this register as "attended"; '
        "left as it is" in problems(report)
    )
    with manager.read() as session:
        assert session.exec(select(GroupAttendance.attendance)).one() == "attended"


def test_status_follows_her_records(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", engagements={"attendance": "did_not_attend"})
    write_table(
        folder, "group_attendance", {**MINIMAL["group_attendance"], "attendance": "did_not_attend"}
    )
    assert run(manager, folder).ok
    assert _woman(manager, "W-1").status == "referred"
    write_table(folder, "engagements", {**MINIMAL["engagements"], "date": "2025-03-01"})
    assert run(manager, folder).ok
    assert _woman(manager, "W-1").status == "active"


def test_the_import_is_audited_with_names_hashes_and_counts(manager: Ctx) -> None:
    assert run(manager, VALID).ok
    with manager.read() as session:
        event = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "data_imported")
        ).one()
    detail = json.loads(event.detail)
    assert detail["source"] == "valid"
    files = {f["name"]: f for f in detail["files"]}
    assert set(files) == {f"{t}.csv" for t in TABLES}
    for name, entry in files.items():
        assert entry["sha256"] == hashlib.sha256((VALID / name).read_bytes()).hexdigest()
    assert files["engagements.csv"]["rows"] == 4
    assert event.username == "mgr"
    # Field values never reach the log.
    assert "Siobh" not in event.detail and "HK-0001" not in event.detail


def test_dry_runs_and_refusals_leave_no_audit_entry(manager: Ctx) -> None:
    before = fingerprint(manager.store)
    run(manager, VALID, dry_run=True)
    run(manager, MALFORMED)
    assert fingerprint(manager.store) == before


def test_keyworkers_may_not_import(make_user: Callable[..., Ctx]) -> None:
    keyworker = make_user("kw.beth")
    with pytest.raises(PermissionDenied):
        run(keyworker, VALID)
    with keyworker.read() as session:
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert last is not None and last.action == "permission_denied"


def test_paths_that_are_not_sources(manager: Ctx, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        run(manager, tmp_path / "nowhere")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValidationError, match="give a folder of CSV files"):
        run(manager, tmp_path / "notes.txt")


def test_a_zip_of_the_folder(manager: Ctx, tmp_path: Path) -> None:
    archive = tmp_path / "caseload.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(VALID.iterdir()):
            zf.write(path, f"caseload/{path.name}")
    report = run(manager, archive)
    assert report.ok, problems(report)
    assert sum(f.created for f in report.files) == 22
    with manager.read() as session:
        detail = json.loads(
            session.exec(
                select(AuditEvent.detail).where(col(AuditEvent.action) == "data_imported")
            ).one()
        )
    names = [f["name"] for f in detail["files"]]
    assert "caseload.zip" in names and "women.csv" in names


def test_a_single_csv_file(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    report = run(manager, folder / "women.csv")
    assert report.ok and [f.name for f in report.files] == ["women.csv"]


def test_an_xlsx_workbook(manager: Ctx, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for path in sorted(VALID.iterdir()):
        sheet = book.create_sheet(path.stem)
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle):
                # A worksheet cannot hold control characters at all (the CSV tests cover them).
                sheet.append([cell.replace("\x1b", "") for cell in row])
    book["women"]["K2"] = date(2025, 1, 6)  # referral_date as a real spreadsheet date
    book["women"]["U2"] = 2  # dependent_children as a number
    target = tmp_path / "caseload.xlsx"
    book.save(target)
    report = run(manager, target)
    assert report.ok, problems(report)
    assert report.files[0].name == "caseload.xlsx[women]"
    assert sum(f.created for f in report.files) == 22
    assert _woman(manager, "HK-0001").dependent_children == 2
    # The workbook's formula-looking text is data.
    assert _woman(manager, "HK-0002").last_name == '=HYPERLINK("http://example.invalid")'


def test_progress_is_reported(manager: Ctx) -> None:
    seen: list[tuple[str, int, int]] = []
    run(manager, VALID, progress=lambda label, done, total: seen.append((label, done, total)))
    assert ("engagements.csv", 4, 4) in seen


def test_report_lines_and_csv(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", women={"ethnicity": "=1+2"})
    (folder / "=cmd.csv").write_text("a\n1\n")
    report = run(manager, folder)
    lines = report.lines()
    assert lines[0] == "Import refused: 2 problem(s) in in. Nothing was written."
    assert "  women.csv: 1 row(s)" in lines
    assert any(
        line.startswith('women.csv:2: ethnicity: "=1+2" is not a known ethnicity') for line in lines
    )
    out = tmp_path / "report.csv"
    write_report_csv(report, out)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["severity", "file", "line", "column", "problem"]
    assert ["error", "'=cmd.csv", "0", "", rows[1][4]] == rows[1]
    assert rows[2][:4] == ["error", "women.csv", "2", "ethnicity"]
    assert rows[-1][0] == "summary"


def test_report_shows_control_characters_visibly(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", women={"ethnicity": "\x1b]0;owned\x07"})
    text = "\n".join(run(manager, folder).lines())
    assert "\x1b" not in text and "\x07" not in text
    assert "␛]0;owned␇" in text


def test_a_woman_added_while_the_files_are_checked_stops_the_import(
    manager: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caseapp.services.interchange import load

    real_check = load.check

    def check_then_someone_adds_her(*args, **kwargs):  # type: ignore[no-untyped-def]
        checked = real_check(*args, **kwargs)
        with manager.write() as session:  # another manager, at the same moment
            session.add(Woman(reference="W-1", first_name="Other"))
        return checked

    monkeypatch.setattr(load, "check", check_then_someone_adds_her)
    folder = minimal_set(tmp_path / "in")
    with pytest.raises(ValidationError, match="changed while they were checked"):
        run(manager, folder)
    with manager.read() as session:
        assert session.exec(select(Woman.first_name)).all() == ["Other"]
