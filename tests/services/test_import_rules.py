"""Every rule of docs/interchange.md, one at a time: a bad cell gives `file:line: column: what`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlmodel import col, select

from caseapp.models import (
    Activity,
    Assessment,
    AssessmentItem,
    Engagement,
    GroupAttendance,
    GroupSession,
    Outcome,
    Referral,
    Woman,
)
from caseapp.services.context import Ctx
from caseapp.services.interchange.cells import code_lookup
from caseapp.services.interchange.spec import COLUMNS, REQUIRED, TABLES
from tests.services.import_kit import (
    MINIMAL,
    errors,
    minimal_set,
    problems,
    run,
    write_csv,
    write_table,
)


def _only_error(manager: Ctx, folder: Path) -> str:
    report = run(manager, folder, dry_run=True)
    found = errors(report)
    assert len(found) == 1, found
    return found[0]


def test_the_minimal_set_is_valid(manager: Ctx, tmp_path: Path) -> None:
    report = run(manager, minimal_set(tmp_path / "in"))
    assert report.ok, problems(report)
    assert [f.created for f in report.files] == [1] * 8


# -- shape: headers, columns, files -----------------------------------------------------------


def test_headers_match_case_insensitively_after_trimming(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_csv(folder, "women.csv", [["  WOMAN_REF ", "Referral_Date"], ["W-1", "2025-01-06"]])
    assert run(manager, folder).ok


def test_column_order_does_not_matter(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_csv(folder, "women.csv", [["referral_date", "woman_ref"], ["2025-01-06", "W-1"]])
    assert run(manager, folder).ok
    with manager.read() as session:
        assert session.exec(select(Woman.reference)).all() == ["W-1"]


def test_unknown_column_is_an_error(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_table(folder, "women", {**MINIMAL["women"], "frist_name": "Ann"})
    line = _only_error(manager, folder)
    assert line.startswith("women.csv:1: frist_name: unknown column; women.csv has: woman_ref,")


def test_a_column_twice_is_an_error(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_csv(
        folder,
        "women.csv",
        [["woman_ref", "referral_date", "Woman_Ref"], ["W-1", "2025-01-06", "W-1"]],
    )
    assert _only_error(manager, folder) == "women.csv:1: Woman_Ref: this column appears twice"


@pytest.mark.parametrize(
    ("table", "column"), [(t, c) for t in TABLES for c in COLUMNS[t] if c in REQUIRED[t]]
)
def test_missing_required_column(manager: Ctx, tmp_path: Path, table: str, column: str) -> None:
    folder = minimal_set(tmp_path / "in")
    row = {c: v for c, v in MINIMAL[table].items() if c != column}
    write_table(folder, table, row)
    report = run(manager, folder, dry_run=True)
    assert f"{table}.csv:1: {column}: required column is missing" in errors(report)


@pytest.mark.parametrize(("table", "column"), [("women", "referral_date"), ("engagements", "type")])
def test_empty_required_value(manager: Ctx, tmp_path: Path, table: str, column: str) -> None:
    folder = minimal_set(tmp_path / "in", **{table: {column: ""}})
    assert _only_error(manager, folder) == f"{table}.csv:2: {column}: required; it is empty"


def test_unknown_file_is_an_error_other_files_are_ignored(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_csv(folder, "engagement.csv", [["woman_ref"], ["W-1"]])
    (folder / "README.txt").write_text("notes for the person moving the data")
    line = _only_error(manager, folder)
    assert line.startswith("engagement.csv:0: -: is not one of the interchange files (women.csv,")


def test_byte_order_mark_and_quoted_fields(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    (folder / "women.csv").write_bytes(
        b"\xef\xbb\xbfwoman_ref,referral_date,safe_contact_note\r\n"
        b'W-1,2025-01-06,"Text only, ""never"" call;\r\nsecond line"\r\n'
        b"W-2,2025-13-01,\r\n"
    )
    report = run(manager, folder, dry_run=True)
    # The second record starts on line 4: the quoted note spans lines 2 and 3.
    assert errors(report) == ['women.csv:4: referral_date: "2025-13-01" is not a real date']
    header = ["woman_ref", "referral_date", "safe_contact_note"]
    write_csv(folder, "women.csv", [header, ["W-1", "2025-01-06", 'Text only, "never" call;\r\nx']])
    assert run(manager, folder).ok
    with manager.read() as session:
        note = session.exec(select(Woman.safe_contact_note)).one()
    assert note == 'Text only, "never" call;\r\nx'


def test_extra_cells_beyond_the_header(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_csv(folder, "women.csv", [["woman_ref", "referral_date"], ["W-1", "2025-01-06", "x"]])
    assert _only_error(manager, folder) == "women.csv:2: -: has 3 cells; the header has 2"


def test_blank_rows_are_ignored(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_csv(
        folder, "women.csv", [["woman_ref", "referral_date"], ["", ""], ["W-1", "2025-01-06"]]
    )
    report = run(manager, folder)
    assert report.ok and report.files[0].rows == 1


def test_empty_file_needs_a_header(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    (folder / "activities.csv").write_bytes(b"")
    assert "activities.csv:1: -: is empty; it needs a header row" in errors(
        run(manager, folder, dry_run=True)
    )


# -- dates and times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2025-01-06", date(2025, 1, 6)),
        ("06/01/2025", date(2025, 1, 6)),
        ("6/1/2025", date(2025, 1, 6)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_dates_iso_and_british(manager: Ctx, tmp_path: Path, given: str, expected: date) -> None:
    folder = minimal_set(tmp_path / "in", women={"referral_date": given})
    assert run(manager, folder).ok
    with manager.read() as session:
        assert session.exec(select(col(Referral.referral_date))).one() == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("30/02/2025", '"30/02/2025" is not a real date'),
        ("2025-02-30", '"2025-02-30" is not a real date'),
        ("29/02/2025", '"29/02/2025" is not a real date'),
        ("06-01-2025", '"06-01-2025" is not a date; write YYYY-MM-DD or DD/MM/YYYY'),
        ("2025/01/06", '"2025/01/06" is not a date; write YYYY-MM-DD or DD/MM/YYYY'),
        ("yesterday", '"yesterday" is not a date; write YYYY-MM-DD or DD/MM/YYYY'),
        ("2026-11-25", '"2026-11-25" is in the future'),
    ],
)
def test_bad_dates(manager: Ctx, tmp_path: Path, given: str, message: str) -> None:
    folder = minimal_set(tmp_path / "in", engagements={"date": given})
    assert _only_error(manager, folder) == f"engagements.csv:2: date: {message}"


def test_future_date_of_birth(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", women={"date_of_birth": "2030-05-01"})
    assert _only_error(manager, folder) == (
        'women.csv:2: date_of_birth: "2030-05-01": a date of birth cannot be today or in the future'
    )


def test_date_of_birth_after_referral(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", women={"date_of_birth": "2025-02-01"})
    assert _only_error(manager, folder) == (
        "women.csv:2: date_of_birth: is not before the referral date"
    )


@pytest.mark.parametrize("given", ["24:00", "9.30", "12:60", "noon"])
def test_bad_times(manager: Ctx, tmp_path: Path, given: str) -> None:
    folder = minimal_set(tmp_path / "in", engagements={"time": given})
    assert _only_error(manager, folder).startswith("engagements.csv:2: time: ")


def test_recorded_at_is_a_date_and_time_kept_in_utc(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", outcomes={"recorded_at": "2025-01-09T10:30:00+01:00"})
    assert run(manager, folder).ok
    with manager.read() as session:
        assert session.exec(select(col(Outcome.recorded_at))).one() == datetime(
            2025, 1, 9, 9, 30, tzinfo=UTC
        )


@pytest.mark.parametrize("table", ["outcomes", "assessments"])
def test_a_bad_recorded_at_is_refused(manager: Ctx, tmp_path: Path, table: str) -> None:
    folder = minimal_set(tmp_path / "in", **{table: {"recorded_at": "half past nine"}})
    assert _only_error(manager, folder) == (
        f'{table}.csv:2: recorded_at: "half past nine" is not a date and time; '
        "write YYYY-MM-DDTHH:MM:SS"
    )


def test_times(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", engagements={"time": "9:05"})
    assert run(manager, folder).ok
    with manager.read() as session:
        assert session.exec(select(col(Engagement.time))).one() == time(9, 5)


# -- codes and labels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "given", "stored"),
    [
        ("ethnicity", "white_irish", "white_irish"),
        ("ethnicity", "White: Irish", "white_irish"),
        ("ethnicity", "WHITE: IRISH", "white_irish"),
        ("disability", "Prefer not to say", "prefer_not_to_say"),
        ("nationality", "foreign", "foreign"),
        ("nationality", "UK national", "uk"),
        ("pregnant", "Yes", "yes"),
        ("closure_reason", "Moved away", "moved_away"),
        ("borough", "Hackney", "E09000012"),
        ("borough", "E09000012", "E09000012"),
        ("borough", "Barking", "E09000002"),
        ("borough", "Kensington", "E09000020"),
        ("borough", "london borough of camden", "E09000007"),
    ],
)
def test_codes_or_labels(
    manager: Ctx, tmp_path: Path, column: str, given: str, stored: str
) -> None:
    row = {column: given}
    if column == "closure_reason":
        row["closed_date"] = "2025-06-01"
    folder = minimal_set(tmp_path / "in", women=row)
    report = run(manager, folder)
    assert report.ok, problems(report)
    field = {"borough": "borough_code"}.get(column, column)
    with manager.read() as session:
        assert session.exec(select(getattr(Woman, field))).one() == stored


@pytest.mark.parametrize(
    ("table", "column", "given"),
    [
        ("women", "ethnicity", "BAME"),
        ("women", "borough", "Gotham"),
        ("women", "referral_source", "postman"),
        ("women", "cj_status", "probably"),
        ("women", "nationality", "british"),
        ("women", "pregnant", "maybe"),
        ("engagements", "type", "tea_party"),
        ("engagements", "attendance", "absent"),
        ("engagements", "delivery", "carrier pigeon"),
        ("engagements", "need_areas", "MH;XYZ"),
        ("group_sessions", "status", "postponed"),
        ("group_attendance", "attendance", "absent"),
        ("assessments", "kind", "midpoint"),
        ("assessments", "need_area", "Housing"),
        ("assessments", "level", "severe"),
        ("outcomes", "question", "happiness"),
        ("activities", "type", "bake_sale"),
        ("flags", "type", "vip"),
    ],
)
def test_unknown_codes(manager: Ctx, tmp_path: Path, table: str, column: str, given: str) -> None:
    folder = minimal_set(tmp_path / "in", **{table: {column: given}})
    line = _only_error(manager, folder)
    assert line.startswith(f"{table}.csv:2: {column}: ")
    assert "not a known" in line or "not a London borough" in line


@pytest.mark.parametrize("given", ["cancelled_by_woman", "Cancelled by us", "late"])
def test_a_register_takes_every_attendance_value(manager: Ctx, tmp_path: Path, given: str) -> None:
    folder = minimal_set(tmp_path / "in", group_attendance={"attendance": given})
    assert run(manager, folder).ok
    with manager.read() as session:
        stored = session.exec(select(GroupAttendance.attendance)).one()
    assert stored == {"Cancelled by us": "cancelled_by_service"}.get(given, given)


def test_a_label_naming_two_codes_is_ambiguous() -> None:
    lookup = code_lookup({"a": "Other", "b": "Other", "c": "Only"})
    assert lookup["other"] is None
    assert lookup["only"] == "c"
    assert lookup["a"] == "a"


def test_need_areas_codes_or_labels_separated_by_semicolons(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(
        tmp_path / "in", engagements={"need_areas": "mh; Domestic abuse and violence;MH"}
    )
    assert run(manager, folder).ok
    with manager.read() as session:
        assert session.exec(select(Engagement.need_areas)).one() == "MH;DA"


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "given", "message"),
    [
        ("women", "dependent_children", "two", '"two" is not a whole number'),
        ("women", "dependent_children", "-1", "-1 is out of range (0 to 30)"),
        ("engagements", "duration_minutes", "1.5", '"1.5" is not a whole number'),
        ("group_sessions", "anonymous_attendees", "-2", "-2 is out of range (0 to 10000)"),
        ("assessments", "score", "0", "0 is out of range (1 to 10)"),
        ("assessments", "score", "11", "11 is out of range (1 to 10)"),
        ("outcomes", "score", "6", "6 is out of range (1 to 5)"),
        ("activities", "sessions", "0", "0 is out of range (1 to 10000)"),
    ],
)
def test_numbers(
    manager: Ctx, tmp_path: Path, table: str, column: str, given: str, message: str
) -> None:
    folder = minimal_set(tmp_path / "in", **{table: {column: given}})
    assert _only_error(manager, folder) == f"{table}.csv:2: {column}: {message}"


def test_defaults(manager: Ctx, tmp_path: Path) -> None:
    assert run(manager, minimal_set(tmp_path / "in")).ok
    with manager.read() as session:
        group = session.exec(select(GroupSession)).one()
        assert (group.status, group.anonymous_attendees) == ("held", 0)
        assert session.exec(select(GroupAttendance.attendance)).one() == "attended"
        activity = session.exec(select(Activity)).one()
        assert (activity.sessions, activity.participants) == (1, 0)


# -- rows, references, duplicates ----------------------------------------------------------------


def test_closure_needs_date_and_reason(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", women={"closure_reason": "goals_met"})
    assert _only_error(manager, folder) == (
        "women.csv:2: closed_date: required with a closure_reason"
    )
    folder = minimal_set(tmp_path / "in2", women={"closed_date": "2025-03-01"})
    assert _only_error(manager, folder) == (
        "women.csv:2: closure_reason: required with a closed_date"
    )
    folder = minimal_set(
        tmp_path / "in3", women={"closed_date": "2024-03-01", "closure_reason": "other"}
    )
    assert _only_error(manager, folder) == "women.csv:2: closed_date: is before the referral date"


def test_flag_cleared_before_raised(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", flags={"cleared_on": "2025-01-01"})
    assert _only_error(manager, folder) == "flags.csv:2: cleared_on: is before raised_on"


def test_references_must_exist(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(
        tmp_path / "in",
        engagements={"woman_ref": "W-9"},
        group_attendance={"session_ref": "S-9"},
    )
    assert errors(run(manager, folder, dry_run=True)) == [
        'engagements.csv:2: woman_ref: "W-9" is not in women.csv or in the store',
        'group_attendance.csv:2: session_ref: "S-9" is not in group_sessions.csv or in the store',
    ]


def test_references_to_records_already_in_the_store(manager: Ctx, tmp_path: Path) -> None:
    assert run(manager, minimal_set(tmp_path / "first")).ok
    later = tmp_path / "later"
    write_table(later, "engagements", {**MINIMAL["engagements"], "date": "2025-02-02"})
    write_table(later, "group_attendance", {"session_ref": "S-1", "woman_ref": "W-2"})
    write_table(later, "women", {"woman_ref": "W-2", "referral_date": "2025-02-01"})
    report = run(manager, later)
    assert report.ok, problems(report)
    assert [f.created for f in report.files] == [1, 1, 1]


def test_duplicate_references(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_table(
        folder,
        "women",
        MINIMAL["women"],
        {"woman_ref": "W-2", "referral_date": "2025-01-06"},
        {"woman_ref": "W-1", "referral_date": "not a date"},
    )
    write_table(folder, "group_sessions", MINIMAL["group_sessions"], MINIMAL["group_sessions"])
    assert errors(run(manager, folder, dry_run=True)) == [
        'group_sessions.csv:3: session_ref: "S-1" is already on line 2',
        'women.csv:4: referral_date: "not a date" is not a date; write YYYY-MM-DD or DD/MM/YYYY',
        'women.csv:4: woman_ref: "W-1" is already on line 2',
    ]


def test_she_is_on_a_register_once(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_table(
        folder, "group_attendance", MINIMAL["group_attendance"], MINIMAL["group_attendance"]
    )
    assert _only_error(manager, folder) == (
        "group_attendance.csv:3: woman_ref: she is on this register already on line 2"
    )


def test_one_row_per_need_area_per_assessment(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    base = MINIMAL["assessments"]
    write_table(
        folder,
        "assessments",
        {**base, "level": "high", "score": "2"},
        {**base, "need_area": "DA", "level": "low"},
        {**base, "kind": "review", "date": "2025-04-01"},
    )
    assert run(manager, folder).ok
    with manager.read() as session:
        kinds = session.exec(select(Assessment.kind).order_by(col(Assessment.date))).all()
        items = session.exec(select(AssessmentItem.need_area)).all()
    assert kinds == ["baseline", "review"]
    assert sorted(items) == ["DA", "MH", "MH"]
    write_table(folder, "assessments", base, {**base, "need_area": "Mental health"})
    assert _only_error(manager, folder) == (
        "assessments.csv:3: need_area: this need area of this assessment is already on line 2"
    )


def test_every_problem_is_reported_not_only_the_first(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in")
    write_table(
        folder,
        "engagements",
        *(
            {**MINIMAL["engagements"], "date": f"2025-02-{day}", "attendance": "nope"}
            for day in ("01", "30", "03")
        ),
    )
    found = errors(run(manager, folder, dry_run=True))
    assert found == [
        'engagements.csv:2: attendance: "nope" is not a known attendance; use one of: attended, '
        "late, did_not_attend, cancelled_by_woman, cancelled_by_service",
        'engagements.csv:3: attendance: "nope" is not a known attendance; use one of: attended, '
        "late, did_not_attend, cancelled_by_woman, cancelled_by_service",
        'engagements.csv:3: date: "2025-02-30" is not a real date',
        'engagements.csv:4: attendance: "nope" is not a known attendance; use one of: attended, '
        "late, did_not_attend, cancelled_by_woman, cancelled_by_service",
    ]


def test_text_limits_and_nul(manager: Ctx, tmp_path: Path) -> None:
    folder = minimal_set(tmp_path / "in", women={"first_name": "x" * 201})
    assert _only_error(manager, folder) == (
        "women.csv:2: first_name: at most 200 characters (this has 201)"
    )
    folder = minimal_set(tmp_path / "in2", women={"woman_ref": "W-1" + "0" * 20})
    found = errors(run(manager, folder, dry_run=True))
    assert 'women.csv:2: woman_ref: "W-100000000000000000000" is longer than 20 characters' in found
