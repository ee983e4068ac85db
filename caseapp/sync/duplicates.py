"""Possible duplicates as the app shows them: both women side by side, each with her record's id.

Two stores offline may each register one woman (at a hub and at the centre, say). Sync keeps
both records and never merges them; a person compares them and decides. Merging is not built:
`WHAT_TO_DO` says what to do instead, on the screen that lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from caseapp.models import User, Woman
from caseapp.services.context import Ctx
from caseapp.services.recording import name_of
from caseapp.services.validation import show_date
from caseapp.sync import review
from caseapp.sync.capture import load_me
from caseapp.sync.db import run

WHAT_TO_DO = (
    "Sync never merges them, and merging is not built. Open both records, ask her keyworkers "
    "whether they are one woman; if so, add what the other holds to the record to keep, then "
    "close the other with the reason “Duplicate record”."
)
"""What a person does about a possible duplicate, shown where they are listed."""


@dataclass(frozen=True)
class TwinSide:
    """One of the two records: who she is, whose caseload, and which store registered her."""

    woman_id: int
    reference: str
    name: str
    born: str  # dd/mm/yyyy
    keyworker: str  # display name, or "" when unallocated
    status: str
    registered: str  # the store's name and the day, "at the centre on 02/11/2026"


@dataclass(frozen=True)
class TwinView:
    """Two women on different stores with the same name and date of birth."""

    first: TwinSide
    second: TwinSide


def _store_names(ctx: Ctx) -> dict[str, str]:
    """Each store's id, this one's included, with the name it goes by."""
    with ctx.read() as session:
        conn = session.connection()
        names = {str(r[0]): str(r[1]) for r in run(conn, "SELECT store_uid, name FROM sync_peer")}
        me = run(conn, "SELECT store_uid, name FROM sync_self WHERE id = 1").first()
    if me is not None:
        names[str(me[0])] = f"{me[1]} (this store)"
    return names


def possible_duplicates(ctx: Ctx) -> list[TwinView]:
    """The pairs she may see (none where nothing syncs), each side ready to show."""
    with ctx.read() as session:
        if load_me(session.connection()) is None:
            return []
    twins = review.possible_duplicates(ctx)
    if not twins:
        return []
    refs = sorted({r for t in twins for r in (t.first, t.second)})
    stores = _store_names(ctx)
    sides: dict[str, TwinSide] = {}
    with ctx.read() as session:
        conn = session.connection()
        rows = session.exec(
            select(Woman, User)
            .join(User, col(User.id) == col(Woman.keyworker_id), isouter=True)
            .where(col(Woman.reference).in_(refs))
        )
        for woman, user in rows:
            assert woman.id is not None
            origin = run(
                conn,
                "SELECT origin FROM sync_row WHERE tbl = 'woman' AND local_id = ?",
                (woman.id,),
            ).first()
            store = stores.get(str(origin[0]), "another store") if origin else "this store"
            sides[woman.reference] = TwinSide(
                woman.id,
                woman.reference,
                name_of(woman.first_name, woman.last_name, woman.preferred_name, woman.reference),
                show_date(woman.date_of_birth),
                (user.display_name or user.username) if user is not None else "",
                woman.status,
                f"at {store} on {show_date(woman.created_at.date())}",
            )
    return [
        TwinView(sides[t.first], sides[t.second])
        for t in twins
        if t.first in sides and t.second in sides
    ]


def count(ctx: Ctx) -> int:
    """How many possible duplicates she may see (0 where nothing syncs)."""
    with ctx.read() as session:
        if load_me(session.connection()) is None:
            return 0
    return len(review.possible_duplicates(ctx))


def record_of(ctx: Ctx, reference: str) -> int | None:
    """Her record's id on this store, to open it (None: not held here)."""
    if not reference:
        return None
    with ctx.read() as session:
        found = session.exec(select(col(Woman.id)).where(col(Woman.reference) == reference))
        return found.first()
