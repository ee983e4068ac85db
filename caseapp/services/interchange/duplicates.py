"""Possible duplicates among incoming women: same name skeleton and date of birth as someone
held, or as an earlier row of the same file. Reported, never merged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from caseapp.models import Woman
from caseapp.services.skeleton import skeleton

# One incoming woman: (line, reference, first name, last name, date of birth).
Incoming = tuple[int, str, str, str, "dt.date | None"]
BLOCK = 500


def _key(first: str, last: str) -> tuple[str, str]:
    a, b = skeleton(first or ""), skeleton(last or "")
    return (a, b) if a <= b else (b, a)  # either order


def _held(conn: Connection, births: list[dt.date]) -> dict[dt.date, list[tuple[str, Any]]]:
    table = Woman.__table__  # type: ignore[attr-defined]
    held: dict[dt.date, list[tuple[str, Any]]] = {}
    for start in range(0, len(births), BLOCK):
        chunk = births[start : start + BLOCK]
        stmt = select(
            table.c.reference, table.c.first_name, table.c.last_name, table.c.date_of_birth
        ).where(table.c.date_of_birth.in_(chunk))
        for ref, first, last, born in conn.execute(stmt):
            held.setdefault(born, []).append((ref, _key(first, last)))
    return held


def possible_duplicates(conn: Connection, incoming: Iterable[Incoming]) -> list[tuple[int, str]]:
    """(line, message) for every incoming woman who may be someone already held or listed."""
    rows = [r for r in incoming if r[4] is not None]
    held = _held(conn, sorted({r[4] for r in rows if r[4] is not None}))
    first_seen: dict[tuple[Any, tuple[str, str]], tuple[int, str]] = {}
    out: list[tuple[int, str]] = []
    for line, ref, first, last, born in rows:
        key = _key(first, last)
        matches = sorted(h for h, k in held.get(born, []) if k == key)  # type: ignore[arg-type]
        if matches:
            out.append(
                (
                    line,
                    f"{ref} may be the same woman as {', '.join(matches)} already held "
                    "(same name and date of birth); imported separately, nothing merged",
                )
            )
        earlier = first_seen.setdefault((born, key), (line, ref))
        if earlier[0] != line:
            out.append(
                (
                    line,
                    f"{ref} may be the same woman as {earlier[1]} on line {earlier[0]} of this "
                    "file (same name and date of birth); nothing merged",
                )
            )
    return out
