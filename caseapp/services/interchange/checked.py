"""What checking an interchange bundle finds and refers to: problems, known references, tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from caseapp.models import GroupSession, Hub, User, Woman
from caseapp.models.reference import Borough
from caseapp.services.hubs import BoroughInfo
from caseapp.services.interchange.bulk import table_of
from caseapp.services.interchange.spec import COLUMNS
from caseapp.services.validation import fold
from caseapp.textsafe import visible

ERROR, WARNING, NOTE = "error", "warning", "note"


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
