"""Reading one interchange cell: text to the value stored, or `Bad` saying what is wrong with it.

Codes may be given as their label where the label names exactly one code; dates are ISO or
DD/MM/YYYY; free text is limited and control characters refused. Lookups of hubs, users and
boroughs go through the store's `Known` references, and each cell's converter is memoised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from caseapp.models import codes as C
from caseapp.services.hubs import resolve_borough
from caseapp.services.interchange.checked import (
    WARNING,
    Bad,
    Checked,
    Known,
    Problem,
    show,
)
from caseapp.services.interchange.spec import COLUMNS
from caseapp.services.validation import fold, read_date

_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EARLIEST_BIRTH = date(1900, 1, 1)


def code_lookup(codes: Mapping[str, str]) -> dict[str, str | None]:
    """Code or label (case-insensitive) to code; None marks a label shared by two codes."""
    lookup: dict[str, str | None] = {code.casefold(): code for code in codes}
    by_label: dict[str, set[str]] = {}
    for code, text in codes.items():
        by_label.setdefault(text.casefold(), set()).add(code)
    for key, found in by_label.items():
        if key not in lookup:  # a code always means itself
            lookup[key] = next(iter(found)) if len(found) == 1 else None
    return lookup


class Cells:
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
        lookup = code_lookup(codes)
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


_need_area = Cells.code(C.NEED_AREAS, "need area")


def column_converters(cells: Cells, table: str) -> dict[str, Callable[[str], Any]]:
    """Column name to converter for one table."""
    text = Cells.text
    common: dict[str, Callable[[str], Any]] = {
        "woman_ref": Cells.reference(20),
        "session_ref": Cells.reference(40),
        "date": cells.past_date,
        "hub": cells.hub,
        "keyworker": cells.user("keyworker"),
        "recorded_at": Cells.moment,
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
            "referral_source": Cells.code(C.REFERRAL_SOURCES, "referral source"),
            "cj_status": Cells.code(C.CJ_STATUSES, "criminal-justice status"),
            "ethnicity": Cells.code(C.ETHNICITIES, "ethnicity"),
            "disability": Cells.code(C.YES_NO_DECLINED, "yes/no answer"),
            "gender_identity_same": Cells.code(C.YES_NO_DECLINED, "yes/no answer"),
            "sexual_orientation": Cells.code(C.SEXUAL_ORIENTATIONS, "sexual orientation"),
            "religion": Cells.code(C.RELIGIONS, "religion"),
            "nationality": Cells.code(C.NATIONALITIES, "nationality"),
            "pregnant": Cells.code(C.YES_NO, "yes/no answer"),
            "dependent_children": Cells.whole(0, 30),
            "consent_date": cells.past_date,
            "closed_date": cells.past_date,
            "closure_reason": Cells.code(C.CLOSURE_REASONS, "closure reason"),
        },
        "engagements": {
            "time": Cells.to_time,
            "type": Cells.code(C.ENGAGEMENT_TYPES, "contact type"),
            "attendance": Cells.code(C.ATTENDANCE, "attendance"),
            "duration_minutes": Cells.whole(0, 1440),
            "delivery": Cells.code(C.DELIVERY_MODES, "delivery mode"),
            "need_areas": cells.need_list,
            "note": text(20000, multiline=True),
        },
        "group_sessions": {
            "title": text(200),
            "facilitator": cells.user("facilitator"),
            "status": Cells.code(C.GROUP_STATUSES, "session status"),
            "anonymous_attendees": Cells.whole(0, 10000),
        },
        "group_attendance": {
            # Any attendance value docs/domain.md lists: a register may record a cancellation.
            "attendance": Cells.code(C.ATTENDANCE, "register attendance"),
        },
        "assessments": {
            "kind": Cells.code(C.ASSESSMENT_KINDS, "assessment kind"),
            "need_area": Cells.code(C.NEED_AREAS, "need area"),
            "level": Cells.code(C.NEED_LEVELS, "need level"),
            "score": Cells.whole(1, 10),
            "note": text(4000, multiline=True),
        },
        "outcomes": {
            "kind": Cells.code(C.ASSESSMENT_KINDS, "outcome kind"),
            "question": Cells.code(C.OUTCOME_QUESTIONS, "outcome question"),
            "score": Cells.whole(1, 5),
        },
        "activities": {
            "type": Cells.code(C.ACTIVITY_TYPES, "activity type"),
            "sessions": Cells.whole(1, 10000),
            "participants": Cells.whole(0, 1_000_000),
            "description": text(2000, multiline=True),
        },
        "flags": {
            "type": Cells.code(C.FLAG_TYPES, "flag type"),
            "raised_on": cells.past_date,
            "reason": text(2000, multiline=True),
            "cleared_on": cells.past_date,
            "clear_reason": text(2000, multiline=True),
        },
    }
    merged = {**common, **per_table[table]}
    return {name: merged[name] for name in COLUMNS[table]}
