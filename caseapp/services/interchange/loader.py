"""Load checked interchange files in one transaction, skipping what the store already holds.

A `woman_ref` or `session_ref` already in the store is matched and left as it is; a child row
identical to one already held is skipped (counted as a multiset, so two identical contacts on
one day stay two). The same planning runs for a dry run on a read connection, so the preview
counts are the ones a real import would produce.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy import Connection, select

from caseapp.models import (
    Activity,
    Assessment,
    AssessmentItem,
    Closure,
    Consent,
    Engagement,
    Flag,
    GroupAttendance,
    GroupSession,
    Hub,
    Outcome,
    Referral,
    Woman,
)
from caseapp.models.base import utcnow
from caseapp.services.interchange.bulk import Row, insert_rows, next_id, table_of
from caseapp.services.interchange.checked import (
    WARNING,
    Checked,
    Known,
    Problem,
    Table,
    show,
)
from caseapp.services.interchange.duplicates import possible_duplicates
from caseapp.services.interchange.spec import COLUMNS, LOAD_ORDER
from caseapp.services.interchange.status import refresh_status
from caseapp.services.validation import fold

Progress = Callable[[str, int, int], None]
_BLOCK = 500


def _blocks(ids: Iterable[int]) -> Iterator[list[int]]:
    iterator = iter(ids)
    while block := list(islice(iterator, _BLOCK)):
        yield block


@dataclass
class Counts:
    created: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    matched: Counter[str] = field(default_factory=Counter)


class Loader:
    """Plans (and, when writing, inserts) the rows of each table in dependency order."""

    def __init__(
        self, conn: Connection, checked: Checked, known: Known, *, write: bool, progress: Progress
    ) -> None:
        self.conn = conn
        self.checked = checked
        self.known = known
        self.write = write
        self.progress = progress
        self.counts = Counts()
        self.women = dict(known.women)
        self.sessions = dict(known.sessions)
        self.hubs: dict[str, int] = {}
        self.new_women: list[int] = []
        self.touched: set[int] = set()
        self.now = utcnow()

    def insert(
        self, model: Any, rows: list[Row] | list[tuple[Any, ...]], label: str, **options: Any
    ) -> None:
        """Write rows (when not a dry run), reporting progress; `options` go to insert_rows."""
        total = len(rows)
        if self.write and total:
            done = 0

            def tick(n: int) -> None:
                nonlocal done
                done += n
                self.progress(label, done, total)

            insert_rows(self.conn, model, rows, progress=tick, **options)

    def hub_id(self, value: int | str | None) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return self.hubs[value]

    def note(self, table: Table, message: str, line: int = 0, column: str = "") -> None:
        self.checked.problems.append(Problem(table.display, line, column, message, WARNING))

    # -- parents ----------------------------------------------------------------------------

    def new_hubs(self) -> None:
        if not self.checked.new_hubs:
            return
        hub = table_of(Hub)
        codes = {fold(c) for (c,) in self.conn.execute(select(hub.c.code))}
        first = next_id(self.conn, Hub)
        rows = []
        for offset, (key, name) in enumerate(sorted(self.checked.new_hubs.items())):
            code = name[:40]
            suffix = 1
            while fold(code) in codes:
                suffix += 1
                code = f"{name[:36]}-{suffix}"
            codes.add(fold(code))
            self.hubs[key] = first + offset
            rows.append({"id": first + offset, "code": code, "name": name, "active": True})
        self.insert(Hub, rows, "hubs")
        self.counts.created["hubs"] = len(rows)

    def load_women(self, table: Table) -> None:
        index = {c: table.index(c) for c in COLUMNS["women"]}
        first = next_id(self.conn, Woman)
        women: list[Row] = []
        referrals: list[Row] = []
        consents: list[Row] = []
        closures: list[Row] = []
        fresh: set[str] = set()
        for row in table.rows:
            ref = row[index["woman_ref"]]
            if ref in self.women:
                self.counts.matched[table.name] += 1
                continue
            fresh.add(ref)
            woman_id = first + len(women)
            self.women[ref] = woman_id
            self.new_women.append(woman_id)

            def v(column: str, row: tuple[Any, ...] = row) -> Any:
                return row[index[column]]

            keyworker = v("keyworker")
            women.append(
                {
                    "id": woman_id,
                    "reference": ref,
                    "first_name": v("first_name"),
                    "last_name": v("last_name"),
                    "preferred_name": v("preferred_name"),
                    "first_norm": fold(v("first_name")),
                    "last_norm": fold(v("last_name")),
                    "preferred_norm": fold(v("preferred_name")),
                    "date_of_birth": v("date_of_birth"),
                    "phone": v("phone"),
                    "safe_contact_note": v("safe_contact_note"),
                    "borough_code": v("borough"),
                    "hub_id": self.hub_id(v("hub")),
                    "keyworker_id": keyworker,
                    "status": "referred",
                    "ethnicity": v("ethnicity"),
                    "disability": v("disability"),
                    "gender_identity_same": v("gender_identity_same"),
                    "sexual_orientation": v("sexual_orientation"),
                    "religion": v("religion"),
                    "nationality": v("nationality"),
                    "pregnant": v("pregnant"),
                    "dependent_children": v("dependent_children"),
                    "closed_on": v("closed_date"),
                    "closure_reason": v("closure_reason"),
                    "is_synthetic": False,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            referrals.append(
                {
                    "woman_id": woman_id,
                    "referral_date": v("referral_date"),
                    "source": v("referral_source"),
                    "cj_status": v("cj_status"),
                    "referrer_org": "",
                    "police_bcu": "",
                    "allocated_to_id": keyworker,
                    "created_at": self.now,
                }
            )
            if v("consent_date"):
                consents.append(
                    {
                        "woman_id": woman_id,
                        "given_on": v("consent_date"),
                        "scope_service": True,
                        "scope_data_processing": True,
                        "scope_sharing": False,
                        "sharing_agencies": "",
                        "privacy_notice_version": "",
                        "taken_by_id": None,
                        "withdrawn_on": None,
                        "withdrawn_reason": "",
                    }
                )
            if v("closed_date"):
                closures.append(
                    {
                        "woman_id": woman_id,
                        "closed_on": v("closed_date"),
                        "reason": v("closure_reason"),
                        "note": "",
                        "closed_by_id": None,
                        "reopened_on": None,
                        "reopened_by_id": None,
                    }
                )
        incoming = [
            (
                r[0],
                r[index["woman_ref"]],
                r[index["first_name"]],
                r[index["last_name"]],
                r[index["date_of_birth"]],
            )
            for r in table.rows
            if r[index["woman_ref"]] in fresh
        ]
        for line, message in possible_duplicates(self.conn, incoming):
            self.note(table, message, line, "first_name")
        self.insert(Woman, women, table.display)
        self.insert(Referral, referrals, table.display)
        self.insert(Consent, consents, table.display)
        self.insert(Closure, closures, table.display)
        self.counts.created[table.name] += len(women)

    def load_sessions(self, table: Table) -> None:
        i = {c: table.index(c) for c in COLUMNS["group_sessions"]}
        first = next_id(self.conn, GroupSession)
        rows: list[Row] = []
        for row in table.rows:
            ref = row[i["session_ref"]]
            if ref in self.sessions:
                self.counts.matched[table.name] += 1
                continue
            self.sessions[ref] = first + len(rows)
            rows.append(
                {
                    "id": first + len(rows),
                    "reference": ref,
                    "title": row[i["title"]],
                    "date": row[i["date"]],
                    "hub_id": self.hub_id(row[i["hub"]]),
                    "facilitator_id": row[i["facilitator"]],
                    "status": row[i["status"]],
                    "anonymous_attendees": row[i["anonymous_attendees"]],
                    "created_at": self.now,
                }
            )
        self.insert(GroupSession, rows, table.display)
        self.counts.created[table.name] += len(rows)

    # -- children ----------------------------------------------------------------------------

    def _held_women(self, table: Table) -> list[int]:
        """Women named in this file who were already in the store (only they can have rows)."""
        index = table.index("woman_ref")
        return sorted(
            {self.known.women[r[index]] for r in table.rows if r[index] in self.known.women}
        )

    def _existing(self, model: Any, columns: tuple[str, ...], women: list[int]) -> Counter[Any]:
        """A multiset of the given columns for rows already held for these women."""
        t = table_of(model)
        held: Counter[Any] = Counter()
        for block in _blocks(women):
            query = select(*(t.c[c] for c in columns)).where(t.c.woman_id.in_(block))
            held.update(tuple(r) for r in self.conn.execute(query))
        return held

    def _dedupe(
        self,
        table: Table,
        rows: list[Any],
        held: Counter[Any],
        key: Callable[[Any], tuple[Any, ...]],
    ) -> list[Any]:
        """The rows not already held (a multiset: two identical rows need two held)."""
        if not held:  # nothing held for these women: every row is new
            self.counts.created[table.name] += len(rows)
            return rows
        fresh: list[Any] = []
        for row in rows:
            k = key(row)
            if held[k] > 0:
                held[k] -= 1
                self.counts.skipped[table.name] += 1
            else:
                fresh.append(row)
        self.counts.created[table.name] += len(fresh)
        return fresh

    def load_engagements(self, table: Table) -> None:
        """Contacts as compact tuples all the way to the driver (the largest table by far)."""
        i = {c: table.index(c) for c in COLUMNS["engagements"]}
        columns = (
            "woman_id", "date", "time", "type", "attendance", "duration_minutes", "delivery",
            "hub_id", "need_areas", "keyworker_id", "note",
        )  # fmt: skip
        keyed = [
            (
                self.women[row[i["woman_ref"]]],
                row[i["date"]],
                row[i["time"]],
                row[i["type"]],
                row[i["attendance"]],
                row[i["duration_minutes"]],
                row[i["delivery"]],
                self.hub_id(row[i["hub"]]),
                row[i["need_areas"]],
                row[i["keyworker"]],
                row[i["note"]],
            )
            for row in table.rows
        ]
        held = self._existing(Engagement, columns, self._held_women(table))
        table.rows = []  # the checked rows are not needed again; a million of them is a lot
        fresh = self._dedupe(table, keyed, held, lambda k: k)
        self.touched.update(k[0] for k in fresh)
        # Her contacts together and in date order: inserts then touch neighbouring index pages.
        fresh.sort(key=lambda k: (k[0], k[1]))
        self.insert(
            Engagement,
            [(*k, self.now) for k in fresh],
            table.display,
            columns=(*columns, "created_at"),
        )

    def load_register(self, table: Table) -> None:
        i = {c: table.index(c) for c in COLUMNS["group_attendance"]}
        t = table_of(GroupAttendance)
        held_sessions = sorted(
            {self.sessions[r[i["session_ref"]]] for r in table.rows}
            & set(self.known.sessions.values())
        )
        held: dict[tuple[int, int], str] = {}
        for block in _blocks(held_sessions):
            query = select(t.c.session_id, t.c.woman_id, t.c.attendance).where(
                t.c.session_id.in_(block)
            )
            held.update({(s, w): a for s, w, a in self.conn.execute(query)})
        rows: list[Row] = []
        for row in table.rows:
            session_id = self.sessions[row[i["session_ref"]]]
            woman_id = self.women[row[i["woman_ref"]]]
            attendance = row[i["attendance"]]
            before = held.get((session_id, woman_id))
            if before is None:
                rows.append(
                    {"session_id": session_id, "woman_id": woman_id, "attendance": attendance}
                )
                continue
            self.counts.skipped[table.name] += 1
            if before != attendance:
                self.note(
                    table,
                    f"she is already on this register as {show(before)}; left as it is",
                    row[0],
                    "attendance",
                )
        self.counts.created[table.name] += len(rows)
        self.touched.update(r["woman_id"] for r in rows)
        self.insert(GroupAttendance, rows, table.display)

    def load_assessments(self, table: Table) -> None:
        i = {c: table.index(c) for c in COLUMNS["assessments"]}
        a, item = table_of(Assessment), table_of(AssessmentItem)
        existing: dict[tuple[int, dt.date, str], int] = {}
        items: dict[tuple[int, str], tuple[Any, ...]] = {}
        for block in _blocks(self._held_women(table)):
            query = select(a.c.id, a.c.woman_id, a.c.date, a.c.kind).where(a.c.woman_id.in_(block))
            for aid, wid, day, kind in self.conn.execute(query):
                existing.setdefault((wid, day, kind), aid)
        for block in _blocks(sorted(set(existing.values()))):
            held = select(
                item.c.assessment_id, item.c.need_area, item.c.level, item.c.score, item.c.note
            ).where(item.c.assessment_id.in_(block))
            for found in self.conn.execute(held):
                items[(found[0], found[1])] = (found[2], found[3], found[4])
        next_assessment = next_id(self.conn, Assessment)
        new_assessments: list[Row] = []
        new_items: list[Row] = []
        for row in table.rows:
            woman_id = self.women[row[i["woman_ref"]]]
            key = (woman_id, row[i["date"]], row[i["kind"]])
            aid = existing.get(key)
            if aid is None:
                aid = next_assessment
                next_assessment += 1
                existing[key] = aid
                new_assessments.append(
                    {
                        "id": aid,
                        "woman_id": woman_id,
                        "date": row[i["date"]],
                        "kind": row[i["kind"]],
                        "assessor_id": None,
                        "note": "",
                        # When it was recorded orders assessments given the same day.
                        "created_at": row[i["recorded_at"]] or self.now,
                    }
                )
            values = (row[i["level"]], row[i["score"]], row[i["note"]])
            before = items.get((aid, row[i["need_area"]]))
            if before is not None:
                self.counts.skipped[table.name] += 1
                if before != values:
                    self.note(
                        table,
                        "this need area is already recorded for this assessment with other "
                        "values; left as it is",
                        row[0],
                        "need_area",
                    )
                continue
            items[(aid, row[i["need_area"]])] = values
            new_items.append(
                {
                    "assessment_id": aid,
                    "need_area": row[i["need_area"]],
                    "level": values[0],
                    "score": values[1],
                    "note": values[2],
                }
            )
        self.counts.created[table.name] += len(new_items)
        self.insert(Assessment, new_assessments, table.display)
        self.insert(AssessmentItem, new_items, table.display)

    def load_simple(self, table: Table) -> None:
        """Outcomes and flags: one row each, skipped when an identical row is held."""
        if table.name == "outcomes":
            model: Any = Outcome
            pairs = {"date": "date", "kind": "kind", "question": "question", "score": "score"}
            extra: Row = {"recorded_by_id": None}
        else:
            model = Flag
            pairs = {
                "type": "type",
                "raised_on": "raised_on",
                "reason": "reason",
                "cleared_on": "cleared_on",
                "clear_reason": "clear_reason",
            }
            extra = {"raised_by_id": None, "cleared_by_id": None}
        i = {c: table.index(c) for c in COLUMNS[table.name]}
        rows = [
            {
                "woman_id": self.women[row[i["woman_ref"]]],
                **{column: row[i[source]] for source, column in pairs.items()},
                **extra,
                # Not part of what makes an answer a duplicate; unknown (None) sorts first.
                **({"recorded_at": row[i["recorded_at"]]} if model is Outcome else {}),
            }
            for row in table.rows
        ]
        key = ("woman_id", *pairs.values())
        held = self._existing(model, key, self._held_women(table))
        fresh = self._dedupe(table, rows, held, lambda r: tuple(r[c] for c in key))
        self.insert(model, fresh, table.display)

    def load_activities(self, table: Table) -> None:
        i = {c: table.index(c) for c in COLUMNS["activities"]}
        t = table_of(Activity)
        key = ("date", "type", "sessions", "participants", "hub_id", "description")
        held: Counter[Any] = Counter(
            tuple(r) for r in self.conn.execute(select(*(t.c[c] for c in key)))
        )
        rows = [
            {
                "date": row[i["date"]],
                "type": row[i["type"]],
                "sessions": row[i["sessions"]],
                "participants": row[i["participants"]],
                "hub_id": self.hub_id(row[i["hub"]]),
                "description": row[i["description"]],
                "created_by_id": None,
                "created_at": self.now,
            }
            for row in table.rows
        ]
        fresh = self._dedupe(table, rows, held, lambda r: tuple(r[c] for c in key))
        self.insert(Activity, fresh, table.display)

    def run(self) -> None:
        self.new_hubs()
        steps = {
            "women": self.load_women,
            "group_sessions": self.load_sessions,
            "engagements": self.load_engagements,
            "group_attendance": self.load_register,
            "assessments": self.load_assessments,
            "outcomes": self.load_simple,
            "activities": self.load_activities,
            "flags": self.load_simple,
        }
        for name in LOAD_ORDER:
            if name in self.checked.tables:
                steps[name](self.checked.tables[name])
        if self.write:
            refresh_status(self.conn, sorted(set(self.new_women) | self.touched))
