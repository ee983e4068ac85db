"""Check interchange files against the contract and report every problem, not only the first.

Each problem is `file:line: column: what is wrong`. Headers match case-insensitively after
trimming; unknown and missing required columns are errors; codes may be given as their label
where the label names exactly one code; dates are ISO or DD/MM/YYYY. References between files
(`woman_ref`, `session_ref`) may point into the same import or at records already in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from caseapp.export.files import FORMULA_STARTS
from caseapp.services.ages import unlikely_age, unlikely_age_message
from caseapp.services.interchange.cells import Cells, column_converters
from caseapp.services.interchange.checked import (
    WARNING,
    Bad,
    Checked,
    Known,
    Problem,
    Table,
    show,
)
from caseapp.services.interchange.read import Bundle, Refused
from caseapp.services.interchange.spec import COLUMNS, LOAD_ORDER, REQUIRED

_MISS = object()


# The reference each parent file gives its rows.
_KEYS = {"women": "woman_ref", "group_sessions": "session_ref"}

# Free text is rarely repeated, so it is not memoised (the memo would hold every note).
_FREE_TEXT = frozenset(
    (
        "first_name", "last_name", "preferred_name", "phone", "safe_contact_note", "note",
        "reason", "clear_reason", "description", "title", "recorded_at",
    )
)  # fmt: skip

# Defaults for optional columns that the contract gives one.
_DEFAULTS = {
    ("group_sessions", "status"): "held",
    ("group_sessions", "anonymous_attendees"): 0,
    ("group_attendance", "attendance"): "attended",
    ("activities", "sessions"): 1,
    ("activities", "participants"): 0,
}
# Text columns keep "" for empty; other columns keep None.
_TEXT_COLUMNS = frozenset(
    (
        "first_name", "last_name", "preferred_name", "phone", "safe_contact_note", "note",
        "need_areas", "reason", "clear_reason", "description",
    )
)  # fmt: skip


def unneutralise(text: str) -> str:
    """Undo the `'` that caseapp's CSV exports put before text a spreadsheet would run.

    `neutralise` adds one quote before `=`, `+`, `-`, `@`, tab or CR (and before text that
    already starts with quotes followed by one of those), so removing one restores the value.
    """
    if text.startswith("'"):
        rest = text.lstrip("'")
        if rest.startswith(FORMULA_STARTS):
            return text[1:]
    return text


def _header(
    display: str, table: str, cells: list[str], problems: list[Problem]
) -> list[tuple[int, int]]:
    """Map file columns to contract columns; report unknown, doubled and missing columns."""
    wanted = COLUMNS[table]
    positions: list[tuple[int, int]] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(cells):
        name = raw.strip().casefold()
        if not name:
            continue
        if name in seen:
            problems.append(Problem(display, 1, raw.strip(), "this column appears twice"))
            continue
        seen[name] = position
        if name not in wanted:
            problems.append(
                Problem(
                    display,
                    1,
                    raw.strip(),
                    f"unknown column; {table}.csv has: {', '.join(wanted)}",
                )
            )
            continue
        positions.append((position, wanted.index(name)))
    missing = [c for c in wanted if c in REQUIRED[table] and c not in seen]
    for column in missing:
        problems.append(Problem(display, 1, column, "required column is missing"))
    return positions


def _check_rows(
    table: Table,
    rows: Iterable[tuple[int, list[str]]],
    cells: Cells,
    problems: list[Problem],
    progress: Callable[[int], None] | None,
) -> None:
    name = table.name
    columns = COLUMNS[name]
    converters = column_converters(cells, name)
    blank: list[Any] = [
        _DEFAULTS.get((name, c), "" if c in _TEXT_COLUMNS else None) for c in columns
    ]
    plan: list[tuple[int, int, Callable[[str], Any], dict[str, Any] | None, bool, str]] = []
    width = 0
    display = table.display
    cells.display = display
    header = True
    key_at: int | None = None
    for line, raw in rows:
        if header:
            header = False
            width = len(raw)
            for position, index in _header(display, name, raw, problems):
                column = columns[index]
                if column == _KEYS.get(name):
                    key_at = position
                # Values that repeat (codes, dates, references) are converted once per file.
                memo: dict[str, Any] | None = None if column in _FREE_TEXT else {}
                required = column in REQUIRED[name]
                plan.append((position, index, converters[column], memo, required, column))
            continue
        if progress is not None and line % 2000 == 0:
            progress(line)
        if not "".join(raw).strip():
            continue
        table.data_rows += 1
        cells.line = line
        count = len(raw)
        if count > width and "".join(raw[width:]).strip():
            problems.append(
                Problem(display, line, "", f"has {count} cells; the header has {width}")
            )
        values = list(blank)
        ok = True
        for position, index, convert, memo, required, column in plan:
            cell = raw[position] if position < count else ""
            if memo is not None:
                hit = memo.get(cell, _MISS)
                if hit is not _MISS:
                    values[index] = hit
                    continue
            text = cell.strip()
            if not text:
                if required:
                    problems.append(Problem(display, line, column, "required; it is empty"))
                    ok = False
                continue
            try:
                value = convert(unneutralise(text) if text[0] == "'" else text)
            except Bad as exc:
                problems.append(Problem(display, line, column, str(exc)))
                ok = False
                continue
            if memo is not None:
                memo[cell] = value
            values[index] = value
        (table.rows if ok else table.rejected).append((line, *values))
        if key_at is not None:
            key = raw[key_at].strip() if key_at < count else ""
            if key:
                table.keys.setdefault(key, []).append(line)
    if header:
        problems.append(Problem(display, 1, "", "is empty; it needs a header row"))


def _row_rules(table: Table, problems: list[Problem]) -> None:
    """Rules between the columns of one row (also on rows with other problems)."""
    display = table.display

    def say(line: int, column: str, message: str) -> None:
        problems.append(Problem(display, line, column, message))

    rows = [*table.rows, *table.rejected]
    if table.name == "women":
        ref, dob = table.index("referral_date"), table.index("date_of_birth")
        closed, reason = table.index("closed_date"), table.index("closure_reason")
        consent = table.index("consent_date")
        for row in rows:
            line = row[0]
            if row[dob] and row[ref] and row[dob] >= row[ref]:
                say(line, "date_of_birth", "is not before the referral date")
            age = unlikely_age(row[dob], row[ref])
            if age is not None:
                message = f"{unlikely_age_message(age)}; imported as given"
                problems.append(Problem(display, line, "date_of_birth", message, WARNING))
            if row[closed] and row[ref] and row[closed] < row[ref]:
                say(line, "closed_date", "is before the referral date")
            if row[closed] and not row[reason]:
                say(line, "closure_reason", "required with a closed_date")
            if row[reason] and not row[closed]:
                say(line, "closed_date", "required with a closure_reason")
            if row[consent] and row[dob] and row[consent] < row[dob]:
                say(line, "consent_date", "is before her date of birth")
    elif table.name == "flags":
        raised, cleared = table.index("raised_on"), table.index("cleared_on")
        clear_reason = table.index("clear_reason")
        for row in rows:
            if row[cleared] and row[raised] and row[cleared] < row[raised]:
                say(row[0], "cleared_on", "is before raised_on")
            if row[clear_reason] and not row[cleared]:
                say(row[0], "cleared_on", "required with a clear_reason")


def _unique(table: Table, columns: tuple[str, ...], problems: list[Problem], what: str) -> None:
    """A key that may appear once per file (checked on rows that passed their cell checks)."""
    indexes = [table.index(c) for c in columns]
    first: dict[tuple[Any, ...], int] = {}
    for row in table.rows:
        key = tuple(row[i] for i in indexes)
        if key in first:
            problems.append(
                Problem(table.display, row[0], columns[-1], f"{what} already on line {first[key]}")
            )
        else:
            first[key] = row[0]


def _unique_refs(table: Table, problems: list[Problem]) -> None:
    """A woman_ref or session_ref given twice in its own file, whatever else is wrong."""
    column = _KEYS[table.name]
    for ref, lines in table.keys.items():
        for line in lines[1:]:
            problems.append(
                Problem(table.display, line, column, f"{show(ref)} is already on line {lines[0]}")
            )


def _references(checked: Checked, known: Known) -> None:
    """Every woman_ref and session_ref must name a row in this import or in the store."""
    women = set(known.women)
    if "women" in checked.tables:
        women.update(checked.tables["women"].keys)
    sessions = set(known.sessions)
    if "group_sessions" in checked.tables:
        sessions.update(checked.tables["group_sessions"].keys)
    for table in checked.tables.values():
        links = []
        if table.name != "women" and "woman_ref" in COLUMNS[table.name]:
            links.append(("woman_ref", women, "women.csv"))
        if table.name != "group_sessions" and "session_ref" in COLUMNS[table.name]:
            links.append(("session_ref", sessions, "group_sessions.csv"))
        for column, pool, where in links:
            index = table.index(column)
            for row in (*table.rows, *table.rejected):
                if row[index] is not None and row[index] not in pool:
                    checked.problems.append(
                        Problem(
                            table.display,
                            row[0],
                            column,
                            f"{show(row[index])} is not in {where} or in the store",
                        )
                    )


def check(
    bundle: Bundle,
    known: Known,
    progress: Callable[[str, int], None] | None = None,
) -> Checked:
    """Check every part of a bundle; return accepted rows and every problem found.

    Rows with a problem are left out of `tables`; a caller must not load anything while
    `errors` is non-empty.
    """
    checked = Checked(source=bundle.source, archive=list(bundle.files))
    checked.problems.extend(Problem(r.file, r.line, "", r.message) for r in bundle.problems)
    cells = Cells(known, checked)
    order = {name: i for i, name in enumerate(LOAD_ORDER)}
    for part in sorted(bundle.parts, key=lambda p: order[p.table]):
        table = Table(part.table, part.display)
        tick = None
        if progress is not None:
            tick = lambda line, label=part.display: progress(label, line)  # noqa: E731
        try:
            _check_rows(table, part.rows(), cells, checked.problems, tick)
        except Refused as exc:
            checked.problems.append(Problem(exc.file, exc.line, "", exc.message))
        # What reading noticed without refusing (a formula imported as its text).
        checked.problems.extend(
            Problem(part.display, line, column, message, WARNING)
            for line, column, message in part.notes
        )
        table.sha256 = part.sha256 or (bundle.files[0][1] if bundle.files else "")
        checked.tables[part.table] = table
    for table in checked.tables.values():
        _row_rules(table, checked.problems)
    for name in _KEYS:
        if name in checked.tables:
            _unique_refs(checked.tables[name], checked.problems)
    if "group_attendance" in checked.tables:
        _unique(
            checked.tables["group_attendance"],
            ("session_ref", "woman_ref"),
            checked.problems,
            "she is on this register",
        )
    if "assessments" in checked.tables:
        _unique(
            checked.tables["assessments"],
            ("woman_ref", "date", "kind", "need_area"),
            checked.problems,
            "this need area of this assessment is",
        )
    _references(checked, known)
    checked.problems.sort(key=lambda p: (p.file, p.line, p.column))
    return checked
