"""Check interchange files against the contract and report every problem, not only the first.

Each problem is `file:line: column: what is wrong`. Headers match case-insensitively after
trimming; unknown and missing required columns are errors; codes may be given as their label
where the label names exactly one code; dates are ISO or DD/MM/YYYY. References between files
(`woman_ref`, `session_ref`) may point into the same import or at records already in the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from caseapp.export.files import FORMULA_STARTS
from caseapp.models import GroupSession, Hub, User, Woman
from caseapp.models import codes as C
from caseapp.models.reference import Borough
from caseapp.services.ages import unlikely_age, unlikely_age_message
from caseapp.services.hubs import BoroughInfo, resolve_borough
from caseapp.services.interchange.bulk import table_of
from caseapp.services.interchange.read import Bundle, Refused
from caseapp.services.interchange.spec import COLUMNS, LOAD_ORDER, REQUIRED
from caseapp.services.validation import fold, read_date
from caseapp.textsafe import visible

ERROR, WARNING, NOTE = "error", "warning", "note"

_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")
_MISS = object()
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth knowing) about a file; line 0 means the file as a whole."""

    file: str
    line: int
    column: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column or '-'}: {self.message}"


class Bad(Exception):
    """A cell that cannot be accepted; the message says what is wrong with it."""


def show(text: str) -> str:
    """A value quoted for a report line: control characters made visible, long text cut."""
    return '"' + visible(text, limit=40) + '"'


@dataclass
class Known:
    """What the store already holds that imported rows may refer to."""

    women: dict[str, int]
    sessions: dict[str, int]
    hubs: dict[str, int]
    users: dict[str, int]
    boroughs: list[BoroughInfo]
    today: date


def load_known(conn: Connection, today: date) -> Known:
    """Read references, hubs, users and boroughs from the store (inside the caller's session)."""
    woman, session = table_of(Woman), table_of(GroupSession)
    hub, user, borough = table_of(Hub), table_of(User), table_of(Borough)
    hubs: dict[str, int] = {}
    for hub_id, code, name in conn.execute(select(hub.c.id, hub.c.code, hub.c.name)):
        hubs.setdefault(fold(code), hub_id)
        hubs.setdefault(fold(name), hub_id)
    return Known(
        women=dict(conn.execute(select(woman.c.reference, woman.c.id)).all()),
        sessions=dict(conn.execute(select(session.c.reference, session.c.id)).all()),
        hubs=hubs,
        users={
            name.casefold(): uid for uid, name in conn.execute(select(user.c.id, user.c.username))
        },
        boroughs=[
            BoroughInfo(code, name, tuple(a for a in (aliases or "").split(";") if a))
            for code, name, aliases in conn.execute(
                select(borough.c.gss_code, borough.c.name, borough.c.aliases)
            )
        ],
        today=today,
    )


@dataclass
class Table:
    """The rows of one file: `(line, value, ...)` in the contract's column order.

    `rows` passed every check; `rejected` did not (their bad cells are None) and are kept only
    so rules between columns and files can still report on them. `keys` maps each reference a
    women or group-session file gives (valid or not) to its lines.
    """

    name: str
    display: str
    sha256: str = ""
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rejected: list[tuple[Any, ...]] = field(default_factory=list)
    keys: dict[str, list[int]] = field(default_factory=dict)
    data_rows: int = 0

    def index(self, column: str) -> int:
        """Position of a column's value in a row tuple (the line number is at 0)."""
        return COLUMNS[self.name].index(column) + 1


@dataclass
class Checked:
    """The result of checking a bundle: tables, problems, and hubs the import would add."""

    source: str
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    new_hubs: dict[str, str] = field(default_factory=dict)
    archive: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """The problems that stop the import."""
        return [p for p in self.problems if p.severity == ERROR]


def _code_lookup(codes: Mapping[str, str]) -> dict[str, str | None]:
    """Code or label (case-insensitive) to code; None marks a label shared by two codes."""
    lookup: dict[str, str | None] = {code.casefold(): code for code in codes}
    by_label: dict[str, set[str]] = {}
    for code, text in codes.items():
        by_label.setdefault(text.casefold(), set()).add(code)
    for key, found in by_label.items():
        if key not in lookup:  # a code always means itself
            lookup[key] = next(iter(found)) if len(found) == 1 else None
    return lookup


class _Cells:
    """Converters from cell text to stored values, sharing caches and the store's lookups."""

    def __init__(self, known: Known, checked: Checked) -> None:
        self.known = known
        self.checked = checked
        self.warned: set[tuple[str, str, str]] = set()
        self.display = ""
        self.line = 0

    def warn_once(self, column: str, key: str, message: str) -> None:
        if (self.display, column, key) not in self.warned:
            self.warned.add((self.display, column, key))
            self.checked.problems.append(Problem(self.display, self.line, column, message, WARNING))

    # -- converters: each takes trimmed text that is not empty (memoised per file column) ----

    @staticmethod
    def to_date(text: str) -> date:
        try:
            value = read_date(text)
        except ValueError:
            raise Bad(f"{show(text)} is not a real date") from None
        if value is None:
            raise Bad(f"{show(text)} is not a date; write YYYY-MM-DD or DD/MM/YYYY")
        return value

    def past_date(self, text: str) -> date:
        value = self.to_date(text)
        if value > self.known.today:
            raise Bad(f"{show(text)} is in the future")
        return value

    def birth_date(self, text: str) -> date:
        value = self.to_date(text)
        if value >= self.known.today:
            raise Bad(f"{show(text)}: a date of birth cannot be today or in the future")
        if value < _EARLIEST_BIRTH:
            raise Bad(f"{show(text)}: a date of birth before 1900 is not believable")
        return value

    @staticmethod
    def to_time(text: str) -> time:
        match = _TIME.match(text)
        if match:
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour < 24 and minute < 60:
                return time(hour, minute)
        raise Bad(f"{show(text)} is not a time; write HH:MM (24-hour)")

    @staticmethod
    def moment(text: str) -> datetime:
        """An ISO 8601 date and time in UTC (a time without an offset is taken as UTC)."""
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise Bad(f"{show(text)} is not a date and time; write YYYY-MM-DDTHH:MM:SS") from None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @staticmethod
    def whole(low: int, high: int) -> Callable[[str], int]:
        def convert(text: str) -> int:
            if not re.fullmatch(r"-?\d{1,9}", text):
                raise Bad(f"{show(text)} is not a whole number")
            value = int(text)
            if not low <= value <= high:
                raise Bad(f"{value} is out of range ({low} to {high})")
            return value

        return convert

    @staticmethod
    def code(codes: Mapping[str, str], what: str) -> Callable[[str], str]:
        lookup = _code_lookup(codes)
        allowed = ", ".join(codes)

        def convert(text: str) -> str:
            key = text.casefold()
            if key not in lookup:
                raise Bad(f"{show(text)} is not a known {what}; use one of: {allowed}")
            found = lookup[key]
            if found is None:
                raise Bad(f"{show(text)} names more than one {what}; give the code")
            return found

        return convert

    @staticmethod
    def need_list(text: str) -> str:
        areas = [_need_area(part.strip()) for part in text.split(";") if part.strip()]
        return ";".join(dict.fromkeys(areas))

    @staticmethod
    def text(limit: int, *, multiline: bool = False) -> Callable[[str], str]:
        def convert(raw: str) -> str:
            if "\x00" in raw:
                raise Bad("contains a NUL character; remove it")
            value = raw if multiline else raw.replace("\r", " ").replace("\n", " ")
            value = value.strip()
            if len(value) > limit:
                raise Bad(f"at most {limit:,} characters (this has {len(value):,})")
            return value

        return convert

    @staticmethod
    def reference(limit: int) -> Callable[[str], str]:
        def convert(text: str) -> str:
            if len(text) > limit:
                raise Bad(f"{show(text)} is longer than {limit} characters")
            if _CONTROL.search(text):
                raise Bad(f"{show(text)} contains a control character")
            return text

        return convert

    def borough(self, text: str) -> str:
        code = resolve_borough(text, self.known.boroughs)
        if code is None:
            raise Bad(f"{show(text)} is not a London borough; give its name or GSS code")
        return code

    def hub(self, text: str) -> int | str:
        key = fold(text)
        if key in self.known.hubs:
            return self.known.hubs[key]
        if len(text) > 120:
            raise Bad(f"{show(text)} is longer than 120 characters")
        self.checked.new_hubs.setdefault(key, text)
        self.warn_once("hub", key, f"no hub called {show(text)}; the import adds it")
        return key

    def user(self, column: str) -> Callable[[str], int | None]:
        def convert(text: str) -> int | None:
            found = self.known.users.get(text.casefold())
            if found is None:
                self.warn_once(
                    column,
                    text.casefold(),
                    f"no user called {show(text)}; rows naming her are left without one",
                )
            return found

        return convert


_need_area = _Cells.code(C.NEED_AREAS, "need area")

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


def _converters(cells: _Cells, table: str) -> dict[str, Callable[[str], Any]]:
    """Column name to converter for one table."""
    text = _Cells.text
    common: dict[str, Callable[[str], Any]] = {
        "woman_ref": _Cells.reference(20),
        "session_ref": _Cells.reference(40),
        "date": cells.past_date,
        "hub": cells.hub,
        "keyworker": cells.user("keyworker"),
        "recorded_at": _Cells.moment,
    }
    per_table: dict[str, dict[str, Callable[[str], Any]]] = {
        "women": {
            "first_name": text(200),
            "last_name": text(200),
            "preferred_name": text(200),
            "date_of_birth": cells.birth_date,
            "phone": text(40),
            "safe_contact_note": text(2000, multiline=True),
            "borough": cells.borough,
            "referral_date": cells.past_date,
            "referral_source": _Cells.code(C.REFERRAL_SOURCES, "referral source"),
            "cj_status": _Cells.code(C.CJ_STATUSES, "criminal-justice status"),
            "ethnicity": _Cells.code(C.ETHNICITIES, "ethnicity"),
            "disability": _Cells.code(C.YES_NO_DECLINED, "yes/no answer"),
            "gender_identity_same": _Cells.code(C.YES_NO_DECLINED, "yes/no answer"),
            "sexual_orientation": _Cells.code(C.SEXUAL_ORIENTATIONS, "sexual orientation"),
            "religion": _Cells.code(C.RELIGIONS, "religion"),
            "nationality": _Cells.code(C.NATIONALITIES, "nationality"),
            "pregnant": _Cells.code(C.YES_NO, "yes/no answer"),
            "dependent_children": _Cells.whole(0, 30),
            "consent_date": cells.past_date,
            "closed_date": cells.past_date,
            "closure_reason": _Cells.code(C.CLOSURE_REASONS, "closure reason"),
        },
        "engagements": {
            "time": _Cells.to_time,
            "type": _Cells.code(C.ENGAGEMENT_TYPES, "contact type"),
            "attendance": _Cells.code(C.ATTENDANCE, "attendance"),
            "duration_minutes": _Cells.whole(0, 1440),
            "delivery": _Cells.code(C.DELIVERY_MODES, "delivery mode"),
            "need_areas": cells.need_list,
            "note": text(20000, multiline=True),
        },
        "group_sessions": {
            "title": text(200),
            "facilitator": cells.user("facilitator"),
            "status": _Cells.code(C.GROUP_STATUSES, "session status"),
            "anonymous_attendees": _Cells.whole(0, 10000),
        },
        "group_attendance": {
            # Any attendance value domain.md lists: a register may record a cancellation.
            "attendance": _Cells.code(C.ATTENDANCE, "register attendance"),
        },
        "assessments": {
            "kind": _Cells.code(C.ASSESSMENT_KINDS, "assessment kind"),
            "need_area": _Cells.code(C.NEED_AREAS, "need area"),
            "level": _Cells.code(C.NEED_LEVELS, "need level"),
            "score": _Cells.whole(1, 10),
            "note": text(4000, multiline=True),
        },
        "outcomes": {
            "kind": _Cells.code(C.ASSESSMENT_KINDS, "outcome kind"),
            "question": _Cells.code(C.OUTCOME_QUESTIONS, "outcome question"),
            "score": _Cells.whole(1, 5),
        },
        "activities": {
            "type": _Cells.code(C.ACTIVITY_TYPES, "activity type"),
            "sessions": _Cells.whole(1, 10000),
            "participants": _Cells.whole(0, 1_000_000),
            "description": text(2000, multiline=True),
        },
        "flags": {
            "type": _Cells.code(C.FLAG_TYPES, "flag type"),
            "raised_on": cells.past_date,
            "reason": text(2000, multiline=True),
            "cleared_on": cells.past_date,
            "clear_reason": text(2000, multiline=True),
        },
    }
    merged = {**common, **per_table[table]}
    return {name: merged[name] for name in COLUMNS[table]}


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
    cells: _Cells,
    problems: list[Problem],
    progress: Callable[[int], None] | None,
) -> None:
    name = table.name
    columns = COLUMNS[name]
    converters = _converters(cells, name)
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
    cells = _Cells(known, checked)
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
