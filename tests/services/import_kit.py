"""Helpers for the import and export tests: write CSV sets, run an import, fingerprint a store."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, text
from sqlmodel import select

from caseapp.services.context import Ctx
from caseapp.services.interchange.load import run_import
from caseapp.services.interchange.report import ImportReport
from caseapp.store.store import Store
from tests.harness.clock import TODAY as TODAY  # re-exported for the import tests

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "interchange"
VALID = FIXTURES / "valid"
MALFORMED = FIXTURES / "malformed"

TABLES = (
    "woman", "referral", "consent", "closure", "flag", "engagement", "assessment",
    "assessmentitem", "plangoal", "outcome", "groupsession", "groupattendance", "activity",
    "hub", "app_user", "auditevent", "exportevent",
)  # fmt: skip

# The smallest valid row for each file, by column (used to build one-rule test files).
MINIMAL: dict[str, dict[str, str]] = {
    "women": {"woman_ref": "W-1", "referral_date": "2025-01-06"},
    "engagements": {
        "woman_ref": "W-1",
        "date": "2025-01-07",
        "type": "one_to_one",
        "attendance": "attended",
    },
    "group_sessions": {"session_ref": "S-1", "date": "2025-01-08", "title": "Wellbeing"},
    "group_attendance": {"session_ref": "S-1", "woman_ref": "W-1"},
    "assessments": {
        "woman_ref": "W-1",
        "date": "2025-01-09",
        "kind": "baseline",
        "need_area": "MH",
    },
    "outcomes": {
        "woman_ref": "W-1",
        "date": "2025-01-09",
        "kind": "baseline",
        "question": "felt_safe",
        "score": "2",
    },
    "activities": {"date": "2025-01-10", "type": "judiciary_training"},
    "flags": {"woman_ref": "W-1", "type": "marac", "raised_on": "2025-01-10"},
}


def write_csv(folder: Path, name: str, rows: Sequence[Sequence[Any]]) -> Path:
    """Write `name` (e.g. `women.csv`) into `folder` as RFC 4180 CSV; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return path


def write_table(folder: Path, table: str, *rows: dict[str, str]) -> Path:
    """Write a file for `table` with the union of the rows' columns (header first)."""
    header: list[str] = []
    for row in rows:
        header += [c for c in row if c not in header]
    return write_csv(
        folder, f"{table}.csv", [header, *([r.get(c, "") for c in header] for r in rows)]
    )


def minimal_set(folder: Path, **overrides: dict[str, str]) -> Path:
    """A valid one-row file for every table; `overrides[table]` changes cells of its row."""
    for table, row in MINIMAL.items():
        write_table(folder, table, {**row, **overrides.get(table, {})})
    return folder


def copy_valid(folder: Path) -> Path:
    """A writable copy of the valid fixture set."""
    shutil.copytree(VALID, folder)
    return folder


def run(ctx: Ctx, path: Path, **kwargs: Any) -> ImportReport:
    """Import on the tests' frozen clock (the autouse `clock` fixture sets the day)."""
    return run_import(ctx, path, **kwargs)


def problems(report: ImportReport) -> list[str]:
    """Every problem as its `file:line: column: message` line."""
    return [str(p) for p in report.problems]


def errors(report: ImportReport) -> list[str]:
    """Only the errors, as lines."""
    return [str(p) for p in report.errors]


def counts(store: Store) -> dict[str, int]:
    """Rows per table."""
    with store.read() as session:
        return {
            t: int(session.connection().execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in TABLES
        }


def fingerprint(store: Store) -> tuple[dict[str, int], int]:
    """Row counts and the audit head: equal fingerprints mean nothing was written."""
    from caseapp.models import AuditEvent

    with store.read() as session:
        head = session.exec(select(func.max(AuditEvent.seq))).one()
    return counts(store), int(head or 0)
