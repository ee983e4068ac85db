"""Compacting the change log: entries every peer holds go once they are old; erasures stay.

The log (`sync_change`) is what a store resends and relays; merging reads the field history
(`sync_field`), never the log, so removing an entry cannot change a value shown or a conflict.
An entry may go when every peer not revoked has reported holding it (its version vector covers
it) and it was made more than `KEEP_DAYS` ago, so a laptop restored from a recent copy is still
sent what it lost. Erasures (a woman's uid and nothing else) are never removed: a store restored
from any older copy still learns of every erasure. The highest number removed from each origin
is kept as the log's floor; a peer reporting less than the floor has lost changes the log no
longer holds, and is named as behind (enrol it again). A hub joining later is not affected: its
enrolment pack is a snapshot of the records and field history, not the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from caseapp.sync import capture
from caseapp.sync.capture import SEQ_PER_MS
from caseapp.sync.db import run

KEEP_DAYS = 30  # entries every peer holds are kept this long after they were made
# In `setting`, one key per origin (a value holds 2,000 characters, too few for all of a
# provider with many hubs): the highest number removed from that origin.
FLOOR_KEY = "sync_pruned:"
NEVER = 2**62  # above any change number (they fit PostgreSQL's bigint)
DAY_MS = 86_400_000
SIZE = (
    "length(origin) + length(hlc) + length(username) + length(tbl) + length(uid) "
    "+ length(owner) + length(op) + length(data) + 16"
)


@dataclass(frozen=True)
class LogSize:
    """The change log as `sync status` shows it."""

    entries: int
    size: int  # bytes, roughly: its text and numbers
    prunable: int  # entries every peer holds, old enough to go now
    erasures: int  # kept for good


def horizon(conn: Connection) -> dict[str, int]:
    """For each origin in the log, the highest number every peer not revoked holds."""
    live = [
        json.loads(str(acked))
        for acked, revoked in run(conn, "SELECT acked, revoked FROM sync_peer")
        if not revoked
    ]
    origins = [str(r[0]) for r in run(conn, "SELECT DISTINCT origin FROM sync_change")]
    # With no peer left (every hub revoked) nothing is waiting for anyone: a hub enrolled
    # later is sent a snapshot, not the log.
    return {o: min((int(a.get(o, 0)) for a in live), default=NEVER) for o in origins}


def cutoffs(conn: Connection, keep_days: int | None = None) -> dict[str, int]:
    """For each origin, the highest number that may be removed now."""
    days = KEEP_DAYS if keep_days is None else keep_days
    oldest = int(capture.now() * 1000) - days * DAY_MS
    # Numbers come from the origin's clock (at least its milliseconds times SEQ_PER_MS), so
    # one made before `oldest` is below this; a number pushed higher is kept a little longer.
    by_age = oldest * SEQ_PER_MS
    return {o: min(top, by_age) for o, top in horizon(conn).items()}


def _where(cut: dict[str, int]) -> tuple[str, tuple[Any, ...]]:
    if not cut:
        return "1 = 0", ()
    terms = " OR ".join("(origin = ? AND seq <= ?)" for _ in cut)
    params = tuple(v for o, top in sorted(cut.items()) for v in (o, top))
    return f"op != 'E' AND ({terms})", params


def measure(conn: Connection) -> LogSize:
    """How many entries the log holds, their size, how many could go now, how many erasures."""
    row = run(conn, f"SELECT count(*), coalesce(sum({SIZE}), 0) FROM sync_change").one()
    where, params = _where(cutoffs(conn))
    prunable = run(conn, f"SELECT count(*) FROM sync_change WHERE {where}", params).one()[0]
    erasures = run(conn, "SELECT count(*) FROM sync_change WHERE op = 'E'").one()[0]
    return LogSize(int(row[0]), int(row[1]), int(prunable), int(erasures))


def floor(conn: Connection) -> dict[str, int]:
    """The highest number removed from each origin (nothing removed: empty)."""
    rows = run(conn, "SELECT key, value FROM setting WHERE key LIKE ?", (FLOOR_KEY + "%",))
    return {str(k).removeprefix(FLOOR_KEY): int(v) for k, v in rows}


def behind(conn: Connection, acked: dict[str, int]) -> bool:
    """Whether a peer holding `acked` lacks changes this log no longer holds (restored from an
    old copy): only a new enrolment brings it up to date."""
    return any(int(acked.get(o, 0)) < top for o, top in floor(conn).items())


def behind_note(name: str, role: str) -> str:
    """What to do about a peer that is behind, in one sentence."""
    lost = f"{name} lacks changes this store's log no longer holds (restored from an old copy?)"
    if role == "hub":
        return lost + ": enrol it again."
    return lost + ": restore the centre from its newest copy, or enrol this hub again."


def prune(conn: Connection, keep_days: int | None = None) -> int:
    """Remove the entries every peer holds that are old enough; return how many went."""
    cut = cutoffs(conn, keep_days)
    where, params = _where(cut)
    tops = run(
        conn,
        f"SELECT origin, max(seq), count(*) FROM sync_change WHERE {where} GROUP BY origin",
        params,
    ).fetchall()
    if not tops:
        return 0
    run(conn, f"DELETE FROM sync_change WHERE {where}", params)
    seen = floor(conn)
    run(
        conn,
        "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
        [
            (FLOOR_KEY + str(origin), str(max(seen.get(str(origin), 0), int(top))))
            for origin, top, _n in tops
        ],
    )
    return sum(int(r[2]) for r in tops)
