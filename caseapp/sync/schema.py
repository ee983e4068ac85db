"""Which tables are kept in sync, how their rows are identified and how references travel.

Integer ids stay local. A reference to another synced row travels as that row's uid, a
reference to a member of staff as her username, to a hub as its code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import Connection


@dataclass(frozen=True)
class Spec:
    """How one synced table is identified and what its references point at."""

    name: str
    refs: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # Rows without an integer id are identified by these columns (uids derive from them).
    natural: tuple[str, ...] = ()
    # The column that names the woman the row belongs to ("" for none; "id" for herself).
    owner: str = "woman_id"
    # Written by the app on every edit or derived from another field: never a conflict.
    quiet: frozenset[str] = frozenset()


def _spec(
    name: str,
    refs: dict[str, str],
    *,
    natural: tuple[str, ...] = (),
    owner: str = "woman_id",
    quiet: frozenset[str] = frozenset(),
) -> Spec:
    return Spec(name, MappingProxyType(refs), natural, owner, quiet)


# In dependency order: a row's references are inserted before it.
SPECS: tuple[Spec, ...] = (
    _spec(
        "woman",
        {"hub_id": "hub", "keyworker_id": "user"},
        owner="id",
        quiet=frozenset({"updated_at", "first_norm", "last_norm", "preferred_norm"}),
    ),
    _spec("referral", {"woman_id": "woman", "allocated_to_id": "user"}),
    _spec("consent", {"woman_id": "woman", "taken_by_id": "user"}),
    _spec("flag", {"woman_id": "woman", "raised_by_id": "user", "cleared_by_id": "user"}),
    _spec("closure", {"woman_id": "woman", "closed_by_id": "user", "reopened_by_id": "user"}),
    _spec("womanshare", {"woman_id": "woman", "user_id": "user"}, natural=("woman_id", "user_id")),
    _spec("engagement", {"woman_id": "woman", "hub_id": "hub", "keyworker_id": "user"}),
    _spec("assessment", {"woman_id": "woman", "assessor_id": "user"}),
    _spec(
        "assessmentitem",
        {"assessment_id": "assessment"},
        natural=("assessment_id", "need_area"),
        owner="assessment_id",
    ),
    _spec(
        "plangoal",
        {"woman_id": "woman", "created_by_id": "user"},
        quiet=frozenset({"updated_at"}),
    ),
    _spec("outcome", {"woman_id": "woman", "recorded_by_id": "user"}),
    _spec("groupsession", {"hub_id": "hub", "facilitator_id": "user"}, owner=""),
    _spec(
        "groupattendance",
        {"session_id": "groupsession", "woman_id": "woman"},
        natural=("session_id", "woman_id"),
    ),
    _spec("activity", {"hub_id": "hub", "created_by_id": "user"}, owner=""),
)

BY_NAME: MappingProxyType[str, Spec] = MappingProxyType({s.name: s for s in SPECS})


def columns(conn: Connection, table: str) -> list[str]:
    """The table's columns as the store has them now (so new columns are synced too)."""
    if conn.dialect.name == "postgresql":
        from caseapp.sync.db import pg_types

        return list(pg_types(conn, table))
    return [str(r[1]) for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')]


def quote(name: str) -> str:
    """A quoted identifier; only names read from the store's own schema reach here."""
    return '"' + name.replace('"', '""') + '"'
