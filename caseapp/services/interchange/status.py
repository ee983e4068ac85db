"""Her status follows from her records: closed with a closure date, active once she has attended."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from sqlalchemy import Connection, and_, case, exists, select, update

from caseapp.models import Engagement, GroupAttendance, Woman
from caseapp.models.codes import ATTENDED
from caseapp.services.interchange.bulk import table_of

_BLOCK = 500


def refresh_status(conn: Connection, woman_ids: Iterable[int]) -> None:
    """Set `status` for these women: `closed`, else `active` if she attended anything, else
    `referred`. The demo and the import both use this one rule, so a round trip keeps it."""
    woman = table_of(Woman)
    engagement = table_of(Engagement)
    register = table_of(GroupAttendance)
    attended = exists(
        select(engagement.c.id).where(
            and_(engagement.c.woman_id == woman.c.id, engagement.c.attendance.in_(ATTENDED))
        )
    ) | exists(
        select(register.c.woman_id).where(
            and_(register.c.woman_id == woman.c.id, register.c.attendance.in_(ATTENDED))
        )
    )
    status = case(
        (woman.c.closed_on.is_not(None), "closed"),
        (attended, "active"),
        else_="referred",
    )
    iterator = iter(woman_ids)
    while block := list(islice(iterator, _BLOCK)):
        conn.execute(update(woman).where(woman.c.id.in_(block)).values(status=status))
